/**
 * The replica side: REPLICAOF host port makes this node follow a primary (Concord or a real
 * redis-server) with Redis's handshake (PING, AUTH, REPLCONF listening-port, REPLCONF capa eof
 * capa psync2, PSYNC), a full resync (the snapshot received to a temp file or one buffer, then
 * loaded in place of the data set) or a partial one (+CONTINUE), then the command stream applied
 * by a master client. Offsets count the stream's bytes; REPLCONF ACK goes back every second and
 * on GETACK. The bytes received are passed on unchanged to this node's own replicas (chained
 * replication) under the primary's replication ID.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { loadRdb, RdbStreamLoad, type LoadOptions, type LoadProgress } from '../persistence/load.js';
import { removeQuietly } from '../persistence/files.js';
import { RequestParser } from '../protocol/request-parser.js';
import { encodeCommand } from '../protocol/command-encoder.js';
import { ProtocolError } from '../protocol/errors.js';
import { Client, MASTER_CLIENT_ID } from './client.js';
import { execute } from './dispatch.js';
import type { ConcordServer } from './server.js';

/** Seconds between reconnection attempts and between ACKs. */
const RECONNECT_MS = 1000;
const ACK_PERIOD_MS = 1000;
/** Longest handshake reply line accepted. */
const HANDSHAKE_LINE_BYTES_MAX = 64 * 1024;
const EOF_MARK_BYTES = 40;
/** One read from the primary: the size Node reads with by default. */
const READ_BUFFER_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

type LinkState = 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

export class Follower {
  state: LinkState = 'connect';
  /** Offset of the last byte of the stream applied (the replica's master_repl_offset). */
  offset = 0;
  /** The primary's replication ID we follow ('?' before the first sync). */
  replid = '?';
  syncInProgress = false;
  lastIoMs = 0;
  private socket: net.Socket | null = null;
  private input: Buffer = Buffer.alloc(0);
  private steps: Array<{ send: string[] | null; expect: (line: string) => void }> = [];
  private parser: RequestParser | null = null;
  private readonly masterClient: Client;
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  /**
   * The bytes of a command the parser holds unfinished, kept as received: applied commands are
   * passed on as the exact bytes that carried them, so offsets match the primary's byte for byte.
   */
  private carry: Buffer = EMPTY;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private ackTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /**
   * The snapshot being received: by length or up to an EOF mark; into one buffer or a temp file
   * to load once complete, or (`load`) into the keyspace as it arrives.
   */
  private bulk: { remaining: number; buf: Buffer | null; at: number; load: RdbStreamLoad | null } |
    { eofMark: string; fd: number | null; path: string; tail: Buffer; load: RdbStreamLoad | null } | null = null;

  /** `history`: the replication ID and offset of the data we hold, tried with PSYNC first. */
  /** `failover`: this node hands over to `host:port` (FAILOVER), whose PSYNC must promote it. */
  constructor(private readonly server: ConcordServer, readonly host: string, readonly port: number, history: { replid: string; offset: number } | null, private failover = false) {
    if (history !== null) {
      this.replid = history.replid;
      this.offset = history.offset;
    }
    this.masterClient = Client.internal(MASTER_CLIENT_ID, 'master', server.clock.now());
  }

  /** The db the primary's stream is in (its last SELECT), passed to our own replicas' snapshots. */
  get streamDb(): number {
    return this.masterClient.db;
  }

  get linkUp(): boolean {
    return this.state === 'connected';
  }

  start(): void {
    this.stopped = false;
    this.connect();
    this.ackTimer = setInterval(() => this.sendAck(), ACK_PERIOD_MS);
    this.ackTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    if (this.ackTimer !== null) clearInterval(this.ackTimer);
    this.reconnectTimer = null;
    this.ackTimer = null;
    this.dropLink();
  }

  private log(level: 'notice' | 'warning', message: string): void {
    this.server.log.log(level, message);
  }

