/**
 * The ordered index of a sorted set: an order-statistics B+ tree over (score, member) pairs,
 * ordered by score, then by member bytes (members are byte strings, so JS string order is byte
 * order). It plays the part of Redis's skip list with span counts, with fewer, larger nodes:
 *
 *  - leaves hold up to LEAF_MAX pairs in two parallel arrays and are linked both ways, so a range
 *    is walked leaf by leaf in either direction;
 *  - an inner node holds its children, the number of pairs under each child (`counts`, which
 *    makes rank lookups O(log n)) and one separator key per child: `sep[i]` is a lower bound of
 *    child i's keys and an upper bound (exclusive) of child i-1's. Separators may be keys that were
 *    deleted since; they stay valid bounds. `sep[0]` of a node equals its parent's separator for it
 *    (unused for the leftmost child of each level).
 *
 * Insert, delete, rank, the element at a rank and the rank where a score or lex range starts are all
 * O(log n); deletes rebalance (merge with a sibling, or share with it) so no non-root node falls
 * below a quarter full and the height stays logarithmic. The hot paths shift array slots by hand
 * instead of calling splice, so adding or removing a pair allocates nothing unless a node splits.
 *
 * The caller (zset.ts) guarantees a member is inserted at most once and deleted only when present,
 * with the score it was inserted with; the tree asserts it.
 */
import { assert } from '../util/assert.js';

/** Most pairs in a leaf; a leaf past it splits in two. */
export const LEAF_MAX = 64;
/** Most children of an inner node. */
export const INNER_MAX = 64;
const LEAF_MIN = LEAF_MAX >> 2;
const INNER_MIN = INNER_MAX >> 2;
/** How full bulk-built nodes are (clone, stored results): room left for inserts. */
const BULK_FILL = (LEAF_MAX * 3) >> 2;

class Leaf {
  readonly leaf = true as const;
  prev: Leaf | null = null;
  next: Leaf | null = null;
  constructor(public members: string[], public scores: number[]) {}
}

class Inner {
  readonly leaf = false as const;
  constructor(
    public children: TreeNode[],
    public counts: number[],
    public sepScores: number[],
    public sepMembers: string[],
  ) {}
}

type TreeNode = Leaf | Inner;

/** (s1, m1) versus (s2, m2): negative, zero or positive. -0 and 0 are equal, as in Redis. */
function compare(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  if (m1 < m2) return -1;
  if (m1 > m2) return 1;
  return 0;
}

/** A monotone predicate for prefixCount: true on a prefix of the order, false after it. */
export enum Bound {
  /** score < x */
  ScoreLt,
  /** score <= x */
  ScoreLe,
  /** member < m (meaningful when every score is equal, as Redis's lex commands require) */
  MemberLt,
  /** member <= m */
  MemberLe,
}

function holds(bound: Bound, score: number, member: string, x: number, m: string): boolean {
  switch (bound) {
    case Bound.ScoreLt: return score < x;
    case Bound.ScoreLe: return score <= x;
    case Bound.MemberLt: return member < m;
    case Bound.MemberLe: return member <= m;
  }
}

// One copy per element kind keeps each call site monomorphic (string slots, double slots).
function insertString(arr: string[], pos: number, value: string): void {
  let i = arr.length;
  arr.push(value);
  for (; i > pos; i--) arr[i] = arr[i - 1];
  arr[pos] = value;
}

function insertNumber(arr: number[], pos: number, value: number): void {
  let i = arr.length;
  arr.push(value);
  for (; i > pos; i--) arr[i] = arr[i - 1];
  arr[pos] = value;
}

function insertNode(arr: TreeNode[], pos: number, value: TreeNode): void {
  let i = arr.length;
  arr.push(value);
  for (; i > pos; i--) arr[i] = arr[i - 1];
  arr[pos] = value;
}

function removeString(arr: string[], pos: number): void {
  const last = arr.length - 1;
  for (let i = pos; i < last; i++) arr[i] = arr[i + 1];
  arr.pop();
}

function removeNumber(arr: number[], pos: number): void {
  const last = arr.length - 1;
  for (let i = pos; i < last; i++) arr[i] = arr[i + 1];
  arr.pop();
}

