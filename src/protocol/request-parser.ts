import { ProtocolError } from './errors.js';
import { RepeatedName, latin1String } from './latin1.js';

/**
 * Server-side request parser: RESP multibulk arrays of bulk strings, and inline commands
 * (`SET a b` typed into telnet). It resumes at any byte boundary: bytes of an unfinished
 * command stay buffered until the rest arrives.
 *
 * Arguments come out as byte strings: JS strings whose char codes are the bytes 0..255
 * (latin1), so values are binary-safe and cheap to store and hash.
 */

/** Longest inline command, or count/length header without its CRLF (Redis's PROTO_INLINE_MAX_SIZE). */
export const INLINE_BYTES_MAX = 64 * 1024;
/** Before AUTH, Redis refuses larger requests so an unauthenticated peer cannot make it allocate. */
export const UNAUTH_MULTIBULK_LEN_MAX = 10;
export const UNAUTH_BULK_BYTES_MAX = 16 * 1024;
/**
 * V8's longest string (String::kMaxLength on 64-bit): 24 bytes short of 512 MB. Arguments are
 * strings, so no bulk may be longer whatever proto-max-bulk-len says.
 */
export const STRING_BYTES_MAX = 2 ** 29 - 24;
/** Most argument slots allocated before the arguments arrive (Redis's argv_len cap). */
const ARGV_PREALLOCATED_MAX = 1024;
/** A bulk at least this big is gathered as a list of chunks and joined once, not re-copied per read. */
const BIG_BULK_BYTES = 32 * 1024;

export interface ParserLimits {
  /** proto-max-bulk-len */
  bulkBytesMax: number;
  /** proto-max-multibulk-len: each argument costs ~40 bytes of heap however short on the wire. */
  multibulkLenMax: number;
}

const CR = 13;
const LF = 10;

/** Bulk lengths of up to this many digits are read on the fast path (9 digits < STRING_BYTES_MAX). */
const FAST_LENGTH_DIGITS_MAX = 9;
/** A line end is first looked for this far by hand (see find). */
const SHORT_SCAN_BYTES = 24;
/** Smallest buffer allocated to accumulate a partial command. */
const ACCUMULATE_BYTES_MIN = 16 * 1024;

/**
 * Unless built with `copyLeftovers`, the parser may keep a reference to a chunk passed to `feed`
 * until its bytes are consumed: callers must not reuse a chunk's memory afterwards.
 */
export class RequestParser {
  /** The input: `store` bytes [0, end). Unconsumed input starts at `pos`. `buf` views exactly that. */
  private buf: Buffer = Buffer.alloc(0);
  private store: Buffer = this.buf;
  private end = 0;
  /** True when `store` is our own accumulation buffer (with spare room), not a caller's chunk. */
  private owned = false;
  private pos = 0;
  /** Searches for a line end resume here, so input trickling in a byte at a time costs linear time. */
  private scanFrom = 0;
  /** Arguments still expected in the current multibulk, or 0 when between commands. */
  private multibulkLeft = 0;
  private argv: string[] = [];
  /** Arguments of the current multibulk read so far. */
  private argc = 0;
  /** Length of the bulk being read, or -1 when its header has not been read yet. */
  private bulkLen = -1;
  /** Chunks of a big bulk waiting to be complete (see BIG_BULK_BYTES). */
  private bigChunks: Buffer[] | null = null;
  private bigBytes = 0;
  /** False until the client authenticates when a password is required. */
  authenticated = true;

  /**
   * Set when the caller reuses a chunk's memory once `feed` returns (a shared read buffer):
   * bytes of an unfinished command are then copied out instead of referenced.
   */
  copyLeftovers = false;

  constructor(public limits: ParserLimits) {}

  /** Bytes received but not yet turned into commands: what client-query-buffer-limit bounds. */
  get pendingBytes(): number {
    return this.buf.length - this.pos + this.bigBytes;
  }

  /** Parses every complete command in `chunk` (plus what was buffered) into `out`. Throws ProtocolError. */
  feed(chunk: Buffer, out: string[][]): void {
    if (this.bigChunks !== null) {
      this.bigChunks.push(this.copyLeftovers ? Buffer.from(chunk) : chunk);
      this.bigBytes += chunk.length;
      if (this.bigBytes < this.bulkLen + 2) return;
      this.setInput(Buffer.concat(this.bigChunks, this.bigBytes));
      this.bigChunks = null;
      this.bigBytes = 0;
    } else if (this.pos >= this.end) {
      this.setInput(chunk);
    } else {
      this.append(chunk);
    }
    while (this.pos < this.buf.length) {
      const done = this.multibulkLeft > 0 || this.buf[this.pos] === 0x2a /* '*' */
        ? this.parseMultibulk(out)
        : this.parseInline(out);
      if (!done) break;
    }
    if (this.pos >= this.end) this.setInput(EMPTY);
    else if (this.copyLeftovers && !this.owned) this.keepLeftover();
  }

