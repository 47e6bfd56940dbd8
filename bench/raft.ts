/**
 * Raft core benchmark (npm run bench:raft):
 *  1. proposals/s through an in-memory 3-node cluster, proposals batched (one append and one
 *     MsgApp per follower per batch), messages delivered in-process after each Ready;
 *  2. ticks from leader loss to a new leader over many seeds (no further faults).
 * Targets: >= 300k proposals/s; a new leader within 2 election timeouts in 99% of seeds.
 */
import { RawNode } from '../src/raft/raw-node.js';
import { bootstrapStorage, MemoryStorage } from '../src/raft/storage.js';
import type { Message, NodeId } from '../src/raft/types.js';
import { seededRandom } from '../src/util/random.js';

const ELECTION_TIMEOUT_TICKS = 10;

interface Node {
  rn: RawNode;
  storage: MemoryStorage;
  alive: boolean;
  applied: number;
}

function cluster(n: number, seed: number): Map<NodeId, Node> {
  const nodes = new Map<NodeId, Node>();
  const voters = Array.from({ length: n }, (_, i) => i + 1);
  for (const id of voters) {
    const storage = new MemoryStorage();
    bootstrapStorage(storage, { voters, learners: [] });
    const rn = new RawNode({
      id,
      storage,
      random: seededRandom(seed * 31 + id),
      electionTimeoutTicks: ELECTION_TIMEOUT_TICKS,
      heartbeatTimeoutTicks: 1,
      maxMsgBytes: 1 << 20,
      maxInflightMsgs: 256,
      maxInflightBytes: 64 << 20,
    });
    nodes.set(id, { rn, storage, alive: true, applied: 0 });
  }
  return nodes;
}

/** Processes Readies and delivers messages until the cluster is quiet. */
function drain(nodes: Map<NodeId, Node>): void {
  let queue: Message[] = [];
  for (;;) {
    for (const node of nodes.values()) {
      if (!node.alive) continue;
      const rn = node.rn;
      while (rn.hasReady()) {
        const rd = rn.ready();
        if (rd.snapshot) node.storage.applySnapshot(rd.snapshot);
        if (rd.entries.length) node.storage.append(rd.entries);
        if (rd.hardState) node.storage.setHardState(rd.hardState);
        for (const m of rd.messages) queue.push(m);
        if (rd.committedEntries.length) node.applied = rd.committedEntries[rd.committedEntries.length - 1].index;
        rn.advance();
      }
    }
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    for (const m of batch) {
      const to = nodes.get(m.to);
      if (to && to.alive) to.rn.step(m);
    }
  }
}

function leaderOf(nodes: Map<NodeId, Node>): Node | undefined {
  for (const n of nodes.values()) if (n.alive && n.rn.raft.state === 'leader') return n;
  return undefined;
}

function throughput(totalProposals: number, batch: number, payloadBytes: number): { perSec: number; secs: number } {
  const nodes = cluster(3, 1);
  nodes.get(1)!.rn.campaign();
  drain(nodes);
  const leader = leaderOf(nodes)!;
  const payload = new Uint8Array(payloadBytes);
  const datas: Uint8Array[] = new Array(batch).fill(payload);
  const start = leader.applied;
  const t0 = performance.now();
  let proposed = 0;
  while (proposed < totalProposals) {
    // Two batches in flight per round: pipelining as a busy leader would see it.
    leader.rn.proposeBatch(datas);
    leader.rn.proposeBatch(datas);
    proposed += 2 * batch;
    drain(nodes);
    if ((proposed / batch) % 512 === 0) {
      for (const n of nodes.values()) {
        const at = n.applied - 1000;
        if (at > n.storage.snapshot().metadata.index) {
          n.storage.createSnapshot(at, { voters: [1, 2, 3], learners: [] }, new Uint8Array(0));
          n.storage.compact(at);
        }
      }
    }
  }
  const secs = (performance.now() - t0) / 1000;
  const committed = leader.applied - start;
  if (committed !== proposed) throw new Error(`committed ${committed} of ${proposed}`);
  return { perSec: committed / secs, secs };
}

function ticksToNewLeader(seed: number): number {
  const nodes = cluster(3, seed);
  // Let someone win on timeouts, then let the cluster settle with heartbeats.
  for (let i = 0; i < 200 && !leaderOf(nodes); i++) {
    for (const n of nodes.values()) n.rn.tick();
    drain(nodes);
  }
  for (let i = 0; i < 5; i++) {
    for (const n of nodes.values()) n.rn.tick();
    drain(nodes);
  }
  const old = leaderOf(nodes);
  if (!old) throw new Error(`seed ${seed}: no first leader`);
  old.alive = false;
  // Clocks are not in lockstep and a round trip is much shorter than a tick: each node's tick
  // is followed by delivering what it caused.
  for (let t = 1; t <= 1000; t++) {
    for (const n of nodes.values()) {
      if (!n.alive) continue;
      n.rn.tick();
      drain(nodes);
    }
    if (leaderOf(nodes)) return t;
  }
  throw new Error(`seed ${seed}: no new leader`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const quick = process.argv.includes('--quick');
console.log('raft core benchmark (in-memory, 3 nodes, one process)');
throughput(200_000, 256, 16); // warm-up
for (const [batch, bytes] of [[256, 16], [1024, 16], [256, 128]] as const) {
  const total = quick ? 300_000 : 2_000_000;
  const { perSec, secs } = throughput(total, batch, bytes);
  console.log(`  proposals/s  batch=${String(batch).padStart(4)} payload=${String(bytes).padStart(3)}B: ${Math.round(perSec).toLocaleString('en-US').padStart(10)}  (${total.toLocaleString('en-US')} in ${secs.toFixed(2)}s)  target >= 300,000 ${perSec >= 300_000 ? 'OK' : 'MISSED'}`);
}
const seeds = quick ? 200 : 2000;
const ticks: number[] = [];
for (let s = 1; s <= seeds; s++) ticks.push(ticksToNewLeader(s));
ticks.sort((a, b) => a - b);
const within = ticks.filter((t) => t <= 2 * ELECTION_TIMEOUT_TICKS).length / ticks.length;
console.log(`  leader loss -> new leader over ${seeds} seeds (election timeout ${ELECTION_TIMEOUT_TICKS} ticks): median ${percentile(ticks, 50)}, p99 ${percentile(ticks, 99)}, worst ${ticks[ticks.length - 1]} ticks`);
console.log(`  within 2 election timeouts: ${(within * 100).toFixed(2)}% of seeds  target >= 99% ${within >= 0.99 ? 'OK' : 'MISSED'}`);
