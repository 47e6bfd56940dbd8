/**
 * The primary side of Redis's replication protocol: replicas connect as clients, handshake with
 * REPLCONF, ask PSYNC (or SYNC), get either +CONTINUE and the bytes they missed from the backlog,
 * or +FULLRESYNC and a point-in-time snapshot followed by the stream of effects written since.
 *
 * The stream is the deterministic effect stream (the same commands the AOF records), encoded
 * once, with SELECT whenever the db changes, as Redis's replicationFeedSlaves does. Replicas get
 * the commands, never replies. Offsets count every byte of the stream, PINGs and GETACKs included.
 */
import { CommandEncoder } from '../protocol/command-encoder.js';
import '../protocol/latin1.js';
import { ReplicationBacklog } from './backlog.js';

/** A replica as the primary sees it (one per replica connection). */
export interface ReplicaLink {
  readonly id: number;
  /** Address to report (REPLCONF ip-address, else the connection's). */
  ip: string;
  /** REPLCONF listening-port. */
  port: number;
  capaEof: boolean;
  capaPsync2: boolean;
  /**
   * wait_bgsave: waiting for a snapshot; send_bulk: receiving it; wait_ack: got a diskless
   * snapshot, the stream starts at its first ACK (its loader looks for the EOF mark at the end of
   * what it has read, so nothing may follow the mark until then); online: streaming.
   */
  state: 'wait_bgsave' | 'send_bulk' | 'wait_ack' | 'online';
  /** Last offset the replica acknowledged (REPLCONF ACK), -1 before any. */
  ackOffset: number;
  /** When the last ACK arrived (ms, wall clock). */
  ackTimeMs: number;
  /** Stream bytes produced while the replica receives its snapshot, sent after it. */
  pending: Buffer[] | null;
  /** Writes bytes to the replica's socket. */
  send(bytes: Buffer): void;
  /** Bytes written to the socket that the replica has not read yet. */
  unsentBytes(): number;
  /** Drops the connection. */
  close(reason: string): void;
  /** The old SYNC command: no +FULLRESYNC line, the snapshot always with a length prefix. */
  legacySync: boolean;
}

export type PsyncOutcome =
  | { kind: 'continue'; reply: string; missed: Buffer[] }
  | { kind: 'full'; reason: string };

export interface PrimaryHost {
  randomHex(n: number): string;
  monotonicMs(): number;
  log(level: 'notice' | 'warning' | 'verbose', message: string): void;
}

export const REPLID_BYTES = 40;
const NO_REPLID = '0'.repeat(REPLID_BYTES);
/** Sent at the end of a turn when some client waits for replicas' acknowledgements. */
const GETACK: readonly string[] = ['REPLCONF', 'GETACK', '*'];

export class Primary {
  replid: string;
  replid2 = NO_REPLID;
  /** Offset up to which replid2 is valid (second_repl_offset), -1 when none. */
  secondOffset = -1;
  backlog: ReplicationBacklog | null = null;
  readonly replicas: ReplicaLink[] = [];
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  /** Bytes written to replicas (INFO total_net_repl_output_bytes). */
  outputBytes = 0;
  private selectedDb = -1;
  private readonly encoder = new CommandEncoder();
  private flushScheduled = false;
  /**
   * True while this node follows a primary: its stream is the primary's, passed on byte for byte
   * (feedProxied); effects of applying it are not encoded again.
   */
  following = false;
  /** INFO's master_failover_state (set by the server's FAILOVER). */
  failoverState = 'no-failover';

  constructor(private readonly host: PrimaryHost, public backlogSize: number) {
    this.replid = host.randomHex(REPLID_BYTES);
  }

  /** master_repl_offset: every byte of the stream so far, including what waits for this turn's flush. */
  get offset(): number {
    return (this.backlog?.offset ?? 0) + this.encoder.pendingBytes;
  }

  get connectedReplicas(): number {
    return this.replicas.length;
  }

  /** An effect of a write: into the stream (only once a backlog exists, as in Redis). */
  write(db: number, argv: readonly string[]): void {
    if (this.backlog === null || this.following) return;
    if (db !== this.selectedDb) {
      this.encoder.append(['SELECT', String(db)]);
      this.selectedDb = db;
    }
    this.encoder.append(argv);
    this.scheduleFlush();
  }

