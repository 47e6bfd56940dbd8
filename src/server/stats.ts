/** Server counters in INFO's terms: stats, commandstats and errorstats. */

export interface CommandStat {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}

/** Number of instantaneous-ops samples averaged, one per cron run (Redis's STATS_METRIC_SAMPLES). */
const OPS_SAMPLES = 16;
/** Distinct error codes tracked in errorstats; past it, new codes are counted under one bucket (as Redis caps at 128). */
const ERROR_CODES_MAX = 128;

export class Stats {
  commandsProcessed = 0;
  connectionsReceived = 0;
  rejectedConnections = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  errorReplies = 0;
  clientQueryBufferLimitDisconnections = 0;
  clientOutputBufferLimitDisconnections = 0;
  readonly commands = new Map<string, CommandStat>();
  readonly errors = new Map<string, number>();
  private opsSamples: number[] = [];
  private lastSampleMs = 0;
  private lastSampleCommands = 0;

  command(name: string): CommandStat {
    let s = this.commands.get(name);
    if (s === undefined) {
      s = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
      this.commands.set(name, s);
    }
    return s;
  }

  /** Counts an error reply under its code: the first word of the message (`ERR`, `WRONGTYPE`...). */
  error(message: string): void {
    this.errorReplies++;
    const space = message.indexOf(' ');
    let code = space < 0 ? message : message.slice(0, space);
    if (!this.errors.has(code) && this.errors.size >= ERROR_CODES_MAX) code = 'ERRORSTATS_OVERFLOW';
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  sampleOps(nowMs: number): void {
    if (this.lastSampleMs !== 0 && nowMs > this.lastSampleMs) {
      const rate = ((this.commandsProcessed - this.lastSampleCommands) * 1000) / (nowMs - this.lastSampleMs);
      this.opsSamples.push(rate);
      if (this.opsSamples.length > OPS_SAMPLES) this.opsSamples.shift();
    }
    this.lastSampleMs = nowMs;
    this.lastSampleCommands = this.commandsProcessed;
  }

  get instantaneousOps(): number {
    if (this.opsSamples.length === 0) return 0;
    return Math.round(this.opsSamples.reduce((a, b) => a + b, 0) / this.opsSamples.length);
  }

  reset(): void {
    this.commandsProcessed = 0;
    this.connectionsReceived = 0;
    this.rejectedConnections = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.errorReplies = 0;
    this.clientQueryBufferLimitDisconnections = 0;
    this.clientOutputBufferLimitDisconnections = 0;
    this.commands.clear();
    this.errors.clear();
    this.opsSamples = [];
  }
}
