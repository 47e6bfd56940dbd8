/**
 * Lists: the ring buffer against a plain array model, then the commands against a real
 * redis-server 7.0 (random sequences compared reply by reply, plus targeted error texts, edges and
 * reply shapes byte for byte), the propagated effects, and blocking.
 *
 * Replay the random sequences with LISTS_SEED=<n> (default below) and LISTS_RUNS=<n> (default 200).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { startServer, type RunningNode } from '../src/index.js';
import { ListValue } from '../src/keyspace/list.js';
import { ManualClock } from '../src/util/clock.js';
import { RawConnection } from './helpers/raw.js';
import { RespClient, encodeCommand, showCommand, showReply, type Reply } from './helpers/resp-client.js';
import { startConcord, startRedis, type ServerProcess } from './helpers/servers.js';
import { sleep } from './helpers/util.js';

const DEFAULT_SEED = 7_001_015;
const SEED = process.env.LISTS_SEED !== undefined && process.env.LISTS_SEED !== '' ? Number(process.env.LISTS_SEED) : DEFAULT_SEED;
const RUNS = process.env.LISTS_RUNS !== undefined && process.env.LISTS_RUNS !== '' ? Number(process.env.LISTS_RUNS) : 200;
/** LISTS_STATS=1 prints how often each command succeeded, failed or found nothing. */
const STATS = process.env.LISTS_STATS === '1';
const stats = new Map<string, { ok: number; nil: number; error: number }>();

function countReply(argv: string[], r: Reply): void {
  const name = argv[0].toUpperCase();
  const s = stats.get(name) ?? { ok: 0, nil: 0, error: 0 };
  if (r === null || r === 0 || r === -1 || (Array.isArray(r) && r.length === 0)) s.nil++;
  else if (typeof r === 'object' && !Array.isArray(r)) s.error++;
  else s.ok++;
  stats.set(name, s);
}

// ---------------------------------------------------------------------------------------------
// The ring buffer

type RingOp =
  | { op: 'pushHead' | 'pushTail'; e: string; times: number }
  | { op: 'popHead' | 'popTail'; times: number }
  | { op: 'set' | 'insert'; at: number; e: string }
  | { op: 'dropHead' | 'dropTail'; n: number }
  | { op: 'removeMatching'; e: string; limit: number; fromTail: boolean }
  | { op: 'clone' };

const ringElement = fc.constantFrom('a', 'b', 'c', '', 'long element \xff\x00');
const ringOp: fc.Arbitrary<RingOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('pushHead' as const, 'pushTail' as const), e: ringElement, times: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('popHead' as const, 'popTail' as const), times: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('set' as const, 'insert' as const), at: fc.nat(), e: ringElement }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('dropHead' as const, 'dropTail' as const), n: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('removeMatching' as const), e: ringElement, limit: fc.nat({ max: 5 }), fromTail: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clone' as const) }) },
);

/** Applies `o` to the list and to the model, checking what pops return; returns the list to go on with (a clone after 'clone'). */
function applyRingOp(list: ListValue, model: string[], o: RingOp): ListValue {
  switch (o.op) {
    case 'pushHead':
      for (let i = 0; i < o.times; i++) {
        list.pushHead(o.e);
        model.unshift(o.e);
      }
      return list;
    case 'pushTail':
      for (let i = 0; i < o.times; i++) {
        list.pushTail(o.e);
        model.push(o.e);
      }
      return list;
    case 'popHead':
      for (let i = 0; i < o.times; i++) assert.equal(list.popHead(), model.shift());
      return list;
    case 'popTail':
      for (let i = 0; i < o.times; i++) assert.equal(list.popTail(), model.pop());
      return list;
    case 'set':
      if (model.length > 0) {
        const at = o.at % model.length;
        list.set(at, o.e);
        model[at] = o.e;
      }
      return list;
    case 'insert': {
      const at = o.at % (model.length + 1);
      list.insert(at, o.e);
      model.splice(at, 0, o.e);
      return list;
    }
    case 'dropHead': {
      const n = o.n % (model.length + 1);
      list.dropHead(n);
      model.splice(0, n);
      return list;
    }
    case 'dropTail': {
      const n = o.n % (model.length + 1);
      list.dropTail(n);
      model.splice(model.length - n, n);
      return list;
    }
    case 'removeMatching': {
      let removed = 0;
      const order = model.map((_, i) => i);
      if (o.fromTail) order.reverse();
      const drop = new Set<number>();
      for (const i of order) {
        if (model[i] === o.e && (o.limit === 0 || removed < o.limit)) {
          drop.add(i);
          removed++;
        }
      }
      assert.equal(list.removeMatching(o.e, o.limit, o.fromTail), removed);
      const kept = model.filter((_, i) => !drop.has(i));
      model.length = 0;
      model.push(...kept);
      return list;
    }
    case 'clone': {
      const copy = list.clone();
      // the copy is independent of the original
      list.pushTail('original only');
      assert.equal(copy.size, model.length);
      assert.equal(list.popTail(), 'original only');
      return copy;
    }
  }
}

