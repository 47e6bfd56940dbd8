/**
 * COMMAND DOCS `arguments`: the documentation-syntax parser (src/commands/syntax.ts), Concord's
 * reply compared with a real redis-server 7.0's, and what redis-cli makes of it (`help <command>`
 * and the typing hints it draws from COMMAND DOCS).
 *
 * Compared with Redis, per argument: type, token, flags, key_spec_index, nesting and the names of
 * value arguments. Not compared: `since`, `summary` and `deprecated_since` (not in the syntax),
 * and, for CLIENT KILL only, the names of oneofs and blocks (Redis's `filter`, `new-format`...
 * cannot be derived from the syntax; redis-cli never shows them).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientCommands } from '../src/commands/client.js';
import { connectionCommands } from '../src/commands/connection.js';
import { expireCommands } from '../src/commands/expire.js';
import { infoCommands } from '../src/commands/info.js';
import { introspectionCommands } from '../src/commands/introspection.js';
import { keyCommands } from '../src/commands/keys.js';
import { adminCommands } from '../src/commands/server-admin.js';
import type { CommandSpec } from '../src/commands/spec.js';
import { stringCommands } from '../src/commands/strings.js';
import { DocSyntaxError, parseSyntax, renderSyntax } from '../src/commands/syntax.js';
import { buildCommandTable } from '../src/commands/table.js';
import { RespClient, isError, showReply, type Reply } from './helpers/resp-client.js';
import { startConcord, startRedis, type ServerProcess } from './helpers/servers.js';
import { runProcess, waitUntil } from './helpers/util.js';

const REDIS_CLI = '/usr/bin/redis-cli';

// ---------------------------------------------------------------------------------------------
// The parser, one construct at a time.

describe('parseSyntax', () => {
  it('values: name from the word, type from the name, keys numbered in order', () => {
    assert.deepEqual(parseSyntax('key'), [{ name: 'key', type: 'key', keySpecIndex: 0 }]);
    assert.deepEqual(parseSyntax('key newkey'), [
      { name: 'key', type: 'key', keySpecIndex: 0 },
      { name: 'newkey', type: 'key', keySpecIndex: 1 },
    ]);
    assert.deepEqual(parseSyntax('source destination'), [
      { name: 'source', type: 'key', keySpecIndex: 0 },
      { name: 'destination', type: 'key', keySpecIndex: 1 },
    ]);
    assert.deepEqual(parseSyntax('key1 key2').map((a) => a.keySpecIndex), [0, 1]);
    const types = (s: string): string[] => parseSyntax(s).map((a) => a.type);
    assert.deepEqual(types('cursor seconds milliseconds count offset index1 db'), Array(7).fill('integer'));
    assert.deepEqual(types('unix-time-seconds unix-time-milliseconds'), ['unix-time', 'unix-time']);
    assert.deepEqual(types('pattern value message ip:port yes/no'), ['pattern', 'string', 'string', 'string', 'string']);
    assert.deepEqual(types('score longitude'), ['double', 'double']);
  });

  it('per-command type overrides: INCRBYFLOAT increment is a double, INCRBY increment an integer', () => {
    assert.equal(parseSyntax('key increment', 'incrbyfloat')[1].type, 'double');
    assert.equal(parseSyntax('key increment', 'incrby')[1].type, 'integer');
  });

  it('a word written with capitals that is not a literal keeps it as display_text', () => {
    assert.deepEqual(parseSyntax('channelName'), [{ name: 'channelname', type: 'string', displayText: 'channelName' }]);
  });

  it('an empty syntax has no arguments', () => {
    assert.deepEqual(parseSyntax(''), []);
    assert.deepEqual(parseSyntax('   '), []);
  });

  it('[TOKEN]: an optional pure-token', () => {
    assert.deepEqual(parseSyntax('[GET]'), [{ name: 'get', type: 'pure-token', token: 'GET', optional: true }]);
  });

  it('TOKEN alone: a required pure-token; `""` is the empty literal', () => {
    assert.deepEqual(parseSyntax('NOW'), [{ name: 'now', type: 'pure-token', token: 'NOW' }]);
    assert.deepEqual(parseSyntax('<key | "">'), [{
      name: 'key_empty_string', type: 'oneof', arguments: [
        { name: 'key', type: 'key', keySpecIndex: 0 },
        { name: 'empty_string', type: 'pure-token', token: '' },
      ],
    }]);
  });

  it('[TOKEN value]: a value introduced by a literal, typed by its name', () => {
    assert.deepEqual(parseSyntax('cursor [MATCH pattern] [COUNT count] [TYPE type]'), [
      { name: 'cursor', type: 'integer' },
      { name: 'pattern', type: 'pattern', token: 'MATCH', optional: true },
      { name: 'count', type: 'integer', token: 'COUNT', optional: true },
      { name: 'type', type: 'string', token: 'TYPE', optional: true },
    ]);
    assert.deepEqual(parseSyntax('[DB destination-db]'), [{ name: 'destination-db', type: 'integer', token: 'DB', optional: true }]);
  });

  it('[A | B]: an optional oneof, named as Redis names the common ones', () => {
    assert.deepEqual(parseSyntax('[NX | XX]'), [{
      name: 'condition', type: 'oneof', optional: true, arguments: [
        { name: 'nx', type: 'pure-token', token: 'NX' },
        { name: 'xx', type: 'pure-token', token: 'XX' },
      ],
    }]);
    assert.equal(parseSyntax('[NX | XX | GT | LT]')[0].name, 'condition');
    assert.equal(parseSyntax('[ASYNC | SYNC]')[0].name, 'async');
    // Others are named by their alternatives, as Redis names `nosave_save`.
    assert.equal(parseSyntax('[NOSAVE | SAVE]')[0].name, 'nosave_save');
  });

  it('a oneof whose alternatives introduce values (SET expiration)', () => {
    assert.deepEqual(parseSyntax('[EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]'), [{
      name: 'expiration', type: 'oneof', optional: true, arguments: [
        { name: 'seconds', type: 'integer', token: 'EX' },
        { name: 'milliseconds', type: 'integer', token: 'PX' },
        { name: 'unix-time-seconds', type: 'unix-time', token: 'EXAT' },
        { name: 'unix-time-milliseconds', type: 'unix-time', token: 'PXAT' },
        { name: 'keepttl', type: 'pure-token', token: 'KEEPTTL' },
      ],
    }]);
  });

  it('<A | B>: a required oneof', () => {
    assert.deepEqual(parseSyntax('<ON | OFF>'), [{
      name: 'on_off', type: 'oneof', arguments: [
        { name: 'on', type: 'pure-token', token: 'ON' },
        { name: 'off', type: 'pure-token', token: 'OFF' },
      ],
    }]);
  });

  it('[TOKEN <A | B>]: a oneof introduced by a literal', () => {
    assert.deepEqual(parseSyntax('[TYPE <NORMAL | PUBSUB>]'), [{
      name: 'normal_pubsub', type: 'oneof', token: 'TYPE', optional: true, arguments: [
        { name: 'normal', type: 'pure-token', token: 'NORMAL' },
        { name: 'pubsub', type: 'pure-token', token: 'PUBSUB' },
      ],
    }]);
  });

  it('x [x ...] and [x [x ...]]: multiple, required or optional', () => {
    assert.deepEqual(parseSyntax('key [key ...]'), [{ name: 'key', type: 'key', keySpecIndex: 0, multiple: true }]);
    assert.deepEqual(parseSyntax('[section [section ...]]'), [{ name: 'section', type: 'string', optional: true, multiple: true }]);
  });

  it('x y [x y ...]: a repeated block (MSET)', () => {
    assert.deepEqual(parseSyntax('key value [key value ...]'), [{
      name: 'key_value', type: 'block', multiple: true, arguments: [
        { name: 'key', type: 'key', keySpecIndex: 0 },
        { name: 'value', type: 'string' },
      ],
    }]);
  });

  it('[TOKEN x [x ...]]: the literal once, the value repeated', () => {
    assert.deepEqual(parseSyntax('[ID client-id [client-id ...]]'), [
      { name: 'client-id', type: 'integer', token: 'ID', optional: true, multiple: true },
    ]);
  });

  it('[TOKEN x [TOKEN x ...]]: multiple_token', () => {
    assert.deepEqual(parseSyntax('[GET pattern [GET pattern ...]]'), [
      { name: 'pattern', type: 'pattern', token: 'GET', optional: true, multiple: true, multipleToken: true },
    ]);
  });

  it('[TOKEN x y]: a block introduced by a literal; blocks nest (HELLO)', () => {
    assert.deepEqual(parseSyntax('[LIMIT offset count]'), [{
      name: 'offset_count', type: 'block', token: 'LIMIT', optional: true, arguments: [
        { name: 'offset', type: 'integer' },
        { name: 'count', type: 'integer' },
      ],
    }]);
    assert.deepEqual(parseSyntax('[protover [AUTH username password] [SETNAME clientname]]'), [{
      name: 'arguments', type: 'block', optional: true, arguments: [
        { name: 'protover', type: 'integer' },
        {
          name: 'username_password', type: 'block', token: 'AUTH', optional: true, arguments: [
            { name: 'username', type: 'string' },
            { name: 'password', type: 'string' },
          ],
        },
        { name: 'clientname', type: 'string', token: 'SETNAME', optional: true },
      ],
    }]);
  });

  it('<A | B [A | B ...]>: a repeated oneof (CLIENT KILL filters)', () => {
    const [arg] = parseSyntax('<[ID client-id] | [USER username] [[ID client-id] | [USER username] ...]>');
    assert.deepEqual(arg, {
      name: 'client-id_username', type: 'oneof', multiple: true, arguments: [
        { name: 'client-id', type: 'integer', token: 'ID', optional: true },
        { name: 'username', type: 'string', token: 'USER', optional: true },
      ],
    });
  });

  it('malformed syntax is refused with the reason', () => {
    const bad: [string, RegExp][] = [
      ['[NX | XX', /missing `]`/],
      ['key]', /unexpected `\]`/],
      ['<ON | OFF]', /unexpected `\]`/],
      ['key | value', /choice `\|` outside brackets/],
      ['[NX | ]', /empty alternative/],
      ['key ...', /outside a repetition/],
      ['key [value ...]', /does not repeat what precedes it/],
      ['a'.repeat(5000), /longer than/],
      [`${'['.repeat(40)}x${']'.repeat(40)}`, /nesting deeper/],
    ];
    for (const [syntax, reason] of bad) {
      assert.throws(() => parseSyntax(syntax), (e: unknown) => e instanceof DocSyntaxError && reason.test(e.message), syntax);
    }
  });

  it('renderSyntax gives back the syntax it parsed', () => {
    for (const s of [
      'key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]',
      'key value [key value ...]',
      '[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]',
      'key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]',
      '<key | ""> [AUTH password | AUTH2 username password] [KEYS key [key ...]]',
    ]) assert.equal(renderSyntax(parseSyntax(s)), s);
  });
});

// ---------------------------------------------------------------------------------------------
// The command table.

function withSubcommands(specs: readonly CommandSpec[]): CommandSpec[] {
  return specs.flatMap((s) => [s, ...(s.subcommands ?? [])]);
}

describe('command table syntax', () => {
  it('every command of strings, keys, expire, connection, client, server-admin, info and introspection declares its syntax', () => {
    const families = [stringCommands, keyCommands, expireCommands, connectionCommands, clientCommands, adminCommands, infoCommands, introspectionCommands];
    const missing = withSubcommands(families.flat()).filter((s) => s.syntax === undefined).map((s) => s.name);
    assert.deepEqual(missing, []);
  });

  it('every declared syntax parses and renders back unchanged', () => {
    for (const spec of withSubcommands([...buildCommandTable().values()])) {
      if (spec.syntax === undefined) continue;
      assert.equal(renderSyntax(parseSyntax(spec.syntax, spec.name)), spec.syntax, spec.name);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Concord's COMMAND DOCS against a real redis-server 7.0.

/** A COMMAND DOCS argument as a plain object, whatever the protocol. */
interface WireArg {
  name: string;
  type: string;
  key_spec_index?: number;
  token?: string;
  display_text?: string;
  since?: string;
  deprecated_since?: string;
  summary?: string;
  flags?: string[];
  arguments?: WireArg[];
}

