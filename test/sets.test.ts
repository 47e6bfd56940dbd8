/**
 * The SET type against a real redis-server 7.0 (the reference), plus in-process checks.
 *
 * Part 1: a fast-check property sends random sequences of set commands (and a few string and key
 * commands) over a tiny key and member alphabet to both servers and compares the replies. The
 * alphabet mixes integer and non-integer members so both encodings (intset, hashtable) and the
 * conversions between them occur. Comparison rules (the only normalisations):
 *  - Replies whose order Redis leaves to its hash table (SMEMBERS of a hashtable, SINTER walking
 *    a hashtable, SUNION/SDIFF results that are hashtables) are compared as sorted lists of the
 *    same kind (RESP3 set or array). Where Redis's order is determined (intsets: ascending
 *    numeric) the replies must be identical. Before such a read, both servers must agree on each
 *    key's type, encoding and members.
 *  - SPOP / SRANDMEMBER: each server's reply is checked on its own against the set it held
 *    (count, membership, distinctness where required, reply kind); after SPOP each server's set
 *    must be what it held minus what it returned. When the two servers popped different members,
 *    the key is rewritten on both (DEL + SADD of Redis's remainder) so the sequence goes on.
 *  - SSCAN: from cursor 0, iterated to the end on each server; an intset's single page must be
 *    identical, a hashtable's members are compared as a sorted set.
 * Replay: SETS_SEED=<n> (default below, also in the test's name), SETS_RUNS=<n> (default 200).
 *
 * Part 2: targeted differential cases (error texts, encodings, RESP3 reply kinds).
 * Part 3: in-process: the SetValue model property, SPOP's effects, seeded determinism, speed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startServer, type RunningNode } from '../src/index.js';
import { SET_INTSET_ENTRIES_MAX, SetValue, compareInt64Text, isInt64Text } from '../src/keyspace/set.js';
import { seededRandom } from '../src/util/random.js';
import { RespClient, isError, showCommand, showReply, type Reply } from './helpers/resp-client.js';
import { startConcord, startRedis, type ServerProcess } from './helpers/servers.js';

const DEFAULT_SEED = 20_240_707;
const envNumber = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v !== undefined && v !== '' ? Number(v) : fallback;
};
const SEED = envNumber('SETS_SEED', DEFAULT_SEED);
const RUNS = envNumber('SETS_RUNS', 200);

// ---------------------------------------------------------------------------------------------
// Reply helpers

type Kind = 'array' | 'set' | 'other';

function kindOf(x: Reply): Kind {
  if (Array.isArray(x)) return 'array';
  if (typeof x === 'object' && x !== null && 'set' in x) return 'set';
  return 'other';
}

/** The elements of an array or RESP3 set reply, else null. */
function elements(x: Reply): Reply[] | null {
  if (Array.isArray(x)) return x;
  if (typeof x === 'object' && x !== null && 'set' in x) return x.set;
  return null;
}

const byBytes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The same reply with its elements sorted (an aggregate of strings), else unchanged. */
function sortedReply(x: Reply): Reply {
  const items = elements(x);
  if (items === null) return x;
  const sorted = [...(items as string[])].sort(byBytes);
  return kindOf(x) === 'set' ? { set: sorted } : sorted;
}

function sameReply(a: Reply, b: Reply): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** Whether a set of `members` would be an intset in Redis 7.0 (built from scratch). */
function intsetContent(members: readonly string[]): boolean {
  return members.length <= SET_INTSET_ENTRIES_MAX && members.every(isInt64Text);
}

// ---------------------------------------------------------------------------------------------
// Part 1 and 2: both servers

