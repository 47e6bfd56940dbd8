/** A raw TCP connection for byte-exact protocol tests. */
import net from 'node:net';

export class RawConnection {
  private chunks: Buffer[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  get received(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  /** Waits until at least `bytes` bytes arrived (or the connection closed), at most `timeoutMs`. */
  async read(bytes: number, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < bytes && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const all = this.received;
    this.chunks = [];
    return all;
  }

  /** Sends `data` and returns the reply bytes once `expected` bytes arrived. */
  async roundtrip(data: string, expected: string): Promise<string> {
    this.write(data);
    return this.read(expected.length);
  }

  /** Resolves when the server closes the connection (or after timeoutMs). */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    await this.read(Number.MAX_SAFE_INTEGER, timeoutMs);
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