  /** Moves the unconsumed input out of the caller's chunk into our own buffer. */
  private keepLeftover(): void {
    const remaining = this.end - this.pos;
    const next = Buffer.allocUnsafe(Math.max(ACCUMULATE_BYTES_MIN, 2 * remaining));
    this.store.copy(next, 0, this.pos, this.end);
    this.scanFrom = Math.max(0, this.scanFrom - this.pos);
    this.store = next;
    this.end = remaining;
    this.pos = 0;
    this.owned = true;
    this.buf = next.subarray(0, remaining);
  }

  private setInput(chunk: Buffer): void {
    this.buf = this.store = chunk;
    this.end = chunk.length;
    this.owned = false;
    this.pos = 0;
    this.scanFrom = 0;
  }

  /** Adds `chunk` after the unconsumed input, growing our own buffer by doubling. */
  private append(chunk: Buffer): void {
    if (this.owned && this.end + chunk.length <= this.store.length) {
      chunk.copy(this.store, this.end);
      this.end += chunk.length;
    } else {
      const remaining = this.end - this.pos;
      const next = Buffer.allocUnsafe(Math.max(ACCUMULATE_BYTES_MIN, 2 * (remaining + chunk.length)));
      this.store.copy(next, 0, this.pos, this.end);
      chunk.copy(next, remaining);
      this.scanFrom = Math.max(0, this.scanFrom - this.pos);
      this.store = next;
      this.end = remaining + chunk.length;
      this.pos = 0;
      this.owned = true;
    }
    this.buf = this.store.subarray(0, this.end);
  }

  /** Index of `byte` at or after `pos`, or -1; remembers how far it looked. */
  private find(byte: number): number {
    const buf = this.buf;
    const from = Math.max(this.pos, this.scanFrom);
    // Headers are a few bytes: a JS loop beats a native indexOf call; long lines use indexOf.
    const stop = Math.min(this.end, from + SHORT_SCAN_BYTES);
    for (let i = from; i < stop; i++) {
      if (buf[i] === byte) {
        this.scanFrom = i;
        return i;
      }
    }
    const at = stop < this.end ? buf.indexOf(byte, stop) : -1;
    this.scanFrom = at < 0 ? this.end : at;
    return at;
  }

  /** Drops buffered input (the connection is closing or being reset). */
  reset(): void {
    this.setInput(EMPTY);
    this.multibulkLeft = 0;
    this.argv = [];
    this.argc = 0;
    this.bulkLen = -1;
    this.bigChunks = null;
    this.bigBytes = 0;
  }

  private readonly names = new RepeatedName();

  /** Returns true when a command (or an empty line) was consumed, false when more bytes are needed. */
  private parseInline(out: string[][]): boolean {
    const buf = this.buf;
    const nl = this.find(LF);
    if (nl < 0) {
      if (buf.length - this.pos > INLINE_BYTES_MAX) throw new ProtocolError('too big inline request');
      return false;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === CR) end--;
    const line = buf.latin1Slice(this.pos, end);
    this.pos = nl + 1;
    const argv = splitInlineArgs(line);
    if (argv === null) throw new ProtocolError('unbalanced quotes in request');
    if (argv.length > this.limits.multibulkLenMax) throw new ProtocolError('invalid multibulk length');
    if (argv.length > 0) out.push(argv);
    return true;
  }

  /**
   * Reads a complete, well-formed `$<len>\r\n` header in one pass (the common case). Returns
   * false to let the general path handle anything else, including every error.
   */
  private fastBulkHeader(buf: Buffer): boolean {
    const start = this.pos + 1;
    if (buf[this.pos] !== 0x24 || buf[start] === 0x30) return false;
    const stop = Math.min(buf.length - 1, start + FAST_LENGTH_DIGITS_MAX);
    let len = 0;
    let i = start;
    for (; i < stop; i++) {
      const d = buf[i] - 0x30;
      if (d < 0 || d > 9) break;
      len = len * 10 + d;
    }
    if (i === start || i >= stop || buf[i] !== CR) return false;
    if (len > this.limits.bulkBytesMax || len > STRING_BYTES_MAX || (!this.authenticated && len > UNAUTH_BULK_BYTES_MAX)) return false;
    this.pos = i + 2;
    this.bulkLen = len;
    return true;
  }