function removeNode(arr: TreeNode[], pos: number): void {
  const last = arr.length - 1;
  for (let i = pos; i < last; i++) arr[i] = arr[i + 1];
  arr.pop();
}

/**
 * An empty array whose elements are unboxed doubles from the start, so every score array has the
 * same element kind (integer scores would otherwise start a separate small-integer kind).
 */
function doubleArray(): number[] {
  const a = [0.5];
  a.pop();
  return a;
}

function sum(counts: readonly number[]): number {
  let n = 0;
  for (const c of counts) n += c;
  return n;
}

export class ScoreIndex {
  private root: TreeNode = new Leaf([], doubleArray());
  private head: Leaf;
  private tail: Leaf;
  private count = 0;
  /** The path of the last descent: inner nodes and the child taken in each. Scratch, reused. */
  private readonly pathNodes: Inner[] = [];
  private readonly pathIdx: number[] = [];
  /** Where seek() landed. */
  private cursorLeaf: Leaf;
  private cursorIdx = 0;
  /** The pair removed by the last deleteAt(). */
  removedMember = '';
  removedScore = 0;

  constructor() {
    this.head = this.tail = this.cursorLeaf = this.root as Leaf;
  }

  get length(): number {
    return this.count;
  }

  /** Adds a pair that is not present. */
  insert(score: number, member: string): void {
    let node = this.root;
    let depth = 0;
    while (!node.leaf) {
      const i = childFor(node, score, member);
      this.pathNodes[depth] = node;
      this.pathIdx[depth] = i;
      depth++;
      node = node.children[i];
    }
    const pos = lowerBound(node, score, member);
    assert(pos === node.members.length || compare(node.scores[pos], node.members[pos], score, member) !== 0, 'zset index: duplicate insert');
    for (let d = 0; d < depth; d++) this.pathNodes[d].counts[this.pathIdx[d]]++;
    insertString(node.members, pos, member);
    insertNumber(node.scores, pos, score);
    this.count++;
    if (node.members.length > LEAF_MAX) this.splitLeaf(node, depth);
  }

  /** Removes a pair that is present. */
  delete(score: number, member: string): void {
    let node = this.root;
    let depth = 0;
    while (!node.leaf) {
      const i = childFor(node, score, member);
      this.pathNodes[depth] = node;
      this.pathIdx[depth] = i;
      depth++;
      node = node.children[i];
    }
    const pos = lowerBound(node, score, member);
    assert(pos < node.members.length && node.members[pos] === member, 'zset index: delete of a missing pair');
    for (let d = 0; d < depth; d++) this.pathNodes[d].counts[this.pathIdx[d]]--;
    this.removeFromLeaf(node, pos, depth);
  }

  /**
   * Gives a present pair a new score. When the pair keeps its place among its leaf neighbours (a
   * small change, as counters and leaderboards make) the score is rewritten in place: one descent
   * instead of two.
   */
  update(oldScore: number, newScore: number, member: string): void {
    let node = this.root;
    let depth = 0;
    while (!node.leaf) {
      const i = childFor(node, oldScore, member);
      this.pathNodes[depth] = node;
      this.pathIdx[depth] = i;
      depth++;
      node = node.children[i];
    }
    const pos = lowerBound(node, oldScore, member);
    const ms = node.members;
    const sc = node.scores;
    assert(pos < ms.length && ms[pos] === member, 'zset index: update of a missing pair');
    // At a leaf's edge the neighbour is in another leaf (and a separator lies between): move inward only.
    const last = ms.length - 1;
    const afterPrev = pos > 0 ? compare(sc[pos - 1], ms[pos - 1], newScore, member) < 0 : newScore >= oldScore;
    const beforeNext = pos < last ? compare(newScore, member, sc[pos + 1], ms[pos + 1]) < 0 : newScore <= oldScore;
    if (afterPrev && beforeNext) {
      sc[pos] = newScore;
      return;
    }
    for (let d = 0; d < depth; d++) this.pathNodes[d].counts[this.pathIdx[d]]--;
    this.removeFromLeaf(node, pos, depth);
    this.insert(newScore, member);
  }

