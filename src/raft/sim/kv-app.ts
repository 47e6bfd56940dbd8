/**
 * The replicated state machine used by the simulator: a tiny key-value map. Entry data is
 * "w<writeId>:<key>" (set key to writeId). Snapshot data is its JSON.
 */
import { type ConfState, fromUtf8, utf8 } from '../types.js';

export interface KvValue {
  writeId: number;
  index: number;
}

export class KvApp {
  kv = new Map<string, KvValue>();
  applied = 0;
  confState: ConfState = { voters: [], learners: [] };

  static encodeWrite(writeId: number, key: string): Uint8Array {
    return utf8(`w${writeId}:${key}`);
  }

  static decodeWrite(data: Uint8Array): { writeId: number; key: string } | null {
    if (data.byteLength === 0) return null;
    const s = fromUtf8(data);
    const colon = s.indexOf(':');
    return { writeId: Number(s.slice(1, colon)), key: s.slice(colon + 1) };
  }

  applyWrite(index: number, data: Uint8Array): void {
    const w = KvApp.decodeWrite(data);
    if (w) this.kv.set(w.key, { writeId: w.writeId, index });
  }

  serialize(): Uint8Array {
    return utf8(JSON.stringify({ kv: [...this.kv] }));
  }

  restore(data: Uint8Array, index: number, confState: ConfState): void {
    this.kv = new Map(data.byteLength ? (JSON.parse(fromUtf8(data)) as { kv: [string, KvValue][] }).kv : []);
    this.applied = index;
    this.confState = confState;
  }
}
