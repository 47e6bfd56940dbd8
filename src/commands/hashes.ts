/** Hash commands (Redis's t_hash.c), with Redis 7.0's replies, error texts and checking order. */
import { globMatch } from '../keyspace/glob.js';
import { HASH_FIELDS_MAX, HashValue } from '../keyspace/hash.js';
import {
  ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_OVERFLOW, ERR_SYNTAX, ERR_WRONGTYPE, parseInt64, parseSafeInt, SCAN_CURSOR_BEYOND, wrongArity,
} from './args.js';
import { addDecimal, decimalExceedsRange, formatDecimal, parseDecimal } from './decimal.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';
import { lookupTyped, removeMembersReply, parseScanOptions, scanCursorOrReply, writeScanReply } from './typed.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** Redis parses floats into a buffer of MAX_LONG_DOUBLE_CHARS (5 KB): longer texts are not floats. */
const LONG_DOUBLE_CHARS_MAX = 5 * 1024;
/** HRANDFIELD WITHVALUES refuses counts past LONG_MAX / 2 either way (Redis 7.0.8+). */
const WITHVALUES_COUNT_MAX = 4_611_686_018_427_387_903n;
/**
 * Concord's bound on HRANDFIELD's picks with repetition (negative count): Redis has none and would
 * build the reply until memory runs out. Past it the client gets Redis's own range error.
 */
export const HRANDFIELD_PICKS_MAX = 16_777_216;
/** HSCAN's default and largest COUNT (the work one call does on a hashtable-encoded hash). */

const ERR_HASH_NOT_INTEGER = 'ERR hash value is not an integer';
const ERR_HASH_NOT_FLOAT = 'ERR hash value is not a float';
const ERR_NAN_OR_INFINITY = 'ERR increment would produce NaN or Infinity';
const ERR_OUT_OF_RANGE = 'ERR value is out of range';
const ERR_FIELDS_MAX = `ERR the hash holds its maximum of ${HASH_FIELDS_MAX} fields`;

/**
 * The hash at `key` for a write: undefined when missing, null after replying WRONGTYPE. Unlike
 * reads (lookupTyped), writes do not count keyspace hits and misses, as in Redis.
 */
function lookupWrite(ctx: Ctx, key: string): HashValue | undefined | null {
  const v = ctx.db.get(key, ctx.now);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'hash') {
    ctx.error(ERR_WRONGTYPE);
    return null;
  }
  return v as HashValue;
}

function lookupRead(ctx: Ctx, key: string): HashValue | undefined | null {
  return lookupTyped<HashValue>(ctx, key, 'hash');
}

/** Stores a hash created by this command, or reports the in-place change of an existing one. */
function stored(ctx: Ctx, key: string, h: HashValue, created: boolean): void {
  if (created) ctx.db.set(key, h);
  else ctx.db.touch(key);
}

/** HSET and HMSET. */
function hsetGeneric(ctx: Ctx, argv: string[], name: 'hset' | 'hmset'): void {
  if (argv.length % 2 === 1) {
    ctx.error(wrongArity(name));
    return;
  }
  const key = argv[1];
  const existing = lookupWrite(ctx, key);
  if (existing === null) return;
  const h = existing ?? new HashValue();
  if (h.size + (argv.length - 2) / 2 > HASH_FIELDS_MAX && h.size + newFields(h, argv) > HASH_FIELDS_MAX) {
    ctx.error(ERR_FIELDS_MAX);
    return;
  }
  h.convertForArguments(argv, 2, argv.length);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i], argv[i + 1])) created++;
  stored(ctx, key, h, existing === undefined);
  // Redis counts every pair as a change, new or not.
  ctx.dirty((argv.length - 2) / 2);
  ctx.notify('h', 'hset', key);
  if (name === 'hset') ctx.out.integer(created);
  else ctx.out.ok();
}

/** Distinct fields among argv's pairs that `h` lacks. */
function newFields(h: HashValue, argv: readonly string[]): number {
  const seen = new Set<string>();
  for (let i = 2; i < argv.length; i += 2) if (!h.has(argv[i])) seen.add(argv[i]);
  return seen.size;
}

function hsetnx(ctx: Ctx, argv: string[]): void {
  const [, key, field, value] = argv;
  const existing = lookupWrite(ctx, key);
  if (existing === null) return;
  if (existing !== undefined && existing.has(field)) {
    ctx.out.integer(0);
    return;
  }
  if (existing !== undefined && existing.size >= HASH_FIELDS_MAX) {
    ctx.error(ERR_FIELDS_MAX);
    return;
  }
  const h = existing ?? new HashValue();
  h.convertForArguments(argv, 2, 4);
  h.set(field, value);
  stored(ctx, key, h, existing === undefined);
  ctx.dirty();
  ctx.notify('h', 'hset', key);
  ctx.out.integer(1);
}

