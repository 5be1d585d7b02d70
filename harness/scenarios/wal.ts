/**
 * WAL recovery: time to reopen a database whose WAL holds 50 000 one-key commits, i.e. to
 * replay them all; and to reopen one after 1 000 000 overwrites of 10 keys, which an engine
 * with checkpoints recovers from its last checkpoint plus a short WAL. Only modes that write a
 * WAL run them (inMemory has nothing to recover).
 *
 * The WAL is written in setup by the fastest WAL-writing mode the engine has (buffered when it
 * exists; before M4 only strict, which costs ~20 s of fsyncs here), then reopened in the mode
 * under test: the file format does not depend on the mode that wrote it, and what is timed is
 * the replay.
 */
import path from 'node:path';
import type { EngineDb, EngineTxn } from '../engine-api/adapter.ts';
import { WAL_MODES } from '../engine-api/modes.ts';
import { UnsupportedError } from '../support/errors.ts';
import { KEY_MASK, allOf, expectEqual, keySequence, type Scenario } from '../catalogue/scenario.ts';

const COMMITS = 50_000;
const KEYSPACE = 1_000;
const OVERWRITES = 1_000_000;
const HOT_KEYS = 10;

export const scenarios: Scenario[] = [
  {
    kind: 'op',
    name: 'wal/recovery/50k',
    layer: 'other',
    writes: true,
    modes: WAL_MODES,
    labels: { commits: COMMITS, keys: KEYSPACE, timed: 'close + reopen (full WAL replay)' },
    guarantee: 'recovery replays every acknowledged commit, whole, in order',
    catches: 'recovery getting slower per record (decode, checksum, apply)',
    setup({ rng, engine, mode, tmpDir }) {
      const dir = path.join(tmpDir, 'wal');
      const writeMode = engine.capabilities.modes.buffered.supported ? 'buffered' : mode;
      const keys = keySequence(rng, 'key:', KEYSPACE);
      const runId = engine.newRunId();
      const writer = engine.open(writeMode, dir);
      let key = '';
      let value = 0;
      const body = (txn: EngineTxn): void => txn.put(key, value);
      for (let i = 0; i < COMMITS; i++) {
        key = keys[i & KEY_MASK] as string;
        value = i;
        writer.transaction(runId, body);
      }
      writer.close();
      let db: EngineDb = engine.open(mode, dir);
      let recovered = 0;
      return {
        op() {
          db.close();
          db = engine.open(mode, dir);
          // The newest version after replay must be the last commit written.
          if (db.stats().version === COMMITS) recovered++;
        },
        verify: (calls) =>
          allOf(
            expectEqual('reopens that recovered all commits', recovered, calls),
            expectEqual('recovered version', db.stats().version, COMMITS),
          ),
        teardown: () => db.close(),
        // A reopen allocates the whole store; per-op bytes would only restate the data size.
        measureHeap: false,
      };
    },
  },
  {
    kind: 'op',
    name: 'wal/recovery/1m_overwrites',
    layer: 'other',
    writes: true,
    modes: WAL_MODES,
    labels: {
      commits: OVERWRITES,
      keys: HOT_KEYS,
      timed: 'close + reopen (checkpoint load + WAL replay)',
    },
    guarantee: 'recovery after a long history restores the newest value of every key',
    catches: 'reopen time growing with history instead of live data (no or broken checkpoints)',
    setup({ engine, mode, tmpDir }) {
      // Without checkpoints each reopen replays all 1M commits (~4 s here), and without a
      // buffered mode writing them costs ~1M fsyncs: neither can be sampled in a job's time.
      if (!engine.capabilities.checkpoint || !engine.capabilities.modes.buffered.supported) {
        throw new UnsupportedError(
          'this engine has no db.checkpoint() (or no buffered mode to write the history with): a reopen would replay all 1M commits',
        );
      }
      const dir = path.join(tmpDir, 'wal');
      const writeMode = 'buffered';
      const keys = Array.from({ length: HOT_KEYS }, (_, k) => `key:${k}`);
      const runId = engine.newRunId();
      const writer = engine.open(writeMode, dir);
      let key = '';
      let value = 0;
      const body = (txn: EngineTxn): void => txn.put(key, value);
      for (let i = 0; i < OVERWRITES; i++) {
        key = keys[i % HOT_KEYS] as string;
        value = i;
        if (writer.put !== undefined) writer.put(runId, key, value);
        else writer.transaction(runId, body);
      }
      writer.close();
      // Key k was last written by commit OVERWRITES - HOT_KEYS + k.
      const finalValuesOk = (db: EngineDb): boolean =>
        keys.every((k, i) => db.get(runId, k) === OVERWRITES - HOT_KEYS + i);
      let db: EngineDb = engine.open(mode, dir);
      let recovered = 0;
      return {
        op() {
          db.close();
          db = engine.open(mode, dir);
          if (db.stats().version === OVERWRITES && finalValuesOk(db)) recovered++;
        },
        verify: (calls) =>
          allOf(
            expectEqual('reopens that recovered the final values', recovered, calls),
            expectEqual('recovered version', db.stats().version, OVERWRITES),
          ),
        teardown: () => db.close(),
        measureHeap: false,
      };
    },
  },
];
