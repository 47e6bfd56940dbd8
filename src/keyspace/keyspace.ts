/** The numbered databases, their shared statistics, SCAN cursors and random sampling. */
import { Database, type KeyspaceEvents, type Value } from './database.js';
import { ScanCursors } from './scan-cursors.js';

export const DATABASES_MAX = 1024;
/** RANDOMKEY walks a persistent iterator forward by up to this many steps per call. */
const RANDOM_SKIP_MAX = 32;
/** RANDOMKEY gives up looking for a non-expired key after this many tries, as Redis does. */
const RANDOM_TRIES_MAX = 100;

export interface KeyspaceStats {
  expiredKeys: number;
  hits: number;
  misses: number;
}

export class Keyspace {
  readonly dbs: Database[];
  readonly stats: KeyspaceStats = { expiredKeys: 0, hits: 0, misses: 0 };
  readonly scanCursors = new ScanCursors<string>();
  private randomIters = new Map<Map<string, Value>, Iterator<string>>();

  constructor(count: number, events: KeyspaceEvents) {
    const counting: KeyspaceEvents = {
      expired: (db, key) => {
        this.stats.expiredKeys++;
        events.expired(db, key);
      },
      touched: (db, key) => events.touched(db, key),
      beforeExpire: (db, key) => events.beforeExpire?.(db, key),
    };
    this.dbs = Array.from({ length: count }, (_, i) => new Database(i, counting));
  }

  /** A key chosen by walking a persistent iterator a random distance, skipping expired keys. */
  randomKey(db: Database, now: number, random: () => number): string | undefined {
    for (let attempt = 0; attempt < RANDOM_TRIES_MAX && db.dict.size > 0; attempt++) {
      const key = this.step(db.dict, 1 + Math.floor(random() * RANDOM_SKIP_MAX) % Math.max(1, db.dict.size));
      if (key === undefined) return undefined;
      if (!db.isExpired(key, now)) return key;
      if (!db.deleteExpired) {
        // A replica cannot delete; Redis returns such a key rather than loop forever.
        if (attempt === RANDOM_TRIES_MAX - 1) return key;
        continue;
      }
      db.expireNow(key);
    }
    return undefined;
  }

  private step(dict: Map<string, Value>, steps: number): string | undefined {
    let iter = this.randomIters.get(dict);
    let last: string | undefined;
    for (let i = 0; i < steps; i++) {
      let r = iter?.next();
      if (iter === undefined || r === undefined || r.done) {
        iter = dict.keys();
        this.randomIters.set(dict, iter);
        r = iter.next();
        if (r.done) return undefined;
      }
      last = r.value;
    }
    return last;
  }

  dropIterators(): void {
    this.randomIters.clear();
  }
}
