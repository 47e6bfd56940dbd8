/**
 * bench/compare.ts: run redis-benchmark against a real redis-server and against Concord,
 * side by side, in one run, and print throughput, latency, server CPU per op and RSS.
 * Three groups of rows: core (SET/GET), suite (redis-benchmark's default -t list at -P 1 and
 * -P 16) and bigz (ZADD/ZRANGE* against one sorted set with 1M members); then RSS; then the
 * persistence group (bench/persistence.ts: AOF fsync policies, restart time, BGSAVE stall);
 * then the replication group (bench/replication.ts: 1 primary + 2 replicas: SET throughput,
 * synchronous quorum writes, replication lag, full sync time).
 *
 *   npm run bench                      # build, then node dist/bench/compare.js
 *   node dist/bench/compare.js --quick # one tenth of the requests
 *   node dist/bench/compare.js --no-rss --json results.json
 *   CONCORD_CMD=redis-server node dist/bench/compare.js --quick   # try the harness on two Redis
 *
 * Run with --help for every option. See bench/README.md for what the numbers mean.
 *
 * Shared plumbing (processes, servers, the RESP client, /proc, tables) is in bench/harness.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ROOT, ReplyError, cleanup, cli, clkTck, errText, fmtInt, fmtMB, fmtRatio, fmtTarget, freePort, initClkTck,
  integerReply, interrupted, isOk, log, measure, parseCsv, procTree, rssBytes, run, shellQuote, sleep, startServer,
  servers, stopServer, table, waitForPing, withClient, type Measurement, type Server, type ServerId,
} from './harness.js';
import { PERSISTENCE_IDS, formatPersistence, persistenceFailures, runPersistence, type PersistenceResult } from './persistence.js';
import { REPLICATION_IDS, formatReplication, replicationFailures, runReplication, type ReplicationResult } from './replication.js';
import { NODE_FLAGS } from '../src/cli/node-flags.js';

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  quick: boolean;
  rss: boolean;
  warmup: boolean;
  preload: boolean;
  json: string | undefined;
  n1: number; // requests for the -P 1 rows
  n16: number; // requests for the -P 16 rows
  keyspace: number; // -r for the rows
  clients: number; // -c
  rssKeyspace: number; // -r for the RSS load
  rssRequests: number; // -n for the RSS load
  only: string[] | undefined; // row ids / groups to run
  suite: boolean; // redis-benchmark's default test list at -P 1 and -P 16
  bigz: boolean; // the 1M-member sorted-set scale test
  bigzMembers: number; // members loaded into bench:bigz (also -r for its rows)
  persistence: boolean; // the persistence group (bench/persistence.ts)
  persistKeys: number; // keys for its restart and BGSAVE measurements
  replication: boolean; // the replication group (bench/replication.ts)
  replKeys: number; // keys for its full sync measurement
  concordCmd: string[];
  concordCmdFromUser: boolean;
  redisServer: string;
  redisBenchmark: string;
  redisCli: string;
  runTimeoutSec: number;
  startTimeoutSec: number;
}

const DEFAULT_CONCORD_CLI = path.join(ROOT, 'dist', 'src', 'cli', 'concord-server.js');

const HELP = `Usage: node dist/bench/compare.js [options]

Benchmarks a real redis-server and Concord side by side with redis-benchmark.

Options:
  --quick                 divide the rows' request counts by 10 (also BENCH_QUICK=1);
                          the RSS load and the big-zset load keep their size
  --no-rss                skip the RSS-after-loading-keys measurement
  --no-warmup             skip the short untimed warm-up run against each server
  --no-preload            do not pre-populate the ${'-r'} keyspace before the rows
  --json <file>           also write the results as JSON to <file>
  --n1 <N>                requests for the core -P 1 rows (default 200000, /10 with --quick)
  --n16 <N>               requests for the core -P 16 rows (default 1000000, /10 with --quick)
                          (the suite and bigz rows have their own counts, see bench/README.md)
  --only <ids>            comma-separated row ids or prefixes of them, or groups:
                          core (set-p1,get-p1,set-p16,get-p16,set-d1024),
                          suite (suite-<test>-p1 / -p16, e.g. suite-lpop = both),
                          bigz (bigz-zadd, bigz-zrangebyscore, bigz-zrange, bigz-zrank),
                          persistence (aof-always-p1, aof-always-p16, aof-everysec-p1,
                          aof-everysec-p16, aof-no-p1, aof-no-p16, restart-rdb,
                          restart-aof, bgsave; see bench/persistence.ts),
                          replication (repl-set-p1, repl-set-p16, repl-quorum, repl-lag,
                          repl-fullsync; see bench/replication.ts)
                          The RSS measurement is not a row: use --no-rss to skip it; it is
                          skipped when --only names persistence/replication rows only.
  --no-suite              skip redis-benchmark's default test list (-t set,get,...)
  --no-bigz               skip the sorted-set scale test
  --bigz-members <N>      members loaded into the big sorted set (default 1000000,
                          also with --quick)
  --no-persistence        skip the persistence group
  --persist-keys <N>      keys for the restart and BGSAVE measurements (default 1000000,
                          100000 with --quick)
  --no-replication        skip the replication group
  --repl-keys <N>         keys for the replication full sync (default 1000000, 100000 with --quick)
  --concord-cmd <cmd>     command that starts Concord, before the standard flags
                          (also CONCORD_CMD). Split on whitespace, or a JSON array.
                          Default: node --max-semi-space-size=32 --initial-old-space-size=64 dist/src/cli/concord-server.js
                          (the flags of src/cli/node-flags.ts, as the concord-server bin)
                          e.g. CONCORD_CMD=redis-server to test this harness on two Redis
  --redis-server <path>   redis-server binary (also REDIS_SERVER, default redis-server)
  --redis-benchmark <p>   redis-benchmark binary (also REDIS_BENCHMARK)
  --redis-cli <path>      redis-cli binary (also REDIS_CLI)
  --timeout <sec>         give up on one redis-benchmark run after this long (default 600)
  --start-timeout <sec>   wait this long for a server to answer PING (default 30)
  -h, --help              this text
`;

function splitCommand(s: string): string[] {
  const t = s.trim();
  if (t.startsWith('[')) {
    const v: unknown = JSON.parse(t);
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string')) {
      throw new Error(`command JSON must be a non-empty array of strings: ${s}`);
    }
    return v as string[];
  }
  const parts = t.split(/\s+/).filter((x) => x.length > 0);
  if (parts.length === 0) throw new Error('empty command');
  return parts;
}

function parseArgs(argv: string[]): Options {
  const env = process.env;
  const quickEnv = env.BENCH_QUICK !== undefined && env.BENCH_QUICK !== '' && env.BENCH_QUICK !== '0';
  const o: Options = {
    quick: quickEnv,
    rss: true,
    warmup: true,
    preload: true,
    json: undefined,
    n1: 0,
    n16: 0,
    keyspace: 100_000,
    clients: 50,
    rssKeyspace: 1_000_000,
    rssRequests: 2_000_000,
    only: undefined,
    suite: true,
    bigz: true,
    bigzMembers: 1_000_000,
    persistence: true,
    persistKeys: 0,
    replication: true,
    replKeys: 0,
    concordCmd: [process.execPath, ...NODE_FLAGS, DEFAULT_CONCORD_CLI],
    concordCmdFromUser: false,
    redisServer: env.REDIS_SERVER || 'redis-server',
    redisBenchmark: env.REDIS_BENCHMARK || 'redis-benchmark',
    redisCli: env.REDIS_CLI || 'redis-cli',
    runTimeoutSec: 600,
    startTimeoutSec: 30,
  };
  if (env.CONCORD_CMD) {
    o.concordCmd = splitCommand(env.CONCORD_CMD);
    o.concordCmdFromUser = true;
  }
  let n1: number | undefined;
  let n16: number | undefined;
  let persistKeys: number | undefined;
  let replKeys: number | undefined;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    return v;
  };
  const int = (s: string, flag: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer, got ${s}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--quick': o.quick = true; break;
      case '--no-rss': o.rss = false; break;
      case '--no-warmup': o.warmup = false; break;
      case '--no-preload': o.preload = false; break;
      case '--no-suite': o.suite = false; break;
      case '--no-bigz': o.bigz = false; break;
      case '--bigz-members': o.bigzMembers = int(value(i, a), a); i++; break;
      case '--no-persistence': o.persistence = false; break;
      case '--persist-keys': persistKeys = int(value(i, a), a); i++; break;
      case '--no-replication': o.replication = false; break;
      case '--repl-keys': replKeys = int(value(i, a), a); i++; break;
      case '--json': o.json = value(i, a); i++; break;
      case '--n1': n1 = int(value(i, a), a); i++; break;
      case '--n16': n16 = int(value(i, a), a); i++; break;
      case '--only': o.only = value(i, a).split(',').map((x) => x.trim()).filter(Boolean); i++; break;
      case '--concord-cmd': o.concordCmd = splitCommand(value(i, a)); o.concordCmdFromUser = true; i++; break;
      case '--redis-server': o.redisServer = value(i, a); i++; break;
      case '--redis-benchmark': o.redisBenchmark = value(i, a); i++; break;
      case '--redis-cli': o.redisCli = value(i, a); i++; break;
      case '--timeout': o.runTimeoutSec = int(value(i, a), a); i++; break;
      case '--start-timeout': o.startTimeoutSec = int(value(i, a), a); i++; break;
      case '-h': case '--help': process.stdout.write(HELP); process.exit(0);
      default: throw new Error(`unknown option ${a} (try --help)`);
    }
  }
  const div = o.quick ? 10 : 1;
  o.n1 = n1 ?? 200_000 / div;
  o.n16 = n16 ?? 1_000_000 / div;
  o.persistKeys = persistKeys ?? 1_000_000 / div;
  o.replKeys = replKeys ?? 1_000_000 / div;
  return o;
}

function preload(srv: Server, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let replies = 0;
    let errors = 0;
    let firstError = '';
    let pending = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`preload of ${srv.label} timed out after ${replies} replies`)); }, 120_000);
    sock.setEncoding('latin1');
    sock.on('connect', () => {
      const batch = 10_000;
      const chunks: string[] = [];
      for (let i = 0; i < n; i++) {
        const key = `key:${String(i).padStart(12, '0')}`;
        chunks.push(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$3\r\nxxx\r\n`);
        if (chunks.length === batch) { sock.write(chunks.join('')); chunks.length = 0; }
      }
      if (chunks.length > 0) sock.write(chunks.join(''));
    });
    sock.on('data', (d: string) => {
      // Every reply to SET is one line: +OK or -ERR ...
      pending += d;
      let idx: number;
      while ((idx = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, idx);
        pending = pending.slice(idx + 2);
        replies++;
        if (line[0] !== '+') { errors++; if (!firstError) firstError = line; }
      }
      if (replies >= n) {
        clearTimeout(timer);
        sock.end();
        if (errors > 0) reject(new Error(`preload of ${srv.label}: ${errors} error replies, first: ${firstError}`));
        else resolve(replies);
      }
    });
    sock.on('error', (err) => { clearTimeout(timer); reject(err); });
    sock.on('close', () => {
      clearTimeout(timer);
      if (replies < n) reject(new Error(`preload of ${srv.label}: connection closed after ${replies}/${n} replies`));
    });
  });
}


// ---------------------------------------------------------------------------------------------
// Benchmark rows

interface RowSpec {
  id: string;
  name: string;
  test: 'set' | 'get';
  pipeline: number;
  dataSize: number | undefined;
  minThroughputRatio: number; // informational targets
  maxCpuRatio: number | undefined;
}

const ROWS: RowSpec[] = [
  { id: 'set-p1', name: 'SET -P 1', test: 'set', pipeline: 1, dataSize: undefined, minThroughputRatio: 0.9, maxCpuRatio: 1.3 },
  { id: 'get-p1', name: 'GET -P 1', test: 'get', pipeline: 1, dataSize: undefined, minThroughputRatio: 0.9, maxCpuRatio: 1.3 },
  { id: 'set-p16', name: 'SET -P 16', test: 'set', pipeline: 16, dataSize: undefined, minThroughputRatio: 0.7, maxCpuRatio: undefined },
  { id: 'get-p16', name: 'GET -P 16', test: 'get', pipeline: 16, dataSize: undefined, minThroughputRatio: 0.7, maxCpuRatio: undefined },
  { id: 'set-d1024', name: 'SET -d 1024', test: 'set', pipeline: 1, dataSize: 1024, minThroughputRatio: 0.9, maxCpuRatio: 1.3 },
];
const RSS_MAX_RATIO = 2.5;

/**
 * redis-benchmark's default test list, run one test at a time with -t so that each test gets its
 * own request count and CPU reading and runs on Redis and then Concord back to back. The pop
 * tests get their key topped up first (see fillFor), so every pop finds an element.
 * Request counts are for the default run; --quick divides them by 10.
 */
