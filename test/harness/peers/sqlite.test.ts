import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sqliteAdapter } from '../../../harness/peers/sqlite.ts';
import type { KvStore } from '../../../harness/peers/kv-adapter.ts';
import { MODES, type ModeName } from '../../../harness/engine-api/modes.ts';
import { UnsupportedError } from '../../../harness/support/errors.ts';
import { tempDir } from '../helpers.ts';

async function open(mode: ModeName, dir = tempDir('peer-sqlite-')): Promise<KvStore> {
  return sqliteAdapter().open(mode, dir);
}

describe('sqlite adapter', () => {
  it('states the pragmas of each mode', () => {
    const a = sqliteAdapter();
    expect(a.name).toBe('sqlite');
    expect(a.packageName).toBe('better-sqlite3');
    expect(a.describeMapping('inMemory')).toMatch(/new Database\(':memory:'\)/);
    expect(a.describeMapping('buffered')).toMatch(/journal_mode=WAL, synchronous=NORMAL/);
    expect(a.describeMapping('strict')).toMatch(/journal_mode=WAL, synchronous=FULL/);
  });

  it(':memory: for inMemory, WAL + synchronous NORMAL (1) / FULL (2) on a file, as read back', async () => {
    const expected = {
      inMemory: { file: ':memory:', journal_mode: 'memory' },
      buffered: { file: 'kv.sqlite', journal_mode: 'wal', synchronous: 1 },
      strict: { file: 'kv.sqlite', journal_mode: 'wal', synchronous: 2 },
    };
    for (const mode of MODES) {
      const dir = tempDir('peer-sqlite-');
      const store = await open(mode, dir);
      expect(store.settings).toMatchObject({ mode, ...expected[mode] });
      expect(store.settings.sqlite).toMatch(/^3\.\d+\.\d+$/);
      // Only the file modes touch the directory.
      expect(fs.readdirSync(dir).includes('kv.sqlite')).toBe(mode !== 'inMemory');
      store.close();
    }
  });

  it("proves writes with SQLite's total_changes(): rows changed, not commits", async () => {
    const store = await open('inMemory');
    try {
      expect(store.counters()).toEqual({ commits: null, writes: 0 });
      store.put('a', 1);
      store.put('a', 2); // an upsert: one change
      expect(store.counters().writes).toBe(2);
      expect(store.delete('a')).toBe(true);
      expect(store.delete('a')).toBe(false); // nothing deleted, nothing counted
      expect(store.counters().writes).toBe(3);
      store.transaction((t) => {
        for (let j = 0; j < 4; j++) t.put(`t${j}`, j);
      });
      expect(store.counters().writes).toBe(7);
    } finally {
      store.close();
    }
  });

  it('a closed store refuses work', async () => {
    const store = await open('strict');
    store.close();
    expect(() => store.put('a', 1)).toThrow(/not open/);
  });

  it('a directory that already holds a kv table: the SQLite error, not unsupported', async () => {
    const dir = tempDir('peer-sqlite-');
    (await open('strict', dir)).close();
    const err = await open('strict', dir).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toMatch(/table kv already exists/);
  });

  it('a package that is missing: UnsupportedError naming it', async () => {
    const err = await sqliteAdapter('no-such-peer-package-xyz')
      .open('strict', tempDir('peer-sqlite-'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toMatch(
      /peer sqlite could not load its package "no-such-peer-package-xyz": .*no-such-peer-package-xyz/,
    );
  });

  it('a package that imports but whose native addon does not load: still UnsupportedError', async () => {
    // A stand-in package that imports fine and throws in `new Database()`, as better-sqlite3
    // does when its compiled addon is missing or built for another Node.
    const file = path.join(tempDir('peers-broken-addon-'), 'broken-sqlite.mjs');
    fs.writeFileSync(
      file,
      'export default class Database { constructor() { throw new Error("Could not locate the bindings file\\n    at bindings"); } }\n',
    );
    const err = await sqliteAdapter(pathToFileURL(file).href)
      .open('inMemory', tempDir('peer-sqlite-'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toMatch(
      /^peer sqlite could not open a database with ".*broken-sqlite\.mjs" \(its native addon did not load\?\): Could not locate the bindings file$/,
    );
  });
});
