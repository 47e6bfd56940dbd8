/**
 * Byte-level server behaviour: pipelining, inline commands, protocol errors, input and output
 * limits, maxclients, idle timeout, AUTH, SELECT, CLIENT, RESET/QUIT, MONITOR, SHUTDOWN and
 * the concord-server command line. Most tests run an embedded node (src/index.ts); process
 * level behaviour (exit codes, flags, config files) uses the real CLI.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningNode } from '../src/index.js';
import { RawConnection } from './helpers/raw.js';
import { CONCORD_BIN, startConcord, type ServerProcess } from './helpers/servers.js';
import { spawnConcord } from './helpers/spawn-concord.js';
import { runProcess, sleep, waitUntil } from './helpers/util.js';

// ---------------------------------------------------------------------------------------------
// A small RESP2/RESP3 reply reader on top of RawConnection.

class ErrorReply {
  constructor(readonly message: string) {}
}
type Reply = null | string | number | boolean | ErrorReply | Reply[] | Map<string, Reply>;

/** Parses one reply at `pos` of a latin1 string; null when incomplete. */
function parseReply(s: string, pos: number): [Reply, number] | null {
  const nl = s.indexOf('\r\n', pos);
  if (nl < 0) return null;
  const type = s[pos];
  const line = s.slice(pos + 1, nl);
  let p = nl + 2;
  switch (type) {
    case '+':
      return [line, p];
    case '-':
      return [new ErrorReply(line), p];
    case ':':
    case ',':
    case '(':
      return [Number(line), p];
    case '#':
      return [line === 't', p];
    case '_':
      return [null, p];
    case '$':
    case '=':
    case '!': {
      const n = Number(line);
      if (n < 0) return [null, p];
      if (s.length < p + n + 2) return null;
      const body = s.slice(p, p + n);
      p += n + 2;
      if (type === '!') return [new ErrorReply(body), p];
      return [type === '=' ? body.slice(4) : body, p];
    }
    case '*':
    case '~':
    case '>': {
      const n = Number(line);
      if (n < 0) return [null, p];
      const arr: Reply[] = [];
      for (let i = 0; i < n; i++) {
        const r = parseReply(s, p);
        if (r === null) return null;
        arr.push(r[0]);
        p = r[1];
      }
      return [arr, p];
    }
    case '%':
    case '|': {
      const n = Number(line);
      const map = new Map<string, Reply>();
      for (let i = 0; i < n; i++) {
        const k = parseReply(s, p);
        if (k === null) return null;
        const v = parseReply(s, k[1]);
        if (v === null) return null;
        map.set(String(k[0]), v[0]);
        p = v[1];
      }
      if (type === '|') return parseReply(s, p); // attributes precede the real reply
      return [map, p];
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)} in ${JSON.stringify(s.slice(pos, pos + 80))}`);
  }
}

function encode(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

class Conn {
  private buf = '';
  private constructor(readonly raw: RawConnection) {}

  static async open(t: TestContext, port: number): Promise<Conn> {
    const raw = await RawConnection.connect(port);
    t.after(() => raw.close());
    return new Conn(raw);
  }

  get closed(): boolean {
    return this.raw.closed;
  }

  send(...args: (string | Buffer)[]): void {
    this.raw.write(encode(args));
  }

  /** The next complete reply, waiting at most `timeoutMs`. */
  async reply(timeoutMs = 5000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = parseReply(this.buf, 0);
      if (r !== null) {
        this.buf = this.buf.slice(r[1]);
        return r[0];
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no complete reply within ${timeoutMs} ms; have ${JSON.stringify(this.buf.slice(0, 200))}`);
      const chunk = await this.raw.read(1, left);
      if (chunk === '' && this.raw.closed) throw new Error(`connection closed; pending ${JSON.stringify(this.buf.slice(0, 200))}`);
      this.buf += chunk;
    }
  }

  async call(...args: (string | Buffer)[]): Promise<Reply> {
    this.send(...args);
    return this.reply();
  }

  /** Sends `data` as is and asserts the exact reply bytes. */
  async expectRaw(data: string | Buffer, expected: string, timeoutMs = 5000): Promise<void> {
    assert.equal(this.buf, '', 'no unread reply bytes before a raw exchange');
    this.raw.write(data);
    const got = await this.raw.read(expected.length, timeoutMs);
    assert.equal(got, expected);
  }
}

async function str(c: Conn, ...args: string[]): Promise<string> {
  const r = await c.call(...args);
  if (r instanceof ErrorReply) throw new Error(`${args.join(' ')} -> -${r.message}`);
  assert.equal(typeof r, 'string', `${args.join(' ')} replied ${JSON.stringify(r)}`);
  return r as string;
}

