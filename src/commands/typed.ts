/** Shared by the typed families (hash, list, set, sorted set): lookups, WRONGTYPE, empty keys, timeouts. */
import type { TypedValue } from '../keyspace/database.js';
import { ERR_WRONGTYPE } from './args.js';
import type { Ctx } from './spec.js';

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
