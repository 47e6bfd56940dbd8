/**
 * Exact decimal arithmetic for INCRBYFLOAT. Redis adds in 80-bit long double and prints
 * `%.17Lf` with trailing zeros trimmed, so `0.1 + 0.2` gives `0.3`. Adding the two decimal
 * texts exactly and rounding to 17 places gives the same text for every input long double
 * represents exactly enough, and the same result on every node.
 */

/** Past this decimal exponent strtold overflows to infinity. */
const EXPONENT_MAX = 4932;
const PLACES = 17;

interface Decimal {
  /** value = mantissa * 10^-scale */
  mantissa: bigint;
  scale: number;
}

/** Parses a finite decimal (`12`, `-1.5`, `3e-2`, `.5`). Null when malformed or out of long double range. */
export function parseDecimal(s: string): Decimal | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (m === null) return null;
  const intPart = m[2];
  const frac = m[3] ?? '';
  if (intPart === '' && frac === '') return null;
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isFinite(exp) || Math.abs(exp) > EXPONENT_MAX * 2) return null;
  let mantissa = BigInt((intPart + frac).replace(/^0+(?=\d)/, '') || '0');
  if (m[1] === '-') mantissa = -mantissa;
  let scale = frac.length - exp;
  const digits = (intPart + frac).replace(/^0+/, '').length;
  if (mantissa !== 0n && digits - scale > EXPONENT_MAX) return null;
  if (scale < 0) {
    mantissa *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { mantissa, scale };
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

export function decimalExceedsRange(d: Decimal): boolean {
  const abs = d.mantissa < 0n ? -d.mantissa : d.mantissa;
  return abs.toString().length - d.scale > EXPONENT_MAX;
}
