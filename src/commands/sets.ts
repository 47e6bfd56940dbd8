/**
 * Set commands (Redis's t_set.c), with Redis 7.0's replies, error texts, checking order,
 * keyspace events and propagation.
 *
 * Reply order: an intset lists its members in ascending numeric order, and the set operations
 * build their results the way Redis does (SUNION/SDIFF into a fresh set, SINTER walking the
 * smallest input, SDIFF choosing between Redis's two algorithms), so wherever Redis's order is
 * determined (everything intset-encoded) Concord's is the same; hashtable order is arbitrary in
 * both.
 */
import type { Value } from '../keyspace/database.js';
import { globMatch } from '../keyspace/glob.js';
import { SET_INTSET_ENTRIES_MAX, SET_MEMBERS_MAX, SetValue, compareInt64Text, isInt64Text } from '../keyspace/set.js';
import {
  ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, parseInt64, parseSafeInt, SCAN_CURSOR_BEYOND,
} from './args.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';
import { afterRemove, lookupTyped, removeMembersReply, parseScanOptions, scanCursorOrReply, writeScanReply } from './typed.js';

const INT64_MIN = -(2n ** 63n);
/**
 * Concord's bound on SRANDMEMBER's picks with repetition (negative count): Redis has none and
 * would build the reply until memory runs out. Past it the client gets a range error in Redis's
 * wording, naming the bound.
 */
export const SRANDMEMBER_PICKS_MAX = 16_777_216;
/** SPOP with a count this much smaller than the set pops one by one; else it picks what stays (Redis's SPOP_MOVE_STRATEGY_MUL). */
const SPOP_MOVE_STRATEGY_MUL = 5;
/** SRANDMEMBER with a count above size / this copies the set and drops picks (Redis's SRANDMEMBER_SUB_STRATEGY_MUL). */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3;
/** SSCAN's default and largest COUNT (the work one call does on a hashtable-encoded set). */

const ERR_MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
const ERR_SRANDMEMBER_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';
const ERR_SRANDMEMBER_PICKS = `ERR value is out of range, value must between -${SRANDMEMBER_PICKS_MAX} and 9223372036854775807`;
const ERR_NUMKEYS = 'ERR numkeys should be greater than 0';
const ERR_NUMKEYS_ARGS = "ERR Number of keys can't be greater than number of args";
const ERR_LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
const ERR_MEMBERS_MAX = `ERR the set holds its maximum of ${SET_MEMBERS_MAX} members`;

function isSet(v: Value): v is SetValue {
  return typeof v !== 'string' && v.type === 'set';
}

/**
 * The set at `key` for a write: undefined when missing, null after replying WRONGTYPE. Unlike
 * reads (lookupTyped), writes do not count keyspace hits and misses, as in Redis.
 */
function lookupWrite(ctx: Ctx, key: string): SetValue | undefined | null {
  const v = ctx.db.get(key, ctx.now);
  if (v === undefined) return undefined;
  if (!isSet(v)) {
    ctx.error(ERR_WRONGTYPE);
    return null;
  }
  return v;
}

function lookupRead(ctx: Ctx, key: string): SetValue | undefined | null {
  return lookupTyped<SetValue>(ctx, key, 'set');
}

/**
 * The sets at argv[from..to), missing keys as undefined; null after replying WRONGTYPE for the
 * first key of another type (Redis checks every key before computing anything). Sources are
 * read lookups (they count keyspace hits and misses) in the STORE forms too, as in Redis 7.0.
 */
function lookupSets(ctx: Ctx, argv: string[], from: number, to: number): Array<SetValue | undefined> | null {
  const sets: Array<SetValue | undefined> = [];
  for (let i = from; i < to; i++) {
    const s = lookupRead(ctx, argv[i]);
    if (s === null) return null;
    sets.push(s);
  }
  return sets;
}

/** A C long as Redis's getLongLongFromObject reads it (SPOP and SRANDMEMBER counts, numkeys, LIMIT); null when invalid. */
function parseLong(text: string): bigint | null {
  return parseInt64(text);
}

