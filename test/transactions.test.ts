/**
 * MULTI/EXEC/WATCH: the same sequences go to Concord and to a real redis-server 7.0 and the
 * replies must match; plus WATCH aborts caused by other clients and by expiry, and the
 * propagated effects of a transaction (one MULTI ... EXEC unit).
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

describe('transactions, differential against redis-server', () => {
  let redis: ServerProcess;
  let concord: ServerProcess;
  const clients: RespClient[] = [];

  before(async () => {
    [redis, concord] = await Promise.all([startRedis(), startConcord()]);
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([redis.stop(), concord.stop()]);
  });

  /** A connection to each server. */
  async function pair(): Promise<[RespClient, RespClient]> {
    const p: [RespClient, RespClient] = [await RespClient.connect(redis.port), await RespClient.connect(concord.port)];
    clients.push(...p);
    return p;
  }

  /** Runs each step (client index, argv) on both servers and compares every reply. */
  async function same(steps: Array<[number, string[]]>, connections = 1): Promise<void> {
    const conns: Array<[RespClient, RespClient]> = [];
    for (let i = 0; i < connections; i++) conns.push(await pair());
    await conns[0][0].call('FLUSHALL');
    await conns[0][1].call('FLUSHALL');
    for (const [who, argv] of steps) {
      const r: Reply = await conns[who][0].call(...argv);
      const c: Reply = await conns[who][1].call(...argv);
      assert.deepStrictEqual(c, r, `${argv.join(' ')} (client ${who})\n  redis:   ${JSON.stringify(r)}\n  concord: ${JSON.stringify(c)}`);
    }
  }

  it('queues commands and replies with each result in place, errors included', () =>
    same([
      [0, ['MULTI']], [0, ['SET', 'a', '1']], [0, ['INCR', 'a']], [0, ['SETRANGE', 'a', '-1', 'x']], [0, ['GET', 'a']],
      [0, ['INCR', 'nonint']], [0, ['EXEC']], [0, ['GET', 'a']],
    ]));

  it('an unknown command or a wrong arity while queueing aborts EXEC with EXECABORT', () =>
    same([
      [0, ['MULTI']], [0, ['SET', 'a', '1']], [0, ['NOSUCH', 'x']], [0, ['GET']], [0, ['EXEC']], [0, ['GET', 'a']],
    ]));

  it('nesting, EXEC/DISCARD without MULTI, WATCH inside MULTI', () =>
    same([
      [0, ['EXEC']], [0, ['DISCARD']], [0, ['MULTI']], [0, ['MULTI']], [0, ['WATCH', 'a']], [0, ['SET', 'a', '1']],
      [0, ['EXEC']], [0, ['MULTI']], [0, ['SET', 'a', '2']], [0, ['DISCARD']], [0, ['GET', 'a']],
    ]));

  it('an empty transaction replies an empty array', () => same([[0, ['MULTI']], [0, ['EXEC']]]));

  it('WATCH: a write by another client aborts EXEC with a null reply', () =>
    same([
      [0, ['SET', 'k', '1']], [0, ['WATCH', 'k']], [1, ['SET', 'k', '2']], [0, ['MULTI']], [0, ['SET', 'k', '3']],
      [0, ['EXEC']], [0, ['GET', 'k']],
    ], 2));

  it('WATCH: an untouched key lets EXEC run; UNWATCH and EXEC forget the watch', () =>
    same([
      [0, ['WATCH', 'k']], [1, ['SET', 'other', '2']], [0, ['MULTI']], [0, ['SET', 'k', '3']], [0, ['EXEC']],
      [0, ['WATCH', 'k']], [0, ['UNWATCH']], [1, ['SET', 'k', '9']], [0, ['MULTI']], [0, ['GET', 'k']], [0, ['EXEC']],
    ], 2));

  it('WATCH: deleting, expiring (EXPIRE) and flushing a watched key abort EXEC', () =>
    same([
      [0, ['SET', 'k', '1']], [0, ['WATCH', 'k']], [1, ['DEL', 'k']], [0, ['MULTI']], [0, ['PING']], [0, ['EXEC']],
      [0, ['SET', 'k', '1']], [0, ['WATCH', 'k']], [1, ['EXPIRE', 'k', '100']], [0, ['MULTI']], [0, ['PING']], [0, ['EXEC']],
      [0, ['SET', 'k', '1']], [0, ['WATCH', 'k']], [1, ['FLUSHALL']], [0, ['MULTI']], [0, ['PING']], [0, ['EXEC']],
    ], 2));

  it('WATCH: a key that expires after WATCH aborts EXEC even if nothing touched it', async () => {
    for (const port of [redis.port, concord.port]) {
      const c = await RespClient.connect(port);
      clients.push(c);
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      await c.call('SET', 'soon', '1', 'PX', '50');
      await c.call('WATCH', 'soon');
      await new Promise((r) => setTimeout(r, 120));
      await c.call('MULTI');
      await c.call('PING');
      assert.equal(await c.call('EXEC'), null, `port ${port}`);
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    }
  });
});

describe('transaction effects', () => {
  const clock = new ManualClock(1_700_000_000_000);
  const effects: Array<[number, string[]]> = [];
  let node: RunningNode;
  let client: RespClient;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concord-tx-'));
    node = await startServer({ port: 0, dir, clock, effects: { write: (db, argv) => effects.push([db, [...argv]]) } });
    client = await RespClient.connect(node.port);
  });
  after(async () => {
    client.close();
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a transaction leaves as one MULTI ... EXEC unit with rewritten effects; reads leave nothing', async () => {
    await client.call('MULTI');
    await client.call('SET', 'a', '1', 'EX', '10');
    await client.call('GET', 'a');
    await client.call('INCRBYFLOAT', 'f', '1.5');
    assert.deepEqual(await client.call('EXEC'), ['OK', '1', '1.5']);
    const now = clock.now();
    assert.deepEqual(effects, [
      [0, ['MULTI']],
      [0, ['SET', 'a', '1', 'PXAT', String(now + 10_000)]],
      [0, ['SET', 'f', '1.5', 'KEEPTTL']],
      [0, ['EXEC']],
    ]);
  });

  it('a transaction with one write leaves just that write', async () => {
    effects.length = 0;
    await client.call('MULTI');
    await client.call('GET', 'a');
    await client.call('SET', 'b', '2');
    await client.call('EXEC');
    assert.deepEqual(effects, [[0, ['SET', 'b', '2']]]);
  });

  it('every command in a transaction sees the same time', async () => {
    effects.length = 0;
    await client.call('SET', 'e', 'v', 'PX', '5');
    await client.call('MULTI');
    await client.call('GET', 'e');
    await client.call('GET', 'e');
    clock.advance(10);
    assert.deepEqual(await client.call('EXEC'), [null, null]);
  });
});
