/**
 * Crash recovery, end to end: the real CLI process is killed with SIGKILL at random moments and
 * started again on the same directory.
 *
 * 1. appendfsync always: several clients write (SET, HSET, INCRBY on private and shared counters,
 *    RPUSH and ZADD of two elements at once, MULTI/EXEC over two keys), pipelined, recording a
 *    write as acknowledged only once its reply arrived; in about half the rounds a BGREWRITEAOF
 *    runs under the writes. After each restart, every client's
 *    persisted writes must be a prefix of what it issued (one connection, one order) that
 *    includes every acknowledged write; no command or transaction is half-applied; shared
 *    counters lie between the acknowledged and the issued sums. Seeded: the seed is printed on
 *    failure and CRASH_SEED=<n> replays the same choices (the kill moments still race the server).
 * 2. appendfsync everysec: after the replies and a 2 s pause, a kill loses nothing.
 * 3. AOF damage: a torn last command is dropped (aof-load-truncated yes) and the file cut back,
 *    or refused with the file named (no); a bit flipped inside a value is caught by the #CRC:
 *    annotation (the error names the file, the byte offset and concord-check-aof --fix) and
 *    concord-check-aof --fix repairs it; without annotations the flip goes unseen, as in Redis.
 * 4. A kill during BGSAVE leaves the previous dump.rdb loadable and whole; a kill during
 *    BGREWRITEAOF leaves an AOF directory that loads every key.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RespClient, isError, showReply, type Reply } from './helpers/resp-client.js';
import { failedStart, launchConcord, makeTempDir, removeDir, stopAllNodes, type ConcordNode } from './helpers/restart.js';
import { CONCORD_BIN, freePort } from './helpers/servers.js';
import { runProcess, sleep, waitUntil, prng } from './helpers/util.js';

const CHECK_AOF_BIN = join(dirname(CONCORD_BIN), 'check-aof.js');

// ---------------------------------------------------------------------------------------------
// Small tools


function seedFromEnv(): number {
  const fromEnv = process.env.CRASH_SEED;
  return fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

async function ok(c: RespClient, ...args: string[]): Promise<Reply> {
  const r = await c.call(...args);
  if (isError(r)) throw new Error(`${args.slice(0, 3).join(' ')}: ${r.error}`);
  return r;
}

async function info(c: RespClient, section = 'persistence'): Promise<Map<string, string>> {
  const text = (await ok(c, 'INFO', section)) as string;
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1));
  }
  return fields;
}

/** Sends `count` keys as pipelined MSET batches; resolves once every reply arrived. */
async function bulkLoad(c: RespClient, count: number, key: (i: number) => string, value: (i: number) => string): Promise<void> {
  const BATCH = 1000;
  const replies: Promise<Reply>[] = [];
  for (let i = 0; i < count; i += BATCH) {
    const args = ['MSET'];
    for (let j = i; j < Math.min(count, i + BATCH); j++) args.push(key(j), value(j));
    replies.push(c.call(...args));
  }
  for (const r of await Promise.all(replies)) assert.equal(r, 'OK');
}

/** MGET of many keys, in batches. */
async function mget(c: RespClient, keys: string[]): Promise<(string | null)[]> {
  const BATCH = 1000;
  const parts: Promise<Reply>[] = [];
  for (let i = 0; i < keys.length; i += BATCH) parts.push(ok(c, 'MGET', ...keys.slice(i, i + BATCH)));
  return (await Promise.all(parts)).flatMap((r) => r as (string | null)[]);
}

/** The incr files the manifest lists, in order (names only). */
function incrFiles(dir: string): string[] {
  const manifest = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
  const out: string[] = [];
  for (const line of manifest.split('\n')) {
    const m = /^file (\S+) seq \d+ type i$/.exec(line.trim());
    if (m !== null) out.push(m[1]);
  }
  return out;
}

function lastIncrPath(dir: string): string {
  const files = incrFiles(dir);
  assert.ok(files.length > 0, 'the manifest lists an incr file');
  return join(dir, 'appendonlydir', files[files.length - 1]);
}

const dirsToClean: string[] = [];

function tempDir(): string {
  const d = makeTempDir();
  dirsToClean.push(d);
  return d;
}

/** A node on `dir`; stopAllNodes() (in after) kills any a failed test left running. */
function launch(port: number, dir: string, extra: string[]): Promise<ConcordNode> {
  return launchConcord(port, dir, extra);
}

after(async () => {
  await stopAllNodes();
  for (const d of dirsToClean) removeDir(d);
});

// ---------------------------------------------------------------------------------------------
// The crash workload: what each client issued and what came back

type Op =
  | { kind: 'set'; key: string; value: string }
  | { kind: 'hset'; key: string; field: string; value: string }
  | { kind: 'incrby'; key: string; by: number }
  | { kind: 'shared'; key: string; by: number }
  | { kind: 'rpush'; key: string; elems: [string, string] }
  | { kind: 'zadd'; key: string; members: [[number, string], [number, string]] }
  | { kind: 'tx'; counter: string; log: string; elem: string };

const WORKERS = 4;
/** Commands (a transaction counts as one) a client keeps in flight. */
const PIPELINE_DEPTH = 3;
const STRING_SLOTS = 6;
const HASH_FIELDS = 6;
const SHARED_COUNTERS = 2;
/** Bound on the ops one client issues in one round (the kill normally comes much earlier). */
const OPS_PER_ROUND_MAX = 20_000;

