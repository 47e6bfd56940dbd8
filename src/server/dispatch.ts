/**
 * The path of one command: table lookup, arity and permission checks, execution, statistics,
 * slowlog, MONITOR, and propagation of its deterministic effects.
 */
import { wrongArity } from '../commands/args.js';
import {
  FLAG_ADMIN, FLAG_DENYOOM, FLAG_FAST, FLAG_NO_AUTH, FLAG_LOADING, FLAG_NO_MULTI, FLAG_STALE, FLAG_READONLY, FLAG_SKIP_MONITOR, FLAG_SKIP_SLOWLOG, FLAG_WRITE,
  keyPositions, type BlockRequest, type CommandSpec, type Ctx, type NotifyClass,
} from '../commands/spec.js';
import type { Database } from '../keyspace/database.js';
import { KeyLimitError } from '../keyspace/database.js';
import type { ReplyWriter } from '../protocol/reply-writer.js';
import { LOADING_CLIENT_ID, MASTER_CLIENT_ID, type Client } from './client.js';
import { quoteRepr } from '../util/repr.js';
import type { ConcordServer } from './server.js';

/** The one context object, refilled before each command. */
export class ExecContext implements Ctx {
  client!: Client;
  db!: Database;
  /** The command being run (a blocked command is run again from it). */
  argv: string[] = [];
  now = 0;
  readonly out: ReplyWriter;
  changes = 0;
  failed = false;
  effects: string[][] | null = null;

  constructor(readonly server: ConcordServer) {
    this.out = server.out;
  }

  random(): number {
    return this.server.random.next();
  }

  error(message: string): void {
    this.failed = true;
    this.server.stats.error(message);
    this.out.error(message);
  }

  dirty(n = 1): void {
    this.changes += n;
  }

  propagate(argv: string[]): void {
    (this.effects ??= []).push(argv);
  }

  notify(cls: NotifyClass, event: string, key: string): void {
    this.server.pubsub.notifyKeyspaceEvent(cls, event, key, this.db.id);
  }

  keyReady(key: string): void {
    this.server.blocking.keyReady(this.db, key);
  }

  block(request: BlockRequest): boolean {
    return this.server.blocking.block(this.client, this.argv, request);
  }
}

/** Bounds the per-server cache of command names as clients spell them ("GET", "get"). */
const RAW_NAMES_MAX = 1024;

/** Finds the entry for argv, descending into subcommands. Returns an error text when there is none. */
export function resolve(server: ConcordServer, argv: readonly string[]): CommandSpec | string {
  const rawNames = server.commandsBySpelling;
  let spec = rawNames.get(argv[0]);
  if (spec === undefined) {
    spec = server.commands.get(argv[0].toLowerCase());
    if (spec !== undefined) {
      if (rawNames.size >= RAW_NAMES_MAX) rawNames.clear();
      rawNames.set(argv[0], spec);
    }
  }
  if (spec === undefined) return unknownCommand(argv);
  if (spec.subcommands === undefined) return spec;
  if (argv.length < 2) return spec.handler !== undefined ? spec : wrongArity(spec.name);
  const subName = `${spec.name}|${argv[1].toLowerCase()}`;
  const sub = spec.subcommands.find((s) => s.name === subName);
  if (sub === undefined) {
    return `ERR unknown subcommand '${argv[1].slice(0, 128)}'. Try ${spec.name.toUpperCase()} HELP.`;
  }
  return sub;
}

function unknownCommand(argv: readonly string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${argv[i].slice(0, 128 - args.length)}' `;
  return `ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`;
}

