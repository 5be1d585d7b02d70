/**
 * scaling/disjoint_runs/N: N worker threads, each with its own run and its own Database
 * instance under one root directory (the engine is single-threaded per instance, like an
 * SQLite connection). Aggregate ops/s against 1 worker shows whether something shared (disk,
 * fsync, memory bandwidth, the allocator) stops scaling. The machine's availableParallelism is
 * recorded with the result: 4 workers on 2 cores can't scale 4x, and later red-flag logic must
 * say "not applicable" rather than fail.
 */
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UnsupportedError } from '../support/errors.ts';
import { BUNDLE_DIR_ENV, HARNESS_DIR } from '../support/paths.ts';
import type { DisjointRunWorkerData, FromWorker, ToWorker } from './workers/disjoint-run-worker.ts';
import type { CustomMeasurement, Scenario, ScenarioContext } from '../catalogue/scenario.ts';

const KEYSPACE = 1_000;
const BOOT = path.join(HARNESS_DIR, 'scenarios', 'workers', 'boot.mjs');
const ENTRY = pathToFileURL(
  path.join(HARNESS_DIR, 'scenarios', 'workers', 'disjoint-run-worker.ts'),
).href;

/**
 * The worker's script: in a child process, the run's bundle of it (bundle.ts names the folder
 * in INMEM_PERF_BUNDLE_DIR), started by plain node; elsewhere (tests under tsx) the
 * TypeScript entry behind boot.mjs, which registers tsx in the worker.
 */
function workerScript(): string {
  const dir = process.env[BUNDLE_DIR_ENV];
  return dir === undefined ? BOOT : path.join(dir, 'disjoint-run-worker.mjs');
}

/** A worker with a queue of its messages, so the parent can await the next one. */
class WorkerHandle {
  readonly worker: Worker;
  private readonly queue: FromWorker[] = [];
  private waiting: ((m: FromWorker) => void) | undefined;
  private failure: Error | undefined;
  private failed: ((e: Error) => void) | undefined;

  constructor(data: DisjointRunWorkerData) {
    this.worker = new Worker(workerScript(), { workerData: data });
    this.worker.on('message', (m: FromWorker) => {
      const w = this.waiting;
      if (w === undefined) this.queue.push(m);
      else {
        this.waiting = undefined;
        w(m);
      }
    });
    const onError = (err: Error): void => {
      this.failure = err;
      this.failed?.(err);
    };
    this.worker.on('error', onError);
    this.worker.on('exit', (code) => {
      if (code !== 0) onError(new Error(`worker ${data.worker} exited with code ${code}`));
    });
  }

  next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const accept = (m: FromWorker): void => {
        if (m.type === type) resolve(m as Extract<FromWorker, { type: T }>);
        else reject(new Error(`expected a ${type} message from a worker, got ${m.type}`));
      };
      if (this.failure !== undefined) return reject(this.failure);
      this.failed = reject;
      const queued = this.queue.shift();
      if (queued !== undefined) accept(queued);
      else this.waiting = accept;
    });
  }

  send(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }
}

async function runWorkers(ctx: ScenarioContext, workers: number): Promise<CustomMeasurement> {
  // Fail fast (as `unsupported`) here rather than inside N workers.
  ctx.engine.require('KVStore');
  const support = ctx.engine.capabilities.modes[ctx.mode];
  if (!support.supported) throw new UnsupportedError(`${ctx.mode}: ${support.reason}`);
  const control = new SharedArrayBuffer(4);
  const counter = new Int32Array(control);
  const handles = Array.from(
    { length: workers },
    (_, w) =>
      new WorkerHandle({
        entry: ENTRY,
        engineDir: ctx.engine.dir,
        engineModule: ctx.engine.module,
        mode: ctx.mode,
        dir: path.join(ctx.tmpDir, `worker-${w}`),
        worker: w,
        keyspace: KEYSPACE,
        control,
      }),
  );
  try {
    await Promise.all(handles.map((h) => h.next('ready')));
    const { warmupMs, rounds, roundMs } = ctx.profile.scaling;
    const round = async (
      index: number,
      ms: number,
    ): Promise<Array<{ ops: number; ns: number }>> => {
      for (const h of handles) h.send({ type: 'round', index, ms });
      await Promise.all(handles.map((h) => h.next('armed')));
      // Release every worker at once.
      Atomics.store(counter, 0, index + 1);
      Atomics.notify(counter, 0);
      return Promise.all(handles.map((h) => h.next('round')));
    };
    await round(0, warmupMs);
    const roundNs: number[] = [];
    const perWorkerOps = new Array<number>(workers).fill(0);
    const perWorkerNs = new Array<number>(workers).fill(0);
    for (let r = 1; r <= rounds; r++) {
      const results = await round(r, roundMs);
      // Each worker's own rate, summed: overlapping rounds, so this is the aggregate rate.
      let opsPerNs = 0;
      results.forEach((res, w) => {
        opsPerNs += res.ops / res.ns;
        perWorkerOps[w] = (perWorkerOps[w] ?? 0) + res.ops;
        perWorkerNs[w] = (perWorkerNs[w] ?? 0) + res.ns;
      });
      roundNs.push(1 / opsPerNs);
    }
    for (const h of handles) h.send({ type: 'finish' });
    const done = await Promise.all(handles.map((h) => h.next('done')));
    const opCount = done.reduce((sum, d) => sum + d.ops, 0);
    const bad = done.findIndex((d) => d.commits !== d.ops);
    return {
      roundNs,
      opCount,
      verification:
        bad === -1
          ? { ok: true }
          : {
              ok: false,
              reason: `worker ${bad}: ${done[bad]?.ops} puts but ${done[bad]?.commits} engine commits`,
            },
      perWorker: perWorkerOps.map((ops, w) => ({
        worker: w,
        ops,
        hz: (ops / (perWorkerNs[w] ?? 1)) * 1e9,
      })),
      labels: { availableParallelism: os.availableParallelism() },
    };
  } finally {
    await Promise.all(handles.map((h) => h.worker.terminate()));
  }
}

function disjointRuns(workers: number): Scenario {
  return {
    kind: 'custom',
    name: `scaling/disjoint_runs/${workers}`,
    layer: 'other',
    writes: true,
    labels: { workers, access: 'uniform', keys: KEYSPACE, op: 'KVStore.put' },
    guarantee: 'runs are independent: disjoint runs in separate instances share no locks',
    catches: 'a shared bottleneck (disk, fsync, memory) that stops throughput scaling with workers',
    run: (ctx) => runWorkers(ctx, workers),
  };
}

export const scenarios: Scenario[] = [disjointRuns(1), disjointRuns(2), disjointRuns(4)];