interface SuiteSpec {
  test: string; // the -t name
  csvName: string; // the CSV row name (start of it)
  n1: number; // requests at -P 1
  n16: number; // requests at -P 16
  minRatio16: number; // informational target for ops/s at -P 16
  fill?: 'list' | 'set' | 'zset'; // the pop tests need data in mylist / myset / myzset
}
const SUITE: SuiteSpec[] = [
  { test: 'set', csvName: 'SET', n1: 100_000, n16: 500_000, minRatio16: 0.7 },
  { test: 'get', csvName: 'GET', n1: 100_000, n16: 500_000, minRatio16: 0.7 },
  { test: 'incr', csvName: 'INCR', n1: 100_000, n16: 500_000, minRatio16: 0.7 },
  { test: 'lpush', csvName: 'LPUSH', n1: 100_000, n16: 500_000, minRatio16: 0.7 },
  { test: 'rpush', csvName: 'RPUSH', n1: 100_000, n16: 500_000, minRatio16: 0.7 },
  { test: 'lpop', csvName: 'LPOP', n1: 100_000, n16: 500_000, minRatio16: 0.7, fill: 'list' },
  { test: 'rpop', csvName: 'RPOP', n1: 100_000, n16: 500_000, minRatio16: 0.7, fill: 'list' },
  { test: 'sadd', csvName: 'SADD', n1: 100_000, n16: 500_000, minRatio16: 0.7 },
  { test: 'hset', csvName: 'HSET', n1: 100_000, n16: 500_000, minRatio16: 0.7 },
  { test: 'spop', csvName: 'SPOP', n1: 100_000, n16: 500_000, minRatio16: 0.7, fill: 'set' },
  { test: 'zadd', csvName: 'ZADD', n1: 100_000, n16: 500_000, minRatio16: 0.7 },
  { test: 'zpopmin', csvName: 'ZPOPMIN', n1: 100_000, n16: 500_000, minRatio16: 0.7, fill: 'zset' },
  { test: 'lrange_100', csvName: 'LRANGE_100', n1: 50_000, n16: 200_000, minRatio16: 0.7 },
  { test: 'lrange_600', csvName: 'LRANGE_600', n1: 20_000, n16: 30_000, minRatio16: 0.4 },
  { test: 'mset', csvName: 'MSET', n1: 50_000, n16: 250_000, minRatio16: 0.7 },
];
const SUITE_PIPELINES = [1, 16] as const;

