/**
 * The driver-facing API (after etcd's RawNode): feed it ticks, messages and proposals; collect
 * a Ready; do what it says (persist, then send, then apply); call advance().
 */
import { assert } from '../util/assert.js';
import type { RaftConfig } from './config.js';
import { ProposalDroppedError } from './errors.js';
import { Raft } from './raft.js';
import {
  type ConfChange,
  type ConfState,
  encodeConfChange,
  type Entry,
  entriesBytes,
  EMPTY_HARD_STATE,
  type HardState,
  hardStateEqual,
  message,
  type Message,
  NONE,
  type NodeId,
  type Ready,
  type SoftState,
  type StateType,
} from './types.js';

export interface ProgressStatus {
  match: number;
  next: number;
  state: string;
  isLearner: boolean;
}

export interface Status {
  id: NodeId;
  term: number;
  vote: NodeId;
  commit: number;
  lead: NodeId;
  state: StateType;
  applied: number;
  lastIndex: number;
  firstIndex: number;
  leadTransferee: NodeId;
  confState: ConfState;
  /** Leader only. */
  progress: Map<NodeId, ProgressStatus> | null;
}

const LOCAL_TYPES = new Set(['MsgHup', 'MsgBeat', 'MsgCheckQuorum', 'MsgUnreachable']);

export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  /** The Ready handed out and not yet advanced. */
  private outstanding: Ready | null = null;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoft = { lead: this.raft.lead, state: this.raft.state };
    this.prevHard = this.raft.hardState();
    if (this.prevHard.term === 0 && this.prevHard.vote === NONE && this.prevHard.commit === 0) this.prevHard = EMPTY_HARD_STATE;
  }

  get id(): NodeId {
    return this.raft.id;
  }

  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (tests and manual failover). */
  campaign(): void {
    this.raft.step(message({ type: 'MsgHup', from: this.raft.id }));
  }

  /** Proposes one entry. Throws ProposalDroppedError when this node cannot take it. */
  propose(data: Uint8Array): void {
    this.proposeEntries([{ term: 0, index: 0, type: 'normal', data }]);
  }

  /** Proposes many entries as one batch (one append, one MsgApp per follower). */
  proposeBatch(datas: readonly Uint8Array[]): void {
    if (datas.length === 0) return;
    const ents: Entry[] = new Array(datas.length);
    for (let i = 0; i < datas.length; i++) ents[i] = { term: 0, index: 0, type: 'normal', data: datas[i] };
    this.proposeEntries(ents);
  }

  private proposeEntries(entries: Entry[]): void {
    const reason = this.raft.step(message({ type: 'MsgProp', from: this.raft.id, entries }), true);
    if (reason) throw new ProposalDroppedError(reason);
  }

  /** Proposes a membership change; it takes effect when the driver applies its entry and calls applyConfChange. */
  proposeConfChange(cc: ConfChange): void {
    this.proposeEntries([{ term: 0, index: 0, type: 'confChange', data: encodeConfChange(cc) }]);
  }

  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** Feeds a message from a peer. Local-only types and messages from non-peers are ignored. */
  step(m: Message): void {
    if (LOCAL_TYPES.has(m.type) && m.type !== 'MsgUnreachable') return;
    if (m.to !== this.raft.id) return;
    this.raft.step(m);
  }

  /**
   * Requests a linearizable read; the answer arrives as a ReadState with `ctx` in a later Ready.
   * `ctx` must be unique among pending reads. Throws when there is no leader to ask.
   */
  readIndex(ctx: string): void {
    const reason = this.raft.step(message({ type: 'MsgReadIndex', from: this.raft.id, context: ctx }));
    if (reason) throw new ProposalDroppedError(reason);
  }

  /** Asks the leader to hand leadership to `transferee` (TimeoutNow once it has caught up). */
  transferLeader(transferee: NodeId): void {
    const reason = this.raft.step(message({ type: 'MsgTransferLeader', from: transferee }));
    if (reason) throw new ProposalDroppedError(reason);
  }

  /** The driver could not deliver to `id`: probe it instead of pipelining blindly. */
  reportUnreachable(id: NodeId): void {
    this.raft.step(message({ type: 'MsgUnreachable', from: id }));
  }

  hasReady(): boolean {
    const r = this.raft;
    if (r.lead !== this.prevSoft.lead || r.state !== this.prevSoft.state) return true;
    const hs = r.hardState();
    if (!hardStateEqual(hs, this.prevHard)) return true;
    if (r.raftLog.hasPendingSnapshot()) return true;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    if (r.raftLog.unstable.entries.length > 0) return true;
    return r.raftLog.hasNextCommittedEnts();
  }

  ready(): Ready {
    assert(this.outstanding === null, 'ready() called again before advance()');
    const r = this.raft;
    const log = r.raftLog;
    const soft: SoftState | null = r.lead !== this.prevSoft.lead || r.state !== this.prevSoft.state ? { lead: r.lead, state: r.state } : null;
    const hs = r.hardState();
    const hardState = hardStateEqual(hs, this.prevHard) ? null : hs;
    const entries = log.unstable.entries.length > 0 ? log.unstable.entries.slice() : [];
    const committedEntries = log.nextCommittedEnts();
    if (committedEntries.length > 0) log.applying = committedEntries[committedEntries.length - 1].index;
    const rd: Ready = {
      softState: soft,
      hardState,
      readStates: r.readStates,
      entries,
      snapshot: log.unstable.snapshot,
      committedEntries,
      messages: r.msgs,
      mustSync: entries.length > 0 || (hardState !== null && (hardState.term !== this.prevHard.term || hardState.vote !== this.prevHard.vote)),
    };
    r.msgs = [];
    r.readStates = [];
    if (soft) this.prevSoft = soft;
    this.outstanding = rd;
    return rd;
  }

  /** The driver persisted, sent and applied everything in the last Ready. */
  advance(): void {
    const rd = this.outstanding;
    assert(rd !== null, 'advance() without ready()');
    this.outstanding = null;
    const log = this.raft.raftLog;
    if (rd.hardState) this.prevHard = rd.hardState;
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1];
      log.stableTo(last.index, last.term);
    }
    if (rd.snapshot) {
      const i = rd.snapshot.metadata.index;
      log.stableSnapTo(i);
      if (log.applied < i) {
        log.applied = i;
        log.applying = Math.max(log.applying, i);
      }
    }
    if (rd.committedEntries.length > 0) {
      log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1].index);
      this.raft.reduceUncommittedBytes(entriesBytes(rd.committedEntries));
    }
  }

  status(): Status {
    const r = this.raft;
    let progress: Map<NodeId, ProgressStatus> | null = null;
    if (r.state === 'leader') {
      progress = new Map();
      for (const [id, pr] of r.trk.progress) progress.set(id, { match: pr.match, next: pr.next, state: pr.state, isLearner: pr.isLearner });
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.raftLog.committed,
      lead: r.lead,
      state: r.state,
      applied: r.raftLog.applied,
      lastIndex: r.raftLog.lastIndex(),
      firstIndex: r.raftLog.firstIndex(),
      leadTransferee: r.leadTransferee,
      confState: r.trk.confState(),
      progress,
    };
  }
}
