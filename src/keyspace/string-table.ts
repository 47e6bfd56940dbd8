/**
 * A hash table from byte-string keys to values, in insertion order, with live iterators: the
 * parts of `Map<string, V>` the keyspace types use, built to touch less memory per lookup.
 *
 * Why not Map: on a table of 100k+ keys every lookup misses the cache. V8's Map reads a bucket,
 * then an entry, then the key string's header to compare it, and walks a chain of ~1.5 entries
 * on average: 3 to 5 dependent misses (perf annotate of MapPrototypeSet: ~95% of its time on
 * those loads, a third of HSET's CPU on a 100k-field hash). Here the index keeps, per slot, the
 * key's hash, its length and up to 20 of its bytes, so a lookup of a short key is decided in
 * the one slot it lands on (32 bytes, linear probing) and the key string is never read.
 *
 * Layout, as in CPython's compact dict: `keys`/`vals` hold entries in insertion order (a deleted
 * entry leaves a hole until the next rebuild); `index` is open-addressed, SLOT_INTS per slot:
 *   [hash, state, tag, w0..w4]  state: 0 empty, -1 deleted, else entry + 1
 *   tag: the key's length when its bytes are inline in w0..w4, else -(length + 1)
 * Iterators hold an entry position; a rebuild that drops holes moves the positions of the
 * iterators still open, so an iteration survives any mix of inserts and deletes, as Map's does:
 * entries present throughout are visited exactly once, entries added meanwhile are visited too.
 */
import { HASH_SEED, OpenTable, finishHash, hashStep, overLoad, shouldCompact, slotsFor } from './table-common.js';

/** Keys of up to this many bytes are compared inside the index slot. */
export const INLINE_KEY_BYTES_MAX = 20;
const SLOT_INTS = 8;
const WORDS = 5;
const EMPTY = 0;
const DELETED = -1;
/** Entries and slots both index an Int32Array: 2^26 slots of 8 ints is 2 GB, past V8's limit. */
export const STRING_TABLE_SIZE_MAX = 2 ** 25;

/** The key being looked up, prepared once: its hash, tag and packed bytes. */
const probeWords = new Int32Array(WORDS);
let probeHash = 0;
let probeTag = 0;

function prepare(key: string): void {
  const n = key.length;
  let h = HASH_SEED ^ n;
  if (n <= INLINE_KEY_BYTES_MAX) {
    let w = 0;
    let all = 0;
    for (let i = 0; i < n; i++) {
      const c = key.charCodeAt(i);
      all |= c;
      h = hashStep(h, c);
      w |= (c & 0xff) << ((i & 3) << 3);
      if ((i & 3) === 3) {
        probeWords[i >> 2] = w;
        w = 0;
      }
    }
    if ((n & 3) !== 0) probeWords[n >> 2] = w;
    probeTag = all > 0xff ? -(n + 1) : n;
  } else {
    for (let i = 0; i < n; i++) h = hashStep(h, key.charCodeAt(i));
    probeTag = -(n + 1);
  }
  probeHash = finishHash(h);
}

export class StringTable<V> extends OpenTable implements Iterable<[string, V]> {
  private keyList: (string | undefined)[] = [];
  private valList: (V | undefined)[] = [];

  constructor(expectedSize = 0) {
    super(expectedSize, SLOT_INTS);
  }

  /** An independent table with the same entries in the same order (COPY, SUNIONSTORE...). */
  copy(): StringTable<V> {
    const t = new StringTable<V>();
    t.index = this.index.slice();
    t.mask = this.mask;
    t.keyList = this.keyList.slice();
    t.valList = this.valList.slice();
    t.live = this.live;
    t.tombstones = this.tombstones;
    t.holes = this.holes;
    return t;
  }

