/**
 * Encodes commands as RESP multibulk requests into one growing buffer: the bytes of the AOF and
 * of the replication stream. Arguments are byte strings (one char per byte).
 */
import { putDecimal, putLatin1 } from './latin1.js';

const INITIAL_BYTES = 64 * 1024;

export class CommandEncoder {
  private buf: Buffer;
  private len = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes encoded and not taken yet. */
  get pendingBytes(): number {
    return this.len;
  }

  append(argv: readonly string[]): number {
    let need = 16;
    for (let i = 0; i < argv.length; i++) need += argv[i].length + 16;
    this.reserve(need);
    const b = this.buf;
    let at = this.len;
    // Headers and short arguments by hand: a native write per piece costs more than the copy.
    b[at++] = 0x2a;
    at = putDecimal(b, at, argv.length);
    b[at++] = 13;
    b[at++] = 10;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      b[at++] = 0x24;
      at = putDecimal(b, at, a.length);
      b[at++] = 13;
      b[at++] = 10;
      at = putLatin1(b, at, a);
      b[at++] = 13;
      b[at++] = 10;
    }
    const n = at - this.len;
    this.len = at;
    return n;
  }

  /** Appends bytes already encoded (an annotation line). */
  appendRaw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** The bytes encoded since the last take (a copy the caller owns), or null when there are none. */
  take(): Buffer | null {
    if (this.len === 0) return null;
    const out = Buffer.from(this.buf.subarray(0, this.len));
    this.len = 0;
    // A burst can grow the buffer a lot; do not keep it forever.
    if (this.buf.length > INITIAL_BYTES * 64) this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    return out;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

/**
 * One command as RESP bytes (a replica's REPLCONF ACK, tests). Sized to the command: a 64 KB
 * encoder per call gave a replica under write quorum a fresh 64 KB backing store per ACK, and V8
 * a young-generation GC for external memory pressure every ~1,000 of them.
 */
export function encodeCommand(argv: readonly string[]): Buffer {
  let need = 16;
  for (let i = 0; i < argv.length; i++) need += argv[i].length + 16;
  const e = new CommandEncoder(need);
  e.append(argv);
  return e.take()!;
}
