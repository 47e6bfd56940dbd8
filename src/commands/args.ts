/** Redis's error texts and strict argument parsing shared by every command family. */

export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const ERR_NO_SUCH_KEY = 'ERR no such key';
export const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
export const ERR_DB_INDEX = 'ERR DB index is out of range';

export function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

export function invalidExpireTime(command: string): string {
  return `ERR invalid expire time in '${command}' command`;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Strict 64-bit integer like Redis's string2ll: no spaces, no '+', no leading zeros.
 * Returns a number when it is exactly representable, a bigint otherwise, null when invalid.
 */
export function parseInt64(s: string): bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  if (s.charCodeAt(0) === 45 /* - */) {
    if (n === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48 /* 0 */) return n === 1 ? 0n : null;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s);
  if (v < INT64_MIN || v > INT64_MAX) return null;
  return v;
}

/** A strict integer that fits a JS safe integer (counts, indexes, ms times). Null when invalid or outside. */
export function parseSafeInt(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 17) {
    if (n === 0) return null;
    const big = parseInt64(s);
    if (big === null || big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) return null;
    return Number(big);
  }
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    neg = true;
    i = 1;
  }
  if (s.charCodeAt(i) === 48) return n === i + 1 && !neg ? 0 : null;
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** Like parseSafeInt, but a valid int64 outside the safe range clamps instead of failing. */
export function parseIntClamped(s: string): number | null {
  const v = parseSafeInt(s);
  if (v !== null) return v;
  const big = parseInt64(s);
  if (big === null) return null;
  return big > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
}

/**
 * A float as Redis's string2ld/strtold accept it for INCRBYFLOAT and scores: decimal or
 * exponent notation, `inf`/`-inf`/`infinity`, no spaces, no NaN. Null when invalid.
 */
export function parseFloatStrict(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null;
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return null;
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

/** A SCAN-family cursor larger than any this node issues: the scan is already over. */
export const SCAN_CURSOR_BEYOND = -1;

/**
 * A cursor as Redis's strtoul reads it: the empty text is 0, optional sign, decimal digits, no
 * leading space, at most 2^64 - 1; a negative value wraps to a huge unsigned one. Values past
 * 2^53 were never issued here: SCAN_CURSOR_BEYOND. Null when invalid ("ERR invalid cursor").
 */
export function parseScanCursor(text: string): number | null {
  if (text === '') return 0;
  const m = /^([+-]?)(\d+)$/.exec(text);
  if (m === null) return null;
  const big = BigInt(m[2]);
  if (big > 2n ** 64n - 1n) return null;
  if (m[1] === '-' && big !== 0n) return SCAN_CURSOR_BEYOND;
  return big > BigInt(Number.MAX_SAFE_INTEGER) ? SCAN_CURSOR_BEYOND : Number(big);
}
