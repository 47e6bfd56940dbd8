import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningNode } from '../src/index.js';
import { ManualClock } from '../src/util/clock.js';
import { RawConnection } from './helpers/raw.js';

/** Writes leave the node as deterministic effects: relative times become absolute, floats become results. */
describe('propagated effects', () => {
  const clock = new ManualClock(1_700_000_000_000);
  const effects: Array<[number, string[]]> = [];
  let node: RunningNode;
  let conn: RawConnection;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concord-effects-'));
    node = await startServer({ port: 0, dir, clock, effects: { write: (db, argv) => effects.push([db, [...argv]]) } });
    conn = await RawConnection.connect(node.port);
  });
  after(async () => {
    conn.close();
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    effects.length = 0;
  });

  async function send(...argv: string[]): Promise<string> {
    const wire = `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`;
    conn.write(wire);
    // Every reply used here fits in one read once it starts arriving.
    return conn.read(1, 2000);
  }

  const now = clock.now();

  it('SET EX becomes SET PXAT with the absolute time', async () => {
    assert.equal(await send('SET', 'k', 'v', 'EX', '10'), '+OK\r\n');
    assert.deepEqual(effects, [[0, ['SET', 'k', 'v', 'PXAT', String(now + 10_000)]]]);
  });

  it('SETEX and PSETEX become SET PXAT', async () => {
    await send('SETEX', 'k', '5', 'v');
    await send('PSETEX', 'k', '5', 'v');
    assert.deepEqual(effects, [
      [0, ['SET', 'k', 'v', 'PXAT', String(now + 5000)]],
      [0, ['SET', 'k', 'v', 'PXAT', String(now + 5)]],
    ]);
  });

  it('EXPIRE becomes PEXPIREAT, and an expiry in the past becomes DEL', async () => {
    await send('SET', 'k', 'v');
    effects.length = 0;
    assert.equal(await send('EXPIRE', 'k', '100'), ':1\r\n');
    assert.equal(await send('EXPIRE', 'k', '-1'), ':1\r\n');
    assert.deepEqual(effects, [
      [0, ['PEXPIREAT', 'k', String(now + 100_000)]],
      [0, ['DEL', 'k']],
    ]);
  });

  it('INCRBYFLOAT propagates the resulting value', async () => {
    await send('INCRBYFLOAT', 'f', '0.1');
    await send('INCRBYFLOAT', 'f', '0.2');
    assert.deepEqual(effects, [
      [0, ['SET', 'f', '0.1', 'KEEPTTL']],
      [0, ['SET', 'f', '0.3', 'KEEPTTL']],
    ]);
  });

  it('a key found expired is deleted with an explicit DEL before the command that found it', async () => {
    await send('SET', 'gone', 'v', 'PX', '50');
    effects.length = 0;
    clock.advance(100);
    assert.equal(await send('GET', 'gone'), '$-1\r\n');
    assert.deepEqual(effects, [[0, ['DEL', 'gone']]]);
  });

  it('reads and failed writes propagate nothing; SELECT changes the effect db', async () => {
    await send('GET', 'x');
    await send('SET', 'x', 'v', 'NX', 'XX');
    await send('SELECT', '3');
    await send('SET', 'x', 'v');
    await send('SELECT', '0');
    assert.deepEqual(effects, [[3, ['SET', 'x', 'v']]]);
  });

  it('GETEX and GETDEL become PEXPIREAT/PERSIST and DEL', async () => {
    await send('SET', 'g', 'v');
    effects.length = 0;
    await send('GETEX', 'g', 'EX', '7');
    await send('GETEX', 'g', 'PERSIST');
    await send('GETDEL', 'g');
    assert.deepEqual(effects, [
      [0, ['PEXPIREAT', 'g', String(now + 7000 + 100)]],
      [0, ['PERSIST', 'g']],
      [0, ['DEL', 'g']],
    ]);
  });
});