  /** Removes the pair at `rank` (0-based), leaving it in removedMember/removedScore. */
  deleteAt(rank: number): void {
    assert(rank >= 0 && rank < this.count, 'zset index: rank out of range');
    let node = this.root;
    let r = rank;
    let depth = 0;
    while (!node.leaf) {
      const counts = node.counts;
      let i = 0;
      while (r >= counts[i]) r -= counts[i++];
      counts[i]--;
      this.pathNodes[depth] = node;
      this.pathIdx[depth] = i;
      depth++;
      node = node.children[i];
    }
    this.removedMember = node.members[r];
    this.removedScore = node.scores[r];
    this.removeFromLeaf(node, r, depth);
  }

  /** The 0-based rank of a pair that is present. */
  rank(score: number, member: string): number {
    let node = this.root;
    let acc = 0;
    while (!node.leaf) {
      const i = childFor(node, score, member);
      const counts = node.counts;
      for (let k = 0; k < i; k++) acc += counts[k];
      node = node.children[i];
    }
    const pos = lowerBound(node, score, member);
    assert(pos < node.members.length && node.members[pos] === member, 'zset index: rank of a missing pair');
    return acc + pos;
  }

  /**
   * How many pairs satisfy `bound` (against score `x` or member `m`): the rank where the pairs
   * failing it begin. For lex bounds this assumes every score is equal; otherwise the answer is some
   * rank in [0, length] (Redis leaves that case undefined too).
   */
  prefixCount(bound: Bound, x: number, m: string): number {
    let node = this.root;
    let acc = 0;
    while (!node.leaf) {
      const ss = node.sepScores;
      const sm = node.sepMembers;
      let lo = 1;
      let hi = node.children.length - 1;
      let i = 0;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (holds(bound, ss[mid], sm[mid], x, m)) {
          i = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      const counts = node.counts;
      for (let k = 0; k < i; k++) acc += counts[k];
      node = node.children[i];
    }
    const ms = node.members;
    const sc = node.scores;
    let lo = 0;
    let hi = ms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (holds(bound, sc[mid], ms[mid], x, m)) lo = mid + 1;
      else hi = mid;
    }
    return acc + lo;
  }

  /** The member at `rank`. */
  memberAt(rank: number): string {
    this.seek(rank);
    return this.cursorLeaf.members[this.cursorIdx];
  }

  /** The score at `rank`. */
  scoreAt(rank: number): number {
    this.seek(rank);
    return this.cursorLeaf.scores[this.cursorIdx];
  }

  /**
   * Calls `visit` for `n` pairs starting at `rank`: ascending ranks, or descending ones (rank,
   * rank - 1, ...) when `reverse`. The tree must not change during the walk.
   */
  walk(rank: number, n: number, reverse: boolean, visit: (member: string, score: number) => void): void {
    if (n <= 0) return;
    assert(reverse ? rank - n + 1 >= 0 && rank < this.count : rank >= 0 && rank + n <= this.count, 'zset index: walk out of range');
    this.seek(rank);
    let leaf: Leaf | null = this.cursorLeaf;
    let i = this.cursorIdx;
    if (!reverse) {
      while (n > 0 && leaf !== null) {
        const ms: string[] = leaf.members;
        const sc: number[] = leaf.scores;
        const end = Math.min(ms.length, i + n);
        n -= end - i;
        for (; i < end; i++) visit(ms[i], sc[i]);
        leaf = leaf.next;
        i = 0;
      }
    } else {
      while (n > 0 && leaf !== null) {
        const ms: string[] = leaf.members;
        const sc: number[] = leaf.scores;
        const end = Math.max(-1, i - n);
        n -= i - end;
        for (; i > end; i--) visit(ms[i], sc[i]);
        leaf = leaf.prev;
        if (leaf !== null) i = leaf.members.length - 1;
      }
    }
  }

  /** Every pair in ascending order, into two arrays. */
  toArrays(): [string[], number[]] {
    const members: string[] = [];
    const scores: number[] = [];
    for (let leaf: Leaf | null = this.head; leaf !== null; leaf = leaf.next) {
      for (let i = 0; i < leaf.members.length; i++) {
        members.push(leaf.members[i]);
        scores.push(leaf.scores[i]);
      }
    }
    return [members, scores];
  }

