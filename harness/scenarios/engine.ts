/**
 * Layer A1: the engine itself, without a primitive facade. engine/put_direct is the engine's
 * most direct one-key commit: db.put where the engine has it (M4), else a one-key
 * db.transaction (the M3 engine's only way), recorded in labels.api; engine/get_direct the
 * fast-path db.get; snapshot/acquire a pinned cross-run view taken and released.
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

export const scenarios: Scenario[] = [
  {
    kind: 'op',
    name: 'engine/put_direct',
    layer: 'A1',
    writes: true,
    labels: { access: 'uniform', keys: KEYSPACE },
    guarantee: 'a one-key transaction commits atomically under a new version (durable per mode)',
    catches:
      'overhead added to the commit path: validation, version bump, WAL append, fsync policy',
    setup({ rng, engine, openDb }) {
      const db = openDb();
      const runId = engine.newRunId();
      const keys = keySequence(rng, 'key:', KEYSPACE);
      let key = '';
      let value = 0;
      // One closure made in setup; the timed op only moves the key/value it reads.
      const body = (txn: EngineTxn): void => txn.put(key, value);
      const before = db.stats();
      let i = 0;
      const put = db.put;
      const op =
        put === undefined
          ? (): void => {
              key = keys[i & KEY_MASK] as string;
              value = i++;
              db.transaction(runId, body);
            }
          : (): void => {
              put.call(db, runId, keys[i & KEY_MASK] as string, i++);
            };
      return {
        op,
        labels: { api: put === undefined ? 'db.transaction' : 'db.put' },
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
    name: 'engine/get_direct',
    layer: 'A1',
    writes: false,
    labels: { access: 'uniform', keys: KEYSPACE },
    guarantee: 'a fast-path read returns what a read-only transaction started now would',
    catches: 'a fast-path read that starts taking a snapshot, copying, or scanning',
    setup({ rng, engine, openDb }) {
      const db = openDb();
      const runId = engine.newRunId();
      db.transaction(runId, (txn) => {
        for (const k of keyNames('key:', KEYSPACE)) txn.put(k, 1);
      });
      const keys = keySequence(rng, 'key:', KEYSPACE);
      let i = 0;
      let hits = 0;
      return {
        op() {
          if (db.get(runId, keys[i++ & KEY_MASK] as string) !== undefined) hits++;
        },
        verify: (calls) => expectEqual('db.get hits', hits, calls),
        teardown: () => db.close(),
      };
    },
  },
  {
    kind: 'op',
    name: 'snapshot/acquire',
    layer: 'A1',
    writes: false,
    labels: { keys: KEYSPACE },
    guarantee: 'a snapshot pins one commit version across runs until released',
    catches: 'snapshot acquisition that copies data or scans versions (red flag > 2 µs)',
    setup({ engine, openDb }) {
      const db = openDb();
      const runId = engine.newRunId();
      db.transaction(runId, (txn) => {
        for (const k of keyNames('key:', KEYSPACE)) txn.put(k, 1);
      });
      const version = db.stats().version;
      let pinned = 0;
      return {
        op() {
          const snap = db.snapshot();
          if (snap.version === version) pinned++;
          snap.release();
        },
        verify: (calls) => expectEqual('snapshots pinned at the current version', pinned, calls),
        teardown: () => db.close(),
      };
    },
  },
];
