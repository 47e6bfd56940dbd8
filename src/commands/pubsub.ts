/**
 * Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH, the shard variants
 * SSUBSCRIBE SUNSUBSCRIBE SPUBLISH, and PUBSUB's introspection subcommands. The state and the
 * delivery live in server/pubsub.ts.
 */
import { SUBSCRIBE_REPLY, UNSUBSCRIBE_REPLY, type SubscriptionKind } from '../server/pubsub.js';
import { helpReply } from './keys.js';
import { cmd, type CommandSpec, type Ctx, type Handler } from './spec.js';

/** `subscribe`/`psubscribe`/`ssubscribe` confirmations: a push in RESP3, an array in RESP2. */
function confirm(ctx: Ctx, type: string, name: string | null, count: number): void {
  const out = ctx.out;
  out.pushLen(3);
  out.bulk(type);
  if (name === null) out.null();
  else out.bulk(name);
  out.integer(count);
}

function subscribeHandler(kind: SubscriptionKind): Handler {
  return (ctx, argv) => {
    const pubsub = ctx.server.pubsub;
    // Redis refuses SSUBSCRIBE to a client that cannot block (inside EXEC); SUBSCRIBE and
    // PSUBSCRIBE are allowed there for backward compatibility.
    if (kind === 'shard' && ctx.server.blocking.execDepth > 0) {
      ctx.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
      return;
    }
    for (let i = 1; i < argv.length; i++) {
      pubsub.subscribe(ctx.client, kind, argv[i]);
      confirm(ctx, SUBSCRIBE_REPLY[kind], argv[i], pubsub.confirmationCount(ctx.client, kind));
    }
  };
}

function unsubscribeHandler(kind: SubscriptionKind): Handler {
  return (ctx, argv) => {
    const pubsub = ctx.server.pubsub;
    const client = ctx.client;
    const type = UNSUBSCRIBE_REPLY[kind];
    const names = argv.length > 1 ? argv.slice(1) : pubsub.subscriptionsOf(client, kind);
    // Without arguments and nothing subscribed, Redis still confirms once, with a null name.
    if (names.length === 0) {
      confirm(ctx, type, null, pubsub.confirmationCount(client, kind));
      return;
    }
    for (const name of names) {
      pubsub.unsubscribe(client, kind, name);
      confirm(ctx, type, name, pubsub.confirmationCount(client, kind));
    }
  };
}

function publish(ctx: Ctx, argv: string[]): void {
  ctx.out.integer(ctx.server.pubsub.publish(argv[1], argv[2]));
}

function spublish(ctx: Ctx, argv: string[]): void {
  ctx.out.integer(ctx.server.pubsub.publishShard(argv[1], argv[2]));
}

/** Redis's addReplySubcommandSyntaxError. */
function subcommandSyntaxError(ctx: Ctx, argv: string[]): void {
  ctx.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
}

function channels(kind: 'channel' | 'shard'): Handler {
  return (ctx, argv) => {
    if (argv.length > 3) {
      subcommandSyntaxError(ctx, argv);
      return;
    }
    const names = ctx.server.pubsub.activeNames(kind, argv.length === 3 ? argv[2] : null);
    ctx.out.arrayLen(names.length);
    for (const n of names) ctx.out.bulk(n);
  };
}

function numsub(kind: 'channel' | 'shard'): Handler {
  return (ctx, argv) => {
    const pubsub = ctx.server.pubsub;
    ctx.out.arrayLen((argv.length - 2) * 2);
    for (let i = 2; i < argv.length; i++) {
      ctx.out.bulk(argv[i]);
      ctx.out.integer(pubsub.subscriberCount(kind, argv[i]));
    }
  };
}

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

const P = { group: 'pubsub' } as const;
const SUB_FLAGS = ['pubsub', 'noscript', 'loading', 'stale'] as const;
const PUB_FLAGS = ['pubsub', 'loading', 'stale', 'fast'] as const;
const INTROSPECTION_FLAGS = ['pubsub', 'loading', 'stale'] as const;
const SLOW = ['pubsub', 'slow'] as const;

