import { seededRandom } from '../../src/util/random.js';
import '../../src/protocol/latin1.js';
/** Small utilities shared by tests. */
import { spawn } from 'node:child_process';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every 50 ms until it returns true, at most `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Splits `bytes` at the given positions (taken modulo its length + 1). */
export function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  out.push(bytes.subarray(prev));
  return out;
}

export interface ProcessResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `cmd args` to completion, feeding `input` on stdin; killed after `timeoutMs`. */
export function runProcess(cmd: string, args: string[], input?: string | Buffer, timeoutMs = 20_000): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.on('error', () => {});
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.end(input ?? '');
  });
}

/**
 * Two decimal renderings of nearly the same number (relative difference at most 1e-14), also
 * beyond the double range: Redis computes INCRBYFLOAT/HINCRBYFLOAT in long double, Concord in
 * exact decimals (a documented difference).
 */
export function closeDecimals(a: string, b: string): boolean {
  const shape = /^(-?)(\d+)(?:\.(\d+))?$/;
  const ma = shape.exec(a);
  const mb = shape.exec(b);
  if (ma === null || mb === null || ma[1] !== mb[1]) return false;
  // value = 0.DIGITS * 10^exp, with DIGITS starting at the first non-zero digit
  const norm = (m: RegExpExecArray): [number, number] => {
    const all = m[2] + (m[3] ?? '');
    const lead = all.search(/[1-9]/);
    if (lead < 0) return [0, 0];
    return [Number(`0.${all.slice(lead, lead + 17)}`), m[2].length - lead];
  };
  const [xa, ea] = norm(ma);
  const [xb, eb] = norm(mb);
  if (xa === 0 || xb === 0) return xa === xb;
  if (Math.abs(ea - eb) > 1) return false;
  const va = xa * 10 ** (ea - Math.min(ea, eb));
  const vb = xb * 10 ** (eb - Math.min(ea, eb));
  return Math.abs(va - vb) <= 1e-14 * Math.max(va, vb);
}

/** A seeded generator of floats in [0, 1) for tests (the server's own seededRandom). */
export function prng(seed: number): () => number {
  const r = seededRandom(seed);
  return () => r.next();
}

/** `n` random bytes as a byte string. */
export function randomBytes(rnd: () => number, n: number): string {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b.latin1Slice(0, n);
}
