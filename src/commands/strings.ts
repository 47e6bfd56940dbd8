/** String commands (Redis's t_string.c). */
import {
  ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_OVERFLOW, ERR_SYNTAX, ERR_WRONGTYPE, invalidExpireTime, parseInt64,
  parseIntClamped, parseSafeInt,
} from './args.js';
import { addDecimal, decimalExceedsRange, formatDecimal, parseDecimal } from './decimal.js';
import { STRING_BYTES_MAX } from '../protocol/request-parser.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const ERR_TOO_BIG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';

/** Longest value a command may build: proto-max-bulk-len, capped by V8's longest string. */
function stringBytesMax(ctx: Ctx): number {
  return Math.min(ctx.server.config.getInt('proto-max-bulk-len'), STRING_BYTES_MAX);
}

/** The string at `key`, undefined when absent, or null after replying WRONGTYPE. */
export function readString(ctx: Ctx, key: string): string | undefined | null {
  const v = ctx.db.get(key, ctx.now);
  if (v === undefined) {
    ctx.server.keyspace.stats.misses++;
    ctx.notify('m', 'keymiss', key);
    return undefined;
  }
  ctx.server.keyspace.stats.hits++;
  if (typeof v !== 'string') {
    ctx.error(ERR_WRONGTYPE);
    return null;
  }
  return v;
}

type ExpireUnit = 'EX' | 'PX' | 'EXAT' | 'PXAT';

/**
 * Turns an EX/PX/EXAT/PXAT argument into an absolute ms time, as Redis validates it:
 * not an integer -> ERR value..., <= 0 or overflowing -> invalid expire time.
 */
export function absoluteExpireMs(ctx: Ctx, unit: ExpireUnit, text: string, command: string): number | null {
  const v = parseInt64(text);
  if (v === null) {
    ctx.error(ERR_NOT_INTEGER);
    return null;
  }
  if (v <= 0n) {
    ctx.error(invalidExpireTime(command));
    return null;
  }
  let ms = unit === 'EX' || unit === 'EXAT' ? v * 1000n : v;
  if (ms > INT64_MAX) {
    ctx.error(invalidExpireTime(command));
    return null;
  }
  if (unit === 'EX' || unit === 'PX') ms += BigInt(ctx.now);
  if (ms > INT64_MAX) {
    ctx.error(invalidExpireTime(command));
    return null;
  }
  return Number(ms);
}

function get(ctx: Ctx, argv: string[]): void {
  const v = readString(ctx, argv[1]);
  if (v === null) return;
  if (v === undefined) ctx.out.null();
  else ctx.out.bulk(v);
}

interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  expireAtMs: number | null;
}

