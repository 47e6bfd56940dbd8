/**
 * Writes reply bytes straight to a client socket's libuv handle when nothing is queued ahead of
 * them, instead of through the socket's Writable stream.
 *
 * A reply of a few bytes that the kernel takes at once still costs, through `socket.write`, the
 * stream's state machine, a native write-request object created and dropped, a nextTick and its
 * record for the write's callback, and a timer refresh. Under `appendfsync always` with 50
 * clients at -P 1 (one reply per client per fsync) that was about 4% of the server's CPU. The
 * handle's own `writeBuffer` takes the same bytes in one call: when the kernel takes them all
 * (the usual case) the request object passed is not even touched, so one is reused. When it
 * does not, the request stays with libuv until the bytes are out, as Node's own would, and
 * this connection's later writes go through the stream until then; libuv keeps one queue per
 * handle, so either way bytes leave in the order written.
 *
 * These are Node internals (`process.binding('stream_wrap')`, `socket._handle`), so every piece
 * is checked once and a socket falls back to `socket.write` when one is missing;
 * test/socket-writes.test.ts fails if the fast path stops applying on our Node.
 */
import type { Socket } from 'node:net';

interface WriteReq {
  buffer: Buffer | null;
  oncomplete: ((status: number) => void) | null;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

interface WritableHandle {
  writeBuffer(req: WriteReq, data: Buffer): number;
}

function loadBinding(): StreamWrapBinding | null {
  try {
    const binding = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding('stream_wrap');
    if (typeof binding.WriteWrap === 'function' && binding.streamBaseState instanceof Int32Array &&
        typeof binding.kLastWriteWasAsync === 'number') {
      return binding as StreamWrapBinding;
    }
  } catch {
    // Not offered on this Node: every socket uses socket.write.
  }
  return null;
}

const binding = loadBinding();
/** The request object passed to writes that complete at once (native code never keeps it). */
let spareReq: WriteReq | null = null;

/** One client connection's writes. */
export class SocketWriter {
  private readonly handle: WritableHandle | null;
  /** Bytes of direct writes libuv still holds (the kernel did not take them at once). */
  private pendingBytes = 0;

  constructor(private readonly socket: Socket) {
    const handle = (socket as unknown as { _handle?: Partial<WritableHandle> | null })._handle;
    this.handle = binding !== null && handle != null && typeof handle.writeBuffer === 'function' ? (handle as WritableHandle) : null;
  }

  /** True when writes to this socket can skip its Writable stream. */
  get direct(): boolean {
    return this.handle !== null;
  }

  /** Bytes written but not yet taken by the kernel. */
  get unsentBytes(): number {
    return this.socket.writableLength + this.pendingBytes;
  }

  write(data: Buffer): void {
    const socket = this.socket;
    // Behind bytes the stream still holds (or while it ends or connects), the stream keeps order.
    if (this.handle === null || this.pendingBytes > 0 || socket.writableLength > 0 || !socket.writable ||
        (socket as unknown as { _handle: unknown })._handle !== this.handle) {
      socket.write(data);
      return;
    }
    const b = binding!;
    const req = spareReq ?? new b.WriteWrap();
    spareReq = null;
    const err = this.handle.writeBuffer(req, data);
    if (err !== 0) {
      // As the stream does on a failed write. (Not retried through it: part of the bytes may
      // have gone out before the error. `req` is not reused: native code may have attached it.)
      failed(socket, err);
      return;
    }
    if (b.streamBaseState[b.kLastWriteWasAsync] === 0) {
      spareReq = req;
      return;
    }
    // libuv owns `req` until the bytes are out; `data` must stay alive as long.
    this.pendingBytes += data.length;
    req.buffer = data;
    req.oncomplete = (status: number): void => {
      this.pendingBytes -= data.length;
      req.buffer = null;
      if (status < 0) failed(socket, status);
    };
  }
}

function failed(socket: Socket, status: number): void {
  socket.destroy(new Error(`write failed (libuv status ${status})`));
}
