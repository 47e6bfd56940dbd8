/**
 * The sorted set value type: distinct byte-string members, each with a double score, ordered by
 * score then by member bytes.
 *
 * Two structures hold the same pairs, as in Redis: a `Map` member -> score (O(1) ZSCORE, membership)
 * and an order-statistics B+ tree (btree.ts) for ranks and ranges in O(log n).
 *
 * Redis 7.0 keeps a small sorted set as a `listpack` and converts it to a `skiplist` for good once
 * it holds more than ZSET_LISTPACK_ENTRIES_MAX members or a member longer than
 * ZSET_LISTPACK_VALUE_BYTES_MAX bytes. Concord tracks that encoding as a flag (OBJECT ENCODING, and
 * replies that depend on it such as ZSCAN), including one visible quirk: a listpack stores a score
 * of -0 as 0, while a skiplist keeps -0.
 *
 * Scores are parsed here too, as Redis parses them: strtod(3) semantics, with the checks of
 * getDoubleFromObject for scores and increments, and the laxer ones of zslParseRange for ranges.
 */
import { assert } from '../util/assert.js';
import { ScoreIndex } from './btree.js';
import { snapshotGeneration, type TypedValue } from './database.js';

/** Redis 7.0's default zset-max-listpack-entries. */
export const ZSET_LISTPACK_ENTRIES_MAX = 128;
/** Redis 7.0's default zset-max-listpack-value (bytes of a member). */
export const ZSET_LISTPACK_VALUE_BYTES_MAX = 64;
/** V8's Map holds at most 2^24 entries; past this a write gets an error instead of a RangeError. */
export const ZSET_MEMBERS_MAX = 16_000_000;

/** MEMORY USAGE estimate: the object with its Map and tree, per member a Map entry, a tree slot, a boxed score, a string header. */
const ZSET_OBJECT_BYTES = 160;
const MEMBER_OVERHEAD_BYTES = 40 + 16 + 16 + 16;

export class ZSetValue implements TypedValue {
  readonly type = 'zset' as const;
  snapshotMark = snapshotGeneration.current;
  /** member -> score. Read freely; change only through the methods below. */
  readonly dict = new Map<string, number>();
  /** The same pairs in order. Read freely; change only through the methods below. */
  index: ScoreIndex;
  /** True once Redis would have converted the set to a skiplist. Invariant: never goes back to false. */
  private skiplist = false;
  /** Sum of the members' lengths (bytes). */
  private payloadBytes = 0;

  constructor(index: ScoreIndex = new ScoreIndex()) {
    this.index = index;
  }

  get size(): number {
    return this.dict.size;
  }

  get isListpack(): boolean {
    return !this.skiplist;
  }

  encoding(): string {
    return this.skiplist ? 'skiplist' : 'listpack';
  }

  bytes(): number {
    return ZSET_OBJECT_BYTES + this.dict.size * MEMBER_OVERHEAD_BYTES + this.payloadBytes;
  }

  clone(): ZSetValue {
    const copy = new ZSetValue(this.index.clone());
    for (const [m, s] of this.dict) copy.dict.set(m, s);
    copy.skiplist = this.skiplist;
    copy.payloadBytes = this.payloadBytes;
    return copy;
  }

  score(member: string): number | undefined {
    return this.dict.get(member);
  }

  /**
   * Adds a member that is not present, converting first as Redis's zsetAdd does (the new member
   * counts). Returns the score stored (0 for -0 in a listpack).
   */
  insert(member: string, score: number): number {
    assert(!Number.isNaN(score), 'zset: NaN score');
    assert(this.dict.size < ZSET_MEMBERS_MAX, 'zset member limit');
    if (!this.skiplist && (this.dict.size + 1 > ZSET_LISTPACK_ENTRIES_MAX || member.length > ZSET_LISTPACK_VALUE_BYTES_MAX)) {
      this.skiplist = true;
    }
    if (!this.skiplist && score === 0) score = 0;
    this.dict.set(member, score);
    this.index.insert(score, member);
    this.payloadBytes += member.length;
    return score;
  }

  /** Gives a present member a new score. */
  update(member: string, oldScore: number, newScore: number): void {
    assert(!Number.isNaN(newScore), 'zset: NaN score');
    if (!this.skiplist && newScore === 0) newScore = 0;
    this.index.update(oldScore, newScore, member);
    this.dict.set(member, newScore);
  }

