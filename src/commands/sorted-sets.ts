/**
 * Sorted set commands (Redis's t_zset.c), with Redis 7.0's argument checks and their order, error
 * texts, reply shapes (RESP2 and RESP3), keyspace events and propagation.
 *
 * Scores are doubles and print as Redis 7.0 prints them (%.17g, inf, -inf: ReplyWriter.double).
 * Ranges are turned into a rank interval with O(log n) descents of the index, then walked.
 *
 * Propagation: every write here is deterministic as received (ZADD INCR and ZINCRBY add IEEE
 * doubles, which every node computes alike), except ZMPOP and the blocking pops, which leave as the
 * pop they did: ZMPOP/BZMPOP -> ZPOPMIN|ZPOPMAX key count, BZPOPMIN/BZPOPMAX -> ZPOPMIN|ZPOPMAX key.
 * Blocking forms serve at once when they can; otherwise they block through `ctx.block` and the
 * server runs the same command again when a key is signalled ready (every handler is re-entrant).
 *
 * ZRANK/ZREVRANK take no WITHSCORE option: it came with Redis 7.2, and Concord answers as 7.0.15.
 */
import { globMatch } from '../keyspace/glob.js';
import type { SetValue } from '../keyspace/set.js';
import { Bound } from '../keyspace/btree.js';
import {
  ZSET_MEMBERS_MAX, ZSetValue, fitsListpack, listpackConversionPoint, parseLexBound, parseScore, parseScoreBound,
  type LexBound, type ScoreBound,
} from '../keyspace/zset.js';
import { formatDouble } from '../protocol/reply-writer.js';
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, parseInt64, parseIntClamped, SCAN_CURSOR_BEYOND } from './args.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';
import { afterRemove, lookupTyped, removeMembersReply, parseBlockTimeout, parseScanOptions, scanCursorOrReply, writeScanReply } from './typed.js';

const ERR_NAN = 'ERR resulting score is not a number (NaN)';
const ERR_XX_NX = 'ERR XX and NX options at the same time are not compatible';
const ERR_GT_LT_NX = 'ERR GT, LT, and/or NX options at the same time are not compatible';
const ERR_INCR_PAIR = 'ERR INCR option supports a single increment-element pair';
const ERR_RANGE_FLOAT = 'ERR min or max is not a float';
const ERR_RANGE_LEX = 'ERR min or max not valid string range item';
const ERR_LIMIT_RANK = 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX';
const ERR_WITHSCORES_LEX = 'ERR syntax error, WITHSCORES not supported in combination with BYLEX';
const ERR_MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
const ERR_NUMKEYS = 'ERR numkeys should be greater than 0';
const ERR_COUNT_POSITIVE = 'ERR count should be greater than 0';
const ERR_WEIGHT = 'ERR weight value is not a float';
const ERR_LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
const ERR_OUT_OF_RANGE = 'ERR value is out of range';
const ERR_RANDMEMBER_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';
const ERR_MEMBERS_MAX = `ERR the sorted set holds its maximum of ${ZSET_MEMBERS_MAX} members`;

const INT64_MIN = -(2n ** 63n);
/** ZRANDMEMBER WITHSCORES refuses counts past LONG_MAX / 2 either way. */
const WITHSCORES_COUNT_MAX = 4_611_686_018_427_387_903n;
/**
 * Concord's bound on ZRANDMEMBER's picks with repetition (negative count): Redis has none and would
 * build the reply until memory runs out. Past it the client gets Redis's own range error.
 */
export const ZRANDMEMBER_PICKS_MAX = 16_777_216;
/** ZSCAN's default and largest COUNT (the work one call does on a skiplist-encoded set). */

// ---------------------------------------------------------------------------------------------
// Lookups, stores, replies

/** For reads (lookupKeyRead): counts keyspace hits and misses. */
function readZset(ctx: Ctx, key: string): ZSetValue | undefined | null {
  return lookupTyped<ZSetValue>(ctx, key, 'zset');
}

/** For writes (lookupKeyWrite): no hit/miss statistics. */
function writeZset(ctx: Ctx, key: string): ZSetValue | undefined | null {
  const v = ctx.db.get(key, ctx.now);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'zset') {
    ctx.error(ERR_WRONGTYPE);
    return null;
  }
  return v as ZSetValue;
}

/**
 * Puts a store command's result at `dst` (Redis's setKey: replaces any value and its TTL) and
 * replies its size; an empty result deletes `dst` instead and replies 0.
 */
function storeResult(ctx: Ctx, dst: string, z: ZSetValue | null, event: string): void {
  if (z !== null && z.size > 0) {
    ctx.db.set(dst, z);
    ctx.out.integer(z.size);
    ctx.notify('z', event, dst);
    ctx.dirty();
    ctx.keyReady(dst);
    return;
  }
  ctx.out.integer(0);
  if (ctx.db.has(dst, ctx.now) && ctx.db.delete(dst)) {
    ctx.notify('g', 'del', dst);
    ctx.dirty();
  }
}

/** Header of a member list: RESP2 WITHSCORES is flat (member, score, ...), RESP3 nests [member, score] pairs. */
function pairsHeader(ctx: Ctx, n: number, withScores: boolean): void {
  ctx.out.arrayLen(withScores && ctx.out.resp !== 3 ? n * 2 : n);
}

/** Replies `n` members of `z` from `rank` (descending when `reverse`), with their scores if asked. */
function replyRange(ctx: Ctx, z: ZSetValue, rank: number, n: number, reverse: boolean, withScores: boolean): void {
  const out = ctx.out;
  pairsHeader(ctx, n, withScores);
  if (!withScores) {
    z.index.walk(rank, n, reverse, (m) => out.bulk(m));
  } else if (out.resp === 3) {
    z.index.walk(rank, n, reverse, (m, s) => {
      out.arrayLen(2);
      out.bulk(m);
      out.double(s);
    });
  } else {
    z.index.walk(rank, n, reverse, (m, s) => {
      out.bulk(m);
      out.double(s);
    });
  }
}

/** A signed 64-bit argument (index, offset, count), clamped to the safe range: same meaning here. */
function parseLong(ctx: Ctx, text: string, message = ERR_NOT_INTEGER): number | null {
  const v = parseIntClamped(text);
  if (v === null) ctx.error(message);
  return v;
}

/** Ranks [lo, hi) of the members whose scores lie in [min, max] (bounds exclusive as written). */
function scoreRanks(z: ZSetValue, min: ScoreBound, max: ScoreBound): [number, number] {
  const index = z.index;
  const lo = index.prefixCount(min.exclusive ? Bound.ScoreLe : Bound.ScoreLt, min.value, '');
  const hi = index.prefixCount(max.exclusive ? Bound.ScoreLt : Bound.ScoreLe, max.value, '');
  return [lo, Math.max(lo, hi)];
}

