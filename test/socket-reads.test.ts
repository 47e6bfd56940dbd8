/**
 * Client sockets read into one buffer shared by every connection (src/server/socket-reads.ts).
 * These tests check that the fast path still applies on this Node, and that commands split
 * across reads of several interleaved connections come out whole: the parser must have copied
 * each connection's unfinished bytes before the next read overwrote the shared buffer.
 */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../src/index.js';
import { readSocket } from '../src/server/socket-reads.js';
import { RawConnection } from './helpers/raw.js';
import { encodeCommand } from './helpers/resp-client.js';
import { sleep } from './helpers/util.js';

test('accepted sockets read through the shared buffer on this Node', async () => {
  const results: boolean[] = [];
  const received: string[] = [];
  const srv = net.createServer((socket) => {
    results.push(readSocket(socket, (chunk) => received.push(chunk.toString('latin1'))));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  const c = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => c.once('connect', resolve));
  c.write('hello');
  for (let i = 0; i < 100 && received.join('') !== 'hello'; i++) await sleep(10);
  c.destroy();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  assert.deepEqual(results, [true], 'Node internals changed: the shared read buffer no longer applies');
  assert.equal(received.join(''), 'hello');
});

test('commands split across interleaved reads of many connections come out whole', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-reads-'));
  const node = await startServer({ port: 0, dir });
  t.after(async () => {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const conns = await Promise.all(Array.from({ length: 4 }, () => RawConnection.connect(node.port)));
  t.after(() => {
    for (const c of conns) c.socket.destroy();
  });
  // Values of several sizes, one past the parser's 32 KB big-bulk threshold and one larger
  // than a whole 64 KB read, each sent in pieces while the other connections send theirs.
  const sizes = [3, 1000, 40_000, 150_000];
  const payloads = conns.map((_, i) => {
    const value = Buffer.alloc(sizes[i]);
    for (let j = 0; j < value.length; j++) value[j] = (j * 7 + i * 13) & 0xff;
    return { value, bytes: Buffer.concat([encodeCommand(['SET', `k${i}`, value]), encodeCommand(['STRLEN', `k${i}`])]) };
  });
  const PIECES = 7;
  for (let piece = 0; piece < PIECES; piece++) {
    for (let i = 0; i < conns.length; i++) {
      const b = payloads[i].bytes;
      const from = Math.floor((b.length * piece) / PIECES);
      const to = Math.floor((b.length * (piece + 1)) / PIECES);
      conns[i].write(b.subarray(from, to));
    }
    // Let the server read each connection's piece before the next pieces arrive.
    await sleep(15);
  }
  for (let i = 0; i < conns.length; i++) {
    const expected = `+OK\r\n:${sizes[i]}\r\n`;
    assert.equal(await conns[i].read(expected.length), expected);
  }
  const check = await RawConnection.connect(node.port);
  t.after(() => check.socket.destroy());
  for (let i = 0; i < conns.length; i++) {
    check.write(encodeCommand(['GET', `k${i}`]));
    const header = `$${sizes[i]}\r\n`;
    const reply = await check.read(header.length + sizes[i] + 2);
    assert.equal(reply.slice(0, header.length), header);
    assert.ok(Buffer.from(reply.slice(header.length, header.length + sizes[i]), 'latin1').equals(payloads[i].value), `value of k${i}`);
  }
});
