/**
 * A whole Raft cluster in one process, driven by one seed: simulated clocks (one per node,
 * with bounded drift), a simulated network (drop, delay, reorder, duplicate, symmetric,
 * asymmetric and flapping partitions, swizzle-clog), crash-restart keeping only what was
 * persisted, client writes and reads, leadership transfers, membership changes and snapshots.
 * The checker runs after every step. After the chaos phase, faults stop and the liveness check
 * requires a leader and every pending proposal committed within a bound.
 */
import { AssertionError } from '../../util/assert.js';
import type { UnsafeTestingFaults } from '../config.js';
import { ProposalDroppedError } from '../errors.js';
import { bootstrapStorage } from '../storage.js';
import { type ConfChange, type ConfState, decodeConfChange, type Message, type NodeId, type Ready } from '../types.js';
import { Checker, SafetyViolation } from './checker.js';
import { EventQueue } from './event-queue.js';
import { KvApp } from './kv-app.js';
import { CALM_NETWORK, Network, type NetworkFaults } from './network.js';
import { Rng } from './rng.js';
import { ELECTION_TIMEOUT_TICKS, SimNode } from './sim-node.js';

export const TICK_MS = 10;
/** Liveness bound: after faults stop, a leader and full commit within this many ticks. */
export const LIVENESS_BOUND_TICKS = 20 * ELECTION_TIMEOUT_TICKS;

export interface SimOptions {
  seed: number;
  nodes: number;
  /** Ticks of the chaos phase (faults, client load). */
  steps: number;
  /** A deliberately broken core (see UnsafeTestingFaults). */
  bug?: keyof UnsafeTestingFaults;
  /** 'mixed' (default): fault rates drawn per seed. 'churn': leaders live short lives (finds commit-rule bugs fast). */
  profile?: 'mixed' | 'churn';
  /** Keep a trace of the last events (printed on failure). */
  traceLines?: number;
}

export interface SimStats {
  events: number;
  checks: number;
  messages: number;
  dropped: number;
  maxTerm: number;
  committed: number;
  writesAcked: number;
  readsServed: number;
  crashes: number;
  confChanges: number;
  snapshotsInstalled: number;
  livenessTicks: number;
}

export interface SimResult {
  seed: number;
  nodes: number;
  steps: number;
  ok: boolean;
  failure: string | null;
  kind: 'safety' | 'liveness' | 'crash' | null;
  stats: SimStats;
  trace: string[];
}

type Event =
  | { time: number; seq: number; kind: 'tick'; node: SimNode; incarnation: number }
  | { time: number; seq: number; kind: 'msg'; m: Message }
  | { time: number; seq: number; kind: 'chaos' }
  | { time: number; seq: number; kind: 'action'; what: string; run: () => void };

interface Profile {
  net: NetworkFaults;
  faultRate: number;
  crashMidReadyRate: number;
  proposeRate: number;
  readRate: number;
  confChangeRate: number;
  transferRate: number;
  compactRate: number;
  driftPct: number;
  maxMsgBytes: number;
  leaderIsolationRate: number;
  /** Probability a new leader is crashed or cut off within a few ms (Figure 8's churn). */
  shortLivedLeaderRate: number;
  /** Probability a leader crashes right after handing committed entries to its application. */
  leaderCrashAfterCommitRate: number;
}

class LivenessFailure extends Error {}

export class Simulation {
  private readonly rng: Rng;
  private readonly netRng: Rng;
  readonly net: Network;
  readonly checker = new Checker();
  readonly nodes = new Map<NodeId, SimNode>();
  private readonly queue = new EventQueue<Event>();
  private held: Message[] = [];
  private seq = 0;
  now = 0;
  private readonly profile: Profile;
  private nextNodeId: number;
  private nextWriteId = 1;
  private nextReadId = 1;
  private latestConf: ConfState;
  private latestConfIndex = 1;
  private chaos = true;
  readonly trace: string[] = [];
  private readonly stats: SimStats = {
    events: 0, checks: 0, messages: 0, dropped: 0, maxTerm: 0, committed: 0, writesAcked: 0, readsServed: 0,
    crashes: 0, confChanges: 0, snapshotsInstalled: 0, livenessTicks: 0,
  };

