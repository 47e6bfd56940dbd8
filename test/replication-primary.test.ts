/**
 * Concord as a primary, a real redis-server 7.0 as its replica: full resync (diskless and
 * through a file), the command stream with SELECT, expiry and transactions, partial resync after
 * the link drops, WAIT, min-replicas-to-write, INFO replication and ROLE.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startConcord, startRedis } from './helpers/servers.js';
import { RespClient, type Reply } from './helpers/resp-client.js';
import { waitUntil } from './helpers/util.js';
import { field, sameData, started } from './helpers/nodes.js';





async function writeAllTypes(c: RespClient, prefix: string): Promise<void> {
  await c.call('SET', `${prefix}s`, 'bin\x00\r\n\xff');
  await c.call('SET', `${prefix}ttl`, 'v', 'EX', '1000');
  await c.call('RPUSH', `${prefix}l`, ...Array.from({ length: 300 }, (_, i) => `e${i}`));
  await c.call('SADD', `${prefix}si`, '1', '2', '3');
  await c.call('SADD', `${prefix}ss`, 'a', 'b');
  await c.call('HSET', `${prefix}h`, 'f', 'v', 'g', 'w');
  await c.call('ZADD', `${prefix}z`, '1.5', 'a', '-inf', 'b', 'inf', 'c');
  await c.call('SELECT', '3');
  await c.call('SET', `${prefix}other-db`, 'x');
  await c.call('SELECT', '0');
}

describe('Concord primary, redis-server replica', () => {
  for (const diskless of ['yes', 'no']) {
    test(`full resync (repl-diskless-sync ${diskless}), then the stream, then a partial resync after the link drops`, async (t) => {
      const p = await started(t, startConcord(['--repl-diskless-sync', diskless, '--repl-diskless-sync-delay', '0']));
      await writeAllTypes(p.c, 'before:');
      const r = await started(t, startRedis(['--replicaof', '127.0.0.1', String(p.srv.port)]));
      await waitUntil(async () => (await field(r.c, 'replication', 'master_link_status')) === 'up', 10_000, 'replica link up');
      await sameData(p.c, r.c, [0, 3]);
      assert.equal(await field(p.c, 'stats', 'sync_full'), '1');

      // The stream: every type, another db, a transaction, an expiry turned into DEL, SPOP's effect.
      await writeAllTypes(p.c, 'after:');
      await p.c.call('MULTI');
      await p.c.call('INCR', 'tx:a');
      await p.c.call('INCR', 'tx:b');
      await p.c.call('EXEC');
      await p.c.call('SET', 'short', 'v', 'PX', '30');
      await p.c.call('SPOP', 'after:ss');
      await waitUntil(async () => (await p.c.call('EXISTS', 'short')) === 0, 2000, 'short key expired on the primary');
      await sameData(p.c, r.c, [0, 3]);

      // Drop the link from the replica's side: it comes back with PSYNC and gets +CONTINUE.
      assert.equal(await r.c.call('CLIENT', 'KILL', 'TYPE', 'master'), 1);
      await p.c.call('SET', 'while-away', '1');
      await waitUntil(async () => (await field(p.c, 'stats', 'sync_partial_ok')) === '1', 10_000, 'partial resync accepted');
      await sameData(p.c, r.c, [0, 3]);
      assert.equal(await field(p.c, 'stats', 'sync_full'), '1', 'no second full sync');

      const offset = Number(await field(p.c, 'replication', 'master_repl_offset'));
      await waitUntil(async () => Number(await field(r.c, 'replication', 'slave_repl_offset')) === offset, 5000, 'offsets agree byte for byte');
      assert.equal(await field(p.c, 'replication', 'connected_slaves'), '1');
      assert.match(await field(p.c, 'replication', 'slave0'), new RegExp(`^ip=127\\.0\\.0\\.1,port=${r.srv.port},state=online,offset=\\d+,lag=\\d+$`));
      const role = (await p.c.call('ROLE')) as Reply[];
      assert.equal(role[0], 'master');
      assert.deepEqual((role[2] as string[][]).map((x) => x.slice(0, 2)), [['127.0.0.1', String(r.srv.port)]]);
    });
  }

  test('WAIT counts replicas that acknowledged this client\'s writes; it times out with fewer', async (t) => {
    const p = await started(t, startConcord(['--repl-diskless-sync-delay', '0']));
    assert.equal(await p.c.call('WAIT', '0', '0'), 0);
    await p.c.call('SET', 'k', 'v');
    const before = Date.now();
    assert.equal(await p.c.call('WAIT', '1', '200'), 0, 'no replica: times out with 0');
    assert.ok(Date.now() - before >= 150);
    const r = await started(t, startRedis(['--replicaof', '127.0.0.1', String(p.srv.port)]));
    await waitUntil(async () => (await field(r.c, 'replication', 'master_link_status')) === 'up', 10_000, 'replica link up');
    await p.c.call('SET', 'k', 'v2');
    assert.equal(await p.c.call('WAIT', '1', '5000'), 1);
    assert.equal(await r.c.call('GET', 'k'), 'v2', 'acknowledged means applied');
    // Several clients waiting at once share the GETACK round.
    const others = await Promise.all([1, 2, 3].map(() => RespClient.connect(p.srv.port)));
    t.after(() => others.forEach((o) => o.close()));
    await Promise.all(others.map((o, i) => o.call('SET', `w${i}`, 'x')));
    assert.deepEqual(await Promise.all(others.map((o) => o.call('WAIT', '1', '5000'))), [1, 1, 1]);
    assert.equal(await p.c.call('WAIT', '2', '100'), 1, 'only one replica exists');
  });

  test('min-replicas-to-write refuses writes without enough fresh replicas', async (t) => {
    const p = await started(t, startConcord(['--repl-diskless-sync-delay', '0', '--min-replicas-to-write', '1', '--min-replicas-max-lag', '10']));
    const refused = await p.c.call('SET', 'k', 'v');
    assert.deepEqual(refused, { error: 'NOREPLICAS Not enough good replicas to write.' });
    assert.equal(await p.c.call('GET', 'k'), null, 'reads are served');
    const r = await started(t, startRedis(['--replicaof', '127.0.0.1', String(p.srv.port)]));
    await waitUntil(async () => (await field(r.c, 'replication', 'master_link_status')) === 'up', 10_000, 'replica link up');
    await waitUntil(async () => (await p.c.call('SET', 'k', 'v')) === 'OK', 5000, 'writes accepted with a replica');
  });

  test('write-quorum 2 with two Concord replicas: OK once both acknowledge, -NOQUORUM when one is stopped', async (t) => {
    const p = await started(t, startConcord(['--repl-diskless-sync-delay', '0', '--write-quorum', '2', '--write-quorum-timeout', '300']));
    const replicas = [await started(t, startConcord([])), await started(t, startConcord([]))];
    for (const r of replicas) {
      assert.equal(await r.c.call('REPLICAOF', '127.0.0.1', String(p.srv.port)), 'OK');
      await waitUntil(async () => (await field(r.c, 'replication', 'master_link_status')) === 'up', 10_000, 'replica link up');
    }
    // Pipelined writes and reads: each write's reply waits for its quorum, in order.
    const replies = await Promise.all([p.c.call('SET', 'a', '1'), p.c.call('GET', 'a'), p.c.call('INCR', 'n'), p.c.call('INCR', 'n')]);
    assert.deepEqual(replies, ['OK', '1', 1, 2]);
    for (const r of replicas) assert.equal(await r.c.call('GET', 'n'), '2', 'acknowledged by both before the reply');

    replicas[1].srv.child.kill('SIGSTOP');
    try {
      const refused = await p.c.call('SET', 'b', '2');
      assert.deepEqual(refused, { error: 'NOQUORUM the write was applied on the primary but acknowledged by only 1 of the 2 replicas write-quorum requires before write-quorum-timeout' });
      assert.equal(await p.c.call('GET', 'b'), '2', 'applied on the primary, as the error says');
      assert.equal(await p.c.call('WAIT', '2', '200'), 1, 'WAIT times out with the count it got');
    } finally {
      replicas[1].srv.child.kill('SIGCONT');
    }
    await waitUntil(async () => (await p.c.call('SET', 'c', '3')) === 'OK', 10_000, 'quorum back once the replica resumes');
  });
});