async function errorOf(c: Conn, ...args: string[]): Promise<string> {
  const r = await c.call(...args);
  assert.ok(r instanceof ErrorReply, `${args.join(' ')} should fail, replied ${JSON.stringify(r)}`);
  return r.message;
}

function infoField(text: string, field: string): string | undefined {
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(text);
  return m?.[1].replace(/\r$/, '');
}

function clientField(line: string, field: string): string | undefined {
  return new RegExp(`(?:^| )${field}=(\\S*)`).exec(line)?.[1];
}

/** An embedded node on a free port and a fresh directory, closed when the test ends. */
async function embedded(t: TestContext, config: Record<string, string> = {}): Promise<RunningNode> {
  const dir = mkdtempSync(join(tmpdir(), 'concord-server-test-'));
  let node: RunningNode;
  try {
    node = await startServer({ port: 0, bind: '127.0.0.1', dir, config });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  t.after(async () => {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return node;
}

/** A CLI node stopped when the test ends (after the connections opened later are closed). */
async function cliNode(t: TestContext, start: () => Promise<ServerProcess>): Promise<ServerProcess> {
  const srv = await start();
  t.after(() => srv.stop());
  return srv;
}

function waitExit(srv: ServerProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = srv.child;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Runs the CLI to completion (for --help, --version, bad flags). */
async function runCli(args: string[], timeoutMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await runProcess(process.execPath, [CONCORD_BIN, ...args], undefined, timeoutMs);
  return { ...r, stdout: r.stdout.toString() };
}

// ---------------------------------------------------------------------------------------------

describe('pipelining', () => {
  test('100 inline PINGs in one write get 100 replies', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    let events = 0;
    c.raw.socket.on('data', () => events++);
    c.raw.write('PING\r\n'.repeat(100));
    const got = await c.raw.read(700);
    assert.equal(got, '+PONG\r\n'.repeat(100));
    t.diagnostic(`the 100 replies arrived in ${events} data event(s)`);
    assert.ok(events <= 2, `replies to one read should go out as one write (got ${events} data events)`);
  });

  test('100 multibulk commands in one write, replies in order', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    const cmds: Buffer[] = [];
    for (let i = 0; i < 100; i++) cmds.push(encode(['INCR', 'counter']));
    c.raw.write(Buffer.concat(cmds));
    let expected = '';
    for (let i = 1; i <= 100; i++) expected += `:${i}\r\n`;
    assert.equal(await c.raw.read(expected.length), expected);
  });

  test('a command split at every byte boundary is reassembled', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    const bytes = Buffer.concat([encode(['SET', 'split', 'hello\r\nworld']), Buffer.from('GET split\r\n')]);
    c.raw.socket.setNoDelay(true);
    for (let i = 0; i < bytes.length; i++) {
      c.raw.write(bytes.subarray(i, i + 1));
      await new Promise((r) => setImmediate(r));
    }
    const expected = '+OK\r\n$12\r\nhello\r\nworld\r\n';
    assert.equal(await c.raw.read(expected.length), expected);
  });
});

describe('inline commands', () => {
  test('SET a b, GET a', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    await c.expectRaw('SET a b\r\n', '+OK\r\n');
    await c.expectRaw('GET a\r\n', '$1\r\nb\r\n');
    // LF alone ends a line too, and empty lines are ignored.
    await c.expectRaw('\r\n\r\nGET a\n', '$1\r\nb\r\n');
  });

  test('quoted arguments and escapes', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    await c.expectRaw(`SET "x y" 'z'\r\n`, '+OK\r\n');
    assert.equal(await c.call('GET', 'x y'), 'z');
    await c.expectRaw('SET esc "a\\x41\\n\\t\\"q\\\\"\r\n', '+OK\r\n');
    assert.equal(await c.call('GET', 'esc'), 'aA\n\t"q\\');
    await c.expectRaw("SET single 'it\\'s'\r\n", '+OK\r\n');
    assert.equal(await c.call('GET', 'single'), "it's");
  });

  test('unbalanced quotes: protocol error and close', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    await c.expectRaw('SET "abc\r\n', '-ERR Protocol error: unbalanced quotes in request\r\n');
    assert.ok(await c.raw.waitClosed(3000), 'connection closed after the protocol error');
    const d = await Conn.open(t, node.port);
    await d.expectRaw("SET 'abc\r\n", '-ERR Protocol error: unbalanced quotes in request\r\n');
    assert.ok(await d.raw.waitClosed(3000));
  });
});