/** The sorted-set scale test: custom redis-benchmark commands against one big zset. */
const BIGZ_KEY = 'bench:bigz';
interface BigzSpec { id: string; name: string; command: string[]; n1: number; n16: number }
const BIGZ: BigzSpec[] = [
  { id: 'zadd', name: 'ZADD (update)', command: ['zadd', BIGZ_KEY, '__rand_int__', 'm:__rand_int__'], n1: 100_000, n16: 500_000 },
  { id: 'zrangebyscore', name: 'ZRANGEBYSCORE LIMIT 10', command: ['zrangebyscore', BIGZ_KEY, '__rand_int__', '+inf', 'LIMIT', '0', '10'], n1: 100_000, n16: 300_000 },
  { id: 'zrange', name: 'ZRANGE 0 9', command: ['zrange', BIGZ_KEY, '0', '9'], n1: 100_000, n16: 500_000 },
  { id: 'zrank', name: 'ZRANK', command: ['zrank', BIGZ_KEY, 'm:__rand_int__'], n1: 100_000, n16: 500_000 },
];
/** bench:bigz member i: what redis-benchmark makes of m:__rand_int__ (12 digits, zero-padded). */
function bigzMember(i: number): string {
  return `m:${String(i).padStart(12, '0')}`;
}

/** The keys redis-benchmark's pop tests read, and how to count and add elements. */
const FILL = {
  list: { key: 'mylist', len: 'llen', add: 'rpush' },
  set: { key: 'myset', len: 'scard', add: 'sadd' },
  zset: { key: 'myzset', len: 'zcard', add: 'zadd' },
} as const;


/**
 * Makes FILL[kind].key hold at least `need` elements (pipelined RPUSH/SADD/ZADD, 1000 per command,
 * members fill:<n> that are new to the key). Returns the length before and after.
 */
function fillFor(srv: Server, kind: keyof typeof FILL, need: number, seq: Record<ServerId, number>): Promise<{ before: number; after: number }> {
  const f = FILL[kind];
  return withClient(srv, async (c) => {
    const before = integerReply(await c.call([f.len, f.key]), `${f.len.toUpperCase()} ${f.key}`);
    const missing = need - before;
    if (missing > 0) {
      const batch = 1000;
      await c.pipeline(Math.ceil(missing / batch), (i) => {
        const args: string[] = [f.add, f.key];
        const k = Math.min(batch, missing - i * batch);
        for (let j = 0; j < k; j++) {
          if (kind === 'list') args.push('xxx'); // what redis-benchmark's LPUSH/RPUSH push (-d 3)
          else if (kind === 'set') args.push(`fill:${seq[srv.id]++}`);
          else args.push('0', `fill:${seq[srv.id]++}`);
        }
        return args;
      });
    }
    const after = integerReply(await c.call([f.len, f.key]), `${f.len.toUpperCase()} ${f.key}`);
    if (after < need) throw new Error(`${f.key} holds ${after} elements after the top-up, wanted ${need}`);
    return { before, after };
  });
}

