/**
 * Preallocated space at the end of the incr AOF file, in a form Redis reads as annotations.
 *
 * Why: on ext4 (and most journaling file systems) an fdatasync after an append must also commit
 * the new file size through the journal: two device round trips. After an overwrite of blocks
 * that already hold data, it flushes only the data. Measured here (bench/compare.ts, SET -c 50
 * -P 1, appendfsync always), that is about a fifth more throughput. PostgreSQL zero-fills its WAL
 * segments for the same reason (wal_init_zero).
 *
 * Zeros would stop Redis's loader, so the space is filled with annotation lines, which Redis
 * (loadSingleAppendOnlyFile, redis-check-aof) skips:
 *
 *   - the pad byte at file offset `o` is LF when `o % 64 == 63`, else `#`: lines of 63 `#` and an
 *     LF, aligned to the file offset, so where the writer stands in the pattern never needs
 *     remembering, and every line stays far below Redis's 1024-byte annotation buffer;
 *   - the writer never ends a write right before a pad LF (that would leave an empty line, which
 *     Redis rejects): when it would, it adds the empty annotation `#\n` (LINE_FIX);
 *   - the padded region always ends with an LF, so a Redis that appends to the file starts on a
 *     fresh line.
 *
 * A clean close, and the writer moving to a new file, cut the pad off; Concord's loader cuts it
 * off the last file at start. Whatever crashed, Concord's reader tells the pad from commands
 * (a pad line holds nothing but `#`), and a write torn by a crash from damage: the bytes after
 * the torn command are all pad bytes (aof-reader.ts).
 */

/** Length of one pad line, LF included; the pattern repeats with this period. */
export const PAD_LINE_BYTES = 64;
/** The pad region ends on this boundary (a page: the extension writes whole pages). */
const PAD_END_ALIGN = 4096;
const HASH = 0x23;
const LF = 10;

/** The empty annotation line the writer adds so that its write does not end before a pad LF. */
export const LINE_FIX = Buffer.from('#\n', 'latin1');

/** The pad pattern from offset 0, long enough to slice any region of up to `bytes` from. */
let pattern = makePattern(PAD_END_ALIGN * 256);

function makePattern(bytes: number): Buffer {
  const buf = Buffer.alloc(bytes + PAD_LINE_BYTES, HASH);
  for (let i = PAD_LINE_BYTES - 1; i < buf.length; i += PAD_LINE_BYTES) buf[i] = LF;
  return buf;
}

/** True when the pad byte at `offset` is an LF: a write must not end right before it. */
export function endsBeforePadNewline(offset: number): boolean {
  return offset % PAD_LINE_BYTES === PAD_LINE_BYTES - 1;
}

/** The pad bytes for file offsets [from, to). */
export function padBytes(from: number, to: number): Buffer {
  const len = to - from;
  if (len + PAD_LINE_BYTES > pattern.length) pattern = makePattern(len);
  const phase = from % PAD_LINE_BYTES;
  return pattern.subarray(phase, phase + len);
}

/** Where a pad region holding `contentEnd + bytes` of content ends: a page boundary after it. */
export function padEndFor(contentEnd: number, bytes: number): number {
  return Math.ceil((contentEnd + bytes) / PAD_END_ALIGN) * PAD_END_ALIGN;
}

/** True when buf[from, to) holds only pad bytes (`#` and LF). */
export function allPadBytes(buf: Uint8Array, from = 0, to = buf.length): boolean {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c !== HASH && c !== LF) return false;
  }
  return true;
}

/** True when the line buf[start, lfAt] (LF included) is a pad line: one or more `#`, then the LF. */
export function isPadLine(buf: Uint8Array, start: number, lfAt: number): boolean {
  if (lfAt <= start) return false;
  for (let i = start; i < lfAt; i++) if (buf[i] !== HASH) return false;
  return true;
}
