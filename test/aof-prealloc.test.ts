/**
 * Preallocated AOF space (src/persistence/aof-prealloc.ts) between Concord and a real
 * redis-server 7.0: a directory Concord left padded by a kill loads in Redis, passes its
 * redis-check-aof, and stays loadable after Redis appended to it; Concord cuts the pad off at
 * start and leaves none after a clean stop.
 */
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readAofFile } from '../src/persistence/aof-reader.js';
import { allPadBytes } from '../src/persistence/aof-prealloc.js';
import { RespClient } from './helpers/resp-client.js';
import { launchConcord, makeTempDir, removeDir, stopAllNodes } from './helpers/restart.js';
import { freePort, startRedis } from './helpers/servers.js';
import { runProcess } from './helpers/util.js';

const dirs: string[] = [];
after(async () => {
  await stopAllNodes();
  for (const d of dirs) removeDir(d);
});

function incrPath(root: string): string {
  const dir = join(root, 'appendonlydir');
  const name = readdirSync(dir).filter((f) => f.endsWith('.incr.aof')).sort().pop()!;
  return join(dir, name);
}

async function contentEnd(path: string): Promise<{ contentEnd: number; size: number }> {
  const result = await readAofFile(path, { onBatch: () => {} });
  assert.equal(result.truncatedAt, null);
  return { contentEnd: result.contentEnd, size: statSync(path).size };
}

/** What the test writes, and reads back from whichever server loaded the directory. */
const WRITES: string[][] = [
  ['SET', 'str', 'v\r\n\0'],
  ['INCRBY', 'n', '41'],
  ['INCR', 'n'],
  ['RPUSH', 'list', 'a', 'b', 'c'],
  ['HSET', 'hash', 'f1', 'x', 'f2', 'y'],
  ['SADD', 'set', 'm1', 'm2'],
  ['ZADD', 'zset', '1.5', 'one', '2', 'two'],
  ['SET', 'ttl', 'soon', 'EX', '100000'],
];

async function readBack(c: RespClient): Promise<unknown[]> {
  return [
    await c.call('GET', 'str'),
    await c.call('GET', 'n'),
    await c.call('LRANGE', 'list', '0', '-1'),
    await c.call('HGETALL', 'hash'),
    await c.call('SMEMBERS', 'set').then((m) => (m as string[]).sort()),
    await c.call('ZRANGE', 'zset', '0', '-1', 'WITHSCORES'),
    await c.call('TTL', 'ttl').then((t) => (t as number) > 99_000),
    await c.call('DBSIZE'),
  ];
}
const EXPECTED = ['v\r\n\0', '42', ['a', 'b', 'c'], ['f1', 'x', 'f2', 'y'], ['m1', 'm2'], ['one', '1.5', 'two', '2'], true, 7];

describe('preallocated AOF space and redis-server 7.0', () => {
  it('a directory Concord left padded by a kill loads in Redis, which can append to it and load it again', async () => {
    const root = makeTempDir();
    dirs.push(root);
    const node = await launchConcord(await freePort(), root, ['--appendonly', 'yes', '--appendfsync', 'always']);
    const c = await RespClient.connect(node.port);
    for (const w of WRITES) await c.call(...w);
    c.close();
    await node.crash();
    const padded = await contentEnd(incrPath(root));
    assert.ok(padded.size > padded.contentEnd, `the kill left pad: ${padded.size} bytes, content ${padded.contentEnd}`);
    assert.ok(allPadBytes(readFileSync(incrPath(root)), padded.contentEnd));

    const copy = makeTempDir();
    dirs.push(copy);
    cpSync(root, copy, { recursive: true });
    const check = await runProcess('redis-check-aof', [join(copy, 'appendonlydir', 'appendonly.aof.manifest')]);
    assert.equal(check.code, 0, check.stdout.toString());
    assert.match(check.stdout.toString(), /All AOF files and manifest are valid/);

    let redis = await startRedis(['--appendonly', 'yes', '--dir', copy]);
    try {
      let r = await RespClient.connect(redis.port);
      assert.deepEqual(await readBack(r), EXPECTED);
      // Redis appends after the pad; the pad ends with an LF, so its command starts a line.
      assert.equal(await r.call('SET', 'by-redis', 'after the pad'), 'OK');
      r.close();
      await redis.stop();
      redis = await startRedis(['--appendonly', 'yes', '--dir', copy]);
      r = await RespClient.connect(redis.port);
      assert.equal(await r.call('GET', 'by-redis'), 'after the pad');
      assert.equal(await r.call('DBSIZE'), EXPECTED[EXPECTED.length - 1] as number + 1);
      r.close();
    } finally {
      await redis.stop();
    }

    // Concord loads the same directory, cuts the pad off, and a clean stop leaves none.
    const again = await launchConcord(node.port, root, ['--appendonly', 'yes', '--appendfsync', 'always']);
    assert.match(again.output(), /Removing \d+ bytes of preallocated space after the last command/);
    const d = await RespClient.connect(again.port);
    assert.deepEqual(await readBack(d), EXPECTED);
    assert.equal(await d.call('SET', 'more', '1'), 'OK');
    d.close();
    await again.stop();
    const clean = await contentEnd(incrPath(root));
    assert.equal(clean.size, clean.contentEnd, 'no pad after a clean stop');
  });
});
