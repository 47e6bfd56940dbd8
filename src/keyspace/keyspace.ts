/** The numbered databases, their shared statistics, SCAN cursors and random sampling. */
import { Database, type KeyspaceEvents } from './database.js';
import { ScanCursors } from './scan-cursors.js';

export const DATABASES_MAX = 1024;
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

  /** A key chosen uniformly at random, skipping (and removing) expired keys. */
  randomKey(db: Database, now: number, random: () => number): string | undefined {
    for (let attempt = 0; attempt < RANDOM_TRIES_MAX && db.dict.size > 0; attempt++) {
      const key = db.dict.randomKey(random);
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
}
