/**
 * The copy-on-write snapshot is a point-in-time image: whatever writes run between its slices
 * (overwrites, in-place collection changes, deletes, expiry, RENAME, MOVE, COPY, SWAPDB, FLUSHDB,
 * FLUSHALL, transactions), the file it produces holds exactly the keyspace as it was when it began.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startServer } from '../src/index.js';
import type { Database, Value } from '../src/keyspace/database.js';
import { HashValue } from '../src/keyspace/hash.js';
import { ListValue } from '../src/keyspace/list.js';
import { SetValue } from '../src/keyspace/set.js';
import { ZSetValue } from '../src/keyspace/zset.js';
import { readRdb } from '../src/persistence/rdb-reader.js';
import { RespClient } from './helpers/resp-client.js';

const KEYS = ['a', 'b', 'c', 'd', 'e'];
const MEMBERS = ['1', '2', 'x', 'y', 'zz'];

/** A value in a form that compares by content: sets sorted, hashes and sorted sets as sorted pairs. */
function canonical(v: Value): unknown {
  if (typeof v === 'string') return ['string', v];
  if (v instanceof ListValue) return ['list', v.toArray()];
  if (v instanceof SetValue) return ['set', [...v.members()].sort()];
  if (v instanceof HashValue) return ['hash', [...v.fields.entries()].sort()];
  if (v instanceof ZSetValue) return ['zset', [...v.dict.entries()].sort()];
  throw new Error(`unexpected value ${String(v)}`);
}

/** db -> key -> [canonical value, expiry or null], for every key physically present. */
function image(dbs: readonly Database[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const db of dbs) {
    for (const [key, value] of db.dict) out.set(`${db.id}/${key}`, [canonical(value), db.expires.get(key) ?? null]);
  }
  return out;
}

const key = fc.constantFrom(...KEYS);
const member = fc.constantFrom(...MEMBERS);
const db = fc.constantFrom('0', '1', '2');
const command: fc.Arbitrary<string[]> = fc.oneof(
  { arbitrary: fc.tuple(key, fc.string({ maxLength: 30 })).map(([k, v]) => ['SET', k, v]), weight: 3 },
  key.map((k) => ['INCR', k]),
  fc.tuple(key, fc.string({ maxLength: 5 })).map(([k, v]) => ['APPEND', k, v]),
  key.map((k) => ['DEL', k]),
  fc.tuple(key, fc.integer({ min: 1, max: 8 })).map(([k, ms]) => ['PEXPIRE', k, String(ms)]),
  { arbitrary: fc.tuple(key, fc.integer({ min: 1000, max: 100000 })).map(([k, s]) => ['EXPIRE', k, String(s)]), weight: 4 },
  { arbitrary: key.map((k) => ['PERSIST', k]), weight: 2 },
  { arbitrary: key.map((k) => ['GET', k]), weight: 3 },
  { arbitrary: key.map((k) => ['TYPE', k]), weight: 3 },
  // Lets short TTLs run out, so reads expire keys lazily between slices.
  { arbitrary: fc.constant(['DEBUG', 'SLEEP', '0.003'] as string[]), weight: 3 },
  fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 4 })).map(([k, m]) => ['RPUSH', k, ...m]),
  key.map((k) => ['LPOP', k]),
  fc.tuple(key, member).map(([k, m]) => ['LSET', k, '0', m]),
  fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 4 })).map(([k, m]) => ['SADD', k, ...m]),
  fc.tuple(key, member).map(([k, m]) => ['SREM', k, m]),
  key.map((k) => ['SPOP', k]),
  fc.tuple(key, member, member).map(([k, f, v]) => ['HSET', k, f, v]),
  fc.tuple(key, member).map(([k, f]) => ['HDEL', k, f]),
  fc.tuple(key, fc.integer({ min: -5, max: 5 }), member).map(([k, s, m]) => ['ZADD', k, String(s), m]),
  fc.tuple(key, member).map(([k, m]) => ['ZINCRBY', k, '1.5', m]),
  fc.tuple(key, member).map(([k, m]) => ['ZREM', k, m]),
  fc.tuple(key, key).map(([a, b]) => ['RENAME', a, b]),
  fc.tuple(key, db).map(([k, d]) => ['MOVE', k, d]),
  fc.tuple(key, key, db).map(([a, b, d]) => ['COPY', a, b, 'DB', d, 'REPLACE']),
  fc.tuple(db, db).map(([a, b]) => ['SWAPDB', a, b]),
  db.map((d) => ['SELECT', d]),
  fc.constant(['FLUSHDB'] as string[]),
  fc.constant(['FLUSHALL'] as string[]),
  fc.tuple(key, key).map(([a, b]) => ['MULTI', a, b]),
);