  clone(): ScoreIndex {
    const [members, scores] = this.toArrays();
    return ScoreIndex.fromSorted(members, scores);
  }

  /** Builds an index from pairs already in ascending (score, member) order, without duplicates. */
  static fromSorted(members: readonly string[], scores: readonly number[]): ScoreIndex {
    assert(members.length === scores.length, 'zset index: bulk arrays differ in length');
    const index = new ScoreIndex();
    const n = members.length;
    if (n === 0) return index;
    for (let i = 1; i < n; i++) {
      assert(compare(scores[i - 1], members[i - 1], scores[i], members[i]) < 0, 'zset index: bulk input not sorted');
    }
    // Leaves of about BULK_FILL pairs, sizes spread evenly so none is under LEAF_MIN.
    const leafCount = Math.max(1, Math.ceil(n / BULK_FILL));
    let level: TreeNode[] = [];
    let counts: number[] = [];
    let firstScores: number[] = [];
    let firstMembers: string[] = [];
    let prev: Leaf | null = null;
    for (let k = 0, from = 0; k < leafCount; k++) {
      const to = Math.round(((k + 1) * n) / leafCount);
      const leaf = new Leaf(members.slice(from, to), scores.slice(from, to));
      leaf.prev = prev;
      if (prev !== null) prev.next = leaf;
      prev = leaf;
      level.push(leaf);
      counts.push(to - from);
      firstScores.push(scores[from]);
      firstMembers.push(members[from]);
      from = to;
    }
    index.head = level[0] as Leaf;
    index.tail = prev!;
    while (level.length > 1) {
      const groups = Math.max(1, Math.ceil(level.length / BULK_FILL));
      const next: TreeNode[] = [];
      const nextCounts: number[] = [];
      const nextScores: number[] = [];
      const nextMembers: string[] = [];
      for (let g = 0, from = 0; g < groups; g++) {
        const to = Math.round(((g + 1) * level.length) / groups);
        const node = new Inner(level.slice(from, to), counts.slice(from, to), firstScores.slice(from, to), firstMembers.slice(from, to));
        next.push(node);
        nextCounts.push(sum(node.counts));
        nextScores.push(firstScores[from]);
        nextMembers.push(firstMembers[from]);
        from = to;
      }
      level = next;
      counts = nextCounts;
      firstScores = nextScores;
      firstMembers = nextMembers;
    }
    index.root = level[0];
    index.count = n;
    index.cursorLeaf = index.head;
    return index;
  }

  /**
   * Verifies every structural invariant (for tests): order, counts, separators, fill, links.
   * Throws on the first violation.
   */
  check(): void {
    const leaves: Leaf[] = [];
    const total = this.checkNode(this.root, true, null, null, leaves, 0);
    assert(total === this.count, `zset index: count ${this.count} but ${total} pairs`);
    assert(leaves[0] === this.head && leaves[leaves.length - 1] === this.tail, 'zset index: head/tail');
    for (let i = 0; i < leaves.length; i++) {
      assert(leaves[i].prev === (i > 0 ? leaves[i - 1] : null), 'zset index: prev link');
      assert(leaves[i].next === (i + 1 < leaves.length ? leaves[i + 1] : null), 'zset index: next link');
    }
    let ps = -Infinity;
    let pm: string | null = null;
    for (const leaf of leaves) {
      for (let i = 0; i < leaf.members.length; i++) {
        if (pm !== null) assert(compare(ps, pm, leaf.scores[i], leaf.members[i]) < 0, 'zset index: order');
        ps = leaf.scores[i];
        pm = leaf.members[i];
      }
    }
  }

