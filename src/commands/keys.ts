/** Generic key commands (Redis's db.c). */
import { cloneValue, typeName } from '../keyspace/database.js';
import { globMatch } from '../keyspace/glob.js';
import {
  ERR_DB_INDEX, ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64, parseSafeInt, parseScanCursor, SCAN_CURSOR_BEYOND,
} from './args.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';

/** SCAN's default and largest COUNT: a bound on the work one call does. */
const SCAN_COUNT_DEFAULT = 10;
const SCAN_COUNT_MAX = 1_000_000;

function del(ctx: Ctx, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    if (ctx.db.has(argv[i], ctx.now) && ctx.db.delete(argv[i])) {
      ctx.notify('g', 'del', argv[i]);
      n++;
    }
  }
  ctx.dirty(n);
  ctx.out.integer(n);
}

function exists(ctx: Ctx, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (ctx.db.has(argv[i], ctx.now)) n++;
  ctx.out.integer(n);
}

function type(ctx: Ctx, argv: string[]): void {
  const v = ctx.db.get(argv[1], ctx.now);
  ctx.out.simple(v === undefined ? 'none' : typeName(v));
}

function renameGeneric(ctx: Ctx, argv: string[], nx: boolean): void {
  const [, src, dst] = argv;
  const db = ctx.db;
  const v = db.get(src, ctx.now);
  if (v === undefined) {
    ctx.error(ERR_NO_SUCH_KEY);
    return;
  }
  if (src === dst) {
    if (nx) ctx.out.integer(0);
    else ctx.out.ok();
    return;
  }
  if (nx && db.has(dst, ctx.now)) {
    ctx.out.integer(0);
    return;
  }
  const ttl = db.getExpire(src);
  db.delete(src);
  db.set(dst, v);
  if (ttl !== undefined) db.setExpire(dst, ttl);
  ctx.notify('g', 'rename_from', src);
  ctx.notify('g', 'rename_to', dst);
  ctx.dirty();
  if (nx) ctx.out.integer(1);
  else ctx.out.ok();
}

/** Parses a database index argument; replies and returns null when invalid. */
function dbIndex(ctx: Ctx, text: string, invalid = ERR_NOT_INTEGER): number | null {
  const n = parseSafeInt(text);
  if (n === null) {
    ctx.error(invalid);
    return null;
  }
  if (n < 0 || n >= ctx.server.keyspace.dbs.length) {
    ctx.error(ERR_DB_INDEX);
    return null;
  }
  return n;
}

function copy(ctx: Ctx, argv: string[]): void {
  const [, src, dst] = argv;
  let target = ctx.db;
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    if (opt === 'REPLACE') replace = true;
    else if (opt === 'DB' && i + 1 < argv.length) {
      const idx = dbIndex(ctx, argv[++i]);
      if (idx === null) return;
      target = ctx.server.keyspace.dbs[idx];
    } else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  if (src === dst && target === ctx.db) {
    ctx.error('ERR source and destination objects are the same');
    return;
  }
  const v = ctx.db.get(src, ctx.now);
  if (v === undefined) {
    ctx.out.integer(0);
    return;
  }
  // The destination db is not the one dispatch announced keys for.
  if (target !== ctx.db) ctx.server.snapshot?.beforeWrite(target, dst);
  if (target.has(dst, ctx.now)) {
    if (!replace) {
      ctx.out.integer(0);
      return;
    }
    target.delete(dst);
  }
  target.set(dst, cloneValue(v));
  const ttl = ctx.db.getExpire(src);
  if (ttl !== undefined) target.setExpire(dst, ttl);
  ctx.server.pubsub.notifyKeyspaceEvent('g', 'copy_to', dst, target.id);
  ctx.dirty();
  ctx.out.integer(1);
}

function move(ctx: Ctx, argv: string[]): void {
  const key = argv[1];
  const idx = dbIndex(ctx, argv[2]);
  if (idx === null) return;
  const target = ctx.server.keyspace.dbs[idx];
  if (target === ctx.db) {
    ctx.error('ERR source and destination objects are the same');
    return;
  }
  const v = ctx.db.get(key, ctx.now);
  ctx.server.snapshot?.beforeWrite(target, key);
  if (v === undefined || target.has(key, ctx.now)) {
    ctx.out.integer(0);
    return;
  }
  const ttl = ctx.db.getExpire(key);
  ctx.db.delete(key);
  target.set(key, v);
  if (ttl !== undefined) target.setExpire(key, ttl);
  ctx.notify('g', 'move_from', key);
  ctx.server.pubsub.notifyKeyspaceEvent('g', 'move_to', key, target.id);
  ctx.dirty();
  ctx.out.integer(1);
}

