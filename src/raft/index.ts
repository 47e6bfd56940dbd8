/** The Raft consensus core: a pure state machine driven by a RawNode. See docs/raft.md. */
export { RawNode, type Status, type ProgressStatus } from './raw-node.js';
export { Raft } from './raft.js';
export { type RaftConfig, type UnsafeTestingFaults, DEFAULT_LIMITS } from './config.js';
export { MemoryStorage, bootstrapStorage, type Storage, type InitialState } from './storage.js';
export { CompactedError, UnavailableError, SnapshotOutOfDateError, ProposalDroppedError, type DropReason } from './errors.js';
export * from './types.js';
