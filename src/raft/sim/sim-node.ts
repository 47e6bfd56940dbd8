/**
 * One simulated server: a RawNode (volatile), its MemoryStorage (the "disk": survives crashes
 * with exactly what was persisted), and its KV state machine (volatile, rebuilt from the
 * storage snapshot and the log on restart).
 */
import type { UnsafeTestingFaults } from '../config.js';
import { RawNode } from '../raw-node.js';
import { MemoryStorage } from '../storage.js';
import type { NodeId } from '../types.js';
import { KvApp } from './kv-app.js';
import { Rng } from './rng.js';

export const ELECTION_TIMEOUT_TICKS = 10;
export const HEARTBEAT_TIMEOUT_TICKS = 2;

export interface PendingRead {
  ackedAtIssue: number;
  index: number;
}

export class SimNode {
  rn: RawNode | null = null;
  readonly storage = new MemoryStorage();
  app = new KvApp();
  /** Incarnation: bumped at each crash so stale tick events are ignored. */
  incarnation = 0;
  alive = false;
  /** Removed from the membership for good (never restarted). */
  retired = false;
  readonly reads = new Map<string, PendingRead>();
  /** Tick period in ms for this node's clock (bounded drift). */
  tickPeriodMs: number;

  constructor(
    readonly id: NodeId,
    private readonly rng: Rng,
    tickPeriodMs: number,
    private readonly faults: UnsafeTestingFaults,
    private readonly maxMsgBytes: number,
  ) {
    this.tickPeriodMs = tickPeriodMs;
  }

  /** (Re)starts from durable storage only. */
  start(): void {
    const snap = this.storage.snapshot();
    this.app = new KvApp();
    this.app.restore(snap.data, snap.metadata.index, snap.metadata.confState);
    this.rn = new RawNode({
      id: this.id,
      storage: this.storage,
      random: this.rng.fork().random(),
      electionTimeoutTicks: ELECTION_TIMEOUT_TICKS,
      heartbeatTimeoutTicks: HEARTBEAT_TIMEOUT_TICKS,
      applied: snap.metadata.index,
      maxMsgBytes: this.maxMsgBytes,
      maxInflightMsgs: 8,
      maxInflightBytes: 4096,
      maxUncommittedEntriesBytes: 16 << 10,
      snapshotChunkBytes: 64,
      maxSnapshotChunksInflight: 3,
      unsafeTestingFaults: this.faults,
    });
    this.alive = true;
    this.incarnation++;
  }

  crash(): void {
    this.rn = null;
    this.alive = false;
    this.reads.clear();
    this.incarnation++;
  }
}