const keysOf = (w: number) => ({
  strings: Array.from({ length: STRING_SLOTS }, (_, s) => `str:${w}:${s}`),
  hash: `hash:${w}`,
  counter: `ctr:${w}`,
  list: `list:${w}`,
  zset: `zset:${w}`,
  txCounter: `tx:${w}:n`,
  txLog: `tx:${w}:log`,
});
const SHARED_KEYS = Array.from({ length: SHARED_COUNTERS }, (_, j) => `ctr:shared:${j}`);

/** What the server holds for the workload's keys. */
interface State {
  strings: Map<string, string | null>;
  hashes: Map<string, Map<string, string>>;
  counters: Map<string, number>;
  lists: Map<string, string[]>;
  zsets: Map<string, Array<[string, number]>>;
}

async function readState(c: RespClient): Promise<State> {
  const st: State = { strings: new Map(), hashes: new Map(), counters: new Map(), lists: new Map(), zsets: new Map() };
  const num = (r: Reply): number => (r === null ? 0 : Number(r));
  for (let w = 0; w < WORKERS; w++) {
    const k = keysOf(w);
    const [strs, hash, ctr, list, zset, txn, txlog] = await Promise.all([
      ok(c, 'MGET', ...k.strings),
      ok(c, 'HGETALL', k.hash),
      ok(c, 'GET', k.counter),
      ok(c, 'LRANGE', k.list, '0', '-1'),
      ok(c, 'ZRANGE', k.zset, '0', '-1', 'WITHSCORES'),
      ok(c, 'GET', k.txCounter),
      ok(c, 'LRANGE', k.txLog, '0', '-1'),
    ]);
    k.strings.forEach((key, i) => st.strings.set(key, (strs as (string | null)[])[i]));
    const fields = new Map<string, string>();
    const flat = hash as string[];
    for (let i = 0; i < flat.length; i += 2) fields.set(flat[i], flat[i + 1]);
    st.hashes.set(k.hash, fields);
    st.counters.set(k.counter, num(ctr));
    st.counters.set(k.txCounter, num(txn));
    st.lists.set(k.list, list as string[]);
    st.lists.set(k.txLog, txlog as string[]);
    const zflat = zset as string[];
    const pairs: Array<[string, number]> = [];
    for (let i = 0; i < zflat.length; i += 2) pairs.push([zflat[i], Number(zflat[i + 1])]);
    st.zsets.set(k.zset, pairs);
  }
  const shared = (await ok(c, 'MGET', ...SHARED_KEYS)) as (string | null)[];
  SHARED_KEYS.forEach((key, i) => st.counters.set(key, num(shared[i])));
  return st;
}

interface WorkerRound {
  ops: Op[];
  /** Ops whose reply arrived (a prefix: replies come in order). */
  acked: number;
}

class Workload {
  private seq = 0;
  /** An error reply or a malformed reply: the test fails on it (a lost connection is expected). */
  unexpected: Error | null = null;
  stopped = false;

  constructor(private readonly rnd: () => number) {}

