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
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
