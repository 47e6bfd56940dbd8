/**
 * WATCH: which clients watch which keys. A write to a watched key (by anyone, expiry included)
 * marks its watchers, and their next EXEC fails. Keys that expire after WATCH also fail EXEC
 * (checked at EXEC, as Redis 7 does), even if no access removed them yet.
 */
import type { Database } from '../keyspace/database.js';
import type { Client } from './client.js';

/** Keys one client may watch: each costs a map entry here and in its own list. */
export const WATCHED_KEYS_PER_CLIENT_MAX = 1_000_000;

interface Watched {
  db: Database;
  key: string;
  /** The key was already logically expired when watched: its expiry is not a change. */
  expiredAtWatch: boolean;
}

export class Watches {
  private readonly byKey = new Map<Database, Map<string, Set<Client>>>();
  private readonly byClient = new Map<Client, Watched[]>();

  watch(client: Client, db: Database, key: string, nowMs: number): boolean {
    let list = this.byClient.get(client);
    if (list === undefined) {
      list = [];
      this.byClient.set(client, list);
    }
    if (list.some((w) => w.db === db && w.key === key)) return true;
    if (list.length >= WATCHED_KEYS_PER_CLIENT_MAX) return false;
    list.push({ db, key, expiredAtWatch: db.isExpired(key, nowMs) });
    let keys = this.byKey.get(db);
    if (keys === undefined) {
      keys = new Map();
      this.byKey.set(db, keys);
    }
    let clients = keys.get(key);
    if (clients === undefined) {
      clients = new Set();
      keys.set(key, clients);
    }
    clients.add(client);
    return true;
  }

  unwatchAll(client: Client): void {
    const list = this.byClient.get(client);
    if (list === undefined) return;
    this.byClient.delete(client);
    for (const w of list) {
      const keys = this.byKey.get(w.db);
      const clients = keys?.get(w.key);
      if (clients === undefined) continue;
      clients.delete(client);
      if (clients.size === 0) keys!.delete(w.key);
    }
    client.watchDirty = false;
  }

  /** A key changed: every client watching it will fail its EXEC. */
  touched(db: Database, key: string): void {
    if (this.byKey.size === 0) return;
    const clients = this.byKey.get(db)?.get(key);
    if (clients === undefined) return;
    for (const c of clients) c.watchDirty = true;
  }

  /** SWAPDB/FLUSHALL: every watched key of these dbs that exists in either counts as changed. */
  touchedAll(dbs: readonly Database[], nowMs: number): void {
    for (const db of dbs) {
      const keys = this.byKey.get(db);
      if (keys === undefined) continue;
      for (const [key, clients] of keys) {
        if (!dbs.some((d) => d.dict.has(key) && !d.isExpired(key, nowMs))) continue;
        for (const c of clients) c.watchDirty = true;
      }
    }
  }

  /** True when EXEC must fail: a watched key changed, or expired since it was watched. */
  failed(client: Client, nowMs: number): boolean {
    if (client.watchDirty) return true;
    const list = this.byClient.get(client);
    if (list === undefined) return false;
    return list.some((w) => !w.expiredAtWatch && w.db.isExpired(w.key, nowMs));
  }

  get watchingClients(): number {
    return this.byClient.size;
  }
}