/** Parses SET's options from argv[from]. Replies and returns null on error. */
function parseSetOptions(ctx: Ctx, argv: string[], from: number, command: string): SetOptions | null {
  const o: SetOptions = { nx: false, xx: false, get: false, keepTtl: false, expireAtMs: null };
  let unit: ExpireUnit | null = null;
  let unitArg = '';
  for (let i = from; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    const hasNext = i + 1 < argv.length;
    if (opt === 'NX' && !o.xx) o.nx = true;
    else if (opt === 'XX' && !o.nx) o.xx = true;
    else if (opt === 'GET') o.get = true;
    else if (opt === 'KEEPTTL' && unit === null) o.keepTtl = true;
    // Repeating the same expiry option is allowed (the last one wins); mixing two is not.
    else if ((opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT') && (unit === null || unit === opt) && !o.keepTtl && hasNext) {
      unit = opt;
      unitArg = argv[++i];
    } else {
      ctx.error(ERR_SYNTAX);
      return null;
    }
  }
  if (unit !== null) {
    const at = absoluteExpireMs(ctx, unit, unitArg, command);
    if (at === null) return null;
    o.expireAtMs = at;
  }
  return o;
}

function set(ctx: Ctx, argv: string[]): void {
  const o = parseSetOptions(ctx, argv, 3, 'set');
  if (o === null) return;
  const key = argv[1];
  const db = ctx.db;
  // Without NX/XX/GET the old value matters only if it might have expired (then its DEL must be
  // emitted first); a db without TTLs spares the lookup.
  const needOld = o.nx || o.xx || o.get || db.expires.size !== 0;
  const old = needOld ? db.get(key, ctx.now) : undefined;
  if (o.get && old !== undefined && typeof old !== 'string') {
    ctx.error(ERR_WRONGTYPE);
    return;
  }
  if ((o.nx && old !== undefined) || (o.xx && old === undefined)) {
    if (o.get) ctx.out.bulkOrNull(old as string | undefined);
    else ctx.out.null();
    return;
  }
  db.set(key, argv[2], o.keepTtl);
  ctx.notify('$', 'set', key);
  if (o.expireAtMs !== null) {
    db.setExpire(key, o.expireAtMs);
    ctx.notify('g', 'expire', key);
  }
  ctx.dirty();
  // Relative and second-resolution expiries leave as an absolute ms time; GET is a reply detail.
  if (o.expireAtMs !== null) ctx.propagate(['SET', key, argv[2], 'PXAT', String(o.expireAtMs)]);
  else if (o.keepTtl) ctx.propagate(['SET', key, argv[2], 'KEEPTTL']);
  else if (argv.length > 3) ctx.propagate(['SET', key, argv[2]]);
  if (o.get) ctx.out.bulkOrNull(old as string | undefined);
  else ctx.out.ok();
}

function setnx(ctx: Ctx, argv: string[]): void {
  if (ctx.db.has(argv[1], ctx.now)) {
    ctx.out.integer(0);
    return;
  }
  ctx.db.set(argv[1], argv[2]);
  ctx.notify('$', 'set', argv[1]);
  ctx.dirty();
  ctx.out.integer(1);
}

function setexGeneric(ctx: Ctx, argv: string[], unit: 'EX' | 'PX', command: string): void {
  const at = absoluteExpireMs(ctx, unit, argv[2], command);
  if (at === null) return;
  ctx.db.set(argv[1], argv[3]);
  ctx.db.setExpire(argv[1], at);
  ctx.notify('$', 'set', argv[1]);
  ctx.notify('g', 'expire', argv[1]);
  ctx.dirty();
  ctx.propagate(['SET', argv[1], argv[3], 'PXAT', String(at)]);
  ctx.out.ok();
}

function mget(ctx: Ctx, argv: string[]): void {
  ctx.out.arrayLen(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const v = ctx.db.get(argv[i], ctx.now);
    if (typeof v === 'string') {
      ctx.server.keyspace.stats.hits++;
      ctx.out.bulk(v);
    } else {
      if (v === undefined) {
        ctx.server.keyspace.stats.misses++;
        ctx.notify('m', 'keymiss', argv[i]);
      }
      ctx.out.null();
    }
  }
}

function mset(ctx: Ctx, argv: string[]): void {
  if (argv.length % 2 === 0) {
    ctx.error(`ERR wrong number of arguments for '${argv[0].toLowerCase()}' command`);
    return;
  }
  for (let i = 1; i < argv.length; i += 2) {
    ctx.db.set(argv[i], argv[i + 1]);
    ctx.notify('$', 'set', argv[i]);
  }
  ctx.dirty(argv.length >> 1);
  ctx.out.ok();
}

function msetnx(ctx: Ctx, argv: string[]): void {
  if (argv.length % 2 === 0) {
    ctx.error(`ERR wrong number of arguments for '${argv[0].toLowerCase()}' command`);
    return;
  }
  for (let i = 1; i < argv.length; i += 2) {
    if (ctx.db.has(argv[i], ctx.now)) {
      ctx.out.integer(0);
      return;
    }
  }
  for (let i = 1; i < argv.length; i += 2) {
    ctx.db.set(argv[i], argv[i + 1]);
    ctx.notify('$', 'set', argv[i]);
  }
  ctx.dirty(argv.length >> 1);
  ctx.out.integer(1);
}

function getset(ctx: Ctx, argv: string[]): void {
  const old = readString(ctx, argv[1]);
  if (old === null) return;
  ctx.db.set(argv[1], argv[2]);
  ctx.notify('$', 'set', argv[1]);
  ctx.dirty();
  ctx.propagate(['SET', argv[1], argv[2]]);
  ctx.out.bulkOrNull(old);
}

function getdel(ctx: Ctx, argv: string[]): void {
  const v = readString(ctx, argv[1]);
  if (v === null) return;
  if (v === undefined) {
    ctx.out.null();
    return;
  }
  ctx.db.delete(argv[1]);
  ctx.notify('g', 'del', argv[1]);
  ctx.dirty();
  ctx.propagate(['DEL', argv[1]]);
  ctx.out.bulk(v);
}

function getex(ctx: Ctx, argv: string[]): void {
  const key = argv[1];
  let unit: ExpireUnit | null = null;
  let unitArg = '';
  let persist = false;
  for (let i = 2; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    if ((opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT') && (unit === null || unit === opt) && !persist && i + 1 < argv.length) {
      unit = opt;
      unitArg = argv[++i];
    } else if (opt === 'PERSIST' && unit === null) {
      persist = true;
    } else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  // As Redis: a missing key answers nil before the time argument is validated.
  const v = readString(ctx, key);
  if (v === null) return;
  if (v === undefined) {
    ctx.out.null();
    return;
  }
  let at: number | null = null;
  if (unit !== null) {
    at = absoluteExpireMs(ctx, unit, unitArg, 'getex');
    if (at === null) return;
  }
  if (at !== null) {
    if (at <= ctx.now) {
      ctx.db.delete(key);
      ctx.notify('g', 'del', key);
      ctx.propagate(['DEL', key]);
    } else {
      ctx.db.setExpire(key, at);
      ctx.notify('g', 'expire', key);
      ctx.propagate(['PEXPIREAT', key, String(at)]);
    }
    ctx.dirty();
  } else if (persist && ctx.db.persist(key)) {
    ctx.notify('g', 'persist', key);
    ctx.propagate(['PERSIST', key]);
    ctx.dirty();
  }
  ctx.out.bulk(v);
}

function append(ctx: Ctx, argv: string[]): void {
  const old = readString(ctx, argv[1]);
  if (old === null) return;
  if ((old?.length ?? 0) + argv[2].length > stringBytesMax(ctx)) {
    ctx.error(ERR_TOO_BIG);
    return;
  }
  const next = old === undefined ? argv[2] : old + argv[2];
  if (old === undefined) ctx.db.set(argv[1], next);
  else ctx.db.replace(argv[1], next);
  ctx.notify('$', 'append', argv[1]);
  ctx.dirty();
  ctx.out.integer(next.length);
}

function strlen(ctx: Ctx, argv: string[]): void {
  const v = readString(ctx, argv[1]);
  if (v === null) return;
  ctx.out.integer(v === undefined ? 0 : v.length);
}

function getrange(ctx: Ctx, argv: string[]): void {
  let start = parseIntClamped(argv[2]);
  let end = parseIntClamped(argv[3]);
  if (start === null || end === null) {
    ctx.error(ERR_NOT_INTEGER);
    return;
  }
  const v = readString(ctx, argv[1]);
  if (v === null) return;
  const s = v ?? '';
  const n = s.length;
  if (start < 0 && end < 0 && start > end) {
    ctx.out.bulk('');
    return;
  }
  if (start < 0) start = n + start;
  if (end < 0) end = n + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= n) end = n - 1;
  if (start > end || n === 0) {
    ctx.out.bulk('');
    return;
  }
  ctx.out.bulk(s.slice(start, end + 1));
}

function setrange(ctx: Ctx, argv: string[]): void {
  const offset = parseIntClamped(argv[2]);
  if (offset === null) {
    ctx.error(ERR_NOT_INTEGER);
    return;
  }
  if (offset < 0) {
    ctx.error('ERR offset is out of range');
    return;
  }
  const old = readString(ctx, argv[1]);
  if (old === null) return;
  const value = argv[3];
  if (value.length === 0) {
    ctx.out.integer(old === undefined ? 0 : old.length);
    return;
  }
  if (offset + value.length > stringBytesMax(ctx)) {
    ctx.error(ERR_TOO_BIG);
    return;
  }
  const base = old ?? '';
  const padded = base.length < offset ? base + '\0'.repeat(offset - base.length) : base;
  const next = padded.slice(0, offset) + value + padded.slice(offset + value.length);
  if (old === undefined) ctx.db.set(argv[1], next);
  else ctx.db.replace(argv[1], next);
  ctx.notify('$', 'setrange', argv[1]);
  ctx.dirty();
  ctx.out.integer(next.length);
}

function incrGeneric(ctx: Ctx, key: string, by: bigint | number): void {
  const old = readString(ctx, key);
  if (old === null) return;
  let next: string;
  if (old === undefined) {
    next = String(by);
  } else {
    const cur = parseSafeInt(old);
    if (cur !== null && typeof by === 'number' && Number.isSafeInteger(cur + by)) {
      next = String(cur + by);
    } else {
      const big = parseInt64(old);
      if (big === null) {
        ctx.error(ERR_NOT_INTEGER);
        return;
      }
      const sum = big + BigInt(by);
      if (sum > INT64_MAX || sum < INT64_MIN) {
        ctx.error(ERR_OVERFLOW);
        return;
      }
      next = sum.toString();
    }
  }
  if (old === undefined) ctx.db.set(key, next);
  else ctx.db.replace(key, next);
  ctx.notify('$', 'incrby', key);
  ctx.dirty();
  ctx.out.integer(next.length < 16 ? Number(next) : BigInt(next));
}

function incrbyArg(ctx: Ctx, text: string, negate: boolean): bigint | number | null {
  const small = parseSafeInt(text);
  if (small !== null) return negate ? -small : small;
  const big = parseInt64(text);
  if (big === null) {
    ctx.error(ERR_NOT_INTEGER);
    return null;
  }
  if (negate && big === INT64_MIN) {
    ctx.error('ERR decrement would overflow');
    return null;
  }
  return negate ? -big : big;
}

function incrbyfloat(ctx: Ctx, argv: string[]): void {
  const old = readString(ctx, argv[1]);
  if (old === null) return;
  // Checked in Redis's order: the stored value, the increment, then the sum.
  const cur = old === undefined ? parseDecimal('0') : parseDecimal(old);
  const curInfinite = cur === null && old !== undefined && isInfinity(old);
  if (cur === null && !curInfinite) {
    ctx.error(ERR_NOT_FLOAT);
    return;
  }
  const inc = parseDecimal(argv[2]);
  if (inc === null && !isInfinity(argv[2])) {
    ctx.error(ERR_NOT_FLOAT);
    return;
  }
  if (cur === null || inc === null) {
    ctx.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const sum = addDecimal(cur, inc);
  if (decimalExceedsRange(sum)) {
    ctx.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const text = formatDecimal(sum);
  if (old === undefined) ctx.db.set(argv[1], text);
  else ctx.db.replace(argv[1], text);
  ctx.notify('$', 'incrbyfloat', argv[1]);
  ctx.dirty();
  // The result, not the increment, is propagated: every replica stores the same bytes.
  ctx.propagate(['SET', argv[1], text, 'KEEPTTL']);
  ctx.out.bulk(text);
}

function isInfinity(s: string): boolean {
  return /^[+-]?inf(inity)?$/i.test(s);
}

function lcs(ctx: Ctx, argv: string[]): void {
  let wantLen = false;
  let wantIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let i = 3; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    if (opt === 'IDX') wantIdx = true;
    else if (opt === 'LEN') wantLen = true;
    else if (opt === 'WITHMATCHLEN') withMatchLen = true;
    else if (opt === 'MINMATCHLEN' && i + 1 < argv.length) {
      const n = parseIntClamped(argv[++i]);
      if (n === null) {
        ctx.error(ERR_NOT_INTEGER);
        return;
      }
      minMatchLen = Math.max(0, n);
    } else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  const a = ctx.db.get(argv[1], ctx.now);
  const b = ctx.db.get(argv[2], ctx.now);
  if ((a !== undefined && typeof a !== 'string') || (b !== undefined && typeof b !== 'string')) {
    ctx.error('ERR The specified keys must contain string values');
    return;
  }
  if (wantIdx && wantLen) {
    ctx.error('ERR If you want both the length and indexes, please just use IDX.');
    return;
  }
  const sa = (a ?? '') as string;
  const sb = (b ?? '') as string;
  const cols = sb.length + 1;
  const cells = (sa.length + 1) * cols;
  if (cells * 4 > ctx.server.config.getInt('proto-max-bulk-len')) {
    ctx.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    return;
  }
  const dp = new Uint32Array(cells);
  for (let i = 1; i <= sa.length; i++) {
    for (let j = 1; j <= sb.length; j++) {
      dp[i * cols + j] = sa.charCodeAt(i - 1) === sb.charCodeAt(j - 1)
        ? dp[(i - 1) * cols + j - 1] + 1
        : Math.max(dp[(i - 1) * cols + j], dp[i * cols + j - 1]);
    }
  }
  const total = dp[sa.length * cols + sb.length];
  if (wantLen) {
    ctx.out.integer(total);
    return;
  }
  // Walk back from the end, collecting the common bytes and the ranges where both strings match.
  const common: string[] = new Array(total);
  let idx = total;
  const ranges: Array<[number, number, number, number]> = [];
  let aStart = -1;
  let aEnd = -1;
  let bStart = -1;
  let bEnd = -1;
  let i = sa.length;
  let j = sb.length;
  while (i > 0 && j > 0) {
    let emit = false;
    if (sa.charCodeAt(i - 1) === sb.charCodeAt(j - 1)) {
      common[--idx] = sa[i - 1];
      if (aStart < 0) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if (dp[(i - 1) * cols + j] > dp[i * cols + j - 1]) i--;
      else j--;
      if (aStart >= 0) emit = true;
    }
    if (emit && aStart >= 0) {
      if (minMatchLen === 0 || aEnd - aStart + 1 >= minMatchLen) ranges.push([aStart, aEnd, bStart, bEnd]);
      aStart = -1;
    }
  }
  if (!wantIdx) {
    ctx.out.bulk(common.join(''));
    return;
  }
  const out = ctx.out;
  out.mapLen(2);
  out.bulk('matches');
  out.arrayLen(ranges.length);
  for (const [as, ae, bs, be] of ranges) {
    out.arrayLen(withMatchLen ? 3 : 2);
    out.arrayLen(2);
    out.integer(as);
    out.integer(ae);
    out.arrayLen(2);
    out.integer(bs);
    out.integer(be);
    if (withMatchLen) out.integer(ae - as + 1);
  }
  out.bulk('len');
  out.integer(total);
}

const S = { group: 'string' } as const;
const W = ['write', 'denyoom'] as const;

export const stringCommands: CommandSpec[] = [
  cmd('get', 2, ['readonly', 'fast'], [1, 1, 1], ['read', 'string', 'fast'],
    { ...S, since: '1.0.0', summary: 'Returns the string value of a key.', complexity: 'O(1)', syntax: 'key' }, get),
  cmd('set', -3, W, [1, 1, 1], ['write', 'string', 'slow'],
    { ...S, since: '1.0.0', summary: 'Sets the string value of a key, ignoring its type. The key is created if it doesn\'t exist.', complexity: 'O(1)', syntax: 'key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]' }, set),
  cmd('setnx', 3, [...W, 'fast'], [1, 1, 1], ['write', 'string', 'fast'],
    { ...S, since: '1.0.0', summary: 'Set the string value of a key only when the key doesn\'t exist.', complexity: 'O(1)', syntax: 'key value' }, setnx),
  cmd('setex', 4, W, [1, 1, 1], ['write', 'string', 'slow'],
    { ...S, since: '2.0.0', summary: 'Sets the string value and expiration time of a key. Creates the key if it doesn\'t exist.', complexity: 'O(1)', syntax: 'key seconds value' },
    (ctx, argv) => setexGeneric(ctx, argv, 'EX', 'setex')),
  cmd('psetex', 4, W, [1, 1, 1], ['write', 'string', 'slow'],
    { ...S, since: '2.6.0', summary: 'Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn\'t exist.', complexity: 'O(1)', syntax: 'key milliseconds value' },
    (ctx, argv) => setexGeneric(ctx, argv, 'PX', 'psetex')),
  cmd('mget', -2, ['readonly', 'fast'], [1, -1, 1], ['read', 'string', 'fast'],
    { ...S, since: '1.0.0', summary: 'Atomically returns the string values of one or more keys.', complexity: 'O(N) where N is the number of keys to retrieve.', syntax: 'key [key ...]' }, mget),
  cmd('mset', -3, W, [1, -1, 2], ['write', 'string', 'slow'],
    { ...S, since: '1.0.1', summary: 'Atomically creates or modifies the string values of one or more keys.', complexity: 'O(N) where N is the number of keys to set.', syntax: 'key value [key value ...]' }, mset),
  cmd('msetnx', -3, W, [1, -1, 2], ['write', 'string', 'slow'],
    { ...S, since: '1.0.1', summary: 'Atomically modifies the string values of one or more keys only when all keys don\'t exist.', complexity: 'O(N) where N is the number of keys to set.', syntax: 'key value [key value ...]' }, msetnx),
  cmd('getset', 3, [...W, 'fast'], [1, 1, 1], ['write', 'string', 'fast'],
    { ...S, since: '1.0.0', summary: 'Returns the previous string value of a key after setting it to a new value.', complexity: 'O(1)', syntax: 'key value' }, getset),
  cmd('getdel', 2, ['write', 'fast'], [1, 1, 1], ['write', 'string', 'fast'],
    { ...S, since: '6.2.0', summary: 'Returns the string value of a key after deleting the key.', complexity: 'O(1)', syntax: 'key' }, getdel),
  cmd('getex', -2, ['write', 'fast'], [1, 1, 1], ['write', 'string', 'fast'],
    { ...S, since: '6.2.0', summary: 'Returns the string value of a key after setting its expiration time.', complexity: 'O(1)', syntax: 'key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]' }, getex),
  cmd('append', 3, [...W, 'fast'], [1, 1, 1], ['write', 'string', 'fast'],
    { ...S, since: '2.0.0', summary: 'Appends a string to the value of a key. Creates the key if it doesn\'t exist.', complexity: 'O(1)', syntax: 'key value' }, append),
  cmd('strlen', 2, ['readonly', 'fast'], [1, 1, 1], ['read', 'string', 'fast'],
    { ...S, since: '2.2.0', summary: 'Returns the length of a string value.', complexity: 'O(1)', syntax: 'key' }, strlen),
  cmd('getrange', 4, ['readonly'], [1, 1, 1], ['read', 'string', 'slow'],
    { ...S, since: '2.4.0', summary: 'Returns a substring of the string stored at a key.', complexity: 'O(N) where N is the length of the returned string.', syntax: 'key start end' }, getrange),
  cmd('substr', 4, ['readonly'], [1, 1, 1], ['read', 'string', 'slow'],
    { ...S, since: '1.0.0', summary: 'Returns a substring from a string value.', complexity: 'O(N) where N is the length of the returned string.', syntax: 'key start end' }, getrange),
  cmd('setrange', 4, W, [1, 1, 1], ['write', 'string', 'slow'],
    { ...S, since: '2.2.0', summary: 'Overwrites a part of a string value with another by an offset. Creates the key if it doesn\'t exist.', complexity: 'O(1), not counting the time taken to copy the new string in place.', syntax: 'key offset value' }, setrange),
  cmd('incr', 2, [...W, 'fast'], [1, 1, 1], ['write', 'string', 'fast'],
    { ...S, since: '1.0.0', summary: 'Increments the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', syntax: 'key' },
    (ctx, argv) => incrGeneric(ctx, argv[1], 1)),
  cmd('decr', 2, [...W, 'fast'], [1, 1, 1], ['write', 'string', 'fast'],
    { ...S, since: '1.0.0', summary: 'Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', syntax: 'key' },
    (ctx, argv) => incrGeneric(ctx, argv[1], -1)),
  cmd('incrby', 3, [...W, 'fast'], [1, 1, 1], ['write', 'string', 'fast'],
    { ...S, since: '1.0.0', summary: 'Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', syntax: 'key increment' },
    (ctx, argv) => {
      const by = incrbyArg(ctx, argv[2], false);
      if (by !== null) incrGeneric(ctx, argv[1], by);
    }),
  cmd('decrby', 3, [...W, 'fast'], [1, 1, 1], ['write', 'string', 'fast'],
    { ...S, since: '1.0.0', summary: 'Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', syntax: 'key decrement' },
    (ctx, argv) => {
      const by = incrbyArg(ctx, argv[2], true);
      if (by !== null) incrGeneric(ctx, argv[1], by);
    }),
  cmd('incrbyfloat', 3, [...W, 'fast'], [1, 1, 1], ['write', 'string', 'fast'],
    { ...S, since: '2.6.0', summary: 'Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)', syntax: 'key increment' }, incrbyfloat),
  cmd('lcs', -3, ['readonly'], [1, 2, 1], ['read', 'string', 'slow'],
    { ...S, since: '7.0.0', summary: 'Finds the longest common substring.', complexity: 'O(N*M) where N and M are the lengths of s1 and s2, respectively', syntax: 'key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]' }, lcs),
];
