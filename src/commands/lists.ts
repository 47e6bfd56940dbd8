/**
 * List commands (Redis's t_list.c), with Redis 7.0's argument checks, error texts, reply shapes,
 * keyspace events and propagation.
 *
 * Blocking forms serve at once when they can, exactly as their non-blocking twin, and propagate
 * that twin (BLPOP -> LPOP key, BLMOVE -> LMOVE, BRPOPLPUSH -> RPOPLPUSH, BLMPOP and LMPOP ->
 * LPOP/RPOP key count). Otherwise they block through `ctx.block`; the server runs the same
 * command again when a key is signalled ready, so every handler here is re-entrant.
 */
import { ERR_LIST_TOO_LONG, LIST_ELEMENTS_MAX, ListValue } from '../keyspace/list.js';
import { ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, parseIntClamped, parseSafeInt, wrongArity } from './args.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';
import { afterRemove, lookupTyped, parseBlockTimeout } from './typed.js';

const HEAD = 0;
const TAIL = 1;
type End = typeof HEAD | typeof TAIL;

const ERR_OUT_OF_RANGE = 'ERR index out of range';
const ERR_MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
const ERR_RANK_ZERO = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... " +
  'or use negative to start from the end of the list';
const ERR_COUNT_NEGATIVE = "ERR COUNT can't be negative";
const ERR_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";
const ERR_NUMKEYS = 'ERR numkeys should be greater than 0';
const ERR_COUNT_POSITIVE = 'ERR count should be greater than 0';
const INT64_MIN_TEXT = '-9223372036854775808';

// ---------------------------------------------------------------------------------------------
// Lookups and argument parsing

/** For reads: counts hits and misses. */
function readList(ctx: Ctx, key: string): ListValue | undefined | null {
  return lookupTyped<ListValue>(ctx, key, 'list');
}

/** For writes: as Redis's lookupKeyWrite, without keyspace hit/miss statistics. */
function writeList(ctx: Ctx, key: string): ListValue | undefined | null {
  const v = ctx.db.get(key, ctx.now);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'list') {
    ctx.error(ERR_WRONGTYPE);
    return null;
  }
  return v as ListValue;
}

/** A signed 64-bit argument (index, count), clamped to the safe range: same meaning for a list. */
function parseLong(ctx: Ctx, text: string): number | null {
  const v = parseIntClamped(text);
  if (v === null) ctx.error(ERR_NOT_INTEGER);
  return v;
}

/** A 64-bit argument in [min, LONG_MAX]; `message` for both a non-integer and one out of range. */
function parseAtLeast(ctx: Ctx, text: string, min: number, message: string): number | null {
  const v = parseIntClamped(text);
  if (v === null || v < min) {
    ctx.error(message);
    return null;
  }
  return v;
}

/** LEFT or RIGHT, any case (Redis's getListPositionFromObjectOrReply). */
function parseEnd(ctx: Ctx, text: string): End | null {
  const t = text.toLowerCase();
  if (t === 'left') return HEAD;
  if (t === 'right') return TAIL;
  ctx.error(ERR_SYNTAX);
  return null;
}

function pop(list: ListValue, where: End): string {
  return (where === HEAD ? list.popHead() : list.popTail())!;
}

function popEvent(where: End): string {
  return where === HEAD ? 'lpop' : 'rpop';
}

function pushEvent(where: End): string {
  return where === HEAD ? 'lpush' : 'rpush';
}

/** Pops up to `count` elements from one end, replying with them in pop order. Returns how many. */
function popRangeReply(ctx: Ctx, list: ListValue, where: End, count: number): number {
  const n = Math.min(count, list.size);
  ctx.out.arrayLen(n);
  for (let i = 0; i < n; i++) ctx.out.bulk(pop(list, where));
  return n;
}

/** After popping from `key`: the pop event, then the key is deleted (with `del`) or touched. */
function afterPop(ctx: Ctx, key: string, list: ListValue, where: End, n: number): void {
  ctx.notify('l', popEvent(where), key);
  afterRemove(ctx, key, list);
  ctx.dirty(n);
}

