/**
 * Reads AOF command streams: incr files, RESP base files and the command tail after an RDB
 * preamble. `AofCommandReader` is fed chunks and resumes at any byte; `readAofFile` streams a
 * file through it in large reads, so files larger than memory load in bounded memory (one
 * command, or one MULTI/EXEC transaction, is held at a time).
 *
 * Grammar (what Redis writes and loadSingleAppendOnlyFile reads):
 *   unit        = command | annotation
 *   command     = "*" count CRLF 1*( "$" length CRLF <length bytes> CRLF )     (count >= 1)
 *   annotation  = "#" <anything up to LF>   (Redis 7 writes "#TS:<unix time>\r\n"; skipped)
 * Concord's `#CRC:` annotation (aof-checksum.ts) is verified when present.
 *
 * End of the stream, as Redis with aof-load-truncated yes, made precise: the stream is
 * *truncated* when its last bytes are a proper prefix of a well-formed unit (a crash in the middle
 * of a write can leave only that), or when a MULTI has no EXEC. Then `truncatedAt` is the offset
 * to truncate to: the end of the last complete unit, or the offset of the unfinished MULTI; the
 * commands before it are delivered and the rest is not. Anything else is *corruption*: bytes no
 * writer produces (a wrong type byte, a bad digit, a payload not followed by CRLF, a count or
 * length over the limits, a stray EXEC or nested MULTI, a checksum annotation that does not match)
 * throws AofCorruptionError naming the file, the byte offset and the repair command.
 *
 * Bulk lengths: Redis allocates the declared length, then reads; a short read is "unexpected
 * EOF", i.e. truncation, wherever the length came from. Here a length over `bulkBytesMax`
 * (proto-max-bulk-len, 512 MB) is corruption before anything is allocated, and a length that runs
 * past the end of the file is truncation like in Redis, with two checks Redis cannot make, since
 * a writer using `#CRC:` lines ends every batch with one and a torn write ends anywhere:
 *   - the bytes after the cut-off command hold an intact annotation (its CRC matches its range):
 *     they were a batch written whole, so the "torn" command is a damaged count or length;
 *   - the file ends exactly with a well-formed annotation line: the last batch was written whole.
 * Both are corruption, not a tail to drop silently. The second has one false alarm, accepted: a
 * torn write cut exactly after argument bytes that spell a whole `#CRC:` line (startup then stops
 * with the error; concord-check-aof --fix truncates at the same offset the loader would have).
 *
 * Error offsets: before any `#CRC:` line has been verified, the start of the unit where the damage
 * was noticed (as redis-check-aof; a changed count may be noticed one command late). After one,
 * the start of the current checksummed range: the damage lies somewhere in it, so truncating
 * there keeps only verified bytes. Concord's writer opens every fresh file with the annotation of
 * the empty range, so the second rule covers a whole file it wrote: a damaged length in its first
 * batch can swallow that batch's `#CRC:` line and land on a CRLF, and the error noticed later must
 * not point past the damaged command.
 *
 * Stricter than Redis's loader, like redis-check-aof: the two bytes after a payload must be CRLF
 * and header lines must be exact (no sign, spaces or trailing bytes). A file Redis wrote always is.
 *
 * Preallocated space (aof-prealloc.ts): lines of nothing but `#` are pad. `contentEnd` is the end
 * of the last unit that is not pad, where a writer continues. A write torn by a crash inside the
 * pad leaves a cut-off unit followed by pad bytes, which a payload may swallow before the grammar
 * breaks; so a unit that breaks the grammar is a torn tail, not corruption, when every byte from
 * the one that broke it to the end of the file is a pad byte (`#` or LF), as no byte a writer
 * puts in a header, a CRLF or a `#CRC:` value is. The error is only known at the end of the file.
 */
import { open } from 'node:fs/promises';
import { STRING_BYTES_MAX } from '../protocol/request-parser.js';
import { assert } from '../util/assert.js';
import { RepeatedName, latin1String } from '../protocol/latin1.js';
import { Crc64 } from './crc64.js';
import {
  AofChecksum, CRC_ANNOTATION_BYTES, checksumAnnotationBreak, parseChecksumAnnotation, startsLikeChecksumAnnotation,
} from './aof-checksum.js';
import { allPadBytes, isPadLine } from './aof-prealloc.js';

