/**
 * Every configuration parameter, declared once. The config file, command-line flags,
 * CONFIG GET/SET and INFO all read this table. Names, syntax and defaults are Redis's,
 * except where the table says otherwise (dir defaults to ./data, a bound on normal clients'
 * output buffers, proto-max-multibulk-len).
 */
import { globMatch } from '../keyspace/glob.js';
import { DATABASES_MAX } from '../keyspace/keyspace.js';
import {
  formatOutputBufferLimits, formatSave, parseBool, parseInteger, parseMemory, parseOutputBufferLimits,
  parseSave, type OutputBufferClass, type OutputBufferLimit,
} from './config-values.js';
import { ERR_NOTIFY_CLASSES, formatNotifyFlags, parseNotifyFlags } from './pubsub.js';

type Kind =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'memory'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'string' }
  | { kind: 'save' }
  | { kind: 'obuf' }
  | { kind: 'hostport' }
  | { kind: 'notify' };

export type ParamSpec = Kind & {
  name: string;
  aliases?: readonly string[];
  default: string;
  /** Set only at start (config file or flags). */
  immutable?: boolean;
  /** Accepted so existing redis.conf files load; has no effect in Concord. */
  compatOnly?: boolean;
};

const INT_MAX = 2147483647;
const LONG_MAX = Number.MAX_SAFE_INTEGER;

export const MAXMEMORY_POLICIES = [
  'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl',
  'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction',
] as const;

