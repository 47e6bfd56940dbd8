/**
 * The node's replication as a primary: the handshake commands' backend (REPLCONF, PSYNC, SYNC),
 * full resynchronization from the copy-on-write snapshot (diskless with an EOF mark to replicas
 * that announced `capa eof`, through a file with a length prefix otherwise), the periodic PING,
 * ACK bookkeeping, replica timeouts and output limits, WAIT, and min-replicas-to-write.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Primary, type ReplicaLink } from '../replication/primary.js';
import { removeQuietly, fileSize } from '../persistence/files.js';
import { saveSnapshotInBackground, SLICE_BYTES, SLICE_MS } from '../persistence/rdb-file.js';
import type { Snapshot } from '../persistence/snapshot.js';
import type { Client } from './client.js';
import type { Job } from './persistence.js';
import type { ConcordServer } from './server.js';

/** EOF mark length of a diskless transfer (Redis's RDB_EOF_MARK_SIZE). */
const EOF_MARK_BYTES = 40;
/** A diskless transfer waits while a replica socket holds more than this much unsent. */
const TRANSFER_UNSENT_BYTES_MAX = 16 * 1024 * 1024;

interface Waiter {
  client: Client;
  offset: number;
  replicas: number;
  timer: NodeJS.Timeout | null;
  /** write-quorum: the write's own reply, sent once enough replicas acknowledged (else an error). */
  reply: Buffer[] | null;
}

export class Replication {
  readonly primary: Primary;
  private readonly waiters = new Set<Waiter>();
  private lastPingMs = 0;
  private syncStartTimer: NodeJS.Timeout | null = null;
  private nextLinkId = 1;

  constructor(private readonly server: ConcordServer) {
    this.primary = new Primary({
      randomHex: (n) => randomHex(server, n),
      monotonicMs: () => server.clock.monotonic(),
      log: (level, message) => server.log.log(level, message),
    }, server.config.getInt('repl-backlog-size'));
  }

  // -------------------------------------------------------------------------------------------
  // Handshake

  /** REPLCONF <option> <value> ...: the reply text, or null for none (ACK). */
  replconf(client: Client, argv: string[]): { ok: true } | { none: true } | { err: string } {
    if (argv.length % 2 === 0) return { err: 'ERR syntax error' };
    for (let i = 1; i < argv.length; i += 2) {
      const opt = argv[i].toLowerCase();
      const value = argv[i + 1];
      switch (opt) {
        case 'listening-port': {
          const port = Number(value);
          if (!Number.isInteger(port) || port < 0 || port > 65535) return { err: 'ERR value is not an integer or out of range' };
          client.replicaPort = port;
          break;
        }
        case 'ip-address':
          client.replicaIp = value;
          break;
        case 'capa':
          if (value.toLowerCase() === 'eof') client.replicaCapa.add('eof');
          else if (value.toLowerCase() === 'psync2') client.replicaCapa.add('psync2');
          break;
        case 'ack': {
          const link = client.replica;
          if (link === null) return { none: true };
          const offset = Number(value);
          if (Number.isSafeInteger(offset) && offset > link.ackOffset) link.ackOffset = offset;
          link.ackTimeMs = this.server.clock.now();
          if (link.state === 'wait_ack') this.putOnline(link);
          this.checkWaiters();
          this.checkFailover();
          return { none: true };
        }
        case 'getack':
          // Only a replica answers GETACK (to its primary); a primary ignores it.
          return { none: true };
        case 'rdb-only':
        case 'rdb-filter-only':
          break;
        default:
          return { err: `ERR Unrecognized REPLCONF option: ${argv[i]}` };
      }
    }
    return { ok: true };
  }

