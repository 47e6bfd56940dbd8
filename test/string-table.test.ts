/**
 * The keyspace's own tables (StringTable for hash fields and set members, KeyTable for a
 * database's keys) against the Map they stand in for: the same operations give the same
 * answers, the same insertion order, and iterators interleaved with changes yield exactly what
 * a Map iterator yields under the same changes (fast-check, model-based).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { INLINE_KEY_BYTES_MAX, StringTable } from '../src/keyspace/string-table.js';
import { KeyTable } from '../src/keyspace/key-table.js';
import { ScanCursors } from '../src/keyspace/scan-cursors.js';

/**
 * Keys that collide on length and prefix, cross the inline limit, and include a char above
 * 0xff (never stored inline), drawn from a small pool so operations hit the same keys.
 */
const keyArb = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((i) => `k${i}`),
  fc.integer({ min: 0, max: 20 }).map((i) => 'x'.repeat(INLINE_KEY_BYTES_MAX - 1) + String.fromCharCode(97 + (i % 3)) + 'y'.repeat(i % 3)),
  fc.integer({ min: 0, max: 10 }).map((i) => `\u0100${i}`),
  fc.constantFrom('', '\0', '\xff\xfe', 'a'.repeat(100)),
);

type Op =
  | { op: 'set'; key: string; value: number }
  | { op: 'delete'; key: string }
  | { op: 'get'; key: string }
  | { op: 'next'; iter: number }
  | { op: 'open' }
  | { op: 'bulkDelete'; keep: number }
  | { op: 'churn'; n: number }
  | { op: 'grow'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key: keyArb, value: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('get' as const), key: keyArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('next' as const), iter: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'open' as const }) },
  // Deletes all but every `keep`-th key: shrinks the index, so rebuilds move open iterators.
  { weight: 1, arbitrary: fc.record({ op: fc.constant('bulkDelete' as const), keep: fc.integer({ min: 2, max: 6 }) }) },
  // Deletes the oldest key and adds a fresh one, n times: inserts reuse the deleted slots, so
  // the entries keep holes that no deleted slot accounts for, and the next growth compacts them
  // under the open iterators.
  { weight: 2, arbitrary: fc.record({ op: fc.constant('churn' as const), n: fc.integer({ min: 1, max: 30 }) }) },
  // Adds n fresh keys: a growth, often right after a delete's slot was reused.
  { weight: 1, arbitrary: fc.record({ op: fc.constant('grow' as const), n: fc.integer({ min: 1, max: 40 }) }) },
);

/** What the model test needs of a table; copy() only where the table has it. */
interface Table<V> extends Iterable<[string, V]> {
  readonly size: number;
  readonly openIterators: number;
  get(key: string): V | undefined;
  has(key: string): boolean;
  set(key: string, value: V): boolean;
  delete(key: string): boolean;
  keys(): Iterator<string> & Iterable<string>;
  values(): Iterator<V> & Iterable<V>;
  entries(): Iterator<[string, V]>;
}

const tables: Array<[string, () => Table<number>]> = [
  ['StringTable', () => new StringTable<number>()],
  ['KeyTable', () => new KeyTable<number>()],
];