describe('protocol errors', () => {
  test('*abc: invalid multibulk length, connection closed, others keep working', async (t) => {
    const node = await embedded(t);
    const bad = await Conn.open(t, node.port);
    const good = await Conn.open(t, node.port);
    await bad.expectRaw('PING\r\n*abc\r\n', '+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n');
    assert.ok(await bad.raw.waitClosed(3000), 'bad connection closed');
    assert.equal(await good.call('PING'), 'PONG');
    assert.equal(await good.call('SET', 'still', 'alive'), 'OK');
  });

  test("*1 then +x: expected '$'", async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    await c.expectRaw('*1\r\n+x\r\n', "-ERR Protocol error: expected '$', got '+'\r\n");
    assert.ok(await c.raw.waitClosed(3000));
  });

  test('negative bulk length: invalid bulk length', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    await c.expectRaw('*1\r\n$-1\r\n', '-ERR Protocol error: invalid bulk length\r\n');
    assert.ok(await c.raw.waitClosed(3000));
  });
});

describe('limits', () => {
  test('proto-max-bulk-len: a bulk over the limit is refused and the connection closed', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    assert.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '1mb'), 'OK');
    assert.deepEqual(await c.call('CONFIG', 'GET', 'proto-max-bulk-len'), ['proto-max-bulk-len', '1048576']);
    // Exactly at the limit is fine.
    assert.equal(await c.call('SET', 'atlimit', Buffer.alloc(1024 * 1024, 0x61)), 'OK');
    await c.expectRaw(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${2 * 1024 * 1024}\r\n`, '-ERR Protocol error: invalid bulk length\r\n');
    assert.ok(await c.raw.waitClosed(3000), 'closed after the bulk length error');
    const d = await Conn.open(t, node.port);
    assert.equal(await d.call('STRLEN', 'atlimit'), 1024 * 1024);
  });

  test('client-query-buffer-limit: an unfinished 2 MB bulk closes the connection and is counted', async (t) => {
    const node = await embedded(t);
    const admin = await Conn.open(t, node.port);
    // The bulk must be allowed by proto-max-bulk-len so the query buffer limit is what trips.
    assert.equal(await admin.call('CONFIG', 'SET', 'proto-max-bulk-len', '8mb', 'client-query-buffer-limit', '1mb'), 'OK');
    const before = await str(admin, 'INFO', 'stats');
    assert.equal(infoField(before, 'client_query_buffer_limit_disconnections'), '0');
    const c = await Conn.open(t, node.port);
    c.raw.write(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${4 * 1024 * 1024}\r\n`);
    c.raw.write(Buffer.alloc(2 * 1024 * 1024, 0x62));
    assert.ok(await c.raw.waitClosed(5000), 'connection closed once the query buffer passed 1 MB');
    const after = await str(admin, 'INFO', 'stats');
    assert.equal(infoField(after, 'client_query_buffer_limit_disconnections'), '1');
    assert.equal(await admin.call('EXISTS', 'big'), 0);
    assert.equal(await admin.call('PING'), 'PONG');
  });

  test('client-output-buffer-limit: a client that never reads is disconnected, the server stays responsive', async (t) => {
    const node = await embedded(t);
    const admin = await Conn.open(t, node.port);
    assert.equal(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 0 0'), 'OK');
    assert.equal(await admin.call('SET', 'big', Buffer.alloc(100 * 1024, 0x63)), 'OK');
    const victim = await Conn.open(t, node.port);
    const victimId = await victim.call('CLIENT', 'ID');
    assert.equal(typeof victimId, 'number');
    victim.raw.socket.pause(); // never read again
    const batch = Buffer.concat(Array.from({ length: 10 }, () => encode(['GET', 'big'])));
    let gone = false;
    // At most 100 batches of 10 x 100 KB = 100 MB of replies; the 1 MB limit should trip long before.
    for (let i = 0; i < 100 && !gone; i++) {
      if (!victim.raw.socket.destroyed) victim.raw.socket.write(batch);
      await sleep(10);
      if (i % 5 === 4) {
        const list = await str(admin, 'CLIENT', 'LIST', 'ID', String(victimId));
        gone = list === '';
      }
    }
    await waitUntil(async () => (await str(admin, 'CLIENT', 'LIST', 'ID', String(victimId))) === '', 5000, 'the victim to be disconnected');
    const stats = await str(admin, 'INFO', 'stats');
    assert.equal(infoField(stats, 'client_output_buffer_limit_disconnections'), '1');
    assert.equal(await admin.call('PING'), 'PONG');
    assert.equal(await admin.call('STRLEN', 'big'), 100 * 1024);
  });

  test('client-output-buffer-limit bounds memory: replies past the limit are not piled up first (Linux VmHWM)', async (t) => {
    if (!existsSync('/proc/self/status')) {
      t.skip('needs /proc to read the server process peak RSS');
      return;
    }
    const srv = await cliNode(t, () => startConcord(['--client-output-buffer-limit', 'normal 1mb 0 0']));
    const peakBytes = (): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${srv.child.pid}/status`, 'utf8'))![1]) * 1024;
    const admin = await Conn.open(t, srv.port);
    assert.equal(await admin.call('SET', 'big', Buffer.alloc(1024 * 1024, 0x64)), 'OK');
    const victim = await Conn.open(t, srv.port);
    const victimId = await victim.call('CLIENT', 'ID');
    const before = peakBytes();
    victim.raw.socket.pause();
    // 300 GETs of a 1 MB value in one 2.7 KB write: Redis stops queueing replies once the client
    // is over its 1 MB limit; a server that builds all 300 MB of replies first grows by 300 MB.
    victim.raw.write('GET big\r\n'.repeat(300));
    await waitUntil(async () => (await str(admin, 'CLIENT', 'LIST', 'ID', String(victimId))) === '', 10_000, 'the victim to be disconnected');
    const grown = peakBytes() - before;
    t.diagnostic(`server peak RSS grew by ${(grown / 1048576).toFixed(1)} MB`);
    assert.equal(infoField(await str(admin, 'INFO', 'stats'), 'client_output_buffer_limit_disconnections'), '1');
    assert.ok(grown < 64 * 1024 * 1024, `a client limited to 1 MB of output made the server's peak RSS grow by ${(grown / 1048576).toFixed(0)} MB`);
  });

  test('maxclients 2: the third connection is refused', async (t) => {
    const srv = await cliNode(t, () => startConcord(['--maxclients', '2']));
    const a = await Conn.open(t, srv.port);
    // startConcord's readiness probe may still be counted for a moment.
    await waitUntil(async () => infoField(await str(a, 'INFO', 'clients'), 'connected_clients') === '1', 3000, 'only this client to be connected');
    const b = await Conn.open(t, srv.port);
    assert.equal(await b.call('PING'), 'PONG');
    const c = await Conn.open(t, srv.port);
    assert.equal(await c.raw.read('-ERR max number of clients reached\r\n'.length, 3000), '-ERR max number of clients reached\r\n');
    assert.ok(await c.raw.waitClosed(3000), 'refused connection closed');
    assert.equal(await a.call('PING'), 'PONG');
    const stats = await str(a, 'INFO', 'stats');
    assert.equal(infoField(stats, 'rejected_connections'), '1');
    // Once one leaves, a new one is accepted.
    b.raw.close();
    await waitUntil(async () => infoField(await str(a, 'INFO', 'clients'), 'connected_clients') === '1', 3000, 'b to be gone');
    const d = await Conn.open(t, srv.port);
    assert.equal(await d.call('PING'), 'PONG');
  });

  test('timeout 1: an idle connection is closed within ~3 s, an active one is not', async (t) => {
    const node = await embedded(t, { timeout: '1' });
    const idle = await Conn.open(t, node.port);
    const busy = await Conn.open(t, node.port);
    assert.equal(await idle.call('PING'), 'PONG');
    const start = Date.now();
    let busyOk = true;
    const pinger = (async () => {
      while (!idle.closed && Date.now() - start < 4000) {
        if ((await busy.call('PING')) !== 'PONG') busyOk = false;
        await sleep(300);
      }
    })();
    const closed = await idle.raw.waitClosed(4000);
    const elapsed = Date.now() - start;
    await pinger;
    assert.ok(closed, 'idle connection closed');
    assert.ok(elapsed >= 900, `closed too early: ${elapsed} ms`);
    assert.ok(elapsed <= 3000, `closed too late: ${elapsed} ms`);
    assert.ok(busyOk && !busy.closed, 'the active connection stays open');
    assert.equal(await busy.call('PING'), 'PONG');
  });
});

