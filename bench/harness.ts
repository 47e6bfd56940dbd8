/**
 * bench/harness.ts: what the benchmark groups share: child processes that cleanup stops, the
 * servers under test, /proc readers, a small RESP2 client, redis-benchmark runs with the
 * server's CPU time around them, and table formatting.
 *
 * Only node: built-ins are used, and every child is started with spawn() and an argument
 * array (never a shell string). Every server is stopped at the end, on error and on Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url)); // dist/bench/ -> project root

/** The tools and time limits the helpers below need (compare.ts's Options has them all). */
export interface Tools {
  redisCli: string;
  redisBenchmark: string;
  runTimeoutSec: number;
  startTimeoutSec: number;
}

// ---------------------------------------------------------------------------------------------
// Child processes: every child is registered so that cleanup can stop it.

export const children = new Set<ChildProcess>();
export let interrupted = false; // set by SIGINT/SIGTERM/SIGHUP: start nothing new

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export function run(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return runBackground(cmd, args, timeoutMs).done;
}

/** A child started by runBackground: stop() kills it (SIGINT) before it ends on its own. */
export interface BackgroundRun {
  child: ChildProcess;
  done: Promise<RunResult>;
  stop(): void;
}

/** Like run(), but hands back the child so that the caller can stop it (a load that runs until told). */
export function runBackground(cmd: string, args: string[], timeoutMs: number): BackgroundRun {
  let child!: ChildProcess;
  const done = new Promise<RunResult>((resolve, reject) => {
    if (interrupted) { reject(new Error('interrupted')); return; }
    child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); children.delete(child); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
  return { child, done, stop: () => { if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGINT'); } };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

export function shellQuote(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

// ---------------------------------------------------------------------------------------------
// /proc readers

export let clkTck = 100;
/** Reads CLK_TCK once (getconf), for cpuTicks() readers. */
export function initClkTck(): void {
  clkTck = readClkTck();
}
function readClkTck(): number {
  try {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(r.stdout.trim());
    if (r.status === 0 && Number.isInteger(n) && n > 0) return n;
  } catch { /* fall through */ }
  return 100;
}

export interface ProcStat { ppid: number; utime: number; stime: number }
export function readStat(pid: number): ProcStat {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) is in parentheses and may contain spaces: split after the last ')'.
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field k is rest[k - 3].
  return { ppid: Number(rest[4 - 3]), utime: Number(rest[14 - 3]), stime: Number(rest[15 - 3]) };
}

/** The pid and all its live descendants (a wrapper command may start the real server). */
export function procTree(root: number): number[] {
  const kids = new Map<number, number[]>();
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const pid = Number(ent);
      const { ppid } = readStat(pid);
      const list = kids.get(ppid);
      if (list) list.push(pid); else kids.set(ppid, [pid]);
    } catch { /* process went away */ }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    for (const k of kids.get(p) ?? []) queue.push(k);
  }
  return out;
}

/** utime + stime in clock ticks, summed over the process tree (all threads included). */
export function cpuTicks(root: number): number {
  let total = 0;
  for (const pid of procTree(root)) {
    try {
      const st = readStat(pid);
      total += st.utime + st.stime;
    } catch (err) {
      if (pid === root) throw err;
    }
  }
  return total;
}

/** VmRSS in bytes, summed over the process tree. */
export function rssBytes(root: number): number {
  let total = 0;
  for (const pid of procTree(root)) {
    try {
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch (err) {
      if (pid === root) throw err;
    }
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Servers

export type ServerId = 'redis' | 'concord';

export interface Server {
  id: ServerId;
  label: string;
  port: number;
  dir: string;
  argv: string[];
  child: ChildProcess;
  pid: number;
  exit: string | undefined; // set once the process has exited
  exited: Promise<void>;
  logTail: string;
  spawnedNs: bigint; // process.hrtime at spawn, for restart timings
}

/** How a server is started beyond port, bind and dir. */
export interface StartOptions {
  /** Reuse this directory (a restart) instead of a fresh temporary one. */
  dir?: string;
  /** Persistence flags; default `--save '' --appendonly no`. */
  persistence?: string[];
  /** More flags, appended after --dir (e.g. `--replicaof 127.0.0.1 <port>`). */
  extra?: string[];
}

export const servers: Server[] = [];
export const tmpDirs: string[] = [];

export function startServer(id: ServerId, label: string, cmd: string[], port: number, opts: StartOptions = {}): Server {
  if (interrupted) throw new Error('interrupted');
  let dir = opts.dir;
  if (dir === undefined) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `concord-bench-${id}-`));
    tmpDirs.push(dir);
  }
  const persistence = opts.persistence ?? ['--save', '', '--appendonly', 'no'];
  const argv = [...cmd, '--port', String(port), '--bind', '127.0.0.1', ...persistence, '--dir', dir, ...(opts.extra ?? [])];
  const spawnedNs = process.hrtime.bigint();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  children.add(child);
  let resolveExit!: () => void;
  const exited = new Promise<void>((r) => { resolveExit = r; });
  const srv: Server = { id, label, port, dir, argv, child, pid: child.pid ?? -1, exit: undefined, exited, logTail: '', spawnedNs };
  const keep = (d: string): void => {
    srv.logTail = (srv.logTail + d).slice(-8000);
  };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  child.on('error', (err) => {
    srv.exit = `failed to start: ${err.message}`;
    children.delete(child);
    resolveExit();
  });
  child.on('exit', (code, signal) => {
    srv.exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
    children.delete(child);
    resolveExit();
  });
  servers.push(srv);
  return srv;
}

/** SIGTERM, then SIGKILL after timeoutMs; resolves once the process has exited. */
export async function stopServer(srv: Server, timeoutMs = 15_000): Promise<void> {
  if (srv.exit !== undefined) return;
  srv.child.kill('SIGTERM');
  const timedOut = await Promise.race([srv.exited.then(() => false), sleep(timeoutMs).then(() => true)]);
  if (timedOut && srv.exit === undefined) {
    log(`${srv.label} (pid ${srv.pid}) did not stop on SIGTERM within ${timeoutMs / 1000}s, sending SIGKILL`);
    srv.child.kill('SIGKILL');
    await srv.exited;
  }
}

/** Removes a temporary directory made by startServer now, instead of at the end. */
export function removeTmpDir(dir: string): void {
  const i = tmpDirs.indexOf(dir);
  if (i < 0) return; // not ours
  tmpDirs.splice(i, 1);
  try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
}

export async function waitForPing(o: Pick<Tools, 'redisCli' | 'startTimeoutSec'>, srv: Server): Promise<void> {
  const deadline = Date.now() + o.startTimeoutSec * 1000;
  for (;;) {
    if (srv.exit !== undefined) {
      throw new Error(`${srv.label} ${srv.exit} before answering PING. Its output:\n${srv.logTail}`);
    }
    const r = await run(o.redisCli, ['-h', '127.0.0.1', '-p', String(srv.port), 'ping'], 5000);
    if (r.code === 0 && r.stdout.trim() === 'PONG') return;
    if (Date.now() > deadline) {
      throw new Error(`${srv.label} did not answer PING on port ${srv.port} within ${o.startTimeoutSec}s ` +
        `(last: ${(r.stdout + r.stderr).trim()}). Its output:\n${srv.logTail}`);
    }
    await sleep(100);
  }
}

export async function cli(o: Pick<Tools, 'redisCli'>, srv: Server, ...args: string[]): Promise<string> {
  const r = await run(o.redisCli, ['-h', '127.0.0.1', '-p', String(srv.port), ...args], 30_000);
  if (r.code !== 0) throw new Error(`redis-cli ${args.join(' ')} on ${srv.label} failed: ${(r.stdout + r.stderr).trim()}`);
  return r.stdout.trim();
}

/** SET key:000000000000 .. key:<n-1> to "xxx" (what redis-benchmark -r n -d 3 uses), pipelined. */
// ---------------------------------------------------------------------------------------------
// A small RESP2 client for set-up work (pre-fills, the big sorted set, LLEN/ZCARD checks).
// Unlike redis-cli it tells error replies apart from string values.

export class ReplyError {
  constructor(readonly message: string) {}
}
export type Reply = string | number | null | ReplyError | Reply[];

/** Parses one reply from buf at pos; undefined if buf does not hold all of it yet. */
export function parseReply(buf: Buffer, pos: number): [Reply, number] | undefined {
  if (pos >= buf.length) return undefined;
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+': return [line, next];
    case '-': return [new ReplyError(line), next];
    case ':': return [Number(line), next];
    case '$': {
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return undefined;
      return [buf.toString('latin1', next, next + len), next + len + 2];
    }
    case '*': {
      const len = Number(line);
      if (len < 0) return [null, next];
      const items: Reply[] = [];
      let p = next;
      for (let i = 0; i < len; i++) {
        const r = parseReply(buf, p);
        if (!r) return undefined;
        items.push(r[0]);
        p = r[1];
      }
      return [items, p];
    }
    default: throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

export function encodeCommand(args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return out;
}

export class RespClient {
  private buf: Buffer = Buffer.alloc(0);
  private readonly waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  private constructor(private readonly sock: net.Socket, readonly label: string) {
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('error', (err) => this.fail(new Error(`${label}: ${err.message}`)));
    sock.on('close', () => this.fail(new Error(`${label}: connection closed`)));
    sock.setTimeout(60_000, () => {
      if (this.waiting.length > 0) this.fail(new Error(`${label}: no reply for 60s`));
    });
  }

  static connect(srv: Server): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      if (interrupted) { reject(new Error('interrupted')); return; }
      const sock = net.connect(srv.port, '127.0.0.1');
      sock.once('connect', () => { sock.removeListener('error', reject); resolve(new RespClient(sock, srv.label)); });
      sock.once('error', reject);
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let pos = 0;
    for (;;) {
      let r: [Reply, number] | undefined;
      try {
        r = parseReply(this.buf, pos);
      } catch (err) {
        this.fail(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (!r) break;
      pos = r[1];
      const w = this.waiting.shift();
      if (!w) { this.fail(new Error(`${this.label}: reply without a request`)); return; }
      w.resolve(r[0]);
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
    this.sock.destroy();
  }

  /** Sends one command; error replies resolve to a ReplyError. */
  send(args: string[]): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.sock.write(encodeCommand(args), 'latin1');
    });
  }

  /** Like send(), but an error reply throws "<what>: <error>". */
  async call(args: string[]): Promise<Reply> {
    const r = await this.send(args);
    if (r instanceof ReplyError) throw new Error(`${args[0]!.toUpperCase()} replied: ${shortReason(r.message)}`);
    return r;
  }

  /** Sends count commands made by make(i), at most window in flight; throws on the first error reply. */
  pipeline(count: number, make: (i: number) => string[], window = 32): Promise<void> {
    return new Promise((resolve, reject) => {
      let next = 0;
      let done = 0;
      let failed = false;
      const pump = (): void => {
        while (!failed && next < count && next - done < window) {
          const args = make(next++);
          this.send(args).then((r) => {
            if (failed) return;
            if (r instanceof ReplyError) { failed = true; reject(new Error(`${args[0]!.toUpperCase()} replied: ${shortReason(r.message)}`)); return; }
            done++;
            if (done === count) resolve(); else pump();
          }, (err: Error) => { if (!failed) { failed = true; reject(err); } });
        }
      };
      if (count === 0) resolve(); else pump();
    });
  }

  close(): void {
    this.sock.end();
    this.sock.destroy();
  }
}

/** Opens a client, runs f, closes the client. */
export async function withClient<T>(srv: Server, f: (c: RespClient) => Promise<T>): Promise<T> {
  const c = await RespClient.connect(srv);
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

export function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * An error reply shortened for the report: Redis-style "unknown command" errors end with
 * ", with args beginning with: ..." (random keys and values), which would keep otherwise equal
 * reasons apart.
 */
export function shortReason(msg: string): string {
  const s = msg.replace(/, with args beginning with: .*$/s, '').trim();
  return s.length > 240 ? `${s.slice(0, 240)}...` : s;
}

let cleanupPromise: Promise<void> | undefined;
export function cleanup(): Promise<void> {
  cleanupPromise ??= (async () => {
    for (const c of children) {
      if (!servers.some((s) => s.child === c)) c.kill('SIGKILL'); // stray redis-benchmark / redis-cli
    }
    for (const s of servers) if (s.exit === undefined) s.child.kill('SIGTERM');
    const all = Promise.all(servers.map((s) => s.exited));
    const timedOut = await Promise.race([all.then(() => false), sleep(5000).then(() => true)]);
    if (timedOut) {
      for (const s of servers) {
        if (s.exit === undefined) {
          process.stderr.write(`${s.label} (pid ${s.pid}) did not stop on SIGTERM within 5s, sending SIGKILL\n`);
          s.child.kill('SIGKILL');
        }
      }
      await Promise.race([all, sleep(2000)]);
    }
    for (const d of tmpDirs) {
      try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
    }
  })();
  return cleanupPromise;
}

function onSignal(sig: NodeJS.Signals): void {
  if (interrupted) { // second Ctrl-C: stop at once
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  }
  interrupted = true;
  process.stderr.write(`\n${sig}: stopping servers...\n`);
  void cleanup().then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('SIGHUP', onSignal);
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); }); // last resort
export function integerReply(r: Reply, what: string): number {
  if (typeof r !== 'number') throw new Error(`${what}: expected an integer reply, got ${JSON.stringify(r)}`);
  return r;
}

export interface Measurement {
  rps: number;
  avgMs: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuSec: number;
  cpuSecPer1M: number;
  wallSec: number;
}

export interface CsvRow { test: string; rps: number; avg: number; min: number; p50: number; p95: number; p99: number; max: number }
export function parseCsv(out: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let header: string[] | undefined;
  for (const raw of out.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line.startsWith('"')) continue;
    const cells = line.split(',').map((c) => c.replace(/^"|"$/g, ''));
    if (cells[0] === 'test') { header = cells; continue; }
    if (!header) continue;
    const get = (name: string): number => {
      const i = header!.indexOf(name);
      return i < 0 ? NaN : Number(cells[i]);
    };
    rows.push({
      test: cells[0] ?? '', rps: get('rps'), avg: get('avg_latency_ms'), min: get('min_latency_ms'),
      p50: get('p50_latency_ms'), p95: get('p95_latency_ms'), p99: get('p99_latency_ms'), max: get('max_latency_ms'),
    });
  }
  return rows;
}

