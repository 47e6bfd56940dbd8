/** CLIENT subcommands. */
import type { Client } from '../server/client.js';
import { ERR_SYNTAX, parseSafeInt } from './args.js';
import { helpReply } from './keys.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';

/** Client names and library names: printable ASCII without spaces, as Redis requires. */
export function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

const ERR_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

/** One CLIENT LIST line, with Redis 7's fields. */
export function describeClient(ctx: Ctx, c: Client): string {
  const now = ctx.now;
  let flags = '';
  if (c.monitor) flags += 'O';
  if (c.subscriptions > 0) flags += 'P';
  if (c.blocked !== null) flags += 'b';
  if (c.multi !== null) flags += 'x';
  if (c.watchDirty) flags += 'd';
  if (c.closeAfterReply) flags += 'c';
  if (c.noEvict) flags += 'e';
  if (c.noTouch) flags += 'T';
  if (flags === '') flags = 'N';
  const subs = ctx.server.pubsub.countsOf(c);
  const qbuf = c.parser.pendingBytes;
  const omem = c.outputBytes;
  return `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=-1 name=${c.name} age=${Math.floor((now - c.createdAtMs) / 1000)} ` +
    `idle=${Math.floor((now - c.lastInteractionMs) / 1000)} flags=${flags} db=${c.db} sub=${subs.channels} psub=${subs.patterns} ssub=${subs.shardChannels} multi=${c.multi === null ? -1 : c.multi.queue.length} ` +
    `qbuf=${qbuf} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=${omem} tot-mem=${qbuf + omem} ` +
    `events=r cmd=${c.lastCommand} user=${c.user} redir=-1 resp=${c.resp} lib-name=${c.libName} lib-ver=${c.libVer}`;
}

function list(ctx: Ctx, argv: string[]): void {
  let clients = [...ctx.server.clients.values()];
  for (let i = 2; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    if (opt === 'TYPE' && i + 1 < argv.length) {
      const t = argv[++i].toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) {
        ctx.error(`ERR Unknown client type '${argv[i]}'`);
        return;
      }
      // MONITOR clients count as normal (flag O), as in Redis; there are no replicas or subscribers yet.
      clients = clients.filter((c) => clientType(c) === t);
    } else if (opt === 'ID' && i + 1 < argv.length) {
      const ids = new Set<number>();
      for (i++; i < argv.length; i++) {
        const id = parseSafeInt(argv[i]);
        if (id === null || id <= 0) {
          ctx.error('ERR Invalid client ID');
          return;
        }
        ids.add(id);
      }
      clients = clients.filter((c) => ids.has(c.id));
    } else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  let text = '';
  for (const c of clients) text += `${describeClient(ctx, c)}\n`;
  ctx.out.verbatim(text);
}

function kill(ctx: Ctx, argv: string[]): void {
  const server = ctx.server;
  if (argv.length === 3) {
    // Old form: CLIENT KILL addr:port, replies OK or an error.
    const target = [...server.clients.values()].find((c) => c.addr === argv[2]);
    if (target === undefined) {
      ctx.error('ERR No such client');
      return;
    }
    killOne(ctx, target);
    ctx.out.ok();
    return;
  }
  if (argv.length % 2 !== 0) {
    ctx.error(ERR_SYNTAX);
    return;
  }
  let id: number | null = null;
  let addr: string | null = null;
  let laddr: string | null = null;
  let user: string | null = null;
  let type: string | null = null;
  let skipMe = true;
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i].toUpperCase();
    const val = argv[i + 1];
    if (opt === 'ID') {
      id = parseSafeInt(val);
      if (id === null || id <= 0) {
        ctx.error('ERR client-id should be greater than 0');
        return;
      }
    } else if (opt === 'ADDR') addr = val;
    else if (opt === 'LADDR') laddr = val;
    else if (opt === 'USER') user = val;
    else if (opt === 'TYPE') {
      type = val.toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(type)) {
        ctx.error(`ERR Unknown client type '${val}'`);
        return;
      }
    } else if (opt === 'SKIPME') {
      const yn = val.toLowerCase();
      if (yn !== 'yes' && yn !== 'no') {
        ctx.error(ERR_SYNTAX);
        return;
      }
      skipMe = yn === 'yes';
    } else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  let killed = 0;
  for (const c of [...server.clients.values()]) {
    if (id !== null && c.id !== id) continue;
    if (addr !== null && c.addr !== addr) continue;
    if (laddr !== null && c.laddr !== laddr) continue;
    if (user !== null && c.user !== user) continue;
    if (type !== null && clientType(c) !== type) continue;
    if (skipMe && c === ctx.client) continue;
    killOne(ctx, c);
    killed++;
  }
  ctx.out.integer(killed);
}

/** Redis's getClientType as CLIENT LIST/KILL TYPE see it: subscribers are 'pubsub'. */
function clientType(c: Client): string {
  return c.subscriptions > 0 ? 'pubsub' : 'normal';
}

function killOne(ctx: Ctx, c: Client): void {
  if (c === ctx.client) c.closeAfterReply = true;
  else ctx.server.closeClient(c, false);
}

