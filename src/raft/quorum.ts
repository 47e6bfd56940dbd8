/** Majority quorum arithmetic over a set of voters (etcd's quorum.MajorityConfig). */
import type { NodeId } from './types.js';

export type VoteResult = 'pending' | 'lost' | 'won';

const scratch: number[] = [];

/**
 * The highest index acknowledged by a majority of `voters`, given each voter's acknowledged
 * index; 0 for an empty voter set (it commits nothing).
 */
export function committedIndex(voters: readonly NodeId[], acked: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return 0;
  scratch.length = n;
  for (let i = 0; i < n; i++) scratch[i] = acked(voters[i]);
  // Insertion sort, descending: n is tiny (<= 7 or so) and this allocates nothing.
  for (let i = 1; i < n; i++) {
    const v = scratch[i];
    let j = i - 1;
    while (j >= 0 && scratch[j] < v) {
      scratch[j + 1] = scratch[j];
      j--;
    }
    scratch[j + 1] = v;
  }
  return scratch[(n >> 1)] ?? 0;
}

/** Tally of votes (true granted, false rejected, missing pending) over `voters`. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = (voters.length >> 1) + 1;
  if (granted >= q) return 'won';
  if (granted + missing >= q) return 'pending';
  return 'lost';
}

/** Whether `ids` (a set) contains a majority of `voters`. */
export function isMajority(voters: readonly NodeId[], has: (id: NodeId) => boolean): boolean {
  let n = 0;
  for (const id of voters) if (has(id)) n++;
  return n >= (voters.length >> 1) + 1;
}