export interface AofReaderLimits {
  /** Longest bulk (proto-max-bulk-len). */
  bulkBytesMax: number;
  /** Most arguments in one command (proto-max-multibulk-len). */
  multibulkLenMax: number;
}

/** The server's own defaults: what a client could have sent, so what the AOF may hold. */
export const AOF_READER_LIMITS_DEFAULT: Readonly<AofReaderLimits> = { bulkBytesMax: 512 * 1024 * 1024, multibulkLenMax: 4194304 };

/** Redis's AOF_ANNOTATION_LINE_MAX_LEN: it reads annotation lines with fgets into this many bytes. */
export const AOF_ANNOTATION_LINE_BYTES_MAX = 1024;
/** Longest annotation line with its LF: fgets into a 1024-byte buffer reads 1023 bytes at most. */
const ANNOTATION_LINE_BYTES = AOF_ANNOTATION_LINE_BYTES_MAX - 1;
/** A `*<count>` or `$<length>` header has at most this many digits. */
const HEADER_DIGITS_MAX = 20;
/** readAofFile reads this much at a time. */
export const AOF_READ_CHUNK_BYTES = 4 * 1024 * 1024;

const STAR = 0x2a;
const DOLLAR = 0x24;
const HASH = 0x23;
const CR = 13;
const LF = 10;

/** The repair command a corruption message points to. */
export function repairCommand(file: string): string {
  return `concord-check-aof --fix ${file}`;
}

/** Damage before the tail: loading must stop (Redis: "Bad file format reading the append only file"). */
export class AofCorruptionError extends Error {
  constructor(
    readonly file: string,
    /** Byte offset in the file of the start of the bad unit (or of the bad checksummed range). */
    readonly offset: number,
    readonly reason: string,
    repairPath: string = file,
  ) {
    super(
      `Bad file format reading the append only file ${file} at byte offset ${offset}: ${reason}. ` +
        `Make a backup of the file, then run: ${repairCommand(repairPath)}`,
    );
  }
}

export interface AofCommand {
  argv: string[];
  /** Byte offset in the file where the command starts (its `*`). */
  offset: number;
}

export interface AofReaderOptions {
  limits?: AofReaderLimits;
  /** Offset in the file of the first byte fed (after an RDB preamble). Default 0. */
  start?: number;
  /**
   * Size of the whole file when known: a bulk running past it is known to be cut off at once, and
   * its bytes are scanned instead of buffered (bounded memory for a damaged length).
   */
  sizeBytes?: number;
  /** The path named in the repair command of error messages (default: the file name). */
  repairPath?: string;
}

export interface AofReadResult {
  file: string;
  /** Offset just past the last byte read. */
  endOffset: number;
  /** Commands delivered (MULTI and EXEC included), not counting a dropped tail. */
  commands: number;
  /** Annotation lines skipped (`#TS:`, `#CRC:` and any other). */
  annotations: number;
  /** `#CRC:` annotations checked and found good. */
  checksumsVerified: number;
  /**
   * null: the stream ended cleanly. Otherwise the offset to truncate the file to (end of the last
   * complete unit, or the start of an unfinished MULTI): everything from there on was dropped.
   */
  truncatedAt: number | null;
  /** Why the tail was dropped ("unexpected end of file inside a command", ...), or ''. */
  truncatedReason: string;
  /** Bytes dropped: endOffset - truncatedAt, or 0. */
  droppedBytes: number;
  /**
   * End of the last unit that is not a pad line (truncatedAt when the tail was dropped): bytes
   * after it, up to endOffset, are preallocated space a writer continuing the file overwrites.
   */
  contentEnd: number;
  /** Complete commands dropped with an unfinished MULTI. */
  droppedCommands: number;
  /**
   * The checksum state at truncatedAt (or the end): a writer appending to this file after
   * truncating it continues from here, so its next `#CRC:` line covers the bytes already there.
   */
  checksum: AofChecksum;
}

/** True when a file starts with an RDB header ("REDIS"): a base file or preamble to load with the RDB reader. */
export function isRdbPreamble(firstBytes: Uint8Array): boolean {
  return (
    firstBytes.length >= 5 &&
    firstBytes[0] === 0x52 && firstBytes[1] === 0x45 && firstBytes[2] === 0x44 && firstBytes[3] === 0x49 && firstBytes[4] === 0x53
  );
}

const EMPTY = Buffer.alloc(0);

