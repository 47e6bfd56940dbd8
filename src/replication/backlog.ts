/**
 * The replication backlog: the last `size` bytes of the replication stream, so a replica that
 * reconnects with an offset still held gets only what it missed (PSYNC +CONTINUE).
 *
 * Offsets are Redis's: `offset` (master_repl_offset) counts every byte ever fed; the backlog holds
 * the bytes at offsets [firstOffset, offset], where firstOffset = offset - histlen + 1. A replica
 * asking PSYNC for offset `o` wants the bytes from `o` on; `o` may be offset + 1 (nothing missed).
 */

export class ReplicationBacklog {
  private buf: Buffer;
  /** Where the next byte goes in `buf`. */
  private idx = 0;
  private histlen = 0;
  /** Offset of the last byte fed (0 before any). */
  offset: number;

  constructor(size: number, startOffset = 0) {
    this.buf = Buffer.alloc(size);
    this.offset = startOffset;
  }

  get size(): number {
    return this.buf.length;
  }

  get historyBytes(): number {
    return this.histlen;
  }

  /** Offset of the oldest byte held (offset + 1 when empty), as repl_backlog_first_byte_offset. */
  get firstOffset(): number {
    return this.offset - this.histlen + 1;
  }

  feed(bytes: Uint8Array): void {
    this.offset += bytes.length;
    const size = this.buf.length;
    let src = bytes.length > size ? bytes.subarray(bytes.length - size) : bytes;
    while (src.length > 0) {
      const n = Math.min(size - this.idx, src.length);
      this.buf.set(src.subarray(0, n), this.idx);
      this.idx = (this.idx + n) % size;
      src = src.subarray(n);
    }
    this.histlen = Math.min(size, this.histlen + bytes.length);
  }

  /** True when the bytes from `from` (inclusive) to the end are held. */
  holds(from: number): boolean {
    return from >= this.firstOffset && from <= this.offset + 1;
  }

  /** The bytes from offset `from` (inclusive) to the end, as one or two slices (copies). */
  readFrom(from: number): Buffer[] {
    if (!this.holds(from)) throw new Error(`offset ${from} is not in the backlog`);
    const n = this.offset + 1 - from;
    if (n === 0) return [];
    const size = this.buf.length;
    const start = (this.idx - n + size) % size;
    if (start + n <= size) return [Buffer.from(this.buf.subarray(start, start + n))];
    return [Buffer.from(this.buf.subarray(start)), Buffer.from(this.buf.subarray(0, n - (size - start)))];
  }

  /** CONFIG SET repl-backlog-size: keeps as much recent history as fits. */
  resize(size: number): void {
    if (size === this.buf.length) return;
    const keep = Math.min(this.histlen, size);
    const recent = keep > 0 ? Buffer.concat(this.readFrom(this.offset + 1 - keep)) : Buffer.alloc(0);
    this.buf = Buffer.alloc(size);
    this.idx = 0;
    this.histlen = 0;
    const end = this.offset;
    this.offset -= keep;
    this.feed(recent);
    this.offset = end;
  }
}
