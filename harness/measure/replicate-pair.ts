/**
 * One comparison replicate: a fresh worker per side (replicate-worker.ts), in one of two ways.
 *   - `runReplicate`: both workers alive at once, their warm-up slices and timing windows
 *     alternated A B B A ... from here, so whatever the machine (the disk) does at a moment
 *     lands on both sides' windows of that moment.
 *   - `runReplicateSequential`: one side after the other, each alone in the process.
 * runner.ts `interleaves` picks one per job. Which side goes first is the caller's choice
 * (child-task.ts balances it within a batch): the side that timed first was often slower, by
 * up to 2x on core/map_get with both alive, so an unbalanced batch would be biased. A side's
 * figure is its median window (ns/op).
 */
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../support/errors.ts';
import { middle, type SideSpec } from './replicate.ts';
import type { SideCommand, SideReply, SideWorkerData } from './replicate-worker.ts';

export interface ReplicatePlan {
  /**
   * Untimed warm-up per side, in slices (alternated when both sides are alive): at least this
   * long, then on until each side's speed has settled (replicate.ts `isSteady`), or until
   * `maxWarmupMs`, whichever comes first.
   */
  warmupMs: number;
  maxWarmupMs: number;
  /** Target length of one timed window. */
  windowMs: number;
  /** Timed windows per side. */
  windows: number;
}

export type ReplicateOutcome =
  | {
      ok: true;
      baseline: number;
      candidate: number;
      first: 'baseline' | 'candidate';
      /** Calls each side's op-count proof verified. */
      baselineOps: number;
      candidateOps: number;
    }
  | { ok: false; reason: string; unsupported: boolean };

/** A side's worker and its replies, one command at a time. */
class SideWorker {
  private readonly worker: Worker;
  private pending: ((r: SideReply) => void) | null = null;
  private dead: SideReply | null = null;
  readonly ready: Promise<SideReply>;

  constructor(entry: string, data: SideWorkerData) {
    this.worker = new Worker(entry, { workerData: data });
    this.ready = this.next();
    this.worker.on('message', (r: SideReply) => this.settle(r));
    this.worker.on('error', (err) =>
      this.die({ ok: false, reason: errorMessage(err), unsupported: false }),
    );
    this.worker.on('exit', (code) =>
      this.die({
        ok: false,
        reason: `the side's worker exited with code ${code}`,
        unsupported: false,
      }),
    );
  }

  private next(): Promise<SideReply> {
    if (this.dead !== null) return Promise.resolve(this.dead);
    return new Promise((resolve) => {
      this.pending = resolve;
    });
  }

  private settle(r: SideReply): void {
    const p = this.pending;
    this.pending = null;
    p?.(r);
  }

  private die(r: SideReply): void {
    if (this.dead === null) this.dead = r;
    this.settle(r);
  }

  send(c: SideCommand): Promise<SideReply> {
    const reply = this.next();
    if (this.dead === null) this.worker.postMessage(c);
    return reply;
  }

  async close(): Promise<void> {
    this.dead ??= { ok: false, reason: 'closed', unsupported: false };
    await this.worker.terminate();
  }
}

class ReplicateFailure extends Error {
  constructor(readonly reply: SideReply & { ok: false }) {
    super(reply.reason);
  }
}

async function value(p: Promise<SideReply>, side: string): Promise<number> {
  const r = await p;
  if (!r.ok) throw new ReplicateFailure({ ...r, reason: `${side}: ${r.reason}` });
  return r.value;
}

/**
 * Timed windows per side: the plan's count, but no more than fit in three times the timed
 * time the plan intends (windows × windowMs), and at least 3 for a median.
 */
export function windowCount(plan: ReplicatePlan, windowMs: number): number {
  const fit = Math.floor((3 * plan.windows * plan.windowMs) / Math.max(windowMs, 1e-6));
  return Math.max(3, Math.min(plan.windows, fit));
}

/**
 * Warms sides up in slices of a quarter of `plan.warmupMs`, in turn: for at least `minMs`,
 * then until every side's last slice says its speed has settled (1), or until
 * `plan.maxWarmupMs`. A side's `warm` runs one slice and returns its worker's answer.
 */
async function warmUp(
  plan: ReplicatePlan,
  minMs: number,
  sides: ReadonlyArray<(ms: number) => Promise<number>>,
): Promise<void> {
  const slice = plan.warmupMs / 4;
  for (let ms = 0; ms < plan.maxWarmupMs; ms += slice) {
    let steady = true;
    for (const warm of sides) steady = (await warm(slice)) === 1 && steady;
    if (steady && ms + slice >= minMs) return;
  }
}

/** Either way of running a replicate of [baseline, candidate]; never throws. */
export type ReplicateRunner = (
  entry: string,
  sideModule: string,
  specs: [SideSpec, SideSpec],
  plan: ReplicatePlan,
  first: 'baseline' | 'candidate',
) => Promise<ReplicateOutcome>;

const names = ['baseline', 'candidate'] as const;

/** Side indexes in the order they go: baseline is 0, candidate 1. */
function sideOrder(first: 'baseline' | 'candidate'): [0 | 1, 0 | 1] {
  return first === 'baseline' ? [0, 1] : [1, 0];
}