/** Thrown inside the reader when a unit breaks the grammar and only pad bytes follow it so far. */
const TORN_INTO_PAD = Symbol('torn into pad');

/**
 * Looks for an intact `#CRC:` line in bytes after a cut-off command. A line is intact when its
 * value is the CRC of its range: from the previous annotation (before the cut-off command: the
 * reader's running state) or, for later batches, from the end of the previous well-formed
 * `#CRC:` line met in the scan. Either proves the bytes there were written whole.
 */
class TailScan {
  /** Bytes not yet fed to the CRCs: a candidate line may start in them. At most a line long. */
  private carry: Buffer = EMPTY;
  private carryAt: number;
  /** CRC since the end of the last well-formed candidate line, or null before the first. */
  private recent: Crc64 | null = null;
  /** The last bytes seen, to tell whether the stream ends with an annotation line. */
  private last: Buffer = EMPTY;
  /** File offset of an intact annotation line found, or -1. */
  found = -1;

  constructor(private readonly sum: AofChecksum, at: number) {
    this.carryAt = at;
  }

  endsWithAnnotation(): boolean {
    return this.last.length === CRC_ANNOTATION_BYTES && parseChecksumAnnotation(this.last, 0) !== null;
  }

  private update(buf: Buffer, from: number, to: number): void {
    this.sum.update(buf, from, to);
    this.recent?.update(buf, from, to);
  }

  feed(chunk: Buffer): void {
    if (this.found >= 0 || chunk.length === 0) return;
    const lastPart = chunk.subarray(Math.max(0, chunk.length - CRC_ANNOTATION_BYTES));
    const last = Buffer.concat([this.last, lastPart]);
    this.last = Buffer.from(last.subarray(Math.max(0, last.length - CRC_ANNOTATION_BYTES)));
    const buf = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    const at = this.carryAt;
    let fed = 0;
    let i = buf.indexOf(HASH, 0);
    while (i >= 0) {
      if (i + CRC_ANNOTATION_BYTES > buf.length) {
        if (startsLikeChecksumAnnotation(buf, i)) break;
      } else {
        const value = parseChecksumAnnotation(buf, i);
        if (value !== null) {
          this.update(buf, fed, i);
          if (this.sum.value() === value || this.recent?.value() === value) {
            this.found = at + i;
            return;
          }
          this.sum.update(buf, i, i + CRC_ANNOTATION_BYTES);
          this.recent = new Crc64();
          fed = i + CRC_ANNOTATION_BYTES;
          i = buf.indexOf(HASH, fed);
          continue;
        }
      }
      i = buf.indexOf(HASH, i + 1);
    }
    // Keep a possible line start cut by the end of the chunk; feed the rest.
    const keepFrom = i >= 0 ? i : buf.length;
    this.update(buf, fed, keepFrom);
    this.carry = Buffer.from(buf.subarray(keepFrom));
    this.carryAt = at + keepFrom;
  }
}

/**
 * The resumable reader. Feed chunks (the reader may keep a reference to a chunk until its bytes
 * are consumed: do not reuse a chunk's memory), then call finish() at the end of the file.
 */
export class AofCommandReader {
  private readonly limits: AofReaderLimits;
  private readonly sizeBytes: number;
  private readonly repairPath: string;

  /** Unconsumed input; `base` is the file offset of buf[0]. */
  private buf: Buffer = EMPTY;
  private base: number;
  private pos = 0;
  /** While a bulk is incomplete: the file offset its CRLF ends at, and the chunks received meanwhile. */
  private needEnd = -1;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  // The command being read (argsLeft > 0 or bulkLen >= 0 means one is under way).
  private cmdStart = -1;
  private argsLeft = 0;
  private argv: string[] = [];
  private bulkLen = -1;
  private readonly names = new RepeatedName();

  // Transactions: commands from MULTI are held until EXEC.
  private multi: AofCommand[] | null = null;
  private multiStart = -1;
  private multiSum: AofChecksum | null = null;

  // Checksums: `sum` covers [rangeStart, sumFed).
  private sum = new AofChecksum();
  private rangeStart: number;
  private sumFed: number;

  /** End of the last complete unit outside a transaction. */
  private unitEnd: number;
  private tail: TailScan | null = null;
  private tailReason = '';
  private finished = false;

  private nCommands = 0;
  private nAnnotations = 0;
  private nVerified = 0;

