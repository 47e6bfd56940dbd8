/**
 * The list value (Redis's quicklist): a growable ring buffer of byte strings.
 *
 * Elements live in one array used as a circle: `head` is the slot of element 0 and element i is
 * at `(head + i) & mask`. Pushes and pops at either end are O(1) amortized, and so is reading
 * or replacing an element at any index; an insertion or removal in the middle moves the shorter
 * side. The capacity is a power of two: it doubles when full and halves when less than a
 * quarter is used, so a list that shrank gives its memory back and a push/pop cycle at the
 * boundary never reallocates twice in a row.
 */
import { assert } from '../util/assert.js';
import { snapshotGeneration, type TypedValue } from './database.js';

/**
 * Most elements a list holds: a V8 array holds fewer than 2^27 slots, and the ring's capacity is
 * a power of two. A command that would go past it gets `ERR_LIST_TOO_LONG` and changes nothing.
 */
export const LIST_ELEMENTS_MAX = 2 ** 26;
export const ERR_LIST_TOO_LONG = `ERR list would exceed its maximum of ${LIST_ELEMENTS_MAX} elements`;

/** Smallest ring; a new list starts here. */
const CAPACITY_MIN = 8;

/** MEMORY USAGE estimate: the object and its array's header, a slot per capacity, a header per string. */
const OBJECT_BYTES = 96;
const SLOT_BYTES = 8;
const STRING_HEADER_BYTES = 16;

export class ListValue implements TypedValue {
  readonly type = 'list' as const;
  snapshotMark = snapshotGeneration.current;
  /** Invariant: length is a power of two >= CAPACITY_MIN; slots outside the live range hold undefined. */
  private ring: (string | undefined)[];
  /** Invariant: ring.length - 1. */
  private mask: number;
  /** Slot of element 0. Invariant: 0 <= head <= mask. */
  private head = 0;
  /** Invariant: 0 <= count <= ring.length. */
  private count = 0;
  /** Sum of the elements' lengths in bytes (MEMORY USAGE). */
  private elementBytes = 0;

  constructor(capacity = CAPACITY_MIN) {
    assert(capacity >= CAPACITY_MIN && (capacity & (capacity - 1)) === 0 && capacity <= LIST_ELEMENTS_MAX, 'list capacity');
    this.ring = new Array<string | undefined>(capacity);
    this.mask = capacity - 1;
  }

  static from(elements: readonly string[]): ListValue {
    assert(elements.length <= LIST_ELEMENTS_MAX, 'list too long');
    const list = new ListValue(capacityFor(elements.length));
    for (const e of elements) list.pushTail(e);
    return list;
  }

  get size(): number {
    return this.count;
  }

  /** Slots allocated (tests check that the ring shrinks). */
  get capacity(): number {
    return this.ring.length;
  }

  /** True when `n` more elements fit under LIST_ELEMENTS_MAX. */
  canGrow(n: number): boolean {
    return this.count + n <= LIST_ELEMENTS_MAX;
  }

  pushHead(e: string): void {
    if (this.count === this.ring.length) this.resize(this.ring.length * 2);
    this.head = (this.head - 1) & this.mask;
    this.ring[this.head] = e;
    this.count++;
    this.elementBytes += e.length;
  }

  pushTail(e: string): void {
    if (this.count === this.ring.length) this.resize(this.ring.length * 2);
    this.ring[(this.head + this.count) & this.mask] = e;
    this.count++;
    this.elementBytes += e.length;
  }

  popHead(): string | undefined {
    if (this.count === 0) return undefined;
    const e = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    this.elementBytes -= e.length;
    this.maybeShrink();
    return e;
  }

  popTail(): string | undefined {
    if (this.count === 0) return undefined;
    const slot = (this.head + this.count - 1) & this.mask;
    const e = this.ring[slot]!;
    this.ring[slot] = undefined;
    this.count--;
    this.elementBytes -= e.length;
    this.maybeShrink();
    return e;
  }

  /** Element `i`, 0 <= i < size. */
  at(i: number): string {
    assert(i >= 0 && i < this.count, 'list index');
    return this.ring[(this.head + i) & this.mask]!;
  }

  /** Replaces element `i`, 0 <= i < size. */
  set(i: number, e: string): void {
    assert(i >= 0 && i < this.count, 'list index');
    const slot = (this.head + i) & this.mask;
    this.elementBytes += e.length - this.ring[slot]!.length;
    this.ring[slot] = e;
  }

