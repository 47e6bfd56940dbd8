/**
 * LZF, the compression Redis applies to RDB strings longer than 20 bytes (rdbcompression yes).
 *
 * The format (liblzf): a sequence of runs, each starting with a control byte `c`:
 *  - c < 32: a literal run; the next c + 1 bytes are copied to the output.
 *  - otherwise a back reference: length field L = c >> 5 (7 means "7 + the next byte"), then an
 *    offset low byte; the run copies L + 2 bytes starting ((c & 31) << 8 | low) + 1 bytes back in
 *    the output (the source may overlap the bytes being written).
 *
 * The compressor is a greedy one with a hash table of 3-byte prefixes. Its output need not match
 * liblzf byte for byte: any valid stream decompresses to the same bytes.
 */

/** Longest back reference: L = 7 + 255, plus 2. */
const MATCH_BYTES_MAX = 264;
/** Farthest back reference: 13 bits of offset, plus 1. */
const OFFSET_MAX = 8192;
/** Longest literal run. */
const LITERAL_BYTES_MAX = 32;
/** Hash table size (log2) for the largest inputs; small inputs use fewer slots, cheaper to clear. */
const HASH_BITS_MAX = 14;

/** Why a stream could not be decompressed; the caller adds where the stream was. */
export class LzfError extends Error {}

/**
 * Decompresses `input` into exactly `outputBytes` bytes. Throws LzfError when the stream is
 * malformed or does not produce exactly that many bytes.
 */
export function lzfDecompress(input: Uint8Array, outputBytes: number): Buffer {
  const out = Buffer.allocUnsafe(outputBytes);
  const inEnd = input.length;
  let ip = 0;
  let op = 0;
  while (ip < inEnd) {
    const ctrl = input[ip++];
    if (ctrl < 32) {
      const n = ctrl + 1;
      if (ip + n > inEnd) throw new LzfError('literal run past the end of the compressed data');
      if (op + n > outputBytes) throw new LzfError('output longer than announced');
      for (let k = 0; k < n; k++) out[op++] = input[ip++];
      continue;
    }
    let len = ctrl >>> 5;
    if (len === 7) {
      if (ip >= inEnd) throw new LzfError('back reference past the end of the compressed data');
      len += input[ip++];
    }
    if (ip >= inEnd) throw new LzfError('back reference past the end of the compressed data');
    const ref = op - (((ctrl & 0x1f) << 8) | input[ip++]) - 1;
    len += 2;
    if (ref < 0) throw new LzfError('back reference before the start of the output');
    if (op + len > outputBytes) throw new LzfError('output longer than announced');
    for (let k = 0; k < len; k++) out[op++] = out[ref + k];
  }
  if (op !== outputBytes) throw new LzfError(`output of ${op} bytes, ${outputBytes} announced`);
  return out;
}

/** Hash table reused across calls (the module runs on one thread); slots hold position + 1. */
const table = new Int32Array(1 << HASH_BITS_MAX);

/**
 * Compresses `input`; null when the result would be longer than `outputBytesMax` (Redis gives
 * liblzf len - 4 bytes and stores the string raw when that is not enough).
 */
export function lzfCompress(input: Uint8Array, outputBytesMax: number): Buffer | null {
  if (outputBytesMax <= 0) return null;
  const out = Buffer.allocUnsafe(lzfOutputBytes(outputBytesMax));
  const n = lzfCompressInto(input, input.length, out, outputBytesMax);
  return n === 0 ? null : out.subarray(0, n);
}

/** How large an output buffer lzfCompressInto needs for a bound of `outputBytesMax`. */
export function lzfOutputBytes(outputBytesMax: number): number {
  return outputBytesMax + MATCH_BYTES_MAX;
}

/**
 * Compresses `input[0, n)` into `out` (at least lzfOutputBytes(outputBytesMax) bytes); returns
 * the compressed length, or 0 when it would be longer than `outputBytesMax`. No allocation, for
 * callers that compress many strings with scratch buffers.
 */
export function lzfCompressInto(input: Uint8Array, n: number, out: Uint8Array, outputBytesMax: number): number {
  if (n === 0 || outputBytesMax <= 1) return 0;
  const bits = n < 256 ? 8 : n < 4096 ? 12 : HASH_BITS_MAX;
  const shift = 32 - bits;
  table.fill(0, 0, 1 << bits);
  let ip = 0;
  // The literal run being built: its control byte is at out[op - lit - 1].
  let op = 1;
  let lit = 0;
  while (ip + 2 < n) {
    if (op >= outputBytesMax) return 0;
    const h = Math.imul((input[ip] << 16) | (input[ip + 1] << 8) | input[ip + 2], 0x9e3779b1) >>> shift;
    const ref = table[h] - 1;
    table[h] = ip + 1;
    const off = ip - ref - 1;
    if (ref >= 0 && off < OFFSET_MAX && input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
      const maxLen = Math.min(MATCH_BYTES_MAX, n - ip);
      let len = 3;
      while (len < maxLen && input[ref + len] === input[ip + len]) len++;
      // Close the literal run (or drop its unused control byte).
      if (lit > 0) out[op - lit - 1] = lit - 1;
      else op--;
      const l = len - 2;
      if (l < 7) {
        out[op++] = (l << 5) | (off >>> 8);
      } else {
        out[op++] = (7 << 5) | (off >>> 8);
        out[op++] = l - 7;
      }
      out[op++] = off & 0xff;
      // Index the positions inside the match so later data can refer to them.
      const end = ip + len;
      for (let k = ip + 1; k < end && k + 2 < n; k++) {
        table[Math.imul((input[k] << 16) | (input[k + 1] << 8) | input[k + 2], 0x9e3779b1) >>> shift] = k + 1;
      }
      ip = end;
      lit = 0;
      op++;
      continue;
    }
    out[op++] = input[ip++];
    if (++lit === LITERAL_BYTES_MAX) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  while (ip < n) {
    if (op >= outputBytesMax) return 0;
    out[op++] = input[ip++];
    if (++lit === LITERAL_BYTES_MAX) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  if (lit > 0) out[op - lit - 1] = lit - 1;
  else op--;
  return op > outputBytesMax ? 0 : op;
}
