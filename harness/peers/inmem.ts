/**
 * Our engine as a peer, through harness/engine-api/adapter.ts's public-API loader (so it can be any
 * engine directory: this tree's, or a baseline checkout's), driven through the KVStore facade,
 * the API a user of in-mem calls:
 *
 *   put = KVStore.put (one-key commit), get = KVStore.get, delete = KVStore.delete,
 *   transaction = KVStore.transaction over one run.
 *
 * Modes are the engine's own (DurabilityMode.inMemory(), bufferedDefault() = 100 ms / 1000
 * writes, strict()); the adapter checks the engine opened the mode it was asked for.
 * Proof hook: the engine's own commit counter (`db.stats().commits`).
 */
import { loadEngine, type EngineDb, type LoadedEngine } from '../engine-api/adapter.ts';
import type { ModeName } from '../engine-api/modes.ts';
import { DEFAULT_ENGINE_DIR } from '../support/paths.ts';
import type { KvAdapter, KvStore, KvTxn, PeerValue } from './kv-adapter.ts';

const MAPPINGS: Record<ModeName, string> = {
  inMemory: 'in-mem DurabilityMode.inMemory(): no WAL, no file; KVStore put/get/delete/transaction',
  buffered:
    'in-mem DurabilityMode.bufferedDefault(): WAL records buffered, written and fsynced by a background flusher every 100 ms or 1000 pending commits; KVStore API',
  strict:
    'in-mem DurabilityMode.strict(): WAL record written and fsynced before each commit returns; KVStore API',
};

interface KVStoreWithDelete {
  get(runId: string, key: string): unknown;
  put(runId: string, key: string, value: unknown): void;
  delete?(runId: string, key: string): boolean;
  transaction<T>(
    runId: string,
    fn: (kv: { put(key: string, value: unknown): void; delete?(key: string): void }) => T,
  ): T;
}

export function inmemAdapter(): KvAdapter {
  return {
    name: 'inmem',
    packageName: null,
    describeMapping: (mode) => MAPPINGS[mode],
    async open(mode, dir, engine?: LoadedEngine) {
      const loaded = engine ?? (await loadEngine(DEFAULT_ENGINE_DIR));
      const db = loaded.open(mode, dir);
      try {
        return openStore(loaded, db, mode);
      } catch (err) {
        db.close();
        throw err;
      }
    },
  };
}

function openStore(engine: LoadedEngine, db: EngineDb, mode: ModeName): KvStore {
  const KVStore = engine.require('KVStore');
  const kv = new KVStore(db) as unknown as KVStoreWithDelete;
  const runId = engine.newRunId();
  let inner: { put(key: string, value: unknown): void; delete?(key: string): void } | null = null;
  const txnApi: KvTxn = {
    put: (key, value) => inner?.put(key, value),
    delete: (key) => {
      if (inner?.delete === undefined) throw new Error('this engine has no KVTransaction.delete');
      inner.delete(key);
    },
  };
  return {
    put(key, value) {
      kv.put(runId, key, value);
    },
    get(key) {
      return kv.get(runId, key) as PeerValue | undefined;
    },
    delete(key) {
      if (kv.delete === undefined) throw new Error('this engine has no KVStore.delete');
      return kv.delete(runId, key);
    },
    transaction(fn) {
      kv.transaction(runId, (t) => {
        inner = t;
        try {
          fn(txnApi);
        } finally {
          inner = null;
        }
      });
    },
    counters: () => ({ commits: db.stats().commits, writes: null }),
    settings: { mode, opened: db.durabilityMode?.kind ?? 'strict (pre-M4 engine)' },
    close: () => db.close(),
  };
}