describe('AUTH and requirepass', () => {
  test('NOAUTH, WRONGPASS, AUTH default secret, HELLO 3 AUTH, unauthenticated multibulk', async (t) => {
    const node = await embedded(t, { requirepass: 'secret' });
    const c = await Conn.open(t, node.port);
    await c.expectRaw('GET a\r\n', '-NOAUTH Authentication required.\r\n');
    await c.expectRaw(encode(['SET', 'a', 'b']), '-NOAUTH Authentication required.\r\n');
    await c.expectRaw('AUTH wrong\r\n', '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    await c.expectRaw('AUTH someone secret\r\n', '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    await c.expectRaw('AUTH default secret\r\n', '+OK\r\n');
    assert.equal(await c.call('SET', 'a', 'b'), 'OK');
    assert.equal(await c.call('GET', 'a'), 'b');

    const h = await Conn.open(t, node.port);
    const noauthHello = await errorOf(h, 'HELLO', '3');
    assert.match(noauthHello, /^NOAUTH HELLO must be called with the client already authenticated/);
    const hello = await h.call('HELLO', '3', 'AUTH', 'default', 'secret');
    assert.ok(hello instanceof Map, `HELLO 3 replies a map, got ${JSON.stringify(hello)}`);
    assert.equal(hello.get('proto'), 3);
    assert.equal(await h.call('GET', 'a'), 'b');
    const w = await Conn.open(t, node.port);
    assert.equal(await errorOf(w, 'HELLO', '3', 'AUTH', 'default', 'bad'), 'WRONGPASS invalid username-password pair or user is disabled.');

    const m = await Conn.open(t, node.port);
    await m.expectRaw('*11\r\n', '-ERR Protocol error: unauthenticated multibulk length\r\n');
    assert.ok(await m.raw.waitClosed(3000));
    const b = await Conn.open(t, node.port);
    await b.expectRaw('*2\r\n$3\r\nGET\r\n$20000\r\n', '-ERR Protocol error: unauthenticated bulk length\r\n');
    assert.ok(await b.raw.waitClosed(3000));
    // After AUTH the same sizes are fine.
    assert.equal(await c.call('MSET', 'k1', 'v', 'k2', 'v', 'k3', 'v', 'k4', 'v', 'k5', 'v'), 'OK');
    assert.equal(await c.call('SET', 'k6', 'x'.repeat(20000)), 'OK');
  });

  test('clearing requirepass at runtime lets already-connected unauthenticated clients in (as Redis does)', async (t) => {
    const node = await embedded(t, { requirepass: 'secret' });
    const admin = await Conn.open(t, node.port);
    assert.equal(await admin.call('AUTH', 'secret'), 'OK');
    const waiting = await Conn.open(t, node.port);
    assert.equal(await errorOf(waiting, 'PING'), 'NOAUTH Authentication required.');
    assert.equal(await admin.call('CONFIG', 'SET', 'requirepass', ''), 'OK');
    // A connection opened now needs no AUTH...
    const fresh = await Conn.open(t, node.port);
    assert.equal(await fresh.call('PING'), 'PONG');
    // ...and in Redis neither does the one that was waiting: the default user is now nopass.
    assert.equal(await waiting.call('PING'), 'PONG');
  });

  test('AUTH when no password is set', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    assert.match(await errorOf(c, 'AUTH', 'x'), /^ERR AUTH <password> called without any password configured for the default user/);
    assert.equal(await c.call('AUTH', 'default', 'anything'), 'OK');
  });
});