describe('SET type: Concord vs redis-server 7.0', { timeout: 180_000 }, () => {
  let redisProc: ServerProcess;
  let concordProc: ServerProcess;
  let redis: RespClient;
  let concord: RespClient;

  before(async () => {
    [redisProc, concordProc] = await Promise.all([startRedis(), startConcord()]);
    [redis, concord] = await Promise.all([RespClient.connect(redisProc.port), RespClient.connect(concordProc.port)]);
  });

  after(async () => {
    redis?.close();
    concord?.close();
    await Promise.all([redisProc?.stop(), concordProc?.stop()]);
  });

  const both = (argv: string[]): Promise<[Reply, Reply]> => Promise.all([redis.call(...argv), concord.call(...argv)]);

  async function reset(resp: 2 | 3 = 2): Promise<void> {
    const [r, c] = await both(['FLUSHALL']);
    assert.equal(r, 'OK');
    assert.equal(c, 'OK');
    const [hr, hc] = await both(['HELLO', String(resp)]);
    assert.ok(!isError(hr) && !isError(hc), `HELLO ${resp}: ${showReply(hr)} / ${showReply(hc)}`);
  }

  function describeStep(argv: string[], r: Reply, c: Reply, note = ''): string {
    return `${note}command: ${showCommand(argv)}\n  redis:   ${showReply(r)}\n  concord: ${showReply(c)}`;
  }

  // ---- what each server holds at a key

  interface KeyFacts {
    type: string;
    encoding: Reply;
    /** Sorted members when the key holds a set, else []. */
    members: string[];
  }

  async function factsOn(client: RespClient, key: string): Promise<KeyFacts> {
    const [type, encoding, members] = await Promise.all([
      client.call('TYPE', key), client.call('OBJECT', 'ENCODING', key), client.call('SMEMBERS', key),
    ]);
    const items = elements(members);
    return {
      type: type as string,
      encoding,
      members: items === null ? [] : [...(items as string[])].sort(byBytes),
    };
  }

  /** Facts for each distinct key, from both servers; a message when they disagree. */
  async function factsOf(keys: readonly string[]): Promise<Map<string, KeyFacts> | string> {
    const out = new Map<string, KeyFacts>();
    for (const key of new Set(keys)) {
      const [r, c] = await Promise.all([factsOn(redis, key), factsOn(concord, key)]);
      if (!sameReply(r as unknown as Reply, c as unknown as Reply)) {
        return `state differs at key ${JSON.stringify(key)}\n  redis:   ${JSON.stringify(r)}\n  concord: ${JSON.stringify(c)}`;
      }
      out.set(key, r);
    }
    return out;
  }

  /**
   * Whether Redis's reply order is determined for a set read, from the keys' facts (see the
   * header): SMEMBERS and SINTER walk a set (ordered when it is an intset), SUNION and SDIFF
   * list a freshly built result set.
   */
  function orderDetermined(name: string, keys: string[], facts: Map<string, KeyFacts>, reply: Reply): boolean {
    const f = keys.map((k) => facts.get(k)!);
    if (f.some((x) => x.type !== 'set' && x.type !== 'none')) return true; // an error
    const items = elements(reply);
    if (items === null) return true;
    if (name === 'SMEMBERS') return f[0].encoding === 'intset' || f[0].type === 'none';
    if (name === 'SINTER') {
      if (f.some((x) => x.type === 'none')) return true;
      let smallest = f[0];
      for (const x of f) if (x.members.length < smallest.members.length) smallest = x;
      return smallest.encoding === 'intset';
    }
    if (name === 'SUNION') return intsetContent(items as string[]);
    // SDIFF: Redis's algorithm 2 starts from the whole first set, algorithm 1 from nothing.
    const first = f[0];
    if (first.type === 'none' || first.members.length === 0) return true;
    let one = 0;
    let two = 0;
    for (const x of f) {
      if (x.type === 'none') continue;
      one += first.members.length;
      two += x.members.length;
    }
    const algoOne = Math.floor(one / 2) <= two;
    return algoOne ? intsetContent(items as string[]) : intsetContent(first.members);
  }

  // ---- one command on both servers

  async function step(argv: string[]): Promise<string | null> {
    const name = argv[0].toUpperCase();
    if ((name === 'SPOP' || name === 'SRANDMEMBER') && argv.length >= 2 && argv.length <= 3) return randomStep(argv);
    if (name === 'SSCAN' && argv.length >= 3) return sscanStep(argv);
    if ((name === 'SMEMBERS' && argv.length === 2) || (['SINTER', 'SUNION', 'SDIFF'].includes(name) && argv.length >= 2)) {
      const keys = argv.slice(1);
      const facts = await factsOf(keys);
      if (typeof facts === 'string') return `before ${showCommand(argv)}: ${facts}`;
      const [r, c] = await both(argv);
      if (sameReply(r, c)) return null;
      if (!orderDetermined(name, keys, facts, r) && sameReply(sortedReply(r), sortedReply(c))) return null;
      return describeStep(argv, r, c);
    }
    const [r, c] = await both(argv);
    return sameReply(r, c) ? null : describeStep(argv, r, c);
  }

  /** Checks one server's SPOP / SRANDMEMBER reply against the set it held; a message when wrong. */
  function checkRandomReply(argv: string[], reply: Reply, held: readonly string[]): string | null {
    const name = argv[0].toUpperCase();
    const heldSet = new Set(held);
    if (argv.length === 2) {
      if (held.length === 0) return reply === null ? null : 'expected null for an empty set';
      return typeof reply === 'string' && heldSet.has(reply) ? null : 'expected a member of the set';
    }
    const items = elements(reply);
    const expectedKind: Kind = name === 'SPOP' ? 'set' : 'array';
    // RESP2 has no set type: a set reply arrives as an array.
    if (items === null || (kindOf(reply) !== expectedKind && kindOf(reply) !== 'array')) return `expected an ${expectedKind} reply`;
    const n = BigInt(argv[2]);
    const size = BigInt(held.length);
    for (const m of items) if (typeof m !== 'string' || !heldSet.has(m)) return `${showReply(m)} is not a member`;
    if (n < 0n) {
      const want = size === 0n ? 0n : -n;
      return BigInt(items.length) === want ? null : `expected ${want} picks`;
    }
    const want = n < size ? n : size;
    if (BigInt(items.length) !== want) return `expected ${want} members`;
    return new Set(items).size === items.length ? null : 'members repeat';
  }

  async function randomStep(argv: string[]): Promise<string | null> {
    const name = argv[0].toUpperCase();
    const key = argv[1];
    const before = await factsOf([key]);
    if (typeof before === 'string') return `before ${showCommand(argv)}: ${before}`;
    const held = before.get(key)!.members;
    const [r, c] = await both(argv);
    if (isError(r) || isError(c)) return sameReply(r, c) ? null : describeStep(argv, r, c);
    if (kindOf(r) !== kindOf(c)) return describeStep(argv, r, c, '(reply kinds differ)\n');
    for (const [who, reply] of [['redis', r], ['concord', c]] as const) {
      const problem = checkRandomReply(argv, reply, held);
      if (problem !== null) return describeStep(argv, r, c, `(${who}: ${problem}; the set held ${JSON.stringify(held)})\n`);
    }
    if (name !== 'SPOP') return null;
    // SPOP removed exactly what it returned, on each server.
    const popped = (x: Reply): Set<string> => new Set(typeof x === 'string' ? [x] : ((elements(x) ?? []) as string[]));
    const [ra, ca] = await Promise.all([factsOn(redis, key), factsOn(concord, key)]);
    for (const [who, reply, afterFacts] of [['redis', r, ra], ['concord', c, ca]] as const) {
      const gone = popped(reply);
      const expected = held.filter((m) => !gone.has(m));
      if (!sameReply(afterFacts.members, expected)) {
        return describeStep(argv, r, c, `(${who}: after SPOP the set holds ${JSON.stringify(afterFacts.members)}, expected ${JSON.stringify(expected)})\n`);
      }
    }
    if (!sameReply(ra.members, ca.members)) {
      // Different random picks: give both servers Redis's remainder, built the same way.
      await both(['DEL', key]);
      if (ra.members.length > 0) await both(['SADD', key, ...ra.members]);
    } else if (!sameReply(ra.encoding, ca.encoding)) {
      return describeStep(argv, r, c, `(same members after SPOP, encodings differ: redis ${showReply(ra.encoding)}, concord ${showReply(ca.encoding)})\n`);
    }
    return null;
  }

  async function scanAll(client: RespClient, argv: string[]): Promise<Reply> {
    let cursor = argv[2];
    const first = await client.call('SSCAN', argv[1], cursor, ...argv.slice(3));
    if (isError(first)) return first;
    const seen = new Set<string>();
    let reply: Reply = first;
    for (let rounds = 0; rounds < 10_000; rounds++) {
      if (!Array.isArray(reply) || reply.length !== 2 || typeof reply[0] !== 'string' || !Array.isArray(reply[1])) {
        return { error: `malformed SSCAN reply: ${showReply(reply)}` };
      }
      for (const m of reply[1]) seen.add(m as string);
      cursor = reply[0];
      if (cursor === '0') return [...seen].sort(byBytes);
      reply = await client.call('SSCAN', argv[1], cursor, ...argv.slice(3));
    }
    return { error: 'SSCAN did not finish in 10000 rounds' };
  }

  async function sscanStep(argv: string[]): Promise<string | null> {
    const key = argv[1];
    const facts = await factsOf([key]);
    if (typeof facts === 'string') return `before ${showCommand(argv)}: ${facts}`;
    const f = facts.get(key)!;
    if (f.type !== 'set' || f.encoding === 'intset') {
      // Missing key, wrong type, errors, or an intset (one page, whatever the cursor): identical.
      const [r, c] = await both(argv);
      return sameReply(r, c) ? null : describeStep(argv, r, c);
    }
    if (argv[2] !== '0') {
      // A hashtable from a cursor this node did not issue: only errors compare.
      const [r, c] = await both(argv);
      if (isError(r) || isError(c)) return sameReply(r, c) ? null : describeStep(argv, r, c);
      return Array.isArray(c) && c.length === 2 ? null : describeStep(argv, r, c, '(malformed reply)\n');
    }
    const [r, c] = await Promise.all([scanAll(redis, argv), scanAll(concord, argv)]);
    return sameReply(r, c) ? null : describeStep(argv, r, c, '(SSCAN fully iterated, members as a sorted set)\n');
  }

  // ---- generators

  const BIN_KEY = 'k\r\n\xff';
  const key = fc.constantFrom('a', 'b', 'c', BIN_KEY);
  const keys = (min: number, max: number): fc.Arbitrary<string[]> => fc.array(key, { minLength: min, maxLength: max });
  const intMember = fc.constantFrom('1', '2', '3', '0', '-5', '10', '511', '9223372036854775807', '-9223372036854775808');
  const textMember = fc.constantFrom('x', 'y', 'hello', '', '007', '-0', '+1', '1.5', '9223372036854775808', '\xff\r\n\0');
  const member = fc.oneof({ weight: 3, arbitrary: intMember }, { weight: 1, arbitrary: textMember });
  const members = (min: number, max: number): fc.Arbitrary<string[]> => fc.array(member, { minLength: min, maxLength: max });
  /** 513 integers: one past set-max-intset-entries. */
  const BIG = Array.from({ length: SET_INTSET_ENTRIES_MAX + 1 }, (_, i) => String(i));
  const countArg = fc.constantFrom('0', '1', '2', '3', '5', '10', '600', '-1', '-3', '-10', 'abc', '', '1.5', '9223372036854775807', '-9223372036854775808', '9223372036854775808');
  const pattern = fc.constantFrom('*', '1*', '?', '[0-2]', '*x*', '-*', 'h*', '\xff*', 'nomatch');
  const scanOption = fc.oneof(
    pattern.map((p) => ['MATCH', p]),
    fc.constantFrom('1', '2', '10', '1000', '0', '-1', 'abc').map((n) => ['COUNT', n]),
    fc.constantFrom<string[]>(['MATCH'], ['FOO'], ['TYPE', 'set']),
  );
  const numkeysFor = (ks: string[]): fc.Arbitrary<string> =>
    fc.oneof({ weight: 6, arbitrary: fc.constant(String(ks.length)) }, { weight: 1, arbitrary: fc.constantFrom('0', '-1', 'abc', '1', '5', '9223372036854775808') });
  const limitOption = fc.oneof(
    fc.constantFrom('0', '1', '2', '3', '-1', 'abc', '9223372036854775807').map((n) => ['LIMIT', n]),
    fc.constantFrom<string[]>(['LIMIT'], ['FOO'], ['limit', '1']),
  );
  const value = fc.constantFrom('1', 'x', '10', '');
  const arityErrors = fc.constantFrom<string[]>(
    ['SADD', 'a'], ['SREM', 'a'], ['SISMEMBER', 'a'], ['SISMEMBER', 'a', '1', '2'], ['SMISMEMBER', 'a'], ['SMEMBERS'],
    ['SMEMBERS', 'a', 'b'], ['SCARD'], ['SPOP'], ['SPOP', 'a', '1', '2'], ['SRANDMEMBER'], ['SRANDMEMBER', 'a', '1', '2'],
    ['SMOVE', 'a', 'b'], ['SINTER'], ['SINTERCARD', '1'], ['SINTERSTORE', 'a'], ['SUNION'], ['SUNIONSTORE', 'a'],
    ['SDIFF'], ['SDIFFSTORE', 'a'], ['SSCAN', 'a'],
  );

  const command: fc.Arbitrary<string[]> = fc.oneof(
    { weight: 10, arbitrary: fc.tuple(key, members(1, 4)).map(([k, ms]) => ['SADD', k, ...ms]) },
    { weight: 1, arbitrary: key.map((k) => ['SADD', k, ...BIG]) },
    { weight: 4, arbitrary: fc.tuple(key, members(1, 3)).map(([k, ms]) => ['SREM', k, ...ms]) },
    { weight: 2, arbitrary: fc.tuple(key, member).map(([k, m]) => ['SISMEMBER', k, m]) },
    { weight: 2, arbitrary: fc.tuple(key, members(1, 3)).map(([k, ms]) => ['SMISMEMBER', k, ...ms]) },
    { weight: 4, arbitrary: key.map((k) => ['SMEMBERS', k]) },
    { weight: 2, arbitrary: key.map((k) => ['SCARD', k]) },
    { weight: 3, arbitrary: key.map((k) => ['SPOP', k]) },
    { weight: 3, arbitrary: fc.tuple(key, countArg).map(([k, n]) => ['SPOP', k, n]) },
    { weight: 2, arbitrary: key.map((k) => ['SRANDMEMBER', k]) },
    { weight: 3, arbitrary: fc.tuple(key, countArg).map(([k, n]) => ['SRANDMEMBER', k, n]) },
    { weight: 3, arbitrary: fc.tuple(key, key, member).map(([s, d, m]) => ['SMOVE', s, d, m]) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom('SINTER', 'SUNION', 'SDIFF'), keys(1, 3)).map(([c, ks]) => [c, ...ks]) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), key, keys(1, 3)).map(([c, d, ks]) => [c, d, ...ks]) },
    {
      weight: 3,
      arbitrary: keys(1, 3).chain((ks) => fc.tuple(numkeysFor(ks), fc.array(limitOption, { maxLength: 2 }))
        .map(([n, opts]) => ['SINTERCARD', n, ...ks, ...opts.flat()])),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(key, fc.constantFrom('0', '0', '0', 'abc', '-1', '', '5', '18446744073709551616'), fc.array(scanOption, { maxLength: 2 }))
        .map(([k, cur, opts]) => ['SSCAN', k, cur, ...opts.flat()]),
    },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom('ENCODING', 'encoding'), key).map(([s, k]) => ['OBJECT', s, k]) },
    { weight: 2, arbitrary: fc.tuple(key, value).map(([k, v]) => ['SET', k, v]) },
    { weight: 1, arbitrary: key.map((k) => ['GET', k]) },
    { weight: 2, arbitrary: keys(1, 2).map((ks) => ['DEL', ...ks]) },
    { weight: 1, arbitrary: key.map((k) => ['TYPE', k]) },
    { weight: 1, arbitrary: keys(1, 3).map((ks) => ['EXISTS', ...ks]) },
    { weight: 1, arbitrary: arityErrors },
  );

  const sequence = fc.tuple(fc.constantFrom<2 | 3>(2, 3), fc.array(command, { minLength: 1, maxLength: 25, size: 'max' }));

  it(`same replies for random set command sequences (seed ${SEED}, ${RUNS} runs; replay with SETS_SEED)`, async () => {
    const counts = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(sequence, async ([resp, cmds]) => {
        await reset(resp);
        const done: string[][] = [];
        for (const argv of cmds) {
          const mismatch = await step(argv);
          if (mismatch !== null) {
            const history = done.length === 0 ? '(none)' : done.map(showCommand).join('\n    ');
            assert.fail(`Concord differs from redis-server (RESP${resp})\n${mismatch}\n  after:\n    ${history}`);
          }
          done.push(argv);
          counts.set(argv[0], (counts.get(argv[0]) ?? 0) + 1);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    if (process.env.SETS_STATS === '1') console.log([...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', '));
  });

  // ---- Part 2: targeted cases

  /** Runs `cmds` from an empty db on both servers; every reply must be identical. */
  async function expectSame(cmds: string[][], resp: 2 | 3 = 2): Promise<Reply[]> {
    await reset(resp);
    const replies: Reply[] = [];
    for (const argv of cmds) {
      const [r, c] = await both(argv);
      assert.ok(sameReply(r, c), `Concord differs from redis-server (RESP${resp})\n${describeStep(argv, r, c)}`);
      replies.push(r);
    }
    return replies;
  }

  it('error texts are exactly Redis 7.0\'s', async () => {
    const POSITIVE = 'ERR value is out of range, must be positive';
    const cases: Array<[string[], string]> = [
      [['SPOP', 's', '-1'], POSITIVE],
      [['SPOP', 's', 'abc'], POSITIVE],
      [['SPOP', 's', '9223372036854775808'], POSITIVE],
      [['SPOP', 'str', '-1'], POSITIVE],
      [['SPOP', 's', '1', '2'], 'ERR syntax error'],
      [['SRANDMEMBER', 's', 'abc'], 'ERR value is not an integer or out of range'],
      [['SRANDMEMBER', 's', '-9223372036854775808'], 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'],
      [['SRANDMEMBER', 's', '1', '2'], 'ERR syntax error'],
      [['SINTERCARD', '0', 's'], 'ERR numkeys should be greater than 0'],
      [['SINTERCARD', '-1', 's'], 'ERR numkeys should be greater than 0'],
      [['SINTERCARD', 'abc', 's'], 'ERR numkeys should be greater than 0'],
      [['SINTERCARD', '9223372036854775808', 's'], 'ERR numkeys should be greater than 0'],
      [['SINTERCARD', '2', 's'], "ERR Number of keys can't be greater than number of args"],
      [['SINTERCARD', '1', 's', 'LIMIT', '-1'], "ERR LIMIT can't be negative"],
      [['SINTERCARD', '1', 's', 'LIMIT', 'abc'], "ERR LIMIT can't be negative"],
      [['SINTERCARD', '1', 'str', 'LIMIT', '-1'], "ERR LIMIT can't be negative"],
      [['SINTERCARD', '1', 's', 'LIMIT'], 'ERR syntax error'],
      [['SINTERCARD', '1', 's', 'FOO'], 'ERR syntax error'],
      [['SSCAN', 's', 'abc'], 'ERR invalid cursor'],
      [['SSCAN', 's', ' 1'], 'ERR invalid cursor'],
      [['SSCAN', 's', '18446744073709551616'], 'ERR invalid cursor'],
      [['SSCAN', 's', '0', 'COUNT', '0'], 'ERR syntax error'],
      [['SSCAN', 's', '0', 'COUNT', 'abc'], 'ERR value is not an integer or out of range'],
      [['SSCAN', 's', '0', 'TYPE', 'set'], 'ERR syntax error'],
      [['SSCAN', 's', '0', 'MATCH'], 'ERR syntax error'],
      [['SADD', 'str', '1'], 'WRONGTYPE Operation against a key holding the wrong kind of value'],
      [['SMOVE', 's', 'str', '1'], 'WRONGTYPE Operation against a key holding the wrong kind of value'],
      [['SINTER', 'nokey', 'str'], 'WRONGTYPE Operation against a key holding the wrong kind of value'],
      [['SUNIONSTORE', 'd', 's', 'str'], 'WRONGTYPE Operation against a key holding the wrong kind of value'],
      [['SADD', 's'], "ERR wrong number of arguments for 'sadd' command"],
      [['SINTERCARD', '1'], "ERR wrong number of arguments for 'sintercard' command"],
    ];
    await reset();
    await both(['SADD', 's', '1', '2', '3']);
    await both(['SET', 'str', 'x']);
    for (const [argv, text] of cases) {
      const [r, c] = await both(argv);
      assert.deepEqual(r, { error: text }, `redis-server itself: ${showCommand(argv)}`);
      assert.deepEqual(c, { error: text }, `concord: ${showCommand(argv)}`);
    }
  });

  it('no error where Redis has none: missing keys before bad options, a missing SMOVE source', async () => {
    await expectSame([
      ['SET', 'str', 'x'],
      ['SSCAN', 'nokey', '0', 'COUNT', '0'], ['SSCAN', 'nokey', '0', 'FOO'], ['SSCAN', 'nokey', ''],
      ['SMOVE', 'nokey', 'str', 'x'], ['SPOP', 'nokey', '0'], ['SPOP', 'nokey', '3'], ['SPOP', 'nokey'],
      ['SRANDMEMBER', 'nokey'], ['SRANDMEMBER', 'nokey', '-5'], ['SMISMEMBER', 'nokey', 'a', 'b'],
      ['SINTERSTORE', 'd', 'nokey'], ['SINTERCARD', '1', 'nokey', 'LIMIT', '0', 'LIMIT', '5'],
    ]);
  });

  it('OBJECT ENCODING: intset while canonical integers and at most 512, then hashtable for good', async () => {
    const enc = (k: string): string[] => ['OBJECT', 'ENCODING', k];
    await expectSame([
      ['SADD', 'i', '3', '1', '2', '-9223372036854775808', '9223372036854775807'], enc('i'), ['SMEMBERS', 'i'],
      ['SADD', 'i', '007'], enc('i'), ['SREM', 'i', '007'], enc('i'),
      ['SADD', 'j', '-0'], enc('j'), ['SADD', 'k', '+1'], enc('k'), ['SADD', 'l', '9223372036854775808'], enc('l'),
      ['SADD', 'big', ...Array.from({ length: 512 }, (_, i) => String(i))], enc('big'),
      ['SADD', 'big', '512'], enc('big'), ['SREM', 'big', '512', '0'], enc('big'),
      ['SADD', 'h', 'a', '1'], enc('h'), ['SREM', 'h', 'a'], enc('h'),
      ['SMOVE', 'i', 'm', '1'], enc('m'), ['SMOVE', 'h', 'n', '1'], enc('n'), ['SMOVE', 'i', 'n', '2'], enc('n'),
      ['COPY', 'h', 'h2'], enc('h2'), ['COPY', 'i', 'i2'], enc('i2'),
    ]);
  });

  it('set algebra results are encoded (and ordered) as Redis builds them', async () => {
    const enc = (k: string): string[] => ['OBJECT', 'ENCODING', k];
    await expectSame([
      ['SADD', 'ints', '5', '3', '1', '4'], ['SADD', 'mixed', 'a', '3', '4', '9'], ['SADD', 'hint', 'z', '4', '3'], ['SREM', 'hint', 'z'],
      // SINTER walks its smallest input: an intset gives ascending order
      ['SINTER', 'ints', 'mixed'], ['SADD', 'wide', 'z', '9', '5', '1', '3'], ['SADD', 'narrow', '5', '3', '1'], ['SINTER', 'wide', 'narrow'], ['SINTERSTORE', 'd1', 'mixed', 'ints'], enc('d1'), ['SMEMBERS', 'd1'],
      // SUNION / SDIFF build a new set: all-integer results are intsets, listed in order
      ['SUNION', 'hint', 'ints'], ['SUNIONSTORE', 'd2', 'hint'], enc('d2'), ['SMEMBERS', 'd2'],
      ['SDIFFSTORE', 'd3', 'mixed', 'ints'], enc('d3'), ['SCARD', 'd3'],
      ['SDIFF', 'ints', 'mixed'], ['SDIFFSTORE', 'd4', 'ints', 'mixed'], enc('d4'),
      // SDIFF's algorithm 2 (a large first set, small others) starts from a copy of the first set
      ['SADD', 'large', 'a', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], ['SADD', 'one', 'a'], ['SADD', 'other', 'q'],
      ['SDIFFSTORE', 'd5', 'large', 'one', 'other'], enc('d5'), ['SDIFFSTORE', 'd6', 'large', 'one'], enc('d6'), ['SMEMBERS', 'd6'],
      // an empty result deletes the destination, whatever it held
      ['SET', 'd7', 'x'], ['SINTERSTORE', 'd7', 'ints', 'nokey'], ['EXISTS', 'd7'],
      ['SET', 'd8', 'x'], ['SDIFFSTORE', 'd8', 'ints', 'ints'], ['EXISTS', 'd8'],
      ['SET', 'd9', 'x', 'EX', '100'], ['SUNIONSTORE', 'd9', 'ints'], ['TTL', 'd9'], ['TYPE', 'd9'],
      ['SINTERCARD', '2', 'ints', 'mixed'], ['SINTERCARD', '2', 'ints', 'mixed', 'LIMIT', '1'], ['SINTERCARD', '1', 'ints', 'LIMIT', '0'],
    ]);
  });

  it('SPOP that keeps few members rebuilds the set, as Redis does (hashtable back to intset)', async () => {
    await reset();
    // The popped members are random: each server is checked on its own, Redis first.
    for (const client of [redis, concord]) {
      const name = client === redis ? 'redis-server' : 'concord';
      await client.call('SADD', 's', 'a', '1', '2', '3', '4', '5', '6');
      await client.call('SREM', 's', 'a');
      assert.equal(await client.call('OBJECT', 'ENCODING', 's'), 'hashtable', name);
      await client.call('SPOP', 's', '5'); // 1 stays (1 * 5 <= 5): a new set is built of it
      assert.equal(await client.call('OBJECT', 'ENCODING', 's'), 'intset', name);
      assert.equal(await client.call('SCARD', 's'), 1, name);
      await client.call('SADD', 't', 'a', 'b', 'c', 'd', 'e', 'f');
      await client.call('SPOP', 't', '5');
      assert.equal(await client.call('OBJECT', 'ENCODING', 't'), 'hashtable', name);
      await client.call('SADD', 'u', 'a', ...Array.from({ length: 12 }, (_, i) => String(i)));
      await client.call('SREM', 'u', 'a');
      await client.call('SPOP', 'u', '2'); // many stay: popped one by one, the encoding stays
      assert.equal(await client.call('OBJECT', 'ENCODING', 'u'), 'hashtable', name);
      assert.equal(await client.call('SCARD', 'u'), 10, name);
      // The whole set comes back as a freshly built set lists it: integers in ascending order.
      await client.call('SADD', 'w', 'a', '3', '1', '2');
      await client.call('SREM', 'w', 'a');
      assert.deepEqual(await client.call('SPOP', 'w', '10'), ['1', '2', '3'], name);
      assert.equal(await client.call('EXISTS', 'w'), 0, name);
    }
  });

  it('RESP3 reply kinds: sets for SMEMBERS/SINTER/SUNION/SDIFF/SPOP count, arrays for SRANDMEMBER and SMISMEMBER', async () => {
    const replies = await expectSame([
      ['SADD', 's', '1', '2', '3'], ['SMEMBERS', 's'], ['SINTER', 's'], ['SUNION', 's'], ['SDIFF', 's'],
      ['SMEMBERS', 'nokey'], ['SINTER', 's', 'nokey'], ['SUNION', 'nokey'], ['SDIFF', 'nokey'],
      ['SPOP', 's', '0'], ['SPOP', 'nokey', '2'], ['SRANDMEMBER', 's', '5'], ['SRANDMEMBER', 'nokey', '5'], ['SRANDMEMBER', 's', '0'],
      ['SMISMEMBER', 's', '1', '9'], ['SSCAN', 's', '0'], ['SPOP', 'nokey'], ['SRANDMEMBER', 'nokey'],
    ], 3);
    assert.deepEqual(replies[1], { set: ['1', '2', '3'] });
    assert.deepEqual(replies[11], ['1', '2', '3']);
    const [r, c] = await both(['SPOP', 's', '3']);
    assert.equal(kindOf(r), 'set');
    assert.equal(kindOf(c), 'set');
    await reset(2);
  });

  it('SSCAN: an intset comes whole and sorted whatever the cursor; a hashtable is covered exactly once', async () => {
    await expectSame([
      ['SADD', 'i', '10', '-3', '7', '100'], ['SSCAN', 'i', '0'], ['SSCAN', 'i', '12345', 'COUNT', '1'], ['SSCAN', 'i', '-1'],
      ['SSCAN', 'i', '0', 'MATCH', '1*'], ['SSCAN', 'i', '0', 'match', '*', 'count', '1'],
    ]);
    const members = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    await concord.call('SADD', 'h', ...members);
    const seen: string[] = [];
    let cursor = '0';
    let rounds = 0;
    do {
      const reply = (await concord.call('SSCAN', 'h', cursor, 'COUNT', '7')) as [string, string[]];
      cursor = reply[0];
      seen.push(...reply[1]);
      rounds++;
      // Members added and removed meanwhile do not disturb the others.
      if (rounds === 10) await concord.call('SADD', 'h', 'late1', 'late2');
      if (rounds === 20) await concord.call('SREM', 'h', 'late1');
    } while (cursor !== '0');
    const mine = seen.filter((m) => !m.startsWith('late'));
    assert.equal(mine.length, members.length);
    assert.deepEqual([...mine].sort(), [...members].sort());
  });

  it('keyspace hits and misses: reads count, writes do not (as lookupKeyRead / lookupKeyWrite)', async () => {
    await reset();
    await both(['CONFIG', 'RESETSTAT']);
    for (const argv of [['SADD', 's', '1'], ['SREM', 'nokey', '1'], ['SISMEMBER', 's', '1'], ['SCARD', 'nokey'], ['SINTER', 's', 'nokey'], ['SUNIONSTORE', 'd', 's', 'nokey']]) {
      await both(argv);
    }
    const stat = (info: Reply, name: string): string | undefined => new RegExp(`(?:^|\\n)${name}:(\\d+)`).exec(String(info))?.[1];
    const [ri, ci] = await both(['INFO', 'stats']);
    for (const name of ['keyspace_hits', 'keyspace_misses']) assert.equal(stat(ci, name), stat(ri, name), name);
  });
});

// ---------------------------------------------------------------------------------------------
// Part 3: in process

describe('SetValue', () => {
  it('matches a model under random adds, removes, pops and rebuilds; intsets stay sorted', () => {
    const member = fc.oneof(
      fc.integer({ min: -40, max: 600 }).map(String),
      fc.constantFrom('9223372036854775807', '-9223372036854775808', '9223372036854775808', '007', '-0', 'x', ''),
    );
    const op = fc.oneof(
      fc.tuple(fc.constant('add' as const), fc.array(member, { maxLength: 40 })),
      fc.tuple(fc.constant('remove' as const), fc.array(member, { maxLength: 40 })),
      fc.tuple(fc.constant('pop' as const), fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { maxLength: 20 })),
      fc.tuple(fc.constant('rebuild' as const), fc.constant([] as string[])),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const s = new SetValue();
      const model = new Set<string>();
      let hashtable = false;
      for (const [kind, args] of ops) {
        if (kind === 'add') {
          for (const m of args as string[]) {
            assert.equal(s.add(m), !model.has(m));
            model.add(m);
            if (!isInt64Text(m) || model.size > SET_INTSET_ENTRIES_MAX) hashtable = true;
          }
        } else if (kind === 'remove') {
          for (const m of args as string[]) {
            assert.equal(s.remove(m), model.delete(m));
          }
        } else if (kind === 'pop') {
          for (const r of args as number[]) {
            if (model.size === 0) break;
            const m = s.popRandom(r);
            assert.ok(model.delete(m), `popped ${m} was a member`);
          }
        } else {
          const kept = [...model].slice(0, 3);
          s.rebuild(kept);
          model.clear();
          for (const m of kept) model.add(m);
          hashtable = !(kept.every(isInt64Text) && kept.length <= SET_INTSET_ENTRIES_MAX);
        }
        assert.equal(s.size, model.size);
        assert.equal(s.encoding(), hashtable ? 'hashtable' : 'intset');
        const ms = s.members();
        assert.deepEqual([...ms].sort(byBytes), [...model].sort(byBytes));
        if (!hashtable) assert.deepEqual([...ms], [...ms].sort(compareInt64Text));
        for (const m of model) assert.ok(s.has(m));
        const copy = s.clone();
        assert.equal(copy.encoding(), s.encoding());
        assert.deepEqual(copy.members(), s.members());
      }
    }), { seed: SEED, numRuns: 300 });
  });

  it('compareInt64Text orders like BigInt', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (a, b) => {
      assert.ok(isInt64Text(String(a)) && isInt64Text(String(b)));
      assert.equal(compareInt64Text(String(a), String(b)), a < b ? -1 : a > b ? 1 : 0);
    }), { seed: SEED, numRuns: 500 });
    for (const s of ['', '-', '01', '-0', '+1', ' 1', '1 ', '9223372036854775808', '-9223372036854775809', '1.0', '99999999999999999999']) {
      assert.equal(isInt64Text(s), false, JSON.stringify(s));
    }
  });

  it('SPOP-style pops from a large set cost O(1) each', () => {
    const n = 300_000;
    const s = new SetValue();
    for (let i = 0; i < n; i++) s.add(`member:${i}`);
    const rnd = seededRandom(7);
    const start = performance.now();
    for (let i = 0; i < n; i++) s.popRandom(rnd.next());
    const ms = performance.now() - start;
    assert.equal(s.size, 0);
    assert.ok(ms < 2000, `popping ${n} members took ${ms.toFixed(0)} ms`);
  });
});

