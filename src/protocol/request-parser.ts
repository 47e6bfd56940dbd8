import { ProtocolError } from './errors.js';

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

export class RequestParser {
  /** Unconsumed input starts at `pos`. */
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Arguments still expected in the current multibulk, or 0 when between commands. */
  private multibulkLeft = 0;
  private argv: string[] = [];
  /** Length of the bulk being read, or -1 when its header has not been read yet. */
  private bulkLen = -1;
  /** Chunks of a big bulk waiting to be complete (see BIG_BULK_BYTES). */
  private bigChunks: Buffer[] | null = null;
  private bigBytes = 0;
  /** False until the client authenticates when a password is required. */
  authenticated = true;

  constructor(public limits: ParserLimits) {}

  /** Bytes received but not yet turned into commands: what client-query-buffer-limit bounds. */
  get pendingBytes(): number {
    return this.buf.length - this.pos + this.bigBytes;
  }

  /** Parses every complete command in `chunk` (plus what was buffered) into `out`. Throws ProtocolError. */
  feed(chunk: Buffer, out: string[][]): void {
    if (this.bigChunks !== null) {
      this.bigChunks.push(chunk);
      this.bigBytes += chunk.length;
      if (this.bigBytes < this.bulkLen + 2) return;
      this.buf = Buffer.concat(this.bigChunks, this.bigBytes);
      this.pos = 0;
      this.bigChunks = null;
      this.bigBytes = 0;
    } else if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
    while (this.pos < this.buf.length) {
      const done = this.multibulkLeft > 0 || this.buf[this.pos] === 0x2a /* '*' */
        ? this.parseMultibulk(out)
        : this.parseInline(out);
      if (!done) break;
    }
    if (this.pos >= this.buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
    }
  }

  /** Drops buffered input (the connection is closing or being reset). */
  reset(): void {
    this.buf = EMPTY;
    this.pos = 0;
    this.multibulkLeft = 0;
    this.argv = [];
    this.bulkLen = -1;
    this.bigChunks = null;
    this.bigBytes = 0;
  }

  /** Returns true when a command (or an empty line) was consumed, false when more bytes are needed. */
  private parseInline(out: string[][]): boolean {
    const buf = this.buf;
    const nl = buf.indexOf(LF, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > INLINE_BYTES_MAX) throw new ProtocolError('too big inline request');
      return false;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === CR) end--;
    const line = buf.toString('latin1', this.pos, end);
    this.pos = nl + 1;
    const argv = splitInlineArgs(line);
    if (argv === null) throw new ProtocolError('unbalanced quotes in request');
    if (argv.length > this.limits.multibulkLenMax) throw new ProtocolError('invalid multibulk length');
    if (argv.length > 0) out.push(argv);
    return true;
  }

  private parseMultibulk(out: string[][]): boolean {
    const buf = this.buf;
    if (this.multibulkLeft === 0) {
      // Header: *<count>\r\n
      const cr = buf.indexOf(CR, this.pos);
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
      this.argv = [];
    }
    while (this.multibulkLeft > 0) {
      if (this.bulkLen < 0) {
        if (this.pos >= buf.length) return false;
        const cr = buf.indexOf(CR, this.pos);
        if (cr < 0) {
          if (buf.length - this.pos > INLINE_BYTES_MAX) throw new ProtocolError('too big bulk count string');
          if (buf[this.pos] !== 0x24) throw expectedDollar(buf[this.pos]);
          return false;
        }
        if (cr + 1 >= buf.length) return false;
        if (buf[this.pos] !== 0x24 /* '$' */) throw expectedDollar(buf[this.pos]);
        const len = parseLength(buf, this.pos + 1, cr);
        if (len === null || len < 0 || len > this.limits.bulkBytesMax) throw new ProtocolError('invalid bulk length');
        if (!this.authenticated && len > UNAUTH_BULK_BYTES_MAX) throw new ProtocolError('unauthenticated bulk length');
        this.pos = cr + 2;
        this.bulkLen = len;
      }
      const available = buf.length - this.pos;
      if (available < this.bulkLen + 2) {
        if (this.bulkLen >= BIG_BULK_BYTES) {
          this.bigChunks = [buf.subarray(this.pos)];
          this.bigBytes = available;
          this.buf = EMPTY;
          this.pos = 0;
        }
        return false;
      }
      // Like Redis, the two bytes after the payload are skipped unchecked.
      this.argv.push(buf.toString('latin1', this.pos, this.pos + this.bulkLen));
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
        if (isSpace(line.charCodeAt(i))) done = true;
        else if (c === '"') inDouble = true;
        else if (c === "'") inSingle = true;
        else current += c;
      }
      if (i < n) i++;
    }
    args.push(current);
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}
