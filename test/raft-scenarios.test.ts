/**
 * Readable Raft scenarios: each file in test/raft-scenarios/ is a script of commands and
 * expected outputs (see test/raft-scenario-env.ts). RAFT_REWRITE=1 rewrites the files with
 * the actual output, to review as a diff.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runScript, runScriptFile } from './raft-scenario-env.js';

const dir = new URL('../../test/raft-scenarios/', import.meta.url);
const rewrite = process.env.RAFT_REWRITE === '1';

describe('raft scenarios', () => {
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    it(name, () => {
      const mismatches = runScriptFile(new URL(name, dir).pathname, rewrite);
      assert.deepEqual(mismatches, [], mismatches.join('\n\n'));
    });
  }

  it('the Figure 8 script fails when the leader commits older-term entries by counting', () => {
    const text = readFileSync(new URL('figure8-commit-rule.txt', dir), 'utf8').replace('max-msg-bytes=0', 'max-msg-bytes=0 bug=commitOlderTermByCounting');
    const { mismatches } = runScript(text);
    assert.ok(mismatches.length > 0, 'the broken commit rule must change the outcome');
    assert.match(mismatches[0], /1: leader term=4 lead=1 commit=3/);
  });
});
