/**
 * What a child process runs (child.ts hands it the task): either one job's full measurement
 * in this thread (measure.ts), or a batch of comparison replicates (replicate-pair.ts), one
 * after the other.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runJob, type ChildJob } from './job.ts';
import type { Measurement } from '../results/results-file.ts';
import type { SideSpec } from './replicate.ts';
import { runReplicate, runReplicateSequential, type ReplicatePlan } from './replicate-pair.ts';
import type { Scenario } from '../catalogue/scenario.ts';

export interface ReplicatesTask {
  kind: 'replicates';
  /** [baseline, candidate]; each replicate gets its own subfolders of their tmpDir. */
  sides: [SideSpec, SideSpec];
  /** Replicates to run. */
  pairs: number;
  plan: ReplicatePlan;
  /** Path of the replicate worker's bundle. */
  replicateEntry: string;
  /** URL of the replicate side's bundle. */
  sideModule: string;
  /**
   * Both sides alive at once with their windows alternated (replicate-pair.ts `runReplicate`),
   * or one side after the other, each alone (`runReplicateSequential`): runner.ts `interleaves`.
   */
  interleave: boolean;
}

export type ChildTask = { kind: 'measure'; job: ChildJob } | ReplicatesTask;

export interface ReplicatePair {
  baseline: number;
  candidate: number;
  first: 'baseline' | 'candidate';
  baselineOps: number;
  candidateOps: number;
}

export interface ReplicatesResult {
  status: 'ok' | 'failed' | 'unsupported';
  reason: string | null;
  /** The replicates that completed (all of them when ok). */
  pairs: ReplicatePair[];
}

/**
 * Which side times first in each of `n` replicates: alternating from a random start, so a
 * batch of an even size is exactly balanced and the order effect (replicate-pair.ts) cancels
 * in its mean instead of leaning one way by chance.
 */
export function balancedOrders(
  n: number,
  random: () => number = Math.random,
): Array<'baseline' | 'candidate'> {
  const start = random() < 0.5 ? 0 : 1;
  return Array.from({ length: n }, (_, i) => ((start + i) % 2 === 0 ? 'baseline' : 'candidate'));
}

async function runReplicates(task: ReplicatesTask): Promise<ReplicatesResult> {
  const pairs: ReplicatePair[] = [];
  const orders = balancedOrders(task.pairs);
  for (let i = 0; i < task.pairs; i++) {
    const sides = task.sides.map((s, k) => ({
      ...s,
      tmpDir: path.join(s.tmpDir, `r${i}-s${k}`),
    })) as [SideSpec, SideSpec];
    for (const s of sides) fs.mkdirSync(s.tmpDir, { recursive: true });
    try {
      const m = await (task.interleave ? runReplicate : runReplicateSequential)(
        task.replicateEntry,
        task.sideModule,
        sides,
        task.plan,
        orders[i] as 'baseline' | 'candidate',
      );
      if (!m.ok) {
        return { status: m.unsupported ? 'unsupported' : 'failed', reason: m.reason, pairs };
      }
      const { ok: _ok, ...pair } = m;
      pairs.push(pair);
    } finally {
      for (const s of sides) fs.rmSync(s.tmpDir, { recursive: true, force: true });
    }
  }
  return { status: 'ok', reason: null, pairs };
}

/** Runs a child's task; `catalogue` is the bundle's scenarios. */
export function runChildTask(
  task: ChildTask,
  catalogue: readonly Scenario[],
): Promise<Measurement | ReplicatesResult> {
  return task.kind === 'measure' ? runJob(task.job, catalogue) : runReplicates(task);
}