  private checkNode(node: TreeNode, isRoot: boolean, lo: [number, string] | null, hi: [number, string] | null, leaves: Leaf[], depth: number): number {
    assert(depth < 64, 'zset index: too deep');
    if (node.leaf) {
      assert(node.members.length === node.scores.length, 'zset index: leaf arrays');
      assert(node.members.length <= LEAF_MAX, 'zset index: leaf overfull');
      if (!isRoot) assert(node.members.length >= LEAF_MIN, `zset index: leaf underfull (${node.members.length})`);
      for (let i = 0; i < node.members.length; i++) {
        if (lo !== null) assert(compare(lo[0], lo[1], node.scores[i], node.members[i]) <= 0, 'zset index: key below separator');
        if (hi !== null) assert(compare(node.scores[i], node.members[i], hi[0], hi[1]) < 0, 'zset index: key above separator');
      }
      leaves.push(node);
      return node.members.length;
    }
    const n = node.children.length;
    assert(node.counts.length === n && node.sepScores.length === n && node.sepMembers.length === n, 'zset index: inner arrays');
    assert(n <= INNER_MAX, 'zset index: inner overfull');
    assert(isRoot ? n >= 2 : n >= INNER_MIN, `zset index: inner underfull (${n})`);
    if (lo !== null) assert(node.sepScores[0] === lo[0] && node.sepMembers[0] === lo[1], 'zset index: sep[0] differs from the parent separator');
    let total = 0;
    for (let i = 0; i < n; i++) {
      const childLo: [number, string] | null = i === 0 ? lo : [node.sepScores[i], node.sepMembers[i]];
      const childHi: [number, string] | null = i + 1 < n ? [node.sepScores[i + 1], node.sepMembers[i + 1]] : hi;
      const c = this.checkNode(node.children[i], false, childLo, childHi, leaves, depth + 1);
      assert(c === node.counts[i], 'zset index: count mismatch');
      total += c;
    }
    return total;
  }

  /** Points cursorLeaf/cursorIdx at `rank`. */
  private seek(rank: number): void {
    assert(rank >= 0 && rank < this.count, 'zset index: seek out of range');
    let node = this.root;
    let r = rank;
    while (!node.leaf) {
      const counts = node.counts;
      let i = 0;
      while (r >= counts[i]) r -= counts[i++];
      node = node.children[i];
    }
    this.cursorLeaf = node;
    this.cursorIdx = r;
  }

  private removeFromLeaf(leaf: Leaf, pos: number, depth: number): void {
    removeString(leaf.members, pos);
    removeNumber(leaf.scores, pos);
    this.count--;
    this.fixUnderflow(leaf, depth);
  }

  private splitLeaf(leaf: Leaf, depth: number): void {
    const mid = leaf.members.length >> 1;
    const right = new Leaf(leaf.members.splice(mid), leaf.scores.splice(mid));
    right.prev = leaf;
    right.next = leaf.next;
    if (leaf.next !== null) leaf.next.prev = right;
    else this.tail = right;
    leaf.next = right;
    this.addSibling(depth, leaf, right, right.scores[0], right.members[0], leaf.members.length, right.members.length);
  }

  private splitInner(node: Inner, depth: number): void {
    const mid = node.children.length >> 1;
    const right = new Inner(node.children.splice(mid), node.counts.splice(mid), node.sepScores.splice(mid), node.sepMembers.splice(mid));
    this.addSibling(depth, node, right, right.sepScores[0], right.sepMembers[0], sum(node.counts), sum(right.counts));
  }

  /** Puts `right` after `left` (at path depth `depth`) in their parent, splitting upward as needed. */
  private addSibling(depth: number, left: TreeNode, right: TreeNode, sepScore: number, sepMember: string, leftCount: number, rightCount: number): void {
    if (depth === 0) {
      this.root = new Inner([left, right], [leftCount, rightCount], [-Infinity, sepScore], ['', sepMember]);
      if (!left.leaf) {
        left.sepScores[0] = -Infinity;
        left.sepMembers[0] = '';
      }
      return;
    }
    const parent = this.pathNodes[depth - 1];
    const i = this.pathIdx[depth - 1];
    parent.counts[i] = leftCount;
    insertNode(parent.children, i + 1, right);
    insertNumber(parent.counts, i + 1, rightCount);
    insertNumber(parent.sepScores, i + 1, sepScore);
    insertString(parent.sepMembers, i + 1, sepMember);
    if (parent.children.length > INNER_MAX) this.splitInner(parent, depth - 1);
  }

