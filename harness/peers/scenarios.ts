/**
 * The peer scenarios: the same KV and transaction workloads, keys and values on every adapter,
 * named `peers/<adapter>/<what>` (layer `other`) and run only with `bench --peers`
 * (`peer: true`; see registry.ts planJobs).
 *
 * Every peer scenario runs once per durability mode, reads included: for SQLite and LMDB the
 * mode decides the storage a read goes through (`:memory:` or a file), so a read measured in
 * one mode says little about another. The setup writes in that mode, so `writes: true` holds.
 *
 * The proof (verify) reads counters back from the store (KvStore.counters: SQLite's
 * total_changes(), LMDB's last transaction id, our engine's commit count, the floor log's size)
 * and, for writes, reads the last written value back.
 */
import {
  KEY_MASK,
  allOf,
  expectEqual,
  keyNames,
  keySequence,
  type OpInstance,
  type Scenario,
  type ScenarioContext,
  type Verification,
} from '../catalogue/scenario.ts';
import type { KvAdapter, KvCounters, KvStore, KvTxn } from './kv-adapter.ts';

const KEYSPACE = 10_000;
const GROUPS = 4096;

const KEYSPACES = { hot_key: 1, uniform: KEYSPACE } as const;
type PeerAccess = keyof typeof KEYSPACES;

/** The peer scenario names without `peers/<adapter>/`: the rows of the peers table. */
export const PEER_WORKLOADS = [
  'kv/put/hot_key',
  'kv/put/uniform',
  'kv/get/hot_key',
  'kv/get/uniform',
  'txn/multi_put/10',
] as const;
export type PeerWorkload = (typeof PEER_WORKLOADS)[number];

export const PEER_PREFIX = 'peers';

export function peerScenarioName(adapter: string, workload: string): string {
  return `${PEER_PREFIX}/${adapter}/${workload}`;
}

/** `peers/sqlite/kv/put/hot_key` -> { adapter: 'sqlite', workload: 'kv/put/hot_key' }. */
export function parsePeerName(name: string): { adapter: string; workload: string } | null {
  const m = /^peers\/([a-z0-9_]+)\/(.+)$/.exec(name);
  return m === null ? null : { adapter: m[1] as string, workload: m[2] as string };
}

async function openStore(adapter: KvAdapter, ctx: ScenarioContext): Promise<KvStore> {
  return adapter.open(ctx.mode, ctx.tmpDir, ctx.engine);
}

function labelsOf(adapter: KvAdapter, ctx: ScenarioContext, store: KvStore): OpInstance['labels'] {
  return { ...store.settings, mapping: adapter.describeMapping(ctx.mode) };
}

/** Counter deltas against what `calls` ops must have committed (null counters are skipped). */
function countersProof(
  before: KvCounters,
  after: KvCounters,
  expected: { commits: number; writes: number },
): Verification {
  const checks: Verification[] = [];
  if (before.commits !== null && after.commits !== null) {
    checks.push(
      expectEqual(
        'commits read back from the store',
        after.commits - before.commits,
        expected.commits,
      ),
    );
  }
  if (before.writes !== null && after.writes !== null) {
    checks.push(
      expectEqual('writes read back from the store', after.writes - before.writes, expected.writes),
    );
  }
  if (checks.length === 0) return { ok: false, reason: 'the store reported no counter' };
  return allOf(...checks);
}

function readBack(store: KvStore, key: string | null, value: number): Verification {
  if (key === null) return { ok: true };
  const got = store.get(key);
  return got === value
    ? { ok: true }
    : { ok: false, reason: `read back ${key}: expected ${value}, got ${String(got)}` };
}

/** Loads KEYSPACE keys in one transaction (outside the timed loop). */
function load(store: KvStore): void {
  const names = keyNames('key:', KEYSPACE);
  store.transaction((t) => {
    for (const k of names) t.put(k, 1);
  });
}

