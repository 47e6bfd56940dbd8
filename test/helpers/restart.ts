/**
 * Concord nodes that outlive their process: started on a given port and directory, killed with
 * SIGKILL (a crash) or stopped with SIGTERM, and started again on the same directory. The
 * directory belongs to the test (makeTempDir / removeDir), not to the node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONCORD_BIN, waitForPing } from './servers.js';

/** How long a node that is expected to refuse to start gets to exit. */
const FAILED_START_TIMEOUT_MS = 20_000;
/** How long SIGTERM gets before the node is killed. */
const STOP_TIMEOUT_MS = 10_000;

export interface ConcordNode {
  readonly port: number;
  readonly dir: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** kill -9; resolves once the process is gone. */
  crash(): Promise<void>;
  /** SIGTERM (a clean shutdown); resolves once the process exited. The directory stays. */
  stop(): Promise<void>;
}

/** Every process this module started and that has not exited yet, for stopAllNodes(). */
const live = new Set<ChildProcess>();

export function makeTempDir(prefix = 'concord-persist-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The command line startConcord uses, on a chosen port and directory. */
export function concordArgs(port: number, dir: string, extra: readonly string[]): string[] {
  return [CONCORD_BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extra];
}

function spawnNode(port: number, dir: string, extra: readonly string[]): { child: ChildProcess; output: () => string; exited: Promise<void> } {
  const child = spawn(process.execPath, concordArgs(port, dir, extra), { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => {
    // 'close', not 'exit': the output streams are drained by then.
    child.once('close', () => {
      live.delete(child);
      resolve();
    });
  });
  return { child, output: () => out, exited };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Starts Concord on `port` and `dir` and waits until it answers PING (so loading is over). */
export async function launchConcord(port: number, dir: string, extra: readonly string[] = []): Promise<ConcordNode> {
  const { child, output, exited } = spawnNode(port, dir, extra);
  try {
    await waitForPing(port, child);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${(err as Error).message}\n--- node output ---\n${output()}`);
  }
  return {
    port,
    dir,
    child,
    output,
    crash: async () => {
      if (!hasExited(child)) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (hasExited(child)) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Starts Concord on `dir` expecting it to refuse to start: resolves with its exit code and output
 * once it exits; throws when it answers PING instead (or does not exit in time).
 */
export async function failedStart(port: number, dir: string, extra: readonly string[] = []): Promise<{ code: number | null; output: string }> {
  const { child, output, exited } = spawnNode(port, dir, extra);
  const started = waitForPing(port, child).then(
    () => 'started' as const,
    () => 'failed' as const,
  );
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), FAILED_START_TIMEOUT_MS).unref());
  const first = await Promise.race([exited.then(() => 'exited' as const), started, timeout]);
  if (first !== 'exited' && !hasExited(child)) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`expected the node to refuse to start, but it ${first === 'started' ? 'answered PING' : 'did not exit'}\n${output()}`);
  }
  await exited;
  return { code: child.exitCode, output: output() };
}

/** Kills every node this module started that is still running (test teardown). */
export async function stopAllNodes(): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const child of live) {
    if (hasExited(child)) continue;
    waits.push(new Promise<void>((resolve) => child.once('close', () => resolve())));
    child.kill('SIGKILL');
  }
  await Promise.all(waits);
  live.clear();
}