  constructor(readonly opts: SimOptions) {
    this.rng = new Rng(opts.seed);
    this.netRng = this.rng.fork();
    this.net = new Network(this.netRng);
    this.profile = this.drawProfile();
    this.net.faults = this.profile.net;
    const voters: NodeId[] = [];
    for (let i = 1; i <= opts.nodes; i++) voters.push(i);
    this.latestConf = { voters, learners: [] };
    this.nextNodeId = opts.nodes + 1;
    this.checker.bootstrap(1, 1);
    for (const id of voters) {
      const n = this.newNode(id);
      bootstrapStorage(n.storage, { voters: voters.slice(), learners: [] });
      this.checker.addNode(id, true);
      this.startNode(n);
    }
    this.schedule({ time: TICK_MS, seq: 0, kind: 'chaos' });
  }

  private drawProfile(): Profile {
    const r = this.rng;
    if (this.opts.profile === 'churn' || r.chance(0.2)) {
      return {
        net: { dropRate: r.pick([0, 0.05]), duplicateRate: 0.02, delayMinMs: 1, delayMaxMs: r.pick([3, 8]), longDelayRate: 0.01, longDelayMaxMs: 50 },
        faultRate: 0.02,
        crashMidReadyRate: 0.001,
        proposeRate: 0.9,
        readRate: 0.2,
        confChangeRate: 0,
        transferRate: 0.01,
        compactRate: 0.01,
        driftPct: 1,
        maxMsgBytes: 1,
        leaderIsolationRate: 0.02,
        shortLivedLeaderRate: 0.5,
        leaderCrashAfterCommitRate: 0.2,
      };
    }
    const calm = r.chance(0.15);
    return {
      net: calm
        ? CALM_NETWORK
        : {
            dropRate: r.pick([0, 0.01, 0.05, 0.15]),
            duplicateRate: r.pick([0, 0.02, 0.1]),
            delayMinMs: 1,
            delayMaxMs: r.pick([3, 8, 15]),
            longDelayRate: r.pick([0, 0.01, 0.05]),
            longDelayMaxMs: r.pick([50, 200]),
          },
      faultRate: calm ? 0.005 : r.pick([0.01, 0.03, 0.06]),
      crashMidReadyRate: r.pick([0, 0.0005, 0.002]),
      proposeRate: r.pick([0.2, 0.5, 0.9]),
      readRate: r.pick([0.05, 0.2]),
      confChangeRate: r.pick([0, 0.01, 0.03]),
      transferRate: r.pick([0, 0.005, 0.02]),
      compactRate: r.pick([0.005, 0.02, 0.08]),
      driftPct: r.pick([0, 1, 3]),
      maxMsgBytes: r.pick([1, 1, 12, 64, 256]),
      leaderIsolationRate: r.pick([0, 0.01, 0.03]),
      shortLivedLeaderRate: r.pick([0, 0, 0.2, 0.5]),
      leaderCrashAfterCommitRate: r.pick([0, 0, 0.02, 0.1]),
    };
  }

  private newNode(id: NodeId): SimNode {
    const drift = 1 + ((this.rng.next() * 2 - 1) * this.profile.driftPct) / 100;
    const n = new SimNode(id, this.rng.fork(), TICK_MS * drift, this.opts.bug ? { [this.opts.bug]: true } : {}, this.profile.maxMsgBytes);
    this.nodes.set(id, n);
    return n;
  }

  private schedule(e: Event): void {
    e.seq = ++this.seq;
    this.queue.push(e);
  }

  private log(s: string): void {
    const max = this.opts.traceLines ?? 0;
    if (max === 0) return;
    this.trace.push(`${this.now.toFixed(1).padStart(8)}ms ${s}`);
    if (this.trace.length > max) this.trace.shift();
  }

  // ------------------------------------------------------------------ node lifecycle