describe('SET effects and determinism (embedded node)', () => {
  let dir: string;
  const effects: Array<[number, string[]]> = [];
  let node: RunningNode;
  let client: RespClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concord-sets-'));
    node = await startServer({ port: 0, dir, random: seededRandom(42), effects: { write: (db, argv) => effects.push([db, [...argv]]) } });
    client = await RespClient.connect(node.port);
  });
  after(async () => {
    client.close();
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const take = (): string[][] => effects.splice(0).map(([, argv]) => argv);

  it('SPOP propagates SREM of the member popped; with a count one SREM per member, or DEL for the whole set', async () => {
    await client.call('SADD', 's', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l');
    take();
    const one = await client.call('SPOP', 's');
    assert.deepEqual(take(), [['SREM', 's', one as string]]);
    // Few popped: one at a time. Redis 7.0 emits one SREM each, wrapped in MULTI/EXEC.
    const few = elements(await client.call('SPOP', 's', '2')) as string[];
    assert.deepEqual(take(), [['MULTI'], ...few.map((m) => ['SREM', 's', m]), ['EXEC']]);
    // Most popped: Redis picks what stays; still one SREM per popped member.
    const most = elements(await client.call('SPOP', 's', '8')) as string[];
    assert.equal(most.length, 8);
    assert.deepEqual(take(), [['MULTI'], ...most.map((m) => ['SREM', 's', m]), ['EXEC']]);
    assert.equal(await client.call('SCARD', 's'), 1);
    const rest = elements(await client.call('SPOP', 's', '5')) as string[];
    assert.equal(rest.length, 1);
    assert.deepEqual(take(), [['DEL', 's']]);
    // The last member popped without a count: SREM, and the key is gone.
    await client.call('SADD', 't', 'x');
    take();
    assert.equal(await client.call('SPOP', 't'), 'x');
    assert.deepEqual(take(), [['SREM', 't', 'x']]);
    assert.equal(await client.call('EXISTS', 't'), 0);
  });

  it('reads, empty pops and no-op writes propagate nothing; writes propagate as received', async () => {
    await client.call('SADD', 'r', '1', '2', '3');
    assert.deepEqual(take(), [['SADD', 'r', '1', '2', '3']]);
    for (const argv of [
      ['SRANDMEMBER', 'r'], ['SRANDMEMBER', 'r', '-5'], ['SMEMBERS', 'r'], ['SPOP', 'nokey'], ['SPOP', 'nokey', '3'],
      ['SPOP', 'r', '0'], ['SADD', 'r', '1'], ['SREM', 'r', '9'], ['SMOVE', 'r', 'q', '9'], ['SINTERSTORE', 'nothing', 'nokey'],
    ]) {
      await client.call(...argv);
    }
    assert.deepEqual(take(), []);
    await client.call('SMOVE', 'r', 'q', '1');
    await client.call('SUNIONSTORE', 'u', 'r', 'q');
    assert.deepEqual(take(), [['SMOVE', 'r', 'q', '1'], ['SUNIONSTORE', 'u', 'r', 'q']]);
  });

  it('replaying the effects on a fresh node gives the same sets', async () => {
    await client.call('FLUSHALL');
    take();
    await client.call('SADD', 'p', ...Array.from({ length: 40 }, (_, i) => `m${i}`), ...Array.from({ length: 40 }, (_, i) => String(i)));
    await client.call('SPOP', 'p');
    await client.call('SPOP', 'p', '3');
    await client.call('SPOP', 'p', '60');
    await client.call('SMOVE', 'p', 'q', (elements(await client.call('SRANDMEMBER', 'p', '1')) as string[])[0]);
    const log = take();
    const replicaDir = mkdtempSync(join(tmpdir(), 'concord-sets-replay-'));
    const replica = await startServer({ port: 0, dir: replicaDir });
    const rc = await RespClient.connect(replica.port);
    try {
      for (const argv of log) await rc.call(...argv);
      for (const k of ['p', 'q']) {
        assert.deepEqual(sortedReply(await rc.call('SMEMBERS', k)), sortedReply(await client.call('SMEMBERS', k)));
        assert.deepEqual(await rc.call('OBJECT', 'ENCODING', k), await client.call('OBJECT', 'ENCODING', k));
      }
    } finally {
      rc.close();
      await replica.close();
      rmSync(replicaDir, { recursive: true, force: true });
    }
  });

  it('random choices come only from the seeded source: two nodes with one seed answer alike', async () => {
    const run = async (): Promise<Reply[]> => {
      const d = mkdtempSync(join(tmpdir(), 'concord-sets-seed-'));
      const n = await startServer({ port: 0, dir: d, random: seededRandom(1234) });
      const c = await RespClient.connect(n.port);
      try {
        const out: Reply[] = [];
        await c.call('SADD', 'x', ...Array.from({ length: 100 }, (_, i) => `e${i}`));
        await c.call('SADD', 'y', ...Array.from({ length: 50 }, (_, i) => String(i * 3)));
        for (const argv of [['SPOP', 'x'], ['SPOP', 'x', '5'], ['SRANDMEMBER', 'x', '7'], ['SRANDMEMBER', 'x', '-7'], ['SRANDMEMBER', 'y', '30'], ['SPOP', 'y', '45'], ['SMEMBERS', 'y']]) {
          out.push(await c.call(...argv));
        }
        return out;
      } finally {
        c.close();
        await n.close();
        rmSync(d, { recursive: true, force: true });
      }
    };
    assert.deepEqual(await run(), await run());
  });
});
