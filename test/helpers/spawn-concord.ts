/**
 * Starts the Concord CLI with arbitrary arguments (a config file, `--requirepass`...) and waits
 * until the port answers anything at all: `startConcord` waits for +PONG, which a node that
 * requires a password never sends before AUTH.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONCORD_BIN, freePort, type ServerProcess } from './servers.js';

const START_TIMEOUT_MS = 10_000;

/** Resolves once `PING` on `port` gets any reply (+PONG or -NOAUTH). */
export async function waitForAnyReply(port: number, isDead: () => boolean): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (isDead()) throw new Error('server exited before answering');
    const reply = await new Promise<string | null>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.setTimeout(500);
      s.once('connect', () => s.write('PING\r\n'));
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString('latin1'));
      });
      s.once('error', () => resolve(null));
      s.once('timeout', () => {
        s.destroy();
        resolve(null);
      });
    });
    if (reply !== null) return reply;
    if (Date.now() > deadline) throw new Error(`server on port ${port} did not answer PING`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface SpawnOptions {
  /** Builds the argument list after the binary; default: the same flags as startConcord. */
  args?: (port: number, dir: string) => string[];
  /** Extra flags appended to the default arguments. */
  extra?: string[];
}

/** Spawns `node concord-server.js ...` on a free port and a fresh temporary directory. */
export async function spawnConcord(options: SpawnOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'concord-test-'));
  const args = options.args?.(port, dir) ?? [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...(options.extra ?? []),
  ];
  const child = spawn(process.execPath, [CONCORD_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const dead = (): boolean => child.exitCode !== null || child.signalCode !== null;
  try {
    await waitForAnyReply(port, dead);
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
        if (dead()) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}
