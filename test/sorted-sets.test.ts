/**
 * Sorted sets: the B+ tree index against a sorted-array model, score parsing, then the commands
 * against a real redis-server 7.0 (random sequences compared reply by reply, plus targeted error
 * texts, edges and reply shapes), blocking pops, and the propagated effects.
 *
 * Replay the random sequences with ZSET_SEED=<n> (default below) and ZSET_RUNS=<n> (default 200);
 * the index property with ZINDEX_SEED / ZINDEX_RUNS.
 *
 * Normalisations in the random sequences (the only ones):
 *  - ZRANDMEMBER: same shape (null, error text, array length); every member returned must be in
 *    that server's set, with its score when WITHSCORES; a positive count returns distinct members,
 *    all of them when the count reaches the size.
 *  - HELLO: the client id is not compared.
 *  - ZSCAN: iterated to cursor 0 on both sides, the (member, score) pairs compared as sorted sets
 *    (a skiplist-encoded set is scanned in Redis's hash order; from a cursor other than 0 only
 *    errors are compared for one).
 * Lex commands only touch keys whose members all have score 0 (Redis leaves lex ranges over mixed
 * scores undefined, and can even abort on them).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startServer, type RunningNode } from '../src/index.js';
import { Bound, ScoreIndex } from '../src/keyspace/btree.js';
import { parseScore, parseScoreBound } from '../src/keyspace/zset.js';
import { RespClient, isError, showCommand, showReply, type Reply } from './helpers/resp-client.js';
import { startConcord, startRedis, type ServerProcess } from './helpers/servers.js';
import { sleep, prng } from './helpers/util.js';

const envNumber = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v !== undefined && v !== '' ? Number(v) : fallback;
};
const SEED = envNumber('ZSET_SEED', 70_015);
const RUNS = envNumber('ZSET_RUNS', 200);
const INDEX_SEED = envNumber('ZINDEX_SEED', 1_202);
const INDEX_RUNS = envNumber('ZINDEX_RUNS', 60);

// ---------------------------------------------------------------------------------------------
// The index

type Pair = [number, string];

function cmpPair(a: Pair, b: Pair): number {
  if (a[0] < b[0]) return -1;
  if (a[0] > b[0]) return 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** A sorted array of pairs: the model the index is checked against. */
class Model {
  pairs: Pair[] = [];
  scores = new Map<string, number>();

  insert(score: number, member: string): void {
    const p: Pair = [score, member];
    let lo = 0;
    let hi = this.pairs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmpPair(this.pairs[mid], p) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.pairs.splice(lo, 0, p);
    this.scores.set(member, score);
  }

  removeAt(rank: number): Pair {
    const [p] = this.pairs.splice(rank, 1);
    this.scores.delete(p[1]);
    return p;
  }

  rank(member: string): number {
    return this.pairs.findIndex((p) => p[1] === member);
  }

  prefix(bound: Bound, x: number, m: string): number {
    const holds = (p: Pair): boolean => {
      switch (bound) {
        case Bound.ScoreLt: return p[0] < x;
        case Bound.ScoreLe: return p[0] <= x;
        case Bound.MemberLt: return p[1] < m;
        case Bound.MemberLe: return p[1] <= m;
      }
    };
    let n = 0;
    while (n < this.pairs.length && holds(this.pairs[n])) n++;
    return n;
  }
}

const SCORES = [-Infinity, -2, -1, -0, 0, 0.5, 1, 1, 2, 3.25, Infinity];

type IndexOp =
  | { op: 'insert'; n: number; seed: number; equalScores: boolean }
  | { op: 'delete'; n: number; seed: number }
  | { op: 'deleteAt'; n: number; seed: number }
  | { op: 'update'; n: number; seed: number; small: boolean }
  | { op: 'popMin' | 'popMax'; n: number }
  | { op: 'query'; seed: number }
  | { op: 'rebuild' };

const indexOp: fc.Arbitrary<IndexOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('insert' as const), n: fc.integer({ min: 1, max: 600 }), seed: fc.nat(), equalScores: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), n: fc.integer({ min: 1, max: 400 }), seed: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('deleteAt' as const), n: fc.integer({ min: 1, max: 400 }), seed: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('update' as const), n: fc.integer({ min: 1, max: 400 }), seed: fc.nat(), small: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('popMin' as const, 'popMax' as const), n: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('query' as const), seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'rebuild' as const }) },
);


function checkIndexAgainst(index: ScoreIndex, model: Model): void {
  index.check();
  assert.equal(index.length, model.pairs.length);
  const [ms, ss] = index.toArrays();
  assert.deepEqual(ms, model.pairs.map((p) => p[1]));
  assert.deepEqual(ss.map((s) => s), model.pairs.map((p) => p[0]));
}

