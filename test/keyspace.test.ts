import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ActiveExpire, STALE_PERCENT } from '../src/keyspace/active-expire.js';
import { Database } from '../src/keyspace/database.js';
import { globMatch } from '../src/keyspace/glob.js';
import { ScanCursors } from '../src/keyspace/scan-cursors.js';

const quiet = { expired: () => {}, touched: () => {} };

describe('SCAN cursors', () => {
  it('return every key present for the whole scan exactly once while the map grows and shrinks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 2 ** 31 }), (initial, count, seed) => {
        let state = seed;
        const rnd = (): number => {
          state = (state * 1103515245 + 12345) & 0x7fffffff;
          return state / 0x80000000;
        };
        const map = new Map<string, unknown>();
        for (let i = 0; i < initial; i++) map.set(`k${i}`, 1);
        const stable = new Set([...map.keys()].filter(() => rnd() < 0.5));
        const cursors = new ScanCursors<string>();
        const seen = new Map<string, number>();
        let cursor = 0;
        let added = 0;
        let rounds = 0;
        do {
          cursor = cursors.scan(map, cursor, count, (k) => seen.set(k, (seen.get(k) ?? 0) + 1));
          // Between calls: add keys, delete keys that are not in the stable set.
          for (let j = 0; j < 5; j++) map.set(`new${added++}`, 1);
          for (const k of [...map.keys()]) if (!stable.has(k) && rnd() < 0.05) map.delete(k);
          rounds++;
        } while (cursor !== 0 && rounds < 10_000);
        assert.ok(rounds < 10_000, 'scan terminates');
        for (const k of stable) assert.equal(seen.get(k), 1, `stable key ${k} returned once`);
      }),
      { numRuns: 200 },
    );
  });

  it('resume from a cursor whose iterator was evicted by skipping what was visited', () => {
    const map = new Map<string, unknown>();
    for (let i = 0; i < 100; i++) map.set(`k${i}`, 1);
    const first = new ScanCursors<string>();
    const seen: string[] = [];
    const cursor = first.scan(map, 0, 40, (k) => seen.push(k));
    // A fresh cursor table (a restart) still continues after the first 40 keys.
    const second = new ScanCursors<string>();
    let c = cursor;
    do c = second.scan(map, c, 25, (k) => seen.push(k));
    while (c !== 0);
    assert.deepEqual(seen, [...map.keys()]);
  });
});

describe('active expiry', () => {
  it('keeps expired-but-unreclaimed keys near the stale threshold when nobody reads them', () => {
    const db = new Database(0, quiet);
    const now = 1_000_000;
    for (let i = 0; i < 10_000; i++) {
      db.set(`k${i}`, 'v');
      // Half of the keys are already past their TTL, half are far in the future.
      db.setExpire(`k${i}`, i % 2 === 0 ? now - 1 : now + 1_000_000);
    }
    const ae = new ActiveExpire();
    let clock = 0;
    // Generous budget: the cycle stops on its own when samples fall under the stale threshold.
    for (let run = 0; run < 50; run++) ae.cycle([db], now, 1000, () => clock++);
    const stale = [...db.expires.keys()].filter((k) => db.isExpired(k, now)).length;
    assert.ok(stale <= (db.size * (STALE_PERCENT * 2)) / 100, `stale keys left: ${stale} of ${db.size}`);
    assert.ok(db.size >= 5000, 'live keys are kept');
    for (let i = 1; i < 10_000; i += 2) assert.ok(db.dict.has(`k${i}`));
  });

  it('stops when its time budget is spent', () => {
    const db = new Database(0, quiet);
    for (let i = 0; i < 10_000; i++) {
      db.set(`k${i}`, 'v');
      db.setExpire(`k${i}`, 1);
    }
    let clock = 0;
    // Each elapsed() call advances 1 ms; a 3 ms budget allows only a few samples.
    const removed = new ActiveExpire().cycle([db], 100, 3, () => clock++);
    assert.ok(removed > 0 && removed < 200, `removed ${removed}`);
  });

  it('does not delete on a replica (keys wait for the primary DEL)', () => {
    const db = new Database(0, quiet);
    db.set('k', 'v');
    db.setExpire('k', 1);
    db.deleteExpired = false;
    assert.equal(new ActiveExpire().cycle([db], 100, 10, () => 0), 0);
    assert.equal(db.size, 1);
  });
});

describe('lazy expiry', () => {
  it('a key is live up to and including its expiry ms, gone after, and reported once', () => {
    const expired: string[] = [];
    const db = new Database(0, { expired: (_d, k) => expired.push(k), touched: () => {} });
    db.set('k', 'v');
    db.setExpire('k', 1000);
    assert.equal(db.get('k', 1000), 'v');
    assert.equal(db.get('k', 1001), undefined);
    assert.equal(db.get('k', 1002), undefined);
    assert.deepEqual(expired, ['k']);
  });
});

describe('glob', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*', 'anything', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[a-b]llo', 'hcllo', false],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hallo', false],
    ['a*', 'a', true],
    ['*a*b', 'xxaxxb', true],
    ['[', '[', false],
  ];
  for (const [p, s, expected] of cases) {
    it(`${p} vs ${s}`, () => assert.equal(globMatch(p, s), expected));
  }
  it('a pathological pattern finishes quickly', () => {
    assert.equal(globMatch('a*'.repeat(30) + 'b', 'a'.repeat(60)), false);
  });
});