export const pubsubCommands: CommandSpec[] = [
  cmd('subscribe', -2, SUB_FLAGS, [0, 0, 0], SLOW,
    { ...P, since: '2.0.0', summary: 'Listens for messages published to channels.',
      complexity: 'O(N) where N is the number of channels to subscribe to.', syntax: 'channel [channel ...]' },
    subscribeHandler('channel')),
  cmd('unsubscribe', -1, SUB_FLAGS, [0, 0, 0], SLOW,
    { ...P, since: '2.0.0', summary: 'Stops listening to messages posted to channels.',
      complexity: 'O(N) where N is the number of channels to unsubscribe.', syntax: '[channel [channel ...]]' },
    unsubscribeHandler('channel')),
  cmd('psubscribe', -2, SUB_FLAGS, [0, 0, 0], SLOW,
    { ...P, since: '2.0.0', summary: 'Listens for messages published to channels that match one or more patterns.',
      complexity: 'O(N) where N is the number of patterns to subscribe to.', syntax: 'pattern [pattern ...]' },
    subscribeHandler('pattern')),
  cmd('punsubscribe', -1, SUB_FLAGS, [0, 0, 0], SLOW,
    { ...P, since: '2.0.0', summary: 'Stops listening to messages published to channels that match one or more patterns.',
      complexity: 'O(N) where N is the number of patterns to unsubscribe.', syntax: '[pattern [pattern ...]]' },
    unsubscribeHandler('pattern')),
  cmd('publish', 3, PUB_FLAGS, [0, 0, 0], ['pubsub', 'fast'],
    { ...P, since: '2.0.0', summary: 'Posts a message to a channel.',
      complexity: 'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
      syntax: 'channel message' },
    publish),
  cmd('ssubscribe', -2, SUB_FLAGS, [1, -1, 1], SLOW,
    { ...P, since: '7.0.0', summary: 'Listens for messages published to shard channels.',
      complexity: 'O(N) where N is the number of shard channels to subscribe to.', syntax: 'shardchannel [shardchannel ...]' },
    subscribeHandler('shard')),
  cmd('sunsubscribe', -1, SUB_FLAGS, [1, -1, 1], SLOW,
    { ...P, since: '7.0.0', summary: 'Stops listening to messages posted to shard channels.',
      complexity: 'O(N) where N is the number of shard channels to unsubscribe.', syntax: '[shardchannel [shardchannel ...]]' },
    unsubscribeHandler('shard')),
  cmd('spublish', 3, PUB_FLAGS, [1, 1, 1], ['pubsub', 'fast'],
    { ...P, since: '7.0.0', summary: 'Post a message to a shard channel',
      complexity: 'O(N) where N is the number of clients subscribed to the receiving shard channel.',
      syntax: 'shardchannel message' },
    spublish),
  cmd('pubsub', -2, [], [0, 0, 0], ['slow'],
    { ...P, since: '2.8.0', summary: 'A container for Pub/Sub commands.', complexity: 'Depends on subcommand.' }, undefined, {
      subcommands: [
        cmd('pubsub|channels', -2, INTROSPECTION_FLAGS, [0, 0, 0], SLOW,
          { ...P, since: '2.8.0', summary: 'Returns the active channels.',
            complexity: 'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)',
            syntax: '[pattern]' },
          channels('channel')),
        cmd('pubsub|numpat', 2, INTROSPECTION_FLAGS, [0, 0, 0], SLOW,
          { ...P, since: '2.8.0', summary: 'Returns a count of unique pattern subscriptions.', complexity: 'O(1)' },
          (ctx) => ctx.out.integer(ctx.server.pubsub.patternCount)),
        cmd('pubsub|numsub', -2, INTROSPECTION_FLAGS, [0, 0, 0], SLOW,
          { ...P, since: '2.8.0', summary: 'Returns a count of subscribers to channels.',
            complexity: 'O(N) for the NUMSUB subcommand, where N is the number of requested channels',
            syntax: '[channel [channel ...]]' },
          numsub('channel')),
        cmd('pubsub|shardchannels', -2, INTROSPECTION_FLAGS, [0, 0, 0], SLOW,
          { ...P, since: '7.0.0', summary: 'Returns the active shard channels.',
            complexity: 'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).',
            syntax: '[pattern]' },
          channels('shard')),
        cmd('pubsub|shardnumsub', -2, INTROSPECTION_FLAGS, [0, 0, 0], SLOW,
          { ...P, since: '7.0.0', summary: 'Returns the count of subscribers of shard channels.',
            complexity: 'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels',
            syntax: '[shardchannel [shardchannel ...]]' },
          numsub('shard')),
        cmd('pubsub|help', 2, ['loading', 'stale'], [0, 0, 0], ['slow'],
          { ...P, since: '6.2.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)' },
          (ctx) => helpReply(ctx, PUBSUB_HELP)),
      ],
    }),
];