describe('SELECT', () => {
  test('16 databases are isolated; SELECT 16 is out of range', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    for (let db = 0; db < 16; db++) {
      assert.equal(await c.call('SELECT', String(db)), 'OK');
      assert.equal(await c.call('SET', 'shared', `db${db}`), 'OK');
      assert.equal(await c.call('SET', `only${db}`, 'x'), 'OK');
    }
    for (let db = 15; db >= 0; db--) {
      assert.equal(await c.call('SELECT', String(db)), 'OK');
      assert.equal(await c.call('GET', 'shared'), `db${db}`);
      assert.equal(await c.call('DBSIZE'), 2);
      assert.equal(await c.call('EXISTS', `only${(db + 1) % 16}`), 0);
    }
    assert.equal(await errorOf(c, 'SELECT', '16'), 'ERR DB index is out of range');
    assert.equal(await errorOf(c, 'SELECT', '-1'), 'ERR DB index is out of range');
    assert.equal(await errorOf(c, 'SELECT', 'x'), 'ERR value is not an integer or out of range');
    // A second connection starts in db 0.
    const d = await Conn.open(t, node.port);
    assert.equal(await d.call('GET', 'shared'), 'db0');
  });
});

describe('CLIENT', () => {
  test('ID, SETNAME, GETNAME, INFO, LIST', async (t) => {
    const node = await embedded(t);
    const a = await Conn.open(t, node.port);
    const b = await Conn.open(t, node.port);
    const idA = await a.call('CLIENT', 'ID');
    const idB = await b.call('CLIENT', 'ID');
    assert.equal(typeof idA, 'number');
    assert.ok((idB as number) > (idA as number), 'ids increase');
    assert.equal(await a.call('CLIENT', 'GETNAME'), null);
    assert.equal(await a.call('CLIENT', 'SETNAME', 'alpha'), 'OK');
    assert.equal(await a.call('CLIENT', 'GETNAME'), 'alpha');
    assert.equal(await errorOf(a, 'CLIENT', 'SETNAME', 'has space'), 'ERR Client names cannot contain spaces, newlines or special characters.');
    assert.equal(await a.call('CLIENT', 'GETNAME'), 'alpha');
    const info = await str(a, 'CLIENT', 'INFO');
    assert.match(info, /^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ .*\n$/);
    assert.equal(clientField(info, 'id'), String(idA));
    assert.equal(clientField(info, 'name'), 'alpha');
    assert.equal(clientField(info, 'addr'), `127.0.0.1:${a.raw.socket.localPort}`);
    assert.equal(clientField(info, 'db'), '0');
    assert.equal(clientField(info, 'resp'), '2');
    assert.equal(clientField(info, 'flags'), 'N');
    const list = await str(b, 'CLIENT', 'LIST');
    const lines = list.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 2);
    assert.deepEqual(lines.map((l) => clientField(l, 'id')).sort(), [String(idA), String(idB)].sort());
    const one = await str(b, 'CLIENT', 'LIST', 'ID', String(idA));
    assert.equal(one.split('\n').length, 2, 'one line and the final newline');
    assert.equal(clientField(one, 'id'), String(idA));
    assert.equal(clientField(one, 'name'), 'alpha');
    assert.equal(await str(b, 'CLIENT', 'LIST', 'TYPE', 'pubsub'), '');
    // RESP3: CLIENT INFO is verbatim text.
    assert.ok((await a.call('HELLO', '3')) instanceof Map);
    a.raw.write(encode(['CLIENT', 'INFO']));
    const verbatim = await a.raw.read(5);
    assert.match(verbatim, /^=\d+\r\ntxt:id=/);
  });

  test('CLIENT INFO/LIST show the running command as cmd=client|info (Redis sets it before executing)', async (t) => {
    const node = await embedded(t);
    const a = await Conn.open(t, node.port);
    const info = await str(a, 'CLIENT', 'INFO');
    assert.equal(clientField(info, 'cmd'), 'client|info');
  });

  test('KILL by ID and by old addr form', async (t) => {
    const node = await embedded(t);
    const admin = await Conn.open(t, node.port);
    const v1 = await Conn.open(t, node.port);
    const v2 = await Conn.open(t, node.port);
    const id1 = await v1.call('CLIENT', 'ID');
    assert.equal(await admin.call('CLIENT', 'KILL', 'ID', String(id1)), 1);
    assert.ok(await v1.raw.waitClosed(3000), 'killed by id');
    assert.equal(await admin.call('CLIENT', 'KILL', 'ID', String(id1)), 0);
    const addr2 = `127.0.0.1:${v2.raw.socket.localPort}`;
    assert.equal(await admin.call('CLIENT', 'KILL', addr2), 'OK');
    assert.ok(await v2.raw.waitClosed(3000), 'killed by addr');
    assert.equal(await errorOf(admin, 'CLIENT', 'KILL', addr2), 'ERR No such client');
    // SKIPME yes (the default) spares the caller; SKIPME no kills it after the reply.
    const ownId = await admin.call('CLIENT', 'ID');
    assert.equal(await admin.call('CLIENT', 'KILL', 'ID', String(ownId)), 0);
    assert.equal(await admin.call('CLIENT', 'KILL', 'ID', String(ownId), 'SKIPME', 'no'), 1);
    assert.ok(await admin.raw.waitClosed(3000), 'self kill closes after replying');
  });

  test('NO-EVICT, NO-TOUCH, SETINFO', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    assert.equal(await c.call('CLIENT', 'NO-EVICT', 'on'), 'OK');
    assert.equal(clientField(await str(c, 'CLIENT', 'INFO'), 'flags'), 'e');
    assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'on'), 'OK');
    assert.equal(clientField(await str(c, 'CLIENT', 'INFO'), 'flags'), 'eT');
    assert.equal(await c.call('CLIENT', 'NO-EVICT', 'off'), 'OK');
    assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'OFF'), 'OK');
    assert.equal(clientField(await str(c, 'CLIENT', 'INFO'), 'flags'), 'N');
    assert.equal(await errorOf(c, 'CLIENT', 'NO-EVICT', 'maybe'), 'ERR syntax error');
    assert.equal(await c.call('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib'), 'OK');
    assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-ver', '1.2.3'), 'OK');
    const info = await str(c, 'CLIENT', 'INFO');
    assert.equal(clientField(info, 'lib-name'), 'mylib');
    assert.equal(clientField(info, 'lib-ver'), '1.2.3');
    assert.equal(await errorOf(c, 'CLIENT', 'SETINFO', 'LIB-NAME', 'a b'), 'ERR LIB-NAME cannot contain spaces, newlines or special characters.');
    assert.equal(await errorOf(c, 'CLIENT', 'SETINFO', 'LIB-FOO', 'x'), "ERR Unrecognized option 'LIB-FOO'");
    assert.equal(await errorOf(c, 'CLIENT', 'NOPE'), "ERR unknown subcommand 'NOPE'. Try CLIENT HELP.");
  });
});