// ---------------------------------------------------------------------------------------------
// Push

function pushGeneric(ctx: Ctx, argv: string[], where: End, onlyExisting: boolean): void {
  const key = argv[1];
  const n = argv.length - 2;
  let list = writeList(ctx, key);
  if (list === null) return;
  if (list === undefined) {
    if (onlyExisting) {
      ctx.out.integer(0);
      return;
    }
    if (n > LIST_ELEMENTS_MAX) {
      ctx.error(ERR_LIST_TOO_LONG);
      return;
    }
    list = new ListValue();
    ctx.db.set(key, list);
  } else {
    if (!list.canGrow(n)) {
      ctx.error(ERR_LIST_TOO_LONG);
      return;
    }
    ctx.db.touch(key);
  }
  if (where === HEAD) for (let i = 2; i < argv.length; i++) list.pushHead(argv[i]);
  else for (let i = 2; i < argv.length; i++) list.pushTail(argv[i]);
  ctx.dirty(n);
  ctx.out.integer(list.size);
  ctx.notify('l', pushEvent(where), key);
  ctx.keyReady(key);
}

// ---------------------------------------------------------------------------------------------
// Pop

function popGeneric(ctx: Ctx, argv: string[], where: End): void {
  if (argv.length > 3) {
    ctx.error(wrongArity(argv[0].toLowerCase()));
    return;
  }
  const key = argv[1];
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const c = parseAtLeast(ctx, argv[2], 0, ERR_MUST_BE_POSITIVE);
    if (c === null) return;
    count = c;
  }
  const list = writeList(ctx, key);
  if (list === null) return;
  if (list === undefined) {
    if (hasCount) ctx.out.nullArray();
    else ctx.out.null();
    return;
  }
  if (!hasCount) {
    ctx.out.bulk(pop(list, where));
    afterPop(ctx, key, list, where, 1);
    return;
  }
  if (count === 0) {
    ctx.out.arrayLen(0);
    return;
  }
  const n = popRangeReply(ctx, list, where, count);
  afterPop(ctx, key, list, where, n);
}

// ---------------------------------------------------------------------------------------------
// Reads

function llen(ctx: Ctx, argv: string[]): void {
  const list = readList(ctx, argv[1]);
  if (list === null) return;
  ctx.out.integer(list === undefined ? 0 : list.size);
}

function lindex(ctx: Ctx, argv: string[]): void {
  const list = readList(ctx, argv[1]);
  if (list === null) return;
  if (list === undefined) {
    ctx.out.null();
    return;
  }
  let index = parseLong(ctx, argv[2]);
  if (index === null) return;
  if (index < 0) index += list.size;
  if (index < 0 || index >= list.size) ctx.out.null();
  else ctx.out.bulk(list.at(index));
}

/** Redis's range rule for LRANGE and LTRIM: [start, end] inclusive, or null when empty. */
function clampRange(start: number, end: number, size: number): [number, number] | null {
  if (start < 0) start += size;
  if (end < 0) end += size;
  if (start < 0) start = 0;
  if (start > end || start >= size) return null;
  if (end >= size) end = size - 1;
  return [start, end];
}

function lrange(ctx: Ctx, argv: string[]): void {
  const start = parseLong(ctx, argv[2]);
  if (start === null) return;
  const end = parseLong(ctx, argv[3]);
  if (end === null) return;
  const list = readList(ctx, argv[1]);
  if (list === null) return;
  const range = list === undefined ? null : clampRange(start, end, list.size);
  if (range === null) {
    ctx.out.arrayLen(0);
    return;
  }
  ctx.out.arrayLen(range[1] - range[0] + 1);
  for (let i = range[0]; i <= range[1]; i++) ctx.out.bulk(list!.at(i));
}

