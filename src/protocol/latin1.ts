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