describe('RESET and QUIT', () => {
  test('RESET replies +RESET and clears db, name, protocol, flags', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    assert.equal(await c.call('SELECT', '3'), 'OK');
    assert.equal(await c.call('CLIENT', 'SETNAME', 'before-reset'), 'OK');
    assert.equal(await c.call('CLIENT', 'NO-EVICT', 'on'), 'OK');
    assert.ok((await c.call('HELLO', '3')) instanceof Map);
    assert.equal(await c.call('SET', 'in3', 'x'), 'OK');
    await c.expectRaw(encode(['RESET']), '+RESET\r\n');
    const info = await str(c, 'CLIENT', 'INFO');
    assert.equal(clientField(info, 'db'), '0');
    assert.equal(clientField(info, 'name'), '');
    assert.equal(clientField(info, 'resp'), '2');
    assert.equal(clientField(info, 'flags'), 'N');
    assert.equal(await c.call('GET', 'in3'), null);
  });

  test('RESET deauthenticates when a password is required', async (t) => {
    const node = await embedded(t, { requirepass: 'secret' });
    const c = await Conn.open(t, node.port);
    assert.equal(await c.call('AUTH', 'secret'), 'OK');
    assert.equal(await c.call('RESET'), 'RESET');
    assert.equal(await errorOf(c, 'GET', 'x'), 'NOAUTH Authentication required.');
  });

  test('QUIT replies +OK then closes; pipelined commands after it are not run', async (t) => {
    const node = await embedded(t);
    const c = await Conn.open(t, node.port);
    c.raw.write('QUIT\r\nSET afterquit 1\r\n');
    assert.equal(await c.raw.read(5), '+OK\r\n');
    assert.ok(await c.raw.waitClosed(3000), 'closed after QUIT');
    assert.equal(c.raw.received, '');
    const d = await Conn.open(t, node.port);
    assert.equal(await d.call('EXISTS', 'afterquit'), 0);
  });
});

