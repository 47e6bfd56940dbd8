/**
 * Encodes replies into one growing buffer, so every reply produced while handling one read leaves
 * in a single socket write. The RESP version decides how RESP3-only types degrade for RESP2
 * clients, the way Redis does it (map -> flat array, double -> bulk, boolean -> integer, ...).
 *
 * Strings are byte strings (one char per byte, latin1), the representation used end to end.
 */
import { putDecimal, putLatin1 } from './latin1.js';

/** Above this, a bulk payload is passed to the socket as its own buffer instead of being copied in. */
const INLINE_PAYLOAD_BYTES_MAX = 16 * 1024;
const INITIAL_BYTES = 16 * 1024;

export type RespVersion = 2 | 3;

export class ReplyWriter {
  private buf: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private len = 0;
  /** Completed pieces when a large payload was passed by reference. */
  private pieces: Buffer[] = [];
  private piecesBytes = 0;
  resp: RespVersion = 2;

  get pendingBytes(): number {
    return this.len + this.piecesBytes;
  }

  /** Takes what was written so far, leaving the writer empty. Returns null when nothing was written. */
  take(): Buffer[] | null {
    if (this.len === 0 && this.pieces.length === 0) return null;
    if (this.len > 0) {
      const out = Buffer.allocUnsafe(this.len);
      this.buf.copy(out, 0, 0, this.len);
      this.pieces.push(out);
    }
    const pieces = this.pieces;
    this.pieces = [];
    this.piecesBytes = 0;
    this.len = 0;
    if (this.buf.length > INITIAL_BYTES * 64) this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    return pieces;
  }

  /**
   * Drops what was written (replies nobody reads: the primary's stream applied on a replica, an
   * AOF replayed). Unlike take(), it makes no Buffer per command.
   */
  discard(): void {
    this.len = 0;
    if (this.pieces.length > 0) {
      this.pieces = [];
      this.piecesBytes = 0;
    }
    if (this.buf.length > INITIAL_BYTES * 64) this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private ascii(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.latin1Write(s, this.len);
  }

  /** `+OK` style status. Must not contain CR or LF. */
  simple(s: string): void {
    this.ascii(`+${s}\r\n`);
  }

  ok(): void {
    this.ensure(5);
    const b = this.buf;
    let p = this.len;
    b[p++] = 0x2b;
    b[p++] = 0x4f;
    b[p++] = 0x4b;
    b[p++] = 13;
    b[p++] = 10;
    this.len = p;
  }

  /** An error reply; `message` starts with its code (`ERR ...`, `WRONGTYPE ...`). CR/LF become spaces. */
  error(message: string): void {
    this.ascii(`-${message.replace(/[\r\n]/g, ' ')}\r\n`);
  }

  integer(n: number | bigint): void {
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      // Digits by hand: a template string and a native write cost more for the common sizes.
      this.ensure(24);
      const b = this.buf;
      let p = this.len;
      b[p++] = 0x3a;
      if (n < 0) {
        b[p++] = 0x2d;
        n = -n;
      }
      p = putDecimal(b, p, n);
      b[p++] = 13;
      b[p++] = 10;
      this.len = p;
      return;
    }
    this.ascii(`:${n}\r\n`);
  }

  bulk(s: string): void {
    const n = s.length;
    if (n > INLINE_PAYLOAD_BYTES_MAX) {
      this.ascii(`$${n}\r\n`);
      this.flushToPieces();
      const payload = Buffer.from(s, 'latin1');
      this.pieces.push(payload);
      this.piecesBytes += n;
      this.ascii('\r\n');
      return;
    }
    this.ensure(n + 24);
    const b = this.buf;
    let p = this.len;
    b[p++] = 0x24;
    p = putDecimal(b, p, n);
    b[p++] = 13;
    b[p++] = 10;
    p = putLatin1(b, p, s);
    b[p++] = 13;
    b[p++] = 10;
    this.len = p;
  }

  /** A bulk whose content is a number's decimal text (Redis's addReplyBulkLongLong). */
  bulkNumber(n: number | bigint): void {
    this.bulk(String(n));
  }

  bulkOrNull(s: string | undefined | null): void {
    if (s === undefined || s === null) this.null();
    else this.bulk(s);
  }

  /** The null reply: `$-1` in RESP2, `_` in RESP3. */
  null(): void {
    this.ascii(this.resp === 3 ? '_\r\n' : '$-1\r\n');
  }

  /** A null where RESP2 uses the null array (`*-1`), e.g. BLPOP timeout, EXEC abort. */
  nullArray(): void {
    this.ascii(this.resp === 3 ? '_\r\n' : '*-1\r\n');
  }

  arrayLen(n: number): void {
    this.ascii(`*${n}\r\n`);
  }

