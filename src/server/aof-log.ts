/**
 * The append-only file in Redis 7's multi-part layout: `<dir>/<appenddirname>/` holds a
 * manifest, one base file (an RDB written from a snapshot) and incremental files of RESP
 * commands (the effect stream). This class owns the directory: loading it at start, appending
 * through an AofWriter, rewriting it, and turning it on and off at run time.
 *
 * A rewrite, crash-safe at every step:
 *   1. create the next incr file and persist a manifest listing the old base, the old incr
 *      files and the new one;
 *   2. in one event-loop turn: switch the writer to the new incr file and start the snapshot
 *      (so the new incr file holds exactly the effects after the snapshot's instant);
 *   3. write the snapshot as the next base (temp file, fsync, rename);
 *   4. persist a manifest of the new base and the new incr file; delete the old files.
 * A crash before 4 loads the old base plus every incr file; after 4, the new base plus the new incr.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AofChecksum } from '../persistence/aof-checksum.js';
import {
  afterRewrite, emptyManifest, formatManifest, manifestName, parseManifest, tempManifestName, withNewIncr, withoutHistory,
  writeManifestAtomically,
  type AofFileInfo, type AofManifest,
} from '../persistence/aof-manifest.js';
import { AofCorruptionError, isRdbPreamble, readAofFile, type AofCommand } from '../persistence/aof-reader.js';
import { AofWriter, type FsyncPolicy } from '../persistence/aof-writer.js';
import { loadRdb } from '../persistence/load.js';
import { fsyncDirSync, saveSnapshotInBackground, saveSnapshotSync, type SaveOutcome } from '../persistence/rdb-file.js';
import { Client, LOADING_CLIENT_ID } from './client.js';
import { execute } from './dispatch.js';
import { fileSize, removeQuietly } from '../persistence/files.js';
import type { Job, Persistence } from './persistence.js';
import type { ConcordServer } from './server.js';

/** Commands replayed per loading slice before checking the clock. */
const REPLAY_CHECK_EVERY = 1024;
const REPLAY_SLICE_MS = 20;

export class AofLog {
  manifest: AofManifest = emptyManifest();
  writer: AofWriter | null = null;
  /** Size of base + incr files when the last rewrite ended (auto-aof-rewrite's reference). */
  baseSize = 0;
  lastRewriteOk = true;
  rewrites = 0;
  consecutiveFailures = 0;
  lastRewriteSec = -1;
  private lastWriteError: string | null = null;

  constructor(private readonly server: ConcordServer, private readonly persistence: Persistence) {}

  get dir(): string {
    return join(this.server.config.getString('dir'), this.server.config.getString('appenddirname'));
  }

  private get fileName(): string {
    return this.server.config.getString('appendfilename');
  }

  private get policy(): FsyncPolicy {
    return this.server.config.getString('appendfsync') as FsyncPolicy;
  }

  exists(): boolean {
    return existsSync(join(this.dir, manifestName(this.fileName)));
  }

  get enabled(): boolean {
    return this.writer !== null;
  }

  // -------------------------------------------------------------------------------------------
  // Loading

  /** Loads the base and every incr file the manifest lists, in order. */
  async load(): Promise<void> {
    const server = this.server;
    const started = server.clock.monotonic();
    const manifestPath = join(this.dir, manifestName(this.fileName));
    this.manifest = parseManifest(readFileSync(manifestPath));
    const files: AofFileInfo[] = [...(this.manifest.base !== null ? [this.manifest.base] : []), ...this.manifest.incrs];
    const client = this.replayClient();
    let total = 0;
    for (let i = 0; i < files.length; i++) {
      const info = files[i];
      const path = join(this.dir, info.name);
      if (!existsSync(path)) {
        if (info.type === 'i' && i === files.length - 1 && fileSize(path) === 0) continue;
        throw new Error(`The AOF file ${info.name} listed in the manifest does not exist`);
      }
      const last = i === files.length - 1;
      const { commands, truncatedAt, reason, end, contentEnd } = await this.loadFile(path, info, client);
      total += commands;
      if (truncatedAt === null && last && contentEnd < end) {
        // Pad the writer kept ahead of its content (aof-prealloc.ts): normal after a kill.
        server.log.log('notice', `Removing ${end - contentEnd} bytes of preallocated space after the last command of ${info.name}`);
        truncateFile(path, contentEnd);
      }
      if (truncatedAt !== null) {
        if (!last) throw new Error(`Fatal error: the truncated file ${info.name} is not the last file (${reason} at byte ${truncatedAt})`);
        if (!server.config.getBool('aof-load-truncated')) {
          throw new Error(`Unexpected end of file reading the append only file ${info.name} at byte ${truncatedAt}. You can: 1) Make a backup of your AOF file, then use ./concord-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`);
        }
        server.log.log('warning', `!!! Warning: short read while loading the AOF file ${info.name} (${reason}; ${end - truncatedAt} bytes dropped at byte ${truncatedAt})!!!`);
        truncateFile(path, truncatedAt);
        server.log.log('warning', 'AOF loaded anyway because aof-load-truncated is enabled');
      }
    }
    this.baseSize = this.currentSize();
    server.log.log('notice', `DB loaded from append only file: ${((server.clock.monotonic() - started) / 1000).toFixed(3)} seconds (${total} commands)`);
  }

