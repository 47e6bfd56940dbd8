/**
 * The Raft simulator's command line.
 *
 *   npm run sim -- --seed N [--nodes 5] [--steps K] [--trace 200]   replay one seed exactly
 *   npm run sim -- --seeds K [--first-seed S] [--nodes 5]             run K seeds from S
 *   ... [--bug commitOlderTermByCounting|voteWithoutUpToDateCheck|readIndexWithoutQuorum]
 *   ... [--profile mixed|churn]      churn: short-lived leaders (finds commit-rule bugs fast)
 *
 * Without --nodes, seeds use 3, 5 and 7 nodes in turn. A failing seed prints itself and the
 * command that replays it; the exit code is 1 when any seed failed.
 */
import { parseArgs } from 'node:util';
import type { UnsafeTestingFaults } from '../src/raft/config.js';
import { DEFAULT_STEPS, nodesForSeed, replayCommand, type SimResult, simulate } from '../src/raft/sim/simulator.js';

const BUGS: readonly (keyof UnsafeTestingFaults)[] = ['commitOlderTermByCounting', 'voteWithoutUpToDateCheck', 'readIndexWithoutQuorum'];

function main(): number {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      seeds: { type: 'string' },
      'first-seed': { type: 'string', default: '1' },
      nodes: { type: 'string' },
      steps: { type: 'string', default: String(DEFAULT_STEPS) },
      bug: { type: 'string' },
      trace: { type: 'string', default: '0' },
      profile: { type: 'string', default: 'mixed' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || (values.seed === undefined && values.seeds === undefined)) {
    console.log('usage: npm run sim -- --seed N [--nodes 3|5|7] [--steps K] [--trace LINES]\n       npm run sim -- --seeds K [--first-seed S] [--nodes N] [--steps K]\n       add --bug <name> to run a deliberately broken core: ' + BUGS.join(', '));
    return values.help ? 0 : 2;
  }
  const steps = int(values.steps, 'steps');
  const fixedNodes = values.nodes === undefined ? undefined : int(values.nodes, 'nodes');
  const bug = values.bug as keyof UnsafeTestingFaults | undefined;
  const profile = values.profile as 'mixed' | 'churn';
  if (profile !== 'mixed' && profile !== 'churn') throw new Error('--profile is mixed or churn');
  if (bug !== undefined && !BUGS.includes(bug)) throw new Error(`unknown --bug ${bug}; one of ${BUGS.join(', ')}`);

  if (values.seed !== undefined) {
    const seed = int(values.seed, 'seed');
    const nodes = fixedNodes ?? nodesForSeed(seed);
    const r = simulate({ seed, nodes, steps, bug, profile, traceLines: int(values.trace, 'trace') });
    if (r.trace.length) console.log(r.trace.join('\n'));
    report(r, bug, profile);
    console.log(`stats: ${JSON.stringify(r.stats)}`);
    return r.ok ? 0 : 1;
  }

  const count = int(values.seeds!, 'seeds');
  const first = int(values['first-seed'], 'first-seed');
  const started = performance.now();
  let passed = 0;
  let failed = 0;
  let maxLiveness = 0;
  for (let seed = first; seed < first + count; seed++) {
    const r = simulate({ seed, nodes: fixedNodes ?? nodesForSeed(seed), steps, bug, profile });
    if (r.ok) {
      passed++;
      maxLiveness = Math.max(maxLiveness, r.stats.livenessTicks);
    } else {
      failed++;
      report(r, bug, profile);
    }
    if ((seed - first + 1) % 1000 === 0) console.error(`... ${seed - first + 1} seeds, ${failed} failed`);
  }
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${count} seeds ran (${first}..${first + count - 1}), ${passed} passed, ${failed} failed in ${secs}s; worst liveness ${maxLiveness} ticks`);
  return failed === 0 ? 0 : 1;
}

function report(r: SimResult, bug: string | undefined, profile: string): void {
  if (r.ok) {
    console.log(`seed ${r.seed} (${r.nodes} nodes, ${r.steps} steps): ok`);
    return;
  }
  console.log(`seed ${r.seed} (${r.nodes} nodes) FAILED [${r.kind}]: ${r.failure}`);
  console.log(`  replay: ${replayCommand(r, bug)}${profile !== 'mixed' ? ` --profile ${profile}` : ''}`);
}

function int(s: string, name: string): number {
  const n = Number(s);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got ${s}`);
  return n;
}

process.exitCode = main();