/** Replies `members` as a RESP3 set (an array in RESP2). */
function replySet(ctx: Ctx, members: readonly string[]): void {
  const out = ctx.out;
  out.setLen(members.length);
  for (let i = 0; i < members.length; i++) out.bulk(members[i]);
}

/** Replies `members` as an array in both protocols (SRANDMEMBER's replies). */
function replyArray(ctx: Ctx, members: readonly string[]): void {
  const out = ctx.out;
  out.arrayLen(members.length);
  for (let i = 0; i < members.length; i++) out.bulk(members[i]);
}

// ---------------------------------------------------------------------------------------------
// Single-set commands

function sadd(ctx: Ctx, argv: string[]): void {
  const key = argv[1];
  const existing = lookupWrite(ctx, key);
  if (existing === null) return;
  const set = existing ?? new SetValue();
  if (set.size + argv.length - 2 > SET_MEMBERS_MAX && wouldExceed(set, argv, 2)) {
    ctx.error(ERR_MEMBERS_MAX);
    return;
  }
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.add(argv[i])) added++;
  if (existing === undefined) ctx.db.set(key, set);
  else if (added > 0) ctx.db.touch(key);
  if (added > 0) ctx.notify('s', 'sadd', key);
  ctx.dirty(added);
  ctx.out.integer(added);
}

/** True when adding the distinct new members among argv[from..] would pass SET_MEMBERS_MAX. */
function wouldExceed(set: SetValue, argv: string[], from: number): boolean {
  const fresh = new Set<string>();
  for (let i = from; i < argv.length; i++) if (!set.has(argv[i])) fresh.add(argv[i]);
  return set.size + fresh.size > SET_MEMBERS_MAX;
}

function srem(ctx: Ctx, argv: string[]): void {
  const set = lookupWrite(ctx, argv[1]);
  if (set !== null) removeMembersReply(ctx, argv, set, (v, m) => v.remove(m), 's', 'srem');
}

function sismember(ctx: Ctx, argv: string[]): void {
  const set = lookupRead(ctx, argv[1]);
  if (set === null) return;
  ctx.out.integer(set !== undefined && set.has(argv[2]) ? 1 : 0);
}

function smismember(ctx: Ctx, argv: string[]): void {
  const set = lookupRead(ctx, argv[1]);
  if (set === null) return;
  const out = ctx.out;
  out.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) out.integer(set !== undefined && set.has(argv[i]) ? 1 : 0);
}

function scard(ctx: Ctx, argv: string[]): void {
  const set = lookupRead(ctx, argv[1]);
  if (set === null) return;
  ctx.out.integer(set === undefined ? 0 : set.size);
}

function smove(ctx: Ctx, argv: string[]): void {
  const [, srcKey, dstKey, member] = argv;
  // Redis looks both keys up first; a missing source wins over a destination of another type.
  const srcValue = ctx.db.get(srcKey, ctx.now);
  const dstValue = ctx.db.get(dstKey, ctx.now);
  if (srcValue === undefined) {
    ctx.out.integer(0);
    return;
  }
  if (!isSet(srcValue) || (dstValue !== undefined && !isSet(dstValue))) {
    ctx.error(ERR_WRONGTYPE);
    return;
  }
  const src = srcValue;
  const dst = dstValue;
  if (src === dst) {
    ctx.out.integer(src.has(member) ? 1 : 0);
    return;
  }
  if (!src.has(member)) {
    ctx.out.integer(0);
    return;
  }
  if (dst !== undefined && dst.size >= SET_MEMBERS_MAX && !dst.has(member)) {
    ctx.error(ERR_MEMBERS_MAX);
    return;
  }
  src.remove(member);
  ctx.notify('s', 'srem', srcKey);
  afterRemove(ctx, srcKey, src);
  ctx.dirty();
  if (dst === undefined) {
    ctx.db.set(dstKey, SetValue.of([member]));
  } else if (dst.add(member)) {
    ctx.db.touch(dstKey);
  } else {
    ctx.out.integer(1);
    return;
  }
  ctx.dirty();
  ctx.notify('s', 'sadd', dstKey);
  ctx.out.integer(1);
}