  /** End of the last unit outside a transaction that is not a pad line. */
  private contentEnd: number;
  /** The checksum state at contentEnd while pad lines follow it, else null. */
  private padSum: AofChecksum | null = null;
  /** A unit broke the grammar with only pad bytes after it so far: the error, if more follows. */
  private padTail: AofCorruptionError | null = null;

  constructor(readonly file: string, options: AofReaderOptions = {}) {
    this.limits = options.limits ?? AOF_READER_LIMITS_DEFAULT;
    this.base = options.start ?? 0;
    this.sizeBytes = options.sizeBytes ?? Infinity;
    this.repairPath = options.repairPath ?? file;
    this.rangeStart = this.sumFed = this.unitEnd = this.contentEnd = this.base;
  }

  /** Parses every complete unit in `chunk` (plus what was buffered) into `out`. Throws AofCorruptionError. */
  feed(chunk: Buffer, out: AofCommand[]): void {
    if (this.finished) throw new Error('AofCommandReader: feed after finish');
    if (chunk.length === 0) return;
    if (this.padTail !== null) {
      if (!allPadBytes(chunk)) throw this.padTail;
      this.pendingBytes += chunk.length;
      return;
    }
    if (this.tail !== null) {
      this.base += chunk.length;
      this.tail.feed(chunk);
      this.checkTail();
      return;
    }
    // Invariant: buf starts at the unit under way (compact), base is its file offset.
    if (this.needEnd >= 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.base + this.buf.length + this.pendingBytes < this.needEnd) return;
      this.buf = Buffer.concat([this.buf, ...this.pending]);
      this.pending = [];
      this.pendingBytes = 0;
      this.needEnd = -1;
    } else if (this.buf.length === 0) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf, chunk]);
    }
    try {
      this.parse(out);
    } catch (err) {
      if (err !== TORN_INTO_PAD) throw err;
      return;
    }
    this.compact();
  }

  /**
   * Ends the stream. Returns what was read and where to truncate; throws AofCorruptionError when
   * the unfinished tail turns out to be damage (see the module comment).
   */
  finish(): AofReadResult {
    if (this.finished) throw new Error('AofCommandReader: finish twice');
    this.finished = true;
    const end = this.base + this.buf.length + this.pendingBytes;
    if (this.padTail !== null) this.tailReason = `a write torn by a crash: ${this.padTail.reason}, followed only by preallocated space`;
    else if (this.tail === null && end > this.unitEnd) {
      // Bytes after the last complete unit: a partial unit, or a whole transaction without EXEC.
      const partialStart = this.cmdStart >= 0 ? this.cmdStart : this.base + this.pos;
      if (partialStart < end) {
        const annotation = this.buf.length > partialStart - this.base && this.buf[partialStart - this.base] === HASH;
        this.startTail(partialStart, `unexpected end of file inside ${annotation ? 'an annotation line' : 'a command'}`);
        this.tail!.feed(this.buf.subarray(partialStart - this.base));
        for (const c of this.pending) this.tail!.feed(c);
        this.checkTail();
      }
    }
    if (this.tail !== null && this.tail.endsWithAnnotation()) {
      // A torn write ends anywhere, but the writer ends each batch with its #CRC line: a file
      // ending exactly with one after a cut-off command was written whole and damaged since.
      this.corrupt(this.tailStart, 'the command here runs to the end of the file, which ends with a complete #CRC annotation: damage, not a torn write');
    }
    let truncatedAt: number | null = null;
    let checksum: AofChecksum;
    let droppedCommands = 0;
    if (this.multi !== null) {
      truncatedAt = this.multiStart;
      checksum = this.multiSum!;
      droppedCommands = this.multi.length;
      if (this.tailReason === '') this.tailReason = 'unexpected end of file inside a MULTI/EXEC transaction';
    } else if (end > this.unitEnd) {
      truncatedAt = this.unitEnd;
      this.feedSum(this.unitEnd);
      assert(this.sumFed === this.unitEnd, 'aof reader: checksum fed past the last complete unit');
      checksum = this.sum;
    } else if (this.padSum !== null) {
      checksum = this.padSum;
    } else {
      this.feedSum(end);
      checksum = this.sum;
    }
    this.buf = EMPTY;
    this.pending = [];
    return {
      file: this.file,
      endOffset: end,
      commands: this.nCommands,
      annotations: this.nAnnotations,
      checksumsVerified: this.nVerified,
      truncatedAt,
      truncatedReason: truncatedAt === null ? '' : this.tailReason,
      droppedBytes: truncatedAt === null ? 0 : end - truncatedAt,
      droppedCommands,
      contentEnd: truncatedAt ?? this.contentEnd,
      checksum: checksum.clone(),
    };
  }

  /**
   * Throws. Once a checksum annotation has been verified in this file, damage found anywhere in
   * the range after it may have started anywhere in that range (a count or length changed earlier
   * in the batch is only noticed later), so the offset given is the range's start: truncating
   * there keeps only verified bytes. Before that, it is the start of the unit being read.
   */
  private corrupt(offset: number, reason: string): never {
    if (this.nVerified > 0 && this.rangeStart < offset) {
      reason += ` (found at offset ${offset}, in the checksummed range starting at ${this.rangeStart})`;
      offset = this.rangeStart;
    }
    throw new AofCorruptionError(this.file, offset, reason, this.repairPath);
  }

  /**
   * A unit broke the grammar at buf[at]: corruption, unless every byte from there on is pad (a
   * torn write into preallocated space), which is only known at the end of the file. Until
   * then the reader stops parsing and only checks that the bytes still coming are pad.
   */
  private damaged(at: number, offset: number, reason: string): never {
    try {
      this.corrupt(offset, reason);
    } catch (err) {
      if (!(err instanceof AofCorruptionError) || !allPadBytes(this.buf, at)) throw err;
      // The buffer stays (finish() feeds the checksum up to the truncation point from it).
      this.padTail = err;
    }
    throw TORN_INTO_PAD;
  }

  /** Feeds the checksum with the file's bytes up to offset `to` (which must still be buffered). */
  private feedSum(to: number): void {
    if (to <= this.sumFed) return;
    this.sum.update(this.buf, this.sumFed - this.base, to - this.base);
    this.sumFed = to;
  }

  /** Drops consumed bytes, feeding them to the checksum first; keeps the command under way. */
  private compact(): void {
    if (this.tail !== null) return;
    const keep = this.cmdStart >= 0 ? this.cmdStart : this.base + this.pos;
    this.feedSum(keep);
    if (keep - this.base >= this.buf.length) {
      this.base += this.buf.length;
      this.buf = EMPTY;
      this.pos = 0;
    } else if (keep > this.base) {
      // The command under way stays; the reader does not own chunk memory, so it is not copied
      // until the next chunk arrives.
      this.buf = this.buf.subarray(keep - this.base);
      this.pos -= keep - this.base;
      this.base = keep;
    }
  }

  /** The rest of the file is a tail to drop, starting with a cut-off unit at `partialStart`. */
  private startTail(partialStart: number, reason: string): void {
    this.feedSum(partialStart);
    this.tail = new TailScan(this.sum.clone(), partialStart);
    this.tailReason = reason;
    this.tailStart = partialStart;
  }

  private tailStart = -1;

  private checkTail(): void {
    if (this.tail !== null && this.tail.found >= 0) {
      this.corrupt(
        this.tailStart,
        `the command here runs past an intact checksummed batch (its #CRC annotation at offset ${this.tail.found} matches), ` +
          'so this is damage, not a torn write',
      );
    }
  }

  private parse(out: AofCommand[]): void {
    const buf = this.buf;
    const end = buf.length;
    const limits = this.limits;
    let pos = this.pos;
    for (;;) {
      if (this.argsLeft === 0) {
        // Between units.
        if (pos >= end) break;
        const c = buf[pos];
        if (c === STAR) {
          const start = pos;
          let p = pos + 1;
          let n = 0;
          const stop = Math.min(end, p + HEADER_DIGITS_MAX + 1);
          for (; p < stop; p++) {
            const d = buf[p] - 0x30;
            if (d < 0 || d > 9) break;
            n = n * 10 + d;
          }
          if (p >= end) {
            this.cmdStart = this.base + start;
            break;
          }
          if (buf[p] !== CR || p === pos + 1) this.damaged(p, this.base + start, `invalid multibulk header ${describeLine(buf, start)}`);
          if (p + 1 >= end) {
            this.cmdStart = this.base + start;
            break;
          }
          if (buf[p + 1] !== LF) this.damaged(p + 1, this.base + start, `multibulk header not ended by CRLF ${describeLine(buf, start)}`);
          if (n < 1 || n > limits.multibulkLenMax) {
            this.corrupt(this.base + start, `invalid multibulk length ${n} (must be 1..${limits.multibulkLenMax})`);
          }
          this.cmdStart = this.base + start;
          this.argsLeft = n;
          this.argv = [];
          pos = p + 2;
        } else if (c === HASH) {
          const start = pos;
          const nl = buf.indexOf(LF, pos);
          if (nl < 0 || nl - pos + 1 > ANNOTATION_LINE_BYTES) {
            if (end - pos >= ANNOTATION_LINE_BYTES || nl >= 0) {
              this.corrupt(this.base + start, `annotation line longer than ${ANNOTATION_LINE_BYTES} bytes`);
            }
            if (startsLikeChecksumAnnotation(buf, pos) && end - pos >= CRC_ANNOTATION_BYTES) {
              this.damaged(checksumAnnotationBreak(buf, start), this.base + start, `malformed checksum annotation ${describeLine(buf, start)}`);
            }
            this.cmdStart = this.base + start;
            break;
          }
          if (startsLikeChecksumAnnotation(buf, pos)) this.checksumLine(buf, start, nl + 1);
          this.nAnnotations++;
          if (this.multi === null) {
            if (!isPadLine(buf, pos, nl)) {
              this.contentEnd = this.base + nl + 1;
              this.padSum = null;
            } else if (this.padSum === null) {
              this.feedSum(this.base + pos);
              this.padSum = this.sum.clone();
            }
          }
          pos = nl + 1;
          if (this.multi === null) this.unitEnd = this.base + pos;
          this.cmdStart = -1;
          continue;
        } else {
          this.damaged(pos, this.base + pos, `expected '*' or '#' at the start of a command, got ${describeByte(c)}`);
        }
      }
      // Arguments.
      while (this.argsLeft > 0) {
        if (this.bulkLen < 0) {
          if (pos >= end) break;
          const start = pos;
          if (buf[pos] !== DOLLAR) this.damaged(pos, this.cmdStart, `expected '$' at offset ${this.base + pos}, got ${describeByte(buf[pos])}`);
          let p = pos + 1;
          let n = 0;
          const stop = Math.min(end, p + HEADER_DIGITS_MAX + 1);
          for (; p < stop; p++) {
            const d = buf[p] - 0x30;
            if (d < 0 || d > 9) break;
            n = n * 10 + d;
          }
          if (p >= end) break;
          if (buf[p] !== CR || p === start + 1) this.damaged(p, this.cmdStart, `invalid bulk header at offset ${this.base + start} ${describeLine(buf, start)}`);
          if (p + 1 >= end) break;
          if (buf[p + 1] !== LF) this.damaged(p + 1, this.cmdStart, `bulk header at offset ${this.base + start} not ended by CRLF`);
          if (n > limits.bulkBytesMax || n > STRING_BYTES_MAX) {
            this.corrupt(this.cmdStart, `invalid bulk length ${n} at offset ${this.base + start} (limit ${Math.min(limits.bulkBytesMax, STRING_BYTES_MAX)})`);
          }
          pos = p + 2;
          this.bulkLen = n;
          if (this.base + pos + n + 2 > this.sizeBytes) {
            // Cut off by the end of the file: scan the rest instead of buffering it.
            this.pos = pos;
            this.startTail(this.cmdStart, 'unexpected end of file inside a command');
            this.tail!.feed(buf.subarray(this.cmdStart - this.base));
            this.checkTail();
            this.buf = EMPTY;
            this.base = this.base + end;
            this.pos = 0;
            return;
          }
        }
        const len = this.bulkLen;
        if (end - pos < len + 2) {
          this.needEnd = this.base + pos + len + 2;
          break;
        }
        if (buf[pos + len] !== CR || buf[pos + len + 1] !== LF) {
          const at = buf[pos + len] !== CR ? pos + len : pos + len + 1;
          this.damaged(at, this.cmdStart, `bulk of ${len} bytes at offset ${this.base + pos} not followed by CRLF`);
        }
        this.argv.push(this.argv.length === 0 ? this.names.at(buf, pos, len) : latin1String(buf, pos, len));
        pos += len + 2;
        this.bulkLen = -1;
        this.argsLeft--;
      }
      if (this.argsLeft > 0) break;
      this.commandDone(out, this.base + pos);
    }
    this.pos = pos;
  }

  /** A complete command ending at file offset `endOffset`. */
  private commandDone(out: AofCommand[], endOffset: number): void {
    const cmd: AofCommand = { argv: this.argv, offset: this.cmdStart };
    this.argv = [];
    this.cmdStart = -1;
    const name = cmd.argv[0];
    const kind = name.length === 5 && name.toLowerCase() === 'multi' ? 1 : name.length === 4 && name.toLowerCase() === 'exec' ? 2 : 0;
    if (this.multi !== null) {
      if (kind === 1) this.corrupt(cmd.offset, `MULTI inside the MULTI at offset ${this.multiStart}`);
      this.multi.push(cmd);
      if (kind === 2) {
        for (const c of this.multi) out.push(c);
        this.nCommands += this.multi.length;
        this.multi = null;
        this.multiSum = null;
        this.unitEnd = this.contentEnd = endOffset;
        this.padSum = null;
      }
      return;
    }
    if (kind === 2) this.corrupt(cmd.offset, 'EXEC without MULTI');
    if (kind === 1) {
      this.feedSum(cmd.offset);
      this.multiSum = this.sum.clone();
      this.multiStart = cmd.offset;
      this.multi = [cmd];
      return;
    }
    out.push(cmd);
    this.nCommands++;
    this.unitEnd = this.contentEnd = endOffset;
    this.padSum = null;
  }

  /** Verifies a `#CRC:` line at buf[start, lineEnd). */
  private checksumLine(buf: Buffer, start: number, lineEnd: number): void {
    const offset = this.base + start;
    const value = lineEnd - start === CRC_ANNOTATION_BYTES ? parseChecksumAnnotation(buf, start) : null;
    if (value === null) this.damaged(checksumAnnotationBreak(buf, start), offset, `malformed checksum annotation ${describeLine(buf, start)}`);
    this.feedSum(offset);
    if (this.sum.value() !== value) {
      this.corrupt(
        this.rangeStart,
        `checksum mismatch: the bytes from offset ${this.rangeStart} to ${offset} do not match the #CRC annotation at offset ${offset} ` +
          '(silent damage inside the range)',
      );
    }
    this.nVerified++;
    this.sum = new AofChecksum();
    this.rangeStart = this.sumFed = this.base + lineEnd;
  }
}

