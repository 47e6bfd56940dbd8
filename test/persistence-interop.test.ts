/**
 * Persistence files across Concord's CLI and a real redis-server 7.0, end to end: one writes
 * through commands, the other starts on a copy of its directory, and both are read back through
 * commands (GET, LRANGE, SMEMBERS sorted, HGETALL sorted, ZRANGE WITHSCORES, PTTL within a
 * tolerance, in every db used), never through DUMP.
 *
 * (a) Concord SAVE -> dump.rdb -> redis-server.
 * (b) Concord appendonly yes, BGREWRITEAOF halfway with writes during it -> appendonlydir ->
 *     redis-server --appendonly yes.
 * (c) redis-server (small listpack/intset/quicklist encodings, compressed quicklist nodes, LZF
 *     strings, BGREWRITEAOF halfway) -> Concord, from dump.rdb and from appendonlydir.
 * (d) BGSAVE of 100k keys while clients write strings and a mutator moves elements between
 *     collections (LMOVE, SMOVE, ZINCRBY, MULTI/EXEC): redis-server loads the file; keys nobody
 *     wrote keep their values, each client's writes in the file are a prefix of what it issued
 *     (everything acknowledged before BGSAVE, nothing sent after its reply), and the collections
 *     equal a JS model of the mutator at one instant (copy-on-write at key granularity).
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RespClient, isError, showReply, type Reply } from './helpers/resp-client.js';
import { launchConcord, makeTempDir, removeDir, stopAllNodes, type ConcordNode } from './helpers/restart.js';
import { freePort, startRedis, type ServerProcess } from './helpers/servers.js';
import { waitUntil, prng, randomBytes } from './helpers/util.js';

// ---------------------------------------------------------------------------------------------
// Tools



async function ok(c: RespClient, ...args: string[]): Promise<Reply> {
  const r = await c.call(...args);
  if (isError(r)) throw new Error(`${args.slice(0, 3).join(' ').slice(0, 200)}: ${r.error}`);
  return r;
}

async function info(c: RespClient): Promise<Map<string, string>> {
  const text = (await ok(c, 'INFO', 'persistence')) as string;
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1));
  }
  return fields;
}

async function jobsIdle(c: RespClient): Promise<boolean> {
  const f = await info(c);
  return f.get('rdb_bgsave_in_progress') === '0' && f.get('aof_rewrite_in_progress') === '0' && f.get('aof_rewrite_scheduled') === '0';
}

const dirsToClean: string[] = [];
const redisToStop: ServerProcess[] = [];

/** A copy of `dir` (a data directory) in a fresh temp dir this file removes at the end. */
function copyOf(dir: string): string {
  const to = makeTempDir('concord-interop-');
  dirsToClean.push(to);
  cpSync(dir, to, { recursive: true });
  return to;
}

function tempDir(): string {
  const d = makeTempDir('concord-interop-');
  dirsToClean.push(d);
  return d;
}

/** redis-server on `dir` (its own temp dir is replaced: the last --dir wins). */
async function redisOn(dir: string, extra: string[] = []): Promise<ServerProcess> {
  const r = await startRedis(['--dir', dir, ...extra]);
  redisToStop.push(r);
  return r;
}

after(async () => {
  await stopAllNodes();
  await Promise.all(redisToStop.map((r) => r.stop()));
  for (const d of dirsToClean) removeDir(d);
});

// ---------------------------------------------------------------------------------------------
// The dataset, as commands, and a canonical view of a server's keyspace

const DBS = [0, 1, 5, 15];
const EXPIRY_TOLERANCE_MS = 60_000;

