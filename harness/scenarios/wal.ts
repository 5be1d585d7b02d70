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
import type { EngineDb, EngineTxn, LoadedEngine } from '../engine-api/adapter.ts';
import { WAL_MODES, type ModeName } from '../engine-api/modes.ts';
import { UnsupportedError } from '../support/errors.ts';
import {
  KEY_MASK,
  allOf,
  expectEqual,
  keySequence,
  type OpInstance,
  type Scenario,
} from '../catalogue/scenario.ts';

const COMMITS = 50_000;
const KEYSPACE = 1_000;
const OVERWRITES = 1_000_000;
const HOT_KEYS = 10;

/** What a recovery scenario writes in setup, and what a reopen must have recovered. */
interface History {
  commits: number;
  /** The key commit i writes (its value is i). */
  keyOf(i: number): string;
  /** Whether a reopened database holds what the history left, beyond its version. */
  recovered(db: EngineDb, runId: string): boolean;
  /** The proof's name for the count of reopens that recovered it. */
  proof: string;
}

/**
 * Writes `history` into `dir` as one-key commits (db.put where the engine has it, else a
 * transaction), then times close + reopen in `mode`; each reopen is checked.
 */
function reopenAfter(
  engine: LoadedEngine,
  mode: ModeName,
  dir: string,
  history: History,
): OpInstance {
  const writeMode = engine.capabilities.modes.buffered.supported ? 'buffered' : mode;
  const runId = engine.newRunId();
  const writer = engine.open(writeMode, dir);
  let key = '';
  let value = 0;
  const body = (txn: EngineTxn): void => txn.put(key, value);
  for (let i = 0; i < history.commits; i++) {
    key = history.keyOf(i);
    value = i;
    if (writer.put !== undefined) writer.put(runId, key, value);
    else writer.transaction(runId, body);
  }
  writer.close();
  let db: EngineDb = engine.open(mode, dir);
  let recovered = 0;
  return {
    op() {
      db.close();
      db = engine.open(mode, dir);
      // The newest version after replay must be the last commit written.
      if (db.stats().version === history.commits && history.recovered(db, runId)) recovered++;
    },
    verify: (calls) =>
      allOf(
        expectEqual(history.proof, recovered, calls),
        expectEqual('recovered version', db.stats().version, history.commits),
      ),
    teardown: () => db.close(),
    // A reopen allocates the whole store; per-op bytes would only restate the data size.
    measureHeap: false,
  };
}

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
      const keys = keySequence(rng, 'key:', KEYSPACE);
      return reopenAfter(engine, mode, path.join(tmpDir, 'wal'), {
        commits: COMMITS,
        keyOf: (i) => keys[i & KEY_MASK] as string,
        recovered: () => true,
        proof: 'reopens that recovered all commits',
      });
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
      const keys = Array.from({ length: HOT_KEYS }, (_, k) => `key:${k}`);
      return reopenAfter(engine, mode, path.join(tmpDir, 'wal'), {
        commits: OVERWRITES,
        keyOf: (i) => keys[i % HOT_KEYS] as string,
        // Key k was last written by commit OVERWRITES - HOT_KEYS + k.
        recovered: (db, runId) =>
          keys.every((k, i) => db.get(runId, k) === OVERWRITES - HOT_KEYS + i),
        proof: 'reopens that recovered the final values',
      });
    },
  },
];
