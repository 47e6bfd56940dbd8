/**
 * redis-server's command line and redis.conf syntax, turned into directives (a name and its
 * words). Hand-written on purpose: no general CLI library parses redis.conf, and flags here are
 * just config lines (`--port 7000 --save ""` is `port 7000` and `save ""`).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { splitInlineArgs } from '../protocol/request-parser.js';

export interface Directive {
  name: string;
  args: string[];
  /** Where it came from, for error messages: `file:line` or `command line`. */
  source: string;
}

export interface ParsedArgs {
  help: boolean;
  version: boolean;
  configFile: string | null;
  directives: Directive[];
}

export class ArgsError extends Error {}

/** `include` nesting bound, so a file including itself fails instead of recursing forever. */
const INCLUDE_DEPTH_MAX = 16;

export function parseCommandLine(argv: readonly string[], readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): ParsedArgs {
  const out: ParsedArgs = { help: false, version: false, configFile: null, directives: [] };
  let i = 0;
  if (argv.length > 0) {
    const first = argv[0];
    if (first === '--help' || first === '-h') return { ...out, help: true };
    if (first === '--version' || first === '-v') return { ...out, version: true };
    if (!first.startsWith('--')) {
      out.configFile = resolve(first);
      out.directives.push(...parseConfigText(readConfigFile(out.configFile, readFile), out.configFile, readFile, 0));
      i = 1;
    }
  }
  let current: Directive | null = null;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return { ...out, help: true };
    if (a === '--version' || a === '-v') return { ...out, version: true };
    if (a.startsWith('--') && a.length > 2) {
      current = { name: a.slice(2).toLowerCase(), args: [], source: 'command line' };
      out.directives.push(current);
    } else if (current === null) {
      throw new ArgsError(`Unexpected argument '${a}': options start with --, and a config file may only come first`);
    } else {
      current.args.push(a);
    }
  }
  return out;
}

function readConfigFile(path: string, readFile: (path: string) => string): string {
  try {
    return readFile(path);
  } catch (err) {
    throw new ArgsError(`Can't open config file '${path}': ${(err as Error).message}`);
  }
}

/** Parses redis.conf text: one directive a line, `#` comments, quoted arguments, `include`. */
export function parseConfigText(text: string, file: string, readFile: (path: string) => string, depth: number): Directive[] {
  const out: Directive[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '' || line.startsWith('#')) continue;
    const source = `${file}:${n + 1}`;
    const words = splitInlineArgs(line);
    if (words === null) throw new ArgsError(`${source}: unbalanced quotes in '${line}'`);
    if (words.length === 0) continue;
    const name = words[0].toLowerCase();
    if (name === 'include') {
      if (words.length !== 2) throw new ArgsError(`${source}: include takes one path`);
      if (depth >= INCLUDE_DEPTH_MAX) throw new ArgsError(`${source}: includes nested deeper than ${INCLUDE_DEPTH_MAX}`);
      const path = resolve(dirname(file), words[1]);
      out.push(...parseConfigText(readConfigFile(path, readFile), path, readFile, depth + 1));
      continue;
    }
    out.push({ name, args: words.slice(1), source });
  }
  return out;
}

export const USAGE = `Usage: concord-server [/path/to/concord.conf] [options]
       concord-server -v or --version
       concord-server -h or --help

Options are redis.conf directives given as flags, for example:
       concord-server --port 7000
       concord-server --port 7000 --replicaof 127.0.0.1 6379
       concord-server /etc/concord/concord.conf --loglevel verbose
       concord-server --save "" --appendonly no --dir /var/lib/concord

Defaults: bind 127.0.0.1, port 6379, dir ./data. See docs/configuration.md.
`;