for (const [name, make] of tables) {
  test(`${name} behaves as a Map, live iterators included`, () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => {
        const table = make();
        const map = new Map<string, number>();
        let fresh = 0;
        const iters: Array<{ t: Iterator<[string, number]>; m: Iterator<[string, number]> }> = [];
        for (const o of ops) {
          switch (o.op) {
            case 'set':
              assert.equal(table.set(o.key, o.value), !map.has(o.key));
              map.set(o.key, o.value);
              break;
            case 'delete':
              assert.equal(table.delete(o.key), map.delete(o.key));
              break;
            case 'get':
              assert.equal(table.get(o.key), map.get(o.key));
              assert.equal(table.has(o.key), map.has(o.key));
              break;
            case 'open':
              iters.push({ t: table.entries(), m: map.entries() });
              break;
            case 'next': {
              const it = iters[o.iter];
              if (it === undefined) break;
              const a = it.t.next();
              const b = it.m.next();
              assert.deepEqual(a, b);
              break;
            }
            case 'churn':
              for (let i = 0; i < o.n; i++) {
                const oldest = map.keys().next();
                if (!oldest.done) {
                  assert.equal(table.delete(oldest.value), true);
                  map.delete(oldest.value);
                }
                const k = `fresh${fresh++}`;
                assert.equal(table.set(k, i), true);
                map.set(k, i);
              }
              break;
            case 'grow':
              for (let i = 0; i < o.n; i++) {
                const k = `fresh${fresh++}`;
                assert.equal(table.set(k, i), true);
                map.set(k, i);
              }
              break;
            case 'bulkDelete':
              for (const k of [...map.keys()].filter((_, i) => i % o.keep !== 0)) {
                assert.equal(table.delete(k), true);
                map.delete(k);
              }
              break;
          }
          assert.equal(table.size, map.size);
        }
        for (const it of iters) {
          for (;;) {
            const a = it.t.next();
            assert.deepEqual(a, it.m.next());
            if (a.done) break;
          }
        }
        assert.deepEqual([...table], [...map]);
        if (table instanceof StringTable) {
          // A copy has the same content and order, and changes to it leave the original alone.
          const copy = table.copy();
          assert.deepEqual([...copy], [...map]);
          copy.set('only in the copy', 1);
          for (const k of map.keys()) copy.delete(k);
          assert.deepEqual([...copy], [['only in the copy', 1]]);
        }
        if (table instanceof KeyTable) {
          assert.deepEqual(table.keysArray(), [...map.keys()]);
          assert.deepEqual(table.valuesArray(), [...map.values()]);
        }
        assert.deepEqual([...table.keys()], [...map.keys()]);
        assert.deepEqual([...table.values()], [...map.values()]);
      }),
      { numRuns: 300 },
    );
  });

  test(`${name} holds many keys and shrinks back after deleting them`, () => {
    const table = make();
    const n = 200_000;
    for (let i = 0; i < n; i++) assert.equal(table.set(`key:${i}`, i), true);
    assert.equal(table.size, n);
    for (let i = 0; i < n; i += 7) assert.equal(table.get(`key:${i}`), i);
    assert.equal(table.get('key:-1'), undefined);
    for (let i = 0; i < n - 10; i++) assert.equal(table.delete(`key:${i}`), true);
    assert.deepEqual([...table.keys()], Array.from({ length: 10 }, (_, i) => `key:${n - 10 + i}`));
  });

  test(`SCAN over a ${name}: a key present throughout is returned once while the table churns`, () => {
    const table = make();
    const stable = Array.from({ length: 3000 }, (_, i) => `stable:${i}`);
    // Volatile keys between the stable ones, deleted as the scan goes: holes behind the cursor.
    for (const k of stable) {
      table.set(k, 0);
      table.set(`volatile:${k}`, 0);
    }
    const cursors = new ScanCursors<string>();
    const seen = new Map<string, number>();
    let cursor = 0;
    let round = 0;
    do {
      cursor = cursors.scan(table, cursor, 50, (k) => seen.set(k, (seen.get(k) ?? 0) + 1));
      // Churn: add and remove other keys between calls, enough to force rebuilds both ways.
      for (let i = 0; i < 400; i++) table.set(`churn:${round}:${i}`, i);
      for (let i = 0; i < 400; i++) table.delete(`churn:${round}:${i}`);
      for (let i = round * 50; i < (round + 1) * 50 && i < stable.length; i++) table.delete(`volatile:${stable[i]}`);
      round++;
    } while (cursor !== 0);
    for (const k of stable) assert.equal(seen.get(k), 1, k);
  });

  test(`${name}: an iterator keeps its place when growth drops a hole whose slot an insert reused`, () => {
    // Deleting a key leaves a hole in the entries and a deleted slot; a fresh key may reuse the
    // slot, after which no deleted slot accounts for the hole. Growth then drops the hole and
    // must still move the open iterator. Which key reuses the slot depends on the hash seed, so
    // many tables are tried.
    for (let trial = 0; trial < 300; trial++) {
      const table = make();
      const map = new Map<string, number>();
      for (let i = 0; i < 10; i++) {
        table.set(`a${i}`, i);
        map.set(`a${i}`, i);
      }
      const t = table.keys();
      const m = map.keys();
      t.next();
      m.next();
      table.delete('a0');
      map.delete('a0');
      for (let i = 0; i < 30; i++) {
        table.set(`t${trial}:${i}`, i);
        map.set(`t${trial}:${i}`, i);
      }
      assert.deepEqual([...{ [Symbol.iterator]: () => t }], [...{ [Symbol.iterator]: () => m }], `trial ${trial}`);
    }
  });

  test(`${name}: abandoned SCAN cursors are closed when evicted, so the table stops tracking them`, () => {
    const table = make();
    for (let i = 0; i < 100; i++) table.set(`k${i}`, i);
    const cursors = new ScanCursors<string>();
    for (let i = 0; i < 5000; i++) cursors.scan(table, 0, 1, () => {});
    assert.ok(table.openIterators <= 4096, `open iterators: ${table.openIterators}`);
  });
}

test('KeyTable.randomKey picks every key, never a deleted one, with holes in the entries', () => {
  const table = new KeyTable<number>();
  assert.equal(table.randomKey(Math.random), undefined);
  for (let i = 0; i < 300; i++) table.set(`k${i}`, i);
  // Every other key deleted: holes stay (below the compaction threshold) among the live entries.
  for (let i = 0; i < 300; i += 2) table.delete(`k${i}`);
  let seed = 7;
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const seen = new Map<string, number>();
  for (let i = 0; i < 30_000; i++) {
    const k = table.randomKey(random)!;
    assert.ok(table.has(k), k);
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  assert.equal(seen.size, 150);
  // Uniform: 200 expected per key; a skewed pick (say, the key after each hole twice as often) fails.
  for (const [k, n] of seen) assert.ok(n > 120 && n < 290, `${k}: ${n}`);
  // A random source that only ever lands on holes still finds the live key (a table this small
  // keeps its holes: too few to compact, and no smaller size to shrink to).
  const small = new KeyTable<number>();
  for (let i = 0; i < 5; i++) small.set(`s${i}`, i);
  for (let i = 0; i < 4; i++) small.delete(`s${i}`);
  assert.equal(small.randomKey(() => 0), 's4');
});
