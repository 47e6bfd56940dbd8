/**
 * One numbered database: keys to values, and keys to absolute expiry times (ms), kept apart as
 * Redis keeps `dict` and `expires`, so keys without a TTL pay nothing for expiry.
 *
 * Keys and string values are byte strings (one char per byte). A string value is stored bare in
 * the map: wrapping every value in an object costs ~40 bytes a key (measured: 1M small keys,
 * 88 MB bare vs 128 MB wrapped). Other types are objects with a `type` field.
 */
import { assert } from '../util/assert.js';
import { KeyTable } from './key-table.js';

export interface TypedValue {
  readonly type: 'list' | 'set' | 'zset' | 'hash' | 'stream';
  /** A deep copy (COPY). */
  clone(): TypedValue;
  /** OBJECT ENCODING's answer, as Redis 7.0 would give for this content (listpack, quicklist, ...). */
  encoding(): string;
  /**
   * Estimated heap bytes of the value (MEMORY USAGE). A type that does not track its payload
   * size estimates it from its first `samples` elements (0 = all), as Redis does.
   */
  bytes(samples?: number): number;
  /** Number of elements (fields, members): 0 means the key must be deleted. */
  readonly size: number;
  /**
   * The snapshot generation this value belongs to (see persistence/snapshot.ts): set to
   * `snapshotGeneration.current` at creation, and to a running snapshot's generation once that
   * snapshot has written the value. A value whose mark differs from the running snapshot's
   * generation existed when the snapshot began and has not been written yet.
   */
  snapshotMark: number;
}

/** Incremented when a snapshot starts; new collection values take the current value as their mark. */
export const snapshotGeneration = { current: 0 };

export type Value = string | TypedValue;

/**
 * Keys one database may hold; past this a write gets an error. A bound we set, well inside what
 * the table can hold (its index then takes 256 MB).
 */
export const KEYS_PER_DB_MAX = 16_000_000;

export function cloneValue(v: Value): Value {
  return typeof v === 'string' ? v : v.clone();
}

export function typeName(v: Value): string {
  return typeof v === 'string' ? 'string' : v.type;
}

/** What the keyspace reports to the server when a key leaves through expiry. */
export interface KeyspaceEvents {
  /** A key was found expired and removed; the primary turns this into a DEL effect. */
  expired(db: Database, key: string): void;
  /** A key changed (for WATCH and client-side caching later). */
  touched(db: Database, key: string): void;
  /**
   * A key is about to be removed by expiry, outside any command (a running snapshot must
   * capture it first). Commands announce their keys in dispatch instead.
   */
  beforeExpire?(db: Database, key: string): void;
}

export class Database {
  dict = new KeyTable<Value>();
  expires = new Map<string, number>();
  /**
   * False on a replica: expired keys are hidden from reads but removed only when the
   * primary's DEL arrives, so replicas never diverge.
   */
  deleteExpired = true;
  /**
   * True while a replica applies its primary's stream: keys past their TTL still exist for those
   * commands (the primary decides expiry and sends DEL), as Redis's expireIfNeeded for the master.
   */
  applyingPrimaryStream = false;

  constructor(readonly id: number, private readonly events: KeyspaceEvents) {}

  get size(): number {
    return this.dict.size;
  }

  /** The live value of `key`, or undefined. Removes the key if its TTL has passed (lazy expiry). */
  get(key: string, now: number): Value | undefined {
    const v = this.dict.get(key);
    if (v === undefined || this.expires.size === 0) return v;
    const at = this.expires.get(key);
    if (at === undefined || at >= now || this.applyingPrimaryStream) return v;
    this.expireNow(key);
    return undefined;
  }

  has(key: string, now: number): boolean {
    return this.get(key, now) !== undefined;
  }

  /** True when the key exists but its TTL has passed (used by active expiry). */
  isExpired(key: string, now: number): boolean {
    const at = this.expires.get(key);
    return at !== undefined && at < now;
  }

  /** Removes an expired key and reports it. On a replica the key is only hidden. */
  expireNow(key: string): void {
    if (!this.deleteExpired) return;
    this.events.beforeExpire?.(this, key);
    this.dict.delete(key);
    this.expires.delete(key);
    this.events.expired(this, key);
    this.events.touched(this, key);
  }

  /** Stores `value`. Drops the key's TTL unless `keepTtl`. */
  set(key: string, value: Value, keepTtl = false): void {
    if (this.dict.size >= KEYS_PER_DB_MAX && !this.dict.has(key)) {
      throw new KeyLimitError();
    }
    this.dict.set(key, value);
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
    this.events.touched(this, key);
  }

  /**
   * Adds a key while a data file loads: one table operation, and no touch, as nothing can
   * watch a key before the node serves clients. False when the key was already there (its
   * value is then replaced: the caller abandons the load).
   */
  loadKey(key: string, value: Value): boolean {
    if (this.dict.size >= KEYS_PER_DB_MAX) throw new KeyLimitError();
    return this.dict.set(key, value);
  }

  /** Makes room for `keys` keys in all (a loading file's size hint); never shrinks. */
  reserve(keys: number): void {
    this.dict.reserve(Math.min(keys, KEYS_PER_DB_MAX));
  }

  /** Replaces the value of an existing key in place, keeping its TTL. */
  replace(key: string, value: Value): void {
    assert(this.dict.has(key), 'replace of a missing key');
    this.dict.set(key, value);
    this.events.touched(this, key);
  }

  /**
   * Reports an in-place change of `key`'s value (a field added to a hash, a pushed element...):
   * WATCH and client-side caching see it like a replacement.
   */
  touch(key: string): void {
    this.events.touched(this, key);
  }

  delete(key: string): boolean {
    if (!this.dict.delete(key)) return false;
    if (this.expires.size !== 0) this.expires.delete(key);
    this.events.touched(this, key);
    return true;
  }

  /** Sets an absolute expiry time in ms. The key must exist. */
  setExpire(key: string, atMs: number): void {
    assert(this.dict.has(key), 'expire on a missing key');
    this.expires.set(key, atMs);
    this.events.touched(this, key);
  }

  getExpire(key: string): number | undefined {
    return this.expires.size === 0 ? undefined : this.expires.get(key);
  }

  persist(key: string): boolean {
    if (!this.expires.delete(key)) return false;
    this.events.touched(this, key);
    return true;
  }

  /**
   * Empties the db. The tables are replaced, not cleared, so a running snapshot keeps reading
   * the old ones untouched.
   */
  clear(): void {
    for (const key of this.dict.keys()) this.events.touched(this, key);
    this.dict = new KeyTable();
    this.expires = new Map();
  }

  /** Exchanges contents with `other` in O(1) (SWAPDB); clients stay on their numbered db. */
  swapWith(other: Database): void {
    [this.dict, other.dict] = [other.dict, this.dict];
    [this.expires, other.expires] = [other.expires, this.expires];
  }
}

export class KeyLimitError extends Error {
  constructor() {
    super(`ERR the database holds its maximum of ${KEYS_PER_DB_MAX} keys`);
  }
}