  /** After a removal under path depth `depth`: merges or rebalances underfull nodes up to the root. */
  private fixUnderflow(node: TreeNode, depth: number): void {
    while (depth > 0) {
      const size = node.leaf ? node.members.length : node.children.length;
      if (size >= (node.leaf ? LEAF_MIN : INNER_MIN)) break;
      const parent = this.pathNodes[depth - 1];
      const i = this.pathIdx[depth - 1];
      this.rebalance(parent, i > 0 ? i - 1 : i);
      node = parent;
      depth--;
    }
    while (!this.root.leaf && this.root.children.length === 1) {
      this.root = this.root.children[0];
    }
    if (!this.root.leaf) {
      this.root.sepScores[0] = -Infinity;
      this.root.sepMembers[0] = '';
    }
  }

  /** Children j and j + 1 of `parent` together: merged into one when they fit, else shared evenly. */
  private rebalance(parent: Inner, j: number): void {
    const a = parent.children[j];
    const b = parent.children[j + 1];
    if (a.leaf && b.leaf) {
      const total = a.members.length + b.members.length;
      if (total <= LEAF_MAX) {
        for (let k = 0; k < b.members.length; k++) {
          a.members.push(b.members[k]);
          a.scores.push(b.scores[k]);
        }
        a.next = b.next;
        if (b.next !== null) b.next.prev = a;
        else this.tail = a;
        parent.counts[j] = total;
        this.removeChild(parent, j + 1);
        return;
      }
      const half = total >> 1;
      if (a.members.length < half) {
        const moved = half - a.members.length;
        for (let k = 0; k < moved; k++) {
          a.members.push(b.members[k]);
          a.scores.push(b.scores[k]);
        }
        b.members.splice(0, moved);
        b.scores.splice(0, moved);
      } else {
        const moved = a.members.length - half;
        b.members.unshift(...a.members.splice(half, moved));
        b.scores.unshift(...a.scores.splice(half, moved));
      }
      parent.counts[j] = a.members.length;
      parent.counts[j + 1] = b.members.length;
      parent.sepScores[j + 1] = b.scores[0];
      parent.sepMembers[j + 1] = b.members[0];
      return;
    }
    assert(!a.leaf && !b.leaf, 'zset index: siblings at different depths');
    b.sepScores[0] = parent.sepScores[j + 1];
    b.sepMembers[0] = parent.sepMembers[j + 1];
    const total = a.children.length + b.children.length;
    if (total <= INNER_MAX) {
      a.children.push(...b.children);
      a.counts.push(...b.counts);
      a.sepScores.push(...b.sepScores);
      a.sepMembers.push(...b.sepMembers);
      parent.counts[j] += parent.counts[j + 1];
      this.removeChild(parent, j + 1);
      return;
    }
    const half = total >> 1;
    if (a.children.length < half) {
      const moved = half - a.children.length;
      a.children.push(...b.children.splice(0, moved));
      a.counts.push(...b.counts.splice(0, moved));
      a.sepScores.push(...b.sepScores.splice(0, moved));
      a.sepMembers.push(...b.sepMembers.splice(0, moved));
    } else {
      const moved = a.children.length - half;
      b.children.unshift(...a.children.splice(half, moved));
      b.counts.unshift(...a.counts.splice(half, moved));
      b.sepScores.unshift(...a.sepScores.splice(half, moved));
      b.sepMembers.unshift(...a.sepMembers.splice(half, moved));
    }
    parent.counts[j] = sum(a.counts);
    parent.counts[j + 1] = sum(b.counts);
    parent.sepScores[j + 1] = b.sepScores[0];
    parent.sepMembers[j + 1] = b.sepMembers[0];
  }

  private removeChild(parent: Inner, i: number): void {
    removeNode(parent.children, i);
    removeNumber(parent.counts, i);
    removeNumber(parent.sepScores, i);
    removeString(parent.sepMembers, i);
  }
}

/** The child of `node` whose key range holds (score, member): the last i with sep[i] <= key (0 if none). */
function childFor(node: Inner, score: number, member: string): number {
  const ss = node.sepScores;
  const sm = node.sepMembers;
  let lo = 1;
  let hi = node.children.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (compare(ss[mid], sm[mid], score, member) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The first position in `leaf` whose key is >= (score, member). */
function lowerBound(leaf: Leaf, score: number, member: string): number {
  const ms = leaf.members;
  const sc = leaf.scores;
  let lo = 0;
  let hi = ms.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(sc[mid], ms[mid], score, member) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
