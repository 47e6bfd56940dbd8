/**
 * Concord as a replica: of a real redis-server 7.0 (the migration path) and of another Concord
 * node. Full and partial resync, byte-exact offsets, read-only, expired keys kept until the
 * primary's DEL, chained replication, promotion with PSYNC2 (the former primary resyncs
 * partially from the promoted replica), WAIT against Concord replicas.
 */
import net from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startConcord, startRedis } from './helpers/servers.js';
import { RespClient, type Reply } from './helpers/resp-client.js';
import { sleep, waitUntil } from './helpers/util.js';
import { field, sameData, started } from './helpers/nodes.js';
import { writeRdb } from '../src/persistence/rdb-writer.js';



async function linkUp(c: RespClient): Promise<void> {
  await waitUntil(async () => (await field(c, 'replication', 'master_link_status')) === 'up', 10_000, 'replica link up');
}

async function offsetsAgree(primary: RespClient, replica: RespClient): Promise<void> {
  await waitUntil(async () => {
    const p = await field(primary, 'replication', 'master_repl_offset');
    return p === (await field(replica, 'replication', 'slave_repl_offset')) && p === (await field(replica, 'replication', 'master_repl_offset'));
  }, 5000, 'replica offset equals the primary\'s');
}

/** Keys of every type, with encodings Redis writes compactly (listpack, intset, quicklist) and large. */
async function writeAllTypes(c: RespClient, prefix: string): Promise<void> {
  await c.call('SET', `${prefix}s`, 'bin\x00\r\n\xff');
  await c.call('SET', `${prefix}n`, '12345');
  await c.call('SET', `${prefix}long`, 'x'.repeat(5000));
  await c.call('SET', `${prefix}ttl`, 'v', 'EX', '1000');
  await c.call('RPUSH', `${prefix}l`, 'a', 'b', 'c');
  await c.call('RPUSH', `${prefix}big`, ...Array.from({ length: 1000 }, (_, i) => `e${i}`));
  await c.call('SADD', `${prefix}si`, '1', '2', '3');
  await c.call('SADD', `${prefix}ss`, ...Array.from({ length: 600 }, (_, i) => `m${i}`));
  await c.call('HSET', `${prefix}h`, 'f', 'v', 'g', 'w');
  await c.call('ZADD', `${prefix}z`, '1.5', 'a', '-inf', 'b', 'inf', 'c');
  await c.call('SELECT', '5');
  await c.call('SET', `${prefix}db5`, 'x');
  await c.call('SELECT', '0');
}



