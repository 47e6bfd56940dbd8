/**
 * bench/replication.ts: the `replication` group of bench/compare.ts. Redis and Concord each run
 * the same topology, one at a time: a primary with 2 replicas on 127.0.0.1, fresh temporary
 * dirs, `--save '' --appendonly no`, `--repl-diskless-sync-delay 0` on the primary.
 *
 *   repl-set-p1, repl-set-p16  redis-benchmark SET -c 50 on the primary with 2 replicas attached
 *   repl-quorum                synchronous writes, measured by one Node load generator for both:
 *                              Redis SET + WAIT 2 1000 (one round trip) vs Concord
 *                              --write-quorum 2 with plain SETs; plus redis-benchmark's figure
 *                              for Concord's quorum SET and Concord SET + WAIT for reference
 *   repl-lag                   write-to-visible-on-both-replicas delay of a probe key written
 *                              every ~5 ms while redis-benchmark SET load runs on the primary
 *   repl-fullsync              N keys (MSET) on the primary, then a fresh third replica:
 *                              spawn -> master_link_status:up and DBSIZE = N
 *
 * See bench/README.md ("replication group") for what each figure means.
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  ReplyError, RespClient, cpuTicks, clkTck, encodeCommand, errText, fmtInt, fmtRatio, fmtTarget, freePort, info, isOk, log, num, withConn,
  measure, removeTmpDir, run, runBackground, shellQuote, sleep, startServer, stopServer, table, waitForPing,
  alternateRounds, ok, type Cell, type Measurement, type Server, type ServerId, type Tools,
} from './harness.js';

export interface ReplicationOptions extends Tools {
  quick: boolean;
  clients: number;
  keyspace: number; // -r for the SET rows and the load generator
  replKeys: number; // keys for the full sync measurement
  redisServer: string;
  concordCmd: string[];
}

/** Row ids, for --only (the group name is `replication`). */
export const REPLICATION_IDS = ['repl-set-p1', 'repl-set-p16', 'repl-quorum', 'repl-lag', 'repl-fullsync'] as const;
export type ReplicationId = (typeof REPLICATION_IDS)[number];

const REPLICAS = 2;
/** redis-benchmark requests (default run; --quick divides by 10). */
const SET_ROWS: { id: ReplicationId; pipeline: 1 | 16; requests: number; minRatio: number | undefined }[] = [
  { id: 'repl-set-p1', pipeline: 1, requests: 200_000, minRatio: 0.9 },
  { id: 'repl-set-p16', pipeline: 16, requests: 500_000, minRatio: undefined },
];
const QUORUM_MIN_RATIO = 1.0;
const FULLSYNC_MAX_RATIO = 1.5;
const WARMUP_REQUESTS = 100_000; // -P 16 SETs on each fresh primary before the timed rows (--quick: /5)
const QUORUM_BENCH_REQUESTS = 100_000; // redis-benchmark SETs on Concord --write-quorum 2 (--quick: /10)
const WAIT_TIMEOUT_MS = 1000; // WAIT 2 <ms> of the Redis synchronous write, and Concord's --write-quorum-timeout
const SYNC_LOAD_WARM_MS = 500; // load generator: not counted
const SYNC_LOAD_MEASURE_MS = 5000; // load generator: counted (--quick: 1500)
const SYNC_ROUNDS = 3; // Redis SET+WAIT and Concord W=2 alternate this many times (--quick: 1)
const SET_ROUNDS = 3; // each SET row, Redis and Concord alternating (--quick: 1)
const LAG_LOAD_WARM_MS = 1000; // redis-benchmark load before the probes start
const LAG_PROBE_MS = 5000; // probes (--quick: 2000)
const LAG_PROBE_INTERVAL_MS = 5;
const LAG_PROBE_TIMEOUT_MS = 10_000; // one probe not visible for this long fails the row
const FILL_KEYS_PER_MSET = 1000;
const TOPOLOGY_TIMEOUT_MS = 30_000;
const CATCH_UP_TIMEOUT_MS = 60_000;
const FULLSYNC_TIMEOUT_MS = 300_000;
const POLL_MS = 10;

// ---------------------------------------------------------------------------------------------
// Results


export interface SetRow {
  id: ReplicationId | 'repl-quorum-bench';
  name: string;
  requests: number;
  /** undefined: not run on this server by design (Redis has no server-side write quorum). */
  redis: Cell<Measurement> | undefined;
  concord: Cell<Measurement> | undefined;
  ratio: number | undefined;
  minRatio: number | undefined;
  /** CPU seconds per 1M requests of both replicas together. */
  replicaCpuPer1M: Partial<Record<ServerId, number>>;
  /** From redis-benchmark's exit until both replicas' slave_repl_offset reached the primary's offset. */
  catchUpMs: Partial<Record<ServerId, number>>;
  /** ops/s of each round, the servers alternating; the columns show each server's median round. */
  rounds: Partial<Record<ServerId, number[]>>;
}

export interface SyncLoad {
  mode: string; // what each write is
  writes: number; // successful writes completed in the measuring window
  sec: number;
  writesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number; // error replies in the window (e.g. -NOQUORUM)
  firstError: string | undefined;
  shortAcks: number; // WAIT replies below the replica count in the window
}

export interface SyncResult {
  redisWait: Cell<SyncLoad> | undefined; // Redis: SET + WAIT 2 1000
  concordQuorum: Cell<SyncLoad> | undefined; // Concord --write-quorum 2: SET
  concordWait: Cell<SyncLoad> | undefined; // Concord (no quorum): SET + WAIT 2 1000, reference
  /** writes/s of each round, Redis and Concord alternating; the columns show each side's median round. */
  rounds: { redis: number[]; concord: number[] };
  ratio: number | undefined;
}

export interface LagSide {
  probes?: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  sendP99Ms?: number; // from sending the SET to visible on both replicas
  setRttP50Ms?: number;
  setRttP99Ms?: number;
  loadOpsPerSec?: number; // primary total_commands_processed over the probe window
  error?: string;
}

export interface FullSyncSide {
  topologySec?: number; // empty primary: spawn of the replicas -> both online
  fillSec?: number;
  catchUpSec?: number; // after the fill, until the 2 attached replicas have it all
  firstReplySec?: number; // spawn -> first INFO reply (process start-up)
  linkUpSec?: number; // spawn -> master_link_status:up
  syncSec?: number; // spawn -> link up and DBSIZE = N
  dbsize?: number;
  error?: string;
}

