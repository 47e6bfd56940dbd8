/**
 * Concord's checksum annotation for AOF files: a line Redis's loader skips, so silent damage
 * inside bulk payloads (which RESP framing cannot see) is detected on load.
 *
 * Format, 23 bytes:  `#CRC:<16 lowercase hex digits>\r\n`
 *
 * The hex number is CRC-64/Jones (crc64.ts, the RDB checksum) of every byte from the end of the
 * previous `#CRC:` line, or from the start of the file (or of the command stream, after an RDB
 * preamble), up to the first byte of this line. Other annotations (`#TS:` lines) in between are
 * covered like commands. The writer starts a fresh file with the line for the empty range
 * (`#CRC:0000000000000000`), which tells a reader from the first byte that the file is annotated,
 * and appends one line after each batch it writes:
 *
 *     const sum = new AofChecksum();        // or AofReadResult.checksum when appending to a file
 *     if (fileIsEmpty) fd.write(sum.annotate());
 *     sum.update(batch);                    // the bytes of one write
 *     fd.write(Buffer.concat([batch, sum.annotate()]));
 *
 * Redis 7.0 skips any line whose first byte is `#` while loading (loadSingleAppendOnlyFile) and in
 * redis-check-aof (processAnnotations); lines must stay shorter than its 1024-byte annotation
 * buffer, which 23 bytes are. Verified against redis-server 7.0.15 (test/aof-reader.test.ts).
 */
import { Crc64 } from './crc64.js';

export const CRC_ANNOTATION_PREFIX = '#CRC:';
const PREFIX_BYTES = Buffer.from(CRC_ANNOTATION_PREFIX, 'latin1');
const CRC_HEX_DIGITS = 16;
/** Length of a whole annotation line, CRLF included. */
export const CRC_ANNOTATION_BYTES = PREFIX_BYTES.length + CRC_HEX_DIGITS + 2;

/**
 * A copy of a CRC register. Crc64 keeps its register in two own fields and has no clone():
 * Object.assign copies them, so the copy continues exactly where the original stands.
 */
export function cloneCrc64(crc: Crc64): Crc64 {
  return Object.assign(new Crc64(), crc);
}

/** The annotation line for a CRC value, or for a running Crc64 (read, not reset). */
export function checksumAnnotation(crc: Crc64 | bigint): Buffer {
  const value = typeof crc === 'bigint' ? crc : crc.value();
  const line = `${CRC_ANNOTATION_PREFIX}${value.toString(16).padStart(CRC_HEX_DIGITS, '0')}\r\n`;
  return Buffer.from(line, 'latin1');
}

/**
 * The CRC announced by an annotation line at `buf[start]`, or null when the bytes there are not
 * exactly `#CRC:` + 16 hex digits + CRLF (the caller has checked the prefix when it matters).
 */
export function parseChecksumAnnotation(buf: Uint8Array, start: number): bigint | null {
  if (start + CRC_ANNOTATION_BYTES > buf.length) return null;
  for (let i = 0; i < PREFIX_BYTES.length; i++) if (buf[start + i] !== PREFIX_BYTES[i]) return null;
  let hi = 0;
  let lo = 0;
  const digits = start + PREFIX_BYTES.length;
  for (let i = 0; i < CRC_HEX_DIGITS; i++) {
    const d = hexValue(buf[digits + i]);
    if (d < 0) return null;
    if (i < 8) hi = hi * 16 + d;
    else lo = lo * 16 + d;
  }
  const crlf = digits + CRC_HEX_DIGITS;
  if (buf[crlf] !== 13 || buf[crlf + 1] !== 10) return null;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Where the line at `buf[start]` (starting with `#CRC:`) stops being a well-formed annotation: the
 * first byte that is not a hex digit, CR or LF where the format has one, or the end of the line.
 */
export function checksumAnnotationBreak(buf: Uint8Array, start: number): number {
  let i = start + PREFIX_BYTES.length;
  for (const stop = i + CRC_HEX_DIGITS; i < stop; i++) if (hexValue(buf[i]) < 0) return i;
  if (buf[i] !== 13) return i;
  return buf[i + 1] !== 10 ? i + 1 : i + 2;
}

/** True when `buf[start..]` begins with `#CRC:` (possibly cut short by the end of `buf`). */
export function startsLikeChecksumAnnotation(buf: Uint8Array, start: number): boolean {
  const n = Math.min(PREFIX_BYTES.length, buf.length - start);
  for (let i = 0; i < n; i++) if (buf[start + i] !== PREFIX_BYTES[i]) return false;
  return true;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** The writer's side: a running CRC over the bytes written since the last annotation. */
export class AofChecksum {
  private crc: Crc64;
  /** Bytes covered since the last annotation (0 right after annotate()). */
  bytesSinceAnnotation = 0;

  constructor(crc: Crc64 = new Crc64(), bytesSinceAnnotation = 0) {
    this.crc = crc;
    this.bytesSinceAnnotation = bytesSinceAnnotation;
  }

  /** Covers `data[start, end)`: bytes the writer is about to write (or the reader has read). */
  update(data: Uint8Array, start = 0, end = data.length): this {
    this.crc.update(data, start, end);
    this.bytesSinceAnnotation += end - start;
    return this;
  }

  value(): bigint {
    return this.crc.value();
  }

  /** The annotation line for everything covered so far; the next range starts after it. */
  annotate(): Buffer {
    const line = checksumAnnotation(this.crc);
    this.crc = new Crc64();
    this.bytesSinceAnnotation = 0;
    return line;
  }

  clone(): AofChecksum {
    return new AofChecksum(cloneCrc64(this.crc), this.bytesSinceAnnotation);
  }
}