describe('Concord replica of a real redis-server', () => {
  // The snapshot arrives with an EOF mark (diskless) or a length, and is loaded as it arrives or after.
  for (const [load, diskless] of [['on-empty-db', 'yes'], ['on-empty-db', 'no'], ['disabled', 'yes']]) {
    test(`full sync (repl-diskless-load ${load}, primary repl-diskless-sync ${diskless}), stream, read-only, expiry by the primary's DEL, partial resync, offsets`, async (t) => {
      const p = await started(t, startRedis(['--repl-diskless-sync', diskless, '--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes']));
      await writeAllTypes(p.c, 'before:');
      const r = await started(t, startConcord(['--replicaof', '127.0.0.1', String(p.srv.port), '--repl-diskless-load', load]));
      await linkUp(r.c);
      const loaded = load === 'disabled' ? 'MASTER <-> REPLICA sync: receiving' : 'Loading DB in memory while receiving it';
      assert.ok(r.srv.output().includes(loaded), `the ${load} path ran`);
      await sameData(p.c, r.c, [0, 5]);
      await writeAllTypes(p.c, 'after:');
      await p.c.call('MULTI');
      await p.c.call('INCR', 'tx');
      await p.c.call('LPUSH', 'after:l', 'z');
      await p.c.call('EXEC');
      await sameData(p.c, r.c, [0, 5]);
      await offsetsAgree(p.c, r.c);

      assert.deepEqual(await r.c.call('SET', 'k', 'v'), { error: "READONLY You can't write against a read only replica." });
      assert.equal(await field(r.c, 'replication', 'role'), 'slave');
      const role = (await r.c.call('ROLE')) as Reply[];
      assert.deepEqual(role.slice(0, 4), ['slave', '127.0.0.1', p.srv.port, 'connected']);

      // A key past its TTL is hidden on the replica but removed only by the primary's DEL.
      assert.equal(await p.c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
      // DBSIZE counts a key past its TTL, so its arrival shows however late the replica reads it.
      const keysWithout = Number(await r.c.call('DBSIZE'));
      await p.c.call('SET', 'short', 'v', 'PX', '50');
      await waitUntil(async () => Number(await r.c.call('DBSIZE')) === keysWithout + 1, 5000, 'short key replicated');
      await waitUntil(async () => (await r.c.call('GET', 'short')) === null, 5000, 'hidden once expired');
      const keysBefore = Number(await r.c.call('DBSIZE'));
      assert.equal(await p.c.call('GET', 'short'), null, 'the primary expires it lazily and sends DEL');
      await waitUntil(async () => Number(await r.c.call('DBSIZE')) === keysBefore - 1, 5000, 'DEL reached the replica');

      // The link drops: Concord comes back with PSYNC and gets only what it missed.
      assert.ok(Number(await p.c.call('CLIENT', 'KILL', 'TYPE', 'replica')) >= 1);
      await p.c.call('SET', 'while-away', '1');
      await waitUntil(async () => (await field(p.c, 'stats', 'sync_partial_ok')) === '1', 10_000, 'partial resync');
      assert.equal(await field(p.c, 'stats', 'sync_full'), '1');
      await sameData(p.c, r.c, [0, 5]);
      await offsetsAgree(p.c, r.c);
    });
  }

  test('chained: redis -> Concord -> redis, then Concord is promoted and the old primary follows it partially', async (t) => {
    const top = await started(t, startRedis(['--repl-diskless-sync-delay', '0']));
    await writeAllTypes(top.c, 'a:');
    const mid = await started(t, startConcord(['--replicaof', '127.0.0.1', String(top.srv.port), '--repl-diskless-sync-delay', '0']));
    await linkUp(mid.c);
    const leaf = await started(t, startRedis(['--replicaof', '127.0.0.1', String(mid.srv.port)]));
    await linkUp(leaf.c);
    await top.c.call('SET', 'through', 'both');
    // Commands larger than one 64 KB read reach Concord in pieces: what it passes on must still
    // be the primary's exact bytes, split or not.
    await top.c.call('SET', 'split', 'v'.repeat(300_000));
    await top.c.call('RPUSH', 'split-list', ...Array.from({ length: 20_000 }, (_, i) => `item-${i}`));
    await top.c.call('MSET', ...Array.from({ length: 5000 }, (_, i) => [`m:${i}`, 'x'.repeat(i % 40)]).flat());
    await sameData(top.c, leaf.c, [0, 5]);
    await offsetsAgree(top.c, leaf.c);
    assert.equal(await field(leaf.c, 'replication', 'master_replid'), await field(top.c, 'replication', 'master_replid'), 'one history');

    // Failover: promote Concord, point the old primary at it.
    const oldId = await field(top.c, 'replication', 'master_replid');
    assert.equal(await mid.c.call('REPLICAOF', 'NO', 'ONE'), 'OK');
    assert.equal(await field(mid.c, 'replication', 'master_replid2'), oldId);
    assert.equal(await mid.c.call('SET', 'after', 'promotion'), 'OK');
    assert.equal(await top.c.call('REPLICAOF', '127.0.0.1', String(mid.srv.port)), 'OK');
    await linkUp(top.c);
    await waitUntil(async () => (await top.c.call('GET', 'after')) === 'promotion', 5000, 'old primary follows');
    await waitUntil(async () => (await leaf.c.call('GET', 'after')) === 'promotion', 5000, 'leaf follows the new history');
    assert.equal(await field(mid.c, 'stats', 'sync_full'), '1', 'only the leaf ever needed a full sync');
    assert.ok(Number(await field(mid.c, 'stats', 'sync_partial_ok')) >= 2, 'old primary and leaf resynced partially');
  });
});

/**
 * A primary that answers the handshake and sends `snapshot` as a diskless (EOF-marked) full
 * sync, then holds the link: what a replica makes of a damaged snapshot.
 */
async function fakePrimary(t: TestContext, snapshot: Buffer): Promise<{ port: number; syncs: () => number }> {
  let syncs = 0;
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    let input = '';
    socket.on('data', (d: Buffer) => {
      input += d.toString('latin1');
      for (let eol = input.indexOf('\r\n'); eol >= 0; eol = input.indexOf('\r\n')) {
        // One reply per command: each arrives as one multibulk; answer on its last line.
        const head = /^\*(\d+)\r\n/.exec(input);
        if (head === null) return;
        const lines = input.split('\r\n');
        const need = 1 + 2 * Number(head[1]);
        if (lines.length <= need) return;
        const argv = lines.slice(1, need).filter((_, i) => i % 2 === 1);
        input = lines.slice(need).join('\r\n');
        const cmd = argv[0].toUpperCase();
        if (cmd === 'PING') socket.write('+PONG\r\n');
        else if (cmd === 'PSYNC') {
          syncs++;
          const mark = 'm'.repeat(40);
          socket.write(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n$EOF:${mark}\r\n`);
          socket.write(Buffer.concat([snapshot, Buffer.from(mark, 'latin1')]));
        } else socket.write('+OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as net.AddressInfo).port, syncs: () => syncs };
}

describe('Concord replica of a damaged snapshot', () => {
  // 2,000 keys, then one byte of the last value flipped: every key parses, the checksum fails.
  const keys = Array.from({ length: 2000 }, (_, i) => ({ db: 0, key: `k${i}`, value: `v${i}`, expireAtMs: null }));
  const good = writeRdb(keys, { nowMs: Date.now() });
  const bad = Buffer.from(good);
  bad[bad.length - 12] ^= 0x20;
  for (const load of ['on-empty-db', 'disabled']) {
    test(`repl-diskless-load ${load}: nothing of it is served, and the replica syncs again`, async (t) => {
      const primary = await fakePrimary(t, bad);
      const r = await started(t, startConcord(['--replicaof', '127.0.0.1', String(primary.port), '--repl-diskless-load', load]));
      await waitUntil(() => r.srv.output().includes('Failed trying to load the MASTER synchronization DB'), 10_000, 'the load failed');
      assert.match(r.srv.output(), /checksum mismatch/);
      assert.equal(await r.c.call('DBSIZE'), 0, 'no key of the damaged snapshot is left');
      assert.equal(await field(r.c, 'persistence', 'loading'), '0');
      await waitUntil(() => primary.syncs() >= 2, 10_000, 'the replica asked for a new sync');
    });
  }
});

describe('Concord replica of Concord', () => {
  test('replicates, answers GETACK so WAIT works, and REPLICAOF NO ONE takes writes', async (t) => {
    const p = await started(t, startConcord(['--repl-diskless-sync-delay', '0']));
    await writeAllTypes(p.c, 'x:');
    const r = await started(t, startConcord(['--repl-diskless-sync-delay', '0']));
    assert.equal(await r.c.call('REPLICAOF', '127.0.0.1', String(p.srv.port)), 'OK');
    assert.equal(await r.c.call('REPLICAOF', '127.0.0.1', String(p.srv.port)), 'OK Already connected to specified master');
    await linkUp(r.c);
    await sameData(p.c, r.c, [0, 5]);
    await p.c.call('SET', 'w', '1');
    assert.equal(await p.c.call('WAIT', '1', '5000'), 1);
    assert.equal(await r.c.call('GET', 'w'), '1');
    await offsetsAgree(p.c, r.c);
    assert.match(String((await r.c.call('WAIT', '1', '10') as { error: string }).error), /^ERR WAIT cannot be used with replica instances/);
    assert.equal(await r.c.call('REPLICAOF', 'NO', 'ONE'), 'OK');
    assert.equal(await r.c.call('SET', 'mine', 'now'), 'OK');
    assert.equal(await field(r.c, 'replication', 'role'), 'master');
  });

  test('repl-stream-batch-ms holds a write that follows a send closely, not one after a quiet spell nor a WAIT', async (t) => {
    const batchMs = 1000;
    const p = await started(t, startConcord(['--repl-diskless-sync-delay', '0', '--repl-stream-batch-ms', String(batchMs)]));
    const r = await started(t, startConcord(['--replicaof', '127.0.0.1', String(p.srv.port)]));
    await linkUp(r.c);
    await sleep(batchMs + 100);
    // Quiet for longer than the delay: the write is sent at the end of its turn.
    const sentAt = Date.now();
    await p.c.call('SET', 'first', '1');
    await waitUntil(async () => (await r.c.call('GET', 'first')) === '1', 5000, 'first write replicated');
    assert.ok(Date.now() - sentAt < batchMs - 100, `an idle primary sends at once (took ${Date.now() - sentAt} ms)`);
    // Right after that send: held until the delay has passed, then sent.
    await p.c.call('SET', 'second', '1');
    await sleep(200);
    assert.equal(await r.c.call('GET', 'second'), null, 'a write close behind a send waits for the batch');
    await waitUntil(async () => (await r.c.call('GET', 'second')) === '1', 5000, 'held write sent after the delay');
    // WAIT asks for an acknowledgement: the stream goes at once.
    const waitAt = Date.now();
    await p.c.call('SET', 'third', '1');
    assert.equal(await p.c.call('WAIT', '1', '5000'), 1);
    assert.ok(Date.now() - waitAt < batchMs - 100, `WAIT does not sit out the delay (took ${Date.now() - waitAt} ms)`);
    assert.equal(await r.c.call('GET', 'third'), '1');
    await offsetsAgree(p.c, r.c);
  });

  test('FAILOVER hands the primary role to a Concord replica and to a real redis-server replica', async (t) => {
    const a = await started(t, startConcord(['--repl-diskless-sync-delay', '0']));
    await a.c.call('SET', 'k', '1');
    assert.deepEqual(await a.c.call('FAILOVER'), { error: 'ERR FAILOVER requires connected replicas.' });
    assert.deepEqual(await a.c.call('FAILOVER', 'ABORT'), { error: 'ERR No failover in progress.' });
    const b = await started(t, startConcord(['--replicaof', '127.0.0.1', String(a.srv.port), '--repl-diskless-sync-delay', '0']));
    await linkUp(b.c);
    assert.deepEqual(await a.c.call('FAILOVER', 'TO', '127.0.0.1', '1', 'TIMEOUT', '100'), { error: 'ERR FAILOVER target HOST and PORT is not a replica.' });
    assert.deepEqual(await a.c.call('FAILOVER', 'FORCE'), { error: 'ERR FORCE option requires both a timeout and target HOST and IP.' });
    assert.deepEqual(await b.c.call('FAILOVER'), { error: 'ERR FAILOVER is not valid when server is a replica.' });

    // A write sent while the failover waits is held, then refused once the roles have swapped.
    const [ok, write] = await Promise.all([a.c.call('FAILOVER', 'TO', '127.0.0.1', String(b.srv.port)), a.c.call('SET', 'during', 'x')]);
    assert.equal(ok, 'OK');
    assert.deepEqual(write, { error: "READONLY You can't write against a read only replica." });
    await waitUntil(async () => (await field(b.c, 'replication', 'role')) === 'master', 5000, 'target promoted');
    await linkUp(a.c);
    assert.equal(await b.c.call('SET', 'k', '2'), 'OK');
    await waitUntil(async () => (await a.c.call('GET', 'k')) === '2', 5000, 'the old primary follows');
    assert.equal(await field(b.c, 'stats', 'sync_full'), '0', 'the old primary resynced partially');

    // The same hand-over to a real redis-server replica (it understands PSYNC ... FAILOVER).
    const r = await started(t, startRedis(['--replicaof', '127.0.0.1', String(b.srv.port)]));
    await linkUp(r.c);
    assert.equal(await b.c.call('FAILOVER', 'TO', '127.0.0.1', String(r.srv.port), 'TIMEOUT', '5000'), 'OK');
    await waitUntil(async () => (await field(r.c, 'replication', 'role')) === 'master', 5000, 'redis promoted');
    assert.equal(await r.c.call('SET', 'from-redis', '1'), 'OK');
    await waitUntil(async () => (await b.c.call('GET', 'from-redis')) === '1', 5000, 'Concord follows redis');
  });
});
