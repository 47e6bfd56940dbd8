/**
 * bench/persistence.ts: the `persistence` group of bench/compare.ts. Redis and Concord get the
 * same persistence flags, on fresh temporary directories, one server at a time:
 *
 *   aof-<policy>-p<P>  SET -c 50 -P 1 / -P 16 with appendonly yes and appendfsync always / everysec,
 *                      with Concord's AOF write and fsync calls per second (the group-commit evidence);
 *                      aof-no-p<P> is the same with appendonly no, for reference
 *   restart-rdb        fill N keys (pipelined MSET), SAVE, stop, restart: spawn -> first +PONG
 *   restart-aof        same with appendonly yes: fill, BGREWRITEAOF, 1000 more SETs, stop, restart
 *   bgsave             on the N-key server: BGSAVE under redis-benchmark load, a PING probe's worst
 *                      round trip during the save, and the memory the save costs
 *
 * See bench/README.md ("persistence group") for what each figure means.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  ReplyError, RespClient, errText, fmtInt, fmtMB, fmtRatio, fmtTarget, freePort, info, isOk, log, measure, num, readStat, withConn,
  removeTmpDir, run, runBackground, shellQuote, sleep, startServer, stopServer, table, waitForPing,
  alternateRounds, ok, type Cell, type Measurement, type Server, type ServerId, type Tools,
} from './harness.js';

export interface PersistenceOptions extends Tools {
  quick: boolean;
  clients: number;
  keyspace: number; // -r for the AOF throughput rows
  persistKeys: number; // keys for the restart and BGSAVE measurements
  redisServer: string;
  concordCmd: string[];
}

/** Row ids, for --only (the group name is `persistence`). */
export const PERSISTENCE_IDS = [
  'aof-always-p1', 'aof-always-p16', 'aof-everysec-p1', 'aof-everysec-p16', 'aof-no-p1', 'aof-no-p16',
  'restart-rdb', 'restart-aof', 'bgsave',
] as const;
export type PersistenceId = (typeof PERSISTENCE_IDS)[number];

/** appendfsync policy, or 'no' for the reference rows with appendonly no. */
type Policy = 'always' | 'everysec' | 'no';
/** Requests per AOF row (default run; --quick divides by 10). The appendonly-no rows have no target. */
const AOF_ROWS: { policy: Policy; pipeline: 1 | 16; requests: number; minRatio: number | undefined }[] = [
  { policy: 'always', pipeline: 1, requests: 100_000, minRatio: 1.0 },
  { policy: 'always', pipeline: 16, requests: 300_000, minRatio: 1.0 },
  { policy: 'everysec', pipeline: 1, requests: 200_000, minRatio: 0.9 },
  { policy: 'everysec', pipeline: 16, requests: 1_000_000, minRatio: 0.9 },
  { policy: 'no', pipeline: 1, requests: 100_000, minRatio: undefined },
  { policy: 'no', pipeline: 16, requests: 500_000, minRatio: undefined },
];
/**
 * Each AOF row runs this many rounds, Redis and Concord alternating (--quick: 1); the table shows
 * the median. Five, not three: on this 2-core machine single rounds of the -P 1 rows spread by
 * +-10%, and three rounds left the median that noisy.
 */
const AOF_ROUNDS = 5;
/**
 * The AOF rows append up to ~50 MB a round; the rounds would cross auto-aof-rewrite-min-size
 * (64 MB) at different moments on the two servers, so neither rewrites during them.
 */
const NO_AUTO_REWRITE = ['--auto-aof-rewrite-percentage', '0'];
const RESTART_MAX_RATIO = 2.0;
/** Restarts per side, alternating (--quick: 1); the table shows the median. */
const RESTART_ROUNDS = 3;
const STALL_MAX_MS = 50;
const BGSAVE_EXTRA_MAX_PCT_OF_DATASET = 20;
const WARMUP_REQUESTS = 100_000; // -P 16 SETs before the timed rows of each fresh server (--quick: /5; -P 1: /5 more)
const FILL_KEYS_PER_MSET = 1000;
const EXTRA_SETS_AFTER_REWRITE = 1000;
const LOAD_WARMUP_MS = 1000;
const BASELINE_PROBE_MS = 2000;
const RSS_POLL_MS = 20;
const JOB_POLL_MS = 100;
const JOB_TIMEOUT_MS = 300_000;
const RESTART_TIMEOUT_MS = 300_000;

// ---------------------------------------------------------------------------------------------
// Results


export interface AofRow {
  id: PersistenceId;
  name: string;
  requests: number;
  redis: Cell<Measurement>;
  concord: Cell<Measurement>;
  ratio: number | undefined;
  minRatio: number | undefined;
  /** Concord only: INFO concord_aof_write_calls / concord_aof_fsync_calls deltas over the run. */
  aofCalls: Partial<Record<ServerId, { writes: number; fsyncs: number; wallSec: number }>>;
  /** Redis only: INFO aof_delayed_fsync delta (everysec fsyncs that could not keep up). */
  delayedFsync: Partial<Record<ServerId, number>>;
  /** ops/s of every round, in order (0 for a failed one); the row's cells are the median round. */
  rounds: Partial<Record<ServerId, number[]>>;
}

export interface RestartSide {
  emptyStartSec?: number;
  fillSec?: number;
  persistSec?: number; // SAVE, or BGREWRITEAOF until done
  fileBytes?: number;
  restartSec?: number; // the median of restartRounds
  restartRounds?: number[];
  sawLoading?: boolean;
  dbsize?: number;
  error?: string;
}

