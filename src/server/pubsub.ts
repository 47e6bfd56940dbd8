/** Pub/sub: channels, patterns, and keyspace notifications. */
import type { NotifyClass } from '../commands/spec.js';
import type { ConcordServer } from './server.js';

export class PubSub {
  constructor(private readonly server: ConcordServer) {}

  allows(client: unknown, name: string): boolean {
    void client;
    return ['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'ping', 'quit', 'reset'].includes(name);
  }

  notAllowedError(name: string): string {
    return `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`;
  }

  notifyKeyspaceEvent(cls: NotifyClass, event: string, key: string, dbId: number): void {
    void this.server;
    void cls;
    void event;
    void key;
    void dbId;
  }
}