function hget(ctx: Ctx, argv: string[]): void {
  const h = lookupRead(ctx, argv[1]);
  if (h === null) return;
  ctx.out.bulkOrNull(h?.get(argv[2]));
}

function hmget(ctx: Ctx, argv: string[]): void {
  const h = lookupRead(ctx, argv[1]);
  if (h === null) return;
  ctx.out.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) ctx.out.bulkOrNull(h?.get(argv[i]));
}

function hdel(ctx: Ctx, argv: string[]): void {
  const h = lookupWrite(ctx, argv[1]);
  if (h !== null) removeMembersReply(ctx, argv, h, (v, f) => v.delete(f), 'h', 'hdel');
}

function hexists(ctx: Ctx, argv: string[]): void {
  const h = lookupRead(ctx, argv[1]);
  if (h === null) return;
  ctx.out.integer(h?.has(argv[2]) === true ? 1 : 0);
}

function hlen(ctx: Ctx, argv: string[]): void {
  const h = lookupRead(ctx, argv[1]);
  if (h === null) return;
  ctx.out.integer(h?.size ?? 0);
}

function hstrlen(ctx: Ctx, argv: string[]): void {
  const h = lookupRead(ctx, argv[1]);
  if (h === null) return;
  ctx.out.integer(h?.get(argv[2])?.length ?? 0);
}

function hkeys(ctx: Ctx, argv: string[]): void {
  const h = lookupRead(ctx, argv[1]);
  if (h === null) return;
  ctx.out.arrayLen(h?.size ?? 0);
  if (h !== undefined) for (const f of h.fields.keys()) ctx.out.bulk(f);
}

function hvals(ctx: Ctx, argv: string[]): void {
  const h = lookupRead(ctx, argv[1]);
  if (h === null) return;
  ctx.out.arrayLen(h?.size ?? 0);
  if (h !== undefined) for (const v of h.fields.values()) ctx.out.bulk(v);
}

function hgetall(ctx: Ctx, argv: string[]): void {
  const h = lookupRead(ctx, argv[1]);
  if (h === null) return;
  ctx.out.mapLen(h?.size ?? 0);
  if (h === undefined) return;
  for (const [f, v] of h.fields) {
    ctx.out.bulk(f);
    ctx.out.bulk(v);
  }
}

function hincrby(ctx: Ctx, argv: string[]): void {
  const [, key, field, incrText] = argv;
  const incr = parseInt64(incrText);
  if (incr === null) {
    ctx.error(ERR_NOT_INTEGER);
    return;
  }
  const existing = lookupWrite(ctx, key);
  if (existing === null) return;
  const old = existing?.get(field);
  let next: bigint | number;
  if (old === undefined) {
    next = incr;
  } else {
    const cur = parseSafeInt(old) ?? parseInt64(old);
    if (cur === null) {
      ctx.error(ERR_HASH_NOT_INTEGER);
      return;
    }
    const sum = BigInt(cur) + incr;
    if (sum > INT64_MAX || sum < INT64_MIN) {
      ctx.error(ERR_OVERFLOW);
      return;
    }
    next = sum;
  }
  if (existing !== undefined && old === undefined && existing.size >= HASH_FIELDS_MAX) {
    ctx.error(ERR_FIELDS_MAX);
    return;
  }
  const h = existing ?? new HashValue();
  const text = next.toString();
  h.set(field, text);
  stored(ctx, key, h, existing === undefined);
  ctx.dirty();
  ctx.notify('h', 'hincrby', key);
  ctx.out.integer(text.length < 16 ? Number(text) : BigInt(text));
}

/** Redis's string2ld: what strtold reads completely, within long double's range, at most 5 KB. */
function parseLongDouble(text: string): ReturnType<typeof parseDecimal> | 'inf' {
  if (text.length === 0 || text.length >= LONG_DOUBLE_CHARS_MAX) return null;
  const d = parseDecimal(text);
  if (d !== null) return d;
  return /^[+-]?inf(inity)?$/i.test(text) ? 'inf' : null;
}