function spop(ctx: Ctx, argv: string[]): void {
  if (argv.length === 3) {
    spopWithCount(ctx, argv);
    return;
  }
  if (argv.length > 3) {
    ctx.error(ERR_SYNTAX);
    return;
  }
  const key = argv[1];
  const set = lookupWrite(ctx, key);
  if (set === null) return;
  if (set === undefined) {
    ctx.out.null();
    return;
  }
  const member = set.popRandom(ctx.random());
  ctx.notify('s', 'spop', key);
  // The pick is random: replicas and the log get the member actually removed.
  ctx.propagate(['SREM', key, member]);
  ctx.out.bulk(member);
  afterRemove(ctx, key, set);
  ctx.dirty();
}

/**
 * SPOP key count, as Redis 7.0 does it: the whole set (then DEL), or one SREM effect per popped
 * member, either popping random members one by one or, when few stay, picking those that stay.
 */
function spopWithCount(ctx: Ctx, argv: string[]): void {
  const parsed = parseLong(argv[2]);
  if (parsed === null || parsed < 0n) {
    ctx.error(ERR_MUST_BE_POSITIVE);
    return;
  }
  const key = argv[1];
  const set = lookupWrite(ctx, key);
  if (set === null) return;
  const out = ctx.out;
  if (set === undefined || parsed === 0n) {
    out.setLen(0);
    return;
  }
  const size = set.size;
  ctx.notify('s', 'spop', key);
  // Redis counts the requested count as changes, whatever the set held.
  ctx.dirty(Number(parsed));
  if (parsed >= BigInt(size)) {
    // Redis replies through SUNION of the one set: the order of a freshly built copy.
    replySet(ctx, orderedLikeFreshSet(set));
    ctx.db.delete(key);
    ctx.notify('g', 'del', key);
    ctx.propagate(['DEL', key]);
    return;
  }
  const count = Number(parsed);
  let remaining = size - count;
  out.setLen(count);
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    for (let i = 0; i < count; i++) {
      const member = set.popRandom(ctx.random());
      out.bulk(member);
      ctx.propagate(['SREM', key, member]);
    }
  } else {
    // Few stay: pick those, and pop everything else in the set's order.
    const kept: string[] = [];
    while (remaining-- > 0) kept.push(set.popRandom(ctx.random()));
    const popped = set.members();
    for (let i = 0; i < popped.length; i++) {
      out.bulk(popped[i]);
      ctx.propagate(['SREM', key, popped[i]]);
    }
    set.rebuild(kept);
  }
  ctx.db.touch(key);
}

/**
 * The members in the order a set built from them would list them: ascending numbers when that
 * set would be an intset (even if `set` itself is a hashtable), else `set`'s order.
 */
function orderedLikeFreshSet(set: SetValue): readonly string[] {
  const members = set.members();
  if (set.isIntset || members.length > SET_INTSET_ENTRIES_MAX || !members.every(isInt64Text)) return members;
  return members.slice().sort(compareInt64Text);
}

function srandmember(ctx: Ctx, argv: string[]): void {
  if (argv.length === 3) {
    srandmemberWithCount(ctx, argv);
    return;
  }
  if (argv.length > 3) {
    ctx.error(ERR_SYNTAX);
    return;
  }
  const set = lookupRead(ctx, argv[1]);
  if (set === null) return;
  if (set === undefined) ctx.out.null();
  else ctx.out.bulk(set.random(ctx.random()));
}