/** The rank where a lex bound starts (as a min) or ends (as a max). */
function lexRank(z: ZSetValue, b: LexBound, asMin: boolean): number {
  if (b.kind === 'min') return 0;
  if (b.kind === 'max') return z.size;
  const bound = asMin === b.exclusive ? Bound.MemberLe : Bound.MemberLt;
  return z.index.prefixCount(bound, 0, b.member);
}

/** Ranks [lo, hi) of the members in a lex range (meaningful when all scores are equal, as in Redis). */
function lexRanks(z: ZSetValue, min: LexBound, max: LexBound): [number, number] {
  const lo = lexRank(z, min, true);
  const hi = lexRank(z, max, false);
  return [lo, Math.max(lo, hi)];
}

// ---------------------------------------------------------------------------------------------
// ZADD ZINCRBY

const ZADD_NX = 1;
const ZADD_XX = 2;
const ZADD_GT = 4;
const ZADD_LT = 8;
const ZADD_INCR = 16;
const ZADD_CH = 32;

/** The ZADD option `a` names, or 0. Most arguments are scores: a cheap test rejects them first. */
function zaddFlag(a: string): number {
  if (a.length !== 2 && a.length !== 4) return 0;
  const c = a.charCodeAt(0) | 0x20;
  if (c !== 0x6e && c !== 0x78 && c !== 0x67 && c !== 0x6c && c !== 0x63 && c !== 0x69) return 0;
  switch (a.toLowerCase()) {
    case 'nx': return ZADD_NX;
    case 'xx': return ZADD_XX;
    case 'gt': return ZADD_GT;
    case 'lt': return ZADD_LT;
    case 'ch': return ZADD_CH;
    case 'incr': return ZADD_INCR;
    default: return 0;
  }
}

/** Scores parsed before anything is applied; reused (one command runs at a time). */
const scoreScratch: number[] = [];

/** ZADD, and ZINCRBY as ZADD with INCR (Redis parses ZINCRBY's arguments the same way). */
function zaddGeneric(ctx: Ctx, argv: string[], incrCommand: boolean): void {
  let flags = incrCommand ? ZADD_INCR : 0;
  let at = 2;
  for (; at < argv.length; at++) {
    const f = zaddFlag(argv[at]);
    if (f === 0) break;
    flags |= f;
  }
  const nx = (flags & ZADD_NX) !== 0;
  const xx = (flags & ZADD_XX) !== 0;
  const gt = (flags & ZADD_GT) !== 0;
  const lt = (flags & ZADD_LT) !== 0;
  const incr = (flags & ZADD_INCR) !== 0;
  const ch = (flags & ZADD_CH) !== 0;
  const args = argv.length - at;
  if (args === 0 || args % 2 !== 0) {
    ctx.error(ERR_SYNTAX);
    return;
  }
  const pairs = args / 2;
  if (nx && xx) {
    ctx.error(ERR_XX_NX);
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    ctx.error(ERR_GT_LT_NX);
    return;
  }
  if (incr && pairs > 1) {
    ctx.error(ERR_INCR_PAIR);
    return;
  }
  const scores = scoreScratch;
  for (let j = 0; j < pairs; j++) {
    const s = parseScore(argv[at + 2 * j]);
    if (s === null) {
      ctx.error(ERR_NOT_FLOAT);
      return;
    }
    scores[j] = s;
  }
  const key = argv[1];
  const existing = writeZset(ctx, key);
  if (existing === null) return;
  if (existing === undefined && xx) {
    if (incr) ctx.out.null();
    else ctx.out.integer(0);
    return;
  }
  const z = existing ?? new ZSetValue();
  if (z.size + pairs > ZSET_MEMBERS_MAX && z.size + newMembers(z, argv, at) > ZSET_MEMBERS_MAX) {
    ctx.error(ERR_MEMBERS_MAX);
    return;
  }
  let added = 0;
  let updated = 0;
  let processed = 0;
  let replyScore = 0;
  for (let j = 0; j < pairs; j++) {
    const member = argv[at + 2 * j + 1];
    let score = scores[j];
    const cur = z.dict.get(member);
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) {
        score += cur;
        if (Number.isNaN(score)) {
          // Only INCR gets here, with a single pair: nothing was changed.
          ctx.error(ERR_NAN);
          return;
        }
      }
      if ((lt && score >= cur) || (gt && score <= cur)) continue;
      replyScore = score;
      processed++;
      if (score !== cur) {
        z.update(member, cur, score);
        updated++;
      }
    } else if (!xx) {
      z.insert(member, score);
      replyScore = score;
      processed++;
      added++;
    }
  }
  if (added + updated > 0) {
    if (existing === undefined) ctx.db.set(key, z);
    else ctx.db.touch(key);
    ctx.dirty(added + updated);
    ctx.notify('z', incr ? 'zincr' : 'zadd', key);
    if (added > 0) ctx.keyReady(key);
  }
  if (incr) {
    if (processed > 0) ctx.out.double(replyScore);
    else ctx.out.null();
  } else {
    ctx.out.integer(ch ? added + updated : added);
  }
}

/** Distinct members among argv's pairs (from `at`) that `z` lacks. */
function newMembers(z: ZSetValue, argv: readonly string[], at: number): number {
  const fresh = new Set<string>();
  for (let i = at + 1; i < argv.length; i += 2) if (!z.dict.has(argv[i])) fresh.add(argv[i]);
  return fresh.size;
}

// ---------------------------------------------------------------------------------------------
// ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT

function zrem(ctx: Ctx, argv: string[]): void {
  const z = writeZset(ctx, argv[1]);
  if (z !== null) removeMembersReply(ctx, argv, z, (v, m) => v.remove(m), 'z', 'zrem');
}

function zcard(ctx: Ctx, argv: string[]): void {
  const z = readZset(ctx, argv[1]);
  if (z === null) return;
  ctx.out.integer(z === undefined ? 0 : z.size);
}

function zscore(ctx: Ctx, argv: string[]): void {
  const z = readZset(ctx, argv[1]);
  if (z === null) return;
  const s = z?.dict.get(argv[2]);
  if (s === undefined) ctx.out.null();
  else ctx.out.double(s);
}

function zmscore(ctx: Ctx, argv: string[]): void {
  const z = readZset(ctx, argv[1]);
  if (z === null) return;
  ctx.out.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const s = z?.dict.get(argv[i]);
    if (s === undefined) ctx.out.null();
    else ctx.out.double(s);
  }
}

function zrankGeneric(ctx: Ctx, argv: string[], reverse: boolean): void {
  const z = readZset(ctx, argv[1]);
  if (z === null) return;
  const rank = z === undefined ? -1 : z.rank(argv[2]);
  if (rank < 0) ctx.out.null();
  else ctx.out.integer(reverse ? z!.size - 1 - rank : rank);
}

