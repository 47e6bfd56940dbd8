import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { commandsMarkdown } from '../src/commands/docs.js';
import { PARAMS } from '../src/server/config.js';

it('docs/commands.md matches the command table (run `npm run docs` after changing commands)', () => {
  const onDisk = readFileSync(new URL('../../docs/commands.md', import.meta.url), 'utf8');
  assert.equal(onDisk, commandsMarkdown());
});

it('docs/configuration.md names every configuration parameter', () => {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  for (const p of PARAMS) assert.ok(doc.includes(`\`${p.name}\``), `${p.name} is documented`);
});
