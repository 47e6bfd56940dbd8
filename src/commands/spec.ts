/**
 * A command is declared once, as data: the table drives dispatch, arity errors, COMMAND and
 * its INFO/DOCS/GETKEYS/LIST subcommands, and later ACL and cluster routing.
 */
import type { Database } from '../keyspace/database.js';
import type { ReplyWriter } from '../protocol/reply-writer.js';
import type { Client } from '../server/client.js';
import type { ConcordServer } from '../server/server.js';

export type CommandFlag =
  | 'write' | 'readonly' | 'denyoom' | 'admin' | 'pubsub' | 'noscript' | 'blocking' | 'loading'
  | 'stale' | 'skip_monitor' | 'skip_slowlog' | 'fast' | 'no_auth' | 'may_replicate' | 'no_multi'
  | 'allow_busy' | 'movablekeys' | 'no_mandatory_keys' | 'sentinel' | 'no_async_loading';

export type AclCategory =
  | 'keyspace' | 'read' | 'write' | 'set' | 'sortedset' | 'list' | 'hash' | 'string' | 'bitmap'
  | 'hyperloglog' | 'geo' | 'stream' | 'pubsub' | 'admin' | 'fast' | 'slow' | 'blocking'
  | 'dangerous' | 'connection' | 'transaction' | 'scripting';

export type CommandGroup =
  | 'string' | 'generic' | 'connection' | 'server' | 'list' | 'set' | 'sorted-set' | 'hash'
  | 'pubsub' | 'transactions' | 'scripting' | 'cluster' | 'stream' | 'bitmap' | 'hyperloglog' | 'geo';

/** What a handler sees while it runs. One instance is reused for every command. */
export interface Ctx {
  readonly server: ConcordServer;
  readonly client: Client;
  readonly db: Database;
  readonly out: ReplyWriter;
  /** Command time in ms: every expiry decision in one command uses this one value. */
  readonly now: number;
  /** Uniform in [0, 1), from the server's seam (seeded in simulations, from the log in cluster mode). */
  random(): number;
  /**
   * A keyspace event for notify-keyspace-events: `cls` is Redis's class letter
   * ('g' generic, '$' string, 'l' list, 's' set, 'h' hash, 'z' sorted set, 'x' expired, 'e' evicted,
   * 'n' new key), `event` its name ("set", "lpush", "del", "expire"...).
   */
  notify(cls: NotifyClass, event: string, key: string): void;
  /** A list or sorted set at `key` received elements: clients blocked on it may be served. */
  keyReady(key: string): void;
  /**
   * Blocks the client until one of `keys` is signalled ready (then the same command runs again)
   * or the timeout passes (then `timeoutReply` is sent). Returns false when the client cannot block
   * (inside MULTI/EXEC, or a script later): the handler then replies as if the timeout had passed.
   */
  block(request: BlockRequest): boolean;
  /** Replies with an error and counts it in errorstats. `message` starts with its code. */
  error(message: string): void;
  /** The command changed `n` things; a write that changed anything is propagated. */
  dirty(n?: number): void;
  /**
   * Propagates `argv` (run in the command's db) instead of the command as received. Call it once
   * per effect; a command that calls it is not propagated as received.
   */
  propagate(argv: string[]): void;
}

export interface BlockRequest {
  keys: readonly string[];
  /** Absolute ms (from parseBlockTimeout), 0 = forever. */
  deadlineMs: number;
  /** What the client gets on timeout: a null array (every blocking command in Redis 7.0) or a null bulk. */
  timeoutReply: 'nullArray' | 'null';
  /**
   * The type the command pops from: a ready key holding another type does not wake the client,
   * as in Redis 7.0 (BLPOP on k1 k2 is served by k2 even when k1 became a string).
   */
  valueType: 'list' | 'zset';
}

export type NotifyClass = 'g' | '$' | 'l' | 's' | 'h' | 'z' | 'x' | 'e' | 'n' | 't' | 'd' | 'm';

export type Handler = (ctx: Ctx, argv: string[]) => void;

export interface CommandSpec {
  /** Lowercase; a subcommand's is `container|sub`. */
  name: string;
  /** Exact argument count including the name, or at least -arity when negative. */
  arity: number;
  flags: readonly CommandFlag[];
  /** 1-based position of the first key, 0 when none. */
  firstKey: number;
  /** Position of the last key; negative counts from the end (-1 = last argument). */
  lastKey: number;
  step: number;
  acl: readonly AclCategory[];
  group: CommandGroup;
  since: string;
  summary: string;
  complexity?: string;
  /**
   * Arguments after the name in Redis's documentation syntax, e.g.
   * `key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]`; COMMAND DOCS derives its
   * `arguments` from it (redis-cli shows them as hints).
   */
  syntax?: string;
  /** Commands with subcommands (CLIENT, CONFIG...) have no handler of their own. */
  handler?: Handler;
  subcommands?: readonly CommandSpec[];
  /** Key positions for commands whose keys cannot be described by first/last/step. */
  keys?: (argv: readonly string[]) => number[];
  /** `flags` as bits (FLAG_*), so dispatch tests a flag without scanning an array. */
  bits: number;
}

export const FLAG_WRITE = 1;
export const FLAG_DENYOOM = 2;
export const FLAG_NO_AUTH = 4;
export const FLAG_SKIP_SLOWLOG = 8;
export const FLAG_SKIP_MONITOR = 16;
export const FLAG_FAST = 32;
export const FLAG_ADMIN = 64;
export const FLAG_READONLY = 128;
export const FLAG_NO_MULTI = 256;
export const FLAG_LOADING = 512;
export const FLAG_STALE = 1024;

const BITS: Partial<Record<CommandFlag, number>> = {
  write: FLAG_WRITE, denyoom: FLAG_DENYOOM, no_auth: FLAG_NO_AUTH, skip_slowlog: FLAG_SKIP_SLOWLOG,
  skip_monitor: FLAG_SKIP_MONITOR, fast: FLAG_FAST, admin: FLAG_ADMIN, readonly: FLAG_READONLY, no_multi: FLAG_NO_MULTI,
  loading: FLAG_LOADING, stale: FLAG_STALE,
};

function flagBits(flags: readonly CommandFlag[]): number {
  let bits = 0;
  for (const f of flags) bits |= BITS[f] ?? 0;
  return bits;
}

/** Shorthand for declaring entries: positional essentials, the rest by name. */
export function cmd(
  name: string,
  arity: number,
  flags: readonly CommandFlag[],
  keys: readonly [number, number, number],
  acl: readonly AclCategory[],
  meta: { group: CommandGroup; since: string; summary: string; complexity?: string; syntax?: string },
  handler?: Handler,
  extra: Partial<Pick<CommandSpec, 'subcommands' | 'keys'>> = {},
): CommandSpec {
  return {
    name, arity, flags, firstKey: keys[0], lastKey: keys[1], step: keys[2], acl, ...meta, handler, ...extra,
    bits: flagBits(flags),
  };
}

/** Positions of the key arguments of `argv` for `spec` (COMMAND GETKEYS, later cluster routing). */
export function keyPositions(spec: CommandSpec, argv: readonly string[]): number[] {
  if (spec.keys !== undefined) return spec.keys(argv);
  if (spec.firstKey === 0) return [];
  const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
  const out: number[] = [];
  for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.step) out.push(i);
  return out;
}