describe('ring buffer (ListValue) against an array model', () => {
  it('every operation agrees with a plain array; capacity stays within 4x the size', () => {
    fc.assert(
      fc.property(fc.array(ringOp, { maxLength: 60 }), (ops) => {
        let list = new ListValue();
        const model: string[] = [];
        for (const o of ops) {
          list = applyRingOp(list, model, o);
          assert.equal(list.size, model.length);
          assert.deepEqual(list.toArray(), model);
          if (model.length > 0) {
            assert.equal(list.at(0), model[0]);
            assert.equal(list.at(model.length - 1), model[model.length - 1]);
          }
          assert.ok(list.capacity >= list.size);
          assert.ok(list.capacity === 8 || list.size >= list.capacity / 4, `capacity ${list.capacity} for size ${list.size}`);
          const elementBytes = model.reduce((n, e) => n + e.length, 0);
          assert.equal(list.bytes() - ListValue.from(model).bytes(), (list.capacity - ListValue.from(model).capacity) * 8);
          assert.ok(list.bytes() > elementBytes);
        }
        assert.equal(list.encoding(), 'quicklist');
        assert.equal(list.type, 'list');
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('grows and shrinks back: a large list popped empty returns to the minimum capacity', () => {
    const list = new ListValue();
    for (let i = 0; i < 10_000; i++) list.pushTail(String(i));
    assert.equal(list.capacity, 16_384);
    for (let i = 0; i < 10_000; i++) assert.equal(list.popHead(), String(i));
    assert.equal(list.capacity, 8);
    assert.equal(list.size, 0);
  });

  it('wraps around the end of the ring in both directions', () => {
    const list = new ListValue();
    const model: string[] = [];
    for (let round = 0; round < 50; round++) {
      list.pushHead(`h${round}`);
      model.unshift(`h${round}`);
      list.pushTail(`t${round}`);
      model.push(`t${round}`);
      assert.equal(list.popTail(), model.pop());
      list.insert(1, `i${round}`);
      model.splice(1, 0, `i${round}`);
    }
    assert.deepEqual(list.toArray(), model);
  });
});

// ---------------------------------------------------------------------------------------------
// Commands against a real redis-server

let redisProc: ServerProcess | undefined;
let concordProc: ServerProcess | undefined;
let redis: RespClient;
let concord: RespClient;

async function both(argv: string[]): Promise<[Reply, Reply]> {
  return Promise.all([redis.call(...argv), concord.call(...argv)]);
}

async function reset(): Promise<void> {
  const [r, c] = await both(['FLUSHALL']);
  assert.equal(r, 'OK');
  assert.equal(c, 'OK');
}

/** Runs `cmds` on both servers from an empty keyspace and asserts identical replies; returns Redis's. */
async function expectSame(cmds: string[][]): Promise<Reply[]> {
  await reset();
  const replies: Reply[] = [];
  const done: string[][] = [];
  for (const argv of cmds) {
    const [r, c] = await both(argv);
    done.push(argv);
    assert.deepStrictEqual(c, r, `Concord differs from redis-server on ${showCommand(argv)}\n  redis:   ${showReply(r)}\n  concord: ${showReply(c)}\n  after:\n    ${done.map(showCommand).join('\n    ')}`);
    replies.push(r);
    if (STATS) countReply(argv, r);
  }
  return replies;
}

const MARKER_REPLY = '$6\r\nMARKER\r\n';

/** Sends `cmds` pipelined on a fresh raw connection, then ECHO MARKER; returns every reply's bytes before the marker's. */
async function rawReplies(port: number, cmds: string[][]): Promise<string> {
  const conn = await RawConnection.connect(port);
  try {
    conn.write(Buffer.concat([...cmds, ['ECHO', 'MARKER']].map((c) => encodeCommand(c))));
    let got = '';
    const deadline = Date.now() + 5000;
    while (!got.endsWith(MARKER_REPLY) && !conn.closed && Date.now() < deadline) got += await conn.read(1, deadline - Date.now());
    assert.ok(got.endsWith(MARKER_REPLY), `no marker in ${JSON.stringify(got)}`);
    return got.slice(0, -MARKER_REPLY.length);
  } finally {
    conn.close();
  }
}

/** The bytes after HELLO's reply (which names the server, its version and the client id). */
function afterHello(bytes: string): string {
  const tail = 'modules\r\n*0\r\n';
  const at = bytes.indexOf(tail);
  return at < 0 ? bytes : bytes.slice(at + tail.length);
}

// The random sequences: a tiny key alphabet so lists, strings and missing keys collide.
const key = fc.constantFrom('a', 'b', 'c');
const keys = (min: number, max: number) => fc.array(key, { minLength: min, maxLength: max });
const element = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('x', 'y', 'z') }, { weight: 1, arbitrary: fc.constantFrom('', '\xff\x00', 'a') });
const elements = (min: number, max: number) => fc.array(element, { minLength: min, maxLength: max });
const index = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -6, max: 6 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('abc', '1.5', '', '+1', '01', '-0', ' 1', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '99999999999999999999') },
);
const count = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 5 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('-1', 'abc', '1.0', '9223372036854775807', '9223372036854775808') },
);
const end = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('LEFT', 'RIGHT', 'left', 'Right') }, { weight: 1, arbitrary: fc.constantFrom('UP', '') });
// Short timeouts: a command that finds nothing waits briefly on both servers, then replies null.
const timeout = fc.oneof({ weight: 8, arbitrary: fc.constant('0.01') }, { weight: 1, arbitrary: fc.constantFrom('-1', 'abc', '') });
const lposOption = fc.oneof(
  fc.tuple(fc.constantFrom('RANK', 'rank'), fc.oneof(fc.integer({ min: -4, max: 4 }).map(String), fc.constantFrom('abc', '-9223372036854775808'))),
  fc.tuple(fc.constantFrom('COUNT', 'count'), count),
  fc.tuple(fc.constantFrom('MAXLEN', 'maxlen'), count),
  fc.constantFrom<[string]>(['RANK'], ['FOO']),
).map((o) => [...o]);
const lmpopTail = fc.tuple(end, fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 3, arbitrary: count.map((c) => ['COUNT', c]) }, { weight: 1, arbitrary: fc.constantFrom<string[]>(['COUNT'], ['FOO'], ['COUNT', '1', 'COUNT', '2']) }))
  .map(([w, rest]) => [w, ...rest]);
const numkeys = (ks: string[]) => fc.oneof({ weight: 8, arbitrary: fc.constant(String(ks.length)) }, { weight: 1, arbitrary: fc.constantFrom('0', '-1', 'x', String(ks.length + 1), '9223372036854775807') });