export interface ReplicationResult {
  keys: number;
  setRows: SetRow[];
  sync: SyncResult | undefined;
  lag: Record<ServerId, LagSide> | undefined;
  fullSync: Record<ServerId, FullSyncSide> | undefined;
  lagLoadCommand: string | undefined;
  servers: string[];
}

// ---------------------------------------------------------------------------------------------
// Helpers

const SERVERS: { id: ServerId; label: string }[] = [{ id: 'redis', label: 'Redis' }, { id: 'concord', label: 'Concord' }];

function cmdFor(o: ReplicationOptions, id: ServerId): string[] {
  return id === 'redis' ? [o.redisServer] : o.concordCmd;
}

function nowMs(): number {
  return performance.now();
}


/** The value at quantile q (0..1) of an ascending array (nearest rank). */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function key(i: number): string {
  return `key:${String(i).padStart(12, '0')}`; // what redis-benchmark makes of key:__rand_int__
}

interface Topology {
  id: ServerId;
  label: string;
  primary: Server;
  replicas: Server[];
}

function primaryFlags(quorum: number): string[] {
  const f = ['--repl-diskless-sync-delay', '0'];
  if (quorum > 0) f.push('--write-quorum', String(quorum), '--write-quorum-timeout', String(WAIT_TIMEOUT_MS));
  return f;
}

function startReplica(o: ReplicationOptions, id: ServerId, label: string, primary: Server, port: number): Server {
  return startServer(id, label, cmdFor(o, id), port, { extra: ['--replicaof', '127.0.0.1', String(primary.port)] });
}

/** Polls until the primary lists n replicas with state=online and each replica's link is up. */
async function waitOnline(primary: Server, replicas: Server[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    for (const s of [primary, ...replicas]) if (s.exit !== undefined) throw new Error(`${s.label} ${s.exit}. Its output:\n${s.logTail.slice(-2000)}`);
    try {
      const p = await withConn(primary, (c) => info(c, 'replication'));
      const online = [...p].filter(([k, v]) => /^slave\d+$/.test(k) && /(^|,)state=online(,|$)/.test(v)).length;
      let up = 0;
      for (const r of replicas) {
        const m = await withConn(r, (c) => info(c, 'replication'));
        if (m.get('master_link_status') === 'up') up++;
      }
      last = `${online} replica(s) online on the primary, ${up}/${replicas.length} links up`;
      if (online >= replicas.length && up === replicas.length) return;
    } catch (err) {
      last = errText(err);
    }
    if (Date.now() > deadline) throw new Error(`replicas not online within ${timeoutMs / 1000}s (${last})`);
    await sleep(POLL_MS * 2);
  }
}

/** Starts a primary and its replicas and waits until all are online; stops them if that fails. */
async function startTopology(o: ReplicationOptions, id: ServerId, label: string, quorum: number, started: (s: Server) => void): Promise<{ topo: Topology; upSec: number }> {
  const primary = startServer(id, `${label} primary`, cmdFor(o, id), await freePort(), { extra: primaryFlags(quorum) });
  started(primary);
  const topo: Topology = { id, label, primary, replicas: [] };
  try {
    await waitForPing(o, primary);
    const t0 = process.hrtime.bigint();
    for (let i = 1; i <= REPLICAS; i++) {
      const r = startReplica(o, id, `${label} replica ${i}`, primary, await freePort());
      topo.replicas.push(r);
      started(r);
    }
    await waitOnline(primary, topo.replicas, TOPOLOGY_TIMEOUT_MS);
    return { topo, upSec: Number(process.hrtime.bigint() - t0) / 1e9 };
  } catch (err) {
    await stopTopology(topo);
    throw err;
  }
}

async function stopTopology(t: Topology): Promise<void> {
  const all = [t.primary, ...t.replicas];
  await Promise.all(all.map((s) => stopServer(s)));
  for (const s of all) removeTmpDir(s.dir);
}

/**
 * Waits until every replica's slave_repl_offset reached the primary's master_repl_offset as read
 * now; resolves to the milliseconds that took.
 */
async function waitCaughtUp(primary: Server, replicas: Server[], timeoutMs: number): Promise<number> {
  const t0 = nowMs();
  const target = await withConn(primary, async (c) => num(await info(c, 'replication'), 'master_repl_offset'));
  if (target === undefined) throw new Error(`${primary.label}: INFO replication has no master_repl_offset`);
  const conns = await Promise.all(replicas.map((r) => RespClient.connect(r)));
  try {
    for (;;) {
      const offs = await Promise.all(conns.map(async (c) => num(await info(c, 'replication'), 'slave_repl_offset') ?? -1));
      if (offs.every((x) => x >= target)) return nowMs() - t0;
      if (nowMs() - t0 > timeoutMs) {
        throw new Error(`replicas did not catch up within ${timeoutMs / 1000}s: primary offset ${target}, replicas at ${offs.join(', ')}`);
      }
      await sleep(POLL_MS);
    }
  } finally {
    for (const c of conns) c.close();
  }
}

/** MSET key:0 .. key:<n-1> to "xxx", FILL_KEYS_PER_MSET keys per command, 16 in flight. */
async function fill(srv: Server, n: number): Promise<number> {
  const t0 = nowMs();
  await withConn(srv, (c) => c.pipeline(Math.ceil(n / FILL_KEYS_PER_MSET), (b) => {
    const args = ['mset'];
    for (let i = b * FILL_KEYS_PER_MSET; i < Math.min(n, (b + 1) * FILL_KEYS_PER_MSET); i++) args.push(key(i), 'xxx');
    return args;
  }, 16));
  return (nowMs() - t0) / 1000;
}

// ---------------------------------------------------------------------------------------------
// The synchronous-write load generator

interface SyncLoadOptions {
  conns: number;
  keyspace: number;
  /** Send WAIT <replicas> <timeout> right after each SET, in the same write; undefined: SET alone. */
  wait: { replicas: number; timeoutMs: number } | undefined;
  warmMs: number;
  measureMs: number;
}

/**
 * conns connections, each a closed loop: send one write (SET key:<random> xxx, followed in the same
 * socket write by WAIT when opt.wait is set), wait for all its replies, send the next. Writes that
 * complete in the measuring window (after warmMs) count; latency is from the send to the last reply.
 * Every reply expected is one line (+OK, :n or -ERR); anything else fails the run.
 */
