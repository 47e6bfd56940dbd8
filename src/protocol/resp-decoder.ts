/**
 * Streaming decoder for RESP2 and RESP3 *replies* (our own client, the replica side of
 * replication). It resumes at any byte boundary and keeps its place between chunks: an
 * unfinished aggregate stays on a stack, an unfinished bulk keeps its parsed header, so
 * nothing is parsed twice. Big bulks and long lines are gathered as a list of chunks and
 * joined once, so a payload of n bytes costs O(n) however finely it is split.
 *
 * Every wire type has its own variant, so nothing is lost: `$-1` is a bulk whose value is
 * null, `*-1` an array whose value is null, RESP3's `_` is `{ type: 'null' }`. Payloads are
 * Buffers (binary-safe); line types (simple string, error) are byte strings (latin1), as
 * elsewhere in the project. Attributes (`|`) are attached to the value that follows them.
 */

export class RespDecodeError extends Error {
  override name = 'RespDecodeError';
}

/** Attribute and map entries, in wire order (keys may be any value, so not a JS Map). */
export type RespMap = Array<[RespValue, RespValue]>;

export type RespValue = (
  | { type: 'simple'; value: string }
  | { type: 'error'; value: string }
  | { type: 'integer'; value: number | bigint }
  | { type: 'bulk'; value: Buffer | null }
  | { type: 'blobError'; value: Buffer }
  | { type: 'verbatim'; format: string; value: Buffer }
  | { type: 'null' }
  | { type: 'double'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'bigNumber'; value: bigint }
  | { type: 'array'; value: RespValue[] | null }
  | { type: 'set'; value: RespValue[] }
  | { type: 'push'; value: RespValue[] }
  | { type: 'map'; value: RespMap }
) & { attributes?: RespMap };

export interface RespDecoderLimits {
  /** Longest bulk string, blob error or verbatim payload (Redis's proto-max-bulk-len default). */
  bulkBytesMax: number;
  /** Most elements of an array, set or push, or pairs of a map or attribute. */
  aggregateLenMax: number;
  /** Deepest nesting of aggregates (attributes count); a top-level array is depth 1. */
  depthMax: number;
  /** Longest line (simple string, error, number, header) without its CRLF. */
  lineBytesMax: number;
}

export const DEFAULT_DECODER_LIMITS: Readonly<RespDecoderLimits> = {
  bulkBytesMax: 512 * 1024 * 1024,
  aggregateLenMax: 2 ** 31 - 1,
  depthMax: 128,
  lineBytesMax: 4 * 1024 * 1024,
};

const CR = 13;
const LF = 10;
/** Stalled bulks and lines at least this big are gathered as a chunk list and joined once. */
const BIG_BYTES = 32 * 1024;
const EMPTY = Buffer.alloc(0);
const TYPE_BYTES = '+-:$!=*~>%|_,#(';
const DOUBLE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

type AggregateType = 'array' | 'set' | 'push' | 'map' | 'attribute';

interface Frame {
  type: AggregateType;
  items: RespValue[];
  /** Items still expected (a map or attribute of n pairs expects 2n). */
  left: number;
  /** Attributes read inside this aggregate, waiting for the item they belong to. */
  attrs: RespMap | undefined;
}

export class RespDecoder {
  readonly limits: RespDecoderLimits;
  /** Unconsumed input starts at `pos`; `bufBase` is the stream offset of `buf[0]`. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  private bufBase = 0;
  /** True when `buf` was allocated here, so a big payload may be a view of it instead of a copy. */
  private owned = false;
  /** Chunks of a big bulk or long line waiting to be complete. */
  private collected: Buffer[] | null = null;
  private collectedBytes = 0;
  /** Bytes the collected chunks must reach, or -1 to wait for a LF. */
  private collectNeed = 0;
  /** Header of the bulk/blob error/verbatim whose payload is being read. */
  private blob: { type: number; len: number } | null = null;
  private stack: Frame[] = [];
  private rootAttrs: RespMap | undefined;
  /** Decoded top-level values not yet taken, with the stream offset where each ends. */
  private out: Array<RespValue | undefined> = [];
  private outEnds: number[] = [];
  private outHead = 0;
  private failure: RespDecodeError | null = null;
  /** Stream offset just past the last value returned by next() (replication offsets). */
  offset = 0;

  constructor(limits: Partial<RespDecoderLimits> = {}) {
    this.limits = { ...DEFAULT_DECODER_LIMITS, ...limits };
  }

  /** Bytes received that are not part of a complete value yet. */
  get pendingBytes(): number {
    return this.buf.length - this.pos + this.collectedBytes;
  }

