/**
 * The Raft log as the core sees it: storage (durable) followed by unstable entries.
 * Invariants: applied <= committed <= lastIndex(); firstIndex() - 1 <= applied.
 */
import { assert } from '../util/assert.js';
import { CompactedError, UnavailableError } from './errors.js';
import type { Storage } from './storage.js';
import type { Entry, Snapshot } from './types.js';
import { Unstable } from './unstable.js';

export class RaftLog {
  readonly unstable: Unstable;
  /** Highest index known committed on a quorum. */
  committed: number;
  /** Highest index handed to the application (in a Ready not yet advanced, or applied). */
  applying: number;
  /** Highest index the application has applied (after advance). */
  applied: number;

  constructor(readonly storage: Storage, readonly maxCommittedBytesPerReady: number) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applying = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  /** Term of entry i; throws CompactedError below firstIndex()-1, UnavailableError past lastIndex(). */
  term(i: number): number {
    const dummy = this.firstIndex() - 1;
    if (i < dummy) throw new CompactedError(i);
    if (i > this.lastIndex()) throw new UnavailableError(i);
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    return this.storage.term(i);
  }

  /** Term of entry i, or 0 when it is compacted or absent. */
  termOrZero(i: number): number {
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return 0;
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof CompactedError || e instanceof UnavailableError) return 0;
      throw e;
    }
  }

  matchTerm(i: number, t: number): boolean {
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return false;
    return this.termOrZero(i) === t;
  }

  isUpToDate(lastIndex: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lastIndex >= this.lastIndex());
  }

  /**
   * Follower side of AppendEntries. Returns the last index of the new entries, or -1 when the
   * entry at `index` does not have term `logTerm` (the leader must back up).
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[]): number {
    if (!this.matchTerm(index, logTerm)) return -1;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      assert(ci > this.committed, `entry ${ci} conflicts with committed entry [committed(${this.committed})]`);
      const from = ci - (index + 1);
      this.append(from === 0 ? ents : ents.slice(from));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0].index - 1;
    assert(after >= this.committed, `after(${after}) is out of range [committed(${this.committed})]`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** Index of the first entry in `ents` whose term differs from ours (or that we lack); 0 if none. */
  findConflict(ents: readonly Entry[]): number {
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i];
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term. Used for fast
   * backtracking: entries in between cannot match the other log.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    if (index > this.lastIndex()) return { index, term: 0 };
    for (; index > 0; index--) {
      let ourTerm: number;
      try {
        ourTerm = this.term(index);
      } catch {
        return { index, term: 0 };
      }
      if (ourTerm <= term) return { index, term: ourTerm };
    }
    return { index: 0, term: 0 };
  }

  commitTo(toCommit: number): void {
    if (toCommit > this.committed) {
      assert(toCommit <= this.lastIndex(), `tocommit(${toCommit}) is out of range [lastIndex(${this.lastIndex()})]; was the raft log corrupted, truncated, or lost?`);
      this.committed = toCommit;
    }
  }

  /** Commits `maxIndex` if its entry has term `term` (the current-term rule). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrZero(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    assert(this.committed >= i && i >= this.applied, `applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    this.applied = i;
    if (this.applying < i) this.applying = i;
  }

  hasNextCommittedEnts(): boolean {
    if (this.unstable.snapshot) return false;
    return this.committed > this.applying && this.applying + 1 >= this.firstIndex();
  }

  nextCommittedEnts(): Entry[] {
    if (!this.hasNextCommittedEnts()) return [];
    return this.slice(this.applying + 1, this.committed + 1, this.maxCommittedBytesPerReady);
  }

  hasUnappliedConfChange(): boolean {
    if (this.applied >= this.committed) return false;
    let lo = this.applied + 1;
    const hi = this.committed + 1;
    while (lo < hi) {
      const ents = this.slice(lo, hi, 1 << 20);
      for (const e of ents) if (e.type === 'confChange') return true;
      lo += ents.length;
    }
    return false;
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== null;
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries from i, at most about maxBytes (at least one when any exist). */
  entries(i: number, maxBytes: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxBytes);
  }

  /** Entries [lo, hi) from storage and unstable, limited to about maxBytes (at least one). */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo === hi) return [];
    const first = this.firstIndex();
    if (lo < first) throw new CompactedError(lo);
    assert(hi <= this.lastIndex() + 1, `slice[${lo},${hi}) out of bound [${first},${this.lastIndex()}]`);
    const uOff = this.unstable.offset;
    let ents: Entry[] = [];
    if (lo < uOff) {
      ents = this.storage.entries(lo, Math.min(hi, uOff), maxBytes);
      // A short read from storage means the size limit was hit.
      if (ents.length < Math.min(hi, uOff) - lo) return ents;
    }
    if (hi > uOff) {
      const u = this.unstable.slice(Math.max(lo, uOff), hi);
      if (ents.length === 0) ents = u;
      else for (let i = 0; i < u.length; i++) ents.push(u[i]);
    }
    return limitBytes(ents, maxBytes);
  }
}

/** Keeps a prefix of `ents` of at most maxBytes, but always at least one entry. */
export function limitBytes(ents: Entry[], maxBytes: number): Entry[] {
  if (ents.length <= 1 || maxBytes === Infinity) return ents;
  let size = ents[0].data.byteLength;
  for (let i = 1; i < ents.length; i++) {
    size += ents[i].data.byteLength;
    if (size > maxBytes) return ents.slice(0, i);
  }
  return ents;
}
