/** The embeddable API: start a Concord node inside a Node process (tests, tools, apps). */
import { ConcordServer, type EffectSink } from './server/server.js';
import type { Clock } from './util/clock.js';
import { createLogger, type Logger } from './util/log.js';
import type { Random } from './util/random.js';

export { ConcordServer } from './server/server.js';
export type { EffectSink } from './server/server.js';
export { VERSION, REDIS_COMPAT_VERSION } from './server/version.js';

export interface StartOptions {
  /** 0 picks a free port. Default 6379. */
  port?: number;
  /** Data directory. Default ./data. */
  dir?: string;
  /** Addresses to listen on. Default 127.0.0.1. */
  bind?: string;
  /** Any other parameter by its redis.conf name, e.g. `{ requirepass: 'secret', 'maxclients': '100' }`. */
  config?: Record<string, string>;
  /** Log lines go nowhere unless a logger is given. */
  logger?: Logger;
  clock?: Clock;
  random?: Random;
  /** Receives every write's deterministic effect. */
  effects?: EffectSink;
}

export interface RunningNode {
  /** The port actually bound. */
  readonly port: number;
  readonly server: ConcordServer;
  close(): Promise<void>;
}

export async function startServer(options: StartOptions = {}): Promise<RunningNode> {
  const server = new ConcordServer({
    logger: options.logger ?? createLogger('notice', '', true),
    clock: options.clock,
    random: options.random,
  });
  const apply = (name: string, value: string): void => server.config.applyDirective(name, [value], true);
  // Embedded nodes are for tests and tools: no snapshot schedule unless asked.
  apply('save', '');
  apply('port', String(options.port ?? 6379));
  if (options.dir !== undefined) apply('dir', options.dir);
  if (options.bind !== undefined) apply('bind', options.bind);
  for (const [name, value] of Object.entries(options.config ?? {})) {
    server.config.applyDirective(name, value.split(' ').length > 1 && /^(save|client-output-buffer-limit|replicaof|slaveof|bind)$/i.test(name) ? value.split(' ') : [value], true);
  }
  if (options.effects !== undefined) server.effects.push(options.effects);
  await server.start();
  return {
    get port() {
      return server.port;
    },
    server,
    close: () => server.close(),
  };
}