describe('MONITOR', () => {
  test('a monitor sees "set" "k" "v" from another client', async (t) => {
    const node = await embedded(t);
    const mon = await Conn.open(t, node.port);
    const other = await Conn.open(t, node.port);
    assert.equal(await mon.call('MONITOR'), 'OK');
    other.raw.write('set k v\r\n');
    assert.equal(await other.raw.read(5), '+OK\r\n');
    assert.equal(await other.call('get', 'k'), 'v');
    const port = other.raw.socket.localPort;
    const line1 = await mon.reply();
    const line2 = await mon.reply();
    assert.match(String(line1), new RegExp(`^\\d+\\.\\d{6} \\[0 127\\.0\\.0\\.1:${port}\\] "set" "k" "v"$`));
    assert.match(String(line2), new RegExp(`^\\d+\\.\\d{6} \\[0 127\\.0\\.0\\.1:${port}\\] "get" "k"$`));
    // Binary arguments are escaped like sdscatrepr.
    assert.equal(await other.call('SELECT', '2'), 'OK');
    assert.equal(await other.call('SET', 'b\x00', 'x"\r\n\xff'), 'OK');
    assert.match(String(await mon.reply()), / "SELECT" "2"$/);
    assert.match(String(await mon.reply()), /\[2 127\.0\.0\.1:\d+\] "SET" "b\\x00" "x\\"\\r\\n\\xff"$/);
    // Admin commands are not shown.
    assert.equal(typeof (await other.call('CONFIG', 'GET', 'port')), 'object');
    assert.equal(await other.call('PING'), 'PONG');
    assert.match(String(await mon.reply()), / "PING"$/);
    const list = await str(other, 'CLIENT', 'LIST');
    assert.match(list, /flags=O /);
  });

  test('CLIENT LIST TYPE normal includes MONITOR clients (Redis reports monitors as normal clients)', async (t) => {
    const node = await embedded(t);
    const mon = await Conn.open(t, node.port);
    const other = await Conn.open(t, node.port);
    const monId = await mon.call('CLIENT', 'ID');
    assert.equal(await mon.call('MONITOR'), 'OK');
    const all = await str(other, 'CLIENT', 'LIST');
    assert.match(all, new RegExp(`id=${monId} .*flags=O `));
    const normal = await str(other, 'CLIENT', 'LIST', 'TYPE', 'normal');
    assert.match(normal, new RegExp(`id=${monId} `), 'the monitor is listed under TYPE normal');
  });

  test('a MONITOR connection cannot touch the keyspace (Redis: "Replica can\'t interact with the keyspace")', async (t) => {
    const node = await embedded(t);
    const mon = await Conn.open(t, node.port);
    const other = await Conn.open(t, node.port);
    assert.equal(await other.call('SET', 'k', 'v'), 'OK');
    assert.equal(await mon.call('MONITOR'), 'OK');
    const r = await mon.call('GET', 'k');
    assert.ok(r instanceof ErrorReply, `GET from a MONITOR connection replied ${JSON.stringify(r)}`);
    assert.equal(r.message, "ERR Replica can't interact with the keyspace");
  });
});

describe('process lifecycle (CLI)', () => {
  test('SHUTDOWN NOSAVE: connection closes, process exits 0', async (t) => {
    const srv = await cliNode(t, () => startConcord());
    const c = await Conn.open(t, srv.port);
    c.raw.write('SHUTDOWN NOSAVE\r\n');
    assert.ok(await c.raw.waitClosed(5000), 'connection closed');
    assert.equal(c.raw.received, '', 'SHUTDOWN replies nothing on success');
    const { code, signal } = await waitExit(srv, 5000);
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.match(srv.output(), /User requested shutdown/);
  });

  test('SHUTDOWN SAVE writes dump.rdb, exits 0, and the next start loads it', async (t) => {
    const srv = await cliNode(t, () => startConcord());
    const c = await Conn.open(t, srv.port);
    assert.equal(await c.call('SET', 'k', 'v'), 'OK');
    c.raw.write('SHUTDOWN SAVE\r\n');
    assert.ok(await c.raw.waitClosed(5000), 'connection closed');
    const { code } = await waitExit(srv, 5000);
    assert.equal(code, 0);
    assert.ok(existsSync(join(srv.dir, 'dump.rdb')), 'dump.rdb written');
    assert.match(srv.output(), /DB saved on disk/);
  });

  test('SHUTDOWN SAVE that cannot write is refused and the server keeps running', async (t) => {
    const srv = await cliNode(t, () => startConcord(['--dbfilename', 'no-such-dir/dump.rdb']));
    const c = await Conn.open(t, srv.port);
    assert.equal(await errorOf(c, 'SHUTDOWN', 'SAVE'), 'ERR Errors trying to SHUTDOWN. Check logs.');
    assert.equal(await c.call('PING'), 'PONG');
  });

  test('SIGTERM: process exits 0', async (t) => {
    const srv = await cliNode(t, () => startConcord());
    const c = await Conn.open(t, srv.port);
    assert.equal(await c.call('PING'), 'PONG');
    srv.child.kill('SIGTERM');
    const { code, signal } = await waitExit(srv, 5000);
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.match(srv.output(), /Received SIGTERM/);
    assert.ok(await c.raw.waitClosed(3000), 'clients are disconnected');
  });
});

describe('concord-server command line', () => {
  test('--version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Concord server v=\d+\.\d+\.\d+ redis_compat=\d+\.\d+\.\d+ /);
  });

  test('--help', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: concord-server/);
    assert.match(r.stdout, /--port/);
  });

  test('unknown option --foo bar exits non-zero naming foo', async () => {
    const r = await runCli(['--port', '0', '--foo', 'bar']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /'foo'/);
  });

  test('bad value exits non-zero naming the option', async () => {
    const r = await runCli(['--port', 'notaport']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /'port'/);
  });

  test('config file: port, comments, quoted requirepass', async (t) => {
    let confPort = 0;
    const srv = await cliNode(t, () =>
      spawnConcord({
        args: (port, dir) => {
          confPort = port;
          const conf = join(dir, 'concord.conf');
          writeFileSync(
            conf,
            [
              '# Concord test configuration',
              `port ${port}`,
              'bind 127.0.0.1',
              '   # an indented comment',
              '',
              'requirepass "a b"',
              'save ""',
              `dir "${dir}"`,
              'maxclients 77',
            ].join('\n'),
          );
          return [conf];
        },
      }),
    );
    assert.equal(srv.port, confPort);
    const c = await Conn.open(t, srv.port);
    await c.expectRaw('PING\r\n', '-NOAUTH Authentication required.\r\n');
    await c.expectRaw('AUTH "a b"\r\n', '+OK\r\n');
    assert.equal(await c.call('PING'), 'PONG');
    assert.deepEqual(await c.call('CONFIG', 'GET', 'requirepass'), ['requirepass', 'a b']);
    assert.deepEqual(await c.call('CONFIG', 'GET', 'port'), ['port', String(confPort)]);
    assert.deepEqual(await c.call('CONFIG', 'GET', 'maxclients'), ['maxclients', '77']);
    assert.deepEqual(await c.call('CONFIG', 'GET', 'save'), ['save', '']);
    const d = await Conn.open(t, srv.port);
    assert.equal(await d.call('AUTH', 'default', 'a b'), 'OK');
  });

  for (const [label, args] of [
    ['one quoted argument', ['--replicaof', '127.0.0.1 6399']],
    ['two arguments', ['--replicaof', '127.0.0.1', '6399']],
  ] as const) {
    test(`--replicaof as ${label}`, async (t) => {
      const srv = await cliNode(t, () => startConcord([...args]));
      const c = await Conn.open(t, srv.port);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'replicaof'), ['replicaof', '127.0.0.1 6399']);
    });
  }
});