  /** Inserts `e` so that it becomes element `i`, 0 <= i <= size; moves the shorter side. */
  insert(i: number, e: string): void {
    assert(i >= 0 && i <= this.count, 'list insert index');
    if (this.count === this.ring.length) this.resize(this.ring.length * 2);
    const { ring, mask } = this;
    if (i < this.count - i) {
      // shift elements 0..i-1 one slot to the left
      this.head = (this.head - 1) & mask;
      for (let k = 0; k < i; k++) ring[(this.head + k) & mask] = ring[(this.head + k + 1) & mask];
    } else {
      // shift elements i..count-1 one slot to the right
      for (let k = this.count; k > i; k--) ring[(this.head + k) & mask] = ring[(this.head + k - 1) & mask];
    }
    ring[(this.head + i) & mask] = e;
    this.count++;
    this.elementBytes += e.length;
  }

  /** Removes the first `n` elements (n <= size). */
  dropHead(n: number): void {
    assert(n >= 0 && n <= this.count, 'list drop count');
    for (let k = 0; k < n; k++) {
      this.elementBytes -= this.ring[this.head]!.length;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) & this.mask;
    }
    this.count -= n;
    this.maybeShrink();
  }

  /** Removes the last `n` elements (n <= size). */
  dropTail(n: number): void {
    assert(n >= 0 && n <= this.count, 'list drop count');
    for (let k = 0; k < n; k++) {
      const slot = (this.head + this.count - 1 - k) & this.mask;
      this.elementBytes -= this.ring[slot]!.length;
      this.ring[slot] = undefined;
    }
    this.count -= n;
    this.maybeShrink();
  }

  /** Index of the first element equal to `e` at or after `from`, or -1. */
  indexOf(e: string, from = 0): number {
    for (let i = from; i < this.count; i++) if (this.ring[(this.head + i) & this.mask] === e) return i;
    return -1;
  }

  /**
   * Removes elements equal to `e` (LREM): the first `limit` from the head when `fromTail` is false,
   * the last `limit` when true; every one when `limit` is 0. Returns how many were removed.
   */
  removeMatching(e: string, limit: number, fromTail: boolean): number {
    const n = this.count;
    let removed = 0;
    if (!fromTail) {
      // compact forwards: `w` is the next position to keep an element at
      let w = 0;
      for (let r = 0; r < n; r++) {
        const v = this.ring[(this.head + r) & this.mask]!;
        if (v === e && (limit === 0 || removed < limit)) {
          removed++;
          continue;
        }
        if (w !== r) this.ring[(this.head + w) & this.mask] = v;
        w++;
      }
      for (let k = w; k < n; k++) this.ring[(this.head + k) & this.mask] = undefined;
    } else {
      // compact backwards towards the tail
      let w = n - 1;
      for (let r = n - 1; r >= 0; r--) {
        const v = this.ring[(this.head + r) & this.mask]!;
        if (v === e && (limit === 0 || removed < limit)) {
          removed++;
          continue;
        }
        if (w !== r) this.ring[(this.head + w) & this.mask] = v;
        w--;
      }
      for (let k = 0; k <= w; k++) this.ring[(this.head + k) & this.mask] = undefined;
      this.head = (this.head + removed) & this.mask;
    }
    this.count -= removed;
    this.elementBytes -= removed * e.length;
    this.maybeShrink();
    return removed;
  }

  toArray(): string[] {
    const out = new Array<string>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.ring[(this.head + i) & this.mask]!;
    return out;
  }

  clone(): ListValue {
    const copy = new ListValue(this.ring.length);
    for (let i = 0; i < this.count; i++) copy.ring[i] = this.ring[(this.head + i) & this.mask];
    copy.count = this.count;
    copy.elementBytes = this.elementBytes;
    return copy;
  }

  /** Redis 7.0 stores every list as a quicklist. */
  encoding(): string {
    return 'quicklist';
  }

  bytes(): number {
    return OBJECT_BYTES + this.ring.length * SLOT_BYTES + this.count * STRING_HEADER_BYTES + this.elementBytes;
  }

  private maybeShrink(): void {
    const cap = this.ring.length;
    if (cap > CAPACITY_MIN && this.count < cap >> 2) this.resize(capacityFor(this.count * 2));
  }

  /** Moves the elements to a new ring of `capacity` slots, element 0 at slot 0. */
  private resize(capacity: number): void {
    assert(capacity >= this.count && capacity <= LIST_ELEMENTS_MAX, 'list capacity');
    const next = new Array<string | undefined>(capacity);
    for (let i = 0; i < this.count; i++) next[i] = this.ring[(this.head + i) & this.mask];
    this.ring = next;
    this.mask = capacity - 1;
    this.head = 0;
  }
}

/** Smallest power of two >= max(n, CAPACITY_MIN). */
function capacityFor(n: number): number {
  let cap = CAPACITY_MIN;
  while (cap < n) cap *= 2;
  return cap;
}
