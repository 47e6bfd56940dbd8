/** SLOWLOG: the last slowlog-max-len commands that ran longer than slowlog-log-slower-than µs. */

/** Redis keeps at most 32 arguments of an entry, each at most 128 bytes. */
const ARGS_MAX = 32;
const ARG_BYTES_MAX = 128;

export interface SlowlogEntry {
  id: number;
  timeSec: number;
  durationUs: number;
  argv: string[];
  addr: string;
  name: string;
}

export class Slowlog {
  entries: SlowlogEntry[] = [];
  private nextId = 0;

  record(argv: readonly string[], durationUs: number, nowMs: number, addr: string, name: string, maxLen: number): void {
    const kept: string[] = [];
    const n = Math.min(argv.length, ARGS_MAX);
    for (let i = 0; i < n; i++) {
      if (i === ARGS_MAX - 1 && argv.length > ARGS_MAX) {
        kept.push(`... (${argv.length - ARGS_MAX + 1} more arguments)`);
        break;
      }
      const a = argv[i];
      kept.push(a.length > ARG_BYTES_MAX ? `${a.slice(0, ARG_BYTES_MAX)}... (${a.length - ARG_BYTES_MAX} more bytes)` : a);
    }
    this.entries.unshift({ id: this.nextId++, timeSec: Math.floor(nowMs / 1000), durationUs, argv: kept, addr, name });
    this.trim(maxLen);
  }

  trim(maxLen: number): void {
    if (this.entries.length > maxLen) this.entries.length = maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}