function zcount(ctx: Ctx, argv: string[]): void {
  const min = parseScoreBound(argv[2]);
  const max = min === null ? null : parseScoreBound(argv[3]);
  if (min === null || max === null) {
    ctx.error(ERR_RANGE_FLOAT);
    return;
  }
  const z = readZset(ctx, argv[1]);
  if (z === null) return;
  if (z === undefined) {
    ctx.out.integer(0);
    return;
  }
  const [lo, hi] = scoreRanks(z, min, max);
  ctx.out.integer(hi - lo);
}

function zlexcount(ctx: Ctx, argv: string[]): void {
  const min = parseLexBound(argv[2]);
  const max = min === null ? null : parseLexBound(argv[3]);
  if (min === null || max === null) {
    ctx.error(ERR_RANGE_LEX);
    return;
  }
  const z = readZset(ctx, argv[1]);
  if (z === null) return;
  if (z === undefined) {
    ctx.out.integer(0);
    return;
  }
  const [lo, hi] = lexRanks(z, min, max);
  ctx.out.integer(hi - lo);
}

// ---------------------------------------------------------------------------------------------
// ZRANGE and its forms, ZRANGESTORE

type RangeKind = 'rank' | 'score' | 'lex';

/** The part of a sorted set a range selects: `n` members from `rank`, descending when `reverse`. */
interface Selection {
  rank: number;
  n: number;
  reverse: boolean;
}

const EMPTY: Selection = { rank: 0, n: 0, reverse: false };

/**
 * Redis's zrangeGenericCommand. `from` is the index of the source key; `dst` is ZRANGESTORE's
 * destination (null to reply); `kind` and `reverse` are fixed by the command's name, or null when
 * the options choose them (ZRANGE, ZRANGESTORE).
 */
function zrangeGeneric(ctx: Ctx, argv: string[], from: number, dst: string | null, kind: RangeKind | null, reverse: boolean | null): void {
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = from + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const opt = argv[j].toLowerCase();
    if (dst === null && opt === 'withscores') {
      withScores = true;
    } else if (opt === 'limit' && left >= 2) {
      const o = parseLong(ctx, argv[j + 1]);
      if (o === null) return;
      const l = parseLong(ctx, argv[j + 2]);
      if (l === null) return;
      offset = o;
      limit = l;
      j += 2;
    } else if (reverse === null && opt === 'rev') {
      reverse = true;
    } else if (kind === null && opt === 'bylex') {
      kind = 'lex';
    } else if (kind === null && opt === 'byscore') {
      kind = 'score';
    } else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  const rev = reverse ?? false;
  const k = kind ?? 'rank';
  if (limit !== -1 && k === 'rank') {
    ctx.error(ERR_LIMIT_RANK);
    return;
  }
  if (withScores && k === 'lex') {
    ctx.error(ERR_WITHSCORES_LEX);
    return;
  }
  // Reversed score and lex ranges are written max first.
  const minText = rev && k !== 'rank' ? argv[from + 2] : argv[from + 1];
  const maxText = rev && k !== 'rank' ? argv[from + 1] : argv[from + 2];
  let start = 0;
  let end = 0;
  let minScore: ScoreBound | null = null;
  let maxScore: ScoreBound | null = null;
  let minLex: LexBound | null = null;
  let maxLex: LexBound | null = null;
  if (k === 'rank') {
    const s = parseLong(ctx, minText);
    if (s === null) return;
    const e = parseLong(ctx, maxText);
    if (e === null) return;
    start = s;
    end = e;
  } else if (k === 'score') {
    minScore = parseScoreBound(minText);
    maxScore = minScore === null ? null : parseScoreBound(maxText);
    if (maxScore === null) {
      ctx.error(ERR_RANGE_FLOAT);
      return;
    }
  } else {
    minLex = parseLexBound(minText);
    maxLex = minLex === null ? null : parseLexBound(maxText);
    if (maxLex === null) {
      ctx.error(ERR_RANGE_LEX);
      return;
    }
  }
  const z = readZset(ctx, argv[from]);
  if (z === null) return;
  let sel = EMPTY;
  if (z !== undefined) {
    if (k === 'rank') {
      sel = rankSelection(z.size, start, end, rev);
    } else {
      const [lo, hi] = k === 'score' ? scoreRanks(z, minScore!, maxScore!) : lexRanks(z, minLex!, maxLex!);
      sel = limitSelection(lo, hi, offset, limit, rev);
    }
  }
  if (dst !== null) {
    storeResult(ctx, dst, z === undefined || sel.n === 0 ? null : selectionAsZset(z, sel), 'zrangestore');
    return;
  }
  if (z === undefined || sel.n === 0) {
    ctx.out.arrayLen(0);
    return;
  }
  replyRange(ctx, z, sel.rank, sel.n, sel.reverse, withScores);
}

/** ZRANGE by index: negative indexes count from the end; out-of-range parts are cut. */
function rankSelection(size: number, start: number, end: number, reverse: boolean): Selection {
  if (start < 0) start += size;
  if (end < 0) end += size;
  if (start < 0) start = 0;
  if (start > end || start >= size) return EMPTY;
  if (end >= size) end = size - 1;
  const n = end - start + 1;
  return reverse ? { rank: size - 1 - start, n, reverse } : { rank: start, n, reverse };
}

/**
 * LIMIT offset count over ranks [lo, hi): a negative offset selects nothing (Redis walks it off the
 * end), a negative count means all the rest.
 */
function limitSelection(lo: number, hi: number, offset: number, limit: number, reverse: boolean): Selection {
  const avail = hi - lo;
  if (avail <= 0 || offset < 0 || offset >= avail || limit === 0) return EMPTY;
  let n = avail - offset;
  if (limit > 0 && limit < n) n = limit;
  return reverse ? { rank: hi - 1 - offset, n, reverse } : { rank: lo + offset, n, reverse };
}

/**
 * The selected members as a new sorted set, encoded as Redis's ZRANGESTORE leaves it: members are
 * added one by one, in the order selected, to a new listpack, which converts when one no longer fits.
 */
