/**
 * RDB reader: an RDB file (format versions 1 to 12: Redis up to 7.4; tested with 9 to 12) or a DUMP
 * payload -> Concord's values.
 *
 * Reads every encoding Redis writes for the types Concord has: plain strings, integer-encoded and
 * LZF-compressed strings; lists as plain lists, ziplists, quicklists of ziplists (14) and
 * quicklists of listpacks with plain and packed nodes (18); sets as plain sets, intsets and
 * listpacks (7.2); hashes as plain hashes, zipmaps, ziplists and listpacks; sorted sets as
 * ZSET (string scores), ZSET_2 (binary scores), ziplists and listpacks. Each value is rebuilt the
 * way Concord's commands build it (HashValue.set, SetValue.of, ListValue.from,
 * ZSetValue.fromSorted), so its encoding flag is what Redis 7.0 would pick after loading.
 *
 * Skipped: LRU/LFU hints (IDLE, FREQ), SLOT_INFO hints, module aux data (its module's name is
 * reported in `moduleAux`). Kept: AUX fields, function libraries (FUNCTION2: the library code,
 * in `functions`), RESIZEDB size hints (passed to `onSizeHint`). Refused with an RdbError naming what it is: streams, module values,
 * hashes with field expiration (7.4), the pre-release function format.
 *
 * Every read is bounds-checked and every count is checked against the bytes left, so a damaged
 * file gives an RdbError (with its byte offset), never a crash, a hang or a huge allocation. The
 * CRC-64 at the end is verified once the last key is read (a zero checksum means "not computed",
 * as Redis allows): keys yielded before a checksum failure must be discarded by the caller.
 */
import { constants as bufferConstants } from 'node:buffer';
import type { Value } from '../keyspace/database.js';
import { HASH_FIELDS_MAX, HashValue } from '../keyspace/hash.js';
import { LIST_ELEMENTS_MAX, ListValue } from '../keyspace/list.js';
import { SET_MEMBERS_MAX, SetValue } from '../keyspace/set.js';
import { ZSET_MEMBERS_MAX, ZSetValue, fitsListpack, parseScore } from '../keyspace/zset.js';
import { latin1String } from '../protocol/latin1.js';
import { Crc64 } from './crc64.js';
import { LzfError, lzfDecompress } from './lzf.js';
import { RDB_ENC, RDB_OPCODE, RDB_TYPE } from './rdb-writer.js';

/** Newest format version read (Redis 7.4). */
export const RDB_VERSION_READ_MAX = 12;
/** Oldest format version read. */
export const RDB_VERSION_READ_MIN = 1;

/** LZF turns 3 input bytes into at most 264 output bytes: a larger announced size is damage. */
const LZF_RATIO_MAX = 90;
/** The longest JS string this runtime makes; a longer RDB string cannot be held. */
const STRING_BYTES_MAX = bufferConstants.MAX_STRING_LENGTH;

/** Quicklist v2 node containers. */
const QUICKLIST_NODE_PLAIN = 1;
const QUICKLIST_NODE_PACKED = 2;

/** Module value opcodes (RDB_MODULE_OPCODE_*). */
const MODULE_OPCODE_EOF = 0;
const MODULE_OPCODE_SINT = 1;
const MODULE_OPCODE_UINT = 2;
const MODULE_OPCODE_FLOAT = 3;
const MODULE_OPCODE_DOUBLE = 4;
const MODULE_OPCODE_STRING = 5;
const MODULE_NAME_CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export type RdbErrorKind = 'format' | 'checksum' | 'unsupported';

/** A file or payload that cannot be read: damaged ('format', 'checksum') or holding what Concord lacks ('unsupported'). */
export class RdbError extends Error {
  constructor(
    readonly reason: string,
    /** Byte offset in the file (or payload) where the problem was found. */
    readonly offset: number,
    readonly kind: RdbErrorKind = 'format',
  ) {
    super(`Bad RDB data: ${reason} (at byte ${offset})`);
  }
}

/** One key read from a file. */
export interface RdbEntry {
  db: number;
  key: string;
  value: Value;
  /** Absolute expiry time in ms, or null. Keys already past it are returned too: the loader decides. */
  expireAtMs: number | null;
  /** The RDB type byte the value was stored with (RDB_TYPE). */
  rdbType: number;
}

export interface RdbReadOptions {
  /**
   * Allow bytes after the checksum (an AOF base file with an RDB preamble continues with
   * commands); `end` tells where the RDB part stopped. Default false: trailing bytes are damage.
   */
  allowTrailingBytes?: boolean;
  /** Called with each RESIZEDB hint: db `db` will hold about `keys` keys (untrusted: a hint). */
  onSizeHint?: (db: number, keys: number) => void;
}

/** Counts of what the reader met, for logs and tests. */
export interface RdbReadStats {
  lzfStrings: number;
  intStrings: number;
  /** Quicklist v2 nodes holding one large element. */
  quicklistPlainNodes: number;
  /** Keys whose collection was empty (Redis skips them too). */
  emptyKeysSkipped: number;
}

