/** Snapshot and AOF commands: SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE. */
import { ERR_SYNTAX } from './args.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';

const S = { group: 'server' } as const;

function save(ctx: Ctx): void {
  const err = ctx.server.persistence.save();
  if (err !== null) ctx.error(err);
  else ctx.out.ok();
}

function bgsave(ctx: Ctx, argv: string[]): void {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && argv[1].toLowerCase() === 'schedule') schedule = true;
    else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  const r = ctx.server.persistence.bgsave(schedule);
  if ('err' in r) ctx.error(r.err);
  else ctx.out.simple(r.ok);
}

function bgrewriteaof(ctx: Ctx): void {
  const r = ctx.server.persistence.bgrewriteaof();
  if ('err' in r) ctx.error(r.err);
  else ctx.out.simple(r.ok);
}

export const persistenceCommands: CommandSpec[] = [
  cmd('save', 1, ['admin', 'noscript', 'no_async_loading', 'no_multi'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
    { ...S, since: '1.0.0', summary: 'Synchronously saves the database(s) to disk.', complexity: 'O(N) where N is the total number of keys in all databases', syntax: '' }, save),
  cmd('bgsave', -1, ['admin', 'noscript', 'no_async_loading'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
    { ...S, since: '1.0.0', summary: 'Asynchronously saves the database(s) to disk.', complexity: 'O(1)', syntax: '[SCHEDULE]' }, bgsave),
  cmd('bgrewriteaof', 1, ['admin', 'noscript', 'no_async_loading'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
    { ...S, since: '1.0.0', summary: 'Asynchronously rewrites the append-only file to disk.', complexity: 'O(1)', syntax: '' }, bgrewriteaof),
  cmd('lastsave', 1, ['loading', 'stale', 'fast'], [0, 0, 0], ['fast', 'dangerous'],
    { ...S, since: '1.0.0', summary: 'Returns the Unix timestamp of the last successful save to disk.', complexity: 'O(1)', syntax: '' },
    (ctx) => ctx.out.integer(Math.floor(ctx.server.persistence.lastSaveMs / 1000))),
];
