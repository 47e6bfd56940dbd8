/**
 * Active expiry: keys nobody reads again must still go. Like Redis's adaptive cycle, each run
 * walks each database's TTL table from where the last run stopped, checks keys in samples of
 * KEYS_PER_SAMPLE, and keeps going while more than STALE_PERCENT of a sample had expired, until
 * its time budget is spent. Under load this keeps the share of expired-but-unreclaimed keys
 * near STALE_PERCENT, and an idle server cleans up everything within a few cycles.
 */
import type { Database } from './database.js';

export const KEYS_PER_SAMPLE = 20;
export const STALE_PERCENT = 10;
/** Share of each cycle period the cycle may use (Redis's ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC). */
export const CYCLE_TIME_PERCENT = 25;

export class ActiveExpire {
  private iters = new Map<Map<string, number>, Iterator<string>>();

  /**
   * Runs one cycle over `dbs` for at most `budgetMs`. `now` is the command clock for expiry
   * decisions, `elapsedMs` measures the budget. Returns the number of keys removed.
   */
  cycle(dbs: readonly Database[], now: number, budgetMs: number, elapsedMs: () => number): number {
    const start = elapsedMs();
    let removed = 0;
    for (const db of dbs) {
      if (db.expires.size === 0 || !db.deleteExpired) continue;
      for (;;) {
        let sampled = 0;
        let expired = 0;
        const expires = db.expires;
        let iter = this.iters.get(expires);
        if (iter === undefined) {
          iter = expires.keys();
          this.iters.set(expires, iter);
        }
        while (sampled < KEYS_PER_SAMPLE && sampled < expires.size) {
          const r = iter.next();
          if (r.done) {
            iter = expires.keys();
            this.iters.set(expires, iter);
            break;
          }
          sampled++;
          if (db.isExpired(r.value, now)) {
            db.expireNow(r.value);
            expired++;
          }
        }
        removed += expired;
        if (sampled === 0 || expired * 100 <= sampled * STALE_PERCENT) break;
        if (elapsedMs() - start >= budgetMs) return removed;
      }
    }
    return removed;
  }

  /** Forgets iterators over tables that were replaced (FLUSHALL, SWAPDB). */
  reset(): void {
    this.iters.clear();
  }
}
