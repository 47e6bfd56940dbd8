/** MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis's multi.c). Queueing itself happens in dispatch. */
import { cmd, type CommandSpec, type Ctx } from './spec.js';

function multi(ctx: Ctx): void {
  if (ctx.client.multi !== null) {
    ctx.error('ERR MULTI calls can not be nested');
    return;
  }
  ctx.client.multi = { queue: [], failed: false };
  ctx.out.ok();
}

function exec(ctx: Ctx): void {
  const client = ctx.client;
  const server = ctx.server;
  const m = client.multi;
  if (m === null) {
    ctx.error('ERR EXEC without MULTI');
    return;
  }
  client.multi = null;
  if (m.failed) {
    server.watches.unwatchAll(client);
    ctx.error('EXECABORT Transaction discarded because of previous errors.');
    return;
  }
  if (server.watches.failed(client, ctx.now)) {
    server.watches.unwatchAll(client);
    ctx.out.nullArray();
    return;
  }
  server.watches.unwatchAll(client);
  ctx.out.arrayLen(m.queue.length);
  server.runTransaction(client, m.queue);
}

function discard(ctx: Ctx): void {
  if (ctx.client.multi === null) {
    ctx.error('ERR DISCARD without MULTI');
    return;
  }
  ctx.client.multi = null;
  ctx.server.watches.unwatchAll(ctx.client);
  ctx.out.ok();
}

function watch(ctx: Ctx, argv: string[]): void {
  if (ctx.client.multi !== null) {
    ctx.error('ERR WATCH inside MULTI is not allowed');
    return;
  }
  for (let i = 1; i < argv.length; i++) {
    if (!ctx.server.watches.watch(ctx.client, ctx.db, argv[i], ctx.now)) {
      ctx.error('ERR too many watched keys');
      return;
    }
  }
  ctx.out.ok();
}

function unwatch(ctx: Ctx): void {
  ctx.server.watches.unwatchAll(ctx.client);
  ctx.out.ok();
}

const T = { group: 'transactions' } as const;
const F = ['noscript', 'loading', 'stale', 'fast', 'allow_busy'] as const;

export const transactionCommands: CommandSpec[] = [
  cmd('multi', 1, F, [0, 0, 0], ['fast', 'transaction'],
    { ...T, since: '1.2.0', summary: 'Starts a transaction.', complexity: 'O(1)' }, multi),
  cmd('exec', 1, ['noscript', 'loading', 'stale', 'skip_slowlog'], [0, 0, 0], ['slow', 'transaction'],
    { ...T, since: '1.2.0', summary: 'Executes all commands in a transaction.', complexity: 'Depends on commands in the transaction' }, exec),
  cmd('discard', 1, F, [0, 0, 0], ['fast', 'transaction'],
    { ...T, since: '2.0.0', summary: 'Discards a transaction.', complexity: 'O(N), when N is the number of queued commands' }, discard),
  cmd('watch', -2, F, [1, -1, 1], ['fast', 'transaction'],
    { ...T, since: '2.2.0', summary: 'Monitors changes to keys to determine the execution of a transaction.', complexity: 'O(1) for every key.', syntax: 'key [key ...]' }, watch),
  cmd('unwatch', 1, F, [0, 0, 0], ['fast', 'transaction'],
    { ...T, since: '2.2.0', summary: 'Forgets about watched keys of a transaction.', complexity: 'O(1)' }, unwatch),
];
