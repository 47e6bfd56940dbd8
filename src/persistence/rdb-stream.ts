/**
 * Reading an RDB while it arrives (a replica's full sync): bytes are pushed as the socket gives
 * them and every item whose bytes are all here is read at once, so loading runs alongside the
 * transfer instead of after it, and only the bytes not read yet are held.
 *
 * An item cut short by the end of what has arrived fails like damage would (RdbReader checks
 * lengths against the bytes left), so a failure before end() means "wait": the item is read
 * again from its start once at least twice as many bytes are held. Doubling bounds the work
 * spent on one big key arriving in small reads to twice its size. After end(), a failure is
 * the file's.
 */
import { Crc64 } from './crc64.js';
import { RDB_END, RdbError, RdbReader, type RdbEntry } from './rdb-reader.js';

/** Smallest buffer the unread bytes are gathered in. */
const WINDOW_BYTES_MIN = 1 << 20;
const HEADER_BYTES = 9;
const CHECKSUM_BYTES = 8;

export class RdbStreamReader {
  /** Unread bytes are store[start, end); store[0] is byte `base` of the file. */
  private store = Buffer.allocUnsafe(WINDOW_BYTES_MIN);
  private start = 0;
  private end = 0;
  private base = 0;
  private ended = false;
  /** Bytes to hold before reading again after an item was cut short (0: read at once). */
  private waitFor = 0;
  private reader: RdbReader | null = null;
  private readonly crc = new Crc64();
  /** 'items' until the EOF opcode, then the checksum, then done. */
  private phase: 'items' | 'checksum' | 'done' = 'items';

  /** AUX fields read so far (repl-stream-db...). */
  get aux(): ReadonlyMap<string, string> {
    return this.reader?.aux ?? new Map();
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  /** Adds the next bytes of the file (copied: the caller may reuse `chunk`). */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('RdbStreamReader: push after end');
    if (this.end + chunk.length > this.store.length) this.makeRoom(chunk.length);
    this.store.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** No more bytes will come: what cannot be read now is damage. */
  finish(): void {
    this.ended = true;
    this.waitFor = 0;
  }

  /**
   * Reads every item whose bytes have arrived, passing keys to `onEntry`, until the bytes run
   * out or the file is done (false), or `stop()`, asked every 1024 keys, says to yield (true:
   * call again). Throws RdbError for damage, and after finish() for a file cut short.
   */
  read(onEntry: (entry: RdbEntry) => void, stop: () => boolean): boolean {
    if (this.phase !== 'done' && this.end - this.start >= this.waitFor) {
      this.waitFor = 0;
      if (this.reader !== null || this.readHeader()) {
        if (this.phase === 'items' && this.readItems(onEntry, stop)) return true;
        if (this.phase === 'checksum') this.readChecksum();
      }
    }
    if (this.phase === 'done' && this.end !== this.start) {
      throw new RdbError(`${this.end - this.start} unexpected bytes after the end of the file`, this.base + this.start);
    }
    if (this.ended && this.phase !== 'done') throw new RdbError('unexpected end of data', this.base + this.end);
    return false;
  }

  private readHeader(): boolean {
    if (this.end - this.start < HEADER_BYTES) {
      if (this.ended) throw new RdbError('not an RDB file (no REDIS magic)', 0);
      return false;
    }
    this.reader = new RdbReader(this.store.subarray(this.start, this.end));
    this.crc.update(this.store, this.start, this.start + HEADER_BYTES);
    this.start += HEADER_BYTES;
    return true;
  }

  /** True when it stopped to yield; false when out of bytes or past the EOF opcode. */
  private readItems(onEntry: (entry: RdbEntry) => void, stop: () => boolean): boolean {
    const reader = this.reader!;
    const store = this.store;
    reader.continueIn(store.subarray(0, this.end), this.start, this.base);
    let keys = 0;
    for (;;) {
      const at = reader.pos;
      let item: ReturnType<RdbReader['readItem']>;
      try {
        item = reader.readItem();
      } catch (err) {
        if (!(err instanceof RdbError) || this.ended) throw err;
        // Most likely cut short: read it again once twice its bytes so far are here.
        reader.pos = at;
        this.waitFor = 2 * (this.end - at);
        return false;
      } finally {
        if (reader.pos > this.start) {
          this.crc.update(store, this.start, reader.pos);
          this.start = reader.pos;
        }
      }
      if (item === RDB_END) {
        this.phase = reader.version >= 5 ? 'checksum' : 'done';
        return false;
      }
      if (item !== null) {
        onEntry(item);
        if ((++keys & 1023) === 0 && stop()) return true;
      }
    }
  }

  private readChecksum(): void {
    const at = this.start;
    if (this.end - at < CHECKSUM_BYTES) return;
    const store = this.store;
    let zero = true;
    for (let i = 0; i < CHECKSUM_BYTES; i++) if (store[at + i] !== 0) zero = false;
    if (!zero && !this.crc.equalsBytes(store, at)) {
      throw new RdbError(`checksum mismatch: file says ${store.readBigUInt64LE(at).toString(16)}, content gives ${this.crc.value().toString(16)}`, this.base + at, 'checksum');
    }
    this.start += CHECKSUM_BYTES;
    this.phase = 'done';
  }

  /** Moves the unread bytes to the front (of a bigger buffer when they need it) to fit `more`. */
  private makeRoom(more: number): void {
    const unread = this.end - this.start;
    const need = unread + more;
    const store = need <= this.store.length ? this.store : Buffer.allocUnsafe(Math.max(WINDOW_BYTES_MIN, 2 * need));
    this.store.copy(store, 0, this.start, this.end);
    this.store = store;
    this.base += this.start;
    this.end = unread;
    this.start = 0;
  }
}
