/** The V8 flags of src/cli/node-flags.ts are the ones every way of starting Concord uses. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NODE_FLAGS } from '../src/cli/node-flags.js';
import { CONCORD_BIN } from './helpers/servers.js';

test('the concord-server shebang and npm start use the flags of node-flags.ts', () => {
  const shebang = readFileSync(CONCORD_BIN, 'latin1').split('\n')[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  const pkg = JSON.parse(readFileSync(join(CONCORD_BIN, '..', '..', '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.start, `node ${NODE_FLAGS.join(' ')} dist/src/cli/concord-server.js`);
});