/** Runs one command. The caller starts each batch with `server.beginBatch()`. */
export function execute(server: ConcordServer, client: Client, argv: string[]): void {
  const ctx = server.ctx;
  const stats = server.stats;
  const resolved = resolve(server, argv);
  if (typeof resolved === 'string') {
    reject(server, client, resolved, null);
    return;
  }
  const spec = resolved;
  const argc = argv.length;
  if ((spec.arity > 0 && argc !== spec.arity) || argc < -spec.arity) {
    reject(server, client, wrongArity(spec.name), spec);
    return;
  }
  const bits = spec.bits;
  if (!client.authenticated && (bits & FLAG_NO_AUTH) === 0) {
    reject(server, client, 'NOAUTH Authentication required.', spec);
    return;
  }
  if (client.monitor && (bits & (FLAG_WRITE | FLAG_READONLY)) !== 0) {
    reject(server, client, "ERR Replica can't interact with the keyspace", spec);
    return;
  }
  if (server.loading && (bits & FLAG_LOADING) === 0 && client.id !== LOADING_CLIENT_ID) {
    reject(server, client, 'LOADING Redis is loading the dataset in memory', spec);
    return;
  }
  const limits = server.limits;
  const follower = server.follower;
  if (follower !== null && client.id < MASTER_CLIENT_ID) {
    if ((bits & FLAG_WRITE) !== 0 && limits.replicaReadOnly) {
      reject(server, client, "READONLY You can't write against a read only replica.", spec);
      return;
    }
    if ((bits & FLAG_STALE) === 0 && !follower.linkUp && !limits.replicaServeStaleData) {
      reject(server, client, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", spec);
      return;
    }
  }
  if ((bits & FLAG_WRITE) !== 0 && client.id < MASTER_CLIENT_ID) {
    if (server.writesPaused && client.multi === null && server.executeDepth === 0) {
      server.pauseWrite(client, argv);
      return;
    }
    if (server.writesRefused !== null) {
      reject(server, client, server.writesRefused, spec);
      return;
    }
    if (limits.minReplicasToWrite > 0) {
      const refusal = server.replication.writeRefusal();
      if (refusal !== null) {
        reject(server, client, refusal, spec);
        return;
      }
    }
  }
  if (limits.maxmemoryBytes > 0 && (bits & FLAG_DENYOOM) !== 0 && server.usedMemoryBytes > limits.maxmemoryBytes) {
    reject(server, client, "OOM command not allowed when used memory > 'maxmemory'.", spec);
    return;
  }
  if (client.subscriptions > 0 && client.resp === 2 && server.executeDepth === 0 && !server.pubsub.allows(client, spec.name)) {
    reject(server, client, server.pubsub.notAllowedError(spec.name), spec);
    return;
  }
  if (client.multi !== null && !TRANSACTION_CONTROL.has(spec.name)) {
    if ((bits & FLAG_NO_MULTI) !== 0) {
      reject(server, client, 'ERR Command not allowed inside a transaction', spec);
      return;
    }
    client.multi.queue.push(argv);
    server.out.simple('QUEUED');
    return;
  }

  ctx.client = client;
  ctx.argv = argv;
  ctx.db = server.keyspace.dbs[client.db];
  // One clock reading per command: a command starts where the previous one in the batch ended.
  const start = server.lastCommandEndMono;
  const topLevel = server.executeDepth === 0;
  server.executeDepth++;
  if (topLevel) server.openEffectUnit();
  // Inside EXEC every command sees EXEC's time, as in Redis, so expiry decisions are consistent.
  ctx.now = server.frozenNowMs ?? server.commandTimeMs(start);
  ctx.changes = 0;
  ctx.failed = false;
  ctx.effects = null;
  client.lastCommand = spec.name;
  const snapshot = server.snapshot;
  if (snapshot !== null && (bits & FLAG_WRITE) !== 0) {
    // Copy-on-write: the running snapshot captures what this command may change, first.
    for (const i of keyPositions(spec, argv)) snapshot.beforeWrite(ctx.db, argv[i]);
  }
  try {
    spec.handler!(ctx, argv);
  } catch (err) {
    if (err instanceof KeyLimitError) {
      ctx.error(err.message);
    } else {
      // A bug must not take the node down with every client's connection: report and go on.
      server.log.log('warning', `Internal error in '${spec.name}': ${(err as Error).stack ?? String(err)}`);
      ctx.error(`ERR internal error in '${spec.name}': ${(err as Error).message}`);
    }
  }
  server.executeDepth--;
  const end = server.clock.monotonic();
  server.lastCommandEndMono = end;
  const durationUs = Math.round((end - start) * 1000);

  stats.commandsProcessed++;
  const cs = stats.command(spec.name);
  cs.calls++;
  cs.usec += durationUs;
  if (ctx.failed) cs.failedCalls++;

  if (ctx.changes > 0) {
    server.dirty += ctx.changes;
    if ((ctx.effects as string[][] | null) === null && (bits & FLAG_WRITE) !== 0) server.emitEffect(client.db, argv);
  }
  const effects = ctx.effects as string[][] | null;
  if (effects !== null) for (const e of effects) server.emitEffect(client.db, e);
  if (topLevel) {
    server.closeEffectUnit();
    if (ctx.changes > 0 || effects !== null) client.woff = server.replication.primary.offset;
  }

  if (limits.slowlogSlowerThanUs >= 0 && durationUs >= limits.slowlogSlowerThanUs && (bits & FLAG_SKIP_SLOWLOG) === 0) {
    server.slowlog.record(argv, durationUs, ctx.now, client.addr, client.name, limits.slowlogLenMax);
  }
  if (limits.latencyThresholdMs > 0 && durationUs / 1000 >= limits.latencyThresholdMs) {
    server.latency.add((bits & FLAG_FAST) !== 0 ? 'fast-command' : 'command', Math.round(durationUs / 1000), ctx.now);
  }
  if (server.monitors.size > 0 && (bits & (FLAG_SKIP_MONITOR | FLAG_ADMIN)) === 0) {
    feedMonitors(server, client, argv, ctx.now);
  }
}

/** Commands that act on the transaction itself instead of being queued by MULTI. */
const TRANSACTION_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

function reject(server: ConcordServer, client: Client, message: string, spec: CommandSpec | null): void {
  // A command refused while queueing dooms the transaction (EXECABORT), as in Redis.
  if (client.multi !== null) client.multi.failed = true;
  if (spec !== null) server.stats.command(spec.name).rejectedCalls++;
  server.stats.error(message);
  server.out.error(message);
}

/** `+<sec>.<usec> [<db> <addr>] "arg" ...` to every MONITOR client, as Redis formats it. */
function feedMonitors(server: ConcordServer, client: Client, argv: readonly string[], nowMs: number): void {
  const sec = Math.floor(nowMs / 1000);
  const usec = String(Math.floor((nowMs % 1000) * 1000)).padStart(6, '0');
  let line = `+${sec}.${usec} [${client.db} ${client.addr}]`;
  for (const a of argv) line += ` ${quoteRepr(a)}`;
  const bytes = Buffer.from(`${line}\r\n`, 'latin1');
  for (const m of server.monitors) server.sendTo(m, bytes);
}
