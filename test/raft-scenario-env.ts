/**
 * A tiny interpreter for Raft scenario scripts (in the spirit of etcd's testdata/*.txt):
 *
 *   # comment
 *   command arg arg key=value
 *   ----
 *   expected output (may be empty)
 *
 * Blocks are separated by blank lines. Messages queue in a shared network until delivered
 * (`stabilize`, `deliver-msgs`); partitions drop them at delivery. Every node's Ready is
 * processed as etcd's rules say: persist, then send, then apply.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { UnsafeTestingFaults } from '../src/raft/config.js';
import { ProposalDroppedError } from '../src/raft/errors.js';
import { RawNode } from '../src/raft/raw-node.js';
import { bootstrapStorage, MemoryStorage } from '../src/raft/storage.js';
import { type ConfChangeType, type ConfState, decodeConfChange, fromUtf8, type Message, type NodeId, utf8 } from '../src/raft/types.js';
import { seededRandom } from '../src/util/random.js';

interface EnvNode {
  id: NodeId;
  storage: MemoryStorage;
  rn: RawNode | null;
  applied: string[];
  appliedIndex: number;
  confState: ConfState;
  reads: string[];
  opts: NodeOpts;
}

interface NodeOpts {
  preVote: boolean;
  checkQuorum: boolean;
  maxMsgBytes: number;
  bug?: keyof UnsafeTestingFaults;
  readOnly: 'safe' | 'lease';
}

export interface Block {
  line: number;
  command: string;
  expected: string;
}

export function parseScript(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    if (l.trim() === '' || l.startsWith('#')) {
      i++;
      continue;
    }
    const start = i + 1;
    const command = l.trim();
    i++;
    if (lines[i] !== '----') throw new Error(`line ${i + 1}: expected ---- after "${command}"`);
    i++;
    const out: string[] = [];
    while (i < lines.length && lines[i].trim() !== '') out.push(lines[i++]);
    blocks.push({ line: start, command, expected: out.join('\n') });
  }
  return blocks;
}

export class ScenarioEnv {
  readonly nodes = new Map<NodeId, EnvNode>();
  queue: Message[] = [];
  private readonly blocked = new Set<string>();

  run(command: string): string {
    const [cmd, ...rest] = command.split(/\s+/);
    const kv = new Map<string, string>();
    const args: string[] = [];
    for (const a of rest) {
      const eq = a.indexOf('=');
      if (eq > 0) kv.set(a.slice(0, eq), a.slice(eq + 1));
      else args.push(a);
    }
    const ids = (): NodeId[] => args.filter((a) => /^\d+$/.test(a)).map(Number);
    switch (cmd) {
      case 'add-nodes':
        return this.addNodes(Number(args[0]), kv);
      case 'campaign':
        this.node(ids()[0]).rn!.campaign();
        return this.processAll();
      case 'tick': {
        const n = Number(kv.get('n') ?? '1');
        for (const id of ids()) for (let i = 0; i < n; i++) this.node(id).rn!.tick();
        return this.processAll();
      }
      case 'tick-all': {
        const n = Number(args[0] ?? '1');
        for (let i = 0; i < n; i++) for (const e of this.nodes.values()) if (e.rn) e.rn.tick();
        return this.processAll();
      }
      case 'stabilize':
        return this.stabilize();
      case 'deliver-msgs':
        return this.deliver(kv);
      case 'drop-msgs': {
        const before = this.queue.length;
        this.queue = this.queue.filter((m) => !this.matches(m, kv));
        return `dropped ${before - this.queue.length}`;
      }
      case 'msgs':
        return this.queue.map(describe).join('\n');
      case 'partition': {
        const sep = args.indexOf('/');
        const a = args.slice(0, sep).map(Number);
        const b = args.slice(sep + 1).map(Number);
        for (const x of a) for (const y of b) {
          this.blocked.add(`${x}>${y}`);
          this.blocked.add(`${y}>${x}`);
        }
        return '';
      }
      case 'isolate': {
        const x = ids()[0];
        for (const y of this.nodes.keys()) if (y !== x) {
          this.blocked.add(`${x}>${y}`);
          this.blocked.add(`${y}>${x}`);
        }
        return '';
      }
      case 'heal':
        this.blocked.clear();
        return '';
      case 'propose':
        return this.guard(() => this.node(Number(args[0])).rn!.propose(utf8(args[1])));
      case 'propose-conf-change': {
        const type = ({ 'add-node': 'addNode', 'add-learner': 'addLearner', 'remove-node': 'removeNode' } as Record<string, ConfChangeType>)[args[1]];
        if (!type) throw new Error(`unknown conf change ${args[1]}`);
        return this.guard(() => this.node(Number(args[0])).rn!.proposeConfChange({ type, nodeId: Number(args[2]) }));
      }
      case 'transfer-leader':
        return this.guard(() => this.node(Number(args[0])).rn!.transferLeader(Number(args[1])));
      case 'read-index':
        return this.guard(() => this.node(Number(args[0])).rn!.readIndex(args[1]));
      case 'reads': {
        const e = this.node(ids()[0]);
        const out = e.reads.join('\n');
        e.reads = [];
        return out;
      }
      case 'crash': {
        const e = this.node(ids()[0]);
        e.rn = null;
        this.queue = this.queue.filter((m) => m.to !== e.id);
        return '';
      }
      case 'restart': {
        const e = this.node(ids()[0]);
        this.start(e);
        return this.processAll();
      }
      case 'compact': {
        const e = this.node(ids()[0]);
        const at = Number(args[1] ?? e.appliedIndex);
        e.storage.createSnapshot(at, e.confState, utf8(JSON.stringify(e.applied.slice())));
        e.storage.compact(at);
        return `${e.id} snapshot at ${at}, first index ${e.storage.firstIndex()}`;
      }
      case 'status':
        return (ids().length ? ids() : [...this.nodes.keys()]).map((id) => this.status(id)).join('\n');
      case 'log':
        return this.log(ids()[0]);
      case 'applied': {
        const e = this.node(ids()[0]);
        return `${e.id}: ${e.applied.join(' ')}`;
      }
      default:
        throw new Error(`unknown command ${cmd}`);
    }
  }

  private addNodes(n: number, kv: Map<string, string>): string {
    const list = (k: string): NodeId[] => (kv.get(k) ?? '').replace(/[()]/g, '').split(',').filter(Boolean).map(Number);
    const first = this.nodes.size + 1;
    const voters = kv.has('voters') ? list('voters') : kv.has('learners') ? [] : Array.from({ length: n }, (_, i) => first + i);
    const learners = list('learners');
    const opts: NodeOpts = {
      preVote: kv.get('prevote') !== 'false',
      checkQuorum: kv.get('checkquorum') !== 'false',
      maxMsgBytes: Number(kv.get('max-msg-bytes') ?? 1 << 20),
      bug: kv.get('bug') as keyof UnsafeTestingFaults | undefined,
      readOnly: kv.get('read-only') === 'lease' ? 'lease' : 'safe',
    };
    for (let id = first; id < first + n; id++) {
      const storage = new MemoryStorage();
      if (voters.includes(id) || learners.includes(id)) bootstrapStorage(storage, { voters, learners });
      const e: EnvNode = { id, storage, rn: null, applied: [], appliedIndex: 0, confState: { voters: [], learners: [] }, reads: [], opts };
      this.nodes.set(id, e);
      this.start(e);
    }
    return '';
  }

  private start(e: EnvNode): void {
    const snap = e.storage.snapshot();
    e.appliedIndex = snap.metadata.index;
    e.confState = snap.metadata.confState;
    e.applied = snap.data.byteLength ? (JSON.parse(fromUtf8(snap.data)) as string[]) : [];
    e.rn = new RawNode({
      id: e.id,
      storage: e.storage,
      random: seededRandom(e.id),
      electionTimeoutTicks: 10,
      heartbeatTimeoutTicks: 1,
      applied: snap.metadata.index,
      preVote: e.opts.preVote,
      checkQuorum: e.opts.checkQuorum,
      maxMsgBytes: e.opts.maxMsgBytes,
      maxInflightBytes: 0,
      readOnlyOption: e.opts.readOnly,
      unsafeTestingFaults: e.opts.bug ? { [e.opts.bug]: true } : {},
    });
  }

  private node(id: NodeId): EnvNode {
    const e = this.nodes.get(id);
    if (!e) throw new Error(`no node ${id}`);
    return e;
  }

  private guard(f: () => void): string {
    try {
      f();
    } catch (e) {
      if (e instanceof ProposalDroppedError) return `dropped: ${e.reason}`;
      throw e;
    }
    return this.processAll();
  }

  /** Processes every node's Ready (persist, queue messages, apply). */
  processAll(): string {
    let any = true;
    while (any) {
      any = false;
      for (const e of this.nodes.values()) {
        while (e.rn && e.rn.hasReady()) {
          any = true;
          const rd = e.rn.ready();
          if (rd.snapshot) e.storage.applySnapshot(rd.snapshot);
          if (rd.entries.length) e.storage.append(rd.entries);
          if (rd.hardState) e.storage.setHardState(rd.hardState);
          this.queue.push(...rd.messages);
          if (rd.snapshot) {
            e.applied = rd.snapshot.data.byteLength ? (JSON.parse(fromUtf8(rd.snapshot.data)) as string[]) : [];
            e.appliedIndex = rd.snapshot.metadata.index;
            e.confState = rd.snapshot.metadata.confState;
          }
          for (const ent of rd.committedEntries) {
            if (ent.type === 'confChange') e.confState = e.rn.applyConfChange(decodeConfChange(ent.data));
            else if (ent.data.byteLength) e.applied.push(fromUtf8(ent.data));
            e.appliedIndex = ent.index;
          }
          for (const rs of rd.readStates) e.reads.push(`${rs.requestCtx} at index ${rs.index}`);
          e.rn.advance();
        }
      }
    }
    return '';
  }

  private deliverOne(m: Message): void {
    const e = this.nodes.get(m.to);
    if (!e || !e.rn || this.blocked.has(`${m.from}>${m.to}`)) return;
    e.rn.step(m);
  }

  private stabilize(): string {
    this.processAll();
    for (let rounds = 0; this.queue.length > 0; rounds++) {
      if (rounds > 10_000) throw new Error('stabilize did not converge');
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) this.deliverOne(m);
      this.processAll();
    }
    return '';
  }

  private matches(m: Message, kv: Map<string, string>): boolean {
    if (kv.has('from') && m.from !== Number(kv.get('from'))) return false;
    if (kv.has('to') && m.to !== Number(kv.get('to'))) return false;
    if (kv.has('type') && m.type !== kv.get('type')) return false;
    return true;
  }

  /** Delivers the queued messages matching the filter (one pass); prints them. */
  private deliver(kv: Map<string, string>): string {
    const take = this.queue.filter((m) => this.matches(m, kv));
    this.queue = this.queue.filter((m) => !this.matches(m, kv));
    const out: string[] = [];
    for (const m of take) {
      const cut = this.blocked.has(`${m.from}>${m.to}`) || !this.nodes.get(m.to)?.rn;
      out.push(`${describe(m)}${cut ? ' (dropped)' : ''}`);
      this.deliverOne(m);
    }
    this.processAll();
    return out.join('\n');
  }

  status(id: NodeId): string {
    const e = this.node(id);
    if (!e.rn) return `${id}: down`;
    const s = e.rn.status();
    const cs = s.confState;
    return `${id}: ${s.state} term=${s.term} lead=${s.lead} commit=${s.commit} applied=${e.appliedIndex} last=${s.lastIndex} voters=(${cs.voters.join(',')})${cs.learners.length ? ` learners=(${cs.learners.join(',')})` : ''}`;
  }

  log(id: NodeId): string {
    const e = this.node(id);
    const out: string[] = [];
    const first = e.storage.firstIndex();
    if (first > 1) out.push(`snapshot ${first - 1}@${e.storage.term(first - 1)}`);
    for (const ent of e.storage.entries(first, e.storage.lastIndex() + 1, Infinity)) {
      const what = ent.type === 'confChange' ? `conf ${JSON.stringify(decodeConfChange(ent.data))}` : ent.data.byteLength ? fromUtf8(ent.data) : '(empty)';
      out.push(`${ent.index}@${ent.term} ${what}`);
    }
    return out.join('\n');
  }
}