  /** Decodes what `chunk` completes. Throws RespDecodeError on malformed input, then on every call. */
  feed(chunk: Buffer): void {
    if (this.failure) throw this.failure;
    if (this.collected !== null) {
      this.collected.push(chunk);
      this.collectedBytes += chunk.length;
      const ready = this.collectNeed >= 0
        ? this.collectedBytes >= this.collectNeed
        : chunk.indexOf(LF) >= 0 || this.collectedBytes > this.limits.lineBytesMax + 2;
      if (!ready) return;
      this.buf = Buffer.concat(this.collected, this.collectedBytes);
      this.owned = true;
      this.collected = null;
      this.collectedBytes = 0;
    } else {
      this.bufBase += this.pos;
      this.owned = this.pos < this.buf.length;
      this.buf = this.owned ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
      this.pos = 0;
    }
    try {
      this.drain();
    } catch (err) {
      if (err instanceof RespDecodeError) this.failure = err;
      throw err;
    }
  }

  /** The next complete top-level value, or undefined when more bytes are needed. */
  next(): RespValue | undefined {
    if (this.outHead >= this.out.length) return undefined;
    const value = this.out[this.outHead];
    this.offset = this.outEnds[this.outHead];
    this.out[this.outHead++] = undefined;
    if (this.outHead === this.out.length) {
      this.out = [];
      this.outEnds = [];
      this.outHead = 0;
    }
    return value;
  }

  private drain(): void {
    for (;;) {
      const v = this.blob !== null ? this.readBlob() : this.readValue();
      if (v === undefined) break;
      if (v !== null) this.complete(v);
    }
    const left = this.buf.length - this.pos;
    if (left > 0 && (this.blob !== null ? this.blob.len >= BIG_BYTES : left >= BIG_BYTES)) {
      this.collected = [this.buf.subarray(this.pos)];
      this.collectedBytes = left;
      this.collectNeed = this.blob !== null ? this.blob.len + 2 : -1;
    } else if (left > 0) {
      return;
    }
    this.bufBase += this.pos;
    this.buf = EMPTY;
    this.pos = 0;
  }

  /**
   * Reads one value's header line. Returns the value when it is complete, null when it opened
   * an aggregate (or read an attribute header), undefined when more bytes are needed.
   */
  private readValue(): RespValue | null | undefined {
    const buf = this.buf;
    const start = this.pos;
    if (start >= buf.length) return undefined;
    const type = buf[start];
    if (!TYPE_BYTES.includes(String.fromCharCode(type))) {
      throw new RespDecodeError(`unknown RESP type byte 0x${type.toString(16).padStart(2, '0')}`);
    }
    const end = this.lineEnd(start + 1);
    if (end < 0) return undefined;
    const line = buf.toString('latin1', start + 1, end);
    this.pos = end + 2;
    switch (type) {
      case 0x2b: return { type: 'simple', value: line };
      case 0x2d: return { type: 'error', value: line };
      case 0x3a: return this.integer(line);
      case 0x5f: return this.nil(line);
      case 0x2c: return this.double(line);
      case 0x23: return this.boolean(line);
      case 0x28: return this.bigNumber(line);
      case 0x24: case 0x21: case 0x3d: return this.blobHeader(type, line);
      default: return this.aggregate(type, line);
    }
  }

  /** Index of the CR ending the line that starts at `from`, or -1 when the line is incomplete. */
  private lineEnd(from: number): number {
    const buf = this.buf;
    const max = this.limits.lineBytesMax;
    const lf = buf.indexOf(LF, from);
    if (lf < 0) {
      if (buf.length - from > max + 1) throw new RespDecodeError(`line longer than ${max} bytes`);
      return -1;
    }
    // Checked first so the error does not depend on where the input was split.
    if (lf - 1 - from > max) throw new RespDecodeError(`line longer than ${max} bytes`);
    const cr = buf.indexOf(CR, from);
    if (cr !== lf - 1) throw new RespDecodeError('line not terminated by CRLF');
    return cr;
  }

  private integer(line: string): RespValue {
    if (!/^[+-]?\d+$/.test(line)) throw new RespDecodeError(`invalid integer ${quote(line)}`);
    const n = Number(line);
    return { type: 'integer', value: Number.isSafeInteger(n) ? n + 0 : BigInt(line) };
  }

  private nil(line: string): RespValue {
    if (line !== '') throw new RespDecodeError(`invalid null ${quote(line)}`);
    return { type: 'null' };
  }

  private double(line: string): RespValue {
    const special = /^([+-]?)(inf|nan)$/i.exec(line);
    let value: number;
    if (special) value = special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
    else if (DOUBLE.test(line)) value = Number(line);
    else throw new RespDecodeError(`invalid double ${quote(line)}`);
    return { type: 'double', value };
  }

  private boolean(line: string): RespValue {
    if (line !== 't' && line !== 'f') throw new RespDecodeError(`invalid boolean ${quote(line)}`);
    return { type: 'boolean', value: line === 't' };
  }