function moduleName(id: bigint): string {
  let rest = id >> 10n;
  let name = '';
  for (let j = 0; j < 9; j++) {
    name = MODULE_NAME_CHARSET[Number(rest & 63n)] + name;
    rest >>= 6n;
  }
  return name;
}

/** A score written as text (ziplist, listpack, RDB_TYPE_ZSET), as strtod reads it; null when not a number. */
function parseScoreText(text: string): number | null {
  if (text === 'inf' || text === '+inf') return Infinity;
  if (text === '-inf') return -Infinity;
  if (text.length > 0 && text.trim() === text) {
    const v = Number(text);
    if (!Number.isNaN(v)) return v;
  }
  return parseScore(text);
}

/** (score, member) ascending, as Concord's sorted-set index orders them. */
function comparePairs(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  if (m1 < m2) return -1;
  if (m1 > m2) return 1;
  return 0;
}

/**
 * The decoding core, shared by files and DUMP payloads: a position in a buffer and the readers
 * of lengths, strings and values.
 */
class Decoder {
  pos: number;

  /** `base`: the file offset of buf[0], for error positions (a stream read holds a window of the file). */
  constructor(
    readonly buf: Buffer,
    pos: number,
    readonly stats: RdbReadStats = { lzfStrings: 0, intStrings: 0, quicklistPlainNodes: 0, emptyKeysSkipped: 0 },
    readonly base = 0,
  ) {
    this.pos = pos;
  }

  fail(reason: string, at = this.pos, kind: RdbErrorKind = 'format'): never {
    throw new RdbError(reason, at + this.base, kind);
  }

  need(n: number): void {
    if (n > this.buf.length - this.pos) this.fail(`unexpected end of data (${n} bytes needed, ${this.buf.length - this.pos} left)`);
  }

  get left(): number {
    return this.buf.length - this.pos;
  }

  u8(): number {
    if (this.pos >= this.buf.length) this.fail('unexpected end of data');
    return this.buf[this.pos++];
  }

  /** A count of items that take at least `bytesEach` bytes each: bounded by what is left. */
  count(what: string, bytesEach = 1): number {
    const at = this.pos;
    const n = this.readLen();
    if (n > this.left / bytesEach) this.fail(`${what} of ${n} items cannot fit in the ${this.left} bytes left`, at);
    return n;
  }

  /** The rest of a length whose first byte is `first` (type = its top two bits, not 3). */
  private lenRest(first: number, at: number): number {
    switch (first >> 6) {
      case 0:
        return first & 0x3f;
      case 1:
        return ((first & 0x3f) << 8) | this.u8();
      default: {
        if (first === 0x80) {
          this.need(4);
          const n = this.buf.readUInt32BE(this.pos);
          this.pos += 4;
          return n;
        }
        if (first === 0x81) {
          this.need(8);
          const n = this.buf.readBigUInt64BE(this.pos);
          this.pos += 8;
          if (n > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`length ${n} too large`, at);
          return Number(n);
        }
        return this.fail(`bad length encoding 0x${first.toString(16)}`, at);
      }
    }
  }

  readLen(): number {
    const at = this.pos;
    const first = this.u8();
    if (first >> 6 === 3) this.fail('an encoded string where a length was expected', at);
    return this.lenRest(first, at);
  }

  /** A length as a 64-bit unsigned integer (module ids and values). */
  readLenBig(): bigint {
    const at = this.pos;
    const first = this.u8();
    if (first === 0x81) {
      this.need(8);
      const n = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      return n;
    }
    if (first >> 6 === 3) this.fail('an encoded string where a length was expected', at);
    return BigInt(this.lenRest(first, at));
  }

  /** An integer-encoded string's text (encoding 0..2 after 0b11). */
  private intString(enc: number, at: number): string {
    this.stats.intStrings++;
    switch (enc) {
      case RDB_ENC.INT8:
        this.need(1);
        return String(this.buf.readInt8(this.pos++));
      case RDB_ENC.INT16: {
        this.need(2);
        const v = this.buf.readInt16LE(this.pos);
        this.pos += 2;
        return String(v);
      }
      case RDB_ENC.INT32: {
        this.need(4);
        const v = this.buf.readInt32LE(this.pos);
        this.pos += 4;
        return String(v);
      }
      default:
        return this.fail(`unknown string encoding ${enc}`, at);
    }
  }

  /** The bytes of an LZF-compressed string (after its 0xC3 byte). */
  private lzf(at: number): Buffer {
    const clen = this.readLen();
    const ulen = this.readLen();
    this.need(clen);
    if (ulen > clen * LZF_RATIO_MAX + 64) this.fail(`LZF string of ${clen} bytes cannot expand to ${ulen}`, at);
    this.stats.lzfStrings++;
    const input = this.buf.subarray(this.pos, this.pos + clen);
    this.pos += clen;
    try {
      return lzfDecompress(input, ulen);
    } catch (err) {
      if (err instanceof LzfError) this.fail(`bad LZF data: ${err.message}`, at);
      throw err;
    }
  }