export interface BgsaveSide {
  datasetBytes?: number;
  baselineMaxMs?: number;
  baselineOpsPerSec?: number;
  baselineRssDriftBytes?: number;
  probesOverLimit?: number;
  /** The 5 slowest probes during the save: [ms from BGSAVE sent to the probe's send, RTT ms]. */
  slowest?: [number, number][];
  maxMs?: number;
  p99Ms?: number;
  probes?: number;
  durationSec?: number;
  loadOpsPerSec?: number;
  rssBeforeBytes?: number;
  rssPeakBytes?: number;
  childPeakBytes?: number;
  forkUsec?: number;
  cowBytes?: number;
  longestSliceMs?: number;
  keys?: number;
  error?: string;
}

export interface PersistenceResult {
  keys: number;
  aofRows: AofRow[];
  rdb: Record<ServerId, RestartSide> | undefined;
  aof: Record<ServerId, RestartSide> | undefined;
  bgsave: Record<ServerId, BgsaveSide> | undefined;
  loadCommand: string | undefined;
  servers: string[];
}

// ---------------------------------------------------------------------------------------------
// Helpers

const SERVERS: { id: ServerId; label: string }[] = [{ id: 'redis', label: 'Redis' }, { id: 'concord', label: 'Concord' }];

function cmdFor(o: PersistenceOptions, id: ServerId): string[] {
  return id === 'redis' ? [o.redisServer] : o.concordCmd;
}


function key(i: number): string {
  return `key:${String(i).padStart(12, '0')}`; // what redis-benchmark makes of key:__rand_int__
}

