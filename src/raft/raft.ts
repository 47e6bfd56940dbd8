/**
 * The Raft state machine (after etcd-io/raft's raft.go; our own code). It is driven entirely
 * from outside: `tick()` advances logical time, `step(m)` feeds a message, and the results
 * (messages to send, entries to persist, entries to apply, read states) accumulate here until
 * the RawNode collects them into a Ready. No I/O, no clock, randomness only through config.random.
 */
import { assert } from '../util/assert.js';
import { applyChange } from './conf-change.js';
import { resolveConfig, type RaftConfig, type ResolvedConfig } from './config.js';
import { CompactedError, type DropReason, UnavailableError } from './errors.js';
import { RaftLog } from './log.js';
import type { Progress } from './progress.js';
import { isMajority } from './quorum.js';
import { ReadOnly } from './read-only.js';
import { ProgressTracker } from './tracker.js';
import {
  type ConfChange,
  type ConfState,
  decodeConfChange,
  type Entry,
  entriesBytes,
  type HardState,
  message,
  type Message,
  type MessageType,
  NONE,
  type NodeId,
  type ReadState,
  type Snapshot,
  type SnapshotMetadata,
  type StateType,
} from './types.js';

type CampaignType = 'preElection' | 'election' | 'transfer';

const CAMPAIGN_TRANSFER_CTX = 'transfer';
const EMPTY_DATA = new Uint8Array(0);

/** A snapshot being received in chunks from the leader. */
interface SnapshotReceive {
  metadata: SnapshotMetadata;
  totalBytes: number;
  buf: Uint8Array;
  received: number;
}

export class Raft {
  readonly id: NodeId;
  readonly cfg: ResolvedConfig;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state: StateType = 'follower';
  isLearner = false;
  readonly raftLog: RaftLog;
  trk: ProgressTracker;
  /** Outgoing messages; the RawNode takes them in ready(). */
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  /** Ticks since the last election timeout reset (followers) or the last CheckQuorum (leader). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  /** In [electionTimeoutTicks, 2*electionTimeoutTicks), redrawn at every state change. */
  randomizedElectionTimeout = 0;
  leadTransferee: NodeId = NONE;
  /** A conf change may be proposed only when applied >= pendingConfIndex. */
  pendingConfIndex = 0;
  /** Payload bytes of the leader's uncommitted tail. Invariant: <= maxUncommittedEntriesBytes unless one batch exceeds it alone. */
  uncommittedBytes = 0;
  readOnly: ReadOnly;
  /** ReadIndex requests that arrived before the leader committed an entry of its term. */
  pendingReadIndexMessages: Message[] = [];
  private receive: SnapshotReceive | null = null;

  constructor(config: RaftConfig) {
    this.cfg = resolveConfig(config);
    this.id = this.cfg.id;
    const storage = this.cfg.storage;
    this.raftLog = new RaftLog(storage, this.cfg.maxCommittedBytesPerReady);
    const { hardState, confState } = storage.initialState();
    this.trk = new ProgressTracker(this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes);
    this.readOnly = new ReadOnly(this.cfg.readOnlyOption);
    this.applyMembership(confState);
    if (hardState.term !== 0 || hardState.vote !== NONE || hardState.commit !== 0) this.loadState(hardState);
    if (this.cfg.applied > 0) this.raftLog.appliedTo(this.cfg.applied);
    this.becomeFollower(this.term, NONE);
  }

  private loadState(hs: HardState): void {
    assert(hs.commit >= this.raftLog.committed && hs.commit <= this.raftLog.lastIndex(), `${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`);
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  private applyMembership(cs: ConfState): void {
    this.trk.setMembership(cs, this.raftLog.lastIndex());
    const pr = this.trk.progress.get(this.id);
    this.isLearner = pr !== undefined && pr.isLearner;
  }

  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasPendingSnapshot();
  }

  // ---------------------------------------------------------------- sending