  private pick(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  next(w: number): Op {
    const k = keysOf(w);
    const s = ++this.seq;
    switch (this.pick(7)) {
      case 0:
        return { kind: 'set', key: k.strings[this.pick(STRING_SLOTS)], value: `v${s}` };
      case 1:
        return { kind: 'hset', key: k.hash, field: `f${this.pick(HASH_FIELDS)}`, value: `h${s}` };
      case 2:
        return { kind: 'incrby', key: k.counter, by: 1 + this.pick(5) };
      case 3:
        return { kind: 'shared', key: SHARED_KEYS[this.pick(SHARED_COUNTERS)], by: 1 + this.pick(3) };
      case 4:
        return { kind: 'rpush', key: k.list, elems: [`e${s}a`, `e${s}b`] };
      case 5:
        // Scores grow with seq, across rounds too: ZRANGE lists members in the order they came.
        return { kind: 'zadd', key: k.zset, members: [[2 * s, `m${s}a`], [2 * s + 1, `m${s}b`]] };
      default:
        return { kind: 'tx', counter: k.txCounter, log: k.txLog, elem: `t${s}` };
    }
  }

  /** Sends one op; resolves when its reply arrived and looks right. */
  private async send(c: RespClient, op: Op): Promise<void> {
    const expect = (r: Reply, check: (r: Reply) => boolean): void => {
      if (!check(r)) {
        this.unexpected ??= new Error(`unexpected reply ${showReply(r)} to ${JSON.stringify(op)}`);
        throw this.unexpected;
      }
    };
    const isInt = (r: Reply): boolean => typeof r === 'number';
    switch (op.kind) {
      case 'set':
        return expect(await c.call('SET', op.key, op.value), (r) => r === 'OK');
      case 'hset':
        return expect(await c.call('HSET', op.key, op.field, op.value), isInt);
      case 'incrby':
      case 'shared':
        return expect(await c.call('INCRBY', op.key, String(op.by)), isInt);
      case 'rpush':
        return expect(await c.call('RPUSH', op.key, ...op.elems), isInt);
      case 'zadd':
        return expect(await c.call('ZADD', op.key, ...op.members.flatMap(([s, m]) => [String(s), m])), (r) => r === 2);
      case 'tx': {
        const replies = [c.call('MULTI'), c.call('INCR', op.counter), c.call('RPUSH', op.log, op.elem), c.call('EXEC')];
        const [multi, q1, q2, exec] = await Promise.all(replies);
        return expect([multi, q1, q2, exec], () =>
          multi === 'OK' && q1 === 'QUEUED' && q2 === 'QUEUED' && Array.isArray(exec) && exec.length === 2 && isInt(exec[0]) && isInt(exec[1]));
      }
    }
  }

  /** Issues ops on `c` until the connection dies (the kill) or the round's bound is reached. */
  async run(c: RespClient, w: number, round: WorkerRound): Promise<void> {
    const inflight: Promise<void>[] = [];
    try {
      while (!this.stopped && round.ops.length < OPS_PER_ROUND_MAX) {
        const i = round.ops.length;
        const op = this.next(w);
        round.ops.push(op); // issued: recorded before a byte leaves
        inflight.push(this.send(c, op).then(() => {
          round.acked = Math.max(round.acked, i + 1);
        }));
        if (inflight.length >= PIPELINE_DEPTH) await inflight.shift();
      }
    } catch {
      // the connection died with the node
    }
    await Promise.allSettled(inflight);
  }
}

/**
 * Checks the state after a restart against the state before the round and what each client
 * issued and had acknowledged. Each client's persisted ops must be a prefix of its ops (of some
 * length m, acked <= m <= issued) that explains every key it touched at once.
 */
function verifyRound(before: State, afterState: State, rounds: WorkerRound[]): void {
  for (let w = 0; w < WORKERS; w++) {
    const { ops, acked } = rounds[w];
    let lo = acked;
    let hi = ops.length;
    const why: string[] = [];
    /** `touching`: indexes (in ops) of the ops on one key; `p`: how many of them persisted. */
    const narrow = (what: string, touching: number[], p: number): void => {
      const from = p === 0 ? 0 : touching[p - 1] + 1;
      const to = p === touching.length ? ops.length : touching[p];
      why.push(`${what}: ${p}/${touching.length} persisted -> prefix in [${from}, ${to}]`);
      lo = Math.max(lo, from);
      hi = Math.min(hi, to);
    };
    const indexes = (pred: (op: Op) => boolean): number[] => ops.flatMap((op, i) => (pred(op) ? [i] : []));
    const k = keysOf(w);

    // Strings: the value is the base value or one written in this round.
    for (const key of k.strings) {
      const touching = indexes((op) => op.kind === 'set' && op.key === key);
      const written = touching.map((i) => (ops[i] as { value: string }).value);
      const now = afterState.strings.get(key) ?? null;
      const p = now === (before.strings.get(key) ?? null) ? 0 : written.lastIndexOf(now ?? '') + 1;
      assert.ok(p > 0 || now === (before.strings.get(key) ?? null), `client ${w}: ${key} holds ${String(now)}, never written`);
      narrow(key, touching, p);
    }
    // Hash fields, the same way.
    for (let f = 0; f < HASH_FIELDS; f++) {
      const field = `f${f}`;
      const touching = indexes((op) => op.kind === 'hset' && op.field === field && op.key === k.hash);
      const written = touching.map((i) => (ops[i] as { value: string }).value);
      const was = before.hashes.get(k.hash)?.get(field) ?? null;
      const now = afterState.hashes.get(k.hash)?.get(field) ?? null;
      const p = now === was ? 0 : written.lastIndexOf(now ?? '') + 1;
      assert.ok(p > 0 || now === was, `client ${w}: ${k.hash} ${field} holds ${String(now)}, never written`);
      narrow(`${k.hash}.${field}`, touching, p);
    }
    // The private counter: its growth is the sum of a prefix of the increments.
    {
      const touching = indexes((op) => op.kind === 'incrby');
      const grown = afterState.counters.get(k.counter)! - before.counters.get(k.counter)!;
      let sum = 0;
      let p = 0;
      while (p < touching.length && sum < grown) sum += (ops[touching[p++]] as { by: number }).by;
      assert.equal(sum, grown, `client ${w}: ${k.counter} grew by ${grown}, not the sum of a prefix of its increments`);
      narrow(k.counter, touching, p);
    }
    // Lists (two elements per RPUSH) and the zset (two members per ZADD): the old content, then
    // the elements of a prefix of the pushes, whole.
    const prefixOfPushes = (what: string, old: string[], now: string[], touching: number[], elems: (op: Op) => string[]): void => {
      assert.deepEqual(now.slice(0, old.length), old, `client ${w}: ${what} lost elements it had before the round`);
      const added = now.slice(old.length);
      const issued = touching.flatMap((i) => elems(ops[i]));
      assert.deepEqual(added, issued.slice(0, added.length), `client ${w}: ${what} holds elements out of issue order`);
      const per = touching.length > 0 ? elems(ops[touching[0]]).length : 1;
      assert.equal(added.length % per, 0, `client ${w}: ${what}: a command is half-applied (${added.length} elements added)`);
      narrow(what, touching, added.length / per);
    };
    prefixOfPushes(k.list, before.lists.get(k.list)!, afterState.lists.get(k.list)!,
      indexes((op) => op.kind === 'rpush'), (op) => (op as { elems: string[] }).elems);
    {
      const now = afterState.zsets.get(k.zset)!;
      for (const [m, s] of now) assert.equal(s, Number(/^m(\d+)/.exec(m)![1]) * 2 + (m.endsWith('b') ? 1 : 0), `client ${w}: ${k.zset} ${m} has score ${s}`);
      prefixOfPushes(k.zset, before.zsets.get(k.zset)!.map(([m]) => m), now.map(([m]) => m),
        indexes((op) => op.kind === 'zadd'), (op) => (op as { members: [number, string][] }).members.map(([, m]) => m));
    }
    // The transaction: INCR and RPUSH together or not at all.
    {
      const touching = indexes((op) => op.kind === 'tx');
      const oldLog = before.lists.get(k.txLog)!;
      const log = afterState.lists.get(k.txLog)!;
      prefixOfPushes(k.txLog, oldLog, log, touching, (op) => [(op as { elem: string }).elem]);
      const counted = afterState.counters.get(k.txCounter)! - before.counters.get(k.txCounter)!;
      assert.equal(counted, log.length - oldLog.length, `client ${w}: a MULTI/EXEC is half-applied: ${k.txCounter} grew by ${counted}, ${k.txLog} by ${log.length - oldLog.length}`);
    }
    assert.ok(lo <= hi, `client ${w}: no prefix of its ${ops.length} ops (${acked} acknowledged) explains the state:\n  ${why.join('\n  ')}`);
  }
  // Shared counters: at least the acknowledged increments, at most the issued ones.
  for (const key of SHARED_KEYS) {
    let ackedSum = 0;
    let issuedSum = 0;
    for (const { ops, acked } of rounds) {
      ops.forEach((op, i) => {
        if (op.kind !== 'shared' || op.key !== key) return;
        issuedSum += op.by;
        if (i < acked) ackedSum += op.by;
      });
    }
    const grown = afterState.counters.get(key)! - before.counters.get(key)!;
    assert.ok(grown >= ackedSum && grown <= issuedSum, `${key} grew by ${grown}: acknowledged ${ackedSum}, issued ${issuedSum}`);
  }
}

// ---------------------------------------------------------------------------------------------

describe('crash recovery with the append-only file', () => {
  it('appendfsync always: kill -9 at random moments loses no acknowledged write and half-applies nothing', async (t) => {
    const KILLS = 8;
    const seed = seedFromEnv();
    const rnd = prng(seed);
    const dir = tempDir();
    const port = await freePort();
    const args = ['--appendonly', 'yes', '--appendfsync', 'always'];
    const load = new Workload(rnd);
    let before: State | null = null;
    let lastRound: WorkerRound[] = [];
    let totalAcked = 0;
    let rewrites = 0;
    let node: ConcordNode | null = null;
    try {
      for (let round = 0; round <= KILLS; round++) {
        node = await launch(port, dir, args);
        const probe = await RespClient.connect(port);
        const state = await readState(probe);
        probe.close();
        if (before !== null) verifyRound(before, state, lastRound);
        before = state;
        if (round === KILLS) break;

        const rounds: WorkerRound[] = Array.from({ length: WORKERS }, () => ({ ops: [], acked: 0 }));
        const clients = await Promise.all(Array.from({ length: WORKERS }, () => RespClient.connect(port)));
        const running = clients.map((c, w) => load.run(c, w, rounds[w]));
        const ackedNow = (): number => rounds.reduce((n, r) => n + r.acked, 0);
        // A random moment: after some writes went through, plus a random delay.
        const minAcked = 5 + Math.floor(rnd() * 300);
        const delayMs = Math.floor(rnd() * 60);
        // Every other round or so, an AOF rewrite runs under the writes (and may be killed too).
        const admin = await RespClient.connect(port);
        const rewriting = rnd() < 0.5 ? (async () => {
          await waitUntil(() => ackedNow() >= minAcked / 2 || load.unexpected !== null, 10_000, 'writes before the rewrite');
          const r = await admin.call('BGREWRITEAOF').catch(() => null);
          if (r !== null && isError(r)) throw new Error(`BGREWRITEAOF: ${r.error}`);
          rewrites++;
        })() : Promise.resolve();
        await waitUntil(() => ackedNow() >= minAcked || load.unexpected !== null, 10_000, `${minAcked} acknowledged writes`);
        if (delayMs > 0) await sleep(delayMs);
        await node.crash();
        await Promise.all([...running, rewriting]);
        for (const c of [...clients, admin]) c.close();
        if (load.unexpected !== null) throw load.unexpected;
        totalAcked += ackedNow();
        lastRound = rounds;
      }
      t.diagnostic(`seed ${seed}: ${KILLS} kills, ${rewrites} rewrites under load, ${totalAcked} acknowledged writes checked`);

      // After the last restart the directory is clean: a graceful stop, then redis-check-aof agrees.
      await node!.stop();
      const check = await runProcess('redis-check-aof', [join(dir, 'appendonlydir', 'appendonly.aof.manifest')]);
      assert.equal(check.code, 0, `redis-check-aof: ${check.stdout.toString()}${check.stderr}`);
      assert.match(check.stdout.toString(), /valid/);
    } catch (err) {
      const e = err as Error;
      e.message = `[CRASH_SEED=${seed}] ${e.message}\n--- last node output ---\n${node?.output() ?? ''}`;
      throw e;
    }
  });

  it('appendfsync everysec: after the replies and a 2 s pause, a kill loses nothing', async () => {
    const dir = tempDir();
    const port = await freePort();
    const args = ['--appendonly', 'yes', '--appendfsync', 'everysec'];
    let node = await launch(port, dir, args);
    const c = await RespClient.connect(port);
    const N = 2000;
    const replies: Promise<Reply>[] = [];
    for (let i = 0; i < N; i++) replies.push(c.call('SET', `k:${i}`, `v:${i}`));
    replies.push(c.call('RPUSH', 'list', ...Array.from({ length: 100 }, (_, i) => String(i))));
    replies.push(c.call('INCRBY', 'counter', '41'), c.call('INCR', 'counter'));
    const got = await Promise.all(replies);
    assert.ok(got.every((r) => !isError(r)), 'every write succeeded');
    c.close();
    // The point of the test is the time window: everysec fsyncs at least once a second.
    await sleep(2000);
    await node.crash();

    node = await launch(port, dir, args);
    const d = await RespClient.connect(port);
    const values = await mget(d, Array.from({ length: N }, (_, i) => `k:${i}`));
    values.forEach((v, i) => assert.equal(v, `v:${i}`, `k:${i} after the kill`));
    assert.deepEqual(await d.call('LRANGE', 'list', '0', '-1'), Array.from({ length: 100 }, (_, i) => String(i)));
    assert.equal(await d.call('GET', 'counter'), '42');
    assert.equal(await d.call('DBSIZE'), N + 2);
    d.close();
    await node.stop();
  });
});

describe('writes reach the kernel before their replies leave', () => {
  // Redis writes the AOF buffer (write(2), no fsync) in beforeSleep, before the replies of the
  // same event-loop turn go out, so a process kill loses no acknowledged write under any
  // appendfsync policy; only an OS crash can (up to about a second with everysec). Concord holds
  // a turn's replies until that turn's write (server.deliver, AofWriter.mustHoldReplies).
  it('appendfsync no and everysec: a kill right after the replies loses nothing', async () => {
    const N = 2000;
    for (const policy of ['no', 'everysec', 'no', 'everysec']) {
      const dir = tempDir();
      const port = await freePort();
      const args = ['--appendonly', 'yes', '--appendfsync', policy];
      let node = await launch(port, dir, args);
      const c = await RespClient.connect(port);
      const replies: Promise<Reply>[] = [];
      for (let i = 0; i < N; i++) replies.push(c.call('SET', `k:${i}`, 'v'));
      await replies[N - 1];
      node.child.kill('SIGKILL'); // at once: every reply has arrived
      await node.crash();
      c.close();
      node = await launch(port, dir, args);
      const d = await RespClient.connect(port);
      assert.equal(await d.call('DBSIZE'), N, `appendfsync ${policy}: acknowledged writes lost to a process kill`);
      d.close();
      await node.stop();
    }
  });
});

describe('damaged append-only files', () => {
  const args = ['--appendonly', 'yes', '--appendfsync', 'always'];

  /** A directory whose AOF holds a few commands, written by a node that then stopped cleanly. */
  async function writtenDir(extra: string[] = [], bigValue = 'A'.repeat(200)): Promise<{ dir: string; port: number }> {
    const dir = tempDir();
    const port = await freePort();
    const node = await launch(port, dir, [...args, ...extra]);
    const c = await RespClient.connect(port);
    // One command per event-loop turn: each gets its own write and #CRC: annotation.
    await ok(c, 'SET', 'a', '1');
    await ok(c, 'RPUSH', 'l', 'x', 'y');
    await ok(c, 'SET', 'big', bigValue);
    await ok(c, 'SET', 'c', '3');
    c.close();
    await node.stop();
    return { dir, port };
  }

  /** Ways a crash mid-write leaves the end of the last incr file (all writes are one write() a batch). */
  const TORN_TAILS: Array<{ what: string; tear: (incr: string, goodSize: number) => void; cutTo: (goodSize: number) => number }> = [
    {
      what: 'half a command',
      tear: (incr) => appendFileSync(incr, '*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$10\r\nhalf'),
      cutTo: (good) => good,
    },
    {
      what: 'a MULTI without its EXEC (whole commands, all dropped)',
      tear: (incr) => appendFileSync(incr, '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$1\r\n1\r\n*2\r\n$4\r\nINCR\r\n$1\r\na\r\n'),
      cutTo: (good) => good,
    },
    {
      // The batch's commands are whole, its annotation is cut: Concord keeps the commands (as
      // Redis, which ignores annotations, would) and cuts the file at the annotation.
      what: 'a torn #CRC: line',
      tear: (incr, good) => truncateSync(incr, good - 10),
      cutTo: (good) => good - 23,
    },
  ];

  for (const tail of TORN_TAILS) {
    it(`a torn tail (${tail.what}) is dropped at start and the file cut back (aof-load-truncated yes)`, async () => {
      const { dir, port } = await writtenDir();
      const incr = lastIncrPath(dir);
      const goodSize = statSync(incr).size;
      tail.tear(incr, goodSize);
      const node = await launch(port, dir, args);
      assert.match(node.output(), /short read/i);
      assert.match(node.output(), /aof-load-truncated/);
      assert.equal(statSync(incr).size, tail.cutTo(goodSize), 'the torn tail is cut off the file');
      const c = await RespClient.connect(port);
      assert.equal(await c.call('GET', 'a'), '1', 'an unfinished transaction is not half-applied');
      assert.deepEqual(await c.call('LRANGE', 'l', '0', '-1'), ['x', 'y']);
      assert.equal(await c.call('GET', 'c'), '3');
      assert.equal(await c.call('EXISTS', 'torn'), 0);
      // Appending after the cut continues a valid file (the checksum resumes where the cut is).
      await ok(c, 'SET', 'after', 'yes');
      c.close();
      await node.stop();
      const check = await runProcess('redis-check-aof', [join(dir, 'appendonlydir', 'appendonly.aof.manifest')]);
      assert.equal(check.code, 0, check.stdout.toString());
      const again = await launch(port, dir, args);
      assert.doesNotMatch(again.output(), /short read/i);
      const d = await RespClient.connect(port);
      assert.equal(await d.call('GET', 'after'), 'yes');
      assert.equal(await d.call('GET', 'c'), '3');
      d.close();
      await again.stop();
    });
  }

  it('a torn last command stops the start with aof-load-truncated no, naming the file', async () => {
    const { dir, port } = await writtenDir();
    const incr = lastIncrPath(dir);
    appendFileSync(incr, '*2\r\n$3\r\nDEL\r\n$1');
    const sizeBefore = statSync(incr).size;
    const { code, output } = await failedStart(port, dir, [...args, '--aof-load-truncated', 'no']);
    assert.notEqual(code, 0);
    assert.ok(output.includes('appendonly.aof.1.incr.aof'), `the error names the file:\n${output}`);
    assert.equal(statSync(incr).size, sizeBefore, 'the file is left alone');
  });

  it('a bit flipped inside a value is caught by the #CRC: annotation; concord-check-aof --fix repairs', async () => {
    const { dir, port } = await writtenDir();
    const incr = lastIncrPath(dir);
    const bytes = readFileSync(incr);
    const text = bytes.toString('latin1');
    assert.ok(text.startsWith('#CRC:0000000000000000\r\n'), 'a fresh file opens with the empty range annotated');
    const flipAt = text.indexOf('A'.repeat(200)) + 100;
    assert.ok(flipAt > 100);
    bytes[flipAt] ^= 0x01; // 'A' -> '@': RESP framing intact
    writeFileSync(incr, bytes);
    // The damaged range starts right after the annotation that closes the previous batch.
    const prevCrc = text.lastIndexOf('#CRC:', flipAt);
    const rangeStart = text.indexOf('\r\n', prevCrc) + 2;

    // Real Redis cannot see it (framing is intact): redis-check-aof calls the file valid.
    const redisCheck = await runProcess('redis-check-aof', [join(dir, 'appendonlydir', 'appendonly.aof.manifest')]);
    assert.equal(redisCheck.code, 0, redisCheck.stdout.toString());

    const { code, output } = await failedStart(port, dir, args);
    assert.notEqual(code, 0);
    assert.ok(output.includes('appendonly.aof.1.incr.aof'), `names the file:\n${output}`);
    assert.ok(output.includes(`byte offset ${rangeStart}`), `names the byte offset ${rangeStart}:\n${output}`);
    assert.ok(output.includes('concord-check-aof --fix'), `names the repair command:\n${output}`);

    const manifest = join(dir, 'appendonlydir', 'appendonly.aof.manifest');
    const check = await runProcess(process.execPath, [CHECK_AOF_BIN, manifest]);
    assert.equal(check.code, 1, check.stdout.toString());
    assert.match(check.stdout.toString(), /not valid/);
    const fix = await runProcess(process.execPath, [CHECK_AOF_BIN, '--fix', '--yes', manifest]);
    assert.equal(fix.code, 0, fix.stdout.toString());
    assert.equal(statSync(incr).size, rangeStart, 'cut at the start of the damaged range');

    const node = await launch(port, dir, args);
    const c = await RespClient.connect(port);
    assert.equal(await c.call('GET', 'a'), '1');
    assert.deepEqual(await c.call('LRANGE', 'l', '0', '-1'), ['x', 'y']);
    assert.equal(await c.call('EXISTS', 'big'), 0, 'the damaged batch is dropped');
    assert.equal(await c.call('EXISTS', 'c'), 0, 'and what came after it');
    c.close();
    await node.stop();
  });

  it('without annotations (aof-checksum no) the same flip loads unseen, as in Redis', async () => {
    const { dir, port } = await writtenDir(['--aof-checksum', 'no']);
    const incr = lastIncrPath(dir);
    const bytes = readFileSync(incr);
    assert.ok(!bytes.toString('latin1').includes('#CRC:'), 'no annotation written');
    const flipAt = bytes.toString('latin1').indexOf('A'.repeat(200)) + 100;
    bytes[flipAt] ^= 0x01;
    writeFileSync(incr, bytes);
    const node = await launch(port, dir, [...args, '--aof-checksum', 'no']);
    const c = await RespClient.connect(port);
    assert.equal(await c.call('GET', 'big'), `${'A'.repeat(100)}@${'A'.repeat(99)}`);
    assert.equal(await c.call('GET', 'c'), '3');
    c.close();
    await node.stop();
  });
});

describe('an AOF write the disk cuts short', () => {
  it('retries only the bytes that did not reach the file: the reply waits, new writes get MISCONF, nothing is written twice', async () => {
    const dir = tempDir();
    const port = await freePort();
    // No preallocated space: the batch below must grow the file to meet the size limit.
    const args = ['--appendonly', 'yes', '--appendfsync', 'always', '--aof-prealloc-size', '0'];
    const node = await launch(port, dir, args);
    const c = await RespClient.connect(port);
    const probe = await RespClient.connect(port);
    await ok(c, 'SET', 'before', '1');
    const incr = lastIncrPath(dir);
    // A file-size limit (RLIMIT_FSIZE, which Node survives: it ignores SIGXFSZ) 10 bytes into the
    // next batch: its write() stops there, and the retries get EFBIG until the limit is lifted.
    const limit = statSync(incr).size + 10;
    const pid = String(node.child.pid);
    const lower = await runProcess('prlimit', ['--pid', pid, `--fsize=${limit}:unlimited`]);
    assert.equal(lower.code, 0, lower.stderr);
    const held = c.call('SET', 'held', 'v'.repeat(100));
    // The probe waits for the cut-short write first: a command of its own in the held SET's turn
    // would be held with it.
    await waitUntil(async () => statSync(incr).size === limit, 5000, 'the write to stop at the limit');
    const refused = await probe.call('SET', 'refused', 'x');
    assert.ok(isError(refused) && refused.error.startsWith('MISCONF Errors writing to the AOF file'), showReply(refused));
    assert.equal((await info(probe)).get('aof_last_write_status'), 'err', 'INFO answers meanwhile');
    assert.equal(await probe.call('GET', 'before'), '1', 'and reads');
    const early = await Promise.race([held.then(() => 'replied'), sleep(300).then(() => 'waiting')]);
    assert.equal(early, 'waiting', 'no reply before its bytes are durable');
    const lift = await runProcess('prlimit', ['--pid', pid, '--fsize=unlimited:unlimited']);
    assert.equal(lift.code, 0, lift.stderr);
    assert.equal(await held, 'OK');
    await waitUntil(async () => (await probe.call('SET', 'after', '2')) === 'OK', 5000, 'writes accepted again');
    c.close();
    probe.close();
    await node.stop();

    const manifest = join(dir, 'appendonlydir', 'appendonly.aof.manifest');
    const check = await runProcess(process.execPath, [CHECK_AOF_BIN, manifest]);
    assert.equal(check.code, 0, `the file reads back whole:\n${check.stdout.toString()}`);
    const again = await launch(port, dir, args);
    const d = await RespClient.connect(port);
    assert.deepEqual(await mget(d, ['before', 'held', 'refused', 'after']), ['1', 'v'.repeat(100), null, '2']);
    d.close();
    await again.stop();
  });
});

describe('a kill during a background job', () => {
  const KEYS = 200_000;
  /** Kills per test, each at a random moment from the job's start to a bit past its usual end. */
  const ROUNDS = 3;
  const key = (i: number): string => `key:${i}`;
  const allKeys = Array.from({ length: KEYS }, (_, i) => key(i));

  it('while the dataset loads, commands get -LOADING, never partial data', async (t) => {
    const LOADING_KEYS = 100_000;
    const dir = tempDir();
    const port = await freePort();
    const args = ['--appendonly', 'yes'];
    let node = await launch(port, dir, args);
    const c = await RespClient.connect(port);
    // One SET a key: the replay yields to clients every so many commands (one MSET of a
    // thousand keys is one command, replayed in one go).
    const WINDOW = 2000;
    for (let i = 0; i < LOADING_KEYS; i += WINDOW) {
      const replies = Array.from({ length: WINDOW }, (_, j) => c.call('SET', key(i + j), `v:${i + j}`));
      for (const r of await Promise.all(replies)) assert.equal(r, 'OK');
    }
    c.close();
    await node.stop();

    const starting = launch(port, dir, args); // spawns at once; resolves after loading
    let d: RespClient | null = null;
    await waitUntil(async () => {
      d = await RespClient.connect(port).catch(() => null);
      return d !== null;
    }, 10_000, 'the port to accept connections');
    const client = d! as RespClient;
    const LOADING = 'LOADING Redis is loading the dataset in memory';
    let loadingReplies = 0;
    const deadline = Date.now() + 20_000;
    for (;;) {
      assert.ok(Date.now() < deadline, 'loading never ended');
      const [last, size] = await Promise.all([client.call('GET', key(LOADING_KEYS - 1)), client.call('DBSIZE')]);
      let done = 0;
      for (const [reply, good] of [[last, `v:${LOADING_KEYS - 1}`], [size, LOADING_KEYS]] as const) {
        if (isError(reply)) {
          assert.equal(reply.error, LOADING);
          loadingReplies++;
        } else {
          assert.equal(reply, good, 'no partial data before loading ends');
          done++;
        }
      }
      if (done === 2) break;
      await sleep(5);
    }
    node = await starting;
    t.diagnostic(`${loadingReplies} -LOADING replies before the ${LOADING_KEYS} keys were in`);
    client.close();
    await node.stop();
  });

  it('kill -9 during BGSAVE: the previous dump.rdb loads whole, temp files do not get in the way', async (t) => {
    const seed = seedFromEnv();
    const rnd = prng(seed);
    const dir = tempDir();
    const port = await freePort();
    let node = await launch(port, dir, []);
    let c = await RespClient.connect(port);
    await bulkLoad(c, KEYS, key, (i) => `v0:${i}`);
    assert.equal(await ok(c, 'SAVE'), 'OK');
    /** What dump.rdb holds: the value of each key, and the round markers. */
    let dumped = Array.from({ length: KEYS }, (_, i) => `v0:${i}`);
    const savedRounds = new Set<number>();
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        // Changes the interrupted BGSAVE would save, and a marker that says whether it did.
        const current = dumped.slice();
        const changed = Array.from({ length: 1000 }, (_, j) => (j * 199 + round) % KEYS);
        for (const i of changed) current[i] = `v${round}:${i}`;
        await ok(c, 'MSET', ...changed.flatMap((i) => [key(i), current[i]]));
        await ok(c, 'SET', `marker:${round}`, '1');
        const [bg, inf] = await Promise.all([c.call('BGSAVE'), info(c)]);
        assert.equal(bg, 'Background saving started');
        assert.equal(inf.get('rdb_bgsave_in_progress'), '1');
        await sleep(Math.floor(rnd() * 120));
        const stillRunning = (await info(c)).get('rdb_bgsave_in_progress') === '1';
        await node.crash();
        c.close();
        const leftovers = readdirSync(dir).filter((f) => f !== 'dump.rdb');

        node = await launch(port, dir, []);
        c = await RespClient.connect(port);
        const saved = (await c.call('EXISTS', `marker:${round}`)) === 1;
        t.diagnostic(`seed ${seed} round ${round}: killed ${stillRunning ? 'during' : 'after'} BGSAVE, ` +
          `${saved ? 'new' : 'previous'} dump loaded; files left: ${leftovers.join(', ') || 'none'}`);
        if (saved) {
          dumped = current;
          savedRounds.add(round);
        }
        assert.equal(await c.call('DBSIZE'), KEYS + savedRounds.size);
        const values = await mget(c, allKeys);
        values.forEach((v, i) => {
          if (v !== dumped[i]) assert.fail(`${key(i)} is ${String(v)}, expected ${dumped[i]} (${saved ? 'new' : 'previous'} dump)`);
        });
        // The markers present are exactly those of the saves that completed.
        for (let m = 1; m <= round; m++) assert.equal(await c.call('EXISTS', `marker:${m}`), savedRounds.has(m) ? 1 : 0, `marker:${m}`);
      }
      // The next BGSAVE works in the same directory.
      assert.equal(await c.call('BGSAVE'), 'Background saving started');
      await waitUntil(async () => (await info(c)).get('rdb_bgsave_in_progress') === '0', 30_000, 'BGSAVE to end');
      assert.equal((await info(c)).get('rdb_last_bgsave_status'), 'ok');
      c.close();
      await node.stop();
    } catch (err) {
      (err as Error).message = `[CRASH_SEED=${seed}] ${(err as Error).message}\n--- node output ---\n${node.output()}`;
      throw err;
    }
  });