/** MSET key:0 .. key:<n-1> to "xxx", FILL_KEYS_PER_MSET keys per command, 16 in flight. */
async function fill(srv: Server, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  await withConn(srv, (c) => c.pipeline(Math.ceil(n / FILL_KEYS_PER_MSET), (b) => {
    const args = ['mset'];
    for (let i = b * FILL_KEYS_PER_MSET; i < Math.min(n, (b + 1) * FILL_KEYS_PER_MSET); i++) args.push(key(i), 'xxx');
    return args;
  }, 16));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function dbsize(srv: Server): Promise<number> {
  return withConn(srv, async (c) => {
    const r = await c.call(['dbsize']);
    if (typeof r !== 'number') throw new Error(`DBSIZE: unexpected reply ${JSON.stringify(r)}`);
    return r;
  });
}

/**
 * Connects and sends PING until +PONG, retrying refused connections and -LOADING replies every
 * 5 ms. Resolves to the seconds from the server's spawn to the +PONG, and whether -LOADING was seen.
 */
async function timeToPong(srv: Server, timeoutMs: number): Promise<{ sec: number; sawLoading: boolean }> {
  const deadline = Date.now() + timeoutMs;
  let sawLoading = false;
  for (;;) {
    if (srv.exit !== undefined) throw new Error(`${srv.label} ${srv.exit} before answering PING. Its output:\n${srv.logTail.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`${srv.label} did not answer +PONG within ${timeoutMs / 1000}s`);
    const sock = await new Promise<net.Socket | undefined>((resolve) => {
      const s = net.connect(srv.port, '127.0.0.1');
      s.once('connect', () => { s.removeAllListeners('error'); resolve(s); });
      s.once('error', () => { s.destroy(); resolve(undefined); });
    });
    if (sock === undefined) { await sleep(5); continue; }
    const reply = await new Promise<string>((resolve) => {
      let buf = '';
      const ask = (): void => { sock.write('PING\r\n'); };
      sock.setEncoding('latin1');
      sock.on('data', (d: string) => {
        buf += d;
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const line = buf.slice(0, eol);
        buf = buf.slice(eol + 2);
        if (line.startsWith('-LOADING') && Date.now() < deadline) { sawLoading = true; setTimeout(ask, 5); return; }
        resolve(line);
      });
      sock.on('error', (e) => resolve(`(connection error: ${e.message})`));
      sock.on('close', () => resolve('(connection closed)'));
      ask();
    });
    const at = process.hrtime.bigint();
    sock.destroy();
    if (reply === '+PONG') return { sec: Number(at - srv.spawnedNs) / 1e9, sawLoading };
    if (reply.startsWith('(')) { await sleep(5); continue; } // closed while starting: try again
    throw new Error(`PING replied ${reply}`);
  }
}

/** Polls INFO persistence until none of the fields is 1 any more. */
async function waitJob(c: RespClient, fields: string[]): Promise<Map<string, string>> {
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  for (;;) {
    const m = await info(c, 'persistence');
    if (fields.every((f) => m.get(f) !== '1')) return m;
    if (Date.now() > deadline) throw new Error(`${fields.join('/')} still 1 after ${JOB_TIMEOUT_MS / 1000}s`);
    await sleep(JOB_POLL_MS);
  }
}

function dirBytes(p: string): number {
  let total = 0;
  for (const ent of fs.readdirSync(p, { withFileTypes: true })) {
    const full = path.join(p, ent.name);
    total += ent.isDirectory() ? dirBytes(full) : fs.statSync(full).size;
  }
  return total;
}

function vmRss(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The pids whose parent is pid (Redis's BGSAVE child). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try { if (readStat(Number(ent)).ppid === pid) out.push(Number(ent)); } catch { /* gone */ }
  }
  return out;
}

interface AofRun {
  m: Cell<Measurement>;
  calls: { writes: number; fsyncs: number; wallSec: number } | undefined;
  delayedFsync: number | undefined;
}

/** One redis-benchmark run of an AOF row on `srv`, with the INFO persistence counters' deltas. */
async function aofRun(o: PersistenceOptions, srv: Server, row: AofRow, round: string, commandsRun: string[]): Promise<AofRun> {
  const p = row.id.endsWith('-p16') ? 16 : 1;
  const args = ['-h', '127.0.0.1', '-p', String(srv.port), '-t', 'set', '-n', String(row.requests),
    '-c', String(o.clients), '-P', String(p), '-r', String(o.keyspace), '--csv'];
  const cmdline = shellQuote([o.redisBenchmark, ...args]);
  commandsRun.push(`# persistence ${row.name}, ${srv.label}, ${round}: ${cmdline}`);
  log(`${row.name} on ${srv.label}, ${round}: ${cmdline}`);
  const before = await withConn(srv, (c) => info(c, 'persistence'));
  const m = await measure(o, srv, args, row.requests);
  if (!isOk(m)) {
    log(`  FAILED: ${m.error}`);
    return { m, calls: undefined, delayedFsync: undefined };
  }
  const after = await withConn(srv, (c) => info(c, 'persistence'));
  const delta = (f: string): number | undefined => {
    const a = num(after, f);
    const b = num(before, f);
    return a === undefined || b === undefined ? undefined : a - b;
  };
  const writes = delta('concord_aof_write_calls');
  const fsyncs = delta('concord_aof_fsync_calls');
  const calls = writes !== undefined && fsyncs !== undefined ? { writes, fsyncs, wallSec: m.wallSec } : undefined;
  log(`  ${fmtInt(m.rps)} ops/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms` +
    (calls ? `, AOF writes ${fmtInt(calls.writes)}, fsyncs ${fmtInt(calls.fsyncs)} in ${m.wallSec.toFixed(1)}s` : ''));
  return { m, calls, delayedFsync: delta('aof_delayed_fsync') };
}

function persistFlags(aof: false | 'always' | 'everysec'): string[] {
  return aof === false ? ['--save', '', '--appendonly', 'no'] : ['--save', '', '--appendonly', 'yes', '--appendfsync', aof];
}

// ---------------------------------------------------------------------------------------------
// The group

export async function runPersistence(o: PersistenceOptions, wanted: (id: PersistenceId) => boolean, commandsRun: string[]): Promise<PersistenceResult> {
  const res: PersistenceResult = { keys: o.persistKeys, aofRows: [], rdb: undefined, aof: undefined, bgsave: undefined, loadCommand: undefined, servers: [] };
  const started = (s: Server, restart = false): void => {
    res.servers.push(`${s.label}${restart ? ' (restart)' : ''}: ${shellQuote(s.argv)}`);
    log(`starting ${s.label}${restart ? ' (restart)' : ''}: ${shellQuote(s.argv)}`);
  };

  // 1. SET throughput with appendonly yes, per fsync policy; each policy on fresh servers, both
  // up at once so the rounds can alternate (measured minutes apart, the same build moved by a
  // fifth with whatever else the shared machine was doing).
  for (const policy of ['always', 'everysec', 'no'] as const) {
    const rows = AOF_ROWS.filter((r) => r.policy === policy && wanted(`aof-${policy}-p${r.pipeline}` as PersistenceId));
    if (rows.length === 0) continue;
    const made = rows.map((r): AofRow => ({
      id: `aof-${policy}-p${r.pipeline}` as PersistenceId,
      name: policy === 'no' ? `SET appendonly no -P ${r.pipeline}` : `SET ${policy} -P ${r.pipeline}`,
      requests: Math.max(1000, Math.round(r.requests / (o.quick ? 10 : 1))),
      redis: { error: 'not run' }, concord: { error: 'not run' }, ratio: undefined, minRatio: r.minRatio, aofCalls: {}, delayedFsync: {}, rounds: {},
    }));
    res.aofRows.push(...made);
    const srvs: Server[] = [];
    try {
      for (const { id, label } of SERVERS) {
        const srv = startServer(id, label, cmdFor(o, id), await freePort(), { persistence: policy === 'no' ? persistFlags(false) : [...persistFlags(policy), ...NO_AUTO_REWRITE] });
        srvs.push(srv);
        started(srv);
        await waitForPing(o, srv);
        // Untimed warm-up, as for the core rows: a fresh Node process runs its first requests
        // unoptimized. Both pipeline depths: under always, -P 1 groups take another code path
        // (fsync on the loop) than -P 16 ones (on the pool).
        for (const pipeline of [16, 1]) {
          const requests = WARMUP_REQUESTS / (o.quick ? 5 : 1) / (pipeline === 1 ? 5 : 1);
          const warm = ['-h', '127.0.0.1', '-p', String(srv.port), '-t', 'set', '-n', String(requests),
            '-c', String(o.clients), '-P', String(pipeline), '-r', String(o.keyspace), '-q'];
          commandsRun.push(`# persistence warm-up (${policy}), ${label}: ${shellQuote([o.redisBenchmark, ...warm])}`);
          const w = await run(o.redisBenchmark, warm, o.runTimeoutSec * 1000);
          if (w.code !== 0) throw new Error(`warm-up failed on ${label} (${w.code ?? w.signal}): ${(w.stderr + w.stdout).trim().slice(-300)}`);
        }
      }
      const rounds = o.quick ? 1 : AOF_ROUNDS;
      for (const row of made) {
        const runs = await alternateRounds(srvs, rounds, (srv, round) => aofRun(o, srv, row, round, commandsRun));
        for (const srv of srvs) {
          const { rps, median: chosen } = runs.get(srv.id)!;
          row.rounds[srv.id] = rps;
          row[srv.id] = chosen.m;
          if (chosen.calls !== undefined) row.aofCalls[srv.id] = chosen.calls;
          if (chosen.delayedFsync !== undefined) row.delayedFsync[srv.id] = chosen.delayedFsync;
        }
      }
    } catch (err) {
      const e = errText(err);
      log(`  FAILED: ${e}`);
      for (const row of made) for (const { id } of SERVERS) if (!ok(row[id]) && row[id].error === 'not run') row[id] = { error: e };
    } finally {
      for (const srv of srvs) {
        await stopServer(srv);
        removeTmpDir(srv.dir);
      }
    }
    for (const row of made) if (isOk(row.redis) && isOk(row.concord)) row.ratio = row.concord.rps / row.redis.rps;
  }

  // 2 and 3. N keys in dump.rdb: restart time, then BGSAVE under load on the restarted server.
  // Each side fills and saves once; the restarts then alternate between the sides.
  if (wanted('restart-rdb') || wanted('bgsave')) {
    const sides: Record<ServerId, RestartSide> = { redis: {}, concord: {} };
    if (wanted('restart-rdb')) res.rdb = sides;
    const bgsave: Record<ServerId, BgsaveSide> | undefined = wanted('bgsave') ? { redis: {}, concord: {} } : undefined;
    res.bgsave = bgsave;
    const flags = persistFlags(false);
    const dirs = await prepareDirs(o, sides, flags, started, async (srv, side) => {
      const t0 = process.hrtime.bigint();
      await withConn(srv, (c) => c.call(['save']));
      side.persistSec = Number(process.hrtime.bigint() - t0) / 1e9;
      side.fileBytes = fs.statSync(path.join(srv.dir, 'dump.rdb')).size;
      log(`  SAVE ${side.persistSec.toFixed(2)}s, dump.rdb ${fmtMB(side.fileBytes)}`);
    });
    const rounds = wanted('restart-rdb') && !o.quick ? RESTART_ROUNDS : 1;
    await alternateRestarts(o, sides, dirs, flags, rounds, o.persistKeys, started, bgsave === undefined ? undefined : async (srv, id) => {
      await bgsaveUnderLoad(o, srv, bgsave[id], commandsRun, (c) => { res.loadCommand = c; });
    });
    if (bgsave) for (const { id } of SERVERS) if (sides[id].error !== undefined && bgsave[id].maxMs === undefined) bgsave[id].error = `set-up failed: ${sides[id].error}`;
    for (const dir of dirs.values()) removeTmpDir(dir);
  }

  // 2b. N keys in appendonlydir (base from BGREWRITEAOF + a non-empty incr file): restart time.
  if (wanted('restart-aof')) {
    const sides: Record<ServerId, RestartSide> = { redis: {}, concord: {} };
    res.aof = sides;
    const flags = persistFlags('everysec');
    const dirs = await prepareDirs(o, sides, flags, started, async (srv, side) => {
      const t0 = process.hrtime.bigint();
      await withConn(srv, async (c) => {
        const r = await c.send(['bgrewriteaof']);
        if (r instanceof ReplyError) throw new Error(`BGREWRITEAOF replied ${r.message}`);
        await sleep(JOB_POLL_MS);
        const m = await waitJob(c, ['aof_rewrite_in_progress', 'aof_rewrite_scheduled']);
        if (m.get('aof_last_bgrewrite_status') !== 'ok') throw new Error(`aof_last_bgrewrite_status:${m.get('aof_last_bgrewrite_status')}`);
      });
      side.persistSec = Number(process.hrtime.bigint() - t0) / 1e9;
      await withConn(srv, (c) => c.pipeline(EXTRA_SETS_AFTER_REWRITE, (i) => ['set', `extra:${i}`, 'xxx']));
      log(`  BGREWRITEAOF ${side.persistSec.toFixed(2)}s, then ${EXTRA_SETS_AFTER_REWRITE} SETs`);
    }, (dir, side) => { side.fileBytes = dirBytes(path.join(dir, 'appendonlydir')); });
    await alternateRestarts(o, sides, dirs, flags, o.quick ? 1 : RESTART_ROUNDS, o.persistKeys + EXTRA_SETS_AFTER_REWRITE, started);
    for (const dir of dirs.values()) removeTmpDir(dir);
  }
  return res;
}

/**
 * For each side: a fresh server, its start time on the empty dir, the fill, then `persist` (SAVE,
 * BGREWRITEAOF...), a clean stop and `afterStop`. Returns the directories of the sides that got
 * there; a side that failed has `error` set and no directory.
 */
async function prepareDirs(
  o: PersistenceOptions,
  sides: Record<ServerId, RestartSide>,
  flags: string[],
  started: (s: Server, restart?: boolean) => void,
  persist: (srv: Server, side: RestartSide) => Promise<void>,
  afterStop?: (dir: string, side: RestartSide) => void,
): Promise<Map<ServerId, string>> {
  const dirs = new Map<ServerId, string>();
  for (const { id, label } of SERVERS) {
    const side = sides[id];
    const srv = startServer(id, label, cmdFor(o, id), await freePort(), { persistence: flags });
    started(srv);
    try {
      side.emptyStartSec = (await timeToPong(srv, o.startTimeoutSec * 1000)).sec;
      log(`${label}: filling ${fmtInt(o.persistKeys)} keys (MSET, ${FILL_KEYS_PER_MSET} per command)...`);
      side.fillSec = await fill(srv, o.persistKeys);
      await persist(srv, side);
      await stopServer(srv);
      afterStop?.(srv.dir, side);
      dirs.set(id, srv.dir);
    } catch (err) {
      side.error = errText(err);
      log(`  FAILED: ${side.error}`);
      await stopServer(srv);
      removeTmpDir(srv.dir);
    }
  }
  return dirs;
}

/**
 * Restarts each prepared side on its directory, `rounds` times with the sides alternating, timing
 * spawn -> +PONG and checking DBSIZE; restartSec is each side's median round. `atLast` runs on
 * each side's last restart before it stops (the BGSAVE measurement).
 */
async function alternateRestarts(
  o: PersistenceOptions,
  sides: Record<ServerId, RestartSide>,
  dirs: Map<ServerId, string>,
  flags: string[],
  rounds: number,
  wantKeys: number,
  started: (s: Server, restart?: boolean) => void,
  atLast?: (srv: Server, id: ServerId) => Promise<void>,
): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    for (const { id, label } of SERVERS) {
      const side = sides[id];
      const dir = dirs.get(id);
      if (dir === undefined || side.error !== undefined) continue;
      const srv = startServer(id, label, cmdFor(o, id), await freePort(), { dir, persistence: flags });
      started(srv, true);
      try {
        const t = await timeToPong(srv, RESTART_TIMEOUT_MS);
        (side.restartRounds ??= []).push(t.sec);
        side.sawLoading = (side.sawLoading ?? false) || t.sawLoading;
        side.dbsize = await dbsize(srv);
        log(`  ${label} restart, round ${round} of ${rounds}: ${t.sec.toFixed(2)}s, DBSIZE ${fmtInt(side.dbsize)}`);
        if (side.dbsize !== wantKeys) throw new Error(`DBSIZE ${side.dbsize} after the restart, wanted ${wantKeys}`);
        if (round === rounds) {
          side.restartSec = [...side.restartRounds].sort((a, b) => a - b)[Math.floor(side.restartRounds.length / 2)];
          await atLast?.(srv, id);
        }
      } catch (err) {
        side.error = errText(err);
        log(`  FAILED: ${side.error}`);
      } finally {
        await stopServer(srv);
      }
    }
  }
}

/**
 * BGSAVE while redis-benchmark -t set,get -P 1 runs: a probe connection sends PING, one at a time,
 * and the worst round trip while the save runs is the stall clients see. RSS is polled every
 * RSS_POLL_MS (the server, and any child it forks).
 */
async function bgsaveUnderLoad(o: PersistenceOptions, srv: Server, side: BgsaveSide, commandsRun: string[], setCommand: (c: string) => void): Promise<void> {
  const args = ['-h', '127.0.0.1', '-p', String(srv.port), '-t', 'set,get', '-c', String(o.clients), '-P', '1',
    '-r', String(o.persistKeys), '-n', '1000000000', '-q'];
  const cmdline = shellQuote([o.redisBenchmark, ...args]);
  setCommand(shellQuote([o.redisBenchmark, ...args.slice(4)]));
  commandsRun.push(`# persistence BGSAVE load, ${srv.label} (stopped when the save ends): ${cmdline}`);
  const ctl = await RespClient.connect(srv);
  const probeConn = await RespClient.connect(srv);
  let load: ReturnType<typeof runBackground> | undefined;
  let rssTimer: NodeJS.Timeout | undefined;
  let probing = true;
  const samples: { startNs: bigint; endNs: bigint }[] = [];
  const probeLoop = (async () => {
    while (probing) {
      const t0 = process.hrtime.bigint();
      const r = await probeConn.send(['ping']);
      if (r instanceof ReplyError) throw new Error(`probe PING replied ${r.message}`);
      samples.push({ startNs: t0, endNs: process.hrtime.bigint() });
    }
  })();
  probeLoop.catch(() => undefined); // handled where it is awaited; this keeps it from being 'unhandled' meanwhile
  try {
    const db0 = /keys=(\d+)/.exec((await info(ctl, 'keyspace')).get('db0') ?? '');
    side.keys = db0 ? Number(db0[1]) : 0;
    const mem = await info(ctl, 'memory');
    side.datasetBytes = num(mem, 'used_memory_dataset') ?? num(mem, 'used_memory');
    log(`BGSAVE on ${srv.label} under load: ${cmdline}`);
    load = runBackground(o.redisBenchmark, args, o.runTimeoutSec * 1000);
    await sleep(LOAD_WARMUP_MS);
    const baselineFromNs = process.hrtime.bigint();
    const statsBase = await info(ctl, 'stats');
    const rssBase = vmRss(srv.pid);
    await sleep(BASELINE_PROBE_MS);
    if (load.child.exitCode !== null) throw new Error(`redis-benchmark exited early: ${(await load.done).stderr.slice(-300)}`);
    const stats0 = await info(ctl, 'stats');
    const baselineSec = Number(process.hrtime.bigint() - baselineFromNs) / 1e9;
    side.baselineOpsPerSec = ((num(stats0, 'total_commands_processed') ?? NaN) - (num(statsBase, 'total_commands_processed') ?? NaN)) / baselineSec;
    side.rssBeforeBytes = vmRss(srv.pid);
    if (rssBase !== undefined && side.rssBeforeBytes !== undefined) side.baselineRssDriftBytes = side.rssBeforeBytes - rssBase;
    let peak = side.rssBeforeBytes ?? 0;
    let childPid: number | undefined;
    let childPeak = 0;
    let lastScan = 0;
    rssTimer = setInterval(() => {
      peak = Math.max(peak, vmRss(srv.pid) ?? 0);
      if (childPid === undefined && Date.now() - lastScan >= 100) {
        lastScan = Date.now();
        childPid = childPids(srv.pid)[0];
      }
      if (childPid !== undefined) childPeak = Math.max(childPeak, vmRss(childPid) ?? 0);
    }, RSS_POLL_MS);
    const t0 = process.hrtime.bigint();
    const r = await ctl.send(['bgsave']);
    if (r instanceof ReplyError) throw new Error(`BGSAVE replied ${r.message}`);
    const after = await waitJob(ctl, ['rdb_bgsave_in_progress']);
    const t1 = process.hrtime.bigint();
    clearInterval(rssTimer);
    rssTimer = undefined;
    side.rssPeakBytes = Math.max(peak, vmRss(srv.pid) ?? 0);
    if (childPeak > 0) side.childPeakBytes = childPeak;
    const stats1 = await info(ctl, 'stats');
    probing = false;
    await probeLoop;
    load.stop();
    await load.done;
    side.durationSec = Number(t1 - t0) / 1e9;
    if (after.get('rdb_last_bgsave_status') !== 'ok') throw new Error(`rdb_last_bgsave_status:${after.get('rdb_last_bgsave_status')}`);
    const cmds = (num(stats1, 'total_commands_processed') ?? NaN) - (num(stats0, 'total_commands_processed') ?? NaN);
    side.loadOpsPerSec = cmds / side.durationSec;
    side.forkUsec = num(stats1, 'latest_fork_usec');
    side.cowBytes = num(after, 'rdb_last_cow_size');
    side.longestSliceMs = num(after, 'concord_last_snapshot_longest_slice_ms');
    const rtt = (s: { startNs: bigint; endNs: bigint }): number => Number(s.endNs - s.startNs) / 1e6;
    const base = samples.filter((s) => s.startNs >= baselineFromNs && s.endNs <= t0).map(rtt);
    const during = samples.filter((s) => s.endNs > t0 && s.startNs < t1).map(rtt).sort((a, b) => a - b);
    side.baselineMaxMs = base.length > 0 ? Math.max(...base) : undefined;
    side.probes = during.length;
    side.probesOverLimit = during.filter((x) => x >= STALL_MAX_MS).length;
    side.slowest = samples.filter((x) => x.endNs > t0 && x.startNs < t1)
      .map((x): [number, number] => [Number(x.startNs - t0) / 1e6, rtt(x)]).sort((a, b) => b[1] - a[1]).slice(0, 5);
    side.maxMs = during[during.length - 1];
    side.p99Ms = during[Math.min(during.length - 1, Math.floor(during.length * 0.99))];
    log(`  BGSAVE ${side.durationSec.toFixed(2)}s, probe max ${side.maxMs?.toFixed(1)} ms (${during.length} probes; ` +
      `load only: ${side.baselineMaxMs?.toFixed(1)} ms), RSS ${fmtMB(side.rssBeforeBytes ?? NaN)} -> peak ${fmtMB(side.rssPeakBytes)}` +
      `${side.childPeakBytes ? `, child peak ${fmtMB(side.childPeakBytes)}` : ''}`);
  } catch (err) {
    side.error = errText(err);
    log(`  FAILED: ${side.error}`);
  } finally {
    if (rssTimer) clearInterval(rssTimer);
    probing = false;
    load?.stop();
    await probeLoop.catch(() => undefined);
    await load?.done.catch(() => undefined);
    ctl.close();
    probeConn.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

export function persistenceFailures(r: PersistenceResult): number {
  let n = 0;
  for (const row of r.aofRows) n += (ok(row.redis) ? 0 : 1) + (ok(row.concord) ? 0 : 1);
  for (const part of [r.rdb, r.aof, r.bgsave]) {
    if (part) n += (part.redis.error ? 1 : 0) + (part.concord.error ? 1 : 0);
  }
  return n;
}

const sec = (v: number | undefined): string => (v === undefined ? '-' : `${v.toFixed(2)} s`);
const ms = (v: number | undefined): string => (v === undefined ? '-' : `${v.toFixed(1)} ms`);
const mb = (v: number | undefined): string => (v === undefined ? '-' : fmtMB(v));
const pct = (v: number | undefined, of: number | undefined): string =>
  (v === undefined || of === undefined || of <= 0 ? '-' : `${((100 * v) / of).toFixed(1)}%`);

export function formatPersistence(r: PersistenceResult, clients: number, keyspace: number): string[] {
  const out: string[] = [];
  if (r.aofRows.length > 0) {
    out.push('');
    out.push(`persistence: SET with appendonly yes --appendfsync <policy> (-c ${clients}, -r ${fmtInt(keyspace)}; each policy on fresh servers, --save '',`);
    out.push(`--auto-aof-rewrite-percentage 0 with appendonly yes; both servers up at once, the rounds alternating, each cell from its side's median round)`);
    out.push('');
    const m = (c: Cell<Measurement>, f: (m: Measurement) => string): string => (ok(c) ? f(c) : 'ERR');
    out.push(table(
      ['row', 'requests', 'Redis ops/s', 'Concord ops/s', 'C/R', 'target', 'p50 R', 'p50 C', 'p99 R', 'p99 C',
        'C writes/s', 'C fsyncs/s', 'C SETs/fsync', 'R aof_delayed_fsync'],
      r.aofRows.map((row) => {
        const calls = row.aofCalls.concord;
        return [
          row.name, fmtInt(row.requests), m(row.redis, (x) => fmtInt(x.rps)), m(row.concord, (x) => fmtInt(x.rps)),
          fmtRatio(row.ratio), fmtTarget(row.ratio, '>=', row.minRatio),
          m(row.redis, (x) => x.p50Ms.toFixed(3)), m(row.concord, (x) => x.p50Ms.toFixed(3)),
          m(row.redis, (x) => x.p99Ms.toFixed(3)), m(row.concord, (x) => x.p99Ms.toFixed(3)),
          calls ? fmtInt(calls.writes / calls.wallSec) : '-', calls ? fmtInt(calls.fsyncs / calls.wallSec) : '-',
          calls && calls.fsyncs > 0 ? (row.requests / calls.fsyncs).toFixed(1) : '-',
          row.delayedFsync.redis !== undefined ? fmtInt(row.delayedFsync.redis) : '-',
        ];
      }),
      [false, true, true, true, true, false, true, true, true, true, true, true, true, true],
    ));
    out.push('C writes/s, fsyncs/s: INFO concord_aof_write_calls / concord_aof_fsync_calls deltas over the run\'s wall time;');
    out.push('C SETs/fsync = requests / fsync calls (group commit: one write+fdatasync per group of event-loop turns). Redis has no fsync counter.');
    for (const row of r.aofRows) {
      const rr = row.rounds.redis ?? [];
      const rc = row.rounds.concord ?? [];
      if (rr.length > 1 || rc.length > 1) out.push(`${row.name}: ops/s by round: Redis ${rr.map(fmtInt).join(' / ')}; Concord ${rc.map(fmtInt).join(' / ')}`);
    }
    for (const row of r.aofRows) {
      for (const id of ['redis', 'concord'] as const) {
        const c = row[id];
        if (!ok(c)) out.push(`error: ${row.name} on ${id}: ${c.error}`);
      }
    }
  }

  const restartRows = (label: string, part: Record<ServerId, RestartSide>, persistLabel: string, fileLabel: string, want: number): string[][] => {
    const ratio = part.redis.restartSec !== undefined && part.concord.restartSec !== undefined ? part.concord.restartSec / part.redis.restartSec : undefined;
    const cell = (f: (s: RestartSide) => string): string[] => [f(part.redis), f(part.concord)];
    return [
      [`${label}: start on an empty dir (spawn -> +PONG)`, ...cell((s) => sec(s.emptyStartSec)), '', ''],
      [`${label}: fill (MSET, ${FILL_KEYS_PER_MSET} keys per command)`, ...cell((s) => sec(s.fillSec)), '', ''],
      [`${label}: ${persistLabel}`, ...cell((s) => sec(s.persistSec)), '', ''],
      [`${label}: ${fileLabel}`, ...cell((s) => mb(s.fileBytes)), '', ''],
      [`${label}: RESTART (spawn -> +PONG), median round`, ...cell((s) => (s.error && s.restartSec === undefined ? 'ERR' : sec(s.restartSec))),
        fmtRatio(ratio), fmtTarget(ratio, '<=', RESTART_MAX_RATIO)],
      [`${label}: restart by round (alternating)`, ...cell((s) => (s.restartRounds ?? []).map((x) => x.toFixed(2)).join(' / ') || '-'), '', ''],
      [`${label}: DBSIZE after restart (want ${fmtInt(want)})`, ...cell((s) => (s.dbsize === undefined ? '-' : fmtInt(s.dbsize))), '', ''],
      [`${label}: -LOADING seen while starting`, ...cell((s) => (s.sawLoading === undefined ? '-' : s.sawLoading ? 'yes' : 'no')), '', ''],
    ];
  };
  const rows: string[][] = [];
  if (r.rdb) rows.push(...restartRows('RDB', r.rdb, 'SAVE', 'dump.rdb size', r.keys));
  if (r.aof) rows.push(...restartRows('AOF', r.aof, 'BGREWRITEAOF until done', `appendonlydir size (+${EXTRA_SETS_AFTER_REWRITE} SETs after rewrite)`, r.keys + EXTRA_SETS_AFTER_REWRITE));
  if (rows.length > 0) {
    out.push('');
    out.push(`persistence: restart with ${fmtInt(r.keys)} keys (key:<12 digits> = "xxx"), same flags and dir; RDB: --appendonly no, AOF: --appendonly yes --appendfsync everysec`);
    out.push('');
    out.push(table(['restart', 'Redis', 'Concord', 'C/R', 'target'], rows, [false, true, true, true, false]));
  }
  for (const [what, part] of [['RDB restart', r.rdb], ['AOF restart', r.aof]] as const) {
    if (part) for (const id of ['redis', 'concord'] as const) if (part[id].error) out.push(`error: ${what} on ${id}: ${part[id].error}`);
  }

  const b = r.bgsave;
  if (b) {
    const both = (f: (s: BgsaveSide) => string): string[] => [b.redis.error ? 'ERR' : f(b.redis), b.concord.error ? 'ERR' : f(b.concord)];
    const extra = (s: BgsaveSide): number | undefined =>
      s.rssPeakBytes !== undefined && s.rssBeforeBytes !== undefined ? s.rssPeakBytes - s.rssBeforeBytes : undefined;
    const cExtraPct = b.concord.datasetBytes ? ((extra(b.concord) ?? NaN) * 100) / b.concord.datasetBytes : undefined;
    const stallOk = b.concord.maxMs === undefined ? '?' : b.concord.maxMs < STALL_MAX_MS ? 'ok' : 'MISS';
    const memOk = cExtraPct === undefined || !Number.isFinite(cExtraPct) ? '?' : cExtraPct < BGSAVE_EXTRA_MAX_PCT_OF_DATASET ? 'ok' : 'MISS';
    out.push('');
    out.push(`persistence: BGSAVE with ${fmtInt(r.keys)} keys under load (${r.loadCommand ?? 'redis-benchmark'}), on the server restarted from dump.rdb`);
    out.push('');
    out.push(table(['BGSAVE', 'Redis', 'Concord', 'target (Concord)'], [
      ['keys (INFO keyspace db0)', ...both((s) => (s.keys === undefined ? '-' : fmtInt(s.keys))), ''],
      [`probe PING max RTT, load only (${BASELINE_PROBE_MS / 1000} s before BGSAVE)`, ...both((s) => ms(s.baselineMaxMs)), ''],
      ['probe PING max RTT during BGSAVE', ...both((s) => ms(s.maxMs)), `<${STALL_MAX_MS} ms ${stallOk}`],
      ['probe PING p99 RTT during BGSAVE', ...both((s) => ms(s.p99Ms)), ''],
      ['probe PINGs during BGSAVE', ...both((s) => (s.probes === undefined ? '-' : fmtInt(s.probes))), ''],
      [`probe PINGs during BGSAVE with RTT >= ${STALL_MAX_MS} ms`, ...both((s) => (s.probesOverLimit === undefined ? '-' : fmtInt(s.probesOverLimit))), ''],
      ['Redis fork stall (latest_fork_usec)', ...both((s) => (s.forkUsec === undefined ? '-' : `${(s.forkUsec / 1000).toFixed(1)} ms`)), ''],
      ['Concord longest slice (concord_last_snapshot_longest_slice_ms)', ...both((s) => ms(s.longestSliceMs)), ''],
      ['BGSAVE duration (BGSAVE -> rdb_bgsave_in_progress:0)', ...both((s) => sec(s.durationSec)), ''],
      ['server ops/s, load only (total_commands_processed)', ...both((s) => (s.baselineOpsPerSec === undefined ? '-' : fmtInt(s.baselineOpsPerSec))), ''],
      ['server ops/s during BGSAVE (total_commands_processed)', ...both((s) => (s.loadOpsPerSec === undefined ? '-' : fmtInt(s.loadOpsPerSec))), ''],
      ['dataset (used_memory_dataset)', ...both((s) => mb(s.datasetBytes)), ''],
      [`server RSS change over the ${BASELINE_PROBE_MS / 1000} s load-only window (noise)`, ...both((s) => (s.baselineRssDriftBytes === undefined ? '-' : `${s.baselineRssDriftBytes >= 0 ? '+' : ''}${mb(s.baselineRssDriftBytes)}`)), ''],
      ['server RSS before BGSAVE', ...both((s) => mb(s.rssBeforeBytes)), ''],
      ['server RSS peak during BGSAVE', ...both((s) => mb(s.rssPeakBytes)), ''],
      ['server RSS extra, % of RSS before', ...both((s) => (extra(s) === undefined ? '-' : `${mb(extra(s))} (${pct(extra(s), s.rssBeforeBytes)})`)), ''],
      ['server RSS extra, % of dataset', ...both((s) => pct(extra(s), s.datasetBytes)), `<${BGSAVE_EXTRA_MAX_PCT_OF_DATASET}% ${memOk}`],
      ['fork child peak RSS (includes pages shared with the parent)', ...both((s) => mb(s.childPeakBytes)), ''],
      ['fork copy-on-write (rdb_last_cow_size), % of dataset', ...both((s) => (s.cowBytes === undefined ? '-' : `${mb(s.cowBytes)} (${pct(s.cowBytes, s.datasetBytes)})`)), ''],
    ], [false, true, true, false]));
    out.push('probe: one connection sends PING, one outstanding at a time; RSS = VmRSS of the server process, polled every 20 ms.');
    for (const { id, label } of SERVERS) {
      const w = b[id].slowest;
      if (w && w.length > 0) out.push(`${label} slowest probes (sent at ms after BGSAVE: RTT): ${w.map(([at, t]) => `${at.toFixed(0)}: ${t.toFixed(1)} ms`).join(', ')}`);
    }
    for (const id of ['redis', 'concord'] as const) if (b[id].error) out.push(`error: BGSAVE on ${id}: ${b[id].error}`);
  }
  if (r.servers.length > 0) {
    out.push('persistence servers (in order started):');
    for (const s of r.servers) out.push(`  ${s}`);
  }
  return out;
}
