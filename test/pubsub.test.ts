/**
 * Pub/sub and keyspace notifications.
 *
 *  - Wire format: the same scripts run against a real redis-server 7.0 and a Concord node (CLI),
 *    and the exact bytes of every reply and message must match, in RESP2 and RESP3. Redis walks
 *    hash tables for UNSUBSCRIBE without arguments and PUBSUB CHANNELS, so the scripts keep
 *    those to one name where order would show.
 *  - Real clients (ioredis, node-redis) subscribe and receive 1000 messages in order.
 *  - Keyspace notifications: the mechanism, driven through server.pubsub on an embedded node.
 *  - A subscriber that never reads is disconnected by its output buffer limit while the node
 *    keeps serving everyone else.
 *  - describe('needs wiring ...'): behaviour that depends on code outside the pub/sub files
 *    (PING, RESET, disconnect, INFO, CLIENT LIST, CONFIG, commands that notify, EXEC). Each test
 *    names the file it needs; they fail until the lead wires it.
 *
 * Every suite starts its own servers and stops them (and its connections) in `after`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type RunningNode } from '../src/index.js';
import { formatNotifyFlags, parseNotifyFlags } from '../src/server/pubsub.js';
import { encodeCommand } from './helpers/resp-client.js';
import { startConcord, startRedis, type ServerProcess } from './helpers/servers.js';
import { sleep, waitUntil } from './helpers/util.js';

/** Channel and payload bytes that break anything not binary-safe. */
const NASTY = 'a\r\nb\x00\xff\xfec\r\n';

// ---------------------------------------------------------------------------------------------
// Raw RESP frames

/** End offset of the RESP2/RESP3 value starting at `pos`, or -1 when `buf` does not hold it all. */
function frameEnd(buf: Buffer, pos: number): number {
  if (pos >= buf.length) return -1;
  const eol = buf.indexOf('\r\n', pos, 'latin1');
  if (eol < 0) return -1;
  const type = String.fromCharCode(buf[pos]);
  const n = Number(buf.toString('latin1', pos + 1, eol));
  let p = eol + 2;
  switch (type) {
    case '$': case '!': case '=':
      if (n < 0) return p;
      return buf.length >= p + n + 2 ? p + n + 2 : -1;
    case '*': case '~': case '>': case '%': {
      const count = type === '%' ? n * 2 : n;
      for (let i = 0; i < count; i++) {
        p = frameEnd(buf, p);
        if (p < 0) return -1;
      }
      return p;
    }
    default:
      return p;
  }
}

