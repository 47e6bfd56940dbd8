/**
 * The node's persistence: RDB snapshots (SAVE, BGSAVE, the save schedule), the append-only file
 * (effects appended with the fsync policy, rewrites, turning it on and off) and loading at start.
 *
 * One background job runs at a time, as Redis runs one child: a BGSAVE or an AOF rewrite. Both
 * walk the same copy-on-write Snapshot (persistence/snapshot.ts); the server points
 * `server.snapshot` at it so writes capture their keys first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Snapshot } from '../persistence/snapshot.js';
import { saveSnapshotInBackground, saveSnapshotSync, type SaveOutcome } from '../persistence/rdb-file.js';
import { loadRdb, type LoadProgress } from '../persistence/load.js';
import { RdbError } from '../persistence/rdb-reader.js';
import { AofLog } from './aof-log.js';
import type { ConcordServer } from './server.js';

/** After a failed BGSAVE the schedule waits this long before trying again (Redis's CONFIG_BGSAVE_RETRY_DELAY). */
const BGSAVE_RETRY_DELAY_MS = 5000;

export type JobKind = 'rdb' | 'aof' | 'repl';

export interface Job {
  kind: JobKind;
  snapshot: Snapshot | null;
  startedMono: number;
  cancelled: boolean;
}

export interface SnapshotReport {
  keys: number;
  bytes: number;
  durationMs: number;
  /** Longest single slice (or the start) on the event loop. */
  maxSliceMs: number;
  startMs: number;
  copiedOnWrite: number;
  expiryRecords: number;
}

export class Persistence {
  lastSaveMs: number;
  lastBgsaveOk = true;
  private lastBgsaveTryMs = 0;
  lastBgsaveSec = -1;
  saves = 0;
  job: Job | null = null;
  bgsaveScheduled = false;
  rewriteScheduled = false;
  lastSnapshot: SnapshotReport | null = null;
  lastLoad: LoadProgress = { keysLoaded: 0, keysExpired: 0 };
  loadingStartMs = 0;
  loadingTotalBytes = 0;
  private dirtyAtSaveStart = 0;
  readonly aof: AofLog;

  constructor(private readonly server: ConcordServer) {
    this.lastSaveMs = server.clock.now();
    this.aof = new AofLog(server, this);
  }

  get rdbPath(): string {
    return join(this.server.config.getString('dir'), this.server.config.getString('dbfilename'));
  }

  // -------------------------------------------------------------------------------------------
  // Start

  /** Loads the data files (the AOF when appendonly is on, else dump.rdb) and opens the AOF. */
  async loadAtStart(): Promise<void> {
    const server = this.server;
    server.loading = true;
    this.loadingStartMs = server.clock.now();
    try {
      const aofOn = server.config.getBool('appendonly');
      if (aofOn && this.aof.exists()) {
        await this.aof.load();
      } else if (existsSync(this.rdbPath)) {
        await this.loadRdbFile(this.rdbPath);
      }
      if (aofOn) this.aof.openAtStart();
    } finally {
      server.loading = false;
    }
  }

  private async loadRdbFile(path: string): Promise<void> {
    const server = this.server;
    const started = server.clock.monotonic();
    const buf = readFileSync(path);
    this.loadingTotalBytes = buf.length;
    try {
      const { progress, reader } = await loadRdb(buf, server.keyspace, this.loadOptions());
      this.lastLoad = progress;
      const ver = reader.aux.get('redis-ver');
      if (ver !== undefined) server.log.log('notice', `Loading RDB produced by version ${ver}`);
      server.log.log('notice', `Done loading RDB, keys loaded: ${progress.keysLoaded}, keys expired: ${progress.keysExpired}.`);
      server.log.log('notice', `DB loaded from disk: ${((server.clock.monotonic() - started) / 1000).toFixed(3)} seconds`);
    } catch (err) {
      const why = err instanceof RdbError ? err.message : (err as Error).message;
      throw new Error(`Cannot load ${path}: ${why}. Check the file with concord-check-rdb or move it away to start empty.`);
    }
  }