/** DEL bench:bigz, then ZADD exactly n members m:<i> with score i, 1000 per command, pipelined. */
function loadBigz(srv: Server, n: number): Promise<void> {
  return withClient(srv, async (c) => {
    await c.call(['del', BIGZ_KEY]);
    const batch = 1000;
    await c.pipeline(Math.ceil(n / batch), (i) => {
      const args: string[] = ['zadd', BIGZ_KEY];
      for (let j = i * batch; j < Math.min(n, (i + 1) * batch); j++) args.push(String(j), bigzMember(j));
      return args;
    }, 16);
  });
}

/** ZCARD bench:bigz as a printable string: the count, or ERR (reason). */
async function zcard(srv: Server): Promise<string> {
  try {
    return fmtInt(await withClient(srv, async (c) => integerReply(await c.call(['zcard', BIGZ_KEY]), 'ZCARD')));
  } catch (err) {
    return `ERR (${errText(err)})`;
  }
}

/** A measured row of the suite or the sorted-set scale test: one command at one -P on both servers. */
interface PairRow {
  id: string;
  group: 'suite' | 'bigz';
  name: string;
  pipeline: number;
  requests: number;
  commands: Partial<Record<ServerId, string>>;
  redis: Measurement | { error: string };
  concord: Measurement | { error: string };
  throughputRatio: number | undefined;
  cpuRatio: number | undefined;
  minThroughputRatio: number | undefined;
}

interface RowResult {
  id: string;
  name: string;
  requests: number;
  commands: Partial<Record<ServerId, string>>;
  redis: Measurement | { error: string };
  concord: Measurement | { error: string };
  throughputRatio: number | undefined;
  cpuRatio: number | undefined;
  targets: { minThroughputRatio: number; maxCpuRatio: number | undefined };
}

function benchArgs(o: Options, port: number, row: RowSpec, requests: number): string[] {
  const a = ['-h', '127.0.0.1', '-p', String(port), '-t', row.test, '-n', String(requests),
    '-c', String(o.clients), '-P', String(row.pipeline), '-r', String(o.keyspace)];
  if (row.dataSize !== undefined) a.push('-d', String(row.dataSize));
  a.push('--csv');
  return a;
}


// ---------------------------------------------------------------------------------------------
// Main