/** Commands grouped by db; split in two halves so a rewrite can run between them. */
function fixture(): Array<{ db: number; cmds: string[][] }> {
  const rnd = prng(7_150_015);
  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).latin1Slice(0, 256);
  const chunked = (cmd: string, key: string, items: string[], per = 500): string[][] => {
    const out: string[][] = [];
    for (let i = 0; i < items.length; i += per) out.push([cmd, key, ...items.slice(i, i + per)]);
    return out;
  };
  const db0: string[][] = [
    // strings: binary, int-like (int encodings), not-quite-int, long compressible (LZF), random
    ['SET', 's:bin', allBytes],
    ['SET', 's:crlf', 'a\r\nb\x00\xff\x80'],
    ['SET', 's:int', '12345'],
    ['SET', 's:int8', '-7'],
    ['SET', 's:int32', '2147483647'],
    ['SET', 's:int64', '-9223372036854775808'],
    ['SET', 's:notint', '007'],
    ['SET', 's:negzero', '-0'],
    ['SET', 's:huge', '123456789012345678901234567890'],
    ['SET', 's:float', '3.14'],
    ['SET', 's:empty', ''],
    ['SET', 's:lzf', 'abcdefgh'.repeat(2000)],
    ['SET', 's:random', randomBytes(rnd, 5000)],
    ['SET', '\x00\xffkey\r\n', 'binary key'],
    ['INCRBY', 's:counter', '41'],
    ['INCR', 's:counter'],
    ['APPEND', 's:appended', 'x'.repeat(100)],
    // lists: small (listpack), big with ints and strings (quicklist, several nodes), fat elements
    ['RPUSH', 'l:small', 'a', 'b', '1', '-5', '', allBytes.slice(0, 40)],
    ...chunked('RPUSH', 'l:big', Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? String(i * 7919 - 30_000) : `e${i}`))),
    ['RPUSH', 'l:fat', 'y'.repeat(10_000), randomBytes(rnd, 9000), '42'],
    ['LPUSH', 'l:small', 'head'],
    // sets: intset (16/32/64-bit), too many ints, strings small and big
    ['SADD', 'set:int16', '1', '300', '-300'],
    ['SADD', 'set:int32', '70000', '-70000', '5'],
    ['SADD', 'set:int64', '1', '9223372036854775807', '-9223372036854775808'],
    ...chunked('SADD', 'set:bigints', Array.from({ length: 1000 }, (_, i) => String(i * 31 - 5000))),
    ['SADD', 'set:str', 'a', 'b', 'c', allBytes.slice(100, 130)],
    ...chunked('SADD', 'set:big', Array.from({ length: 700 }, (_, i) => `m${i}`)),
    ['SADD', 'set:popped', 'only'],
    ['SPOP', 'set:popped'],
    // hashes: small (listpack), big (hashtable), a long value (hashtable)
    ['HSET', 'h:small', 'f1', 'v1', 'n', '123', '', 'empty field', 'bin', allBytes.slice(0, 60)],
    ...chunked('HSET', 'h:big', Array.from({ length: 600 }, (_, i) => [`field${i}`, i % 2 === 0 ? String(i) : `v${i}`]).flat()),
    ['HSET', 'h:longvalue', 'f', 'x'.repeat(100), 'g', '1'],
    ['HINCRBY', 'h:small', 'n', '7'],
    // sorted sets: inf, -inf, fractions, a big one (skiplist), a long member
    ['ZADD', 'z:small', '1', 'a', '-2.5', 'b', '0.1', 'c', 'inf', 'pinf', '-inf', 'ninf', '1e300', 'big', '3.141592653589793', 'pi'],
    ...chunked('ZADD', 'z:big', Array.from({ length: 300 }, (_, i) => [String(i / 7 - 20), `member${i}`]).flat()),
    ['ZADD', 'z:longmember', '3', 'm'.repeat(100), '3', 'x'],
    ['ZINCRBY', 'z:small', '0.25', 'a'],
    // expiries in the future, relative and absolute
    ['SET', 'x:str', 'expires', 'PX', '3600000'],
    ['RPUSH', 'x:list', '1', '2'],
    ['PEXPIRE', 'x:list', '7200000'],
    ['HSET', 'x:hash', 'a', 'b'],
    ['EXPIREAT', 'x:hash', String(Math.floor(Date.now() / 1000) + 86_400)],
    ['ZADD', 'x:zset', '1', 'a'],
    ['PEXPIRE', 'x:zset', '600000'],
    ['SADD', 'x:set', '1', '2', '3'],
    ['EXPIRE', 'x:set', '1800'],
    ['SET', 'x:persisted', 'v', 'EX', '100'],
    ['PERSIST', 'x:persisted'],
    // deleted keys stay deleted
    ['SET', 'gone', 'v'],
    ['DEL', 'gone'],
  ];
  return [
    { db: 0, cmds: db0 },
    { db: 1, cmds: [['SET', 's:int', 'db 1 has its own'], ['ZADD', 'z', '1.5', 'x', '2.5', 'y'], ['PEXPIRE', 'z', '5000000']] },
    { db: 5, cmds: [['SADD', 'set', '5', '55', '555'], ['HSET', 'h', 'k', 'v'], ['RPUSH', 'l', 'five']] },
    { db: 15, cmds: [['RPUSH', 'l', 'db', '15'], ['SET', 's', 'fifteen', 'PX', '9000000']] },
  ];
}

