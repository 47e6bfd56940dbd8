/** LATENCY: per-event latest and maximum latency spikes above latency-monitor-threshold ms. */

/** Samples kept per event, as Redis's LATENCY_TS_LEN. */
const HISTORY_MAX = 160;

export interface LatencySample {
  timeSec: number;
  ms: number;
}

export interface LatencyEvent {
  history: LatencySample[];
  maxMs: number;
}

export class LatencyMonitor {
  readonly events = new Map<string, LatencyEvent>();

  add(event: string, ms: number, nowMs: number): void {
    let e = this.events.get(event);
    if (e === undefined) {
      e = { history: [], maxMs: 0 };
      this.events.set(event, e);
    }
    const timeSec = Math.floor(nowMs / 1000);
    const last = e.history[e.history.length - 1];
    // One sample per second per event, keeping the worst, as Redis does.
    if (last !== undefined && last.timeSec === timeSec) last.ms = Math.max(last.ms, ms);
    else e.history.push({ timeSec, ms });
    if (e.history.length > HISTORY_MAX) e.history.shift();
    e.maxMs = Math.max(e.maxMs, ms);
  }

  reset(names: readonly string[]): number {
    if (names.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const name of names) if (this.events.delete(name)) n++;
    return n;
  }
}
