/**
 * DUMP and RESTORE across Concord and a real redis-server 7.0: payloads move both ways, and the
 * error replies match.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningNode } from '../src/index.js';
import { ManualClock } from '../src/util/clock.js';
import { RespClient, type Reply } from './helpers/resp-client.js';
import { startConcord, startRedis, type ServerProcess } from './helpers/servers.js';

/** Commands that build one key of every type, with both small (compact) and large encodings. */
const FIXTURE: string[][] = [
  ['SET', 's:int', '12345'],
  ['SET', 's:bin', 'a\r\nb\x00\xff'],
  ['SET', 's:long', 'x'.repeat(5000)],
  ['RPUSH', 'l', 'a', 'b', '3', 'c'.repeat(100)],
  ['HSET', 'h:small', 'f1', 'v1', 'f2', '2'],
  ['HSET', 'h:big', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat()],
  ['SADD', 'set:int', '1', '2', '-3'],
  ['SADD', 'set:str', 'a', 'b', 'c'],
  ['ZADD', 'z:small', '1', 'a', '2.5', 'b', '-inf', 'c'],
  ['ZADD', 'z:big', ...Array.from({ length: 200 }, (_, i) => [String(i / 3), `m${i}`]).flat()],
];
const KEYS = [...new Set(FIXTURE.map((c) => c[1]))];

/** A canonical view of a key's content, the same whatever encoding each server chose. */
async function contents(c: RespClient, key: string): Promise<Reply> {
  const type = await c.call('TYPE', key);
  switch (type) {
    case 'string': return [type, await c.call('GET', key)];
    case 'list': return [type, await c.call('LRANGE', key, '0', '-1')];
    case 'hash': return [type, ((await c.call('HGETALL', key)) as string[]).join('\n').split('\n').sort()];
    case 'set': return [type, ((await c.call('SMEMBERS', key)) as string[]).sort()];
    case 'zset': return [type, await c.call('ZRANGE', key, '0', '-1', 'WITHSCORES')];
    default: return [type];
  }
}

describe('DUMP and RESTORE, interoperable with redis-server 7.0', () => {
  let redis: ServerProcess;
  let concord: ServerProcess;
  let r: RespClient;
  let c: RespClient;

  before(async () => {
    [redis, concord] = await Promise.all([startRedis(), startConcord()]);
    r = await RespClient.connect(redis.port);
    c = await RespClient.connect(concord.port);
  });
  after(async () => {
    r.close();
    c.close();
    await Promise.all([redis.stop(), concord.stop()]);
  });

  it('a payload dumped by Redis restores into Concord, and back', async () => {
    for (const argv of FIXTURE) await r.call(...argv);
    for (const key of KEYS) {
      const fromRedis = (await r.call('DUMP', key)) as string;
      assert.equal(await c.call('RESTORE', key, '0', Buffer.from(fromRedis, 'latin1')), 'OK', key);
      assert.deepEqual(await contents(c, key), await contents(r, key), key);
      const fromConcord = (await c.call('DUMP', key)) as string;
      assert.equal(await r.call('RESTORE', `${key}:back`, '0', Buffer.from(fromConcord, 'latin1')), 'OK', key);
      assert.deepEqual(await contents(r, `${key}:back`), await contents(r, key), key);
    }
  });

  it('BUSYKEY, REPLACE, TTL and option errors match Redis', async () => {
    await r.call('SET', 'src', 'v');
    const payload = Buffer.from((await r.call('DUMP', 'src')) as string, 'latin1');
    const bad = Buffer.from(payload);
    bad[0] ^= 0xff;
    const cases: Array<Array<string | Buffer>> = [
      ['RESTORE', 'dst', '0', payload],
      ['RESTORE', 'dst', '0', payload],
      ['RESTORE', 'dst', '0', payload, 'REPLACE'],
      ['RESTORE', 'new', '-1', payload],
      ['RESTORE', 'new', 'abc', payload],
      ['RESTORE', 'new', '0', bad],
      ['RESTORE', 'new', '0', 'short'],
      ['RESTORE', 'new', '0', payload, 'FOO'],
      ['RESTORE', 'new', '0', payload, 'IDLETIME', '-1'],
      ['RESTORE', 'new', '0', payload, 'FREQ', '256'],
      ['RESTORE', 'new', '0', payload, 'IDLETIME', '10', 'FREQ', '5'],
      ['RESTORE', 'new2', '100000', payload, 'REPLACE', 'IDLETIME', '10'],
      ['RESTORE', 'dst', '1', payload, 'REPLACE', 'ABSTTL'],
      ['EXISTS', 'dst'],
      ['DUMP', 'missing'],
    ];
    for (const argv of cases) {
      const expected = await r.call(...argv);
      const actual = await c.call(...argv);
      assert.deepStrictEqual(actual, expected, argv.map(String).join(' '));
    }
    const ttl = (await c.call('PTTL', 'new2')) as number;
    assert.ok(ttl > 90_000 && ttl <= 100_000, `PTTL ${ttl}`);
  });
});

describe('RESTORE effects', () => {
  it('a relative TTL leaves as an absolute one with ABSTTL', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const effects: string[][] = [];
    const dir = mkdtempSync(join(tmpdir(), 'concord-restore-'));
    const node: RunningNode = await startServer({ port: 0, dir, clock, effects: { write: (_db, argv) => effects.push([...argv]) } });
    const c = await RespClient.connect(node.port);
    try {
      await c.call('SET', 'k', 'v');
      const payload = (await c.call('DUMP', 'k')) as string;
      effects.length = 0;
      assert.equal(await c.call('RESTORE', 'r', '5000', Buffer.from(payload, 'latin1')), 'OK');
      assert.deepEqual(effects, [['RESTORE', 'r', String(clock.now() + 5000), payload, 'ABSTTL']]);
    } finally {
      c.close();
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