  private startNode(n: SimNode): void {
    const hs = n.storage.hardState();
    n.start();
    this.checker.onRestart(n.id, hs.commit, n.app.applied);
    this.log(`start ${n.id} term=${hs.term} commit=${hs.commit} snap=${n.app.applied} last=${n.storage.lastIndex()}`);
    this.schedule({ time: this.now + n.tickPeriodMs * this.rng.next(), seq: 0, kind: 'tick', node: n, incarnation: n.incarnation });
  }

  private crash(n: SimNode): void {
    this.log(`crash ${n.id}`);
    this.stats.crashes++;
    n.crash();
    if (this.chaos && !n.retired) {
      const down = this.rng.int(20, 800);
      this.schedule({ time: this.now + down, seq: 0, kind: 'action', what: `restart ${n.id}`, run: () => {
        if (!n.alive && !n.retired) this.startNode(n);
      } });
    }
  }

  // ------------------------------------------------------------------ driving Ready

  private send(m: Message): void {
    this.stats.messages++;
    for (const d of this.net.fate(m)) this.schedule({ time: this.now + d, seq: 0, kind: 'msg', m });
  }

  private processReady(n: SimNode): void {
    while (n.alive && n.rn!.hasReady()) {
      const rn = n.rn!;
      const rd: Ready = rn.ready();
      if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
      if (rd.entries.length > 0) n.storage.append(rd.entries);
      if (rd.hardState) n.storage.setHardState(rd.hardState);
      this.checker.onPersist(n.id, rd.entries, rd.snapshot);
      if (this.chaos && this.rng.chance(this.profile.crashMidReadyRate)) {
        this.log(`crash ${n.id} after persisting, before sending/applying`);
        this.crash(n);
        return;
      }
      for (const m of rd.messages) this.send(m);
      if (this.chaos && rd.softState?.state === 'leader' && this.rng.chance(this.profile.shortLivedLeaderRate)) this.cutShort(n);
      if (rd.snapshot) {
        this.stats.snapshotsInstalled++;
        n.app.restore(rd.snapshot.data, rd.snapshot.metadata.index, rd.snapshot.metadata.confState);
        this.log(`${n.id} installed snapshot ${rd.snapshot.metadata.index}@${rd.snapshot.metadata.term}`);
      }
      for (const e of rd.committedEntries) {
        this.checker.onApply(n.id, e, rn.raft.term);
        if (e.type === 'confChange') {
          const cc: ConfChange = decodeConfChange(e.data);
          n.app.confState = rn.applyConfChange(cc);
          if (e.index > this.latestConfIndex) {
            this.latestConfIndex = e.index;
            this.latestConf = n.app.confState;
            this.stats.confChanges++;
            this.log(`conf ${e.index} ${cc.type} ${cc.nodeId} -> voters=${this.latestConf.voters} learners=${this.latestConf.learners}`);
          }
        } else {
          n.app.applyWrite(e.index, e.data);
        }
        n.app.applied = e.index;
      }
      for (const rs of rd.readStates) {
        const pr = n.reads.get(rs.requestCtx);
        if (!pr || pr.index !== 0) continue;
        this.checker.onReadState(n.id, rs.index, pr.ackedAtIssue);
        pr.index = rs.index;
      }
      rn.advance();
      if (n.reads.size > 0) this.serveReads(n);
      if (this.chaos && rd.committedEntries.length > 0 && rn.raft.state === 'leader' && this.rng.chance(this.profile.leaderCrashAfterCommitRate)) {
        this.crash(n);
        return;
      }
    }
  }

  private serveReads(n: SimNode): void {
    for (const [ctx, pr] of n.reads) {
      if (pr.index === 0 || n.app.applied < pr.index) continue;
      this.checker.onReadServed(n.id, n.app.applied, pr.index, pr.ackedAtIssue);
      this.stats.readsServed++;
      n.reads.delete(ctx);
    }
  }

