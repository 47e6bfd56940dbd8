/**
 * Pub/sub (Redis's pubsub.c and notify.c): channels, patterns, shard channels, delivery of
 * messages to subscribers, RESP2 subscriber mode, and keyspace notifications.
 *
 * Shard channels (SSUBSCRIBE/SPUBLISH) are a namespace of their own: a node is one shard, so
 * they behave as channels that patterns never match, and their messages are typed `smessage`.
 *
 * Order: subscribers of a channel receive in subscription order, then pattern subscribers in
 * the order the patterns were first subscribed. Redis walks hash tables there (and for
 * UNSUBSCRIBE without arguments), so only orders within one channel are comparable with it.
 */
import type { NotifyClass } from '../commands/spec.js';
import { globMatch } from '../keyspace/glob.js';
import type { ReplyWriter } from '../protocol/reply-writer.js';
import '../protocol/latin1.js';
import { assert } from '../util/assert.js';
import type { Client } from './client.js';
import type { ConcordServer } from './server.js';

/** What a subscription is to: a channel, a glob pattern over channels, or a shard channel. */
export type SubscriptionKind = 'channel' | 'pattern' | 'shard';

/** The confirmation types a client receives, by kind (subscribe, unsubscribe). */
export const SUBSCRIBE_REPLY: Readonly<Record<SubscriptionKind, string>> = {
  channel: 'subscribe', pattern: 'psubscribe', shard: 'ssubscribe',
};
export const UNSUBSCRIBE_REPLY: Readonly<Record<SubscriptionKind, string>> = {
  channel: 'unsubscribe', pattern: 'punsubscribe', shard: 'sunsubscribe',
};

/** Commands a RESP2 client in subscriber mode may still run. */
const SUBSCRIBER_MODE_COMMANDS: ReadonlySet<string> = new Set([
  'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'ping', 'quit', 'reset',
]);

/** Redis's text for a command refused in RESP2 subscriber mode; `name` is the full name (`client|list`). */
export function notAllowedInSubscriberMode(name: string): string {
  return `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`;
}

/** RESP2 subscriber mode: the client holds a subscription and speaks RESP2 (RESP3 has no such mode). */
export function inSubscriberMode(client: Client): boolean {
  return client.subscriptions > 0 && client.resp === 2;
}

/** PING in RESP2 subscriber mode: `*2 $4 pong $<n> <argument or empty>`, as Redis answers it. */
export function replySubscriberPing(out: ReplyWriter, argv: readonly string[]): void {
  out.arrayLen(2);
  out.bulk('pong');
  out.bulk(argv.length > 1 ? argv[1] : '');
}

// --- notify-keyspace-events -----------------------------------------------------------------

/** Redis's NOTIFY_* bits, one per class letter. */
export const NOTIFY_KEYSPACE = 1 << 0; // K
export const NOTIFY_KEYEVENT = 1 << 1; // E
const NOTIFY_GENERIC = 1 << 2; // g
const NOTIFY_STRING = 1 << 3; // $
const NOTIFY_LIST = 1 << 4; // l
const NOTIFY_SET = 1 << 5; // s
const NOTIFY_HASH = 1 << 6; // h
const NOTIFY_ZSET = 1 << 7; // z
const NOTIFY_EXPIRED = 1 << 8; // x
const NOTIFY_EVICTED = 1 << 9; // e
const NOTIFY_STREAM = 1 << 10; // t
const NOTIFY_KEY_MISS = 1 << 11; // m
const NOTIFY_MODULE = 1 << 12; // d
const NOTIFY_NEW = 1 << 13; // n
/** `A`: every class but key-miss (m) and new-key (n), as in Redis. */
const NOTIFY_ALL = NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET |
  NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE;

const CLASS_BITS: Readonly<Record<NotifyClass, number>> = {
  g: NOTIFY_GENERIC, $: NOTIFY_STRING, l: NOTIFY_LIST, s: NOTIFY_SET, h: NOTIFY_HASH, z: NOTIFY_ZSET,
  x: NOTIFY_EXPIRED, e: NOTIFY_EVICTED, t: NOTIFY_STREAM, m: NOTIFY_KEY_MISS, d: NOTIFY_MODULE, n: NOTIFY_NEW,
};

