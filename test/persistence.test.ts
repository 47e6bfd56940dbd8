/**
 * Persistence commands and states on an embedded node: SAVE, BGSAVE (and its scheduling against
 * AOF rewrites), LASTSAVE, the save schedule, MISCONF after a failed save, -LOADING, the AOF
 * turned on at run time, group commit under appendfsync always, automatic rewrite.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningNode } from '../src/index.js';
import { RespClient, type Reply } from './helpers/resp-client.js';
import { waitUntil } from './helpers/util.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'concord-persist-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function node(t: TestContext, dir: string, config: Record<string, string> = {}): Promise<{ n: RunningNode; c: RespClient }> {
  const n = await startServer({ port: 0, dir, config });
  const c = await RespClient.connect(n.port);
  t.after(async () => {
    c.close();
    await n.close();
  });
  return { n, c };
}

async function info(c: RespClient, field: string): Promise<string> {
  const text = String(await c.call('INFO', 'persistence'));
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(text);
  assert.ok(m !== null, `INFO has ${field}`);
  return m[1].trim();
}

function errorText(r: Reply): string {
  assert.ok(r !== null && typeof r === 'object' && 'error' in r, `expected an error, got ${JSON.stringify(r)}`);
  return (r as { error: string }).error;
}

/** Loads `n` keys in pipelined MSETs of 1000. */
async function fill(c: RespClient, n: number, prefix = 'key:'): Promise<void> {
  const pending: Promise<Reply>[] = [];
  for (let i = 0; i < n; i += 1000) {
    const args: string[] = ['MSET'];
    for (let j = i; j < Math.min(n, i + 1000); j++) args.push(`${prefix}${j}`, `value-${j}`);
    pending.push(c.call(...args));
  }
  await Promise.all(pending);
}

describe('snapshots', () => {
  test('BGSAVE writes dump.rdb; a restart loads it; LASTSAVE and INFO follow', async (t) => {
    const dir = tempDir(t);
    const { n, c } = await node(t, dir);
    await fill(c, 5000);
    await c.call('RPUSH', 'list', 'a', 'b');
    await c.call('ZADD', 'z', '1.5', 'm');
    await c.call('SET', 'ttl', 'v', 'EX', '1000');
    const before = Number(await c.call('LASTSAVE'));
    assert.equal(await c.call('BGSAVE'), 'Background saving started');
    await waitUntil(async () => (await info(c, 'rdb_bgsave_in_progress')) === '0', 10_000, 'BGSAVE done');
    assert.equal(await info(c, 'rdb_last_bgsave_status'), 'ok');
    assert.equal(await info(c, 'rdb_saves'), '1');
    assert.equal(await info(c, 'rdb_changes_since_last_save'), '0');
    assert.ok(Number(await c.call('LASTSAVE')) >= before);
    assert.ok(existsSync(join(dir, 'dump.rdb')));
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('temp-')), [], 'no temp file left');
    c.close();
    await n.close();

    const again = await node(t, dir);
    assert.equal(await again.c.call('DBSIZE'), 5003);
    assert.deepEqual(await again.c.call('LRANGE', 'list', '0', '-1'), ['a', 'b']);
    assert.equal(await again.c.call('ZSCORE', 'z', 'm'), '1.5');
    const ttl = Number(await again.c.call('TTL', 'ttl'));
    assert.ok(ttl > 990 && ttl <= 1000, `TTL kept: ${ttl}`);
    assert.equal(await info(again.c, 'rdb_last_load_keys_loaded'), '5003');
  });

  test('SAVE blocks and writes; BGSAVE twice and SAVE during BGSAVE are refused as in Redis', async (t) => {
    const dir = tempDir(t);
    const { c } = await node(t, dir);
    await fill(c, 50_000);
    assert.equal(await c.call('SAVE'), 'OK');
    assert.ok(existsSync(join(dir, 'dump.rdb')));
    // Pipelined: the second arrives in the same read, while the first is certainly running.
    const [first, second, save] = await Promise.all([c.call('BGSAVE'), c.call('BGSAVE'), c.call('SAVE')]);
    assert.equal(first, 'Background saving started');
    assert.equal(errorText(second), 'ERR Background save already in progress');
    assert.equal(errorText(save), 'ERR Background save already in progress');
    assert.equal(errorText(await c.call('BGSAVE', 'NOW')), 'ERR syntax error');
    await waitUntil(async () => (await info(c, 'rdb_bgsave_in_progress')) === '0', 10_000, 'BGSAVE done');
  });

  test('BGREWRITEAOF during BGSAVE is scheduled, BGSAVE SCHEDULE during a rewrite too; both run', async (t) => {
    const dir = tempDir(t);
    const { c } = await node(t, dir);
    await fill(c, 50_000);
    const [bg, rw] = await Promise.all([c.call('BGSAVE'), c.call('BGREWRITEAOF')]);
    assert.equal(bg, 'Background saving started');
    assert.equal(rw, 'Background append only file rewriting scheduled');
    await waitUntil(async () => (await info(c, 'aof_rewrites')) === '1', 10_000, 'the scheduled rewrite ran');
    const [rw2, bg2, bg3] = await Promise.all([c.call('BGREWRITEAOF'), c.call('BGSAVE'), c.call('BGSAVE', 'SCHEDULE')]);
    assert.equal(rw2, 'Background append only file rewriting started');
    assert.equal(errorText(bg2), "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    assert.equal(bg3, 'Background saving scheduled');
    await waitUntil(async () => (await info(c, 'rdb_saves')) === '2', 10_000, 'the scheduled BGSAVE ran');
    assert.ok(existsSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest')));
  });

  test('the save schedule starts a BGSAVE after enough changes and time', async (t) => {
    const dir = tempDir(t);
    const { c } = await node(t, dir, { save: '1 2' });
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2');
    await waitUntil(async () => (await info(c, 'rdb_saves')) === '1', 5000, 'scheduled save');
    assert.ok(existsSync(join(dir, 'dump.rdb')));
  });

  test('a failed save turns writes away with MISCONF until a save succeeds', async (t) => {
    const dir = tempDir(t);
    const { c } = await node(t, dir, { save: '3600 1' });
    await c.call('CONFIG', 'SET', 'dbfilename', 'missing-dir/dump.rdb');
    await c.call('BGSAVE');
    await waitUntil(async () => (await info(c, 'rdb_last_bgsave_status')) === 'err', 5000, 'BGSAVE failed');
    assert.match(errorText(await c.call('SET', 'k', 'v')), /^MISCONF Redis is configured to save RDB snapshots/);
    assert.equal(await c.call('GET', 'k'), null, 'reads still work');
    await c.call('CONFIG', 'SET', 'dbfilename', 'dump.rdb');
    await c.call('BGSAVE');
    await waitUntil(async () => (await info(c, 'rdb_last_bgsave_status')) === 'ok', 5000, 'BGSAVE succeeded');
    assert.equal(await c.call('SET', 'k', 'v'), 'OK');
  });

  test('while loading, commands without the loading flag get -LOADING', async (t) => {
    const dir = tempDir(t);
    const { n, c } = await node(t, dir);
    n.server.loading = true;
    try {
      assert.equal(errorText(await c.call('GET', 'k')), 'LOADING Redis is loading the dataset in memory');
      assert.equal(await info(c, 'loading'), '1');
    } finally {
      n.server.loading = false;
    }
    assert.equal(await c.call('GET', 'k'), null);
  });
});

