/** COMMAND and its subcommands: everything comes from the command table. */
import type { ReplyWriter } from '../protocol/reply-writer.js';
import { globMatch } from '../keyspace/glob.js';
import { ERR_SYNTAX } from './args.js';
import { helpReply } from './keys.js';
import { cmd, keyPositions, type CommandSpec, type Ctx } from './spec.js';
import { parseSyntax, type DocArg } from './syntax.js';

function writeInfo(out: ReplyWriter, spec: CommandSpec): void {
  out.arrayLen(10);
  out.bulk(spec.name);
  out.integer(spec.arity);
  out.setLen(spec.flags.length);
  for (const f of spec.flags) out.simple(f);
  out.integer(spec.firstKey);
  out.integer(spec.lastKey);
  out.integer(spec.step);
  out.setLen(spec.acl.length);
  for (const a of spec.acl) out.simple(`@${a}`);
  out.arrayLen(0);
  writeKeySpecs(out, spec);
  const subs = spec.subcommands ?? [];
  out.arrayLen(subs.length);
  for (const s of subs) writeInfo(out, s);
}

/** How many key specs writeKeySpecs describes `spec` with. */
function keySpecCount(spec: CommandSpec): number {
  return spec.firstKey === 0 ? 0 : 1;
}

/** Key specs derived from first/last/step: one `index` begin search and one `range` find. */
function writeKeySpecs(out: ReplyWriter, spec: CommandSpec): void {
  if (keySpecCount(spec) === 0) {
    out.arrayLen(0);
    return;
  }
  const write = spec.flags.includes('write');
  out.arrayLen(1);
  out.mapLen(3);
  out.bulk('flags');
  out.setLen(1);
  out.simple(write ? 'RW' : 'RO');
  out.bulk('begin_search');
  out.mapLen(2);
  out.bulk('type');
  out.bulk('index');
  out.bulk('spec');
  out.mapLen(1);
  out.bulk('index');
  out.integer(spec.firstKey);
  out.bulk('find_keys');
  out.mapLen(2);
  out.bulk('type');
  out.bulk('range');
  out.bulk('spec');
  out.mapLen(3);
  out.bulk('lastkey');
  out.integer(spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey);
  out.bulk('keystep');
  out.integer(spec.step);
  out.bulk('limit');
  out.integer(0);
}

/** Parsed `syntax` of each spec: COMMAND DOCS is sent by every interactive redis-cli at startup. */
const docArgsCache = new WeakMap<CommandSpec, readonly DocArg[]>();

/** The COMMAND DOCS arguments of `spec`, empty when it declares none. Throws on a malformed syntax. */
function docArgs(spec: CommandSpec): readonly DocArg[] {
  let args = docArgsCache.get(spec);
  if (args === undefined) {
    args = spec.syntax === undefined ? [] : parseSyntax(spec.syntax, spec.name);
    docArgsCache.set(spec, args);
  }
  return args;
}

/** Parses every syntax `specs` will need before any reply byte is written. */
function prepareDocs(specs: readonly CommandSpec[]): void {
  for (const spec of specs) {
    docArgs(spec);
    prepareDocs(spec.subcommands ?? []);
  }
}

/**
 * One `arguments` array, fields in Redis's order. key_spec_index must point into the key specs
 * COMMAND INFO gives (`keySpecs` of them): Concord describes all of a command's keys with one range
 * spec, so RENAME's `newkey` is 0 here where Redis, with one spec per key, says 1.
 */
