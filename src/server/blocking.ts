/**
 * Clients blocked on keys (BLPOP, BZPOPMIN...). A blocked client stops running commands (what it
 * sends meanwhile waits in `client.pending`). When a write signals a key ready, the clients
 * blocked on it run their command again, in the order they blocked, until one finds nothing to
 * take; a client whose command blocks again keeps its place. Timeouts reply the command's
 * timeout reply. As in Redis, keys signalled inside MULTI/EXEC are served after EXEC.
 */
import type { BlockRequest } from '../commands/spec.js';
import type { Database } from '../keyspace/database.js';
import type { Client } from './client.js';
import type { ConcordServer } from './server.js';

/** setTimeout's longest delay; longer timeouts are re-armed. */
const TIMER_MS_MAX = 2 ** 31 - 1;

export interface BlockedState {
  keys: readonly string[];
  dbIndex: number;
  argv: string[];
  deadlineMs: number;
  timeoutReply: 'nullArray' | 'null';
  valueType: 'list' | 'zset';
  timer: NodeJS.Timeout | null;
}

export class Blocking {
  /** db -> key -> clients blocked on it, in the order they blocked (Set keeps insertion order). */
  private readonly waiting = new Map<Database, Map<string, Set<Client>>>();
  private readonly states = new Map<Client, BlockedState>();
  /** Keys signalled since the last serve, deduplicated. */
  private ready: Array<[Database, string]> = [];
  private readonly readySeen = new Set<string>();
  /** The client whose blocked command is being run again: block() then keeps its place. */
  private rerunning: Client | null = null;
  private blockedAgain = false;
  /** Nesting of EXEC: commands inside a transaction never block. */
  execDepth = 0;

  constructor(private readonly server: ConcordServer) {}

  get blockedClients(): number {
    return this.states.size;
  }

  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  isBlocked(client: Client): boolean {
    return this.states.has(client);
  }

  block(client: Client, argv: string[], request: BlockRequest): boolean {
    if (this.execDepth > 0) return false;
    if (this.rerunning === client) {
      this.blockedAgain = true;
      return true;
    }
    const db = this.server.keyspace.dbs[client.db];
    const state: BlockedState = {
      keys: [...new Set(request.keys)],
      dbIndex: client.db,
      argv: [...argv],
      deadlineMs: request.deadlineMs,
      timeoutReply: request.timeoutReply,
      valueType: request.valueType,
      timer: null,
    };
    let byKey = this.waiting.get(db);
    if (byKey === undefined) {
      byKey = new Map();
      this.waiting.set(db, byKey);
    }
    for (const key of state.keys) {
      let queue = byKey.get(key);
      if (queue === undefined) {
        queue = new Set();
        byKey.set(key, queue);
      }
      queue.add(client);
    }
    this.states.set(client, state);
    client.blocked = { keys: state.keys, dbIndex: state.dbIndex, argv: state.argv };
    if (state.deadlineMs > 0) this.arm(client, state);
    return true;
  }

  private arm(client: Client, state: BlockedState): void {
    const delay = Math.max(0, state.deadlineMs - this.server.clock.now());
    state.timer = setTimeout(() => {
      if (this.server.clock.now() < state.deadlineMs) this.arm(client, state);
      else this.timeout(client);
    }, Math.min(delay, TIMER_MS_MAX));
  }

  keyReady(db: Database, key: string): void {
    if (this.states.size === 0 || this.waiting.get(db)?.has(key) !== true) return;
    const id = `${db.id}\0${key}`;
    if (this.readySeen.has(id)) return;
    this.readySeen.add(id);
    this.ready.push([db, key]);
  }

  /** SWAPDB: every key someone is blocked on in `db` may hold data now. */
  blockedKeysReady(db: Database): void {
    const byKey = this.waiting.get(db);
    if (byKey === undefined) return;
    for (const key of byKey.keys()) if (db.dict.has(key)) this.keyReady(db, key);
  }

  /** Runs blocked clients' commands for every key signalled ready. Called between top-level commands. */
  serveReady(): void {
    while (this.ready.length > 0) {
      const batch = this.ready;
      this.ready = [];
      this.readySeen.clear();
      for (const [db, key] of batch) {
        const queue = this.waiting.get(db)?.get(key);
        if (queue === undefined) continue;
        const value = db.get(key, this.server.clock.now());
        const type = value === undefined || typeof value === 'string' ? null : value.type;
        for (const client of [...queue]) {
          if (!queue.has(client)) continue;
          if (this.states.get(client)?.valueType !== type) continue;
          if (!this.rerun(client)) break;
        }
      }
    }
  }

  /** Runs `client`'s blocked command again. Returns false when it blocked again (nothing left to take). */
  private rerun(client: Client): boolean {
    const state = this.states.get(client);
    if (state === undefined) return true;
    const server = this.server;
    this.rerunning = client;
    this.blockedAgain = false;
    const savedDb = client.db;
    client.db = state.dbIndex;
    server.out.resp = client.resp;
    try {
      server.beginBatch();
      server.executeOne(client, state.argv);
    } finally {
      this.rerunning = null;
      client.db = savedDb;
    }
    if (this.blockedAgain) {
      // Nothing was written; anything the handler wrote would be a bug, so drop it.
      server.out.take();
      return false;
    }
    this.unblock(client);
    server.flush(client);
    server.resume(client);
    return true;
  }

  private timeout(client: Client): void {
    const state = this.states.get(client);
    if (state === undefined) return;
    this.unblock(client);
    const out = this.server.out;
    out.resp = client.resp;
    if (state.timeoutReply === 'nullArray') out.nullArray();
    else out.null();
    this.server.flush(client);
    this.server.resume(client);
  }

  /** CLIENT UNBLOCK: ends the wait with the timeout reply, or with an UNBLOCKED error. */
  unblockByRequest(client: Client, withError: boolean): boolean {
    const state = this.states.get(client);
    if (state === undefined) return false;
    if (!withError) {
      this.timeout(client);
      return true;
    }
    this.unblock(client);
    const out = this.server.out;
    out.resp = client.resp;
    this.server.stats.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    out.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    this.server.flush(client);
    this.server.resume(client);
    return true;
  }

  /** Forgets the client's wait (disconnect, served, timed out). */
  unblock(client: Client): void {
    const state = this.states.get(client);
    if (state === undefined) return;
    this.states.delete(client);
    client.blocked = null;
    if (state.timer !== null) clearTimeout(state.timer);
    const db = this.server.keyspace.dbs[state.dbIndex];
    const byKey = this.waiting.get(db);
    if (byKey === undefined) return;
    for (const key of state.keys) {
      const queue = byKey.get(key);
      if (queue === undefined) continue;
      queue.delete(client);
      if (queue.size === 0) byKey.delete(key);
    }
  }
}