/** Runs everything and prints the report; resolves to the number of failed measurements. */
async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  initClkTck();

  if (!o.concordCmdFromUser && !fs.existsSync(DEFAULT_CONCORD_CLI)) {
    throw new Error(`Concord CLI not found at ${DEFAULT_CONCORD_CLI}. Build it with \`npx tsc -p .\`, ` +
      'or point --concord-cmd / CONCORD_CMD at another server (e.g. CONCORD_CMD=redis-server).');
  }
  // Every row id with its group; --only takes ids, prefixes of ids (up to a '-' or '_') and groups.
  const allIds: [string, string][] = [
    ...ROWS.map((r): [string, string] => [r.id, 'core']),
    ...SUITE.flatMap((t) => SUITE_PIPELINES.map((p): [string, string] => [`suite-${t.test}-p${p}`, 'suite'])),
    ...BIGZ.flatMap((b) => SUITE_PIPELINES.map((p): [string, string] => [`bigz-${b.id}-p${p}`, 'bigz'])),
    ...PERSISTENCE_IDS.map((id): [string, string] => [id, 'persistence']),
    ...REPLICATION_IDS.map((id): [string, string] => [id, 'replication']),
  ];
  const matches = (token: string, id: string, group: string): boolean => token === id || token === group || id.startsWith(`${token}-`) || id.startsWith(`${token}_`);
  const wanted = (id: string, group: string): boolean => !o.only || o.only.some((t) => matches(t, id, group));
  if (o.only) {
    const unknown = o.only.filter((t) => !allIds.some(([id, g]) => matches(t, id, g)));
    if (unknown.length > 0) {
      throw new Error(`unknown row id(s) ${unknown.join(', ')}; groups: core, suite, bigz, persistence, replication; ids: ${allIds.map(([id]) => id).join(', ')}`);
    }
  }
  const rowSpecs = ROWS.filter((r) => wanted(r.id, 'core'));
  const div = o.quick ? 10 : 1;
  const suitePlan = o.suite ? SUITE.flatMap((spec) => SUITE_PIPELINES.map((pipeline) => ({
    spec, pipeline, id: `suite-${spec.test}-p${pipeline}`,
    requests: Math.max(1, Math.round((pipeline === 1 ? spec.n1 : spec.n16) / div)),
  }))).filter((x) => wanted(x.id, 'suite')) : [];
  const bigzPlan = o.bigz ? BIGZ.flatMap((spec) => SUITE_PIPELINES.map((pipeline) => ({
    spec, pipeline, id: `bigz-${spec.id}-p${pipeline}`,
    requests: Math.max(1, Math.round((pipeline === 1 ? spec.n1 : spec.n16) / div)),
  }))).filter((x) => wanted(x.id, 'bigz')) : [];
  const persistIds = o.persistence ? PERSISTENCE_IDS.filter((id) => wanted(id, 'persistence')) : [];
  const replIds = o.replication ? REPLICATION_IDS.filter((id) => wanted(id, 'replication')) : [];
  // The main pair serves the core, suite and bigz rows; the RSS measurement runs unless --only
  // names persistence/replication rows only.
  const mainRows = rowSpecs.length + suitePlan.length + bigzPlan.length;
  const rssWanted = o.rss && (!o.only || mainRows > 0);
  const startedAt = Date.now();

  const redisVersion = spawnSync(o.redisServer, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '?';
  const benchVersion = spawnSync(o.redisBenchmark, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '?';
  const cpus = os.cpus();
  log(`host: ${cpus.length} x ${cpus[0]?.model ?? '?'}, ${os.platform()} ${os.release()}, node ${process.version}, CLK_TCK=${clkTck}`);
  log(`${redisVersion}; ${benchVersion}`);
  if (cpus.length <= 2) {
    log('note: with 2 cores, redis-benchmark competes with the server under test for CPU; compare ratios, not absolute numbers.');
  }

  // The main pair, unless only persistence rows (which start their own servers) were asked for.
  const pair: Server[] = [];
  if (mainRows > 0 || rssWanted) {
    const [pRedis, pConcord] = [await freePort(), await freePort()];
    pair.push(startServer('redis', 'Redis', [o.redisServer], pRedis), startServer('concord', 'Concord', o.concordCmd, pConcord));
    for (const s of pair) log(`starting ${s.label}: ${shellQuote(s.argv)}`);
    await Promise.all(pair.map((s) => waitForPing(o, s)));
    for (const s of pair) log(`${s.label} is up on port ${s.port} (pid ${s.pid}, tree ${procTree(s.pid).join(',')})`);
  }

  const commandsRun: string[] = [];

  if (o.preload && mainRows > 0) {
    for (const s of pair) {
      const t0 = Date.now();
      await preload(s, o.keyspace);
      log(`preloaded ${s.label} with ${fmtInt(o.keyspace)} keys in ${((Date.now() - t0) / 1000).toFixed(1)}s, DBSIZE ${await cli(o, s, 'dbsize')}`);
    }
  }

  if (o.warmup && mainRows > 0) {
    const n = Math.max(10_000, Math.round(o.n1 / 10));
    for (const s of pair) {
      const args = ['-h', '127.0.0.1', '-p', String(s.port), '-t', 'set,get', '-n', String(n), '-c', String(o.clients), '-r', String(o.keyspace), '--csv'];
      commandsRun.push(`# warm-up, ${s.label}: ${shellQuote([o.redisBenchmark, ...args])}`);
      log(`warm-up ${s.label}...`);
      const r = await run(o.redisBenchmark, args, o.runTimeoutSec * 1000);
      if (r.code !== 0) log(`warm-up of ${s.label} failed (${r.code ?? r.signal}): ${(r.stderr + r.stdout).trim().slice(-300)}`);
    }
  }

  const results: RowResult[] = [];
  for (const spec of rowSpecs) {
    const requests = spec.pipeline > 1 ? o.n16 : o.n1;
    const res: RowResult = {
      id: spec.id, name: spec.name, requests, commands: {},
      redis: { error: 'not run' }, concord: { error: 'not run' },
      throughputRatio: undefined, cpuRatio: undefined,
      targets: { minThroughputRatio: spec.minThroughputRatio, maxCpuRatio: spec.maxCpuRatio },
    };
    for (const s of pair) {
      const args = benchArgs(o, s.port, spec, requests);
      const cmdline = shellQuote([o.redisBenchmark, ...args]);
      res.commands[s.id] = cmdline;
      commandsRun.push(`# ${spec.name}, ${s.label}: ${cmdline}`);
      log(`${spec.name} on ${s.label}: ${cmdline}`);
      const m = await measure(o, s, args, requests);
      res[s.id] = m;
      if (isOk(m)) {
        log(`  ${fmtInt(m.rps)} ops/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, server CPU ${m.cpuSec.toFixed(2)}s in ${m.wallSec.toFixed(1)}s`);
      } else {
        log(`  FAILED: ${m.error}`);
      }
    }
    if (isOk(res.redis) && isOk(res.concord)) {
      res.throughputRatio = res.concord.rps / res.redis.rps;
      res.cpuRatio = res.redis.cpuSecPer1M > 0 ? res.concord.cpuSecPer1M / res.redis.cpuSecPer1M : undefined;
    }
    results.push(res);
  }

  /** Runs one command at one -P on Redis, then on Concord; skip holds per-server errors from set-up. */
  /**
   * Runs one command at one -P on Redis, then on Concord. skip holds per-server errors from set-up;
   * check, run after a successful measurement, may return a reason to discard it (the server did
   * not do the work the row claims, e.g. pops that removed nothing).
   */
  const runPair = async (row: PairRow, argsFor: (s: Server) => string[], csvName: string | undefined,
    skip: Partial<Record<ServerId, string>> = {}, check?: (s: Server) => Promise<string | undefined>): Promise<void> => {
    for (const s of pair) {
      const args = argsFor(s);
      const cmdline = shellQuote([o.redisBenchmark, ...args]);
      row.commands[s.id] = cmdline;
      commandsRun.push(`# ${row.name}, ${s.label}: ${cmdline}`);
      log(`${row.name} on ${s.label}: ${cmdline}`);
      const skipped = skip[s.id];
      let m = skipped !== undefined ? { error: skipped } : await measure(o, s, args, row.requests, csvName);
      if (isOk(m) && check) {
        let bad: string | undefined;
        try { bad = await check(s); } catch (err) { bad = `check after the run failed: ${errText(err)}`; }
        if (bad !== undefined) m = { error: bad };
      }
      row[s.id] = m;
      if (isOk(m)) {
        log(`  ${fmtInt(m.rps)} ops/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, server CPU ${m.cpuSec.toFixed(2)}s in ${m.wallSec.toFixed(1)}s`);
      } else {
        log(`  FAILED: ${m.error}`);
      }
    }
    if (isOk(row.redis) && isOk(row.concord)) {
      row.throughputRatio = row.concord.rps / row.redis.rps;
      row.cpuRatio = row.redis.cpuSecPer1M > 0 ? row.concord.cpuSecPer1M / row.redis.cpuSecPer1M : undefined;
    }
  };
  const newPairRow = (id: string, group: PairRow['group'], name: string, pipeline: number, requests: number,
    minThroughputRatio: number | undefined): PairRow => ({
    id, group, name, pipeline, requests, commands: {}, redis: { error: 'not run' }, concord: { error: 'not run' },
    throughputRatio: undefined, cpuRatio: undefined, minThroughputRatio,
  });
  const base = (s: Server): string[] => ['-h', '127.0.0.1', '-p', String(s.port)];

  // redis-benchmark's default test list, one test at a time, each on Redis then Concord.
  const suiteRows: PairRow[] = [];
  const fillSeq: Record<ServerId, number> = { redis: 0, concord: 0 };
  for (const { spec, pipeline, id, requests } of suitePlan) {
    const row = newPairRow(id, 'suite', `${spec.test.toUpperCase()} -P ${pipeline}`, pipeline, requests,
      pipeline === 16 ? spec.minRatio16 : undefined);
    const skip: Partial<Record<ServerId, string>> = {};
    const lenBefore: Partial<Record<ServerId, number>> = {};
    if (spec.fill) {
      // Top the key up so that all `requests` pops (plus what a last pipeline may add) find an element.
      const need = requests + o.clients * pipeline;
      for (const s of pair) {
        try {
          const { before, after } = await fillFor(s, spec.fill, need, fillSeq);
          lenBefore[s.id] = after;
          log(`${s.label}: ${FILL[spec.fill].key} has ${fmtInt(before)} elements` +
            `${after > before ? `, topped up to ${fmtInt(after)}` : ''} (${row.name} needs ${fmtInt(need)})`);
        } catch (err) {
          skip[s.id] = `pre-fill of ${FILL[spec.fill].key} failed: ${errText(err)}`;
        }
      }
    }
    // Check that the server did the work: every pop removed an element, LRANGE_N returns N elements.
    let check: ((s: Server) => Promise<string | undefined>) | undefined;
    const fill = spec.fill;
    if (fill) {
      const f = FILL[fill];
      check = (s) => withClient(s, async (c) => {
        const left = integerReply(await c.call([f.len, f.key]), `${f.len.toUpperCase()} ${f.key}`);
        const removed = (lenBefore[s.id] ?? NaN) - left;
        log(`  ${f.key}: ${fmtInt(lenBefore[s.id] ?? NaN)} -> ${fmtInt(left)} elements`);
        return removed >= requests ? undefined
          : `${requests} pops removed only ${removed} elements from ${f.key} (${f.len.toUpperCase()} ${lenBefore[s.id]} -> ${left})`;
      });
    }
    const lrange = /^lrange_(\d+)$/.exec(spec.test);
    if (lrange) {
      const want = Number(lrange[1]);
      check = (s) => withClient(s, async (c) => {
        const r = await c.call(['lrange', 'mylist', '0', String(want - 1)]);
        const got = Array.isArray(r) ? r.length : -1;
        return got === want ? undefined : `LRANGE mylist 0 ${want - 1} returned ${got < 0 ? JSON.stringify(r) : `${got} elements`}, not ${want}`;
      });
    }
    await runPair(row, (s) => [...base(s), '-t', spec.test, '-n', String(requests), '-c', String(o.clients),
      '-P', String(pipeline), '-r', String(o.keyspace), '--csv'], spec.csvName, skip, check);
    suiteRows.push(row);
  }

  // The sorted-set scale test: one zset with exactly bigzMembers members, then ZADD/ZRANGE* into it.
  interface BigzSide { loadSec: number | undefined; loadError: string | undefined; zcardAfterLoad: string; zcardAtEnd: string }
  let bigz: { key: string; members: number; redis: BigzSide; concord: BigzSide; rows: PairRow[] } | undefined;
  if (bigzPlan.length > 0) {
    const side = (): BigzSide => ({ loadSec: undefined, loadError: undefined, zcardAfterLoad: '-', zcardAtEnd: '-' });
    bigz = { key: BIGZ_KEY, members: o.bigzMembers, redis: side(), concord: side(), rows: [] };
    for (const s of pair) {
      const b = bigz[s.id];
      try {
        // Drop what the rows above left behind, so the big zset is (nearly) all the server holds.
        await withClient(s, async (c) => {
          const r = await c.send(['flushall']);
          if (r instanceof ReplyError) log(`${s.label}: FLUSHALL replied ${r.message}; continuing`);
        });
        log(`loading ${BIGZ_KEY} on ${s.label} with ${fmtInt(o.bigzMembers)} members...`);
        const t0 = Date.now();
        await loadBigz(s, o.bigzMembers);
        b.loadSec = (Date.now() - t0) / 1000;
        log(`  loaded in ${b.loadSec.toFixed(1)}s`);
      } catch (err) {
        b.loadError = errText(err);
        log(`  FAILED: ${b.loadError}`);
      }
      b.zcardAfterLoad = await zcard(s);
      log(`  ZCARD ${BIGZ_KEY} on ${s.label}: ${b.zcardAfterLoad}`);
    }
    for (const { spec, pipeline, id, requests } of bigzPlan) {
      const row = newPairRow(id, 'bigz', `${spec.name} -P ${pipeline}`, pipeline, requests, undefined);
      const skip: Partial<Record<ServerId, string>> = {};
      for (const s of pair) {
        const e = bigz[s.id].loadError;
        if (e !== undefined) skip[s.id] = `loading ${BIGZ_KEY} failed: ${e}`;
      }
      await runPair(row, (s) => [...base(s), '-n', String(requests), '-c', String(o.clients), '-P', String(pipeline),
        '-r', String(o.bigzMembers), '--csv', ...spec.command], undefined, skip);
      bigz.rows.push(row);
    }
    for (const s of pair) bigz[s.id].zcardAtEnd = await zcard(s);
    log(`ZCARD ${BIGZ_KEY} after the rows: Redis ${bigz.redis.zcardAtEnd}, Concord ${bigz.concord.zcardAtEnd}`);
  }

  // RSS after loading ~1M keys.
  interface RssSide { idleBytes: number; loadedBytes: number; dbsize: number; loadRps: number | undefined; error?: string }
  let rss: { command: Partial<Record<ServerId, string>>; redis: RssSide; concord: RssSide; ratio: number | undefined } | undefined;
  if (rssWanted) {
    // Fresh processes: what the throughput rows left behind (V8 keeps freed heap pages, jemalloc
    // keeps some too) must not count as the cost of the dataset.
    const fresh: [Server, Server] = [
      startServer('redis', 'Redis', [o.redisServer], await freePort()),
      startServer('concord', 'Concord', o.concordCmd, await freePort()),
    ];
    await Promise.all(fresh.map((s) => waitForPing(o, s)));
    const side = (id: ServerId, s: Server): RssSide => ({ idleBytes: rssBytes(s.pid), loadedBytes: NaN, dbsize: NaN, loadRps: undefined });
    rss = { command: {}, redis: side('redis', fresh[0]), concord: side('concord', fresh[1]), ratio: undefined };
    for (const s of fresh) {
      const r = rss[s.id];
      try {
        if (s.exit !== undefined) throw new Error(`server ${s.exit}`);
        const args = ['-h', '127.0.0.1', '-p', String(s.port), '-t', 'set', '-r', String(o.rssKeyspace),
          '-n', String(o.rssRequests), '-c', String(o.clients), '-P', '16', '--csv'];
        const cmdline = shellQuote([o.redisBenchmark, ...args]);
        rss.command[s.id] = cmdline;
        commandsRun.push(`# RSS load, ${s.label} (fresh server): ${cmdline}`);
        log(`RSS load on a fresh ${s.label}: ${cmdline}`);
        const out = await run(o.redisBenchmark, args, o.runTimeoutSec * 1000);
        if (out.timedOut) throw new Error(`redis-benchmark timed out after ${o.runTimeoutSec}s`);
        if (out.code !== 0) throw new Error(`redis-benchmark exited ${out.code ?? out.signal}: ${(out.stderr + out.stdout).trim().slice(-300)}`);
        r.loadRps = parseCsv(out.stdout)[0]?.rps;
        await sleep(1000); // let lazy frees / GC settle a little
        r.loadedBytes = rssBytes(s.pid);
        r.dbsize = Number(await cli(o, s, 'dbsize'));
        log(`  RSS ${fmtMB(r.loadedBytes)}, DBSIZE ${fmtInt(r.dbsize)}`);
      } catch (err) {
        r.error = err instanceof Error ? err.message : String(err);
        log(`  FAILED: ${r.error}`);
      }
    }
    if (Number.isFinite(rss.redis.loadedBytes) && Number.isFinite(rss.concord.loadedBytes)) {
      rss.ratio = rss.concord.loadedBytes / rss.redis.loadedBytes;
    }
  }

  // The persistence group starts its own servers, one at a time: stop the others first so
  // that they neither take memory nor answer cron ticks while it measures.
  let persistence: PersistenceResult | undefined;
  if (persistIds.length > 0) {
    await Promise.all(servers.map((s) => stopServer(s)));
    persistence = await runPersistence(o, (id) => persistIds.includes(id), commandsRun);
  }

  // The replication group also starts its own servers (a primary and replicas, one server kind at a time).
  let replication: ReplicationResult | undefined;
  if (replIds.length > 0) {
    await Promise.all(servers.map((s) => stopServer(s)));
    replication = await runReplication(o, (id) => replIds.includes(id), commandsRun);
  }

  // ---- Report (stdout) ----
  const out: string[] = [];
  out.push('');
  out.push(`concordkv vs ${redisVersion.split(' ').slice(0, 3).join(' ')}  (${o.quick ? 'quick, ' : ''}-c ${o.clients}, -r ${fmtInt(o.keyspace)}, ${cpus.length} cores)`);
  out.push('');
  const na = (m: Measurement | { error: string }, f: (m: Measurement) => string): string => (isOk(m) ? f(m) : 'ERR');
  interface TableRow {
    name: string; requests: number; redis: Measurement | { error: string }; concord: Measurement | { error: string };
    throughputRatio: number | undefined; minThroughputRatio: number | undefined; cpuRatio: number | undefined; maxCpuRatio: number | undefined;
  }
  const rowsTable = (first: string, rows: TableRow[]): string => table(
    [first, 'requests', 'Redis ops/s', 'Concord ops/s', 'C/R', 'target', 'p50 R', 'p50 C', 'p99 R', 'p99 C',
      'CPU s/1M R', 'CPU s/1M C', 'C/R', 'target'],
    rows.map((r) => [
      r.name, fmtInt(r.requests),
      na(r.redis, (m) => fmtInt(m.rps)), na(r.concord, (m) => fmtInt(m.rps)),
      fmtRatio(r.throughputRatio), fmtTarget(r.throughputRatio, '>=', r.minThroughputRatio),
      na(r.redis, (m) => m.p50Ms.toFixed(3)), na(r.concord, (m) => m.p50Ms.toFixed(3)),
      na(r.redis, (m) => m.p99Ms.toFixed(3)), na(r.concord, (m) => m.p99Ms.toFixed(3)),
      na(r.redis, (m) => m.cpuSecPer1M.toFixed(2)), na(r.concord, (m) => m.cpuSecPer1M.toFixed(2)),
      fmtRatio(r.cpuRatio), fmtTarget(r.cpuRatio, '<=', r.maxCpuRatio),
    ]),
    [false, true, true, true, true, false, true, true, true, true, true, true, true, false],
  );
  /** "error: <rows> on <server>: <reason>" lines, one per distinct reason. */
  const errorLines = (rows: { name: string; redis: Measurement | { error: string }; concord: Measurement | { error: string } }[]): string[] => {
    const byReason = new Map<string, string[]>();
    for (const r of rows) {
      for (const s of pair) {
        const m = r[s.id];
        if (isOk(m)) continue;
        const k = `${s.label}\u0000${m.error}`;
        const names = byReason.get(k);
        if (names) names.push(r.name); else byReason.set(k, [r.name]);
      }
    }
    return [...byReason].map(([k, names]) => {
      const [label, reason] = k.split('\u0000');
      return `error: ${names.join(', ')} on ${label}: ${reason}`;
    });
  };
  const countErrors = (rows: { redis: Measurement | { error: string }; concord: Measurement | { error: string } }[]): number =>
    rows.reduce((n, r) => n + (isOk(r.redis) ? 0 : 1) + (isOk(r.concord) ? 0 : 1), 0);

  if (results.length > 0) {
    out.push(rowsTable('row', results.map((r) => ({ ...r, minThroughputRatio: r.targets.minThroughputRatio, maxCpuRatio: r.targets.maxCpuRatio }))));
    out.push('latencies in ms (from redis-benchmark); CPU = server utime+stime per 1M requests; C/R = Concord / Redis');
    out.push(...errorLines(results));
  }

  if (suiteRows.length > 0) {
    out.push('');
    out.push(`redis-benchmark default tests (one -t test per run, -c ${o.clients}, -r ${fmtInt(o.keyspace)}; targets at -P 16 only)`);
    out.push('');
    out.push(rowsTable('test', suiteRows.map((r) => ({ ...r, maxCpuRatio: undefined }))));
    out.push('LPOP/RPOP/SPOP/ZPOPMIN: mylist/myset/myzset are topped up first so every pop finds an element;');
    out.push('LRANGE_*: redis-benchmark first LPUSHes <requests> elements to mylist, and that fill is inside the CPU figures');
    out.push(...errorLines(suiteRows));
  }

  if (bigz) {
    const bz = bigz;
    out.push('');
    out.push(`sorted-set scale test: ${BIGZ_KEY} loaded with exactly ${fmtInt(bz.members)} members ` +
      `(${bigzMember(0)} .. ${bigzMember(bz.members - 1)}, score = index), -r ${fmtInt(bz.members)}, -c ${o.clients}`);
    out.push('');
    out.push(rowsTable('command', bz.rows.map((r) => ({ ...r, maxCpuRatio: undefined }))));
    out.push(...errorLines(bz.rows));
    const loadCell = (b: BigzSide): string => (b.loadSec !== undefined ? `${b.loadSec.toFixed(1)} s` : 'ERR');
    out.push(table(
      ['', 'Redis', 'Concord'],
      [
        ['load time (ZADD, 1000 members per command, pipelined)', loadCell(bz.redis), loadCell(bz.concord)],
        [`ZCARD ${BIGZ_KEY} after load`, bz.redis.zcardAfterLoad, bz.concord.zcardAfterLoad],
        [`ZCARD ${BIGZ_KEY} after the rows`, bz.redis.zcardAtEnd, bz.concord.zcardAtEnd],
      ],
      [false, true, true],
    ));
    for (const s of pair) if (bz[s.id].loadError) out.push(`error: loading ${BIGZ_KEY} on ${s.label}: ${bz[s.id].loadError}`);
  }
  const errors = countErrors(results) + countErrors(suiteRows) + (bigz ? countErrors(bigz.rows) : 0);

  if (rss) {
    out.push('');
    const cell = (s: RssSide, f: (s: RssSide) => string): string => (s.error ? 'ERR' : f(s));
    const growth = (s: RssSide): number => (s.loadedBytes - s.idleBytes) / s.dbsize;
    const growthRatio = rss.redis.error || rss.concord.error ? undefined : growth(rss.concord) / growth(rss.redis);
    out.push(table(
      ['memory', 'Redis', 'Concord', 'C/R', 'target'],
      [
        ['RSS at start (idle)', fmtMB(rss.redis.idleBytes), fmtMB(rss.concord.idleBytes), fmtRatio(rss.concord.idleBytes / rss.redis.idleBytes), ''],
        ['RSS after key load', cell(rss.redis, (s) => fmtMB(s.loadedBytes)), cell(rss.concord, (s) => fmtMB(s.loadedBytes)),
          fmtRatio(rss.ratio), fmtTarget(rss.ratio, '<=', RSS_MAX_RATIO)],
        ['keys (DBSIZE)', cell(rss.redis, (s) => fmtInt(s.dbsize)), cell(rss.concord, (s) => fmtInt(s.dbsize)), '', ''],
        ['RSS growth per key', cell(rss.redis, (s) => `${fmtInt(growth(s))} B`), cell(rss.concord, (s) => `${fmtInt(growth(s))} B`),
          fmtRatio(growthRatio), ''],
        ['load ops/s (-P 16)', cell(rss.redis, (s) => (s.loadRps ? fmtInt(s.loadRps) : '?')),
          cell(rss.concord, (s) => (s.loadRps ? fmtInt(s.loadRps) : '?')), '', ''],
      ],
      [false, true, true, true, false],
    ));
    for (const id of ['redis', 'concord'] as const) if (rss[id].error) out.push(`error: RSS on ${id}: ${rss[id].error}`);
  }

  if (persistence) out.push(...formatPersistence(persistence, o.clients, o.keyspace));
  if (replication) out.push(...formatReplication(replication, o.clients, o.keyspace));

  const elapsed = (Date.now() - startedAt) / 1000;
  out.push('');
  out.push(`total run time: ${Math.floor(elapsed / 60)}m ${String(Math.round(elapsed % 60)).padStart(2, '0')}s`);

  out.push('');
  if (pair.length > 0) out.push('servers:');
  for (const s of pair) out.push(`  ${s.label}: ${shellQuote(s.argv)}`);
  out.push('redis-benchmark command lines:');
  for (const c of commandsRun) out.push(`  ${c}`);
  if (rssWanted) out.push('  (each RSS load runs on a freshly started server and is followed by redis-cli DBSIZE)');
  process.stdout.write(`${out.join('\n')}\n`);

  if (o.json) {
    const doc = {
      date: new Date().toISOString(),
      host: { cpus: cpus.length, model: cpus[0]?.model, platform: `${os.platform()} ${os.release()}`, node: process.version, clkTck },
      redisVersion, benchVersion,
      options: { quick: o.quick, n1: o.n1, n16: o.n16, clients: o.clients, keyspace: o.keyspace, preload: o.preload, warmup: o.warmup,
        rssKeyspace: o.rssKeyspace, rssRequests: o.rssRequests, suite: o.suite, bigz: o.bigz, bigzMembers: o.bigzMembers, persistence: o.persistence, persistKeys: o.persistKeys, replication: o.replication, replKeys: o.replKeys, only: o.only },
      servers: Object.fromEntries(pair.map((s) => [s.id, { argv: s.argv, port: s.port }])),
      rows: results,
      suite: suiteRows,
      bigz: bigz ?? null,
      rss: rss ?? null,
      persistence: persistence ?? null,
      replication: replication ?? null,
      elapsedSec: (Date.now() - startedAt) / 1000,
      targets: { rssMaxRatio: RSS_MAX_RATIO },
      commands: commandsRun,
    };
    fs.writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
    log(`wrote ${o.json}`);
  }
  return errors + (rss ? [rss.redis, rss.concord].filter((r) => r.error).length : 0) +
    (persistence ? persistenceFailures(persistence) : 0) + (replication ? replicationFailures(replication) : 0);
}

main().then(
  async (failures) => {
    await cleanup();
    if (interrupted) return; // the signal handler exits
    if (failures > 0) process.stderr.write(`${failures} measurement(s) failed, see the errors above the command lines\n`);
    process.exit(failures > 0 ? 2 : 0);
  },
  async (err: unknown) => {
    await cleanup();
    if (interrupted) return; // the signal handler exits
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