function lpos(ctx: Ctx, argv: string[]): void {
  const element = argv[2];
  let rank = 1;
  let rankMin = false; // RANK -2^63: Redis negates it into itself, so every match qualifies
  let count = -1; // -1: no COUNT option
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = j + 1 < argv.length;
    if (opt === 'rank' && more) {
      const r = parseLong(ctx, argv[++j]);
      if (r === null) return;
      if (r === 0) {
        ctx.error(ERR_RANK_ZERO);
        return;
      }
      rank = r;
      rankMin = argv[j] === INT64_MIN_TEXT;
    } else if (opt === 'count' && more) {
      const c = parseAtLeast(ctx, argv[++j], 0, ERR_COUNT_NEGATIVE);
      if (c === null) return;
      count = c;
    } else if (opt === 'maxlen' && more) {
      const m = parseAtLeast(ctx, argv[++j], 0, ERR_MAXLEN_NEGATIVE);
      if (m === null) return;
      maxlen = m;
    } else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  const fromTail = rank < 0;
  if (fromTail) rank = -rank;
  const list = readList(ctx, argv[1]);
  if (list === null) return;
  if (list === undefined) {
    if (count !== -1) ctx.out.arrayLen(0);
    else ctx.out.null();
    return;
  }
  const size = list.size;
  const scan = maxlen === 0 ? size : Math.min(maxlen, size);
  const found: number[] = [];
  let matches = 0;
  for (let k = 0; k < scan; k++) {
    const i = fromTail ? size - 1 - k : k;
    if (list.at(i) !== element) continue;
    matches++;
    if (!rankMin && matches < rank) continue;
    found.push(i);
    if (count === -1) break;
    // With RANK -2^63 Redis's `matches - rank + 1` overflows and never reaches COUNT.
    if (count !== 0 && !rankMin && matches - rank + 1 >= count) break;
  }
  if (count !== -1) {
    ctx.out.arrayLen(found.length);
    for (const i of found) ctx.out.integer(i);
  } else if (found.length > 0) {
    ctx.out.integer(found[0]);
  } else {
    ctx.out.null();
  }
}

// ---------------------------------------------------------------------------------------------
// In-place writes

function linsert(ctx: Ctx, argv: string[]): void {
  const [, key, position, pivot, element] = argv;
  const p = position.toLowerCase();
  if (p !== 'before' && p !== 'after') {
    ctx.error(ERR_SYNTAX);
    return;
  }
  const list = writeList(ctx, key);
  if (list === null) return;
  if (list === undefined) {
    ctx.out.integer(0);
    return;
  }
  const at = list.indexOf(pivot);
  if (at < 0) {
    ctx.out.integer(-1);
    return;
  }
  if (!list.canGrow(1)) {
    ctx.error(ERR_LIST_TOO_LONG);
    return;
  }
  list.insert(p === 'before' ? at : at + 1, element);
  ctx.db.touch(key);
  ctx.notify('l', 'linsert', key);
  ctx.dirty();
  ctx.out.integer(list.size);
}

function lset(ctx: Ctx, argv: string[]): void {
  const [, key, , element] = argv;
  const list = writeList(ctx, key);
  if (list === null) return;
  if (list === undefined) {
    ctx.error(ERR_NO_SUCH_KEY);
    return;
  }
  let index = parseLong(ctx, argv[2]);
  if (index === null) return;
  if (index < 0) index += list.size;
  if (index < 0 || index >= list.size) {
    ctx.error(ERR_OUT_OF_RANGE);
    return;
  }
  list.set(index, element);
  ctx.db.touch(key);
  ctx.notify('l', 'lset', key);
  ctx.dirty();
  ctx.out.ok();
}

function lrem(ctx: Ctx, argv: string[]): void {
  const [, key, , element] = argv;
  const count = parseLong(ctx, argv[2]);
  if (count === null) return;
  const list = writeList(ctx, key);
  if (list === null) return;
  if (list === undefined) {
    ctx.out.integer(0);
    return;
  }
  const removed = list.removeMatching(element, Math.abs(count), count < 0);
  if (removed > 0) {
    ctx.notify('l', 'lrem', key);
    afterRemove(ctx, key, list);
    ctx.dirty(removed);
  }
  ctx.out.integer(removed);
}

