/**
 * SCAN cursors over a Map. A JS Map iterator is live: it survives inserts and deletes, visits
 * entries in insertion order, and a key present for the whole scan keeps its place in that
 * order, so it is returned exactly once however much the map grows or shrinks meanwhile.
 * The server keeps the live iterator behind each cursor number.
 *
 * Keys present for the whole scan were all inserted before the scan began, so they all come
 * before any key inserted since, and there are at most `size at start` of them: the scan ends
 * after visiting that many entries. It therefore terminates even while the map keeps growing
 * (Redis's SCAN may not), without giving up the guarantee.
 *
 * A cursor number is `slot * 2^32 + visited`. If its iterator is gone (evicted past
 * SCAN_CURSORS_MAX, or the server restarted) the scan restarts and skips `visited` entries:
 * still every key, but keys deleted meanwhile may make it skip a few (documented weakening).
 */

export const SCAN_CURSORS_MAX = 4096;
const VISITED_SPAN = 2 ** 32;
const SLOT_MAX = 2 ** 20;

/**
 * What can be scanned: a Map, or a StringTable, whose key iterators are live in the same way.
 * An iterator left unfinished is closed with return() (a StringTable's registers itself).
 */
export interface ScanSource<K> {
  readonly size: number;
  keys(): Iterator<K>;
}

interface OpenScan<K> {
  iter: Iterator<K>;
  source: ScanSource<K>;
  visited: number;
  /** Entries to visit in all: the map's size when the scan began. */
  budget: number;
}

export class ScanCursors<K> {
  /** Insertion order doubles as least-recently-used order: a used cursor is re-inserted. */
  private open = new Map<number, OpenScan<K>>();
  private nextSlot = 1;

  /**
   * Visits up to `count` entries of `source` from `cursor`, calling `visit` for each.
   * Returns the next cursor, 0 when the scan is complete.
   */
  scan(source: ScanSource<K>, cursor: number, count: number, visit: (key: K) => void): number {
    let state: OpenScan<K> | undefined;
    if (cursor !== 0) {
      state = this.open.get(cursor);
      if (state !== undefined && state.source !== source) state = undefined;
      if (state !== undefined) this.open.delete(cursor);
    }
    if (state === undefined) {
      const skip = cursor % VISITED_SPAN;
      state = { iter: source.keys(), source, visited: 0, budget: skip + source.size };
      for (let i = 0; i < skip; i++) {
        if (state.iter.next().done) return 0;
        state.visited++;
      }
    }
    for (let i = 0; i < count; i++) {
      if (state.visited >= state.budget) return finish(state);
      const r = state.iter.next();
      if (r.done) return 0;
      state.visited++;
      visit(r.value);
    }
    if (state.visited >= VISITED_SPAN || state.visited >= state.budget) return finish(state);
    const next = this.allocSlot() * VISITED_SPAN + state.visited;
    this.open.set(next, state);
    while (this.open.size > SCAN_CURSORS_MAX) {
      const [oldest, evicted] = this.open.entries().next().value as [number, OpenScan<K>];
      this.open.delete(oldest);
      finish(evicted);
    }
    return next;
  }

  private allocSlot(): number {
    const slot = this.nextSlot;
    this.nextSlot = this.nextSlot + 1 >= SLOT_MAX ? 1 : this.nextSlot + 1;
    return slot;
  }
}

/** Closes a scan's iterator before it is dropped; returns the end-of-scan cursor 0. */
function finish<K>(state: OpenScan<K>): 0 {
  state.iter.return?.(undefined);
  return 0;
}
