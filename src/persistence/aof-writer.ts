/**
 * Appends the deterministic effect stream to the current incremental AOF file, with Redis's
 * three fsync policies:
 *
 * - always: every write of one event-loop turn goes out in one write() and one fdatasync()
 *   (group commit), and replies wait until their bytes are durable (the server holds them
 *   while mustHoldReplies()). A small group may wait a few more turns for other clients'
 *   writes (GATHER_TURNS_MAX), then is fsynced on the event loop, as Redis does; a big one on
 *   libuv's pool while the next turns gather the following group (LOOP_FSYNC_MAX_BYTES).
 * - everysec: one write() per turn, an fdatasync in the background about once a second.
 * - no: one write() per turn; the kernel flushes when it likes.
 * Under every policy replies wait at least for the turn's write(), as Redis writes the AOF in
 * beforeSleep before it sends replies: a killed process (not a crashed machine) loses no
 * acknowledged write even with `no`.
 *
 * Offsets count command bytes (annotations excluded) from the writer's start: `appended` is
 * what has been encoded, `synced` what a finished fdatasync covers.
 *
 * Writes go to explicit file offsets (the file is not opened O_APPEND): past the content, the
 * writer keeps up to `preallocBytes` of pad that later writes overwrite (aof-prealloc.ts).
 */
import { closeSync, fdatasync, fdatasyncSync, ftruncateSync, writeSync } from 'node:fs';
import { CommandEncoder } from '../protocol/command-encoder.js';
import { AofChecksum } from './aof-checksum.js';
import { LINE_FIX, endsBeforePadNewline, padBytes, padEndFor } from './aof-prealloc.js';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

/** everysec: the background fdatasync period. */
export const EVERYSEC_PERIOD_MS = 1000;

/**
 * always: a group of at most this many command bytes (about 85 SETs of small values) is
 * fsynced on the event loop, blocking it as Redis's fsync does; a bigger one on libuv's pool.
 * A small group means the turn had little to do, so there is little for the loop to overlap
 * with the fsync, and handing it to a pool thread costs more than it hides: on a loaded
 * machine the thread waits to be scheduled, and the loop, idle meanwhile, wakes for each
 * request that trickles in instead of reading them all in one batch once the fsync is done.
 * A big group means the next turn has as much work again, which the pool's fsync overlaps.
 * Measured with bench/compare.ts (SET -c 50 with appendfsync always): on the loop only,
 * -P 1 gained and -P 16 lost; on the pool only, the reverse; this split kept both gains.
 */
export const LOOP_FSYNC_MAX_BYTES = 4096;

/**
 * always: before a small group's write and fsync, the writer lets up to this many more
 * event-loop turns add to it, as long as each turn did add something and some connected client
 * is not already waiting on the group (hooks.othersMayWrite). This is PostgreSQL's commit_delay
 * with commit_siblings, measured in loop turns instead of microseconds: a turn whose poll finds
 * nothing costs one epoll_wait, far less than the fsync a request arriving just after the
 * group's would otherwise wait behind. With one client nobody else can add to its group, so it
 * is fsynced at once.
 * Measured with redis-benchmark SET -P 1 under always, servers side by side, medians of 6-8
 * alternating rounds: with 50 clients, 29.8 SETs per fsync became 37.5 and throughput rose
 * 10-16%; with 5 and 10 clients it rose 20-35%; with 1 client it did not move. Allowing 2, 4
 * or 8 turns measured the same within noise.
 */
export const GATHER_TURNS_MAX = 4;

export interface AofWriterHooks {
  /** Held replies up to `offset` may leave (fsynced under always, written otherwise). */
  release(offset: number): void;
  /** A write or fsync failed; the writer keeps the bytes and retries from retry(). */
  failed(err: Error): void;
  /** Monotonic ms, for the everysec period. */
  monotonicMs(): number;
  /** always: true when a connected client could still add to the group (one not waiting on it). */
  othersMayWrite(): boolean;
}

export interface AofFile {
  /** Opened for writing without O_APPEND: writes go to explicit offsets. */
  fd: number;
  path: string;
  /** Bytes already in the file (appending to an existing incr file); it holds no pad. */
  size: number;
  /** Running checksum to continue (the loader's, for an existing file), or null for none. */
  checksum: AofChecksum | null;
}