/** Letters in the order Redis prints them when not all of `A` is set. */
const CLASS_LETTERS: ReadonlyArray<readonly [string, number]> = [
  ['g', NOTIFY_GENERIC], ['$', NOTIFY_STRING], ['l', NOTIFY_LIST], ['s', NOTIFY_SET], ['h', NOTIFY_HASH],
  ['z', NOTIFY_ZSET], ['x', NOTIFY_EXPIRED], ['e', NOTIFY_EVICTED], ['t', NOTIFY_STREAM], ['d', NOTIFY_MODULE],
  ['n', NOTIFY_NEW],
];

export const ERR_NOTIFY_CLASSES = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

/** The bits of a notify-keyspace-events value (keyspaceEventsStringToFlags), or null on a bad letter. */
export function parseNotifyFlags(text: string): number | null {
  let flags = 0;
  for (const c of text) {
    if (c === 'A') flags |= NOTIFY_ALL;
    else if (c === 'K') flags |= NOTIFY_KEYSPACE;
    else if (c === 'E') flags |= NOTIFY_KEYEVENT;
    else if (Object.hasOwn(CLASS_BITS, c)) flags |= CLASS_BITS[c as NotifyClass];
    else return null;
  }
  return flags;
}

/** The canonical text of notify-keyspace-events bits, as CONFIG GET shows it (`KEA` -> `AKE`). */
export function formatNotifyFlags(flags: number): string {
  let s = '';
  // As in Redis, `A` hides `n` (a quirk kept for byte-identical CONFIG GET).
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) s = 'A';
  else for (const [letter, bit] of CLASS_LETTERS) if ((flags & bit) !== 0) s += letter;
  if ((flags & NOTIFY_KEYSPACE) !== 0) s += 'K';
  if ((flags & NOTIFY_KEYEVENT) !== 0) s += 'E';
  if ((flags & NOTIFY_KEY_MISS) !== 0) s += 'm';
  return s;
}

// --- messages ------------------------------------------------------------------------------

/**
 * One message on its way to subscribers, encoded at most once per RESP version and shared by
 * every socket it goes to. RESP2 and RESP3 differ only in the first byte (`*` or `>`).
 */
class OutgoingMessage {
  private resp2: Buffer | null = null;
  private resp3: Buffer | null = null;

  constructor(
    readonly type: 'message' | 'pmessage' | 'smessage',
    readonly pattern: string | null,
    readonly channel: string,
    readonly payload: string,
  ) {}

  bytes(resp: 2 | 3): Buffer {
    if (resp === 2) return (this.resp2 ??= this.encode(0x2a /* * */));
    return (this.resp3 ??= this.encode(0x3e /* > */));
  }

  /** Writes the message into a reply in progress (the executing client is a subscriber). */
  writeTo(out: ReplyWriter): void {
    out.pushLen(this.pattern === null ? 3 : 4);
    out.bulk(this.type);
    if (this.pattern !== null) out.bulk(this.pattern);
    out.bulk(this.channel);
    out.bulk(this.payload);
  }

  private encode(first: number): Buffer {
    const { type, pattern, channel, payload } = this;
    let head = `${pattern === null ? 3 : 4}\r\n$${type.length}\r\n${type}\r\n`;
    if (pattern !== null) head += `$${pattern.length}\r\n${pattern}\r\n`;
    head += `$${channel.length}\r\n${channel}\r\n$${payload.length}\r\n`;
    const total = 1 + head.length + payload.length + 2;
    const buf = Buffer.allocUnsafe(total);
    buf[0] = first;
    let p = 1 + buf.latin1Write(head, 1);
    p += buf.latin1Write(payload, p);
    buf[p++] = 13;
    buf[p++] = 10;
    assert(p === total, 'pub/sub message length');
    return buf;
  }
}

// --- subscriptions -------------------------------------------------------------------------

/** One client's subscriptions, in the order it made them. */
interface ClientSubscriptions {
  readonly channel: Set<string>;
  readonly pattern: Set<string>;
  readonly shard: Set<string>;
}