function keys(ctx: Ctx, argv: string[]): void {
  const pattern = argv[1];
  const all = pattern === '*';
  const db = ctx.db;
  const found: string[] = [];
  for (const key of db.dict.keysArray()) {
    if ((all || globMatch(pattern, key)) && !db.isExpired(key, ctx.now)) found.push(key);
  }
  ctx.out.arrayLen(found.length);
  for (const k of found) ctx.out.bulk(k);
}

function scan(ctx: Ctx, argv: string[]): void {
  const cursor = parseScanCursor(argv[1]);
  if (cursor === null) {
    ctx.error('ERR invalid cursor');
    return;
  }
  let pattern: string | null = null;
  let count = SCAN_COUNT_DEFAULT;
  let typeFilter: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    if (i + 1 >= argv.length) {
      ctx.error(ERR_SYNTAX);
      return;
    }
    if (opt === 'MATCH') {
      pattern = argv[++i];
      if (pattern === '*') pattern = null;
    } else if (opt === 'COUNT') {
      const n = parseSafeInt(argv[++i]);
      if (n === null) {
        ctx.error(ERR_NOT_INTEGER);
        return;
      }
      if (n < 1) {
        ctx.error(ERR_SYNTAX);
        return;
      }
      count = Math.min(n, SCAN_COUNT_MAX);
    } else if (opt === 'TYPE') {
      typeFilter = argv[++i].toLowerCase();
    } else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  const db = ctx.db;
  const found: string[] = [];
  // No cursor this node issued is that large: the scan is over.
  const next = cursor === SCAN_CURSOR_BEYOND ? 0 : ctx.server.keyspace.scanCursors.scan(db.dict, cursor, count, (key) => {
    if (pattern !== null && !globMatch(pattern, key)) return;
    const v = db.get(key, ctx.now);
    if (v === undefined) return;
    if (typeFilter !== null && typeName(v) !== typeFilter) return;
    found.push(key);
  });
  ctx.out.arrayLen(2);
  ctx.out.bulk(String(next));
  ctx.out.arrayLen(found.length);
  for (const k of found) ctx.out.bulk(k);
}


function randomkey(ctx: Ctx): void {
  const key = ctx.server.keyspace.randomKey(ctx.db, ctx.now, () => ctx.random());
  ctx.out.bulkOrNull(key);
}

function flushArgs(ctx: Ctx, argv: string[]): boolean {
  if (argv.length > 2 || (argv.length === 2 && !/^(a?sync)$/i.test(argv[1]))) {
    ctx.error(ERR_SYNTAX);
    return false;
  }
  return true;
}

function flushdb(ctx: Ctx, argv: string[]): void {
  if (!flushArgs(ctx, argv)) return;
  const n = ctx.db.size;
  ctx.db.clear();
  ctx.server.tablesReplaced();
  ctx.dirty(Math.max(1, n));
  ctx.out.ok();
}

function flushall(ctx: Ctx, argv: string[]): void {
  if (!flushArgs(ctx, argv)) return;
  let n = 0;
  for (const db of ctx.server.keyspace.dbs) {
    n += db.size;
    db.clear();
  }
  ctx.server.tablesReplaced();
  ctx.dirty(Math.max(1, n));
  ctx.out.ok();
}

function swapdb(ctx: Ctx, argv: string[]): void {
  const a = parseSafeInt(argv[1]);
  if (a === null) return void ctx.error('ERR invalid first DB index');
  const b = parseSafeInt(argv[2]);
  if (b === null) return void ctx.error('ERR invalid second DB index');
  const count = ctx.server.keyspace.dbs.length;
  if (a < 0 || a >= count || b < 0 || b >= count) return void ctx.error(ERR_DB_INDEX);
  if (a !== b) {
    const dbs = ctx.server.keyspace.dbs;
    dbs[a].swapWith(dbs[b]);
    // Clients watching keys in either db see the swap as a change, as in Redis.
    ctx.server.watches.touchedAll([dbs[a], dbs[b]], ctx.now);
    // Clients blocked in either db may now find data.
    ctx.server.blocking.blockedKeysReady(dbs[a]);
    ctx.server.blocking.blockedKeysReady(dbs[b]);
    ctx.server.tablesReplaced();
  }
  ctx.dirty();
  ctx.out.ok();
}

