/**
 * A command's arguments in Redis's documentation syntax, e.g.
 * `key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]`, parsed into the argument
 * tree of COMMAND DOCS (Redis 7.0's `arguments` field, which redis-cli turns into `help` text and
 * typing hints), and rendered back.
 *
 * The syntax is the one redis.io generates from Redis's command JSON:
 * - `TOKEN` (no lowercase letter) is a literal; `""` is the empty-string literal;
 * - a lowercase word is a value (`key`, `seconds`); a literal right before a value introduces it
 *   (`EX seconds`, `TYPE <NORMAL | MASTER>`);
 * - `[...]` is optional; `a | b` inside brackets is a choice (oneof); `<a | b>` is a required choice
 *   (or one after a literal);
 * - several words in one group form a block (`[LIMIT offset count]`, `key value`);
 * - `x [x ...]` repeats x; `TOKEN x [TOKEN x ...]` repeats the literal too (multiple_token);
 *   a choice repeats as `<a | b [a | b ...]>`.
 *
 * What the syntax cannot say is derived: a value's type from its name (with a per-command table
 * for the few names Redis types differently), a choice's name from its alternatives (Redis's
 * semantic names such as `expiration` for the common ones, else the members joined by `_`, as Redis
 * names `key_value`; `choice` or `arguments` when a member is composite). Per-argument `since`,
 * `summary` and `deprecated_since` are not in the syntax and are never produced.
 */
export type DocArgType =
  | 'key' | 'string' | 'integer' | 'double' | 'pattern' | 'unix-time' | 'pure-token' | 'oneof' | 'block';

export interface DocArg {
  /** Lowercase, for identification; redis-cli shows the names of value arguments. */
  name: string;
  type: DocArgType;
  /** The word as written in the syntax, when it differs from `name`. */
  displayText?: string;
  /** Set on `key` arguments: their order among the key arguments (0, 1...), as Redis numbers its key specs. */
  keySpecIndex?: number;
  /** The literal that introduces the argument (`EX`), or that is the argument (a pure-token). */
  token?: string;
  optional?: boolean;
  multiple?: boolean;
  /** With `multiple`: each repetition repeats `token` too. */
  multipleToken?: boolean;
  /** The alternatives of a oneof, the members of a block. */
  arguments?: DocArg[];
}

/** Longest syntax accepted, and deepest nesting: a bound on the parser's work and recursion. */
const SYNTAX_CHARS_MAX = 4096;
const NESTING_MAX = 32;

const KEY_NAMES = new Set(['key', 'newkey', 'source', 'destination', 'destkey', 'sourcekey', 'src', 'dst']);
const INTEGER_NAMES = new Set([
  'bit', 'bits', 'client-id', 'count', 'cursor', 'db', 'decrement', 'destination-db', 'end', 'end-slot',
  'frequency', 'increment', 'index', 'index1', 'index2', 'len', 'limit', 'milliseconds', 'min-match-len',
  'ms', 'num-matches', 'numkeys', 'numreplicas', 'offset', 'port', 'protover', 'rank', 'seconds', 'slot',
  'start', 'start-slot', 'stop', 'timeout', 'ttl', 'version', 'weight', 'maxage',
]);
const DOUBLE_NAMES = new Set(['score', 'latitude', 'longitude', 'radius', 'width', 'height']);

/** Names Redis types differently in one command than the tables above: `command -> name -> type`. */
const TYPE_OVERRIDES: Readonly<Record<string, Readonly<Record<string, DocArgType>>>> = {
  incrbyfloat: { increment: 'double' },
  hincrbyfloat: { increment: 'double' },
  zincrby: { increment: 'double' },
};

/**
 * Names Redis gives common choices, keyed by the alternatives' names joined by `|`; any other
 * choice is named by its alternatives joined by `_` (as Redis names `normal_master_slave_pubsub`).
 */