export class AofWriter {
  appended = 0;
  written = 0;
  synced = 0;
  /** write() and fdatasync() calls made (the group-commit benchmark and tests read them). */
  writeCalls = 0;
  fsyncCalls = 0;
  /** Content of the current file, annotations included, pad excluded: where the next write goes. */
  fileBytes: number;
  /** Pad kept after the content (aof-prealloc-size; 0: none, plain appends). */
  preallocBytes = 0;
  /** Physical end of the file: [fileBytes, allocEnd) is pad. */
  private allocEnd: number;
  /** After a failed pad write, the next try waits until the content has grown this far. */
  private padRetryAt = 0;
  /** Bytes of failed writes waiting for retry() (only what did not reach the file). */
  private unwritten: Buffer | null = null;
  /**
   * A fresh checksummed file starts with the annotation of the empty range, so a reader knows
   * from its first byte that every batch is checksummed (aof-reader.ts: error offsets).
   */
  private leadPending: boolean;
  lastError: Error | null = null;
  private readonly encoder = new CommandEncoder();
  private selectedDb = -1;
  private flushScheduled = false;
  private readonly flushBound = (): void => this.flush();
  /** always: loop turns the current small group has waited for company (GATHER_TURNS_MAX), and its size then. */
  private gatherTurns = 0;
  private gatheredBytes = 0;
  private syncInFlight = false;
  private lastSyncMs: number;
  private file: AofFile;

  constructor(file: AofFile, public policy: FsyncPolicy, private readonly hooks: AofWriterHooks) {
    this.file = file;
    this.fileBytes = this.allocEnd = file.size;
    this.leadPending = opensFresh(file);
    this.lastSyncMs = hooks.monotonicMs();
  }

  get path(): string {
    return this.file.path;
  }