export const PARAMS: readonly ParamSpec[] = [
  { name: 'bind', kind: 'string', default: '127.0.0.1', immutable: true },
  { name: 'port', kind: 'int', min: 0, max: 65535, default: '6379', immutable: true },
  { name: 'unixsocket', kind: 'string', default: '', immutable: true },
  { name: 'unixsocketperm', kind: 'int', min: 0, max: 0o777, default: '0', immutable: true },
  { name: 'protected-mode', kind: 'bool', default: 'yes' },
  { name: 'requirepass', kind: 'string', default: '' },
  { name: 'maxclients', kind: 'int', min: 1, max: INT_MAX, default: '10000' },
  { name: 'timeout', kind: 'int', min: 0, max: INT_MAX, default: '0' },
  { name: 'tcp-keepalive', kind: 'int', min: 0, max: INT_MAX, default: '300' },
  { name: 'databases', kind: 'int', min: 1, max: DATABASES_MAX, default: '16', immutable: true },
  { name: 'dir', kind: 'string', default: './data', immutable: true },
  { name: 'dbfilename', kind: 'string', default: 'dump.rdb' },
  { name: 'save', kind: 'save', default: '3600 1 300 100 60 10000' },
  { name: 'appendonly', kind: 'bool', default: 'no' },
  { name: 'appendfsync', kind: 'enum', values: ['always', 'everysec', 'no'], default: 'everysec' },
  { name: 'appendfilename', kind: 'string', default: 'appendonly.aof', immutable: true },
  { name: 'appenddirname', kind: 'string', default: 'appendonlydir', immutable: true },
  { name: 'rdbcompression', kind: 'bool', default: 'yes' },
  { name: 'stop-writes-on-bgsave-error', kind: 'bool', default: 'yes' },
  { name: 'auto-aof-rewrite-percentage', kind: 'int', min: 0, max: INT_MAX, default: '100' },
  { name: 'auto-aof-rewrite-min-size', kind: 'memory', min: 0, max: LONG_MAX, default: '64mb' },
  { name: 'aof-load-truncated', kind: 'bool', default: 'yes' },
  { name: 'aof-checksum', kind: 'bool', default: 'yes' },
  { name: 'aof-prealloc-size', kind: 'memory', min: 0, max: 1024 * 1024 * 1024, default: '1mb' },
  { name: 'maxmemory', kind: 'memory', min: 0, max: LONG_MAX, default: '0' },
  { name: 'maxmemory-policy', kind: 'enum', values: MAXMEMORY_POLICIES, default: 'noeviction' },
  { name: 'maxmemory-samples', kind: 'int', min: 1, max: 64, default: '5' },
  { name: 'proto-max-bulk-len', kind: 'memory', min: 1024 * 1024, max: LONG_MAX, default: '512mb' },
  { name: 'client-query-buffer-limit', kind: 'memory', min: 1024 * 1024, max: LONG_MAX, default: '1gb' },
  { name: 'proto-max-multibulk-len', kind: 'int', min: 1024, max: INT_MAX, default: '4194304' },
  {
    name: 'client-output-buffer-limit', kind: 'obuf',
    default: 'normal 1gb 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60',
  },
  { name: 'hz', kind: 'int', min: 1, max: 500, default: '10' },
  { name: 'slowlog-log-slower-than', kind: 'int', min: -1, max: LONG_MAX, default: '10000' },
  { name: 'slowlog-max-len', kind: 'int', min: 0, max: LONG_MAX, default: '128' },
  { name: 'latency-monitor-threshold', kind: 'int', min: 0, max: LONG_MAX, default: '0' },
  { name: 'loglevel', kind: 'enum', values: ['debug', 'verbose', 'notice', 'warning', 'nothing'], default: 'notice' },
  { name: 'logfile', kind: 'string', default: '', immutable: true },
  { name: 'pidfile', kind: 'string', default: '', immutable: true },
  { name: 'notify-keyspace-events', kind: 'notify', default: '' },
  { name: 'replicaof', aliases: ['slaveof'], kind: 'hostport', default: '', immutable: true },
  { name: 'masterauth', kind: 'string', default: '' },
  { name: 'replica-read-only', aliases: ['slave-read-only'], kind: 'bool', default: 'yes' },
  { name: 'replica-serve-stale-data', aliases: ['slave-serve-stale-data'], kind: 'bool', default: 'yes' },
  { name: 'repl-backlog-size', kind: 'memory', min: 16 * 1024, max: LONG_MAX, default: '1mb' },
  { name: 'repl-backlog-ttl', kind: 'int', min: 0, max: INT_MAX, default: '3600' },
  { name: 'repl-ping-replica-period', aliases: ['repl-ping-slave-period'], kind: 'int', min: 1, max: INT_MAX, default: '10' },
  { name: 'repl-timeout', kind: 'int', min: 1, max: INT_MAX, default: '60' },
  { name: 'repl-diskless-sync', kind: 'bool', default: 'yes' },
  { name: 'repl-diskless-sync-delay', kind: 'int', min: 0, max: INT_MAX, default: '5' },
  { name: 'repl-stream-batch-ms', kind: 'int', min: 0, max: 1000, default: '1' },
  { name: 'write-quorum', kind: 'int', min: 0, max: INT_MAX, default: '0' },
  { name: 'write-quorum-timeout', kind: 'int', min: 1, max: INT_MAX, default: '1000' },
  { name: 'min-replicas-to-write', aliases: ['min-slaves-to-write'], kind: 'int', min: 0, max: INT_MAX, default: '0' },
  { name: 'min-replicas-max-lag', aliases: ['min-slaves-max-lag'], kind: 'int', min: 0, max: INT_MAX, default: '10' },
  { name: 'masteruser', kind: 'string', default: '' },
  { name: 'lfu-log-factor', kind: 'int', min: 0, max: INT_MAX, default: '10' },
  { name: 'lfu-decay-time', kind: 'int', min: 0, max: INT_MAX, default: '1' },
  // Accepted so that a stock redis.conf loads; they tune Redis internals Concord does not have.
  { name: 'daemonize', kind: 'bool', default: 'no', immutable: true, compatOnly: true },
  { name: 'supervised', kind: 'enum', values: ['upstart', 'systemd', 'auto', 'no'], default: 'no', immutable: true, compatOnly: true },
  { name: 'io-threads', kind: 'int', min: 1, max: 128, default: '1', immutable: true, compatOnly: true },
  { name: 'tcp-backlog', kind: 'int', min: 0, max: INT_MAX, default: '511', immutable: true, compatOnly: true },
  { name: 'always-show-logo', kind: 'bool', default: 'no', immutable: true, compatOnly: true },
  { name: 'set-proc-title', kind: 'bool', default: 'yes', immutable: true, compatOnly: true },
  { name: 'dynamic-hz', kind: 'bool', default: 'yes', compatOnly: true },
  { name: 'activerehashing', kind: 'bool', default: 'yes', compatOnly: true },
  { name: 'lazyfree-lazy-eviction', kind: 'bool', default: 'no', compatOnly: true },
  { name: 'lazyfree-lazy-expire', kind: 'bool', default: 'no', compatOnly: true },
  { name: 'lazyfree-lazy-server-del', kind: 'bool', default: 'no', compatOnly: true },
  { name: 'lazyfree-lazy-user-del', kind: 'bool', default: 'no', compatOnly: true },
  { name: 'lazyfree-lazy-user-flush', kind: 'bool', default: 'no', compatOnly: true },
  { name: 'jemalloc-bg-thread', kind: 'bool', default: 'yes', compatOnly: true },
  { name: 'activedefrag', kind: 'bool', default: 'no', compatOnly: true },
  { name: 'rdbchecksum', kind: 'bool', default: 'yes', immutable: true, compatOnly: true },
  { name: 'aof-use-rdb-preamble', kind: 'bool', default: 'yes', compatOnly: true },
  { name: 'aof-timestamp-enabled', kind: 'bool', default: 'no', compatOnly: true },
  { name: 'no-appendfsync-on-rewrite', kind: 'bool', default: 'no', compatOnly: true },
  { name: 'aof-rewrite-incremental-fsync', kind: 'bool', default: 'yes', compatOnly: true },
  { name: 'rdb-save-incremental-fsync', kind: 'bool', default: 'yes', compatOnly: true },
  { name: 'rdb-del-sync-files', kind: 'bool', default: 'no', compatOnly: true },
  { name: 'repl-diskless-sync-max-replicas', kind: 'int', min: 0, max: INT_MAX, default: '0', compatOnly: true },
  { name: 'repl-disable-tcp-nodelay', kind: 'bool', default: 'no', compatOnly: true },
  { name: 'replica-priority', aliases: ['slave-priority'], kind: 'int', min: 0, max: INT_MAX, default: '100', compatOnly: true },
  { name: 'repl-diskless-load', kind: 'enum', values: ['disabled', 'on-empty-db', 'swapdb'], default: 'on-empty-db' },
];