function selectionAsZset(z: ZSetValue, sel: Selection): ZSetValue {
  const members: string[] = [];
  const scores: number[] = [];
  z.index.walk(sel.rank, sel.n, sel.reverse, (m, s) => {
    members.push(m);
    scores.push(s);
  });
  if (sel.reverse) {
    members.reverse();
    scores.reverse();
  }
  const until = listpackConversionPoint(members, sel.reverse);
  return ZSetValue.fromSorted(members, scores, until < members.length, until, sel.reverse);
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX

function zremrange(ctx: Ctx, argv: string[], kind: RangeKind): void {
  let start = 0;
  let end = 0;
  let minScore: ScoreBound | null = null;
  let maxScore: ScoreBound | null = null;
  let minLex: LexBound | null = null;
  let maxLex: LexBound | null = null;
  if (kind === 'rank') {
    const s = parseLong(ctx, argv[2]);
    if (s === null) return;
    const e = parseLong(ctx, argv[3]);
    if (e === null) return;
    start = s;
    end = e;
  } else if (kind === 'score') {
    minScore = parseScoreBound(argv[2]);
    maxScore = minScore === null ? null : parseScoreBound(argv[3]);
    if (maxScore === null) {
      ctx.error(ERR_RANGE_FLOAT);
      return;
    }
  } else {
    minLex = parseLexBound(argv[2]);
    maxLex = minLex === null ? null : parseLexBound(argv[3]);
    if (maxLex === null) {
      ctx.error(ERR_RANGE_LEX);
      return;
    }
  }
  const key = argv[1];
  const z = writeZset(ctx, key);
  if (z === null) return;
  if (z === undefined) {
    ctx.out.integer(0);
    return;
  }
  let lo: number;
  let n: number;
  if (kind === 'rank') {
    const sel = rankSelection(z.size, start, end, false);
    lo = sel.rank;
    n = sel.n;
  } else {
    const [a, b] = kind === 'score' ? scoreRanks(z, minScore!, maxScore!) : lexRanks(z, minLex!, maxLex!);
    lo = a;
    n = b - a;
  }
  if (n > 0) {
    // Removing everything drops the key without taking the index apart member by member.
    if (n === z.size) z.clear();
    else for (let i = 0; i < n; i++) z.removeAt(lo);
    ctx.notify('z', `zremrangeby${kind}`, key);
    afterRemove(ctx, key, z);
    ctx.dirty(n);
  }
  ctx.out.integer(n);
}

// ---------------------------------------------------------------------------------------------
// ZPOPMIN ZPOPMAX ZMPOP BZPOPMIN BZPOPMAX BZMPOP

const MIN = 0;
const MAX = 1;
type Where = typeof MIN | typeof MAX;

/** Reply shapes of the pops (Redis's genericZpopCommand flags). */
const enum PopShape {
  /** ZPOPMIN/ZPOPMAX: member, score, ... */
  Flat,
  /** ZPOPMIN/ZPOPMAX with a count in RESP3: [member, score], ... */
  Nested,
  /** BZPOPMIN/BZPOPMAX: key, member, score */
  KeyFlat,
  /** ZMPOP/BZMPOP: key, [[member, score], ...] */
  KeyNested,
}

/** What popFirst did. */
const POP_ERROR = -1;
const POP_NONE = 0;
/** The key the last successful popFirst took from (one command runs at a time). */
let poppedKey = '';

/**
 * Pops up to `count` members from the first of `keys` that exists (WRONGTYPE if that one is not a
 * sorted set) and replies in `shape`. Returns how many it popped (the key is in `poppedKey`),
 * POP_NONE when no key exists (nothing replied) or POP_ERROR after replying WRONGTYPE.
 */
function popFirst(ctx: Ctx, keys: readonly string[], where: Where, count: number, shape: PopShape): number {
  for (const key of keys) {
    const z = writeZset(ctx, key);
    if (z === null) return POP_ERROR;
    if (z === undefined) continue;
    const out = ctx.out;
    const n = Math.min(count, z.size);
    switch (shape) {
      case PopShape.Flat: out.arrayLen(n * 2); break;
      case PopShape.Nested: out.arrayLen(n); break;
      case PopShape.KeyFlat: out.arrayLen(n * 2 + 1); out.bulk(key); break;
      case PopShape.KeyNested: out.arrayLen(2); out.bulk(key); out.arrayLen(n); break;
    }
    const nested = shape === PopShape.Nested || shape === PopShape.KeyNested;
    if (n === z.size) {
      // Popping everything: reply in order, then drop the whole set at once.
      z.index.walk(where === MIN ? 0 : n - 1, n, where === MAX, (member, score) => {
        if (nested) out.arrayLen(2);
        out.bulk(member);
        out.double(score);
      });
      z.clear();
    } else {
      for (let i = 0; i < n; i++) {
        const member = z.removeAt(where === MIN ? 0 : z.size - 1);
        if (nested) out.arrayLen(2);
        out.bulk(member);
        out.double(z.index.removedScore);
      }
    }
    ctx.dirty(n);
    ctx.notify('z', where === MIN ? 'zpopmin' : 'zpopmax', key);
    afterRemove(ctx, key, z);
    poppedKey = key;
    return n;
  }
  return POP_NONE;
}

function zpop(ctx: Ctx, argv: string[], where: Where): void {
  if (argv.length > 3) {
    ctx.error(ERR_SYNTAX);
    return;
  }
  let count = -1;
  if (argv.length === 3) {
    const c = parseIntClamped(argv[2]);
    if (c === null || c < 0) {
      ctx.error(ERR_MUST_BE_POSITIVE);
      return;
    }
    count = c;
  }
  const key = argv[1];
  const z = writeZset(ctx, key);
  if (z === null) return;
  if (z === undefined || count === 0) {
    ctx.out.arrayLen(0);
    return;
  }
  const shape = ctx.out.resp === 3 && count !== -1 ? PopShape.Nested : PopShape.Flat;
  popFirst(ctx, [key], where, count === -1 ? 1 : count, shape);
}

interface MpopArgs {
  keys: string[];
  where: Where;
  count: number;
}

/** `numkeys key [key ...] MIN|MAX [COUNT count]` from argv[numkeysAt], in Redis's order of checks. */
function parseMpop(ctx: Ctx, argv: string[], numkeysAt: number): MpopArgs | null {
  const numkeys = parseIntClamped(argv[numkeysAt]);
  if (numkeys === null || numkeys < 1) {
    ctx.error(ERR_NUMKEYS);
    return null;
  }
  const whereAt = numkeysAt + numkeys + 1;
  if (whereAt >= argv.length) {
    ctx.error(ERR_SYNTAX);
    return null;
  }
  const w = argv[whereAt].toLowerCase();
  if (w !== 'min' && w !== 'max') {
    ctx.error(ERR_SYNTAX);
    return null;
  }
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && argv[j].toLowerCase() === 'count' && j + 1 < argv.length) {
      const c = parseIntClamped(argv[++j]);
      if (c === null || c < 1) {
        ctx.error(ERR_COUNT_POSITIVE);
        return null;
      }
      count = c;
    } else {
      ctx.error(ERR_SYNTAX);
      return null;
    }
  }
  return { keys: argv.slice(numkeysAt + 1, whereAt), where: w === 'min' ? MIN : MAX, count: count === -1 ? 1 : count };
}

function popName(where: Where): string {
  return where === MIN ? 'ZPOPMIN' : 'ZPOPMAX';
}