  /** A string (Redis's rdbGenericLoadStringObject) as a byte string. */
  readString(): string {
    const at = this.pos;
    const first = this.u8();
    if (first >> 6 === 3) {
      const enc = first & 0x3f;
      if (enc !== RDB_ENC.LZF) return this.intString(enc, at);
      const bytes = this.lzf(at);
      if (bytes.length > STRING_BYTES_MAX) this.fail(`string of ${bytes.length} bytes is longer than this runtime's maximum`, at, 'unsupported');
      return bytes.latin1Slice(0, bytes.length);
    }
    const len = this.lenRest(first, at);
    this.need(len);
    if (len > STRING_BYTES_MAX) this.fail(`string of ${len} bytes is longer than this runtime's maximum`, at, 'unsupported');
    const s = latin1String(this.buf, this.pos, len);
    this.pos += len;
    return s;
  }

  /** A string holding an encoded structure (ziplist, listpack, intset, zipmap) as bytes. */
  readBlob(what: string): Buffer {
    const at = this.pos;
    const first = this.u8();
    if (first >> 6 === 3) {
      const enc = first & 0x3f;
      if (enc === RDB_ENC.LZF) return this.lzf(at);
      this.fail(`${what} stored as an integer`, at);
    }
    const len = this.lenRest(first, at);
    this.need(len);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  /** A double as RDB_TYPE_ZSET stores it: a length byte (253 nan, 254 inf, 255 -inf) and text. */
  private readTextDouble(): number {
    const at = this.pos;
    const len = this.u8();
    if (len === 253) this.fail('NaN score', at);
    if (len === 254) return Infinity;
    if (len === 255) return -Infinity;
    this.need(len);
    const text = this.buf.latin1Slice(this.pos, this.pos + len);
    this.pos += len;
    const v = parseScoreText(text);
    if (v === null) this.fail(`bad score ${JSON.stringify(text)}`, at);
    return v;
  }

  private readBinaryDouble(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A module id: reported by its name (9 characters) when it is not supported. */
  private moduleNameAt(): string {
    return moduleName(this.readLenBig());
  }

  /** Skips a module value saved in the self-describing format (opcode, value)* EOF. */
  skipModuleValue(): void {
    for (;;) {
      const at = this.pos;
      const op = this.readLen();
      switch (op) {
        case MODULE_OPCODE_EOF:
          return;
        case MODULE_OPCODE_SINT:
        case MODULE_OPCODE_UINT:
          this.readLenBig();
          break;
        case MODULE_OPCODE_FLOAT:
          this.need(4);
          this.pos += 4;
          break;
        case MODULE_OPCODE_DOUBLE:
          this.need(8);
          this.pos += 8;
          break;
        case MODULE_OPCODE_STRING:
          this.readBlob('module string');
          break;
        default:
          this.fail(`unknown module data opcode ${op}`, at);
      }
    }
  }

  /** Reads the module aux record after its opcode; returns the module's name. */
  skipModuleAux(): string {
    const at = this.pos;
    const name = this.moduleNameAt();
    const whenOpcode = this.readLen();
    this.readLen();
    if (whenOpcode !== MODULE_OPCODE_UINT) this.fail(`bad 'when' opcode ${whenOpcode} in the aux data of module '${name}'`, at);
    this.skipModuleValue();
    return name;
  }

  /**
   * A value of RDB type `type` (the byte already read); null for an empty collection.
   * `at` is where the value's record began, for messages.
   */
  readValue(type: number, at: number): Value | null {
    switch (type) {
      case RDB_TYPE.STRING:
        return this.readString();
      case RDB_TYPE.LIST: {
        const n = this.count('list');
        const items: string[] = [];
        for (let i = 0; i < n; i++) items.push(this.readString());
        return this.list(items, at);
      }
      case RDB_TYPE.SET: {
        const n = this.count('set');
        const items: string[] = [];
        for (let i = 0; i < n; i++) items.push(this.readString());
        return this.set(items, at);
      }
      case RDB_TYPE.ZSET:
      case RDB_TYPE.ZSET_2: {
        const n = this.count('sorted set', type === RDB_TYPE.ZSET_2 ? 9 : 2);
        const members: string[] = [];
        const scores: number[] = [];
        for (let i = 0; i < n; i++) {
          members.push(this.readString());
          const scoreAt = this.pos;
          const score = type === RDB_TYPE.ZSET_2 ? this.readBinaryDouble() : this.readTextDouble();
          if (Number.isNaN(score)) this.fail('NaN score', scoreAt);
          scores.push(score);
        }
        return this.zset(members, scores, at);
      }
      case RDB_TYPE.HASH: {
        const n = this.count('hash', 2);
        const items: string[] = [];
        for (let i = 0; i < 2 * n; i++) items.push(this.readString());
        return this.hash(items, at);
      }
      case RDB_TYPE.HASH_ZIPMAP: {
        const blobAt = this.pos;
        return this.hash(parseZipmap(this.readBlob('zipmap'), blobAt), at);
      }
      case RDB_TYPE.LIST_ZIPLIST: {
        const blobAt = this.pos;
        return this.list(parseZiplist(this.readBlob('ziplist'), blobAt), at);
      }
      case RDB_TYPE.SET_INTSET: {
        const blobAt = this.pos;
        return this.set(parseIntset(this.readBlob('intset'), blobAt), at);
      }
      case RDB_TYPE.SET_LISTPACK: {
        const blobAt = this.pos;
        return this.set(parseListpack(this.readBlob('listpack'), blobAt), at);
      }
      case RDB_TYPE.ZSET_ZIPLIST:
      case RDB_TYPE.ZSET_LISTPACK: {
        const blobAt = this.pos;
        const blob = this.readBlob(type === RDB_TYPE.ZSET_ZIPLIST ? 'ziplist' : 'listpack');
        const items = type === RDB_TYPE.ZSET_ZIPLIST ? parseZiplist(blob, blobAt) : parseListpack(blob, blobAt);
        if (items.length % 2 !== 0) this.fail('sorted set encoding with an odd number of entries', blobAt);
        const members: string[] = [];
        const scores: number[] = [];
        for (let i = 0; i < items.length; i += 2) {
          const score = parseScoreText(items[i + 1]);
          if (score === null || Number.isNaN(score)) this.fail(`bad score ${JSON.stringify(items[i + 1])}`, blobAt);
          members.push(items[i]);
          scores.push(score);
        }
        return this.zset(members, scores, at);
      }
      case RDB_TYPE.HASH_ZIPLIST:
      case RDB_TYPE.HASH_LISTPACK: {
        const blobAt = this.pos;
        const blob = this.readBlob(type === RDB_TYPE.HASH_ZIPLIST ? 'ziplist' : 'listpack');
        const items = type === RDB_TYPE.HASH_ZIPLIST ? parseZiplist(blob, blobAt) : parseListpack(blob, blobAt);
        if (items.length % 2 !== 0) this.fail('hash encoding with an odd number of entries', blobAt);
        return this.hash(items, at);
      }
      case RDB_TYPE.LIST_QUICKLIST:
      case RDB_TYPE.LIST_QUICKLIST_2: {
        const nodes = this.count('quicklist', 2);
        const items: string[] = [];
        for (let i = 0; i < nodes; i++) {
          let container = QUICKLIST_NODE_PACKED;
          if (type === RDB_TYPE.LIST_QUICKLIST_2) {
            const containerAt = this.pos;
            container = this.readLen();
            if (container !== QUICKLIST_NODE_PLAIN && container !== QUICKLIST_NODE_PACKED) {
              this.fail(`bad quicklist node container ${container}`, containerAt);
            }
          }
          if (container === QUICKLIST_NODE_PLAIN) {
            this.stats.quicklistPlainNodes++;
            items.push(this.readString());
            continue;
          }
          const blobAt = this.pos;
          const blob = this.readBlob(type === RDB_TYPE.LIST_QUICKLIST ? 'ziplist' : 'listpack');
          const node = type === RDB_TYPE.LIST_QUICKLIST ? parseZiplist(blob, blobAt) : parseListpack(blob, blobAt);
          if (items.length + node.length > LIST_ELEMENTS_MAX) this.tooBig('list', items.length + node.length, LIST_ELEMENTS_MAX, at);
          for (const e of node) items.push(e);
        }
        return this.list(items, at);
      }
      case RDB_TYPE.MODULE_PRE_GA:
      case RDB_TYPE.MODULE_2: {
        const name = this.moduleNameAt();
        return this.fail(`value of module type '${name}' (RDB type ${type}): module values are not supported`, at, 'unsupported');
      }
      case RDB_TYPE.STREAM_LISTPACKS:
      case RDB_TYPE.STREAM_LISTPACKS_2:
      case RDB_TYPE.STREAM_LISTPACKS_3:
        return this.fail(`stream value (RDB type ${type}): streams are not supported yet`, at, 'unsupported');
      case RDB_TYPE.HASH_METADATA_PRE_GA:
      case RDB_TYPE.HASH_LISTPACK_EX_PRE_GA:
      case RDB_TYPE.HASH_METADATA:
      case RDB_TYPE.HASH_LISTPACK_EX:
        return this.fail(`hash with field expiration (RDB type ${type}): not supported yet`, at, 'unsupported');
      default:
        return this.fail(`unknown RDB type ${type}`, at);
    }
  }

  private tooBig(what: string, n: number, max: number, at: number): never {
    return this.fail(`${what} of ${n} elements is over Concord's maximum of ${max}`, at, 'unsupported');
  }

  private list(items: string[], at: number): ListValue | null {
    if (items.length === 0) return this.empty();
    if (items.length > LIST_ELEMENTS_MAX) this.tooBig('list', items.length, LIST_ELEMENTS_MAX, at);
    return ListValue.from(items);
  }

  private set(items: string[], at: number): SetValue | null {
    if (items.length === 0) return this.empty();
    if (items.length > SET_MEMBERS_MAX) this.tooBig('set', items.length, SET_MEMBERS_MAX, at);
    const s = SetValue.of(items);
    if (s.size !== items.length) this.fail('duplicate set members', at);
    return s;
  }

  /** `items` alternates field, value. */
  private hash(items: string[], at: number): HashValue | null {
    if (items.length === 0) return this.empty();
    if (items.length / 2 > HASH_FIELDS_MAX) this.tooBig('hash', items.length / 2, HASH_FIELDS_MAX, at);
    const h = new HashValue();
    for (let i = 0; i < items.length; i += 2) {
      if (!h.set(items[i], items[i + 1])) this.fail(`duplicate hash field ${JSON.stringify(items[i])}`, at);
    }
    return h;
  }

  private zset(members: string[], scores: number[], at: number): ZSetValue | null {
    const n = members.length;
    if (n === 0) return this.empty();
    if (n > ZSET_MEMBERS_MAX) this.tooBig('sorted set', n, ZSET_MEMBERS_MAX, at);
    // Redis writes listpacks ascending and skiplists descending: check those before sorting.
    let ascending = true;
    let descending = true;
    for (let i = 1; i < n && (ascending || descending); i++) {
      const c = comparePairs(scores[i - 1], members[i - 1], scores[i], members[i]);
      if (c >= 0) ascending = false;
      if (c <= 0) descending = false;
    }
    let m = members;
    let s = scores;
    if (!ascending) {
      if (descending) {
        m = members.reverse();
        s = scores.reverse();
      } else {
        const order = Array.from({ length: n }, (_, i) => i);
        order.sort((a, b) => comparePairs(scores[a], members[a], scores[b], members[b]));
        m = order.map((i) => members[i]);
        s = order.map((i) => scores[i]);
      }
    }
    let longest = 0;
    const seen = new Set<string>();
    for (const member of m) {
      if (member.length > longest) longest = member.length;
      seen.add(member);
    }
    if (seen.size !== n) this.fail('duplicate sorted set members', at);
    return ZSetValue.fromSorted(m, s, !fitsListpack(n, longest));
  }

  private empty(): null {
    this.stats.emptyKeysSkipped++;
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoded structures inside strings. `at` is the file offset of the string holding them.

function blobFail(what: string, reason: string, at: number, inner: number): never {
  throw new RdbError(`${what}: ${reason} at byte ${inner} of the ${what}`, at);
}

/** The elements of a ziplist (Redis < 7), integers as their decimal text. */
export function parseZiplist(b: Buffer, at: number): string[] {
  const what = 'ziplist';
  if (b.length < 11) blobFail(what, `${b.length} bytes is too short`, at, 0);
  if (b.readUInt32LE(0) !== b.length) blobFail(what, `header says ${b.readUInt32LE(0)} bytes, holds ${b.length}`, at, 0);
  const tail = b.readUInt32LE(4);
  const announced = b.readUInt16LE(8);
  const out: string[] = [];
  let p = 10;
  let prevLen = 0;
  let lastEntry = 10;
  const end = b.length - 1;
  if (b[end] !== 0xff) blobFail(what, 'no end marker', at, end);
  while (p < end) {
    const start = p;
    // prevlen: 1 byte, or 0xFE and 4 bytes
    let prev: number;
    if (b[p] < 0xfe) {
      prev = b[p];
      p += 1;
    } else if (b[p] === 0xfe) {
      if (p + 5 > end) blobFail(what, 'truncated entry', at, start);
      prev = b.readUInt32LE(p + 1);
      p += 5;
    } else {
      blobFail(what, 'end marker before the end', at, p);
    }
    if (prev !== prevLen) blobFail(what, `previous entry length ${prev}, expected ${prevLen}`, at, start);
    if (p >= end) blobFail(what, 'truncated entry', at, start);
    const enc = b[p];
    let value: string;
    switch (enc >> 6) {
      case 0:
      case 1:
      case 2: {
        let len: number;
        if (enc >> 6 === 0) {
          len = enc & 0x3f;
          p += 1;
        } else if (enc >> 6 === 1) {
          if (p + 2 > end) blobFail(what, 'truncated entry', at, start);
          len = ((enc & 0x3f) << 8) | b[p + 1];
          p += 2;
        } else {
          if (enc !== 0x80 || p + 5 > end) blobFail(what, `bad string encoding 0x${enc.toString(16)}`, at, p);
          len = b.readUInt32BE(p + 1);
          p += 5;
        }
        if (len > end - p) blobFail(what, 'string past the end', at, start);
        value = b.latin1Slice(p, p + len);
        p += len;
        break;
      }
      default: {
        p += 1;
        let size: number;
        switch (enc) {
          case 0xc0: size = 2; break;
          case 0xd0: size = 4; break;
          case 0xe0: size = 8; break;
          case 0xf0: size = 3; break;
          case 0xfe: size = 1; break;
          default:
            if (enc >= 0xf1 && enc <= 0xfd) {
              size = 0;
              break;
            }
            blobFail(what, `bad integer encoding 0x${enc.toString(16)}`, at, p - 1);
        }
        if (size > end - p) blobFail(what, 'integer past the end', at, start);
        if (size === 0) value = String((enc & 0x0f) - 1);
        else if (size === 8) value = b.readBigInt64LE(p).toString();
        else value = String(b.readIntLE(p, size));
        p += size;
      }
    }
    out.push(value);
    prevLen = p - start;
    lastEntry = start;
  }
  if (out.length > 0 && tail !== lastEntry) blobFail(what, `tail offset ${tail}, last entry at ${lastEntry}`, at, 4);
  if (announced !== 0xffff && announced !== out.length) blobFail(what, `header says ${announced} entries, holds ${out.length}`, at, 8);
  return out;
}

/** Bytes of a listpack entry's back-length field for an entry of `n` bytes. */
function backlenBytes(n: number): number {
  // Redis's lpEncodeBacklen thresholds (one below each power of 128 beyond the first).
  if (n <= 127) return 1;
  if (n < 16383) return 2;
  if (n < 2097151) return 3;
  if (n < 268435455) return 4;
  return 5;
}

/** The elements of a listpack (Redis >= 7), integers as their decimal text. */
export function parseListpack(b: Buffer, at: number): string[] {
  const what = 'listpack';
  if (b.length < 7) blobFail(what, `${b.length} bytes is too short`, at, 0);
  if (b.readUInt32LE(0) !== b.length) blobFail(what, `header says ${b.readUInt32LE(0)} bytes, holds ${b.length}`, at, 0);
  const announced = b.readUInt16LE(4);
  const out: string[] = [];
  const end = b.length - 1;
  if (b[end] !== 0xff) blobFail(what, 'no end marker', at, end);
  let p = 6;
  while (p < end) {
    const start = p;
    const enc = b[p];
    let value: string;
    let entryLen: number;
    if ((enc & 0x80) === 0) {
      value = String(enc);
      entryLen = 1;
    } else if ((enc & 0xc0) === 0x80) {
      const len = enc & 0x3f;
      entryLen = 1 + len;
      if (entryLen > end - p) blobFail(what, 'string past the end', at, start);
      value = b.latin1Slice(p + 1, p + entryLen);
    } else if ((enc & 0xe0) === 0xc0) {
      if (2 > end - p) blobFail(what, 'integer past the end', at, start);
      let v = ((enc & 0x1f) << 8) | b[p + 1];
      if (v >= 1 << 12) v -= 1 << 13;
      value = String(v);
      entryLen = 2;
    } else if ((enc & 0xf0) === 0xe0) {
      if (2 > end - p) blobFail(what, 'string past the end', at, start);
      const len = ((enc & 0x0f) << 8) | b[p + 1];
      entryLen = 2 + len;
      if (entryLen > end - p) blobFail(what, 'string past the end', at, start);
      value = b.latin1Slice(p + 2, p + entryLen);
    } else {
      switch (enc) {
        case 0xf0: {
          if (5 > end - p) blobFail(what, 'string past the end', at, start);
          const len = b.readUInt32LE(p + 1);
          entryLen = 5 + len;
          if (entryLen > end - p) blobFail(what, 'string past the end', at, start);
          value = b.latin1Slice(p + 5, p + entryLen);
          break;
        }
        case 0xf1:
        case 0xf2:
        case 0xf3: {
          const size = enc === 0xf1 ? 2 : enc === 0xf2 ? 3 : 4;
          entryLen = 1 + size;
          if (entryLen > end - p) blobFail(what, 'integer past the end', at, start);
          value = String(b.readIntLE(p + 1, size));
          break;
        }
        case 0xf4:
          entryLen = 9;
          if (entryLen > end - p) blobFail(what, 'integer past the end', at, start);
          value = b.readBigInt64LE(p + 1).toString();
          break;
        default:
          blobFail(what, `bad encoding 0x${enc.toString(16)}`, at, start);
      }
    }
    // The back-length: entryLen in 7-bit groups, most significant first, read from the end.
    const blen = backlenBytes(entryLen);
    if (entryLen + blen > end - p) blobFail(what, 'entry past the end', at, start);
    let back = 0;
    let q = p + entryLen + blen - 1;
    for (let shift = 0; ; shift += 7) {
      const c = b[q];
      back += (c & 127) * 2 ** shift;
      if ((c & 128) === 0 || q === p + entryLen) break;
      q--;
    }
    if (back !== entryLen || q !== p + entryLen) blobFail(what, `back-length ${back}, entry of ${entryLen} bytes`, at, p + entryLen);
    out.push(value);
    p += entryLen + blen;
  }
  if (announced !== 0xffff && announced !== out.length) blobFail(what, `header says ${announced} entries, holds ${out.length}`, at, 4);
  return out;
}

/** The members of an intset, as decimal texts in ascending order. */
export function parseIntset(b: Buffer, at: number): string[] {
  const what = 'intset';
  if (b.length < 8) blobFail(what, `${b.length} bytes is too short`, at, 0);
  const size = b.readUInt32LE(0);
  const n = b.readUInt32LE(4);
  if (size !== 2 && size !== 4 && size !== 8) blobFail(what, `bad integer size ${size}`, at, 0);
  if (8 + n * size !== b.length) blobFail(what, `${n} integers of ${size} bytes in ${b.length - 8} bytes`, at, 4);
  const out: string[] = [];
  let prev: bigint | null = null;
  for (let i = 0; i < n; i++) {
    const p = 8 + i * size;
    const v = size === 2 ? BigInt(b.readInt16LE(p)) : size === 4 ? BigInt(b.readInt32LE(p)) : b.readBigInt64LE(p);
    if (prev !== null && v <= prev) blobFail(what, 'integers not in ascending order', at, p);
    prev = v;
    out.push(v.toString());
  }
  return out;
}

/** A zipmap's (Redis < 2.6 small hashes) fields and values, alternating. */
export function parseZipmap(b: Buffer, at: number): string[] {
  const what = 'zipmap';
  if (b.length < 2) blobFail(what, `${b.length} bytes is too short`, at, 0);
  const out: string[] = [];
  let p = 1;
  const readLen = (): number => {
    if (p >= b.length) blobFail(what, 'truncated', at, p);
    const first = b[p];
    if (first < 254) {
      p += 1;
      return first;
    }
    if (first === 254) {
      if (p + 5 > b.length) blobFail(what, 'truncated', at, p);
      const n = b.readUInt32LE(p + 1);
      p += 5;
      return n;
    }
    return blobFail(what, 'unexpected end marker', at, p);
  };
  for (;;) {
    if (p >= b.length) blobFail(what, 'no end marker', at, p);
    if (b[p] === 0xff) {
      p++;
      break;
    }
    const klen = readLen();
    if (klen > b.length - p) blobFail(what, 'field past the end', at, p);
    out.push(b.latin1Slice(p, p + klen));
    p += klen;
    const vlen = readLen();
    if (p >= b.length) blobFail(what, 'truncated', at, p);
    const free = b[p++];
    if (vlen + free > b.length - p) blobFail(what, 'value past the end', at, p);
    out.push(b.latin1Slice(p, p + vlen));
    p += vlen + free;
  }
  if (p !== b.length) blobFail(what, 'bytes after the end marker', at, p);
  if (b[0] < 254 && b[0] !== out.length / 2) blobFail(what, `header says ${b[0]} pairs, holds ${out.length / 2}`, at, 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Files

/** What RdbReader.readItem() returns for the EOF opcode. */
export const RDB_END = Symbol('RDB EOF opcode');

/** Reads an RDB file held in one buffer. Read entries() (or next() until null) to the end to read the keys and verify the checksum. */
export class RdbReader {
  readonly version: number;
  /** AUX fields in file order (redis-ver, ctime, repl-id...). */
  readonly aux = new Map<string, string>();
  /** Function libraries' code (FUNCTION2), in file order. */
  readonly functions: string[] = [];
  /** Names of the modules whose aux data was skipped. */
  readonly moduleAux: string[] = [];
  /** Offset just past the checksum (or the EOF byte for version < 5); -1 until the keys are read. */
  end = -1;
  private d: Decoder;
  /** The db of the keys that follow (SELECTDB), and the expiry read for the next key. */
  private db = 0;
  private expireAtMs: number | null = null;

  constructor(buf: Buffer, private readonly options: RdbReadOptions = {}) {
    this.d = new Decoder(buf, 0);
    if (buf.length < 9 || buf.latin1Slice(0, 5) !== 'REDIS') throw new RdbError('not an RDB file (no REDIS magic)', 0);
    const digits = buf.latin1Slice(5, 9);
    if (!/^[0-9]{4}$/.test(digits)) throw new RdbError(`bad version ${JSON.stringify(digits)}`, 5);
    this.version = Number(digits);
    if (this.version < RDB_VERSION_READ_MIN || this.version > RDB_VERSION_READ_MAX) {
      throw new RdbError(`RDB format version ${this.version} is not supported (${RDB_VERSION_READ_MIN} to ${RDB_VERSION_READ_MAX} are)`, 5, 'unsupported');
    }
    this.d.pos = 9;
  }

  get stats(): RdbReadStats {
    return this.d.stats;
  }

  /** The keys in file order; throws RdbError on damage, an unsupported value or a bad checksum. */
  *entries(): Generator<RdbEntry, void, undefined> {
    for (let e = this.next(); e !== null; e = this.next()) yield e;
  }

  /**
   * The next key, or null once the file ended (its checksum verified). The loader's loop: a
   * generator's resumption showed as ~30 ms of a 1M-key load.
   */
  next(): RdbEntry | null {
    if (this.end >= 0) return null;
    for (;;) {
      const item = this.readItem();
      if (item === RDB_END) {
        this.finish();
        return null;
      }
      if (item !== null) return item;
    }
  }

  /** Position in the current input (see continueIn). */
  get pos(): number {
    return this.d.pos;
  }

  set pos(at: number) {
    this.d.pos = at;
  }

  /**
   * Goes on reading in `buf` from `pos`, where buf[0] is byte `base` of the file: a stream read
   * (RdbStreamReader) moves the reader to each new window of bytes. Stats carry over.
   */
  continueIn(buf: Buffer, pos: number, base: number): void {
    this.d = new Decoder(buf, pos, this.d.stats, base);
  }

  /**
   * Reads one opcode and what belongs to it: a key (its entry; null when its collection was empty),
   * metadata (null), or the EOF opcode (RDB_END). The reader's state (db, pending expiry, aux...)
   * changes only once the whole item was read, so a read that fails for lack of bytes can be
   * retried from the same position with more of them.
   */
  readItem(): RdbEntry | null | typeof RDB_END {
    const d = this.d;
    const at = d.pos;
    const type = d.u8();
    switch (type) {
      case RDB_OPCODE.EXPIRETIME_MS:
        d.need(8);
        this.expireAtMs = Number(d.buf.readBigInt64LE(d.pos));
        d.pos += 8;
        return null;
      case RDB_OPCODE.EXPIRETIME:
        d.need(4);
        this.expireAtMs = d.buf.readInt32LE(d.pos) * 1000;
        d.pos += 4;
        return null;
      case RDB_OPCODE.IDLE:
        d.readLenBig();
        return null;
      case RDB_OPCODE.FREQ:
        d.u8();
        return null;
      case RDB_OPCODE.SELECTDB:
        this.db = d.readLen();
        return null;
      case RDB_OPCODE.RESIZEDB: {
        const keys = d.readLen();
        d.readLen();
        this.options.onSizeHint?.(this.db, keys);
        return null;
      }
      case RDB_OPCODE.SLOT_INFO:
        d.readLen();
        d.readLen();
        d.readLen();
        return null;
      case RDB_OPCODE.AUX: {
        const key = d.readString();
        const value = d.readString();
        this.aux.set(key, value);
        return null;
      }
      case RDB_OPCODE.MODULE_AUX:
        this.moduleAux.push(d.skipModuleAux());
        return null;
      case RDB_OPCODE.FUNCTION_PRE_GA:
        return d.fail('function libraries in the pre-release format of Redis 7.0 release candidates are not supported', at, 'unsupported');
      case RDB_OPCODE.FUNCTION2:
        this.functions.push(d.readString());
        return null;
      case RDB_OPCODE.EOF:
        return RDB_END;
      default: {
        const key = d.readString();
        const value = d.readValue(type, at);
        const expireAtMs = this.expireAtMs;
        this.expireAtMs = null;
        return value === null ? null : { db: this.db, key, value, expireAtMs, rdbType: type };
      }
    }
  }

  /** After the EOF opcode: the checksum, then nothing (unless allowed). */
  private finish(): void {
    const d = this.d;
    const buf = d.buf;
    if (this.version >= 5) {
      const at = d.pos;
      d.need(8);
      let zero = true;
      for (let i = 0; i < 8; i++) if (buf[at + i] !== 0) zero = false;
      if (!zero) {
        const crc = new Crc64().update(buf, 0, at);
        if (!crc.equalsBytes(buf, at)) {
          d.fail(`checksum mismatch: file says ${buf.readBigUInt64LE(at).toString(16)}, content gives ${crc.value().toString(16)}`, at, 'checksum');
        }
      }
      d.pos += 8;
    }
    this.end = d.pos;
    if (!this.options.allowTrailingBytes && d.pos !== buf.length) d.fail(`${buf.length - d.pos} unexpected bytes after the end of the file`);
  }
}

/** Everything in a file, read at once. */
export interface RdbFile {
  version: number;
  aux: Map<string, string>;
  functions: string[];
  moduleAux: string[];
  entries: RdbEntry[];
  stats: RdbReadStats;
  end: number;
}

export function readRdb(buf: Buffer, options: RdbReadOptions = {}): RdbFile {
  const r = new RdbReader(buf, options);
  const entries = [...r.entries()];
  return { version: r.version, aux: r.aux, functions: r.functions, moduleAux: r.moduleAux, entries, stats: r.stats, end: r.end };
}

// ---------------------------------------------------------------------------------------------
// DUMP payloads

export const ERR_DUMP_PAYLOAD = 'ERR DUMP payload version or checksum are wrong';
export const ERR_BAD_DATA_FORMAT = 'ERR Bad data format';

/** RESTORE's refusal of a payload; `message` is the reply text. */
export class DumpPayloadError extends Error {
  constructor(message: string, readonly rdbError?: RdbError) {
    super(message);
  }
}

/**
 * The value of a DUMP payload, with Redis's checks (verifyDumpPayload): at least 10 bytes, an RDB
 * version no newer than `versionMax` and a matching CRC-64 (unless `skipChecksum`, Redis's
 * skip-checksum-validation), then a value that parses to the last byte before the footer.
 */
export function decodeDumpPayload(payload: Buffer, options: { versionMax?: number; skipChecksum?: boolean } = {}): Value {
  const versionMax = options.versionMax ?? RDB_VERSION_READ_MAX;
  if (payload.length < 10) throw new DumpPayloadError(ERR_DUMP_PAYLOAD);
  const footer = payload.length - 10;
  const version = payload[footer] | (payload[footer + 1] << 8);
  if (version > versionMax) throw new DumpPayloadError(ERR_DUMP_PAYLOAD);
  if (options.skipChecksum !== true && !new Crc64().update(payload, 0, footer + 2).equalsBytes(payload, footer + 2)) {
    throw new DumpPayloadError(ERR_DUMP_PAYLOAD);
  }
  const d = new Decoder(payload.subarray(0, footer), 0);
  try {
    const type = d.u8();
    if (type >= RDB_OPCODE.SLOT_INFO) d.fail(`opcode ${type} where a value type was expected`, 0);
    const value = d.readValue(type, 0);
    if (value === null) return d.fail('empty collection', 0);
    if (d.pos !== footer) d.fail(`${footer - d.pos} bytes after the value`);
    return value;
  } catch (err) {
    if (err instanceof RdbError) throw new DumpPayloadError(ERR_BAD_DATA_FORMAT, err);
    throw err;
  }
}