  it('kill -9 during BGREWRITEAOF: the AOF directory loads every key, acknowledged writes during the rewrite too', async (t) => {
    const seed = seedFromEnv();
    const rnd = prng(seed);
    const dir = tempDir();
    const port = await freePort();
    const args = ['--appendonly', 'yes', '--appendfsync', 'always'];
    let node = await launch(port, dir, args);
    let c = await RespClient.connect(port);
    await bulkLoad(c, KEYS, key, (i) => `v:${i}`);
    const leftovers = new Set<string>();
    let extraKeys = 0;
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        // A writer that keeps going through the rewrite until the kill.
        const writer = await RespClient.connect(port);
        let issued = 0;
        let acked = 0;
        let badReply: string | null = null;
        const writing = (async () => {
          while (issued < 50_000) {
            const i = issued++;
            let r: Reply;
            try {
              r = await writer.call('SET', `during:${round}:${i}`, String(i));
            } catch {
              return; // the connection died with the node
            }
            if (r !== 'OK') {
              badReply = `SET during:${round}:${i}: ${showReply(r)}`;
              return;
            }
            acked = i + 1;
          }
        })();
        await waitUntil(() => acked >= 20, 10_000, 'writes before the rewrite');
        const [bg, inf] = await Promise.all([c.call('BGREWRITEAOF'), info(c)]);
        assert.equal(bg, 'Background append only file rewriting started');
        assert.equal(inf.get('aof_rewrite_in_progress'), '1');
        await sleep(Math.floor(rnd() * 250));
        const stillRunning = (await info(c)).get('aof_rewrite_in_progress') === '1';
        await node.crash();
        await writing;
        c.close();
        writer.close();
        assert.equal(badReply, null);
        const files = readdirSync(join(dir, 'appendonlydir'));
        for (const f of files) if (f.startsWith('temp-')) leftovers.add(f);
        t.diagnostic(`seed ${seed} round ${round}: killed ${stillRunning ? 'during' : 'after'} BGREWRITEAOF with ${acked}/${issued} writes acknowledged; files: ${files.join(', ')}`);

        node = await launch(port, dir, args);
        c = await RespClient.connect(port);
        const values = await mget(c, allKeys);
        values.forEach((v, i) => {
          if (v !== `v:${i}`) assert.fail(`${key(i)} is ${String(v)} after the restart`);
        });
        const during = await mget(c, Array.from({ length: issued }, (_, i) => `during:${round}:${i}`));
        const persisted = during.findIndex((v) => v === null);
        const n = persisted < 0 ? issued : persisted;
        assert.ok(n >= acked, `only ${n} of ${acked} acknowledged writes during the rewrite survived`);
        during.forEach((v, i) => assert.equal(v, i < n ? String(i) : null, `during:${round}:${i}`));
        extraKeys += n;
        assert.equal(await c.call('DBSIZE'), KEYS + extraKeys);
      }

      // A new rewrite completes on this directory, and the result loads again.
      assert.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
      await waitUntil(async () => (await info(c)).get('aof_rewrite_in_progress') === '0', 30_000, 'BGREWRITEAOF to end');
      assert.equal((await info(c)).get('aof_last_bgrewrite_status'), 'ok');
      c.close();
      await node.stop();
      // The crashed processes' temp files stay (Redis leaves its own too); the clean rewrite adds none.
      const files = readdirSync(join(dir, 'appendonlydir')).sort();
      assert.deepEqual(files.filter((f) => f.startsWith('temp-') && !leftovers.has(f)), [], `temp files after a clean rewrite: ${files.join(', ')}`);
      assert.deepEqual(files.filter((f) => !f.startsWith('temp-')).length, 3, `one base, one incr, the manifest: ${files.join(', ')}`);
      node = await launch(port, dir, args);
      const e = await RespClient.connect(port);
      assert.equal(await e.call('DBSIZE'), KEYS + extraKeys);
      e.close();
      await node.stop();
      const check = await runProcess('redis-check-aof', [join(dir, 'appendonlydir', 'appendonly.aof.manifest')]);
      assert.equal(check.code, 0, check.stdout.toString());
    } catch (err) {
      (err as Error).message = `[CRASH_SEED=${seed}] ${(err as Error).message}\n--- node output ---\n${node.output()}`;
      throw err;
    }
  });
});