  /** PSYNC replid offset, or SYNC (legacy). Takes over the connection as a replica link. */
  psync(client: Client, argv: string[], legacy: boolean): void {
    if (client.replica !== null) return;
    const server = this.server;
    if (!legacy && argv.length > 3 && argv[3].toLowerCase() === 'failover') {
      // Our primary hands over to us (FAILOVER): promote, then serve its PSYNC as the new primary.
      const f = server.follower;
      if (f === null || argv[1] !== f.replid) {
        server.out.error('ERR PSYNC FAILOVER replid must match my replid.');
        return;
      }
      server.log.log('notice', 'Failover request received for replid ' + argv[1]);
      server.promote();
    }
    const link: ReplicaLink = {
      id: this.nextLinkId++,
      ip: client.replicaIp !== '' ? client.replicaIp : client.addr.slice(0, client.addr.lastIndexOf(':')),
      port: client.replicaPort,
      capaEof: !legacy && client.replicaCapa.has('eof'),
      capaPsync2: client.replicaCapa.has('psync2'),
      state: 'wait_bgsave',
      ackOffset: -1,
      ackTimeMs: server.clock.now(),
      pending: null,
      legacySync: legacy,
      send: (bytes) => {
        if (client.closed) return;
        // Replies this connection was given before it became a replica leave first.
        client.writeQueued();
        client.socket.write(bytes);
      },
      unsentBytes: () => client.socket.writableLength,
      close: (reason) => {
        server.log.log('warning', `Connection with replica ${link.ip}:${link.port} lost: ${reason}`);
        server.closeClient(client, false);
      },
    };
    const name = `${link.ip}:${link.port}`;
    const p = this.primary;
    if (!legacy) {
      const outcome = p.tryPartial(link, argv[1], argv[2]);
      if (outcome.kind === 'continue') {
        this.streamWrites();
        client.replica = link;
        link.state = 'online';
        p.replicas.push(link);
        p.syncPartialOk++;
        link.send(Buffer.from(outcome.reply, 'latin1'));
        for (const b of outcome.missed) link.send(b);
        server.log.log('notice', `Partial resynchronization request from ${name} accepted. Sending ${outcome.missed.reduce((n, b) => n + b.length, 0)} bytes of backlog starting from offset ${argv[2]}.`);
        return;
      }
      if (argv[1] !== '?') p.syncPartialErr++;
      server.log.log('notice', `Replica ${name} asks for synchronization; partial resynchronization not accepted: ${outcome.reason}`);
    } else {
      server.log.log('notice', `Replica ${name} asks for synchronization (SYNC)`);
    }
    p.syncFull++;
    client.replica = link;
    this.streamWrites();
    p.replicas.push(link);
    this.scheduleFullSync();
  }

  /** Writes go into the replication stream (and its offsets advance) from now on. */
  streamWrites(): void {
    const p = this.primary;
    p.ensureBacklog();
    if (!this.server.effects.includes(p)) this.server.effects.push(p);
  }

  /** Starts a full sync for every waiting replica, after repl-diskless-sync-delay, when no other job runs. */
  scheduleFullSync(): void {
    if (this.syncStartTimer !== null) return;
    const cfg = this.server.config;
    const delaySec = cfg.getBool('repl-diskless-sync') ? cfg.getInt('repl-diskless-sync-delay') : 0;
    const start = (): void => {
      this.syncStartTimer = null;
      void this.startFullSync();
    };
    if (delaySec === 0) setImmediate(start);
    else this.syncStartTimer = setTimeout(start, delaySec * 1000);
    this.syncStartTimer?.unref();
  }

  /** Called when the background job slot frees (persistence) and from the cron. */
  jobSlotFree(): void {
    if (this.primary.replicas.some((r) => r.state === 'wait_bgsave')) this.scheduleFullSync();
  }

  private async startFullSync(): Promise<void> {
    const server = this.server;
    const persistence = server.persistence;
    const waiting = this.primary.replicas.filter((r) => r.state === 'wait_bgsave');
    if (waiting.length === 0 || persistence.job !== null) return;
    const diskless = server.config.getBool('repl-diskless-sync') && waiting.every((r) => r.capaEof);
    const job: Job = { kind: 'repl', snapshot: null, startedMono: server.clock.monotonic(), cancelled: false };
    persistence.job = job;
    const offset = this.primary.prepareSnapshotPoint();
    for (const r of waiting) {
      r.state = 'send_bulk';
      r.pending = [];
      if (!r.legacySync) r.send(Buffer.from(`+FULLRESYNC ${this.primary.replid} ${offset}\r\n`, 'latin1'));
    }
    // The db the stream after the snapshot starts in: ours re-selects (0 is a placeholder); a
    // followed primary's stream goes on in the db its last SELECT chose.
    const streamDb = server.follower?.streamDb ?? 0;
    const snapshot = persistence.beginSnapshot(false, [['repl-stream-db', String(streamDb)], ['repl-id', this.primary.replid], ['repl-offset', String(offset)]]);
    job.snapshot = snapshot;
    server.log.log('notice', `Starting BGSAVE for SYNC with target: ${diskless ? 'replicas sockets' : 'disk'} (${waiting.length} replica(s))`);
    try {
      if (diskless) {
        await this.sendDiskless(snapshot, waiting, job);
        for (const r of waiting) if (r.state === 'send_bulk') r.state = 'wait_ack';
      } else {
        await this.sendThroughDisk(snapshot, waiting, job);
        for (const r of waiting) this.putOnline(r);
      }
    } catch (err) {
      server.log.log('warning', `Full synchronization failed: ${(err as Error).message}`);
      for (const r of waiting) if (r.state === 'send_bulk') r.close('full sync failed');
    } finally {
      if (server.snapshot === snapshot) server.snapshot = null;
      if (persistence.job === job) persistence.job = null;
      persistence.jobEnded();
    }
  }

