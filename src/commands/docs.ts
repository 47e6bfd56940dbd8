/** Renders the command table as the Markdown of docs/commands.md (kept in sync by a test). */
import { buildCommandTable } from './table.js';
import type { CommandSpec } from './spec.js';

function row(spec: CommandSpec): string {
  const arity = spec.arity < 0 ? `>= ${-spec.arity}` : String(spec.arity);
  return `| \`${spec.name.toUpperCase().replace('|', ' ')}\` | ${arity} | ${spec.flags.join(', ')} | ${spec.summary} |`;
}

export function commandsMarkdown(): string {
  const table = buildCommandTable();
  const groups = new Map<string, CommandSpec[]>();
  for (const spec of table.values()) {
    const list = groups.get(spec.group) ?? [];
    list.push(spec, ...(spec.subcommands ?? []));
    groups.set(spec.group, list);
  }
  let md = '# Commands\n\n';
  md += 'Generated from the command table (`src/commands/`) by `npm run docs`; a test fails when this file is stale.\n';
  md += 'Arity counts the command name; `>= n` means at least n arguments. Semantics and error texts follow Redis 7.0.\n';
  for (const [group, specs] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    md += `\n## ${group}\n\n| command | arity | flags | summary |\n| --- | --- | --- | --- |\n`;
    for (const spec of specs.sort((a, b) => a.name.localeCompare(b.name))) md += `${row(spec)}\n`;
  }
  return md;
}