function zmpop(ctx: Ctx, argv: string[]): void {
  const a = parseMpop(ctx, argv, 1);
  if (a === null) return;
  const n = popFirst(ctx, a.keys, a.where, a.count, PopShape.KeyNested);
  if (n > 0) ctx.propagate([popName(a.where), poppedKey, String(n)]);
  else if (n === POP_NONE) ctx.out.nullArray();
}

function bzpop(ctx: Ctx, argv: string[], where: Where): void {
  const deadlineMs = parseBlockTimeout(ctx, argv[argv.length - 1]);
  if (deadlineMs === null) return;
  const keys = argv.slice(1, -1);
  const n = popFirst(ctx, keys, where, 1, PopShape.KeyFlat);
  if (n > 0) ctx.propagate([popName(where), poppedKey]);
  else if (n === POP_NONE && !ctx.block({ keys, deadlineMs, timeoutReply: 'nullArray', valueType: 'zset' })) ctx.out.nullArray();
}

function bzmpop(ctx: Ctx, argv: string[]): void {
  const a = parseMpop(ctx, argv, 2);
  if (a === null) return;
  const deadlineMs = parseBlockTimeout(ctx, argv[1]);
  if (deadlineMs === null) return;
  const n = popFirst(ctx, a.keys, a.where, a.count, PopShape.KeyNested);
  if (n > 0) ctx.propagate([popName(a.where), poppedKey, String(n)]);
  else if (n === POP_NONE && !ctx.block({ keys: a.keys, deadlineMs, timeoutReply: 'nullArray', valueType: 'zset' })) ctx.out.nullArray();
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER

function zrandmember(ctx: Ctx, argv: string[]): void {
  if (argv.length === 2) {
    const z = readZset(ctx, argv[1]);
    if (z === null) return;
    if (z === undefined) ctx.out.null();
    else ctx.out.bulk(z.index.memberAt(Math.floor(ctx.random() * z.size)));
    return;
  }
  const count = parseInt64(argv[2]);
  if (count === null) {
    ctx.error(ERR_NOT_INTEGER);
    return;
  }
  if (count === INT64_MIN) {
    ctx.error(ERR_RANDMEMBER_RANGE);
    return;
  }
  if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withscores')) {
    ctx.error(ERR_SYNTAX);
    return;
  }
  const withScores = argv.length === 4;
  if (withScores && (count > WITHSCORES_COUNT_MAX || count < -WITHSCORES_COUNT_MAX)) {
    ctx.error(ERR_OUT_OF_RANGE);
    return;
  }
  const z = readZset(ctx, argv[1]);
  if (z === null) return;
  if (z === undefined || count === 0n) {
    ctx.out.arrayLen(0);
    return;
  }
  const size = z.size;
  const out = ctx.out;
  const nested = withScores && out.resp === 3;
  const emit = (rank: number): void => {
    if (nested) out.arrayLen(2);
    out.bulk(z.index.memberAt(rank));
    if (withScores) out.double(z.index.scoreAt(rank));
  };
  // Picks with repetition (negative count), or a single pick.
  if (count < 0n || count === 1n) {
    const picks = count < 0n ? -count : 1n;
    if (picks > BigInt(ZRANDMEMBER_PICKS_MAX)) {
      ctx.error(ERR_OUT_OF_RANGE);
      return;
    }
    const n = Number(picks);
    pairsHeader(ctx, n, withScores);
    for (let i = 0; i < n; i++) emit(Math.floor(ctx.random() * size));
    return;
  }
  // Asking for at least everything: the whole set, highest first (the order Redis 7.0 replies in).
  if (count >= BigInt(size)) {
    replyRange(ctx, z, size - 1, size, true, withScores);
    return;
  }
  // Distinct picks: a partial shuffle of the ranks when many are wanted, else draws until distinct.
  const n = Number(count);
  pairsHeader(ctx, n, withScores);
  if (n * 3 > size) {
    const ranks = Array.from({ length: size }, (_, i) => i);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(ctx.random() * (size - i));
      const t = ranks[i];
      ranks[i] = ranks[j];
      ranks[j] = t;
      emit(ranks[i]);
    }
    return;
  }
  const seen = new Set<number>();
  while (seen.size < n) {
    const r = Math.floor(ctx.random() * size);
    if (seen.has(r)) continue;
    seen.add(r);
    emit(r);
  }
}

// ---------------------------------------------------------------------------------------------
// ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

/** An input of a set operation: a sorted set, a plain set (every score 1), or a missing key. */
interface Source {
  zset: ZSetValue | null;
  set: SetValue | null;
  weight: number;
}

function sourceSize(s: Source): number {
  return s.zset !== null ? s.zset.size : s.set !== null ? s.set.size : 0;
}

/** The score of `member` in `s`, or undefined. */
function sourceScore(s: Source, member: string): number | undefined {
  if (s.zset !== null) return s.zset.dict.get(member);
  if (s.set !== null) return s.set.has(member) ? 1 : undefined;
  return undefined;
}

/** Calls `visit` for every member of `s` with its score. */
function forEachInSource(s: Source, visit: (member: string, score: number) => void): void {
  if (s.zset !== null) {
    for (const [m, score] of s.zset.dict) visit(m, score);
  } else if (s.set !== null) {
    for (const m of s.set.members()) visit(m, 1);
  }
}

/** Redis's zunionInterAggregate: +inf + -inf is 0 for SUM; MIN and MAX keep the target over a NaN. */
function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === 'sum') {
    const r = target + value;
    return Number.isNaN(r) ? 0 : r;
  }
  if (how === 'min') return value < target ? value : target;
  return value > target ? value : target;
}

/**
 * Redis's zunionInterDiffGenericCommand. `numkeysAt` indexes numkeys; `dst` is the store target
 * (null to reply); `cardOnly` is ZINTERCARD.
 */