export interface SubscriptionCounts {
  channels: number;
  patterns: number;
  shardChannels: number;
}

export class PubSub {
  /** Name -> its subscribers, in subscription order; a name with no subscriber has no entry. */
  private readonly byName: Readonly<Record<SubscriptionKind, Map<string, Set<Client>>>> = {
    channel: new Map(), pattern: new Map(), shard: new Map(),
  };
  private readonly byClient = new Map<Client, ClientSubscriptions>();
  /** notify-keyspace-events as NOTIFY_* bits; 0 (the default) turns notifications off. */
  private notifyFlags = 0;

  constructor(private readonly server: ConcordServer) {
    // `config` is the server's first field, so it exists while the server builds this one.
    server.config.watch<string>('notify-keyspace-events', (text) => {
      // config.ts validates the value; should an invalid one get through, keep the last good one.
      this.notifyFlags = parseNotifyFlags(text) ?? this.notifyFlags;
    });
  }

  /** Channels with at least one subscriber (INFO pubsub_channels). */
  get channelCount(): number {
    return this.byName.channel.size;
  }

  /** Distinct patterns subscribed (INFO pubsub_patterns, PUBSUB NUMPAT). */
  get patternCount(): number {
    return this.byName.pattern.size;
  }

  /** Shard channels with at least one subscriber (INFO pubsubshard_channels). */
  get shardChannelCount(): number {
    return this.byName.shard.size;
  }

  /** Per-client counts for CLIENT LIST / CLIENT INFO (`sub=`, `psub=`, `ssub=`). */
  countsOf(client: Client): SubscriptionCounts {
    const subs = this.byClient.get(client);
    if (subs === undefined) return { channels: 0, patterns: 0, shardChannels: 0 };
    return { channels: subs.channel.size, patterns: subs.pattern.size, shardChannels: subs.shard.size };
  }

  /** RESP2 subscriber mode gate, used by dispatch only when the client is in that mode. */
  allows(client: Client, commandName: string): boolean {
    return !inSubscriberMode(client) || SUBSCRIBER_MODE_COMMANDS.has(commandName);
  }

  notAllowedError(commandName: string): string {
    return notAllowedInSubscriberMode(commandName);
  }

  /** Adds a subscription. Returns false when the client already had it. */
  subscribe(client: Client, kind: SubscriptionKind, name: string): boolean {
    let subs = this.byClient.get(client);
    if (subs === undefined) {
      subs = { channel: new Set(), pattern: new Set(), shard: new Set() };
      this.byClient.set(client, subs);
    }
    const mine = subs[kind];
    if (mine.has(name)) return false;
    mine.add(name);
    const index = this.byName[kind];
    let clients = index.get(name);
    if (clients === undefined) {
      clients = new Set();
      index.set(name, clients);
    }
    clients.add(client);
    client.subscriptions++;
    return true;
  }

  /** Removes a subscription. Returns false when the client did not have it. */
  unsubscribe(client: Client, kind: SubscriptionKind, name: string): boolean {
    const subs = this.byClient.get(client);
    if (subs === undefined || !subs[kind].delete(name)) return false;
    const index = this.byName[kind];
    const clients = index.get(name);
    assert(clients !== undefined && clients.delete(client), 'pub/sub indexes agree');
    if (clients.size === 0) index.delete(name);
    client.subscriptions--;
    assert(client.subscriptions >= 0, 'subscription count is not negative');
    if (client.subscriptions === 0) this.byClient.delete(client);
    return true;
  }

  /** The client's subscriptions of one kind, in the order it made them. */
  subscriptionsOf(client: Client, kind: SubscriptionKind): string[] {
    const subs = this.byClient.get(client);
    return subs === undefined ? [] : [...subs[kind]];
  }

  /**
   * The count a (un)subscribe confirmation carries: channels plus patterns for SUBSCRIBE and
   * PSUBSCRIBE, shard channels only for SSUBSCRIBE (Redis 7.0).
   */
  confirmationCount(client: Client, kind: SubscriptionKind): number {
    const subs = this.byClient.get(client);
    if (subs === undefined) return 0;
    return kind === 'shard' ? subs.shard.size : subs.channel.size + subs.pattern.size;
  }