function srandmemberWithCount(ctx: Ctx, argv: string[]): void {
  const parsed = parseLong(argv[2]);
  if (parsed === null) {
    ctx.error(ERR_NOT_INTEGER);
    return;
  }
  if (parsed === INT64_MIN) {
    ctx.error(ERR_SRANDMEMBER_RANGE);
    return;
  }
  const set = lookupRead(ctx, argv[1]);
  if (set === null) return;
  const out = ctx.out;
  if (set === undefined || parsed === 0n) {
    out.arrayLen(0);
    return;
  }
  if (parsed < -BigInt(SRANDMEMBER_PICKS_MAX)) {
    ctx.error(ERR_SRANDMEMBER_PICKS);
    return;
  }
  const size = set.size;
  if (parsed < 0n || parsed === 1n) {
    // With repetition: each pick is independent and uniform.
    const picks = parsed < 0n ? Number(-parsed) : 1;
    out.arrayLen(picks);
    for (let i = 0; i < picks; i++) out.bulk(set.random(ctx.random()));
    return;
  }
  if (parsed >= BigInt(size)) {
    replyArray(ctx, set.members());
    return;
  }
  const count = Number(parsed);
  const members = set.members();
  out.arrayLen(count);
  if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
    // Many of the members: a partial Fisher-Yates shuffle of a copy.
    const copy = members.slice();
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(ctx.random() * (size - i));
      const pick = copy[j];
      copy[j] = copy[i];
      out.bulk(pick);
    }
    return;
  }
  // Few of many: distinct random picks.
  const chosen = new Set<string>();
  while (chosen.size < count) chosen.add(members[Math.floor(ctx.random() * size)]);
  for (const m of chosen) out.bulk(m);
}

function smembers(ctx: Ctx, argv: string[]): void {
  const set = lookupRead(ctx, argv[1]);
  if (set === null) return;
  if (set === undefined) ctx.out.setLen(0);
  else replySet(ctx, set.members());
}

// ---------------------------------------------------------------------------------------------
// SSCAN

function sscan(ctx: Ctx, argv: string[]): void {
  const cursor = scanCursorOrReply(ctx, argv[2]);
  if (cursor === null) return;
  const set = lookupRead(ctx, argv[1]);
  if (set === null) return;
  if (set === undefined) return writeScanReply(ctx, 0, []);
  const options = parseScanOptions(ctx, argv, 3);
  if (options === null) return;
  const { pattern } = options;
  const found: string[] = [];
  const visit = (member: string): void => {
    if (pattern === null || globMatch(pattern, member)) found.push(member);
  };
  let next = 0;
  const source = set.scanSource();
  if (source === null) {
    // Like Redis: an intset is returned whole in one call, whatever the cursor.
    const members = set.members();
    for (let i = 0; i < members.length; i++) visit(members[i]);
  } else if (cursor !== SCAN_CURSOR_BEYOND) {
    next = ctx.server.keyspace.scanCursors.scan(source, cursor, options.count, visit);
  }
  writeScanReply(ctx, next, found);
}

// ---------------------------------------------------------------------------------------------
// Set algebra

/** SINTER, SINTERSTORE, SINTERCARD, as Redis's sinterGenericCommand. */
function sinterGeneric(
  ctx: Ctx, argv: string[], from: number, to: number, dstKey: string | null, cardinalityOnly: boolean, limit: number,
): void {
  const found = lookupSets(ctx, argv, from, to);
  if (found === null) return;
  if (found.some((s) => s === undefined)) {
    // An intersection with an empty set is empty.
    if (dstKey !== null) {
      if (ctx.db.has(dstKey, ctx.now) && ctx.db.delete(dstKey)) {
        ctx.dirty();
        ctx.notify('g', 'del', dstKey);
      }
      ctx.out.integer(0);
    } else if (cardinalityOnly) {
      ctx.out.integer(0);
    } else {
      ctx.out.setLen(0);
    }
    return;
  }
  // Walk the smallest set (a stable sort, as glibc's merge-sort qsort) and probe the others.
  const sets = (found as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const first = sets[0];
  const members = first.members();
  const result: string[] = [];
  let cardinality = 0;
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    let inAll = true;
    for (let j = 1; j < sets.length; j++) {
      if (sets[j] !== first && !sets[j].has(m)) {
        inAll = false;
        break;
      }
    }
    if (!inAll) continue;
    if (cardinalityOnly) {
      cardinality++;
      if (limit !== 0 && cardinality >= limit) break;
    } else {
      result.push(m);
    }
  }
  if (cardinalityOnly) {
    ctx.out.integer(cardinality);
  } else if (dstKey === null) {
    replySet(ctx, result);
  } else {
    store(ctx, dstKey, SetValue.of(result), 'sinterstore');
  }
}

