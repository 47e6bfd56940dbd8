/** Time enters through this seam so tests and simulations can run on a clock they control. */
export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (what TTLs and TIME use). */
  now(): number;
  /** Monotonic milliseconds with sub-ms resolution, for measuring durations. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  constructor(private ms = 1_700_000_000_000, private mono = 0) {}
  now(): number {
    return this.ms;
  }
  monotonic(): number {
    return this.mono;
  }
  advance(ms: number): void {
    this.ms += ms;
    this.mono += ms;
  }
}