  private async sendDiskless(snapshot: Snapshot, links: ReplicaLink[], job: Job): Promise<void> {
    const mark = randomHex(this.server, EOF_MARK_BYTES);
    const header = Buffer.from(`$EOF:${mark}\r\n`, 'latin1');
    for (const r of links) r.send(header);
    const alive = (): ReplicaLink[] => links.filter((r) => r.state === 'send_bulk' && this.primary.replicas.includes(r));
    let finished = false;
    while (!finished) {
      if (job.cancelled) throw new Error('cancelled');
      if (alive().length === 0) throw new Error('every replica went away');
      const t = this.server.clock.monotonic();
      finished = snapshot.produce(SLICE_BYTES, () => this.server.clock.monotonic() - t >= SLICE_MS);
      const chunks = finished ? [...snapshot.writer.takeChunks(), ...snapshot.finish()] : snapshot.writer.takeChunks();
      for (const r of alive()) for (const c of chunks) r.send(c);
      // Let the sockets drain before producing more: the snapshot never runs ahead of the slowest replica by much.
      while (!finished && this.unsentBytes(alive()) > TRANSFER_UNSENT_BYTES_MAX) await new Promise((r) => setTimeout(r, 5));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const tail = Buffer.from(mark, 'latin1');
    for (const r of alive()) r.send(tail);
  }

  private unsentBytes(links: ReplicaLink[]): number {
    let max = 0;
    for (const r of links) max = Math.max(max, r.unsentBytes());
    return max;
  }

  private async sendThroughDisk(snapshot: Snapshot, links: ReplicaLink[], job: Job): Promise<void> {
    const server = this.server;
    const path = join(server.config.getString('dir'), `temp-repl-${process.pid}.rdb`);
    try {
      await saveSnapshotInBackground(snapshot, path, { monotonicMs: () => server.clock.monotonic(), isCancelled: () => job.cancelled });
      const size = fileSize(path);
      for (const r of links) {
        if (r.state !== 'send_bulk') continue;
        r.send(Buffer.from(`$${size}\r\n`, 'latin1'));
        await new Promise<void>((resolve, reject) => {
          const stream = createReadStream(path);
          stream.on('data', (chunk) => r.send(chunk as Buffer));
          stream.on('end', () => resolve());
          stream.on('error', reject);
        });
      }
    } finally {
      removeQuietly(path);
    }
  }

  private putOnline(link: ReplicaLink): void {
    if ((link.state !== 'send_bulk' && link.state !== 'wait_ack') || !this.primary.replicas.includes(link)) return;
    link.state = 'online';
    link.ackTimeMs = this.server.clock.now();
    const pending = link.pending ?? [];
    link.pending = null;
    for (const b of pending) link.send(b);
    this.server.log.log('notice', `Synchronization with replica ${link.ip}:${link.port} succeeded`);
  }

  /** The replica's connection closed. */
  forget(client: Client): void {
    if (client.replica === null) return;
    this.primary.remove(client.replica);
    client.replica = null;
  }

  // -------------------------------------------------------------------------------------------
  // FAILOVER (Redis 6.2): pause writes, let a replica catch up, then swap roles with it

  private failover: { target: ReplicaLink | null; force: boolean; timer: NodeJS.Timeout | null } | null = null;

  /** FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]: null on success, else the error. */
  startFailover(argv: string[]): string | null {
    const server = this.server;
    let host: string | null = null;
    let port = 0;
    let force = false;
    let abort = false;
    let timeoutMs = 0;
    for (let i = 1; i < argv.length; i++) {
      const opt = argv[i].toLowerCase();
      if (opt === 'to' && i + 2 < argv.length) {
        host = argv[++i];
        port = Number(argv[++i]);
        if (!Number.isInteger(port) || port < 0 || port > 65535) return 'ERR Invalid target port';
      } else if (opt === 'force') force = true;
      else if (opt === 'abort') abort = true;
      else if (opt === 'timeout' && i + 1 < argv.length) {
        timeoutMs = Number(argv[++i]);
        if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) return 'ERR FAILOVER timeout must be greater than 0';
      } else return 'ERR syntax error';
    }
    if (abort) {
      if (host !== null || force || timeoutMs > 0) return 'ERR syntax error';
      if (this.failover === null) return 'ERR No failover in progress.';
      this.abortFailover('failover aborted by the user');
      return null;
    }
    if (server.follower !== null) return 'ERR FAILOVER is not valid when server is a replica.';
    if (this.primary.replicas.length === 0) return 'ERR FAILOVER requires connected replicas.';
    if (this.failover !== null) return 'ERR FAILOVER already in progress.';
    if (force && (host === null || timeoutMs === 0)) return 'ERR FORCE option requires both a timeout and target HOST and IP.';
    let target: ReplicaLink | null = null;
    if (host !== null) {
      target = this.primary.replicas.find((r) => r.ip === host && r.port === port) ?? null;
      if (target === null) return 'ERR FAILOVER target HOST and PORT is not a replica.';
      if (target.state !== 'online') return 'ERR FAILOVER target replica is not online.';
    }
    this.failover = { target, force, timer: null };
    this.primary.failoverState = 'waiting-for-sync';
    server.writesPaused = true;
    server.log.log('notice', `FAILOVER requested to ${target === null ? 'any replica' : `${target.ip}:${target.port}`}.`);
    if (timeoutMs > 0) {
      this.failover.timer = setTimeout(() => {
        if (this.failover?.force === true) this.completeFailover();
        else this.abortFailover('FAILOVER timeout reached');
      }, timeoutMs);
    }
    this.primary.flush();
    this.primary.requestAck();
    return null;
  }