  private replayClient(): Client {
    return Client.internal(LOADING_CLIENT_ID, 'aof-loader', this.server.clock.now());
  }

  private async loadFile(
    path: string, info: AofFileInfo, client: Client,
  ): Promise<{ commands: number; truncatedAt: number | null; reason: string; end: number; contentEnd: number }> {
    const server = this.server;
    const head = Buffer.alloc(5);
    const fd = openSync(path, 'r');
    const n = readSync(fd, head, 0, 5, 0);
    closeSync(fd);
    let start = 0;
    if (n === 5 && isRdbPreamble(head)) {
      const buf = readFileSync(path);
      const { progress, reader } = await loadRdb(buf, server.keyspace, this.persistence.loadOptions(), { allowTrailingBytes: true });
      this.persistence.lastLoad = progress;
      server.log.log('notice', `Loading RDB base ${info.name}: ${progress.keysLoaded} keys loaded, ${progress.keysExpired} expired`);
      start = reader.end;
      if (start === buf.length) return { commands: 0, truncatedAt: null, reason: '', end: start, contentEnd: start };
    }
    let sliceStart = server.clock.monotonic();
    let count = 0;
    const result = await readAofFile(path, {
      start,
      fileName: info.name,
      repairPath: join(this.dir, manifestName(this.fileName)),
      onBatch: async (commands: AofCommand[]) => {
        server.beginBatch();
        for (const c of commands) {
          execute(server, client, c.argv);
          server.out.discard();
          if ((++count % REPLAY_CHECK_EVERY) === 0 && server.clock.monotonic() - sliceStart >= REPLAY_SLICE_MS) {
            await new Promise<void>((resolve) => setImmediate(resolve));
            sliceStart = server.clock.monotonic();
            server.beginBatch();
          }
        }
      },
    }).catch((err: unknown) => {
      if (err instanceof AofCorruptionError) throw new Error(err.message);
      throw err;
    });
    if (client.multi !== null) client.multi = null;
    this.resumeChecksum = result.checksum;
    return {
      commands: result.commands, truncatedAt: result.truncatedAt, reason: result.truncatedReason, end: result.endOffset, contentEnd: result.contentEnd,
    };
  }

  /** The checksum state at the end of the last loaded file, continued by the writer. */
  private resumeChecksum: AofChecksum | null = null;

  // -------------------------------------------------------------------------------------------
  // Writing

  /** After loading at start: append to the last incr file, or create the directory's first files. */
  openAtStart(): void {
    mkdirSync(this.dir, { recursive: true });
    const last = this.manifest.incrs[this.manifest.incrs.length - 1];
    if (this.exists() && last !== undefined) {
      const path = join(this.dir, last.name);
      this.attachWriter(path, this.resumeChecksum);
      return;
    }
    // No AOF yet: a base from the current data (normally empty, or what dump.rdb held), then incr 1.
    const { manifest: withBase, base } = afterRewrite(this.manifest, this.fileName, true, false);
    const snapshot = this.persistence.beginSnapshot(true);
    try {
      saveSnapshotSync(snapshot, join(this.dir, base.name), () => this.server.clock.monotonic());
    } finally {
      if (this.server.snapshot === snapshot) this.server.snapshot = null;
    }
    const { manifest, file } = withNewIncr(withoutHistory(withBase), this.fileName);
    closeSync(openSync(join(this.dir, file.name), 'a'));
    writeManifestSync(this.dir, this.fileName, manifest);
    this.manifest = manifest;
    this.server.log.log('notice', `Creating AOF base file ${base.name} on server start`);
    this.attachWriter(join(this.dir, file.name), null);
    this.baseSize = this.currentSize();
  }