describe('copy-on-write snapshot', () => {
  test('the file holds the keyspace as of the start, whatever runs between slices', async (t) => {
    const node = await startServer({ port: 0 });
    t.after(() => node.close());
    const client = await RespClient.connect(node.port);
    t.after(() => client.close());
    const server = node.server;

    const run = async (argv: string[]): Promise<void> => {
      if (argv[0] === 'MULTI') {
        // A transaction changing two keys at once.
        await client.call('MULTI');
        await client.call('RPUSH', argv[1], 'm');
        await client.call('SADD', argv[2], 'm');
        await client.call('EXEC');
        return;
      }
      await client.call(...argv);
    };

    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 5, maxLength: 60 }),
        fc.array(command, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 3 }).map((n) => n === 0), { minLength: 60, maxLength: 60 }),
        async (before, during, sliceBytes, produceAt) => {
          await client.call('SELECT', '0');
          await client.call('FLUSHALL');
          for (const argv of before) await run(argv);
          await client.call('SELECT', '0');

          const snapshot = server.persistence.beginSnapshot();
          const expected = image(server.keyspace.dbs);
          const chunks: Buffer[] = [];
          try {
            let finished = false;
            for (let i = 0; i < during.length; i++) {
              const argv = during[i];
              // Slices of one or a few keys, not before every command: writes land on both sides of the cursor.
              if (!finished && produceAt[i]) finished = snapshot.produce(sliceBytes);
              chunks.push(...snapshot.writer.takeChunks());
              await run(argv);
            }
            while (!snapshot.produce(sliceBytes));
            chunks.push(...snapshot.writer.takeChunks(), ...snapshot.finish());
          } finally {
            server.snapshot = null;
          }
          const file = readRdb(Buffer.concat(chunks));
          const actual = new Map<string, unknown>();
          for (const e of file.entries) {
            const id = `${e.db}/${e.key}`;
            assert.ok(!actual.has(id), `key ${id} written twice`);
            actual.set(id, [canonical(e.value), e.expireAtMs]);
          }
          assert.deepEqual(actual, expected);
        },
      ),
      { numRuns: 100 },
    );
  });

  test('a key that expires between slices is written as it was at the start, TTL included', async (t) => {
    const node = await startServer({ port: 0 });
    t.after(() => node.close());
    const client = await RespClient.connect(node.port);
    t.after(() => client.close());
    const server = node.server;
    await client.call('SET', 'lazy', 'v');
    await client.call('RPUSH', 'active', 'x');
    await client.call('PEXPIRE', 'lazy', '2');
    await client.call('PEXPIRE', 'active', '2');
    await client.call('SET', 'other', 'w');
    const snapshot = server.persistence.beginSnapshot();
    const expected = image(server.keyspace.dbs);
    try {
      await client.call('DEBUG', 'SLEEP', '0.005');
      // A read removes one lazily; the expiry cycle removes the other.
      assert.equal(await client.call('GET', 'lazy'), null);
      server.cron(100);
      assert.equal(server.keyspace.dbs[0].dict.has('active'), false, 'the expiry cycle removed the key');
      while (!snapshot.produce(1));
      const file = readRdb(Buffer.concat([...snapshot.writer.takeChunks(), ...snapshot.finish()]));
      const actual = new Map(file.entries.map((e) => [`${e.db}/${e.key}`, [canonical(e.value), e.expireAtMs]]));
      assert.deepEqual(actual, expected);
    } finally {
      server.snapshot = null;
    }
  });
});