  /** Called on every ACK and from the cron while waiting: swaps roles once the target caught up. */
  private checkFailover(): void {
    const fo = this.failover;
    if (fo === null || this.primary.failoverState !== 'waiting-for-sync') return;
    const offset = this.primary.offset;
    const caughtUp = fo.target !== null
      ? (fo.target.ackOffset >= offset ? fo.target : null)
      : (this.primary.replicas.find((r) => r.state === 'online' && r.ackOffset >= offset) ?? null);
    if (caughtUp === null) return;
    fo.target = caughtUp;
    this.completeFailover();
  }

  private completeFailover(): void {
    const fo = this.failover;
    if (fo === null) return;
    const target = fo.target ?? this.primary.replicas.filter((r) => r.state === 'online').sort((a, b) => b.ackOffset - a.ackOffset)[0];
    if (fo.timer !== null) clearTimeout(fo.timer);
    this.failover = null;
    if (target === undefined) {
      this.endPause();
      return;
    }
    this.primary.failoverState = 'failover-in-progress';
    this.server.log.log('notice', `Failover target ${target.ip}:${target.port} is synced, failing over.`);
    this.server.replicaOf(target.ip, target.port, true);
    this.primary.failoverState = 'no-failover';
    this.endPause();
  }

  private abortFailover(reason: string): void {
    const fo = this.failover;
    if (fo === null) return;
    if (fo.timer !== null) clearTimeout(fo.timer);
    this.failover = null;
    this.primary.failoverState = 'no-failover';
    this.server.log.log('notice', `FAILOVER aborted: ${reason}.`);
    this.endPause();
  }

  /** Writes held during a failover run again (on a node that is now a replica they get -READONLY). */
  private endPause(): void {
    this.server.writesPaused = false;
    this.server.resumePausedWrites();
  }

  // -------------------------------------------------------------------------------------------
  // WAIT and min-replicas

  /** WAIT numreplicas timeout: replies now, or blocks the client until enough ACKs or the timeout. */
  wait(client: Client, replicas: number, timeoutMs: number): number | null {
    const p = this.primary;
    const offset = client.woff;
    const acked = p.acksAtLeast(offset);
    if (acked >= replicas || client.multi !== null) return acked;
    const waiter: Waiter = { client, offset, replicas, timer: null, reply: null };
    client.blocked = { keys: [], dbIndex: client.db, argv: ['wait'] };
    this.waiters.add(waiter);
    if (timeoutMs > 0) {
      waiter.timer = setTimeout(() => this.release(waiter), timeoutMs);
    }
    this.primary.requestAck();
    return null;
  }