/**
 * One redis-benchmark run against srv, with the server's CPU time around it. csvName picks the
 * CSV row (a -t lrange_* run also prints its "LPUSH (needed to benchmark LRANGE)" fill row);
 * without it the first row is used.
 */
export async function measure(o: Pick<Tools, 'redisBenchmark' | 'runTimeoutSec'>, srv: Server, args: string[], requests: number, csvName?: string): Promise<Measurement | { error: string }> {
  if (srv.exit !== undefined) return { error: `server ${srv.exit}` };
  const before = cpuTicks(srv.pid);
  const t0 = process.hrtime.bigint();
  const r = await run(o.redisBenchmark, args, o.runTimeoutSec * 1000);
  const wallSec = Number(process.hrtime.bigint() - t0) / 1e9;
  if (srv.exit !== undefined) return { error: `server ${srv.exit} during the run` };
  const after = cpuTicks(srv.pid);
  const detail = (r.stderr + r.stdout).trim().split('\n').slice(-3).join(' | ');
  if (r.timedOut) return { error: `redis-benchmark timed out after ${o.runTimeoutSec}s` };
  // redis-benchmark 7 stops at the first error reply and prints "Error from server: ...".
  const serverErr = /^Error from server: (.*)$/m.exec(r.stderr + r.stdout);
  if (serverErr) return { error: `server replied: ${shortReason(serverErr[1]!)}` };
  if (r.code !== 0) return { error: `redis-benchmark exited ${r.code ?? r.signal}: ${detail}` };
  const csv = parseCsv(r.stdout);
  const row = csvName === undefined ? csv[0]
    : csv.find((c) => c.test === csvName || c.test.startsWith(`${csvName} `));
  if (!row || !Number.isFinite(row.rps)) return { error: `no CSV result${csvName ? ` for ${csvName}` : ''} from redis-benchmark: ${detail}` };
  const cpuSec = (after - before) / clkTck;
  return {
    rps: row.rps, avgMs: row.avg, minMs: row.min, p50Ms: row.p50, p95Ms: row.p95, p99Ms: row.p99, maxMs: row.max,
    cpuSec, cpuSecPer1M: (cpuSec / requests) * 1e6, wallSec,
  };
}

