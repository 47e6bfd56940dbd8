/** Server administration: CONFIG, TIME, SHUTDOWN, DEBUG, MONITOR, SLOWLOG, LATENCY, MEMORY. */
import { ConfigError, findParam } from '../server/config.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseSafeInt } from './args.js';
import { helpReply } from './keys.js';
import { cmd, type CommandSpec, type Ctx } from './spec.js';
import { stringEncoding } from './keys.js';

function configGet(ctx: Ctx, argv: string[]): void {
  const pairs = ctx.server.config.match(argv.slice(2));
  ctx.out.mapLen(pairs.length);
  for (const [k, v] of pairs) {
    ctx.out.bulk(k);
    ctx.out.bulk(v);
  }
}

function configSet(ctx: Ctx, argv: string[]): void {
  if (argv.length % 2 !== 0) {
    ctx.error(ERR_SYNTAX);
    return;
  }
  const seen = new Set<string>();
  for (let i = 2; i < argv.length; i += 2) {
    const p = findParam(argv[i]);
    if (p === undefined) {
      ctx.error(`ERR Unknown option or number of arguments for CONFIG SET - '${argv[i]}'`);
      return;
    }
    if (seen.has(p.name)) {
      ctx.error(`ERR CONFIG SET failed (possibly related to argument '${argv[i]}') - duplicate parameter`);
      return;
    }
    seen.add(p.name);
  }
  // Validate all before applying any, so a failing CONFIG SET changes nothing.
  const config = ctx.server.config;
  const previous: Array<[string, string]> = [];
  for (let i = 2; i < argv.length; i += 2) {
    const name = findParam(argv[i])!.name;
    const before = config.formatByName(name);
    try {
      config.setFromClient(name, argv[i + 1]);
      previous.push([name, before]);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const [n, v] of previous.reverse()) config.setFromClient(n, v);
      ctx.error(`ERR CONFIG SET failed (possibly related to argument '${argv[i]}') - ${err.message}`);
      return;
    }
  }
  ctx.out.ok();
}

function configResetstat(ctx: Ctx): void {
  ctx.server.stats.reset();
  ctx.server.keyspace.stats.hits = 0;
  ctx.server.keyspace.stats.misses = 0;
  ctx.server.keyspace.stats.expiredKeys = 0;
  ctx.server.slowlog.reset();
  ctx.out.ok();
}

function time(ctx: Ctx): void {
  const ms = ctx.server.clock.now();
  const usec = Math.floor(ctx.server.clock.monotonic() * 1000) % 1000;
  ctx.out.arrayLen(2);
  ctx.out.bulk(String(Math.floor(ms / 1000)));
  ctx.out.bulk(String((ms % 1000) * 1000 + usec));
}