/** Runs the fixture's commands on `c`; `part` picks the first or second half of each db's list. */
async function runFixture(c: RespClient, part: 'first' | 'second' | 'all'): Promise<void> {
  for (const { db, cmds } of fixture()) {
    const half = Math.ceil(cmds.length / 2);
    const slice = part === 'all' ? cmds : part === 'first' ? cmds.slice(0, half) : cmds.slice(half);
    await ok(c, 'SELECT', String(db));
    for (const cmd of slice) await ok(c, ...cmd);
  }
  await ok(c, 'SELECT', '0');
}

interface KeyView {
  type: string;
  value: unknown;
  pttl: number;
}

function parseScore(text: string): number {
  if (text === 'inf' || text === '+inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return Number(text);
}

/** Every key of `db`: type, content in a canonical order, PTTL. */
async function viewDb(c: RespClient, db: number): Promise<Map<string, KeyView>> {
  await ok(c, 'SELECT', String(db));
  const keys = ((await ok(c, 'KEYS', '*')) as string[]).sort();
  const out = new Map<string, KeyView>();
  await Promise.all(keys.map(async (key) => {
    const [type, pttl] = (await Promise.all([ok(c, 'TYPE', key), ok(c, 'PTTL', key)])) as [string, number];
    let value: unknown;
    switch (type) {
      case 'string':
        value = await ok(c, 'GET', key);
        break;
      case 'list':
        value = await ok(c, 'LRANGE', key, '0', '-1');
        break;
      case 'set':
        value = ((await ok(c, 'SMEMBERS', key)) as string[]).sort();
        break;
      case 'hash': {
        const flat = (await ok(c, 'HGETALL', key)) as string[];
        const pairs: string[][] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
        value = pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        break;
      }
      case 'zset': {
        const flat = (await ok(c, 'ZRANGE', key, '0', '-1', 'WITHSCORES')) as string[];
        const pairs: Array<[string, number]> = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], parseScore(flat[i + 1])]);
        value = pairs;
        break;
      }
      default:
        throw new Error(`unexpected type ${type} of ${JSON.stringify(key)}`);
    }
    out.set(key, { type, value, pttl });
  }));
  await ok(c, 'SELECT', '0');
  return out;
}

async function viewAll(c: RespClient): Promise<Map<number, Map<string, KeyView>>> {
  const all = new Map<number, Map<string, KeyView>>();
  for (const db of DBS) all.set(db, await viewDb(c, db));
  return all;
}

/** Asserts two views hold the same keys, types and contents, and TTLs within the tolerance. */
function assertSameData(actual: Map<number, Map<string, KeyView>>, expected: Map<number, Map<string, KeyView>>, what: string): void {
  for (const db of DBS) {
    const a = actual.get(db)!;
    const e = expected.get(db)!;
    assert.deepEqual([...a.keys()].sort(), [...e.keys()].sort(), `${what}: the keys of db ${db}`);
    for (const [key, ev] of e) {
      const av = a.get(key)!;
      const name = `${what}: db ${db} ${JSON.stringify(key).slice(0, 60)}`;
      assert.equal(av.type, ev.type, `${name}: type`);
      assert.deepEqual(av.value, ev.value, `${name}: value`);
      if (ev.pttl < 0) {
        assert.equal(av.pttl, ev.pttl, `${name}: no TTL`);
      } else {
        assert.ok(av.pttl > 0 && Math.abs(av.pttl - ev.pttl) <= EXPIRY_TOLERANCE_MS, `${name}: PTTL ${av.pttl}, expected about ${ev.pttl}`);
      }
    }
  }
}

