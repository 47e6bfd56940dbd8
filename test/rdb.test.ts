/**
 * The RDB codec (src/persistence/) against a real redis-server 7.0 (the reference), both ways.
 *
 * 1. Concord -> Redis: a dataset (every type, binary and int-like strings, big values, integer
 *    sets, inf/-inf/decimal scores, expiries, several dbs) written with RdbWriter is loaded by
 *    redis-server (sanitize-dump-payload yes: deep checks) and compared key by key (TYPE, value,
 *    PEXPIRETIME, DBSIZE). That Redis then SAVEs and the reader reads its file back.
 * 2. Redis -> Concord: the same dataset is written into a fresh redis-server through commands, so
 *    Redis picks its compact encodings (listpack, intset, quicklist with plain nodes, LZF, integer
 *    strings); its SAVE output is read and compared. DUMP payloads both ways (decodeDumpPayload of
 *    Redis's DUMP, RESTORE of encodeDumpPayload) and the payload checks' error texts.
 * 3. Older encodings Redis still loads (zipmap, ziplists, quicklist v1, intsets of each width,
 *    hand-built listpacks with every entry encoding, EXPIRETIME in seconds, IDLE/FREQ) go in a
 *    hand-built file that both Redis and the reader load; formats Redis 7.0 cannot load
 *    (versions 11 and 12: listpack sets, SLOT_INFO) and the refused ones are checked on the reader.
 * 4. fast-check: random datasets round-trip writer -> reader (and the incremental chunking gives
 *    the same bytes); random damage to a valid file or payload is always an RdbError or a
 *    DumpPayloadError, never a crash or a hang.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Value } from '../src/keyspace/database.js';
import { HashValue } from '../src/keyspace/hash.js';
import { ListValue } from '../src/keyspace/list.js';
import { SetValue, isInt64Text } from '../src/keyspace/set.js';
import { ZSetValue } from '../src/keyspace/zset.js';
import { Crc64, crc64 } from '../src/persistence/crc64.js';
import { lzfCompress, lzfDecompress, LzfError } from '../src/persistence/lzf.js';
import {
  DumpPayloadError,
  ERR_BAD_DATA_FORMAT,
  ERR_DUMP_PAYLOAD,
  RdbError,
  RdbReader,
  decodeDumpPayload,
  readRdb,
  type RdbEntry,
} from '../src/persistence/rdb-reader.js';
import { RDB_OPCODE, RDB_TYPE, RdbWriter, encodeDumpPayload, writeRdb, type RdbKey } from '../src/persistence/rdb-writer.js';
import { RdbStreamReader } from '../src/persistence/rdb-stream.js';
import { RespClient, isError, showReply, type Reply } from './helpers/resp-client.js';
import { startProcess, startRedis, type ServerProcess } from './helpers/servers.js';
import { prng, randomBytes } from './helpers/util.js';

// ---------------------------------------------------------------------------------------------
// A plain, comparable form of a value

type Plain =
  | { type: 'string'; v: string }
  | { type: 'list'; v: string[] }
  | { type: 'hash'; v: [string, string][] }
  | { type: 'set'; v: string[] }
  | { type: 'zset'; v: [string, number][] };

const byFirst = <T>(a: [string, T], b: [string, T]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function plainOf(v: Value): Plain {
  if (typeof v === 'string') return { type: 'string', v };
  if (v instanceof ListValue) return { type: 'list', v: v.toArray() };
  if (v instanceof HashValue) return { type: 'hash', v: [...v.fields].sort(byFirst) };
  if (v instanceof SetValue) return { type: 'set', v: [...v.members()].sort() };
  if (v instanceof ZSetValue) {
    const [members, scores] = v.index.toArrays();
    // -0 and 0 are the same score (a listpack keeps 0 where a skiplist may keep -0).
    return { type: 'zset', v: members.map((m, i) => [m, scores[i] === 0 ? 0 : scores[i]] as [string, number]) };
  }
  throw new Error(`unexpected value ${v.type}`);
}

/** Builds the value the way Concord's commands do (SET, RPUSH, HSET, SADD, ZADD). */
function valueOf(p: Plain): Value {
  switch (p.type) {
    case 'string':
      return p.v;
    case 'list':
      return ListValue.from(p.v);
    case 'hash': {
      const h = new HashValue();
      for (const [f, x] of p.v) h.set(f, x);
      return h;
    }
    case 'set':
      return SetValue.of(p.v);
    case 'zset': {
      const z = new ZSetValue();
      for (const [m, s] of p.v) z.insert(m, s);
      return z;
    }
  }
}

/** The canonical form: hashes and sets sorted, zsets in (score, member) order. */
function normal(p: Plain): Plain {
  return plainOf(valueOf(p));
}

function scoreText(s: number): string {
  if (s === Infinity) return 'inf';
  if (s === -Infinity) return '-inf';
  return String(s);
}

function parseRedisScore(text: string): number {
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return Number(text);
}

/** Commands that create `key` with `p` in Redis (chunked so no command is huge). */
function commandsFor(key: string, p: Plain): string[][] {
  const out: string[][] = [];
  const CHUNK = 500;
  switch (p.type) {
    case 'string':
      out.push(['SET', key, p.v]);
      break;
    case 'list':
      for (let i = 0; i < p.v.length; i += CHUNK) out.push(['RPUSH', key, ...p.v.slice(i, i + CHUNK)]);
      break;
    case 'hash':
      for (let i = 0; i < p.v.length; i += CHUNK) out.push(['HSET', key, ...p.v.slice(i, i + CHUNK).flat()]);
      break;
    case 'set':
      for (let i = 0; i < p.v.length; i += CHUNK) out.push(['SADD', key, ...p.v.slice(i, i + CHUNK)]);
      break;
    case 'zset':
      for (let i = 0; i < p.v.length; i += CHUNK) out.push(['ZADD', key, ...p.v.slice(i, i + CHUNK).flatMap(([m, s]) => [scoreText(s), m])]);
      break;
  }
  return out;
}

async function call(c: RespClient, ...args: string[]): Promise<Reply> {
  const r = await c.call(...args);
  if (isError(r)) throw new Error(`${args.slice(0, 3).join(' ')}: ${r.error}`);
  return r;
}