function describe(m: Message): string {
  let s = `${m.type} ${m.from}->${m.to} term=${m.term}`;
  if (m.type === 'MsgApp') s += ` prev=${m.index}@${m.logTerm} commit=${m.commit} entries=[${m.entries.map((e) => `${e.index}@${e.term}`).join(' ')}]`;
  else if (m.type === 'MsgAppResp') s += ` index=${m.index}${m.reject ? ` reject hint=${m.rejectHint}@${m.logTerm}` : ''}`;
  else if (m.type === 'MsgVote' || m.type === 'MsgPreVote') s += ` last=${m.index}@${m.logTerm}`;
  else if (m.reject) s += ' reject';
  return s;
}

/** Runs a script; returns the script text with actual outputs (equal to the input when it passes). */
export function runScript(text: string): { actual: string; mismatches: string[] } {
  const env = new ScenarioEnv();
  const out: string[] = [];
  const mismatches: string[] = [];
  const lines = text.split('\n');
  const blocks = parseScript(text);
  let cursor = 0;
  for (const b of blocks) {
    // Copy comments and blank lines before this block verbatim.
    while (cursor < b.line - 1) out.push(lines[cursor++]);
    const got = env.run(b.command).replace(/\n+$/, '');
    if (got !== b.expected) mismatches.push(`line ${b.line}: ${b.command}\n--- expected\n${b.expected}\n--- got\n${got}`);
    out.push(b.command, '----');
    if (got !== '') out.push(got);
    cursor = b.line + 1 + (b.expected === '' ? 0 : b.expected.split('\n').length);
  }
  while (cursor < lines.length) out.push(lines[cursor++]);
  return { actual: out.join('\n'), mismatches };
}

export function runScriptFile(path: string, rewrite: boolean): string[] {
  const text = readFileSync(path, 'utf8');
  const { actual, mismatches } = runScript(text);
  if (rewrite && actual !== text) writeFileSync(path, actual);
  return rewrite ? [] : mismatches;
}