/** Key/value pairs of a RESP3 map or of a RESP2 flat array. */
function pairs(r: Reply): [Reply, Reply][] {
  if (typeof r === 'object' && r !== null && !Array.isArray(r) && 'map' in r) return r.map;
  assert.ok(Array.isArray(r) && r.length % 2 === 0, `a map: ${showReply(r)}`);
  const out: [Reply, Reply][] = [];
  for (let i = 0; i < r.length; i += 2) out.push([r[i], r[i + 1]]);
  return out;
}

function wireArgs(r: Reply): WireArg[] {
  assert.ok(Array.isArray(r), `an array of arguments: ${showReply(r)}`);
  return r.map((item) => {
    const arg: Record<string, unknown> = {};
    for (const [k, v] of pairs(item)) {
      const key = String(k);
      if (key === 'arguments') arg[key] = wireArgs(v);
      else if (key === 'flags') arg[key] = (typeof v === 'object' && v !== null && 'set' in v ? v.set : v) as string[];
      else arg[key] = v;
    }
    return arg as unknown as WireArg;
  });
}

/** The `arguments` of `name` in a COMMAND DOCS reply, undefined when there is none. */
async function docsArguments(client: RespClient, name: string): Promise<WireArg[] | undefined> {
  const reply = await client.call('COMMAND', 'DOCS', name);
  assert.ok(!isError(reply), showReply(reply));
  const [[docName, doc]] = pairs(reply);
  assert.equal(docName, name);
  const field = pairs(doc).find(([k]) => k === 'arguments');
  return field === undefined ? undefined : wireArgs(field[1]);
}

