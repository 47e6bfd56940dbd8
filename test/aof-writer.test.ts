import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AofWriter, GATHER_TURNS_MAX, LOOP_FSYNC_MAX_BYTES } from '../src/persistence/aof-writer.js';
import { endsBeforePadNewline, padBytes } from '../src/persistence/aof-prealloc.js';
import { readAofBuffer } from '../src/persistence/aof-reader.js';
import { prng, runProcess } from './helpers/util.js';

/**
 * A writer under appendfsync always on a fresh file, with its hook calls recorded.
 * `failingFsync`: the file is /dev/null, which takes writes at any offset but fails fdatasync()
 * (EINVAL).
 */
function alwaysWriter(failingFsync = false, preallocBytes = 0, othersMayWrite = false): { w: AofWriter; released: number[]; failures: Error[]; path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'concord-aofw-'));
  const path = failingFsync ? '/dev/null' : join(dir, 'appendonly.aof.1.incr.aof');
  const fd = openSync(path, failingFsync ? 'r+' : 'w+');
  const released: number[] = [];
  const failures: Error[] = [];
  const w = new AofWriter({ fd, path, size: 0, checksum: null }, 'always', {
    release: (offset) => released.push(offset),
    failed: (err) => failures.push(err),
    monotonicMs: () => 0,
    othersMayWrite: () => othersMayWrite,
  });
  w.preallocBytes = preallocBytes;
  return { w, released, failures, path, done: () => { try { closeSync(fd); } catch { /* closed */ } rmSync(dir, { recursive: true, force: true }); } };
}

/** Lets the loop run until `cond` holds (a pool fsync's callback), at most 5 s. */
async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the fsync callback');
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('AofWriter, appendfsync always', () => {
  it('a small group: one write, one fsync on the loop, replies released before flush returns', () => {
    const { w, released, failures, path, done } = alwaysWriter();
    try {
      for (let i = 0; i < 20; i++) w.write(0, ['SET', `k${i}`, 'v']);
      assert.equal(w.mustHoldReplies(), true);
      w.flush();
      assert.equal(w.writeCalls, 1, 'the group goes out in one write()');
      assert.equal(w.fsyncCalls, 1, 'and one fdatasync()');
      assert.equal(w.synced, w.appended);
      assert.deepEqual(released, [w.appended], 'released synchronously, up to the whole group');
      assert.equal(w.mustHoldReplies(), false);
      assert.deepEqual(failures, []);
      const text = readFileSync(path, 'latin1');
      assert.ok(text.startsWith('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$2\r\nk0\r\n'), text.slice(0, 60));
    } finally {
      done();
    }
  });

  it('a big group: fsynced on the pool; nothing is released until it returns, and the next group waits for it', async () => {
    const { w, released, failures, done } = alwaysWriter();
    try {
      const value = 'x'.repeat(100);
      let i = 0;
      while (w.appended <= LOOP_FSYNC_MAX_BYTES) w.write(0, ['SET', `k${i++}`, value]);
      const first = w.appended;
      w.flush();
      assert.equal(w.writeCalls, 1);
      assert.equal(w.fsyncCalls, 1);
      assert.deepEqual(released, [], 'nothing leaves before the pool fsync returns');
      assert.equal(w.mustHoldReplies(), true);
      // Appended while that fsync runs: not written until it returns (one write per group).
      w.write(0, ['SET', 'late', 'v']);
      w.flush();
      assert.equal(w.writeCalls, 1, 'the next group waits for the running fsync');
      await until(() => released.length > 0 && released[released.length - 1] === w.appended);
      assert.equal(released[0], first, 'the first release covers exactly the first group');
      assert.equal(w.writeCalls, 2);
      assert.equal(w.fsyncCalls, 2, 'the small follow-up group got its own fsync');
      assert.equal(w.synced, w.appended);
      assert.equal(w.mustHoldReplies(), false);
      assert.deepEqual(failures, []);
    } finally {
      done();
    }
  });

  it('a failed fsync on the loop releases nothing and reports the error', () => {
    const { w, released, failures, done } = alwaysWriter(true);
    try {
      w.write(0, ['SET', 'k', 'v']);
      w.flush();
      assert.equal(w.writeCalls, 1);
      assert.equal(w.fsyncCalls, 1);
      assert.deepEqual(released, [], 'a reply must not leave before its fsync succeeded');
      assert.equal(failures.length, 1);
      assert.equal(w.failing, true);
      assert.equal(w.mustHoldReplies(), true);
      assert.equal(w.synced, 0);
    } finally {
      done();
    }
  });
});

/** Writes one SET per event-loop turn, `turns` times; returns w.appended after each. */
function writePerTurn(w: AofWriter, turns: number): number[] {
  const offsets: number[] = [];
  const step = (): void => {
    w.write(0, ['SET', `k${offsets.length}`, 'v']);
    offsets.push(w.appended);
    if (offsets.length < turns) setImmediate(step);
  };
  step();
  return offsets;
}