  /** A command that belongs to no db (PING, REPLCONF GETACK): no SELECT before it. */
  writeControl(argv: readonly string[]): void {
    if (this.backlog === null || this.following) return;
    this.encoder.append(argv);
    this.scheduleFlush();
  }

  /**
   * Ends this turn's stream with REPLCONF GETACK * (WAIT, write quorum, FAILOVER): after every
   * write of the turn and in the same socket write, so one GETACK per turn covers them all and
   * costs the replicas no extra wake-up.
   */
  requestAck(): void {
    if (this.backlog === null || this.following) return;
    this.ackRequested = true;
    this.scheduleFlush();
  }

  private ackRequested = false;

  /**
   * repl-stream-batch-ms: the stream leaves at the end of the turn that wrote it, unless the last
   * send was less than this long ago; then it waits for that much to pass, gathering the writes
   * of the turns between. Under SET -P 1 load a turn holds ~3 writes, and a send per turn woke
   * each replica ~17k times a second for them: most of a replica's CPU, on the cores the primary
   * and its clients share. An idle primary sends at once; 0 sends every turn, as Redis does.
   */
  batchMs = 0;
  private lastSendMs = Number.NEGATIVE_INFINITY;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly flushBound = (): void => this.flush();
  private readonly endOfTurnBound = (): void => this.endOfTurn();

  private scheduleFlush(): void {
    if (this.flushScheduled) {
      // WAIT and write quorum are waiting on this send: it does not sit out the batching delay.
      if (this.ackRequested && this.flushTimer !== null) {
        clearTimeout(this.flushTimer);
        this.flushTimer = null;
        setImmediate(this.flushBound);
      }
      return;
    }
    this.flushScheduled = true;
    setImmediate(this.endOfTurnBound);
  }

  /** After the turn's writes: send now, or once the batching delay since the last send has passed. */
  private endOfTurn(): void {
    if (!this.flushScheduled || this.flushTimer !== null) return;
    const wait = this.lastSendMs + this.batchMs - this.host.monotonicMs();
    if (wait <= 0 || this.ackRequested) this.flush();
    else this.flushTimer = setTimeout(this.flushBound, wait);
  }

