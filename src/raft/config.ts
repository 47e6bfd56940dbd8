/** Configuration of one Raft node, with named limits and their defaults. */
import type { Random } from '../util/random.js';
import type { ReadOnlyOption } from './read-only.js';
import type { Storage } from './storage.js';
import type { NodeId } from './types.js';

/**
 * Deliberately broken behaviours, for the test that proves the simulator's checkers can fail.
 * Never set outside tests.
 */
export interface UnsafeTestingFaults {
  /** Commit any index replicated on a majority, whatever its term (violates Figure 8's rule). */
  commitOlderTermByCounting?: boolean;
  /** Grant votes without the election restriction (candidate's log must be up to date). */
  voteWithoutUpToDateCheck?: boolean;
  /** Answer ReadIndex at once, without confirming leadership with a heartbeat round. */
  readIndexWithoutQuorum?: boolean;
}

export interface RaftConfig {
  id: NodeId;
  storage: Storage;
  /** Source of randomness for election timeouts (seeded in tests and simulations). */
  random: Random;
  /** A follower that hears nothing for [electionTimeoutTicks, 2*electionTimeoutTicks) starts an election. */
  electionTimeoutTicks?: number;
  /** The leader sends heartbeats every heartbeatTimeoutTicks. Must be < electionTimeoutTicks. */
  heartbeatTimeoutTicks?: number;
  /** The last index the application applied (restart). */
  applied?: number;
  /** Upper bound on entry payload bytes in one MsgApp (always at least one entry). */
  maxMsgBytes?: number;
  /** Inflight window per follower in replicate state, in MsgApp messages. */
  maxInflightMsgs?: number;
  /** Inflight window per follower in replicate state, in entry payload bytes (0 = no limit). */
  maxInflightBytes?: number;
  /** Proposals are dropped (error 'uncommitted-bytes-max') while the leader's uncommitted tail exceeds this. */
  maxUncommittedEntriesBytes?: number;
  /** Upper bound on entry payload bytes handed to the application in one Ready. */
  maxCommittedBytesPerReady?: number;
  /** InstallSnapshot chunk size in bytes. */
  snapshotChunkBytes?: number;
  /** InstallSnapshot chunks in flight per follower. */
  maxSnapshotChunksInflight?: number;
  /** ReadIndex requests a leader holds at once (waiting for leadership confirmation); more are dropped and the caller retries. */
  maxPendingReadIndex?: number;
  /** Largest snapshot a follower accepts through InstallSnapshot (it is assembled in one buffer). */
  maxSnapshotBytes?: number;
  /** Run a pre-election round so a node that cannot win does not bump terms. Default true. */
  preVote?: boolean;
  /** Leader steps down without a quorum; followers in lease refuse disruptive votes. Default true. */
  checkQuorum?: boolean;
  /** 'safe' (default): confirm leadership per read. 'lease': trust the lease; needs bounded clock drift. */
  readOnlyOption?: ReadOnlyOption;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding?: boolean;
  unsafeTestingFaults?: UnsafeTestingFaults;
}

export const DEFAULT_LIMITS = {
  electionTimeoutTicks: 10,
  heartbeatTimeoutTicks: 1,
  maxMsgBytes: 1 << 20,
  maxInflightMsgs: 256,
  maxInflightBytes: 32 << 20,
  maxUncommittedEntriesBytes: 64 << 20,
  maxCommittedBytesPerReady: 64 << 20,
  snapshotChunkBytes: 1 << 20,
  maxSnapshotChunksInflight: 4,
  maxPendingReadIndex: 4096,
  maxSnapshotBytes: 1 << 30,
} as const;

export type ResolvedConfig = Required<Omit<RaftConfig, 'unsafeTestingFaults'>> & { unsafeTestingFaults: UnsafeTestingFaults };

export function resolveConfig(c: RaftConfig): ResolvedConfig {
  const r: ResolvedConfig = {
    id: c.id,
    storage: c.storage,
    random: c.random,
    electionTimeoutTicks: c.electionTimeoutTicks ?? DEFAULT_LIMITS.electionTimeoutTicks,
    heartbeatTimeoutTicks: c.heartbeatTimeoutTicks ?? DEFAULT_LIMITS.heartbeatTimeoutTicks,
    applied: c.applied ?? 0,
    maxMsgBytes: c.maxMsgBytes ?? DEFAULT_LIMITS.maxMsgBytes,
    maxInflightMsgs: c.maxInflightMsgs ?? DEFAULT_LIMITS.maxInflightMsgs,
    maxInflightBytes: c.maxInflightBytes ?? DEFAULT_LIMITS.maxInflightBytes,
    maxUncommittedEntriesBytes: c.maxUncommittedEntriesBytes ?? DEFAULT_LIMITS.maxUncommittedEntriesBytes,
    maxCommittedBytesPerReady: c.maxCommittedBytesPerReady ?? DEFAULT_LIMITS.maxCommittedBytesPerReady,
    snapshotChunkBytes: c.snapshotChunkBytes ?? DEFAULT_LIMITS.snapshotChunkBytes,
    maxSnapshotChunksInflight: c.maxSnapshotChunksInflight ?? DEFAULT_LIMITS.maxSnapshotChunksInflight,
    maxPendingReadIndex: c.maxPendingReadIndex ?? DEFAULT_LIMITS.maxPendingReadIndex,
    maxSnapshotBytes: c.maxSnapshotBytes ?? DEFAULT_LIMITS.maxSnapshotBytes,
    preVote: c.preVote ?? true,
    checkQuorum: c.checkQuorum ?? true,
    readOnlyOption: c.readOnlyOption ?? 'safe',
    disableProposalForwarding: c.disableProposalForwarding ?? false,
    unsafeTestingFaults: c.unsafeTestingFaults ?? {},
  };
  if (!(Number.isInteger(r.id) && r.id > 0)) throw new Error('raft config: id must be a positive integer');
  if (r.heartbeatTimeoutTicks <= 0) throw new Error('raft config: heartbeatTimeoutTicks must be > 0');
  if (r.electionTimeoutTicks <= r.heartbeatTimeoutTicks) throw new Error('raft config: electionTimeoutTicks must be > heartbeatTimeoutTicks');
  if (r.maxInflightMsgs <= 0) throw new Error('raft config: maxInflightMsgs must be > 0');
  if (r.maxInflightBytes < 0) throw new Error('raft config: maxInflightBytes must be >= 0');
  if (r.maxInflightBytes !== 0 && r.maxInflightBytes < r.maxMsgBytes) throw new Error('raft config: maxInflightBytes must be >= maxMsgBytes');
  if (r.snapshotChunkBytes <= 0) throw new Error('raft config: snapshotChunkBytes must be > 0');
  if (r.maxSnapshotChunksInflight <= 0) throw new Error('raft config: maxSnapshotChunksInflight must be > 0');
  if (r.readOnlyOption === 'lease' && !r.checkQuorum) throw new Error('raft config: lease reads need checkQuorum');
  return r;
}
