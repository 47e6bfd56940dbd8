/**
 * Raft's safety properties, checked by the simulator after every step.
 *
 * The checker keeps, per node, a view of its durable log as prefix hashes (hash of the whole
 * log up to each index), so "two logs agree up to i" is one comparison. It records every
 * committed entry the first time any node applies it, with the lowest term at which some node
 * knew it committed.
 *
 * - Election safety: at most one leader per term.
 * - Log matching: two logs with an entry of the same term at the same index agree up to it.
 * - Leader completeness: a leader of term T holds every entry known committed at a term < T.
 * - State machine safety: every node applies the same entry at each index, in order, and never
 *   rolls applied state back.
 * - Durability: after a crash, a node's durable log still holds every entry up to its durable
 *   commit index, identical to what was committed.
 * - Linearizable reads: a ReadIndex answer is at least the highest index acknowledged before
 *   the read was issued, and the state served contains that write.
 */
import type { Entry, NodeId, Snapshot } from '../types.js';

export class SafetyViolation extends Error {}

interface CommitRecord {
  term: number;
  prefixHash: number;
  /** Lowest term of a node that applied it: the entry was committed in a term <= this. */
  observedTerm: number;
  isWrite: boolean;
}

interface LogView {
  terms: number[];
  hashes: number[];
}

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x01000193);
  h ^= h >>> 15;
  return Math.imul(h, 0x85ebca6b) >>> 0;
}

function entryHash(term: number, type: string, data: Uint8Array): [number, number] {
  let a = mix(0x811c9dc5, term);
  let b = mix(0x9747b28c, term * 31 + 7);
  a = mix(a, type === 'normal' ? 1 : 2);
  for (let i = 0; i < data.length; i++) {
    a = mix(a, data[i]);
    b = mix(b, data[i] + 257);
  }
  return [a, b];
}

function chain(prev: number, term: number, type: string, data: Uint8Array): number {
  const [a, b] = entryHash(term, type, data);
  const hi = mix((prev / 0x200000) >>> 0, a);
  const lo = mix(prev % 0x200000, b) & 0x1fffff;
  return hi * 0x200000 + lo;
}

export class Checker {
  readonly committed: (CommitRecord | undefined)[] = [];
  maxCommitted = 0;
  /** Highest index holding a client write that some node applied (acknowledged to the client). */
  maxAckedWrite = 0;
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly views = new Map<NodeId, LogView>();
  private readonly byIndexTerm = new Map<number, number>();
  private readonly lastApplied = new Map<NodeId, number>();
  private readonly checkedLeader = new Map<NodeId, number>();
  checks = 0;

  fail(msg: string): never {
    throw new SafetyViolation(msg);
  }

  /** The founding members share a bootstrap snapshot at index 1. */
  bootstrap(index: number, term: number): void {
    this.committed[index] = { term, prefixHash: chain(0, term, 'normal', new Uint8Array(0)), observedTerm: term, isWrite: false };
    this.maxCommitted = index;
  }

  addNode(id: NodeId, bootstrapped: boolean): void {
    const v: LogView = { terms: [0], hashes: [0] };
    if (bootstrapped) {
      const rec = this.committed[1]!;
      v.terms.push(rec.term);
      v.hashes.push(rec.prefixHash);
    }
    this.views.set(id, v);
    this.lastApplied.set(id, bootstrapped ? 1 : 0);
  }

  /** Entries and/or snapshot reached node `id`'s durable storage. */
  onPersist(id: NodeId, entries: readonly Entry[], snapshot: Snapshot | null): void {
    const v = this.views.get(id)!;
    if (snapshot) {
      const { index, term } = snapshot.metadata;
      const rec = this.committed[index];
      if (!rec) this.fail(`node ${id} installed a snapshot at ${index} that no node applied`);
      if (rec.term !== term) this.fail(`node ${id} installed snapshot ${index}@${term} but ${index} committed with term ${rec.term}`);
      v.terms.length = 0;
      v.hashes.length = 0;
      for (let i = 0; i <= index; i++) {
        const r = this.committed[i];
        v.terms.push(r ? r.term : 0);
        v.hashes.push(r ? r.prefixHash : 0);
      }
      if (this.lastApplied.get(id)! > index) this.fail(`node ${id} installed snapshot ${index} behind its applied index ${this.lastApplied.get(id)}`);
      this.lastApplied.set(id, index);
    }
    if (entries.length === 0) return;
    const first = entries[0].index;
    if (first > v.terms.length) this.fail(`node ${id} persisted entry ${first} past its log end ${v.terms.length - 1}`);
    v.terms.length = first;
    v.hashes.length = first;
    let h = v.hashes[first - 1];
    for (const e of entries) {
      if (e.index !== v.terms.length) this.fail(`node ${id} persisted non-contiguous entry ${e.index}`);
      h = chain(h, e.term, e.type, e.data);
      v.terms.push(e.term);
      v.hashes.push(h);
      const key = e.index * 0x100000 + e.term;
      const seen = this.byIndexTerm.get(key);
      if (seen === undefined) this.byIndexTerm.set(key, h);
      else if (seen !== h) this.fail(`log matching: node ${id} has entry ${e.index}@${e.term} with a different prefix than another node`);
    }
  }