function describeByte(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/** The start of a line, printable, for error messages. */
function describeLine(buf: Buffer, start: number): string {
  const text = buf.latin1Slice(start, Math.min(buf.length, start + 32));
  const cut = text.indexOf('\n');
  return JSON.stringify(cut >= 0 ? text.slice(0, cut + 1) : text);
}

/** Reads a whole in-memory stream (tests, small files). Throws AofCorruptionError. */
export function readAofBuffer(buf: Buffer, file: string, options: AofReaderOptions = {}): { commands: AofCommand[]; result: AofReadResult } {
  const reader = new AofCommandReader(file, { sizeBytes: (options.start ?? 0) + buf.length, ...options });
  const commands: AofCommand[] = [];
  reader.feed(buf, commands);
  return { commands, result: reader.finish() };
}

export interface AofFileReadOptions extends Omit<AofReaderOptions, 'sizeBytes'> {
  /** Bytes per read (default AOF_READ_CHUNK_BYTES). */
  chunkBytes?: number;
  /** Display name in errors and the result (default: the path). */
  fileName?: string;
  /**
   * Receives the commands of each read, in order, in batches (a transaction is never split).
   * May return a promise (to yield to the event loop while loading); reading waits for it.
   */
  onBatch: (commands: AofCommand[]) => void | Promise<void>;
}

/**
 * Streams a file through an AofCommandReader. Resolves with the result (truncatedAt set when the
 * tail was dropped; the file is not changed), rejects with AofCorruptionError on damage.
 */
export async function readAofFile(path: string, options: AofFileReadOptions): Promise<AofReadResult> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const start = options.start ?? 0;
    const reader = new AofCommandReader(options.fileName ?? path, { ...options, start, sizeBytes: size });
    const chunkBytes = options.chunkBytes ?? AOF_READ_CHUNK_BYTES;
    let at = start;
    while (at < size) {
      // A fresh buffer per read: the reader may keep a reference to it.
      const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, size - at));
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, at);
      if (bytesRead === 0) break;
      at += bytesRead;
      const out: AofCommand[] = [];
      reader.feed(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead), out);
      if (out.length > 0) await options.onBatch(out);
    }
    return reader.finish();
  } finally {
    await fh.close();
  }
}
