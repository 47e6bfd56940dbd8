/**
 * The set value type: distinct byte-string members.
 *
 * Redis 7.0 keeps a set as an `intset` (a sorted array of integers) while every member is the
 * canonical decimal text of a 64-bit integer and there are at most SET_INTSET_ENTRIES_MAX of them,
 * then as a `hashtable` for good (it never converts back; 7.0 has no listpack sets). Several
 * replies list an intset's members in ascending numeric order, so Concord keeps the same two
 * shapes:
 *
 *  - intset: `items` sorted by numeric value (members stay decimal texts, which also covers
 *    integers past 2^53 exactly); binary search to find, splice to insert or remove (at most
 *    512 entries, as bounded as Redis's own memmove).
 *  - hashtable: `items` in no particular order plus `index` (member -> its position in `items`),
 *    so add, remove and a uniform random pick are all O(1): a removal moves the last member into
 *    the hole. SSCAN walks `index` with a live iterator (see scan-cursors.ts). `index` is a
 *    StringTable: SADD and SISMEMBER on a big set cost one cache miss instead of a Map's three or more.
 */
import { StringTable } from './string-table.js';
import type { ScanSource } from './scan-cursors.js';
import { assert } from '../util/assert.js';
import { snapshotGeneration, type TypedValue } from './database.js';

/** Redis 7.0's default set-max-intset-entries. */
export const SET_INTSET_ENTRIES_MAX = 512;
/** Past this a write gets an error (the limit V8's Map had; StringTable's is 2^25). */
export const SET_MEMBERS_MAX = 16_000_000;

/** MEMORY USAGE estimate: the object, one array slot per member, a table entry each when hashed, string headers. */
const SET_OBJECT_BYTES = 96;
const ARRAY_SLOT_BYTES = 8;
const TABLE_ENTRY_BYTES = 64;
const STRING_HEADER_BYTES = 16;

const INT64_MAX_TEXT = '9223372036854775807';
const INT64_MIN_TEXT = '-9223372036854775808';

/**
 * True when `s` is the canonical decimal text of a 64-bit integer, as Redis's string2ll accepts
 * it for intsets: optional '-', no leading zeros, no '+', no spaces, "-0" refused.
 */
export function isInt64Text(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45 /* - */) {
    if (n === 1) return false;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48 /* 0 */) return n === 1;
  if (first < 49 || first > 57) return false;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  const digits = n - i;
  if (digits < 19) return true;
  if (digits > 19) return false;
  // Same length as the bound: decimal order is text order.
  return i === 0 ? s <= INT64_MAX_TEXT : s <= INT64_MIN_TEXT;
}

/** Numeric order of two canonical int64 texts (isInt64Text holds for both). */
export function compareInt64Text(a: string, b: string): number {
  const aNeg = a.charCodeAt(0) === 45;
  const bNeg = b.charCodeAt(0) === 45;
  if (aNeg !== bNeg) return aNeg ? -1 : 1;
  if (a === b) return 0;
  // Without leading zeros a longer text is a larger magnitude; negatives reverse the order.
  const aSmaller = a.length !== b.length ? a.length < b.length : a < b;
  return aSmaller !== aNeg ? -1 : 1;
}

export class SetValue implements TypedValue {
  readonly type = 'set' as const;
  snapshotMark = snapshotGeneration.current;
  /**
   * Every member once. Intset: ascending numeric order. Hashtable: any order, located by `index`.
   * Read through members(); change only through the methods below.
   */
  private items: string[] = [];
  /** Null while intset-encoded. Invariant (hashtable): index.get(items[i]) === i for every i. */
  private index: StringTable<number> | null = null;
  /** Sum of the members' lengths (bytes). */
  private payloadBytes = 0;

  /** A set holding `members` (duplicates ignored), encoded as Redis would build it by adding them in order. */
  static of(members: Iterable<string>): SetValue {
    const s = new SetValue();
    for (const m of members) s.add(m);
    return s;
  }

  get size(): number {
    return this.items.length;
  }

  get isIntset(): boolean {
    return this.index === null;
  }

  encoding(): string {
    return this.index === null ? 'intset' : 'hashtable';
  }

