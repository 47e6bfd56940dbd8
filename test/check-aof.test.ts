/**
 * `concord-check-aof` (src/cli/check-aof.ts), run as a process as a user would: valid
 * directories (hand-built and written by redis-server 7.0.15, RDB base included) pass; a torn tail
 * is reported, `--fix --yes` truncates it and the directory then passes the real redis-check-aof
 * and loads in the real redis-server; the prompt is honoured; mid-file damage is reported with its
 * offset; only the last file of a manifest may be truncated (redis-check-aof's rule).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { AofChecksum } from '../src/persistence/aof-checksum.js';
import { manifestName } from '../src/persistence/aof-manifest.js';
import { RespClient } from './helpers/resp-client.js';
import { startRedis } from './helpers/servers.js';
import { runProcess, waitUntil } from './helpers/util.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'check-aof.js');
const enc = (argv: readonly string[]): string => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
const b = (s: string): Buffer => Buffer.from(s, 'latin1');

const work: string[] = [];
after(() => {
  for (const d of work) rmSync(d, { recursive: true, force: true });
});

function checkAof(args: string[], input = ''): Promise<{ code: number | null; out: string }> {
  return runProcess(process.execPath, [CLI, ...args], input).then((r) => ({ code: r.code, out: r.stdout.toString() + r.stderr }));
}

/** A Redis-style directory: manifest + incr files (RESP, with #TS and #CRC annotations). */
function makeDir(incrs: Buffer[]): { root: string; dir: string; manifest: string; files: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'concord-check-aof-'));
  work.push(root);
  const dir = join(root, 'appendonlydir');
  mkdirSync(dir);
  const files = incrs.map((_, i) => `appendonly.aof.${i + 1}.incr.aof`);
  incrs.forEach((bytes, i) => writeFileSync(join(dir, files[i]), bytes));
  const manifest = join(dir, manifestName('appendonly.aof'));
  writeFileSync(manifest, files.map((f, i) => `file ${f} seq ${i + 1} type i\n`).join(''));
  return { root, dir, manifest, files: files.map((f) => join(dir, f)) };
}

function annotated(batches: string[][][]): Buffer {
  const sum = new AofChecksum();
  const parts: Buffer[] = [];
  for (const cmds of batches) {
    const bytes = b(`#TS:1700000000\r\n${cmds.map(enc).join('')}`);
    sum.update(bytes);
    parts.push(bytes, sum.annotate());
  }
  return Buffer.concat(parts);
}

const file1 = annotated([[['SELECT', '0'], ['SET', 'a', '1']], [['RPUSH', 'l', 'x', 'y']]]);
const file2 = annotated([[['SELECT', '0'], ['SET', 'b', '2']], [['MULTI'], ['INCR', 'n'], ['EXEC']]]);

