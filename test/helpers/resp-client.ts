/**
 * A tiny RESP2/RESP3 client for differential tests: it sends commands as arrays of bulk strings
 * and returns each reply as a plain JS value, without the transformations a real client applies.
 *
 * Reply shapes:
 *   simple or bulk string -> string (latin1, so every byte maps to one char: binary-safe)
 *   error                  -> { error: message }
 *   integer                -> number (bigint when outside the safe integer range)
 *   null bulk / null array / RESP3 null -> null
 *   array / set / push     -> Reply[]  (sets and pushes are tagged: { set: [...] }, { push: [...] })
 *   RESP3 map              -> { map: [key, value][] }
 *   RESP3 double           -> { double: text }
 *   RESP3 boolean          -> boolean
 *   RESP3 big number       -> { big: text }
 *   RESP3 verbatim string  -> string (format prefix removed)
 */
import net from 'node:net';

export type Reply =
  | string
  | number
  | bigint
  | boolean
  | null
  | { error: string }
  | { map: [Reply, Reply][] }
  | { set: Reply[] }
  | { push: Reply[] }
  | { double: string }
  | { big: string }
  | Reply[];

export function isError(r: Reply): r is { error: string } {
  return typeof r === 'object' && r !== null && !Array.isArray(r) && 'error' in r;
}

/** Encodes argv as a RESP array of bulk strings; strings are taken as latin1 (one byte per char). */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

class Incomplete extends Error {}

/** Parses one reply at `pos`; throws Incomplete when the buffer does not hold all of it yet. */
function parseReply(buf: Buffer, pos: number): [Reply, number] {
  if (pos >= buf.length) throw new Incomplete();
  const type = String.fromCharCode(buf[pos]);
  const eol = buf.indexOf('\r\n', pos + 1, 'latin1');
  if (eol < 0) throw new Incomplete();
  const line = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  const bulk = (): [string | null, number] => {
    const len = Number(line);
    if (len < 0) return [null, next];
    if (buf.length < next + len + 2) throw new Incomplete();
    return [buf.toString('latin1', next, next + len), next + len + 2];
  };
  const aggregate = (count: number): [Reply[], number] => {
    const items: Reply[] = [];
    let p = next;
    for (let i = 0; i < count; i++) {
      const [item, after] = parseReply(buf, p);
      items.push(item);
      p = after;
    }
    return [items, p];
  };
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [{ error: line }, next];
    case ':': {
      const n = BigInt(line);
      const safe = n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER);
      return [safe ? Number(n) : n, next];
    }
    case '$':
      return bulk();
    case '*': {
      const count = Number(line);
      if (count < 0) return [null, next];
      return aggregate(count);
    }
    case '_':
      return [null, next];
    case '#':
      return [line === 't', next];
    case ',':
      return [{ double: line }, next];
    case '(':
      return [{ big: line }, next];
    case '!': {
      const [text, after] = bulk();
      return [{ error: text ?? '' }, after];
    }
    case '=': {
      const [text, after] = bulk();
      return [text === null ? null : text.slice(4), after];
    }
    case '~': {
      const [items, after] = aggregate(Number(line));
      return [{ set: items }, after];
    }
    case '>': {
      const [items, after] = aggregate(Number(line));
      return [{ push: items }, after];
    }
    case '%': {
      const [flat, after] = aggregate(Number(line) * 2);
      const pairs: [Reply, Reply][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
      return [{ map: pairs }, after];
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)} in ${JSON.stringify(buf.toString('latin1', pos, pos + 40))}`);
  }
}

export class RespClient {
  private buf: Buffer = Buffer.alloc(0);
  private pending: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  private closedError: Error | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.drain();
    });
    const fail = (err: Error): void => {
      this.closedError = err;
      const p = this.pending;
      this.pending = [];
      for (const w of p) w.reject(err);
    };
    socket.on('error', (err) => fail(err));
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => {
        s.off('error', reject);
        resolve(new RespClient(s));
      });
      s.once('error', reject);
    });
  }

  private drain(): void {
    let pos = 0;
    while (this.pending.length > 0 && pos < this.buf.length) {
      let reply: Reply;
      let after: number;
      try {
        [reply, after] = parseReply(this.buf, pos);
      } catch (err) {
        if (err instanceof Incomplete) break;
        throw err;
      }
      pos = after;
      this.pending.shift()!.resolve(reply);
    }
    this.buf = pos === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }

  /** Sends one command and resolves with its reply. Calls may be pipelined. */
  call(...args: (string | Buffer)[]): Promise<Reply> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(encodeCommand(args));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A readable, unambiguous rendering of a reply (binary bytes escaped) for assertion messages. */
export function showReply(r: Reply): string {
  if (r === null) return 'null';
  if (typeof r === 'string') return JSON.stringify(r);
  if (typeof r === 'boolean') return `(boolean) ${String(r)}`;
  if (typeof r === 'number') return `(integer) ${String(r)}`;
  if (typeof r === 'bigint') return `(integer) ${r.toString()}`;
  if (Array.isArray(r)) return `[${r.map(showReply).join(', ')}]`;
  if ('error' in r) return `(error) ${JSON.stringify(r.error)}`;
  if ('map' in r) return `{${r.map.map(([k, v]) => `${showReply(k)}: ${showReply(v)}`).join(', ')}}`;
  if ('set' in r) return `~[${r.set.map(showReply).join(', ')}]`;
  if ('push' in r) return `>[${r.push.map(showReply).join(', ')}]`;
  if ('double' in r) return `(double) ${r.double}`;
  return `(big) ${r.big}`;
}

/** Renders argv the way redis-cli would accept it back, quoting and escaping binary. */
export function showCommand(argv: readonly string[]): string {
  return argv.map((a) => JSON.stringify(a)).join(' ');
}
