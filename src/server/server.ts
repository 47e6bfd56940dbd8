/**
 * A Concord node: listeners, connections, the periodic cron, and the state commands act on.
 * One thread executes commands; each runs to completion before the next starts.
 */
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import type { CommandSpec } from '../commands/spec.js';
import { buildCommandTable, type CommandTable } from '../commands/table.js';
import { ActiveExpire, CYCLE_TIME_PERCENT } from '../keyspace/active-expire.js';
import type { Database } from '../keyspace/database.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { ProtocolError } from '../protocol/errors.js';
import { ReplyWriter } from '../protocol/reply-writer.js';
import { systemClock, type Clock } from '../util/clock.js';
import { createLogger, type Logger, type LogLevel } from '../util/log.js';
import { systemRandom, type Random } from '../util/random.js';
import { Client } from './client.js';
import { Config } from './config.js';
import type { OutputBufferClass, OutputBufferLimit } from './config-values.js';
import { execute, ExecContext } from './dispatch.js';
import { LatencyMonitor } from './latency.js';
import { Slowlog } from './slowlog.js';
import { readSocket } from './socket-reads.js';
import { Stats } from './stats.js';
import { PubSub } from './pubsub.js';
import { Blocking } from './blocking.js';
import { Watches } from './watches.js';
import { Persistence } from './persistence.js';
import { Replication } from './replication.js';
import { Follower } from './follower.js';
import type { Snapshot } from '../persistence/snapshot.js';
import type { AofWriter, FsyncPolicy } from '../persistence/aof-writer.js';
import { REDIS_COMPAT_VERSION, VERSION } from './version.js';


const PROTECTED_MODE_MESSAGE =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: ' +
  "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
  "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
  "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
  '4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n';

/** Commands a blocked client may send before it is disconnected: a bound on memory it can pin. */
const PENDING_COMMANDS_MAX = 100_000;

/** Receives the deterministic effects of writes, in execution order (AOF and replicas later). */
export interface EffectSink {
  write(db: number, argv: readonly string[]): void;
}

export interface ServerOptions {
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Called when SHUTDOWN finished closing the server (the CLI exits the process). */
  onShutdown?: () => void;
}

export class ConcordServer {
  readonly config = new Config();
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  readonly stats = new Stats();
  readonly slowlog = new Slowlog();
  readonly latency = new LatencyMonitor();
  readonly clients = new Map<number, Client>();
  readonly monitors = new Set<Client>();
  readonly commands: CommandTable;
  /** Names as clients spell them -> entry, so dispatch skips toLowerCase on the hot path. */
  readonly commandsBySpelling = new Map<string, CommandSpec>();
  keyspace!: Keyspace;
  readonly effects: EffectSink[] = [];
  /** Changes since start (Redis's server.dirty); the save schedule reads it later. */
  dirty = 0;
  readonly startedAtMs: number;
  readonly runId: string;
  /** The port actually bound (differs from the config when it was 0). */
  port = 0;
  /** Absolute path of the config file given at start, or empty. */
  configFile = '';
  activeExpireEnabled = true;
  usedMemoryBytes = 0;
  peakMemoryBytes = 0;
  readonly onShutdown: () => void;
  readonly out = new ReplyWriter();
  readonly pubsub = new PubSub(this);
  readonly blocking = new Blocking(this);
  readonly watches = new Watches();
  /** Config values read on every command, kept current by config watchers. */
  readonly limits = {
    maxmemoryBytes: 0, slowlogSlowerThanUs: 10000, slowlogLenMax: 128, latencyThresholdMs: 0, queryBufferBytesMax: 1 << 30,
    authRequired: false, minReplicasToWrite: 0, replicaReadOnly: true, replicaServeStaleData: true, writeQuorum: 0,
  };
  readonly ctx: ExecContext;
  readonly persistence: Persistence;
  replication!: Replication;
  /** Set while this node is a replica (REPLICAOF host port). */
  follower: Follower | null = null;
  /** The running copy-on-write snapshot (BGSAVE, AOF rewrite): writes announce their keys to it. */
  snapshot: Snapshot | null = null;
  /** The AOF writer when appendonly is on: replies wait for it under appendfsync always. */
  aofWriter: AofWriter | null = null;
  /** While the data files load, commands without the loading flag get -LOADING. */
  loading = false;
  /** FAILOVER holds write commands (as CLIENT PAUSE WRITE) until it completes or aborts. */
  writesPaused = false;
  private readonly pausedWrites = new Map<Client, string[]>();
  /** When set, write commands get this error (MISCONF after a failed save or AOF write). */
  writesRefused: string | null = null;
  /**
   * Clients whose replies wait for an fsync: those with `held` set (a client closed meanwhile has
   * it cleared and is skipped). An array, not a Set: under appendfsync always every write's
   * client enters and leaves it once per fsync, and a Set's add, delete and rehash showed up.
   */
  private readonly heldClients: Client[] = [];
  private readonly activeExpire = new ActiveExpire();
  /** Wall and monotonic clock read together at the start of the current read's batch. */
  private batchWallMs = 0;
  private batchMonoMs = 0;
  /** When the last command ended (monotonic ms): the next command in the batch starts there. */
  lastCommandEndMono = 0;
  private listeners: net.Server[] = [];
  private cronTimer: NodeJS.Timeout | null = null;
  private nextClientId = 1;
  private closing: Promise<void> | null = null;
  private readonly parserLimits = { bulkBytesMax: 512 * 1024 * 1024, multibulkLenMax: 4194304 };
  private obufLimits!: Record<OutputBufferClass, OutputBufferLimit>;