function shutdown(ctx: Ctx, argv: string[]): void {
  let save: boolean | null = null;
  for (let i = 1; i < argv.length; i++) {
    const opt = argv[i].toUpperCase();
    if (opt === 'NOSAVE') save = false;
    else if (opt === 'SAVE') save = true;
    else if (opt === 'NOW' || opt === 'FORCE') continue;
    else if (opt === 'ABORT') {
      ctx.error('ERR No shutdown in progress.');
      return;
    } else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  const server = ctx.server;
  server.log.log('warning', 'User requested shutdown...');
  if (!server.persistence.shutdown(save)) {
    ctx.error('ERR Errors trying to SHUTDOWN. Check logs.');
    return;
  }
  setImmediate(() => {
    void server.close().then(() => {
      server.log.log('warning', 'Concord is now ready to exit, bye bye...');
      server.onShutdown();
    });
  });
  // Redis replies nothing on success: the connection just closes.
  ctx.client.closeAfterReply = true;
}

function debug(ctx: Ctx, argv: string[]): void {
  const sub = argv[1].toLowerCase();
  switch (sub) {
    case 'sleep': {
      const secs = Number(argv[2] ?? '0');
      if (!Number.isFinite(secs) || secs < 0) {
        ctx.error(ERR_NOT_INTEGER);
        return;
      }
      // DEBUG SLEEP blocks the server on purpose (Redis's tests use it to simulate a slow command).
      const until = ctx.server.clock.monotonic() + secs * 1000;
      while (ctx.server.clock.monotonic() < until) { /* busy wait */ }
      ctx.out.ok();
      return;
    }
    case 'set-active-expire': {
      const n = parseSafeInt(argv[2] ?? '');
      if (n === null) {
        ctx.error(ERR_NOT_INTEGER);
        return;
      }
      ctx.server.activeExpireEnabled = n !== 0;
      ctx.out.ok();
      return;
    }
    case 'object': {
      const v = ctx.db.get(argv[2] ?? '', ctx.now);
      if (v === undefined) {
        ctx.error('ERR no such key');
        return;
      }
      const enc = typeof v === 'string' ? stringEncoding(v) : v.type;
      const len = typeof v === 'string' ? v.length : 0;
      ctx.out.simple(`Value at:0x0 refcount:1 encoding:${enc} serializedlength:${len} lru:0 lru_seconds_idle:0`);
      return;
    }
    case 'help':
      helpReply(ctx, [
        'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'OBJECT <key>', '    Show low level info about the key and associated value.',
        'SET-ACTIVE-EXPIRE <0|1>', '    Setting it to 0 disables expiring keys in background when they are not accessed.',
        'SLEEP <seconds>', '    Stop the server for <seconds>. Decimals allowed.',
        'HELP', '    Print this help.',
      ]);
      return;
    default:
      ctx.error(`ERR unknown subcommand '${argv[1]}'. Try DEBUG HELP.`);
  }
}

function monitor(ctx: Ctx): void {
  ctx.client.monitor = true;
  ctx.server.monitors.add(ctx.client);
  ctx.out.ok();
}

function slowlogGet(ctx: Ctx, argv: string[]): void {
  let count = 10;
  if (argv.length === 3) {
    const n = parseSafeInt(argv[2]);
    if (n === null || n < -1) {
      ctx.error('ERR count should be greater than or equal to -1');
      return;
    }
    count = n === -1 ? Infinity : n;
  }
  const entries = ctx.server.slowlog.entries.slice(0, count);
  const out = ctx.out;
  out.arrayLen(entries.length);
  for (const e of entries) {
    out.arrayLen(6);
    out.integer(e.id);
    out.integer(e.timeSec);
    out.integer(e.durationUs);
    out.arrayLen(e.argv.length);
    for (const a of e.argv) out.bulk(a);
    out.bulk(e.addr);
    out.bulk(e.name);
  }
}

function latencyLatest(ctx: Ctx): void {
  const events = [...ctx.server.latency.events];
  ctx.out.arrayLen(events.length);
  for (const [name, e] of events) {
    const last = e.history[e.history.length - 1];
    ctx.out.arrayLen(4);
    ctx.out.bulk(name);
    ctx.out.integer(last.timeSec);
    ctx.out.integer(last.ms);
    ctx.out.integer(e.maxMs);
  }
}

function latencyHistory(ctx: Ctx, argv: string[]): void {
  const e = ctx.server.latency.events.get(argv[2]);
  const history = e?.history ?? [];
  ctx.out.arrayLen(history.length);
  for (const s of history) {
    ctx.out.arrayLen(2);
    ctx.out.integer(s.timeSec);
    ctx.out.integer(s.ms);
  }
}

/** MEMORY USAGE: an estimate of the bytes a key costs in V8's heap (string headers, map entry). */
export const MAP_ENTRY_BYTES = 40;
const STRING_HEADER_BYTES = 16;

/** Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES: elements MEMORY USAGE looks at without SAMPLES. */
const MEMORY_USAGE_SAMPLES_DEFAULT = 5;

function memoryUsage(ctx: Ctx, argv: string[]): void {
  let samples = MEMORY_USAGE_SAMPLES_DEFAULT;
  for (let i = 3; i < argv.length; i += 2) {
    if (argv[i].toUpperCase() !== 'SAMPLES' || i + 1 >= argv.length) {
      ctx.error(ERR_SYNTAX);
      return;
    }
    const n = parseSafeInt(argv[i + 1]);
    if (n === null) {
      ctx.error(ERR_NOT_INTEGER);
      return;
    }
    if (n < 0) {
      ctx.error(ERR_SYNTAX);
      return;
    }
    samples = n;
  }
  const key = argv[2];
  const v = ctx.db.get(key, ctx.now);
  if (v === undefined) {
    ctx.out.null();
    return;
  }
  const keyBytes = STRING_HEADER_BYTES + key.length;
  const valueBytes = typeof v === 'string' ? STRING_HEADER_BYTES + v.length : v.bytes(samples);
  const ttlBytes = ctx.db.getExpire(key) === undefined ? 0 : MAP_ENTRY_BYTES;
  ctx.out.integer(MAP_ENTRY_BYTES + keyBytes + valueBytes + ttlBytes);
}

const S = { group: 'server' } as const;
const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;

export const adminCommands: CommandSpec[] = [
  cmd('config', -2, [], [0, 0, 0], ['slow'],
    { ...S, since: '2.0.0', summary: 'A container for server configuration commands.', complexity: 'Depends on subcommand.', syntax: '' }, undefined, {
      subcommands: [
        cmd('config|get', -3, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
          { ...S, since: '2.0.0', summary: 'Returns the effective values of configuration parameters.', complexity: 'O(N) when N is the number of configuration parameters provided', syntax: 'parameter [parameter ...]' }, configGet),
        cmd('config|set', -4, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
          { ...S, since: '2.0.0', summary: 'Sets configuration parameters in-flight.', complexity: 'O(N) when N is the number of configuration parameters provided', syntax: 'parameter value [parameter value ...]' }, configSet),
        cmd('config|resetstat', 2, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
          { ...S, since: '2.0.0', summary: 'Resets the server\'s statistics.', complexity: 'O(1)', syntax: '' }, configResetstat),
        cmd('config|help', 2, ['loading', 'stale'], [0, 0, 0], ['slow'],
          { ...S, since: '5.0.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)', syntax: '' },
          (ctx) => helpReply(ctx, [
            'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
            'GET <pattern>', '    Return parameters matching the glob-like <pattern> and their values.',
            'SET <directive> <value>', '    Set the configuration <directive> to <value>.',
            'RESETSTAT', '    Reset statistics reported by the INFO command.',
            'HELP', '    Print this help.',
          ])),
      ],
    }),
  cmd('time', 1, ['loading', 'stale', 'fast'], [0, 0, 0], ['fast'],
    { ...S, since: '2.6.0', summary: 'Returns the server time.', complexity: 'O(1)', syntax: '' }, time),
  cmd('shutdown', -1, ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
    { ...S, since: '1.0.0', summary: 'Synchronously saves the database(s) to disk and shuts down the Redis server.', complexity: 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)', syntax: '[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]' }, shutdown),
  cmd('debug', -2, [...ADMIN], [0, 0, 0], ['admin', 'slow', 'dangerous'],
    { ...S, since: '1.0.0', summary: 'A container for debugging commands.', complexity: 'Depends on subcommand.', syntax: '' }, debug),
  cmd('monitor', 1, [...ADMIN], [0, 0, 0], ['admin', 'slow', 'dangerous'],
    { ...S, since: '1.0.0', summary: 'Listens for all requests received by the server in real-time.', syntax: '' }, monitor),
  cmd('slowlog', -2, [], [0, 0, 0], ['slow'],
    { ...S, since: '2.2.12', summary: 'A container for slow log commands.', complexity: 'Depends on subcommand.', syntax: '' }, undefined, {
      subcommands: [
        cmd('slowlog|get', -2, ['admin', 'loading', 'stale'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
          { ...S, since: '2.2.12', summary: 'Returns the slow log\'s entries.', complexity: 'O(N) where N is the number of entries returned', syntax: '[count]' }, slowlogGet),
        cmd('slowlog|len', 2, ['admin', 'loading', 'stale'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
          { ...S, since: '2.2.12', summary: 'Returns the number of entries in the slow log.', complexity: 'O(1)', syntax: '' },
          (ctx) => ctx.out.integer(ctx.server.slowlog.entries.length)),
        cmd('slowlog|reset', 2, ['admin', 'loading', 'stale'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
          { ...S, since: '2.2.12', summary: 'Clears all entries from the slow log.', complexity: 'O(N) where N is the number of entries in the slowlog', syntax: '' },
          (ctx) => {
            ctx.server.slowlog.reset();
            ctx.out.ok();
          }),
        cmd('slowlog|help', 2, ['loading', 'stale'], [0, 0, 0], ['slow'],
          { ...S, since: '6.2.0', summary: 'Show helpful text about the different subcommands', complexity: 'O(1)', syntax: '' },
          (ctx) => helpReply(ctx, [
            'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
            'GET [<count>]', '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
            'LEN', '    Return the length of the slowlog.',
            'RESET', '    Reset the slowlog.',
            'HELP', '    Print this help.',
          ])),
      ],
    }),
  cmd('latency', -2, [], [0, 0, 0], ['slow'],
    { ...S, since: '2.8.13', summary: 'A container for latency diagnostics commands.', complexity: 'Depends on subcommand.', syntax: '' }, undefined, {
      subcommands: [
        cmd('latency|latest', 2, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
          { ...S, since: '2.8.13', summary: 'Returns the latest latency samples for all events.', complexity: 'O(1)', syntax: '' }, latencyLatest),
        cmd('latency|history', 3, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
          { ...S, since: '2.8.13', summary: 'Returns timestamp-latency samples for an event.', complexity: 'O(1)', syntax: 'event' }, latencyHistory),
        cmd('latency|reset', -2, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], ['admin', 'slow', 'dangerous'],
          { ...S, since: '2.8.13', summary: 'Resets the latency data for one or more events.', complexity: 'O(1)', syntax: '[event [event ...]]' },
          (ctx, argv) => ctx.out.integer(ctx.server.latency.reset(argv.slice(2)))),
        cmd('latency|help', 2, ['loading', 'stale'], [0, 0, 0], ['slow'],
          { ...S, since: '2.8.13', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)', syntax: '' },
          (ctx) => helpReply(ctx, [
            'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
            'LATEST', '    Return the latest latency samples for all events.',
            'HISTORY <event>', '    Return time-latency samples for the specified event.',
            'RESET [<event> ...]', '    Reset latency data of one or more <event> classes.',
            'HELP', '    Print this help.',
          ])),
      ],
    }),
  cmd('memory', -2, [], [0, 0, 0], ['slow'],
    { ...S, since: '4.0.0', summary: 'A container for memory diagnostics commands.', complexity: 'Depends on subcommand.', syntax: '' }, undefined, {
      subcommands: [
        cmd('memory|usage', -3, ['readonly'], [2, 2, 1], ['read', 'slow'],
          { ...S, since: '4.0.0', summary: 'Estimates the memory usage of a key.', complexity: 'O(N) where N is the number of samples.', syntax: 'key [SAMPLES count]' }, memoryUsage),
        cmd('memory|help', 2, ['loading', 'stale'], [0, 0, 0], ['slow'],
          { ...S, since: '4.0.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)', syntax: '' },
          (ctx) => helpReply(ctx, [
            'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
            'USAGE <key> [SAMPLES <count>]', '    Return memory in bytes used by <key> and its value.',
            'HELP', '    Print this help.',
          ])),
      ],
    }),
];
