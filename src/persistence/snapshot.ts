/**
 * A point-in-time snapshot of the keyspace without stopping the world.
 *
 * Node cannot fork, so the copy-on-write Redis gets from the kernel is done here at key
 * granularity, as fork-less stores (Dragonfly) do:
 *
 * - At the start (time T0) each db's keys and values are copied into two flat arrays
 *   (about 15 ms and 16 bytes a key for 1M keys). String values are immutable JS strings, so the
 *   array already holds their T0 value, whatever writes do afterwards.
 * - Collections (hashes, lists, sets, sorted sets) change in place. Before any write touches a
 *   key (dispatch announces every key a write command names, expiry announces its deletions),
 *   beforeWrite() serializes the key's collection if it is a T0 value not written yet, and marks
 *   it written (TypedValue.snapshotMark). The first touch of a key after T0 sees its T0 state,
 *   because every change is preceded by a touch.
 * - Collections created after T0 carry the new generation as their mark from birth, so they
 *   are never mistaken for T0 values.
 * - Expiry times live in a mutable table: for a db that had volatile keys at T0, the first touch
 *   of each key records its T0 expiry time, and the walk prefers that record to the live table.
 * - FLUSHDB/FLUSHALL replace a db's tables (Database.clear), SWAPDB swaps them: the snapshot
 *   follows tables by identity, so neither disturbs it.
 *
 * The walk itself (produce) serializes keys in slices the caller spreads across event-loop
 * turns. Order in the file does not matter to a loader, so early-serialized keys simply come
 * wherever they were written. Only one snapshot runs at a time (the marks are shared).
 */
import type { Database, Value } from '../keyspace/database.js';
import type { KeyTable } from '../keyspace/key-table.js';
import { snapshotGeneration } from '../keyspace/database.js';
import { RdbWriter, type RdbWriterOptions } from './rdb-writer.js';

/** Recorded T0 expiry of a key that had none. */
const NO_EXPIRY = -1;

interface DbSnapshot {
  readonly index: number;
  readonly keys: string[];
  readonly values: Value[];
  /** The db's expiry table as of T0 (the object; it changes only after a touch is recorded). */
  readonly expires: Map<string, number>;
  /** Key -> its T0 expiry time (or NO_EXPIRY), recorded at its first touch; null when the db had no volatile key at T0. */
  readonly expiryAtT0: Map<string, number> | null;
}

export interface SnapshotStats {
  /** Keys in the snapshot (as of T0, including keys logically expired but not yet removed). */
  keys: number;
  /** Keys written so far. */
  written: number;
  /** Collections serialized ahead of the walk because a write was about to change them. */
  copiedOnWrite: number;
  /** Keys whose T0 expiry time had to be recorded. */
  expiryRecords: number;
  /** How long the start (copying the key arrays) held the event loop, in ms. */
  startMs: number;
}

export class Snapshot {
  readonly generation: number;
  readonly writer: RdbWriter;
  readonly stats: SnapshotStats;
  private readonly byTable = new Map<KeyTable<Value>, DbSnapshot>();
  private readonly dbs: DbSnapshot[] = [];
  private dbCursor = 0;
  private keyCursor = 0;
  private done = false;

  /** `monotonicMs` only measures the start for stats. */
  constructor(databases: readonly Database[], options: RdbWriterOptions, monotonicMs: () => number) {
    const t0 = monotonicMs();
    this.generation = ++snapshotGeneration.current;
    this.writer = new RdbWriter(options);
    let keys = 0;
    for (const db of databases) {
      if (db.dict.size === 0) continue;
      const snap: DbSnapshot = {
        index: db.id,
        keys: db.dict.keysArray(),
        values: db.dict.valuesArray(),
        expires: db.expires,
        expiryAtT0: db.expires.size === 0 ? null : new Map(),
      };
      keys += snap.keys.length;
      this.writer.hintSizes(db.id, snap.keys.length, db.expires.size);
      this.dbs.push(snap);
      this.byTable.set(db.dict, snap);
    }
    this.stats = { keys, written: 0, copiedOnWrite: 0, expiryRecords: 0, startMs: monotonicMs() - t0 };
  }

  get finished(): boolean {
    return this.done;
  }

  /** A write is about to change `key` in `db` (or remove it): capture its T0 state first. */
  beforeWrite(db: Database, key: string): void {
    const snap = this.byTable.get(db.dict);
    if (snap === undefined || this.done) return;
    const record = snap.expiryAtT0;
    if (record !== null && !record.has(key)) {
      record.set(key, snap.expires.get(key) ?? NO_EXPIRY);
      this.stats.expiryRecords++;
    }
    const value = db.dict.get(key);
    if (value === undefined || typeof value === 'string' || value.snapshotMark === this.generation) return;
    value.snapshotMark = this.generation;
    this.writeKey(snap, key, value);
    this.stats.copiedOnWrite++;
  }

  /**
   * Serializes keys until about `bytesBudget` bytes are produced, `timeUp()` says so (checked every
   * few keys: one large collection can take long), or the walk ends. Returns true when every key
   * has been written (then call finish()).
   */
  produce(bytesBudget: number, timeUp: () => boolean = () => false): boolean {
    const w = this.writer;
    const until = w.bytesWritten + bytesBudget;
    let steps = 0;
    while (this.dbCursor < this.dbs.length) {
      const snap = this.dbs[this.dbCursor];
      const { keys, values } = snap;
      let i = this.keyCursor;
      for (; i < keys.length && w.bytesWritten < until; i++) {
        if ((++steps & 63) === 0 && timeUp()) break;
        const value = values[i];
        if (typeof value !== 'string') {
          if (value.snapshotMark === this.generation) continue;
          value.snapshotMark = this.generation;
        }
        this.writeKey(snap, keys[i], value);
      }
      this.keyCursor = i;
      if (i < keys.length) return false;
      // Release the db's arrays as soon as it is done: the memory overhead shrinks as the walk goes.
      this.byTable.forEach((s, table) => {
        if (s === snap) this.byTable.delete(table);
      });
      this.dbs[this.dbCursor] = EMPTY_DB;
      this.dbCursor++;
      this.keyCursor = 0;
    }
    return true;
  }

  /** Ends the file; returns its last chunks. */
  finish(): Buffer[] {
    this.done = true;
    this.byTable.clear();
    return this.writer.finish();
  }

  /** Stops early (the save failed or was killed); nothing more is produced. */
  abandon(): void {
    this.done = true;
    this.byTable.clear();
    this.dbs.length = 0;
  }

  private writeKey(snap: DbSnapshot, key: string, value: Value): void {
    let expireAt = snap.expiryAtT0?.get(key);
    if (expireAt === undefined) expireAt = snap.expiryAtT0 === null ? NO_EXPIRY : (snap.expires.get(key) ?? NO_EXPIRY);
    this.writer.writeKey(snap.index, key, value, expireAt === NO_EXPIRY ? null : expireAt);
    this.stats.written++;
  }
}

const EMPTY_DB: DbSnapshot = { index: -1, keys: [], values: [], expires: new Map(), expiryAtT0: null };