describe('concord-check-aof', () => {
  it('passes a valid multi-part directory', async () => {
    const d = makeDir([file1, file2]);
    const r = await checkAof([d.manifest]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Start checking Multi Part AOF/);
    assert.match(r.out, /INCR AOF appendonly\.aof\.1\.incr\.aof is valid/);
    assert.match(r.out, /INCR AOF appendonly\.aof\.2\.incr\.aof is valid/);
    assert.match(r.out, /checksums_verified=2/);
    assert.match(r.out, /All AOF files and manifest are valid/);
  });

  it('reports a torn tail, fixes it with --fix --yes, and Redis then loads the directory', async () => {
    const torn = Buffer.concat([file2, b('*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nabc')]);
    const d = makeDir([file1, torn]);
    const r = await checkAof([d.manifest]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, new RegExp(`0x${file2.length.toString(16).padStart(16, '0')}: unexpected end of file inside a command`));
    assert.match(r.out, new RegExp(`AOF analyzed: filename=appendonly\\.aof\\.2\\.incr\\.aof, size=${torn.length}, ok_up_to=${file2.length}, diff=${torn.length - file2.length}`));
    assert.match(r.out, /is not valid\. Use the --fix option/);

    const fixed = await checkAof(['--fix', '--yes', d.manifest]);
    assert.equal(fixed.code, 0, fixed.out);
    assert.match(fixed.out, new RegExp(`This will shrink the AOF appendonly\\.aof\\.2\\.incr\\.aof from ${torn.length} bytes, with ${torn.length - file2.length} bytes, to ${file2.length} bytes`));
    assert.match(fixed.out, /Successfully truncated AOF appendonly\.aof\.2\.incr\.aof/);
    assert.equal(statSync(d.files[1]).size, file2.length);
    assert.equal((await checkAof([d.manifest])).code, 0);

    const real = await runProcess('redis-check-aof', [d.manifest]);
    assert.equal(real.code, 0, real.stdout.toString());
    const redis = await startRedis(['--appendonly', 'yes', '--dir', d.root]);
    try {
      const c = await RespClient.connect(redis.port);
      try {
        assert.equal(await c.call('GET', 'a'), '1');
        assert.equal(await c.call('GET', 'b'), '2');
        assert.equal(await c.call('GET', 'n'), '1');
        assert.equal(await c.call('EXISTS', 'c'), 0);
      } finally {
        c.close();
      }
    } finally {
      await redis.stop();
    }
  });

  it('asks before truncating and honours the answer', async () => {
    const torn = Buffer.concat([file1, b(enc(['MULTI'])), b(enc(['INCR', 'n']))]);
    const d = makeDir([torn]);
    const no = await checkAof(['--fix', d.manifest], 'n\n');
    assert.equal(no.code, 1);
    assert.match(no.out, /Continue\? \[y\/N\]: Aborting\.\.\./);
    assert.match(no.out, /2 complete commands of the unfinished MULTI/);
    assert.equal(statSync(d.files[0]).size, torn.length);
    const yes = await checkAof(['--fix', d.manifest], 'y\n');
    assert.equal(yes.code, 0, yes.out);
    assert.equal(statSync(d.files[0]).size, file1.length);
  });

  it('reports mid-file damage with its offset; --fix truncates a single file there', async () => {
    const root = mkdtempSync(join(tmpdir(), 'concord-check-aof-'));
    work.push(root);
    const path = join(root, 'appendonly.aof');
    const good = b(enc(['SET', 'a', '1']) + enc(['SET', 'b', '2']));
    const bad = Buffer.concat([good, b('*2\r\n$3\r\nGET\r\n$1\r\nbXX'), b(enc(['SET', 'c', '3']))]);
    writeFileSync(path, bad);
    const r = await checkAof([path]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /Start checking Old-Style AOF/);
    assert.match(r.out, new RegExp(`0x${good.length.toString(16).padStart(16, '0')}: bulk of 1 bytes at offset \\d+ not followed by CRLF`));
    assert.match(r.out, new RegExp(`ok_up_to=${good.length}, diff=${bad.length - good.length}`));
    const fixed = await checkAof(['--fix', '--yes', path]);
    assert.equal(fixed.code, 0, fixed.out);
    assert.deepEqual(readFileSync(path), good);
    const real = await runProcess('redis-check-aof', [path]);
    assert.equal(real.code, 0, real.stdout.toString());
  });

  it('detects silent damage inside a payload through the #CRC annotation', async () => {
    const damaged = Buffer.from(file1);
    const at = damaged.indexOf('\r\nx\r\n') + 2; // the payload "x" of RPUSH
    damaged[at] ^= 0x01;
    const d = makeDir([damaged]);
    const real = await runProcess('redis-check-aof', [d.manifest]);
    assert.equal(real.code, 0, 'redis-check-aof cannot see it');
    const r = await checkAof([d.manifest]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /checksum mismatch/);
  });

  it('refuses to truncate a file that is not the last one in the manifest', async () => {
    const d = makeDir([Buffer.concat([file1, b('*1\r\n$4\r\nPI')]), file2]);
    const r = await checkAof(['--fix', '--yes', d.manifest]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /Failed to truncate AOF appendonly\.aof\.1\.incr\.aof because it is not the last file/);
  });

  it('checks a directory redis-server wrote (RDB base and RESP incr)', async () => {
    const redis = await startRedis(['--appendonly', 'yes']);
    try {
      const c = await RespClient.connect(redis.port);
      try {
        for (let i = 0; i < 50; i++) await c.call('SET', `k${i}`, `v${i}`);
        await c.call('BGREWRITEAOF');
        const manifest = join(redis.dir, 'appendonlydir', manifestName('appendonly.aof'));
        await waitUntil(() => readFileSync(manifest, 'latin1').includes('.2.base.rdb'), 10_000, 'the rewrite');
        await c.call('RPUSH', 'list', 'a', 'b');
        // Check a copy: the server keeps writing to its own.
        const copy = mkdtempSync(join(tmpdir(), 'concord-check-aof-'));
        work.push(copy);
        cpSync(join(redis.dir, 'appendonlydir'), copy, { recursive: true });
        const r = await checkAof([join(copy, manifestName('appendonly.aof'))]);
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /Start to check BASE AOF \(RDB format\)/);
        assert.match(r.out, /RDB preamble is OK \(RDB version \d+, 50 keys\)/);
        assert.match(r.out, /All AOF files and manifest are valid/);
      } finally {
        c.close();
      }
    } finally {
      await redis.stop();
    }
  });

  it('prints usage and fails on bad arguments or a broken manifest', async () => {
    assert.equal((await checkAof([])).code, 1);
    assert.equal((await checkAof(['--bogus', 'x'])).code, 1);
    const d = makeDir([file1]);
    writeFileSync(d.manifest, 'file a seq 1 type i\nfile b seq 1 type i\n');
    const r = await checkAof([d.manifest]);
    assert.equal(r.code, 1);
    assert.match(r.out, /Found a non-monotonic sequence number/);
  });
});