  /** Drops every subscription without telling the client (disconnect, RESET). */
  unsubscribeAll(client: Client): void {
    const subs = this.byClient.get(client);
    if (subs === undefined) return;
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      for (const name of [...subs[kind]]) this.unsubscribe(client, kind, name);
    }
    assert(client.subscriptions === 0 && !this.byClient.has(client), 'unsubscribeAll leaves nothing');
  }

  /** Subscribers of `name` (PUBSUB NUMSUB / SHARDNUMSUB); patterns are not counted. */
  subscriberCount(kind: 'channel' | 'shard', name: string): number {
    return this.byName[kind].get(name)?.size ?? 0;
  }

  /** Channels (or shard channels) with subscribers, optionally matching a glob (PUBSUB CHANNELS). */
  activeNames(kind: 'channel' | 'shard', pattern: string | null): string[] {
    const out: string[] = [];
    for (const name of this.byName[kind].keys()) {
      if (pattern === null || globMatch(pattern, name)) out.push(name);
    }
    return out;
  }

  /** PUBLISH: delivers to the channel's subscribers and to matching patterns. Returns the receivers. */
  publish(channel: string, payload: string): number {
    let receivers = 0;
    const clients = this.byName.channel.get(channel);
    if (clients !== undefined) receivers += this.deliverAll(clients, new OutgoingMessage('message', null, channel, payload));
    const patterns = this.byName.pattern;
    if (patterns.size > 0) {
      for (const [pattern, subscribers] of patterns) {
        if (!globMatch(pattern, channel)) continue;
        receivers += this.deliverAll(subscribers, new OutgoingMessage('pmessage', pattern, channel, payload));
      }
    }
    return receivers;
  }

  /** SPUBLISH: delivers to the shard channel's subscribers only. Returns the receivers. */
  publishShard(channel: string, payload: string): number {
    const clients = this.byName.shard.get(channel);
    if (clients === undefined) return 0;
    return this.deliverAll(clients, new OutgoingMessage('smessage', null, channel, payload));
  }

  /**
   * A keyspace event (Redis's notifyKeyspaceEvent): `__keyspace@<db>__:<key>` gets `event` when K
   * is set, `__keyevent@<db>__:<event>` gets `key` when E is set, if the event's class is enabled.
   * Costs one comparison while notifications are off (the default).
   */
  notifyKeyspaceEvent(cls: NotifyClass, event: string, key: string, dbId: number): void {
    const flags = this.notifyFlags;
    if (flags === 0 || (flags & CLASS_BITS[cls]) === 0) return;
    // Nobody can receive it: skip building channel names.
    if (this.byName.channel.size === 0 && this.byName.pattern.size === 0) return;
    if ((flags & NOTIFY_KEYSPACE) !== 0) this.publish(`__keyspace@${dbId}__:${key}`, event);
    if ((flags & NOTIFY_KEYEVENT) !== 0) this.publish(`__keyevent@${dbId}__:${event}`, key);
  }

  /** Sends `message` to each client of a set; a client dropped meanwhile (output limit) leaves it. */
  private deliverAll(clients: ReadonlySet<Client>, message: OutgoingMessage): number {
    let receivers = 0;
    // A Set iterator tolerates deletions: a subscriber closed for its output limit during this
    // loop is unsubscribed (server.forget -> unsubscribeAll) and simply not visited again.
    for (const client of clients) {
      if (client.closed) continue;
      this.deliver(client, message);
      receivers++;
    }
    return receivers;
  }

  private deliver(client: Client, message: OutgoingMessage): void {
    const server = this.server;
    if (server.executeDepth > 0 && client === server.ctx.client) {
      // The publisher hears itself (RESP3, or inside EXEC): the message joins its pending
      // replies in order, before the reply of the command that published it, as in Redis.
      message.writeTo(server.out);
      return;
    }
    server.sendTo(client, message.bytes(client.resp));
  }
}
