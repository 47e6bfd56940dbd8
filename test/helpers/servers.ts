/** Starts real server processes for tests: Concord's CLI and a real redis-server, on free loopback ports. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/test/helpers -> dist/src/cli/concord-server.js */
export const CONCORD_BIN = join(here, '..', '..', 'src', 'cli', 'concord-server.js');
/** How long a server gets to answer its first PING. */
const START_TIMEOUT_MS = 10_000;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  port: number;
  dir: string;
  child: ChildProcess;
  /** Everything the process printed, for assertions on log lines. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Resolves once a PING on `port` gets a reply: +PONG, or -NOAUTH from a node that requires a
 * password (it is up all the same).
 */
export async function waitForPing(port: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child !== undefined && child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.setTimeout(500);
      s.once('connect', () => s.write('PING\r\n'));
      s.once('data', (d) => {
        s.destroy();
        const reply = d.toString();
        resolve(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
      });
      s.once('error', () => resolve(false));
      s.once('timeout', () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`server on port ${port} did not answer PING`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startProcess(cmd: string, args: (port: number, dir: string) => string[]): Promise<ServerProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'concord-test-'));
  const child = spawn(cmd, args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitForPing(port, child);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return {
    port,
    dir,
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** A Concord node started through its real CLI, as a user would. */
export function startConcord(extra: string[] = []): Promise<ServerProcess> {
  return startProcess(process.execPath, (port, dir) => [
    CONCORD_BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extra,
  ]);
}

/** A real redis-server for differential and interoperability tests. */
export function startRedis(extra: string[] = []): Promise<ServerProcess> {
  return startProcess('redis-server', (port, dir) => [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...extra,
  ]);
}