function writeArgs(out: ReplyWriter, args: readonly DocArg[], keySpecs: number): void {
  out.arrayLen(args.length);
  for (const a of args) {
    const keyIndex = a.keySpecIndex !== undefined && keySpecs > 0 ? Math.min(a.keySpecIndex, keySpecs - 1) : undefined;
    const flags: string[] = [];
    if (a.optional === true) flags.push('optional');
    if (a.multiple === true) flags.push('multiple');
    if (a.multipleToken === true) flags.push('multiple_token');
    const nested = a.arguments !== undefined;
    out.mapLen(2 + (keyIndex === undefined ? 0 : 1) + (a.token === undefined ? 0 : 1)
      + (a.displayText === undefined ? 0 : 1) + (flags.length > 0 ? 1 : 0) + (nested ? 1 : 0));
    out.bulk('name');
    out.bulk(a.name);
    out.bulk('type');
    out.bulk(a.type);
    if (keyIndex !== undefined) {
      out.bulk('key_spec_index');
      out.integer(keyIndex);
    }
    if (a.token !== undefined) {
      out.bulk('token');
      out.bulk(a.token);
    }
    if (a.displayText !== undefined) {
      out.bulk('display_text');
      out.bulk(a.displayText);
    }
    if (flags.length > 0) {
      out.bulk('flags');
      out.setLen(flags.length);
      for (const f of flags) out.simple(f);
    }
    if (nested) {
      out.bulk('arguments');
      writeArgs(out, a.arguments!, keySpecs);
    }
  }
}

function writeDocs(out: ReplyWriter, spec: CommandSpec): void {
  const subs = spec.subcommands ?? [];
  const args = docArgs(spec);
  const fields = 4 + (args.length > 0 ? 1 : 0) + (subs.length > 0 ? 1 : 0) + (spec.complexity === undefined ? -1 : 0);
  out.mapLen(fields);
  out.bulk('summary');
  out.bulk(spec.summary);
  out.bulk('since');
  out.bulk(spec.since);
  out.bulk('group');
  out.bulk(spec.group);
  if (spec.complexity !== undefined) {
    out.bulk('complexity');
    out.bulk(spec.complexity);
  }
  if (args.length > 0) {
    out.bulk('arguments');
    writeArgs(out, args, keySpecCount(spec));
  }
  if (subs.length > 0) {
    out.bulk('subcommands');
    out.mapLen(subs.length);
    for (const s of subs) {
      out.bulk(s.name);
      writeDocs(out, s);
    }
  }
}

function command(ctx: Ctx, argv: string[]): void {
  if (argv.length > 1) {
    ctx.error(`ERR unknown subcommand '${argv[1]}'. Try COMMAND HELP.`);
    return;
  }
  const all = [...ctx.server.commands.values()];
  ctx.out.arrayLen(all.length);
  for (const spec of all) writeInfo(ctx.out, spec);
}

function lookupFull(ctx: Ctx, name: string): CommandSpec | undefined {
  const [top, sub] = name.toLowerCase().split('|', 2);
  const spec = ctx.server.commands.get(top);
  if (sub === undefined || spec === undefined) return spec;
  return spec.subcommands?.find((s) => s.name === `${top}|${sub}`);
}

function info(ctx: Ctx, argv: string[]): void {
  const names = argv.length > 2 ? argv.slice(2) : [...ctx.server.commands.keys()];
  ctx.out.arrayLen(names.length);
  for (const name of names) {
    const spec = lookupFull(ctx, name);
    if (spec === undefined) ctx.out.nullArray();
    else writeInfo(ctx.out, spec);
  }
}

function docs(ctx: Ctx, argv: string[]): void {
  const specs: CommandSpec[] = [];
  if (argv.length === 2) specs.push(...ctx.server.commands.values());
  else {
    for (const name of argv.slice(2)) {
      const spec = lookupFull(ctx, name);
      if (spec !== undefined) specs.push(spec);
    }
  }
  prepareDocs(specs);
  ctx.out.mapLen(specs.length);
  for (const spec of specs) {
    ctx.out.bulk(spec.name);
    writeDocs(ctx.out, spec);
  }
}

function allNames(ctx: Ctx): CommandSpec[] {
  const out: CommandSpec[] = [];
  for (const spec of ctx.server.commands.values()) {
    out.push(spec);
    for (const s of spec.subcommands ?? []) out.push(s);
  }
  return out;
}