function putScenario(adapter: KvAdapter, access: PeerAccess): Scenario {
  return {
    kind: 'op',
    name: peerScenarioName(adapter.name, `kv/put/${access}`),
    layer: 'other',
    writes: true,
    peer: true,
    access,
    labels: { adapter: adapter.name, keys: KEYSPACES[access] },
    guarantee: 'a one-key put is committed in the mode before it returns, on every peer alike',
    catches: 'our one-key commit losing ground to SQLite/LMDB, or drifting from the physical floor',
    async setup(ctx) {
      const store = await openStore(adapter, ctx);
      const keys = keySequence(ctx.rng, 'key:', KEYSPACES[access]);
      const before = store.counters();
      let i = 0;
      return {
        op() {
          store.put(keys[i & KEY_MASK] as string, i++);
        },
        verify: (calls) =>
          allOf(
            countersProof(before, store.counters(), { commits: calls, writes: calls }),
            readBack(store, i === 0 ? null : (keys[(i - 1) & KEY_MASK] as string), i - 1),
          ),
        teardown: () => store.close(),
        labels: labelsOf(adapter, ctx, store),
      };
    },
  };
}

function getScenario(adapter: KvAdapter, access: PeerAccess): Scenario {
  return {
    kind: 'op',
    name: peerScenarioName(adapter.name, `kv/get/${access}`),
    layer: 'other',
    writes: true,
    peer: true,
    access,
    labels: { adapter: adapter.name, keys: KEYSPACES[access], loadedKeys: KEYSPACE },
    guarantee: 'a get returns the committed value of a loaded key',
    catches: 'our read path losing ground to SQLite/LMDB reads, or drifting from Map.get',
    async setup(ctx) {
      const store = await openStore(adapter, ctx);
      load(store);
      const keys = keySequence(ctx.rng, 'key:', KEYSPACES[access]);
      let i = 0;
      let hits = 0;
      return {
        op() {
          if (store.get(keys[i++ & KEY_MASK] as string) !== undefined) hits++;
        },
        verify: (calls) => expectEqual('gets that found their key', hits, calls),
        teardown: () => store.close(),
        labels: labelsOf(adapter, ctx, store),
      };
    },
  };
}

function multiPutScenario(adapter: KvAdapter): Scenario {
  return {
    kind: 'op',
    name: peerScenarioName(adapter.name, 'txn/multi_put/10'),
    layer: 'other',
    writes: true,
    peer: true,
    labels: { adapter: adapter.name, access: 'uniform', keys: 10 * KEYSPACE, writesPerTxn: 10 },
    guarantee: 'ten puts commit as one atomic transaction, on every peer alike',
    catches: 'our multi-key commit losing ground to SQLite/LMDB transactions',
    async setup(ctx) {
      const store = await openStore(adapter, ctx);
      const flat = keySequence(ctx.rng, 'key:', KEYSPACE, 10 * GROUPS);
      // Distinct keys per group, so every transaction really writes ten keys.
      const groups = Array.from({ length: GROUPS }, (_, g) =>
        Array.from({ length: 10 }, (_, j) => `${flat[10 * g + j] as string}/${j}`),
      );
      let group: string[] = [];
      let value = 0;
      const body = (txn: KvTxn): void => {
        for (let j = 0; j < 10; j++) txn.put(group[j] as string, value);
      };
      const before = store.counters();
      let i = 0;
      return {
        op() {
          group = groups[i & (GROUPS - 1)] as string[];
          value = i++;
          store.transaction(body);
        },
        verify: (calls) =>
          allOf(
            countersProof(before, store.counters(), { commits: calls, writes: 10 * calls }),
            readBack(store, calls === 0 ? null : (group[9] as string), value),
          ),
        teardown: () => store.close(),
        labels: labelsOf(adapter, ctx, store),
      };
    },
  };
}

/** Every peer scenario of one adapter, in PEER_WORKLOADS order. */
export function peerScenarios(adapter: KvAdapter): Scenario[] {
  return [
    putScenario(adapter, 'hot_key'),
    putScenario(adapter, 'uniform'),
    getScenario(adapter, 'hot_key'),
    getScenario(adapter, 'uniform'),
    multiPutScenario(adapter),
  ];
}