/** A connection that hands back whole replies as their exact bytes (latin1 strings). */
class FrameConn {
  private chunks: Buffer[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<FrameConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.off('error', reject);
        resolve(new FrameConn(s));
      });
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private pending(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }

  send(...argv: string[]): void {
    this.socket.write(encodeCommand(argv));
  }

  /** The next `n` complete replies or messages. */
  async frames(n: number, timeoutMs = 5000): Promise<string[]> {
    const out: string[] = [];
    const deadline = Date.now() + timeoutMs;
    while (out.length < n) {
      const buf = this.pending();
      const end = frameEnd(buf, 0);
      if (end >= 0) {
        out.push(buf.toString('latin1', 0, end));
        this.chunks = end === buf.length ? [] : [buf.subarray(end)];
        continue;
      }
      const unread = JSON.stringify(buf.toString('latin1', 0, 200));
      if (this.closed) throw new Error(`connection closed after ${out.length} of ${n} frames (unread ${unread})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${out.length} of ${n} frames: ${JSON.stringify(out)} (unread ${unread})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return out;
  }

  async call(...argv: string[]): Promise<string> {
    this.send(...argv);
    return (await this.frames(1))[0];
  }

  /** Whatever arrives within `ms` (tests expect nothing). */
  async idle(ms: number): Promise<string> {
    await sleep(ms);
    const s = this.pending().toString('latin1');
    this.chunks = [];
    return s;
  }

  /** Drops every subscription and waits until the server has done it (+RESET is the marker). */
  async unsubscribeEverything(): Promise<void> {
    if (this.closed) return;
    this.send('UNSUBSCRIBE');
    this.send('PUNSUBSCRIBE');
    this.send('SUNSUBSCRIBE');
    this.send('RESET');
    for (let i = 0; i < 100_000; i++) {
      const [f] = await this.frames(1);
      if (f === '+RESET\r\n') return;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Transcripts: one script, run on each server, logged as the bytes each step received

interface Script {
  /** Sends argv on connection `conn` (opened on first use) and logs the next `frames` replies. */
  call(conn: string, argv: string[], frames?: number): Promise<void>;
  /** Logs `frames` more frames arriving on `conn` (published messages). */
  expect(conn: string, frames: number): Promise<void>;
  /** Sends argv and reads `frames` replies without logging them (HELLO: client ids differ). */
  quiet(conn: string, argv: string[], frames?: number): Promise<void>;
  /** Fails when anything arrives on `conn` within a short while. */
  silent(conn: string): Promise<void>;
}

async function transcript(port: number, body: (s: Script) => Promise<void>): Promise<string[]> {
  const conns = new Map<string, FrameConn>();
  const log: string[] = [];
  const get = async (name: string): Promise<FrameConn> => {
    let c = conns.get(name);
    if (c === undefined) {
      c = await FrameConn.connect(port);
      conns.set(name, c);
    }
    return c;
  };
  const script: Script = {
    async call(conn, argv, frames = 1) {
      const c = await get(conn);
      c.send(...argv);
      log.push(`${conn}> ${argv.map((a) => JSON.stringify(a)).join(' ')}`);
      for (const f of await c.frames(frames)) log.push(`${conn}< ${JSON.stringify(f)}`);
    },
    async expect(conn, frames) {
      const c = await get(conn);
      for (const f of await c.frames(frames)) log.push(`${conn}< ${JSON.stringify(f)}`);
    },
    async quiet(conn, argv, frames = 1) {
      const c = await get(conn);
      c.send(...argv);
      await c.frames(frames);
    },
    async silent(conn) {
      const c = await get(conn);
      const extra = await c.idle(50);
      if (extra !== '') log.push(`${conn}< unexpected ${JSON.stringify(extra)}`);
    },
  };
  try {
    await body(script);
  } finally {
    for (const c of conns.values()) {
      await c.unsubscribeEverything().catch(() => {});
      c.close();
    }
  }
  return log;
}

// ---------------------------------------------------------------------------------------------

describe('pub/sub wire format, differential against redis-server 7.0', () => {
  let redis: ServerProcess;
  let concord: ServerProcess;

  before(async () => {
    [redis, concord] = await Promise.all([startRedis(), startConcord()]);
  });
  after(async () => {
    await Promise.all([redis?.stop(), concord?.stop()]);
  });

  async function same(body: (s: Script) => Promise<void>): Promise<void> {
    const want = await transcript(redis.port, body);
    const got = await transcript(concord.port, body);
    assert.deepEqual(got, want);
  }

  for (const resp of [2, 3] as const) {
    it(`RESP${resp}: subscribe, publish, unsubscribe, and subscriber mode`, () =>
      same(async (s) => {
        if (resp === 3) await s.quiet('sub', ['HELLO', '3']);
        // Nothing subscribed: one confirmation with a null name and count 0.
        await s.call('sub', ['UNSUBSCRIBE']);
        await s.call('sub', ['PUNSUBSCRIBE']);
        await s.call('sub', ['SUNSUBSCRIBE']);
        await s.call('sub', ['SUBSCRIBE', 'news.1', 'news.2', 'news.1'], 3);
        await s.call('sub', ['PSUBSCRIBE', 'news.*', 'news.*'], 2);
        await s.call('sub', ['SSUBSCRIBE', 'shard.1'], 1);
        await s.call('pub', ['PUBLISH', 'news.1', 'hello']);
        await s.expect('sub', 2);
        await s.call('pub', ['PUBLISH', 'news.3', 'pattern only']);
        await s.expect('sub', 1);
        await s.call('pub', ['PUBLISH', 'elsewhere', 'x']);
        await s.call('pub', ['SPUBLISH', 'shard.1', 'sharded']);
        await s.expect('sub', 1);
        // Shard channels are a namespace of their own, untouched by patterns.
        await s.call('pub', ['PUBLISH', 'shard.1', 'x']);
        await s.call('pub', ['SPUBLISH', 'news.1', 'x']);
        await s.silent('sub');
        // RESP2 subscriber mode refuses other commands; RESP3 has no such mode.
        await s.call('sub', ['GET', 'ps:nokey']);
        if (resp === 2) await s.call('sub', ['CLIENT', 'LIST']);
        await s.call('sub', ['PUBSUB', 'NUMPAT']);
        await s.call('sub', ['NOSUCHCOMMAND']);
        await s.call('sub', ['SUBSCRIBE']);
        await s.call('sub', ['UNSUBSCRIBE', 'news.2', 'news.1', 'never'], 3);
        await s.call('sub', ['PUNSUBSCRIBE'], 1);
        // Still subscribed to a shard channel: still in subscriber mode.
        await s.call('sub', ['GET', 'ps:nokey']);
        await s.call('sub', ['SUNSUBSCRIBE']);
        await s.call('sub', ['GET', 'ps:nokey']);
        await s.call('pub', ['PUBLISH', 'news.1', 'nobody']);
        await s.silent('sub');
      }));

    it(`RESP${resp}: binary-safe channels, patterns and payloads`, () =>
      same(async (s) => {
        if (resp === 3) await s.quiet('sub', ['HELLO', '3']);
        await s.call('sub', ['SUBSCRIBE', NASTY]);
        await s.call('sub', ['PSUBSCRIBE', 'a\r\n*']);
        await s.call('pub', ['PUBLISH', NASTY, NASTY]);
        await s.expect('sub', 2);
        await s.call('pub', ['PUBLISH', NASTY, '']);
        await s.expect('sub', 2);
        await s.call('pub', ['PUBLISH', 'x', 'y'.repeat(70_000)]);
        await s.call('sub', ['SUBSCRIBE', 'x']);
        await s.call('pub', ['PUBLISH', 'x', 'y'.repeat(70_000)]);
        await s.expect('sub', 1);
      }));

    it(`RESP${resp}: a publisher subscribed to its own channel gets the message before the PUBLISH reply`, () =>
      same(async (s) => {
        if (resp === 3) await s.quiet('me', ['HELLO', '3']);
        await s.call('me', ['SUBSCRIBE', 'self.c']);
        await s.call('me', ['PSUBSCRIBE', 'self.*']);
        await s.call('me', ['SSUBSCRIBE', 'self.s']);
        if (resp === 3) {
          await s.call('me', ['PUBLISH', 'self.c', 'm'], 3);
          await s.call('me', ['SPUBLISH', 'self.s', 'm'], 2);
        } else {
          await s.call('me', ['PUBLISH', 'self.c', 'm']);
        }
      }));

    it(`RESP${resp}: pipelined subscribe and publish keep their order`, () =>
      same(async (s) => {
        if (resp === 3) await s.quiet('sub', ['HELLO', '3']);
        await s.call('sub', ['SUBSCRIBE', 'pipe.a']);
        for (let i = 0; i < 50; i++) await s.call('pub', ['PUBLISH', 'pipe.a', `m${i}`]);
        await s.expect('sub', 50);
      }));
  }

  it('PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB / HELP and their errors', () =>
    same(async (s) => {
      await s.call('a', ['SUBSCRIBE', 'intro.a', 'other'], 2);
      await s.call('b', ['SUBSCRIBE', 'intro.a']);
      await s.call('a', ['PSUBSCRIBE', 'intro.*', 'x*'], 2);
      await s.call('b', ['PSUBSCRIBE', 'intro.*']);
      await s.call('c', ['SSUBSCRIBE', 'intro.s']);
      await s.call('q', ['PUBSUB', 'NUMSUB', 'intro.a', 'other', 'intro.s', 'none']);
      await s.call('q', ['PUBSUB', 'NUMSUB']);
      await s.call('q', ['PUBSUB', 'NUMPAT']);
      await s.call('q', ['PUBSUB', 'CHANNELS', 'intro.*']);
      await s.call('q', ['PUBSUB', 'CHANNELS', 'nomatch*']);
      await s.call('q', ['PUBSUB', 'channels', 'oth?r']);
      await s.call('q', ['PUBSUB', 'SHARDCHANNELS']);
      await s.call('q', ['PUBSUB', 'SHARDCHANNELS', 'intro.*']);
      await s.call('q', ['PUBSUB', 'SHARDCHANNELS', 'news*']);
      await s.call('q', ['PUBSUB', 'SHARDNUMSUB', 'intro.s', 'intro.a']);
      await s.call('q', ['PUBSUB', 'SHARDNUMSUB']);
      await s.call('q', ['PUBLISH', 'intro.a', 'counted']);
      await s.call('q', ['PUBSUB', 'HELP']);
      await s.call('q', ['PUBSUB', 'CHANNELS', 'a', 'b']);
      await s.call('q', ['PUBSUB', 'SHARDCHANNELS', 'a', 'b']);
      await s.call('q', ['PUBSUB', 'NUMPAT', 'x']);
      await s.call('q', ['PUBSUB', 'HELP', 'x']);
      await s.call('q', ['PUBSUB', 'NOSUCH']);
      await s.call('q', ['PUBSUB']);
      await s.call('q', ['PUBLISH', 'a']);
      await s.call('q', ['SPUBLISH', 'a', 'b', 'c']);
      await s.call('q', ['PSUBSCRIBE']);
      await s.call('q', ['SSUBSCRIBE']);
      await s.expect('b', 1);
      await s.expect('a', 2);
      await s.call('a', ['UNSUBSCRIBE', 'intro.a', 'other'], 2);
      await s.call('b', ['PUNSUBSCRIBE', 'intro.*']);
      await s.call('q', ['PUBSUB', 'NUMSUB', 'intro.a', 'other']);
      await s.call('q', ['PUBSUB', 'NUMPAT']);
    }));

  it('RESP3 client switching to RESP2 while subscribed enters subscriber mode', () =>
    same(async (s) => {
      await s.quiet('sub', ['HELLO', '3']);
      await s.call('sub', ['SUBSCRIBE', 'sw.a']);
      await s.call('sub', ['GET', 'ps:nokey']);
      await s.quiet('sub', ['HELLO', '2']);
      await s.call('sub', ['GET', 'ps:nokey']);
      await s.call('sub', ['HELLO', '3']);
      await s.call('pub', ['PUBLISH', 'sw.a', 'as resp2']);
      await s.expect('sub', 1);
    }));

  it('SUBSCRIBE and PSUBSCRIBE inside MULTI/EXEC; SSUBSCRIBE is refused there', () =>
    same(async (s) => {
      await s.call('t', ['MULTI']);
      await s.call('t', ['SUBSCRIBE', 'tx.a']);
      await s.call('t', ['SSUBSCRIBE', 'tx.s']);
      await s.call('t', ['PSUBSCRIBE', 'tx.*']);
      await s.call('t', ['EXEC']);
      await s.call('t', ['GET', 'ps:nokey']);
      await s.call('t', ['MULTI']);
      await s.call('pub', ['PUBLISH', 'tx.a', 'after exec']);
      await s.expect('t', 2);
    }));
});

// ---------------------------------------------------------------------------------------------

/** An embedded node on a free port with a throwaway data directory. */
async function embedded(config: Record<string, string> = {}): Promise<{ node: RunningNode; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'concord-pubsub-'));
  const node = await startServer({ port: 0, dir, config });
  return {
    node,
    stop: async () => {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('real clients', () => {
  let node: RunningNode;
  let stop: () => Promise<void>;
  const ioredis: Redis[] = [];
  type NodeRedis = ReturnType<typeof createClient>;
  const nodeRedis: NodeRedis[] = [];

  before(async () => {
    ({ node, stop } = await embedded());
  });
  after(async () => {
    for (const c of ioredis) c.disconnect();
    for (const c of nodeRedis) await c.destroy();
    await stop();
  });

  function io(protocol: 2 | 3 = 2): Redis {
    const c = new Redis({
      port: node.port, host: '127.0.0.1', protocol, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000,
    });
    c.on('error', () => {});
    ioredis.push(c);
    return c;
  }

  async function nr(RESP: 2 | 3): Promise<NodeRedis> {
    const c = createClient({
      socket: { port: node.port, host: '127.0.0.1', reconnectStrategy: false, connectTimeout: 5000 },
      RESP,
    } as Parameters<typeof createClient>[0]);
    c.on('error', () => {});
    nodeRedis.push(c);
    await c.connect();
    return c;
  }

  /** Publishes `count` messages `m0..` on `channel` in one pipeline; returns the receiver counts. */
  async function publishMany(channel: string, count: number, shard = false): Promise<number[]> {
    const pub = io();
    const pipe = pub.pipeline();
    for (let i = 0; i < count; i++) {
      if (shard) pipe.spublish(channel, `m${i}`);
      else pipe.publish(channel, `m${i}`);
    }
    const results = (await pipe.exec()) ?? [];
    return results.map(([err, n]) => {
      assert.equal(err, null);
      return n as number;
    });
  }

  const expected = (n: number): string[] => Array.from({ length: n }, (_, i) => `m${i}`);

  for (const protocol of [2, 3] as const) {
    it(`ioredis RESP${protocol}: 1000 messages arrive in order, patterns too`, { timeout: 20_000 }, async () => {
      const sub = io(protocol);
      const got: string[] = [];
      const gotPattern: string[] = [];
      sub.on('message', (channel: string, message: string) => {
        assert.equal(channel, `io${protocol}.order`);
        got.push(message);
      });
      sub.on('pmessage', (pattern: string, channel: string, message: string) => {
        assert.equal(pattern, `io${protocol}.*`);
        assert.equal(channel, `io${protocol}.order`);
        gotPattern.push(message);
      });
      assert.equal(await sub.subscribe(`io${protocol}.order`), 1);
      assert.equal(await sub.psubscribe(`io${protocol}.*`), 2);
      const counts = await publishMany(`io${protocol}.order`, 1000);
      assert.ok(counts.every((n) => n === 2), 'each PUBLISH reached the channel and the pattern subscription');
      await waitUntil(() => got.length === 1000 && gotPattern.length === 1000, 5000, 'all messages');
      assert.deepEqual(got, expected(1000));
      assert.deepEqual(gotPattern, expected(1000));
      // Unsubscribing from everything leaves subscriber mode: ordinary commands work again.
      // (ioredis resolves an argument-less UNSUBSCRIBE only once the count reaches 0, so the
      // channel goes by name and the patterns all at once, last.)
      assert.equal(await sub.unsubscribe(`io${protocol}.order`), 1);
      assert.equal(await sub.punsubscribe(), 0);
      assert.equal(await sub.set(`io${protocol}.k`, 'v'), 'OK');
      assert.equal(await sub.get(`io${protocol}.k`), 'v');
    });
  }

  for (const RESP of [2, 3] as const) {
    it(`node-redis RESP${RESP}: channel, pattern and shard subscriptions, 1000 messages in order`, { timeout: 20_000 }, async () => {
      const sub = await nr(RESP);
      const got: string[] = [];
      const gotPattern: Array<[string, string]> = [];
      const gotShard: string[] = [];
      await sub.subscribe(`nr${RESP}.order`, (message, channel) => {
        assert.equal(channel, `nr${RESP}.order`);
        got.push(message);
      });
      await sub.pSubscribe(`nr${RESP}.p.*`, (message, channel) => gotPattern.push([channel, message]));
      await sub.sSubscribe(`nr${RESP}.shard`, (message) => gotShard.push(message));
      const counts = await publishMany(`nr${RESP}.order`, 1000);
      assert.ok(counts.every((n) => n === 1));
      assert.deepEqual(await publishMany(`nr${RESP}.shard`, 3, true), [1, 1, 1]);
      assert.deepEqual(await publishMany(`nr${RESP}.p.x`, 2), [1, 1]);
      await waitUntil(() => got.length === 1000 && gotShard.length === 3 && gotPattern.length === 2, 5000, 'all messages');
      assert.deepEqual(got, expected(1000));
      assert.deepEqual(gotShard, expected(3));
      assert.deepEqual(gotPattern, [[`nr${RESP}.p.x`, 'm0'], [`nr${RESP}.p.x`, 'm1']]);
      await sub.unsubscribe();
      await sub.pUnsubscribe();
      await sub.sUnsubscribe();
      assert.deepEqual(await publishMany(`nr${RESP}.order`, 1), [0]);
    });
  }

  it('PUBLISH counts every delivery: channel subscribers plus each matching pattern subscription', { timeout: 20_000 }, async () => {
    const a = io();
    const b = io();
    const c = io();
    await a.subscribe('count.x');
    await b.subscribe('count.x');
    await b.psubscribe('count.*', 'count.?', 'nomatch.*');
    await c.psubscribe('count.*');
    assert.deepEqual(await publishMany('count.x', 1), [2 + 2 + 1]);
    assert.deepEqual(await publishMany('count.yy', 1), [2]);
    assert.deepEqual(await publishMany('nothing', 1), [0]);
    const q = io();
    assert.deepEqual(await q.pubsub('NUMSUB', 'count.x', 'count.yy'), ['count.x', 2, 'count.yy', 0]);
    assert.equal(await q.pubsub('NUMPAT'), 3);
    assert.deepEqual(await q.pubsub('CHANNELS', 'count.*'), ['count.x']);
    await b.punsubscribe('count.*', 'count.?', 'nomatch.*');
    await c.punsubscribe('count.*');
    assert.equal(await q.pubsub('NUMPAT'), 0);
    assert.deepEqual(await publishMany('count.x', 1), [2]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('keyspace notifications: the mechanism (embedded node, server.pubsub)', () => {
  let node: RunningNode;
  let stop: () => Promise<void>;
  let sub: FrameConn;
  let admin: FrameConn;

  before(async () => {
    ({ node, stop } = await embedded());
    sub = await FrameConn.connect(node.port);
    admin = await FrameConn.connect(node.port);
    assert.equal(await sub.call('PSUBSCRIBE', '__key*__:*'), '*3\r\n$10\r\npsubscribe\r\n$10\r\n__key*__:*\r\n:1\r\n');
  });
  after(async () => {
    sub.close();
    admin.close();
    await stop();
  });

  const pmessage = (channel: string, payload: string): string =>
    `*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n$${channel.length}\r\n${channel}\r\n$${payload.length}\r\n${payload}\r\n`;

  async function configure(flags: string): Promise<void> {
    assert.equal(await admin.call('CONFIG', 'SET', 'notify-keyspace-events', flags), '+OK\r\n');
  }

  it('is off by default: nothing is published', async () => {
    node.server.pubsub.notifyKeyspaceEvent('$', 'set', 'k', 0);
    node.server.pubsub.notifyKeyspaceEvent('g', 'del', 'k', 0);
    assert.equal(await sub.idle(50), '');
  });

  it('KEA publishes __keyspace@<db>__:<key> <event> then __keyevent@<db>__:<event> <key>', async () => {
    await configure('KEA');
    node.server.pubsub.notifyKeyspaceEvent('$', 'set', 'user:1', 0);
    node.server.pubsub.notifyKeyspaceEvent('g', 'expire', NASTY, 7);
    assert.deepEqual(await sub.frames(4), [
      pmessage('__keyspace@0__:user:1', 'set'),
      pmessage('__keyevent@0__:set', 'user:1'),
      pmessage(`__keyspace@7__:${NASTY}`, 'expire'),
      pmessage('__keyevent@7__:expire', NASTY),
    ]);
  });

  it('K or E alone picks one of the two channels; classes filter events', async () => {
    await configure('E$');
    node.server.pubsub.notifyKeyspaceEvent('$', 'set', 'a', 0);
    node.server.pubsub.notifyKeyspaceEvent('g', 'del', 'a', 0); // class g is off
    node.server.pubsub.notifyKeyspaceEvent('l', 'lpush', 'a', 0); // class l is off
    assert.deepEqual(await sub.frames(1), [pmessage('__keyevent@0__:set', 'a')]);
    assert.equal(await sub.idle(30), '');
    await configure('Kl');
    node.server.pubsub.notifyKeyspaceEvent('l', 'lpush', 'b', 3);
    node.server.pubsub.notifyKeyspaceEvent('$', 'set', 'b', 3);
    assert.deepEqual(await sub.frames(1), [pmessage('__keyspace@3__:b', 'lpush')]);
    assert.equal(await sub.idle(30), '');
  });

  it('A is g$lshzxetd: it leaves out key-miss (m) and new-key (n), which are enabled by letter', async () => {
    await configure('EA');
    for (const cls of ['g', '$', 'l', 's', 'h', 'z', 'x', 'e', 't', 'd'] as const) {
      node.server.pubsub.notifyKeyspaceEvent(cls, `ev${cls}`, 'k', 0);
    }
    node.server.pubsub.notifyKeyspaceEvent('m', 'keymiss', 'k', 0);
    node.server.pubsub.notifyKeyspaceEvent('n', 'new', 'k', 0);
    const frames = await sub.frames(10);
    assert.deepEqual(frames, ['g', '$', 'l', 's', 'h', 'z', 'x', 'e', 't', 'd'].map((c) => pmessage(`__keyevent@0__:ev${c}`, 'k')));
    assert.equal(await sub.idle(30), '');
    await configure('Emn');
    node.server.pubsub.notifyKeyspaceEvent('m', 'keymiss', 'k', 0);
    node.server.pubsub.notifyKeyspaceEvent('n', 'new', 'k', 0);
    node.server.pubsub.notifyKeyspaceEvent('g', 'del', 'k', 0);
    assert.deepEqual(await sub.frames(2), [pmessage('__keyevent@0__:keymiss', 'k'), pmessage('__keyevent@0__:new', 'k')]);
    assert.equal(await sub.idle(30), '');
  });

  it('classes without K or E publish nothing; turning it off again stops it', async () => {
    await configure('A');
    node.server.pubsub.notifyKeyspaceEvent('$', 'set', 'k', 0);
    await configure('');
    node.server.pubsub.notifyKeyspaceEvent('$', 'set', 'k', 0);
    assert.equal(await sub.idle(50), '');
  });

  it('costs almost nothing while off', () => {
    const pubsub = node.server.pubsub;
    const start = performance.now();
    for (let i = 0; i < 1_000_000; i++) pubsub.notifyKeyspaceEvent('$', 'set', 'key', 0);
    const ms = performance.now() - start;
    assert.ok(ms < 500, `1M disabled notifications took ${ms.toFixed(1)} ms`);
  });

  it('notify-keyspace-events text: parsed and printed as Redis does', () => {
    // Pairs observed on redis-server 7.0.15 (CONFIG SET then CONFIG GET).
    const seen: Array<[string, string]> = [
      ['KEA', 'AKE'], ['Kgx$mn', 'g$xnKm'], ['$glshzxetdEnK', 'AKE'], ['ndtexzhsl$g', 'A'], ['mEK', 'KEm'],
      ['ndtexzhsl$gmEK', 'AKEm'], ['An', 'A'], ['ntd', 'tdn'], ['el', 'le'], ['tdK', 'tdK'], ['', ''],
    ];
    for (const [input, shown] of seen) {
      const flags = parseNotifyFlags(input);
      assert.notEqual(flags, null, input);
      assert.equal(formatNotifyFlags(flags!), shown, input);
    }
    assert.equal(parseNotifyFlags('Kq'), null);
    assert.equal(parseNotifyFlags('k'), null);
  });
});

// ---------------------------------------------------------------------------------------------

describe('a subscriber that never reads', () => {
  let node: RunningNode;
  let stop: () => Promise<void>;
  const conns: FrameConn[] = [];
  const sockets: net.Socket[] = [];

  before(async () => {
    ({ node, stop } = await embedded());
  });
  after(async () => {
    for (const c of conns) c.close();
    for (const s of sockets) s.destroy();
    await stop();
  });

  it('is disconnected by the pubsub output buffer limit while the node keeps serving', { timeout: 60_000 }, async (t) => {
    const PAYLOAD_BYTES = 100 * 1024;
    const PUBLISHED_BYTES_MIN = 5 * 1024 * 1024;
    const PUBLISHED_BYTES_MAX = 128 * 1024 * 1024;
    const pub = await FrameConn.connect(node.port);
    conns.push(pub);
    assert.equal(await pub.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 0 0'), '+OK\r\n');

    const slow = await FrameConn.connect(node.port);
    conns.push(slow);
    const slowId = Number((await slow.call('CLIENT', 'ID')).slice(1, -2));
    assert.equal(await slow.call('SUBSCRIBE', 'firehose'), '*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n');
    slow.socket.pause();

    // A second subscriber that reads everything must get every message.
    const fast = net.connect(node.port, '127.0.0.1');
    sockets.push(fast);
    const confirmation = '*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n';
    let fastBytes = 0;
    fast.on('data', (d: Buffer) => (fastBytes += d.length));
    fast.write(encodeCommand(['SUBSCRIBE', 'firehose']));
    await waitUntil(() => fastBytes === confirmation.length, 5000, 'the second subscription');

    const payload = 'x'.repeat(PAYLOAD_BYTES);
    const frameBytes = `*3\r\n$7\r\nmessage\r\n$8\r\nfirehose\r\n$${PAYLOAD_BYTES}\r\n`.length + PAYLOAD_BYTES + 2;
    let published = 0;
    let messages = 0;
    let maxPingMs = 0;
    let droppedAtBytes = 0;
    while (published < PUBLISHED_BYTES_MAX) {
      // The PUBLISH whose delivery overflows the slow subscriber still counts it, as in Redis.
      const wasGone = !node.server.clients.has(slowId);
      const reply = await pub.call('PUBLISH', 'firehose', payload);
      messages++;
      published += PAYLOAD_BYTES;
      const gone = !node.server.clients.has(slowId);
      if (gone && !wasGone) droppedAtBytes = published;
      assert.equal(reply, wasGone ? ':1\r\n' : ':2\r\n');
      if (messages % 10 === 0) {
        const t = performance.now();
        assert.equal(await pub.call('PING'), '+PONG\r\n');
        maxPingMs = Math.max(maxPingMs, performance.now() - t);
      }
      if (gone && published >= PUBLISHED_BYTES_MIN) break;
    }
    assert.ok(!node.server.clients.has(slowId), `slow subscriber still connected after ${published} bytes`);
    assert.ok(node.server.stats.clientOutputBufferLimitDisconnections >= 1);
    assert.ok(maxPingMs < 1000, `PING took ${maxPingMs.toFixed(0)} ms while publishing`);
    t.diagnostic(`published ${published} bytes; the slow subscriber was dropped after ${droppedAtBytes}; slowest PING ${maxPingMs.toFixed(1)} ms`);

    // Still serving: the publisher, a new connection, and the reading subscriber got everything.
    assert.equal(await pub.call('PUBLISH', 'firehose', 'after'), ':1\r\n');
    const fresh = await FrameConn.connect(node.port);
    conns.push(fresh);
    assert.equal(await fresh.call('PING'), '+PONG\r\n');
    const wantFast = confirmation.length + messages * frameBytes +
      '*3\r\n$7\r\nmessage\r\n$8\r\nfirehose\r\n$5\r\nafter\r\n'.length;
    await waitUntil(() => fastBytes >= wantFast, 10_000, `the reading subscriber's ${wantFast} bytes (has ${fastBytes})`);
    assert.equal(fastBytes, wantFast);
  });
});

