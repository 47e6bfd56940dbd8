/**
 * RDB writer: Concord's values -> an RDB file that redis-server >= 5 loads (format version 9).
 *
 * Only the plain encodings are written (what every Redis since 2.x reads): a string is raw,
 * integer-encoded (canonical integers that fit 32 bits, as rdbTryIntegerEncoding) or LZF-compressed
 * (longer than 20 bytes and at least 4 bytes smaller, as rdbSaveLzfStringObject); a list is
 * RDB_TYPE_LIST, a set RDB_TYPE_SET, a hash RDB_TYPE_HASH and a sorted set RDB_TYPE_ZSET_2
 * (binary double scores, written from the greatest to the smallest as Redis does). The loading
 * Redis re-encodes each value with its own settings (listpack, intset...).
 *
 * File layout:
 *   "REDIS0009"  AUX*  ( SELECTDB db  RESIZEDB keys expires  ( [EXPIRETIME_MS ms] type key value )* )*
 *   EOF  CRC64 (8 bytes, little-endian, of every byte before it)
 *
 * The writer is incremental so a snapshot can walk the keyspace in slices: call writeKey() as
 * keys come, takeChunks() whenever the bytes produced so far should go to disk or a socket, and
 * finish() once. Nothing here reads a clock: the caller passes the time for the ctime field.
 */
import type { Value } from '../keyspace/database.js';
import { HashValue } from '../keyspace/hash.js';
import { ListValue } from '../keyspace/list.js';
import { SetValue, isInt64Text } from '../keyspace/set.js';
import { ZSetValue } from '../keyspace/zset.js';
import '../protocol/latin1.js';
import { REDIS_COMPAT_VERSION } from '../server/version.js';
import { assert } from '../util/assert.js';
import { Crc64 } from './crc64.js';
import { lzfCompressInto, lzfOutputBytes } from './lzf.js';

/** The format version this writer produces (Redis 5.0 and later load it). */
export const RDB_VERSION_WRITTEN = 9;

/** Value types (rdb.h). */
export const RDB_TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE_PRE_GA: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
  HASH_METADATA_PRE_GA: 22,
  HASH_LISTPACK_EX_PRE_GA: 23,
  HASH_METADATA: 24,
  HASH_LISTPACK_EX: 25,
} as const;