/** CLIENT UNBLOCK id [TIMEOUT | ERROR]: 1 when that client was blocked and is now released. */
function unblock(ctx: Ctx, argv: string[]): void {
  const id = parseSafeInt(argv[2]);
  if (id === null) {
    ctx.error('ERR value is not an integer or out of range');
    return;
  }
  let withError = false;
  if (argv.length === 4) {
    const how = argv[3].toUpperCase();
    if (how !== 'TIMEOUT' && how !== 'ERROR') {
      ctx.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
    withError = how === 'ERROR';
  }
  const target = ctx.server.clients.get(id);
  const done = target !== undefined && ctx.server.blocking.unblockByRequest(target, withError);
  ctx.out.integer(done ? 1 : 0);
}

function setname(ctx: Ctx, argv: string[]): void {
  if (!validClientName(argv[2])) {
    ctx.error(ERR_NAME);
    return;
  }
  ctx.client.name = argv[2];
  ctx.out.ok();
}

function setinfo(ctx: Ctx, argv: string[]): void {
  const attr = argv[2].toUpperCase();
  const value = argv[3];
  if (attr !== 'LIB-NAME' && attr !== 'LIB-VER') {
    ctx.error(`ERR Unrecognized option '${argv[2]}'`);
    return;
  }
  if (!validClientName(value)) {
    ctx.error(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
    return;
  }
  if (attr === 'LIB-NAME') ctx.client.libName = value;
  else ctx.client.libVer = value;
  ctx.out.ok();
}

function onOff(field: 'noEvict' | 'noTouch') {
  return (ctx: Ctx, argv: string[]): void => {
    const v = argv[2].toLowerCase();
    if (v !== 'on' && v !== 'off') {
      ctx.error(ERR_SYNTAX);
      return;
    }
    ctx.client[field] = v === 'on';
    ctx.out.ok();
  };
}

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are: ID, TYPE, USER, ADDR, LADDR, SKIPME.',
  'LIST [options ...]',
  '    Return information about client connections. Options: TYPE, ID.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'SETINFO <option> <value>',
  '    Set client meta attr. Options are: LIB-NAME, LIB-VER.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'NO-TOUCH (ON|OFF)',
  '    Will not touch LRU/LFU stats when this mode is on.',
  'HELP',
  '    Print this help.',
];

const C = { group: 'connection' } as const;
const FLAGS = ['noscript', 'loading', 'stale'] as const;

/** CLIENT KILL takes the old `ip:port` form or any number of filters (Redis 7.0's documentation syntax). */
const KILL_FILTER = '[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME yes/no]';
const KILL_SYNTAX = `<ip:port | <${KILL_FILTER} [${KILL_FILTER} ...]>>`;

function sub(
  name: string, arity: number, summary: string, syntax: string, handler: CommandSpec['handler'], extraFlags: CommandSpec['flags'] = [],
): CommandSpec {
  return cmd(`client|${name}`, arity, [...FLAGS, ...extraFlags], [0, 0, 0], ['slow', 'connection'],
    { ...C, since: '2.4.0', summary, complexity: 'O(1)', syntax }, handler);
}

export const clientCommands: CommandSpec[] = [
  cmd('client', -2, [], [0, 0, 0], ['slow'],
    { ...C, since: '2.4.0', summary: 'A container for client connection commands.', complexity: 'Depends on subcommand.', syntax: '' }, undefined, {
      subcommands: [
        sub('id', 2, 'Returns the unique client ID of the connection.', '', (ctx) => ctx.out.integer(ctx.client.id)),
        sub('getname', 2, 'Returns the name of the connection.', '', (ctx) => {
          if (ctx.client.name === '') ctx.out.null();
          else ctx.out.bulk(ctx.client.name);
        }),
        sub('setname', 3, 'Sets the connection name.', 'connection-name', setname),
        sub('setinfo', 4, 'Sets information specific to the client or connection.', '<LIB-NAME libname | LIB-VER libver>', setinfo),
        sub('info', 2, 'Returns information about the connection.', '', (ctx) => ctx.out.verbatim(`${describeClient(ctx, ctx.client)}\n`)),
        sub('list', -2, 'Lists open connections.', '[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]', list, ['admin']),
        sub('kill', -3, 'Terminates open connections.', KILL_SYNTAX, kill, ['admin']),
        sub('no-evict', 3, 'Sets the client eviction mode of the connection.', '<ON | OFF>', onOff('noEvict'), ['admin']),
        sub('no-touch', 3, 'Controls whether commands sent by the client affect the LRU/LFU of accessed keys.', '<ON | OFF>', onOff('noTouch')),
        sub('maint_notifications', -3, 'Accepted for client compatibility: Concord sends no maintenance notifications.', '<ON | OFF> [option value [option value ...]]', (ctx) => ctx.out.ok()),
        sub('unblock', -3, 'Unblocks a client blocked by a blocking command from a different connection.', 'client-id [TIMEOUT | ERROR]', unblock, ['admin']),
        sub('help', 2, 'Returns helpful text about the different subcommands.', '', (ctx) => helpReply(ctx, CLIENT_HELP)),
      ],
    }),
];