function syncWriteLoad(srv: Server, opt: SyncLoadOptions): Promise<SyncLoad> {
  return new Promise((resolve, reject) => {
    const expect = opt.wait ? 2 : 1;
    const waitCmd = opt.wait ? encodeCommand(['WAIT', String(opt.wait.replicas), String(opt.wait.timeoutMs)]) : '';
    const lat: number[] = [];
    let phase: 'connecting' | 'warm' | 'measure' | 'drain' = 'connecting';
    let measureStart = 0;
    let measureEnd = 0;
    let errors = 0;
    let shortAcks = 0;
    let firstError: string | undefined;
    let connected = 0;
    let busy = 0; // connections with a write in flight
    let settled = false;
    const socks: net.Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      for (const s of socks) s.destroy();
      if (err) { reject(err); return; }
      lat.sort((a, b) => a - b);
      const sec = (measureEnd - measureStart) / 1000;
      resolve({
        mode: opt.wait ? `SET + WAIT ${opt.wait.replicas} ${opt.wait.timeoutMs}` : 'SET',
        writes: lat.length, sec, writesPerSec: lat.length / sec,
        p50Ms: quantile(lat, 0.5), p99Ms: quantile(lat, 0.99), maxMs: lat[lat.length - 1] ?? NaN,
        errors, firstError, shortAcks,
      });
    };
    const start = (): void => {
      phase = 'warm';
      for (const s of socks) (s as net.Socket & { sendOne: () => void }).sendOne();
      timers.push(setTimeout(() => {
        phase = 'measure';
        measureStart = nowMs();
        timers.push(setTimeout(() => {
          measureEnd = nowMs();
          phase = 'drain';
          if (busy === 0) finish();
          timers.push(setTimeout(() => finish(new Error(`${busy} write(s) still unanswered 5 s after the end`)), 5000));
        }, opt.measureMs));
      }, opt.warmMs));
    };
    timers.push(setTimeout(() => { if (phase === 'connecting') finish(new Error(`only ${connected}/${opt.conns} connections opened in 10 s`)); }, 10_000));
    for (let i = 0; i < opt.conns; i++) {
      const sock = net.connect(srv.port, '127.0.0.1') as net.Socket & { sendOne: () => void };
      socks.push(sock);
      sock.setNoDelay(true);
      sock.setEncoding('latin1');
      let pending = '';
      let got = 0;
      let sentAt = 0;
      let bad = false; // this write got an error reply or a short WAIT
      sock.sendOne = (): void => {
        if (phase === 'drain' || settled) return;
        const k = key(Math.floor(Math.random() * opt.keyspace));
        got = 0;
        bad = false;
        busy++;
        sentAt = nowMs();
        sock.write(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$3\r\nxxx\r\n${waitCmd}`, 'latin1');
      };
      sock.on('connect', () => { if (++connected === opt.conns) start(); });
      sock.on('error', (err) => finish(new Error(`${srv.label}: ${err.message}`)));
      sock.on('close', () => { if (!settled) finish(new Error(`${srv.label}: connection closed`)); });
      sock.on('data', (d: string) => {
        pending += d;
        let eol: number;
        while ((eol = pending.indexOf('\r\n')) >= 0) {
          const line = pending.slice(0, eol);
          pending = pending.slice(eol + 2);
          const type = line.charCodeAt(0);
          if (type === 45 /* - */) {
            bad = true;
            if (phase === 'measure') { errors++; firstError ??= line.slice(1, 200); }
          } else if (type === 58 /* : */) {
            if (opt.wait && Number(line.slice(1)) < opt.wait.replicas) {
              bad = true;
              if (phase === 'measure') shortAcks++;
            }
          } else if (type !== 43 /* + */) {
            finish(new Error(`${srv.label}: unexpected reply ${JSON.stringify(line.slice(0, 80))}`));
            return;
          }
          if (++got < expect) continue;
          const end = nowMs();
          busy--;
          if (phase === 'measure' && !bad) lat.push(end - sentAt);
          if (phase === 'drain') { if (busy === 0) finish(); } else sock.sendOne();
        }
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The lag probe

/**
 * Every LAG_PROBE_INTERVAL_MS: SET lagprobe:<seq> <time> on the primary and, from the moment it is
 * sent, GET it on each replica (one connection per replica, one GET in flight) until it is there.
 * The lag of a probe is from the primary's +OK to the first GET reply that shows the value on the
 * second replica (0 if both showed it before the +OK arrived).
 */
async function probeLag(primary: Server, replicas: Server[], durationMs: number): Promise<{ lag: number[]; fromSend: number[]; setRtt: number[] }> {
  const w = await RespClient.connect(primary);
  const rs = await Promise.all(replicas.map((r) => RespClient.connect(r)));
  const out = { lag: [] as number[], fromSend: [] as number[], setRtt: [] as number[] };
  try {
    const end = nowMs() + durationMs;
    for (let seq = 0; nowMs() < end; seq++) {
      const k = `lagprobe:${seq}`;
      const v = String(Date.now());
      const tSend = nowMs();
      const acked = w.call(['set', k, v]).then(() => nowMs());
      const seen = rs.map(async (c) => {
        for (;;) {
          const r = await c.send(['get', k]);
          if (r instanceof ReplyError) throw new Error(`GET on a replica replied ${r.message}`);
          if (r === v) return nowMs();
          if (nowMs() - tSend > LAG_PROBE_TIMEOUT_MS) throw new Error(`probe ${k} not visible on a replica after ${LAG_PROBE_TIMEOUT_MS / 1000}s`);
        }
      });
      // One Promise.all over all of them, so a second failure is never an unhandled rejection.
      const [tAck, ...seenAt] = await Promise.all([acked, ...seen]);
      const tSeen = Math.max(...seenAt);
      out.lag.push(Math.max(0, tSeen - tAck));
      out.fromSend.push(tSeen - tSend);
      out.setRtt.push(tAck - tSend);
      const next = tSend + LAG_PROBE_INTERVAL_MS;
      const now = nowMs();
      if (next > now) await sleep(next - now);
    }
  } finally {
    w.close();
    for (const c of rs) c.close();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The group

export async function runReplication(o: ReplicationOptions, wanted: (id: ReplicationId) => boolean, commandsRun: string[]): Promise<ReplicationResult> {
  const div = o.quick ? 10 : 1;
  const res: ReplicationResult = { keys: o.replKeys, setRows: [], sync: undefined, lag: undefined, fullSync: undefined, lagLoadCommand: undefined, servers: [] };
  const started = (s: Server): void => {
    res.servers.push(`${s.label}: ${shellQuote(s.argv)}`);
    log(`starting ${s.label}: ${shellQuote(s.argv)}`);
  };
  const bench = (srv: Server, extra: string[]): string[] => ['-h', '127.0.0.1', '-p', String(srv.port), ...extra];
  const loadOpts = (wait: boolean): SyncLoadOptions => ({
    conns: o.clients, keyspace: o.keyspace, wait: wait ? { replicas: REPLICAS, timeoutMs: WAIT_TIMEOUT_MS } : undefined,
    warmMs: SYNC_LOAD_WARM_MS, measureMs: o.quick ? 1500 : SYNC_LOAD_MEASURE_MS,
  });
  const logLoad = (l: SyncLoad): void => {
    log(`  ${fmtInt(l.writesPerSec)} writes/s (${fmtInt(l.writes)} in ${l.sec.toFixed(1)}s), p50 ${l.p50Ms.toFixed(2)} ms, ` +
      `p99 ${l.p99Ms.toFixed(2)} ms, max ${l.maxMs.toFixed(1)} ms, errors ${l.errors}, short WAITs ${l.shortAcks}`);
  };

  const setRows: SetRow[] = SET_ROWS.filter((r) => wanted(r.id)).map((r) => ({
    id: r.id, name: `SET -P ${r.pipeline}, 2 replicas attached`, requests: Math.max(1000, Math.round(r.requests / div)),
    redis: { error: 'not run' }, concord: { error: 'not run' }, ratio: undefined, minRatio: r.minRatio, replicaCpuPer1M: {}, catchUpMs: {}, rounds: {},
  }));
  res.setRows.push(...setRows);
  if (wanted('repl-quorum')) {
    res.sync = { redisWait: { error: 'not run' }, concordQuorum: { error: 'not run' }, concordWait: { error: 'not run' }, rounds: { redis: [], concord: [] }, ratio: undefined };
  }
  if (wanted('repl-lag')) res.lag = { redis: {}, concord: {} };
  if (wanted('repl-fullsync')) res.fullSync = { redis: {}, concord: {} };
  // 1. SET throughput on the primary with the replicas attached: both topologies up at once and
  // the rounds alternating, since measured minutes apart the two sides moved by a fifth with
  // whatever else the shared machine was doing.
  if (setRows.length > 0) {
    const topos: Topology[] = [];
    try {
      for (const { id, label } of SERVERS) {
        const t = (await startTopology(o, id, label, 0, started)).topo;
        topos.push(t);
        await warmUp(o, t, commandsRun);
      }
      const rounds = o.quick ? 1 : SET_ROUNDS;
      for (const row of setRows) {
        const runs = await alternateRounds(topos, rounds, (t, round) => setRun(o, t, row, round, commandsRun));
        for (const t of topos) {
          const { rps, median } = runs.get(t.id)!;
          row.rounds[t.id] = rps;
          row[t.id] = median.m;
          row.catchUpMs[t.id] = median.catchUpMs;
          row.replicaCpuPer1M[t.id] = median.replicaCpuPer1M;
        }
      }
    } catch (err) {
      const e = errText(err);
      log(`  FAILED: ${e}`);
      for (const r of setRows) for (const { id } of SERVERS) if (!ok(r[id]) && r[id]?.error === 'not run') r[id] = { error: e };
    } finally {
      for (const t of topos) await stopTopology(t);
    }
  }

  const needPlain = res.sync !== undefined || res.lag !== undefined || res.fullSync !== undefined;

  for (const { id, label } of SERVERS) {
    if (!needPlain) break;
    // Redis's SET + WAIT runs with the quorum rounds below; its plain topology is for lag and full sync.
    if (id === 'redis' && res.lag === undefined && res.fullSync === undefined) continue;
    let topo: Topology;
    try {
      const t = await startTopology(o, id, label, 0, started);
      topo = t.topo;
      if (res.fullSync) res.fullSync[id].topologySec = t.upSec;
      log(`${label}: primary and ${REPLICAS} replicas online ${t.upSec.toFixed(2)}s after the replicas' spawn`);
    } catch (err) {
      const e = `starting the topology failed: ${errText(err)}`;
      log(`  FAILED: ${e}`);
      if (res.sync && id === 'concord') res.sync.concordWait = { error: e };
      if (res.lag) res.lag[id].error = e;
      if (res.fullSync) res.fullSync[id].error = e;
      continue;
    }
    const p = topo.primary;
    try {
      await warmUp(o, topo, commandsRun);

      // 2. Replication lag under load.
      if (res.lag) await lagUnderLoad(o, topo, res.lag[id], commandsRun, (c) => { res.lagLoadCommand = c; });

      // 3. Synchronous writes the Redis way, on Concord for reference (Redis's are measured below,
      // in rounds alternating with Concord's quorum writes).
      if (res.sync && id === 'concord') {
        log(`sync writes on ${label}: load generator, ${o.clients} connections, SET + WAIT ${REPLICAS} ${WAIT_TIMEOUT_MS} per write`);
        try {
          const l = await syncWriteLoad(p, loadOpts(true));
          res.sync.concordWait = l;
          logLoad(l);
        } catch (err) {
          res.sync.concordWait = { error: errText(err) };
          log(`  FAILED: ${errText(err)}`);
        }
      }

      // 4. Full sync of N keys to a fresh replica.
      if (res.fullSync) await fullSync(o, topo, res.fullSync[id], started);
    } catch (err) {
      const e = errText(err);
      log(`  FAILED: ${e}`);
      if (res.sync && id === 'concord') {
        const c = res.sync.concordWait;
        if (c !== undefined && !ok(c) && c.error === 'not run') res.sync.concordWait = { error: e };
      }
      if (res.lag && res.lag[id].probes === undefined) res.lag[id].error ??= e;
      if (res.fullSync && res.fullSync[id].syncSec === undefined) res.fullSync[id].error ??= e;
    } finally {
      await stopTopology(topo);
    }
  }
  for (const row of setRows) if (ok(row.redis) && ok(row.concord)) row.ratio = row.concord.rps / row.redis.rps;

  // 5. Concord's synchronous quorum writes: a primary started with --write-quorum 2.
  if (res.sync) {
    const quorumRow: SetRow = {
      id: 'repl-quorum-bench', name: `SET -P 1, Concord --write-quorum ${REPLICAS}`, requests: Math.max(1000, QUORUM_BENCH_REQUESTS / div),
      redis: undefined, concord: { error: 'not run' }, ratio: undefined, minRatio: undefined, replicaCpuPer1M: {}, catchUpMs: {}, rounds: {},
    };
    res.setRows.push(quorumRow);
    let topo: Topology | undefined;
    let redisTopo: Topology | undefined;
    try {
      // Both topologies up at once, so the rounds can alternate: measured minutes apart, the two
      // sides of this row moved by a fifth with what else the shared machine was doing.
      redisTopo = (await startTopology(o, 'redis', 'Redis (SET+WAIT)', 0, started)).topo;
      topo = (await startTopology(o, 'concord', 'Concord (quorum)', REPLICAS, started)).topo;
      const p = topo.primary;
      for (const t of [redisTopo, topo]) await warmUp(o, t, commandsRun);

      const redisLoads: SyncLoad[] = [];
      const quorumLoads: SyncLoad[] = [];
      const rounds = o.quick ? 1 : SYNC_ROUNDS;
      for (let round = 1; round <= rounds; round++) {
        for (const [t, wait, into] of [[redisTopo, true, redisLoads], [topo, false, quorumLoads]] as const) {
          log(`sync writes, round ${round} of ${rounds}, on ${t.label}: load generator, ${o.clients} connections, ${wait ? `SET + WAIT ${REPLICAS} ${WAIT_TIMEOUT_MS}` : 'SET'} per write`);
          const l = await syncWriteLoad(t.primary, loadOpts(wait));
          logLoad(l);
          into.push(l);
        }
      }
      res.sync.rounds = { redis: redisLoads.map((l) => l.writesPerSec), concord: quorumLoads.map((l) => l.writesPerSec) };
      res.sync.redisWait = medianLoad(redisLoads);
      res.sync.concordQuorum = medianLoad(quorumLoads);

      const args = bench(p, ['-t', 'set', '-n', String(quorumRow.requests), '-c', String(o.clients), '-P', '1', '-r', String(o.keyspace), '--csv']);
      const cmdline = shellQuote([o.redisBenchmark, ...args]);
      commandsRun.push(`# replication ${quorumRow.name}: ${cmdline}`);
      log(`${quorumRow.name}: ${cmdline}`);
      const cpu0 = topo.replicas.map((r) => cpuTicks(r.pid));
      const m = await measure(o, p, args, quorumRow.requests);
      quorumRow.concord = m;
      if (isOk(m)) {
        const cpu1 = topo.replicas.map((r) => cpuTicks(r.pid));
        quorumRow.replicaCpuPer1M.concord = ((cpu1.reduce((a, b) => a + b, 0) - cpu0.reduce((a, b) => a + b, 0)) / clkTck / quorumRow.requests) * 1e6;
        log(`  ${fmtInt(m.rps)} ops/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms`);
      } else {
        log(`  FAILED: ${m.error}`);
      }
    } catch (err) {
      const e = errText(err);
      log(`  FAILED: ${e}`);
      if (!ok(res.sync.redisWait) && res.sync.redisWait?.error === 'not run') res.sync.redisWait = { error: e };
      if (!ok(res.sync.concordQuorum) && res.sync.concordQuorum?.error === 'not run') res.sync.concordQuorum = { error: e };
      if (!ok(quorumRow.concord) && quorumRow.concord?.error === 'not run') quorumRow.concord = { error: e };
    } finally {
      if (topo) await stopTopology(topo);
      if (redisTopo) await stopTopology(redisTopo);
    }
    if (ok(res.sync.redisWait) && ok(res.sync.concordQuorum)) res.sync.ratio = res.sync.concordQuorum.writesPerSec / res.sync.redisWait.writesPerSec;
  }
  return res;
}

/** Untimed SETs (a fresh Node process runs its first requests unoptimized), then the replicas level. */
async function warmUp(o: ReplicationOptions, t: Topology, commandsRun: string[]): Promise<void> {
  const warm = ['-h', '127.0.0.1', '-p', String(t.primary.port), '-t', 'set', '-n', String(WARMUP_REQUESTS / (o.quick ? 5 : 1)),
    '-c', String(o.clients), '-P', '16', '-r', String(o.keyspace), '-q'];
  commandsRun.push(`# replication warm-up, ${t.label} primary: ${shellQuote([o.redisBenchmark, ...warm])}`);
  const wr = await run(o.redisBenchmark, warm, o.runTimeoutSec * 1000);
  if (wr.code !== 0 || /Error from server/.test(wr.stdout + wr.stderr)) throw new Error(`warm-up failed (${wr.code ?? wr.signal}): ${(wr.stderr + wr.stdout).trim().slice(-300)}`);
  await waitCaughtUp(t.primary, t.replicas, CATCH_UP_TIMEOUT_MS);
}

interface SetRun {
  m: Cell<Measurement>;
  catchUpMs: number | undefined;
  replicaCpuPer1M: number | undefined;
}

/** One redis-benchmark run of a SET row on `t`, then the wait until both replicas caught up. */
async function setRun(o: ReplicationOptions, t: Topology, row: SetRow, round: string, commandsRun: string[]): Promise<SetRun> {
  const p = t.primary;
  const pl = row.id === 'repl-set-p16' ? 16 : 1;
  const args = ['-h', '127.0.0.1', '-p', String(p.port), '-t', 'set', '-n', String(row.requests), '-c', String(o.clients), '-P', String(pl), '-r', String(o.keyspace), '--csv'];
  const cmdline = shellQuote([o.redisBenchmark, ...args]);
  commandsRun.push(`# replication ${row.name}, ${t.label} primary, ${round}: ${cmdline}`);
  log(`${row.name} on ${t.label}, ${round}: ${cmdline}`);
  const cpu0 = t.replicas.map((r) => cpuTicks(r.pid));
  const m = await measure(o, p, args, row.requests);
  if (!isOk(m)) {
    log(`  FAILED: ${m.error}`);
    return { m, catchUpMs: undefined, replicaCpuPer1M: undefined };
  }
  let catchUpMs: number;
  try {
    catchUpMs = await waitCaughtUp(p, t.replicas, CATCH_UP_TIMEOUT_MS);
  } catch (err) {
    log(`  FAILED: ${errText(err)}`);
    return { m: { error: errText(err) }, catchUpMs: undefined, replicaCpuPer1M: undefined };
  }
  const cpu1 = t.replicas.map((r) => cpuTicks(r.pid));
  const replicaCpuPer1M = ((cpu1.reduce((a, b) => a + b, 0) - cpu0.reduce((a, b) => a + b, 0)) / clkTck / row.requests) * 1e6;
  log(`  ${fmtInt(m.rps)} ops/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, replicas caught up ${catchUpMs.toFixed(0)} ms after the run`);
  return { m, catchUpMs, replicaCpuPer1M };
}

/** The round with the median writes/s (the upper middle of an even count). */
function medianLoad(loads: SyncLoad[]): SyncLoad {
  return [...loads].sort((a, b) => a.writesPerSec - b.writesPerSec)[Math.floor(loads.length / 2)];
}

/** Probes the write-to-replica visibility lag while redis-benchmark SET -P 1 load runs on the primary. */
async function lagUnderLoad(o: ReplicationOptions, topo: Topology, side: LagSide, commandsRun: string[], setCommand: (c: string) => void): Promise<void> {
  const p = topo.primary;
  const args = ['-h', '127.0.0.1', '-p', String(p.port), '-t', 'set', '-c', String(o.clients), '-P', '1', '-r', String(o.keyspace), '-n', '1000000000', '-q'];
  setCommand(shellQuote([o.redisBenchmark, ...args.slice(4)]));
  commandsRun.push(`# replication lag load, ${topo.label} primary (stopped after the probes): ${shellQuote([o.redisBenchmark, ...args])}`);
  const durationMs = o.quick ? 2000 : LAG_PROBE_MS;
  log(`lag probes on ${topo.label} (${durationMs / 1000}s, every ${LAG_PROBE_INTERVAL_MS} ms) under ${shellQuote([o.redisBenchmark, ...args])}`);
  const load = runBackground(o.redisBenchmark, args, o.runTimeoutSec * 1000);
  try {
    await sleep(o.quick ? 500 : LAG_LOAD_WARM_MS);
    if (load.child.exitCode !== null) throw new Error(`redis-benchmark exited early: ${(await load.done).stderr.slice(-300)}`);
    const stats0 = await withConn(p, (c) => info(c, 'stats'));
    const t0 = nowMs();
    const s = await probeLag(p, topo.replicas, durationMs);
    const stats1 = await withConn(p, (c) => info(c, 'stats'));
    const sec = (nowMs() - t0) / 1000;
    if (load.child.exitCode !== null) throw new Error(`redis-benchmark exited during the probes: ${(await load.done).stderr.slice(-300)}`);
    side.loadOpsPerSec = ((num(stats1, 'total_commands_processed') ?? NaN) - (num(stats0, 'total_commands_processed') ?? NaN)) / sec;
    const lag = s.lag.sort((a, b) => a - b);
    const fromSend = s.fromSend.sort((a, b) => a - b);
    const rtt = s.setRtt.sort((a, b) => a - b);
    side.probes = lag.length;
    side.p50Ms = quantile(lag, 0.5);
    side.p99Ms = quantile(lag, 0.99);
    side.maxMs = lag[lag.length - 1];
    side.sendP99Ms = quantile(fromSend, 0.99);
    side.setRttP50Ms = quantile(rtt, 0.5);
    side.setRttP99Ms = quantile(rtt, 0.99);
    log(`  ${lag.length} probes: lag p50 ${side.p50Ms.toFixed(2)} ms, p99 ${side.p99Ms.toFixed(2)} ms, max ${side.maxMs?.toFixed(2)} ms; ` +
      `probe SET RTT p99 ${side.setRttP99Ms.toFixed(2)} ms; primary ${fmtInt(side.loadOpsPerSec)} commands/s`);
  } catch (err) {
    side.error = errText(err);
    log(`  FAILED: ${side.error}`);
  } finally {
    load.stop();
    await load.done.catch(() => undefined);
  }
  // Let the replicas finish the stream before the next measurement.
  await waitCaughtUp(p, topo.replicas, CATCH_UP_TIMEOUT_MS).catch((err: unknown) => { side.error ??= errText(err); });
}

/** FLUSHALL, fill N keys on the primary, then time a fresh replica's full sync. */
async function fullSync(o: ReplicationOptions, topo: Topology, side: FullSyncSide, started: (s: Server) => void): Promise<void> {
  const p = topo.primary;
  let fresh: Server | undefined;
  try {
    await withConn(p, (c) => c.call(['flushall']));
    log(`${topo.label}: filling ${fmtInt(o.replKeys)} keys (MSET, ${FILL_KEYS_PER_MSET} per command) with ${REPLICAS} replicas attached...`);
    side.fillSec = await fill(p, o.replKeys);
    side.catchUpSec = (await waitCaughtUp(p, topo.replicas, CATCH_UP_TIMEOUT_MS * 2)) / 1000;
    const size = await withConn(p, (c) => c.call(['dbsize']));
    if (size !== o.replKeys) throw new Error(`primary DBSIZE ${JSON.stringify(size)} after the fill, wanted ${o.replKeys}`);
    log(`  filled in ${side.fillSec.toFixed(2)}s, replicas caught up ${side.catchUpSec.toFixed(2)}s later; starting a fresh replica`);
    fresh = startReplica(o, topo.id, `${topo.label} replica 3 (full sync)`, p, await freePort());
    started(fresh);
    const since = (): number => Number(process.hrtime.bigint() - fresh!.spawnedNs) / 1e9;
    const deadline = Date.now() + FULLSYNC_TIMEOUT_MS;
    let c: RespClient | undefined;
    try {
      for (;;) {
        if (fresh.exit !== undefined) throw new Error(`${fresh.label} ${fresh.exit}. Its output:\n${fresh.logTail.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`no full sync within ${FULLSYNC_TIMEOUT_MS / 1000}s (link up: ${side.linkUpSec !== undefined ? 'yes' : 'no'}, DBSIZE ${side.dbsize ?? '?'})`);
        if (c === undefined) {
          c = await RespClient.connect(fresh).catch(() => undefined);
          if (c === undefined) { await sleep(5); continue; }
        }
        const m = await info(c, 'replication');
        side.firstReplySec ??= since();
        if (m.get('master_link_status') === 'up') {
          side.linkUpSec ??= since();
          const r = await c.send(['dbsize']);
          if (typeof r === 'number') {
            side.dbsize = r;
            if (r === o.replKeys) { side.syncSec = since(); break; }
          }
        }
        await sleep(POLL_MS);
      }
    } finally {
      c?.close();
    }
    log(`  ${fresh.label}: link up ${side.linkUpSec?.toFixed(2)}s, DBSIZE ${fmtInt(side.dbsize ?? NaN)} ${side.syncSec.toFixed(2)}s after spawn`);
  } catch (err) {
    side.error = errText(err);
    log(`  FAILED: ${side.error}`);
  } finally {
    if (fresh) {
      await stopServer(fresh);
      removeTmpDir(fresh.dir);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Report

export function replicationFailures(r: ReplicationResult): number {
  let n = 0;
  for (const row of r.setRows) n += (row.redis === undefined || ok(row.redis) ? 0 : 1) + (row.concord === undefined || ok(row.concord) ? 0 : 1);
  if (r.sync) for (const c of [r.sync.redisWait, r.sync.concordQuorum, r.sync.concordWait]) if (c !== undefined && !ok(c)) n++;
  for (const part of [r.lag, r.fullSync]) if (part) n += (part.redis.error ? 1 : 0) + (part.concord.error ? 1 : 0);
  return n;
}

const ms = (v: number | undefined, digits = 2): string => (v === undefined || !Number.isFinite(v) ? '-' : `${v.toFixed(digits)} ms`);
const sec = (v: number | undefined): string => (v === undefined ? '-' : `${v.toFixed(2)} s`);

export function formatReplication(r: ReplicationResult, clients: number, keyspace: number): string[] {
  const out: string[] = [];
  const topoLine = `1 primary + ${REPLICAS} replicas on 127.0.0.1 per server (fresh dirs, --save '' --appendonly no, primary --repl-diskless-sync-delay 0)`;
  if (r.setRows.length > 0) {
    out.push('');
    out.push(`replication: redis-benchmark -t set -c ${clients} -r ${fmtInt(keyspace)} on the primary; ${topoLine}`);
    out.push('');
    const m = (c: Cell<Measurement> | undefined, f: (m: Measurement) => string): string => (c === undefined ? '-' : ok(c) ? f(c) : 'ERR');
    out.push(table(
      ['row', 'requests', 'Redis ops/s', 'Concord ops/s', 'C/R', 'target', 'p50 R', 'p50 C', 'p99 R', 'p99 C',
        'prim CPU s/1M R', 'prim CPU s/1M C', 'repl CPU s/1M R', 'repl CPU s/1M C', 'catch-up R', 'catch-up C'],
      r.setRows.map((row) => [
        row.name, fmtInt(row.requests), m(row.redis, (x) => fmtInt(x.rps)), m(row.concord, (x) => fmtInt(x.rps)),
        fmtRatio(row.ratio), fmtTarget(row.ratio, '>=', row.minRatio),
        m(row.redis, (x) => x.p50Ms.toFixed(3)), m(row.concord, (x) => x.p50Ms.toFixed(3)),
        m(row.redis, (x) => x.p99Ms.toFixed(3)), m(row.concord, (x) => x.p99Ms.toFixed(3)),
        m(row.redis, (x) => x.cpuSecPer1M.toFixed(2)), m(row.concord, (x) => x.cpuSecPer1M.toFixed(2)),
        row.replicaCpuPer1M.redis?.toFixed(2) ?? '-', row.replicaCpuPer1M.concord?.toFixed(2) ?? '-',
        ms(row.catchUpMs.redis, 0), ms(row.catchUpMs.concord, 0),
      ]),
      [false, true, true, true, true, false, true, true, true, true, true, true, true, true, true, true],
    ));
    out.push('prim/repl CPU: utime+stime of the primary / of both replicas together per 1M requests; catch-up: from redis-benchmark\'s');
    out.push('exit until both replicas\' slave_repl_offset reached the primary\'s master_repl_offset. The --write-quorum row has no Redis');
    out.push(`counterpart in redis-benchmark (Redis's synchronous write is SET + WAIT, measured below).`);
    for (const row of r.setRows) {
      const rr = row.rounds.redis;
      const rc = row.rounds.concord;
      if (rr !== undefined && rc !== undefined && rr.length > 1) {
        out.push(`${row.name}: ${rr.length} rounds alternating, each column its median round; ops/s by round: Redis ${rr.map(fmtInt).join(' / ')}; Concord ${rc.map(fmtInt).join(' / ')}`);
      }
    }
    for (const row of r.setRows) {
      for (const id of ['redis', 'concord'] as const) {
        const c = row[id];
        if (c !== undefined && !ok(c)) out.push(`error: ${row.name} on ${id}: ${c.error}`);
      }
    }
  }

  if (r.sync) {
    const s = r.sync;
    out.push('');
    out.push(`replication: synchronous writes (${REPLICAS} replicas must have each write), one Node load generator for all columns:`);
    out.push(`${clients} connections, each a closed loop of one write: SET key:<random of ${fmtInt(keyspace)}> xxx, and for Redis WAIT ${REPLICAS} ${WAIT_TIMEOUT_MS}`);
    out.push(`sent in the same socket write (one round trip); Concord --write-quorum ${REPLICAS} --write-quorum-timeout ${WAIT_TIMEOUT_MS} gets plain SETs`);
    out.push('');
    const c = (x: Cell<SyncLoad> | undefined, f: (l: SyncLoad) => string): string => (x === undefined ? '-' : ok(x) ? f(x) : 'ERR');
    const quorumTarget = fmtTarget(s.ratio, '>=', QUORUM_MIN_RATIO);
    const lr = (a: Cell<SyncLoad> | undefined, b: Cell<SyncLoad> | undefined, f: (l: SyncLoad) => number): string =>
      (ok(a) && ok(b) ? fmtRatio(f(b) / f(a)) : '-');
    out.push(table(
      ['sync writes', `Redis SET+WAIT ${REPLICAS}`, `Concord W=${REPLICAS} SET`, 'C/R', 'target', `Concord SET+WAIT ${REPLICAS} (ref)`],
      [
        ['writes/s (measured window)', c(s.redisWait, (l) => fmtInt(l.writesPerSec)), c(s.concordQuorum, (l) => fmtInt(l.writesPerSec)), fmtRatio(s.ratio), quorumTarget, c(s.concordWait, (l) => fmtInt(l.writesPerSec))],
        ['latency p50', c(s.redisWait, (l) => ms(l.p50Ms, 3)), c(s.concordQuorum, (l) => ms(l.p50Ms, 3)), lr(s.redisWait, s.concordQuorum, (l) => l.p50Ms), '', c(s.concordWait, (l) => ms(l.p50Ms, 3))],
        ['latency p99', c(s.redisWait, (l) => ms(l.p99Ms, 3)), c(s.concordQuorum, (l) => ms(l.p99Ms, 3)), lr(s.redisWait, s.concordQuorum, (l) => l.p99Ms), '', c(s.concordWait, (l) => ms(l.p99Ms, 3))],
        ['latency max', c(s.redisWait, (l) => ms(l.maxMs, 1)), c(s.concordQuorum, (l) => ms(l.maxMs, 1)), '', '', c(s.concordWait, (l) => ms(l.maxMs, 1))],
        ['writes counted', c(s.redisWait, (l) => `${fmtInt(l.writes)} in ${l.sec.toFixed(1)} s`), c(s.concordQuorum, (l) => `${fmtInt(l.writes)} in ${l.sec.toFixed(1)} s`), '', '', c(s.concordWait, (l) => `${fmtInt(l.writes)} in ${l.sec.toFixed(1)} s`)],
        ['error replies (not counted)', c(s.redisWait, (l) => fmtInt(l.errors)), c(s.concordQuorum, (l) => fmtInt(l.errors)), '', '', c(s.concordWait, (l) => fmtInt(l.errors))],
        [`WAIT replies < ${REPLICAS} (not counted)`, c(s.redisWait, (l) => fmtInt(l.shortAcks)), '-', '', '', c(s.concordWait, (l) => fmtInt(l.shortAcks))],
      ],
      [false, true, true, true, false, true],
    ));
    out.push(`latency: from sending the write to its last reply; ${SYNC_LOAD_WARM_MS} ms of warm-up is not counted. Reference column: Concord`);
    out.push('without --write-quorum, doing what the Redis column does (client-side WAIT), on the topology of the rows above.');
    if (s.rounds.redis.length > 1) {
      out.push(`Redis and Concord W=${REPLICAS} ran ${s.rounds.redis.length} rounds each, alternating on topologies up at the same time; each column is its`);
      out.push(`median round. writes/s by round: Redis ${s.rounds.redis.map(fmtInt).join(' / ')}; Concord ${s.rounds.concord.map(fmtInt).join(' / ')}.`);
    }
    for (const [what, x] of [['Redis SET+WAIT', s.redisWait], ['Concord W=2 SET', s.concordQuorum], ['Concord SET+WAIT', s.concordWait]] as const) {
      if (x !== undefined && !ok(x)) out.push(`error: sync writes, ${what}: ${x.error}`);
      else if (x !== undefined && x.firstError) out.push(`note: sync writes, ${what}: first error reply: ${x.firstError}`);
    }
  }

  if (r.lag) {
    const l = r.lag;
    const both = (f: (s: LagSide) => string): string[] => [l.redis.error && l.redis.probes === undefined ? 'ERR' : f(l.redis), l.concord.error && l.concord.probes === undefined ? 'ERR' : f(l.concord)];
    const ratio = l.redis.p99Ms && l.concord.p99Ms !== undefined ? l.concord.p99Ms / l.redis.p99Ms : undefined;
    out.push('');
    out.push(`replication: lag under load (${r.lagLoadCommand ?? 'redis-benchmark'} on the primary)`);
    out.push(`a probe SETs lagprobe:<n> on the primary every ~${LAG_PROBE_INTERVAL_MS} ms and GETs it on each replica (one GET in flight per replica) until both have it`);
    out.push('');
    out.push(table(['lag', 'Redis', 'Concord', 'C/R'], [
      ['probes', ...both((s) => (s.probes === undefined ? '-' : fmtInt(s.probes))), ''],
      ['visible on both replicas after the primary\'s +OK: p50', ...both((s) => ms(s.p50Ms, 3)), ''],
      ['  p99', ...both((s) => ms(s.p99Ms, 3)), fmtRatio(ratio)],
      ['  max', ...both((s) => ms(s.maxMs, 3)), ''],
      ['visible on both replicas after the SET was sent: p99', ...both((s) => ms(s.sendP99Ms, 3)), ''],
      ['probe SET round trip on the primary: p50 / p99', ...both((s) => `${ms(s.setRttP50Ms, 3)} / ${ms(s.setRttP99Ms, 3)}`), ''],
      ['primary commands/s during the probes (total_commands_processed)', ...both((s) => (s.loadOpsPerSec === undefined ? '-' : fmtInt(s.loadOpsPerSec))), ''],
    ], [false, true, true, true]));
    out.push('0 ms: both replicas showed the key before the +OK reached the probe. Resolution: one GET round trip on the replica.');
    for (const id of ['redis', 'concord'] as const) if (l[id].error) out.push(`error: lag on ${id}: ${l[id].error}`);
  }

  if (r.fullSync) {
    const f = r.fullSync;
    const ratio = f.redis.syncSec !== undefined && f.concord.syncSec !== undefined ? f.concord.syncSec / f.redis.syncSec : undefined;
    const both = (g: (s: FullSyncSide) => string): string[] => [g(f.redis), g(f.concord)];
    out.push('');
    out.push(`replication: full sync of ${fmtInt(r.keys)} keys (key:<12 digits> = "xxx", MSET ${FILL_KEYS_PER_MSET} per command, after FLUSHALL) to a fresh third replica`);
    out.push('');
    out.push(table(['full sync', 'Redis', 'Concord', 'C/R', 'target'], [
      [`empty primary: spawn of ${REPLICAS} replicas -> both online`, ...both((s) => sec(s.topologySec)), '', ''],
      [`fill on the primary (${REPLICAS} replicas attached)`, ...both((s) => sec(s.fillSec)), '', ''],
      ['attached replicas caught up after the fill', ...both((s) => sec(s.catchUpSec)), '', ''],
      ['fresh replica: spawn -> first INFO reply (process start-up)', ...both((s) => sec(s.firstReplySec)), '', ''],
      ['fresh replica: spawn -> master_link_status:up', ...both((s) => sec(s.linkUpSec)), '', ''],
      [`FULL SYNC: spawn -> link up and DBSIZE = ${fmtInt(r.keys)}`, ...both((s) => (s.error && s.syncSec === undefined ? 'ERR' : sec(s.syncSec))),
        fmtRatio(ratio), fmtTarget(ratio, '<=', FULLSYNC_MAX_RATIO)],
    ], [false, true, true, true, false]));
    out.push(`polled every ${POLL_MS} ms on the fresh replica (INFO replication, then DBSIZE); the spawn includes process start-up (Node's too).`);
    for (const id of ['redis', 'concord'] as const) if (f[id].error) out.push(`error: full sync on ${id}: ${f[id].error}`);
  }
  if (r.servers.length > 0) {
    out.push('replication servers (in order started):');
    for (const s of r.servers) out.push(`  ${s}`);
  }
  return out;
}
