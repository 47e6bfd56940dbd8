/**
 * V8 flags a Concord process runs with: the `concord-server` shebang, `npm start` and the
 * benchmark harness all start Node with exactly these (test/node-flags.test.ts checks that the
 * shebang and package.json agree with this list).
 *
 * --max-semi-space-size=32: every value a write stores survives its first young-generation GC
 * and is copied out of it. Node's default cap (16 MB per semi-space) makes those scavenges
 * frequent under write load; with 32 MB, SET with 1 KB values costs ~5% less CPU and its p99
 * falls from ~5 ms to ~1 ms (`node dist/bench/compare.js --only set-d1024`). The young
 * generation only grows that far while survival is high, so an idle node keeps it small.
 *
 * --initial-old-space-size=64: V8 starts the old generation with a small allocation limit and,
 * on a small heap under steady writes (each overwritten value is old garbage), keeps it small:
 * a replica holding 100k keys (13 MB of heap) ran a 5-8 ms mark-compact every ~190 ms. Those
 * pauses, in any of the three processes a quorum write waits for, made its p99. Starting the
 * limit at 64 MB: --write-quorum 2 at -P 1 went from 47k to 60k writes/s and p99 8.3 -> 2.7 ms
 * (`node dist/bench/compare.js --only repl-quorum`); over an 11 s run the replica's mark-compacts
 * went from 76 to 15. It is a limit, not a reservation: memory is used only by garbage
 * that would otherwise have been collected sooner, at most ~64 MB on a small dataset.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32', '--initial-old-space-size=64'];