  /** Removes `member`; true when it was there. */
  remove(member: string): boolean {
    const score = this.dict.get(member);
    if (score === undefined) return false;
    this.dict.delete(member);
    this.index.delete(score, member);
    this.payloadBytes -= member.length;
    return true;
  }

  /** Removes every member (the encoding stays: Redis never converts back). */
  clear(): void {
    this.dict.clear();
    this.index = new ScoreIndex();
    this.payloadBytes = 0;
  }

  /** Removes the member at `rank` (ascending), returning it; its score is in index.removedScore. */
  removeAt(rank: number): string {
    this.index.deleteAt(rank);
    const member = this.index.removedMember;
    this.dict.delete(member);
    this.payloadBytes -= member.length;
    return member;
  }

  /** The 0-based ascending rank of `member`, or -1 when absent. */
  rank(member: string): number {
    const score = this.dict.get(member);
    return score === undefined ? -1 : this.index.rank(score, member);
  }

  /**
   * A sorted set from pairs in ascending order. `listpackUntil` is how many of them (in the order
   * they were added, see below) a listpack received before Redis converted it; `reverse` says they
   * were added in descending order. A listpack stores -0 as 0, so those pairs' -0 scores become 0.
   */
  static fromSorted(members: string[], scores: number[], skiplist: boolean, listpackUntil = skiplist ? 0 : members.length, reverse = false): ZSetValue {
    const n = members.length;
    for (let k = 0; k < listpackUntil && k < n; k++) {
      const i = reverse ? n - 1 - k : k;
      if (scores[i] === 0) scores[i] = 0;
    }
    const z = new ZSetValue(ScoreIndex.fromSorted(members, scores));
    for (let i = 0; i < n; i++) {
      z.dict.set(members[i], scores[i]);
      z.payloadBytes += members[i].length;
    }
    assert(z.dict.size === n, 'zset: duplicate members in a bulk build');
    z.skiplist = skiplist;
    return z;
  }
}

/** Whether Redis's zsetConvertToListpackIfNeeded would keep `n` members of at most `longest` bytes as a listpack. */
export function fitsListpack(n: number, longest: number): boolean {
  return n <= ZSET_LISTPACK_ENTRIES_MAX && longest <= ZSET_LISTPACK_VALUE_BYTES_MAX;
}

/**
 * When members are added one by one in this order to a new listpack (ZRANGESTORE), the index of the
 * one that makes Redis convert it to a skiplist, or `lengths.length` when none does.
 */
