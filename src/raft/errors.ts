/** Errors the core reports to its driver. */

/** Storage: the requested index is older than the first retained one (compacted into a snapshot). */
export class CompactedError extends Error {
  constructor(index: number) {
    super(`raft: index ${index} is compacted`);
  }
}

/** Storage: the requested index is past the last entry. */
export class UnavailableError extends Error {
  constructor(index: number) {
    super(`raft: index ${index} is unavailable`);
  }
}

/** Storage: a snapshot older than the one held was offered. */
export class SnapshotOutOfDateError extends Error {
  constructor(index: number, held: number) {
    super(`raft: snapshot at ${index} is older than the held snapshot at ${held}`);
  }
}

export type DropReason =
  | 'no-leader'
  | 'transfer-in-progress'
  | 'uncommitted-bytes-max'
  | 'not-a-member'
  | 'forwarding-disabled'
  | 'conf-change-pending'
  | 'invalid-conf-change';

/** A proposal (or conf change) was not accepted; the caller may retry elsewhere or later. */
export class ProposalDroppedError extends Error {
  constructor(readonly reason: DropReason) {
    super(`raft: proposal dropped (${reason})`);
  }
}