  /** Moves the bytes encoded so far into the backlog and out to the replicas. */
  flush(): void {
    this.flushScheduled = false;
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.ackRequested) {
      this.ackRequested = false;
      if (this.backlog !== null && !this.following) this.encoder.append(GETACK);
    }
    const bytes = this.encoder.take();
    if (bytes === null || this.backlog === null) return;
    this.lastSendMs = this.host.monotonicMs();
    this.backlog.feed(bytes);
    this.sendToReplicas(bytes);
  }

  /** Bytes of the followed primary's stream: into the backlog and on to our replicas, unchanged. */
  feedProxied(received: Buffer): void {
    if (this.backlog === null) return;
    this.backlog.feed(received);
    // `received` may be a read buffer reused after this call; sockets keep what they could not send.
    if (this.replicas.length > 0) this.sendToReplicas(Buffer.from(received));
  }

  private sendToReplicas(bytes: Buffer): void {
    for (const r of this.replicas) {
      if (r.state === 'online') {
        r.send(bytes);
        this.outputBytes += bytes.length;
      } else if (r.pending !== null) {
        r.pending.push(bytes);
      }
    }
  }

  /** After a full sync from a primary: its history is ours; our replicas must resync. */
  followNewHistory(replid: string, offset: number): void {
    this.following = true;
    this.encoder.take();
    this.replid = replid;
    this.replid2 = NO_REPLID;
    this.secondOffset = -1;
    this.backlog = new ReplicationBacklog(this.backlogSize, offset);
    this.disconnectReplicas('the primary changed history');
  }

  /** +CONTINUE with a new ID (our primary was promoted): the old ID stays valid up to `offset`. */
  followedHistoryChanged(oldReplid: string, offset: number, newReplid: string): void {
    this.replid2 = oldReplid;
    this.secondOffset = offset + 1;
    this.replid = newReplid;
    this.disconnectReplicas('the replication ID changed');
  }

  /** REPLICAOF NO ONE: a new history of our own from here, the followed one kept as replid2. */
  stopFollowing(): void {
    if (!this.following) return;
    this.following = false;
    this.shiftReplicationId();
    this.selectedDb = -1;
    this.disconnectReplicas('this node was promoted');
  }

  /** Sub-replicas reconnect and PSYNC, learning the new replication ID (as Redis's disconnectSlaves). */
  disconnectReplicas(reason: string): void {
    for (const r of [...this.replicas]) r.close(reason);
  }

  /** The backlog, created when the first replica arrives (a fresh history, as Redis starts one). */
  ensureBacklog(): void {
    if (this.backlog !== null) return;
    this.backlog = new ReplicationBacklog(this.backlogSize, this.offset);
    if (this.replicas.length === 0) {
      this.replid = this.host.randomHex(REPLID_BYTES);
      this.replid2 = NO_REPLID;
      this.secondOffset = -1;
    }
  }

  /** PSYNC replid offset: can the replica continue from `offset`? (masterTryPartialResynchronization) */
  tryPartial(link: ReplicaLink, replid: string, offsetText: string): PsyncOutcome {
    const offset = Number(offsetText);
    if (replid === '?' ) return { kind: 'full', reason: 'full resync requested' };
    if (!Number.isSafeInteger(offset)) return { kind: 'full', reason: `bad offset ${offsetText}` };
    if (replid !== this.replid && (replid !== this.replid2 || offset > this.secondOffset)) {
      return { kind: 'full', reason: `replication ID mismatch (replica asked for '${replid}', my replication IDs are '${this.replid}' and '${this.replid2}')` };
    }
    this.flush();
    const b = this.backlog;
    if (b === null || !b.holds(offset)) {
      return { kind: 'full', reason: `offset ${offset} is outside the backlog` };
    }
    return {
      kind: 'continue',
      reply: link.capaPsync2 ? `+CONTINUE ${this.replid}\r\n` : '+CONTINUE\r\n',
      missed: b.readFrom(offset),
    };
  }

  /** Stream bytes so far go out first; a snapshot taken now starts at `offset`, and the stream after it re-selects its db. */
  prepareSnapshotPoint(): number {
    this.ensureBacklog();
    this.flush();
    if (!this.following) this.selectedDb = -1;
    return this.offset;
  }

  /** Replicas acknowledged at or past `offset`. */
  acksAtLeast(offset: number): number {
    let n = 0;
    for (const r of this.replicas) if (r.state === 'online' && r.ackOffset >= offset) n++;
    return n;
  }

  /** Replicas online whose last ACK is at most `maxLagSec` old (min-replicas-max-lag). */
  goodReplicas(nowMs: number, maxLagSec: number): number {
    let n = 0;
    for (const r of this.replicas) if (r.state === 'online' && nowMs - r.ackTimeMs <= maxLagSec * 1000) n++;
    return n;
  }

  remove(link: ReplicaLink): void {
    const i = this.replicas.indexOf(link);
    if (i >= 0) this.replicas.splice(i, 1);
  }

  /** Becoming a primary again after following another (REPLICAOF NO ONE): a new history, the old one kept as replid2. */
  shiftReplicationId(): void {
    this.replid2 = this.replid;
    this.secondOffset = this.offset + 1;
    this.replid = this.host.randomHex(REPLID_BYTES);
  }

  infoFields(nowMs: number): Array<[string, string | number]> {
    const fields: Array<[string, string | number]> = [['connected_slaves', this.replicas.length]];
    this.replicas.forEach((r, i) => {
      const state = r.state === 'online' ? 'online' : r.state;
      const lag = r.ackTimeMs > 0 ? Math.floor((nowMs - r.ackTimeMs) / 1000) : 0;
      fields.push([`slave${i}`, `ip=${r.ip},port=${r.port},state=${state},offset=${Math.max(0, r.ackOffset)},lag=${lag}`]);
    });
    const b = this.backlog;
    fields.push(
      ['master_failover_state', this.failoverState],
      ['master_replid', this.replid],
      ['master_replid2', this.replid2],
      ['master_repl_offset', this.offset],
      ['second_repl_offset', this.secondOffset],
      ['repl_backlog_active', b !== null ? 1 : 0],
      ['repl_backlog_size', this.backlogSize],
      ['repl_backlog_first_byte_offset', b !== null ? b.firstOffset : 0],
      ['repl_backlog_histlen', b !== null ? b.historyBytes : 0],
    );
    return fields;
  }
}