const listCommand: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom('LPUSH', 'RPUSH'), key, elements(0, 4)).map(([c, k, es]) => [c, k, ...es]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('LPUSHX', 'RPUSHX'), key, elements(0, 3)).map(([c, k, es]) => [c, k, ...es]) },
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key, fc.oneof(fc.constant<string[]>([]), count.map((c) => [c]), fc.constant(['1', '2']))).map(([c, k, n]) => [c, k, ...n]) },
  { weight: 2, arbitrary: key.map((k) => ['LLEN', k]) },
  { weight: 3, arbitrary: fc.tuple(key, index).map(([k, i]) => ['LINDEX', k, i]) },
  { weight: 3, arbitrary: fc.tuple(key, fc.constantFrom('BEFORE', 'AFTER', 'after', 'MIDDLE'), element, element).map(([k, w, p, e]) => ['LINSERT', k, w, p, e]) },
  { weight: 5, arbitrary: fc.tuple(key, index, index).map(([k, s, e]) => ['LRANGE', k, s, e]) },
  { weight: 3, arbitrary: fc.tuple(key, index, element).map(([k, n, e]) => ['LREM', k, n, e]) },
  { weight: 3, arbitrary: fc.tuple(key, index, element).map(([k, i, e]) => ['LSET', k, i, e]) },
  { weight: 3, arbitrary: fc.tuple(key, index, index).map(([k, s, e]) => ['LTRIM', k, s, e]) },
  { weight: 5, arbitrary: fc.tuple(key, element, fc.array(lposOption, { maxLength: 3 })).map(([k, e, o]) => ['LPOS', k, e, ...o.flat()]) },
  { weight: 4, arbitrary: fc.tuple(key, key, end, end).map(([s, d, f, t]) => ['LMOVE', s, d, f, t]) },
  { weight: 2, arbitrary: fc.tuple(key, key).map(([s, d]) => ['RPOPLPUSH', s, d]) },
  { weight: 4, arbitrary: keys(1, 3).chain((ks) => fc.tuple(numkeys(ks), lmpopTail).map(([n, t]) => ['LMPOP', n, ...ks, ...t])) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('BLPOP', 'BRPOP'), keys(1, 3), timeout).map(([c, ks, t]) => [c, ...ks, t]) },
  { weight: 1, arbitrary: fc.tuple(key, key, end, end, timeout).map(([s, d, f, t, to]) => ['BLMOVE', s, d, f, t, to]) },
  { weight: 1, arbitrary: fc.tuple(key, key, timeout).map(([s, d, to]) => ['BRPOPLPUSH', s, d, to]) },
  { weight: 1, arbitrary: fc.tuple(timeout, keys(1, 3)).chain(([to, ks]) => fc.tuple(numkeys(ks), lmpopTail).map(([n, t]) => ['BLMPOP', to, n, ...ks, ...t])) },
  // other types and generic commands, so WRONGTYPE and deletion paths are hit
  { weight: 2, arbitrary: fc.tuple(key, element).map(([k, v]) => ['SET', k, v]) },
  { weight: 1, arbitrary: key.map((k) => ['GET', k]) },
  { weight: 1, arbitrary: keys(1, 2).map((ks) => ['DEL', ...ks]) },
  { weight: 2, arbitrary: key.map((k) => ['TYPE', k]) },
  { weight: 1, arbitrary: keys(1, 3).map((ks) => ['EXISTS', ...ks]) },
  { weight: 1, arbitrary: key.map((k) => ['OBJECT', 'ENCODING', k]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('COPY', 'RENAME'), key, key).map(([c, a, b]) => [c, a, b]) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(['LPUSH', 'a'], ['LPOP'], ['LINSERT', 'a', 'BEFORE', 'x'], ['LSET', 'a', '0'], ['LMPOP', '1', 'a'], ['BLPOP', 'a'], ['BLMOVE', 'a', 'b', 'LEFT', 'LEFT'], ['LPOS', 'a']) },
);

/** A starting keyspace: lists at a and b most of the time, sometimes a string at c. */
const prelude: fc.Arbitrary<string[][]> = fc.tuple(
  fc.option(elements(1, 8), { freq: 3 }),
  fc.option(elements(1, 8), { freq: 3 }),
  fc.option(element, { freq: 2 }),
).map(([a, b, c]) => [
  ...(a === null ? [] : [['RPUSH', 'a', ...a]]),
  ...(b === null ? [] : [['RPUSH', 'b', ...b]]),
  ...(c === null ? [] : [['SET', 'c', c]]),
]);

/** Appends a dump of every key, so a silent divergence in stored content is caught too. */
function withDump(cmds: string[][]): string[][] {
  const dump: string[][] = [];
  for (const k of ['a', 'b', 'c']) dump.push(['TYPE', k], ['LRANGE', k, '0', '-1']);
  return [...cmds, ...dump];
}

