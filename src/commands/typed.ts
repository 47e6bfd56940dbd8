/** Shared by the typed families (hash, list, set, sorted set): lookups, WRONGTYPE, empty keys, timeouts. */
import type { TypedValue } from '../keyspace/database.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, parseInt64, parseScanCursor } from './args.js';
import type { Ctx, NotifyClass } from './spec.js';

/**
 * The value at `key` if it has type `type`; undefined when the key is missing; null after
 * replying WRONGTYPE. Counts keyspace hits and misses as Redis's lookupKeyRead does.
 */
export function lookupTyped<T extends TypedValue>(ctx: Ctx, key: string, type: TypedValue['type']): T | undefined | null {
  const v = ctx.db.get(key, ctx.now);
  if (v === undefined) {
    ctx.server.keyspace.stats.misses++;
    ctx.notify('m', 'keymiss', key);
    return undefined;
  }
  ctx.server.keyspace.stats.hits++;
  if (typeof v === 'string' || v.type !== type) {
    ctx.error(ERR_WRONGTYPE);
    return null;
  }
  return v as T;
}

/**
 * After removing elements: an empty aggregate deletes its key (and says so as a `del` event),
 * as Redis does; otherwise the in-place change is reported for WATCH.
 */
export function afterRemove(ctx: Ctx, key: string, value: TypedValue): void {
  if (value.size === 0) {
    ctx.db.delete(key);
    ctx.notify('g', 'del', key);
  } else {
    ctx.db.touch(key);
  }
}

/**
 * HDEL/SREM/ZREM: removes argv[2..] from `value` (stopping once it is empty), emits `event`,
 * deletes an emptied key, and replies the number removed.
 */
export function removeMembersReply<T extends TypedValue>(
  ctx: Ctx, argv: readonly string[], value: T | undefined, remove: (value: T, member: string) => boolean,
  cls: NotifyClass, event: string,
): void {
  if (value === undefined) {
    ctx.out.integer(0);
    return;
  }
  const key = argv[1];
  let removed = 0;
  for (let i = 2; i < argv.length && value.size > 0; i++) if (remove(value, argv[i])) removed++;
  if (removed > 0) {
    ctx.notify(cls, event, key);
    afterRemove(ctx, key, value);
    ctx.dirty(removed);
  }
  ctx.out.integer(removed);
}

/** Blocking timeouts bound: Redis refuses timeouts past LLONG_MAX ms; JS timers cap at 2^31-1 ms and are re-armed. */
const TIMEOUT_SECONDS_MAX = 9_223_372_036_854_775;

/**
 * A blocking command's timeout in seconds (fractions allowed) as absolute ms, 0 meaning forever.
 * Replies and returns null on error, with Redis's texts.
 */
export function parseBlockTimeout(ctx: Ctx, text: string): number | null {
  const secs = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(secs)) {
    ctx.error('ERR timeout is not a float or out of range');
    return null;
  }
  if (secs < 0) {
    ctx.error('ERR timeout is negative');
    return null;
  }
  if (secs > TIMEOUT_SECONDS_MAX) {
    ctx.error('ERR timeout is out of range');
    return null;
  }
  return secs === 0 ? 0 : ctx.now + Math.ceil(secs * 1000);
}

/** HSCAN/SSCAN/ZSCAN: default COUNT, and a bound on the work one call does. */
export const SCAN_COUNT_DEFAULT = 10;
export const SCAN_COUNT_MAX = 1_000_000;

/** HSCAN/SSCAN/ZSCAN options. */
export interface ScanOptions {
  /** null: every element. */
  pattern: string | null;
  count: number;
}

/** The cursor argument; replies `ERR invalid cursor` and returns null when it is not one. */
export function scanCursorOrReply(ctx: Ctx, text: string): number | null {
  const cursor = parseScanCursor(text);
  if (cursor === null) ctx.error('ERR invalid cursor');
  return cursor;
}

/**
 * `[MATCH pattern] [COUNT count]` from argv[from], with Redis's checks and error texts. Redis
 * parses them after the key lookup (a missing key answers an empty scan whatever the options).
 * Replies and returns null on error.
 */
export function parseScanOptions(ctx: Ctx, argv: readonly string[], from: number): ScanOptions | null {
  const options: ScanOptions = { pattern: null, count: SCAN_COUNT_DEFAULT };
  for (let i = from; i < argv.length; i++) {
    const opt = argv[i].toLowerCase();
    const hasValue = i + 1 < argv.length;
    if (opt === 'count' && hasValue) {
      const n = parseInt64(argv[++i]);
      if (n === null) {
        ctx.error(ERR_NOT_INTEGER);
        return null;
      }
      if (n < 1n) {
        ctx.error(ERR_SYNTAX);
        return null;
      }
      options.count = n > BigInt(SCAN_COUNT_MAX) ? SCAN_COUNT_MAX : Number(n);
    } else if (opt === 'match' && hasValue) {
      const pattern = argv[++i];
      options.pattern = pattern === '*' ? null : pattern;
    } else {
      ctx.error(ERR_SYNTAX);
      return null;
    }
  }
  return options;
}

/** The SCAN-family reply: the next cursor and the elements found. */
export function writeScanReply(ctx: Ctx, next: number, items: readonly string[]): void {
  ctx.out.arrayLen(2);
  ctx.out.bulk(String(next));
  ctx.out.arrayLen(items.length);
  for (const item of items) ctx.out.bulk(item);
}