describe('AofWriter, always: gathering a group over loop turns (GATHER_TURNS_MAX)', () => {
  it('writes arriving in the next turns join the group and share its one fsync', async () => {
    const { w, released, failures, done } = alwaysWriter(false, 0, true);
    try {
      const offsets = writePerTurn(w, 2);
      await until(() => released.length > 0);
      assert.deepEqual(released, [offsets[1]], 'one release covering both turns');
      assert.equal(w.writeCalls, 1);
      assert.equal(w.fsyncCalls, 1);
      assert.deepEqual(failures, []);
    } finally {
      done();
    }
  });

  it('a steady stream waits at most GATHER_TURNS_MAX turns before its fsync', async () => {
    const { w, released, done } = alwaysWriter(false, 0, true);
    try {
      const offsets = writePerTurn(w, 3 * (GATHER_TURNS_MAX + 1));
      await until(() => released.length > 0 && released[released.length - 1] === w.appended && offsets.length === 3 * (GATHER_TURNS_MAX + 1));
      assert.equal(released[0], offsets[GATHER_TURNS_MAX], 'the first group holds the first turn and GATHER_TURNS_MAX more');
      assert.ok(w.fsyncCalls >= 3, `fsyncs: ${w.fsyncCalls}`);
    } finally {
      done();
    }
  });

  it('a turn that adds nothing ends the gathering', async () => {
    const { w, released, done } = alwaysWriter(false, 0, true);
    try {
      w.write(0, ['SET', 'k', 'v']);
      let turns = 0;
      let releasedAtTurn = -1;
      const count = (): void => {
        turns++;
        if (released.length > 0 && releasedAtTurn < 0) releasedAtTurn = turns;
        if (turns < 3 * GATHER_TURNS_MAX) setImmediate(count);
      };
      setImmediate(count);
      await until(() => turns >= 3 * GATHER_TURNS_MAX);
      assert.equal(releasedAtTurn, 2, 'one turn of waiting, then the fsync');
      assert.equal(w.fsyncCalls, 1);
    } finally {
      done();
    }
  });

  it('with nobody else to add to it, a group is fsynced in its own turn', async () => {
    const { w, released, done } = alwaysWriter(false, 0, false);
    try {
      const offsets = writePerTurn(w, 2);
      await until(() => released.length === 2);
      assert.deepEqual(released, offsets, 'each turn its own fsync');
      assert.equal(w.fsyncCalls, 2);
    } finally {
      done();
    }
  });
});

describe('AofWriter, preallocated space (aof-prealloc.ts)', () => {
  const PREALLOC = 8192;

  it('groups overwrite the pad in place: the size moves only when it runs out, and the file reads back whole', () => {
    const { w, path, failures, done } = alwaysWriter(false, PREALLOC);
    try {
      const rnd = prng(7);
      const sent: string[][] = [['SELECT', '0']];
      let sizeChanges = 0;
      let size = 0;
      const GROUPS = 300;
      for (let g = 0; g < GROUPS; g++) {
        for (let n = 1 + Math.floor(rnd() * 5); n > 0; n--) {
          const argv = ['SET', `k${g}:${n}`, 'v'.repeat(Math.floor(rnd() * 200))];
          w.write(0, argv);
          sent.push(argv);
        }
        w.flush();
        assert.equal(endsBeforePadNewline(w.fileBytes), false, 'content never ends right before a pad LF');
        const now = statSync(path).size;
        if (now !== size) sizeChanges++;
        size = now;
        assert.ok(size >= w.fileBytes && size % 4096 === 0, `size ${size} for content ${w.fileBytes}`);
      }
      assert.ok(sizeChanges <= Math.ceil(w.fileBytes / PREALLOC) + 1 && sizeChanges < GROUPS / 5, `${sizeChanges} size changes in ${GROUPS} groups`);
      const bytes = readFileSync(path);
      assert.deepEqual(bytes.subarray(w.fileBytes), padBytes(w.fileBytes, size), 'the pattern after the content');
      const { commands, result } = readAofBuffer(bytes, 'incr.aof');
      assert.deepEqual(commands.map((c) => c.argv), sent);
      assert.equal(result.truncatedAt, null);
      assert.equal(result.contentEnd, w.fileBytes);
      assert.deepEqual(failures, []);
      w.close();
      assert.equal(statSync(path).size, w.fileBytes, 'close() cuts the pad off');
      assert.equal(readAofBuffer(readFileSync(path), 'incr.aof').commands.length, sent.length);
    } finally {
      done();
    }
  });

  it('when the pad cannot be written (a file-size limit), the writer goes on appending', async () => {
    const { w, path, released, failures, done } = alwaysWriter(false, 1 << 20);
    // RLIMIT_FSIZE on this test process (Node ignores SIGXFSZ): the pad write stops there.
    const limit = 64 * 1024;
    const pid = String(process.pid);
    const lower = await runProcess('prlimit', ['--pid', pid, `--fsize=${limit}:unlimited`]);
    assert.equal(lower.code, 0, lower.stderr);
    try {
      for (let g = 0; g < 20; g++) {
        for (let i = 0; i < 10; i++) w.write(0, ['SET', `k${g}:${i}`, 'x'.repeat(100)]);
        w.flush();
        assert.equal(statSync(path).size, w.fileBytes, 'no pad left behind');
      }
      assert.deepEqual(failures, [], 'the groups themselves were written');
      assert.equal(released[released.length - 1], w.appended);
      assert.equal(readAofBuffer(readFileSync(path), 'incr.aof').commands.length, 201);
    } finally {
      await runProcess('prlimit', ['--pid', pid, '--fsize=unlimited:unlimited']);
      done();
    }
  });
});