/** What is compared: no since/summary/deprecated_since; optionally no oneof/block names. */
function comparable(args: readonly WireArg[], compositeNames: boolean): unknown[] {
  return args.map(({ since: _s, deprecated_since: _d, summary: _m, arguments: nested, ...rest }) => {
    const out: Record<string, unknown> = { ...rest };
    if (!compositeNames && (rest.type === 'oneof' || rest.type === 'block')) out.name = '*';
    if (nested !== undefined) out.arguments = comparable(nested, compositeNames);
    return out;
  });
}

/** Runs redis-cli interactively under a pseudo-terminal (util-linux `script`). */
class InteractiveCli {
  output = '';
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(port: number, term: string) {
    // A window size lets linenoise draw hints without asking the terminal for it.
    this.child = spawn('script', ['-qfc', `stty cols 1000 rows 50; exec ${REDIS_CLI} -p ${port}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TERM: term },
    });
    this.child.stdout.on('data', (d: Buffer) => (this.output += d.toString('latin1')));
    this.child.stdin.on('error', () => {});
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  /** The hint redis-cli draws after `typed` (linenoise writes it in grey: ESC[0;90;49m). */
  async hint(typed: string): Promise<string> {
    this.output = '';
    this.write(typed);
    const re = new RegExp(`> ${typed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\x1b\\[0;90;49m([^\\x1b]*)\\x1b\\[0m`);
    let m: RegExpExecArray | null = null;
    await waitUntil(() => (m = re.exec(this.output)) !== null, 5000, `a hint after ${JSON.stringify(typed)}`);
    this.write('\x15'); // Ctrl-U: clear the line
    return m![1];
  }

  async close(): Promise<void> {
    const c = this.child;
    if (c.exitCode === null && c.signalCode === null) {
      this.write('\x15exit\r'); // raw mode (TERM=xterm) takes CR as Enter; a cooked tty maps it to LF
      const timer = setTimeout(() => c.kill('SIGKILL'), 3000);
      await new Promise((r) => c.once('exit', r));
      clearTimeout(timer);
    }
  }
}

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

describe('COMMAND DOCS arguments against redis-server 7.0', () => {
  let redisProc: ServerProcess;
  let concordProc: ServerProcess;
  const clients: RespClient[] = [];

  async function connect(port: number, resp: 2 | 3): Promise<RespClient> {
    const c = await RespClient.connect(port);
    clients.push(c);
    if (resp === 3) assert.ok(!isError(await c.call('HELLO', '3')));
    return c;
  }

  before(async () => {
    [redisProc, concordProc] = await Promise.all([startRedis(), startConcord()]);
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([redisProc?.stop(), concordProc?.stop()]);
  });

  const cases: [string, boolean][] = [
    ['get', true], ['set', true], ['expire', true], ['scan', true], ['mset', true], ['client|kill', false],
  ];
  for (const resp of [2, 3] as const) {
    it(`RESP${resp}: ${cases.map(([c]) => c.toUpperCase().replace('|', ' ')).join(', ')} match Redis's`, async () => {
      const redis = await connect(redisProc.port, resp);
      const concord = await connect(concordProc.port, resp);
      for (const [name, compositeNames] of cases) {
        const want = await docsArguments(redis, name);
        const got = await docsArguments(concord, name);
        assert.ok(want !== undefined && got !== undefined, name);
        assert.deepEqual(comparable(got, compositeNames), comparable(want, compositeNames), name);
      }
    });
  }

  it('CLIENT KILL: the names Redis gives its oneofs are the only difference', async () => {
    const names = (args: readonly WireArg[]): string[] => args.flatMap((a) => [a.name, ...names(a.arguments ?? [])]);
    const redis = await connect(redisProc.port, 3);
    const concord = await connect(concordProc.port, 3);
    const want = names((await docsArguments(redis, 'client|kill'))!);
    const got = names((await docsArguments(concord, 'client|kill'))!);
    const renamed = want.map((n, i) => [n, got[i]]).filter(([a, b]) => a !== b);
    assert.deepEqual(renamed, [['filter', 'choice'], ['new-format', 'choice'], ['normal_master_slave_pubsub', 'normal_master_slave_replica_pubsub']]);
  });

  it('commands without arguments have no `arguments` field, as in Redis', async () => {
    for (const name of ['dbsize', 'client|id']) {
      assert.equal(await docsArguments(await connect(redisProc.port, 2), name), undefined, `redis ${name}`);
      assert.equal(await docsArguments(await connect(concordProc.port, 2), name), undefined, `concord ${name}`);
    }
  });

  it('key_spec_index points into Concord\'s own key specs (RENAME has one spec for both keys)', async () => {
    const concord = await connect(concordProc.port, 3);
    const args = (await docsArguments(concord, 'rename'))!;
    assert.deepEqual(args.map((a) => [a.name, a.key_spec_index]), [['key', 0], ['newkey', 0]]);
    const info = await concord.call('COMMAND', 'INFO', 'rename');
    assert.ok(Array.isArray(info) && Array.isArray(info[0]));
    assert.equal((info[0][8] as Reply[]).length, 1, 'one key spec');
  });

  for (const resp of [2, 3] as const) {
    it(`RESP${resp}: COMMAND DOCS of every command is well-formed (the next reply is still in step)`, async () => {
      const concord = await connect(concordProc.port, resp);
      const [all, pong] = await Promise.all([concord.call('COMMAND', 'DOCS'), concord.call('PING')]);
      assert.equal(pong, 'PONG');
      const docs = new Map(pairs(all).map(([k, v]) => [String(k), v]));
      assert.equal(docs.size, buildCommandTable().size);
      for (const spec of buildCommandTable().values()) {
        const field = pairs(docs.get(spec.name)!).find(([k]) => k === 'arguments');
        const expected = spec.syntax === undefined ? [] : parseSyntax(spec.syntax, spec.name);
        assert.equal(field === undefined ? 0 : wireArgs(field[1]).length, expected.length, spec.name);
      }
    });
  }

  it('redis-cli: `command docs get` includes `arguments` (replaces the todo test in clients.test.ts)', async () => {
    const r = await runProcess(REDIS_CLI, ['-p', String(concordProc.port), 'command', 'docs', 'get']);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout.toString('latin1');
    assert.match(text, /\narguments\nname\nkey\ntype\nkey\nkey_spec_index\n0\n$/);
  });

  it('redis-cli interactive: `help get` prints "GET key"', { skip: HAS_SCRIPT ? false : 'util-linux `script` is not available' }, async () => {
    // TERM=dumb: linenoise reads plain lines, no cursor queries, no hints.
    const cli = new InteractiveCli(concordProc.port, 'dumb');
    try {
      await waitUntil(() => cli.output.includes(`127.0.0.1:${concordProc.port}> `), 10_000, 'the interactive prompt');
      cli.write('help get\n');
      const plain = (): string => cli.output.replace(/\x1b\[[0-9;]*m/g, '');
      await waitUntil(() => /summary:\s+Returns the string value of a key/.test(plain()), 5000, '`help get` output');
      assert.match(plain(), /\n\s*GET key\s*\r?\r?\n\s*summary:/);
    } finally {
      await cli.close();
    }
  });

  it('redis-cli interactive: typing hints are the ones real Redis gives', { skip: HAS_SCRIPT ? false : 'util-linux `script` is not available' }, async () => {
    const typed = ['get ', 'set ', 'set k v ', 'expire ', 'scan ', 'mset ', 'getex ', 'copy ', 'lcs ', 'hello ', 'shutdown ',
      'client kill ', 'client list ', 'command list ', 'memory usage ', 'info '];
    const hints = async (port: number): Promise<string[]> => {
      const cli = new InteractiveCli(port, 'xterm');
      try {
        await waitUntil(() => cli.output.includes(`127.0.0.1:${port}> `), 10_000, 'the interactive prompt');
        const out: string[] = [];
        for (const t of typed) out.push(await cli.hint(t));
        return out;
      } finally {
        await cli.close();
      }
    };
    const want = await hints(redisProc.port);
    const got = await hints(concordProc.port);
    assert.deepEqual(got, want);
    assert.equal(got[1], 'key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]');
    assert.equal(got[2], '[NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]');
  });
});
