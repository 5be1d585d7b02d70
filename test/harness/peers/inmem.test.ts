import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inmemAdapter } from '../../../harness/peers/inmem.ts';
import {
  loadEngine,
  type EngineDb,
  type LoadedEngine,
  type OptionalExports,
} from '../../../harness/engine-api/adapter.ts';
import { MODES, type ModeName } from '../../../harness/engine-api/modes.ts';
import { UnsupportedError } from '../../../harness/support/errors.ts';
import { DEFAULT_ENGINE_DIR } from '../../../harness/support/paths.ts';
import { FAKE_ENGINE_DIR, tempDir } from '../helpers.ts';

const engine = await loadEngine(DEFAULT_ENGINE_DIR);

/** `base`, with every database it opens recorded (and `patch` applied to it). */
function recording(base: LoadedEngine, patch: (db: EngineDb) => void = () => {}) {
  const opened: Array<{ mode: ModeName; dir: string; db: EngineDb; closed: boolean }> = [];
  const wrapped: LoadedEngine = {
    ...base,
    open(mode, dir) {
      const db = base.open(mode, dir);
      const entry = { mode, dir, db, closed: false };
      const close = db.close.bind(db);
      db.close = () => {
        entry.closed = true;
        close();
      };
      patch(db);
      opened.push(entry);
      return db;
    },
  };
  return { engine: wrapped, opened };
}

describe('inmem adapter', () => {
  it("names the engine's own mode and the KVStore API for each mode", () => {
    const a = inmemAdapter();
    expect(a.name).toBe('inmem');
    expect(a.packageName).toBeNull();
    expect(a.describeMapping('inMemory')).toMatch(/^in-mem DurabilityMode\.inMemory\(\): no WAL/);
    expect(a.describeMapping('buffered')).toMatch(
      /^in-mem DurabilityMode\.bufferedDefault\(\): .*every 100 ms or 1000 pending commits/,
    );
    expect(a.describeMapping('strict')).toMatch(
      /^in-mem DurabilityMode\.strict\(\): WAL record written and fsynced before each commit/,
    );
  });

  it('opens the job’s engine in the mode asked for, in the directory given', async () => {
    for (const mode of MODES) {
      const r = recording(engine);
      const dir = tempDir('peer-inmem-');
      const store = await inmemAdapter().open(mode, dir, r.engine);
      expect(r.opened.map((o) => [o.mode, o.dir])).toEqual([[mode, dir]]);
      expect(store.settings).toEqual({ mode, opened: mode });
      store.close();
      expect(r.opened[0]?.closed).toBe(true);
      expect(fs.readdirSync(dir).length > 0).toBe(mode !== 'inMemory');
    }
  });

  it('without an engine: this tree’s', async () => {
    const store = await inmemAdapter().open('inMemory', tempDir('peer-inmem-'));
    expect(store.settings.opened).toBe('inMemory');
    store.close();
  });

  it("proves commits with the engine's own counter; a transaction is one commit", async () => {
    const store = await inmemAdapter().open('inMemory', tempDir('peer-inmem-'), engine);
    try {
      expect(store.counters()).toEqual({ commits: 0, writes: null });
      store.put('a', 1);
      store.put('a', 2);
      store.transaction((t) => {
        t.put('b', 1);
        t.put('c', 1);
        t.delete('a');
      });
      expect(store.counters()).toEqual({ commits: 3, writes: null });
      expect(store.get('a')).toBeUndefined();
      expect(store.get('b')).toBe(1);
    } finally {
      store.close();
    }
  });

  it('an engine without KVStore: UnsupportedError, and the database it opened is closed', async () => {
    const r = recording(await loadEngine(FAKE_ENGINE_DIR));
    const err = await inmemAdapter()
      .open('strict', tempDir('peer-inmem-'), r.engine)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toBe('this engine does not export KVStore');
    expect(r.opened).toHaveLength(1);
    expect(r.opened[0]?.closed).toBe(true);
  });

  it('a KVStore without delete: put and get work, delete says what is missing', async () => {
    const RealKV = engine.require('KVStore');
    class NoDelete extends RealKV {}
    Object.defineProperty(NoDelete.prototype, 'delete', { value: undefined });
    const old: LoadedEngine = {
      ...engine,
      require: <K extends keyof OptionalExports>(name: K) =>
        (name === 'KVStore' ? NoDelete : engine.require(name)) as OptionalExports[K],
    };
    const store = await inmemAdapter().open('inMemory', tempDir('peer-inmem-'), old);
    try {
      store.put('k', 1);
      expect(store.get('k')).toBe(1);
      expect(() => store.delete('k')).toThrow('this engine has no KVStore.delete');
    } finally {
      store.close();
    }
  });

  it('an engine that does not say its mode is labelled a pre-M4 strict engine', async () => {
    let restore = (): void => {};
    const r = recording(engine, (db) => {
      const mode = db.durabilityMode;
      Object.defineProperty(db, 'durabilityMode', { value: undefined, configurable: true });
      restore = () => Object.defineProperty(db, 'durabilityMode', { value: mode });
    });
    const store = await inmemAdapter().open('strict', tempDir('peer-inmem-'), r.engine);
    expect(store.settings).toEqual({ mode: 'strict', opened: 'strict (pre-M4 engine)' });
    restore();
    store.close();
  });
});
