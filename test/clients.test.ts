/**
 * Real clients against a real `concord-server` process: redis-cli, ioredis (RESP2) and
 * node-redis (RESP2 and RESP3). Each suite starts its own server(s) and stops them in `after`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, ReplyError } from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';
import { startConcord, type ServerProcess } from './helpers/servers.js';
import { spawnConcord } from './helpers/spawn-concord.js';
import { runProcess, sleep, waitUntil, type ProcessResult } from './helpers/util.js';

const REDIS_CLI = '/usr/bin/redis-cli';
/** A value that breaks anything not binary-safe: CRLF, NUL, bytes that are not UTF-8. */
const NASTY = Buffer.from([0x61, 0x0d, 0x0a, 0x62, 0x00, 0xff, 0xfe, 0x63, 0x0d, 0x0a]);

/** Runs redis-cli with `args`, feeding `input` on stdin, killed after `timeoutMs`. */
function runCli(args: string[], input?: string | Buffer, timeoutMs = 20_000): Promise<ProcessResult> {
  return runProcess(REDIS_CLI, args, input, timeoutMs);
}

async function cliText(port: number, ...args: string[]): Promise<string> {
  const r = await runCli(['-p', String(port), ...args]);
  assert.equal(r.code, 0, `redis-cli ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.toString('latin1');
}

/** Parses `INFO` text into fields. */
function parseInfo(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** `calls=N` of one INFO commandstats line, 0 when absent. */
function commandCalls(info: string, name: string): number {
  const line = parseInfo(info).get(`cmdstat_${name}`);
  if (line === undefined) return 0;
  const m = /calls=(\d+)/.exec(line);
  return m === null ? 0 : Number(m[1]);
}

/** ioredis options for a deterministic test client: RESP2, no reconnect loops. */
function ioredisOptions(port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    port,
    host: '127.0.0.1',
    protocol: 2,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 5000,
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------

describe('redis-cli', () => {
  let srv: ServerProcess;
  before(async () => {
    srv = await startConcord();
  });
  after(async () => {
    await srv?.stop();
  });

  test('ping', async () => {
    assert.equal(await cliText(srv.port, 'ping'), 'PONG\n');
  });

  test('set/get (raw output when stdout is not a tty)', async () => {
    assert.equal(await cliText(srv.port, 'set', 'cli:k', 'hello world'), 'OK\n');
    assert.equal(await cliText(srv.port, 'get', 'cli:k'), 'hello world\n');
  });

  test('--no-raw output shapes', async () => {
    const p = srv.port;
    assert.equal(await cliText(p, '--no-raw', 'set', 'cli:s', 'v'), 'OK\n');
    assert.equal(await cliText(p, '--no-raw', 'get', 'cli:s'), '"v"\n');
    assert.equal(await cliText(p, '--no-raw', 'get', 'cli:missing'), '(nil)\n');
    assert.equal(await cliText(p, '--no-raw', 'incr', 'cli:n'), '(integer) 1\n');
    assert.equal(await cliText(p, '--no-raw', 'mget', 'cli:s', 'cli:missing', 'cli:n'), '1) "v"\n2) (nil)\n3) "1"\n');
    assert.equal(await cliText(p, '--no-raw', 'keys', 'cli:nomatch*'), '(empty array)\n');
    assert.equal(await cliText(p, '--no-raw', 'incr', 'cli:s'), '(error) ERR value is not an integer or out of range\n');
    assert.equal(await cliText(p, '--no-raw', 'ttl', 'cli:s'), '(integer) -1\n');
    // RESP3 map rendering through `redis-cli -3`.
    const hello = await cliText(p, '--no-raw', '-3', 'hello', '3');
    assert.match(hello, /^1# "server" => "redis"\n/);
    assert.match(hello, /\n3# "proto" => \(integer\) 3\n/);
    assert.match(hello, /\n7# "modules" => \(empty array\)\n$/);
  });

  test('binary value via -x from stdin', async () => {
    const r = await runCli(['-p', String(srv.port), '-x', 'set', 'cli:bin'], NASTY);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'OK\n');
    assert.equal(await cliText(srv.port, 'strlen', 'cli:bin'), `${NASTY.length}\n`);
    const raw = await runCli(['-p', String(srv.port), 'get', 'cli:bin']);
    assert.deepEqual(raw.stdout, Buffer.concat([NASTY, Buffer.from('\n')]));
    assert.equal(await cliText(srv.port, '--no-raw', 'get', 'cli:bin'), '"a\\r\\nb\\x00\\xff\\xfec\\r\\n"\n');
  });

  test('info server contains redis_version', async () => {
    const info = await cliText(srv.port, 'info', 'server');
    assert.match(info, /^# Server\r?\n/);
    assert.match(info, /\nredis_version:\d+\.\d+\.\d+\r?\n/);
  });

  test('--pipe mass insertion of 10k SETs', async () => {
    let payload = '';
    for (let i = 0; i < 10_000; i++) {
      const k = `pipe:${i}`;
      const v = `value-${i}`;
      payload += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`;
    }
    // Database 9 holds nothing else, so DBSIZE counts exactly what --pipe wrote.
    const r = await runCli(['-p', String(srv.port), '-n', '9', '--pipe'], payload, 30_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /errors: 0, replies: 10000/);
    assert.equal(await cliText(srv.port, '-n', '9', 'dbsize'), '10000\n');
    assert.equal(await cliText(srv.port, '-n', '9', 'get', 'pipe:9999'), 'value-9999\n');
  });

  test('command docs get returns summary text', async () => {
    const text = await cliText(srv.port, 'command', 'docs', 'get');
    assert.match(text, /^get\n/);
    assert.match(text, /\nsummary\n[^\n]+\n/);
    assert.match(text, /\nsince\n1\.0\.0\n/);
    assert.match(text, /\ngroup\nstring\n/);
  });

  test('interactive mode: startup sends COMMAND DOCS and `help get` shows its summary', async (t) => {
    if (spawnSync('script', ['--version']).status !== 0) {
      t.skip('util-linux `script` is not available to give redis-cli a tty');
      return;
    }
    const before = await cliText(srv.port, 'info', 'commandstats');
    const docsBefore = commandCalls(before, 'command|docs');
    // TERM=dumb makes linenoise skip cursor-position queries: a plain prompt on a pseudo-tty.
    const child = spawn('script', ['-qc', `${REDIS_CLI} -p ${srv.port}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TERM: 'dumb' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stdin.on('error', () => {});
    try {
      await waitUntil(() => out.includes(`127.0.0.1:${srv.port}> `), 10_000, 'the interactive prompt');
      const after = await cliText(srv.port, 'info', 'commandstats');
      assert.ok(commandCalls(after, 'command|docs') > docsBefore, 'interactive redis-cli sent COMMAND DOCS at startup');
      child.stdin.write('help get\n');
      await waitUntil(() => /summary:\S*\s+Returns the string value of a key/.test(out.replace(/\x1b\[[0-9;]*m/g, '')), 5000, '`help get` output');
      child.stdin.write('get cli:k\n');
      await waitUntil(() => out.includes('"hello world"'), 5000, 'the GET reply');
      child.stdin.write('exit\n');
      await waitUntil(() => child.exitCode !== null || child.signalCode !== null, 5000, 'redis-cli to exit');
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t2 = setTimeout(() => child.kill('SIGKILL'), 2000);
        await new Promise((r) => child.once('exit', r));
        clearTimeout(t2);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('ioredis (RESP2)', () => {
  let srv: ServerProcess;
  let authSrv: ServerProcess;
  let redis: Redis;
  const extraClients: Redis[] = [];

  function open(port: number, extra: Record<string, unknown> = {}): Redis {
    const c = new Redis(ioredisOptions(port, extra));
    c.on('error', () => {});
    extraClients.push(c);
    return c;
  }

  before(async () => {
    srv = await startConcord();
    authSrv = await spawnConcord({ extra: ['--requirepass', 'secret'] });
    redis = new Redis(ioredisOptions(srv.port));
    redis.on('error', () => {});
  });
  after(async () => {
    redis?.disconnect();
    for (const c of extraClients) c.disconnect();
    await srv?.stop();
    await authSrv?.stop();
  });

  test('connects: ready check (INFO) and CLIENT SETINFO handshake', async () => {
    await waitUntil(() => redis.status === 'ready', 5000, 'ioredis ready');
    const info = (await redis.info('commandstats')) as string;
    // The ready check was an INFO; this call is another.
    assert.ok(commandCalls(info, 'info') >= 1, info);
    assert.ok(commandCalls(info, 'client|setinfo') >= 2, info);
    const me = (await redis.client('INFO')) as string;
    assert.match(me, / lib-name=ioredis /);
    assert.match(me, / resp=2 /);
  });

  test('set/get/mget/incr/expire/ttl', async () => {
    assert.equal(await redis.set('io:a', '1'), 'OK');
    assert.equal(await redis.get('io:a'), '1');
    assert.equal(await redis.get('io:missing'), null);
    assert.deepEqual(await redis.mget('io:a', 'io:missing', 'io:a'), ['1', null, '1']);
    assert.equal(await redis.incr('io:a'), 2);
    assert.equal(await redis.incrby('io:a', 40), 42);
    assert.equal(await redis.expire('io:a', 100), 1);
    const ttl = await redis.ttl('io:a');
    assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
    assert.equal(await redis.ttl('io:missing'), -2);
    assert.equal(await redis.set('io:b', 'x', 'EX', 10, 'NX'), 'OK');
    assert.equal(await redis.set('io:b', 'y', 'EX', 10, 'NX'), null);
    assert.equal(await redis.del('io:a', 'io:b', 'io:missing'), 2);
  });

  test('pipeline of 1000 commands', async () => {
    const p = redis.pipeline();
    for (let i = 0; i < 500; i++) p.set(`io:p:${i}`, String(i));
    for (let i = 0; i < 500; i++) p.incr(`io:p:${i}`);
    const results = await p.exec();
    assert.ok(results !== null);
    assert.equal(results.length, 1000);
    for (let i = 0; i < 500; i++) {
      assert.deepEqual(results[i], [null, 'OK']);
      assert.deepEqual(results[500 + i], [null, i + 1]);
    }
    assert.equal(await redis.get('io:p:499'), '500');
  });

  test("client('SETNAME', ...) and GETNAME", async () => {
    assert.equal(await redis.client('SETNAME', 'io-test-conn'), 'OK');
    assert.equal(await redis.client('GETNAME'), 'io-test-conn');
    const list = (await redis.client('LIST')) as string;
    assert.match(list, / name=io-test-conn /);
  });

  test('getBuffer round-trips CRLF, NUL and invalid UTF-8 bytes', async () => {
    assert.equal(await redis.set(Buffer.from('io:bin\xff', 'latin1'), NASTY), 'OK');
    const got = await redis.getBuffer(Buffer.from('io:bin\xff', 'latin1'));
    assert.ok(got !== null);
    assert.deepEqual(got, NASTY);
    assert.equal(await redis.strlen(Buffer.from('io:bin\xff', 'latin1')), NASTY.length);
  });

  test('a 1 MB value', async () => {
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    assert.equal(await redis.set('io:big', big), 'OK');
    const got = await redis.getBuffer('io:big');
    assert.ok(got !== null);
    assert.equal(got.length, big.length);
    assert.ok(got.equals(big), '1 MB value came back identical');
    const text = 'x'.repeat(1024 * 1024);
    await redis.set('io:bigtext', text);
    assert.equal(await redis.get('io:bigtext'), text);
  });

  test('db option in the constructor selects the database', async () => {
    const db5 = open(srv.port, { db: 5 });
    assert.equal(await db5.set('io:dbkey', 'in-5'), 'OK');
    assert.equal(await db5.get('io:dbkey'), 'in-5');
    assert.match((await db5.client('INFO')) as string, / db=5 /);
    assert.equal(await redis.get('io:dbkey'), null);
    assert.equal(await redis.exists('io:dbkey'), 0);
  });

  test('scanStream over 1000 keys returns each key exactly once', async () => {
    const db3 = open(srv.port, { db: 3 });
    const p = db3.pipeline();
    for (let i = 0; i < 1000; i++) p.set(`scan:${i}`, 'v');
    for (let i = 0; i < 50; i++) p.set(`other:${i}`, 'v');
    await p.exec();
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = db3.scanStream({ match: 'scan:*', count: 37 });
      stream.on('data', (keys: string[]) => seen.push(...keys));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    assert.equal(seen.length, 1000, 'no duplicates and nothing missing');
    assert.equal(new Set(seen).size, 1000);
    for (let i = 0; i < 1000; i++) assert.ok(seen.includes(`scan:${i}`));
  });

  test('error replies surface as ReplyError with Redis text', async () => {
    await redis.set('io:abc', 'abc');
    await assert.rejects(redis.incr('io:abc'), (err: unknown) => {
      assert.ok(err instanceof ReplyError, `not a ReplyError: ${String(err)}`);
      assert.equal((err as Error).message, 'ERR value is not an integer or out of range');
      return true;
    });
    await assert.rejects(redis.call('NOSUCHCOMMAND', 'a'), (err: unknown) => {
      assert.ok(err instanceof ReplyError);
      assert.equal((err as Error).message, "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'a' ");
      return true;
    });
    await assert.rejects(redis.call('GET'), /ERR wrong number of arguments for 'get' command/);
  });

  test('default options (ioredis v6 defaults to RESP3: HELLO 3 handshake) also work', async () => {
    const c = new Redis({ port: srv.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {});
    extraClients.push(c);
    assert.equal(await c.set('io:r3', 'v3'), 'OK');
    assert.equal(await c.get('io:r3'), 'v3');
    assert.deepEqual(await c.mget('io:r3', 'io:missing'), ['v3', null]);
    const me = (await c.client('INFO')) as unknown;
    assert.match(String(me), / resp=3 /);
    assert.match(String(me), / lib-name=ioredis /);
  });

  test('password: works with it, NOAUTH without it', async () => {
    const good = open(authSrv.port, { password: 'secret' });
    assert.equal(await good.set('io:auth', 'ok'), 'OK');
    assert.equal(await good.get('io:auth'), 'ok');
    // Without a password: no ready check (its INFO would fail), so the command's own error shows.
    const bad = open(authSrv.port, { enableReadyCheck: false, disableClientInfo: true });
    await assert.rejects(bad.get('io:auth'), (err: unknown) => {
      assert.ok(err instanceof ReplyError);
      assert.equal((err as Error).message, 'NOAUTH Authentication required.');
      return true;
    });
    // A wrong password is a fatal handshake error: ioredis emits it as an 'error' event.
    const wrong = open(authSrv.port, { password: 'nope', lazyConnect: true });
    const emitted = new Promise<Error>((resolve) => wrong.once('error', resolve));
    wrong.connect().catch(() => {});
    const err = await Promise.race([emitted, sleep(5000).then(() => new Error('no error event within 5 s'))]);
    assert.ok(err instanceof ReplyError, String(err));
    assert.equal(err.message, 'WRONGPASS invalid username-password pair or user is disabled.');
  });
});

// ---------------------------------------------------------------------------------------------

for (const RESP of [2, 3] as const) {
  describe(`node-redis RESP${RESP}`, () => {
    let srv: ServerProcess;
    let authSrv: ServerProcess;
    type Client = ReturnType<typeof createClient>;
    const clients: Client[] = [];

    async function connect(port: number, extra: Record<string, unknown> = {}): Promise<Client> {
      const c = createClient({
        socket: { port, host: '127.0.0.1', reconnectStrategy: false, connectTimeout: 5000 },
        RESP,
        ...extra,
      } as Parameters<typeof createClient>[0]);
      c.on('error', () => {});
      clients.push(c);
      await c.connect();
      return c;
    }

    before(async () => {
      // One at a time, so a failing second start still leaves the first assigned for `after` to stop.
      srv = await startConcord();
      authSrv = await spawnConcord({ extra: ['--requirepass', 'secret'] });
    });
    after(async () => {
      for (const c of clients) {
        try {
          c.destroy();
        } catch {
          /* already closed */
        }
      }
      await srv?.stop();
      await authSrv?.stop();
    });

    test('connect handshake: HELLO (RESP3) and CLIENT SETINFO LIB-NAME/LIB-VER', async () => {
      const before = await runCli(['-p', String(srv.port), 'info', 'commandstats']);
      const helloBefore = commandCalls(before.stdout.toString(), 'hello');
      const c = await connect(srv.port);
      const info = await c.clientInfo();
      assert.equal(info.libName, 'node-redis');
      assert.match(info.libVer ?? '', /^\d+\.\d+\.\d+/);
      assert.equal(info.resp, RESP);
      const after = await runCli(['-p', String(srv.port), 'info', 'commandstats']);
      const helloAfter = commandCalls(after.stdout.toString(), 'hello');
      if (RESP === 3) assert.equal(helloAfter, helloBefore + 1, 'RESP3 handshake sends HELLO 3');
      else assert.equal(helloAfter, helloBefore, 'RESP2 handshake sends no HELLO');
    });

    test('basic commands', async () => {
      const c = await connect(srv.port);
      const k = `nr${RESP}:`;
      assert.equal(await c.ping(), 'PONG');
      assert.equal(await c.set(`${k}a`, 'hello'), 'OK');
      assert.equal(await c.get(`${k}a`), 'hello');
      assert.equal(await c.get(`${k}missing`), null);
      assert.deepEqual(await c.mGet([`${k}a`, `${k}missing`]), ['hello', null]);
      assert.equal(await c.incr(`${k}n`), 1);
      assert.equal(await c.incrBy(`${k}n`, 9), 10);
      assert.equal(await c.set(`${k}x`, 'v', { expiration: { type: 'EX', value: 100 } }), 'OK');
      const ttl = await c.ttl(`${k}x`);
      assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
      assert.equal(await c.exists([`${k}a`, `${k}x`, `${k}missing`]), 2);
      assert.equal(await c.del([`${k}a`, `${k}x`]), 2);
      assert.equal(await c.dbSize() >= 1, true);
      await assert.rejects(c.sendCommand(['INCR', `${k}nope`, 'extra']), /ERR wrong number of arguments for 'incr' command/);
      await c.set(`${k}s`, 'abc');
      await assert.rejects(c.incr(`${k}s`), (err: unknown) => {
        assert.equal((err as Error).message, 'ERR value is not an integer or out of range');
        return true;
      });
    });

    test('binary-safe Buffer values', async () => {
      const c = await connect(srv.port);
      const bc = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
      const key = Buffer.from(`nr${RESP}:bin\x00\xff`, 'latin1');
      assert.equal(await bc.set(key, NASTY), 'OK');
      const got = await bc.get(key);
      assert.ok(Buffer.isBuffer(got), `got ${typeof got}`);
      assert.deepEqual(got, NASTY);
      const big = Buffer.alloc(512 * 1024, 0xfe);
      await bc.set(`nr${RESP}:big`, big);
      const gotBig = await bc.get(`nr${RESP}:big`);
      assert.ok(Buffer.isBuffer(gotBig) && gotBig.equals(big));
    });

    test('HELLO reply fields', async () => {
      const c = await connect(srv.port);
      const id = (await c.clientInfo()).id;
      // HELLO with the connection's own version keeps the decoder in step.
      const hello = (await c.hello(RESP)) as unknown as Record<string, unknown>;
      assert.equal(hello.server, 'redis');
      assert.match(String(hello.version), /^\d+\.\d+\.\d+$/);
      assert.equal(hello.proto, RESP);
      assert.equal(hello.id, id);
      assert.equal(hello.mode, 'standalone');
      assert.equal(hello.role, 'master');
      assert.deepEqual(hello.modules, []);
      assert.deepEqual(Object.keys(hello), ['server', 'version', 'proto', 'id', 'mode', 'role', 'modules']);
    });

    test('password handshake against the requirepass node', async () => {
      const c = await connect(authSrv.port, { password: 'secret' });
      assert.equal(await c.set(`nr${RESP}:auth`, 'ok'), 'OK');
      assert.equal(await c.get(`nr${RESP}:auth`), 'ok');
      const info = await c.clientInfo();
      assert.equal(info.user, 'default');
      assert.equal(info.libName, 'node-redis');
      const u = await connect(authSrv.port, { username: 'default', password: 'secret' });
      assert.equal(await u.get(`nr${RESP}:auth`), 'ok');
      await assert.rejects(connect(authSrv.port, { password: 'wrong' }), /WRONGPASS/);
      if (RESP === 2) {
        // RESP2 sends no HELLO, so an unauthenticated connection sees NOAUTH on its commands.
        const n = await connect(authSrv.port);
        await assert.rejects(n.get(`nr${RESP}:auth`), (err: unknown) => {
          assert.equal((err as Error).message, 'NOAUTH Authentication required.');
          return true;
        });
      } else {
        // HELLO 3 without AUTH is refused, so connecting fails.
        await assert.rejects(connect(authSrv.port), /NOAUTH/);
      }
    });

    test('CLIENT INFO shows lib-name set by node-redis', async () => {
      const c = await connect(srv.port, { name: `nr-${RESP}` });
      const text = String(await c.sendCommand(['CLIENT', 'INFO']));
      assert.match(text, / lib-name=node-redis /);
      assert.match(text, / lib-ver=\d+\.\d+\.\d+/);
      assert.match(text, new RegExp(` name=nr-${RESP} `));
      assert.match(text, new RegExp(` resp=${RESP} `));
      // And another connection sees it in CLIENT LIST.
      const list = await cliText(srv.port, 'client', 'list');
      assert.match(list, new RegExp(`name=nr-${RESP} .*lib-name=node-redis`));
    });
  });
}