/** What Redis holds at `key` (in the selected db), in plain form; null when absent. */
async function plainFromRedis(c: RespClient, key: string): Promise<Plain | null> {
  const type = await call(c, 'TYPE', key);
  switch (type) {
    case 'none':
      return null;
    case 'string':
      return { type: 'string', v: (await call(c, 'GET', key)) as string };
    case 'list':
      return { type: 'list', v: (await call(c, 'LRANGE', key, '0', '-1')) as string[] };
    case 'hash': {
      const flat = (await call(c, 'HGETALL', key)) as string[];
      const pairs: [string, string][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
      return { type: 'hash', v: pairs.sort(byFirst) };
    }
    case 'set':
      return { type: 'set', v: ((await call(c, 'SMEMBERS', key)) as string[]).sort() };
    case 'zset': {
      const flat = (await call(c, 'ZRANGE', key, '0', '-1', 'WITHSCORES')) as string[];
      const pairs: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], parseRedisScore(flat[i + 1])]);
      return { type: 'zset', v: pairs };
    }
    default:
      throw new Error(`unexpected type ${showReply(type)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The dataset

interface Spec {
  db: number;
  key: string;
  plain: Plain;
  expireAtMs: number | null;
}



const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).latin1Slice(0, 256);
const INT_LIKE = [
  '0', '1', '-1', '12', '13', '127', '128', '-128', '-129', '255', '32767', '32768', '-32768', '-32769',
  '8388607', '8388608', '2147483647', '2147483648', '-2147483648', '-2147483649', '9223372036854775807',
  '-9223372036854775808', '9223372036854775808', '-0', '007', '+1', ' 1', '1.5', '1e3', '',
];

function dataset(now: number): Spec[] {
  const rnd = prng(20_240_917);
  const specs: Spec[] = [];
  const add = (db: number, key: string, plain: Plain, expireAtMs: number | null = null): void => {
    specs.push({ db, key, plain, expireAtMs });
  };
  const S = (v: string): Plain => ({ type: 'string', v });
  const L = (v: string[]): Plain => ({ type: 'list', v });
  const H = (v: [string, string][]): Plain => ({ type: 'hash', v });
  const SET = (v: string[]): Plain => ({ type: 'set', v: [...new Set(v)] });
  const Z = (v: [string, number][]): Plain => ({ type: 'zset', v });

  // strings
  add(0, 'str:hello', S('hello'));
  add(0, 'str:binary', S(ALL_BYTES));
  INT_LIKE.forEach((t, i) => add(0, `str:int:${i}`, S(t)));
  add(0, 'str:lzf21', S('a'.repeat(21)));
  add(0, 'str:lzf:big', S('abcdefgh'.repeat(25_000) + randomBytes(rnd, 1000)));
  add(0, 'str:random:big', S(randomBytes(rnd, 100_000)));
  add(0, '\x00\xffbinary key\r\n', S('v'));
  add(0, '', S('the empty key'));
  add(0, '12345', S('an int-like key'));
  // lists
  add(0, 'list:small', L(['a', 'b', '1', '-5', 'c', '', ALL_BYTES]));
  add(0, 'list:big', L(Array.from({ length: 10_000 }, (_, i) => (i % 3 === 0 ? String(i * 7919 - 30_000) : `e${i}:${randomBytes(rnd, i % 17)}`))));
  add(0, 'list:fat', L([randomBytes(rnd, 20_000), 'x', 'y'.repeat(5000), '42', 'z'.repeat(1500)]));
  // hashes
  add(0, 'hash:small', H([['f1', 'v1'], ['n', '123'], ['bin', ALL_BYTES.slice(0, 60)], ['', 'empty field'], ['-7', '']]));
  add(0, 'hash:big', H(Array.from({ length: 1000 }, (_, i) => [`field${i}`, i % 2 === 0 ? String(i) : randomBytes(rnd, 10)] as [string, string])));
  add(0, 'hash:longvalue', H([['f', 'x'.repeat(100)], ['g', '1']]));
  // sets
  add(0, 'set:small', SET(['a', 'b', 'c', ALL_BYTES]));
  add(0, 'set:ints', SET(['1', '2', '-3', '100000', '9223372036854775807', '-9223372036854775808']));
  add(0, 'set:ints16', SET(['1', '300', '-300']));
  add(0, 'set:ints32', SET(['70000', '-70000', '5']));
  add(0, 'set:bigints', SET(Array.from({ length: 1000 }, (_, i) => String(i * 31 - 5000))));
  add(0, 'set:big', SET(Array.from({ length: 600 }, (_, i) => `m${i}${randomBytes(rnd, 3)}`)));
  add(0, 'set:mixed', SET(['1', '2', 'three', '-4']));
  // sorted sets
  add(0, 'zset:small', Z([['a', 1], ['b', -2.5], ['c', 0.1], ['inf', Infinity], ['ninf', -Infinity], ['big', 1e300], ['tiny', 1e-300], ['pi', Math.PI], ['int', 42], ['neg', -1e15]]));
  add(0, 'zset:big', Z(Array.from({ length: 500 }, (_, i) => [`member${i}`, Math.floor(rnd() * 1e6) / 100 - 5000] as [string, number])));
  add(0, 'zset:longmember', Z([['m'.repeat(100), 3], ['x', 3], ['y', 3]]));
  add(0, 'zset:binary', Z([[ALL_BYTES.slice(0, 50), 1], ['\x00', 1], ['\xff', 2]]));
  // expiries
  add(0, 'exp:str', S('e'), now + 3_600_000);
  add(0, 'exp:hash', H([['a', 'b']]), now + 100 * 86_400_000);
  add(0, 'exp:list', L(['1', '2']), now + 600_000);
  add(0, 'exp:zset', Z([['a', 1]]), now + 86_400_000 + 123);
  // other dbs
  add(1, 'str:hello', S('hello from db 1'));
  add(1, 'zset:x', Z([['x', 1.5], ['y', 2.5]]), now + 7_200_000);
  add(5, 'set:x', SET(['5', '55', '555']));
  add(15, 'list:x', L(['db', '15']));
  add(15, 'hash:x', H([['k', 'v']]));
  return specs;
}

function keysOf(specs: Spec[]): RdbKey[] {
  return specs.map((s) => ({ db: s.db, key: s.key, value: valueOf(s.plain), expireAtMs: s.expireAtMs }));
}

/** Compares what a reader produced with the specs, key by key. */
function assertEntries(entries: RdbEntry[], specs: Spec[], what: string): void {
  const byId = new Map(entries.map((e) => [`${e.db}/${e.key}`, e]));
  assert.equal(byId.size, entries.length, `${what}: no key twice`);
  for (const s of specs) {
    const id = `${s.db}/${s.key}`;
    const e = byId.get(id);
    assert.ok(e !== undefined, `${what}: key ${JSON.stringify(id)} missing`);
    assert.deepStrictEqual(plainOf(e.value), normal(s.plain), `${what}: value of ${JSON.stringify(id)}`);
    assert.equal(e.expireAtMs, s.expireAtMs, `${what}: expiry of ${JSON.stringify(id)}`);
  }
  assert.equal(entries.length, specs.length, `${what}: key count`);
}

/** Compares what Redis holds with the specs, key by key, and each db's size. */
async function assertRedisHolds(c: RespClient, specs: Spec[], what: string): Promise<void> {
  const dbs = [...new Set(specs.map((s) => s.db))];
  for (const db of dbs) {
    await call(c, 'SELECT', String(db));
    const mine = specs.filter((s) => s.db === db);
    assert.equal(await call(c, 'DBSIZE'), mine.length, `${what}: DBSIZE of db ${db}`);
    for (const s of mine) {
      const got = await plainFromRedis(c, s.key);
      assert.deepStrictEqual(got, normal(s.plain), `${what}: db ${db} key ${JSON.stringify(s.key)}`);
      const at = await call(c, 'PEXPIRETIME', s.key);
      assert.equal(at, s.expireAtMs ?? -1, `${what}: PEXPIRETIME of ${JSON.stringify(s.key)}`);
    }
  }
  await call(c, 'SELECT', '0');
}

/** Fills Redis with the specs through commands. */
async function fillRedis(c: RespClient, specs: Spec[]): Promise<void> {
  for (const s of specs) {
    await call(c, 'SELECT', String(s.db));
    for (const cmd of commandsFor(s.key, s.plain)) await call(c, ...cmd);
    if (s.expireAtMs !== null) await call(c, 'PEXPIREAT', s.key, String(s.expireAtMs));
  }
  await call(c, 'SELECT', '0');
}

/** A redis-server that loads `file` at start (written into its dir before it starts). */
function startRedisWith(file: Buffer, extra: string[] = []): Promise<ServerProcess> {
  return startProcess('redis-server', (port, dir) => {
    writeFileSync(join(dir, 'dump.rdb'), file);
    return ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', 'dump.rdb', '--save', '', '--appendonly', 'no', '--sanitize-dump-payload', 'yes', ...extra];
  });
}

function payloadOf(r: Reply): Buffer {
  assert.equal(typeof r, 'string', `DUMP reply ${showReply(r)}`);
  return Buffer.from(r as string, 'latin1');
}

const NOW = Date.now();
const SPECS = dataset(NOW);

// ---------------------------------------------------------------------------------------------
// 0. The building blocks

describe('CRC-64 and LZF', () => {
  it('CRC-64/Jones gives the check value and is incremental', () => {
    assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
    assert.equal(crc64(Buffer.alloc(0)), 0n);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(200), (data, cut) => {
        const at = Math.min(cut, data.length);
        const whole = crc64(data);
        assert.equal(new Crc64().update(data, 0, at).update(data, at).value(), whole);
        // Bit by bit (the definition) equals the table-driven one.
        let crc = 0n;
        for (const byte of data) {
          crc ^= BigInt(byte);
          for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0x95ac9329ac4bc9b5n : crc >> 1n;
        }
        assert.equal(crc, whole);
      }),
      { numRuns: 200 },
    );
  });

  it('LZF round-trips and respects the output bound', () => {
    const text = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      fc.array(fc.constantFrom(...'abcab'.split('')), { maxLength: 3000 }).map((a) => Buffer.from(a.join(''), 'latin1')),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 400 })).map(([u, n]) => Buffer.concat(Array(n).fill(Buffer.from(u)))),
    );
    fc.assert(
      fc.property(text, fc.integer({ min: -4, max: 64 }), (data, slack) => {
        const max = data.length + slack;
        const c = lzfCompress(data, max);
        if (c === null) return;
        assert.ok(c.length <= max);
        assert.deepStrictEqual(lzfDecompress(c, data.length), Buffer.from(data));
      }),
      { numRuns: 300 },
    );
  });

  it('LZF decompression of garbage fails cleanly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(2000), (data, n) => {
        try {
          lzfDecompress(data, n);
        } catch (err) {
          assert.ok(err instanceof LzfError, String(err));
        }
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 1. Concord -> Redis

describe('Concord writes, Redis loads', () => {
  let redis: ServerProcess;
  let c: RespClient;
  let file: Buffer;

  before(async () => {
    const w = new RdbWriter({ nowMs: NOW, usedMemBytes: 123_456_789_012 });
    const chunks: Buffer[] = [];
    let db = -1;
    for (const k of keysOf(SPECS)) {
      if (k.db !== db) {
        db = k.db;
        const inDb = SPECS.filter((s) => s.db === db);
        w.selectDb(db, inDb.length, inDb.filter((s) => s.expireAtMs !== null).length);
      }
      w.writeKey(k.db, k.key, k.value, k.expireAtMs);
      chunks.push(...w.takeChunks());
    }
    chunks.push(...w.finish());
    file = Buffer.concat(chunks);
    assert.equal(file.length, w.bytesWritten + 8);
    redis = await startRedisWith(file);
    c = await RespClient.connect(redis.port);
  });

  after(async () => {
    c?.close();
    await redis?.stop();
  });

  it('the file is version 9 (Redis 5 and later load it) and the reader reads it', () => {
    assert.equal(file.latin1Slice(0, 9), 'REDIS0009');
    const r = readRdb(file);
    assert.equal(r.aux.get('redis-ver'), '7.0.15');
    assert.equal(r.aux.get('ctime'), String(Math.floor(NOW / 1000)));
    assert.equal(r.aux.get('used-mem'), '123456789012');
    assertEntries(r.entries, SPECS, 'Concord -> Concord');
  });

  it('Redis loads every key with its type, value and expiry', async () => {
    await assertRedisHolds(c, SPECS, 'Concord -> Redis');
    const log = redis.output();
    assert.match(log, /DB loaded from disk/);
  });

  it('Redis re-saves it with its own encodings and the reader reads that back', async () => {
    await call(c, 'SAVE');
    const saved = readRdb(readFileSync(join(redis.dir, 'dump.rdb')));
    assert.equal(saved.version, 10);
    assertEntries(saved.entries, SPECS, 'Concord -> Redis -> Concord');
  });

  it('Redis RESTOREs encodeDumpPayload payloads, compressed or not', async () => {
    await call(c, 'SELECT', '9');
    for (const s of SPECS.filter((x) => x.db === 0)) {
      for (const compression of [true, false]) {
        const payload = encodeDumpPayload(valueOf(s.plain), compression);
        const key = `restored:${compression}:${s.key}`;
        assert.equal(await call(c, 'RESTORE', key, '0', payload.latin1Slice(0, payload.length)), 'OK');
        assert.deepStrictEqual(await plainFromRedis(c, key), normal(s.plain), `RESTORE of ${JSON.stringify(s.key)}`);
      }
    }
    await call(c, 'SELECT', '0');
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Redis -> Concord

const FUNCTION_CODE = "#!lua name=rdbtestlib\nredis.register_function('rdbtest', function(keys, args) return 1 end)";

describe('Redis writes, Concord reads', () => {
  let redis: ServerProcess;
  let c: RespClient;

  before(async () => {
    redis = await startRedis(['--enable-debug-command', 'yes']);
    c = await RespClient.connect(redis.port);
    // Elements over 1000 bytes go to quicklist nodes of their own (PLAIN containers).
    await call(c, 'DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1000');
    await fillRedis(c, SPECS);
    await call(c, 'FUNCTION', 'LOAD', FUNCTION_CODE);
  });

  after(async () => {
    c?.close();
    await redis?.stop();
  });

  it('reads SAVE output with Redis 7.0 compact encodings', async () => {
    await call(c, 'SAVE');
    const r = readRdb(readFileSync(join(redis.dir, 'dump.rdb')));
    assert.equal(r.version, 10);
    assert.equal(r.aux.get('redis-ver'), '7.0.15');
    assert.equal(r.aux.get('redis-bits'), '64');
    assertEntries(r.entries, SPECS, 'Redis -> Concord');
    const types = new Set(r.entries.map((e) => e.rdbType));
    for (const t of [RDB_TYPE.STRING, RDB_TYPE.SET, RDB_TYPE.HASH, RDB_TYPE.ZSET_2, RDB_TYPE.SET_INTSET, RDB_TYPE.HASH_LISTPACK, RDB_TYPE.ZSET_LISTPACK, RDB_TYPE.LIST_QUICKLIST_2]) {
      assert.ok(types.has(t), `RDB type ${t} was exercised (seen: ${[...types].join(', ')})`);
    }
    assert.ok(r.stats.lzfStrings > 0, 'LZF strings were read');
    assert.ok(r.stats.intStrings > 0, 'integer-encoded strings were read');
    assert.ok(r.stats.quicklistPlainNodes >= 2, 'plain quicklist nodes were read');
    assert.deepStrictEqual(r.functions, [FUNCTION_CODE]);
    // The values are encoded as Redis 7.0 reports them.
    for (const e of r.entries.filter((x) => x.db === 0 && typeof x.value !== 'string')) {
      assert.equal(await call(c, 'OBJECT', 'ENCODING', e.key), (e.value as Exclude<Value, string>).encoding(), `encoding of ${e.key}`);
    }
  });

  it('decodes Redis DUMP payloads', async () => {
    for (const s of SPECS.filter((x) => x.db === 0)) {
      const payload = payloadOf(await call(c, 'DUMP', s.key));
      assert.deepStrictEqual(plainOf(decodeDumpPayload(payload)), normal(s.plain), `DUMP of ${JSON.stringify(s.key)}`);
    }
  });

  it('checks payloads as Redis does, with its error texts', async () => {
    const good = payloadOf(await call(c, 'DUMP', 'hash:small'));
    const variants: [string, Buffer][] = [];
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 1] ^= 1;
    variants.push(['bad checksum', badCrc]);
    const badBody = Buffer.from(good);
    badBody[3] ^= 0x40;
    variants.push(['damaged body', badBody]);
    variants.push(['too short', good.subarray(0, 9)]);
    // Version 11 (Redis 7.2) with a valid checksum: Redis 7.0 refuses it, as does versionMax 10.
    const v11 = Buffer.from(good);
    v11[v11.length - 10] = 11;
    new Crc64().update(v11, 0, v11.length - 8).bytes().copy(v11, v11.length - 8);
    variants.push(['version 11', v11]);
    for (const [what, payload] of variants) {
      const reply = await c.call('RESTORE', `bad:${what}`, '0', payload.latin1Slice(0, payload.length));
      assert.ok(isError(reply), `${what}: Redis refuses`);
      assert.throws(() => decodeDumpPayload(payload, { versionMax: 10 }), (err: unknown) => err instanceof DumpPayloadError && err.message === reply.error, `${what}: same refusal as Redis (${reply.error})`);
    }
    assert.deepStrictEqual(plainOf(decodeDumpPayload(v11)), plainOf(decodeDumpPayload(good)), 'version 11 is read by default');
    // A valid checksum over a value that does not parse: "Bad data format".
    const garbage = Buffer.from([RDB_TYPE.HASH, 0x05, 0x01, 0x61, 10, 0]);
    const crc = new Crc64().update(garbage).bytes();
    const bad = Buffer.concat([garbage, crc]);
    const reply = await c.call('RESTORE', 'bad:format', '0', bad.latin1Slice(0, bad.length));
    assert.ok(isError(reply));
    assert.equal(reply.error, ERR_BAD_DATA_FORMAT);
    assert.throws(() => decodeDumpPayload(bad), (err: unknown) => err instanceof DumpPayloadError && err.message === ERR_BAD_DATA_FORMAT);
    assert.equal(ERR_DUMP_PAYLOAD, 'ERR DUMP payload version or checksum are wrong');
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Hand-built files: older encodings Redis 7.0 still loads, newer ones it cannot

/** Bytes of a hand-built RDB body. */
class Raw {
  readonly parts: Buffer[] = [];
  u8(...b: number[]): this {
    this.parts.push(Buffer.from(b));
    return this;
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  len(n: number): this {
    if (n < 64) return this.u8(n);
    if (n < 16384) return this.u8(0x40 | (n >> 8), n & 0xff);
    const b = Buffer.alloc(5);
    b[0] = 0x80;
    b.writeUInt32BE(n, 1);
    return this.raw(b);
  }
  str(s: string | Buffer): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    return this.len(b.length).raw(b);
  }
  lzfStr(b: Buffer): this {
    const c = lzfCompress(b, b.length)!;
    return this.u8(0xc3).len(c.length).len(b.length).raw(c);
  }
  i32le(n: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return this.raw(b);
  }
  i64le(n: number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(n));
    return this.raw(b);
  }
  key(type: number, key: string): this {
    return this.u8(type).str(key);
  }
}

function rdbFile(version: number, body: Raw, checksum: 'crc' | 'zero' = 'crc'): Buffer {
  const head = Buffer.from(`REDIS${String(version).padStart(4, '0')}`, 'latin1');
  const content = Buffer.concat([head, ...body.parts, Buffer.from([RDB_OPCODE.EOF])]);
  return Buffer.concat([content, checksum === 'crc' ? new Crc64().update(content).bytes() : Buffer.alloc(8)]);
}

/** A ziplist as Redis < 7 builds it (integers in the smallest encoding). */
function ziplist(items: string[]): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  let offset = 10;
  let tail = 10;
  for (const it of items) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32le(prev)]);
    let enc: Buffer;
    if (isInt64Text(it) && it.length <= 32) {
      const v = BigInt(it);
      if (v >= 0n && v <= 12n) enc = Buffer.from([0xf1 + Number(v)]);
      else if (v >= -128n && v <= 127n) enc = Buffer.from([0xfe, Number(v) & 0xff]);
      else if (v >= -32768n && v <= 32767n) enc = intLE(0xc0, v, 2);
      else if (v >= -8388608n && v <= 8388607n) enc = intLE(0xf0, v, 3);
      else if (v >= -2147483648n && v <= 2147483647n) enc = intLE(0xd0, v, 4);
      else enc = intLE(0xe0, v, 8);
    } else {
      const b = Buffer.from(it, 'latin1');
      if (b.length <= 0x3f) enc = Buffer.concat([Buffer.from([b.length]), b]);
      else if (b.length <= 0x3fff) enc = Buffer.concat([Buffer.from([0x40 | (b.length >> 8), b.length & 0xff]), b]);
      else {
        const h = Buffer.alloc(5);
        h[0] = 0x80;
        h.writeUInt32BE(b.length, 1);
        enc = Buffer.concat([h, b]);
      }
    }
    const entry = Buffer.concat([prevlen, enc]);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
    entries.push(entry);
  }
  const total = offset + 1;
  const head = Buffer.alloc(10);
  head.writeUInt32LE(total, 0);
  head.writeUInt32LE(tail, 4);
  head.writeUInt16LE(Math.min(items.length, 0xffff), 8);
  return Buffer.concat([head, ...entries, Buffer.from([0xff])]);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function intLE(tag: number, v: bigint, size: number): Buffer {
  const b = Buffer.alloc(1 + size);
  b[0] = tag;
  if (size === 8) b.writeBigInt64LE(v, 1);
  else b.writeIntLE(Number(v), 1, size);
  return b;
}

/** A listpack as Redis 7 builds it (integers in the smallest encoding). */
function listpack(items: string[]): Buffer {
  const entries: Buffer[] = [];
  for (const it of items) {
    let enc: Buffer;
    if (isInt64Text(it)) {
      const v = BigInt(it);
      if (v >= 0n && v <= 127n) enc = Buffer.from([Number(v)]);
      else if (v >= -4096n && v <= 4095n) {
        const u = Number(v) & 0x1fff;
        enc = Buffer.from([0xc0 | (u >> 8), u & 0xff]);
      } else if (v >= -32768n && v <= 32767n) enc = intLE(0xf1, v, 2);
      else if (v >= -8388608n && v <= 8388607n) enc = intLE(0xf2, v, 3);
      else if (v >= -2147483648n && v <= 2147483647n) enc = intLE(0xf3, v, 4);
      else enc = intLE(0xf4, v, 8);
    } else {
      const b = Buffer.from(it, 'latin1');
      if (b.length < 64) enc = Buffer.concat([Buffer.from([0x80 | b.length]), b]);
      else if (b.length < 4096) enc = Buffer.concat([Buffer.from([0xe0 | (b.length >> 8), b.length & 0xff]), b]);
      else enc = Buffer.concat([Buffer.from([0xf0]), u32le(b.length), b]);
    }
    const l = enc.length;
    let back: number[];
    if (l <= 127) back = [l];
    else if (l < 16383) back = [l >> 7, (l & 127) | 128];
    else if (l < 2097151) back = [l >> 14, ((l >> 7) & 127) | 128, (l & 127) | 128];
    else back = [l >> 21, ((l >> 14) & 127) | 128, ((l >> 7) & 127) | 128, (l & 127) | 128];
    entries.push(enc, Buffer.from(back));
  }
  const body = Buffer.concat(entries);
  const head = Buffer.alloc(6);
  head.writeUInt32LE(6 + body.length + 1, 0);
  head.writeUInt16LE(Math.min(items.length, 0xffff), 4);
  return Buffer.concat([head, body, Buffer.from([0xff])]);
}

function intset(size: 2 | 4 | 8, values: bigint[]): Buffer {
  const b = Buffer.alloc(8 + size * values.length);
  b.writeUInt32LE(size, 0);
  b.writeUInt32LE(values.length, 4);
  values.forEach((v, i) => {
    if (size === 8) b.writeBigInt64LE(v, 8 + 8 * i);
    else b.writeIntLE(Number(v), 8 + size * i, size);
  });
  return b;
}

/** A zipmap (Redis < 2.6 small hashes); `free` unused bytes after the values. */
function zipmap(pairs: [string, string][], free = 0): Buffer {
  const parts: Buffer[] = [Buffer.from([pairs.length])];
  const zmLen = (n: number): Buffer => (n < 254 ? Buffer.from([n]) : Buffer.concat([Buffer.from([254]), u32le(n)]));
  for (const [k, v] of pairs) {
    const kb = Buffer.from(k, 'latin1');
    const vb = Buffer.from(v, 'latin1');
    parts.push(zmLen(kb.length), kb, zmLen(vb.length), Buffer.from([free]), vb, Buffer.alloc(free, 0x2e));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

/** Every integer width of each format, and every string-length form. */
const ENCODING_ITEMS = [
  '0', '5', '12', '13', '-1', '100', '127', '128', '-128', '-129', '4095', '-4096', '4096', '-4097',
  '32767', '-32768', '32768', '8388607', '-8388608', '8388608', '2147483647', '-2147483648', '2147483648',
  '9223372036854775807', '-9223372036854775808', 'a', '', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(200),
  'w'.repeat(4095), 'v'.repeat(4096), 't'.repeat(16_378) /* an entry of 16383 bytes: 3-byte back-length */, 'u'.repeat(20_000), ALL_BYTES,
];

describe('hand-built files: encodings Redis 7.0 loads', () => {
  let redis: ServerProcess;
  let c: RespClient;
  const expireSec = Math.floor(NOW / 1000) + 3600;
  const specs: Spec[] = [];
  let file: Buffer;

  before(async () => {
    const body = new Raw().u8(RDB_OPCODE.AUX).str('redis-ver').str('6.2.0').u8(RDB_OPCODE.SELECTDB).len(0).u8(RDB_OPCODE.RESIZEDB).len(20).len(2);
    const put = (key: string, type: number, blob: (r: Raw) => void, plain: Plain, expireAtMs: number | null = null): void => {
      blob(body.key(type, key));
      specs.push({ db: 0, key, plain, expireAtMs });
    };
    const zipmapPairs: [string, string][] = [['f1', 'v1'], ['field2', 'a longer value'], ['n', '12'], ['', 'empty'], ['big', 'b'.repeat(300)]];
    put('zipmap', RDB_TYPE.HASH_ZIPMAP, (r) => r.str(zipmap(zipmapPairs, 3)), { type: 'hash', v: zipmapPairs });
    put('ziplist:list', RDB_TYPE.LIST_ZIPLIST, (r) => r.str(ziplist(ENCODING_ITEMS)), { type: 'list', v: ENCODING_ITEMS });
    put('ziplist:lzf', RDB_TYPE.LIST_ZIPLIST, (r) => r.lzfStr(ziplist(['q'.repeat(100), 'q'.repeat(100), '1', '2'])), { type: 'list', v: ['q'.repeat(100), 'q'.repeat(100), '1', '2'] });
    const i16 = [-300n, 1n, 2n, 300n];
    const i32 = [-70000n, 5n, 70000n];
    const i64 = [-9223372036854775808n, -1n, 1n << 40n, 9223372036854775807n];
    put('intset:16', RDB_TYPE.SET_INTSET, (r) => r.str(intset(2, i16)), { type: 'set', v: i16.map(String) });
    put('intset:32', RDB_TYPE.SET_INTSET, (r) => r.str(intset(4, i32)), { type: 'set', v: i32.map(String) });
    put('intset:64', RDB_TYPE.SET_INTSET, (r) => r.str(intset(8, i64)), { type: 'set', v: i64.map(String) });
    const zs: [string, string][] = [['ninf', '-inf'], ['neg', '-2.5'], ['zero', '0'], ['three', '3'], ['pi', '3.1415926535897931'], ['big', '9223372036854775807'], ['huge', '1e+300'], ['inf', 'inf']];
    const zsPlain: Plain = { type: 'zset', v: zs.map(([m, s]) => [m, parseRedisScore(s)]) };
    put('ziplist:zset', RDB_TYPE.ZSET_ZIPLIST, (r) => r.str(ziplist(zs.flat())), zsPlain);
    put('listpack:zset', RDB_TYPE.ZSET_LISTPACK, (r) => r.str(listpack(zs.flat())), zsPlain);
    const hs: [string, string][] = ENCODING_ITEMS.slice(0, 26).map((x, i) => [`f${i}`, x]);
    put('ziplist:hash', RDB_TYPE.HASH_ZIPLIST, (r) => r.str(ziplist(hs.flat())), { type: 'hash', v: hs });
    put('listpack:hash', RDB_TYPE.HASH_LISTPACK, (r) => r.lzfStr(listpack(hs.flat())), { type: 'hash', v: hs });
    // The quicklists: v1 (ziplist nodes, one LZF-compressed), v2 (packed and plain nodes).
    const n1 = ['a', '1', 'b'.repeat(100)];
    const n2 = ENCODING_ITEMS.slice(20, 30);
    put('quicklist:1', RDB_TYPE.LIST_QUICKLIST, (r) => r.len(2).str(ziplist(n1)).lzfStr(ziplist(n2)), { type: 'list', v: [...n1, ...n2] });
    const big = 'p'.repeat(3000);
    put('quicklist:2', RDB_TYPE.LIST_QUICKLIST_2, (r) => r.len(3).len(2).str(listpack(ENCODING_ITEMS)).len(1).str(big).len(2).lzfStr(listpack(n1)), { type: 'list', v: [...ENCODING_ITEMS, big, ...n1] });
    // Expiry in seconds (old format), LRU and LFU hints before keys.
    body.u8(RDB_OPCODE.EXPIRETIME).i32le(expireSec).u8(RDB_OPCODE.IDLE).len(1000);
    put('old:expire', RDB_TYPE.STRING, (r) => r.str('secs'), { type: 'string', v: 'secs' }, expireSec * 1000);
    body.u8(RDB_OPCODE.FREQ).u8(5).u8(RDB_OPCODE.EXPIRETIME_MS).i64le(NOW + 60_000);
    put('freq', RDB_TYPE.STRING, (r) => r.u8(0xc2).i32le(-123456), { type: 'string', v: '-123456' }, NOW + 60_000);
    put('old:zset', RDB_TYPE.ZSET, (r) => r.len(3).str('a').u8(3).raw(Buffer.from('1.5')).str('b').u8(254).str('c').u8(255), { type: 'zset', v: [['a', 1.5], ['b', Infinity], ['c', -Infinity]] });
    file = rdbFile(9, body);
    redis = await startRedisWith(file);
    c = await RespClient.connect(redis.port);
  });

  after(async () => {
    c?.close();
    await redis?.stop();
  });

  it('Redis 7.0 loads the hand-built file (so the encoders follow its formats)', async () => {
    await assertRedisHolds(c, specs, 'hand-built -> Redis');
  });

  it('the reader reads it the same', () => {
    const r = readRdb(file);
    assert.equal(r.aux.get('redis-ver'), '6.2.0');
    assertEntries(r.entries, specs, 'hand-built -> Concord');
    assert.ok(r.stats.lzfStrings >= 3);
  });
});

describe('hand-built files: versions 11 and 12, and what is refused', () => {
  /** A module id as Redis builds it: 9 characters of 6 bits and a 10-bit encoding version. */
  function moduleId(name: string, encver: number): bigint {
    const cs = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let id = 0n;
    for (const ch of name) id = (id << 6n) | BigInt(cs.indexOf(ch));
    return (id << 10n) | BigInt(encver);
  }
  const len64 = (r: Raw, n: bigint): Raw => {
    const b = Buffer.alloc(9);
    b[0] = 0x81;
    b.writeBigUInt64BE(n, 1);
    return r.raw(b);
  };

  it('reads listpack sets (7.2), SLOT_INFO (7.4), functions, and skips module aux data', () => {
    const body = new Raw()
      .u8(RDB_OPCODE.AUX).str('redis-ver').str('7.4.0')
      .u8(RDB_OPCODE.FUNCTION2).str(FUNCTION_CODE)
      .u8(RDB_OPCODE.MODULE_AUX);
    len64(body, moduleId('concordmd', 3)).len(2).len(2) // when_opcode UINT, when
      .len(2).len(77) // UINT
      .len(1).len(5) // SINT
      .len(5).str('module bytes') // STRING
      .len(3).raw(Buffer.alloc(4)) // FLOAT
      .len(4).raw(Buffer.alloc(8)) // DOUBLE
      .len(0); // EOF
    body.u8(RDB_OPCODE.SELECTDB).len(3).u8(RDB_OPCODE.SLOT_INFO).len(1234).len(2).len(0).u8(RDB_OPCODE.RESIZEDB).len(2).len(0);
    const members = ['1', '-5', 'abc', 'x'.repeat(70), '9223372036854775807'];
    body.key(RDB_TYPE.SET_LISTPACK, 'set:lp').str(listpack(members));
    body.key(RDB_TYPE.SET_LISTPACK, 'set:lp:ints').str(listpack(['3', '1', '2']));
    for (const version of [11, 12]) {
      const r = readRdb(rdbFile(version, body));
      assert.equal(r.version, version);
      assert.deepStrictEqual(r.moduleAux, ['concordmd']);
      assert.deepStrictEqual(r.functions, [FUNCTION_CODE]);
      assert.equal(r.entries.length, 2);
      assert.equal(r.entries[0].db, 3);
      assert.deepStrictEqual(plainOf(r.entries[0].value), { type: 'set', v: [...members].sort() });
      assert.equal((r.entries[0].value as SetValue).encoding(), 'hashtable');
      assert.equal((r.entries[1].value as SetValue).encoding(), 'intset');
      assert.deepStrictEqual((r.entries[1].value as SetValue).members(), ['1', '2', '3']);
    }
  });

  it('refuses what Concord lacks with an error naming it', () => {
    const cases: [string, Raw, RegExp][] = [
      ['stream', new Raw().key(RDB_TYPE.STREAM_LISTPACKS_3, 's').raw(Buffer.alloc(20)), /stream value \(RDB type 21\)/],
      ['stream v1', new Raw().key(RDB_TYPE.STREAM_LISTPACKS, 's'), /stream value \(RDB type 15\)/],
      ['module value', len64(new Raw().key(RDB_TYPE.MODULE_2, 'm'), moduleId('ReJSON-RL', 3)), /module type 'ReJSON-RL'/],
      ['hash with field TTLs', new Raw().key(RDB_TYPE.HASH_LISTPACK_EX, 'h'), /hash with field expiration \(RDB type 25\)/],
      ['pre-GA functions', new Raw().u8(RDB_OPCODE.FUNCTION_PRE_GA), /pre-release format/],
    ];
    for (const [what, body, message] of cases) {
      assert.throws(() => readRdb(rdbFile(12, body)), (err: unknown) => err instanceof RdbError && err.kind === 'unsupported' && message.test(err.message), what);
    }
    assert.throws(() => new RdbReader(rdbFile(13, new Raw())), (err: unknown) => err instanceof RdbError && /version 13 is not supported/.test(err.message));
    assert.throws(() => readRdb(Buffer.from('RAPIDJSON')), RdbError);
  });

  it('checksums: zero means unchecked, a mismatch is an error; trailing bytes only when allowed', () => {
    const body = new Raw().u8(RDB_OPCODE.SELECTDB).len(0).key(RDB_TYPE.STRING, 'k').str('v');
    assert.equal(readRdb(rdbFile(10, body, 'zero')).entries.length, 1);
    const good = rdbFile(10, body);
    const bad = Buffer.from(good);
    bad[bad.length - 3] ^= 0x10;
    assert.throws(() => readRdb(bad), (err: unknown) => err instanceof RdbError && err.kind === 'checksum' && err.offset === good.length - 8);
    const trailing = Buffer.concat([good, Buffer.from('*1\r\n$4\r\nPING\r\n')]);
    assert.throws(() => readRdb(trailing), (err: unknown) => err instanceof RdbError && /unexpected bytes after the end/.test(err.message));
    assert.equal(readRdb(trailing, { allowTrailingBytes: true }).end, good.length);
  });

  it('skips empty collections as Redis does, and refuses duplicates', () => {
    const empty = new Raw().key(RDB_TYPE.LIST, 'l').len(0).key(RDB_TYPE.HASH_LISTPACK, 'h').str(listpack([])).key(RDB_TYPE.STRING, 's').str('x');
    const r = readRdb(rdbFile(10, empty));
    assert.deepStrictEqual(r.entries.map((e) => e.key), ['s']);
    assert.equal(r.stats.emptyKeysSkipped, 2);
    const dups: Raw[] = [
      new Raw().key(RDB_TYPE.SET, 's').len(2).str('a').str('a'),
      new Raw().key(RDB_TYPE.HASH, 'h').len(2).str('a').str('1').str('a').str('2'),
      new Raw().key(RDB_TYPE.ZSET_LISTPACK, 'z').str(listpack(['a', '1', 'a', '2'])),
    ];
    for (const d of dups) assert.throws(() => readRdb(rdbFile(10, d)), (err: unknown) => err instanceof RdbError && /duplicate/.test(err.message));
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Properties

const byteString = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.uint8Array({ maxLength }).map((b) => Buffer.from(b).latin1Slice(0, b.length)),
    fc.constantFrom(...INT_LIKE),
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map(String),
    fc.tuple(fc.constantFrom('a', 'ab', 'xyz'), fc.integer({ min: 1, max: 40 })).map(([s, n]) => s.repeat(n)),
  );

const plainArb: fc.Arbitrary<Plain> = fc.oneof(
  byteString(300).map((v): Plain => ({ type: 'string', v })),
  fc.array(byteString(40), { minLength: 1, maxLength: 30 }).map((v): Plain => ({ type: 'list', v })),
  fc.uniqueArray(fc.tuple(byteString(20), byteString(80)), { minLength: 1, maxLength: 30, selector: (p) => p[0] }).map((v): Plain => ({ type: 'hash', v })),
  fc.uniqueArray(byteString(20), { minLength: 1, maxLength: 40 }).map((v): Plain => ({ type: 'set', v })),
  fc.uniqueArray(fc.tuple(byteString(70), fc.double({ noNaN: true })), { minLength: 1, maxLength: 140, selector: (p) => p[0] }).map((v): Plain => ({ type: 'zset', v })),
);

const datasetArb: fc.Arbitrary<Spec[]> = fc
  .uniqueArray(
    fc.record({
      db: fc.integer({ min: 0, max: 20 }),
      key: byteString(30),
      plain: plainArb,
      expireAtMs: fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: null }),
    }),
    { maxLength: 12, selector: (s) => `${s.db}/${s.key}` },
  )
  .map((specs) => [...specs].sort((a, b) => a.db - b.db));

function assertSameValues(entries: RdbEntry[], specs: Spec[]): void {
  assert.equal(entries.length, specs.length);
  entries.forEach((e, i) => {
    const s = specs[i];
    const original = valueOf(s.plain);
    assert.equal(e.db, s.db);
    assert.equal(e.key, s.key);
    assert.equal(e.expireAtMs, s.expireAtMs);
    assert.deepStrictEqual(plainOf(e.value), plainOf(original));
    if (typeof original !== 'string') assert.equal((e.value as Exclude<Value, string>).encoding(), original.encoding());
  });
}

describe('properties', () => {
  it('random datasets round-trip writer -> reader, in any chunking, compressed or not', () => {
    fc.assert(
      fc.property(datasetArb, fc.boolean(), fc.array(fc.nat(20), { maxLength: 5 }), (specs, compression, takeAt) => {
        const options = { nowMs: 1_700_000_000_000, compression };
        const whole = writeRdb(keysOf(specs), options);
        assertSameValues(readRdb(whole).entries, specs);
        // Taking chunks at arbitrary points gives the same bytes.
        const w = new RdbWriter(options);
        const chunks: Buffer[] = [];
        keysOf(specs).forEach((k, i) => {
          w.writeKey(k.db, k.key, k.value, k.expireAtMs);
          if (takeAt.includes(i)) chunks.push(...w.takeChunks());
        });
        chunks.push(...w.finish());
        assert.deepStrictEqual(Buffer.concat(chunks), whole);
        // DUMP payloads too.
        for (const s of specs) assert.deepStrictEqual(plainOf(decodeDumpPayload(encodeDumpPayload(valueOf(s.plain), compression))), normal(s.plain));
      }),
      { numRuns: 150 },
    );
  });

  it('a writer refilling its recycled chunks produces the same bytes, and does reuse them', () => {
    const rand = prng(7);
    const keys: RdbKey[] = [];
    for (let i = 0; i < 20_000; i++) {
      const len = 1 + Math.floor(rand() * 60);
      keys.push({ db: i < 15_000 ? 0 : 3, key: `k:${i}`, value: 'v'.repeat(len) + String(i), expireAtMs: i % 7 === 0 ? 1_800_000_000_000 + i : null });
    }
    const options = { nowMs: 1_700_000_000_000 };
    const whole = writeRdb(keys, options);
    const w = new RdbWriter(options);
    const out: Buffer[] = [];
    const recycled = new Set<ArrayBufferLike>();
    let reused = 0;
    const drain = (chunks: Buffer[]): void => {
      for (const c of chunks) {
        if (recycled.has(c.buffer)) reused++;
        out.push(Buffer.from(c)); // the bytes leave (as to a file) before the chunk goes back
      }
      w.recycle(chunks);
      for (const c of chunks) recycled.add(c.buffer);
    };
    keys.forEach((k, i) => {
      w.writeKey(k.db, k.key, k.value, k.expireAtMs);
      if (i % 3_000 === 2_999) drain(w.takeChunks());
    });
    drain([...w.takeChunks(), ...w.finish()]);
    assert.deepStrictEqual(Buffer.concat(out), whole);
    assert.ok(reused > 0, 'no recycled chunk was filled again');
  });

  type Damage = { kind: 'flip'; at: number; xor: number } | { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; byte: number } | { kind: 'delete'; at: number };
  const damageArb: fc.Arbitrary<Damage> = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.nat(255) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  );
  function damage(buf: Buffer, d: Damage): Buffer {
    const at = d.at % buf.length;
    switch (d.kind) {
      case 'flip': {
        const out = Buffer.from(buf);
        out[at] ^= d.xor;
        return out;
      }
      case 'truncate':
        return buf.subarray(0, at);
      case 'insert':
        return Buffer.concat([buf.subarray(0, at), Buffer.from([d.byte]), buf.subarray(at)]);
      case 'delete':
        return Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1)]);
    }
  }

  it('random damage to a valid file is always detected: an RdbError, never a crash or a hang', () => {
    fc.assert(
      fc.property(datasetArb, fc.boolean(), fc.array(damageArb, { minLength: 1, maxLength: 3 }), (specs, compression, damages) => {
        const file = writeRdb(keysOf(specs), { nowMs: 1_700_000_000_000, compression });
        let bad = file;
        for (const d of damages) bad = damage(bad, d);
        if (bad.equals(file)) return;
        assert.throws(() => readRdb(bad), (err: unknown) => {
          if (!(err instanceof RdbError)) throw err;
          return true;
        });
      }),
      { numRuns: 400 },
    );
  });

  /** Reads `file` pushed in pieces cut at `cuts`, reading after every piece (as a replica does). */
  function streamRead(file: Buffer, cuts: number[]): { entries: RdbEntry[]; aux: Map<string, string> } {
    const r = new RdbStreamReader();
    const entries: RdbEntry[] = [];
    const read = (): void => {
      while (r.read((e) => entries.push(e), () => true));
    };
    let prev = 0;
    for (const at of [...new Set(cuts.map((c) => c % (file.length + 1)))].sort((a, b) => a - b)) {
      r.push(file.subarray(prev, at));
      prev = at;
      read();
    }
    r.push(file.subarray(prev));
    read();
    r.finish();
    read();
    assert.ok(r.done);
    return { entries, aux: new Map(r.aux) };
  }

  it('a file read while it arrives, in any pieces, gives what reading it whole gives', () => {
    fc.assert(
      fc.property(datasetArb, fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), (specs, compression, cuts) => {
        const file = writeRdb(keysOf(specs), { nowMs: 1_700_000_000_000, compression, aux: [['repl-stream-db', '3']] });
        const whole = readRdb(file);
        const streamed = streamRead(file, cuts);
        assertSameValues(streamed.entries, specs);
        assert.deepStrictEqual(streamed.aux, whole.aux);
      }),
      { numRuns: 200 },
    );
    // Pieces of one byte, and a key far bigger than the read buffer's first size.
    const big: RdbKey[] = [{ db: 0, key: 'big', value: 'x'.repeat(3 << 20), expireAtMs: null }, { db: 2, key: 'k', value: 'v', expireAtMs: 1_800_000_000_000 }];
    const file = writeRdb(big, { nowMs: 1_700_000_000_000 });
    assert.equal(streamRead(file, Array.from({ length: 300 }, (_, i) => i)).entries.length, 2);
    const bigRead = streamRead(file, Array.from({ length: 200 }, (_, i) => i * 16_384));
    assert.equal(bigRead.entries[0].value, big[0].value);
  });

  it('a damaged file read while it arrives fails exactly when reading it whole fails', () => {
    fc.assert(
      fc.property(datasetArb, fc.array(damageArb, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 6 }), (specs, damages, cuts) => {
        const file = writeRdb(keysOf(specs), { nowMs: 1_700_000_000_000 });
        let bad = file;
        for (const d of damages) bad = damage(bad, d);
        let wholeError: unknown = null;
        let whole: RdbEntry[] = [];
        try {
          whole = readRdb(bad).entries;
        } catch (err) {
          wholeError = err;
        }
        if (wholeError === null) {
          assert.deepStrictEqual(streamRead(bad, cuts).entries.map((e) => e.key), whole.map((e) => e.key));
          return;
        }
        assert.ok(wholeError instanceof RdbError);
        assert.throws(() => streamRead(bad, cuts), (err: unknown) => {
          if (!(err instanceof RdbError)) throw err;
          return true;
        });
      }),
      { numRuns: 300 },
    );
  });

  it('random damage to a DUMP payload is always refused with one of Redis\'s replies', () => {
    fc.assert(
      fc.property(plainArb, fc.array(damageArb, { minLength: 1, maxLength: 2 }), fc.boolean(), (plain, damages, skipChecksum) => {
        const payload = encodeDumpPayload(valueOf(plain));
        let bad = payload;
        for (const d of damages) bad = damage(bad, d);
        if (bad.equals(payload)) return;
        try {
          // Without the checksum, damage may still parse (as in Redis): it must not crash.
          decodeDumpPayload(bad, { skipChecksum });
          assert.ok(skipChecksum, 'damage went unnoticed with the checksum on');
        } catch (err) {
          if (!(err instanceof DumpPayloadError)) throw err;
          assert.ok(err.message === ERR_DUMP_PAYLOAD || err.message === ERR_BAD_DATA_FORMAT);
        }
      }),
      { numRuns: 400 },
    );
  });
});
