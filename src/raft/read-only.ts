/**
 * Pending ReadIndex requests on the leader (safe mode): each waits for a quorum of heartbeat
 * acknowledgements carrying its context; a quorum for one request confirms every earlier one.
 */
import type { Message, NodeId } from './types.js';

export type ReadOnlyOption = 'safe' | 'lease';

export interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Set<NodeId>;
}

export class ReadOnly {
  readonly pending = new Map<string, ReadIndexStatus>();
  queue: string[] = [];

  constructor(readonly option: ReadOnlyOption) {}

  /** Records a read at commit index `index`. A context already pending is ignored. */
  addRequest(index: number, req: Message): void {
    const ctx = req.context;
    if (this.pending.has(ctx)) return;
    this.pending.set(ctx, { req, index, acks: new Set() });
    this.queue.push(ctx);
  }

  /** Records an acknowledgement of `ctx` by `id`; returns the acknowledgers, or null if unknown. */
  recvAck(id: NodeId, ctx: string): Set<NodeId> | null {
    const rs = this.pending.get(ctx);
    if (!rs) return null;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Removes and returns every request up to and including `ctx`. */
  advance(ctx: string): ReadIndexStatus[] {
    const i = this.queue.indexOf(ctx);
    if (i < 0) return [];
    const done = this.queue.slice(0, i + 1);
    this.queue = this.queue.slice(i + 1);
    const out: ReadIndexStatus[] = [];
    for (const c of done) {
      const rs = this.pending.get(c)!;
      this.pending.delete(c);
      out.push(rs);
    }
    return out;
  }

  lastPendingRequestCtx(): string {
    return this.queue.length ? this.queue[this.queue.length - 1] : '';
  }
}