  bytes(): number {
    const n = this.items.length;
    return SET_OBJECT_BYTES + n * (ARRAY_SLOT_BYTES + STRING_HEADER_BYTES) +
      (this.index === null ? 0 : n * TABLE_ENTRY_BYTES) + this.payloadBytes;
  }

  /** A deep copy with the same encoding (Redis's setTypeDup keeps it too). */
  clone(): SetValue {
    const copy = new SetValue();
    copy.items = this.items.slice();
    copy.index = this.index === null ? null : this.index.copy();
    copy.payloadBytes = this.payloadBytes;
    return copy;
  }

  /**
   * The members in iteration order: ascending numeric for an intset, Redis's order too. A live
   * view: valid until the next change, never to be modified by the caller.
   */
  members(): readonly string[] {
    return this.items;
  }

  /** The hashtable's member map, for SSCAN's live iterator; null for an intset (scanned whole). */
  scanSource(): ScanSource<string> | null {
    return this.index;
  }

  has(member: string): boolean {
    if (this.index !== null) return this.index.has(member);
    return isInt64Text(member) && this.search(member) >= 0;
  }

  /** Adds `member`; true when it was not there. Converts to a hashtable as Redis's setTypeAdd does. */
  add(member: string): boolean {
    let index = this.index;
    if (index === null) {
      if (isInt64Text(member)) {
        const pos = this.search(member);
        if (pos >= 0) return false;
        const at = -pos - 1;
        if (at === this.items.length) this.items.push(member);
        else this.items.splice(at, 0, member);
        this.payloadBytes += member.length;
        if (this.items.length > SET_INTSET_ENTRIES_MAX) this.convert();
        return true;
      }
      index = this.convert();
    }
    if (index.has(member)) return false;
    assert(index.size < SET_MEMBERS_MAX, 'set member limit');
    index.set(member, this.items.length);
    this.items.push(member);
    this.payloadBytes += member.length;
    return true;
  }

  /** Removes `member`; true when it was there. */
  remove(member: string): boolean {
    const index = this.index;
    if (index === null) {
      if (!isInt64Text(member)) return false;
      const pos = this.search(member);
      if (pos < 0) return false;
      this.removeAt(pos);
      return true;
    }
    const pos = index.get(member);
    if (pos === undefined) return false;
    this.removeAt(pos);
    return true;
  }

  /** A member picked uniformly by `r` in [0, 1). The set must not be empty. */
  random(r: number): string {
    assert(this.items.length > 0, 'random member of an empty set');
    return this.items[Math.floor(r * this.items.length)];
  }

  /** Removes and returns a member picked uniformly by `r` in [0, 1). O(1) for a hashtable. */
  popRandom(r: number): string {
    assert(this.items.length > 0, 'pop from an empty set');
    const pos = Math.floor(r * this.items.length);
    const member = this.items[pos];
    this.removeAt(pos);
    return member;
  }

  /**
   * Replaces the content with `members` (distinct), encoded from scratch: what SPOP does when it
   * keeps few members (Redis builds a new set of them, so a hashtable may become an intset again).
   */
  rebuild(members: readonly string[]): void {
    this.items = [];
    this.index = null;
    this.payloadBytes = 0;
    for (const m of members) this.add(m);
  }

  /** Position of `member` in the sorted intset, or -(insertion point) - 1. */
  private search(member: string): number {
    const items = this.items;
    let lo = 0;
    let hi = items.length - 1;
    // Appending in ascending order is common (SADD of counters): check the end first.
    if (hi >= 0 && compareInt64Text(items[hi], member) < 0) return -(hi + 1) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareInt64Text(items[mid], member);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  private removeAt(pos: number): void {
    const items = this.items;
    const member = items[pos];
    this.payloadBytes -= member.length;
    const index = this.index;
    if (index === null) {
      if (pos === items.length - 1) items.pop();
      else items.splice(pos, 1);
      return;
    }
    const last = items.pop()!;
    if (pos < items.length) {
      items[pos] = last;
      index.set(last, pos);
    }
    index.delete(member);
  }

  /** Intset -> hashtable (Redis's setTypeConvert). The members keep their order. */
  private convert(): StringTable<number> {
    assert(this.index === null, 'set converted twice');
    const index = new StringTable<number>(this.items.length);
    const items = this.items;
    for (let i = 0; i < items.length; i++) index.set(items[i], i);
    this.index = index;
    return index;
  }
}
