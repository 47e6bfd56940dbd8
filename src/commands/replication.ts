/** Replication commands: REPLCONF, PSYNC, SYNC, WAIT, ROLE, REPLICAOF (SLAVEOF). */
import { ERR_NOT_INTEGER, parseSafeInt } from './args.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';

const S = { group: 'server' } as const;

function replconf(ctx: Ctx, argv: string[]): void {
  const r = ctx.server.replication.replconf(ctx.client, argv);
  if ('err' in r) ctx.error(r.err);
  else if ('ok' in r) ctx.out.ok();
}

function psync(ctx: Ctx, argv: string[]): void {
  ctx.server.replication.psync(ctx.client, argv, argv[0].toLowerCase() === 'sync');
}

function replicaof(ctx: Ctx, argv: string[]): void {
  const server = ctx.server;
  if (argv[1].toLowerCase() === 'no' && argv[2].toLowerCase() === 'one') {
    server.promote();
    ctx.out.ok();
    return;
  }
  const port = parseSafeInt(argv[2]);
  if (port === null || port < 0 || port > 65535) {
    ctx.error('ERR Invalid master port');
    return;
  }
  const f = server.follower;
  if (f !== null && f.host.toLowerCase() === argv[1].toLowerCase() && f.port === port) {
    ctx.out.simple('OK Already connected to specified master');
    return;
  }
  server.replicaOf(argv[1], port);
  ctx.out.ok();
}

function failover(ctx: Ctx, argv: string[]): void {
  const err = ctx.server.replication.startFailover(argv);
  if (err !== null) ctx.error(err);
  else ctx.out.ok();
}

function wait(ctx: Ctx, argv: string[]): void {
  if (ctx.server.follower !== null) {
    ctx.error('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
    return;
  }
  const replicas = parseSafeInt(argv[1]);
  const timeout = parseSafeInt(argv[2]);
  if (replicas === null || timeout === null) {
    ctx.error(ERR_NOT_INTEGER);
    return;
  }
  if (timeout < 0) {
    ctx.error('ERR timeout is negative');
    return;
  }
  const now = ctx.server.replication.wait(ctx.client, replicas, timeout);
  if (now !== null) ctx.out.integer(now);
}

function role(ctx: Ctx): void {
  const out = ctx.out;
  const f = ctx.server.follower;
  if (f !== null) {
    out.arrayLen(5);
    out.bulk('slave');
    out.bulk(f.host);
    out.integer(f.port);
    out.bulk(f.roleState());
    out.integer(f.offset);
    return;
  }
  const [name, offset, replicas] = ctx.server.replication.roleReply();
  out.arrayLen(3);
  out.bulk(name);
  out.integer(offset);
  out.arrayLen(replicas.length);
  for (const [ip, port, acked] of replicas) {
    out.arrayLen(3);
    out.bulk(ip);
    out.bulk(port);
    out.bulk(acked);
  }
}

export const replicationCommands: CommandSpec[] = [
  cmd('replconf', -1, ['admin', 'noscript', 'loading', 'stale', 'allow_busy'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
    { ...S, since: '3.0.0', summary: 'An internal command for configuring the replication stream.', complexity: 'O(1)', syntax: '' }, replconf),
  cmd('psync', -3, ['admin', 'noscript', 'no_async_loading', 'no_multi'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
    { ...S, since: '2.8.0', summary: 'An internal command used in replication.', complexity: '', syntax: 'replicationid offset' }, psync),
  cmd('sync', 1, ['admin', 'noscript', 'no_async_loading', 'no_multi'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
    { ...S, since: '1.0.0', summary: 'An internal command used in replication.', complexity: '', syntax: '' }, psync),
  cmd('wait', 3, ['noscript'], [0, 0, 0], ['slow', 'connection'],
    { group: 'generic', since: '3.0.0', summary: 'Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.', complexity: 'O(1)', syntax: 'numreplicas timeout' }, wait),
  cmd('replicaof', 3, ['admin', 'noscript', 'stale', 'no_async_loading'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
    { ...S, since: '5.0.0', summary: 'Configures a server as replica of another, or promotes it to a master.', complexity: 'O(1)', syntax: 'host port' }, replicaof),
  cmd('slaveof', 3, ['admin', 'noscript', 'stale', 'no_async_loading'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
    { ...S, since: '1.0.0', summary: 'Sets a Redis server as a replica of another, or promotes it to being a master.', complexity: 'O(1)', syntax: 'host port' }, replicaof),
  cmd('failover', -1, ['admin', 'noscript', 'stale'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
    { ...S, since: '6.2.0', summary: 'Starts a coordinated failover from a server to one of its replicas.', complexity: 'O(1)', syntax: '[TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]' }, failover),
  cmd('role', 1, ['noscript', 'loading', 'stale', 'fast'], [0, 0, 0], ['admin', 'fast', 'dangerous'],
    { ...S, since: '2.8.12', summary: 'Returns the replication role.', complexity: 'O(1)', syntax: '' }, role),
];