export function listpackConversionPoint(members: readonly string[], reverse: boolean): number {
  const n = members.length;
  for (let k = 0; k < n; k++) {
    const m = members[reverse ? n - 1 - k : k];
    if (k + 1 > ZSET_LISTPACK_ENTRIES_MAX || m.length > ZSET_LISTPACK_VALUE_BYTES_MAX) return k;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Score texts

/** C's isspace in the "C" locale. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** What strtod(3) made of a text: the value, where it stopped, and whether errno would be ERANGE. */
interface Strtod {
  value: number;
  /** Index just past the number; `start` when nothing was converted. */
  end: number;
  /** Overflow to +-inf, or underflow to 0 of a nonzero number. */
  range: boolean;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP]([+-]?\d+))?/;
const INF_NAN = /^([+-]?)(infinity|inf|nan(?:\([0-9A-Za-z_]*\))?)/i;

/** glibc's strtod on `s` from `start` (leading white space skipped, C locale, hex floats included). */
function strtod(s: string, start: number): Strtod {
  let i = start;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const rest = i === 0 ? s : s.slice(i);
  const special = INF_NAN.exec(rest);
  if (special !== null) {
    const word = special[2].toLowerCase();
    const v = word.startsWith('nan') ? NaN : Infinity;
    return { value: special[1] === '-' ? -v : v, end: i + special[0].length, range: false };
  }
  const hex = HEX.exec(rest);
  if (hex !== null) {
    const [value, range] = hexValue(hex[2], hex[3]);
    return { value: hex[1] === '-' ? -value : value, end: i + hex[0].length, range };
  }
  const dec = DECIMAL.exec(rest);
  if (dec === null) return { value: 0, end: start, range: false };
  const text = dec[0];
  const value = Number(text);
  let range = !Number.isFinite(value);
  if (value === 0) {
    // A nonzero mantissa that rounds to zero underflowed.
    const mantissa = text.replace(/[eE].*$/, '');
    range = /[1-9]/.test(mantissa);
  }
  return { value, end: i + text.length, range };
}

/** The double nearest to 0x<digits>p<exp> (round half to even), and whether it over- or underflowed. */
function hexValue(digits: string, expText: string | undefined): [number, boolean] {
  const dot = digits.indexOf('.');
  const intPart = dot < 0 ? digits : digits.slice(0, dot);
  const fracPart = dot < 0 ? '' : digits.slice(dot + 1);
  const all = (intPart + fracPart).replace(/^0+/, '');
  if (all === '') return [0, false];
  let exp = (expText === undefined ? 0 : Math.max(-100000, Math.min(100000, Number(expText)))) - 4 * fracPart.length;
  let m = BigInt(`0x${all}`);
  // value = m * 2^exp. Normalise m to 53 significant bits, rounding half to even.
  const bits = m.toString(2).length;
  // The exponent of the leading bit.
  const top = bits - 1 + exp;
  if (top > 1023) return [Infinity, true];
  // Doubles have 53 bits down to 2^-1022; below that the last kept bit is 2^-1074.
  const lsb = Math.max(top - 52, -1074);
  const shift = lsb - exp;
  if (shift > 0) {
    const sh = BigInt(shift);
    const kept = m >> sh;
    const rem = m - (kept << sh);
    const halfway = 1n << (sh - 1n);
    m = kept;
    if (rem > halfway || (rem === halfway && (kept & 1n) === 1n)) m += 1n;
    exp = lsb;
  }
  // m < 2^54 and exp >= -1074 here, so both factors are exact and the product rounds only on overflow.
  const value = Number(m) * 2 ** exp;
  return [value, !Number.isFinite(value) || value === 0];
}

/**
 * A score, increment or weight as Redis's getDoubleFromObject reads it: the whole text must be
 * a number (decimal, hexadecimal, inf/infinity), no leading space, no NaN, no overflow, no
 * underflow to zero. Null when invalid.
 */
export function parseScore(s: string): number | null {
  const n = s.length;
  if (n === 0) return null;
  // Fast path: a short plain integer.
  if (n <= 15) {
    let i = s.charCodeAt(0) === 45 ? 1 : 0;
    if (i < n) {
      let v = 0;
      for (; i < n; i++) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (i === n) return s.charCodeAt(0) === 45 ? -v : v;
    }
  }
  if (isSpace(s.charCodeAt(0))) return null;
  const r = strtod(s, 0);
  if (r.end !== n || r.range || Number.isNaN(r.value)) return null;
  return r.value;
}

/** One end of a score range: `value`, exclusive when written with a leading '('. */
export interface ScoreBound {
  value: number;
  exclusive: boolean;
}

/**
 * One end of a score range as Redis's zslParseRange reads it with strtod: leading space allowed,
 * overflow to +-inf allowed, the empty text is 0, the text may stop at a NUL byte. Null when
 * invalid (then: "min or max is not a float").
 */
export function parseScoreBound(s: string): ScoreBound | null {
  const exclusive = s.charCodeAt(0) === 0x28; /* ( */
  const start = exclusive ? 1 : 0;
  const r = strtod(s, start);
  if ((r.end !== s.length && s.charCodeAt(r.end) !== 0) || Number.isNaN(r.value)) return null;
  return { value: r.value, exclusive };
}

/** One end of a lex range: '-' and '+' are the infinities; otherwise a member, inclusive or exclusive. */
export interface LexBound {
  kind: 'min' | 'max' | 'member';
  member: string;
  exclusive: boolean;
}

/** Redis's zslParseLexRangeItem: "-", "+", "[member" or "(member". Null when invalid. */
export function parseLexBound(s: string): LexBound | null {
  const c = s.charCodeAt(0);
  // Redis tests the byte after '+'/'-' against NUL: "+\0..." is '+' too.
  if (c === 0x2b /* + */) return s.length === 1 || s.charCodeAt(1) === 0 ? { kind: 'max', member: '', exclusive: true } : null;
  if (c === 0x2d /* - */) return s.length === 1 || s.charCodeAt(1) === 0 ? { kind: 'min', member: '', exclusive: true } : null;
  if (c === 0x28 /* ( */) return { kind: 'member', member: s.slice(1), exclusive: true };
  if (c === 0x5b /* [ */) return { kind: 'member', member: s.slice(1), exclusive: false };
  return null;
}