function ltrim(ctx: Ctx, argv: string[]): void {
  const key = argv[1];
  const start = parseLong(ctx, argv[2]);
  if (start === null) return;
  const end = parseLong(ctx, argv[3]);
  if (end === null) return;
  const list = writeList(ctx, key);
  if (list === null) return;
  if (list === undefined) {
    ctx.out.ok();
    return;
  }
  const size = list.size;
  const range = clampRange(start, end, size);
  const left = range === null ? size : range[0];
  const right = range === null ? 0 : size - range[1] - 1;
  list.dropHead(left);
  list.dropTail(right);
  // Redis reports the trim (and the key as modified) even when nothing was removed.
  ctx.notify('l', 'ltrim', key);
  afterRemove(ctx, key, list);
  ctx.dirty(left + right);
  ctx.out.ok();
}

// ---------------------------------------------------------------------------------------------
// Moves between lists

/**
 * LMOVE's core, for a source that holds elements: pops from `src`, pushes into `dst` (created if
 * missing; `src` itself for a rotation) and replies with the element. Returns false after
 * replying WRONGTYPE (destination of another type) or the length error, having changed nothing.
 */
function moveElement(ctx: Ctx, srcList: ListValue, src: string, dst: string, from: End, to: End): boolean {
  const found = writeList(ctx, dst);
  if (found === null) return false;
  if (found !== undefined && found !== srcList && !found.canGrow(1)) {
    ctx.error(ERR_LIST_TOO_LONG);
    return false;
  }
  const value = pop(srcList, from);
  let dstList = found;
  if (dstList === undefined) {
    dstList = new ListValue();
    ctx.db.set(dst, dstList);
  } else {
    ctx.db.touch(dst);
  }
  if (to === HEAD) dstList.pushHead(value);
  else dstList.pushTail(value);
  ctx.notify('l', pushEvent(to), dst);
  ctx.keyReady(dst);
  ctx.out.bulk(value);
  ctx.notify('l', popEvent(from), src);
  afterRemove(ctx, src, srcList);
  ctx.dirty();
  return true;
}

function lmoveGeneric(ctx: Ctx, src: string, dst: string, from: End, to: End): void {
  const srcList = writeList(ctx, src);
  if (srcList === null) return;
  if (srcList === undefined) {
    ctx.out.null();
    return;
  }
  moveElement(ctx, srcList, src, dst, from, to);
}

function lmove(ctx: Ctx, argv: string[]): void {
  const from = parseEnd(ctx, argv[3]);
  if (from === null) return;
  const to = parseEnd(ctx, argv[4]);
  if (to === null) return;
  lmoveGeneric(ctx, argv[1], argv[2], from, to);
}

function rpoplpush(ctx: Ctx, argv: string[]): void {
  lmoveGeneric(ctx, argv[1], argv[2], TAIL, HEAD);
}

// ---------------------------------------------------------------------------------------------
// LMPOP and the blocking forms

interface MpopArgs {
  keys: string[];
  where: End;
  count: number;
}

/** Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` from argv[numkeysAt], as Redis orders its checks. */
function parseMpop(ctx: Ctx, argv: string[], numkeysAt: number): MpopArgs | null {
  const numkeys = parseAtLeast(ctx, argv[numkeysAt], 1, ERR_NUMKEYS);
  if (numkeys === null) return null;
  if (numkeys > argv.length - numkeysAt - 2) {
    ctx.error(ERR_SYNTAX);
    return null;
  }
  const whereAt = numkeysAt + numkeys + 1;
  const where = parseEnd(ctx, argv[whereAt]);
  if (where === null) return null;
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && argv[j].toLowerCase() === 'count' && j + 1 < argv.length) {
      const c = parseAtLeast(ctx, argv[++j], 1, ERR_COUNT_POSITIVE);
      if (c === null) return null;
      count = c;
    } else {
      ctx.error(ERR_SYNTAX);
      return null;
    }
  }
  return { keys: argv.slice(numkeysAt + 1, whereAt), where, count: count === -1 ? 1 : count };
}