/** The fixture's expected shape, checked once so the comparisons below compare something. */
function assertFixtureShape(view: Map<number, Map<string, KeyView>>): void {
  const db0 = view.get(0)!;
  assert.equal(db0.get('s:counter')?.value, '42');
  assert.equal((db0.get('l:big')?.value as string[]).length, 3000);
  assert.equal(db0.get('set:popped'), undefined);
  assert.equal(db0.get('gone'), undefined);
  assert.equal(db0.get('x:persisted')?.pttl, -1);
  assert.ok(db0.get('x:hash')!.pttl > 80_000_000);
  assert.deepEqual((db0.get('z:small')?.value as Array<[string, number]>).slice(0, 2), [['ninf', -Infinity], ['b', -2.5]]);
  assert.equal(view.get(15)!.size, 2);
}

// ---------------------------------------------------------------------------------------------

describe('Concord files load in redis-server 7.0', () => {
  it('(a) dump.rdb written by SAVE', async () => {
    const dir = tempDir();
    const node = await launchConcord(await freePort(), dir);
    const c = await RespClient.connect(node.port);
    await runFixture(c, 'all');
    assert.equal(await ok(c, 'SAVE'), 'OK');
    const expected = await viewAll(c);
    assertFixtureShape(expected);
    c.close();
    await node.stop();

    const redis = await redisOn(copyOf(dir), ['--sanitize-dump-payload', 'yes']);
    assert.match(redis.output(), /DB loaded from disk/);
    const r = await RespClient.connect(redis.port);
    assertSameData(await viewAll(r), expected, 'redis-server loading Concord\'s dump.rdb');
    r.close();
    await redis.stop();
  });

  it('(b) appendonlydir, with a BGREWRITEAOF halfway and writes during it', async () => {
    const dir = tempDir();
    const node = await launchConcord(await freePort(), dir, ['--appendonly', 'yes']);
    const c = await RespClient.connect(node.port);
    await runFixture(c, 'first');
    assert.equal(await ok(c, 'BGREWRITEAOF'), 'Background append only file rewriting started');
    await runFixture(c, 'second');
    await waitUntil(() => jobsIdle(c), 30_000, 'the rewrite to end');
    assert.equal((await info(c)).get('aof_last_bgrewrite_status'), 'ok');
    await ok(c, 'SET', 'after-rewrite', 'yes');
    const expected = await viewAll(c);
    assertFixtureShape(expected);
    c.close();
    await node.stop();

    const redis = await redisOn(copyOf(dir), ['--appendonly', 'yes', '--sanitize-dump-payload', 'yes']);
    assert.match(redis.output(), /DB loaded from append only file/);
    const r = await RespClient.connect(redis.port);
    assertSameData(await viewAll(r), expected, 'redis-server loading Concord\'s appendonlydir');
    r.close();
    await redis.stop();
  });
});