  private attachWriter(path: string, checksum: AofChecksum | null): void {
    const server = this.server;
    const useChecksum = server.config.getBool('aof-checksum');
    const fd = openSync(path, 'r+');
    const writer = new AofWriter(
      { fd, path, size: fileSize(path), checksum: useChecksum ? (checksum ?? new AofChecksum()) : null },
      this.policy,
      {
        release: (offset) => server.releaseHeld(offset),
        failed: (err) => {
          if (this.lastWriteError === null) server.log.log('warning', `Error writing to the AOF file: ${err.message}`);
          this.lastWriteError = err.message;
          this.persistence.updateWriteRefusal();
        },
        monotonicMs: () => server.clock.monotonic(),
        othersMayWrite: () => server.othersMayWrite(),
      },
    );
    writer.preallocBytes = server.config.getInt('aof-prealloc-size');
    this.writer = writer;
    server.aofWriter = writer;
    server.effects.push(writer);
  }

  private detachWriter(): void {
    const writer = this.writer;
    if (writer === null) return;
    this.writer = null;
    this.server.aofWriter = null;
    const i = this.server.effects.indexOf(writer);
    if (i >= 0) this.server.effects.splice(i, 1);
    try {
      writer.close();
    } finally {
      this.server.releaseHeld(Number.MAX_SAFE_INTEGER);
    }
  }

  writeError(): string | null {
    if (this.writer === null) return null;
    if (this.writer.lastError === null) this.lastWriteError = null;
    return this.lastWriteError;
  }

  tick(): void {
    const writer = this.writer;
    if (writer === null) return;
    const hadError = this.lastWriteError !== null;
    writer.tick();
    if (hadError && writer.lastError === null) {
      this.server.log.log('warning', 'AOF write error looks solved, Redis can write again.');
      this.lastWriteError = null;
      this.persistence.updateWriteRefusal();
    }
  }

  setPolicy(policy: FsyncPolicy): void {
    if (this.writer === null) return;
    // Make what the old policy left unsynced durable before replies stop waiting or start to.
    this.writer.drainSync();
    this.writer.policy = policy;
  }

  /** CONFIG SET appendonly yes: start appending now and write a base from a snapshot. */
  enable(): void {
    if (this.writer !== null) return;
    mkdirSync(this.dir, { recursive: true });
    if (this.exists()) this.manifest = parseManifest(readFileSync(join(this.dir, manifestName(this.fileName))));
    this.persistence.cancelJob('rdb');
    void this.persistence.startRewrite();
  }

  /** CONFIG SET appendonly no. */
  disable(): void {
    this.persistence.cancelJob('aof');
    this.detachWriter();
  }

  /** Writes and fsyncs everything appended so far. */
  sync(): void {
    this.writer?.drainSync();
  }

  close(): void {
    this.detachWriter();
  }

  // -------------------------------------------------------------------------------------------
  // Rewrite

  async rewrite(job: Job): Promise<boolean> {
    const server = this.server;
    const started = server.clock.monotonic();
    const aofOn = this.writer !== null || server.config.getBool('appendonly');
    server.log.log('notice', 'Background append only file rewriting started');
    try {
      mkdirSync(this.dir, { recursive: true });
      if (aofOn) {
        const { manifest, file } = withNewIncr(this.manifest, this.fileName);
        const path = join(this.dir, file.name);
        closeSync(openSync(path, 'a'));
        await writeManifestAtomically(this.dir, this.fileName, manifest);
        if (job.cancelled) throw new Error('rewrite cancelled');
        this.manifest = manifest;
        // Same turn: the new incr file starts exactly where the snapshot's instant is.
        if (this.writer !== null) this.writer.switchTo(this.openFile(path));
        else this.attachWriter(path, null);
      }
      job.snapshot = this.persistence.beginSnapshot(true);
      const { base } = afterRewrite(this.manifest, this.fileName, true, aofOn);
      let outcome: SaveOutcome;
      try {
        outcome = await saveSnapshotInBackground(job.snapshot, join(this.dir, base.name), {
          monotonicMs: () => server.clock.monotonic(),
          isCancelled: () => job.cancelled,
        });
      } finally {
        if (server.snapshot === job.snapshot) server.snapshot = null;
      }
      this.persistence.snapshotDone(job, outcome);
      const done = afterRewrite(this.manifest, this.fileName, true, aofOn);
      await writeManifestAtomically(this.dir, this.fileName, done.manifest);
      this.manifest = done.manifest;
      for (const h of done.manifest.history) {
        server.log.log('notice', `Removing the history file ${h.name} in the background`);
        removeQuietly(join(this.dir, h.name));
      }
      this.manifest = withoutHistory(done.manifest);
      await writeManifestAtomically(this.dir, this.fileName, this.manifest);
      this.baseSize = this.currentSize();
      this.lastRewriteOk = true;
      this.consecutiveFailures = 0;
      this.rewrites++;
      server.log.log('notice', `Background AOF rewrite terminated with success (${outcome.keys} keys, longest slice ${outcome.maxSliceMs.toFixed(1)} ms)`);
      server.log.log('notice', 'Background AOF rewrite finished successfully');
      return true;
    } catch (err) {
      if (!job.cancelled) {
        this.lastRewriteOk = false;
        this.consecutiveFailures++;
        server.log.log('warning', `Background AOF rewrite failed: ${(err as Error).message}`);
      }
      return false;
    } finally {
      this.lastRewriteSec = Math.round((server.clock.monotonic() - started) / 1000);
    }
  }

