/**
 * The table of a database's keys: the parts of `Map<string, V>` the keyspace uses, in insertion
 * order with live iterators, built so a big table touches less memory per operation.
 *
 * Why not Map: V8's Map chains entries from buckets at two entries per bucket, so adding a key
 * reads the bucket, then each chained entry and its key string's header to compare, all cache
 * misses on a big table; and each doubling re-reads every key string for its hash. Loading 1M
 * keys spent 55% of the restart in Map.set (perf annotate: ~97% of it on those loads). Here the
 * index is open-addressed with linear probing and keeps each key's 32-bit hash beside its
 * entry number, so a new key is placed after reading only its slot's neighbourhood, a lookup
 * reads a key string only when the full hash matches, and growing never reads a key.
 *
 * Layout, as in CPython's compact dict:
 *   index: [hash, state] per slot; state 0 empty, -1 deleted (a tombstone), else entry + 1
 *   ents:  key, value, key, value... in insertion order; a deleted entry leaves a hole
 *          (undefined, undefined) until the next compaction
 * A key and its value share a cache line, so a hit costs the slot, the entry and the key string:
 * the same three misses as Map, with none of the chain's. The memory per key is about Map's:
 * 8 bytes per slot at 3/8 to 3/4 load, 16 per entry.
 */
import { HASH_SEED, OpenTable, finishHash, hashStep, overLoad, shouldCompact, slotsFor } from './table-common.js';
import type { ScanSource } from './scan-cursors.js';

const EMPTY = 0;
const DELETED = -1;
/** randomKey(): uniform tries before it walks to the next live entry. */
const RANDOM_TRIES = 16;

function hashKey(key: string): number {
  let h = HASH_SEED ^ key.length;
  for (let i = 0; i < key.length; i++) h = hashStep(h, key.charCodeAt(i));
  return finishHash(h);
}

export class KeyTable<V> extends OpenTable implements ScanSource<string> {
  private ents: unknown[] = [];

  constructor(expectedSize = 0) {
    super(expectedSize, 2);
  }

  /** Makes room for `n` keys in all, so the index does not grow before it holds them. */
  reserve(n: number): void {
    const slots = slotsFor(n);
    if (slots > this.mask + 1) this.rebuild(slots);
  }

  /** Slot of `key` (hash `h`), or -1 with insertSlot set. */
  private find(key: string, h: number): number {
    const index = this.index;
    const mask = this.mask;
    let slot = h & mask;
    let firstTombstone = -1;
    for (;;) {
      const state = index[slot * 2 + 1];
      if (state === EMPTY) {
        this.insertSlot = firstTombstone >= 0 ? firstTombstone : slot;
        return -1;
      }
      if (state === DELETED) {
        if (firstTombstone < 0) firstTombstone = slot;
      } else if (index[slot * 2] === h && this.ents[(state - 1) * 2] === key) {
        return slot;
      }
      slot = (slot + 1) & mask;
    }
  }

  get(key: string): V | undefined {
    const slot = this.find(key, hashKey(key));
    return slot < 0 ? undefined : (this.ents[(this.index[slot * 2 + 1] - 1) * 2 + 1] as V);
  }

  has(key: string): boolean {
    return this.find(key, hashKey(key)) >= 0;
  }

  /** Sets `key` to `value`; true when the key is new (it then goes last in iteration order). */
  set(key: string, value: V): boolean {
    const h = hashKey(key);
    const slot = this.find(key, h);
    if (slot >= 0) {
      this.ents[(this.index[slot * 2 + 1] - 1) * 2 + 1] = value;
      return false;
    }
    if (overLoad(this.live + this.tombstones + 1, this.mask + 1)) {
      this.rebuild(slotsFor(this.live + 1));
      this.find(key, h);
    }
    const at = this.insertSlot * 2;
    const index = this.index;
    if (index[at + 1] === DELETED) this.tombstones--;
    index[at] = h;
    index[at + 1] = (this.ents.length >> 1) + 1;
    this.ents.push(key, value);
    this.live++;
    return true;
  }

  delete(key: string): boolean {
    const slot = this.find(key, hashKey(key));
    if (slot < 0) return false;
    const entry = this.index[slot * 2 + 1] - 1;
    this.index[slot * 2 + 1] = DELETED;
    this.ents[entry * 2] = undefined;
    this.ents[entry * 2 + 1] = undefined;
    this.live--;
    this.tombstones++;
    this.holes++;
    if (shouldCompact(this.live, this.holes, this.mask + 1)) this.rebuild(slotsFor(this.live));
    return true;
  }

  /**
   * A key picked uniformly at random (RANDOMKEY), or undefined when empty: a random entry
   * position, retried on a hole. Holes are at most about half the entries, so a live entry is
   * found within a few tries; after RANDOM_TRIES it takes the next live entry instead.
   */
  randomKey(random: () => number): string | undefined {
    if (this.live === 0) return undefined;
    const ents = this.ents;
    const count = ents.length >> 1;
    let pos = 0;
    for (let i = 0; i < RANDOM_TRIES; i++) {
      pos = Math.floor(random() * count);
      const k = ents[pos * 2];
      if (k !== undefined) return k as string;
    }
    for (let i = 1; i <= count; i++) {
      const k = ents[((pos + i) % count) * 2];
      if (k !== undefined) return k as string;
    }
    return undefined;
  }

  /** Every key in order, as one array (a snapshot's start: one tight loop, no iterator). */
  keysArray(): string[] {
    return this.collect(0) as string[];
  }

  /** Every value in the order of keysArray(). */
  valuesArray(): V[] {
    return this.collect(1) as V[];
  }

  private collect(part: 0 | 1): unknown[] {
    const out = new Array<unknown>(this.live);
    const ents = this.ents;
    let n = 0;
    for (let i = 0; i < ents.length; i += 2) if (ents[i] !== undefined) out[n++] = ents[i + part];
    return out;
  }

  keys(): Generator<string, undefined, undefined> {
    return this.walk((e) => this.ents[e * 2] as string | undefined);
  }

  values(): Generator<V, undefined, undefined> {
    return this.walk((e) => (this.ents[e * 2] === undefined ? undefined : (this.ents[e * 2 + 1] as V)));
  }

  entries(): Generator<[string, V], undefined, undefined> {
    return this.walk((e): [string, V] | undefined => {
      const k = this.ents[e * 2];
      return k === undefined ? undefined : [k as string, this.ents[e * 2 + 1] as V];
    });
  }

  [Symbol.iterator](): Generator<[string, V], undefined, undefined> {
    return this.entries();
  }

  private walk<T>(pick: (entry: number) => T | undefined): Generator<T, undefined, undefined> {
    return this.cursors.walk(() => this.ents.length >> 1, pick);
  }

  /**
   * Re-creates the index with `slots` slots, first dropping the entries' holes and moving open
   * iterators past them.
   */
  private rebuild(slots: number): void {
    let moved: Int32Array | null = null;
    if (this.holes > 0) {
      const ents = this.ents;
      const count = ents.length >> 1;
      moved = new Int32Array(count + 1);
      const kept: unknown[] = [];
      for (let e = 0; e < count; e++) {
        moved[e] = kept.length >> 1;
        if (ents[e * 2] === undefined) continue;
        kept.push(ents[e * 2], ents[e * 2 + 1]);
      }
      moved[count] = kept.length >> 1;
      this.cursors.move(moved, count);
      this.ents = kept;
      this.holes = 0;
    }
    this.reindex(slots, moved);
  }
}