function setOperation(ctx: Ctx, argv: string[], op: SetOp, numkeysAt: number, dst: string | null, cardOnly: boolean): void {
  const name = argv[0].toLowerCase();
  const numkeys = parseLong(ctx, argv[numkeysAt]);
  if (numkeys === null) return;
  if (numkeys < 1) {
    ctx.error(`ERR at least 1 input key is needed for '${name}' command`);
    return;
  }
  if (numkeys > argv.length - numkeysAt - 1) {
    ctx.error(ERR_SYNTAX);
    return;
  }
  const sources: Source[] = [];
  let j = numkeysAt + 1;
  for (let i = 0; i < numkeys; i++, j++) {
    const v = dst !== null ? ctx.db.get(argv[j], ctx.now) : lookupAny(ctx, argv[j]);
    if (v !== undefined && (typeof v === 'string' || (v.type !== 'zset' && v.type !== 'set'))) {
      ctx.error(ERR_WRONGTYPE);
      return;
    }
    sources.push({
      zset: v !== undefined && v.type === 'zset' ? (v as ZSetValue) : null,
      set: v !== undefined && v.type === 'set' ? (v as SetValue) : null,
      weight: 1,
    });
  }
  let how: Aggregate = 'sum';
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const opt = argv[j].toLowerCase();
    if (op !== 'diff' && !cardOnly && remaining >= numkeys + 1 && opt === 'weights') {
      j++;
      for (let i = 0; i < numkeys; i++, j++) {
        const w = parseScore(argv[j]);
        if (w === null) {
          ctx.error(ERR_WEIGHT);
          return;
        }
        sources[i].weight = w;
      }
    } else if (op !== 'diff' && !cardOnly && remaining >= 2 && opt === 'aggregate') {
      const a = argv[j + 1].toLowerCase();
      if (a !== 'sum' && a !== 'min' && a !== 'max') {
        ctx.error(ERR_SYNTAX);
        return;
      }
      how = a;
      j += 2;
    } else if (dst === null && !cardOnly && opt === 'withscores') {
      withScores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && opt === 'limit') {
      const l = parseIntClamped(argv[j + 1]);
      if (l === null || l < 0) {
        ctx.error(ERR_LIMIT_NEGATIVE);
        return;
      }
      limit = l;
      j += 2;
    } else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  // Smallest first, as Redis orders them (a stable sort: equal sizes keep their order). The order
  // decides where +inf and -inf meet in a SUM. ZDIFF keeps its first input first.
  if (op !== 'diff') sources.sort((a, b) => sourceSize(a) - sourceSize(b));

  const members: string[] = [];
  const scores: number[] = [];
  let longest = 0;
  const add = (m: string, s: number): void => {
    members.push(m);
    scores.push(s);
    if (m.length > longest) longest = m.length;
  };
  if (op === 'inter') {
    const first = sources[0];
    let card = 0;
    if (sourceSize(first) > 0) {
      const others = sources.slice(1);
      try {
        forEachInSource(first, (m, s) => {
          let score = first.weight * s;
          if (Number.isNaN(score)) score = 0;
          for (const o of others) {
            const found = sourceScore(o, m);
            if (found === undefined) return;
            score = aggregate(score, found * o.weight, how);
          }
          if (cardOnly) {
            card++;
            if (limit > 0 && card >= limit) throw STOP;
          } else {
            add(m, score);
          }
        });
      } catch (err) {
        if (err !== STOP) throw err;
      }
    }
    if (cardOnly) {
      ctx.out.integer(card);
      return;
    }
  } else if (op === 'union') {
    const acc = new Map<string, number>();
    let full = false;
    for (const src of sources) {
      const w = src.weight;
      forEachInSource(src, (m, s) => {
        let score = w * s;
        if (Number.isNaN(score)) score = 0;
        const cur = acc.get(m);
        if (cur !== undefined) acc.set(m, aggregate(cur, score, how));
        else if (acc.size < ZSET_MEMBERS_MAX) acc.set(m, score);
        else full = true;
      });
    }
    if (full) {
      ctx.error(ERR_MEMBERS_MAX);
      return;
    }
    for (const [m, s] of acc) add(m, s);
  } else {
    const others = sources.slice(1);
    forEachInSource(sources[0], (m, s) => {
      for (const o of others) if (sourceScore(o, m) !== undefined) return;
      add(m, s);
    });
  }
  // Ascending (score, member), the order the result set holds.
  const order = Array.from({ length: members.length }, (_, i) => i);
  order.sort((a, b) => {
    const sa = scores[a];
    const sb = scores[b];
    if (sa !== sb) return sa < sb ? -1 : 1;
    return members[a] < members[b] ? -1 : members[a] > members[b] ? 1 : 0;
  });
  const sortedMembers = order.map((i) => members[i]);
  const sortedScores = order.map((i) => scores[i]);
  if (dst !== null) {
    const z = sortedMembers.length === 0 ? null : ZSetValue.fromSorted(sortedMembers, sortedScores, !fitsListpack(sortedMembers.length, longest));
    storeResult(ctx, dst, z, `z${op}store`);
    return;
  }
  const out = ctx.out;
  const nested = withScores && out.resp === 3;
  pairsHeader(ctx, sortedMembers.length, withScores);
  for (let i = 0; i < sortedMembers.length; i++) {
    if (nested) out.arrayLen(2);
    out.bulk(sortedMembers[i]);
    if (withScores) out.double(sortedScores[i]);
  }
}

/** Ends ZINTERCARD's walk once LIMIT is reached. */
const STOP = new Error('stop');

/** lookupKeyRead of any type (counts hits and misses); undefined when missing. */
function lookupAny(ctx: Ctx, key: string): ReturnType<Ctx['db']['get']> {
  const v = ctx.db.get(key, ctx.now);
  if (v === undefined) {
    ctx.server.keyspace.stats.misses++;
    ctx.notify('m', 'keymiss', key);
  } else ctx.server.keyspace.stats.hits++;
  return v;
}

// ---------------------------------------------------------------------------------------------
// ZSCAN


function zscan(ctx: Ctx, argv: string[]): void {
  const cursor = scanCursorOrReply(ctx, argv[2]);
  if (cursor === null) return;
  const z = readZset(ctx, argv[1]);
  if (z === null) return;
  if (z === undefined) return writeScanReply(ctx, 0, []);
  const options = parseScanOptions(ctx, argv, 3);
  if (options === null) return;
  const { pattern } = options;
  const found: string[] = [];
  const visit = (member: string, score: number): void => {
    if (pattern !== null && !globMatch(pattern, member)) return;
    found.push(member, formatDouble(score));
  };
  let next = 0;
  if (z.isListpack) {
    // Like Redis: a small sorted set is returned whole, in order, in one call, whatever the cursor.
    z.index.walk(0, z.size, false, visit);
  } else if (cursor !== SCAN_CURSOR_BEYOND) {
    next = ctx.server.keyspace.scanCursors.scan(z.dict, cursor, options.count, (member) => visit(member, z.dict.get(member)!));
  }
  writeScanReply(ctx, next, found);
}

// ---------------------------------------------------------------------------------------------
// The table

/** Key positions of `numkeys key [key ...]` with numkeys at `numkeysAt`, after the keys listed in `before`. */
function numkeysKeys(numkeysAt: number, before: readonly number[] = []): (argv: readonly string[]) => number[] {
  return (argv) => {
    const out = before.filter((i) => i < argv.length);
    const n = numkeysAt < argv.length ? parseIntClamped(argv[numkeysAt]) : null;
    if (n === null || n < 1 || numkeysAt + n >= argv.length) return out;
    for (let i = 1; i <= n; i++) out.push(numkeysAt + i);
    return out;
  };
}

