/**
 * Byte-string <-> Buffer conversion on the hot path. Node's Buffer has had `latin1Slice` and
 * `latin1Write` since its first versions; `toString('latin1', ...)` and `write(s, off, 'latin1')`
 * reach them after argument normalisation that costs more than the copy for short strings, and a
 * wrapper function around them shows in profiles, so callers use the methods directly.
 * Importing this module guarantees they exist (defined from the public methods if ever missing).
 */
declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    latin1Write(s: string, offset: number): number;
  }
}

const proto = Buffer.prototype as Partial<Buffer>;
if (typeof proto.latin1Slice !== 'function') {
  proto.latin1Slice = function latin1Slice(this: Buffer, start: number, end: number): string {
    return this.toString('latin1', start, end);
  };
}
if (typeof proto.latin1Write !== 'function') {
  proto.latin1Write = function latin1Write(this: Buffer, s: string, offset: number): number {
    return this.write(s, offset, 'latin1');
  };
}

export {};

/**
 * The byte string of `buf[start, start + len)`. Up to 16 bytes it is built in JavaScript by
 * String.fromCharCode, which costs half of a native `latin1Slice` call (measured: 27 ns against
 * 53 ns for 16 bytes, 14 ns against 55 ns for 3): most keys and values on the wire are that short.
 * Either way the result is a flat one-byte string.
 */
export function latin1String(buf: Buffer, start: number, len: number): string {
  const b = buf;
  const s = start;
  const f = String.fromCharCode;
  switch (len) {
    case 0: return '';
    case 1: return f(b[s]);
    case 2: return f(b[s], b[s + 1]);
    case 3: return f(b[s], b[s + 1], b[s + 2]);
    case 4: return f(b[s], b[s + 1], b[s + 2], b[s + 3]);
    case 5: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4]);
    case 6: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5]);
    case 7: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6]);
    case 8: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]);
    case 9: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8]);
    case 10: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9]);
    case 11: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10]);
    case 12: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11]);
    case 13: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12]);
    case 14: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13]);
    case 15: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14]);
    case 16: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15]);
    default: return b.latin1Slice(s, s + len);
  }
}

/** Strings up to this length are copied into a buffer by a JavaScript loop, longer ones natively. */
const SHORT_WRITE_CHARS = 32;

/** Writes the byte string `s` at `at`; returns the position after it. The caller ensured room. */
export function putLatin1(buf: Buffer, at: number, s: string): number {
  const n = s.length;
  if (n > SHORT_WRITE_CHARS) return at + buf.latin1Write(s, at);
  for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
  return at;
}

/** Writes the decimal digits of the non-negative safe integer `n` at `at`; returns the position after them. */
export function putDecimal(buf: Buffer, at: number, n: number): number {
  if (n < 10) {
    buf[at] = 0x30 + n;
    return at + 1;
  }
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  const end = at + digits;
  for (let i = end - 1, t = n; i >= at; i--, t = Math.floor(t / 10)) buf[i] = 0x30 + (t % 10);
  return end;
}

/** Names longer than this are not kept for reuse. */
const NAME_REUSE_BYTES_MAX = 32;

/**
 * Command names in a pipeline or a log repeat: the previous name's string is returned when the
 * bytes match, so no new string is made and its hash is already cached for the command table.
 */
export class RepeatedName {
  private last = '';

  at(buf: Buffer, start: number, len: number): string {
    const last = this.last;
    if (last.length === len && len <= NAME_REUSE_BYTES_MAX) {
      let i = 0;
      while (i < len && last.charCodeAt(i) === buf[start + i]) i++;
      if (i === len) return last;
    }
    const name = latin1String(buf, start, len);
    if (len <= NAME_REUSE_BYTES_MAX) this.last = name;
    return name;
  }
}
