/**
 * Writing a snapshot to its file atomically: a temp file in the same directory, fsync, rename
 * over the target, fsync of the directory. A crash at any point leaves either the previous
 * file or the new one, never a torn one.
 *
 * The background form spreads the walk across event-loop turns: each turn serializes about
 * SLICE_BYTES, hands them to the file (the write runs on libuv's pool while the next slice is
 * produced), and yields so clients are served between slices.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writevSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Snapshot } from './snapshot.js';

/** Bytes serialized per event-loop turn by a background save: small enough to keep each turn short. */
export const SLICE_BYTES = 128 * 1024;
/** Longest a slice may run, whatever its size (a large collection, a slow moment). */
export const SLICE_MS = 4;
/** Bytes produced but not yet on disk before the walk waits for the disk (bounds the memory a slow disk costs). */
export const UNWRITTEN_BYTES_MAX = 2 * 1024 * 1024;

export interface SaveOutcome {
  bytes: number;
  keys: number;
  /** Longest time one slice (or the start) held the event loop, in ms. */
  maxSliceMs: number;
}

/** Redis names its temp file after the saving process; one save runs at a time, so the pid suffices. */
export function tempPath(target: string, tag = 'temp'): string {
  return join(dirname(target), `${tag}-${process.pid}.rdb`);
}

/** Opens a directory and fsyncs it so a rename inside it is durable. */
export function fsyncDirSync(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is as durable as they allow.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** SAVE: the whole snapshot now, blocking the event loop (as Redis's SAVE blocks). */
export function saveSnapshotSync(snapshot: Snapshot, target: string, monotonicMs: () => number): SaveOutcome {
  const tmp = tempPath(target);
  const started = monotonicMs();
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  try {
    let finished = false;
    while (!finished) {
      finished = snapshot.produce(SLICE_BYTES * 16);
      const chunks = finished ? [...snapshot.writer.takeChunks(), ...snapshot.finish()] : snapshot.writer.takeChunks();
      bytes += writeAllSync(fd, chunks);
      snapshot.writer.recycle(chunks);
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    snapshot.abandon();
    safeUnlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, target);
  fsyncDirSync(dirname(target));
  return { bytes, keys: snapshot.stats.written, maxSliceMs: monotonicMs() - started };
}

function writeAllSync(fd: number, chunks: Buffer[]): number {
  let total = 0;
  for (const c of chunks) total += c.length;
  let left = chunks;
  let written = 0;
  while (written < total) {
    const n = writevSync(fd, left);
    written += n;
    left = dropBytes(left, n);
  }
  return total;
}

/** The chunks that remain after the first `n` bytes were written. */
function dropBytes(chunks: Buffer[], n: number): Buffer[] {
  let i = 0;
  while (i < chunks.length && n >= chunks[i].length) n -= chunks[i++].length;
  const rest = chunks.slice(i);
  if (n > 0 && rest.length > 0) rest[0] = rest[0].subarray(n);
  return rest;
}

export interface BackgroundSaveOptions {
  monotonicMs: () => number;
  /** Yields to the event loop between slices (setImmediate; a simulation passes its own). */
  yieldTurn?: () => Promise<void>;
  /** Set to true to stop the save (the temp file is removed). */
  isCancelled?: () => boolean;
  /** Called with the chunks as they are produced (a replica transfer sharing the snapshot). */
  onChunks?: (chunks: Buffer[]) => void;
}

export class SaveCancelled extends Error {
  constructor() {
    super('snapshot cancelled');
  }
}

/** BGSAVE: walks the snapshot in slices across event-loop turns and writes it atomically to `target`. */
export async function saveSnapshotInBackground(snapshot: Snapshot, target: string, options: BackgroundSaveOptions): Promise<SaveOutcome> {
  const now = options.monotonicMs;
  const yieldTurn = options.yieldTurn ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  const tmp = tempPath(target);
  const file = await open(tmp, 'w');
  let bytes = 0;
  let maxSliceMs = snapshot.stats.startMs;
  let inflight: Promise<unknown> = Promise.resolve();
  let unwritten = 0;
  try {
    let finished = false;
    while (!finished) {
      if (options.isCancelled?.() === true) throw new SaveCancelled();
      const t = now();
      finished = snapshot.produce(SLICE_BYTES, () => now() - t >= SLICE_MS);
      const chunks = finished ? [...snapshot.writer.takeChunks(), ...snapshot.finish()] : snapshot.writer.takeChunks();
      maxSliceMs = Math.max(maxSliceMs, now() - t);
      let n = 0;
      for (const c of chunks) n += c.length;
      bytes += n;
      if (n > 0) {
        options.onChunks?.(chunks);
        // Chunks also handed to replicas' sockets are theirs to keep.
        const reuse = options.onChunks === undefined;
        unwritten += n;
        const prev = inflight;
        inflight = prev.then(async () => {
          await writeAll(file, chunks);
          unwritten -= n;
          if (reuse) snapshot.writer.recycle(chunks);
        });
      }
      // Keep at most UNWRITTEN_BYTES_MAX waiting for the disk; otherwise just let clients in.
      if (unwritten > UNWRITTEN_BYTES_MAX) await inflight;
      else if (!finished) await yieldTurn();
    }
    await inflight;
    await file.sync();
  } catch (err) {
    snapshot.abandon();
    await inflight.catch(() => {});
    await file.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await file.close();
  await rename(tmp, target);
  fsyncDirSync(dirname(target));
  return { bytes, keys: snapshot.stats.written, maxSliceMs };
}

async function writeAll(file: import('node:fs/promises').FileHandle, chunks: Buffer[]): Promise<void> {
  let left = chunks;
  while (left.length > 0) {
    const { bytesWritten } = await file.writev(left);
    left = dropBytes(left, bytesWritten);
  }
}

function safeUnlinkSync(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
