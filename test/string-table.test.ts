/**
 * StringTable against the Map it stands in for: the same operations give the same answers, the
 * same insertion order, and iterators interleaved with changes yield exactly what a Map
 * iterator yields under the same changes (fast-check, model-based).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { INLINE_KEY_BYTES_MAX, StringTable } from '../src/keyspace/string-table.js';
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
  | { op: 'bulkDelete'; keep: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key: keyArb, value: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('get' as const), key: keyArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('next' as const), iter: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'open' as const }) },
  // Deletes all but every `keep`-th key: shrinks the index, so rebuilds move open iterators.
  { weight: 1, arbitrary: fc.record({ op: fc.constant('bulkDelete' as const), keep: fc.integer({ min: 2, max: 6 }) }) },
);

test('StringTable behaves as a Map, live iterators included', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => {
      const table = new StringTable<number>();
      const map = new Map<string, number>();
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
      // A copy has the same content and order, and changes to it leave the original alone.
      const copy = table.copy();
      assert.deepEqual([...copy], [...map]);
      copy.set('only in the copy', 1);
      for (const k of map.keys()) copy.delete(k);
      assert.deepEqual([...copy], [['only in the copy', 1]]);
      assert.deepEqual([...table.keys()], [...map.keys()]);
      assert.deepEqual([...table.values()], [...map.values()]);
    }),
    { numRuns: 300 },
  );
});

test('StringTable holds many keys and shrinks back after deleting them', () => {
  const table = new StringTable<number>();
  const n = 200_000;
  for (let i = 0; i < n; i++) assert.equal(table.set(`key:${i}`, i), true);
  assert.equal(table.size, n);
  for (let i = 0; i < n; i += 7) assert.equal(table.get(`key:${i}`), i);
  assert.equal(table.get('key:-1'), undefined);
  for (let i = 0; i < n - 10; i++) assert.equal(table.delete(`key:${i}`), true);
  assert.deepEqual([...table.keys()], Array.from({ length: 10 }, (_, i) => `key:${n - 10 + i}`));
});

test('SCAN over a StringTable: a key present throughout is returned once while the table churns', () => {
  const table = new StringTable<number>();
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

test('abandoned SCAN cursors are closed when evicted, so the table stops tracking them', () => {
  const table = new StringTable<number>();
  for (let i = 0; i < 100; i++) table.set(`k${i}`, i);
  const cursors = new ScanCursors<string>();
  for (let i = 0; i < 5000; i++) cursors.scan(table, 0, 1, () => {});
  const open = (table as unknown as { cursors: Set<unknown> | null }).cursors;
  assert.ok(open !== null && open.size <= 4096, `open iterators: ${open?.size}`);
});