  /** A map of n pairs: `%n` in RESP3, an array of 2n items in RESP2. */
  mapLen(n: number): void {
    this.ascii(this.resp === 3 ? `%${n}\r\n` : `*${n * 2}\r\n`);
  }

  setLen(n: number): void {
    this.ascii(this.resp === 3 ? `~${n}\r\n` : `*${n}\r\n`);
  }

  /** Out-of-band push (pub/sub messages, invalidations): `>` in RESP3, an array in RESP2. */
  pushLen(n: number): void {
    this.ascii(this.resp === 3 ? `>${n}\r\n` : `*${n}\r\n`);
  }

  /** A double: `,` in RESP3, a bulk string formatted as Redis does in RESP2. */
  double(d: number): void {
    const text = formatDouble(d);
    if (this.resp === 3) this.ascii(`,${text}\r\n`);
    else this.bulk(text);
  }

  bool(b: boolean): void {
    if (this.resp === 3) this.ascii(b ? '#t\r\n' : '#f\r\n');
    else this.ascii(b ? ':1\r\n' : ':0\r\n');
  }

  bigNumber(digits: string): void {
    if (this.resp === 3) this.ascii(`(${digits}\r\n`);
    else this.bulk(digits);
  }

  /** Verbatim text (`=len\r\ntxt:...`) in RESP3, a bulk string in RESP2. `format` is three letters. */
  verbatim(text: string, format = 'txt'): void {
    if (this.resp !== 3) {
      this.bulk(text);
      return;
    }
    this.ascii(`=${text.length + 4}\r\n${format}:`);
    this.bulkBody(text);
  }

  /** Raw pre-encoded bytes (e.g. a cached reply). */
  raw(bytes: string): void {
    this.ensure(bytes.length);
    this.len += this.buf.latin1Write(bytes, this.len);
  }

  private bulkBody(s: string): void {
    this.ensure(s.length + 2);
    this.len += this.buf.latin1Write(s, this.len);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  private flushToPieces(): void {
    if (this.len === 0) return;
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.pieces.push(out);
    this.piecesBytes += this.len;
    this.len = 0;
  }
}

/** Doubles as Redis 7 prints them in replies: inf, -inf, nan, integers without a fraction, else %.17g. */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (Number.isInteger(d) && Math.abs(d) < 1e17) return Object.is(d, -0) ? '-0' : String(d);
  return formatG17(d);
}

/**
 * C's printf("%.17g"), which rounds exact ties half to even (JS's toExponential rounds them up).
 * A tie at the 17th digit shows as a 5 in the 18th when rounding to 18 digits, so only those
 * values take the exact BigInt path.
 */
export function formatG17(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const sign = d < 0 ? '-' : '';
  const abs = Math.abs(d);
  const e18 = abs.toExponential(17);
  if (e18.charCodeAt(e18.indexOf('e') - 1) === 0x35 /* 5 */) {
    const [digits, exp] = exactDigits17(abs);
    return sign + layoutG(digits, exp);
  }
  const e17 = abs.toExponential(16);
  const ePos = e17.indexOf('e');
  return sign + layoutG(e17[0] + e17.slice(2, ePos), Number(e17.slice(ePos + 1)));
}

/** %g layout of 17 significant `digits` with decimal exponent `exp`, trailing zeros removed. */
function layoutG(digits: string, exp: number): string {
  if (exp < -4 || exp >= 17) {
    const frac = digits.slice(1).replace(/0+$/, '');
    return `${digits[0]}${frac === '' ? '' : `.${frac}`}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = exp >= 0 ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}` : `0.${'0'.repeat(-exp - 1)}${digits}`;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

const TEN16 = 10n ** 16n;
const TEN17 = 10n ** 17n;

/** The 17 significant digits of a positive double, rounded half to even, and its decimal exponent. */
function exactDigits17(abs: number): [string, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  let m = bits & 0xfffffffffffffn;
  let e = -1074;
  if (biased !== 0) {
    m |= 1n << 52n;
    e = biased - 1075;
  }
  const num0 = e >= 0 ? m << BigInt(e) : m;
  const den0 = e >= 0 ? 1n : 1n << BigInt(-e);
  let exp = Math.floor(Math.log10(abs));
  let q: bigint;
  let r: bigint;
  let den: bigint;
  for (;;) {
    const shift = exp - 16;
    const num = shift < 0 ? num0 * 10n ** BigInt(-shift) : num0;
    den = shift > 0 ? den0 * 10n ** BigInt(shift) : den0;
    q = num / den;
    r = num % den;
    if (q >= TEN17) exp++;
    else if (q < TEN16) exp--;
    else break;
  }
  if (2n * r > den || (2n * r === den && (q & 1n) === 1n)) q++;
  if (q === TEN17) {
    q = TEN16;
    exp++;
  }
  return [String(q), exp];
}
