/**
 * RESIZEDB size hints: Concord's snapshots announce each db's sizes as Redis's do, and loading
 * presizes the key tables from them, never beyond what the file could hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyspace } from '../src/keyspace/keyspace.js';
import { KeyTable } from '../src/keyspace/key-table.js';
import { slotsFor } from '../src/keyspace/table-common.js';
import { loadRdb } from '../src/persistence/load.js';
import { RdbReader } from '../src/persistence/rdb-reader.js';
import { RdbWriter } from '../src/persistence/rdb-writer.js';
import { Snapshot } from '../src/persistence/snapshot.js';

const NOW = 1_700_000_000_000;
const noEvents = { expired: () => {}, touched: () => {} };
const loadOptions = { nowMs: NOW, dropExpired: true, monotonicMs: () => 0 };

function hintsOf(file: Buffer): Array<[number, number]> {
  const hints: Array<[number, number]> = [];
  const reader = new RdbReader(file, { onSizeHint: (db, keys) => hints.push([db, keys]) });
  while (reader.next() !== null);
  return hints;
}

test('a snapshot announces each db its key count (RESIZEDB), and a load presizes from it', async () => {
  const ks = new Keyspace(4, noEvents);
  for (let i = 0; i < 3000; i++) ks.dbs[0].set(`key:${i}`, 'v');
  ks.dbs[0].setExpire('key:1', NOW + 60_000);
  ks.dbs[3].set('only', 'x');
  const snap = new Snapshot(ks.dbs, { nowMs: NOW }, () => 0);
  while (!snap.produce(1 << 20));
  const file = Buffer.concat(snap.finish());
  assert.deepEqual(hintsOf(file), [
    [0, 3000],
    [3, 1],
  ]);

  const loaded = new Keyspace(4, noEvents);
  const slotsAt: number[] = [];
  const table = loaded.dbs[0].dict;
  // Record the table's size as keys arrive: presized, it never grows during the load.
  const set = table.set.bind(table);
  table.set = (k, v) => {
    slotsAt.push(table.slots);
    return set(k, v);
  };
  await loadRdb(file, loaded, loadOptions);
  assert.equal(loaded.dbs[0].size, 3000);
  assert.deepEqual([...new Set(slotsAt)], [slotsFor(3000)]);
});

test('a size hint larger than the file could hold is capped by the file size', async () => {
  const w = new RdbWriter({ nowMs: NOW });
  w.selectDb(0, 2 ** 40, 0);
  w.writeKey(0, 'k', 'v');
  const file = Buffer.concat(w.finish());
  const ks = new Keyspace(1, noEvents);
  await loadRdb(file, ks, loadOptions);
  assert.equal(ks.dbs[0].get('k', NOW), 'v');
  // One slot per 3 bytes of file at most (the smallest key entry), not 2^40.
  assert.ok(ks.dbs[0].dict.slots <= slotsFor(file.length / 3), `slots: ${ks.dbs[0].dict.slots}`);
});

test('KeyTable.reserve makes room without shrinking, and keeps what the table holds', () => {
  const t = new KeyTable<number>();
  for (let i = 0; i < 10; i++) t.set(`k${i}`, i);
  t.reserve(1000);
  assert.equal(t.slots, slotsFor(1000));
  for (let i = 10; i < 1000; i++) t.set(`k${i}`, i);
  assert.equal(t.slots, slotsFor(1000));
  t.reserve(5);
  assert.equal(t.slots, slotsFor(1000));
  assert.deepEqual(t.keysArray(), Array.from({ length: 1000 }, (_, i) => `k${i}`));
  for (let i = 0; i < 1000; i += 37) assert.equal(t.get(`k${i}`), i);
});
