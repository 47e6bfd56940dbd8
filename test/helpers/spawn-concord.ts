/** Starts the Concord CLI with arbitrary arguments (a config file, `--requirepass`...). */
import { CONCORD_BIN, startProcess, type ServerProcess } from './servers.js';

export interface SpawnOptions {
  /** Builds the argument list after the binary; default: the same flags as startConcord. */
  args?: (port: number, dir: string) => string[];
  /** Extra flags appended to the default arguments. */
  extra?: string[];
}

/** Spawns `node concord-server.js ...` on a free port and a fresh temporary directory. */
export function spawnConcord(options: SpawnOptions = {}): Promise<ServerProcess> {
  return startProcess(process.execPath, (port, dir) => [
    CONCORD_BIN,
    ...(options.args?.(port, dir) ?? ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...(options.extra ?? [])]),
  ]);
}