  loadOptions(): Parameters<typeof loadRdb>[2] {
    const server = this.server;
    return {
      nowMs: server.clock.now(),
      dropExpired: true,
      monotonicMs: () => server.clock.monotonic(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots

  /** Starts a copy-on-write snapshot of the keyspace as it is now. */
  beginSnapshot(aofBase = false, aux: ReadonlyArray<readonly [string, string]> = []): Snapshot {
    const server = this.server;
    const snapshot = new Snapshot(server.keyspace.dbs, {
      nowMs: server.clock.now(),
      usedMemBytes: server.usedMemoryBytes,
      compression: server.config.getBool('rdbcompression'),
      aofBase,
      aux,
    }, () => server.clock.monotonic());
    server.snapshot = snapshot;
    return snapshot;
  }

  private endSnapshot(snapshot: Snapshot, outcome: SaveOutcome | null, startedMono: number): void {
    if (this.server.snapshot === snapshot) this.server.snapshot = null;
    if (outcome === null) return;
    const s = snapshot.stats;
    this.lastSnapshot = {
      keys: outcome.keys,
      bytes: outcome.bytes,
      durationMs: this.server.clock.monotonic() - startedMono,
      maxSliceMs: outcome.maxSliceMs,
      startMs: s.startMs,
      copiedOnWrite: s.copiedOnWrite,
      expiryRecords: s.expiryRecords,
    };
  }

  /** SAVE: blocks until dump.rdb is written. Returns an error text or null. */
  save(): string | null {
    const server = this.server;
    // One snapshot at a time (the copy-on-write marks are shared): Redis refuses SAVE during a
    // BGSAVE too; during a rewrite or a replica sync Concord refuses where Redis would not.
    if (this.job?.kind === 'rdb' || server.snapshot !== null) return 'ERR Background save already in progress';
    const startedMono = server.clock.monotonic();
    const snapshot = this.beginSnapshot();
    try {
      const outcome = saveSnapshotSync(snapshot, this.rdbPath, () => server.clock.monotonic());
      this.endSnapshot(snapshot, outcome, startedMono);
    } catch (err) {
      this.endSnapshot(snapshot, null, startedMono);
      server.log.log('warning', `Failed saving the DB: ${(err as Error).message}`);
      this.lastBgsaveOk = false;
      this.updateWriteRefusal();
      return 'ERR';
    }
    server.log.log('notice', 'DB saved on disk');
    this.saved(server.dirty);
    return null;
  }

  private saved(dirtyBefore: number): void {
    const server = this.server;
    server.dirty = Math.max(0, server.dirty - dirtyBefore);
    this.lastSaveMs = server.clock.now();
    this.lastBgsaveOk = true;
    this.saves++;
    this.updateWriteRefusal();
  }

  /** BGSAVE [SCHEDULE]: the reply (a status) or an error text starting with ERR. */
  bgsave(schedule: boolean): { ok: string } | { err: string } {
    if (this.job?.kind === 'rdb' || this.job?.kind === 'repl') return { err: 'ERR Background save already in progress' };
    if (this.job !== null) {
      if (!schedule) {
        return { err: "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible." };
      }
      this.bgsaveScheduled = true;
      return { ok: 'Background saving scheduled' };
    }
    this.startBgsave();
    return { ok: 'Background saving started' };
  }

  /** Starts a background save; the returned promise settles when it ends (tests, SHUTDOWN). */
  startBgsave(): Promise<boolean> {
    const server = this.server;
    const startedMono = server.clock.monotonic();
    const snapshot = this.beginSnapshot();
    const job: Job = { kind: 'rdb', snapshot, startedMono, cancelled: false };
    this.job = job;
    this.dirtyAtSaveStart = server.dirty;
    this.lastBgsaveTryMs = server.clock.now();
    server.log.log('notice', 'Background saving started');
    return saveSnapshotInBackground(snapshot, this.rdbPath, {
      monotonicMs: () => server.clock.monotonic(),
      isCancelled: () => job.cancelled,
    }).then(
      (outcome) => {
        this.endSnapshot(snapshot, outcome, startedMono);
        server.log.log('notice', `Background saving terminated with success (${outcome.keys} keys, ${outcome.bytes} bytes, longest slice ${outcome.maxSliceMs.toFixed(1)} ms)`);
        this.saved(this.dirtyAtSaveStart);
        return true;
      },
      (err: Error) => {
        this.endSnapshot(snapshot, null, startedMono);
        if (!job.cancelled) {
          server.log.log('warning', `Background saving error: ${err.message}`);
          this.lastBgsaveOk = false;
          this.updateWriteRefusal();
        }
        return false;
      },
    ).finally(() => {
      this.lastBgsaveSec = Math.round((server.clock.monotonic() - startedMono) / 1000);
      if (this.job === job) this.job = null;
      this.jobEnded();
    });
  }

  /** BGREWRITEAOF: the reply or an error. */
  bgrewriteaof(): { ok: string } | { err: string } {
    if (this.job?.kind === 'aof') return { err: 'ERR Background append only file rewriting already in progress' };
    if (this.job !== null) {
      this.rewriteScheduled = true;
      return { ok: 'Background append only file rewriting scheduled' };
    }
    void this.startRewrite();
    return { ok: 'Background append only file rewriting started' };
  }

  /** Runs an AOF rewrite as the background job; resolves to whether it succeeded. */
  startRewrite(): Promise<boolean> {
    const server = this.server;
    const job: Job = { kind: 'aof', snapshot: null, startedMono: server.clock.monotonic(), cancelled: false };
    this.job = job;
    this.rewriteScheduled = false;
    return this.aof.rewrite(job).finally(() => {
      if (job.snapshot !== null && server.snapshot === job.snapshot) server.snapshot = null;
      if (this.job === job) this.job = null;
      this.jobEnded();
    });
  }

  /** Records how a rewrite's snapshot went (AofLog calls this). */
  snapshotDone(job: Job, outcome: SaveOutcome | null): void {
    if (job.snapshot !== null) this.endSnapshot(job.snapshot, outcome, job.startedMono);
  }

  /** Stops the running job (AOF turned off during a rewrite, shutdown). */
  cancelJob(kind?: JobKind): void {
    if (this.job !== null && (kind === undefined || this.job.kind === kind)) this.job.cancelled = true;
  }

  /** The background job slot is free: scheduled saves, rewrites and replica syncs may start. */
  jobEnded(): void {
    if (this.job !== null) return;
    if (!this.rewriteScheduled && !this.bgsaveScheduled) {
      this.server.replication.jobSlotFree();
      return;
    }
    if (this.rewriteScheduled) {
      void this.startRewrite();
    } else if (this.bgsaveScheduled) {
      this.bgsaveScheduled = false;
      void this.startBgsave();
    }
  }

  /** MISCONF when the last save failed, save points exist and stop-writes-on-bgsave-error is on. */
  updateWriteRefusal(): void {
    const server = this.server;
    const points = server.config.get<Array<[number, number]>>('save');
    let refusal: string | null = null;
    if (!this.lastBgsaveOk && points.length > 0 && server.config.getBool('stop-writes-on-bgsave-error')) {
      refusal = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
    }
    const aofError = this.aof.writeError();
    if (refusal === null && aofError !== null) refusal = `MISCONF Errors writing to the AOF file: ${aofError}`;
    server.writesRefused = refusal;
  }

  // -------------------------------------------------------------------------------------------
  // Cron, shutdown, INFO

  /** Called from the server cron: the save schedule, AOF fsync/retry and automatic rewrite. */
  cron(nowMs: number): void {
    this.aof.tick();
    if (this.job !== null) return;
    const server = this.server;
    const points = server.config.get<Array<[number, number]>>('save');
    for (const [seconds, changes] of points) {
      if (server.dirty >= changes && nowMs - this.lastSaveMs > seconds * 1000 &&
          (this.lastBgsaveOk || nowMs - this.lastBgsaveTryMs > BGSAVE_RETRY_DELAY_MS)) {
        server.log.log('notice', `${changes} changes in ${seconds} seconds. Saving...`);
        void this.startBgsave();
        return;
      }
    }
    if (this.aof.wantsAutoRewrite()) void this.startRewrite();
  }

  /**
   * SHUTDOWN: stops the running job, flushes the AOF, and saves when asked (or by default when
   * save points exist). Returns false when the save failed (the node keeps running, as in Redis).
   */
  shutdown(save: boolean | null): boolean {
    const server = this.server;
    this.cancelJob();
    if (server.snapshot !== null) {
      server.snapshot.abandon();
      server.snapshot = null;
    }
    this.job = null;
    try {
      this.aof.sync();
    } catch (err) {
      server.log.log('warning', `Error flushing the AOF at shutdown: ${(err as Error).message}`);
    }
    const points = server.config.get<Array<[number, number]>>('save');
    if (save === true || (save === null && points.length > 0)) {
      server.log.log('notice', 'Saving the final RDB snapshot before exiting.');
      if (this.save() !== null) {
        server.log.log('warning', 'Error trying to save the DB, can\'t exit.');
        return false;
      }
    }
    try {
      this.aof.close();
    } catch (err) {
      server.log.log('warning', `Error closing the AOF at shutdown: ${(err as Error).message}`);
    }
    return true;
  }

  infoFields(): Array<[string, string | number]> {
    const server = this.server;
    const mono = server.clock.monotonic();
    const job = this.job;
    const snap = server.snapshot;
    const rdbJob = job?.kind === 'rdb' ? job : null;
    const aofJob = job?.kind === 'aof' ? job : null;
    const fields: Array<[string, string | number]> = [
      ['loading', server.loading ? 1 : 0],
      ['async_loading', 0],
      ['current_cow_peak', 0],
      ['current_cow_size', 0],
      ['current_cow_size_age', 0],
      ['current_fork_perc', snap !== null && snap.stats.keys > 0 ? ((100 * snap.stats.written) / snap.stats.keys).toFixed(2) : '0.00'],
      ['current_save_keys_processed', snap?.stats.written ?? 0],
      ['current_save_keys_total', snap?.stats.keys ?? 0],
      ['rdb_changes_since_last_save', server.dirty],
      ['rdb_bgsave_in_progress', rdbJob !== null ? 1 : 0],
      ['rdb_last_save_time', Math.floor(this.lastSaveMs / 1000)],
      ['rdb_last_bgsave_status', this.lastBgsaveOk ? 'ok' : 'err'],
      ['rdb_last_bgsave_time_sec', this.lastBgsaveSec],
      ['rdb_current_bgsave_time_sec', rdbJob !== null ? Math.round((mono - rdbJob.startedMono) / 1000) : -1],
      ['rdb_saves', this.saves],
      ['rdb_last_cow_size', 0],
      ['rdb_last_load_keys_expired', this.lastLoad.keysExpired],
      ['rdb_last_load_keys_loaded', this.lastLoad.keysLoaded],
      ...this.aof.infoFields(aofJob !== null ? Math.round((mono - aofJob.startedMono) / 1000) : -1),
      ['module_fork_in_progress', 0],
      ['module_fork_last_cow_size', 0],
    ];
    if (this.lastSnapshot !== null) {
      // Concord's own: how the last snapshot shared the event loop with clients.
      fields.push(['concord_last_snapshot_longest_slice_ms', this.lastSnapshot.maxSliceMs.toFixed(1)]);
      fields.push(['concord_last_snapshot_copied_on_write', this.lastSnapshot.copiedOnWrite]);
    }
    if (server.loading) {
      fields.push(['loading_start_time', Math.floor(this.loadingStartMs / 1000)]);
      fields.push(['loading_total_bytes', this.loadingTotalBytes]);
      fields.push(['loading_rdb_used_mem', 0]);
      fields.push(['loading_loaded_bytes', 0]);
      fields.push(['loading_loaded_perc', '0.00']);
      fields.push(['loading_eta_seconds', 1]);
    }
    return fields;
  }
}