/** Redis shares the objects for integers 0..9999; OBJECT REFCOUNT shows them as INT_MAX. */
const SHARED_INTEGERS = 10000;
const SHARED_REFCOUNT = 2147483647;
/** Redis stores strings up to this length in one allocation with the object (embstr). */
const EMBSTR_BYTES_MAX = 44;

export function stringEncoding(v: string): string {
  if (v.length <= 20 && parseInt64(v) !== null) return 'int';
  return v.length <= EMBSTR_BYTES_MAX ? 'embstr' : 'raw';
}

function objectSub(sub: 'encoding' | 'refcount' | 'idletime' | 'freq') {
  return (ctx: Ctx, argv: string[]): void => {
    const v = ctx.db.get(argv[2], ctx.now);
    if (v === undefined) {
      ctx.out.null();
      return;
    }
    const policy = ctx.server.config.getString('maxmemory-policy');
    switch (sub) {
      case 'encoding':
        ctx.out.bulk(typeof v === 'string' ? stringEncoding(v) : encodingOf(v));
        return;
      case 'refcount': {
        const n = typeof v === 'string' ? parseSafeInt(v) : null;
        ctx.out.integer(n !== null && n >= 0 && n < SHARED_INTEGERS && !policy.endsWith('lfu') && !policy.endsWith('lru') ? SHARED_REFCOUNT : 1);
        return;
      }
      case 'idletime':
        if (policy.endsWith('lfu')) {
          ctx.error('ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
        } else {
          ctx.error('ERR Concord does not track per-key access time; OBJECT IDLETIME is not available');
        }
        return;
      case 'freq':
        ctx.error('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
        return;
    }
  };
}

function encodingOf(v: { type: string; encoding?: () => string }): string {
  return v.encoding?.() ?? 'raw';
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Print this help.',
];

export function helpReply(ctx: Ctx, lines: readonly string[]): void {
  ctx.out.arrayLen(lines.length);
  for (const l of lines) ctx.out.simple(l);
}

const G = { group: 'generic' } as const;

export const keyCommands: CommandSpec[] = [
  cmd('del', -2, ['write'], [1, -1, 1], ['keyspace', 'write', 'slow'],
    { ...G, since: '1.0.0', summary: 'Deletes one or more keys.', complexity: 'O(N) where N is the number of keys that will be removed.', syntax: 'key [key ...]' }, del),
  cmd('unlink', -2, ['write', 'fast'], [1, -1, 1], ['keyspace', 'write', 'fast'],
    { ...G, since: '4.0.0', summary: 'Asynchronously deletes one or more keys.', complexity: 'O(1) for each key removed regardless of its size.', syntax: 'key [key ...]' }, del),
  cmd('exists', -2, ['readonly', 'fast'], [1, -1, 1], ['keyspace', 'read', 'fast'],
    { ...G, since: '1.0.0', summary: 'Determines whether one or more keys exist.', complexity: 'O(N) where N is the number of keys to check.', syntax: 'key [key ...]' }, exists),
  cmd('type', 2, ['readonly', 'fast'], [1, 1, 1], ['keyspace', 'read', 'fast'],
    { ...G, since: '1.0.0', summary: 'Determines the type of value stored at a key.', complexity: 'O(1)', syntax: 'key' }, type),
  cmd('rename', 3, ['write'], [1, 2, 1], ['keyspace', 'write', 'slow'],
    { ...G, since: '1.0.0', summary: 'Renames a key and overwrites the destination.', complexity: 'O(1)', syntax: 'key newkey' }, (ctx, argv) => renameGeneric(ctx, argv, false)),
  cmd('renamenx', 3, ['write', 'fast'], [1, 2, 1], ['keyspace', 'write', 'fast'],
    { ...G, since: '1.0.0', summary: 'Renames a key only when the target key name doesn\'t exist.', complexity: 'O(1)', syntax: 'key newkey' }, (ctx, argv) => renameGeneric(ctx, argv, true)),
  cmd('copy', -3, ['write', 'denyoom'], [1, 2, 1], ['keyspace', 'write', 'slow'],
    { ...G, since: '6.2.0', summary: 'Copies the value of a key to a new key.', complexity: 'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.', syntax: 'source destination [DB destination-db] [REPLACE]' }, copy),
  cmd('move', 3, ['write', 'fast'], [1, 1, 1], ['keyspace', 'write', 'fast'],
    { ...G, since: '1.0.0', summary: 'Moves a key to another database.', complexity: 'O(1)', syntax: 'key db' }, move),
  cmd('touch', -2, ['readonly', 'fast'], [1, -1, 1], ['keyspace', 'read', 'fast'],
    { ...G, since: '3.2.1', summary: 'Returns the number of existing keys out of those specified after updating the time they were last accessed.', complexity: 'O(N) where N is the number of keys that will be touched.', syntax: 'key [key ...]' }, exists),
  cmd('keys', 2, ['readonly'], [0, 0, 0], ['keyspace', 'read', 'slow', 'dangerous'],
    { ...G, since: '1.0.0', summary: 'Returns all key names that match a pattern.', complexity: 'O(N) with N being the number of keys in the database', syntax: 'pattern' }, keys),
  cmd('scan', -2, ['readonly'], [0, 0, 0], ['keyspace', 'read', 'slow'],
    { ...G, since: '2.8.0', summary: 'Iterates over the key names in the database.', complexity: 'O(1) for every call. O(N) for a complete iteration.', syntax: 'cursor [MATCH pattern] [COUNT count] [TYPE type]' }, scan),
  cmd('randomkey', 1, ['readonly'], [0, 0, 0], ['keyspace', 'read', 'slow'],
    { ...G, since: '1.0.0', summary: 'Returns a random key name from the database.', complexity: 'O(1)', syntax: '' }, randomkey),
  cmd('dbsize', 1, ['readonly', 'fast'], [0, 0, 0], ['keyspace', 'read', 'fast'],
    { group: 'server', since: '1.0.0', summary: 'Returns the number of keys in the database.', complexity: 'O(1)', syntax: '' },
    (ctx) => ctx.out.integer(ctx.db.size)),
  cmd('flushdb', -1, ['write'], [0, 0, 0], ['keyspace', 'write', 'slow', 'dangerous'],
    { group: 'server', since: '1.0.0', summary: 'Remove all keys from the current database.', complexity: 'O(N) where N is the number of keys in the selected database', syntax: '[ASYNC | SYNC]' }, flushdb),
  cmd('flushall', -1, ['write'], [0, 0, 0], ['keyspace', 'write', 'slow', 'dangerous'],
    { group: 'server', since: '1.0.0', summary: 'Removes all keys from all databases.', complexity: 'O(N) where N is the total number of keys in all databases', syntax: '[ASYNC | SYNC]' }, flushall),
  cmd('swapdb', 3, ['write', 'fast'], [0, 0, 0], ['keyspace', 'write', 'fast', 'dangerous'],
    { group: 'server', since: '4.0.0', summary: 'Swaps two Redis databases.', complexity: 'O(N) where N is the count of clients watching or blocking on keys from both databases.', syntax: 'index1 index2' }, swapdb),
  cmd('object', -2, [], [0, 0, 0], ['slow'],
    { ...G, since: '2.2.3', summary: 'A container for object introspection commands.', complexity: 'Depends on subcommand.', syntax: '' }, undefined, {
      subcommands: [
        cmd('object|encoding', 3, ['readonly'], [2, 2, 1], ['keyspace', 'read', 'slow'],
          { ...G, since: '2.2.3', summary: 'Returns the internal encoding of a Redis object.', complexity: 'O(1)', syntax: 'key' }, objectSub('encoding')),
        cmd('object|freq', 3, ['readonly'], [2, 2, 1], ['keyspace', 'read', 'slow'],
          { ...G, since: '4.0.0', summary: 'Returns the logarithmic access frequency counter of a Redis object.', complexity: 'O(1)', syntax: 'key' }, objectSub('freq')),
        cmd('object|idletime', 3, ['readonly'], [2, 2, 1], ['keyspace', 'read', 'slow'],
          { ...G, since: '2.2.3', summary: 'Returns the time since the last access to a Redis object.', complexity: 'O(1)', syntax: 'key' }, objectSub('idletime')),
        cmd('object|refcount', 3, ['readonly'], [2, 2, 1], ['keyspace', 'read', 'slow'],
          { ...G, since: '2.2.3', summary: 'Returns the reference count of a value of a key.', complexity: 'O(1)', syntax: 'key' }, objectSub('refcount')),
        cmd('object|help', 2, ['loading', 'stale'], [0, 0, 0], ['keyspace', 'slow'],
          { ...G, since: '6.2.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)', syntax: '' }, (ctx) => helpReply(ctx, OBJECT_HELP)),
      ],
    }),
];
