/**
 * One worker of scaling/disjoint_runs: its own Database instance (own directory under the
 * scenario's root), its own run, KVStore.put over its own keys. The parent starts every timed
 * round on all workers at once through a shared counter (Atomics), so rounds overlap.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngineModule } from '../../engine-api/adapter.ts';
import type { ModeName } from '../../engine-api/modes.ts';
import { Prng, SEED } from '../../support/prng.ts';
import { KEY_MASK, keySequence } from '../../catalogue/scenario.ts';

export interface DisjointRunWorkerData {
  entry: string;
  engineDir: string;
  /** The URL the parent's engine was loaded from (a bundle in a child process). */
  engineModule: string;
  mode: ModeName;
  dir: string;
  worker: number;
  keyspace: number;
  /** Int32Array view: [0] = number of rounds released so far. */
  control: SharedArrayBuffer;
}

export type ToWorker = { type: 'round'; index: number; ms: number } | { type: 'finish' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'armed'; index: number }
  | { type: 'round'; index: number; ops: number; ns: number }
  | { type: 'done'; ops: number; commits: number };

const data = workerData as DisjointRunWorkerData;
const port = parentPort;
if (port === null) throw new Error('disjoint-run-worker must run in a worker thread');

const control = new Int32Array(data.control);
const engine = await loadEngineModule(data.engineDir, data.engineModule);
const KVStore = engine.require('KVStore');
const db = engine.open(data.mode, data.dir);
const kv = new KVStore(db);
const runId = engine.newRunId();
// A distinct stream per worker: different keys, same seed.
const keys = keySequence(new Prng(SEED, data.worker + 1), 'key:', data.keyspace);
const commitsBefore = db.stats().commits;
let i = 0;
let totalOps = 0;

/** Puts for `ms` milliseconds, checking the clock every 8 ops (33 ns each). */
function runFor(ms: number): { ops: number; ns: number } {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  let ops = 0;
  do {
    for (let k = 0; k < 8; k++) {
      kv.put(runId, keys[i & KEY_MASK] as string, i);
      i++;
    }
    ops += 8;
    now = process.hrtime.bigint();
  } while (now < end);
  totalOps += ops;
  return { ops, ns: Number(now - start) };
}

function send(msg: FromWorker): void {
  port?.postMessage(msg);
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'round') {
    send({ type: 'armed', index: msg.index });
    // Block until the parent releases round `index` (the counter moves past it).
    Atomics.wait(control, 0, msg.index);
    send({ type: 'round', index: msg.index, ...runFor(msg.ms) });
  } else {
    const commits = db.stats().commits - commitsBefore;
    db.close();
    send({ type: 'done', ops: totalOps, commits });
    port.close();
  }
});
send({ type: 'ready' });
