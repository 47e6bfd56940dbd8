/**
 * What the keyspace's own hash tables (KeyTable, StringTable) share: the seeded string hash's
 * parts, the open-addressing size rule, and live iteration over an entry log with holes.
 */
import { randomInt } from 'node:crypto';

/**
 * Seeds every table's hash so a client cannot pick keys that collide on every server (as V8
 * seeds Map's). Iteration is in insertion order, so the seed never shows in any reply.
 */
export const HASH_SEED = randomInt(0, 2 ** 31);

/** One FNV-1a step, 32-bit. */
export function hashStep(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

/** Murmur3's finalizer: every input bit reaches the low bits that pick the slot. */
export function finishHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const MIN_SLOTS = 8;
/** Entries kept before an index must grow: 3/4 of its slots, counting deleted ones. */
const LOAD_NUM = 3;
const LOAD_DEN = 4;

/** Index slots for `n` entries: a power of two with room below the load limit. */
export function slotsFor(n: number): number {
  let slots = MIN_SLOTS;
  while (n * LOAD_DEN >= slots * LOAD_NUM) slots *= 2;
  return slots;
}

/** True when `used` entries (live plus deleted) no longer fit `slots` slots. */
export function overLoad(used: number, slots: number): boolean {
  return used * LOAD_DEN > slots * LOAD_NUM;
}

/** Holes allowed beyond the live count before a delete compacts the entries. */
const HOLES_SLACK = 16;

/**
 * After a delete: true when the table should be rebuilt, because it is mostly empty (shrink) or
 * its holes outnumber its keys. Inserts that reuse deleted slots never trigger a rebuild, so
 * without the second rule the entries could grow without bound under churn.
 */
export function shouldCompact(live: number, holes: number, slots: number): boolean {
  return (slots > MIN_SLOTS && live * 8 < slots) || holes > live + HOLES_SLACK;
}

/** A position in an entry log, kept valid across compactions while registered. */
class Cursor {
  pos = 0;
}

/**
 * The iterators open on one table. A compaction that drops holes moves their positions, so an
 * iteration survives any mix of inserts and deletes as a Map iterator does: entries present
 * throughout are visited exactly once, entries added meanwhile are visited too.
 */
export class LiveCursors {
  private open: Set<Cursor> | null = null;

  /** Entry-log positions changed: `moved[old]` is the new position (`moved[oldLength]` the end). */
  move(moved: Int32Array, oldLength: number): void {
    if (this.open === null) return;
    for (const c of this.open) c.pos = moved[Math.min(c.pos, oldLength)];
  }

  /**
   * Walks the log from its start, yielding what `pick` makes of the entry at each position
   * (undefined: a hole, skipped). `length()` is read afresh each step, as entries may be added
   * (or the log compacted) meanwhile.
   */
  *walk<T>(length: () => number, pick: (pos: number) => T | undefined): Generator<T, undefined, undefined> {
    const c = new Cursor();
    this.open ??= new Set();
    this.open.add(c);
    try {
      while (c.pos < length()) {
        const item = pick(c.pos++);
        if (item !== undefined) yield item;
      }
    } finally {
      this.open.delete(c);
    }
    return undefined;
  }

  /** How many iterators are open (tests check abandoned ones get closed). */
  get count(): number {
    return this.open?.size ?? 0;
  }
}

/**
 * The state both tables keep: an open-addressed index of `slotInts` ints per slot (the first two
 * are the key's hash and its state: 0 empty, -1 deleted, else entry + 1) over an entry log.
 */
export abstract class OpenTable {
  private readonly slotInts: number;
  protected index: Int32Array;
  protected mask: number;
  protected live = 0;
  /** Deleted slots in the index (they count towards its load). */
  protected tombstones = 0;
  /** Deleted entries in the log (an insert may reuse a deleted slot, never a hole). */
  protected holes = 0;
  protected readonly cursors = new LiveCursors();
  /** Set by a lookup that misses: where the key would go (the first deleted slot on its path, else the empty one). */
  protected insertSlot = -1;

  constructor(expectedSize: number, slotInts: number) {
    const slots = slotsFor(expectedSize);
    this.slotInts = slotInts;
    this.index = new Int32Array(slots * slotInts);
    this.mask = slots - 1;
  }

  /**
   * Replaces the index with one of `slots` slots holding every live slot of the old one, placed
   * by its stored hash (no key is read); entry numbers go through `moved` when the log was
   * compacted. Deleted slots are dropped.
   */
  protected reindex(slots: number, moved: Int32Array | null): void {
    const n = this.slotInts;
    const old = this.index;
    const index = new Int32Array(slots * n);
    const mask = slots - 1;
    for (let from = 0; from < old.length; from += n) {
      const state = old[from + 1];
      if (state <= 0) continue;
      let slot = old[from] & mask;
      while (index[slot * n + 1] !== 0) slot = (slot + 1) & mask;
      const to = slot * n;
      for (let j = 0; j < n; j++) index[to + j] = old[from + j];
      if (moved !== null) index[to + 1] = moved[state - 1] + 1;
    }
    this.index = index;
    this.mask = mask;
    this.tombstones = 0;
  }

  get size(): number {
    return this.live;
  }

  /** Index slots (tests check presizing). */
  get slots(): number {
    return this.mask + 1;
  }

  /** Iterators open on this table (tests check that abandoned ones are closed). */
  get openIterators(): number {
    return this.cursors.count;
  }
}
