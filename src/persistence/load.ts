/**
 * Loading data files into the keyspace: RDB entries stored directly, AOF commands replayed.
 * Both run in slices across event-loop turns so the node answers `-LOADING` meanwhile, as Redis
 * does between its loading events.
 */
import type { Database } from '../keyspace/database.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import { RdbError, RdbReader, type RdbEntry } from './rdb-reader.js';
import { RdbStreamReader } from './rdb-stream.js';

/** How long one loading slice may hold the event loop. */
export const LOAD_SLICE_MS = 20;

export interface LoadProgress {
  keysLoaded: number;
  keysExpired: number;
}

export interface LoadOptions {
  /** Wall-clock ms: keys whose TTL has passed are dropped (a primary does; a replica keeps them). */
  nowMs: number;
  dropExpired: boolean;
  monotonicMs: () => number;
  yieldTurn?: () => Promise<void>;
  /** Bytes of the file consumed so far, for INFO's loading_loaded_bytes. */
  onProgress?: (progress: LoadProgress) => void;
  /** Asked between slices: true stops the load with a LoadError (a replica's link dropped). */
  cancelled?: () => boolean;
}

export class LoadError extends Error {}

const LOAD_CANCELLED = 'loading cancelled';

/** A key takes at least this many bytes of an RDB (type, key length, value length). */
const RDB_KEY_BYTES_MIN = 3;

/**
 * Stores every key of an RDB held in `buf` into `keyspace`; throws RdbError or LoadError.
 * RESIZEDB hints presize the key tables (as Redis's loader expands its dicts), so they never
 * grow while the keys arrive; a hint larger than the file could hold is capped by its size.
 */
export async function loadRdb(buf: Buffer, keyspace: Keyspace, options: LoadOptions, readerOptions: { allowTrailingBytes?: boolean } = {}): Promise<{ progress: LoadProgress; reader: RdbReader }> {
  const dbs = keyspace.dbs;
  const onSizeHint = (db: number, keys: number): void => dbs[db]?.reserve(Math.min(keys, Math.floor(buf.length / RDB_KEY_BYTES_MIN)));
  const reader = new RdbReader(buf, { ...readerOptions, onSizeHint });
  const progress: LoadProgress = { keysLoaded: 0, keysExpired: 0 };
  const yieldTurn = options.yieldTurn ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  let sliceStart = options.monotonicMs();
  let n = 0;
  for (let e = reader.next(); e !== null; e = reader.next()) {
    storeEntry(e, dbs, options, progress);
    if ((++n & 1023) === 0 && options.monotonicMs() - sliceStart >= LOAD_SLICE_MS) {
      options.onProgress?.(progress);
      await yieldTurn();
      if (options.cancelled?.() === true) throw new LoadError(LOAD_CANCELLED);
      sliceStart = options.monotonicMs();
    }
  }
  options.onProgress?.(progress);
  return { progress, reader };
}

function storeEntry(e: RdbEntry, dbs: Database[], options: LoadOptions, progress: LoadProgress): void {
  if (e.db >= dbs.length) {
    throw new LoadError(`FATAL: Data file was created with a Redis server configured to handle more than ${dbs.length} databases. Exiting`);
  }
  if (options.dropExpired && e.expireAtMs !== null && e.expireAtMs < options.nowMs) {
    progress.keysExpired++;
    return;
  }
  const db = dbs[e.db];
  if (!db.loadKey(e.key, e.value)) throw new RdbError(`duplicated key '${e.key}' in DB ${e.db}`, 0);
  if (e.expireAtMs !== null) db.setExpire(e.key, e.expireAtMs);
  progress.keysLoaded++;
}

/**
 * Loads an RDB while it arrives (a replica's full sync): push() the bytes as they come and
 * finish() after the last; keys are stored in slices of LOAD_SLICE_MS between reads, and
 * `done` settles once the file was read to its checksum (or rejects with RdbError/LoadError).
 */
export class RdbStreamLoad {
  readonly progress: LoadProgress = { keysLoaded: 0, keysExpired: 0 };
  readonly done: Promise<RdbStreamReader>;
  private readonly stream = new RdbStreamReader();
  private readonly dbs: Database[];
  private scheduled = false;
  private settled = false;
  private resolve!: (stream: RdbStreamReader) => void;
  private reject!: (err: Error) => void;

  constructor(keyspace: Keyspace, private readonly options: LoadOptions) {
    this.dbs = keyspace.dbs;
    this.done = new Promise<RdbStreamReader>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A failure nobody awaits yet (the transfer still runs) is not an unhandled rejection.
    this.done.catch(() => undefined);
  }

  push(chunk: Uint8Array): void {
    if (this.settled) return;
    this.stream.push(chunk);
    this.schedule();
  }

  finish(): void {
    if (this.settled) return;
    this.stream.finish();
    this.schedule();
  }

  /** Stops storing keys (the transfer broke off); `done` rejects. */
  abort(): void {
    if (!this.settled) this.settle(new LoadError(LOAD_CANCELLED));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.slice());
  }

  private slice(): void {
    this.scheduled = false;
    if (this.settled) return;
    const { options, dbs, progress } = this;
    if (options.cancelled?.() === true) {
      this.abort();
      return;
    }
    const sliceStart = options.monotonicMs();
    try {
      const more = this.stream.read((e) => storeEntry(e, dbs, options, progress), () => options.monotonicMs() - sliceStart >= LOAD_SLICE_MS);
      options.onProgress?.(progress);
      if (more) this.schedule();
      else if (this.stream.done) this.settle(null);
    } catch (err) {
      this.settle(err as Error);
    }
  }

  private settle(err: Error | null): void {
    this.settled = true;
    if (err === null) this.resolve(this.stream);
    else this.reject(err);
  }
}