  private send(m: Message): void {
    if (m.from === NONE) m.from = this.id;
    const t = m.type;
    if (t === 'MsgVote' || t === 'MsgVoteResp' || t === 'MsgPreVote' || t === 'MsgPreVoteResp') {
      assert(m.term !== 0, `term should be set when sending ${t}`);
    } else {
      assert(m.term === 0, `term should not be set when sending ${t} (was ${m.term})`);
      if (t !== 'MsgProp' && t !== 'MsgReadIndex') m.term = this.term;
    }
    this.msgs.push(m);
  }

  /** Sends MsgApp (with entries or just the commit index) to `to`, or a snapshot when the log is compacted. */
  sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Returns whether a message was sent. */
  maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.trk.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    let prevTerm: number;
    let ents: Entry[];
    try {
      prevTerm = this.raftLog.term(prevIndex);
      ents = pr.state === 'replicate' && pr.inflights.full() ? [] : this.raftLog.entries(pr.next, this.cfg.maxMsgBytes);
    } catch (e) {
      if (e instanceof CompactedError || e instanceof UnavailableError) return this.maybeSendSnapshot(to, pr);
      throw e;
    }
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.send(message({ type: 'MsgApp', to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.raftLog.committed }));
    if (ents.length > 0) pr.sentEntries(ents.length, ents[ents.length - 1].index, entriesBytes(ents));
    else pr.sentEntries(0, 0, 0);
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) return false;
    const snapshot = this.raftLog.snapshot();
    assert(snapshot.metadata.index > 0, `need a non-empty snapshot to catch up ${to}`);
    pr.becomeSnapshot(snapshot);
    this.sendSnapshotChunks(to, pr);
    return true;
  }

  /** Streams chunks of the pending snapshot, at most maxSnapshotChunksInflight unacknowledged. */
  private sendSnapshotChunks(to: NodeId, pr: Progress): void {
    const t = pr.transfer;
    if (!t) return;
    const data = t.snapshot.data;
    const total = data.byteLength;
    const chunk = this.cfg.snapshotChunkBytes;
    const window = chunk * this.cfg.maxSnapshotChunksInflight;
    if (total === 0) {
      if (t.sentBytes === 0 && t.ackedBytes === 0) {
        t.sentBytes = -1; // marks the one empty chunk as sent
        this.send(message({ type: 'MsgSnap', to, snapshot: { metadata: t.snapshot.metadata, offset: 0, totalBytes: 0, data: EMPTY_DATA } }));
      }
      return;
    }
    while (t.sentBytes < total && t.sentBytes - t.ackedBytes < window) {
      const end = Math.min(total, t.sentBytes + chunk);
      this.send(message({ type: 'MsgSnap', to, snapshot: { metadata: t.snapshot.metadata, offset: t.sentBytes, totalBytes: total, data: data.subarray(t.sentBytes, end) } }));
      t.sentBytes = end;
    }
  }

  private sendHeartbeat(to: NodeId, ctx: string): void {
    const pr = this.trk.progress.get(to)!;
    const commit = Math.min(pr.match, this.raftLog.committed);
    this.send(message({ type: 'MsgHeartbeat', to, commit, context: ctx }));
  }

  bcastAppend(): void {
    for (const id of this.trk.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(ctx: string): void {
    for (const id of this.trk.progress.keys()) if (id !== this.id) this.sendHeartbeat(id, ctx);
  }

  // ---------------------------------------------------------------- state changes

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTimeoutTicks + Math.floor(this.cfg.random.next() * this.cfg.electionTimeoutTicks);
    this.leadTransferee = NONE;
    this.trk.resetVotes();
    const last = this.raftLog.lastIndex();
    for (const [id, pr] of this.trk.progress) {
      pr.becomeProbe();
      pr.match = id === this.id ? last : 0;
      pr.next = last + 1;
      pr.recentActive = false;
    }
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.readOnly = new ReadOnly(this.cfg.readOnlyOption);
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = 'follower';
  }

  private becomeCandidate(): void {
    assert(this.state !== 'leader', 'invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = 'candidate';
  }

  private becomePreCandidate(): void {
    assert(this.state !== 'leader', 'invalid transition [leader -> pre-candidate]');
    // Neither the term nor the vote changes: a pre-election is free.
    this.trk.resetVotes();
    this.lead = NONE;
    this.state = 'preCandidate';
  }

  private becomeLeader(): void {
    assert(this.state !== 'follower', 'invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = 'leader';
    const self = this.trk.progress.get(this.id)!;
    self.becomeReplicate();
    self.recentActive = true;
    const empty: Entry = { term: 0, index: 0, type: 'normal', data: EMPTY_DATA };
    assert(this.appendEntries([empty], true), 'empty entry was dropped');
    // No conf change until the leader has applied an entry of its own term (the single-server
    // change rule; see docs/raft.md).
    this.pendingConfIndex = this.raftLog.lastIndex();
  }

  // ---------------------------------------------------------------- time

  tick(): void {
    if (this.state === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(message({ type: 'MsgHup', from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTimeoutTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) this.step(message({ type: 'MsgCheckQuorum', from: this.id }));
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.state === 'leader' && this.leadTransferee !== NONE) this.leadTransferee = NONE;
    }
    if (this.state !== 'leader') return;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTimeoutTicks) {
      this.heartbeatElapsed = 0;
      this.step(message({ type: 'MsgBeat', from: this.id }));
    }
  }

  // ---------------------------------------------------------------- elections

  private hup(t: CampaignType): void {
    if (this.state === 'leader') return;
    if (!this.promotable()) return;
    // A committed but unapplied conf change could change who may vote; apply it first.
    if (this.raftLog.hasUnappliedConfChange()) return;
    this.campaign(t);
  }

  private campaign(t: CampaignType): void {
    let term: number;
    let voteMsg: MessageType;
    if (t === 'preElection') {
      this.becomePreCandidate();
      voteMsg = 'MsgPreVote';
      term = this.term + 1; // the term we would campaign at
    } else {
      this.becomeCandidate();
      voteMsg = 'MsgVote';
      term = this.term;
    }
    this.trk.recordVote(this.id, true);
    if (this.trk.tallyVotes().result === 'won') {
      // A single voter wins at once.
      if (t === 'preElection') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const index = this.raftLog.lastIndex();
    const logTerm = this.raftLog.lastTerm();
    const context = t === 'transfer' ? CAMPAIGN_TRANSFER_CTX : '';
    for (const id of this.trk.voters) {
      if (id === this.id) continue;
      this.send(message({ type: voteMsg, to: id, term, index, logTerm, context }));
    }
  }

  // ---------------------------------------------------------------- step

  /**
   * Feeds one message. Returns why a local proposal, read or transfer was dropped, or null.
   * Messages from the network are dropped silently when stale. `local`: m was built by this
   * node's RawNode (its entries are fresh objects the leader may stamp in place).
   */
  step(m: Message, local = false): DropReason | null {
    if (m.term === 0) {
      // local message (or a forwarded MsgProp / MsgReadIndex)
    } else if (m.term > this.term) {
      if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
        const force = m.context === CAMPAIGN_TRANSFER_CTX;
        const inLease = this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed < this.cfg.electionTimeoutTicks;
        // A follower that heard from a live leader within the election timeout refuses to be
        // disrupted (unless the leader itself asked for the transfer).
        if (!force && inLease) return null;
      }
      if (m.type === 'MsgPreVote') {
        // Never change our term in response to a PreVote.
      } else if (m.type === 'MsgPreVoteResp' && !m.reject) {
        // A granted pre-vote carries the future term we asked for; the term moves only when a
        // quorum grants it and we campaign for real.
      } else if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'MsgHeartbeat' || m.type === 'MsgApp')) {
        // A leader cut off by a partition that we have since abandoned: tell it our term so it
        // steps down (otherwise, with CheckQuorum/PreVote, it might never learn of it).
        this.send(message({ type: 'MsgAppResp', to: m.from }));
      } else if (m.type === 'MsgPreVote') {
        this.send(message({ type: 'MsgPreVoteResp', to: m.from, term: this.term, reject: true }));
      }
      return null;
    }

    switch (m.type) {
      case 'MsgHup':
        this.hup(this.cfg.preVote ? 'preElection' : 'election');
        return null;
      case 'MsgVote':
      case 'MsgPreVote': {
        const canVote =
          this.vote === m.from ||
          (this.vote === NONE && this.lead === NONE) ||
          (m.type === 'MsgPreVote' && m.term > this.term);
        const upToDate = this.cfg.unsafeTestingFaults.voteWithoutUpToDateCheck === true || this.raftLog.isUpToDate(m.index, m.logTerm);
        const respType = m.type === 'MsgVote' ? 'MsgVoteResp' : 'MsgPreVoteResp';
        if (canVote && upToDate) {
          this.send(message({ type: respType, to: m.from, term: m.term }));
          if (m.type === 'MsgVote') {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          this.send(message({ type: respType, to: m.from, term: this.term, reject: true }));
        }
        return null;
      }
      default:
        if (this.state === 'leader') return this.stepLeader(m, local);
        if (this.state === 'follower') return this.stepFollower(m);
        return this.stepCandidate(m);
    }
  }

  private stepLeader(m: Message, local: boolean): DropReason | null {
    switch (m.type) {
      case 'MsgBeat':
        this.bcastHeartbeat(this.readOnly.lastPendingRequestCtx());
        return null;
      case 'MsgCheckQuorum':
        if (!this.trk.quorumActive(this.id)) {
          this.becomeFollower(this.term, NONE);
          return null;
        }
        for (const [id, pr] of this.trk.progress) if (id !== this.id) pr.recentActive = false;
        return null;
      case 'MsgProp':
        return this.leaderPropose(m, local);
      case 'MsgReadIndex': {
        if (this.readOnly.pending.size + this.pendingReadIndexMessages.length >= this.cfg.maxPendingReadIndex) {
          // Bounded: the request is dropped like one lost on the network; the caller retries.
          return null;
        }
        if (this.trk.isSingleton() || this.cfg.unsafeTestingFaults.readIndexWithoutQuorum) {
          this.respondToReadIndex(m, this.raftLog.committed);
          return null;
        }
        // The commit index is only known to be current once an entry of this term committed.
        if (!this.committedEntryInCurrentTerm()) {
          this.pendingReadIndexMessages.push(m);
          return null;
        }
        this.serveReadIndex(m);
        return null;
      }
    }

    const pr = this.trk.progress.get(m.from);
    if (!pr) return null;
    switch (m.type) {
      case 'MsgAppResp':
        this.leaderAppResp(m, pr);
        return null;
      case 'MsgHeartbeatResp': {
        pr.recentActive = true;
        pr.msgAppFlowPaused = false;
        if (pr.state === 'snapshot') {
          const t = pr.transfer;
          if (t) {
            // No progress since the last heartbeat: a chunk was probably lost, resend from the acknowledged offset.
            if (t.ackedBytes === t.ackedAtHeartbeat) t.sentBytes = t.ackedBytes;
            t.ackedAtHeartbeat = t.ackedBytes;
            this.sendSnapshotChunks(m.from, pr);
          }
        } else if (pr.match < this.raftLog.lastIndex() || pr.state === 'probe') {
          // A full window with a live peer usually means a lost MsgApp: free a slot so the next
          // MsgApp goes out; a gap makes the follower reject and we fall back to probing.
          if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
          this.sendAppend(m.from);
        }
        if (this.readOnly.option !== 'safe' || m.context === '') return null;
        const acks = this.readOnly.recvAck(m.from, m.context);
        if (!acks || !isMajority(this.trk.voters, (id) => acks.has(id))) return null;
        for (const rs of this.readOnly.advance(m.context)) this.respondToReadIndex(rs.req, rs.index);
        return null;
      }
      case 'MsgSnapAck': {
        pr.recentActive = true;
        const t = pr.transfer;
        if (pr.state !== 'snapshot' || !t || pr.pendingSnapshot !== m.index) return null;
        t.ackedBytes = m.ackedBytes;
        // A rejection means the follower saw a gap (or restarted): go back to what it holds.
        if (m.reject || t.sentBytes < t.ackedBytes) t.sentBytes = t.ackedBytes;
        this.sendSnapshotChunks(m.from, pr);
        return null;
      }
      case 'MsgUnreachable':
        if (pr.state === 'replicate') pr.becomeProbe();
        return null;
      case 'MsgTransferLeader': {
        if (pr.isLearner) return 'not-a-member';
        const transferee = m.from;
        if (this.leadTransferee !== NONE) {
          if (this.leadTransferee === transferee) return null;
          this.leadTransferee = NONE;
        }
        if (transferee === this.id) return null;
        this.electionElapsed = 0; // the transfer must finish within one election timeout
        this.leadTransferee = transferee;
        if (pr.match === this.raftLog.lastIndex()) this.send(message({ type: 'MsgTimeoutNow', to: transferee }));
        else this.sendAppend(transferee);
        return null;
      }
    }
    return null;
  }

  private leaderPropose(m: Message, local: boolean): DropReason | null {
    assert(m.entries.length > 0, 'stepped empty MsgProp');
    if (!this.trk.progress.has(this.id)) return 'not-a-member';
    if (this.leadTransferee !== NONE) return 'transfer-in-progress';
    let ents = m.entries;
    if (!local) {
      // Forwarded entries are shared with the network (and maybe duplicated): copy them.
      ents = ents.map((e) => ({ term: 0, index: 0, type: e.type, data: e.data }));
    }
    for (let i = 0; i < ents.length; i++) {
      if (ents[i].type !== 'confChange') continue;
      if (this.pendingConfIndex > this.raftLog.applied) return 'conf-change-pending';
      let cc: ConfChange;
      try {
        cc = decodeConfChange(ents[i].data);
      } catch {
        return 'invalid-conf-change';
      }
      if (typeof applyChange(this.trk.confState(), cc) === 'string') return 'invalid-conf-change';
      if (ents.length !== 1) return 'invalid-conf-change'; // a conf change travels alone
      this.pendingConfIndex = this.raftLog.lastIndex() + 1;
    }
    if (!this.appendEntries(ents, local)) return 'uncommitted-bytes-max';
    this.bcastAppend();
    return null;
  }

  private leaderAppResp(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      // Fast backtracking: the follower's hint (index, term) lets us skip every entry that
      // cannot match in one round trip.
      let nextProbeIdx = m.rejectHint;
      if (m.logTerm > 0) nextProbeIdx = this.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const oldPaused = pr.isPaused();
    const updated = pr.maybeUpdate(m.index);
    let moved = updated;
    if (pr.state === 'probe') {
      if (updated || pr.match === m.index) {
        pr.becomeReplicate();
        moved = true;
      }
    } else if (pr.state === 'snapshot') {
      if (pr.match + 1 >= this.raftLog.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
        moved = true;
      } else if (pr.match >= pr.pendingSnapshot) {
        // The follower has all this snapshot offers but we compacted further meanwhile: probe,
        // which sends the newer snapshot.
        pr.becomeProbe();
        moved = true;
      }
    } else if (updated) {
      pr.inflights.freeLE(m.index);
    }
    if (!moved) return;
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.bcastAppend();
    } else if (oldPaused) {
      this.sendAppend(m.from);
    }
    // The window may have opened for several messages at once.
    while (this.maybeSendAppend(m.from, false)) {
      // keep sending
    }
    if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) {
      this.send(message({ type: 'MsgTimeoutNow', to: m.from }));
    }
  }

  private stepCandidate(m: Message): DropReason | null {
    const myVoteResp: MessageType = this.state === 'preCandidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
    switch (m.type) {
      case 'MsgProp':
        return 'no-leader';
      case 'MsgReadIndex':
        return 'no-leader';
      case 'MsgTransferLeader':
        return 'no-leader';
      case 'MsgApp':
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return null;
      case 'MsgHeartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return null;
      case 'MsgSnap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshotChunk(m);
        return null;
    }
    if (m.type === myVoteResp) {
      this.trk.recordVote(m.from, !m.reject);
      const { result } = this.trk.tallyVotes();
      if (result === 'won') {
        if (this.state === 'preCandidate') this.campaign('election');
        else {
          this.becomeLeader();
          this.bcastAppend();
        }
      } else if (result === 'lost') {
        // A rejection at a higher term made us follower in step(); here the term is ours.
        this.becomeFollower(this.term, NONE);
      }
    }
    return null;
  }

  private stepFollower(m: Message): DropReason | null {
    switch (m.type) {
      case 'MsgProp':
        if (this.lead === NONE) return 'no-leader';
        if (this.cfg.disableProposalForwarding) return 'forwarding-disabled';
        this.send({ ...m, to: this.lead, term: 0 });
        return null;
      case 'MsgApp':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return null;
      case 'MsgHeartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return null;
      case 'MsgSnap':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshotChunk(m);
        return null;
      case 'MsgTransferLeader':
        if (this.lead === NONE) return 'no-leader';
        this.send({ ...m, to: this.lead, term: 0 });
        return null;
      case 'MsgTimeoutNow':
        this.hup('transfer');
        return null;
      case 'MsgReadIndex':
        if (this.lead === NONE) return 'no-leader';
        this.send({ ...m, to: this.lead, term: 0 });
        return null;
      case 'MsgReadIndexResp':
        this.readStates.push({ index: m.index, requestCtx: m.context });
        return null;
    }
    return null;
  }

  // ---------------------------------------------------------------- follower handlers

  private handleAppendEntries(m: Message): void {
    if (m.index < this.raftLog.committed) {
      this.send(message({ type: 'MsgAppResp', to: m.from, index: this.raftLog.committed }));
      return;
    }
    const lastNew = this.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew >= 0) {
      this.send(message({ type: 'MsgAppResp', to: m.from, index: lastNew }));
      return;
    }
    // Reject with a hint: the largest index <= m.index whose term is <= m.logTerm. The leader
    // can skip everything after it.
    const hint = this.raftLog.findConflictByTerm(Math.min(m.index, this.raftLog.lastIndex()), m.logTerm);
    this.send(message({ type: 'MsgAppResp', to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term }));
  }

  private handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(Math.min(m.commit, this.raftLog.lastIndex()));
    this.send(message({ type: 'MsgHeartbeatResp', to: m.from, context: m.context }));
  }

  private handleSnapshotChunk(m: Message): void {
    const c = m.snapshot;
    if (!c) return;
    const meta = c.metadata;
    if (meta.index <= this.raftLog.committed) {
      this.receive = null;
      this.send(message({ type: 'MsgAppResp', to: m.from, index: this.raftLog.committed }));
      return;
    }
    let rx = this.receive;
    if (!rx || rx.metadata.index !== meta.index || rx.metadata.term !== meta.term || rx.totalBytes !== c.totalBytes) {
      if (c.offset !== 0 || c.totalBytes > this.cfg.maxSnapshotBytes) {
        this.receive = null;
        this.send(message({ type: 'MsgSnapAck', to: m.from, index: meta.index, ackedBytes: 0, reject: true }));
        return;
      }
      rx = this.receive = { metadata: meta, totalBytes: c.totalBytes, buf: new Uint8Array(c.totalBytes), received: 0 };
    }
    if (c.offset !== rx.received) {
      // A gap, a duplicate or a reordered chunk: report what we hold in order.
      this.send(message({ type: 'MsgSnapAck', to: m.from, index: meta.index, ackedBytes: rx.received, reject: c.offset > rx.received }));
      return;
    }
    assert(c.offset + c.data.byteLength <= rx.totalBytes, 'snapshot chunk past its total size');
    rx.buf.set(c.data, c.offset);
    rx.received += c.data.byteLength;
    if (rx.received < rx.totalBytes) {
      this.send(message({ type: 'MsgSnapAck', to: m.from, index: meta.index, ackedBytes: rx.received }));
      return;
    }
    this.receive = null;
    this.handleSnapshot({ metadata: meta, data: rx.buf }, m.from);
  }

  private handleSnapshot(s: Snapshot, from: NodeId): void {
    if (this.restore(s)) this.send(message({ type: 'MsgAppResp', to: from, index: this.raftLog.lastIndex() }));
    else this.send(message({ type: 'MsgAppResp', to: from, index: this.raftLog.committed }));
  }

  /** Installs a snapshot (follower). Returns false when it is stale or our log already has it. */
  private restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.raftLog.committed) return false;
    if (this.state !== 'follower') {
      // Defense in depth: only followers install snapshots.
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    if (this.raftLog.matchTerm(index, term)) {
      // Our log has the snapshot's last entry: fast-forward the commit index instead.
      this.raftLog.commitTo(index);
      return false;
    }
    this.raftLog.restore(s);
    this.trk = new ProgressTracker(this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes);
    this.applyMembership(confState);
    return true;
  }

  // ---------------------------------------------------------------- leader helpers

  /**
   * Appends entries to the leader's log. `inPlace`: the entry objects are ours and get their
   * term and index assigned directly (no copy on the hot path).
   */
  private appendEntries(ents: Entry[], inPlace: boolean): boolean {
    let li = this.raftLog.lastIndex();
    const bytes = entriesBytes(ents);
    const max = this.cfg.maxUncommittedEntriesBytes;
    if (this.uncommittedBytes > 0 && bytes > 0 && this.uncommittedBytes + bytes > max) return false;
    this.uncommittedBytes += bytes;
    assert(inPlace || ents.every((e) => e.index === 0), 'appendEntries: entries must be fresh');
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i];
      e.term = this.term;
      e.index = ++li;
    }
    this.raftLog.append(ents);
    // The leader's own entries count toward commit at once: no follower can acknowledge them
    // before this Ready is persisted, since messages leave only after persistence.
    this.trk.progress.get(this.id)!.maybeUpdate(li);
    this.maybeCommit();
    return true;
  }

  /** Advances the commit index to what a majority holds, if that entry is of the current term. */
  maybeCommit(): boolean {
    const mci = this.trk.committed();
    if (this.cfg.unsafeTestingFaults.commitOlderTermByCounting) {
      if (mci > this.raftLog.committed) {
        this.raftLog.commitTo(mci);
        return true;
      }
      return false;
    }
    return this.raftLog.maybeCommit(mci, this.term);
  }

  reduceUncommittedBytes(bytes: number): void {
    this.uncommittedBytes = bytes > this.uncommittedBytes ? 0 : this.uncommittedBytes - bytes;
  }

  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOrZero(this.raftLog.committed) === this.term;
  }

  private serveReadIndex(m: Message): void {
    if (this.readOnly.option === 'lease') {
      this.respondToReadIndex(m, this.raftLog.committed);
      return;
    }
    this.readOnly.addRequest(this.raftLog.committed, m);
    this.readOnly.recvAck(this.id, m.context);
    this.bcastHeartbeat(m.context);
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.serveReadIndex(m);
  }

  private respondToReadIndex(req: Message, index: number): void {
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index, requestCtx: req.context });
      return;
    }
    this.send(message({ type: 'MsgReadIndexResp', to: req.from, index, context: req.context }));
  }

  // ---------------------------------------------------------------- membership

  /** Applies a committed conf change (called by the driver when it applies the entry). */
  applyConfChange(cc: ConfChange): ConfState {
    const next = applyChange(this.trk.confState(), cc);
    // An invalid change is a no-op on every node alike (they all hold the same membership here).
    if (typeof next === 'string') return this.trk.confState();
    this.applyMembership(next);
    const self = this.trk.progress.get(this.id);
    if (this.state === 'leader') {
      if (!self || self.isLearner) {
        // Removed or demoted: step down so the remaining voters elect a member.
        this.becomeFollower(this.term, NONE);
        return next;
      }
      if (this.leadTransferee !== NONE && !this.trk.isVoter(this.leadTransferee)) this.leadTransferee = NONE;
      if (this.maybeCommit()) this.bcastAppend();
      else for (const id of this.trk.progress.keys()) if (id !== this.id) this.maybeSendAppend(id, false);
    }
    return next;
  }
}