/** Stores a computed result at `dstKey` (replacing any value and TTL), or deletes it when empty. */
function store(ctx: Ctx, dstKey: string, result: SetValue, event: string): void {
  if (result.size > 0) {
    ctx.db.get(dstKey, ctx.now); // a destination found expired leaves as its own DEL first
    ctx.db.set(dstKey, result);
    ctx.notify('s', event, dstKey);
    ctx.dirty();
    ctx.out.integer(result.size);
    return;
  }
  if (ctx.db.has(dstKey, ctx.now) && ctx.db.delete(dstKey)) {
    ctx.dirty();
    ctx.notify('g', 'del', dstKey);
  }
  ctx.out.integer(0);
}

/** Adds every member of `from` to `to`; false (after replying) when `to` would pass SET_MEMBERS_MAX. */
function addAll(ctx: Ctx, to: SetValue, from: SetValue): boolean {
  const members = from.members();
  for (let i = 0; i < members.length; i++) {
    if (to.size >= SET_MEMBERS_MAX && !to.has(members[i])) {
      ctx.error(ERR_MEMBERS_MAX);
      return false;
    }
    to.add(members[i]);
  }
  return true;
}

/**
 * SUNION, SDIFF and their STORE forms, as Redis's sunionDiffGenericCommand: the result is built
 * as a new set (so its encoding, and the reply's order, are those Redis's result would have),
 * with SDIFF choosing between Redis's two algorithms by the same estimate of their work.
 */
function sunionDiffGeneric(ctx: Ctx, argv: string[], from: number, dstKey: string | null, op: 'union' | 'diff'): void {
  const sets = lookupSets(ctx, argv, from, argv.length);
  if (sets === null) return;
  const result = new SetValue();
  if (op === 'union') {
    for (const s of sets) if (s !== undefined && !addAll(ctx, result, s)) return;
  } else {
    const first = sets[0];
    if (first !== undefined && first.size > 0) {
      let algoOneWork = 0;
      let algoTwoWork = 0;
      for (const s of sets) {
        if (s === undefined) continue;
        algoOneWork += first.size;
        algoTwoWork += s.size;
      }
      // Algorithm 1 has better constant times: Redis gives it an advantage.
      algoOneWork = Math.floor(algoOneWork / 2);
      if (algoOneWork <= algoTwoWork) diffByProbing(first, sets, result);
      else diffByRemoving(first, sets, result);
    }
  }
  if (dstKey !== null) {
    store(ctx, dstKey, result, op === 'union' ? 'sunionstore' : 'sdiffstore');
    return;
  }
  replySet(ctx, result.members());
}

/** Redis's SDIFF algorithm 1: each member of the first set that no other set holds. */
function diffByProbing(first: SetValue, sets: Array<SetValue | undefined>, result: SetValue): void {
  // Largest first, so a member held elsewhere is found sooner (stable: Redis's qsort is a merge sort).
  const others = sets.slice(1).filter((s): s is SetValue => s !== undefined).sort((a, b) => b.size - a.size);
  const members = first.members();
  outer: for (let i = 0; i < members.length; i++) {
    const m = members[i];
    for (const s of others) {
      if (s === first || s.has(m)) continue outer;
    }
    result.add(m);
  }
}