const BY_NAME = new Map<string, ParamSpec>();
for (const p of PARAMS) {
  BY_NAME.set(p.name, p);
  for (const a of p.aliases ?? []) BY_NAME.set(a, p);
}

export function findParam(name: string): ParamSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export class ConfigError extends Error {}

/** Parsed values by canonical name. */
export interface ConfigValues {
  [name: string]: unknown;
}

export class Config {
  private values = new Map<string, unknown>();
  private listeners = new Map<string, Array<(value: unknown) => void>>();

  constructor() {
    for (const p of PARAMS) this.values.set(p.name, parseValue(p, p.default));
  }

  /** Applies one directive: a config file line or a flag. `args` are its words after the name. */
  applyDirective(name: string, args: readonly string[], atStartup: boolean): void {
    const p = findParam(name);
    if (p === undefined) throw new ConfigError(`Bad directive or wrong number of arguments`);
    if (p.immutable && !atStartup) throw new ConfigError(`can't set immutable config`);
    let text: string;
    if (p.kind === 'hostport' || p.kind === 'save' || p.kind === 'obuf' || p.name === 'bind') {
      text = args.join(' ');
    } else {
      if (args.length !== 1) throw new ConfigError('wrong number of arguments');
      text = args[0];
    }
    // A config file may list `save` several times; each line adds points (Redis 7 semantics).
    if (p.kind === 'save' && atStartup && this.seenSave && text.trim() !== '') {
      const prev = this.values.get('save') as Array<[number, number]>;
      this.set(p, [...prev, ...parseOrThrow(p, text) as Array<[number, number]>]);
      return;
    }
    if (p.kind === 'save' && atStartup) this.seenSave = true;
    this.set(p, parseOrThrow(p, text, this.values.get(p.name)));
  }

  private seenSave = false;

  /** CONFIG SET for one parameter. */
  setFromClient(name: string, text: string): void {
    const p = findParam(name);
    if (p === undefined) throw new ConfigError('unknown');
    if (p.immutable) throw new ConfigError(`can't set immutable config`);
    this.set(p, parseOrThrow(p, text, this.values.get(p.name)));
  }

  private set(p: ParamSpec, value: unknown): void {
    this.values.set(p.name, value);
    for (const fn of this.listeners.get(p.name) ?? []) fn(value);
  }

  /** Calls `fn` now and on every change of `name`. */
  watch<T>(name: string, fn: (value: T) => void): void {
    const list = this.listeners.get(name) ?? [];
    list.push(fn as (value: unknown) => void);
    this.listeners.set(name, list);
    fn(this.values.get(name) as T);
  }

  get<T>(name: string): T {
    const v = this.values.get(name);
    if (v === undefined && !this.values.has(name)) throw new Error(`no config parameter ${name}`);
    return v as T;
  }

  getInt(name: string): number {
    return this.get<number>(name);
  }

