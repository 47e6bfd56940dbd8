/**
 * Byte-string <-> Buffer conversion on the hot path. Node's Buffer has had `latin1Slice` and
 * `latin1Write` since its first versions; `toString('latin1', ...)` and `write(s, off, 'latin1')`
 * reach them after argument normalisation that costs more than the copy for short strings.
 * Checked once at load, with the public methods as the fallback.
 */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number): number;
}

const probe = Buffer.alloc(1) as Partial<Latin1Buffer>;
const fast = typeof probe.latin1Slice === 'function' && typeof probe.latin1Write === 'function';

export const latin1Slice: (buf: Buffer, start: number, end: number) => string = fast
  ? (buf, start, end) => (buf as Latin1Buffer).latin1Slice(start, end)
  : (buf, start, end) => buf.toString('latin1', start, end);

export const latin1Write: (buf: Buffer, s: string, offset: number) => number = fast
  ? (buf, s, offset) => (buf as Latin1Buffer).latin1Write(s, offset)
  : (buf, s, offset) => buf.write(s, offset, 'latin1');
