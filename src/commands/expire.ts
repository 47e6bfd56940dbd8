/** TTL commands (Redis's expire.c). Relative expiries propagate as PEXPIREAT, past ones as DEL. */
import { ERR_NOT_INTEGER, invalidExpireTime, parseInt64 } from './args.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';

const INT64_MAX = 2n ** 63n - 1n;

type Base = 'relative-s' | 'relative-ms' | 'absolute-s' | 'absolute-ms';

function expireGeneric(ctx: Ctx, argv: string[], base: Base): void {
  const key = argv[1];
  const command = argv[0].toLowerCase();
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  for (let i = 3; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    if (opt === 'NX') nx = true;
    else if (opt === 'XX') xx = true;
    else if (opt === 'GT') gt = true;
    else if (opt === 'LT') lt = true;
    else {
      ctx.error(`ERR Unsupported option ${argv[i]}`);
      return;
    }
  }
  if (nx && (xx || gt || lt)) {
    ctx.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return;
  }
  if (gt && lt) {
    ctx.error('ERR GT and LT options at the same time are not compatible');
    return;
  }
  // Options are validated before the time argument, in Redis's order.
  const raw = parseInt64(argv[2]);
  if (raw === null) {
    ctx.error(ERR_NOT_INTEGER);
    return;
  }
  let when = base === 'relative-s' || base === 'absolute-s' ? raw * 1000n : raw;
  if (when > INT64_MAX || when < -INT64_MAX) {
    ctx.error(invalidExpireTime(command));
    return;
  }
  if (base === 'relative-s' || base === 'relative-ms') when += BigInt(ctx.now);
  if (when > INT64_MAX) {
    ctx.error(invalidExpireTime(command));
    return;
  }
  const db = ctx.db;
  if (!db.has(key, ctx.now)) {
    ctx.out.integer(0);
    return;
  }
  const current = db.getExpire(key);
  const at = Number(when);
  if (nx && current !== undefined) return void ctx.out.integer(0);
  if (xx && current === undefined) return void ctx.out.integer(0);
  // A key without TTL counts as an infinite TTL for GT and LT.
  if (gt && (current === undefined || at <= current)) return void ctx.out.integer(0);
  if (lt && current !== undefined && at >= current) return void ctx.out.integer(0);
  if (at <= ctx.now) {
    db.delete(key);
    ctx.notify('g', 'del', key);
    ctx.propagate(['DEL', key]);
  } else {
    db.setExpire(key, at);
    ctx.notify('g', 'expire', key);
    ctx.propagate(['PEXPIREAT', key, String(at)]);
  }
  ctx.dirty();
  ctx.out.integer(1);
}

/** TTL family: -2 missing key, -1 no TTL, else remaining or absolute time in the unit asked. */
function ttlGeneric(ctx: Ctx, key: string, ms: boolean, absolute: boolean): void {
  if (!ctx.db.has(key, ctx.now)) {
    ctx.out.integer(-2);
    return;
  }
  const at = ctx.db.getExpire(key);
  if (at === undefined) {
    ctx.out.integer(-1);
    return;
  }
  if (absolute) {
    ctx.out.integer(ms ? at : Math.floor(at / 1000));
    return;
  }
  const left = Math.max(0, at - ctx.now);
  ctx.out.integer(ms ? left : Math.floor((left + 500) / 1000));
}

function persist(ctx: Ctx, argv: string[]): void {
  if (!ctx.db.has(argv[1], ctx.now) || !ctx.db.persist(argv[1])) {
    ctx.out.integer(0);
    return;
  }
  ctx.notify('g', 'persist', argv[1]);
  ctx.dirty();
  ctx.out.integer(1);
}

const G = { group: 'generic' } as const;
const WF = ['write', 'fast'] as const;
const RF = ['readonly', 'fast'] as const;
const C = 'O(1)';

export const expireCommands: CommandSpec[] = [
  cmd('expire', -3, WF, [1, 1, 1], ['keyspace', 'write', 'fast'],
    { ...G, since: '1.0.0', summary: 'Sets the expiration time of a key in seconds.', complexity: C, syntax: 'key seconds [NX | XX | GT | LT]' },
    (ctx, argv) => expireGeneric(ctx, argv, 'relative-s')),
  cmd('pexpire', -3, WF, [1, 1, 1], ['keyspace', 'write', 'fast'],
    { ...G, since: '2.6.0', summary: 'Sets the expiration time of a key in milliseconds.', complexity: C, syntax: 'key milliseconds [NX | XX | GT | LT]' },
    (ctx, argv) => expireGeneric(ctx, argv, 'relative-ms')),
  cmd('expireat', -3, WF, [1, 1, 1], ['keyspace', 'write', 'fast'],
    { ...G, since: '1.2.0', summary: 'Sets the expiration time of a key to a Unix timestamp.', complexity: C, syntax: 'key unix-time-seconds [NX | XX | GT | LT]' },
    (ctx, argv) => expireGeneric(ctx, argv, 'absolute-s')),
  cmd('pexpireat', -3, WF, [1, 1, 1], ['keyspace', 'write', 'fast'],
    { ...G, since: '2.6.0', summary: 'Sets the expiration time of a key to a Unix milliseconds timestamp.', complexity: C, syntax: 'key unix-time-milliseconds [NX | XX | GT | LT]' },
    (ctx, argv) => expireGeneric(ctx, argv, 'absolute-ms')),
  cmd('ttl', 2, RF, [1, 1, 1], ['keyspace', 'read', 'fast'],
    { ...G, since: '1.0.0', summary: 'Returns the expiration time in seconds of a key.', complexity: C, syntax: 'key' },
    (ctx, argv) => ttlGeneric(ctx, argv[1], false, false)),
  cmd('pttl', 2, RF, [1, 1, 1], ['keyspace', 'read', 'fast'],
    { ...G, since: '2.6.0', summary: 'Returns the expiration time in milliseconds of a key.', complexity: C, syntax: 'key' },
    (ctx, argv) => ttlGeneric(ctx, argv[1], true, false)),
  cmd('expiretime', 2, RF, [1, 1, 1], ['keyspace', 'read', 'fast'],
    { ...G, since: '7.0.0', summary: 'Returns the expiration time of a key as a Unix timestamp.', complexity: C, syntax: 'key' },
    (ctx, argv) => ttlGeneric(ctx, argv[1], false, true)),
  cmd('pexpiretime', 2, RF, [1, 1, 1], ['keyspace', 'read', 'fast'],
    { ...G, since: '7.0.0', summary: 'Returns the expiration time of a key as a Unix milliseconds timestamp.', complexity: C, syntax: 'key' },
    (ctx, argv) => ttlGeneric(ctx, argv[1], true, true)),
  cmd('persist', 2, WF, [1, 1, 1], ['keyspace', 'write', 'fast'],
    { ...G, since: '2.2.0', summary: 'Removes the expiration time of a key.', complexity: C, syntax: 'key' }, persist),
];