  private bigNumber(line: string): RespValue {
    if (!/^[+-]?\d+$/.test(line)) throw new RespDecodeError(`invalid big number ${quote(line)}`);
    return { type: 'bigNumber', value: BigInt(line) };
  }

  /** `$`, `!` and `=`: reads the length, then the payload (now or in a later feed). */
  private blobHeader(type: number, line: string): RespValue | undefined {
    const len = this.length(type, line);
    if (len < 0) return { type: 'bulk', value: null };
    if (len > this.limits.bulkBytesMax) {
      throw new RespDecodeError(`bulk length ${len} over the limit of ${this.limits.bulkBytesMax}`);
    }
    if (type === 0x3d && len < 4) throw new RespDecodeError(`verbatim string of ${len} bytes has no format`);
    this.blob = { type, len };
    return this.readBlob();
  }

  private readBlob(): RespValue | undefined {
    const { type, len } = this.blob!;
    const buf = this.buf;
    const start = this.pos;
    if (buf.length - start < len + 2) return undefined;
    if (buf[start + len] !== CR || buf[start + len + 1] !== LF) {
      throw new RespDecodeError('bulk payload not terminated by CRLF');
    }
    this.blob = null;
    this.pos = start + len + 2;
    if (type === 0x3d) {
      if (buf[start + 3] !== 0x3a) throw new RespDecodeError("verbatim string without 'fmt:' prefix");
      return { type: 'verbatim', format: buf.toString('latin1', start, start + 3), value: this.bytes(start + 4, start + len) };
    }
    const value = this.bytes(start, start + len);
    return type === 0x24 ? { type: 'bulk', value } : { type: 'blobError', value };
  }

  /** A payload: a view of a buffer allocated here when big, else a copy (the caller may reuse its chunks). */
  private bytes(start: number, end: number): Buffer {
    const view = this.buf.subarray(start, end);
    return this.owned && end - start >= BIG_BYTES ? view : Buffer.from(view);
  }

  /** `*`, `~`, `>`, `%` and `|`. */
  private aggregate(typeByte: number, line: string): RespValue | null {
    const len = this.length(typeByte, line);
    if (len < 0) return { type: 'array', value: null };
    if (len > this.limits.aggregateLenMax) {
      throw new RespDecodeError(`aggregate length ${len} over the limit of ${this.limits.aggregateLenMax}`);
    }
    if (this.stack.length >= this.limits.depthMax) {
      throw new RespDecodeError(`aggregates nested deeper than ${this.limits.depthMax}`);
    }
    const type = AGGREGATES[String.fromCharCode(typeByte)];
    const left = type === 'map' || type === 'attribute' ? len * 2 : len;
    if (left > 0) {
      this.stack.push({ type, items: [], left, attrs: undefined });
      return null;
    }
    if (type !== 'attribute') return build(type, []);
    this.addAttributes([]);
    return null;
  }

  /** Lengths are plain decimal; only `$` and `*` take -1 (RESP2's nulls). */
  private length(type: number, line: string): number {
    if ((type === 0x24 || type === 0x2a) && line === '-1') return -1;
    if (!/^\d{1,15}$/.test(line)) {
      throw new RespDecodeError(`invalid length ${quote(line)} after '${String.fromCharCode(type)}'`);
    }
    return Number(line);
  }

  /** Adds a finished value to the open aggregate, closing every aggregate it completes. */
  private complete(value: RespValue): void {
    let v = value;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) {
        if (this.rootAttrs !== undefined) v.attributes = this.rootAttrs;
        this.rootAttrs = undefined;
        this.out.push(v);
        this.outEnds.push(this.bufBase + this.pos);
        return;
      }
      if (top.attrs !== undefined) v.attributes = top.attrs;
      top.attrs = undefined;
      top.items.push(v);
      if (--top.left > 0) return;
      this.stack.pop();
      if (top.type === 'attribute') {
        this.addAttributes(pairs(top.items));
        return;
      }
      v = build(top.type, top.items);
    }
  }

  /** Attributes belong to the next value at the same level; they do not count as an element. */
  private addAttributes(map: RespMap): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) this.rootAttrs = this.rootAttrs ? this.rootAttrs.concat(map) : map;
    else top.attrs = top.attrs ? top.attrs.concat(map) : map;
  }
}

const AGGREGATES: Record<string, AggregateType> = {
  '*': 'array', '~': 'set', '>': 'push', '%': 'map', '|': 'attribute',
};

function build(type: Exclude<AggregateType, 'attribute'>, items: RespValue[]): RespValue {
  return type === 'map' ? { type, value: pairs(items) } : { type, value: items };
}

function pairs(items: RespValue[]): RespMap {
  const map: RespMap = [];
  for (let i = 0; i < items.length; i += 2) map.push([items[i], items[i + 1]]);
  return map;
}

function quote(line: string): string {
  return JSON.stringify(line.length > 40 ? `${line.slice(0, 40)}...` : line);
}