  constructor(options: ServerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    this.log = options.logger ?? createLogger();
    this.onShutdown = options.onShutdown ?? (() => {});
    this.startedAtMs = this.clock.now();
    this.runId = Array.from({ length: 40 }, () => Math.floor(this.random.next() * 16).toString(16)).join('');
    this.commands = buildCommandTable();
    this.ctx = new ExecContext(this);
    this.persistence = new Persistence(this);
  }

  /** Applies the configuration and starts listening. */
  async start(): Promise<void> {
    const cfg = this.config;
    this.keyspace = new Keyspace(cfg.getInt('databases'), {
      expired: (db, key) => {
        this.emitEffect(db.id, ['DEL', key]);
        this.pubsub.notifyKeyspaceEvent('x', 'expired', key, db.id);
      },
      touched: (db, key) => this.watches.touched(db, key),
      beforeExpire: (db, key) => this.snapshot?.beforeWrite(db, key),
    });
    cfg.watch<number>('proto-max-bulk-len', (v) => (this.parserLimits.bulkBytesMax = v));
    cfg.watch<number>('proto-max-multibulk-len', (v) => (this.parserLimits.multibulkLenMax = v));
    cfg.watch<Record<OutputBufferClass, OutputBufferLimit>>('client-output-buffer-limit', (v) => (this.obufLimits = v));
    cfg.watch<LogLevel>('loglevel', (v) => (this.log.level = v));
    cfg.watch<string>('requirepass', (v) => {
      this.limits.authRequired = v !== '';
      // Clearing the password lets in clients that were waiting to authenticate, as in Redis.
      if (v === '') for (const c of this.clients.values()) c.setAuthenticated(true);
    });
    cfg.watch<number>('slowlog-max-len', (v) => {
      this.limits.slowlogLenMax = v;
      this.slowlog.trim(v);
    });
    cfg.watch<number>('maxmemory', (v) => (this.limits.maxmemoryBytes = v));
    cfg.watch<number>('client-query-buffer-limit', (v) => (this.limits.queryBufferBytesMax = v));
    cfg.watch<number>('slowlog-log-slower-than', (v) => (this.limits.slowlogSlowerThanUs = v));
    cfg.watch<number>('latency-monitor-threshold', (v) => (this.limits.latencyThresholdMs = v));
    cfg.watch<number>('hz', () => this.scheduleCron());
    this.replication = new Replication(this);
    cfg.watch<number>('min-replicas-to-write', (v) => (this.limits.minReplicasToWrite = v));
    cfg.watch<boolean>('replica-read-only', (v) => (this.limits.replicaReadOnly = v));
    cfg.watch<number>('write-quorum', (v) => {
      this.limits.writeQuorum = v;
      // Offsets must advance from the first write on, replicas or not, for writes to be counted.
      if (v > 0) this.replication.streamWrites();
    });
    cfg.watch<boolean>('replica-serve-stale-data', (v) => (this.limits.replicaServeStaleData = v));
    cfg.watch<number>('repl-stream-batch-ms', (v) => (this.replication.primary.batchMs = v));
    cfg.watch<number>('repl-backlog-size', (v) => {
      this.replication.primary.backlogSize = v;
      this.replication.primary.backlog?.resize(v);
    });
    const dir = cfg.getString('dir');
    mkdirSync(dir, { recursive: true });
    await this.listen();
    try {
      await this.persistence.loadAtStart();
    } catch (err) {
      await this.close();
      throw err;
    }
    cfg.watch<boolean>('appendonly', (on) => {
      if (on) this.persistence.aof.enable();
      else this.persistence.aof.disable();
    });
    cfg.watch<FsyncPolicy>('appendfsync', (policy) => this.persistence.aof.setPolicy(policy));
    cfg.watch<number>('aof-prealloc-size', (bytes) => {
      if (this.aofWriter !== null) this.aofWriter.preallocBytes = bytes;
    });
    const replicaof = cfg.get<{ host: string; port: number } | null>('replicaof');
    if (replicaof !== null) this.replicaOf(replicaof.host, replicaof.port);
    cfg.watch<unknown>('save', () => this.persistence.updateWriteRefusal());
    cfg.watch<unknown>('stop-writes-on-bgsave-error', () => this.persistence.updateWriteRefusal());
    this.log.log('notice', `Concord ${VERSION} (Redis ${REDIS_COMPAT_VERSION} compatible) ready to accept connections on port ${this.port}`);
  }