describe('score index (B+ tree) against a sorted array', () => {
  it(`agrees on every operation and keeps its invariants (seed ${INDEX_SEED}, ${INDEX_RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.array(indexOp, { minLength: 5, maxLength: 40, size: 'max' }), (ops) => {
        let index = new ScoreIndex();
        const model = new Model();
        for (const o of ops) {
          switch (o.op) {
            case 'insert': {
              const r = prng(o.seed);
              for (let i = 0; i < o.n; i++) {
                const member = `m${Math.floor(r() * 5000)}`;
                if (model.scores.has(member)) continue;
                const score = o.equalScores ? 0 : SCORES[Math.floor(r() * SCORES.length)];
                index.insert(score, member);
                model.insert(score, member);
              }
              break;
            }
            case 'delete': {
              const r = prng(o.seed);
              for (let i = 0; i < o.n && model.pairs.length > 0; i++) {
                const [score, member] = model.pairs[Math.floor(r() * model.pairs.length)];
                index.delete(score, member);
                model.removeAt(model.rank(member));
              }
              break;
            }
            case 'update': {
              const r = prng(o.seed);
              for (let i = 0; i < o.n && model.pairs.length > 0; i++) {
                const [score, member] = model.pairs[Math.floor(r() * model.pairs.length)];
                const next = o.small && Number.isFinite(score) ? score + (r() - 0.5) / 64 : SCORES[Math.floor(r() * SCORES.length)];
                if (next === score) continue;
                index.update(score, next, member);
                model.removeAt(model.rank(member));
                model.insert(next, member);
              }
              break;
            }
            case 'deleteAt': {
              const r = prng(o.seed);
              for (let i = 0; i < o.n && model.pairs.length > 0; i++) {
                const rank = Math.floor(r() * model.pairs.length);
                index.deleteAt(rank);
                const [score, member] = model.removeAt(rank);
                assert.equal(index.removedMember, member);
                assert.ok(Object.is(index.removedScore, score));
              }
              break;
            }
            case 'popMin':
            case 'popMax':
              for (let i = 0; i < o.n && model.pairs.length > 0; i++) {
                const rank: number = o.op === 'popMin' ? 0 : model.pairs.length - 1;
                index.deleteAt(rank);
                assert.equal(index.removedMember, model.removeAt(rank)[1]);
              }
              break;
            case 'query': {
              const r = prng(o.seed);
              const n = model.pairs.length;
              for (let i = 0; i < 20 && n > 0; i++) {
                const rank = Math.floor(r() * n);
                const [score, member] = model.pairs[rank];
                assert.equal(index.rank(score, member), rank);
                assert.equal(index.memberAt(rank), member);
                assert.ok(Object.is(index.scoreAt(rank), score));
                const count = Math.floor(r() * (n + 2));
                const reverse = r() < 0.5;
                const seen: string[] = [];
                const take = reverse ? Math.min(count, rank + 1) : Math.min(count, n - rank);
                index.walk(rank, take, reverse, (m) => seen.push(m));
                const expected = reverse
                  ? model.pairs.slice(rank - take + 1, rank + 1).reverse().map((p) => p[1])
                  : model.pairs.slice(rank, rank + take).map((p) => p[1]);
                assert.deepEqual(seen, expected);
              }
              for (let i = 0; i < 20; i++) {
                const bound = Math.floor(r() * 4) as Bound;
                const x = SCORES[Math.floor(r() * SCORES.length)];
                const m = `m${Math.floor(r() * 5000)}`;
                // Lex bounds are only meaningful when every score is equal.
                if ((bound === Bound.MemberLt || bound === Bound.MemberLe) && !model.pairs.every((p) => p[0] === 0)) continue;
                assert.equal(index.prefixCount(bound, x, m), model.prefix(bound, x, m), `prefixCount(${bound}, ${x}, ${m})`);
              }
              break;
            }
            case 'rebuild':
              index = index.clone();
              break;
          }
          checkIndexAgainst(index, model);
        }
      }),
      { seed: INDEX_SEED, numRuns: INDEX_RUNS },
    );
  });

  it('bulk-builds from sorted pairs of any size', () => {
    for (const n of [0, 1, 15, 16, 47, 48, 49, 64, 65, 100, 1000, 5000, 40_000]) {
      const members = Array.from({ length: n }, (_, i) => `m${String(i).padStart(6, '0')}`);
      const scores = members.map((_, i) => Math.floor(i / 7));
      const index = ScoreIndex.fromSorted(members, scores);
      index.check();
      assert.equal(index.length, n);
      if (n > 0) {
        assert.equal(index.rank(scores[n - 1], members[n - 1]), n - 1);
        index.insert(-1, 'first');
        index.deleteAt(0);
        index.check();
      }
    }
  });

  it('stays shallow and consistent through a million sequential inserts and pops', () => {
    const index = new ScoreIndex();
    const n = 1_000_000;
    for (let i = 0; i < n; i++) index.insert(i % 1000, `member:${i}`);
    index.check();
    assert.equal(index.length, n);
    assert.equal(index.rank(999, 'member:999999'), n - 1);
    for (let i = 0; i < n / 2; i++) index.deleteAt(0);
    index.check();
    assert.equal(index.length, n / 2);
  });
});

// ---------------------------------------------------------------------------------------------
// Score texts

describe('score parsing', () => {
  it('reads scores as getDoubleFromObject does', () => {
    const ok: Array<[string, number]> = [
      ['1', 1], ['-0', -0], ['007', 7], ['+1.5', 1.5], ['.5', 0.5], ['5.', 5], ['1e3', 1000], ['inf', Infinity],
      ['-Infinity', -Infinity], ['+INF', Infinity], ['0x10', 16], ['0x1p3', 8], ['0x.8', 0.5], ['-0x1.8p1', -3],
      ['1e-320', 1e-320], ['5e-324', 5e-324], ['0e-400', 0], ['1.7976931348623157e308', 1.7976931348623157e308],
      ['0x1p-1074', 5e-324], ['0x1.fffffffffffff8p0', 2],
    ];
    for (const [text, value] of ok) assert.ok(Object.is(parseScore(text), value), `${text} -> ${parseScore(text)}`);
    for (const bad of ['', ' 1', '1 ', 'abc', 'nan', '-nan', '1e400', '1e-400', '0x', '1e', '.', '+', 'infinit', '1\0', '0x1p99999', '0x1p-1080']) {
      assert.equal(parseScore(bad), null, JSON.stringify(bad));
    }
  });

  it('reads range bounds as zslParseRange does (strtod without the checks)', () => {
    assert.deepEqual(parseScoreBound(''), { value: 0, exclusive: false });
    assert.deepEqual(parseScoreBound('('), { value: 0, exclusive: true });
    assert.deepEqual(parseScoreBound(' 1'), { value: 1, exclusive: false });
    assert.deepEqual(parseScoreBound('(1e400'), { value: Infinity, exclusive: true });
    assert.deepEqual(parseScoreBound('2\0junk'), { value: 2, exclusive: false });
    for (const bad of [' ', '1 ', 'nan', '(nan', 'x', '((1']) assert.equal(parseScoreBound(bad), null, JSON.stringify(bad));
  });
});

// ---------------------------------------------------------------------------------------------
// Against redis-server

let redisProc: ServerProcess | undefined;
let concordProc: ServerProcess | undefined;
let redis: RespClient;
let concord: RespClient;

function alive(p: ServerProcess | undefined): p is ServerProcess {
  return p !== undefined && p.child.exitCode === null && p.child.signalCode === null;
}

async function ensureServers(): Promise<void> {
  if (!alive(redisProc)) {
    redis?.close();
    redisProc = await startRedis();
    redis = await RespClient.connect(redisProc.port);
  }
  if (!alive(concordProc)) {
    concord?.close();
    concordProc = await startConcord();
    concord = await RespClient.connect(concordProc.port);
  }
}

async function callOn(which: 'redis' | 'concord', argv: string[]): Promise<Reply> {
  try {
    return await (which === 'redis' ? redis : concord).call(...argv);
  } catch (err) {
    const proc = which === 'redis' ? redisProc : concordProc;
    await sleep(200);
    const out = (proc?.output() ?? '').split('\n').slice(-15).join('\n      ');
    throw new Error(`${which} failed on ${showCommand(argv)}: ${(err as Error).message}\n    last output:\n      ${out}`);
  }
}

function both(argv: string[]): Promise<[Reply, Reply]> {
  return Promise.all([callOn('redis', argv), callOn('concord', argv)]);
}

async function reset(): Promise<void> {
  await ensureServers();
  for (const argv of [['FLUSHALL'], ['HELLO', '2'], ['SELECT', '0']]) await both(argv);
}

function describeStep(argv: string[], r: unknown, c: unknown): string {
  const show = (x: unknown): string => (typeof x === 'string' ? x : showReply(x as Reply));
  return `command: ${showCommand(argv)}\n  redis:   ${show(r)}\n  concord: ${show(c)}`;
}

function same(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** ZSCAN iterated to cursor 0: the pairs as sorted "member score" strings. */
async function zscanAll(which: 'redis' | 'concord', argv: string[]): Promise<Reply> {
  let cursor = argv[2];
  const pairs = new Set<string>();
  for (let round = 0; round < 1000; round++) {
    const reply = await callOn(which, ['ZSCAN', argv[1], cursor, ...argv.slice(3)]);
    if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) return round === 0 ? reply : { error: `bad reply ${showReply(reply)}` };
    const items = reply[1] as string[];
    for (let i = 0; i < items.length; i += 2) pairs.add(JSON.stringify([items[i], items[i + 1]]));
    cursor = reply[0] as string;
    if (cursor === '0') return [...pairs].sort();
  }
  return { error: 'ZSCAN did not finish' };
}

/** A member/score reply as flat texts, RESP2 or RESP3 (nested pairs, doubles). */
function flatText(r: Reply): string[] {
  if (typeof r === 'string') return [r];
  if (Array.isArray(r)) return r.flatMap(flatText);
  if (r !== null && typeof r === 'object' && 'double' in r) return [r.double];
  return [];
}

/** Checks a ZRANDMEMBER reply against that server's set; returns a problem or null. */
async function checkRandMember(which: 'redis' | 'concord', argv: string[], reply: Reply): Promise<string | null> {
  if (reply === null || isError(reply)) return null;
  const withScores = argv.length === 4;
  const items = typeof reply === 'string' ? [reply] : flatText(reply);
  const members: string[] = [];
  const scores: string[] = [];
  for (let i = 0; i < items.length; i += withScores ? 2 : 1) {
    members.push(items[i]);
    if (withScores) scores.push(items[i + 1]);
  }
  const all = flatText(await callOn(which, ['ZRANGE', argv[1], '0', '-1', 'WITHSCORES']));
  const scoreOf = new Map<string, string>();
  for (let i = 0; i < all.length; i += 2) scoreOf.set(all[i], all[i + 1]);
  for (let i = 0; i < members.length; i++) {
    if (!scoreOf.has(members[i])) return `${members[i]} is not a member`;
    if (withScores && scoreOf.get(members[i]) !== scores[i]) return `${members[i]} has score ${scoreOf.get(members[i])}, not ${scores[i]}`;
  }
  if (argv.length >= 3 && Number(argv[2]) > 0) {
    if (new Set(members).size !== members.length) return 'repeated members for a positive count';
    if (members.length !== Math.min(Number(argv[2]), scoreOf.size)) return `got ${members.length} members`;
  }
  return null;
}

/** ZSET_STATS=1 prints how often each command of the random sequences succeeded, failed or found nothing. */
const STATS = process.env.ZSET_STATS === '1';
const stats = new Map<string, { ok: number; nil: number; error: number }>();

function countReply(argv: string[], r: Reply): void {
  const name = argv[0].toUpperCase();
  const s = stats.get(name) ?? { ok: 0, nil: 0, error: 0 };
  if (r === null || r === 0 || (Array.isArray(r) && r.length === 0)) s.nil++;
  else if (isError(r)) {
    s.error++;
    if (process.env.ZSET_STATS_ERRORS === name) console.log(`${showCommand(argv)} -> ${r.error}`);
  }
  else s.ok++;
  stats.set(name, s);
}

/** Runs one command on both servers; returns a mismatch description or null. */
async function step(argv: string[]): Promise<string | null> {
  const name = argv[0].toUpperCase();
  if (name === 'SLEEP') {
    await sleep(Number(argv[1]));
    return null;
  }
  if (name === 'HELLO') {
    // Same fields and protocol; the client id is per server.
    const [r, c] = await both(argv);
    const noId = (x: Reply): Reply => {
      if (Array.isArray(x)) return x.filter((_, i) => x[i] !== 'id' && x[i - 1] !== 'id');
      if (x !== null && typeof x === 'object' && 'map' in x) return { map: x.map.filter((pair) => pair[0] !== 'id') };
      return x;
    };
    const rr = noId(r);
    const cc = noId(c);
    return same(cc, rr) ? null : describeStep(argv, r, c);
  }
  if (name === 'ZSCAN') {
    const [r, c] = await Promise.all([zscanAll('redis', argv), zscanAll('concord', argv)]);
    // From a cursor other than 0, what a skiplist-encoded set returns depends on Redis's hash
    // order: only whether the call fails (and how) is compared.
    if (argv[2] !== '0' && argv[2] !== '' && !isError(r) && !isError(c) && (await callOn('redis', ['OBJECT', 'ENCODING', argv[1]])) === 'skiplist') return null;
    return same(c, r) ? null : describeStep(argv, r, c);
  }
  const [r, c] = await both(argv);
  if (STATS) countReply(argv, r);
  if (process.env.ZSET_TRACE === '1') console.log(`${showCommand(argv)} -> ${showReply(r)}`);
  if (name === 'ZRANDMEMBER') {
    const shape = (x: Reply): string => (x === null ? 'null' : isError(x) ? `error ${x.error}` : Array.isArray(x) ? `array ${x.length}` : typeof x);
    if (shape(r) !== shape(c)) return describeStep(argv, r, c);
    const problem = (await checkRandMember('redis', argv, r)) ?? (await checkRandMember('concord', argv, c));
    return problem === null ? null : `${problem}\n${describeStep(argv, r, c)}`;
  }
  return same(c, r) ? null : describeStep(argv, r, c);
}

/** Runs `cmds` from a fresh state and asserts every reply matches. */
async function expectSame(cmds: string[][]): Promise<void> {
  await reset();
  const done: string[][] = [];
  for (const argv of cmds) {
    const m = await step(argv);
    if (m !== null) assert.fail(`Concord differs from redis-server\n${m}\n  after:\n    ${done.map(showCommand).join('\n    ') || '(none)'}`);
    done.push(argv);
  }
}

// ---------------------------------------------------------------------------------------------
// Generators

const LONG_MEMBER = 'L'.repeat(65);
/** Keys whose members all have score 0: the only ones lex commands touch. */
const lexKey = fc.constantFrom('lx1', 'lx2');
/** Keys with any scores. */
const zKey = fc.constantFrom('z1', 'z2', 'z3');
/** Where store commands mostly write (they delete their destination when the result is empty). */
const dstKey = fc.oneof({ weight: 4, arbitrary: fc.constant('dst') }, { weight: 1, arbitrary: fc.constantFrom('z1', 'z2', 'z3') });
const anyKey = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('z1', 'z2', 'z3', 'lx1', 'lx2', 'dst') },
  { weight: 1, arbitrary: fc.constantFrom('st', 'set', 'nokey') },
);
const member = fc.constantFrom('a', 'b', 'c', 'd', 'A', '', 'ab', '\x00\xff', LONG_MEMBER);
const members = (min: number, max: number) => fc.array(member, { minLength: min, maxLength: max });
const score = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('0', '1', '2', '-1', '1.5', '0.1', '0.2', '-0', '3', '10', '-2.5', '1e2') },
  { weight: 3, arbitrary: fc.constantFrom('inf', '-inf', '+inf', '1e308', '-1e308', '0x10', '5e-324') },
  { weight: 1, arbitrary: fc.constantFrom('abc', 'nan', '', ' 1', '1e400', 'INF', '(1') },
);
const scoreBound = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('-inf', '+inf', 'inf', '0', '(0', '1', '(1', '1.5', '(1.5', '-1', '(-1', '2', '(2', '3', '10', '(inf', '(-inf', '0.1', '(0.3') },
  { weight: 1, arbitrary: fc.constantFrom('abc', '(', '', ' 2', 'nan', '1e400') },
);
const lexBound = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('-', '+', '[a', '(a', '[b', '(b', '[c', '(c', '[', '(', '[A', '(\x00', '[d', '(ab', `[${LONG_MEMBER}`) },
  { weight: 1, arbitrary: fc.constantFrom('a', '', '+a') },
);
/** Range ends: starts lean low, stops lean high, so ranges usually select something. */
const startIndex = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('0', '0', '1', '-2', '-3') }, { weight: 1, arbitrary: fc.constantFrom('5', '-100', '2', 'abc') });
const stopIndex = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('-1', '-1', '2', '3', '-2') }, { weight: 1, arbitrary: fc.constantFrom('0', '100', '9223372036854775807', 'x') });
const minBound = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('-inf', '-inf', '(-inf', '0', '(0', '-1', '0.1', '(1') }, { weight: 1, arbitrary: scoreBound });
const maxBound = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('+inf', 'inf', '(inf', '1', '(1.5', '3', '10', '(0.3') }, { weight: 1, arbitrary: scoreBound });
const minLex = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('-', '-', '[a', '(a', '[', '(\x00', '[A') }, { weight: 1, arbitrary: lexBound });
const maxLex = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('+', '+', '[c', '(c', '[d', `[${LONG_MEMBER}`) }, { weight: 1, arbitrary: lexBound });
const index = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('0', '1', '2', '-1', '-2', '-3', '3', '5', '100', '-100') },
  { weight: 1, arbitrary: fc.constantFrom('abc', '9223372036854775807', '-9223372036854775808') },
);
const limit = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.constantFrom('0', '1', '2', '-1', '5'), fc.constantFrom('0', '1', '2', '-1', '-5', '3')).map(([o, c]) => ['LIMIT', o, c]) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(['LIMIT', 'x', '1'], ['LIMIT', '0', 'x']) },
);
const weight = fc.oneof({ weight: 10, arbitrary: fc.constantFrom('1', '2', '0', '-1', '0.5', 'inf', '-inf', '1.5') }, { weight: 1, arbitrary: fc.constant('x') });
const flat = (groups: string[][]): string[] => groups.flat();
const someOf = (group: fc.Arbitrary<string[]>, max = 3) => fc.array(group, { maxLength: max }).map(flat);
const pairs = (min: number, max: number, scores: fc.Arbitrary<string>) =>
  fc.array(fc.tuple(scores, member), { minLength: min, maxLength: max }).map((ps) => ps.flat());

const zaddOption = fc.constantFrom<string[]>(['NX'], ['XX'], ['GT'], ['LT'], ['CH'], ['INCR'], ['nx'], ['ch']);
/**
 * Range options: a subset of `valid` groups (each at most once) plus LIMIT when `withLimit`, in any
 * order; now and then a stray option (repeated, unknown or not allowed here) for the error paths.
 */
function options(valid: string[][], withLimit = false): fc.Arbitrary<string[]> {
  const groups = withLimit ? [...valid, ['LIMIT']] : valid;
  const good = fc.shuffledSubarray(groups).chain((gs) =>
    fc.tuple(...gs.map((g) => (g[0] === 'LIMIT' ? limit : fc.constant(g)))).map((parts) => parts.flat()));
  const stray = fc.tuple(good, fc.constantFrom<string[]>(['FOO'], ['REV'], ['WITHSCORES'], ['LIMIT'], ['LIMIT', '0', '1'], ['BYSCORE'])).map(([g, x]) => [...g, ...x]);
  return fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: stray });
}
const setOpOption = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<string[]>(['WITHSCORES'], ['AGGREGATE', 'SUM'], ['AGGREGATE', 'MIN'], ['AGGREGATE', 'max']) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(['AGGREGATE', 'x'], ['AGGREGATE'], ['FOO']) },
  { weight: 6, arbitrary: fc.array(weight, { minLength: 1, maxLength: 3 }).map((ws) => ['WEIGHTS', ...ws]) },
);
/** ZUNIONSTORE/ZINTERSTORE options (WITHSCORES is a syntax error there: rarely). */
const storeOpOption = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<string[]>(['AGGREGATE', 'SUM'], ['AGGREGATE', 'MIN'], ['AGGREGATE', 'max']) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(['WITHSCORES'], ['AGGREGATE', 'x']) },
  { weight: 6, arbitrary: fc.array(weight, { minLength: 1, maxLength: 3 }).map((ws) => ['WEIGHTS', ...ws]) },
);
const sourceKey = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('z1', 'z2', 'z3', 'lx1', 'set', 'dst') }, { weight: 1, arbitrary: fc.constantFrom('st', 'nokey') });
const numkeysAndKeys = fc.array(sourceKey, { minLength: 1, maxLength: 3 })
  .chain((ks) => fc.oneof(
    { weight: 10, arbitrary: fc.constant(String(ks.length)) },
    { weight: 1, arbitrary: fc.constantFrom('0', String(ks.length + 1), 'x') },
  ).map((n) => [n, ...ks]));

const command: fc.Arbitrary<string[]> = fc.oneof(
  // writes on keys with any scores
  { weight: 20, arbitrary: fc.tuple(zKey, pairs(1, 5, score)).map(([k, p]) => ['ZADD', k, ...p]) },
  { weight: 10, arbitrary: fc.tuple(zKey, someOf(zaddOption, 2), pairs(1, 3, score)).map(([k, o, p]) => ['ZADD', k, ...o, ...p]) },
  { weight: 4, arbitrary: fc.tuple(zKey, score, member).map(([k, s, m]) => ['ZINCRBY', k, s, m]) },
  // writes on lex keys: score 0 only
  { weight: 12, arbitrary: fc.tuple(lexKey, someOf(fc.constantFrom<string[]>(['NX'], ['XX'], ['CH']), 1), pairs(1, 5, fc.constant('0'))).map(([k, o, p]) => ['ZADD', k, ...o, ...p]) },
  { weight: 4, arbitrary: fc.tuple(anyKey, members(1, 3)).map(([k, ms]) => ['ZREM', k, ...ms]) },
  // reads
  { weight: 2, arbitrary: anyKey.map((k) => ['ZCARD', k]) },
  { weight: 3, arbitrary: fc.tuple(anyKey, member).map(([k, m]) => ['ZSCORE', k, m]) },
  { weight: 2, arbitrary: fc.tuple(anyKey, members(1, 3)).map(([k, ms]) => ['ZMSCORE', k, ...ms]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('ZRANK', 'ZREVRANK'), anyKey, member).map(([c, k, m]) => [c, k, m]) },
  { weight: 3, arbitrary: fc.tuple(anyKey, minBound, maxBound).map(([k, a, b]) => ['ZCOUNT', k, a, b]) },
  { weight: 2, arbitrary: fc.tuple(lexKey, minLex, maxLex).map(([k, a, b]) => ['ZLEXCOUNT', k, a, b]) },
  { weight: 5, arbitrary: fc.tuple(anyKey, startIndex, stopIndex, options([['WITHSCORES'], ['REV']])).map(([k, a, b, o]) => ['ZRANGE', k, a, b, ...o]) },
  { weight: 4, arbitrary: fc.tuple(anyKey, minBound, maxBound, options([['WITHSCORES'], ['REV']], true)).map(([k, a, b, o]) => (o.includes('REV') ? ['ZRANGE', k, b, a, 'BYSCORE', ...o] : ['ZRANGE', k, a, b, 'BYSCORE', ...o])) },
  { weight: 4, arbitrary: fc.tuple(lexKey, minLex, maxLex, options([['REV']], true)).map(([k, a, b, o]) => (o.includes('REV') ? ['ZRANGE', k, b, a, 'BYLEX', ...o] : ['ZRANGE', k, a, b, 'BYLEX', ...o])) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('ZRANGEBYSCORE', 'ZREVRANGEBYSCORE'), anyKey, minBound, maxBound, options([['WITHSCORES']], true)).map(([c, k, a, b, o]) => (c === 'ZREVRANGEBYSCORE' ? [c, k, b, a, ...o] : [c, k, a, b, ...o])) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('ZRANGEBYLEX', 'ZREVRANGEBYLEX'), lexKey, minLex, maxLex, options([], true)).map(([c, k, a, b, o]) => (c === 'ZREVRANGEBYLEX' ? [c, k, b, a, ...o] : [c, k, a, b, ...o])) },
  { weight: 2, arbitrary: fc.tuple(anyKey, startIndex, stopIndex, options([['WITHSCORES']])).map(([k, a, b, o]) => ['ZREVRANGE', k, a, b, ...o]) },
  // stores: a lex key receives only from a lex key
  { weight: 2, arbitrary: fc.tuple(dstKey, anyKey, startIndex, stopIndex, options([['REV']])).map(([d, s, a, b, o]) => ['ZRANGESTORE', d, s, a, b, ...o]) },
  { weight: 1, arbitrary: fc.tuple(dstKey, anyKey, scoreBound, scoreBound, options([['REV']], true)).map(([d, s, a, b, o]) => ['ZRANGESTORE', d, s, a, b, 'BYSCORE', ...o]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('dst', 'lx1', 'lx2'), lexKey, lexBound, lexBound, options([['REV']], true)).map(([d, s, a, b, o]) => ['ZRANGESTORE', d, s, a, b, 'BYLEX', ...o]) },
  // removals
  { weight: 2, arbitrary: fc.tuple(anyKey, startIndex, index).map(([k, a, b]) => ['ZREMRANGEBYRANK', k, a, b]) },
  { weight: 2, arbitrary: fc.tuple(anyKey, scoreBound, scoreBound).map(([k, a, b]) => ['ZREMRANGEBYSCORE', k, a, b]) },
  { weight: 2, arbitrary: fc.tuple(lexKey, lexBound, lexBound).map(([k, a, b]) => ['ZREMRANGEBYLEX', k, a, b]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('ZPOPMIN', 'ZPOPMAX'), anyKey, fc.constantFrom<string[]>([], [], ['1'], ['2'], ['0'], ['-1'], ['x'], ['1', '2'])).map(([c, k, n]) => [c, k, ...n]) },
  { weight: 2, arbitrary: fc.tuple(fc.array(anyKey, { minLength: 1, maxLength: 3 }), fc.constantFrom('MIN', 'MAX', 'min', 'FOO'), fc.constantFrom<string[]>([], ['COUNT', '2'], ['COUNT', '10'], ['COUNT', '0'], ['COUNT'])).map(([ks, w, o]) => ['ZMPOP', String(ks.length), ...ks, w, ...o]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('BZPOPMIN', 'BZPOPMAX'), fc.array(anyKey, { minLength: 1, maxLength: 2 }), fc.constantFrom('0.01', 'x', '-1')).map(([c, ks, t]) => [c, ...ks, t]) },
  { weight: 1, arbitrary: fc.tuple(fc.array(anyKey, { minLength: 1, maxLength: 2 }), fc.constantFrom('MIN', 'MAX'), fc.constantFrom('0.01', 'x')).map(([ks, w, t]) => ['BZMPOP', t, String(ks.length), ...ks, w, 'COUNT', '2']) },
  // random
  { weight: 3, arbitrary: fc.tuple(anyKey, fc.constantFrom<string[]>([], ['1'], ['2'], ['5'], ['20'], ['-3'], ['0'], ['x'], ['2', 'WITHSCORES'], ['-2', 'WITHSCORES'], ['9', 'withscores'], ['1', 'FOO'])).map(([k, o]) => ['ZRANDMEMBER', k, ...o]) },
  // set operations
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('ZUNION', 'ZINTER', 'ZDIFF'), numkeysAndKeys, someOf(setOpOption, 2)).map(([c, nk, o]) => [c, ...nk, ...o]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE'), dstKey, numkeysAndKeys, someOf(storeOpOption, 2)).map(([c, d, nk, o]) => [c, d, ...nk, ...o]) },
  { weight: 1, arbitrary: fc.tuple(numkeysAndKeys, fc.constantFrom<string[]>([], ['LIMIT', '1'], ['LIMIT', '0'], ['LIMIT', '-1'], ['LIMIT'])).map(([nk, o]) => ['ZINTERCARD', ...nk, ...o]) },
  { weight: 2, arbitrary: fc.tuple(anyKey, fc.constantFrom('0', 'x', '-1', ''), fc.constantFrom<string[]>([], ['MATCH', 'a*'], ['COUNT', '1'], ['COUNT', '0'], ['MATCH'])).map(([k, cur, o]) => ['ZSCAN', k, cur, ...o]) },
  // other types, so WRONGTYPE paths and overwrites are hit
  { weight: 1, arbitrary: fc.tuple(anyKey, fc.constantFrom('v', '1')).map(([k, v]) => ['SET', k, v]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('set', 'st'), members(1, 3)).map(([k, ms]) => ['SADD', k, ...ms]) },
  { weight: 1, arbitrary: anyKey.map((k) => ['DEL', k]) },
  { weight: 2, arbitrary: anyKey.map((k) => ['TYPE', k]) },
  { weight: 2, arbitrary: anyKey.map((k) => ['OBJECT', 'ENCODING', k]) },
  { weight: 1, arbitrary: fc.constant<string[]>(['DBSIZE']) },
  // both protocols' reply shapes
  { weight: 1, arbitrary: fc.constantFrom<string[]>(['HELLO', '3'], ['HELLO', '2']) },
);

const sequence = fc.array(command, { minLength: 10, maxLength: 60, size: 'max' });

describe('sorted sets against redis-server 7.0', { timeout: 180_000 }, () => {
  before(async () => {
    await ensureServers();
  });
  after(async () => {
    redis?.close();
    concord?.close();
    await Promise.all([redisProc?.stop(), concordProc?.stop()]);
  });

  it(`same replies for random sorted set sequences (seed ${SEED}, ${RUNS} runs; replay with ZSET_SEED)`, async () => {
    let fatal: string | null = null;
    const result = await fc.check(
      fc.asyncProperty(sequence, async (cmds) => {
        if (fatal !== null) return;
        await reset();
        const done: string[][] = [];
        for (const argv of cmds) {
          let m: string | null;
          try {
            m = await step(argv);
          } catch (err) {
            fatal = `${(err as Error).message}\n  after:\n    ${done.map(showCommand).join('\n    ')}`;
            return;
          }
          if (m !== null) assert.fail(`Concord differs from redis-server\n${m}\n  after:\n    ${done.map(showCommand).join('\n    ') || '(none)'}`);
          done.push(argv);
        }
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 120_000, includeErrorInReport: true },
    );
    if (STATS) for (const [n, v] of [...stats].sort()) console.log(`${n.padEnd(18)} ok ${v.ok}  nil ${v.nil}  error ${v.error}`);
    if (fatal !== null) assert.fail(`a server connection failed (seed ${SEED}):\n${fatal}`);
    if (result.failed) assert.fail(fc.defaultReportMessage(result) ?? 'property failed');
  });

  describe('targeted cases', () => {
    const L = LONG_MEMBER;
    const cases: Array<[string, string[][]]> = [
      ['ZADD option conflicts and their order of checks', [
        ['ZADD', 'k', 'NX', 'XX', '1', 'a'], ['ZADD', 'k', 'NX', 'GT', '1', 'a'], ['ZADD', 'k', 'GT', 'LT', '1', 'a'],
        ['ZADD', 'k', 'XX', 'GT', 'LT', '1', 'a'], ['ZADD', 'k', 'INCR', '1', 'a', '2', 'b'], ['ZADD', 'k', 'NX', 'XX', '1', 'a', '2'],
        ['ZADD', 'k', 'NX', 'XX', 'abc', 'a'], ['ZADD', 'k', 'INCR', 'abc', 'a'], ['ZADD', 'k', 'abc', 'a', '1', 'b'], ['EXISTS', 'k'],
        ['ZADD', 'k', 'NX'], ['ZADD', 'k', '1'], ['ZADD', 'k', '1', 'a', '2'], ['ZADD', 'k', 'ch', 'incr', 'nx'],
        ['SET', 's', 'v'], ['ZADD', 's', '1', 'a'], ['ZADD', 's', 'x', 'a'], ['ZADD', 's', 'NX', 'XX', '1', 'a'], ['ZINCRBY', 's', '1', 'a'],
      ]],
      ['ZADD NX XX GT LT CH INCR results', [
        ['ZADD', 'k', 'XX', '1', 'a'], ['EXISTS', 'k'], ['ZADD', 'k', 'XX', 'INCR', '1', 'a'], ['ZADD', 'k', 'NX', 'INCR', '1', 'a'],
        ['ZADD', 'k', 'NX', 'INCR', '1', 'a'], ['ZADD', 'k', 'GT', 'INCR', '-1', 'a'], ['ZADD', 'k', 'LT', 'INCR', '-1', 'a'],
        ['ZADD', 'k', 'GT', 'CH', '5', 'a', '1', 'b'], ['ZADD', 'k', 'LT', 'CH', '7', 'a', '0', 'b'], ['ZADD', 'k', 'CH', '0', 'b'],
        ['ZADD', 'k', 'CH', '0', 'b', '0', 'b', '1', 'b'], ['ZADD', 'k', 'INCR', '0', 'a'], ['ZADD', 'k', 'XX', 'CH', '3', 'a', '3', 'c'],
        ['ZRANGE', 'k', '0', '-1', 'WITHSCORES'], ['ZADD', 'k', 'GT', 'XX', 'CH', '10', 'a', '10', 'new'], ['ZRANGE', 'k', '0', '-1', 'WITHSCORES'],
      ]],
      ['score parsing and errors', [
        ['ZADD', 'k', '1e400', 'x'], ['ZADD', 'k', 'nan', 'x'], ['ZADD', 'k', ' 1', 'x'], ['ZADD', 'k', '1 ', 'x'], ['ZADD', 'k', '', 'x'],
        ['ZADD', 'k', '1e-400', 'x'], ['ZADD', 'k', 'infinity', 'x', '-INF', 'y', '+inf', 'z'], ['ZADD', 'k', '0x10', 'h', '0x1p-3', 'i', '1e-320', 'd', '5e-324', 'e'],
        ['ZADD', 'k', '1\0', 'x'], ['ZRANGE', 'k', '0', '-1', 'WITHSCORES'], ['ZINCRBY', 'k', 'nx', 'm'], ['ZINCRBY', 'k', 'incr', 'm'], ['ZINCRBY', 'k', 'x', 'm'],
      ]],
      ['score formatting (%.17g) and NaN results', [
        ['ZINCRBY', 'k', '0.1', 'a'], ['ZINCRBY', 'k', '0.2', 'a'], ['ZSCORE', 'k', 'a'], ['ZADD', 'k', '1e17', 'b', '123456789012345678', 'c', '1e-5', 'd', '-1.5e300', 'e', '1e16', 'f'],
        ['ZRANGE', 'k', '0', '-1', 'WITHSCORES'], ['ZINCRBY', 'k', '1.5e308', 'e'], ['ZINCRBY', 'k', '1.7e308', 'g'], ['ZINCRBY', 'k', '1.7e308', 'g'],
        ['ZINCRBY', 'k', '-inf', 'g'], ['ZADD', 'k', 'INCR', '-inf', 'g'], ['ZSCORE', 'k', 'g'], ['ZMSCORE', 'k', 'a', 'nope', 'g'],
      ]],
      ['-0 is kept by a skiplist and becomes 0 in a listpack', [
        ['ZADD', 's', '1', L], ['OBJECT', 'ENCODING', 's'], ['ZADD', 's', '-0', 'm'], ['ZSCORE', 's', 'm'], ['ZRANGE', 's', '0', '-1', 'WITHSCORES'],
        ['ZINCRBY', 's', '-0', 'n'], ['ZADD', 'l', '0', 'z'], ['ZUNIONSTORE', 'd', '1', 'l', 'WEIGHTS', '-1'], ['ZSCORE', 'd', 'z'],
        ['ZUNION', '1', 'l', 'WEIGHTS', '-1', 'WITHSCORES'], ['ZINCRBY', 'l', '-0', 'q'], ['ZSCORE', 'l', 'q'], ['ZADD', 'l', '5', 'n'],
        ['ZINCRBY', 'l', '-5', 'n'], ['ZSCORE', 'l', 'n'], ['ZRANGESTORE', 'r', 's', '0', '-1'], ['ZSCORE', 'r', 'm'],
        ['ZRANGESTORE', 'r', 's', '0', '-1', 'REV'], ['ZSCORE', 'r', 'm'], ['ZUNIONSTORE', 'u', '1', 's'], ['ZSCORE', 'u', 'm'],
      ]],
      ['encodings: conversions and store results', [
        ['ZADD', 'new', '1', L], ['OBJECT', 'ENCODING', 'new'], ['ZADD', 'new2', '1', 'a', '2', L], ['OBJECT', 'ENCODING', 'new2'],
        ['ZADD', 'n3', '1', 'a'], ['ZINCRBY', 'n3', '1', L], ['OBJECT', 'ENCODING', 'n3'], ['ZREM', 'n3', L], ['OBJECT', 'ENCODING', 'n3'],
        ['ZUNIONSTORE', 'd', '1', 'n3'], ['OBJECT', 'ENCODING', 'd'], ['COPY', 'n3', 'c'], ['OBJECT', 'ENCODING', 'c'],
        ['ZRANGESTORE', 'd', 'new2', '0', '0'], ['OBJECT', 'ENCODING', 'd'], ['ZRANGESTORE', 'd', 'new2', '0', '-1'], ['OBJECT', 'ENCODING', 'd'],
        ['ZADD', 'big', ...Array.from({ length: 128 }, (_, i) => [String(i), `m${i}`]).flat()], ['OBJECT', 'ENCODING', 'big'],
        ['ZADD', 'big', '200', 'm200'], ['OBJECT', 'ENCODING', 'big'], ['ZPOPMAX', 'big'], ['OBJECT', 'ENCODING', 'big'],
        ['ZRANGESTORE', 'd', 'big', '0', '127'], ['OBJECT', 'ENCODING', 'd'], ['ZRANGESTORE', 'd', 'big', '0', '126'], ['OBJECT', 'ENCODING', 'd'],
        ['ZINTERSTORE', 'd', '1', 'big'], ['OBJECT', 'ENCODING', 'd'], ['ZREMRANGEBYRANK', 'd', '0', '0'], ['OBJECT', 'ENCODING', 'd'],
        ['ZADD', 'x', 'XX', '1', L], ['EXISTS', 'x'],
      ]],
      ['score range parsing (strtod, as zslParseRange)', [
        ['ZADD', 'k', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'], ['ZRANGEBYSCORE', 'k', '', ''], ['ZRANGEBYSCORE', 'k', ' 1', '3'],
        ['ZRANGEBYSCORE', 'k', '(', '5'], ['ZRANGEBYSCORE', 'k', '1e400', '5'], ['ZRANGEBYSCORE', 'k', '-1e400', '5'], ['ZRANGEBYSCORE', 'k', '0x2', '5'],
        ['ZRANGEBYSCORE', 'k', '1\0x', '5'], ['ZRANGEBYSCORE', 'k', 'nan', '5'], ['ZRANGEBYSCORE', 'k', '(nan', '5'], ['ZRANGEBYSCORE', 'k', 'abc', '5'],
        ['ZRANGEBYSCORE', 'k', '1 ', '5'], ['ZCOUNT', 'k', 'x', '1'], ['ZCOUNT', 'k', '(1', '(3'], ['ZCOUNT', 'nokey', '(1', '(3'], ['ZCOUNT', 'nokey', 'x', '(3'],
        ['ZCOUNT', 'k', '(3', '3'], ['ZCOUNT', 'k', '3', '(3'], ['ZCOUNT', 'k', '4', '2'], ['ZCOUNT', 'k', '-inf', '(-inf'],
      ]],
      ['lex ranges with [ ( + -', [
        ['ZADD', 'k', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'ab', '0', '', '0', '\xff'],
        ['ZRANGEBYLEX', 'k', '-', '+'], ['ZRANGEBYLEX', 'k', '[b', '(d'], ['ZRANGEBYLEX', 'k', '(b', '[d', 'LIMIT', '0', '-1'],
        ['ZRANGEBYLEX', 'k', '[b', '[a'], ['ZRANGEBYLEX', 'k', '+', '-'], ['ZRANGEBYLEX', 'k', '-', '-'], ['ZRANGEBYLEX', 'k', '+', '+'],
        ['ZRANGEBYLEX', 'k', '[', '(a'], ['ZRANGEBYLEX', 'k', '(', '+'], ['ZRANGEBYLEX', 'k', '[a', '(ab'], ['ZRANGEBYLEX', 'k', '[a', '[ab'],
        ['ZRANGEBYLEX', 'k', '(\xff', '+'], ['ZRANGEBYLEX', 'k', '[\xff', '+'], ['ZRANGEBYLEX', 'k', '+\0x', '+'], ['ZREVRANGEBYLEX', 'k', '+', '-', 'LIMIT', '1', '2'],
        ['ZREVRANGEBYLEX', 'k', '[d', '(a'], ['ZRANGE', 'k', '[c', '-', 'BYLEX', 'REV'], ['ZLEXCOUNT', 'k', '-', '+'], ['ZLEXCOUNT', 'k', '[b', '[b'],
        ['ZLEXCOUNT', 'k', '(b', '(b'], ['ZLEXCOUNT', 'k', '(b', '[b'], ['ZLEXCOUNT', 'k', 'x', '[b'], ['ZLEXCOUNT', 'k', '[b', ''], ['ZLEXCOUNT', 'k', '+a', '+'],
        ['ZRANGEBYLEX', 'k', '-', '+', 'WITHSCORES'], ['ZRANGE', 'k', '-', '+', 'BYLEX', 'WITHSCORES'], ['ZREMRANGEBYLEX', 'k', '(a', '[c'],
        ['ZRANGE', 'k', '0', '-1'], ['ZREMRANGEBYLEX', 'k', 'a', '+'], ['ZREMRANGEBYLEX', 'k', '-', '+'], ['EXISTS', 'k'],
      ]],
      ['LIMIT: negative count means all, negative offset means none', [
        ['ZADD', 'k', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
        ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'LIMIT', '1', '2'], ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'LIMIT', '-1', '2'],
        ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'LIMIT', '1', '-1'], ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'LIMIT', '1', '-100'],
        ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'LIMIT', '1', '0'], ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'LIMIT', '5', '1'],
        ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'LIMIT', '4', '1'], ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'LIMIT', '0'],
        ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'LIMIT', 'x', '1'], ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'LIMIT', '0', '9223372036854775808'],
        ['ZREVRANGEBYSCORE', 'k', '+inf', '-inf', 'LIMIT', '1', '2', 'WITHSCORES'], ['ZREVRANGEBYSCORE', 'k', '(4', '(1'],
        ['ZRANGE', 'k', '(1', '5', 'BYSCORE', 'REV'], ['ZRANGE', 'k', '5', '(1', 'BYSCORE', 'REV', 'LIMIT', '1', '-1'],
        ['ZRANGEBYLEX', 'k', '-', '+', 'LIMIT', '-1', '2'], ['ZRANGEBYLEX', 'k', '-', '+', 'LIMIT', '2', '-2'],
        ['ZRANGE', 'k', '0', '-1', 'LIMIT', '1', '2'], ['ZRANGE', 'k', '0', '-1', 'LIMIT', '1', '-1'],
        ['ZRANGESTORE', 'd', 'k', '-inf', '+inf', 'BYSCORE', 'LIMIT', '-1', '5'], ['EXISTS', 'd'],
      ]],
      ['ZRANGE option parsing', [
        ['ZADD', 'k', '1', 'a', '2', 'b', '3', 'c'], ['ZRANGE', 'k', '0', '-1', 'BYLEX'], ['ZRANGE', 'k', '-', '+', 'BYLEX', 'BYSCORE'],
        ['ZRANGE', 'k', 'x', '1'], ['ZRANGE', 'k', '1', 'x', 'BYSCORE'], ['ZRANGE', 'k', '1', 'x', 'BYSCORE', 'FOO'], ['ZRANGE', 'k', '0', '1', 'REV', 'REV'],
        ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'REV'], ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'WITHSCORES', 'WITHSCORES'], ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'BYSCORE'],
        ['ZRANGESTORE', 'd', 'k', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'd', 'nokey', '0', '-1'], ['ZRANGE', 'k', '-9223372036854775808', '9223372036854775807'],
        ['ZRANGE', 'k', '9223372036854775808', '1'], ['ZREVRANGE', 'k', '0', '-1', 'WITHSCORES'], ['ZREVRANGE', 'k', '0', '-1', 'LIMIT', '0', '1'],
        ['SET', 's', 'v'], ['ZRANGE', 's', '0', '-1'], ['ZRANGE', 's', 'x', '-1'], ['ZRANGESTORE', 'd', 's', '0', '-1'], ['ZRANGESTORE', 's', 'k', '0', '0'], ['TYPE', 's'],
      ]],
      ['pops: errors, counts, key order', [
        ['ZADD', 'k', '1', 'a', '2', 'b', '3', 'c'], ['ZPOPMIN', 'k', '0'], ['ZPOPMIN', 'k', '-1'], ['ZPOPMIN', 'k', 'x'], ['ZPOPMIN', 'k', '1', '2'],
        ['ZPOPMIN', 'nokey', '0'], ['ZPOPMIN', 'nokey'], ['ZPOPMAX', 'k'], ['ZPOPMIN', 'k', '5'], ['EXISTS', 'k'],
        ['ZADD', 'k', '1', 'a', '2', 'b', '3', 'c'], ['ZMPOP', '0', 'k', 'MIN'], ['ZMPOP', 'x', 'k', 'MIN'], ['ZMPOP', '2', 'k', 'MIN'],
        ['ZMPOP', '1', 'k', 'FOO'], ['ZMPOP', '1', 'k', 'MIN', 'COUNT', '0'], ['ZMPOP', '1', 'k', 'MIN', 'COUNT', 'x'],
        ['ZMPOP', '1', 'k', 'MIN', 'COUNT', '1', 'COUNT', '1'], ['ZMPOP', '1', 'k', 'MIN', 'FOO'], ['ZMPOP', '1', 'k', 'MIN', 'COUNT'],
        ['ZMPOP', '1', 'nokey', 'MIN'], ['ZMPOP', '2', 'nokey', 'k', 'max', 'COUNT', '2'], ['SET', 'str', 'v'], ['ZADD', 'k', '5', 'e'],
        ['ZMPOP', '2', 'str', 'k', 'MIN'], ['ZMPOP', '2', 'k', 'str', 'MIN'], ['ZPOPMIN', 'str', '0'], ['ZPOPMIN', 'str', '-1'],
        ['BZPOPMIN', 'k', 'x'], ['BZPOPMIN', 'k', '-1'], ['BZPOPMIN', 'nokey', 'str', 'k', '0'], ['ZADD', 'k', '1', 'a'], ['BZPOPMAX', 'k', 'str', '0'],
        ['BZMPOP', 'x', '1', 'k', 'MIN'], ['BZMPOP', '0', '1', 'k', 'FOO'], ['BZMPOP', '-1', '1', 'k', 'MIN'], ['BZMPOP', '0', '0', 'k', 'MIN'],
        ['BZMPOP', 'x', '1', 'k', 'FOO'], ['BZMPOP', 'x', '0', 'k', 'MIN'], ['ZADD', 'k', '1', 'a', '2', 'b'], ['BZMPOP', '0', '1', 'k', 'MAX', 'COUNT', '5'],
        ['ZRANK', 'k', 'a', 'WITHSCORE'], ['ZREVRANK', 'k', 'a', 'WITHSCORE'],
      ]],
      ['set operations: errors and results, with plain sets as inputs', [
        ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z'], ['ZADD', 'b', '10', 'y', '20', 'z', '30', 'w'], ['SADD', 's', 'y', 'q'], ['SET', 'str', 'v'],
        ['ZUNIONSTORE', 'd', '0', 'a'], ['ZUNION', '0', 'a'], ['ZINTER', '0', 'a'], ['ZDIFF', '0', 'a'], ['ZDIFFSTORE', 'd', '0', 'a'], ['ZINTERCARD', '0', 'a'],
        ['ZINTERSTORE', 'd', '-1', 'a'], ['ZUNIONSTORE', 'd', 'x', 'a'], ['ZUNIONSTORE', 'd', '3', 'a', 'b'], ['ZUNION', '2', 'a', 'str'],
        ['ZUNION', '2', 'a', 'str', 'FOO'], ['ZUNION', '2', 'a', 'b', 'FOO'], ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1'], ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', 'x'],
        ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', '2', '3'], ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'foo'], ['ZUNION', '2', 'a', 'b', 'AGGREGATE'],
        ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '2', '0.5', 'AGGREGATE', 'MAX', 'WITHSCORES'], ['ZUNION', '2', 'a', 's', 'WITHSCORES'],
        ['ZINTER', '2', 'a', 's', 'WITHSCORES'], ['ZINTER', '3', 'a', 'b', 's', 'WITHSCORES'], ['ZDIFF', '2', 'a', 's', 'WITHSCORES'],
        ['ZDIFF', '2', 'b', 'a', 'WITHSCORES'], ['ZDIFF', '2', 'a', 'b', 'WEIGHTS', '1', '1'], ['ZDIFF', '2', 'a', 'b', 'AGGREGATE', 'SUM'],
        ['ZDIFFSTORE', 'd', '2', 'a', 'b', 'WITHSCORES'], ['ZUNIONSTORE', 'd', '2', 'a', 'b', 'WITHSCORES'], ['ZINTERCARD', '2', 'a', 'b'],
        ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'], ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '-1'], ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', 'x'],
        ['ZINTERCARD', '2', 'a', 'b', 'WITHSCORES'], ['ZINTERCARD', '2', 'a', 'str'], ['ZINTERCARD', '3', 'a', 'b'], ['ZUNIONSTORE', 'd', '2', 'a', 'nokey'],
        ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZINTERSTORE', 'd', '2', 'a', 'nokey'], ['EXISTS', 'd'], ['ZUNIONSTORE', 'str', '1', 'a'], ['TYPE', 'str'],
        ['ZADD', 'big', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], ['ZADD', 'small', '2', 'b'], ['ZDIFF', '2', 'big', 'small'], ['ZDIFF', '2', 'small', 'big'],
        ['ZUNIONSTORE', 'a', '2', 'a', 'b'], ['ZRANGE', 'a', '0', '-1', 'WITHSCORES'],
      ]],
      ['set operations: inputs ordered by size, where +inf and -inf meet', [
        ['ZADD', 'm1', '-inf', 'm'], ['ZADD', 'm2', 'inf', 'm'], ['ZADD', 'm3', 'inf', 'm'], ['ZUNIONSTORE', 'd', '3', 'm1', 'm2', 'm3'], ['ZSCORE', 'd', 'm'],
        ['ZUNIONSTORE', 'd', '3', 'm2', 'm3', 'm1'], ['ZSCORE', 'd', 'm'], ['ZADD', 'a', '-inf', 'm', '1', 'x', '2', 'y'], ['ZADD', 'b', 'inf', 'm'],
        ['ZUNIONSTORE', 'd', '3', 'a', 'b', 'b'], ['ZSCORE', 'd', 'm'], ['ZINTERSTORE', 'd', '3', 'a', 'b', 'b'], ['ZSCORE', 'd', 'm'],
        ['ZINTERSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '0', '1', 'AGGREGATE', 'MIN'], ['ZSCORE', 'd', 'm'],
        ['ZINTERSTORE', 'd', '2', 'b', 'a', 'WEIGHTS', '1', '0', 'AGGREGATE', 'MAX'], ['ZSCORE', 'd', 'm'],
        ['ZINTERSTORE', 'd', '2', 'b', 'a', 'WEIGHTS', '0', '1', 'AGGREGATE', 'MAX'], ['ZSCORE', 'd', 'm'], ['ZUNION', '2', 'a', 'b', 'WEIGHTS', 'inf', '0', 'WITHSCORES'],
        ['ZINTER', '2', 'a', 'a', 'WEIGHTS', '1', '-1', 'WITHSCORES'],
      ]],
      ['ZRANDMEMBER argument errors', [
        ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z'], ['ZRANDMEMBER', 'a', 'x'], ['ZRANDMEMBER', 'a', '1', 'x'], ['ZRANDMEMBER', 'a', '1', 'WITHSCORES', 'x'],
        ['ZRANDMEMBER', 'a', '-9223372036854775808'], ['ZRANDMEMBER', 'a', '9223372036854775807', 'WITHSCORES'], ['ZRANDMEMBER', 'a', '4611686018427387904', 'WITHSCORES'],
        ['ZRANDMEMBER', 'a', '-4611686018427387904', 'WITHSCORES'], ['ZRANDMEMBER', 'a', '4611686018427387903', 'WITHSCORES'], ['ZRANDMEMBER', 'nokey', '5'],
        ['ZRANDMEMBER', 'nokey'], ['ZRANDMEMBER', 'a', '0'], ['ZRANDMEMBER', 'a', '5', 'WITHSCORES'], ['ZRANDMEMBER', 'a', '3'], ['SET', 's', 'v'], ['ZRANDMEMBER', 's', '0'], ['ZRANDMEMBER', 's'],
      ]],
      ['ZSCAN', [
        ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z', '-0', 'n'], ['ZSCAN', 'a', 'x'], ['ZSCAN', 'a', '0', 'COUNT', '0'], ['ZSCAN', 'a', '0', 'COUNT', 'x'],
        ['ZSCAN', 'a', '0', 'MATCH'], ['ZSCAN', 'a', '0', 'MATCH', 'x*'], ['ZSCAN', 'a', '0', 'NOVALUES'], ['ZSCAN', 'nokey', 'x'], ['ZSCAN', 'nokey', '0', 'COUNT', '0'],
        ['ZSCAN', 'a', '-1'], ['ZSCAN', 'a', '18446744073709551616'], ['ZSCAN', 'a', ''], ['SET', 's', 'v'], ['ZSCAN', 's', '0'],
        ['ZADD', 'b', ...Array.from({ length: 300 }, (_, i) => [String(i % 17), `m${i}`]).flat()], ['ZSCAN', 'b', '0', 'COUNT', '7', 'MATCH', '*1*'],
      ]],
      ['RESP3 reply shapes', [
        ['HELLO', '3'], ['ZADD', 'k', '1', 'a', '2.5', 'b', 'inf', 'c'], ['ZSCORE', 'k', 'b'], ['ZMSCORE', 'k', 'a', 'x'], ['ZINCRBY', 'k', '1', 'a'],
        ['ZADD', 'k', 'INCR', '1', 'a'], ['ZRANGE', 'k', '0', '-1', 'WITHSCORES'], ['ZRANGEBYSCORE', 'k', '-inf', '+inf', 'WITHSCORES', 'LIMIT', '1', '5'],
        ['ZPOPMIN', 'k'], ['ZPOPMIN', 'k', '1'], ['ZADD', 'k', '1', 'a', '2', 'd'], ['ZPOPMAX', 'k', '2'], ['ZUNION', '1', 'k', 'WITHSCORES'],
        ['ZINTER', '1', 'k', 'WITHSCORES'], ['ZDIFF', '1', 'k', 'WITHSCORES'], ['ZMPOP', '1', 'k', 'MIN', 'COUNT', '1'],
        ['ZMPOP', '1', 'nokey', 'MIN'], ['ZADD', 'k', '1', 'a', '2', 'b'], ['BZPOPMIN', 'k', '0'], ['BZMPOP', '0', '1', 'k', 'MAX'], ['ZRANK', 'nokey', 'a'], ['ZSCORE', 'nokey', 'a'],
        ['ZRANDMEMBER', 'nokey'], ['HELLO', '2'],
      ]],
      ['expired keys are gone for every command', [
        ['ZADD', 'k', '1', 'a'], ['PEXPIRE', 'k', '1'], ['SLEEP', '20'], ['ZCARD', 'k'], ['ZADD', 'k', 'XX', '1', 'a'], ['EXISTS', 'k'],
        ['ZADD', 'k', '1', 'a'], ['EXPIRE', 'k', '100'], ['ZUNIONSTORE', 'k', '1', 'k'], ['TTL', 'k'], ['ZADD', 'k', '2', 'b'], ['TTL', 'k'],
      ]],
    ];
    for (const [name, cmds] of cases) it(name, () => expectSame(cmds));

    it('a large (skiplist) sorted set: ranks, ranges, removals and pops agree', async () => {
      await reset();
      const n = 5000;
      const batch: string[] = [];
      for (let i = 0; i < n; i++) batch.push(String((i * 7919) % 1013 / 4), `member:${(i * 104729) % n}`);
      const cmds: string[][] = [
        ['ZADD', 'big', ...batch], ['ZCARD', 'big'], ['OBJECT', 'ENCODING', 'big'], ['ZRANGE', 'big', '100', '140', 'WITHSCORES'],
        ['ZRANGE', 'big', '-50', '-1', 'REV'], ['ZRANK', 'big', 'member:4321'], ['ZREVRANK', 'big', 'member:17'], ['ZCOUNT', 'big', '(10', '100.25'],
        ['ZRANGEBYSCORE', 'big', '(10', '100.25', 'LIMIT', '500', '20', 'WITHSCORES'], ['ZREVRANGEBYSCORE', 'big', '+inf', '200', 'LIMIT', '3', '7'],
        ['ZREMRANGEBYRANK', 'big', '1000', '1999'], ['ZREMRANGEBYSCORE', 'big', '50', '(60'], ['ZCARD', 'big'], ['ZRANGE', 'big', '995', '1005', 'WITHSCORES'],
        ['ZPOPMIN', 'big', '30'], ['ZPOPMAX', 'big', '30'], ['ZMPOP', '1', 'big', 'MIN', 'COUNT', '3'], ['ZRANGESTORE', 'dst', 'big', '10', '3000'],
        ['ZCARD', 'dst'], ['OBJECT', 'ENCODING', 'dst'], ['ZINTERSTORE', 'i', '2', 'big', 'dst', 'WEIGHTS', '1', '2'], ['ZRANGE', 'i', '0', '20', 'WITHSCORES'],
        ['ZUNION', '2', 'big', 'dst', 'AGGREGATE', 'MIN', 'WITHSCORES'], ['ZDIFF', '2', 'big', 'dst'], ['ZREMRANGEBYRANK', 'big', '0', '-1'], ['EXISTS', 'big'],
      ];
      for (const argv of cmds) {
        const m = await step(argv);
        if (m !== null) assert.fail(`Concord differs from redis-server\n${m}`);
      }
      const lex: string[] = [];
      for (let i = 0; i < 3000; i++) lex.push('0', `w${(i * 7) % 3000}`);
      for (const argv of [
        ['ZADD', 'lex', ...lex], ['ZRANGEBYLEX', 'lex', '[w100', '(w1005', 'LIMIT', '2', '20'], ['ZLEXCOUNT', 'lex', '(w2', '[w3'],
        ['ZREVRANGEBYLEX', 'lex', '+', '[w999', 'LIMIT', '0', '10'], ['ZREMRANGEBYLEX', 'lex', '[w1', '(w2'], ['ZLEXCOUNT', 'lex', '-', '+'],
      ]) {
        const m = await step(argv);
        if (m !== null) assert.fail(`Concord differs from redis-server\n${m}`);
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Blocking

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
    const deadline = Date.now() + 3000;
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
    ['BZPOPMIN is served by a ZADD from another client', async ([a, b]) => {
      const p = later(a.call('BZPOPMIN', 'k', '5'));
      await blocked(b, 1);
      assert.equal(await b.call('ZADD', 'k', '2', 'y', '1', 'x'), 2);
      assert.deepEqual(await p, ['k', 'x', '1']);
      assert.deepEqual(await b.call('ZRANGE', 'k', '0', '-1'), ['y']);
    }],
    ['several blocked clients are served in arrival order', async ([a, b, c, d]) => {
      const pa = later(a.call('BZPOPMAX', 'k', '5'));
      await blocked(d, 1);
      const pb = later(b.call('BZPOPMIN', 'other', 'k', '5'));
      await blocked(d, 2);
      const pc = later(c.call('BZMPOP', '5', '1', 'k', 'MIN', 'COUNT', '10'));
      await blocked(d, 3);
      assert.equal(await d.call('ZADD', 'k', '1', 'a', '2', 'b'), 2);
      assert.deepEqual(await pa, ['k', 'b', '2']);
      assert.deepEqual(await pb, ['k', 'a', '1']);
      assert.equal(await d.call('EXISTS', 'k'), 0);
      await blocked(d, 1);
      assert.equal(await d.call('ZADD', 'k', '3', 'c', '4', 'e'), 2);
      assert.deepEqual(await pc, ['k', [['c', '3'], ['e', '4']]]);
    }],
    ['a timeout replies a null array; fractional timeouts work', async ([a]) => {
      const start = Date.now();
      assert.equal(await a.call('BZPOPMIN', 'k', '0.1'), null);
      const waited = Date.now() - start;
      assert.ok(waited >= 90 && waited < 2000, `waited ${waited} ms`);
      assert.equal(await a.call('BZMPOP', '0.05', '2', 'k', 'j', 'MAX'), null);
    }],
    ['a store command that creates the key serves the blocked client', async ([a, b]) => {
      const p = later(a.call('BZPOPMAX', 'dst', '5'));
      await blocked(b, 1);
      await b.call('ZADD', 'src', '1', 'a', '2', 'b');
      assert.equal(await b.call('ZUNIONSTORE', 'dst', '1', 'src'), 2);
      assert.deepEqual(await p, ['dst', 'b', '2']);
      const q = later(a.call('BZPOPMIN', 'dst2', '5'));
      await blocked(b, 1);
      assert.equal(await b.call('ZRANGESTORE', 'dst2', 'src', '0', '0'), 1);
      assert.deepEqual(await q, ['dst2', 'a', '1']);
      const r = later(a.call('BZPOPMIN', 'dst3', '5'));
      await blocked(b, 1);
      assert.equal(await b.call('ZINCRBY', 'dst3', '1.5', 'm'), '1.5');
      assert.deepEqual(await r, ['dst3', 'm', '1.5']);
    }],
    ['a key filled and emptied inside one transaction leaves the client blocked', async ([a, b]) => {
      const p = later(a.call('BZPOPMIN', 'k', '0.5'));
      await blocked(b, 1);
      assert.equal(await b.call('MULTI'), 'OK');
      await b.call('ZADD', 'k', '1', 'v');
      await b.call('ZPOPMIN', 'k');
      assert.deepEqual(await b.call('EXEC'), [1, ['v', '1']]);
      assert.equal(await p, null);
    }],
    ['inside MULTI a blocking pop on an empty key replies a null array at once', async ([a]) => {
      assert.equal(await a.call('MULTI'), 'OK');
      assert.equal(await a.call('BZPOPMIN', 'k', '0'), 'QUEUED');
      assert.equal(await a.call('BZMPOP', '0', '1', 'k', 'MIN'), 'QUEUED');
      assert.deepEqual(await a.call('EXEC'), [null, null]);
    }],
    ['a blocked client whose key becomes a string is not served; WRONGTYPE only before blocking', async ([a, b]) => {
      const p = later(a.call('BZPOPMIN', 'k', '0.3'));
      await blocked(b, 1);
      await b.call('SET', 'k', 'v');
      assert.equal(await p, null);
      assert.deepEqual(await a.call('BZPOPMIN', 'k', '0.3'), { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
    }],
  ];

  for (const [name, scenario] of scenarios) {
    it(`${name} (redis-server)`, () => withClients(redisNode.port, 4, scenario));
    it(`${name} (Concord)`, () => withClients(concordNode.port, 4, scenario));
  }
});

// ---------------------------------------------------------------------------------------------
// Effects

describe('propagated effects', { timeout: 30_000 }, () => {
  const effects: string[][] = [];
  let node: RunningNode;
  let dir: string;
  let a: RespClient;
  let b: RespClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concord-zset-effects-'));
    node = await startServer({ port: 0, dir, effects: { write: (_db, argv) => effects.push([...argv]) } });
    [a, b] = await Promise.all([RespClient.connect(node.port), RespClient.connect(node.port)]);
  });
  after(async () => {
    a?.close();
    b?.close();
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ZADD, ZINCRBY and stores propagate as received; writes that change nothing propagate nothing', async () => {
    effects.length = 0;
    await a.call('ZADD', 'k', '1', 'a', '2', 'b');
    await a.call('ZADD', 'k', 'NX', '5', 'a');
    await a.call('ZADD', 'k', 'GT', '0', 'b');
    await a.call('ZINCRBY', 'k', '0.5', 'a');
    await a.call('ZADD', 'k', 'INCR', '1', 'c');
    await a.call('ZREM', 'k', 'nope');
    await a.call('ZRANGESTORE', 'd', 'k', '0', '0');
    await a.call('ZUNIONSTORE', 'u', '1', 'nokey');
    await a.call('ZPOPMIN', 'nokey');
    await a.call('ZREMRANGEBYSCORE', 'k', '(10', '20');
    assert.deepEqual(effects, [
      ['ZADD', 'k', '1', 'a', '2', 'b'],
      ['ZINCRBY', 'k', '0.5', 'a'],
      ['ZADD', 'k', 'INCR', '1', 'c'],
      ['ZRANGESTORE', 'd', 'k', '0', '0'],
    ]);
  });

  it('ZMPOP and served blocking pops propagate the pop they did', async () => {
    await a.call('FLUSHALL');
    effects.length = 0;
    await a.call('ZADD', 'k', '1', 'a', '2', 'b', '3', 'c');
    await a.call('ZMPOP', '2', 'nokey', 'k', 'MAX', 'COUNT', '10');
    await a.call('ZADD', 'k', '1', 'a', '2', 'b', '3', 'c');
    assert.deepEqual(await a.call('BZPOPMIN', 'nokey', 'k', '0'), ['k', 'a', '1']);
    assert.deepEqual(await a.call('BZMPOP', '0', '1', 'k', 'MAX', 'COUNT', '1'), ['k', [['c', '3']]]);
    assert.deepEqual(effects, [
      ['ZADD', 'k', '1', 'a', '2', 'b', '3', 'c'],
      ['ZPOPMAX', 'k', '3'],
      ['ZADD', 'k', '1', 'a', '2', 'b', '3', 'c'],
      ['ZPOPMIN', 'k'],
      ['ZPOPMAX', 'k', '1'],
    ]);
  });

  async function waitBlocked(n: number): Promise<void> {
    const count = (): number => node.server.blocking.blockedClients;
    for (let i = 0; i < 200 && count() !== n; i++) await sleep(10);
    assert.equal(count(), n);
  }

  it('a BZPOPMIN served later propagates ZPOPMIN after the ZADD that woke it', async () => {
    await a.call('FLUSHALL');
    effects.length = 0;
    const p = a.call('BZPOPMIN', 'w', '5');
    p.catch(() => {});
    await waitBlocked(1);
    await b.call('ZADD', 'w', '7', 'x', '8', 'y');
    assert.deepEqual(await p, ['w', 'x', '7']);
    const q = a.call('BZMPOP', '5', '1', 'w2', 'MIN', 'COUNT', '5');
    q.catch(() => {});
    await waitBlocked(1);
    await b.call('ZADD', 'w2', '1', 'p', '2', 'q');
    assert.deepEqual(await q, ['w2', [['p', '1'], ['q', '2']]]);
    assert.deepEqual(effects, [
      ['ZADD', 'w', '7', 'x', '8', 'y'],
      ['ZPOPMIN', 'w'],
      ['ZADD', 'w2', '1', 'p', '2', 'q'],
      ['ZPOPMIN', 'w2', '2'],
    ]);
  });
});