  /**
   * write-quorum W: the reply of the write just executed (the shared writer's bytes after
   * `replyStart`) waits until W replicas acknowledged the client's offset. Earlier replies of the
   * same read leave now; the client's later commands wait, as behind a WAIT.
   */
  holdForQuorum(client: Client, replyStart: number, quorum: number): void {
    const server = this.server;
    const pieces = server.out.take() ?? [];
    const [before, mine] = splitAt(pieces, replyStart);
    if (before.length > 0) server.deliver(client, before);
    if (this.primary.acksAtLeast(client.woff) >= quorum) {
      server.deliver(client, mine);
      return;
    }
    const waiter: Waiter = { client, offset: client.woff, replicas: quorum, timer: null, reply: mine };
    client.blocked = { keys: [], dbIndex: client.db, argv: ['write-quorum'] };
    this.waiters.add(waiter);
    waiter.timer = setTimeout(() => this.release(waiter), server.config.getInt('write-quorum-timeout'));
    this.primary.requestAck();
  }

  private checkWaiters(): void {
    for (const w of this.waiters) {
      if (this.primary.acksAtLeast(w.offset) >= w.replicas) this.release(w);
    }
  }

  private release(w: Waiter): void {
    if (!this.waiters.delete(w)) return;
    if (w.timer !== null) clearTimeout(w.timer);
    const client = w.client;
    if (client.closed) return;
    client.blocked = null;
    const acked = this.primary.acksAtLeast(w.offset);
    if (w.reply === null) {
      this.server.sendTo(client, Buffer.from(`:${acked}\r\n`, 'latin1'));
    } else if (acked >= w.replicas) {
      this.server.deliver(client, w.reply);
    } else {
      this.server.stats.error('NOQUORUM');
      this.server.sendTo(client, Buffer.from(`-NOQUORUM the write was applied on the primary but acknowledged by only ${acked} of the ${w.replicas} replicas write-quorum requires before write-quorum-timeout\r\n`, 'latin1'));
    }
    this.server.resume(client);
  }

  /** NOREPLICAS when min-replicas-to-write is set and too few replicas are fresh enough. */
  writeRefusal(): string | null {
    const cfg = this.server.config;
    const min = cfg.getInt('min-replicas-to-write');
    if (min === 0) return null;
    const good = this.primary.goodReplicas(this.server.clock.now(), cfg.getInt('min-replicas-max-lag'));
    return good < min ? 'NOREPLICAS Not enough good replicas to write.' : null;
  }

  // -------------------------------------------------------------------------------------------
  // Cron

  cron(nowMs: number): void {
    const p = this.primary;
    if (this.failover !== null) {
      this.primary.requestAck();
      this.checkFailover();
    }
    if (p.replicas.length === 0) return;
    const cfg = this.server.config;
    const pingPeriodMs = cfg.getInt('repl-ping-replica-period') * 1000;
    if (!p.following && nowMs - this.lastPingMs >= pingPeriodMs) {
      this.lastPingMs = nowMs;
      p.writeControl(['PING']);
    }
    const timeoutMs = cfg.getInt('repl-timeout') * 1000;
    const hard = this.server.replicaOutputLimitBytes();
    for (const r of [...p.replicas]) {
      if (r.state === 'online' && nowMs - r.ackTimeMs > timeoutMs) {
        r.close('timeout');
        continue;
      }
      if (hard > 0 && r.unsentBytes() > hard && r.state === 'online') {
        this.server.stats.clientOutputBufferLimitDisconnections++;
        r.close('client-output-buffer-limit replica reached');
      }
    }
  }

  roleReply(): [string, number, Array<[string, string, string]>] {
    const p = this.primary;
    return ['master', p.offset, p.replicas.map((r) => [r.ip, String(r.port), String(Math.max(0, r.ackOffset))] as [string, string, string])];
  }
}

/** Splits reply pieces at byte `at`: the bytes before, and from, that point. */
function splitAt(pieces: Buffer[], at: number): [Buffer[], Buffer[]] {
  const before: Buffer[] = [];
  const after: Buffer[] = [];
  let seen = 0;
  for (const p of pieces) {
    if (seen + p.length <= at) before.push(p);
    else if (seen >= at) after.push(p);
    else {
      before.push(p.subarray(0, at - seen));
      after.push(p.subarray(at - seen));
    }
    seen += p.length;
  }
  return [before, after];
}

/** `n` hex digits from the server's random source (replication IDs, EOF marks). */
function randomHex(server: ConcordServer, n: number): string {
  return Array.from({ length: n }, () => Math.floor(server.random.next() * 16).toString(16)).join('');
}
