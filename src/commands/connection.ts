/** Connection commands: PING ECHO QUIT SELECT AUTH HELLO RESET. */
import { inSubscriberMode, replySubscriberPing } from '../server/pubsub.js';
import { REDIS_COMPAT_VERSION } from '../server/version.js';
import { ERR_DB_INDEX, ERR_NOT_INTEGER, ERR_SYNTAX, parseSafeInt, wrongArity } from './args.js';
import { validClientName } from './client.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';

const ERR_WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

function ping(ctx: Ctx, argv: string[]): void {
  if (argv.length > 2) {
    ctx.error(wrongArity('ping'));
    return;
  }
  if (inSubscriberMode(ctx.client)) {
    replySubscriberPing(ctx.out, argv);
    return;
  }
  if (argv.length === 2) ctx.out.bulk(argv[1]);
  else ctx.out.simple('PONG');
}

function select(ctx: Ctx, argv: string[]): void {
  const n = parseSafeInt(argv[1]);
  if (n === null) {
    ctx.error(ERR_NOT_INTEGER);
    return;
  }
  if (n < 0 || n >= ctx.server.keyspace.dbs.length) {
    ctx.error(ERR_DB_INDEX);
    return;
  }
  ctx.client.db = n;
  ctx.out.ok();
}

/** Checks a username/password pair against requirepass (the only user is `default`). */
function checkPassword(ctx: Ctx, user: string, pass: string): boolean {
  const required = ctx.server.config.getString('requirepass');
  if (user !== 'default') return false;
  return required === '' || pass === required;
}

function auth(ctx: Ctx, argv: string[]): void {
  if (argv.length > 3) {
    ctx.error(ERR_SYNTAX);
    return;
  }
  const user = argv.length === 3 ? argv[1] : 'default';
  const pass = argv[argv.length - 1];
  if (argv.length === 2 && ctx.server.config.getString('requirepass') === '') {
    ctx.error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    return;
  }
  if (!checkPassword(ctx, user, pass)) {
    ctx.error(ERR_WRONGPASS);
    return;
  }
  ctx.client.setAuthenticated(true);
  ctx.client.user = user;
  ctx.out.ok();
}

function hello(ctx: Ctx, argv: string[]): void {
  const client = ctx.client;
  let version = client.resp as number;
  if (argv.length >= 2) {
    const v = parseSafeInt(argv[1]);
    if (v === null) {
      ctx.error('ERR Protocol version is not an integer or out of range');
      return;
    }
    if (v !== 2 && v !== 3) {
      ctx.error('NOPROTO unsupported protocol version');
      return;
    }
    version = v;
  }
  let authPair: [string, string] | null = null;
  let name: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    if (opt === 'AUTH' && i + 2 < argv.length) {
      authPair = [argv[i + 1], argv[i + 2]];
      i += 2;
    } else if (opt === 'SETNAME' && i + 1 < argv.length) {
      name = argv[++i];
      if (!validClientName(name)) {
        ctx.error('ERR Client names cannot contain spaces, newlines or special characters.');
        return;
      }
    } else {
      ctx.error(`ERR Syntax error in HELLO option '${argv[i]}'`);
      return;
    }
  }
  if (authPair !== null) {
    if (!checkPassword(ctx, authPair[0], authPair[1])) {
      ctx.error(ERR_WRONGPASS);
      return;
    }
    client.setAuthenticated(true);
    client.user = authPair[0];
  }
  if (!client.authenticated) {
    ctx.error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
    return;
  }
  if (name !== null) client.name = name;
  client.resp = version as 2 | 3;
  const out = ctx.out;
  out.resp = client.resp;
  out.mapLen(7);
  out.bulk('server');
  out.bulk('redis');
  out.bulk('version');
  out.bulk(REDIS_COMPAT_VERSION);
  out.bulk('proto');
  out.integer(client.resp);
  out.bulk('id');
  out.integer(client.id);
  out.bulk('mode');
  out.bulk('standalone');
  out.bulk('role');
  out.bulk(ctx.server.follower !== null ? 'replica' : 'master');
  out.bulk('modules');
  out.arrayLen(0);
}

function reset(ctx: Ctx): void {
  const client = ctx.client;
  ctx.server.pubsub.unsubscribeAll(client);
  client.db = 0;
  client.resp = 2;
  ctx.out.resp = 2;
  client.name = '';
  client.noEvict = false;
  client.noTouch = false;
  if (client.monitor) {
    client.monitor = false;
    ctx.server.monitors.delete(client);
  }
  client.setAuthenticated(ctx.server.config.getString('requirepass') === '');
  client.user = 'default';
  ctx.out.simple('RESET');
}

function quit(ctx: Ctx): void {
  ctx.client.closeAfterReply = true;
  ctx.out.ok();
}

const C = { group: 'connection' } as const;
const CONN = ['connection'] as const;

export const connectionCommands: CommandSpec[] = [
  cmd('ping', -1, ['fast', 'stale'], [0, 0, 0], [...CONN, 'fast'],
    { ...C, since: '1.0.0', summary: 'Returns the server\'s liveliness response.', complexity: 'O(1)', syntax: '[message]' }, ping),
  cmd('echo', 2, ['fast', 'loading', 'stale'], [0, 0, 0], [...CONN, 'fast'],
    { ...C, since: '1.0.0', summary: 'Returns the given string.', complexity: 'O(1)', syntax: 'message' }, (ctx, argv) => ctx.out.bulk(argv[1])),
  cmd('quit', -1, ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'], [0, 0, 0], [...CONN, 'fast'],
    { ...C, since: '1.0.0', summary: 'Closes the connection.', complexity: 'O(1)', syntax: '' }, quit),
  cmd('select', 2, ['loading', 'stale', 'fast'], [0, 0, 0], [...CONN, 'fast'],
    { ...C, since: '1.0.0', summary: 'Changes the selected database.', complexity: 'O(1)', syntax: 'index' }, select),
  cmd('auth', -2, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], [0, 0, 0], [...CONN, 'fast'],
    { ...C, since: '1.0.0', summary: 'Authenticates the connection.', complexity: 'O(N) where N is the number of passwords defined for the user', syntax: '[username] password' }, auth),
  cmd('hello', -1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], [0, 0, 0], [...CONN, 'fast'],
    { ...C, since: '6.0.0', summary: 'Handshakes with the Redis server.', complexity: 'O(1)', syntax: '[protover [AUTH username password] [SETNAME clientname]]' }, hello),
  cmd('reset', 1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], [0, 0, 0], [...CONN, 'fast'],
    { ...C, since: '6.2.0', summary: 'Resets the connection.', complexity: 'O(1)', syntax: '' }, reset),
];