/** Opcodes that are not value types (rdb.h). */
export const RDB_OPCODE = {
  SLOT_INFO: 244,
  FUNCTION2: 245,
  FUNCTION_PRE_GA: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

/** Special string encodings, after a length byte whose two top bits are 11. */
export const RDB_ENC = { INT8: 0, INT16: 1, INT32: 2, LZF: 3 } as const;

/** Strings longer than this are tried with LZF (Redis: len > 20). */
const LZF_MIN_BYTES = 21;
/** A chunk is sealed (and its CRC taken) once it holds this much. */
const CHUNK_BYTES = 64 * 1024;
/** A string at least this long is copied into a chunk of its own instead of the current one. */
const DIRECT_BYTES = 16 * 1024;
/**
 * Written chunks kept for reuse (see RdbWriter.recycle). A chunk's memory is outside V8's heap and
 * returns only when a GC collects its Buffer, which an idle server may not run for the whole save:
 * without reuse, the whole file could sit in memory at once.
 */
const SPARE_CHUNKS_MAX = 48;

/**
 * Bytes in chunks, with a running CRC-64 of every sealed chunk. `open` is the chunk being filled;
 * sealed chunks wait in `sealed` until taken.
 */
class ChunkSink {
  private open: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private sealed: Buffer[] = [];
  /** Full-size chunks already written out, ready to be filled again. */
  private readonly spare: Buffer[] = [];
  readonly crc = new Crc64();
  /** Bytes produced so far (sealed and open). */
  total = 0;

  private room(n: number): void {
    if (this.pos + n > this.open.length) this.seal(Math.max(CHUNK_BYTES, n));
  }

  /** Seals the open chunk (if it holds anything) and opens one of `capacity` bytes. */
  seal(capacity = CHUNK_BYTES): void {
    if (this.pos > 0) {
      const chunk = this.open.subarray(0, this.pos);
      this.crc.update(chunk);
      this.sealed.push(chunk);
      this.open = capacity === CHUNK_BYTES && this.spare.length > 0 ? this.spare.pop()! : Buffer.allocUnsafe(capacity);
      this.pos = 0;
    } else if (this.open.length < capacity) {
      this.open = Buffer.allocUnsafe(capacity);
    }
  }

  u8(b: number): void {
    this.room(1);
    this.open[this.pos++] = b;
    this.total++;
  }

  bytes(b: Uint8Array): void {
    if (b.length >= DIRECT_BYTES) {
      this.seal();
      const copy = Buffer.from(b);
      this.crc.update(copy);
      this.sealed.push(copy);
    } else {
      this.room(b.length);
      this.open.set(b, this.pos);
      this.pos += b.length;
    }
    this.total += b.length;
  }

  latin1(s: string): void {
    if (s.length >= DIRECT_BYTES) {
      this.seal();
      const copy = Buffer.from(s, 'latin1');
      this.crc.update(copy);
      this.sealed.push(copy);
    } else {
      this.room(s.length);
      this.open.latin1Write(s, this.pos);
      this.pos += s.length;
    }
    this.total += s.length;
  }

  u32be(n: number): void {
    this.room(4);
    this.open.writeUInt32BE(n, this.pos);
    this.pos += 4;
    this.total += 4;
  }

  u64be(n: number): void {
    this.room(8);
    this.open.writeBigUInt64BE(BigInt(n), this.pos);
    this.pos += 8;
    this.total += 8;
  }

  i64le(n: number): void {
    this.room(8);
    this.open.writeBigInt64LE(BigInt(n), this.pos);
    this.pos += 8;
    this.total += 8;
  }

  f64le(x: number): void {
    this.room(8);
    this.open.writeDoubleLE(x, this.pos);
    this.pos += 8;
    this.total += 8;
  }

  /** Takes back chunks from take() whose bytes are no longer needed. */
  recycle(chunks: readonly Buffer[]): void {
    for (const c of chunks) {
      if (this.spare.length >= SPARE_CHUNKS_MAX) return;
      const ab = c.buffer;
      // Only whole chunks this sink allocated (a sealed chunk is a view of the first bytes of one).
      if (c.byteOffset === 0 && ab.byteLength === CHUNK_BYTES && ab instanceof ArrayBuffer) this.spare.push(Buffer.from(ab));
    }
  }

  /** Every chunk produced since the last take (the open one is sealed first). */
  take(): Buffer[] {
    this.seal();
    const out = this.sealed;
    this.sealed = [];
    return out;
  }
}

/** Redis's length encoding: 6, 14, 32 or 64 bits. */
function writeLen(sink: ChunkSink, n: number): void {
  assert(Number.isSafeInteger(n) && n >= 0, 'rdb: bad length');
  if (n < 1 << 6) {
    sink.u8(n);
  } else if (n < 1 << 14) {
    sink.u8(0x40 | (n >>> 8));
    sink.u8(n & 0xff);
  } else if (n <= 0xffffffff) {
    sink.u8(0x80);
    sink.u32be(n);
  } else {
    sink.u8(0x81);
    sink.u64be(n);
  }
}

/** Reused buffers for LZF input and output (the writer runs on one thread); big strings get their own. */
const SCRATCH_KEPT_BYTES = 1 << 20;
const scratchBuffers: Buffer[] = [Buffer.allocUnsafe(4096), Buffer.allocUnsafe(4096)];

function scratch(slot: 0 | 1, n: number): Buffer {
  if (n <= scratchBuffers[slot].length) return scratchBuffers[slot];
  const b = Buffer.allocUnsafe(n);
  if (n <= SCRATCH_KEPT_BYTES) scratchBuffers[slot] = b;
  return b;
}

/** A byte string as Redis's rdbSaveRawString writes it: integer-encoded, LZF or raw. */
function writeString(sink: ChunkSink, s: string, compress: boolean): void {
  const len = s.length;
  if (len <= 11 && isInt64Text(s)) {
    const v = Number(s);
    if (v >= -(2 ** 7) && v < 2 ** 7) {
      sink.u8(0xc0 | RDB_ENC.INT8);
      sink.u8(v & 0xff);
      return;
    }
    if (v >= -(2 ** 15) && v < 2 ** 15) {
      sink.u8(0xc0 | RDB_ENC.INT16);
      sink.u8(v & 0xff);
      sink.u8((v >> 8) & 0xff);
      return;
    }
    if (v >= -(2 ** 31) && v < 2 ** 31) {
      sink.u8(0xc0 | RDB_ENC.INT32);
      sink.u8(v & 0xff);
      sink.u8((v >> 8) & 0xff);
      sink.u8((v >> 16) & 0xff);
      sink.u8((v >> 24) & 0xff);
      return;
    }
  }
  if (compress && len >= LZF_MIN_BYTES) {
    const input = scratch(0, len);
    input.latin1Write(s, 0);
    const out = scratch(1, lzfOutputBytes(len - 4));
    const packedBytes = lzfCompressInto(input, len, out, len - 4);
    if (packedBytes > 0) {
      sink.u8(0xc0 | RDB_ENC.LZF);
      writeLen(sink, packedBytes);
      writeLen(sink, len);
      sink.bytes(out.subarray(0, packedBytes));
      return;
    }
  }
  writeLen(sink, len);
  sink.latin1(s);
}

/** The RDB type byte Concord writes for `value`. */
export function rdbTypeOf(value: Value): number {
  if (typeof value === 'string') return RDB_TYPE.STRING;
  if (value instanceof ListValue) return RDB_TYPE.LIST;
  if (value instanceof SetValue) return RDB_TYPE.SET;
  if (value instanceof HashValue) return RDB_TYPE.HASH;
  if (value instanceof ZSetValue) return RDB_TYPE.ZSET_2;
  throw new Error(`rdb: cannot write a value of type '${value.type}' (not supported yet)`);
}

/** The value's body (without the type byte). */
function writeValue(sink: ChunkSink, value: Value, compress: boolean): void {
  if (typeof value === 'string') {
    writeString(sink, value, compress);
  } else if (value instanceof ListValue) {
    const n = value.size;
    writeLen(sink, n);
    for (let i = 0; i < n; i++) writeString(sink, value.at(i), compress);
  } else if (value instanceof SetValue) {
    const members = value.members();
    writeLen(sink, members.length);
    for (const m of members) writeString(sink, m, compress);
  } else if (value instanceof HashValue) {
    writeLen(sink, value.fields.size);
    for (const [f, v] of value.fields) {
      writeString(sink, f, compress);
      writeString(sink, v, compress);
    }
  } else if (value instanceof ZSetValue) {
    const n = value.size;
    writeLen(sink, n);
    // From the greatest to the smallest, as Redis does: each insert into the loader's skiplist
    // then lands at its head.
    value.index.walk(n - 1, n, true, (member, score) => {
      writeString(sink, member, compress);
      sink.f64le(score);
    });
  } else {
    rdbTypeOf(value);
  }
}

export interface RdbWriterOptions {
  /** Wall-clock time of the snapshot in ms (the `ctime` aux field). */
  nowMs: number;
  /** The `used-mem` aux field. Default 0. */
  usedMemBytes?: number;
  /** LZF-compress strings longer than 20 bytes (Redis's rdbcompression). Default true. */
  compression?: boolean;
  /** The file is the base of a multi-part AOF (the `aof-base` aux field). Default false. */
  aofBase?: boolean;
  /** More aux fields, written after the standard ones (repl-id, repl-offset...). */
  aux?: ReadonlyArray<readonly [string, string]>;
}

/**
 * Writes one RDB file incrementally. Usage:
 *   const w = new RdbWriter({ nowMs });
 *   w.selectDb(0, db.size, db.expires.size);        // optional: sizes for RESIZEDB
 *   w.writeKey(0, key, value, expireAtMs);          // any number of times
 *   out.write(w.takeChunks());                       // whenever convenient
 *   out.write(w.finish());                           // EOF and checksum
 * Keys of one db should come together: each change of db writes a SELECTDB.
 */
export class RdbWriter {
  private readonly sink = new ChunkSink();
  private readonly compress: boolean;
  private db = -1;
  private readonly sizeHints = new Map<number, [keys: number, expires: number]>();
  private finished = false;

  constructor(options: RdbWriterOptions) {
    this.compress = options.compression ?? true;
    const s = this.sink;
    s.latin1(`REDIS${String(RDB_VERSION_WRITTEN).padStart(4, '0')}`);
    this.aux('redis-ver', REDIS_COMPAT_VERSION);
    this.aux('redis-bits', '64');
    this.aux('ctime', String(Math.floor(options.nowMs / 1000)));
    this.aux('used-mem', String(options.usedMemBytes ?? 0));
    for (const [k, v] of options.aux ?? []) this.aux(k, v);
    this.aux('aof-base', options.aofBase === true ? '1' : '0');
  }

  private aux(key: string, value: string): void {
    this.sink.u8(RDB_OPCODE.AUX);
    writeString(this.sink, key, this.compress);
    writeString(this.sink, value, this.compress);
  }

  /** Sizes that selectDb() announces for `db` when writeKey() starts it. */
  hintSizes(db: number, keys: number, expires: number): void {
    this.sizeHints.set(db, [keys, expires]);
  }

  /**
   * Starts db `db`, announcing its size (RESIZEDB: a hint the loader uses to presize its tables;
   * 0 is fine when unknown). writeKey() calls this itself when the db changes, with the sizes
   * given to hintSizes(), or zeros.
   */
  selectDb(db: number, keys = this.sizeHints.get(db)?.[0] ?? 0, expires = this.sizeHints.get(db)?.[1] ?? 0): void {
    assert(!this.finished, 'rdb: write after finish');
    assert(Number.isSafeInteger(db) && db >= 0, 'rdb: bad db number');
    const s = this.sink;
    s.u8(RDB_OPCODE.SELECTDB);
    writeLen(s, db);
    s.u8(RDB_OPCODE.RESIZEDB);
    writeLen(s, keys);
    writeLen(s, expires);
    this.db = db;
  }

  /**
   * Appends one key. `expireAtMs` is the absolute expiry time in ms, or undefined/null for none.
   * Empty collections must not be written (Redis skips them on load).
   */
  writeKey(db: number, key: string, value: Value, expireAtMs?: number | null): void {
    assert(!this.finished, 'rdb: write after finish');
    if (typeof value !== 'string') assert(value.size > 0, 'rdb: empty collection');
    const type = rdbTypeOf(value);
    if (db !== this.db) this.selectDb(db);
    const s = this.sink;
    if (expireAtMs !== undefined && expireAtMs !== null) {
      assert(Number.isSafeInteger(expireAtMs), 'rdb: expiry time must be an integer number of ms');
      s.u8(RDB_OPCODE.EXPIRETIME_MS);
      s.i64le(expireAtMs);
    }
    s.u8(type);
    writeString(s, key, this.compress);
    writeValue(s, value, this.compress);
  }

  /** Bytes produced so far (including those not taken yet). */
  get bytesWritten(): number {
    return this.sink.total;
  }

  /** The bytes produced since the last call, in order. */
  takeChunks(): Buffer[] {
    return this.sink.take();
  }

  /**
   * Hands back chunks from takeChunks() once they are on disk: the writer fills them again, so a
   * save holds a few chunks at a time however big the file. Only for chunks nothing else still reads.
   */
  recycle(chunks: readonly Buffer[]): void {
    this.sink.recycle(chunks);
  }

  /** Ends the file (EOF opcode and CRC-64) and returns the remaining chunks. */
  finish(): Buffer[] {
    assert(!this.finished, 'rdb: finished twice');
    this.finished = true;
    this.sink.u8(RDB_OPCODE.EOF);
    const chunks = this.sink.take();
    chunks.push(this.sink.crc.bytes());
    return chunks;
  }
}

/** One key to write with writeRdb(). */
export interface RdbKey {
  db: number;
  key: string;
  value: Value;
  expireAtMs?: number | null;
}

/** A whole file in one buffer (tests, small datasets). */
export function writeRdb(keys: Iterable<RdbKey>, options: RdbWriterOptions): Buffer {
  const w = new RdbWriter(options);
  const chunks: Buffer[] = [];
  for (const k of keys) w.writeKey(k.db, k.key, k.value, k.expireAtMs);
  chunks.push(...w.takeChunks(), ...w.finish());
  return Buffer.concat(chunks);
}

/**
 * A DUMP payload, as Redis's createDumpPayload: type byte, value, the RDB version (2 bytes,
 * little-endian) and the CRC-64 of all that (8 bytes, little-endian). The version is 9, so Redis 5
 * and later RESTORE it.
 */
export function encodeDumpPayload(value: Value, compression = true): Buffer {
  const sink = new ChunkSink();
  sink.u8(rdbTypeOf(value));
  writeValue(sink, value, compression);
  sink.u8(RDB_VERSION_WRITTEN & 0xff);
  sink.u8(RDB_VERSION_WRITTEN >>> 8);
  const chunks = sink.take();
  chunks.push(sink.crc.bytes());
  return Buffer.concat(chunks);
}
