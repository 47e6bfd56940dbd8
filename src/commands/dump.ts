/** DUMP and RESTORE: values serialized with the RDB codec, compatible with Redis's payloads. */
import { encodeDumpPayload } from '../persistence/rdb-writer.js';
import { decodeDumpPayload, DumpPayloadError } from '../persistence/rdb-reader.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';

/** Redis 7.0 restores payloads up to RDB version 10 and refuses newer ones, as we do. */
const DUMP_VERSION_MAX = 10;

function dump(ctx: Ctx, argv: string[]): void {
  const v = ctx.db.get(argv[1], ctx.now);
  if (v === undefined) {
    ctx.out.null();
    return;
  }
  const payload = encodeDumpPayload(v);
  ctx.out.bulk(payload.latin1Slice(0, payload.length));
}

function restore(ctx: Ctx, argv: string[]): void {
  const key = argv[1];
  let replace = false;
  let absTtl = false;
  let idle = false;
  let freq = false;
  // Options first, in Redis's order; IDLETIME and FREQ are validated (no LRU/LFU data is kept).
  for (let i = 4; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    const hasValue = i + 1 < argv.length;
    if (opt === 'REPLACE') replace = true;
    else if (opt === 'ABSTTL') absTtl = true;
    else if (opt === 'IDLETIME' && hasValue && !freq) {
      const n = parseInt64(argv[++i]);
      if (n === null) return void ctx.error(ERR_NOT_INTEGER);
      if (n < 0n) return void ctx.error('ERR Invalid IDLETIME value, must be >= 0');
      idle = true;
    } else if (opt === 'FREQ' && hasValue && !idle) {
      const n = parseInt64(argv[++i]);
      if (n === null) return void ctx.error(ERR_NOT_INTEGER);
      if (n < 0n || n > 255n) return void ctx.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = true;
    } else {
      return void ctx.error(ERR_SYNTAX);
    }
  }
  const db = ctx.db;
  if (!replace && db.has(key, ctx.now)) return void ctx.error('BUSYKEY Target key name already exists.');
  const ttlArg = parseInt64(argv[2]);
  if (ttlArg === null) return void ctx.error(ERR_NOT_INTEGER);
  if (ttlArg < 0n) return void ctx.error('ERR Invalid TTL value, must be >= 0');
  let value;
  try {
    value = decodeDumpPayload(Buffer.from(argv[3], 'latin1'), { versionMax: DUMP_VERSION_MAX });
  } catch (err) {
    if (err instanceof DumpPayloadError) return void ctx.error(err.message);
    throw err;
  }
  const deleted = replace && db.has(key, ctx.now) && db.delete(key);
  let at = Number(ttlArg);
  if (at !== 0 && !absTtl) at += ctx.now;
  if (at !== 0 && at <= ctx.now) {
    // Already expired: nothing is created, and a replaced key is just deleted.
    if (deleted) {
      ctx.notify('g', 'del', key);
      ctx.propagate(['DEL', key]);
      ctx.dirty();
    }
    ctx.out.ok();
    return;
  }
  db.set(key, value);
  if (at !== 0) db.setExpire(key, at);
  ctx.notify('g', 'restore', key);
  ctx.dirty();
  // A relative TTL leaves as an absolute one, so a replica restores the same expiry.
  if (at !== 0 && !absTtl) {
    const effect = [...argv];
    effect[2] = String(at);
    effect.push('ABSTTL');
    ctx.propagate(effect);
  }
  ctx.out.ok();
}

const G = { group: 'generic' } as const;

export const dumpCommands: CommandSpec[] = [
  cmd('dump', 2, ['readonly'], [1, 1, 1], ['keyspace', 'read', 'slow'],
    { ...G, since: '2.6.0', summary: 'Returns a serialized representation of the value stored at a key.', complexity: 'O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size.', syntax: 'key' }, dump),
  cmd('restore', -4, ['write', 'denyoom'], [1, 1, 1], ['keyspace', 'write', 'slow', 'dangerous'],
    { ...G, since: '2.6.0', summary: 'Creates a key from the serialized representation of a value.', complexity: 'O(1) to create the new key and additional O(N*M) to reconstruct the serialized value.', syntax: 'key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]' }, restore),
];
