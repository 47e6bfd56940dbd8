/** One connection: its socket, its parser, and the state Redis keeps per client. */
import type { Socket } from 'node:net';
import { RequestParser, type ParserLimits } from '../protocol/request-parser.js';
import type { ProtocolError } from '../protocol/errors.js';
import type { RespVersion } from '../protocol/reply-writer.js';
import type { ReplicaLink } from '../replication/primary.js';
import { SocketWriter } from './socket-writes.js';

/** The fake client that replays the AOF at start (Redis's CLIENT_ID_AOF): never refused with -LOADING. */
export const LOADING_CLIENT_ID = Number.MAX_SAFE_INTEGER;
/** The fake client that applies a followed primary's stream (Redis's server.master): not refused as read-only. */
export const MASTER_CLIENT_ID = Number.MAX_SAFE_INTEGER - 1;

export class Client {
  readonly parser: RequestParser;
  name = '';
  /** Index of the selected database. */
  db = 0;
  resp: RespVersion = 2;
  authenticated: boolean;
  user = 'default';
  libName = '';
  libVer = '';
  readonly createdAtMs: number;
  lastInteractionMs: number;
  lastCommand = 'NULL';
  /** MONITOR: receives every command; no longer runs commands of its own but QUIT/RESET. */
  monitor = false;
  noEvict = false;
  noTouch = false;
  /** Inside MULTI: the queued commands, and whether a queueing error dooms EXEC. */
  multi: { queue: string[][]; failed: boolean } | null = null;
  /** A watched key changed since WATCH: the next EXEC fails. */
  watchDirty = false;
  /** Channels, patterns and shard channels subscribed: in RESP2, more than 0 means subscriber mode. */
  subscriptions = 0;
  /** Set while the client waits in a blocking command; its later commands wait in `pending`. */
  blocked: { keys: readonly string[]; dbIndex: number; argv: string[] } | null = null;
  /** Commands received while blocked, run once it is unblocked. */
  pending: string[][] = [];
  /** A protocol error that arrived while blocked, answered after the pending commands. */
  pendingError: ProtocolError | null = null;
  /** Close once pending replies are written (QUIT, protocol error, CLIENT KILL of self). */
  closeAfterReply = false;
  closed = false;
  /** When the output buffer first went over the soft limit, or 0. */
  softLimitSinceMs = 0;
  /** Total bytes written to this client's socket. */
  bytesOut = 0;
  /**
   * Replies waiting for the AOF bytes they depend on to be fsynced (appendfsync always), and the
   * AOF offset they wait for. Everything later for this client queues behind them, in order.
   */
  held: Buffer[] | null = null;
  heldUntil = 0;
  /** A graceful close waits for held replies to leave first. */
  closeWhenReleased = false;
  /** Set once the connection is a replica's (after PSYNC/SYNC): it gets the stream, never replies. */
  replica: ReplicaLink | null = null;
  /** REPLCONF listening-port / ip-address / capa, kept until PSYNC. */
  replicaPort = 0;
  replicaIp = '';
  readonly replicaCapa = new Set<string>();
  /** Replication offset just after this client's last write (WAIT waits for replicas to reach it). */
  woff = 0;
  readonly addr: string;
  readonly laddr: string;
  readonly isLocal: boolean;
  /** Reply writes (socket-writes.ts: straight to the handle when nothing is queued ahead). */
  private readonly writer: SocketWriter;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    limits: ParserLimits,
    nowMs: number,
    requireAuth: boolean,
  ) {
    this.parser = new RequestParser(limits);
    this.writer = new SocketWriter(socket);
    this.authenticated = !requireAuth;
    this.parser.authenticated = this.authenticated;
    this.createdAtMs = nowMs;
    this.lastInteractionMs = nowMs;
    const unix = socket.remoteAddress === undefined;
    this.addr = unix ? '/unixsocket:0' : formatAddr(socket.remoteAddress!, socket.remotePort ?? 0);
    this.laddr = unix ? '/unixsocket:0' : formatAddr(socket.localAddress ?? '', socket.localPort ?? 0);
    this.isLocal = unix || isLoopback(socket.remoteAddress!);
  }

  /** A client with no connection that the server itself drives (AOF replay, a replica's master link). */
  static internal(id: number, name: string, nowMs: number): Client {
    const noSocket = { remoteAddress: undefined, writableLength: 0 } as unknown as Socket;
    const client = new Client(id, noSocket, { bulkBytesMax: 0, multibulkLenMax: 0 }, nowMs, false);
    client.name = name;
    return client;
  }

  setAuthenticated(ok: boolean): void {
    this.authenticated = ok;
    this.parser.authenticated = ok;
  }

  /**
   * Replies produced this event-loop turn, written at its end (see ConcordServer.writeQueued):
   * one write per client per turn, after every ready socket was read, as Redis's
   * handleClientsWithPendingWrites does in beforeSleep.
   */
  private queued: Buffer[] | null = null;
  private queuedBytes = 0;

  /** Bytes not yet read by the peer: queued for this turn's write, or in the socket. */
  get outputBytes(): number {
    return this.writer.unsentBytes + this.queuedBytes;
  }

  /**
   * Queues reply pieces for the end of the turn (the array becomes the client's); true when the
   * client was not queued yet.
   */
  queue(pieces: Buffer[]): boolean {
    if (this.closed) return false;
    for (const p of pieces) this.queuedBytes += p.length;
    if (this.queued === null) {
      this.queued = pieces;
      return true;
    }
    for (const p of pieces) this.queued.push(p);
    return false;
  }

  /** Writes what was queued, as one socket write where possible. */
  writeQueued(): void {
    const pieces = this.queued;
    if (pieces === null) return;
    this.queued = null;
    const bytes = this.queuedBytes;
    this.queuedBytes = 0;
    if (this.closed) return;
    this.bytesOut += bytes;
    if (pieces.length === 1) {
      this.writer.write(pieces[0]);
    } else if (bytes <= COALESCE_BYTES_MAX) {
      this.writer.write(Buffer.concat(pieces, bytes));
    } else {
      this.socket.cork();
      for (const p of pieces) this.socket.write(p);
      this.socket.uncork();
    }
  }

  /** Drops what was queued (the connection is being destroyed). */
  dropQueued(): void {
    this.queued = null;
    this.queuedBytes = 0;
  }
}

/** Queued replies up to this size are copied into one buffer; larger ones go out as a writev. */
const COALESCE_BYTES_MAX = 16 * 1024;

function formatAddr(ip: string, port: number): string {
  const plain = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return `${plain}:${port}`;
}

export function isLoopback(ip: string): boolean {
  const plain = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return plain.startsWith('127.') || plain === '::1';
}
