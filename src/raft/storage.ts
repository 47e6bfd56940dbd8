/**
 * The read side of the durable Raft log that the core consults, and an in-memory implementation.
 * The driver writes (append, applySnapshot, hard state) after each Ready; the core only reads.
 */
import { assert } from '../util/assert.js';
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors.js';
import {
  type ConfState,
  type Entry,
  EMPTY_HARD_STATE,
  type HardState,
  type Snapshot,
} from './types.js';

export interface InitialState {
  hardState: HardState;
  confState: ConfState;
}

export interface Storage {
  initialState(): InitialState;
  /** Entries [lo, hi), at least one if lo < hi, at most about maxBytes. Throws CompactedError / UnavailableError. */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of entry i; valid for firstIndex()-1 <= i <= lastIndex(). Throws CompactedError / UnavailableError. */
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

const EMPTY_CONF: ConfState = { voters: [], learners: [] };

/**
 * Entries live in one array; `ents[0]` is a dummy holding the snapshot's index and term.
 * Invariant: ents[i].index === ents[0].index + i.
 */
export class MemoryStorage implements Storage {
  private hard: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot = { metadata: { index: 0, term: 0, confState: EMPTY_CONF }, data: new Uint8Array(0) };
  private ents: Entry[] = [{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }];

  initialState(): InitialState {
    return { hardState: this.hard, confState: this.snap.metadata.confState };
  }

  hardState(): HardState {
    return this.hard;
  }

  setHardState(hs: HardState): void {
    this.hard = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.ents[0].index;
    if (lo <= offset) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1);
    assert(lo <= hi, `entries: lo ${lo} > hi ${hi}`);
    let end = hi - offset;
    const start = lo - offset;
    if (maxBytes !== Infinity && end - start > 1) {
      let size = 0;
      for (let i = start; i < end; i++) {
        size += this.ents[i].data.byteLength;
        if (size > maxBytes && i > start) {
          end = i;
          break;
        }
      }
    }
    return this.ents.slice(start, end);
  }

  term(i: number): number {
    const offset = this.ents[0].index;
    if (i < offset) throw new CompactedError(i);
    if (i - offset >= this.ents.length) throw new UnavailableError(i);
    return this.ents[i - offset].term;
  }

  firstIndex(): number {
    return this.ents[0].index + 1;
  }

  lastIndex(): number {
    return this.ents[0].index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with a snapshot (a follower installing one, or bootstrap). */
  applySnapshot(s: Snapshot): void {
    if (s.metadata.index < this.snap.metadata.index) throw new SnapshotOutOfDateError(s.metadata.index, this.snap.metadata.index);
    this.snap = s;
    this.ents = [{ term: s.metadata.term, index: s.metadata.index, type: 'normal', data: new Uint8Array(0) }];
  }

  /** Records the application's snapshot at applied index `i` (<= lastIndex). Does not compact. */
  createSnapshot(i: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (i <= this.snap.metadata.index) throw new SnapshotOutOfDateError(i, this.snap.metadata.index);
    assert(i <= this.lastIndex(), `createSnapshot: ${i} is past last index ${this.lastIndex()}`);
    const offset = this.ents[0].index;
    this.snap = { metadata: { index: i, term: this.ents[i - offset].term, confState }, data };
    return this.snap;
  }

  /** Discards entries before `compactIndex` (which must be <= the last index and covered by the caller's snapshot). */
  compact(compactIndex: number): void {
    const offset = this.ents[0].index;
    if (compactIndex <= offset) return;
    assert(compactIndex <= this.lastIndex(), `compact ${compactIndex} is out of bound lastindex(${this.lastIndex()})`);
    const i = compactIndex - offset;
    const head = this.ents[i];
    const rest = this.ents.slice(i + 1);
    rest.unshift({ term: head.term, index: head.index, type: 'normal', data: new Uint8Array(0) });
    this.ents = rest;
  }

  /** Appends entries, truncating any conflicting suffix. Entries must be contiguous. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0].index + entries.length - 1;
    if (last < first) return; // all already compacted
    let from = 0;
    if (first > entries[0].index) from = first - entries[0].index;
    const startIndex = entries[from].index;
    const offset = startIndex - this.ents[0].index;
    assert(offset <= this.ents.length, `missing log entry [last: ${this.lastIndex()}, append at: ${startIndex}]`);
    if (offset < this.ents.length) this.ents.length = offset;
    for (let k = from; k < entries.length; k++) this.ents.push(entries[k]);
  }
}

/** Bootstraps a fresh storage for a founding member: a snapshot at index 1, term 1, holding the initial membership. */
export function bootstrapStorage(storage: MemoryStorage, confState: ConfState, data: Uint8Array = new Uint8Array(0)): void {
  storage.applySnapshot({ metadata: { index: 1, term: 1, confState }, data });
  storage.setHardState({ term: 1, vote: 0, commit: 1 });
}