function hincrbyfloat(ctx: Ctx, argv: string[]): void {
  const [, key, field, incrText] = argv;
  // Checked in Redis's order: the increment, the key's type, the stored value, the sum.
  const incr = parseLongDouble(incrText);
  if (incr === null) {
    ctx.error(ERR_NOT_FLOAT);
    return;
  }
  if (incr === 'inf') {
    ctx.error('ERR value is NaN or Infinity');
    return;
  }
  const existing = lookupWrite(ctx, key);
  if (existing === null) return;
  const old = existing?.get(field);
  let sum = incr;
  if (old !== undefined) {
    const cur = parseLongDouble(old);
    if (cur === null) {
      ctx.error(ERR_HASH_NOT_FLOAT);
      return;
    }
    if (cur === 'inf') {
      ctx.error(ERR_NAN_OR_INFINITY);
      return;
    }
    sum = addDecimal(cur, incr);
    if (decimalExceedsRange(sum)) {
      ctx.error(ERR_NAN_OR_INFINITY);
      return;
    }
  }
  if (existing !== undefined && old === undefined && existing.size >= HASH_FIELDS_MAX) {
    ctx.error(ERR_FIELDS_MAX);
    return;
  }
  const h = existing ?? new HashValue();
  const text = formatDecimal(sum);
  h.set(field, text);
  stored(ctx, key, h, existing === undefined);
  ctx.dirty();
  ctx.notify('h', 'hincrbyfloat', key);
  // The result, not the increment, leaves the node: every replica stores the same bytes.
  ctx.propagate(['HSET', key, field, text]);
  ctx.out.bulk(text);
}

function hrandfield(ctx: Ctx, argv: string[]): void {
  if (argv.length === 2) {
    const h = lookupRead(ctx, argv[1]);
    if (h === null) return;
    if (h === undefined) ctx.out.null();
    else ctx.out.bulk(h.fieldAt(Math.floor(ctx.random() * h.size)));
    return;
  }
  const count = parseInt64(argv[2]);
  if (count === null) {
    ctx.error(ERR_NOT_INTEGER);
    return;
  }
  if (count === INT64_MIN) {
    ctx.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    return;
  }
  if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withvalues')) {
    ctx.error(ERR_SYNTAX);
    return;
  }
  const withValues = argv.length === 4;
  if (withValues && (count > WITHVALUES_COUNT_MAX || count < -WITHVALUES_COUNT_MAX)) {
    ctx.error(ERR_OUT_OF_RANGE);
    return;
  }
  const h = lookupRead(ctx, argv[1]);
  if (h === null) return;
  if (h === undefined || count === 0n) {
    ctx.out.arrayLen(0);
    return;
  }
  if (count < -BigInt(HRANDFIELD_PICKS_MAX)) {
    ctx.error(ERR_OUT_OF_RANGE);
    return;
  }
  const size = h.size;
  const resp3 = ctx.client.resp === 3;
  const out = ctx.out;
  const emit = (field: string): void => {
    if (withValues && resp3) out.arrayLen(2);
    out.bulk(field);
    if (withValues) out.bulk(h.fields.get(field)!);
  };
  const header = (n: number): void => out.arrayLen(withValues && !resp3 ? n * 2 : n);
  if (count < 0n || count === 1n) {
    // With repetition: each pick is independent and uniform.
    const picks = count < 0n ? Number(-count) : 1;
    header(picks);
    for (let i = 0; i < picks; i++) emit(h.fieldAt(Math.floor(ctx.random() * size)));
    return;
  }
  if (count >= BigInt(size)) {
    header(size);
    for (const f of h.fields.keys()) emit(f);
    return;
  }
  const n = Number(count);
  header(n);
  if (h.isListpack || n * 3 > size) {
    // Selection sampling: a uniform subset, in the hash's order (as Redis's listpack sampling).
    let needed = n;
    let left = size;
    for (const f of h.fields.keys()) {
      if (needed === 0) break;
      if (ctx.random() * left < needed) {
        emit(f);
        needed--;
      }
      left--;
    }
    return;
  }
  // Few fields out of many: distinct random picks.
  const chosen = new Set<string>();
  while (chosen.size < n) chosen.add(h.fieldAt(Math.floor(ctx.random() * size)));
  for (const f of chosen) emit(f);
}

function hscan(ctx: Ctx, argv: string[]): void {
  const cursor = scanCursorOrReply(ctx, argv[2]);
  if (cursor === null) return;
  const h = lookupRead(ctx, argv[1]);
  if (h === null) return;
  if (h === undefined) return writeScanReply(ctx, 0, []);
  const options = parseScanOptions(ctx, argv, 3);
  if (options === null) return;
  const { pattern } = options;
  const found: string[] = [];
  const visit = (field: string): void => {
    if (pattern !== null && !globMatch(pattern, field)) return;
    found.push(field, h.fields.get(field)!);
  };
  let next = 0;
  if (h.isListpack) {
    // Like Redis: a small hash is returned whole in one call, whatever the cursor.
    for (const f of h.fields.keys()) visit(f);
  } else if (cursor !== SCAN_CURSOR_BEYOND) {
    next = ctx.server.keyspace.scanCursors.scan(h.fields, cursor, options.count, visit);
  }
  writeScanReply(ctx, next, found);
}

