/** Convenience draws over the seeded PRNG; every random choice of the simulator goes through one. */
import { type Random, seededRandom } from '../../util/random.js';

export class Rng {
  private readonly r: Random;
  constructor(seed: number) {
    this.r = seededRandom(seed);
  }

  next(): number {
    return this.r.next();
  }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return p > 0 && this.r.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r.next() * xs.length)];
  }

  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.r.next() * (i + 1));
      const t = xs[i];
      xs[i] = xs[j];
      xs[j] = t;
    }
    return xs;
  }

  /** A child generator, so one consumer's draws do not shift another's. */
  fork(): Rng {
    return new Rng(Math.floor(this.r.next() * 0x7fffffff));
  }

  /** The underlying Random (for the Raft core's election timeouts). */
  random(): Random {
    return this.r;
  }
}
