import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TMPFS_DIR, lmdbAdapter, sweepStaleTmpfsEnvs } from '../../../harness/peers/lmdb.ts';
import type { KvStore } from '../../../harness/peers/kv-adapter.ts';
import type { ModeName } from '../../../harness/engine-api/modes.ts';
import { UnsupportedError } from '../../../harness/support/errors.ts';
import { tempDir } from '../helpers.ts';

async function open(mode: ModeName, dir = tempDir('peer-lmdb-')): Promise<KvStore> {
  return lmdbAdapter().open(mode, dir);
}

const ownEnvs = (): string[] =>
  fs.readdirSync(TMPFS_DIR).filter((n) => n.startsWith(`inmem-peer-lmdb-${process.pid}-`));

/** What lmdb.ts checks before it uses tmpfs. */
const hasTmpfs = ((): boolean => {
  try {
    fs.accessSync(TMPFS_DIR, fs.constants.W_OK);
    return fs.statSync(TMPFS_DIR).isDirectory();
  } catch {
    return false;
  }
})();

describe('lmdb adapter', () => {
  it('states the options of each mode', () => {
    const a = lmdbAdapter();
    expect(a.name).toBe('lmdb');
    expect(a.packageName).toBe('lmdb');
    expect(a.describeMapping('inMemory')).toMatch(/noSync: true \}\) on tmpfs/);
    expect(a.describeMapping('buffered')).toMatch(/noSync: true \}\) on disk/);
    expect(a.describeMapping('strict')).toMatch(/noSync: false, noMetaSync: false \}\) on disk/);
  });

  it('buffered: noSync on disk in the job directory; strict: synced commits', async () => {
    const dir = tempDir('peer-lmdb-');
    const buffered = await open('buffered', dir);
    expect(buffered.settings).toEqual({
      mode: 'buffered',
      storage: 'disk',
      noSync: true,
      noMetaSync: false,
      overlappingSync: false,
    });
    buffered.close();
    expect(fs.readdirSync(dir)).toContain('kv.lmdb');
    const strict = await open('strict');
    expect(strict.settings).toEqual({
      mode: 'strict',
      storage: 'disk',
      noSync: false,
      noMetaSync: false,
      overlappingSync: false,
    });
    strict.close();
  });

  it('inMemory: an environment of its own on tmpfs, removed on close; nothing in the job directory', async () => {
    const dir = tempDir('peer-lmdb-');
    if (!hasTmpfs) {
      // No tmpfs on this machine: the closest mapping falls back to disk, and says so.
      const store = await open('inMemory', dir);
      expect(store.settings.storage).toMatch(/^disk \(.*; no tmpfs\)$/);
      store.close();
      return;
    }
    const before = ownEnvs();
    const store = await open('inMemory', dir);
    expect(store.settings).toMatchObject({
      storage: 'tmpfs',
      noSync: true,
      overlappingSync: false,
    });
    expect(ownEnvs().filter((n) => !before.includes(n))).toHaveLength(1);
    store.put('a', 1);
    expect(store.get('a')).toBe(1);
    store.close();
    expect(ownEnvs()).toEqual(before);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("proves commits with LMDB's transaction id: one per put, delete or transaction", async () => {
    const store = await open('buffered');
    try {
      const start = store.counters();
      expect(start.writes).toBeNull();
      const at = (): number => (store.counters().commits ?? Number.NaN) - (start.commits ?? 0);
      store.put('a', 1);
      store.put('b', 2);
      expect(at()).toBe(2);
      expect(store.delete('a')).toBe(true);
      expect(at()).toBe(3);
      store.transaction((t) => {
        for (let j = 0; j < 5; j++) t.put(`t${j}`, j);
        t.delete('b');
      });
      expect(at()).toBe(4);
      expect(store.get('t4')).toBe(4);
      expect(store.get('b')).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('a package that is missing: UnsupportedError', async () => {
    const err = await lmdbAdapter('no-such-lmdb-xyz')
      .open('inMemory', tempDir('peer-lmdb-'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toMatch(
      /^peer lmdb could not load its package "no-such-lmdb-xyz"/,
    );
  });
});

describe('sweepStaleTmpfsEnvs', () => {
  it("a dead process's environment is swept; a live one's and unrelated folders stay", () => {
    const root = tempDir('shm-sweep-');
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

  it('a root that does not exist: nothing swept, no error', () => {
    expect(sweepStaleTmpfsEnvs(path.join(tempDir('shm-sweep-'), 'missing'))).toEqual([]);
  });
});