  getString(name: string): string {
    return this.get<string>(name);
  }

  getBool(name: string): boolean {
    return this.get<boolean>(name);
  }

  /** CONFIG GET: every parameter (or alias) matching any pattern, as name/value pairs. */
  match(patterns: readonly string[]): Array<[string, string]> {
    const out = new Map<string, string>();
    for (const pattern of patterns) {
      const lower = pattern.toLowerCase();
      for (const p of PARAMS) {
        for (const name of [p.name, ...(p.aliases ?? [])]) {
          if (!out.has(name) && globMatch(lower, name, true)) out.set(name, this.format(p));
        }
      }
    }
    return [...out];
  }

  format(p: ParamSpec): string {
    return formatValue(p, this.values.get(p.name));
  }

  formatByName(name: string): string {
    const p = findParam(name);
    if (p === undefined) throw new Error(`no config parameter ${name}`);
    return this.format(p);
  }
}

function parseOrThrow(p: ParamSpec, text: string, current?: unknown): unknown {
  const v = parseValue(p, text, current);
  if (v instanceof ConfigError) throw v;
  return v;
}

function parseValue(p: ParamSpec, text: string, current?: unknown): unknown {
  switch (p.kind) {
    case 'int': {
      const n = parseInteger(text);
      if (n === null) return new ConfigError('argument couldn\'t be parsed into an integer');
      if (n < p.min || n > p.max) return new ConfigError(`argument must be between ${p.min} and ${p.max} inclusive`);
      return n;
    }
    case 'memory': {
      const n = parseMemory(text);
      if (n === null) return new ConfigError('argument must be a memory value');
      if (n < p.min || n > p.max) return new ConfigError(`argument must be between ${p.min} and ${p.max} inclusive`);
      return n;
    }
    case 'bool': {
      const b = parseBool(text);
      if (b === null) return new ConfigError('argument must be \'yes\' or \'no\'');
      return b;
    }
    case 'enum': {
      const v = text.toLowerCase();
      if (!p.values.includes(v)) return new ConfigError(`argument(s) must be one of the following: ${p.values.join(', ')}`);
      return v;
    }
    case 'string':
      return text;
    case 'notify':
      // Kept as given (A hides n when printed, yet n stays on); pubsub.ts parses it on change.
      return parseNotifyFlags(text) === null ? new ConfigError(ERR_NOTIFY_CLASSES) : text;
    case 'save': {
      const s = parseSave(text);
      if (s === null) return new ConfigError('Invalid save parameters');
      return s;
    }
    case 'obuf': {
      const s = parseOutputBufferLimits(text, (current ?? DEFAULT_OBUF) as Record<OutputBufferClass, OutputBufferLimit>);
      if (s === null) return new ConfigError('Wrong client output buffer limit');
      return s;
    }
    case 'hostport': {
      const parts = text.trim().split(/\s+/).filter((x) => x !== '');
      if (parts.length === 0) return null;
      if (parts.length === 2 && parts[0].toLowerCase() === 'no' && parts[1].toLowerCase() === 'one') return null;
      const port = parts.length === 2 ? parseInteger(parts[1]) : null;
      if (port === null || port < 1 || port > 65535) return new ConfigError('Invalid master host and port');
      return { host: parts[0], port };
    }
  }
}

function formatValue(p: ParamSpec, v: unknown): string {
  switch (p.kind) {
    case 'int':
    case 'memory':
      return String(v);
    case 'bool':
      return v ? 'yes' : 'no';
    case 'enum':
    case 'string':
      return String(v);
    case 'notify':
      return formatNotifyFlags(parseNotifyFlags(v as string) ?? 0);
    case 'save':
      return formatSave(v as Array<[number, number]>);
    case 'obuf':
      return formatOutputBufferLimits(v as Record<OutputBufferClass, OutputBufferLimit>);
    case 'hostport': {
      const hp = v as { host: string; port: number } | null;
      return hp === null ? '' : `${hp.host} ${hp.port}`;
    }
  }
}

const DEFAULT_OBUF: Record<OutputBufferClass, OutputBufferLimit> = {
  normal: { hardBytes: 0, softBytes: 0, softSeconds: 0 },
  replica: { hardBytes: 256 * 1024 * 1024, softBytes: 64 * 1024 * 1024, softSeconds: 60 },
  pubsub: { hardBytes: 32 * 1024 * 1024, softBytes: 8 * 1024 * 1024, softSeconds: 60 },
};