  /** Appends one effect; SELECT goes first when the db differs from the previous effect's. */
  write(db: number, argv: readonly string[]): void {
    if (db !== this.selectedDb) {
      this.appended += this.encoder.append(['SELECT', String(db)]);
      this.selectedDb = db;
    }
    this.appended += this.encoder.append(argv);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushBound);
    }
  }

  /** True when replies must wait: some appended bytes are not written yet (under always: not fsynced yet). */
  mustHoldReplies(): boolean {
    return this.appended > (this.policy === 'always' ? this.synced : this.written);
  }

  /** True while the last write or fsync failed and has not been retried successfully. */
  get failing(): boolean {
    return this.lastError !== null;
  }

  /** Writes what this turn appended (once per turn; under always, not while an fsync runs). */
  flush(): void {
    this.flushScheduled = false;
    if (this.policy === 'always' && (this.syncInFlight || this.gatherAnotherTurn())) return;
    if (!this.writePending() || this.policy !== 'always') return;
    if (this.written - this.synced <= LOOP_FSYNC_MAX_BYTES) this.syncOnLoop();
    else this.startSync();
  }

  /** always: true when the small group waits one more loop turn for others' writes (GATHER_TURNS_MAX). */
  private gatherAnotherTurn(): boolean {
    const pending = this.encoder.pendingBytes;
    if (this.gatherTurns < GATHER_TURNS_MAX && pending > this.gatheredBytes && pending <= LOOP_FSYNC_MAX_BYTES &&
        this.unwritten === null && this.hooks.othersMayWrite()) {
      this.gatherTurns++;
      this.gatheredBytes = pending;
      this.flushScheduled = true;
      setImmediate(this.flushBound);
      return true;
    }
    this.gatherTurns = 0;
    this.gatheredBytes = 0;
    return false;
  }

  /** Writes pending bytes to the file; false when nothing could be written. */
  private writePending(): boolean {
    if (this.lastError !== null && this.unwritten === null) this.lastError = null;
    let bytes = this.unwritten;
    const upTo = this.appended;
    const fresh = this.encoder.take();
    if (fresh !== null) {
      const sum = this.file.checksum;
      const parts = bytes === null ? [] : [bytes];
      if (sum !== null && this.leadPending) parts.push(sum.annotate());
      this.leadPending = false;
      parts.push(fresh);
      if (sum !== null) {
        sum.update(fresh);
        parts.push(sum.annotate());
      }
      let length = 0;
      for (const part of parts) length += part.length;
      if ((this.preallocBytes > 0 || this.fileBytes < this.allocEnd) && endsBeforePadNewline(this.fileBytes + length)) {
        parts.push(LINE_FIX);
        sum?.update(LINE_FIX);
      }
      bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    }
    if (bytes === null) return false;
    let off = 0;
    const at = this.fileBytes;
    try {
      while (off < bytes.length) {
        off += writeSync(this.file.fd, bytes, off, bytes.length - off, at + off);
        this.writeCalls++;
      }
      this.unwritten = null;
      this.fileBytes += bytes.length;
      if (this.fileBytes > this.allocEnd) this.extendPad();
      this.written = upTo;
      this.lastError = null;
      if (this.policy !== 'always') this.hooks.release(upTo);
      return true;
    } catch (err) {
      // Keep what did not reach the file; nothing after a failed write may reach it first.
      this.fileBytes += off;
      this.unwritten = off === 0 ? bytes : bytes.subarray(off);
      this.lastError = err as Error;
      this.hooks.failed(err as Error);
      return false;
    }
  }

  /**
   * The content ran past the pad: write new pad after it, in the same group, so this group's
   * fdatasync is the one that commits the new size and the following ones find blocks already
   * written. A failure (a full disk) is not the group's: the file is cut back to its content
   * and the writer goes on appending, trying again once another preallocBytes were appended.
   */
  private extendPad(): void {
    this.allocEnd = this.fileBytes;
    if (this.preallocBytes <= 0 || this.fileBytes < this.padRetryAt) return;
    const end = padEndFor(this.fileBytes, this.preallocBytes);
    const pad = padBytes(this.fileBytes, end);
    try {
      let off = 0;
      while (off < pad.length) off += writeSync(this.file.fd, pad, off, pad.length - off, this.fileBytes + off);
      this.allocEnd = end;
    } catch {
      this.trimPad();
      this.padRetryAt = this.fileBytes + this.preallocBytes;
    }
  }

  /** Cuts the pad off the file (a clean close, a move to a new file): Redis gets plain content. */
  private trimPad(): void {
    try {
      ftruncateSync(this.file.fd, this.fileBytes);
      this.allocEnd = this.fileBytes;
    } catch {
      // Left as is: the pad is valid annotation lines, and the loader cuts it off at start.
    }
  }

  private syncOnLoop(): void {
    const upTo = this.written;
    this.fsyncCalls++;
    try {
      fdatasyncSync(this.file.fd);
    } catch (err) {
      this.lastError = err as Error;
      this.hooks.failed(err as Error);
      return;
    }
    this.markSynced(upTo);
  }

  private startSync(): void {
    this.syncInFlight = true;
    const upTo = this.written;
    const fd = this.file.fd;
    this.fsyncCalls++;
    fdatasync(fd, (err) => {
      this.syncInFlight = false;
      if (fd !== this.file.fd) {
        // The writer moved to a new file meanwhile (drainSync made this one durable).
        closeQuietly(fd);
        if (this.policy === 'always' && this.encoder.pendingBytes > 0) this.flush();
        return;
      }
      if (err !== null) {
        this.lastSyncMs = this.hooks.monotonicMs();
        this.lastError = err;
        this.hooks.failed(err);
        return;
      }
      this.markSynced(upTo);
      if (this.policy === 'always' && this.encoder.pendingBytes > 0) this.flush();
    });
  }

  /** An fdatasync covering `upTo` succeeded. */
  private markSynced(upTo: number): void {
    this.lastSyncMs = this.hooks.monotonicMs();
    if (upTo > this.synced) this.synced = upTo;
    // A retried fsync that succeeds ends the failure (no write may come first: they are refused).
    if (this.unwritten === null) this.lastError = null;
    if (this.policy === 'always') this.hooks.release(this.synced);
  }

  /** Called from the server cron: everysec fsyncs, and retries after a failure. */
  tick(): void {
    if (this.unwritten !== null) {
      if (this.writePending() && this.policy === 'always' && !this.syncInFlight) this.startSync();
      return;
    }
    if (this.syncInFlight || this.written <= this.synced) return;
    // always: a failed fdatasync is retried; everysec: the periodic one.
    if (this.policy === 'always' || (this.policy === 'everysec' && this.hooks.monotonicMs() - this.lastSyncMs >= EVERYSEC_PERIOD_MS)) {
      this.startSync();
    }
  }

  /**
   * Writes and fsyncs everything now, blocking (rotation to a new file, shutdown, policy
   * change). Throws when the disk refuses.
   */
  drainSync(): void {
    this.flushScheduled = false;
    this.writePending();
    if (this.lastError !== null) throw this.lastError;
    if (this.policy !== 'no' || this.written > this.synced) {
      this.fsyncCalls++;
      fdatasyncSync(this.file.fd);
    }
    this.synced = this.written;
    this.hooks.release(this.synced);
  }

  /** Continues in a new file (rewrite start): SELECT is repeated there, as Redis does. */
  switchTo(file: AofFile): void {
    this.drainSync();
    this.trimPad();
    const old = this.file;
    this.file = file;
    this.fileBytes = this.allocEnd = file.size;
    this.padRetryAt = 0;
    this.leadPending = opensFresh(file);
    this.selectedDb = -1;
    // An fdatasync may still run on the old descriptor; its callback closes it then.
    if (!this.syncInFlight) closeQuietly(old.fd);
  }

  close(): void {
    try {
      this.drainSync();
      if (this.allocEnd > this.fileBytes) {
        this.trimPad();
        fdatasyncSync(this.file.fd);
      }
    } finally {
      closeQuietly(this.file.fd);
    }
  }
}

/** An empty checksummed file: its first write starts with the empty range's annotation. */
function opensFresh(file: AofFile): boolean {
  return file.size === 0 && file.checksum !== null;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}
