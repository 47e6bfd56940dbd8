/**
 * Replies go straight to the socket's handle when nothing is queued ahead of them
 * (src/server/socket-writes.ts). These tests check that the fast path applies on this Node, that
 * bytes arrive whole and in order when the kernel stops taking them (writes that go async, then
 * stream writes queued behind them), and that a write to a peer that went away does not throw.
 */
import net from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SocketWriter } from '../src/server/socket-writes.js';
import { sleep } from './helpers/util.js';

interface Pair {
  server: net.Server;
  accepted: net.Socket;
  peer: net.Socket;
}

async function connectedPair(pauseOnConnect = false): Promise<Pair> {
  let accept!: (s: net.Socket) => void;
  const acceptedP = new Promise<net.Socket>((resolve) => (accept = resolve));
  const server = net.createServer({ pauseOnConnect }, (s) => {
    s.on('error', () => {});
    accept(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const peer = net.connect(port, '127.0.0.1');
  peer.on('error', () => {});
  await new Promise<void>((resolve) => peer.once('connect', resolve));
  return { server, accepted: await acceptedP, peer };
}

async function closePair(p: Pair): Promise<void> {
  p.peer.destroy();
  p.accepted.destroy();
  await new Promise<void>((resolve) => p.server.close(() => resolve()));
}

/** Chunk i: its index in the first 4 bytes, then bytes derived from it, so order and content both show. */
function chunk(i: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(i, 0);
  for (let j = 4; j < size; j++) b[j] = (i * 31 + j) & 0xff;
  return b;
}

test('accepted sockets write straight to their handle on this Node', async (t) => {
  const p = await connectedPair();
  t.after(() => closePair(p));
  const w = new SocketWriter(p.accepted);
  assert.equal(w.direct, true, 'Node internals changed: replies no longer skip the Writable stream');
  const received: Buffer[] = [];
  p.peer.on('data', (d) => received.push(d));
  w.write(Buffer.from('+OK\r\n'));
  w.write(Buffer.from(':1\r\n'));
  for (let i = 0; i < 100 && Buffer.concat(received).length < 9; i++) await sleep(10);
  assert.equal(Buffer.concat(received).toString(), '+OK\r\n:1\r\n');
  assert.equal(w.unsentBytes, 0);
});

test('a write queues behind bytes the stream still holds', async (t) => {
  const p = await connectedPair();
  t.after(() => closePair(p));
  const w = new SocketWriter(p.accepted);
  const received: Buffer[] = [];
  p.peer.on('data', (d) => received.push(d));
  // Corked, the stream holds its bytes without handing them to libuv: a direct write now would
  // overtake them.
  p.accepted.cork();
  p.accepted.write('+FIRST\r\n');
  w.write(Buffer.from('+SECOND\r\n'));
  p.accepted.uncork();
  for (let i = 0; i < 100 && Buffer.concat(received).length < 18; i++) await sleep(10);
  assert.equal(Buffer.concat(received).toString(), '+FIRST\r\n+SECOND\r\n');
});

test('writes the kernel cannot take at once arrive whole and in order, and count as unsent meanwhile', async (t) => {
  const p = await connectedPair();
  t.after(() => closePair(p));
  const w = new SocketWriter(p.accepted);
  p.peer.pause();
  p.peer.on('readable', () => {});
  // Far more than loopback socket buffers hold while nobody reads: later writes go async, then
  // through the stream behind them.
  const CHUNKS = 200;
  const SIZE = 64 * 1024;
  for (let i = 0; i < CHUNKS; i++) w.write(chunk(i, SIZE));
  assert.ok(w.unsentBytes > 0, 'the peer reads nothing, yet every byte counts as sent');
  const received: Buffer[] = [];
  let total = 0;
  // More writes while the backlog drains: some land when the direct write libuv held is out but
  // the stream still holds bytes, and must queue behind those.
  const MORE = 100;
  let written = CHUNKS;
  const more = setInterval(() => {
    if (written < CHUNKS + MORE) w.write(chunk(written++, SIZE));
  }, 1);
  t.after(() => clearInterval(more));
  // The peer drains slowly, so the backlog lasts while the extra writes come.
  const drain = setInterval(() => {
    for (let d: Buffer | null, n = 0; n < 4 && (d = p.peer.read() as Buffer | null) !== null; n++) {
      received.push(d);
      total += d.length;
    }
  }, 1);
  t.after(() => clearInterval(drain));
  for (let i = 0; i < 1000 && total < (CHUNKS + MORE) * SIZE; i++) await sleep(10);
  clearInterval(more);
  clearInterval(drain);
  assert.equal(total, (CHUNKS + MORE) * SIZE);
  const all = Buffer.concat(received);
  for (let i = 0; i < CHUNKS + MORE; i++) {
    assert.ok(all.subarray(i * SIZE, (i + 1) * SIZE).equals(chunk(i, SIZE)), `chunk ${i} arrived out of order or changed`);
  }
  for (let i = 0; i < 100 && w.unsentBytes > 0; i++) await sleep(10);
  assert.equal(w.unsentBytes, 0);
  // Once everything is out, writes take the direct path again and still arrive.
  p.peer.removeAllListeners('readable');
  p.peer.on('data', (d: Buffer) => received.push(d));
  w.write(Buffer.from('+DONE\r\n'));
  for (let i = 0; i < 100 && !Buffer.concat(received).subarray(-7).equals(Buffer.from('+DONE\r\n')); i++) await sleep(10);
  assert.equal(Buffer.concat(received).subarray(-7).toString(), '+DONE\r\n');
});

test('a write to a peer that went away does not throw, and the socket closes', async (t) => {
  // Accepted without reading, so only the failed write can notice the reset.
  const p = await connectedPair(true);
  t.after(() => closePair(p));
  const w = new SocketWriter(p.accepted);
  const closed = new Promise<void>((resolve) => p.accepted.once('close', () => resolve()));
  p.peer.destroy();
  await sleep(50);
  // The first write may still be taken by the kernel (it answers with a reset); a later one
  // fails, and the failure destroys the socket.
  for (let i = 0; i < 20 && !p.accepted.destroyed; i++) {
    w.write(chunk(i, 1024));
    await sleep(10);
  }
  assert.ok(p.accepted.destroyed, 'a failed write left the socket open');
  await closed;
});
