/**
 * Layer B: the KVStore facade. Same user keys as the A1 scenarios, so kvstore/put/uniform over
 * engine/put_direct (and kvstore/get/uniform over engine/get_direct) is the facade tax.
 */
import type { EngineDb, KVStoreApi, LoadedEngine } from '../engine-api/adapter.ts';
import {
  KEY_MASK,
  allOf,
  expectEqual,
  keyNames,
  keySequence,
  type AccessPattern,
  type Scenario,
  type ScenarioContext,
} from '../catalogue/scenario.ts';

const KEYSPACE = 10_000;

const KEYSPACES: Record<'hot_key' | 'uniform' | 'working_set_100', number> = {
  hot_key: 1,
  uniform: KEYSPACE,
  working_set_100: 100,
};

interface Loaded {
  db: EngineDb;
  kv: KVStoreApi;
  runId: string;
}

/** A database with KEYSPACE keys written through the facade in one transaction (one fsync). */
function loaded(engine: LoadedEngine, openDb: ScenarioContext['openDb']): Loaded {
  const KVStore = engine.require('KVStore');
  const db = openDb();
  const kv = new KVStore(db);
  const runId = engine.newRunId();
  const names = keyNames('key:', KEYSPACE);
  kv.transaction(runId, (t) => {
    for (const k of names) t.put(k, 1);
  });
  return { db, kv, runId };
}

function putScenario(access: keyof typeof KEYSPACES): Scenario {
  return {
    kind: 'op',
    name: `kvstore/put/${access}`,
    layer: 'B',
    writes: true,
    access,
    labels: { keys: KEYSPACES[access] },
    guarantee: 'KVStore.put is one atomic, durable-per-mode commit',
    catches: 'facade overhead on writes (B/A1 red flag > 8x) and per-mode commit regressions',
    setup({ rng, engine, openDb }) {
      const KVStore = engine.require('KVStore');
      const db = openDb();
      const kv = new KVStore(db);
      const runId = engine.newRunId();
      const keys = keySequence(rng, 'key:', KEYSPACES[access]);
      const before = db.stats();
      let i = 0;
      return {
        op() {
          kv.put(runId, keys[i & KEY_MASK] as string, i++);
        },
        verify: (calls) => {
          const after = db.stats();
          return allOf(
            expectEqual('engine commits', after.commits - before.commits, calls),
            expectEqual('commit version advance', after.version - before.version, calls),
          );
        },
        teardown: () => db.close(),
      };
    },
  };
}

function getScenario(access: AccessPattern & keyof typeof KEYSPACES): Scenario {
  return {
    kind: 'op',
    name: `kvstore/get/${access}`,
    layer: 'B',
    writes: false,
    access,
    labels: { keys: KEYSPACES[access], loadedKeys: KEYSPACE },
    guarantee:
      'KVStore.get is a fast-path read: what a read-only transaction started now would see',
    catches: 'facade overhead on reads (KVStore.get red flag > 10 µs, B/A1 > 8x)',
    setup({ rng, engine, openDb }) {
      const { db, kv, runId } = loaded(engine, openDb);
      const keys = keySequence(rng, 'key:', KEYSPACES[access]);
      let i = 0;
      let hits = 0;
      return {
        op() {
          if (kv.get(runId, keys[i++ & KEY_MASK] as string) !== undefined) hits++;
        },
        verify: (calls) => expectEqual('KVStore.get hits', hits, calls),
        teardown: () => db.close(),
      };
    },
  };
}

export const scenarios: Scenario[] = [
  putScenario('hot_key'),
  putScenario('uniform'),
  putScenario('working_set_100'),
  getScenario('hot_key'),
  getScenario('uniform'),
  getScenario('working_set_100'),
  {
    kind: 'op',
    name: 'kvstore/get/miss',
    layer: 'B',
    writes: false,
    access: 'miss',
    labels: { keys: KEYSPACE, loadedKeys: KEYSPACE },
    guarantee: 'a read of an absent key returns undefined without writing anything',
    catches: 'misses that got slower than hits (e.g. a fallback scan or a thrown-and-caught error)',
    setup({ rng, engine, openDb }) {
      const { db, kv, runId } = loaded(engine, openDb);
      // Same key shapes, a prefix nothing was written under.
      const keys = keySequence(rng, 'absent:', KEYSPACE);
      let i = 0;
      let misses = 0;
      return {
        op() {
          if (kv.get(runId, keys[i++ & KEY_MASK] as string) === undefined) misses++;
        },
        verify: (calls) => expectEqual('KVStore.get misses', misses, calls),
        teardown: () => db.close(),
      };
    },
  },
  {
    kind: 'op',
    name: 'kvstore/get_many_10',
    layer: 'B',
    writes: false,
    labels: { access: 'uniform', keys: KEYSPACE, batch: 10 },
    guarantee: 'getMany reads all its keys from one snapshot (never a mix of versions)',
    catches: 'per-key costs in getMany growing (a snapshot or transaction per key)',
    setup({ rng, engine, openDb }) {
      const { db, kv, runId } = loaded(engine, openDb);
      const flat = keySequence(rng, 'key:', KEYSPACE, 10 * 4096);
      const groups = Array.from({ length: 4096 }, (_, g) => flat.slice(10 * g, 10 * g + 10));
      let i = 0;
      let complete = 0;
      return {
        op() {
          const values = kv.getMany(runId, groups[i++ & 4095] as string[]);
          if (values.length === 10 && !values.includes(undefined)) complete++;
        },
        verify: (calls) => expectEqual('getMany calls that found all 10 keys', complete, calls),
        teardown: () => db.close(),
      };
    },
  },
];