/** A table of exact replies, checked against both servers (so the expectations are Redis's own). */
const EXPECTED: Array<[string[], Reply]> = [
  [['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'c'], 6],
  [['SET', 's', 'v'], 'OK'],
  // LSET
  [['LSET', 'missing', '0', 'x'], { error: 'ERR no such key' }],
  [['LSET', 'l', '6', 'x'], { error: 'ERR index out of range' }],
  [['LSET', 'l', '-7', 'x'], { error: 'ERR index out of range' }],
  [['LSET', 'l', 'x', 'x'], { error: 'ERR value is not an integer or out of range' }],
  [['LSET', 'missing', 'x', 'x'], { error: 'ERR no such key' }],
  [['LSET', 's', '0', 'x'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['LSET', 'l', '-1', 'C'], 'OK'],
  [['LINDEX', 'l', '-1'], 'C'],
  [['LSET', 'l', '-1', 'c'], 'OK'],
  // LPOP / RPOP counts
  [['LPOP', 'l', '-1'], { error: 'ERR value is out of range, must be positive' }],
  [['LPOP', 'l', 'x'], { error: 'ERR value is out of range, must be positive' }],
  [['LPOP', 'l', '99999999999999999999'], { error: 'ERR value is out of range, must be positive' }],
  [['LPOP', 's', 'x'], { error: 'ERR value is out of range, must be positive' }],
  [['LPOP', 's', '0'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['LPOP', 'l', '1', '2'], { error: "ERR wrong number of arguments for 'lpop' command" }],
  [['LPOP', 'l', '0'], []],
  [['LPOP', 'missing', '0'], null],
  [['RPOP', 'missing'], null],
  // LPOS
  [['LPOS', 'l', 'a', 'RANK', '0'], { error: "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list" }],
  [['LPOS', 'l', 'a', 'COUNT', '-1'], { error: "ERR COUNT can't be negative" }],
  [['LPOS', 'l', 'a', 'COUNT', 'x'], { error: "ERR COUNT can't be negative" }],
  [['LPOS', 'l', 'a', 'MAXLEN', '-1'], { error: "ERR MAXLEN can't be negative" }],
  [['LPOS', 'l', 'a', 'RANK', 'x'], { error: 'ERR value is not an integer or out of range' }],
  [['LPOS', 'l', 'a', 'RANK'], { error: 'ERR syntax error' }],
  [['LPOS', 'l', 'a', 'FOO', '1'], { error: 'ERR syntax error' }],
  [['LPOS', 's', 'a', 'FOO'], { error: 'ERR syntax error' }],
  [['LPOS', 's', 'a'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['LPOS', 'l', 'a', 'MAXLEN', '-1', 'RANK', '0'], { error: "ERR MAXLEN can't be negative" }],
  [['LPOS', 'l', 'a'], 0],
  [['LPOS', 'l', 'a', 'RANK', '2'], 3],
  [['LPOS', 'l', 'a', 'RANK', '-1'], 3],
  [['LPOS', 'l', 'a', 'RANK', '-2'], 0],
  [['LPOS', 'l', 'a', 'RANK', '3'], null],
  [['LPOS', 'l', 'a', 'COUNT', '0'], [0, 3]],
  [['LPOS', 'l', 'b', 'COUNT', '1'], [1]],
  [['LPOS', 'l', 'c', 'RANK', '-1', 'COUNT', '0'], [5, 2]],
  [['LPOS', 'l', 'c', 'RANK', '2', 'COUNT', '5'], [5]],
  [['LPOS', 'l', 'c', 'MAXLEN', '3'], 2],
  [['LPOS', 'l', 'c', 'MAXLEN', '2'], null],
  [['LPOS', 'l', 'c', 'MAXLEN', '2', 'COUNT', '0'], []],
  [['LPOS', 'l', 'a', 'RANK', '-1', 'MAXLEN', '2'], null],
  [['LPOS', 'l', 'a', 'RANK', '1', 'RANK', '2'], 3],
  [['LPOS', 'l', 'a', 'RANK', '-9223372036854775808', 'COUNT', '1'], [3, 0]],
  [['LPOS', 'l', 'a', 'RANK', '-9223372036854775807'], null],
  [['LPOS', 'missing', 'a'], null],
  [['LPOS', 'missing', 'a', 'COUNT', '0'], []],
  // LINSERT
  [['LINSERT', 'l', 'MIDDLE', 'a', 'x'], { error: 'ERR syntax error' }],
  [['LINSERT', 's', 'MIDDLE', 'a', 'x'], { error: 'ERR syntax error' }],
  [['LINSERT', 's', 'BEFORE', 'a', 'x'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['LINSERT', 'l', 'BEFORE', 'zz', 'x'], -1],
  [['LINSERT', 'missing', 'BEFORE', 'a', 'x'], 0],
  [['LINSERT', 'l', 'after', 'c', 'd'], 7],
  [['LINSERT', 'l', 'before', 'a', '0'], 8],
  [['LRANGE', 'l', '0', '-1'], ['0', 'a', 'b', 'c', 'd', 'a', 'b', 'c']],
  // ranges, negative indexes
  [['LRANGE', 'l', '-3', '-1'], ['a', 'b', 'c']],
  [['LRANGE', 'l', '-100', '1'], ['0', 'a']],
  [['LRANGE', 'l', '5', '2'], []],
  [['LRANGE', 'l', '8', '100'], []],
  [['LRANGE', 'l', '-9223372036854775808', '9223372036854775807'], ['0', 'a', 'b', 'c', 'd', 'a', 'b', 'c']],
  [['LRANGE', 'l', 'x', '1'], { error: 'ERR value is not an integer or out of range' }],
  [['LRANGE', 's', 'x', '1'], { error: 'ERR value is not an integer or out of range' }],
  [['LRANGE', 'missing', '0', '-1'], []],
  [['LINDEX', 'l', '-8'], '0'],
  [['LINDEX', 'l', '-9'], null],
  [['LINDEX', 'l', '8'], null],
  [['LINDEX', 'missing', 'x'], null],
  [['LINDEX', 'l', 'x'], { error: 'ERR value is not an integer or out of range' }],
  // LREM
  [['LREM', 'l', '1.0', 'a'], { error: 'ERR value is not an integer or out of range' }],
  [['LREM', 'l', '-1', 'a'], 1],
  [['LRANGE', 'l', '0', '-1'], ['0', 'a', 'b', 'c', 'd', 'b', 'c']],
  [['LREM', 'l', '0', 'b'], 2],
  [['LREM', 'missing', '0', 'b'], 0],
  // LTRIM
  [['LTRIM', 'l', 'x', '1'], { error: 'ERR value is not an integer or out of range' }],
  [['LTRIM', 'missing', '0', '1'], 'OK'],
  [['LTRIM', 's', '0', '1'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['LTRIM', 'l', '1', '-2'], 'OK'],
  [['LRANGE', 'l', '0', '-1'], ['a', 'c', 'd']],
  [['LTRIM', 'l', '5', '10'], 'OK'],
  [['EXISTS', 'l'], 0],
  // LMOVE and RPOPLPUSH
  [['RPUSH', 'r', '1', '2', '3'], 3],
  [['LMOVE', 'r', 'r', 'LEFT', 'RIGHT'], '1'],
  [['LMOVE', 'r', 'r', 'right', 'left'], '1'],
  [['LRANGE', 'r', '0', '-1'], ['1', '2', '3']],
  [['RPOPLPUSH', 'r', 'r'], '3'],
  [['LRANGE', 'r', '0', '-1'], ['3', '1', '2']],
  [['LMOVE', 'r', 'x', 'UP', 'LEFT'], { error: 'ERR syntax error' }],
  [['LMOVE', 's', 'x', 'LEFT', 'DOWN'], { error: 'ERR syntax error' }],
  [['LMOVE', 'missing', 's', 'LEFT', 'LEFT'], null],
  [['LMOVE', 'r', 's', 'LEFT', 'LEFT'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['LLEN', 'r'], 3],
  [['LMOVE', 's', 'r', 'LEFT', 'LEFT'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['RPOPLPUSH', 'r', 'dst'], '2'],
  [['RPUSH', 'one', 'only'], 1],
  [['LMOVE', 'one', 'one', 'LEFT', 'LEFT'], 'only'],
  [['LMOVE', 'one', 'two', 'LEFT', 'LEFT'], 'only'],
  [['EXISTS', 'one', 'two'], 1],
  // LMPOP
  [['LMPOP', '0', 'r', 'LEFT'], { error: 'ERR numkeys should be greater than 0' }],
  [['LMPOP', '-1', 'r', 'LEFT'], { error: 'ERR numkeys should be greater than 0' }],
  [['LMPOP', 'x', 'r', 'LEFT'], { error: 'ERR numkeys should be greater than 0' }],
  [['LMPOP', '99999999999999999999', 'r', 'LEFT'], { error: 'ERR numkeys should be greater than 0' }],
  [['LMPOP', '2', 'r', 'LEFT'], { error: 'ERR syntax error' }],
  [['LMPOP', '9223372036854775807', 'r', 'LEFT'], { error: 'ERR syntax error' }],
  [['LMPOP', '1', 'r', 'MIDDLE'], { error: 'ERR syntax error' }],
  [['LMPOP', '1', 'r', 'LEFT', 'COUNT', '0'], { error: 'ERR count should be greater than 0' }],
  [['LMPOP', '1', 'r', 'LEFT', 'COUNT', 'x'], { error: 'ERR count should be greater than 0' }],
  [['LMPOP', '1', 'r', 'LEFT', 'COUNT'], { error: 'ERR syntax error' }],
  [['LMPOP', '1', 'r', 'LEFT', 'COUNT', '1', 'COUNT', '1'], { error: 'ERR syntax error' }],
  [['LMPOP', '1', 'r', 'LEFT', 'FOO'], { error: 'ERR syntax error' }],
  [['LMPOP', '1', 'r'], { error: "ERR wrong number of arguments for 'lmpop' command" }],
  [['LMPOP', '2', 'missing', 's', 'LEFT'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['LMPOP', '2', 'missing', 'r', 'RIGHT', 'COUNT', '10'], ['r', ['1', '3']]],
  [['LMPOP', '1', 'r', 'LEFT'], null],
  [['LMPOP', '2', 'dst', 's', 'left'], ['dst', ['2']]],
  // blocking forms: argument errors, and immediate service
  [['BLPOP', 'r', '-1'], { error: 'ERR timeout is negative' }],
  [['BLPOP', 'r', 'x'], { error: 'ERR timeout is not a float or out of range' }],
  [['BLPOP', 's', 'r', '0'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['BLMPOP', 'x', '0', 'r', 'LEFT'], { error: 'ERR numkeys should be greater than 0' }],
  [['BLMPOP', 'x', '1', 'r', 'MIDDLE'], { error: 'ERR syntax error' }],
  [['BLMPOP', 'x', '1', 'r', 'LEFT', 'COUNT', '0'], { error: 'ERR count should be greater than 0' }],
  [['BLMPOP', 'x', '1', 'r', 'LEFT'], { error: 'ERR timeout is not a float or out of range' }],
  [['BLMPOP', '-1', '1', 'r', 'LEFT'], { error: 'ERR timeout is negative' }],
  [['BLMOVE', 'r', 'x', 'UP', 'LEFT', 'x'], { error: 'ERR syntax error' }],
  [['BLMOVE', 'r', 'x', 'LEFT', 'LEFT', 'x'], { error: 'ERR timeout is not a float or out of range' }],
  [['BRPOPLPUSH', 'r', 'x', '-1'], { error: 'ERR timeout is negative' }],
  [['RPUSH', 'q', 'a', 'b', 'c', 'd'], 4],
  [['BLPOP', 'missing', 'q', '0'], ['q', 'a']],
  [['BRPOP', 'q', 'missing', '0'], ['q', 'd']],
  [['BLMPOP', '0', '2', 'missing', 'q', 'RIGHT', 'COUNT', '5'], ['q', ['c', 'b']]],
  [['EXISTS', 'q'], 0],
  [['RPUSH', 'q', 'a', 'b'], 2],
  [['BLMOVE', 'q', 'q2', 'LEFT', 'RIGHT', '0'], 'a'],
  [['BRPOPLPUSH', 'q', 'q2', '0'], 'b'],
  [['LRANGE', 'q2', '0', '-1'], ['b', 'a']],
  [['BLMOVE', 'q2', 's', 'LEFT', 'RIGHT', '0'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['BLPOP', 'missing', '0.01'], null],
  [['BLMOVE', 'missing', 'q2', 'LEFT', 'RIGHT', '0.01'], null],
  // pushes
  [['LPUSH', 's', 'x'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['LPUSHX', 's', 'x'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['LPUSHX', 'missing', 'x'], 0],
  [['EXISTS', 'missing'], 0],
  [['RPUSHX', 'q2', 'c', 'd'], 4],
  [['LPUSH', 'q2', '1', '2'], 6],
  [['LRANGE', 'q2', '0', '-1'], ['2', '1', 'b', 'a', 'c', 'd']],
  [['OBJECT', 'ENCODING', 'q2'], 'quicklist'],
  [['TYPE', 'q2'], 'list'],
  [['GET', 'q2'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['LLEN', 's'], { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  [['LPUSH', 'q2'], { error: "ERR wrong number of arguments for 'lpush' command" }],
  // a copy is independent of its source
  [['RPUSH', 'cp', '1', '2'], 2],
  [['COPY', 'cp', 'cp2'], 1],
  [['RPUSH', 'cp2', '3'], 3],
  [['LSET', 'cp2', '0', 'x'], 'OK'],
  [['LRANGE', 'cp', '0', '-1'], ['1', '2']],
  [['LRANGE', 'cp2', '0', '-1'], ['x', '2', '3']],
  [['OBJECT', 'ENCODING', 'cp2'], 'quicklist'],
];

describe('lists: Concord vs redis-server 7.0', { timeout: 120_000 }, () => {
  before(async () => {
    [redisProc, concordProc] = await Promise.all([startRedis(), startConcord()]);
    [redis, concord] = await Promise.all([RespClient.connect(redisProc.port), RespClient.connect(concordProc.port)]);
  });

  after(async () => {
    redis?.close();
    concord?.close();
    await Promise.all([redisProc?.stop(), concordProc?.stop()]);
  });

  it(`same replies for random list command sequences (seed ${SEED}, ${RUNS} runs; replay with LISTS_SEED)`, async () => {
    await fc.assert(
      fc.asyncProperty(prelude, fc.array(listCommand, { minLength: 1, maxLength: 25, size: 'max' }), async (pre, cmds) => {
        await expectSame(withDump([...pre, ...cmds]));
      }),
      { seed: SEED, numRuns: RUNS, includeErrorInReport: true },
    );
    if (STATS) for (const [name, s] of [...stats].sort()) console.log(`${name.padEnd(12)} ok ${s.ok}  nil/0/empty ${s.nil}  error ${s.error}`);
  });

  it('error texts and edge cases, as Redis 7.0 replies', async () => {
    await reset();
    for (const [argv, expected] of EXPECTED) {
      const [r, c] = await both(argv);
      assert.deepStrictEqual(r, expected, `redis-server itself on ${showCommand(argv)}: ${showReply(r)}`);
      assert.deepStrictEqual(c, expected, `Concord on ${showCommand(argv)}: ${showReply(c)}`);
    }
  });

  it('keyspace events: the same events in the same order as Redis', async () => {
    const cmds: string[][] = [
      ['RPUSH', 'l', 'a', 'b', 'c'], ['LPUSH', 'l', 'z'], ['LPUSHX', 'l', 'y'], ['RPUSHX', 'l', 'd'], ['LPUSHX', 'none', 'x'],
      ['LPOP', 'l'], ['RPOP', 'l', '2'], ['LPOP', 'l', '0'], ['LINSERT', 'l', 'BEFORE', 'b', 'q'], ['LINSERT', 'l', 'BEFORE', 'nope', 'q'],
      ['LSET', 'l', '0', 'w'], ['LREM', 'l', '0', 'nope'], ['LREM', 'l', '1', 'q'], ['LTRIM', 'l', '0', '-1'], ['LTRIM', 'l', '1', '-1'],
      ['RPUSH', 'l', 'e', 'f'], ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'], ['LMOVE', 'm', 'm', 'LEFT', 'RIGHT'], ['RPOPLPUSH', 'm', 'l'],
      ['LMPOP', '2', 'none', 'l', 'RIGHT', 'COUNT', '10'], ['RPUSH', 'b', '1', '2'], ['BLPOP', 'none', 'b', '0'],
      ['BRPOP', 'b', '0'], ['RPUSH', 'b', '1', '2', '3'], ['BLMPOP', '0', '1', 'b', 'LEFT', 'COUNT', '2'], ['BLMOVE', 'b', 'c', 'LEFT', 'LEFT', '0'],
      ['RPUSH', 'c', '2'], ['BRPOPLPUSH', 'c', 'c', '0'], ['LTRIM', 'c', '3', '2'], ['RPUSH', 't', 'x'], ['LREM', 't', '0', 'x'],
      ['SET', 'end', 'x'],
    ];
    const events = async (port: number): Promise<string> => {
      const sub = await RawConnection.connect(port);
      const cli = await RespClient.connect(port);
      try {
        await cli.call('FLUSHALL');
        assert.equal(await cli.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA'), 'OK');
        sub.write(encodeCommand(['PSUBSCRIBE', '__keyevent@0__:*']));
        await sub.read(1);
        for (const c of cmds) await cli.call(...c);
        let got = '';
        const deadline = Date.now() + 5000;
        while (!got.includes('__keyevent@0__:set\r\n$3\r\nend\r\n') && Date.now() < deadline) got += await sub.read(1, deadline - Date.now());
        await cli.call('CONFIG', 'SET', 'notify-keyspace-events', '');
        return got;
      } finally {
        sub.close();
        cli.close();
      }
    };
    const [r, c] = await Promise.all([events(redisProc!.port), events(concordProc!.port)]);
    const show = (x: string) => x.split('\r\n').filter((l) => !/^[*$]/.test(l) && l !== 'pmessage' && l !== '__keyevent@0__:*').join(' ');
    for (const e of ['lpush', 'rpush', 'lpop', 'rpop', 'linsert', 'lset', 'lrem', 'ltrim', 'del']) {
      assert.ok(r.includes(`__keyevent@0__:${e}\r\n`), `redis-server sent a ${e} event`);
    }
    assert.equal(show(c), show(r));
    assert.equal(c, r);
  });

  it('reply shapes byte for byte (null bulk vs null array vs empty array), RESP2 and RESP3', async () => {
    const shapes: string[][] = [
      ['RPUSH', 'l', 'a', 'b', 'c'],
      ['LPOP', 'missing'], ['LPOP', 'missing', '1'], ['LPOP', 'missing', '0'], ['LPOP', 'l', '0'], ['RPOP', 'l', '2'],
      ['LMPOP', '1', 'missing', 'LEFT'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '3'], ['LPOS', 'missing', 'x'],
      ['LPOS', 'missing', 'x', 'COUNT', '1'], ['LPOS', 'l', 'zz', 'COUNT', '0'], ['LINDEX', 'missing', '0'],
      ['LRANGE', 'missing', '0', '1'], ['LMOVE', 'missing', 'x', 'LEFT', 'LEFT'], ['BLPOP', 'missing', '0.01'],
      ['BLMOVE', 'missing', 'x', 'LEFT', 'LEFT', '0.01'], ['BRPOPLPUSH', 'missing', 'x', '0.01'],
      ['BLMPOP', '0.01', '1', 'missing', 'LEFT'],
      ['MULTI'], ['BLPOP', 'missing', '0'], ['BLMOVE', 'missing', 'x', 'LEFT', 'LEFT', '0'], ['BLMPOP', '0', '1', 'missing', 'LEFT'], ['EXEC'],
      ['DEL', 'l'],
    ];
    for (const resp3 of [false, true]) {
      const cmds = resp3 ? [['HELLO', '3'], ...shapes] : shapes;
      const [r, c] = await Promise.all([rawReplies(redisProc!.port, cmds), rawReplies(concordProc!.port, cmds)]);
      assert.equal(JSON.stringify(afterHello(c)), JSON.stringify(afterHello(r)), resp3 ? 'RESP3' : 'RESP2');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Propagated effects (in process, with an effects sink)

describe('list effects', () => {
  const clock = new ManualClock(1_700_000_000_000);
  const effects: string[][] = [];
  let node: RunningNode;
  let client: RespClient;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concord-lists-'));
    node = await startServer({ port: 0, dir, clock, effects: { write: (_db, argv) => effects.push([...argv]) } });
    client = await RespClient.connect(node.port);
  });
  after(async () => {
    client.close();
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await client.call('FLUSHALL');
    effects.length = 0;
  });

  async function run(...cmds: string[][]): Promise<Reply[]> {
    const out: Reply[] = [];
    for (const c of cmds) out.push(await client.call(...c));
    return out;
  }

  it('pushes, pops with COUNT, LMOVE and in-place writes propagate as received', async () => {
    await run(['RPUSH', 'k', 'a', 'b', 'c', 'd'], ['LPOP', 'k', '2'], ['RPOP', 'k', '5'], ['RPUSH', 'k', 'x', 'y'],
      ['LMOVE', 'k', 'k', 'left', 'RIGHT'], ['LSET', 'k', '0', 'z'], ['LINSERT', 'k', 'BEFORE', 'z', 'w'], ['LREM', 'k', '0', 'w'],
      ['LTRIM', 'k', '1', '-1']);
    assert.deepEqual(effects, [
      ['RPUSH', 'k', 'a', 'b', 'c', 'd'], ['LPOP', 'k', '2'], ['RPOP', 'k', '5'], ['RPUSH', 'k', 'x', 'y'],
      ['LMOVE', 'k', 'k', 'left', 'RIGHT'], ['LSET', 'k', '0', 'z'], ['LINSERT', 'k', 'BEFORE', 'z', 'w'], ['LREM', 'k', '0', 'w'],
      ['LTRIM', 'k', '1', '-1'],
    ]);
  });

  it('writes that change nothing propagate nothing', async () => {
    await run(['RPUSH', 'k', 'a', 'b']);
    effects.length = 0;
    await run(['LTRIM', 'k', '0', '-1'], ['LREM', 'k', '0', 'zz'], ['LINSERT', 'k', 'BEFORE', 'zz', 'x'], ['LPUSHX', 'nokey', 'x'],
      ['LPOP', 'k', '0'], ['LPOP', 'nokey'], ['LMPOP', '1', 'nokey', 'LEFT'], ['LMOVE', 'nokey', 'k', 'LEFT', 'LEFT'],
      ['BLPOP', 'k', 'nokey', '-1'], ['LSET', 'k', '5', 'x']);
    assert.deepEqual(effects, []);
  });

  it('LMPOP becomes LPOP/RPOP key <popped count>', async () => {
    await run(['RPUSH', 'k', '1', '2', '3'], ['LMPOP', '2', 'nokey', 'k', 'LEFT', 'COUNT', '10'], ['RPUSH', 'k', '1', '2'], ['LMPOP', '1', 'k', 'RIGHT']);
    assert.deepEqual(effects, [['RPUSH', 'k', '1', '2', '3'], ['LPOP', 'k', '3'], ['RPUSH', 'k', '1', '2'], ['RPOP', 'k', '1']]);
  });

  it('blocking pops served at once propagate the non-blocking pop', async () => {
    await run(['RPUSH', 'k', '1', '2', '3', '4', '5', '6']);
    effects.length = 0;
    const replies = await run(['BLPOP', 'nokey', 'k', '0'], ['BRPOP', 'k', '0'], ['BLMPOP', '0', '1', 'k', 'RIGHT', 'COUNT', '2'],
      ['BLMOVE', 'k', 'd', 'left', 'RIGHT', '0'], ['BRPOPLPUSH', 'k', 'd', '0']);
    assert.deepEqual(replies, [['k', '1'], ['k', '6'], ['k', ['5', '4']], '2', '3']);
    assert.deepEqual(effects, [['LPOP', 'k'], ['RPOP', 'k'], ['RPOP', 'k', '2'], ['LMOVE', 'k', 'd', 'left', 'RIGHT'], ['RPOPLPUSH', 'k', 'd']]);
  });

  it('a list found expired is deleted with an explicit DEL before the push that found it', async () => {
    await run(['RPUSH', 'k', 'a'], ['PEXPIRE', 'k', '50']);
    effects.length = 0;
    clock.advance(100);
    assert.deepEqual(await run(['LPUSH', 'k', 'b'], ['LRANGE', 'k', '0', '-1']), [1, ['b']]);
    // (the server may wrap the two in MULTI/EXEC, as Redis 7.0 does)
    assert.deepEqual(effects.filter((e) => e[0] !== 'MULTI' && e[0] !== 'EXEC'), [['DEL', 'k'], ['LPUSH', 'k', 'b']]);
  });
});

// ---------------------------------------------------------------------------------------------
// Blocking (each scenario runs on redis-server too, which proves the scenario itself)

describe('blocking', { timeout: 60_000 }, () => {
  let redisNode: ServerProcess;
  let concordNode: ServerProcess;

  before(async () => {
    [redisNode, concordNode] = await Promise.all([startRedis(), startConcord()]);
  });
  after(async () => {
    await Promise.all([redisNode?.stop(), concordNode?.stop()]);
  });

  /** A reply awaited later: if the test fails first and closes the connection, the rejection is not unhandled. */
  function later(p: Promise<Reply>): Promise<Reply> {
    p.catch(() => {});
    return p;
  }

  /** Connects `n` clients to the server; closes them after `body`. */
  async function withClients(port: number, n: number, body: (cs: RespClient[]) => Promise<void>): Promise<void> {
    const cs = await Promise.all(Array.from({ length: n }, () => RespClient.connect(port)));
    try {
      await cs[0].call('FLUSHALL');
      await body(cs);
    } finally {
      for (const c of cs) c.close();
    }
  }

  /**
   * Waits until the server counts `n` blocked clients (INFO clients). A server that does not count
   * them gets a fixed pause instead, so the order of arrival still holds.
   */
  async function blocked(c: RespClient, n: number): Promise<void> {
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      const info = (await c.call('INFO', 'clients')) as string;
      const m = /blocked_clients:(\d+)/.exec(info);
      if (m !== null && Number(m[1]) === n) return;
      if (m === null || m[1] === '0') {
        await sleep(150);
        return;
      }
      await sleep(10);
    }
    throw new Error(`timed out waiting for ${n} blocked clients`);
  }

  const scenarios: Array<[string, (cs: RespClient[]) => Promise<void>]> = [
    ['BLPOP is served by a push from another client', async ([a, b]) => {
      const p = later(a.call('BLPOP', 'k', '5'));
      await blocked(b, 1);
      assert.equal(await b.call('RPUSH', 'k', 'v1', 'v2'), 2);
      assert.deepEqual(await p, ['k', 'v1']);
      assert.deepEqual(await b.call('LRANGE', 'k', '0', '-1'), ['v2']);
    }],
    ['several blocked clients are served in arrival order', async ([a, b, c, d]) => {
      const pa = later(a.call('BLPOP', 'k', '5'));
      await blocked(d, 1);
      const pb = later(b.call('BRPOP', 'other', 'k', '5'));
      await blocked(d, 2);
      const pc = later(c.call('BLPOP', 'k', '5'));
      await blocked(d, 3);
      assert.equal(await d.call('RPUSH', 'k', '1', '2'), 2);
      assert.deepEqual(await pa, ['k', '1']);
      assert.deepEqual(await pb, ['k', '2']);
      assert.equal(await d.call('EXISTS', 'k'), 0);
      await blocked(d, 1);
      assert.equal(await d.call('LPUSH', 'k', '3'), 1);
      assert.deepEqual(await pc, ['k', '3']);
    }],
    ['a timeout replies null; fractional timeouts work', async ([a]) => {
      const start = Date.now();
      assert.equal(await a.call('BLPOP', 'k', '0.1'), null);
      const waited = Date.now() - start;
      assert.ok(waited >= 90 && waited < 2000, `waited ${waited} ms`);
      assert.equal(await a.call('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0.05'), null);
      assert.equal(await a.call('BLMPOP', '0.05', '2', 'k', 'j', 'LEFT'), null);
    }],
    ['BRPOP serves from whichever key receives data', async ([a, b]) => {
      const p = later(a.call('BRPOP', 'k1', 'k2', '5'));
      await blocked(b, 1);
      await b.call('RPUSH', 'k2', 'x', 'y');
      assert.deepEqual(await p, ['k2', 'y']);
    }],
    ['BLMOVE moves the pushed element once it arrives', async ([a, b]) => {
      const p = later(a.call('BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', '5'));
      await blocked(b, 1);
      await b.call('RPUSH', 'src', '1', '2');
      assert.equal(await p, '2');
      assert.deepEqual(await b.call('LRANGE', 'dst', '0', '-1'), ['2']);
      assert.deepEqual(await b.call('LRANGE', 'src', '0', '-1'), ['1']);
    }],
    ['BLMPOP pops up to COUNT elements once they arrive', async ([a, b]) => {
      const p = later(a.call('BLMPOP', '5', '2', 'k1', 'k2', 'LEFT', 'COUNT', '2'));
      await blocked(b, 1);
      await b.call('RPUSH', 'k2', 'x', 'y', 'z');
      assert.deepEqual(await p, ['k2', ['x', 'y']]);
    }],
    ['a blocked BRPOPLPUSH serves a chain: its push wakes a client blocked on the destination', async ([a, b, c]) => {
      const pa = later(a.call('BRPOPLPUSH', 'k1', 'k2', '5'));
      await blocked(c, 1);
      const pb = later(b.call('BLPOP', 'k2', '5'));
      await blocked(c, 2);
      await c.call('RPUSH', 'k1', 'v');
      assert.equal(await pa, 'v');
      assert.deepEqual(await pb, ['k2', 'v']);
    }],
    ['a blocked BLMOVE whose destination holds a string gets WRONGTYPE; the source keeps the element', async ([a, b]) => {
      await b.call('SET', 'dst', 'string');
      const p = later(a.call('BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '5'));
      await blocked(b, 1);
      await b.call('RPUSH', 'src', '1', '2');
      assert.deepEqual(await p, { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
      assert.deepEqual(await b.call('LRANGE', 'src', '0', '-1'), ['1', '2']);
    }],
    ['a key filled and emptied inside one transaction leaves the client blocked, with its deadline', async ([a, b]) => {
      const start = Date.now();
      const p = later(a.call('BLPOP', 'k', '0.5'));
      await blocked(b, 1);
      assert.equal(await b.call('MULTI'), 'OK');
      await b.call('RPUSH', 'k', 'v');
      await b.call('LPOP', 'k');
      assert.deepEqual(await b.call('EXEC'), [1, 'v']);
      assert.equal(await p, null);
      const waited = Date.now() - start;
      assert.ok(waited >= 450 && waited < 3000, `waited ${waited} ms`);
    }],
    ['inside MULTI a blocking pop on an empty list replies null at once', async ([a]) => {
      assert.equal(await a.call('MULTI'), 'OK');
      assert.equal(await a.call('BLPOP', 'k', '0'), 'QUEUED');
      assert.equal(await a.call('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'), 'QUEUED');
      assert.deepEqual(await a.call('EXEC'), [null, null]);
    }],
  ];

  for (const [name, scenario] of scenarios) {
    it(`${name} (redis-server)`, () => withClients(redisNode.port, 4, scenario));
    it(`${name} (Concord)`, () => withClients(concordNode.port, 4, scenario));
  }

  describe('effects of blocked pops served later', () => {
    const effects: string[][] = [];
    let node: RunningNode;
    let dir: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'concord-lists-blocking-'));
      node = await startServer({ port: 0, dir, effects: { write: (_db, argv) => effects.push([...argv]) } });
    });
    after(async () => {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a served BLPOP/BLMOVE/BRPOPLPUSH/BLMPOP propagates its non-blocking twin after the push', async () => {
      await withClients(node.port, 5, async ([a, b, c, d, e]) => {
        effects.length = 0;
        const pa = later(a.call('BLPOP', 'k1', '0'));
        const pb = later(b.call('BLMOVE', 'k2', 'd', 'RIGHT', 'left', '0'));
        const pc = later(c.call('BRPOPLPUSH', 'k3', 'd', '0'));
        const pd = later(d.call('BLMPOP', '0', '1', 'k4', 'LEFT', 'COUNT', '5'));
        await blocked(e, 4);
        await e.call('RPUSH', 'k1', 'a', 'b');
        await e.call('RPUSH', 'k2', 'a', 'b');
        await e.call('RPUSH', 'k3', 'a', 'b');
        await e.call('RPUSH', 'k4', 'a', 'b', 'c');
        assert.deepEqual(await Promise.all([pa, pb, pc, pd]), [['k1', 'a'], 'b', 'b', ['k4', ['a', 'b', 'c']]]);
        await sleep(10);
        assert.deepEqual(effects, [
          ['RPUSH', 'k1', 'a', 'b'], ['LPOP', 'k1'],
          ['RPUSH', 'k2', 'a', 'b'], ['LMOVE', 'k2', 'd', 'RIGHT', 'left'],
          ['RPUSH', 'k3', 'a', 'b'], ['RPOPLPUSH', 'k3', 'd'],
          ['RPUSH', 'k4', 'a', 'b', 'c'], ['LPOP', 'k4', '3'],
        ]);
      });
    });
  });
});