// ---------------------------------------------------------------------------------------------

describe('needs wiring (files outside pub/sub; fail until the lead wires them)', () => {
  let redis: ServerProcess;
  let concord: ServerProcess;

  before(async () => {
    [redis, concord] = await Promise.all([startRedis(), startConcord()]);
  });
  after(async () => {
    await Promise.all([redis?.stop(), concord?.stop()]);
  });

  async function same(body: (s: Script) => Promise<void>): Promise<void> {
    const want = await transcript(redis.port, body);
    const got = await transcript(concord.port, body);
    assert.deepEqual(got, want);
  }

  it('connection.ts: PING in RESP2 subscriber mode replies [pong, arg]', () =>
    same(async (s) => {
      await s.call('sub', ['SUBSCRIBE', 'ping.a']);
      await s.call('sub', ['PING']);
      await s.call('sub', ['PING', 'hello']);
      await s.call('sub', ['PING', 'a', 'b']);
      await s.quiet('r3', ['HELLO', '3']);
      await s.call('r3', ['SUBSCRIBE', 'ping.a']);
      await s.call('r3', ['PING']);
      await s.call('r3', ['PING', 'hello']);
    }));

  it('connection.ts: RESET drops every subscription silently and leaves subscriber mode', () =>
    same(async (s) => {
      await s.call('sub', ['SUBSCRIBE', 'reset.a']);
      await s.call('sub', ['PSUBSCRIBE', 'reset.*']);
      await s.call('sub', ['SSUBSCRIBE', 'reset.s']);
      await s.call('sub', ['RESET']);
      await s.call('sub', ['GET', 'ps:nokey']);
      await s.call('q', ['PUBSUB', 'NUMSUB', 'reset.a']);
      await s.call('q', ['PUBSUB', 'SHARDNUMSUB', 'reset.s']);
      await s.call('q', ['PUBSUB', 'NUMPAT']);
      await s.call('q', ['PUBLISH', 'reset.a', 'x']);
      await s.silent('sub');
    }));

  it('server.ts forget(): a disconnected subscriber is unsubscribed at once', async () => {
    const sub = await FrameConn.connect(concord.port);
    const q = await FrameConn.connect(concord.port);
    try {
      await sub.call('SUBSCRIBE', 'gone.a');
      await sub.call('PSUBSCRIBE', 'gone.*');
      await sub.call('SSUBSCRIBE', 'gone.s');
      sub.close();
      await waitUntil(async () => (await q.call('PUBSUB', 'NUMSUB', 'gone.a')) === '*2\r\n$6\r\ngone.a\r\n:0\r\n', 3000, 'NUMSUB 0');
      assert.equal(await q.call('PUBSUB', 'SHARDNUMSUB', 'gone.s'), '*2\r\n$6\r\ngone.s\r\n:0\r\n');
      assert.equal(await q.call('PUBSUB', 'NUMPAT'), ':0\r\n');
      assert.equal(await q.call('PUBSUB', 'CHANNELS'), '*0\r\n');
    } finally {
      sub.close();
      q.close();
    }
  });

  it('info.ts: INFO stats pubsub_channels / pubsub_patterns / pubsubshard_channels', async () => {
    const sub = await FrameConn.connect(concord.port);
    const q = await FrameConn.connect(concord.port);
    try {
      await sub.call('SUBSCRIBE', 'info.a');
      await sub.call('SUBSCRIBE', 'info.b');
      await sub.call('PSUBSCRIBE', 'info.*');
      await sub.call('SSUBSCRIBE', 'info.s');
      const info = await q.call('INFO', 'stats');
      assert.match(info, /\r\npubsub_channels:2\r\n/);
      assert.match(info, /\r\npubsub_patterns:1\r\n/);
      assert.match(info, /\r\npubsubshard_channels:1\r\n/);
    } finally {
      await sub.unsubscribeEverything();
      sub.close();
      q.close();
    }
  });

  it('client.ts: CLIENT LIST shows flags=P and sub/psub/ssub counts', async () => {
    const sub = await FrameConn.connect(concord.port);
    const q = await FrameConn.connect(concord.port);
    try {
      const id = (await sub.call('CLIENT', 'ID')).slice(1, -2);
      await sub.call('SUBSCRIBE', 'cl.a', 'cl.b');
      await sub.call('PSUBSCRIBE', 'cl.*');
      await sub.call('SSUBSCRIBE', 'cl.s');
      const list = await q.call('CLIENT', 'LIST', 'ID', id);
      assert.match(list, / flags=P db=0 sub=2 psub=1 ssub=1 /);
      const byType = await q.call('CLIENT', 'LIST', 'TYPE', 'pubsub');
      assert.match(byType, new RegExp(`id=${id} `));
    } finally {
      await sub.unsubscribeEverything();
      sub.close();
      q.close();
    }
  });

  it('config.ts: notify-keyspace-events is validated and shown canonically', () =>
    same(async (s) => {
      for (const flags of ['KEA', 'Kgx$mn', 'ntd', 'An', 'mEK']) {
        await s.call('c', ['CONFIG', 'SET', 'notify-keyspace-events', flags]);
        await s.call('c', ['CONFIG', 'GET', 'notify-keyspace-events']);
      }
      await s.call('c', ['CONFIG', 'SET', 'notify-keyspace-events', 'Kq']);
      await s.call('c', ['CONFIG', 'GET', 'notify-keyspace-events']);
      await s.call('c', ['CONFIG', 'SET', 'notify-keyspace-events', '']);
    }));

  it('strings.ts / keys.ts / expire.ts: SET, DEL, EXPIRE, RENAME notify __keyspace@/__keyevent@ (already wired when this passes)', () =>
    same(async (s) => {
      await s.call('c', ['FLUSHALL']);
      await s.call('c', ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
      await s.call('sub', ['PSUBSCRIBE', '__key*']);
      await s.call('sub', ['SUBSCRIBE', '__keyevent@0__:set']);
      await s.call('c', ['SET', 'ks:k', 'v']);
      await s.expect('sub', 3);
      await s.call('c', ['SET', 'ks:k2', 'v', 'EX', '100']);
      await s.expect('sub', 5);
      await s.call('c', ['RENAME', 'ks:k2', 'ks:k3']);
      await s.expect('sub', 4);
      await s.call('c', ['DEL', 'ks:k', 'ks:k3', 'ks:none']);
      await s.expect('sub', 4);
      await s.call('c', ['SELECT', '3']);
      await s.call('c', ['SET', NASTY, NASTY]);
      await s.expect('sub', 2);
      await s.call('c', ['DEL', NASTY]);
      await s.expect('sub', 2);
      await s.silent('sub');
      await s.call('c', ['CONFIG', 'SET', 'notify-keyspace-events', '']);
    }));

  it('RESP3: a client subscribed to its own keyspace events gets them before the command reply', () =>
    same(async (s) => {
      await s.call('c', ['CONFIG', 'SET', 'notify-keyspace-events', 'E$']);
      await s.quiet('me', ['HELLO', '3']);
      await s.call('me', ['SUBSCRIBE', '__keyevent@0__:set']);
      await s.call('me', ['SET', 'self:k', 'v'], 2);
      await s.call('c', ['CONFIG', 'SET', 'notify-keyspace-events', '']);
    }));

  it('key lookups (keyspace/strings): a read of a missing key notifies keymiss with m', () =>
    same(async (s) => {
      await s.call('c', ['CONFIG', 'SET', 'notify-keyspace-events', 'Em']);
      await s.call('sub', ['SUBSCRIBE', '__keyevent@0__:keymiss']);
      await s.call('c', ['GET', 'miss:k']);
      await s.expect('sub', 1);
      await s.call('c', ['CONFIG', 'SET', 'notify-keyspace-events', '']);
    }));

  it('dispatch.ts: inside EXEC the subscriber-mode check does not apply (PUBLISH after SUBSCRIBE in one EXEC)', () =>
    same(async (s) => {
      await s.call('t', ['MULTI']);
      await s.call('t', ['SUBSCRIBE', 'txw.a']);
      await s.call('t', ['PUBLISH', 'txw.a', 'to myself']);
      await s.call('t', ['EXEC']);
    }));

  it('server.ts: expiry (lazy and active) notifies expired with x', async () => {
    const { node, stop } = await embedded({ 'notify-keyspace-events': 'Ex', hz: '100' });
    const sub = await FrameConn.connect(node.port);
    const c = await FrameConn.connect(node.port);
    try {
      await sub.call('SUBSCRIBE', '__keyevent@0__:expired');
      assert.equal(await c.call('SET', 'exp:k', 'v', 'PX', '20'), '+OK\r\n');
      assert.deepEqual(await sub.frames(1, 3000), ['*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$5\r\nexp:k\r\n']);
    } finally {
      sub.close();
      c.close();
      await stop();
    }
  });
});