/** Redis's SDIFF algorithm 2: the first set, minus the members of each other set in turn. */
function diffByRemoving(first: SetValue, sets: Array<SetValue | undefined>, result: SetValue): void {
  for (const m of first.members()) result.add(m);
  for (let j = 1; j < sets.length && result.size > 0; j++) {
    const s = sets[j];
    if (s === undefined) continue;
    const members = s.members();
    for (let i = 0; i < members.length; i++) result.remove(members[i]);
  }
}

function sintercard(ctx: Ctx, argv: string[]): void {
  const numkeys = parseLong(argv[1]);
  if (numkeys === null || numkeys < 1n) {
    ctx.error(ERR_NUMKEYS);
    return;
  }
  if (numkeys > BigInt(argv.length - 2)) {
    ctx.error(ERR_NUMKEYS_ARGS);
    return;
  }
  const keysEnd = 2 + Number(numkeys);
  let limit = 0;
  for (let i = keysEnd; i < argv.length; i++) {
    if (argv[i].toLowerCase() === 'limit' && i + 1 < argv.length) {
      const n = parseLong(argv[++i]);
      if (n === null || n < 0n) {
        ctx.error(ERR_LIMIT_NEGATIVE);
        return;
      }
      // Any limit past every possible set size is no limit.
      limit = n > BigInt(SET_MEMBERS_MAX) ? 0 : Number(n);
    } else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  sinterGeneric(ctx, argv, 2, keysEnd, null, true, limit);
}

/** SINTERCARD's keys for COMMAND GETKEYS: the numkeys arguments after numkeys. */
function numkeysPositions(argv: readonly string[]): number[] {
  const n = argv.length > 1 ? parseSafeInt(argv[1]) : null;
  if (n === null || n < 1) return [];
  const out: number[] = [];
  for (let i = 2; i < 2 + n && i < argv.length; i++) out.push(i);
  return out;
}

// ---------------------------------------------------------------------------------------------

const S = { group: 'set' } as const;
const KEY1 = [1, 1, 1] as const;
const ALL_KEYS = [1, -1, 1] as const;
const ACL_WRITE_FAST = ['write', 'set', 'fast'] as const;
const ACL_WRITE_SLOW = ['write', 'set', 'slow'] as const;
const ACL_READ_FAST = ['read', 'set', 'fast'] as const;
const ACL_READ_SLOW = ['read', 'set', 'slow'] as const;
const COMPLEXITY_INTER = 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.';
const COMPLEXITY_UNION = 'O(N) where N is the total number of elements in all given sets.';

export const setCommands: CommandSpec[] = [
  cmd('sadd', -3, ['write', 'denyoom', 'fast'], KEY1, ACL_WRITE_FAST,
    { ...S, since: '1.0.0', summary: 'Add one or more members to a set', complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', syntax: 'key member [member ...]' }, sadd),
  cmd('srem', -3, ['write', 'fast'], KEY1, ACL_WRITE_FAST,
    { ...S, since: '1.0.0', summary: 'Remove one or more members from a set', complexity: 'O(N) where N is the number of members to be removed.', syntax: 'key member [member ...]' }, srem),
  cmd('sismember', 3, ['readonly', 'fast'], KEY1, ACL_READ_FAST,
    { ...S, since: '1.0.0', summary: 'Determine if a given value is a member of a set', complexity: 'O(1)', syntax: 'key member' }, sismember),
  cmd('smismember', -3, ['readonly', 'fast'], KEY1, ACL_READ_FAST,
    { ...S, since: '6.2.0', summary: 'Returns the membership associated with the given elements for a set', complexity: 'O(N) where N is the number of elements being checked for membership', syntax: 'key member [member ...]' }, smismember),
  cmd('smembers', 2, ['readonly'], KEY1, ACL_READ_SLOW,
    { ...S, since: '1.0.0', summary: 'Get all the members in a set', complexity: 'O(N) where N is the set cardinality.', syntax: 'key' }, smembers),
  cmd('scard', 2, ['readonly', 'fast'], KEY1, ACL_READ_FAST,
    { ...S, since: '1.0.0', summary: 'Get the number of members in a set', complexity: 'O(1)', syntax: 'key' }, scard),
  cmd('spop', -2, ['write', 'fast'], KEY1, ACL_WRITE_FAST,
    { ...S, since: '1.0.0', summary: 'Remove and return one or multiple random members from a set', complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.', syntax: 'key [count]' }, spop),
  cmd('srandmember', -2, ['readonly'], KEY1, ACL_READ_SLOW,
    { ...S, since: '1.0.0', summary: 'Get one or multiple random members from a set', complexity: 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.', syntax: 'key [count]' }, srandmember),
  cmd('smove', 4, ['write', 'fast'], [1, 2, 1], ACL_WRITE_FAST,
    { ...S, since: '1.0.0', summary: 'Move a member from one set to another', complexity: 'O(1)', syntax: 'source destination member' }, smove),
  cmd('sinter', -2, ['readonly'], ALL_KEYS, ACL_READ_SLOW,
    { ...S, since: '1.0.0', summary: 'Intersect multiple sets', complexity: COMPLEXITY_INTER, syntax: 'key [key ...]' },
    (ctx, argv) => sinterGeneric(ctx, argv, 1, argv.length, null, false, 0)),
  cmd('sintercard', -3, ['readonly', 'movablekeys'], [0, 0, 0], ACL_READ_SLOW,
    { ...S, since: '7.0.0', summary: 'Intersect multiple sets and return the cardinality of the result', complexity: COMPLEXITY_INTER, syntax: 'numkeys key [key ...] [LIMIT limit]' },
    sintercard, { keys: numkeysPositions }),
  cmd('sinterstore', -3, ['write', 'denyoom'], ALL_KEYS, ACL_WRITE_SLOW,
    { ...S, since: '1.0.0', summary: 'Intersect multiple sets and store the resulting set in a key', complexity: COMPLEXITY_INTER, syntax: 'destination key [key ...]' },
    (ctx, argv) => sinterGeneric(ctx, argv, 2, argv.length, argv[1], false, 0)),
  cmd('sunion', -2, ['readonly'], ALL_KEYS, ACL_READ_SLOW,
    { ...S, since: '1.0.0', summary: 'Add multiple sets', complexity: COMPLEXITY_UNION, syntax: 'key [key ...]' },
    (ctx, argv) => sunionDiffGeneric(ctx, argv, 1, null, 'union')),
  cmd('sunionstore', -3, ['write', 'denyoom'], ALL_KEYS, ACL_WRITE_SLOW,
    { ...S, since: '1.0.0', summary: 'Add multiple sets and store the resulting set in a key', complexity: COMPLEXITY_UNION, syntax: 'destination key [key ...]' },
    (ctx, argv) => sunionDiffGeneric(ctx, argv, 2, argv[1], 'union')),
  cmd('sdiff', -2, ['readonly'], ALL_KEYS, ACL_READ_SLOW,
    { ...S, since: '1.0.0', summary: 'Subtract multiple sets', complexity: COMPLEXITY_UNION, syntax: 'key [key ...]' },
    (ctx, argv) => sunionDiffGeneric(ctx, argv, 1, null, 'diff')),
  cmd('sdiffstore', -3, ['write', 'denyoom'], ALL_KEYS, ACL_WRITE_SLOW,
    { ...S, since: '1.0.0', summary: 'Subtract multiple sets and store the resulting set in a key', complexity: COMPLEXITY_UNION, syntax: 'destination key [key ...]' },
    (ctx, argv) => sunionDiffGeneric(ctx, argv, 2, argv[1], 'diff')),
  cmd('sscan', -3, ['readonly'], KEY1, ACL_READ_SLOW,
    { ...S, since: '2.8.0', summary: 'Incrementally iterate Set elements', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..', syntax: 'key cursor [MATCH pattern] [COUNT count]' }, sscan),
];
