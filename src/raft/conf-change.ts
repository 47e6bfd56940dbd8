/**
 * Membership changes, one at a time (see docs/raft.md, "Membership changes"): every change
 * alters the voter set by at most one node, takes effect when its entry is applied, and the
 * leader lets a new one in only after the previous one is applied.
 */
import type { ConfChange, ConfState } from './types.js';

/**
 * The membership after `cc`, or an error string when the change is invalid. A no-op change
 * (adding an existing voter) is valid and returns an equal ConfState.
 */
export function applyChange(cs: ConfState, cc: ConfChange): ConfState | string {
  if (!Number.isInteger(cc.nodeId) || cc.nodeId <= 0) return `invalid node id ${cc.nodeId}`;
  const voters = cs.voters.filter((id) => id !== cc.nodeId);
  const learners = cs.learners.filter((id) => id !== cc.nodeId);
  switch (cc.type) {
    case 'addNode':
      voters.push(cc.nodeId);
      break;
    case 'addLearner':
      learners.push(cc.nodeId);
      break;
    case 'removeNode':
      break;
  }
  if (voters.length === 0) return 'removing the last voter';
  voters.sort((a, b) => a - b);
  learners.sort((a, b) => a - b);
  return { voters, learners };
}

/** Number of voters that differ between two memberships (the one-at-a-time rule allows at most 1). */
export function voterDelta(a: ConfState, b: ConfState): number {
  const sa = new Set(a.voters);
  const sb = new Set(b.voters);
  let n = 0;
  for (const id of sa) if (!sb.has(id)) n++;
  for (const id of sb) if (!sa.has(id)) n++;
  return n;
}
