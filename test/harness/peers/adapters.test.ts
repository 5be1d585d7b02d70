/**
 * Each peer adapter's semantics in every durability mode: put/get/delete/transaction round
 * trips, atomicity and the proof hook (counters read back from the store). What is particular
 * to one adapter (its settings, its load failures) is in that adapter's own test file. No
 * timing here: figures come from the harness.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { floorAdapter } from '../../../harness/peers/floor.ts';
import { inmemAdapter } from '../../../harness/peers/inmem.ts';
import type { KvAdapter, KvCounters, KvStore } from '../../../harness/peers/kv-adapter.ts';
import { lmdbAdapter } from '../../../harness/peers/lmdb.ts';
import { sqliteAdapter } from '../../../harness/peers/sqlite.ts';
import { MODES, type ModeName } from '../../../harness/engine-api/modes.ts';
import { tempDir } from '../helpers.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function open(adapter: KvAdapter, mode: ModeName): Promise<KvStore> {
  const dir = tempDir('peer-test-');
  dirs.push(dir);
  return adapter.open(mode, dir);
}

/** The counter that moved by `n` writes: commits or writes, whichever the store has. */
function delta(before: KvCounters, after: KvCounters): number {
  if (before.commits !== null && after.commits !== null) return after.commits - before.commits;
  return (after.writes ?? 0) - (before.writes ?? 0);
}

const ADAPTERS = [inmemAdapter(), sqliteAdapter(), lmdbAdapter(), floorAdapter()];

describe.each(ADAPTERS.map((a) => [a.name, a] as const))('%s adapter', (_name, adapter) => {
  it.each(MODES)('round-trips put, get, delete and a transaction in %s', async (mode) => {
    const store = await open(adapter, mode);
    try {
      expect(store.get('a')).toBeUndefined();
      store.put('a', 1);
      store.put('a', 2);
      expect(store.get('a')).toBe(2);
      store.transaction((t) => {
        for (let j = 0; j < 10; j++) t.put(`k${j}`, j);
      });
      for (let j = 0; j < 10; j++) expect(store.get(`k${j}`)).toBe(j);
      expect(store.delete('a')).toBe(true);
      expect(store.get('a')).toBeUndefined();
      expect(store.delete('a')).toBe(false);
      store.transaction((t) => t.delete('k0'));
      expect(store.get('k0')).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it.each(MODES)('counts committed writes from the store in %s (the proof hook)', async (mode) => {
    const store = await open(adapter, mode);
    try {
      const before = store.counters();
      expect(before.commits !== null || before.writes !== null).toBe(true);
      for (let i = 0; i < 25; i++) store.put(`p${i % 5}`, i);
      expect(delta(before, store.counters())).toBe(25);
      const mid = store.counters();
      store.transaction((t) => {
        for (let j = 0; j < 10; j++) t.put(`t${j}`, j);
      });
      const after = store.counters();
      // One commit of ten writes.
      if (mid.commits !== null) expect((after.commits ?? 0) - mid.commits).toBe(1);
      if (mid.writes !== null) expect((after.writes ?? 0) - mid.writes).toBe(10);
    } finally {
      store.close();
    }
  });

  it('describes its mapping for every mode', () => {
    for (const mode of MODES) expect(adapter.describeMapping(mode).length).toBeGreaterThan(20);
  });
});

describe.each([inmemAdapter(), sqliteAdapter(), lmdbAdapter()].map((a) => [a.name, a] as const))(
  '%s transactions are atomic',
  (_name, adapter) => {
    it.each(MODES)('a throwing body commits nothing in %s', async (mode) => {
      const store = await open(adapter, mode);
      try {
        const before = store.counters();
        expect(() =>
          store.transaction((t) => {
            t.put('x', 1);
            t.put('y', 2);
            throw new Error('abort');
          }),
        ).toThrow('abort');
        expect(store.get('x')).toBeUndefined();
        expect(store.get('y')).toBeUndefined();
        // SQLite's total_changes() counts the rolled-back statements too (module comment of
        // harness/peers/sqlite.ts); the commit counters of the others don't move.
        expect(delta(before, store.counters())).toBe(adapter.name === 'sqlite' ? 2 : 0);
      } finally {
        store.close();
      }
    });
  },
);

describe('the durability settings are applied', () => {
  // sqlite, lmdb and inmem: their own test files (sqlite.test.ts, lmdb.test.ts, inmem.test.ts).
  it('floor: a Map for inMemory, a log written (and fdatasynced in strict) otherwise', async () => {
    const stores = await Promise.all(MODES.map((m) => open(floorAdapter(), m)));
    expect(stores.map((s) => s.settings.store)).toEqual([
      'Map',
      'Map + write',
      'Map + write + fdatasync',
    ]);
    for (const s of stores) s.close();
  });
});