/** Both sides alive at once, their windows alternated. */
export const runReplicate: ReplicateRunner = async (entry, sideModule, specs, plan, first) => {
  const order = sideOrder(first);
  // Both set up at once (setup is not timed), each in its own isolate.
  const w = specs.map((spec) => new SideWorker(entry, { side: sideModule, spec })) as [
    SideWorker,
    SideWorker,
  ];
  try {
    const ready = await Promise.all(w.map((x) => x.ready));
    for (const k of order) {
      const r = ready[k] as SideReply;
      if (!r.ok) throw new ReplicateFailure({ ...r, reason: `${names[k]}: ${r.reason}` });
    }
    // Both sides run the same scenario code, so they must be of one kind; a mismatch is a
    // broken side, not something to time.
    const kinds = ready.map((r) => (r as SideReply & { ok: true }).kind);
    if (kinds[0] !== kinds[1]) {
      throw new ReplicateFailure({
        ok: false,
        unsupported: false,
        reason: `the sides are of different kinds (baseline ${kinds[0]}, candidate ${kinds[1]})`,
      });
    }
    const custom = kinds[0] === 'custom';
    const ns: [number, number] = [0, 0];
    const ask = (k: 0 | 1, c: SideCommand) => value(w[k].send(c), names[k]);
    if (custom) {
      for (const k of order) ns[k] = await ask(k, { cmd: 'custom' });
    } else {
      const warm = order.map((k) => (ms: number) => ask(k, { cmd: 'warm', ms }));
      await warmUp(plan, plan.warmupMs, warm);
      for (const k of order) await ask(k, { cmd: 'inject' });
      await warmUp(plan, 0, warm);
      const ops: [number, number] = [0, 0];
      for (const k of order) ops[k] = await ask(k, { cmd: 'opsFor', ms: plan.windowMs });
      const times: [number[], number[]] = [[], []];
      // The first pair of windows also tells how long a window of this op really lasts: an op
      // slower than a window (wal/recovery: 76 ms) gets fewer windows, not a longer replicate.
      for (const k of order) times[k].push(await ask(k, { cmd: 'time', ops: ops[k] }));
      const windowNs = Math.max(...order.map((k) => (times[k][0] as number) * ops[k]));
      const windows = windowCount(plan, windowNs / 1e6);
      for (let i = 1; i < windows; i++) {
        const pair = i % 2 === 0 ? order : ([order[1], order[0]] as const);
        for (const k of pair) times[k].push(await ask(k, { cmd: 'time', ops: ops[k] }));
      }
      ns[0] = middle(times[0]);
      ns[1] = middle(times[1]);
    }
    const calls: [number, number] = [0, 0];
    for (const k of order) calls[k] = await ask(k, { cmd: 'finish' });
    return {
      ok: true,
      baseline: ns[0],
      candidate: ns[1],
      first: names[order[0]],
      baselineOps: calls[0],
      candidateOps: calls[1],
    };
  } catch (err) {
    if (err instanceof ReplicateFailure) return err.reply;
    return { ok: false, reason: errorMessage(err), unsupported: false };
  } finally {
    await Promise.all(w.map((x) => x.close()));
  }
};

/** One side alone in its worker: set up, warm up, time; then the worker is gone. */
async function runSideAlone(
  entry: string,
  sideModule: string,
  spec: SideSpec,
  plan: ReplicatePlan,
  name: string,
): Promise<{ ns: number; calls: number }> {
  const w = new SideWorker(entry, { side: sideModule, spec });
  try {
    const ready = await w.ready;
    if (!ready.ok) throw new ReplicateFailure({ ...ready, reason: `${name}: ${ready.reason}` });
    const ask = (c: SideCommand) => value(w.send(c), name);
    let ns: number;
    if (ready.kind === 'custom') ns = await ask({ cmd: 'custom' });
    else {
      const warm = [(ms: number) => ask({ cmd: 'warm', ms })];
      await warmUp(plan, plan.warmupMs, warm);
      await ask({ cmd: 'inject' });
      await warmUp(plan, 0, warm);
      const ops = await ask({ cmd: 'opsFor', ms: plan.windowMs });
      const times = [await ask({ cmd: 'time', ops })];
      const windows = windowCount(plan, ((times[0] as number) * ops) / 1e6);
      for (let i = 1; i < windows; i++) times.push(await ask({ cmd: 'time', ops }));
      ns = middle(times);
    }
    return { ns, calls: await ask({ cmd: 'finish' }) };
  } finally {
    await w.close();
  }
}

/** One side after the other, each alone in the process. */
export const runReplicateSequential: ReplicateRunner = async (
  entry,
  sideModule,
  specs,
  plan,
  first,
) => {
  const order = sideOrder(first);
  try {
    const out: Array<{ ns: number; calls: number }> = [];
    for (const k of order) out[k] = await runSideAlone(entry, sideModule, specs[k], plan, names[k]);
    const [b, c] = out as [{ ns: number; calls: number }, { ns: number; calls: number }];
    return {
      ok: true,
      baseline: b.ns,
      candidate: c.ns,
      first,
      baselineOps: b.calls,
      candidateOps: c.calls,
    };
  } catch (err) {
    if (err instanceof ReplicateFailure) return err.reply;
    return { ok: false, reason: errorMessage(err), unsupported: false };
  }
};
