/**
 * Transactions through the engine API: explicit begin/commit, multi-key write sets, read sets
 * that must be validated, and the conflict path.
 */
import type { EngineTxn } from '../engine-api/adapter.ts';
import {
  KEY_MASK,
  allOf,
  expectEqual,
  keyNames,
  keySequence,
  type Scenario,
} from '../catalogue/scenario.ts';

const KEYSPACE = 10_000;
const GROUPS = 4096;

export const scenarios: Scenario[] = [
  {
    kind: 'op',
    name: 'txn/commit_single_put',
    layer: 'other',
    writes: true,
    labels: { access: 'uniform', keys: KEYSPACE },
    guarantee: 'begin/put/commit applies one write set atomically under a new version',
    catches: 'cost in the explicit transaction object (begin, pin, release) beyond db.transaction',
    setup({ rng, engine, openDb }) {
      const db = openDb();
      const runId = engine.newRunId();
      const keys = keySequence(rng, 'key:', KEYSPACE);
      const before = db.stats();
      let i = 0;
      return {
        op() {
          const txn = db.begin(runId);
          txn.put(keys[i & KEY_MASK] as string, i++);
          txn.commit();
        },
        verify: (calls) =>
          expectEqual('engine commits', db.stats().commits - before.commits, calls),
        teardown: () => db.close(),
      };
    },
  },
  {
    kind: 'op',
    name: 'txn/multi_put/10',
    layer: 'other',
    writes: true,
    labels: { access: 'uniform', keys: 10 * KEYSPACE, writesPerTxn: 10 },
    guarantee: 'ten writes commit as one atomic record under one version',
    catches: 'per-key commit cost (WAL encoding, apply) growing faster than linearly',
    setup({ rng, engine, openDb }) {
      const db = openDb();
      const runId = engine.newRunId();
      const flat = keySequence(rng, 'key:', KEYSPACE, 10 * GROUPS);
      // Distinct keys per group, so every transaction really writes ten keys.
      const groups = Array.from({ length: GROUPS }, (_, g) =>
        Array.from({ length: 10 }, (_, j) => `${flat[10 * g + j] as string}/${j}`),
      );
      let group: string[] = [];
      let value = 0;
      const body = (txn: EngineTxn): void => {
        for (let j = 0; j < 10; j++) txn.put(group[j] as string, value);
      };
      const before = db.stats();
      let i = 0;
      return {
        op() {
          group = groups[i & (GROUPS - 1)] as string[];
          value = i++;
          db.transaction(runId, body);
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
  },
  {
    kind: 'op',
    name: 'txn/readN_write1/10',
    layer: 'other',
    writes: true,
    labels: { access: 'uniform', keys: KEYSPACE, readsPerTxn: 10 },
    guarantee: 'a read set of ten keys is validated at commit (first committer wins)',
    catches: 'read-set validation cost growing (e.g. rescanning instead of checking versions)',
    setup({ rng, engine, openDb }) {
      const db = openDb();
      const runId = engine.newRunId();
      db.transaction(runId, (txn) => {
        for (const k of keyNames('key:', KEYSPACE)) txn.put(k, 1);
      });
      const flat = keySequence(rng, 'key:', KEYSPACE, 10 * GROUPS);
      const groups = Array.from({ length: GROUPS }, (_, g) => flat.slice(10 * g, 10 * g + 10));
      let group: string[] = [];
      let value = 0;
      let found = 0;
      const body = (txn: EngineTxn): void => {
        for (let j = 0; j < 10; j++) if (txn.get(group[j] as string) !== undefined) found++;
        txn.put(group[0] as string, value);
      };
      const before = db.stats();
      let i = 0;
      return {
        op() {
          group = groups[i & (GROUPS - 1)] as string[];
          value = i++;
          db.transaction(runId, body);
        },
        verify: (calls) =>
          allOf(
            expectEqual('engine commits', db.stats().commits - before.commits, calls),
            expectEqual('keys found by the reads', found, 10 * calls),
          ),
        teardown: () => db.close(),
      };
    },
  },
  {
    kind: 'op',
    name: 'txn/conflict_abort',
    layer: 'other',
    writes: true,
    labels: { access: 'hot_key' },
    guarantee: 'of two transactions writing the same key, the second to commit gets ConflictError',
    catches: 'a slower conflict path (validation, error construction, abort bookkeeping)',
    setup({ engine, openDb }) {
      const ConflictError = engine.require('ConflictError');
      const db = openDb();
      const runId = engine.newRunId();
      const before = db.stats();
      let conflicts = 0;
      let i = 0;
      return {
        op() {
          const first = db.begin(runId);
          const second = db.begin(runId);
          first.put('hot', i);
          second.put('hot', i++);
          first.commit();
          try {
            second.commit();
          } catch (err) {
            // The conflict is the operation being measured: count it.
            if (err instanceof ConflictError) conflicts++;
            else throw err;
          }
        },
        verify: (calls) => {
          const after = db.stats();
          return allOf(
            expectEqual('ConflictErrors caught', conflicts, calls),
            expectEqual('engine conflicts', after.conflicts - before.conflicts, calls),
            expectEqual('engine commits', after.commits - before.commits, calls),
          );
        },
        teardown: () => db.close(),
      };
    },
  },
];