const H = { group: 'hash' } as const;
const WRITE_FAST = ['write', 'denyoom', 'fast'] as const;
const READ_FAST = ['readonly', 'fast'] as const;
const ACL_WRITE_FAST = ['write', 'hash', 'fast'] as const;
const ACL_READ_FAST = ['read', 'hash', 'fast'] as const;
const ACL_READ_SLOW = ['read', 'hash', 'slow'] as const;
const KEY1 = [1, 1, 1] as const;

export const hashCommands: CommandSpec[] = [
  cmd('hset', -4, WRITE_FAST, KEY1, ACL_WRITE_FAST,
    { ...H, since: '2.0.0', summary: 'Creates or modifies the value of a field in a hash.', complexity: 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.', syntax: 'key field value [field value ...]' },
    (ctx, argv) => hsetGeneric(ctx, argv, 'hset')),
  cmd('hsetnx', 4, WRITE_FAST, KEY1, ACL_WRITE_FAST,
    { ...H, since: '2.0.0', summary: "Sets the value of a field in a hash only when the field doesn't exist.", complexity: 'O(1)', syntax: 'key field value' }, hsetnx),
  cmd('hmset', -4, WRITE_FAST, KEY1, ACL_WRITE_FAST,
    { ...H, since: '2.0.0', summary: 'Sets the values of multiple fields.', complexity: 'O(N) where N is the number of fields being set.', syntax: 'key field value [field value ...]' },
    (ctx, argv) => hsetGeneric(ctx, argv, 'hmset')),
  cmd('hget', 3, READ_FAST, KEY1, ACL_READ_FAST,
    { ...H, since: '2.0.0', summary: 'Returns the value of a field in a hash.', complexity: 'O(1)', syntax: 'key field' }, hget),
  cmd('hmget', -3, READ_FAST, KEY1, ACL_READ_FAST,
    { ...H, since: '2.0.0', summary: 'Returns the values of all fields in a hash.', complexity: 'O(N) where N is the number of fields being requested.', syntax: 'key field [field ...]' }, hmget),
  cmd('hdel', -3, ['write', 'fast'], KEY1, ACL_WRITE_FAST,
    { ...H, since: '2.0.0', summary: 'Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.', complexity: 'O(N) where N is the number of fields to be removed.', syntax: 'key field [field ...]' }, hdel),
  cmd('hexists', 3, READ_FAST, KEY1, ACL_READ_FAST,
    { ...H, since: '2.0.0', summary: 'Determines whether a field exists in a hash.', complexity: 'O(1)', syntax: 'key field' }, hexists),
  cmd('hlen', 2, READ_FAST, KEY1, ACL_READ_FAST,
    { ...H, since: '2.0.0', summary: 'Returns the number of fields in a hash.', complexity: 'O(1)', syntax: 'key' }, hlen),
  cmd('hstrlen', 3, READ_FAST, KEY1, ACL_READ_FAST,
    { ...H, since: '3.2.0', summary: 'Returns the length of the value of a field.', complexity: 'O(1)', syntax: 'key field' }, hstrlen),
  cmd('hkeys', 2, ['readonly'], KEY1, ACL_READ_SLOW,
    { ...H, since: '2.0.0', summary: 'Returns all fields in a hash.', complexity: 'O(N) where N is the size of the hash.', syntax: 'key' }, hkeys),
  cmd('hvals', 2, ['readonly'], KEY1, ACL_READ_SLOW,
    { ...H, since: '2.0.0', summary: 'Returns all values in a hash.', complexity: 'O(N) where N is the size of the hash.', syntax: 'key' }, hvals),
  cmd('hgetall', 2, ['readonly'], KEY1, ACL_READ_SLOW,
    { ...H, since: '2.0.0', summary: 'Returns all fields and values in a hash.', complexity: 'O(N) where N is the size of the hash.', syntax: 'key' }, hgetall),
  cmd('hincrby', 4, WRITE_FAST, KEY1, ACL_WRITE_FAST,
    { ...H, since: '2.0.0', summary: "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", complexity: 'O(1)', syntax: 'key field increment' }, hincrby),
  cmd('hincrbyfloat', 4, WRITE_FAST, KEY1, ACL_WRITE_FAST,
    { ...H, since: '2.6.0', summary: "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", complexity: 'O(1)', syntax: 'key field increment' }, hincrbyfloat),
  cmd('hrandfield', -2, ['readonly'], KEY1, ACL_READ_SLOW,
    { ...H, since: '6.2.0', summary: 'Returns one or more random fields from a hash.', complexity: 'O(N) where N is the number of fields returned', syntax: 'key [count [WITHVALUES]]' }, hrandfield),
  cmd('hscan', -3, ['readonly'], KEY1, ACL_READ_SLOW,
    { ...H, since: '2.8.0', summary: 'Iterates over fields and values of a hash.', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.', syntax: 'key cursor [MATCH pattern] [COUNT count]' }, hscan),
];
