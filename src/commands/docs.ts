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
  return md + DIFFERENCES;
}

const DIFFERENCES = `
## Differences from Redis

Deliberate, and kept short; everything else is a bug to report.

- \`OBJECT IDLETIME\` and \`OBJECT FREQ\` reply with an error: Concord does not track per-key access
  time (it would cost ~40 bytes a key). \`OBJECT ENCODING\` of a string is derived from its content
  (\`int\`, \`embstr\` up to 44 bytes, else \`raw\`), so a short value built by \`APPEND\` reports
  \`embstr\` where Redis says \`raw\`.
- \`RANDOMKEY\` walks a persistent iterator a random distance: every key can come up, but not with
  equal probability (Redis's choice is not uniform either).
- \`SCAN\` cursors are handles to server-side iterators: a cursor is meaningful only on the node
  that issued it. The guarantee is stronger than Redis's: a key present for the whole scan is
  returned exactly once, and a scan terminates even while the keyspace keeps growing.
- \`INCRBYFLOAT\` adds exact decimals and prints 17 decimal places at most, trailing zeros trimmed;
  Redis adds in 80-bit long double. The text is the same whenever long double represents the
  operands well enough (\`0.1 + 0.2\` gives \`0.3\` in both).
- A value holds at most 2^29 - 24 bytes (V8's longest string), 24 bytes short of Redis's 512 MB:
  a longer bulk gets \`Protocol error: invalid bulk length\`, and \`APPEND\`/\`SETRANGE\` past it get
  Redis's \`string exceeds maximum allowed size\` error.
- \`INCRBYFLOAT\` accepts what \`strtold\` accepts (hexadecimal too) over long double's range.
- \`client-output-buffer-limit\` bounds normal clients by default (1 GB hard limit).
- Collections are bounded by V8: a hash, set or sorted set holds at most 16M members and a list at
  most 2^26 elements; past that a write gets an error instead of the node crashing.
  \`HRANDFIELD\`, \`SRANDMEMBER\` and \`ZRANDMEMBER\` with a negative count return at most 16,777,216
  picks (\`ERR value is out of range\`); Redis has no bound.
- \`HINCRBYFLOAT\` adds exact decimals, like \`INCRBYFLOAT\`.
- A client blocked on several keys is served by running its command again, so the first ready key
  in argument order wins; Redis pops from the key that was signalled. This differs only when
  several of the keys fill in one transaction.
- COMMAND INFO has no \`tips\` (Redis marks ZRANDMEMBER, HRANDFIELD, ZSCAN... \`nondeterministic_output\`).
- \`HSCAN\`, \`SSCAN\` and \`ZSCAN\` of large collections use server-side cursors like \`SCAN\`;
  small (listpack or intset) collections come back whole with cursor 0, as in Redis.
  Hash-table iteration order (\`SMEMBERS\` of a large set, \`HGETALL\` of a large hash) differs from
  Redis's, which is unspecified anyway.
- Encoding thresholds are Redis 7.0's built-in defaults (hash 512 entries / 64 bytes, intset 512,
  sorted set 128 / 64) and not yet configurable.
- Keyspace events: the \`new\` class is not emitted yet.
- \`DUMP\` writes RDB version 9 payloads with plain encodings (any Redis since 5.0 restores them);
  \`RESTORE\` reads payloads up to version 10, as Redis 7.0 does. \`IDLETIME\` and \`FREQ\` are
  validated but not kept (no per-key access data).
- Blocking timeouts of \`inf\` or beyond 2^63 ms get \`timeout is out of range\` / \`not a float\`;
  Redis 7.0 answers \`timeout is negative\` through an overflow.
- \`BGSAVE\` and \`BGREWRITEAOF\` run in the server process (Node cannot fork): the keyspace is walked
  in slices between client requests, copying a key's value just before a write first changes it.
  \`SAVE\` is refused while one of them runs (\`ERR Background save already in progress\`).
  INFO's \`current_cow_*\` fields stay 0; \`concord_last_snapshot_longest_slice_ms\` and
  \`concord_last_snapshot_copied_on_write\` report how the last snapshot shared the event loop.
- With \`appendonly yes\` and no AOF directory yet, the start loads \`dump.rdb\` (Redis starts empty)
  and makes it the AOF's first base.
- Two replication defaults differ (docs/configuration.md): \`repl-diskless-load\` is \`on-empty-db\`
  (a replica with no keys loads a full sync as it arrives and answers \`-LOADING\` meanwhile, where
  Redis's \`disabled\` serves its empty data set until the transfer ends), and the stream to
  replicas is batched for up to \`repl-stream-batch-ms\` 1 ms under load (\`0\` sends every event-loop
  turn, as Redis does).
- \`DEBUG\` offers \`SLEEP\`, \`SET-ACTIVE-EXPIRE\`, \`OBJECT\` and \`HELP\`.
- \`MEMORY USAGE\` estimates the key's cost in V8's heap; \`INFO memory\` reports V8 heap figures.
- \`CLIENT LIST\` reports \`fd=-1\` and zeros for Redis-internal buffer fields it has no equivalent for.
`;