function list(ctx: Ctx, argv: string[]): void {
  let specs = allNames(ctx);
  if (argv.length > 2) {
    if (argv.length !== 5 || argv[2].toUpperCase() !== 'FILTERBY') {
      ctx.error(ERR_SYNTAX);
      return;
    }
    const kind = argv[3].toUpperCase();
    const value = argv[4];
    if (kind === 'MODULE') specs = [];
    else if (kind === 'ACLCAT') specs = specs.filter((s) => s.acl.includes(value.toLowerCase() as never));
    else if (kind === 'PATTERN') specs = specs.filter((s) => globMatch(value, s.name, true));
    else {
      ctx.error(ERR_SYNTAX);
      return;
    }
  }
  ctx.out.arrayLen(specs.length);
  for (const s of specs) ctx.out.bulk(s.name);
}

function getkeys(ctx: Ctx, argv: string[]): void {
  const target = argv.slice(2);
  let spec = ctx.server.commands.get(target[0].toLowerCase());
  if (spec === undefined) {
    ctx.error('ERR Invalid command specified');
    return;
  }
  if (spec.subcommands !== undefined && target.length > 1) {
    spec = spec.subcommands.find((s) => s.name === `${spec!.name}|${target[1].toLowerCase()}`) ?? spec;
  }
  const argc = target.length;
  if ((spec.arity > 0 && argc !== spec.arity) || argc < -spec.arity) {
    ctx.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const positions = keyPositions(spec, target);
  if (positions.length === 0) {
    // A command that can take keys but found none in these arguments gets Redis's other text.
    ctx.error(spec.keys !== undefined ? 'ERR Invalid arguments specified for command' : 'ERR The command has no key arguments');
    return;
  }
  ctx.out.arrayLen(positions.length);
  for (const p of positions) ctx.out.bulk(target[p]);
}

const S = { group: 'server' } as const;
const F = ['loading', 'stale'] as const;

export const introspectionCommands: CommandSpec[] = [
  cmd('command', -1, F, [0, 0, 0], ['slow', 'connection'],
    { ...S, since: '2.8.13', summary: 'Returns detailed information about all commands.', complexity: 'O(N) where N is the total number of Redis commands', syntax: '' }, command, {
      subcommands: [
        cmd('command|count', 2, F, [0, 0, 0], ['slow', 'connection'],
          { ...S, since: '2.8.13', summary: 'Returns a count of commands.', complexity: 'O(1)', syntax: '' }, (ctx) => ctx.out.integer(ctx.server.commands.size)),
        cmd('command|info', -2, F, [0, 0, 0], ['slow', 'connection'],
          { ...S, since: '2.8.13', summary: 'Returns information about one, multiple or all commands.', complexity: 'O(N) where N is the number of commands to look up', syntax: '[command-name [command-name ...]]' }, info),
        cmd('command|docs', -2, F, [0, 0, 0], ['slow', 'connection'],
          { ...S, since: '7.0.0', summary: 'Returns documentary information about one, multiple or all commands.', complexity: 'O(N) where N is the number of commands to look up', syntax: '[command-name [command-name ...]]' }, docs),
        cmd('command|list', -2, F, [0, 0, 0], ['slow', 'connection'],
          { ...S, since: '7.0.0', summary: 'Returns a list of command names.', complexity: 'O(N) where N is the total number of Redis commands', syntax: '[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]' }, list),
        cmd('command|getkeys', -3, F, [0, 0, 0], ['slow', 'connection'],
          { ...S, since: '2.8.13', summary: 'Extracts the key names from an arbitrary command.', complexity: 'O(N) where N is the number of arguments to the command', syntax: '' }, getkeys),
        cmd('command|help', 2, F, [0, 0, 0], ['slow', 'connection'],
          { ...S, since: '5.0.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)', syntax: '' },
          (ctx) => helpReply(ctx, [
            'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
            '(no subcommand)', '    Return details about all Redis commands.',
            'COUNT', '    Return the total number of commands in this Redis server.',
            'LIST', '    Return a list of all commands in this Redis server.',
            'INFO [<command-name> ...]', '    Return details about multiple Redis commands.',
            'DOCS [<command-name> ...]', '    Return documentation details about multiple Redis commands.',
            'GETKEYS <full-command>', '    Return the keys from a full Redis command.',
            'HELP', '    Print this help.',
          ])),
      ],
    }),
];
