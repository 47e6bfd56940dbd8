/**
 * The leader's view of one peer (etcd's tracker.Progress).
 *
 * - probe: we do not know where the peer's log ends; send one MsgApp per heartbeat interval and
 *   wait for the answer (msgAppFlowPaused) before sending more.
 * - replicate: the peer follows; pipeline MsgApps optimistically, bounded by the inflight window.
 * - snapshot: the peer needs a snapshot; stream its chunks (bounded in flight), send no MsgApp.
 *
 * Invariant: match < next.
 */
import type { Snapshot } from './types.js';
import { Inflights } from './inflights.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** A snapshot transfer in progress to one peer. */
export interface SnapshotTransfer {
  snapshot: Snapshot;
  /** Bytes sent so far (the next chunk starts here). */
  sentBytes: number;
  /** Bytes the follower reported holding in order. */
  ackedBytes: number;
  /** ackedBytes at the previous heartbeat response; no change in between means resend. */
  ackedAtHeartbeat: number;
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In snapshot state: index of the snapshot being sent. */
  pendingSnapshot = 0;
  transfer: SnapshotTransfer | null = null;
  /** Heard from the peer since the last CheckQuorum. */
  recentActive = false;
  /** Probe state: a MsgApp is out, wait for its answer or the next heartbeat. */
  msgAppFlowPaused = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflightMsgs: number, maxInflightBytes: number, public isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.transfer = null;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshot: Snapshot): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshot.metadata.index;
    this.transfer = { snapshot, sentBytes: 0, ackedBytes: 0, ackedAtHeartbeat: -1 };
  }

  /** Called when MsgApp with entries up to `lastIndex` (`entries` of them, `bytes` total) is sent. */
  sentEntries(entries: number, lastIndex: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (entries > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, bytes);
      }
    } else if (this.state === 'probe') {
      this.msgAppFlowPaused = true;
    }
  }

  /** A non-rejecting MsgAppResp for index n. Returns whether match moved. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    if (this.next < n + 1) this.next = n + 1;
    return updated;
  }

  /**
   * A rejection of the MsgApp at `rejected`, with the follower's hint `matchHint`. Returns false
   * when the rejection is stale (out of order).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.msgAppFlowPaused;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  describe(): string {
    return `${this.state} match=${this.match} next=${this.next}${this.isLearner ? ' learner' : ''}${this.state === 'snapshot' ? ` snap=${this.pendingSnapshot}` : ''}${this.inflights.size() ? ` inflight=${this.inflights.size()}` : ''}${this.msgAppFlowPaused ? ' paused' : ''}`;
  }
}
