/**
 * Each peer adapter's semantics in every durability mode: put/get/delete/transaction round
 * trips, atomicity, the proof hook (counters read back from the store), and the durability
 * settings actually applied. No timing here: figures come from the harness.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { floorAdapter } from '../../../harness/peers/floor.ts';
import { inmemAdapter } from '../../../harness/peers/inmem.ts';
import type { KvAdapter, KvCounters, KvStore } from '../../../harness/peers/kv-adapter.ts';
import { lmdbAdapter, sweepStaleTmpfsEnvs } from '../../../harness/peers/lmdb.ts';
import { sqliteAdapter } from '../../../harness/peers/sqlite.ts';
import { UnsupportedError } from '../../../harness/support/errors.ts';
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

describe('the durability settings are applied, read back from each engine', () => {
  it('sqlite: :memory: for inMemory, WAL + synchronous NORMAL (1) / FULL (2) on a file', async () => {
    const expected = {
      inMemory: { file: ':memory:', journal_mode: 'memory' },
      buffered: { file: 'kv.sqlite', journal_mode: 'wal', synchronous: 1 },
      strict: { file: 'kv.sqlite', journal_mode: 'wal', synchronous: 2 },
    };
    for (const mode of MODES) {
      const store = await open(sqliteAdapter(), mode);
      expect(store.settings).toMatchObject(expected[mode]);
      store.close();
    }
  });

  it('lmdb: noSync on tmpfs for inMemory, noSync on disk for buffered, synced commits for strict', async () => {
    const inMemory = await open(lmdbAdapter(), 'inMemory');
    expect(inMemory.settings).toMatchObject({ noSync: true, overlappingSync: false });
    expect(inMemory.settings.storage).toMatch(/^tmpfs|no tmpfs/);
    inMemory.close();
    const buffered = await open(lmdbAdapter(), 'buffered');
    expect(buffered.settings).toMatchObject({
      storage: 'disk',
      noSync: true,
      overlappingSync: false,
    });
    buffered.close();
    const strict = await open(lmdbAdapter(), 'strict');
    expect(strict.settings).toMatchObject({
      storage: 'disk',
      noSync: false,
      noMetaSync: false,
      overlappingSync: false,
    });
    strict.close();
  });

  it('inmem: the engine opened the mode asked for', async () => {
    for (const mode of MODES) {
      const store = await open(inmemAdapter(), mode);
      expect(store.settings.opened).toBe(mode);
      store.close();
    }
  });

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

describe('a peer whose package cannot load', () => {
  it('throws UnsupportedError naming the package and the load error', async () => {
    const adapter = sqliteAdapter('no-such-peer-package-xyz');
    const err = await open(adapter, 'strict').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toMatch(
      /peer sqlite could not load its package "no-such-peer-package-xyz": .*no-such-peer-package-xyz/,
    );
    const lmdbErr = await open(lmdbAdapter('no-such-lmdb-xyz'), 'inMemory').catch(
      (e: unknown) => e,
    );
    expect(lmdbErr).toBeInstanceOf(UnsupportedError);
  });
});

describe('a peer whose package imports but whose native addon does not load', () => {
  it('better-sqlite3 fails in its constructor: still UnsupportedError, not a failed run', async () => {
    // A stand-in package that imports fine and throws in `new Database()`, as better-sqlite3
    // does when its compiled addon is missing or built for another Node.
    const dir = tempDir('peers-broken-addon-');
    const file = path.join(dir, 'broken-sqlite.mjs');
    fs.writeFileSync(
      file,
      'export default class Database { constructor() { throw new Error("Could not locate the bindings file"); } }\n',
    );
    try {
      const err = await open(sqliteAdapter(pathToFileURL(file).href), 'inMemory').catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UnsupportedError);
      expect((err as Error).message).toMatch(
        /peer sqlite could not open a database .*Could not locate the bindings file/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lmdb tmpfs environments', () => {
  it("a dead process's environment is swept; a live one's and unrelated folders stay", () => {
    const root = tempDir('shm-sweep-');
    dirs.push(root);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const names = [
      `inmem-peer-lmdb-${dead}-aB3dE`,
      `inmem-peer-lmdb-${process.pid}-xY9zQ`,
      'inmem-peer-lmdb-notapid',
      'something-else',
    ];
    for (const n of names) {
      fs.mkdirSync(path.join(root, n));
      fs.writeFileSync(path.join(root, n, 'data.mdb'), 'x');
    }
    expect(sweepStaleTmpfsEnvs(root)).toEqual([names[0]]);
    expect(fs.readdirSync(root).sort()).toEqual(names.slice(1).sort());
  });
});
