import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { AofWriter, LOOP_FSYNC_MAX_BYTES } from '../src/persistence/aof-writer.js';

/**
 * A writer under appendfsync always on a fresh file, with its hook calls recorded. `fifo`: the
 * file is a FIFO, which takes the write but fails fdatasync() (EINVAL).
 */
function alwaysWriter(fifo = false): { w: AofWriter; released: number[]; failures: Error[]; path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'concord-aofw-'));
  const path = join(dir, 'appendonly.aof.1.incr.aof');
  if (fifo) execFileSync('mkfifo', [path]);
  const fd = openSync(path, fifo ? 'r+' : 'a');
  const released: number[] = [];
  const failures: Error[] = [];
  const w = new AofWriter({ fd, path, size: 0, checksum: null }, 'always', {
    release: (offset) => released.push(offset),
    failed: (err) => failures.push(err),
    monotonicMs: () => 0,
  });
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