describe('append-only file', () => {
  test('appendfsync always: every reply follows its fsync, and a turn of writes shares one', async (t) => {
    const dir = tempDir(t);
    const { n, c } = await node(t, dir, { appendonly: 'yes', appendfsync: 'always' });
    const clients = await Promise.all(Array.from({ length: 20 }, () => RespClient.connect(n.port)));
    t.after(() => clients.forEach((x) => x.close()));
    const fsyncsBefore = Number(await info(c, 'concord_aof_fsync_calls'));
    let writes = 0;
    for (let round = 0; round < 10; round++) {
      await Promise.all(clients.map((x, i) => x.call('INCR', `counter:${i}`)));
      writes += clients.length;
    }
    const fsyncs = Number(await info(c, 'concord_aof_fsync_calls')) - fsyncsBefore;
    assert.ok(fsyncs > 0 && fsyncs < writes, `${fsyncs} fsyncs for ${writes} writes`);
    const writer = n.server.aofWriter!;
    assert.equal(writer.synced, writer.appended, 'every acknowledged byte is durable');
  });

  test('CONFIG SET appendonly yes writes a base and appends; a restart loads the AOF', async (t) => {
    const dir = tempDir(t);
    const first = await node(t, dir);
    await fill(first.c, 1000);
    assert.equal(await first.c.call('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    await waitUntil(async () => (await info(first.c, 'aof_rewrites')) === '1', 5000, 'base written');
    assert.equal(await info(first.c, 'aof_enabled'), '1');
    await first.c.call('SET', 'after', 'base');
    await first.c.call('CONFIG', 'SET', 'appendfsync', 'no');
    await first.c.call('DEL', 'key:0');
    first.c.close();
    await first.n.close();
    const files = readdirSync(join(dir, 'appendonlydir')).sort();
    assert.deepEqual(files, ['appendonly.aof.1.base.rdb', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);

    const second = await node(t, dir, { appendonly: 'yes' });
    assert.equal(await second.c.call('DBSIZE'), 1000);
    assert.equal(await second.c.call('GET', 'after'), 'base');
    assert.equal(await second.c.call('EXISTS', 'key:0'), 0);
  });

  test('the AOF rewrites itself once it doubles past auto-aof-rewrite-min-size', async (t) => {
    const dir = tempDir(t);
    const { c } = await node(t, dir, { appendonly: 'yes', 'auto-aof-rewrite-min-size': '100kb' });
    for (let i = 0; i < 20; i++) await fill(c, 1000, `k${i % 2}:`);
    await waitUntil(async () => Number(await info(c, 'aof_rewrites')) >= 1, 5000, 'automatic rewrite');
  });
});