/**
 * Pops from the first key of `keys` that holds a list. Returns 'served' (replied), 'error'
 * (replied WRONGTYPE) or 'empty' (nothing replied). `shape` picks the reply: [key, element] for
 * BLPOP/BRPOP, [key, [elements]] for LMPOP/BLMPOP.
 */
function popFirstNonEmpty(ctx: Ctx, keys: readonly string[], where: End, count: number, shape: 'pair' | 'mpop'): 'served' | 'error' | 'empty' {
  for (const key of keys) {
    const list = writeList(ctx, key);
    if (list === null) return 'error';
    if (list === undefined) continue;
    ctx.out.arrayLen(2);
    ctx.out.bulk(key);
    const op = where === HEAD ? 'LPOP' : 'RPOP';
    if (shape === 'pair') {
      ctx.out.bulk(pop(list, where));
      afterPop(ctx, key, list, where, 1);
      ctx.propagate([op, key]);
    } else {
      const n = popRangeReply(ctx, list, where, count);
      afterPop(ctx, key, list, where, n);
      ctx.propagate([op, key, String(n)]);
    }
    return 'served';
  }
  return 'empty';
}

function lmpop(ctx: Ctx, argv: string[]): void {
  const a = parseMpop(ctx, argv, 1);
  if (a === null) return;
  if (popFirstNonEmpty(ctx, a.keys, a.where, a.count, 'mpop') === 'empty') ctx.out.nullArray();
}

function blockingPop(ctx: Ctx, argv: string[], where: End): void {
  const deadlineMs = parseBlockTimeout(ctx, argv[argv.length - 1]);
  if (deadlineMs === null) return;
  const keys = argv.slice(1, -1);
  if (popFirstNonEmpty(ctx, keys, where, 1, 'pair') !== 'empty') return;
  if (!ctx.block({ keys, deadlineMs, timeoutReply: 'nullArray', valueType: 'list' })) ctx.out.nullArray();
}

function blmpop(ctx: Ctx, argv: string[]): void {
  const a = parseMpop(ctx, argv, 2);
  if (a === null) return;
  const deadlineMs = parseBlockTimeout(ctx, argv[1]);
  if (deadlineMs === null) return;
  if (popFirstNonEmpty(ctx, a.keys, a.where, a.count, 'mpop') !== 'empty') return;
  if (!ctx.block({ keys: a.keys, deadlineMs, timeoutReply: 'nullArray', valueType: 'list' })) ctx.out.nullArray();
}

/** BLMOVE and BRPOPLPUSH once their arguments are parsed; `effect` is the non-blocking twin. */
function blockingMove(ctx: Ctx, src: string, dst: string, from: End, to: End, deadlineMs: number, effect: string[]): void {
  const srcList = writeList(ctx, src);
  if (srcList === null) return;
  if (srcList === undefined) {
    // As Redis 7.0: a timed-out wait replies a null array (every blocked list command does), but a
    // client that cannot block (MULTI) gets a null bulk.
    if (!ctx.block({ keys: [src], deadlineMs, timeoutReply: 'nullArray', valueType: 'list' })) ctx.out.null();
    return;
  }
  if (moveElement(ctx, srcList, src, dst, from, to)) ctx.propagate(effect);
}

function blmove(ctx: Ctx, argv: string[]): void {
  const from = parseEnd(ctx, argv[3]);
  if (from === null) return;
  const to = parseEnd(ctx, argv[4]);
  if (to === null) return;
  const deadlineMs = parseBlockTimeout(ctx, argv[5]);
  if (deadlineMs === null) return;
  blockingMove(ctx, argv[1], argv[2], from, to, deadlineMs, ['LMOVE', argv[1], argv[2], argv[3], argv[4]]);
}

function brpoplpush(ctx: Ctx, argv: string[]): void {
  const deadlineMs = parseBlockTimeout(ctx, argv[3]);
  if (deadlineMs === null) return;
  blockingMove(ctx, argv[1], argv[2], TAIL, HEAD, deadlineMs, ['RPOPLPUSH', argv[1], argv[2]]);
}

