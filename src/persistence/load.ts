/**
 * Loading data files into the keyspace: RDB entries stored directly, AOF commands replayed.
 * Both run in slices across event-loop turns so the node answers `-LOADING` meanwhile, as Redis
 * does between its loading events.
 */
import type { Keyspace } from '../keyspace/keyspace.js';
import { RdbError, RdbReader } from './rdb-reader.js';

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
}

export class LoadError extends Error {}

/** Stores every key of an RDB held in `buf` into `keyspace`; throws RdbError or LoadError. */
export async function loadRdb(buf: Buffer, keyspace: Keyspace, options: LoadOptions, readerOptions: { allowTrailingBytes?: boolean } = {}): Promise<{ progress: LoadProgress; reader: RdbReader }> {
  const reader = new RdbReader(buf, readerOptions);
  const progress: LoadProgress = { keysLoaded: 0, keysExpired: 0 };
  const yieldTurn = options.yieldTurn ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  const dbs = keyspace.dbs;
  let sliceStart = options.monotonicMs();
  let n = 0;
  for (const e of reader.entries()) {
    if (e.db >= dbs.length) {
      throw new LoadError(`FATAL: Data file was created with a Redis server configured to handle more than ${dbs.length} databases. Exiting`);
    }
    if (options.dropExpired && e.expireAtMs !== null && e.expireAtMs < options.nowMs) {
      progress.keysExpired++;
    } else {
      const db = dbs[e.db];
      if (!db.loadKey(e.key, e.value)) throw new RdbError(`duplicated key '${e.key}' in DB ${e.db}`, 0);
      if (e.expireAtMs !== null) db.setExpire(e.key, e.expireAtMs);
      progress.keysLoaded++;
    }
    if ((++n & 1023) === 0 && options.monotonicMs() - sliceStart >= LOAD_SLICE_MS) {
      options.onProgress?.(progress);
      await yieldTurn();
      sliceStart = options.monotonicMs();
    }
  }
  options.onProgress?.(progress);
  return { progress, reader };
}