const ONEOF_NAMES: Readonly<Record<string, string>> = {
  'nx|xx': 'condition',
  'nx|xx|gt|lt': 'condition',
  'gt|lt': 'comparison',
  'asc|desc': 'order',
  'async|sync': 'async',
  'seconds|milliseconds|unix-time-seconds|unix-time-milliseconds|keepttl': 'expiration',
  'seconds|milliseconds|unix-time-seconds|unix-time-milliseconds|persist': 'expiration',
};

export class DocSyntaxError extends Error {}

// ---------------------------------------------------------------------------------------------
// Text -> raw tree: words, groups with alternatives, repetitions.

type Raw =
  | { kind: 'word'; text: string }
  | { kind: 'ellipsis' }
  /** `[...]` or `<...>`; `multiple` when it is a choice written `a | b [a | b ...]`. */
  | { kind: 'group'; open: '[' | '<'; alts: Raw[][]; multiple: boolean }
  /** `items [items ...]`, folded. */
  | { kind: 'repeat'; items: Raw[] };

const CLOSE = { '[': ']', '<': '>' } as const;

function tokenize(syntax: string): string[] {
  if (syntax.length > SYNTAX_CHARS_MAX) throw new DocSyntaxError(`syntax longer than ${SYNTAX_CHARS_MAX} characters`);
  const out: string[] = [];
  const re = /\s*([[\]<>|]|[^\s[\]<>|]+)/y;
  let at = 0;
  for (;;) {
    re.lastIndex = at;
    const m = re.exec(syntax);
    if (m === null) break;
    out.push(m[1]);
    at = re.lastIndex;
  }
  if (syntax.slice(at).trim() !== '') throw new DocSyntaxError(`cannot read syntax at ${at}: ${syntax}`);
  return out;
}

class RawParser {
  private at = 0;
  constructor(private readonly tokens: readonly string[], private readonly syntax: string) {}

  parseAll(): Raw[] {
    const alts = this.alternatives(null, 0);
    if (alts.length !== 1) throw this.fail('a choice `|` outside brackets');
    return alts[0];
  }

  private fail(what: string): DocSyntaxError {
    return new DocSyntaxError(`${what} (item ${this.at}) in: ${this.syntax}`);
  }

  /** Items up to `close` (consumed) or the end, split at `|`. */
  private alternatives(close: ']' | '>' | null, depth: number): Raw[][] {
    if (depth > NESTING_MAX) throw this.fail(`nesting deeper than ${NESTING_MAX}`);
    const alts: Raw[][] = [[]];
    for (;;) {
      const t = this.tokens[this.at];
      if (t === undefined) {
        if (close !== null) throw this.fail(`missing \`${close}\``);
        return alts;
      }
      this.at++;
      if (t === close) return alts;
      if (t === ']' || t === '>') throw this.fail(`unexpected \`${t}\``);
      if (t === '|') alts.push([]);
      else if (t === '[' || t === '<') alts[alts.length - 1].push(this.group(t, depth + 1));
      else alts[alts.length - 1].push(t === '...' ? { kind: 'ellipsis' } : { kind: 'word', text: t });
    }
  }

  private group(open: '[' | '<', depth: number): Raw {
    const alts = this.alternatives(CLOSE[open], depth);
    if (alts.some((a) => a.length === 0)) throw this.fail('an empty alternative');
    // A repeated choice is written `a | b [a | b ...]`: the repetition hangs off the last alternative.
    if (alts.length > 1) {
      const last = alts[alts.length - 1];
      const rep = last[last.length - 1];
      if (rep.kind === 'group' && rep.open === '[' && endsWithEllipsis(rep.alts)) {
        const repeated = rep.alts.map((a, i) => (i === rep.alts.length - 1 ? a.slice(0, -1) : a));
        const outer = alts.map((a, i) => (i === alts.length - 1 ? a.slice(0, -1) : a));
        if (same(repeated, outer)) return { kind: 'group', open, alts: outer, multiple: true };
      }
    }
    return { kind: 'group', open, alts, multiple: false };
  }
}

