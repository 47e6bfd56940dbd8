/** Writes docs/commands.md from the command table. */
import { writeFileSync } from 'node:fs';
import { commandsMarkdown } from '../src/commands/docs.js';

writeFileSync(new URL('../../docs/commands.md', import.meta.url), commandsMarkdown());