describe('redis-server 7.0 files load in Concord', () => {
  it('(c) dump.rdb and appendonlydir, with Redis\'s compact encodings', async () => {
    // list-compress-depth 1: quicklist nodes past the ends are LZF-compressed in the RDB too.
    const redis = await startRedis(['--appendonly', 'yes', '--list-compress-depth', '1']);
    redisToStop.push(redis);
    const r = await RespClient.connect(redis.port);
    await runFixture(r, 'first');
    assert.equal(await ok(r, 'BGREWRITEAOF'), 'Background append only file rewriting started');
    await waitUntil(() => jobsIdle(r), 30_000, 'Redis\'s rewrite to end');
    await runFixture(r, 'second');
    assert.equal(await ok(r, 'SAVE'), 'OK');
    const expected = await viewAll(r);
    assertFixtureShape(expected);
    const copy = copyOf(redis.dir);
    r.close();
    await redis.stop();
    // Both forms in Redis's directory: an RDB-preamble base and a non-empty incr file.
    const manifest = readFileSync(join(copy, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
    const base = /^file (\S+\.base\.rdb) seq \d+ type b$/m.exec(manifest);
    const incr = /^file (\S+\.incr\.aof) seq \d+ type i$/m.exec(manifest);
    assert.ok(base !== null && incr !== null, manifest);
    assert.equal(readFileSync(join(copy, 'appendonlydir', base[1])).subarray(0, 5).toString('latin1'), 'REDIS');
    assert.ok(statSync(join(copy, 'appendonlydir', incr[1])).size > 0, 'the second half went to the incr file');

    // From dump.rdb (appendonly off: the AOF directory is ignored).
    {
      const node = await launchConcord(await freePort(), copyOf(copy));
      assert.match(node.output(), /Loading RDB produced by version 7\.0/);
      const c = await RespClient.connect(node.port);
      assertSameData(await viewAll(c), expected, 'Concord loading Redis\'s dump.rdb');
      c.close();
      await node.stop();
    }
    // From appendonlydir (the base is an RDB preamble with compact encodings, then RESP).
    {
      const node = await launchConcord(await freePort(), copyOf(copy), ['--appendonly', 'yes']);
      assert.match(node.output(), /DB loaded from append only file/);
      const c = await RespClient.connect(node.port);
      assertSameData(await viewAll(c), expected, 'Concord loading Redis\'s appendonlydir');
      c.close();
      await node.stop();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// (d): a mutator moves elements between collections (LMOVE, SMOVE, ZINCRBY, a MULTI/EXEC
// transfer between two hashes); a JS model of its effects says what the file must hold after
// each prefix of its ops.

const LISTS = 8;
const SETS = 6;
const ZSETS = 4;
const HASHES = 4;
const HASH_FIELDS = 10;

interface CollModel {
  lists: string[][];
  sets: Set<string>[];
  zsets: Map<string, number>[];
  hashes: number[][];
}

type MutOp =
  | { kind: 'lmove'; from: number; to: number }
  | { kind: 'smove'; from: number; to: number; member: string }
  | { kind: 'zincrby'; z: number; member: string; by: number }
  | { kind: 'transfer'; from: number; to: number; field: number; amount: number };

function initialCollections(): CollModel {
  return {
    lists: Array.from({ length: LISTS }, (_, j) => Array.from({ length: 50 }, (_, k) => `c${j}:${k}`)),
    sets: Array.from({ length: SETS }, (_, j) => new Set(Array.from({ length: 40 }, (_, k) => `s${j}:${k}`))),
    zsets: Array.from({ length: ZSETS }, (_, j) => new Map(Array.from({ length: 30 }, (_, k) => [`z${j}:${k}`, k] as [string, number]))),
    hashes: Array.from({ length: HASHES }, () => Array.from({ length: HASH_FIELDS }, () => 1000)),
  };
}

/** The commands that create collection `kind` number `j` as initialCollections() has it. */
function createCollection(m: CollModel, kind: 'l' | 's' | 'z' | 'h', j: number): string[] {
  switch (kind) {
    case 'l': return ['RPUSH', `cl:${j}`, ...m.lists[j]];
    case 's': return ['SADD', `cs:${j}`, ...m.sets[j]];
    case 'z': return ['ZADD', `cz:${j}`, ...[...m.zsets[j]].flatMap(([mem, sc]) => [String(sc), mem])];
    case 'h': return ['HSET', `ch:${j}`, ...m.hashes[j].flatMap((v, f) => [`f${f}`, String(v)])];
  }
}

function applyMutation(m: CollModel, op: MutOp): void {
  switch (op.kind) {
    case 'lmove': {
      const e = m.lists[op.from].shift();
      if (e !== undefined) m.lists[op.to].push(e);
      return;
    }
    case 'smove':
      if (m.sets[op.from].delete(op.member)) m.sets[op.to].add(op.member);
      return;
    case 'zincrby':
      m.zsets[op.z].set(op.member, (m.zsets[op.z].get(op.member) ?? 0) + op.by);
      return;
    case 'transfer':
      m.hashes[op.from][op.field] -= op.amount;
      m.hashes[op.to][op.field] += op.amount;
      return;
  }
}

function mutationCommands(op: MutOp): string[][] {
  switch (op.kind) {
    case 'lmove': return [['LMOVE', `cl:${op.from}`, `cl:${op.to}`, 'LEFT', 'RIGHT']];
    case 'smove': return [['SMOVE', `cs:${op.from}`, `cs:${op.to}`, op.member]];
    case 'zincrby': return [['ZINCRBY', `cz:${op.z}`, String(op.by), op.member]];
    case 'transfer': return [
      ['MULTI'],
      ['HINCRBY', `ch:${op.from}`, `f${op.field}`, String(-op.amount)],
      ['HINCRBY', `ch:${op.to}`, `f${op.field}`, String(op.amount)],
      ['EXEC'],
    ];
  }
}

/** A canonical text of the collections (sets sorted, zsets by score then member). */
function canonical(m: CollModel): string {
  return JSON.stringify({
    lists: m.lists,
    sets: m.sets.map((s) => [...s].sort()),
    zsets: m.zsets.map((z) => [...z].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))),
    hashes: m.hashes,
  });
}

async function readCollections(c: RespClient): Promise<string> {
  const m: CollModel = { lists: [], sets: [], zsets: [], hashes: [] };
  for (let j = 0; j < LISTS; j++) m.lists.push((await ok(c, 'LRANGE', `cl:${j}`, '0', '-1')) as string[]);
  for (let j = 0; j < SETS; j++) m.sets.push(new Set((await ok(c, 'SMEMBERS', `cs:${j}`)) as string[]));
  for (let j = 0; j < ZSETS; j++) {
    const flat = (await ok(c, 'ZRANGE', `cz:${j}`, '0', '-1', 'WITHSCORES')) as string[];
    const z = new Map<string, number>();
    for (let i = 0; i < flat.length; i += 2) z.set(flat[i], parseScore(flat[i + 1]));
    m.zsets.push(z);
  }
  for (let j = 0; j < HASHES; j++) {
    const values = (await ok(c, 'HMGET', `ch:${j}`, ...Array.from({ length: HASH_FIELDS }, (_, f) => `f${f}`))) as string[];
    m.hashes.push(values.map(Number));
  }
  return canonical(m);
}

describe('BGSAVE while clients write', () => {
  it('(d) the file is one instant of each client\'s writes, collections copied on write, untouched keys intact', async (t) => {
    const KEYS = 100_000;
    const WRITERS = 3;
    const OPS_MAX = 20_000;
    const MUTATIONS_MAX = 5000;
    const DEPTH = 8; // commands a client keeps in flight
    const dir = tempDir();
    const node: ConcordNode = await launchConcord(await freePort(), dir);
    const c = await RespClient.connect(node.port);
    const key = (i: number): string => `key:${i}`;
    const loadKeys = async (from: number, to: number): Promise<void> => {
      const replies: Promise<Reply>[] = [];
      for (let i = from; i < to; i += 1000) {
        const args = ['MSET'];
        for (let j = i; j < Math.min(to, i + 1000); j++) args.push(key(j), `orig:${j}`);
        replies.push(c.call(...args));
      }
      for (const r of await Promise.all(replies)) assert.equal(r, 'OK');
    };
    // Half of the collections come first in the keyspace, half last: the walk meets some
    // before the mutator changes them and some after.
    const initial = initialCollections();
    const create = async (odd: boolean): Promise<void> => {
      for (const [kind, n] of [['l', LISTS], ['s', SETS], ['z', ZSETS], ['h', HASHES]] as const) {
        for (let j = odd ? 1 : 0; j < n; j += 2) await ok(c, ...createCollection(initial, kind, j));
      }
    };
    await create(false);
    await loadKeys(0, KEYS);
    await create(true);

    const rnd = prng(99);
    let stop = false;
    let bad: string | null = null;

    // String writers: each overwrites keys of its own slice of the keyspace or creates new keys.
    interface Writer { ops: Array<{ key: string; value: string }>; acked: number }
    const writers: Writer[] = Array.from({ length: WRITERS }, () => ({ ops: [], acked: 0 }));
    const clients = await Promise.all(writers.map(() => RespClient.connect(node.port)));
    const running = writers.map(async (w, n) => {
      const slice = KEYS / WRITERS;
      const inflight: Promise<void>[] = [];
      while (!stop && bad === null && w.ops.length < OPS_MAX) {
        const i = w.ops.length;
        const target = rnd() < 0.7 ? key(Math.floor(n * slice + rnd() * (slice / 10))) : `new:${n}:${i}`;
        const op = { key: target, value: `w${n}:${i}` };
        w.ops.push(op);
        inflight.push(clients[n].call('SET', op.key, op.value).then((r) => {
          if (r !== 'OK') bad ??= `SET ${op.key}: ${showReply(r)}`;
          else w.acked = Math.max(w.acked, i + 1);
        }));
        if (inflight.length >= DEPTH) await inflight.shift();
      }
      await Promise.all(inflight);
    });

    // The mutator: its arguments come from the model after all its previous ops (one
    // connection executes in order).
    const model = initialCollections();
    const mutator = { ops: [] as MutOp[], acked: 0 };
    const mc = await RespClient.connect(node.port);
    const mutating = (async () => {
      const inflight: Promise<void>[] = [];
      const pick = (n: number): number => Math.floor(rnd() * n);
      const two = (n: number): [number, number] => {
        const a = pick(n);
        return [a, (a + 1 + pick(n - 1)) % n];
      };
      while (!stop && bad === null && mutator.ops.length < MUTATIONS_MAX) {
        let op: MutOp;
        const kind = pick(4);
        if (kind === 0) {
          const [from, to] = two(LISTS);
          op = { kind: 'lmove', from, to };
        } else if (kind === 1) {
          const [from, to] = two(SETS);
          const members = [...model.sets[from]];
          op = { kind: 'smove', from, to, member: members.length > 0 ? members[pick(members.length)] : 'none' };
        } else if (kind === 2) {
          const z = pick(ZSETS);
          op = { kind: 'zincrby', z, member: `z${z}:${pick(30)}`, by: pick(7) - 3 };
        } else {
          const [from, to] = two(HASHES);
          op = { kind: 'transfer', from, to, field: pick(HASH_FIELDS), amount: 1 + pick(9) };
        }
        const i = mutator.ops.length;
        mutator.ops.push(op);
        applyMutation(model, op);
        const replies = mutationCommands(op).map((cmd) => mc.call(...cmd));
        inflight.push(Promise.all(replies).then((rs) => {
          const failed = rs.find((r) => isError(r) || (Array.isArray(r) && r.some(isError)));
          if (failed !== undefined) bad ??= `${op.kind}: ${showReply(failed)}`;
          else mutator.acked = Math.max(mutator.acked, i + 1);
        }));
        if (inflight.length >= DEPTH) await inflight.shift();
      }
      await Promise.all(inflight);
    })();

    await waitUntil(() => writers.every((w) => w.acked >= 50) && mutator.acked >= 50, 10_000, 'writes before BGSAVE');
    const ackedBefore = writers.map((w) => w.acked);
    const mutAckedBefore = mutator.acked;
    const bg = c.call('BGSAVE');
    const [issuedBeforeReply, mutIssuedBeforeReply] = await bg.then((r) => {
      assert.equal(r, 'Background saving started');
      return [writers.map((w) => w.ops.length), mutator.ops.length] as const;
    });
    await waitUntil(async () => (await info(c)).get('rdb_bgsave_in_progress') === '0', 30_000, 'BGSAVE to end');
    stop = true;
    await Promise.all([...running, mutating]);
    assert.equal(bad, null);
    const done = await info(c);
    assert.equal(done.get('rdb_last_bgsave_status'), 'ok');
    t.diagnostic(`writes during the save: ${writers.map((w, n) => w.ops.length - ackedBefore[n]).join(', ')}, ` +
      `mutations ${mutator.ops.length - mutAckedBefore}; collections copied on write: ${done.get('concord_last_snapshot_copied_on_write')}`);
    for (const cl of [...clients, mc]) cl.close();
    c.close();
    await node.stop();

    const redis = await redisOn(copyOf(dir), ['--sanitize-dump-payload', 'yes']);
    const r = await RespClient.connect(redis.port);
    const newIssued = writers.reduce((n, w) => n + w.ops.filter((o) => o.key.startsWith('new:')).length, 0);
    const collections = LISTS + SETS + ZSETS + HASHES;
    const dbsize = (await r.call('DBSIZE')) as number;
    assert.ok(dbsize >= KEYS + collections && dbsize <= KEYS + collections + newIssued,
      `DBSIZE ${dbsize} outside [${KEYS + collections}, ${KEYS + collections + newIssued}]`);

    // Keys nobody wrote hold their original values.
    const touched = new Set(writers.flatMap((w) => w.ops.map((o) => o.key)));
    const all: (string | null)[] = [];
    for (let i = 0; i < KEYS; i += 1000) {
      all.push(...((await ok(r, 'MGET', ...Array.from({ length: 1000 }, (_, j) => key(i + j)))) as (string | null)[]));
    }
    all.forEach((v, i) => {
      if (!touched.has(key(i))) assert.equal(v, `orig:${i}`, `${key(i)} was never written during the save`);
    });

    // Each string writer: the file reflects exactly its first m ops for one m, with
    // acked-before-BGSAVE <= m <= issued-before-BGSAVE's-reply.
    let newInFile = 0;
    for (let n = 0; n < WRITERS; n++) {
      const { ops } = writers[n];
      let lo = ackedBefore[n];
      let hi = issuedBeforeReply[n];
      const byKey = new Map<string, number[]>();
      ops.forEach((o, i) => byKey.set(o.key, [...(byKey.get(o.key) ?? []), i]));
      const keys = [...byKey.keys()];
      const values = (await ok(r, 'MGET', ...keys)) as (string | null)[];
      keys.forEach((k, j) => {
        const touching = byKey.get(k)!;
        const v = values[j];
        const original = k.startsWith('new:') ? null : `orig:${k.slice(4)}`;
        let p: number;
        if (v === original) p = 0;
        else {
          p = touching.findIndex((i) => ops[i].value === v) + 1;
          assert.ok(p > 0, `writer ${n}: ${k} holds ${String(v)}, never written`);
        }
        if (k.startsWith('new:') && v !== null) newInFile++;
        lo = Math.max(lo, p === 0 ? 0 : touching[p - 1] + 1);
        hi = Math.min(hi, p === touching.length ? ops.length : touching[p]);
      });
      assert.ok(lo <= hi, `writer ${n}: no prefix of its writes explains the file (acked before BGSAVE ${ackedBefore[n]}, issued before its reply ${issuedBeforeReply[n]})`);
    }
    assert.equal(dbsize, KEYS + collections + newInFile);

    // The mutator: the collections in the file are the model after m of its ops, for one m in
    // [acked before BGSAVE, issued before its reply]. A key serialized at the wrong moment
    // shows as an element twice or nowhere, or a transfer half-done.
    const inFile = await readCollections(r);
    const replay = initialCollections();
    const matches: number[] = [];
    for (let m = 0; m <= mutIssuedBeforeReply; m++) {
      if (m > 0) applyMutation(replay, mutator.ops[m - 1]);
      if (m >= mutAckedBefore && canonical(replay) === inFile) matches.push(m);
    }
    assert.ok(matches.length > 0,
      `the collections in the file match no instant of the mutator between op ${mutAckedBefore} and op ${mutIssuedBeforeReply}:\n${inFile.slice(0, 2000)}`);
    r.close();
    await redis.stop();
  });
});
