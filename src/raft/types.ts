/**
 * The data the Raft core exchanges with its driver: log entries, messages, persistent state,
 * snapshots and the Ready batch. Plain objects; nothing here does I/O.
 */

/** A node id. 0 is reserved and means "nobody" (no leader, no vote). */
export type NodeId = number;
export const NONE: NodeId = 0;

export type EntryType = 'normal' | 'confChange';

/**
 * One log entry. The core creates entries and never mutates one after it has been appended to a
 * log or put in a message; drivers must treat them as immutable too (messages share them).
 */
export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

export type MessageType =
  | 'MsgHup' // local: start an election
  | 'MsgBeat' // local: leader sends heartbeats
  | 'MsgCheckQuorum' // local: leader checks it still hears from a quorum
  | 'MsgProp' // a proposal (local, or forwarded by a follower)
  | 'MsgApp'
  | 'MsgAppResp'
  | 'MsgVote'
  | 'MsgVoteResp'
  | 'MsgPreVote'
  | 'MsgPreVoteResp'
  | 'MsgSnap' // one chunk of an InstallSnapshot transfer
  | 'MsgSnapAck' // follower: how many bytes of the snapshot it holds in order
  | 'MsgHeartbeat'
  | 'MsgHeartbeatResp'
  | 'MsgTransferLeader' // local or forwarded: hand leadership to `from`
  | 'MsgTimeoutNow' // leader -> transferee: campaign now
  | 'MsgReadIndex'
  | 'MsgReadIndexResp'
  | 'MsgUnreachable'; // local: the driver could not reach `from`

/** A chunk of a snapshot in flight. `data` is bytes [offset, offset + data.length) of the snapshot. */
export interface SnapshotChunk {
  metadata: SnapshotMetadata;
  offset: number;
  totalBytes: number;
  data: Uint8Array;
}

/**
 * One message. Fields that a type does not use are 0 / empty. Messages are shared, never mutated
 * after they leave `ready()`.
 */
export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: number;
  /** MsgApp: term of the entry at `index`. MsgAppResp reject: term of the hint. Votes: last log term. */
  logTerm: number;
  /** MsgApp: index preceding `entries`. MsgAppResp: last matching index (or rejected index). Votes: last log index. */
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  /** MsgAppResp reject: the follower's hint, the largest index that might match (fast backtracking). */
  rejectHint: number;
  /** MsgReadIndex / heartbeats: the read request context. MsgVote: 'transfer' for a forced campaign. */
  context: string;
  /** MsgSnap only. */
  snapshot: SnapshotChunk | null;
  /** MsgSnapAck: bytes the follower holds in order for snapshot `index`. */
  ackedBytes: number;
}

/** Builds a message with every field present (one object shape for the whole program). */
export function message(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    type: fields.type,
    to: fields.to ?? NONE,
    from: fields.from ?? NONE,
    term: fields.term ?? 0,
    logTerm: fields.logTerm ?? 0,
    index: fields.index ?? 0,
    entries: fields.entries ?? NO_ENTRIES,
    commit: fields.commit ?? 0,
    reject: fields.reject ?? false,
    rejectHint: fields.rejectHint ?? 0,
    context: fields.context ?? '',
    snapshot: fields.snapshot ?? null,
    ackedBytes: fields.ackedBytes ?? 0,
  };
}

/** A shared empty entry list; never push into it. */
export const NO_ENTRIES: Entry[] = Object.freeze([]) as unknown as Entry[];

/** Must be persisted before any message of the same Ready is sent. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: NONE, commit: 0 });

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export type StateType = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state worth showing (not persisted). */
export interface SoftState {
  lead: NodeId;
  state: StateType;
}

/** The membership: voters and learners (disjoint). */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  data: Uint8Array;
}

/** A single membership change (one voter or learner at a time; see docs/raft.md). */
export type ConfChangeType = 'addNode' | 'addLearner' | 'removeNode';
export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
}

/** A ReadIndex answer: a read with `requestCtx` is linearizable once applied >= index. */
export interface ReadState {
  index: number;
  requestCtx: string;
}

/**
 * What the driver must do, in this order: persist `snapshot`, `entries` and `hardState`
 * (atomically or in that order, durably when `mustSync`); then send `messages`; then apply
 * `snapshot` and `committedEntries` to the state machine; serve `readStates` once applied
 * reaches their index; then call `advance()`.
 */
export interface Ready {
  softState: SoftState | null;
  hardState: HardState | null;
  readStates: ReadState[];
  entries: Entry[];
  snapshot: Snapshot | null;
  committedEntries: Entry[];
  messages: Message[];
  mustSync: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CONF_CHANGE_TYPES: readonly ConfChangeType[] = ['addNode', 'addLearner', 'removeNode'];

/** Encodes a ConfChange as entry data: 1 byte type, then the node id as a 32-bit big-endian. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = CONF_CHANGE_TYPES.indexOf(cc.type);
  new DataView(out.buffer).setUint32(1, cc.nodeId);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.byteLength !== 5 || data[0] >= CONF_CHANGE_TYPES.length) throw new Error('malformed ConfChange entry');
  return { type: CONF_CHANGE_TYPES[data[0]], nodeId: new DataView(data.buffer, data.byteOffset, 5).getUint32(1) };
}

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}

/** Bytes an entry counts for in size limits (payload only, as etcd does). */
export function entryBytes(e: Entry): number {
  return e.data.byteLength;
}

export function entriesBytes(ents: readonly Entry[]): number {
  let n = 0;
  for (let i = 0; i < ents.length; i++) n += ents[i].data.byteLength;
  return n;
}