  /** Node `id` (at term `nodeTerm`) applied committed entry `e`. */
  onApply(id: NodeId, e: Entry, nodeTerm: number): void {
    const last = this.lastApplied.get(id)!;
    if (e.index !== last + 1) this.fail(`node ${id} applied ${e.index} after ${last} (out of order or rolled back)`);
    this.lastApplied.set(id, e.index);
    const v = this.views.get(id)!;
    if (e.index >= v.hashes.length || v.terms[e.index] !== e.term) this.fail(`node ${id} applied ${e.index}@${e.term} which is not in its durable log`);
    const h = v.hashes[e.index];
    const rec = this.committed[e.index];
    if (rec) {
      if (rec.prefixHash !== h) this.fail(`state machine safety: node ${id} applied a different entry at ${e.index} (term ${e.term}, committed term ${rec.term})`);
      if (nodeTerm < rec.observedTerm) {
        rec.observedTerm = nodeTerm;
        this.checkNewCommit(e.index);
      }
      return;
    }
    const isWrite = e.type === 'normal' && e.data.byteLength > 0;
    this.committed[e.index] = { term: e.term, prefixHash: h, observedTerm: nodeTerm, isWrite };
    if (e.index > this.maxCommitted) this.maxCommitted = e.index;
    if (isWrite && e.index > this.maxAckedWrite) this.maxAckedWrite = e.index;
    this.checkNewCommit(e.index);
  }

  private leaders: { id: NodeId; term: number }[] = [];

  private checkNewCommit(index: number): void {
    const rec = this.committed[index]!;
    for (const l of this.leaders) if (l.term > rec.observedTerm) this.checkHolds(l.id, l.term, index, rec);
  }

  private checkHolds(id: NodeId, term: number, index: number, rec: CommitRecord): void {
    const v = this.views.get(id)!;
    if (index >= v.hashes.length || v.hashes[index] !== rec.prefixHash) {
      this.fail(`leader completeness: leader ${id} of term ${term} lacks entry ${index} committed by term ${rec.observedTerm}`);
    }
  }

  /** Called after every step with the current role of every live node. */
  checkRoles(nodes: readonly { id: NodeId; term: number; isLeader: boolean }[]): void {
    this.checks++;
    this.leaders.length = 0;
    for (const n of nodes) {
      if (!n.isLeader) continue;
      const prev = this.leaderOfTerm.get(n.term);
      if (prev === undefined) this.leaderOfTerm.set(n.term, n.id);
      else if (prev !== n.id) this.fail(`election safety: nodes ${prev} and ${n.id} both leaders of term ${n.term}`);
      this.leaders.push({ id: n.id, term: n.term });
      if (this.checkedLeader.get(n.id) !== n.term) {
        this.checkedLeader.set(n.id, n.term);
        // Every entry at or below the highest index known committed before this term.
        for (let i = this.maxCommitted; i > 0; i--) {
          const rec = this.committed[i];
          if (rec && rec.observedTerm < n.term) {
            this.checkHolds(n.id, n.term, i, rec);
            break;
          }
        }
      }
    }
  }

  /** After a restart: the durable log must still hold the durable commit index's prefix. */
  onRestart(id: NodeId, durableCommit: number, appliedFrom: number): void {
    const v = this.views.get(id)!;
    if (durableCommit >= v.hashes.length) this.fail(`durability: node ${id} restarted with commit ${durableCommit} past its log end ${v.hashes.length - 1}`);
    const rec = this.committed[durableCommit];
    if (rec && rec.prefixHash !== v.hashes[durableCommit]) this.fail(`durability: node ${id} lost committed entries up to ${durableCommit}`);
    this.lastApplied.set(id, appliedFrom);
  }

  /** A ReadIndex answer for a read issued when `ackedAtIssue` was the highest acknowledged write. */
  onReadState(id: NodeId, readIndex: number, ackedAtIssue: number): void {
    if (readIndex < ackedAtIssue) this.fail(`linearizability: node ${id} got read index ${readIndex} below write ${ackedAtIssue} acknowledged before the read`);
  }

  /** The read is served from node `id`'s state machine, applied to `applied`. */
  onReadServed(id: NodeId, applied: number, readIndex: number, ackedAtIssue: number): void {
    if (applied < readIndex) this.fail(`read served on node ${id} at applied ${applied} < read index ${readIndex}`);
    const v = this.views.get(id)!;
    const rec = this.committed[ackedAtIssue];
    if (ackedAtIssue > 0 && rec && (ackedAtIssue >= v.hashes.length || v.hashes[ackedAtIssue] !== rec.prefixHash)) {
      this.fail(`linearizability: node ${id} served a read whose state lacks write ${ackedAtIssue}`);
    }
  }

  lastAppliedOf(id: NodeId): number {
    return this.lastApplied.get(id) ?? 0;
  }
}
