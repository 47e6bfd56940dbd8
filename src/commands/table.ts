/** The command table: every family's declarations, indexed by lowercase name. */
import { clientCommands } from './client.js';
import { connectionCommands } from './connection.js';
import { dumpCommands } from './dump.js';
import { expireCommands } from './expire.js';
import { hashCommands } from './hashes.js';
import { infoCommands } from './info.js';
import { introspectionCommands } from './introspection.js';
import { keyCommands } from './keys.js';
import { listCommands } from './lists.js';
import { pubsubCommands } from './pubsub.js';
import { adminCommands } from './server-admin.js';
import { persistenceCommands } from './persistence.js';
import { replicationCommands } from './replication.js';
import { setCommands } from './sets.js';
import type { CommandSpec } from './spec.js';
import { zsetCommands } from './sorted-sets.js';
import { transactionCommands } from './transactions.js';
import { stringCommands } from './strings.js';

export type CommandTable = ReadonlyMap<string, CommandSpec>;

export function buildCommandTable(): CommandTable {
  const table = new Map<string, CommandSpec>();
  const families = [
    connectionCommands, clientCommands, stringCommands, keyCommands, expireCommands,
    infoCommands, adminCommands, persistenceCommands, replicationCommands, introspectionCommands, hashCommands, listCommands, setCommands, zsetCommands,
    pubsubCommands, transactionCommands, dumpCommands,
  ];
  for (const family of families) {
    for (const spec of family) {
      if (table.has(spec.name)) throw new Error(`command ${spec.name} declared twice`);
      if (spec.handler === undefined && spec.subcommands === undefined) throw new Error(`command ${spec.name} has no handler`);
      table.set(spec.name, spec);
    }
  }
  return table;
}