  private async listen(): Promise<void> {
    const requested = this.config.getInt('port');
    const binds = this.config.getString('bind').split(/\s+/).filter((b) => b !== '');
    let port = requested;
    for (const raw of binds) {
      const optional = raw.startsWith('-');
      const host = optional ? raw.slice(1) : raw;
      try {
        const srv = await this.listenOn({ host, port });
        const addr = srv.address();
        if (addr !== null && typeof addr === 'object') port = addr.port;
      } catch (err) {
        if (!optional) {
          await this.closeListeners();
          throw err;
        }
        this.log.log('warning', `Could not bind optional address ${host}: ${(err as Error).message}`);
      }
    }
    this.port = port;
    const unixsocket = this.config.getString('unixsocket');
    if (unixsocket !== '') {
      const srv = await this.listenOn({ path: unixsocket });
      const perm = this.config.getInt('unixsocketperm');
      if (perm !== 0) (await import('node:fs')).chmodSync(unixsocket, perm);
      void srv;
    }
    this.scheduleCron();
  }

  private listenOn(opts: net.ListenOptions): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
      srv.once('error', reject);
      srv.listen(opts, () => {
        srv.off('error', reject);
        srv.on('error', (err) => this.log.log('warning', `listener error: ${err.message}`));
        this.listeners.push(srv);
        resolve(srv);
      });
    });
  }

  private accept(socket: net.Socket): void {
    this.stats.connectionsReceived++;
    const now = this.clock.now();
    if (this.clients.size >= this.config.getInt('maxclients')) {
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    const requirepass = this.config.getString('requirepass');
    const client = new Client(this.nextClientId++, socket, this.parserLimits, now, requirepass !== '');
    if (this.config.getBool('protected-mode') && requirepass === '' && !client.isLocal) {
      this.stats.rejectedConnections++;
      socket.end(PROTECTED_MODE_MESSAGE);
      return;
    }
    const keepalive = this.config.getInt('tcp-keepalive');
    if (keepalive > 0 && socket.remoteAddress !== undefined) socket.setKeepAlive(true, keepalive * 1000);
    this.clients.set(client.id, client);
    client.parser.copyLeftovers = readSocket(socket, (chunk: Buffer) => this.onData(client, chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.forget(client));
  }

  private onData(client: Client, chunk: Buffer): void {
    if (client.closed || client.closeWhenReleased) return;
    this.stats.netInputBytes += chunk.length;
    const commands: string[][] = [];
    let protocolError: ProtocolError | null = null;
    try {
      client.parser.feed(chunk, commands);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      protocolError = err;
      // The connection closes after the error reply; nothing it sent later is parsed.
      client.parser.reset();
    }
    if (client.blocked !== null) {
      // A blocked client's later commands wait for it to be unblocked, as in Redis.
      for (const c of commands) client.pending.push(c);
      client.pendingError ??= protocolError;
      if (client.pending.length > PENDING_COMMANDS_MAX) {
        this.log.log('warning', `Closing blocked client id=${client.id} addr=${client.addr}: more than ${PENDING_COMMANDS_MAX} commands waiting`);
        this.closeClient(client, false);
      }
      return;
    }
    this.runBatch(client, commands, protocolError);
  }

  /** Runs commands for one client and sends the replies in one write. */
  private runBatch(client: Client, commands: string[][], protocolError: ProtocolError | null): void {
    this.beginBatch();
    client.lastInteractionMs = this.batchWallMs;
    const out = this.out;
    out.resp = client.resp;
    const quorum = this.limits.writeQuorum;
    for (let i = 0; i < commands.length; i++) {
      const woffBefore = client.woff;
      const outBefore = out.pendingBytes;
      const flushesBefore = this.flushes;
      this.executeOne(client, commands[i]);
      if (client.closeAfterReply || client.closed) break;
      // (A write that woke blocked clients had its reply flushed before they were served: it is not held.)
      if (quorum > 0 && client.woff > woffBefore && client.blocked === null && this.flushes === flushesBefore) {
        // write-quorum: this write's reply waits for W replicas (the client waits, as in WAIT).
        this.replication.holdForQuorum(client, outBefore, quorum);
      }
      if (client.blocked !== null) {
        client.pending = commands.slice(i + 1).concat(client.pending);
        client.pendingError ??= protocolError;
        protocolError = null;
        break;
      }
      // Replies accumulate until the end of the read: check the limit per command, or one read
      // of pipelined GETs of a big value could build gigabytes before the first flush.
      if (this.overOutputLimit(client, out.pendingBytes, this.batchWallMs)) {
        out.take();
        this.dropForOutputLimit(client);
        return;
      }
    }
    if (protocolError !== null) {
      this.stats.error(`ERR ${protocolError.message}`);
      out.error(`ERR ${protocolError.message}`);
      client.closeAfterReply = true;
      this.log.log('verbose', `Protocol error (${protocolError.message}) from client: id=${client.id} addr=${client.addr}`);
    }
    this.flush(client);
    if (client.closeAfterReply) {
      this.closeClient(client, true);
      return;
    }
    if (client.parser.pendingBytes > this.limits.queryBufferBytesMax) {
      this.stats.clientQueryBufferLimitDisconnections++;
      this.log.log('warning', `Closing client that reached max query buffer length: id=${client.id} addr=${client.addr} (qbuf initial bytes: ${client.parser.pendingBytes})`);
      this.closeClient(client, false);
    }
  }

  /**
   * Runs one top-level command, then serves clients blocked on keys it made ready. Their replies
   * go to their own sockets, so what this client has been answered so far is sent first.
   */
  executeOne(client: Client, argv: string[]): void {
    execute(this, client, argv);
    if (this.blocking.hasReady && this.blocking.execDepth === 0 && !this.serving) {
      this.flush(client);
      this.serving = true;
      try {
        this.blocking.serveReady();
      } finally {
        this.serving = false;
      }
      this.out.resp = client.resp;
    }
  }

  private serving = false;
  /** Counts flush() calls: tells whether a command's reply already left. */
  private flushes = 0;

  /** After a client is unblocked, the commands it sent meanwhile run on the next turn (Redis's processUnblockedClients). */
  resume(client: Client): void {
    if (client.pending.length === 0 && client.pendingError === null) return;
    setImmediate(() => {
      if (client.closed || client.blocked !== null) return;
      const pending = client.pending;
      const error = client.pendingError;
      client.pending = [];
      client.pendingError = null;
      this.runBatch(client, pending, error);
    });
  }

  /** Reads both clocks once for a batch of commands (see commandTimeMs). */
  beginBatch(): void {
    this.batchWallMs = this.clock.now();
    this.batchMonoMs = this.lastCommandEndMono = this.clock.monotonic();
  }

  /**
   * The wall-clock time (ms) of a command that starts at monotonic time `monoMs`, derived from the
   * batch's paired reading so each command costs one clock call.
   */
  commandTimeMs(monoMs: number): number {
    return this.batchWallMs + Math.floor(monoMs - this.batchMonoMs);
  }

  /** Sends what the shared writer holds to `client`, then enforces its output buffer limits. */
  flush(client: Client): void {
    this.flushes++;
    const pieces = this.out.take();
    if (pieces === null || client.replica !== null) return;
    for (const p of pieces) this.stats.netOutputBytes += p.length;
    this.deliver(client, pieces);
    this.checkOutputBuffer(client, this.batchWallMs);
  }

  /** Sends already-encoded bytes to a client other than the one executing (MONITOR, pub/sub). */
  sendTo(client: Client, bytes: Buffer): void {
    this.stats.netOutputBytes += bytes.length;
    this.deliver(client, [bytes]);
    this.checkOutputBuffer(client, this.clock.now());
  }

  /**
   * Nothing leaves while effects are not in the AOF file (under appendfsync always: not fsynced):
   * a reply could otherwise acknowledge a write (or show one to a reader) that a kill would lose.
   * While the disk refuses the file, the replies already held stay held (no write is acknowledged
   * before its bytes are in) and new writes get MISCONF; other clients' replies leave, so INFO,
   * PING and reads answer meanwhile instead of the whole server hanging. Those reads may show the
   * held writes, as Redis's do after a failed AOF write.
   *
   * `pieces` becomes the server's: callers pass a fresh array and do not touch it again.
   */
  deliver(client: Client, pieces: Buffer[]): void {
    const aof = this.aofWriter;
    if (client.held !== null || (aof !== null && aof.mustHoldReplies() && !aof.failing)) {
      if (client.held === null) {
        client.held = pieces;
        this.heldClients.push(client);
      } else {
        for (const p of pieces) client.held.push(p);
      }
      client.heldUntil = aof !== null ? aof.appended : 0;
      return;
    }
    this.queueWrite(client, pieces);
  }

  /** Clients with replies queued this turn, written by writeQueued() at its end. */
  private readonly writeQueue: Client[] = [];
  private writeScheduled = false;

  private queueWrite(client: Client, pieces: Buffer[]): void {
    if (!client.queue(pieces)) return;
    this.writeQueue.push(client);
    if (!this.writeScheduled) {
      this.writeScheduled = true;
      setImmediate(this.writeQueuedBound);
    }
  }

  private readonly writeQueuedBound = (): void => this.writeQueued();

  /**
   * The end of a turn: every socket that was ready has been read and its commands run. Writing
   * replies now, rather than after each read, means one wake-up of a peer that has several
   * connections (a benchmark, a pooled client) serves them all, which is where a loopback
   * server spends its time under pipelined load.
   */
  writeQueued(): void {
    this.writeScheduled = false;
    const queue = this.writeQueue;
    for (let i = 0; i < queue.length; i++) queue[i].writeQueued();
    queue.length = 0;
  }

  /** True when some connected client is not waiting for an fsync, so it could add to the group (aof-writer.ts). */
  othersMayWrite(): boolean {
    return this.heldClients.length < this.clients.size;
  }

  /**
   * The AOF is durable up to `offset`: replies waiting for no more than that leave now, not at
   * the next turn's end. A release comes once per write or fsync, at a turn's end or when the
   * pool's fsync returns, so waiting would batch nothing more; it would only let the next
   * turn read new requests before these replies go out.
   */
  releaseHeld(offset: number): void {
    const list = this.heldClients;
    if (list.length === 0) return;
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const client = list[i];
      const held = client.held;
      // Closed meanwhile (closeClient dropped its replies).
      if (held === null) continue;
      if (client.heldUntil > offset) {
        list[kept++] = client;
        continue;
      }
      client.held = null;
      this.queueWrite(client, held);
      if (client.closeWhenReleased) this.closeClient(client, true);
    }
    list.length = kept;
    if (this.writeQueue.length > 0) this.writeQueued();
  }

  /** client-output-buffer-limit replica, hard bytes (0: none). */
  replicaOutputLimitBytes(): number {
    return this.obufLimits.replica.hardBytes;
  }

  private checkOutputBuffer(client: Client, nowMs: number): void {
    if (client.closed) return;
    if (this.overOutputLimit(client, 0, nowMs)) this.dropForOutputLimit(client);
  }

  /** True when the client's unread output (plus `pendingBytes` not yet written) breaks its limit. */
  private overOutputLimit(client: Client, pendingBytes: number, nowMs: number): boolean {
    const limit = this.obufLimits[client.subscriptions > 0 ? 'pubsub' : 'normal'];
    const used = client.outputBytes + pendingBytes;
    if (limit.hardBytes > 0 && used >= limit.hardBytes) return true;
    if (limit.softBytes > 0 && used >= limit.softBytes) {
      if (client.softLimitSinceMs === 0) client.softLimitSinceMs = nowMs;
      return nowMs - client.softLimitSinceMs >= limit.softSeconds * 1000;
    }
    client.softLimitSinceMs = 0;
    return false;
  }

  private dropForOutputLimit(client: Client): void {
    this.stats.clientOutputBufferLimitDisconnections++;
    this.log.log('warning', `Client id=${client.id} addr=${client.addr} closed for overcoming of output buffer limits.`);
    this.closeClient(client, false);
  }

  /** Closes a connection; `graceful` lets pending replies reach the peer first. */
  closeClient(client: Client, graceful: boolean): void {
    if (client.closed) return;
    if (graceful && client.held !== null) {
      // QUIT after a write: the goodbye waits for the write's fsync like any reply.
      client.closeWhenReleased = true;
      return;
    }
    if (graceful) client.writeQueued();
    else client.dropQueued();
    client.closed = true;
    client.held = null;
    if (graceful) client.socket.end();
    else client.socket.destroy();
    this.forget(client);
  }

  private forget(client: Client): void {
    client.closed = true;
    this.clients.delete(client.id);
    this.monitors.delete(client);
    this.blocking.unblock(client);
    this.watches.unwatchAll(client);
    this.pubsub.unsubscribeAll(client);
    this.replication.forget(client);
    client.multi = null;
    client.parser.reset();
  }

  /**
   * Effects of the current top-level command while `unitOpen`: the first in unitDb/unitArgv, any
   * further ones in unitMore. Most commands have one effect or none, so a unit allocates nothing
   * until it holds a second.
   */
  private unitOpen = false;
  private unitDb = 0;
  private unitArgv: readonly string[] | null = null;
  private unitMore: Array<[number, readonly string[]]> | null = null;
  /** Command time while EXEC runs its queue (all its commands see one time), else null. */
  frozenNowMs: number | null = null;
  /** Depth of execute() calls: EXEC runs its queued commands inside its own. */
  executeDepth = 0;

  emitEffect(db: number, argv: readonly string[]): void {
    if (this.effects.length === 0) return;
    if (!this.unitOpen) {
      for (const sink of this.effects) sink.write(db, argv);
    } else if (this.unitArgv === null) {
      this.unitDb = db;
      this.unitArgv = argv;
    } else {
      (this.unitMore ??= []).push([db, argv]);
    }
  }

  /** Starts collecting the effects of one top-level command (EXEC included). */
  openEffectUnit(): void {
    if (this.effects.length > 0) this.unitOpen = true;
  }

  /** Sends the unit's effects; more than one leave wrapped in MULTI/EXEC so they apply atomically. */
  closeEffectUnit(): void {
    if (!this.unitOpen) return;
    const db = this.unitDb;
    const first = this.unitArgv;
    const more = this.unitMore;
    this.unitOpen = false;
    this.unitArgv = null;
    this.unitMore = null;
    if (first === null) return;
    for (const sink of this.effects) {
      if (more === null) {
        sink.write(db, first);
        continue;
      }
      sink.write(db, ['MULTI']);
      sink.write(db, first);
      for (const [d, argv] of more) sink.write(d, argv);
      sink.write(db, ['EXEC']);
    }
  }

  /** EXEC: runs the queued commands; each reply goes into EXEC's array in place. */
  runTransaction(client: Client, queue: readonly string[][]): void {
    const ctx = this.ctx;
    const saved = { db: ctx.db, argv: ctx.argv, now: ctx.now };
    this.blocking.execDepth++;
    this.frozenNowMs = ctx.now;
    try {
      for (const argv of queue) execute(this, client, argv);
    } finally {
      this.blocking.execDepth--;
      this.frozenNowMs = null;
      ctx.client = client;
      ctx.db = saved.db;
      ctx.argv = saved.argv;
      ctx.now = saved.now;
      // EXEC propagates nothing of its own: its commands did.
      ctx.changes = 0;
      ctx.effects = null;
      ctx.failed = false;
    }
  }

  db(index: number): Database {
    return this.keyspace.dbs[index];
  }

  private scheduleCron(): void {
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    if (this.listeners.length === 0) return;
    const periodMs = 1000 / this.config.getInt('hz');
    this.cronTimer = setInterval(() => this.cron(periodMs), periodMs);
    this.cronTimer.unref();
  }

  /** Periodic work: active expiry, idle and output-buffer limits, statistics. */
  cron(periodMs: number): void {
    const now = this.clock.now();
    if (this.activeExpireEnabled) {
      const budgetMs = (periodMs * CYCLE_TIME_PERCENT) / 100;
      this.activeExpire.cycle(this.keyspace.dbs, now, budgetMs, () => this.clock.monotonic());
    }
    const timeoutSec = this.config.getInt('timeout');
    for (const client of this.clients.values()) {
      if (timeoutSec > 0 && !client.monitor && now - client.lastInteractionMs > timeoutSec * 1000) {
        this.log.log('verbose', `Closing idle client id=${client.id}`);
        this.closeClient(client, false);
        continue;
      }
      if (client.softLimitSinceMs !== 0) this.checkOutputBuffer(client, now);
    }
    this.persistence.cron(now);
    this.replication.cron(now);
    this.stats.sampleOps(now);
    const mem = process.memoryUsage();
    this.usedMemoryBytes = mem.heapUsed + mem.external;
    this.peakMemoryBytes = Math.max(this.peakMemoryBytes, this.usedMemoryBytes);
  }

  /**
   * REPLICAOF host port: follow a primary. The data held so far is offered for a partial
   * resync (a former replica of ours, promoted, still knows our history as its replid2).
   */
  replicaOf(host: string, port: number, failover = false): void {
    const p = this.replication.primary;
    const history = this.follower !== null
      ? { replid: this.follower.replid, offset: this.follower.offset }
      : { replid: p.replid, offset: p.offset };
    this.follower?.stop();
    if (!p.following) {
      p.flush();
      p.following = true;
      p.disconnectReplicas('this node became a replica');
    }
    for (const db of this.keyspace.dbs) db.deleteExpired = false;
    this.log.log('notice', 'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.');
    this.follower = new Follower(this, host, port, history, failover);
    this.follower.start();
  }

  /** A write arrived while FAILOVER pauses writes: the client waits, its command runs at the end. */
  pauseWrite(client: Client, argv: string[]): void {
    client.blocked = { keys: [], dbIndex: client.db, argv };
    this.pausedWrites.set(client, argv);
  }

  resumePausedWrites(): void {
    const paused = [...this.pausedWrites];
    this.pausedWrites.clear();
    for (const [client, argv] of paused) {
      if (client.closed) continue;
      client.blocked = null;
      client.pending.unshift(argv);
      this.resume(client);
    }
  }

  /** REPLICAOF NO ONE: stop following and take writes, with a new replication ID. */
  promote(): void {
    const f = this.follower;
    if (f === null) return;
    f.stop();
    this.follower = null;
    const p = this.replication.primary;
    // Our own history continues the followed one at the offset reached.
    p.replid = f.replid === '?' ? p.replid : f.replid;
    p.stopFollowing();
    // The history goes on here: former siblings and the old primary resync from our backlog.
    this.replication.streamWrites();
    for (const db of this.keyspace.dbs) db.deleteExpired = true;
    this.log.log('notice', 'MASTER MODE enabled (user request from REPLICAOF NO ONE)');
  }

  /** Forgets iterators over tables that were replaced (FLUSHALL, SWAPDB). */
  tablesReplaced(): void {
    this.activeExpire.reset();
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = (async () => {
      if (this.cronTimer !== null) clearInterval(this.cronTimer);
      this.cronTimer = null;
      this.follower?.stop();
      this.persistence.cancelJob();
      try {
        // Durable first, so replies still held may leave before their connections go.
        this.persistence.aof.close();
      } catch (err) {
        this.log.log('warning', `Error closing the AOF: ${(err as Error).message}`);
      }
      this.releaseHeld(Number.MAX_SAFE_INTEGER);
      // Replicas get the stream a batching delay still held before their links close.
      this.replication.primary.flush();
      for (const client of [...this.clients.values()]) this.closeClient(client, false);
      await this.closeListeners();
    })();
    return this.closing;
  }

  private async closeListeners(): Promise<void> {
    const listeners = this.listeners;
    this.listeners = [];
    await Promise.all(listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))));
  }
}