  private checkAll(): void {
    const roles: { id: NodeId; term: number; isLeader: boolean }[] = [];
    for (const n of this.nodes.values()) {
      if (!n.alive) continue;
      const r = n.rn!.raft;
      roles.push({ id: n.id, term: r.term, isLeader: r.state === 'leader' });
      if (r.term > this.stats.maxTerm) this.stats.maxTerm = r.term;
    }
    this.checker.checkRoles(roles);
  }

  // ------------------------------------------------------------------ client and operator actions

  private liveNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.alive);
  }

  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (!n.alive || n.rn!.raft.state !== 'leader') continue;
      if (!best || n.rn!.raft.term > best.rn!.raft.term) best = n;
    }
    return best;
  }

  private tryOp(n: SimNode, what: string, op: () => void): boolean {
    try {
      op();
      this.log(`${what} at ${n.id}`);
      return true;
    } catch (e) {
      if (e instanceof ProposalDroppedError) {
        this.log(`${what} at ${n.id} dropped: ${e.reason}`);
        return false;
      }
      throw e;
    }
  }

  private propose(n: SimNode): void {
    const id = this.nextWriteId++;
    const key = `k${this.rng.int(0, 9)}`;
    this.tryOp(n, `propose w${id}`, () => n.rn!.propose(KvApp.encodeWrite(id, key)));
  }

  private read(n: SimNode): void {
    const ctx = `r${this.nextReadId++}`;
    const ackedAtIssue = this.checker.maxAckedWrite;
    if (this.tryOp(n, `read ${ctx} (acked ${ackedAtIssue})`, () => n.rn!.readIndex(ctx))) n.reads.set(ctx, { ackedAtIssue, index: 0 });
  }

  private confChange(): void {
    const l = this.leader();
    if (!l) return;
    const cs = l.rn!.raft.trk.confState();
    const r = this.rng.next();
    let cc: ConfChange | null = null;
    const minVoters = Math.min(3, this.opts.nodes);
    if (r < 0.35 && cs.learners.length + cs.voters.length < this.opts.nodes + 2) {
      const id = this.nextNodeId++;
      const n = this.newNode(id);
      this.checker.addNode(id, false);
      this.startNode(n);
      cc = { type: 'addLearner', nodeId: id };
    } else if (r < 0.65 && cs.learners.length > 0) {
      cc = { type: 'addNode', nodeId: this.rng.pick(cs.learners) };
    } else if (r < 0.85 && cs.voters.length > minVoters) {
      cc = { type: 'removeNode', nodeId: this.rng.pick(cs.voters) };
    } else if (cs.voters.length > minVoters) {
      cc = { type: 'addLearner', nodeId: this.rng.pick(cs.voters) };
    }
    if (cc) {
      const c = cc;
      this.tryOp(l, `conf change ${c.type} ${c.nodeId}`, () => l.rn!.proposeConfChange(c));
    }
  }

  private compact(n: SimNode): void {
    const snapIndex = n.storage.snapshot().metadata.index;
    if (n.app.applied <= snapIndex + 2) return;
    n.storage.createSnapshot(n.app.applied, n.app.confState, n.app.serialize());
    const keep = this.rng.int(0, 4);
    n.storage.compact(Math.max(snapIndex + 1, n.app.applied - keep));
    this.log(`${n.id} snapshot at ${n.app.applied}, compacted to ${n.storage.firstIndex()}`);
  }

  private members(): NodeId[] {
    return [...this.latestConf.voters, ...this.latestConf.learners];
  }

  private fault(): void {
    const live = this.liveNodes();
    const ids = [...this.nodes.keys()].filter((id) => !this.nodes.get(id)!.retired);
    const r = this.rng.next();
    if (r < 0.2) {
      if (live.length > 0) this.crash(this.rng.pick(live));
    } else if (r < 0.4) {
      const a = this.rng.shuffle(ids.slice()).slice(0, this.rng.int(1, Math.max(1, ids.length - 1)));
      const b = ids.filter((x) => !a.includes(x));
      const oneWay = this.rng.chance(0.3);
      this.net.partition(a, b, oneWay);
      this.log(`partition ${a} ${oneWay ? '->' : '|'} ${b}`);
      this.healLater(this.rng.int(50, 1500));
    } else if (r < 0.5) {
      const l = this.leader();
      if (l) {
        const rest = ids.filter((x) => x !== l.id);
        this.net.partition([l.id], rest, false);
        this.log(`isolate leader ${l.id}`);
        this.healLater(this.rng.int(100, 1500));
      }
    } else if (r < 0.62) {
      this.flap(ids);
    } else if (r < 0.75) {
      this.swizzle(ids);
    } else if (r < 0.85) {
      this.net.healLinks();
      this.log('heal links');
    } else {
      const dead = [...this.nodes.values()].filter((n) => !n.alive && !n.retired);
      if (dead.length > 0) this.startNode(this.rng.pick(dead));
    }
  }

  /** Ends a fresh leadership soon, before it can replicate much. */
  private cutShort(n: SimNode): void {
    const inc = n.incarnation;
    const crash = this.rng.chance(0.5);
    this.schedule({ time: this.now + this.rng.int(1, 30), seq: 0, kind: 'action', what: `cut short leader ${n.id}`, run: () => {
      if (!n.alive || n.incarnation !== inc) return;
      if (crash) this.crash(n);
      else {
        this.net.partition([n.id], [...this.nodes.keys()].filter((id) => id !== n.id), false);
        this.healLater(this.rng.int(30, 300));
      }
    } });
  }

  private healLater(ms: number): void {
    this.schedule({ time: this.now + ms, seq: 0, kind: 'action', what: 'heal links', run: () => this.net.healLinks() });
  }

  /** A partition that comes and goes several times. */
  private flap(ids: NodeId[]): void {
    const a = this.rng.shuffle(ids.slice()).slice(0, this.rng.int(1, Math.max(1, ids.length >> 1)));
    const b = ids.filter((x) => !a.includes(x));
    const oneWay = this.rng.chance(0.3);
    const times = this.rng.int(3, 10);
    let t = this.now;
    this.log(`flapping partition ${a} / ${b} x${times}`);
    for (let i = 0; i < times; i++) {
      t += this.rng.int(10, 150);
      this.schedule({ time: t, seq: 0, kind: 'action', what: `flap on ${a}|${b}`, run: () => this.net.partition(a, b, oneWay) });
      t += this.rng.int(10, 150);
      this.schedule({ time: t, seq: 0, kind: 'action', what: 'flap off', run: () => this.net.healLinks() });
    }
  }

  /** FoundationDB's swizzle-clog: clog a random subset one by one, then unclog in random order. */
  private swizzle(ids: NodeId[]): void {
    const subset = this.rng.shuffle(ids.slice()).slice(0, this.rng.int(1, ids.length));
    let t = this.now;
    for (const id of subset) {
      t += this.rng.int(5, 100);
      this.schedule({ time: t, seq: 0, kind: 'action', what: `clog ${id}`, run: () => this.net.clogged.add(id) });
    }
    for (const id of this.rng.shuffle(subset.slice())) {
      t += this.rng.int(5, 150);
      this.schedule({ time: t, seq: 0, kind: 'action', what: `unclog ${id}`, run: () => this.unclog(id) });
    }
  }

  private unclog(id: NodeId): void {
    this.net.clogged.delete(id);
    const still: Message[] = [];
    for (const m of this.held) {
      if (this.net.clogged.has(m.from) || this.net.clogged.has(m.to)) still.push(m);
      else this.schedule({ time: this.now + this.netRng.int(1, 10), seq: 0, kind: 'msg', m });
    }
    this.held = still;
  }

  private chaosStep(): void {
    const p = this.profile;
    const live = this.liveNodes();
    if (live.length > 0) {
      if (this.rng.chance(p.proposeRate)) {
        const n = this.rng.chance(0.7) ? (this.leader() ?? this.rng.pick(live)) : this.rng.pick(live);
        const k = this.rng.int(1, 3);
        for (let i = 0; i < k; i++) this.propose(n);
        this.processReady(n);
      }
      if (this.rng.chance(p.readRate)) {
        const n = this.rng.pick(live);
        if (!n.alive) return;
        this.read(n);
        this.processReady(n);
      }
      if (this.rng.chance(p.compactRate)) {
        const n = this.rng.pick(live);
        if (n.alive) this.compact(n);
      }
      if (this.rng.chance(p.transferRate)) {
        const l = this.leader();
        if (l) {
          const target = this.rng.pick(l.rn!.raft.trk.voters);
          this.tryOp(l, `transfer to ${target}`, () => l.rn!.transferLeader(target));
          this.processReady(l);
        }
      }
      if (this.rng.chance(p.confChangeRate)) {
        this.confChange();
        const l = this.leader();
        if (l) this.processReady(l);
      }
    }
    if (this.rng.chance(p.faultRate)) this.fault();
    if (this.rng.chance(p.leaderIsolationRate)) {
      // Churn: cut the leader off (or crash it) while it may hold an uncommitted tail.
      const l = this.leader();
      if (l && this.rng.chance(0.5)) this.crash(l);
      else if (l) {
        const ids = [...this.nodes.keys()].filter((id) => id !== l.id);
        this.net.partition([l.id], ids, false);
        this.log(`isolate leader ${l.id}`);
        this.healLater(this.rng.int(30, 400));
      }
    }
  }

  // ------------------------------------------------------------------ the loop

  /** Processes one event; returns false when the queue is empty. */
  private stepOnce(): boolean {
    const e = this.queue.pop();
    if (!e) return false;
    this.now = e.time;
    this.stats.events++;
    switch (e.kind) {
      case 'tick': {
        const n = e.node;
        if (!n.alive || n.incarnation !== e.incarnation) break;
        n.rn!.tick();
        this.processReady(n);
        if (n.alive) this.schedule({ time: this.now + n.tickPeriodMs, seq: 0, kind: 'tick', node: n, incarnation: n.incarnation });
        break;
      }
      case 'msg': {
        const m = e.m;
        if (this.net.isClogged(m)) {
          this.held.push(m);
          break;
        }
        if (this.net.isBlocked(m.from, m.to)) {
          this.stats.dropped++;
          break;
        }
        const n = this.nodes.get(m.to);
        if (!n || !n.alive) break;
        this.log(`deliver ${m.type} ${m.from}->${m.to} t${m.term} i${m.index} lt${m.logTerm} c${m.commit}${m.entries.length ? ` n${m.entries.length}` : ''}${m.reject ? ' reject' : ''}`);
        n.rn!.step(m);
        this.processReady(n);
        break;
      }
      case 'chaos':
        if (this.chaos) {
          this.chaosStep();
          this.schedule({ time: this.now + TICK_MS, seq: 0, kind: 'chaos' });
        }
        break;
      case 'action':
        // Fault actions belong to the chaos phase; calm() already healed everything.
        if (this.chaos) {
          this.log(e.what);
          e.run();
        }
        break;
    }
    this.checkAll();
    return true;
  }

  /** Ends the chaos: heal the network, restart members, retire removed nodes. */
  private calm(): void {
    this.chaos = false;
    this.net.healLinks();
    this.net.faults = CALM_NETWORK;
    for (const id of [...this.net.clogged]) this.unclog(id);
    for (const n of this.nodes.values()) if (!n.alive && !n.retired) this.startNode(n);
    this.log(`calm: members ${this.members()}`);
  }

  /** Liveness: a leader, a fresh write applied everywhere, and the leader's whole log committed. */
  private livenessReached(probe: { id: number; index: number }): boolean {
    const l = this.leader();
    if (!l) return false;
    const lr = l.rn!.raft;
    if (!lr.committedEntryInCurrentTerm()) return false;
    if (probe.id === 0 || probe.index === 0) return false;
    const last = lr.raftLog.lastIndex();
    if (lr.raftLog.committed !== last) return false;
    for (const id of this.members()) {
      const n = this.nodes.get(id)!;
      if (!n.alive) return false;
      const r = n.rn!.raft;
      if (r.raftLog.committed !== last || n.app.applied !== last) return false;
    }
    return probe.index <= last;
  }

  describeMembers(): string {
    const out: string[] = [];
    for (const id of this.members()) {
      const n = this.nodes.get(id)!;
      if (!n.alive) {
        out.push(`${id}: down`);
        continue;
      }
      const r = n.rn!.raft;
      const pr = r.state === 'leader' ? ` [${[...r.trk.progress].map(([pid, p]) => `${pid}:${p.describe()}`).join(', ')}]` : '';
      out.push(`${id}: ${r.state} t${r.term} commit ${r.raftLog.committed}/${r.raftLog.lastIndex()} applied ${n.app.applied}${pr}`);
    }
    return out.join('; ');
  }

  run(): SimResult {
    let failure: string | null = null;
    let kind: SimResult['kind'] = null;
    try {
      const chaosEnd = this.opts.steps * TICK_MS;
      while (this.now < chaosEnd && this.stepOnce()) {
        // chaos phase
      }
      this.calm();
      const start = this.now;
      const deadline = start + LIVENESS_BOUND_TICKS * TICK_MS;
      const probe = { id: 0, index: 0, leader: 0, term: 0 };
      let nextProbeAt = start;
      while (!this.livenessReached(probe)) {
        if (this.now >= deadline) {
          const l = this.leader();
          throw new LivenessFailure(`liveness: no leader with all proposals committed within ${LIVENESS_BOUND_TICKS} ticks after faults stopped (leader ${l ? l.id : 'none'}; ${this.describeMembers()})`);
        }
        if (this.now >= nextProbeAt) {
          nextProbeAt = this.now + 5 * TICK_MS;
          const l = this.leader();
          if (l && (probe.leader !== l.id || probe.term !== l.rn!.raft.term)) {
            const id = this.nextWriteId++;
            try {
              l.rn!.propose(KvApp.encodeWrite(id, 'probe'));
              probe.id = id;
              probe.index = l.rn!.raft.raftLog.lastIndex();
              probe.leader = l.id;
              probe.term = l.rn!.raft.term;
              this.log(`liveness probe w${id} at ${l.id} index ${probe.index}`);
              this.processReady(l);
            } catch (e) {
              if (!(e instanceof ProposalDroppedError)) throw e;
            }
          }
        }
        if (!this.stepOnce()) break;
      }
      this.stats.livenessTicks = Math.ceil((this.now - start) / TICK_MS);
    } catch (e) {
      if (e instanceof SafetyViolation) kind = 'safety';
      else if (e instanceof LivenessFailure) kind = 'liveness';
      else kind = 'crash';
      if (e instanceof AssertionError) failure = `core assertion: ${e.message}`;
      else if (e instanceof SafetyViolation || e instanceof LivenessFailure) failure = e.message;
      else failure = e instanceof Error ? (e.stack ?? e.message) : String(e);
    }
    this.stats.checks = this.checker.checks;
    this.stats.committed = this.checker.maxCommitted;
    this.stats.writesAcked = this.checker.maxAckedWrite;
    this.stats.dropped += this.net.dropped;
    return { seed: this.opts.seed, nodes: this.opts.nodes, steps: this.opts.steps, ok: failure === null, failure, kind, stats: this.stats, trace: this.trace };
  }
}

/** Runs one seed. */
export function simulate(opts: SimOptions): SimResult {
  return new Simulation(opts).run();
}

/** Node count for a seed when not given: 3, 5 and 7 in turn. */
export function nodesForSeed(seed: number): number {
  return [3, 5, 7][Math.abs(seed) % 3];
}

export const DEFAULT_STEPS = 300;

export function replayCommand(r: Pick<SimResult, 'seed' | 'nodes' | 'steps'>, bug?: string): string {
  return `npm run sim -- --seed ${r.seed} --nodes ${r.nodes} --steps ${r.steps}${bug ? ` --bug ${bug}` : ''}`;
}