/** A measured value, or why it could not be measured. */
export type Cell<T> = T | { error: string };

export const ok = <T extends object>(c: Cell<T> | undefined): c is T => c !== undefined && !('error' in c);

export function isOk(m: Measurement | { error: string }): m is Measurement {
  return !('error' in m);
}
// ---------------------------------------------------------------------------------------------
// Formatting

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
export function fmtMB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
export function fmtRatio(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '-' : `${r.toFixed(2)}x`;
}
export function fmtTarget(r: number | undefined, op: '>=' | '<=', limit: number | undefined): string {
  if (limit === undefined) return '';
  const tag = `${op}${limit.toFixed(1)}`;
  if (r === undefined || !Number.isFinite(r)) return `${tag} ?`;
  const ok = op === '>=' ? r >= limit : r <= limit;
  return `${tag} ${ok ? 'ok' : 'MISS'}`;
}

export function table(headers: string[], rows: string[][], rightAlign: boolean[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (rightAlign[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** One INFO section as field -> value. */
export async function info(c: RespClient, section: string): Promise<Map<string, string>> {
  const r = await c.call(['info', section]);
  if (typeof r !== 'string') throw new Error(`INFO ${section}: unexpected reply ${JSON.stringify(r)}`);
  const m = new Map<string, string>();
  for (const line of r.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** A numeric INFO field, or undefined. */
export function num(m: Map<string, string>, field: string): number | undefined {
  const v = m.get(field);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Runs `f` with a fresh connection to `srv`, closed afterwards. */
export async function withConn<T>(srv: Server, f: (c: RespClient) => Promise<T>): Promise<T> {
  const c = await RespClient.connect(srv);
  try { return await f(c); } finally { c.close(); }
}

/** A side's rounds: every run in order, their ops/s (0 for a failed one), and the one to report. */
export interface Rounds<R> {
  all: R[];
  rps: number[];
  /** The first failed run, else the median by ops/s (the upper middle of an even count). */
  median: R;
}

/**
 * Runs `one` on every side `rounds` times, the sides taking turns (A, B, A, B...), so both see
 * the same machine over the run.
 */
export async function alternateRounds<S extends { id: ServerId }, R extends { m: Cell<Measurement> }>(
  sides: S[], rounds: number, one: (side: S, round: string) => Promise<R>,
): Promise<Map<ServerId, Rounds<R>>> {
  const runs = new Map<ServerId, R[]>(sides.map((side) => [side.id, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const side of sides) runs.get(side.id)!.push(await one(side, `round ${round} of ${rounds}`));
  }
  const out = new Map<ServerId, Rounds<R>>();
  for (const [id, all] of runs) {
    const failed = all.find((x) => !ok(x.m));
    const median = failed ?? [...all].sort((a, b) => (a.m as Measurement).rps - (b.m as Measurement).rps)[Math.floor(all.length / 2)];
    out.set(id, { all, rps: all.map((x) => (ok(x.m) ? x.m.rps : 0)), median });
  }
  return out;
}
