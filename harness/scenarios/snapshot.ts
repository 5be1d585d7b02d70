/**
 * Layer A1: writes while a snapshot is held open. snapshot/long_reader/put/hot_key overwrites one
 * key with a snapshot pinned across the whole measurement; snapshot/no_reader/put/hot_key is the
 * same loop with none, so the two side by side show what an open reader costs a writer.
 */
import type { EngineDb, EngineSnapshot, EngineTxn } from '../engine-api/adapter.ts';
import { allOf, expectEqual, type OpInstance, type Scenario } from '../catalogue/scenario.ts';

const HOT_KEY = 'hot';
/** The value the reader pinned; every write after it is a non-negative counter. */
const PINNED_VALUE = -1;

/** One-key overwrites of HOT_KEY through db.put where the engine has it, else a transaction. */
function hotKeyPuts(db: EngineDb, runId: string, reader: EngineSnapshot | undefined): OpInstance {
  let value = 0;
  const body = (txn: EngineTxn): void => txn.put(HOT_KEY, value);
  const before = db.stats();
  let i = 0;
  const put = db.put;
  const op =
    put === undefined
      ? (): void => {
          value = i++;
          db.transaction(runId, body);
        }
      : (): void => {
          put.call(db, runId, HOT_KEY, i++);
        };
  return {
    op,
    labels: { api: put === undefined ? 'db.transaction' : 'db.put' },
    verify: (calls) => {
      const after = db.stats();
      const checks = [
        expectEqual('engine commits', after.commits - before.commits, calls),
        expectEqual('commit version advance', after.version - before.version, calls),
        expectEqual('ops whose value is the newest', Number(db.get(runId, HOT_KEY)) + 1, i),
      ];
      // The reader must still see what it pinned, however many writes came after it.
      if (reader !== undefined) {
        const seen = reader.get(runId, HOT_KEY) === PINNED_VALUE ? 1 : 0;
        checks.push(expectEqual('reads of the pinned value by the open snapshot', seen, 1));
      }
      return allOf(...checks);
    },
    teardown: () => {
      reader?.release();
      db.close();
    },
  };
}

export const scenarios: Scenario[] = [
  {
    kind: 'op',
    name: 'snapshot/long_reader/put/hot_key',
    layer: 'A1',
    writes: true,
    access: 'hot_key',
    labels: { keys: 1, openSnapshots: 1 },
    guarantee:
      'a snapshot held open keeps reading the version it pinned while one key is overwritten',
    catches:
      'write cost growing with history under an open snapshot (version chains walked or kept per write)',
    setup({ engine, openDb }) {
      const db = openDb();
      const runId = engine.newRunId();
      db.transaction(runId, (txn) => txn.put(HOT_KEY, PINNED_VALUE));
      return hotKeyPuts(db, runId, db.snapshot());
    },
  },
  {
    kind: 'op',
    name: 'snapshot/no_reader/put/hot_key',
    layer: 'A1',
    writes: true,
    access: 'hot_key',
    labels: { keys: 1, openSnapshots: 0 },
    guarantee: 'one key overwritten with no snapshot open: the control for long_reader',
    catches: 'a regression in the plain hot-key write that long_reader would otherwise hide',
    setup({ engine, openDb }) {
      const db = openDb();
      const runId = engine.newRunId();
      db.transaction(runId, (txn) => txn.put(HOT_KEY, PINNED_VALUE));
      return hotKeyPuts(db, runId, undefined);
    },
  },
];
