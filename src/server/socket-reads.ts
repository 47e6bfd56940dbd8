/**
 * Reads from client sockets into one shared buffer instead of a fresh one per read.
 *
 * By default Node allocates a 64 KB buffer for every read (malloc, page faults, an ArrayBuffer
 * for the GC to sweep) and pushes it through the Readable stream machinery (a Buffer object,
 * a nextTick per read). Profiles of SET with 1 KB values put that at ~4% of the server's CPU.
 * Node's `onread` socket option reads into a caller's buffer and calls back with the byte
 * count, skipping both; but `net.Server` offers no way to pass it to accepted sockets. The same
 * three fields the Socket constructor sets for `onread` are set here after accept. They are
 * Node internals, so every step is checked and a socket falls back to 'data' events when one
 * is missing; test/socket-reads.test.ts fails if the fast path stops applying on our Node.
 *
 * The buffer is shared by every connection: the callback must consume or copy the bytes before
 * returning (the request parser copies any unfinished command out, see `copyLeftovers`).
 */
import type { Socket } from 'node:net';

/** One read's worth: the size Node itself allocates per read. */
export const SHARED_READ_BYTES = 64 * 1024;

const shared = Buffer.allocUnsafe(SHARED_READ_BYTES);

interface UserBufferHandle {
  useUserBuffer?: (buf: Uint8Array) => void;
}

let symbols: { buffer: symbol; callback: symbol; generator: symbol } | null | undefined;

function internalSymbols(socket: Socket): typeof symbols {
  if (symbols !== undefined) return symbols;
  const own = Object.getOwnPropertySymbols(socket);
  const find = (name: string): symbol | undefined => own.find((s) => s.description === name);
  const buffer = find('kBuffer');
  const callback = find('kBufferCb');
  const generator = find('kBufferGen');
  symbols = buffer && callback && generator ? { buffer, callback, generator } : null;
  return symbols;
}

/**
 * Delivers `socket`'s incoming bytes to `onChunk`. Returns true when they arrive through the
 * shared buffer (the chunk is only valid during the call), false when through 'data' events.
 */
export function readSocket(socket: Socket, onChunk: (chunk: Buffer) => void, allowShared = true): boolean {
  const handle = (socket as unknown as { _handle?: UserBufferHandle })._handle;
  const syms = allowShared ? internalSymbols(socket) : null;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (syms && handle && typeof handle.useUserBuffer === 'function' &&
      fields[syms.buffer] === null && fields[syms.callback] === null && fields[syms.generator] === null) {
    fields[syms.buffer] = shared;
    fields[syms.callback] = (nread: number): void => onChunk(shared.subarray(0, nread));
    handle.useUserBuffer(shared);
    return true;
  }
  socket.on('data', onChunk);
  return false;
}