/** Key positions of LMPOP (numkeys at 1) and BLMPOP (numkeys at 2); none when numkeys is invalid. */
function keysAfterNumkeys(numkeysAt: number): (argv: readonly string[]) => number[] {
  return (argv) => {
    const n = numkeysAt < argv.length ? parseSafeInt(argv[numkeysAt]) : null;
    if (n === null || n < 1 || numkeysAt + n >= argv.length) return [];
    const out: number[] = [];
    for (let i = 1; i <= n; i++) out.push(numkeysAt + i);
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// The table

const L = { group: 'list' } as const;
const PUSH_COMPLEXITY = 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.';
const POP_COMPLEXITY = 'O(N) where N is the number of elements returned';
const MPOP_COMPLEXITY = 'O(N+M) where N is the number of provided keys and M is the number of elements returned.';
const BPOP_COMPLEXITY = 'O(N) where N is the number of provided keys.';

export const listCommands: CommandSpec[] = [
  cmd('lpush', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], ['write', 'list', 'fast'],
    { ...L, since: '1.0.0', summary: "Prepends one or more elements to a list. Creates the key if it doesn't exist.", complexity: PUSH_COMPLEXITY, syntax: 'key element [element ...]' },
    (ctx, argv) => pushGeneric(ctx, argv, HEAD, false)),
  cmd('rpush', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], ['write', 'list', 'fast'],
    { ...L, since: '1.0.0', summary: "Appends one or more elements to a list. Creates the key if it doesn't exist.", complexity: PUSH_COMPLEXITY, syntax: 'key element [element ...]' },
    (ctx, argv) => pushGeneric(ctx, argv, TAIL, false)),
  cmd('lpushx', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], ['write', 'list', 'fast'],
    { ...L, since: '2.2.0', summary: 'Prepends one or more elements to a list only when the list exists.', complexity: PUSH_COMPLEXITY, syntax: 'key element [element ...]' },
    (ctx, argv) => pushGeneric(ctx, argv, HEAD, true)),
  cmd('rpushx', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], ['write', 'list', 'fast'],
    { ...L, since: '2.2.0', summary: 'Appends an element to a list only when the list exists.', complexity: PUSH_COMPLEXITY, syntax: 'key element [element ...]' },
    (ctx, argv) => pushGeneric(ctx, argv, TAIL, true)),
  cmd('lpop', -2, ['write', 'fast'], [1, 1, 1], ['write', 'list', 'fast'],
    { ...L, since: '1.0.0', summary: 'Returns the first elements in a list after removing it. Deletes the list if the last element was popped.', complexity: POP_COMPLEXITY, syntax: 'key [count]' },
    (ctx, argv) => popGeneric(ctx, argv, HEAD)),
  cmd('rpop', -2, ['write', 'fast'], [1, 1, 1], ['write', 'list', 'fast'],
    { ...L, since: '1.0.0', summary: 'Returns and removes the last elements of a list. Deletes the list if the last element was popped.', complexity: POP_COMPLEXITY, syntax: 'key [count]' },
    (ctx, argv) => popGeneric(ctx, argv, TAIL)),
  cmd('llen', 2, ['readonly', 'fast'], [1, 1, 1], ['read', 'list', 'fast'],
    { ...L, since: '1.0.0', summary: 'Returns the length of a list.', complexity: 'O(1)', syntax: 'key' }, llen),
  cmd('lindex', 3, ['readonly'], [1, 1, 1], ['read', 'list', 'slow'],
    { ...L, since: '1.0.0', summary: 'Returns an element from a list by its index.', complexity: 'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).', syntax: 'key index' }, lindex),
  cmd('linsert', 5, ['write', 'denyoom'], [1, 1, 1], ['write', 'list', 'slow'],
    { ...L, since: '2.2.0', summary: 'Inserts an element before or after another element in a list.', complexity: 'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).', syntax: 'key <BEFORE | AFTER> pivot element' }, linsert),
  cmd('lrange', 4, ['readonly'], [1, 1, 1], ['read', 'list', 'slow'],
    { ...L, since: '1.0.0', summary: 'Returns a range of elements from a list.', complexity: 'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.', syntax: 'key start stop' }, lrange),
  cmd('lrem', 4, ['write'], [1, 1, 1], ['write', 'list', 'slow'],
    { ...L, since: '1.0.0', summary: 'Removes elements from a list. Deletes the list if the last element was removed.', complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed.', syntax: 'key count element' }, lrem),
  cmd('lset', 4, ['write', 'denyoom'], [1, 1, 1], ['write', 'list', 'slow'],
    { ...L, since: '1.0.0', summary: 'Sets the value of an element in a list by its index.', complexity: 'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).', syntax: 'key index element' }, lset),
  cmd('ltrim', 4, ['write'], [1, 1, 1], ['write', 'list', 'slow'],
    { ...L, since: '1.0.0', summary: 'Removes elements from both ends a list. Deletes the list if all elements were trimmed.', complexity: 'O(N) where N is the number of elements to be removed by the operation.', syntax: 'key start stop' }, ltrim),
  cmd('lpos', -3, ['readonly'], [1, 1, 1], ['read', 'list', 'slow'],
    { ...L, since: '6.0.6', summary: 'Returns the index of matching elements in a list.', complexity: 'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.', syntax: 'key element [RANK rank] [COUNT num-matches] [MAXLEN len]' }, lpos),
  cmd('lmove', 5, ['write', 'denyoom'], [1, 2, 1], ['write', 'list', 'slow'],
    { ...L, since: '6.2.0', summary: 'Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.', complexity: 'O(1)', syntax: 'source destination <LEFT | RIGHT> <LEFT | RIGHT>' }, lmove),
  cmd('rpoplpush', 3, ['write', 'denyoom'], [1, 2, 1], ['write', 'list', 'slow'],
    { ...L, since: '1.2.0', summary: 'Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.', complexity: 'O(1)', syntax: 'source destination' }, rpoplpush),
  cmd('lmpop', -4, ['write', 'movablekeys'], [0, 0, 0], ['write', 'list', 'slow'],
    { ...L, since: '7.0.0', summary: 'Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.', complexity: MPOP_COMPLEXITY, syntax: 'numkeys key [key ...] <LEFT | RIGHT> [COUNT count]' },
    lmpop, { keys: keysAfterNumkeys(1) }),
  cmd('blpop', -3, ['write', 'noscript', 'blocking'], [1, -2, 1], ['write', 'list', 'slow', 'blocking'],
    { ...L, since: '2.0.0', summary: 'Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.', complexity: BPOP_COMPLEXITY, syntax: 'key [key ...] timeout' },
    (ctx, argv) => blockingPop(ctx, argv, HEAD)),
  cmd('brpop', -3, ['write', 'noscript', 'blocking'], [1, -2, 1], ['write', 'list', 'slow', 'blocking'],
    { ...L, since: '2.0.0', summary: 'Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.', complexity: BPOP_COMPLEXITY, syntax: 'key [key ...] timeout' },
    (ctx, argv) => blockingPop(ctx, argv, TAIL)),
  cmd('blmove', 6, ['write', 'denyoom', 'noscript', 'blocking'], [1, 2, 1], ['write', 'list', 'slow', 'blocking'],
    { ...L, since: '6.2.0', summary: 'Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.', complexity: 'O(1)', syntax: 'source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout' }, blmove),
  cmd('brpoplpush', 4, ['write', 'denyoom', 'noscript', 'blocking'], [1, 2, 1], ['write', 'list', 'slow', 'blocking'],
    { ...L, since: '2.2.0', summary: 'Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.', complexity: 'O(1)', syntax: 'source destination timeout' }, brpoplpush),
  cmd('blmpop', -5, ['write', 'blocking', 'movablekeys'], [0, 0, 0], ['write', 'list', 'slow', 'blocking'],
    { ...L, since: '7.0.0', summary: 'Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.', complexity: MPOP_COMPLEXITY, syntax: 'timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]' },
    blmpop, { keys: keysAfterNumkeys(2) }),
];