  /** Slot of `key`, or -1 (then insertSlot says where it would go). Call prepare(key) first. */
  private find(key: string): number {
    const index = this.index;
    const mask = this.mask;
    const h = probeHash;
    const tag = probeTag;
    let slot = h & mask;
    let firstDeleted = -1;
    for (;;) {
      const base = slot * SLOT_INTS;
      const state = index[base + 1];
      if (state === EMPTY) {
        this.insertSlot = firstDeleted >= 0 ? firstDeleted : slot;
        return -1;
      }
      if (state === DELETED) {
        if (firstDeleted < 0) firstDeleted = slot;
      } else if (index[base] === h && index[base + 2] === tag) {
        if (tag >= 0) {
          const words = (tag + 3) >> 2;
          let same = true;
          for (let j = 0; j < words; j++) {
            if (index[base + 3 + j] !== probeWords[j]) {
              same = false;
              break;
            }
          }
          if (same) return slot;
        } else if (this.keyList[state - 1] === key) {
          return slot;
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  get(key: string): V | undefined {
    prepare(key);
    const slot = this.find(key);
    return slot < 0 ? undefined : this.valList[this.index[slot * SLOT_INTS + 1] - 1];
  }

  has(key: string): boolean {
    prepare(key);
    return this.find(key) >= 0;
  }

  /** Sets `key` to `value`; true when the key is new (it then goes last in iteration order). */
  set(key: string, value: V): boolean {
    prepare(key);
    const slot = this.find(key);
    if (slot >= 0) {
      this.valList[this.index[slot * SLOT_INTS + 1] - 1] = value;
      return false;
    }
    if (overLoad(this.live + this.tombstones + 1, this.mask + 1)) {
      if (this.live >= STRING_TABLE_SIZE_MAX) throw new RangeError('StringTable size limit');
      this.rebuild(slotsFor(this.live + 1));
      prepare(key);
      this.find(key);
    }
    const at = this.insertSlot;
    const base = at * SLOT_INTS;
    const index = this.index;
    if (index[base + 1] === DELETED) this.tombstones--;
    index[base] = probeHash;
    index[base + 1] = this.keyList.length + 1;
    index[base + 2] = probeTag;
    if (probeTag >= 0) for (let j = 0; j < WORDS; j++) index[base + 3 + j] = probeWords[j];
    this.keyList.push(key);
    this.valList.push(value);
    this.live++;
    return true;
  }

  delete(key: string): boolean {
    prepare(key);
    const slot = this.find(key);
    if (slot < 0) return false;
    const base = slot * SLOT_INTS;
    const entry = this.index[base + 1] - 1;
    this.index[base + 1] = DELETED;
    this.keyList[entry] = undefined;
    this.valList[entry] = undefined;
    this.live--;
    this.tombstones++;
    this.holes++;
    if (shouldCompact(this.live, this.holes, this.mask + 1)) this.rebuild(slotsFor(this.live));
    return true;
  }

  /**
   * Re-creates the index with `slots` slots, first dropping the lists' holes and moving open
   * iterators past them.
   */
  private rebuild(slots: number): void {
    let moved: Int32Array | null = null;
    if (this.holes > 0) {
      const oldKeys = this.keyList;
      const oldVals = this.valList;
      moved = new Int32Array(oldKeys.length + 1);
      const keys: string[] = [];
      const vals: V[] = [];
      for (let i = 0; i < oldKeys.length; i++) {
        moved[i] = keys.length;
        const k = oldKeys[i];
        if (k === undefined) continue;
        keys.push(k);
        vals.push(oldVals[i] as V);
      }
      moved[oldKeys.length] = keys.length;
      this.cursors.move(moved, oldKeys.length);
      this.keyList = keys;
      this.valList = vals;
      this.holes = 0;
    }
    this.reindex(slots, moved);
  }

  /** Live iteration (see the file comment), yielding what `pick` makes of each entry. */
  private walk<T>(pick: (k: string, v: V) => T): Generator<T, undefined, undefined> {
    return this.cursors.walk(
      () => this.keyList.length,
      (i) => {
        const k = this.keyList[i];
        return k === undefined ? undefined : pick(k, this.valList[i] as V);
      },
    );
  }

  keys(): Generator<string, undefined, undefined> {
    return this.walk((k) => k);
  }

  values(): Generator<V, undefined, undefined> {
    return this.walk((_k, v) => v);
  }

  entries(): Generator<[string, V], undefined, undefined> {
    return this.walk((k, v): [string, V] => [k, v]);
  }

  [Symbol.iterator](): Generator<[string, V], undefined, undefined> {
    return this.entries();
  }
}
