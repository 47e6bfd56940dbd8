/**
 * The flow-control window of one follower in replicate state: the last index and byte size of
 * every MsgApp sent and not yet acknowledged, in a ring buffer.
 * Invariant: count <= capacityMsgs; bytes <= capacityBytes unless a single message exceeds it.
 */
export class Inflights {
  private start = 0;
  private count = 0;
  private bytes = 0;
  private readonly indexes: Float64Array;
  private readonly sizes: Float64Array;

  constructor(readonly capacityMsgs: number, readonly capacityBytes: number) {
    this.indexes = new Float64Array(capacityMsgs);
    this.sizes = new Float64Array(capacityMsgs);
  }

  /** Records a MsgApp whose last entry is `index`. Callers check full() first. */
  add(index: number, bytes: number): void {
    if (this.count >= this.capacityMsgs) throw new Error('cannot add into a full inflights');
    let next = this.start + this.count;
    if (next >= this.capacityMsgs) next -= this.capacityMsgs;
    this.indexes[next] = index;
    this.sizes[next] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Frees every message whose last index is <= to. */
  freeLE(to: number): void {
    if (this.count === 0 || to < this.indexes[this.start]) return;
    let i = 0;
    let idx = this.start;
    let freed = 0;
    for (; i < this.count; i++) {
      if (to < this.indexes[idx]) break;
      freed += this.sizes[idx];
      if (++idx >= this.capacityMsgs) idx -= this.capacityMsgs;
    }
    this.count -= i;
    this.bytes -= freed;
    this.start = this.count === 0 ? 0 : idx;
  }

  /** Frees the oldest message: a heartbeat answer proves the peer is alive, so let one more MsgApp out (it may have been lost). */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.indexes[this.start]);
  }

  full(): boolean {
    return this.count === this.capacityMsgs || (this.capacityBytes !== 0 && this.bytes >= this.capacityBytes);
  }

  size(): number {
    return this.count;
  }

  sizeBytes(): number {
    return this.bytes;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