  private connect(): void {
    if (this.stopped) return;
    this.state = 'connecting';
    this.log('notice', `Connecting to MASTER ${this.host}:${this.port}`);
    // Reads land in one buffer of ours (Node's `onread`) instead of a fresh 64 KB buffer pushed
    // through the Readable machinery per read: the stream's apply loop copies what it keeps.
    const socket: net.Socket = net.connect({
      host: this.host,
      port: this.port,
      onread: {
        buffer: this.readBuffer,
        callback: (nread: number, buf: Uint8Array): boolean => this.onRead(socket, nread, buf),
      },
    });
    socket.setNoDelay(true);
    this.socket = socket;
    this.input = Buffer.alloc(0);
    socket.on('connect', () => {
      this.log('notice', 'MASTER <-> REPLICA sync started');
      this.state = 'handshake';
      this.lastIoMs = this.server.clock.now();
      this.handshake();
    });
    socket.on('error', (err) => this.log('warning', `Error condition on socket for SYNC: ${err.message}`));
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.dropLink();
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer !== null) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, RECONNECT_MS);
    this.reconnectTimer.unref();
  }

  private dropLink(): void {
    const s = this.socket;
    this.socket = null;
    if (s !== null) s.destroy();
    if (this.state === 'connected') this.log('notice', 'Connection with master lost.');
    this.state = 'connect';
    this.syncInProgress = false;
    this.parser = null;
    this.loadingSnapshot = false;
    this.abortBulk();
  }

  private fail(reason: string): void {
    this.log('warning', reason);
    this.dropLink();
    this.scheduleReconnect();
  }

  private send(argv: readonly string[]): void {
    this.socket?.write(encodeCommand(argv));
  }

  private handshake(): void {
    const cfg = this.server.config;
    const steps: typeof this.steps = [];
    steps.push({ send: ['PING'], expect: (line) => this.expectNotError(line, 'PING', ['-NOAUTH', '-NOPERM', '-ERR operation not permitted']) });
    const pass = cfg.getString('masterauth');
    if (pass !== '') {
      const user = cfg.getString('masteruser');
      steps.push({ send: user !== '' ? ['AUTH', user, pass] : ['AUTH', pass], expect: (line) => this.expectNotError(line, 'AUTH') });
    }
    steps.push({ send: ['REPLCONF', 'listening-port', String(this.server.port)], expect: () => {} });
    steps.push({ send: ['REPLCONF', 'capa', 'eof', 'capa', 'psync2'], expect: () => {} });
    const [replid, offset] = this.replid === '?' ? ['?', '-1'] : [this.replid, String(this.offset + 1)];
    if (replid === '?') this.log('notice', 'Partial resynchronization not possible (no cached master)');
    else this.log('notice', `Trying a partial resynchronization (request ${replid}:${offset}).`);
    const psync = this.failover ? ['PSYNC', replid, offset, 'FAILOVER'] : ['PSYNC', replid, offset];
    this.failover = false;
    steps.push({ send: psync, expect: (line) => this.psyncReply(line) });
    this.steps = steps;
    this.nextStep();
  }

  private expectNotError(line: string, what: string, allowed: string[] = []): void {
    if (line.startsWith('-') && !allowed.some((a) => line.startsWith(a))) throw new Error(`Error reply to ${what} from master: '${line.slice(1)}'`);
  }

  private nextStep(): void {
    const step = this.steps[0];
    if (step?.send !== null && step !== undefined) this.send(step.send);
  }

  /** True: reading goes on (pausing is socket.pause()'s, while a snapshot loads). */
  private onRead(socket: net.Socket, nread: number, buf: Uint8Array): boolean {
    if (this.socket === socket) this.onData(Buffer.from(buf.buffer, buf.byteOffset, nread));
    return true;
  }

  /** `chunk` is only valid during the call (it is the shared read buffer). */
  private onData(chunk: Buffer): void {
    this.lastIoMs = this.server.clock.now();
    try {
      if (this.state === 'connected') {
        this.applyStream(chunk);
        return;
      }
      // The handshake and the snapshot keep bytes across reads: they get a copy.
      this.input = this.input.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.input, chunk]);
      while (this.input.length > 0 && !this.linkUp && this.socket !== null && !this.loadingSnapshot) {
        if (this.bulk !== null) {
          if (!this.receiveBulk()) return;
          continue;
        }
        if (this.state === 'sync' && this.input[0] === 0x0a) {
          // Keepalive newlines the primary sends while it prepares the snapshot.
          this.input = this.input.subarray(1);
          continue;
        }
        const eol = this.input.indexOf('\r\n');
        if (eol < 0) {
          if (this.input.length > HANDSHAKE_LINE_BYTES_MAX) throw new Error('handshake reply line too long');
          return;
        }
        const line = this.input.latin1Slice(0, eol);
        this.input = this.input.subarray(eol + 2);
        if (this.state === 'sync') this.startBulk(line);
        else {
          const step = this.steps.shift();
          if (step === undefined) throw new Error(`unexpected reply '${line}'`);
          step.expect(line);
          this.nextStep();
        }
      }
      if (this.linkUp && this.input.length > 0) {
        const rest = this.input;
        this.input = Buffer.alloc(0);
        this.applyStream(rest);
      }
    } catch (err) {
      this.fail(`MASTER <-> REPLICA sync failed: ${(err as Error).message}`);
    }
  }

  private psyncReply(line: string): void {
    if (line.startsWith('+FULLRESYNC')) {
      const [, replid, offset] = line.split(' ');
      if (replid === undefined || !/^[0-9]+$/.test(offset ?? '')) throw new Error(`bad FULLRESYNC reply '${line}'`);
      this.log('notice', `Full resync from master: ${replid}:${offset}`);
      this.pendingFull = { replid, offset: Number(offset) };
      this.state = 'sync';
      this.syncInProgress = true;
      return;
    }
    if (line.startsWith('+CONTINUE')) {
      const newId = line.split(' ')[1];
      if (newId !== undefined && newId !== this.replid) {
        this.server.replication.primary.followedHistoryChanged(this.replid, this.offset, newId);
        this.replid = newId;
      }
      this.log('notice', 'Successful partial resynchronization with master.');
      this.online();
      return;
    }
    throw new Error(`unexpected reply to PSYNC from master: '${line}'`);
  }

  private pendingFull: { replid: string; offset: number } | null = null;
  /** The received snapshot is being loaded; bytes arriving meanwhile wait in `input`. */
  private loadingSnapshot = false;

  private startBulk(line: string): void {
    if (line.startsWith('-')) throw new Error(`master aborted the transfer: '${line.slice(1)}'`);
    if (!line.startsWith('$')) throw new Error(`bad protocol from master, the first byte is not '$' (we received '${line}')`);
    const load = this.loadWhileReceiving() ? this.startStreamLoad() : null;
    if (line.startsWith('$EOF:')) {
      const mark = line.slice(5);
      if (mark.length !== EOF_MARK_BYTES) throw new Error('bad EOF mark from master');
      const path = join(this.server.config.getString('dir'), `temp-${process.pid}-repl.rdb`);
      this.bulk = { eofMark: mark, fd: load === null ? openSync(path, 'w') : null, path, tail: EMPTY, load };
      if (load === null) this.log('notice', 'MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
      return;
    }
    const len = Number(line.slice(1));
    if (!Number.isSafeInteger(len) || len < 0) throw new Error(`bad bulk length from master '${line}'`);
    if (load === null) this.log('notice', `MASTER <-> REPLICA sync: receiving ${len} bytes from master to memory`);
    this.bulk = { remaining: len, buf: load === null ? Buffer.allocUnsafe(len) : null, at: 0, load };
  }

  /**
   * repl-diskless-load on-empty-db (Concord's default) or swapdb, with no key held: there is no
   * stale data to serve meanwhile, so the snapshot is loaded as it arrives instead of after it.
   */
  private loadWhileReceiving(): boolean {
    const mode = this.server.config.getString('repl-diskless-load');
    return mode !== 'disabled' && this.server.keyspace.dbs.every((db) => db.size === 0);
  }

  private startStreamLoad(): RdbStreamLoad {
    const server = this.server;
    server.loading = true;
    this.emptyDataSet();
    this.log('notice', 'MASTER <-> REPLICA sync: Loading DB in memory while receiving it (the data set is empty)');
    return new RdbStreamLoad(server.keyspace, this.loadOptions());
  }

  /** Consumes snapshot bytes from `input`; true when the snapshot is complete (and loading started or finishing). */
  private receiveBulk(): boolean {
    const b = this.bulk!;
    if ('remaining' in b) {
      const n = Math.min(b.remaining, this.input.length);
      if (b.load !== null) b.load.push(this.input.subarray(0, n));
      else this.input.copy(b.buf!, b.at, 0, n);
      b.at += n;
      b.remaining -= n;
      this.input = this.input.subarray(n);
      if (b.remaining > 0) return false;
      this.bulk = null;
      if (b.load !== null) this.finishStreamLoad(b.load);
      else this.loadSnapshot(b.buf!);
      return true;
    }
    // EOF-marked: the mark ends the snapshot; whatever follows it is already the stream.
    const data = b.tail.length === 0 ? this.input : Buffer.concat([b.tail, this.input]);
    this.input = EMPTY;
    const markAt = data.indexOf(b.eofMark, 0, 'latin1');
    if (markAt >= 0) {
      this.bulk = null;
      this.input = data.subarray(markAt + EOF_MARK_BYTES);
      if (b.load !== null) {
        b.load.push(data.subarray(0, markAt));
        this.finishStreamLoad(b.load);
        return true;
      }
      writeAll(b.fd!, data.subarray(0, markAt));
      closeSync(b.fd!);
      const buf = readFileSync(b.path);
      removeQuietly(b.path);
      this.loadSnapshot(buf);
      return true;
    }
    // Keep the last bytes back: the mark may straddle two reads.
    const keep = Math.min(EOF_MARK_BYTES - 1, data.length);
    if (b.load !== null) b.load.push(data.subarray(0, data.length - keep));
    else writeAll(b.fd!, data.subarray(0, data.length - keep));
    b.tail = Buffer.from(data.subarray(data.length - keep));
    return false;
  }

  private abortBulk(): void {
    const b = this.bulk;
    this.bulk = null;
    if (b === null) return;
    if (b.load !== null) {
      // A partial data set is worse than none: Redis empties it too.
      b.load.abort();
      this.emptyDataSet();
      this.server.loading = false;
    }
    if ('fd' in b && b.fd !== null) {
      try {
        closeSync(b.fd);
      } catch {
        // Closed already.
      }
      removeQuietly(b.path);
    }
  }

  /** Replaces the data set with the snapshot, then goes online (the stream that follows waits in `input`). */
  private loadSnapshot(buf: Buffer): void {
    const server = this.server;
    server.loading = true;
    this.emptyDataSet();
    this.log('notice', 'MASTER <-> REPLICA sync: Loading DB in memory');
    const loaded = loadRdb(buf, server.keyspace, this.loadOptions());
    this.whenLoaded(loaded.then(({ progress, reader }) => ({ progress, aux: reader.aux })));
  }

  /** Before a snapshot loads, and after one failed: no key of an old or partial data set is served. */
  private emptyDataSet(): void {
    for (const db of this.server.keyspace.dbs) db.clear();
    this.server.tablesReplaced();
  }

  /** Keys past their TTL stay (the primary's DEL removes them); a dropped link stops the load. */
  private loadOptions(): LoadOptions {
    const server = this.server;
    const socket = this.socket;
    return { nowMs: server.clock.now(), dropExpired: false, monotonicMs: () => server.clock.monotonic(), cancelled: () => this.socket !== socket };
  }

  /** The whole snapshot arrived; its last keys are being stored. */
  private finishStreamLoad(load: RdbStreamLoad): void {
    load.finish();
    this.whenLoaded(load.done.then((stream) => ({ progress: load.progress, aux: stream.aux })));
  }

  /** Once the snapshot is in: its history is ours and the stream that followed it is applied. */
  private whenLoaded(loaded: Promise<{ progress: LoadProgress; aux: ReadonlyMap<string, string> }>): void {
    const server = this.server;
    const full = this.pendingFull!;
    this.pendingFull = null;
    const socket = this.socket;
    socket?.pause();
    this.loadingSnapshot = true;
    loaded.then(
      ({ progress, aux }) => {
        server.loading = false;
        this.loadingSnapshot = false;
        if (this.socket !== socket) return;
        this.log('notice', `Done loading RDB, keys loaded: ${progress.keysLoaded}, keys expired: ${progress.keysExpired}.`);
        this.replid = full.replid;
        this.offset = full.offset;
        // The stream goes on in the db the primary's last SELECT chose (Redis's repl-stream-db).
        const streamDb = Number(aux.get('repl-stream-db') ?? '0');
        this.masterClient.db = Number.isInteger(streamDb) && streamDb >= 0 && streamDb < server.keyspace.dbs.length ? streamDb : 0;
        server.replication.primary.followNewHistory(full.replid, full.offset);
        this.log('notice', 'MASTER <-> REPLICA sync: Finished with success');
        this.online();
        socket?.resume();
        if (this.input.length > 0) {
          const rest = this.input;
          this.input = EMPTY;
          this.applyStream(rest);
        }
      },
      (err: Error) => {
        server.loading = false;
        this.loadingSnapshot = false;
        // Never serve part of a snapshot (a load stopped by a dropped link, or damage): Redis
        // empties the data set too, or exits.
        this.emptyDataSet();
        if (this.socket !== socket) return;
        this.fail(`Failed trying to load the MASTER synchronization DB from socket: ${err.message}`);
      },
    );
  }

  private online(): void {
    this.state = 'connected';
    this.syncInProgress = false;
    this.parser = new RequestParser({ bulkBytesMax: 1 << 30, multibulkLenMax: 1 << 24 });
    this.parser.authenticated = true;
    this.parser.copyLeftovers = true;
    this.carry = EMPTY;
    this.sendAck();
  }

  /** Applies the primary's commands, counting their bytes, and passes the bytes on to our replicas. */
  private applyStream(chunk: Buffer): void {
    const parser = this.parser;
    if (parser === null) return;
    const commands: string[][] = [];
    try {
      parser.feed(chunk, commands);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.fail(`Protocol error from master: ${err.message}`);
      return;
    }
    const applied = this.takeApplied(chunk, parser.pendingBytes);
    const server = this.server;
    server.beginBatch();
    const dbs = server.keyspace.dbs;
    for (const db of dbs) db.applyingPrimaryStream = true;
    try {
      this.applyCommands(commands);
    } finally {
      for (const db of dbs) db.applyingPrimaryStream = false;
    }
    if (applied !== null) server.replication.primary.feedProxied(applied);
  }

  /**
   * The bytes of the commands the parser completed with `chunk` (the carried bytes of an
   * unfinished one, then the chunk's bytes up to the `left` the parser still holds), counted into
   * the offset; the rest is carried to the next read. Null when no command completed.
   */
  private takeApplied(chunk: Buffer, left: number): Buffer | null {
    const carry = this.carry;
    const used = carry.length + chunk.length - left;
    let applied: Buffer | null = null;
    if (used > 0) {
      applied = carry.length === 0 ? chunk.subarray(0, used) : Buffer.concat([carry, chunk]).subarray(0, used);
    }
    if (left === 0) this.carry = EMPTY;
    else if (used >= carry.length) this.carry = Buffer.from(chunk.subarray(chunk.length - left));
    else this.carry = Buffer.concat([carry.subarray(used), chunk]);
    this.offset += used;
    return applied;
  }

  private applyCommands(commands: string[][]): void {
    const server = this.server;
    let ackWanted = false;
    for (const argv of commands) {
      if (isGetack(argv)) ackWanted = true;
      else {
        execute(server, this.masterClient, argv);
        server.out.discard();
      }
    }
    // One ACK answers every GETACK of this read, with the offset after all of it: under write
    // quorum the primary asks after each of its turns, and a reply per GETACK cost one write
    // each (15 in one read, seen with strace) for offsets the last one already covers.
    if (ackWanted) this.sendAck();
  }

  private sendAck(): void {
    if (this.state !== 'connected' || this.socket === null) return;
    this.send(['REPLCONF', 'ACK', String(this.offset)]);
  }

  infoFields(nowMs: number): Array<[string, string | number]> {
    return [
      ['master_host', this.host],
      ['master_port', this.port],
      ['master_link_status', this.linkUp ? 'up' : 'down'],
      ['master_last_io_seconds_ago', this.lastIoMs > 0 ? Math.floor((nowMs - this.lastIoMs) / 1000) : -1],
      ['master_sync_in_progress', this.syncInProgress ? 1 : 0],
      ['slave_read_repl_offset', this.offset],
      ['slave_repl_offset', this.offset],
      ['slave_priority', 100],
      ['slave_read_only', this.server.config.getBool('replica-read-only') ? 1 : 0],
      ['replica_announced', 1],
    ];
  }

  roleState(): string {
    return this.state === 'connected' ? 'connected' : this.state === 'sync' ? 'sync' : this.state === 'connect' ? 'connect' : 'connecting';
  }
}


function isGetack(argv: readonly string[]): boolean {
  return argv.length >= 2 && argv[0].length === 8 && argv[0].toLowerCase() === 'replconf' && argv[1].toLowerCase() === 'getack';
}

function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}