function endsWithEllipsis(alts: Raw[][]): boolean {
  const last = alts[alts.length - 1];
  return last.length > 1 && last[last.length - 1].kind === 'ellipsis';
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Folds `x y [x y ...]` into one repeat of `x y`; any other `...` is an error. */
function foldRepeats(items: readonly Raw[], syntax: string): Raw[] {
  const out: Raw[] = [];
  for (const item of items) {
    if (item.kind === 'ellipsis') throw new DocSyntaxError(`\`...\` outside a repetition in: ${syntax}`);
    if (item.kind === 'group' && item.open === '[' && item.alts.length === 1 && endsWithEllipsis(item.alts)) {
      const inner = foldRepeats(item.alts[0].slice(0, -1), syntax);
      const n = inner.length;
      if (out.length < n || !same(out.slice(out.length - n), inner)) {
        throw new DocSyntaxError(`\`[... ...]\` does not repeat what precedes it in: ${syntax}`);
      }
      out.splice(out.length - n, n, { kind: 'repeat', items: inner });
      continue;
    }
    out.push(item);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Raw tree -> DocArg tree.

/** The literal `r` is (as written: `""` for the empty string), or undefined when it is not one. */
function tokenOf(r: Raw): string | undefined {
  if (r.kind !== 'word') return undefined;
  return r.text === '""' || (/[A-Z]/.test(r.text) && !/[a-z]/.test(r.text)) ? r.text : undefined;
}

function isToken(r: Raw): boolean {
  return tokenOf(r) !== undefined;
}

/** What a literal can introduce: a value word, a required choice, or a repetition of one. */
function isValue(r: Raw): boolean {
  if (r.kind === 'word') return !isToken(r);
  if (r.kind === 'group') return r.open === '<';
  if (r.kind === 'repeat') return r.items.length === 1 && isValue(r.items[0]);
  return false;
}

class ArgBuilder {
  private keys = 0;
  constructor(private readonly command: string, private readonly syntax: string) {}

  /** A sequence: each literal followed by a value introduces it. */
  seq(items: readonly Raw[]): DocArg[] {
    const folded = foldRepeats(items, this.syntax);
    const out: DocArg[] = [];
    for (let i = 0; i < folded.length; i++) {
      const token = tokenOf(folded[i]);
      if (token !== undefined && i + 1 < folded.length && isValue(folded[i + 1])) {
        out.push(this.introduced(token, folded[++i]));
      } else {
        out.push(this.unit(folded[i]));
      }
    }
    return out;
  }

  /** One alternative of a choice, or the contents of a bracket: a single argument. */
  private alt(items: readonly Raw[]): DocArg {
    const folded = foldRepeats(items, this.syntax);
    if (folded.length === 1) return this.unit(folded[0]);
    const token = tokenOf(folded[0]);
    if (token !== undefined && folded.length === 2 && isValue(folded[1])) return this.introduced(token, folded[1]);
    if (token !== undefined) {
      const members = this.seq(folded.slice(1));
      return { name: compositeName(members, 'arguments'), type: 'block', token: literal(token), arguments: members };
    }
    const members = this.seq(folded);
    return { name: compositeName(members, 'arguments'), type: 'block', arguments: members };
  }

  private introduced(token: string, value: Raw): DocArg {
    const arg = this.unit(value);
    if (arg.token !== undefined) throw new DocSyntaxError(`two literals introduce one argument in: ${this.syntax}`);
    return { ...arg, token: literal(token) };
  }

  private unit(r: Raw): DocArg {
    switch (r.kind) {
      case 'ellipsis':
        throw new DocSyntaxError(`\`...\` outside a repetition in: ${this.syntax}`);
      case 'word': {
        const written = tokenOf(r);
        if (written !== undefined) {
          const token = literal(written);
          return { name: token === '' ? 'empty_string' : token.toLowerCase(), type: 'pure-token', token };
        }
        return this.value(r.text);
      }
      case 'repeat': {
        const arg = this.alt(r.items);
        const multipleToken = r.items.length > 1 && isToken(r.items[0]);
        return { ...arg, multiple: true, ...(multipleToken ? { multipleToken: true } : {}) };
      }
      case 'group': {
        const optional = r.open === '[';
        if (r.alts.length === 1) {
          const arg = this.alt(r.alts[0]);
          return optional ? { ...arg, optional: true } : arg;
        }
        const members = r.alts.map((a) => this.alt(a));
        const known = ONEOF_NAMES[members.map((m) => m.name).join('|')];
        const arg: DocArg = { name: known ?? compositeName(members, 'choice'), type: 'oneof', arguments: members };
        if (optional) arg.optional = true;
        if (r.multiple) arg.multiple = true;
        return arg;
      }
    }
  }

  private value(word: string): DocArg {
    const name = word.toLowerCase();
    const type = TYPE_OVERRIDES[this.command]?.[name] ?? valueType(name);
    const arg: DocArg = { name, type };
    if (word !== name) arg.displayText = word;
    if (type === 'key') arg.keySpecIndex = this.keys++;
    return arg;
  }
}

/**
 * A block's or choice's name: its members' names joined by `_` (Redis's `key_value`,
 * `normal_master_slave_pubsub`), or `generic` when a member is itself a block or choice.
 */
function compositeName(members: readonly DocArg[], generic: string): string {
  if (members.some((m) => m.type === 'oneof' || m.type === 'block')) return generic;
  return members.map((m) => m.name).join('_');
}

function literal(text: string): string {
  return text === '""' ? '' : text;
}

/** The type of a value argument from its name, as Redis's command JSON types it. */
export function valueType(name: string): DocArgType {
  if (KEY_NAMES.has(name) || /^key\d+$/.test(name)) return 'key';
  if (name === 'pattern') return 'pattern';
  if (name.startsWith('unix-time')) return 'unix-time';
  if (INTEGER_NAMES.has(name)) return 'integer';
  if (DOUBLE_NAMES.has(name)) return 'double';
  return 'string';
}

/**
 * Parses `syntax` (the arguments after the command name) into COMMAND DOCS arguments.
 * `command` is the lowercase full name (`set`, `client|kill`): it selects type overrides.
 * Throws DocSyntaxError on a malformed syntax.
 */
export function parseSyntax(syntax: string, command = ''): DocArg[] {
  const raw = new RawParser(tokenize(syntax), syntax).parseAll();
  return new ArgBuilder(command, syntax).seq(raw);
}

// ---------------------------------------------------------------------------------------------
// DocArg tree -> text, as redis.io renders a command's syntax.

function render(arg: DocArg): string {
  let body: string;
  if (arg.type === 'block') body = (arg.arguments ?? []).map(render).join(' ');
  else if (arg.type === 'oneof') body = (arg.arguments ?? []).map(render).join(' | ');
  else if (arg.type === 'pure-token') body = '';
  else body = arg.displayText ?? arg.name;
  const token = arg.token === undefined ? undefined : arg.token === '' ? '""' : arg.token;
  const angle = arg.type === 'oneof' && (arg.optional !== true || token !== undefined);
  let s = arg.optional === true ? '[' : '';
  if (token !== undefined) s += arg.type === 'pure-token' ? token : `${token} `;
  if (angle) s += '<';
  if (arg.multiple === true) {
    const again = arg.multipleToken === true && token !== undefined ? `${token} ${body}` : body;
    s += `${body} [${again} ...]`;
  } else {
    s += body;
  }
  if (angle) s = `${s.trimEnd()}>`;
  if (arg.optional === true) s = `${s.trimEnd()}]`;
  return s;
}

/** The documentation syntax of `args`: parseSyntax's inverse (up to names it had to invent). */
export function renderSyntax(args: readonly DocArg[]): string {
  return args.map(render).join(' ');
}
