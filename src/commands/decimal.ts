/**
 * Exact decimal arithmetic for INCRBYFLOAT. Redis adds in 80-bit long double and prints
 * `%.17Lf` with trailing zeros trimmed, so `0.1 + 0.2` gives `0.3`. Adding the two decimal
 * texts exactly and rounding to 17 places gives the same text for every input long double
 * represents exactly enough, and the same result on every node.
 */

const PLACES = 17;
/** long double's range: strtold overflows above LDBL_MAX and underflows to 0 below the smallest denormal. */
const LDBL_MAX = { digits: '118973149535723176502', exp: 4932 };
const LDBL_TRUE_MIN = { digits: '364519953188247460253', exp: -4951 };
/** Binary exponents past this are far outside long double's range either way. */
const BINARY_EXPONENT_MAX = 20_000;

interface Decimal {
  /** value = mantissa * 10^-scale */
  mantissa: bigint;
  scale: number;
}

/**
 * Parses what strtold accepts (decimal or hexadecimal, optional exponent) into an exact decimal.
 * Null when malformed, or when strtold would report a range error (overflow, or underflow to 0).
 */
export function parseDecimal(s: string): Decimal | null {
  const d = /^[+-]?0[xX]/.test(s) ? parseHex(s) : parseDec(s);
  if (d === null || d.mantissa === 0n) return d;
  if (compareMagnitude(d, LDBL_MAX) > 0 || compareMagnitude(d, LDBL_TRUE_MIN) < 0) return null;
  return d;
}

function parseDec(s: string): Decimal | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (m === null) return null;
  const intPart = m[2];
  const frac = m[3] ?? '';
  if (intPart === '' && frac === '') return null;
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exp)) return null;
  let mantissa = BigInt(intPart + frac);
  if (m[1] === '-') mantissa = -mantissa;
  if (mantissa === 0n) return { mantissa, scale: 0 };
  const scale = frac.length - exp;
  // Decide the range before building huge powers of ten.
  const digits = (intPart + frac).replace(/^0+/, '');
  const leadExp = digits.length - 1 - scale;
  if (leadExp > LDBL_MAX.exp + 1 || leadExp < LDBL_TRUE_MIN.exp - 1) return null;
  return scale < 0 ? { mantissa: mantissa * 10n ** BigInt(-scale), scale: 0 } : { mantissa, scale };
}

/** C99 hexadecimal floats: `0x1.8p3` = 1.5 * 2^3. Exact in decimal since 2^-n = 5^n / 10^n. */
function parseHex(s: string): Decimal | null {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(s);
  if (m === null) return null;
  const intPart = m[2];
  const frac = m[3] ?? '';
  if (intPart === '' && frac === '') return null;
  let mantissa = BigInt(`0x${intPart + frac}`);
  if (m[1] === '-') mantissa = -mantissa;
  if (mantissa === 0n) return { mantissa, scale: 0 };
  const binaryExp = (m[4] === undefined ? 0 : Number(m[4])) - 4 * frac.length;
  if (!Number.isSafeInteger(binaryExp) || Math.abs(binaryExp) > BINARY_EXPONENT_MAX) return null;
  if (binaryExp >= 0) return { mantissa: mantissa << BigInt(binaryExp), scale: 0 };
  return { mantissa: mantissa * 5n ** BigInt(-binaryExp), scale: -binaryExp };
}

/** Sign of |d| - bound, where bound = 0.digits... * 10^(exp+1) (first digit before the point). */
function compareMagnitude(d: Decimal, bound: { digits: string; exp: number }): number {
  const abs = (d.mantissa < 0n ? -d.mantissa : d.mantissa).toString();
  const leadExp = abs.length - 1 - d.scale;
  if (leadExp !== bound.exp) return leadExp > bound.exp ? 1 : -1;
  const n = Math.max(abs.length, bound.digits.length);
  const a = abs.padEnd(n, '0');
  const b = bound.digits.padEnd(n, '0');
  return a === b ? 0 : a > b ? 1 : -1;
}

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  const am = a.mantissa * 10n ** BigInt(scale - a.scale);
  const bm = b.mantissa * 10n ** BigInt(scale - b.scale);
  return { mantissa: am + bm, scale };
}

/** `%.17Lf` with trailing zeros and a trailing point removed (Redis's LD_STR_HUMAN). */
export function formatDecimal(d: Decimal): string {
  let { mantissa, scale } = d;
  if (scale > PLACES) {
    const div = 10n ** BigInt(scale - PLACES);
    const neg = mantissa < 0n;
    let abs = neg ? -mantissa : mantissa;
    const q = abs / div;
    const r = abs % div;
    abs = r * 2n >= div ? q + 1n : q;
    mantissa = neg ? -abs : abs;
    scale = PLACES;
  }
  const neg = mantissa < 0n;
  let digits = (neg ? -mantissa : mantissa).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    let text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    text = text.replace(/0+$/, '').replace(/\.$/, '');
    digits = text;
  }
  if (digits === '0') return '0';
  return neg ? `-${digits}` : digits;
}

/** True when a sum is too large for long double (Redis reports it as an infinite result). */
export function decimalExceedsRange(d: Decimal): boolean {
  return d.mantissa !== 0n && compareMagnitude(d, LDBL_MAX) > 0;
}
