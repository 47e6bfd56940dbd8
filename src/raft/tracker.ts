/**
 * The leader's bookkeeping of the membership: voters and learners, one Progress per member,
 * and the votes of the current election.
 * Invariant: voters and learners are disjoint and sorted; progress has exactly their ids.
 */
import { assert } from '../util/assert.js';
import { Progress } from './progress.js';
import { committedIndex, isMajority, voteResult, type VoteResult } from './quorum.js';
import type { ConfState, NodeId } from './types.js';

export class ProgressTracker {
  voters: NodeId[] = [];
  learners: NodeId[] = [];
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();
  private readonly matchOf = (id: NodeId): number => this.progress.get(id)!.match;

  constructor(readonly maxInflightMsgs: number, readonly maxInflightBytes: number) {}

  confState(): ConfState {
    return { voters: this.voters.slice(), learners: this.learners.slice() };
  }

  isSingleton(): boolean {
    return this.voters.length === 1 && this.learners.length === 0;
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  /** Replaces the membership; keeps the progress of members that stay, creates new ones with next = nextIndex. */
  setMembership(cs: ConfState, nextIndex: number): void {
    const voters = [...new Set(cs.voters)].sort((a, b) => a - b);
    const learners = [...new Set(cs.learners)].sort((a, b) => a - b);
    for (const id of learners) assert(!voters.includes(id), `node ${id} is both voter and learner`);
    this.voters = voters;
    this.learners = learners;
    const keep = new Set<NodeId>([...voters, ...learners]);
    for (const id of [...this.progress.keys()]) if (!keep.has(id)) this.progress.delete(id);
    for (const id of keep) {
      const isLearner = learners.includes(id);
      const pr = this.progress.get(id);
      if (pr) pr.isLearner = isLearner;
      else {
        const fresh = new Progress(Math.max(nextIndex, 1), this.maxInflightMsgs, this.maxInflightBytes, isLearner);
        // A new member counts as active so CheckQuorum does not depose the leader before it answers.
        fresh.recentActive = true;
        this.progress.set(id, fresh);
      }
    }
  }

  /** Highest index replicated on a majority of voters. */
  committed(): number {
    return committedIndex(this.voters, this.matchOf);
  }

  /** Whether a majority of voters were recently active (the leader counts itself). */
  quorumActive(self: NodeId): boolean {
    return isMajority(this.voters, (id) => id === self || this.progress.get(id)!.recentActive);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voters, this.votes) };
  }
}