const Z = { group: 'sorted-set' } as const;
const KEY1 = [1, 1, 1] as const;
const NO_KEYS = [0, 0, 0] as const;
const WRITE_FAST = ['write', 'sortedset', 'fast'] as const;
const WRITE_SLOW = ['write', 'sortedset', 'slow'] as const;
const READ_FAST = ['read', 'sortedset', 'fast'] as const;
const READ_SLOW = ['read', 'sortedset', 'slow'] as const;

const RANGE_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.';
const RANGE_LIMIT_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).';
const REMRANGE_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.';
const POP_COMPLEXITY = 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.';
const MPOP_COMPLEXITY = 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.';
const BPOP_COMPLEXITY = 'O(log(N)) with N being the number of elements in the sorted set.';
const UNION_COMPLEXITY = 'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.';
const INTER_COMPLEXITY = 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.';
const DIFF_COMPLEXITY = 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.';

export const zsetCommands: CommandSpec[] = [
  cmd('zadd', -4, ['write', 'denyoom', 'fast'], KEY1, WRITE_FAST,
    { ...Z, since: '1.2.0', summary: 'Add one or more members to a sorted set, or update its score if it already exists', complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.', syntax: 'key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]' },
    (ctx, argv) => zaddGeneric(ctx, argv, false)),
  cmd('zincrby', 4, ['write', 'denyoom', 'fast'], KEY1, WRITE_FAST,
    { ...Z, since: '1.2.0', summary: 'Increment the score of a member in a sorted set', complexity: 'O(log(N)) where N is the number of elements in the sorted set.', syntax: 'key increment member' },
    (ctx, argv) => zaddGeneric(ctx, argv, true)),
  cmd('zrem', -3, ['write', 'fast'], KEY1, WRITE_FAST,
    { ...Z, since: '1.2.0', summary: 'Remove one or more members from a sorted set', complexity: 'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.', syntax: 'key member [member ...]' }, zrem),
  cmd('zcard', 2, ['readonly', 'fast'], KEY1, READ_FAST,
    { ...Z, since: '1.2.0', summary: 'Get the number of members in a sorted set', complexity: 'O(1)', syntax: 'key' }, zcard),
  cmd('zcount', 4, ['readonly', 'fast'], KEY1, READ_FAST,
    { ...Z, since: '2.0.0', summary: 'Count the members in a sorted set with scores within the given values', complexity: 'O(log(N)) with N being the number of elements in the sorted set.', syntax: 'key min max' }, zcount),
  cmd('zscore', 3, ['readonly', 'fast'], KEY1, READ_FAST,
    { ...Z, since: '1.2.0', summary: 'Get the score associated with the given member in a sorted set', complexity: 'O(1)', syntax: 'key member' }, zscore),
  cmd('zmscore', -3, ['readonly', 'fast'], KEY1, READ_FAST,
    { ...Z, since: '6.2.0', summary: 'Get the score associated with the given members in a sorted set', complexity: 'O(N) where N is the number of members being requested.', syntax: 'key member [member ...]' }, zmscore),
  cmd('zrank', 3, ['readonly', 'fast'], KEY1, READ_FAST,
    { ...Z, since: '2.0.0', summary: 'Determine the index of a member in a sorted set', complexity: 'O(log(N))', syntax: 'key member' },
    (ctx, argv) => zrankGeneric(ctx, argv, false)),
  cmd('zrevrank', 3, ['readonly', 'fast'], KEY1, READ_FAST,
    { ...Z, since: '2.0.0', summary: 'Determine the index of a member in a sorted set, with scores ordered from high to low', complexity: 'O(log(N))', syntax: 'key member' },
    (ctx, argv) => zrankGeneric(ctx, argv, true)),
  cmd('zrange', -4, ['readonly'], KEY1, READ_SLOW,
    { ...Z, since: '1.2.0', summary: 'Return a range of members in a sorted set', complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.', syntax: 'key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]' },
    (ctx, argv) => zrangeGeneric(ctx, argv, 1, null, null, null)),
  cmd('zrangestore', -5, ['write', 'denyoom'], [1, 2, 1], WRITE_SLOW,
    { ...Z, since: '6.2.0', summary: 'Store a range of members from sorted set into another key', complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.', syntax: 'dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]' },
    (ctx, argv) => zrangeGeneric(ctx, argv, 2, argv[1], null, null)),
  cmd('zrangebyscore', -4, ['readonly'], KEY1, READ_SLOW,
    { ...Z, since: '1.0.5', summary: 'Return a range of members in a sorted set, by score', complexity: RANGE_LIMIT_COMPLEXITY, syntax: 'key min max [WITHSCORES] [LIMIT offset count]' },
    (ctx, argv) => zrangeGeneric(ctx, argv, 1, null, 'score', false)),
  cmd('zrevrangebyscore', -4, ['readonly'], KEY1, READ_SLOW,
    { ...Z, since: '2.2.0', summary: 'Return a range of members in a sorted set, by score, with scores ordered from high to low', complexity: RANGE_LIMIT_COMPLEXITY, syntax: 'key max min [WITHSCORES] [LIMIT offset count]' },
    (ctx, argv) => zrangeGeneric(ctx, argv, 1, null, 'score', true)),
  cmd('zrangebylex', -4, ['readonly'], KEY1, READ_SLOW,
    { ...Z, since: '2.8.9', summary: 'Return a range of members in a sorted set, by lexicographical range', complexity: RANGE_LIMIT_COMPLEXITY, syntax: 'key min max [LIMIT offset count]' },
    (ctx, argv) => zrangeGeneric(ctx, argv, 1, null, 'lex', false)),
  cmd('zrevrangebylex', -4, ['readonly'], KEY1, READ_SLOW,
    { ...Z, since: '2.8.9', summary: 'Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.', complexity: RANGE_LIMIT_COMPLEXITY, syntax: 'key max min [LIMIT offset count]' },
    (ctx, argv) => zrangeGeneric(ctx, argv, 1, null, 'lex', true)),
  cmd('zrevrange', -4, ['readonly'], KEY1, READ_SLOW,
    { ...Z, since: '1.2.0', summary: 'Return a range of members in a sorted set, by index, with scores ordered from high to low', complexity: RANGE_COMPLEXITY, syntax: 'key start stop [WITHSCORES]' },
    (ctx, argv) => zrangeGeneric(ctx, argv, 1, null, 'rank', true)),
  cmd('zlexcount', 4, ['readonly', 'fast'], KEY1, READ_FAST,
    { ...Z, since: '2.8.9', summary: 'Count the number of members in a sorted set between a given lexicographical range', complexity: 'O(log(N)) with N being the number of elements in the sorted set.', syntax: 'key min max' }, zlexcount),
  cmd('zremrangebyrank', 4, ['write'], KEY1, WRITE_SLOW,
    { ...Z, since: '2.0.0', summary: 'Remove all members in a sorted set within the given indexes', complexity: REMRANGE_COMPLEXITY, syntax: 'key start stop' },
    (ctx, argv) => zremrange(ctx, argv, 'rank')),
  cmd('zremrangebyscore', 4, ['write'], KEY1, WRITE_SLOW,
    { ...Z, since: '1.2.0', summary: 'Remove all members in a sorted set within the given scores', complexity: REMRANGE_COMPLEXITY, syntax: 'key min max' },
    (ctx, argv) => zremrange(ctx, argv, 'score')),
  cmd('zremrangebylex', 4, ['write'], KEY1, WRITE_SLOW,
    { ...Z, since: '2.8.9', summary: 'Remove all members in a sorted set between the given lexicographical range', complexity: REMRANGE_COMPLEXITY, syntax: 'key min max' },
    (ctx, argv) => zremrange(ctx, argv, 'lex')),
  cmd('zpopmin', -2, ['write', 'fast'], KEY1, WRITE_FAST,
    { ...Z, since: '5.0.0', summary: 'Remove and return members with the lowest scores in a sorted set', complexity: POP_COMPLEXITY, syntax: 'key [count]' },
    (ctx, argv) => zpop(ctx, argv, MIN)),
  cmd('zpopmax', -2, ['write', 'fast'], KEY1, WRITE_FAST,
    { ...Z, since: '5.0.0', summary: 'Remove and return members with the highest scores in a sorted set', complexity: POP_COMPLEXITY, syntax: 'key [count]' },
    (ctx, argv) => zpop(ctx, argv, MAX)),
  cmd('zmpop', -4, ['write', 'movablekeys'], NO_KEYS, WRITE_SLOW,
    { ...Z, since: '7.0.0', summary: 'Remove and return members with scores in a sorted set', complexity: MPOP_COMPLEXITY, syntax: 'numkeys key [key ...] <MIN | MAX> [COUNT count]' },
    zmpop, { keys: numkeysKeys(1) }),
  cmd('bzpopmin', -3, ['write', 'noscript', 'blocking', 'fast'], [1, -2, 1], ['write', 'sortedset', 'fast', 'blocking'],
    { ...Z, since: '5.0.0', summary: 'Remove and return the member with the lowest score from one or more sorted sets, or block until one is available', complexity: BPOP_COMPLEXITY, syntax: 'key [key ...] timeout' },
    (ctx, argv) => bzpop(ctx, argv, MIN)),
  cmd('bzpopmax', -3, ['write', 'noscript', 'blocking', 'fast'], [1, -2, 1], ['write', 'sortedset', 'fast', 'blocking'],
    { ...Z, since: '5.0.0', summary: 'Remove and return the member with the highest score from one or more sorted sets, or block until one is available', complexity: BPOP_COMPLEXITY, syntax: 'key [key ...] timeout' },
    (ctx, argv) => bzpop(ctx, argv, MAX)),
  cmd('bzmpop', -5, ['write', 'blocking', 'movablekeys'], NO_KEYS, ['write', 'sortedset', 'slow', 'blocking'],
    { ...Z, since: '7.0.0', summary: 'Remove and return members with scores in a sorted set or block until one is available', complexity: MPOP_COMPLEXITY, syntax: 'timeout numkeys key [key ...] <MIN | MAX> [COUNT count]' },
    bzmpop, { keys: numkeysKeys(2) }),
  cmd('zrandmember', -2, ['readonly'], KEY1, READ_SLOW,
    { ...Z, since: '6.2.0', summary: 'Get one or multiple random elements from a sorted set', complexity: 'O(N) where N is the number of elements returned', syntax: 'key [count [WITHSCORES]]' }, zrandmember),
  cmd('zunion', -3, ['readonly', 'movablekeys'], NO_KEYS, READ_SLOW,
    { ...Z, since: '6.2.0', summary: 'Add multiple sorted sets', complexity: UNION_COMPLEXITY, syntax: 'numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]' },
    (ctx, argv) => setOperation(ctx, argv, 'union', 1, null, false), { keys: numkeysKeys(1) }),
  cmd('zinter', -3, ['readonly', 'movablekeys'], NO_KEYS, READ_SLOW,
    { ...Z, since: '6.2.0', summary: 'Intersect multiple sorted sets', complexity: INTER_COMPLEXITY, syntax: 'numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]' },
    (ctx, argv) => setOperation(ctx, argv, 'inter', 1, null, false), { keys: numkeysKeys(1) }),
  cmd('zdiff', -3, ['readonly', 'movablekeys'], NO_KEYS, READ_SLOW,
    { ...Z, since: '6.2.0', summary: 'Subtract multiple sorted sets', complexity: DIFF_COMPLEXITY, syntax: 'numkeys key [key ...] [WITHSCORES]' },
    (ctx, argv) => setOperation(ctx, argv, 'diff', 1, null, false), { keys: numkeysKeys(1) }),
  cmd('zunionstore', -4, ['write', 'denyoom', 'movablekeys'], KEY1, WRITE_SLOW,
    { ...Z, since: '2.0.0', summary: 'Add multiple sorted sets and store the resulting sorted set in a new key', complexity: 'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.', syntax: 'destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]' },
    (ctx, argv) => setOperation(ctx, argv, 'union', 2, argv[1], false), { keys: numkeysKeys(2, [1]) }),
  cmd('zinterstore', -4, ['write', 'denyoom', 'movablekeys'], KEY1, WRITE_SLOW,
    { ...Z, since: '2.0.0', summary: 'Intersect multiple sorted sets and store the resulting sorted set in a new key', complexity: INTER_COMPLEXITY, syntax: 'destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]' },
    (ctx, argv) => setOperation(ctx, argv, 'inter', 2, argv[1], false), { keys: numkeysKeys(2, [1]) }),
  cmd('zdiffstore', -4, ['write', 'denyoom', 'movablekeys'], KEY1, WRITE_SLOW,
    { ...Z, since: '6.2.0', summary: 'Subtract multiple sorted sets and store the resulting sorted set in a new key', complexity: DIFF_COMPLEXITY, syntax: 'destination numkeys key [key ...]' },
    (ctx, argv) => setOperation(ctx, argv, 'diff', 2, argv[1], false), { keys: numkeysKeys(2, [1]) }),
  cmd('zintercard', -3, ['readonly', 'movablekeys'], NO_KEYS, READ_SLOW,
    { ...Z, since: '7.0.0', summary: 'Intersect multiple sorted sets and return the cardinality of the result', complexity: 'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.', syntax: 'numkeys key [key ...] [LIMIT limit]' },
    (ctx, argv) => setOperation(ctx, argv, 'inter', 1, null, true), { keys: numkeysKeys(1) }),
  cmd('zscan', -3, ['readonly'], KEY1, READ_SLOW,
    { ...Z, since: '2.8.0', summary: 'Incrementally iterate sorted sets elements and associated scores', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..', syntax: 'key cursor [MATCH pattern] [COUNT count]' }, zscan),
];