  private openFile(path: string): { fd: number; path: string; size: number; checksum: AofChecksum | null } {
    return {
      fd: openSync(path, 'r+'),
      path,
      size: fileSize(path),
      checksum: this.server.config.getBool('aof-checksum') ? new AofChecksum() : null,
    };
  }

  /** Bytes of the base and incr files (the file being written: its content, not its pad). */
  currentSize(): number {
    let total = 0;
    if (this.manifest.base !== null) total += fileSize(join(this.dir, this.manifest.base.name));
    const writing = this.writer?.path;
    for (const f of this.manifest.incrs) {
      const path = join(this.dir, f.name);
      total += path === writing ? this.writer!.fileBytes : fileSize(path);
    }
    return total;
  }

  /** auto-aof-rewrite-percentage / auto-aof-rewrite-min-size, as Redis's serverCron checks them. */
  wantsAutoRewrite(): boolean {
    if (this.writer === null) return false;
    const cfg = this.server.config;
    const percentage = cfg.getInt('auto-aof-rewrite-percentage');
    if (percentage === 0) return false;
    const size = this.currentSize();
    if (size < cfg.getInt('auto-aof-rewrite-min-size')) return false;
    const base = this.baseSize > 0 ? this.baseSize : 1;
    const growth = ((size - base) * 100) / base;
    if (growth < percentage) return false;
    this.server.log.log('notice', `Starting automatic rewriting of AOF on ${Math.floor(growth)}% growth`);
    return true;
  }

  infoFields(currentRewriteSec: number): Array<[string, string | number]> {
    const fields: Array<[string, string | number]> = [
      ['aof_enabled', this.writer !== null ? 1 : 0],
      ['aof_rewrite_in_progress', currentRewriteSec >= 0 ? 1 : 0],
      ['aof_rewrite_scheduled', this.persistence.rewriteScheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', this.lastRewriteSec],
      ['aof_current_rewrite_time_sec', currentRewriteSec],
      ['aof_last_bgrewrite_status', this.lastRewriteOk ? 'ok' : 'err'],
      ['aof_rewrites', this.rewrites],
      ['aof_rewrites_consecutive_failures', this.consecutiveFailures],
      ['aof_last_write_status', this.lastWriteError === null ? 'ok' : 'err'],
      ['aof_last_cow_size', 0],
    ];
    if (this.writer !== null) {
      const w = this.writer;
      fields.push(
        ['aof_current_size', this.currentSize()],
        ['aof_base_size', this.baseSize],
        ['aof_pending_rewrite', this.persistence.rewriteScheduled ? 1 : 0],
        ['aof_buffer_length', w.appended - w.written],
        ['aof_pending_bio_fsync', w.written > w.synced ? 1 : 0],
        ['aof_delayed_fsync', 0],
        // Concord's own: system calls made by the writer, to see group commit at work.
        ['concord_aof_write_calls', w.writeCalls],
        ['concord_aof_fsync_calls', w.fsyncCalls],
      );
    }
    return fields;
  }
}

/** The manifest, written and made durable before returning (server start has nothing else to do). */
function writeManifestSync(dir: string, appendfilename: string, m: AofManifest): void {
  const tmp = join(dir, tempManifestName(appendfilename));
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, formatManifest(m), 0, 'latin1');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, manifestName(appendfilename)));
  fsyncDirSync(dir);
}

function truncateFile(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}
