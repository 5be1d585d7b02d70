/**
 * The worker of scaling/disjoint_runs, driven directly through its protocol (boot.mjs
 * registers tsx in the worker, as under the tests' loader): ready, then rounds that start
 * only when the parent releases them, then its proof. scaling.test.ts runs it through the
 * scenario, from its bundle.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  DisjointRunWorkerData,
  FromWorker,
  ToWorker,
} from '../../../../harness/scenarios/workers/disjoint-run-worker.ts';
import { engineEntry, loadEngine } from '../../../../harness/engine-api/adapter.ts';
import { DEFAULT_ENGINE_DIR, HARNESS_DIR } from '../../../../harness/support/paths.ts';
import { FAKE_ENGINE_DIR, tempDir } from '../../helpers.ts';

const WORKERS = path.join(HARNESS_DIR, 'scenarios', 'workers');
const BOOT = path.join(WORKERS, 'boot.mjs');
const ENTRY = pathToFileURL(path.join(WORKERS, 'disjoint-run-worker.ts')).href;

const started: Worker[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.terminate()));
});

/** A worker with its messages queued, its error and its exit code kept. */
function start(over: Partial<DisjointRunWorkerData> = {}) {
  const control = new SharedArrayBuffer(4);
  const dir = tempDir('disjoint-worker-');
  const engineDir = over.engineDir ?? DEFAULT_ENGINE_DIR;
  const data: DisjointRunWorkerData = {
    entry: ENTRY,
    engineDir,
    engineModule: pathToFileURL(engineEntry(engineDir)).href,
    mode: 'strict',
    dir,
    worker: 0,
    keyspace: 10,
    control,
    ...over,
  };
  const worker = new Worker(BOOT, { workerData: data });
  started.push(worker);
  const queue: FromWorker[] = [];
  let wake: (() => void) | null = null;
  worker.on('message', (m: FromWorker) => {
    queue.push(m);
    wake?.();
  });
  const exited = new Promise<number>((resolve) => worker.on('exit', resolve));
  const failed = new Promise<Error>((resolve) => worker.on('error', resolve));
  return {
    data,
    queue,
    exited,
    failed,
    send: (m: ToWorker) => worker.postMessage(m),
    async next(): Promise<FromWorker> {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      return queue.shift() as FromWorker;
    },
    release(index: number): void {
      const counter = new Int32Array(control);
      Atomics.store(counter, 0, index + 1);
      Atomics.notify(counter, 0);
    },
  };
}

describe('disjoint-run worker', () => {
  it('runs each round only once released, then proves every put committed', async () => {
    const w = start();
    expect(await w.next()).toEqual({ type: 'ready' });
    let total = 0;
    for (const index of [0, 1]) {
      w.send({ type: 'round', index, ms: 1 });
      expect(await w.next()).toEqual({ type: 'armed', index });
      // Held at the barrier: nothing more comes until the parent releases the round.
      await new Promise((r) => setTimeout(r, 100));
      expect(w.queue).toEqual([]);
      w.release(index);
      const round = await w.next();
      if (round.type !== 'round') throw new Error(`expected a round, got ${round.type}`);
      expect(round.index).toBe(index);
      expect(round.ops % 8).toBe(0);
      expect(round.ops).toBeGreaterThanOrEqual(8);
      expect(round.ns).toBeGreaterThanOrEqual(1e6); // it puts for at least the round's ms
      total += round.ops;
    }
    w.send({ type: 'finish' });
    expect(await w.next()).toEqual({ type: 'done', ops: total, commits: total });
    expect(await w.exited).toBe(0);
    // Its database was closed and holds every put: one commit version each.
    const engine = await loadEngine(DEFAULT_ENGINE_DIR);
    const db = engine.open('strict', w.data.dir);
    try {
      expect(db.stats().version).toBe(total);
    } finally {
      db.close();
    }
  });

  it('in inMemory it writes nothing to its directory', async () => {
    const w = start({ mode: 'inMemory' });
    expect(await w.next()).toEqual({ type: 'ready' });
    w.send({ type: 'round', index: 0, ms: 1 });
    await w.next();
    w.release(0);
    const round = await w.next();
    w.send({ type: 'finish' });
    const done = await w.next();
    expect(done).toEqual({
      type: 'done',
      ops: round.type === 'round' ? round.ops : -1,
      commits: round.type === 'round' ? round.ops : -1,
    });
    expect(fs.readdirSync(w.data.dir)).toEqual([]);
  });

  it('an engine without KVStore: the worker fails with the reason, never ready', async () => {
    const w = start({ engineDir: FAKE_ENGINE_DIR });
    const err = await w.failed;
    expect(err.message).toBe('this engine does not export KVStore');
    expect(await w.exited).toBe(1);
    expect(w.queue).toEqual([]);
  });
});
