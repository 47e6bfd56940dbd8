/**
 * The seeded whole-cluster simulator: many seeds over 3, 5 and 7 nodes must pass every
 * safety check and the liveness check; a seed replays identically; and deliberately broken
 * cores must be caught within a bounded number of seeds (the checkers can fail).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UnsafeTestingFaults } from '../src/raft/config.js';
import { nodesForSeed, replayCommand, simulate } from '../src/raft/sim/simulator.js';

const SEEDS = Number(process.env.RAFT_SIM_SEEDS ?? 1200);

describe('raft simulator', () => {
  it(`${SEEDS} seeds over 3, 5 and 7 nodes pass safety and liveness`, () => {
    const failures: string[] = [];
    const sizes = new Map<number, number>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const nodes = nodesForSeed(seed);
      sizes.set(nodes, (sizes.get(nodes) ?? 0) + 1);
      const r = simulate({ seed, nodes, steps: 300 });
      if (!r.ok) failures.push(`seed ${seed}: ${r.failure}\n  replay: ${replayCommand(r)}`);
    }
    assert.deepEqual([...sizes.keys()].sort(), [3, 5, 7]);
    assert.deepEqual(failures, []);
  });

  it('a seed replays identically', () => {
    const a = simulate({ seed: 4242, nodes: 5, steps: 300, traceLines: 100_000 });
    const b = simulate({ seed: 4242, nodes: 5, steps: 300, traceLines: 100_000 });
    assert.ok(a.trace.length > 1000);
    assert.deepEqual(a.stats, b.stats);
    assert.deepEqual(a.trace, b.trace);
  });

  const broken: { bug: keyof UnsafeTestingFaults; maxSeeds: number; profile: 'mixed' | 'churn'; nodes?: number }[] = [
    { bug: 'commitOlderTermByCounting', maxSeeds: 400, profile: 'churn', nodes: 3 },
    { bug: 'voteWithoutUpToDateCheck', maxSeeds: 100, profile: 'mixed' },
    { bug: 'readIndexWithoutQuorum', maxSeeds: 300, profile: 'mixed' },
  ];
  for (const { bug, maxSeeds, profile, nodes } of broken) {
    it(`catches a core with ${bug} within ${maxSeeds} seeds`, () => {
      for (let seed = 1; seed <= maxSeeds; seed++) {
        const r = simulate({ seed, nodes: nodes ?? nodesForSeed(seed), steps: 300, bug, profile });
        if (!r.ok) {
          assert.equal(r.kind, 'safety', `expected a safety violation, got ${r.kind}: ${r.failure}`);
          return;
        }
      }
      assert.fail(`${bug} survived ${maxSeeds} seeds: the checkers cannot see it`);
    });
  }
});
