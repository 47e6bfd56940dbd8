/**
 * The simulated network: per-link blocking (symmetric, asymmetric, flapping partitions), node
 * clogging (messages held, not lost, until unclogged: FoundationDB's swizzle-clog), random
 * drop, duplication and delay (which reorders). It decides each message's fate; the
 * simulator's event queue carries it.
 */
import type { Message, NodeId } from '../types.js';
import type { Rng } from './rng.js';

export interface NetworkFaults {
  /** Probability a message is lost. */
  dropRate: number;
  /** Probability a message is delivered twice. */
  duplicateRate: number;
  /** Usual one-way delay range in ms. */
  delayMinMs: number;
  delayMaxMs: number;
  /** Probability of a long delay (up to longDelayMaxMs): reorders across heartbeats. */
  longDelayRate: number;
  longDelayMaxMs: number;
}

export const CALM_NETWORK: NetworkFaults = { dropRate: 0, duplicateRate: 0, delayMinMs: 1, delayMaxMs: 4, longDelayRate: 0, longDelayMaxMs: 0 };

export class Network {
  faults: NetworkFaults = CALM_NETWORK;
  private readonly blocked = new Set<number>();
  readonly clogged = new Set<NodeId>();
  sent = 0;
  dropped = 0;
  duplicated = 0;

  constructor(private readonly rng: Rng) {}

  private static key(from: NodeId, to: NodeId): number {
    return from * 4096 + to;
  }

  block(from: NodeId, to: NodeId): void {
    this.blocked.add(Network.key(from, to));
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(Network.key(from, to));
  }

  /** Cuts every link between the two groups; `oneWay` cuts only a -> b. */
  partition(a: readonly NodeId[], b: readonly NodeId[], oneWay: boolean): void {
    for (const x of a)
      for (const y of b) {
        this.block(x, y);
        if (!oneWay) this.block(y, x);
      }
  }

  healLinks(): void {
    this.blocked.clear();
  }

  isPartitioned(): boolean {
    return this.blocked.size > 0;
  }

  isClogged(m: Message): boolean {
    return this.clogged.has(m.from) || this.clogged.has(m.to);
  }

  /** Delivery delays (ms from now) for a message just sent: [] dropped, one or two entries. */
  fate(m: Message): number[] {
    this.sent++;
    if (this.isBlocked(m.from, m.to) || this.rng.chance(this.faults.dropRate)) {
      this.dropped++;
      return [];
    }
    const out = [this.delay()];
    if (this.rng.chance(this.faults.duplicateRate)) {
      this.duplicated++;
      out.push(this.delay());
    }
    return out;
  }

  private delay(): number {
    const f = this.faults;
    if (this.rng.chance(f.longDelayRate)) return this.rng.int(f.delayMaxMs, Math.max(f.delayMaxMs, f.longDelayMaxMs));
    return this.rng.int(f.delayMinMs, f.delayMaxMs);
  }
}