  private parseMultibulk(out: string[][]): boolean {
    const buf = this.buf;
    if (this.multibulkLeft === 0) {
      // Header: *<count>\r\n
      const cr = this.find(CR);
      if (cr < 0) {
        if (buf.length - this.pos > INLINE_BYTES_MAX) throw new ProtocolError('too big mbulk count string');
        return false;
      }
      if (cr + 1 >= buf.length) return false;
      const n = parseLength(buf, this.pos + 1, cr);
      if (n === null || n > this.limits.multibulkLenMax) throw new ProtocolError('invalid multibulk length');
      if (!this.authenticated && n > UNAUTH_MULTIBULK_LEN_MAX) {
        throw new ProtocolError('unauthenticated multibulk length');
      }
      this.pos = cr + 2;
      if (n <= 0) return true;
      this.multibulkLeft = n;
      // Sized up front (growing by push reallocates it); capped like Redis's argv_len, since
      // the count arrives before any argument and a peer could claim millions.
      this.argv = new Array<string>(Math.min(n, ARGV_PREALLOCATED_MAX));
      this.argc = 0;
    }
    while (this.multibulkLeft > 0) {
      if (this.bulkLen < 0 && !this.fastBulkHeader(buf)) {
        if (this.pos >= buf.length) return false;
        const cr = this.find(CR);
        if (cr < 0) {
          if (buf.length - this.pos > INLINE_BYTES_MAX) throw new ProtocolError('too big bulk count string');
          if (buf[this.pos] !== 0x24) throw expectedDollar(buf[this.pos]);
          return false;
        }
        if (buf[this.pos] !== 0x24 /* '$' */) throw expectedDollar(buf[this.pos]);
        if (cr + 1 >= buf.length) return false;
        const len = parseLength(buf, this.pos + 1, cr);
        if (len === null || len < 0 || len > this.limits.bulkBytesMax || len > STRING_BYTES_MAX) {
          throw new ProtocolError('invalid bulk length');
        }
        if (!this.authenticated && len > UNAUTH_BULK_BYTES_MAX) throw new ProtocolError('unauthenticated bulk length');
        this.pos = cr + 2;
        this.bulkLen = len;
      }
      const available = buf.length - this.pos;
      if (available < this.bulkLen + 2) {
        if (this.bulkLen >= BIG_BULK_BYTES) {
          this.bigChunks = [Buffer.from(buf.subarray(this.pos))];
          this.bigBytes = available;
          this.setInput(EMPTY);
        }
        return false;
      }
      // Like Redis, the two bytes after the payload are skipped unchecked.
      const arg = this.argc === 0 ? this.names.at(buf, this.pos, this.bulkLen) : latin1String(buf, this.pos, this.bulkLen);
      if (this.argc < this.argv.length) this.argv[this.argc] = arg;
      else this.argv.push(arg);
      this.argc++;
      this.pos += this.bulkLen + 2;
      this.bulkLen = -1;
      this.multibulkLeft--;
    }
    out.push(this.argv);
    this.argv = [];
    return true;
  }
}

const EMPTY = Buffer.alloc(0);

function expectedDollar(byte: number): ProtocolError {
  return new ProtocolError(`expected '$', got '${String.fromCharCode(byte)}'`);
}

/** Strict decimal like Redis's string2ll: optional '-', no '+', no leading zeros or spaces. */
function parseLength(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start;
  let negative = false;
  if (buf[i] === 0x2d) {
    negative = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] === 0x30) return i + 1 === end && !negative ? 0 : null;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  if (n > Number.MAX_SAFE_INTEGER) return null;
  return negative ? -n : n;
}

/**
 * Splits an inline command line as Redis's sdssplitargs does: spaces separate arguments,
 * "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' take \'.
 * A closing quote must be followed by a space or the end of the line. Returns null on unbalanced quotes.
 */
export function splitInlineArgs(line: string): string[] | null {
  const args: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return args;
    let current = '';
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      if (inDouble) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && i + 3 < n && line[i + 1] === 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          current += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else {
          current += c;
        }
      } else if (inSingle) {
        if (i >= n) return null;
        const c = line[i];
        if (c === '\\' && i + 1 < n && line[i + 1] === "'") {
          i++;
          current += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else {
          current += c;
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        const c = line[i];
        if (isTokenEnd(line.charCodeAt(i))) done = true;
        else if (c === '"') inDouble = true;
        else if (c === "'") inSingle = true;
        else current += c;
      }
      if (i < n) i++;
    }
    args.push(current);
  }
}

/** Unquoted tokens end only at these (sdssplitargs); \v and \f stay inside a token. */
function isTokenEnd(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 0;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}
