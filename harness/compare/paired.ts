/**
 * Baseline vs candidate, side by side in one run. Both engines are measured with the current
 * scenarios, in replicates (replicate-pair.ts): a fresh worker thread per side in one child
 * pinned to one core, so one replicate is a paired sample of the two engines in fresh JIT
 * states (durable modes alternate the sides' timing windows, the others run each side alone:
 * runner.ts `interleaves`). One child process per job and round runs a
 * batch of replicates (`profile.replicate.pairsPerRound`); the sequential controller
 * (sampling.ts) keeps adding rounds to the jobs still unresolved, in a fresh random job order
 * each round, until every job is resolved or the budget runs out; stats/comparison.ts turns the
 * per-replicate ratios into a ratio with its CI, a p-value and a class.
 *
 * The candidate's full measurement (benchmark.js, latency, heap bytes/op: what the red flags
 * judge) runs once per job, outside the rounds, one pinned child per lane (`measureCandidate`),
 * and becomes its results file. The baseline's
 * file holds its replicate figures.
 *
 * One piece: the replicate comparison and the stored-baseline comparison plan the same jobs, run the same controller and build the same outcome; only the measuring differs.
 */
import { describeMachine, machineMismatches } from '../results/machine.ts';
import { compareOneSided } from '../stats/comparison.ts';
import { samplingPlan, thresholdFor, type PerfConfig } from '../config/perf-config.ts';
import { measuringLanes } from '../run/affinity.ts';
import { loadEngine, type LoadedEngine } from '../engine-api/adapter.ts';
import { environment } from '../run/environment.ts';
import { resultsFileFor } from '../run/results-file-for.ts';
import { UsageError } from '../support/errors.ts';
import type { ModeName } from '../engine-api/modes.ts';
import type { Profile } from '../config/profiles.ts';
import { loadCatalogue, planJobs, type Job, type ShardSpec } from '../catalogue/registry.ts';
import {
  newRunId,
  runJobInChild,
  runReplicatesInChild,
  toResult,
  type ChildOptions,
} from '../run/runner.ts';
import type {
  JobComparison,
  Measurement,
  ResultsFile,
  ScenarioResult,
} from '../results/results-file.ts';
import {
  runSequential,
  type CandidateSample,
  type PairSample,
  type SequentialPlan,
  type SequentialResult,
} from './sampling.ts';
import { summarize } from '../stats/sample.ts';
import { median } from 'simple-statistics';
import { plural } from '../support/format.ts';

export interface SideInfo {
  /** How the user named it: a baseline name, a ref, "working tree", a results file. */
  label: string;
  commit: string | null;
  /** Where it came from: 'tag', 'refs.json', 'trailer', 'ref', 'working-tree', 'stored'. */
  source: string;
}

export interface EngineSide extends SideInfo {
  engineDir: string;
}

export interface StoredSide extends SideInfo {
  file: string;
  results: ResultsFile;
}

export interface ComparisonOptions {
  baseline: EngineSide | StoredSide;
  candidate: EngineSide;
  profile: Profile;
  scenariosDir: string;
  filters: readonly string[];
  modes: readonly ModeName[];
  /** Only this shard of the planned jobs (`--shard i/n`), paired on this machine as usual. */
  shard?: ShardSpec;
  config: PerfConfig;
  command: string;
  log: (line: string) => void;
  /**
   * Stop sampling a job once a regression is ruled out (sampling.ts, `regressionsOnly`): the
   * gate's question. Default false: resolve every job's class.
   */
  regressionsOnly?: boolean;
  /**
   * A synthetic slowdown of the candidate's op per job id, as a fraction of its median (the
   * `calibrate` command's injected regression); none by default.
   */
  slowdown?: (jobId: string) => number;
}

export interface ComparisonOutcome {
  runId: string;
  candidate: ResultsFile;
  /** The baseline's round-1 measurements (for a stored baseline, the stored file). */
  baseline: ResultsFile;
  jobs: JobComparison[];
  /** Notes for the report: mode mapping, environment mismatch, ... */
  notes: string[];
  rounds: number;
  elapsedMs: number;
  sequential: SequentialResult<string> | null;
  /** Re-runs `ids` independently (fresh samples): the gate's confirmation pass. */
  rerun(ids: string[]): Promise<SequentialResult<string>>;
}

/** A lean profile for the stored-baseline rounds after the first: benchmark.js only. */
function leanProfile(p: Profile): Profile {
  return {
    ...p,
    latency: { ...p.latency, maxOps: 50, maxMs: 1, minOps: 10 },
    heap: { ...p.heap, windows: 0 },
  };
}

/**
 * The mode the baseline runs a job in. A baseline with one durability mode only (the M3 tag:
 * strict, every commit fsynced) is compared in that mode against each candidate mode.
 */
export function baselineModeFor(
  jobMode: ModeName | null,
  baseline: LoadedEngine,
): { mode: ModeName | null; note: string | null } {
  if (jobMode === null) return { mode: null, note: null };
  const modes = baseline.capabilities.modes;
  if (modes[jobMode].supported) return { mode: jobMode, note: null };
  const available = (Object.keys(modes) as ModeName[]).filter((m) => modes[m].supported);
  if (available.length === 1) {
    const only = available[0] as ModeName;
    return {
      mode: only,
      note: `the baseline has one durability mode only (${only}): compared with the candidate's ${jobMode}`,
    };
  }
  return { mode: jobMode, note: null };
}

function stat(m: Measurement, side: string): number {
  if (m.status !== 'ok') throw new Error(`${side} ${m.status}: ${m.reason ?? ''}`);
  const v = m.medianNs ?? m.meanNs;
  if (v === null || !(v > 0)) throw new Error(`${side} reported no ns/op figure`);
  return v;
}

/**
 * The candidate's full measurement of every job, in the jobs' order. Jobs timed over worker
 * threads of their own (custom scenarios: disjoint-run scaling, whose figure is how well they
 * use every core) run alone and unpinned, after the rest; the rest run one per lane, each lane
 * pinned to its own core, as the replicates do. What the red flags judge per job is a figure
 * of that job alone (its tail, its bytes/op, its ns/op) or a ratio whose margins are wide
 * (A1/A0 2.8x against 20x on this machine).
 */
async function measureCandidate(
  jobs: readonly Job[],
  childOpts: ChildOptions,
  engine: LoadedEngine,
): Promise<ScenarioResult[]> {
  const out = new Array<ScenarioResult>(jobs.length);
  const measure = async (index: number, cpuSlot?: number): Promise<void> => {
    const job = jobs[index] as Job;
    const t0 = performance.now();
    const m = await runJobInChild(job, { ...childOpts, cpuSlot }, engine);
    out[index] = toResult(job, m, performance.now() - t0);
  };
  const indexes = jobs.map((_, i) => i);
  const pinned = indexes.filter((i) => (jobs[i] as Job).scenario.kind !== 'custom');
  let next = 0;
  await Promise.all(
    Array.from({ length: measuringLanes() }, async (_, slot) => {
      while (next < pinned.length) await measure(pinned[next++] as number, slot);
    }),
  );
  for (const i of indexes) if ((jobs[i] as Job).scenario.kind === 'custom') await measure(i);
  return out;
}

export async function runComparison(opts: ComparisonOptions): Promise<ComparisonOutcome> {
  const started = performance.now();
  const runId = newRunId();
  const notes: string[] = [];
  const candidateEngine = await loadEngine(opts.candidate.engineDir);
  const catalogue = await loadCatalogue(opts.scenariosDir);
  const jobs = planJobs(catalogue, {
    filters: opts.filters,
    modes: opts.modes,
    shard: opts.shard,
  });
  if (jobs.length === 0) {
    throw new UsageError(
      `no scenario matches --filter ${opts.filters.join(', ')}${opts.shard === undefined ? '' : ` in shard ${opts.shard.index}/${opts.shard.count}`}`,
      'list the catalogue with `npm run harness -- list`',
    );
  }
  const childOpts = { profile: opts.profile, scenariosDir: opts.scenariosDir };
  const c = opts.config.compare;
  const compareOpts = (id: string) => ({
    threshold: thresholdFor(opts.config, id),
    alpha: c.alpha,
    confidence: c.confidence,
    trim: c.trim,
  });

  if ('results' in opts.baseline) {
    return compareWithStored(opts, opts.baseline, candidateEngine, jobs, runId, started, notes);
  }

  const baselineSide = opts.baseline;
  const baselineEngine = await loadEngine(baselineSide.engineDir);
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const baselineJob = new Map<string, Job>();
  const jobNotes = new Map<string, string | null>();
  for (const job of jobs) {
    const { mode, note } = baselineModeFor(job.mode, baselineEngine);
    baselineJob.set(job.id, { ...job, mode });
    jobNotes.set(job.id, note);
  }
  if ([...jobNotes.values()].some((n) => n !== null)) {
    const only = (Object.keys(baselineEngine.capabilities.modes) as ModeName[]).filter(
      (m) => baselineEngine.capabilities.modes[m].supported,
    );
    notes.push(
      `The baseline engine has one durability mode only (${only.join(', ')}); every candidate mode is compared with it.`,
    );
  }

  const plan = {
    ...samplingPlan(opts.config, opts.profile.name === 'full' ? 'full' : 'quick'),
    paired: true,
    shuffle: true,
    concurrency: measuringLanes(),
    regressionsOnly: opts.regressionsOnly ?? false,
    onRound: (info: {
      round: number;
      measured: string[];
      unresolved: string[];
      elapsedMs: number;
    }) =>
      opts.log(
        `round ${info.round}: measured ${plural(info.measured.length, 'job')}, ${info.unresolved.length} still unresolved (${(info.elapsedMs / 1000).toFixed(0)} s)`,
      ),
  };
  const replicate = opts.profile.replicate;
  /** Calls the baseline's op-count proofs verified, per job: its results file reports them. */
  const baselineOps = new Map<string, number>();
  const measureBatch = async (id: string, _round: number, slot: number): Promise<PairSample[]> => {
    const job = byId.get(id) as Job;
    const r = await runReplicatesInChild(
      {
        baseline: { job: baselineJob.get(id) as Job, engine: baselineEngine },
        candidate: { job, engine: candidateEngine, slowdown: opts.slowdown?.(id) ?? 0 },
      },
      replicate.pairsPerRound,
      replicate,
      { ...childOpts, cpuSlot: slot },
    );
    if (r.status !== 'ok') throw new Error(`${r.status}: ${r.reason ?? ''}`);
    for (const p of r.pairs) baselineOps.set(id, (baselineOps.get(id) ?? 0) + p.baselineOps);
    return r.pairs.map((p) => ({ baseline: p.baseline, candidate: p.candidate }));
  };

  const ids = jobs.map((j) => j.id);
  // Jobs the baseline can't run at all are compared one-sided; the rest go to the controller.
  const oneSided = new Map<string, string>();
  for (const job of jobs) {
    const bJob = baselineJob.get(job.id) as Job;
    if (bJob.mode !== null && !baselineEngine.capabilities.modes[bJob.mode].supported) {
      oneSided.set(job.id, `the baseline engine can't run ${bJob.mode}`);
    }
  }
  const sequential = await runSequential(
    ids.filter((id) => !oneSided.has(id)),
    measureBatch,
    plan,
  );
  const compareMs = performance.now() - started;

  // The candidate's full measurement, once per job, for its results file and the red flags.
  opts.log(
    `measuring the candidate once per job for the red flags (${plural(jobs.length, 'job')})`,
  );
  const full = await measureCandidate(jobs, childOpts, candidateEngine);
  const outcomes = new Map(sequential.jobs.map((o) => [o.job, o]));

  const jobComparisons: JobComparison[] = jobs.map((job) => {
    const o = outcomes.get(job.id);
    const bMode = (baselineJob.get(job.id) as Job).mode;
    if (o === undefined) {
      return {
        id: job.id,
        name: job.scenario.name,
        mode: job.mode,
        baselineMode: bMode,
        baselineSamples: [],
        candidateSamples: [],
        rounds: 0,
        stoppedBy: 'unsupported',
        comparison: compareOneSided(
          'candidate',
          [],
          compareOpts(job.id),
          oneSided.get(job.id) ?? '',
        ),
        note: oneSided.get(job.id) ?? null,
      };
    }
    return {
      id: job.id,
      name: job.scenario.name,
      mode: job.mode,
      baselineMode: bMode,
      baselineSamples: o.baseline,
      candidateSamples: o.candidate,
      rounds: o.rounds,
      stoppedBy: o.stoppedBy,
      comparison: o.comparison,
      note: jobNotes.get(job.id) ?? null,
    };
  });

  const wall = performance.now() - started;
  const candidate = await resultsFileFor(candidateEngine, opts, runId, full, wall);
  const baseline = await resultsFileFor(
    baselineEngine,
    opts,
    `${runId}-baseline`,
    jobs.flatMap((job) => {
      const o = outcomes.get(job.id);
      const bJob = baselineJob.get(job.id) as Job;
      return o === undefined || o.baseline.length === 0
        ? []
        : [toResult(bJob, replicateMeasurement(o.baseline, baselineOps.get(job.id) ?? 0), 0)];
    }),
    wall,
  );
  opts.log(
    `compared in ${(compareMs / 1000).toFixed(0)} s (${plural(sequential.pairs, 'batch', 'batches')}), measured the candidate in ${((wall - compareMs) / 1000).toFixed(0)} s`,
  );
  return {
    runId,
    candidate,
    baseline,
    jobs: jobComparisons,
    notes,
    rounds: sequential.rounds,
    elapsedMs: wall,
    sequential,
    rerun: (rerunIds) => runSequential(rerunIds, measureBatch, plan),
  };
}

/**
 * A side's figures as a measurement: the median of its replicates' ns/op, the replicates as
 * its samples. What the baseline's results file holds (it gets no full measurement).
 */
export function replicateMeasurement(ns: readonly number[], opCount: number): Measurement {
  const sorted = [...ns].sort((a, b) => a - b);
  const s = summarize(sorted);
  const medianNs = median(sorted);
  return {
    status: 'ok',
    reason: null,
    hz: 1e9 / medianNs,
    meanNs: s.mean,
    medianNs,
    sdNs: s.sd,
    rme: s.rme,
    samples: { count: ns.length, ns: [...ns] },
    latency: null,
    bytesPerOp: null,
    heap: null,
    opCount,
    perWorker: null,
    phaseMs: null,
    labels: { figure: 'replicates' },
  };
}

/**
 * Against stored results (no checkout): the stored file's per-round medians are the baseline
 * samples (`roundsNs`, written by `baseline record`; one figure for a plain bench file), and
 * the candidate is measured round by round until resolved. Different machines make such a
 * comparison meaningless, so a changed environment is said loudly.
 */
async function compareWithStored(
  opts: ComparisonOptions,
  stored: StoredSide,
  candidateEngine: LoadedEngine,
  jobs: Job[],
  runId: string,
  started: number,
  notes: string[],
): Promise<ComparisonOutcome> {
  const here = environment();
  const then = stored.results.environment;
  const mismatches = machineMismatches(then, here);
  if (mismatches.length > 0) {
    const msg = `WARNING: the stored baseline ${stored.file} was measured in a different environment (${mismatches.join('; ')}). Its figures are not comparable with this machine's; re-record it here with \`npm run harness -- baseline record <name>\`. Stored: ${describeMachine(then)}; here: ${describeMachine(here)}.`;
    notes.push(msg);
    opts.log(msg);
  }
  const storedById = new Map(stored.results.results.map((r) => [r.id, r]));
  const childOpts = { profile: opts.profile, scenariosDir: opts.scenariosDir };
  const leanOpts = { profile: leanProfile(opts.profile), scenariosDir: opts.scenariosDir };
  const byId = new Map(jobs.map((j) => [j.id, j]));
  /** Round 1's full measurement of each job: the candidate's results file. */
  const first = new Map<string, { m: Measurement; ms: number }>();
  const storedSamples = (id: string): number[] => {
    const s = storedById.get(id);
    if (s === undefined || s.status !== 'ok') return [];
    if (s.roundsNs !== undefined) return s.roundsNs;
    const v = s.medianNs ?? s.meanNs;
    return v === null ? [] : [v];
  };
  // A job's first measurement is the full one (its results file); later ones time it only.
  const measure = async (id: string, _round: number, slot: number): Promise<CandidateSample[]> => {
    const job = byId.get(id) as Job;
    const full = !first.has(id);
    const t0 = performance.now();
    const m = await runJobInChild(
      job,
      { ...(full ? childOpts : leanOpts), cpuSlot: slot },
      candidateEngine,
    );
    if (full) first.set(id, { m, ms: performance.now() - t0 });
    return [{ candidate: stat(m, 'candidate') }];
  };
  const plan: SequentialPlan<string> = {
    ...samplingPlan(opts.config, opts.profile.name === 'full' ? 'full' : 'quick'),
    fixedBaseline: (id) => ({
      samples: storedSamples(id),
      missing: 'the stored baseline has no figure for it',
    }),
    shuffle: true,
    concurrency: measuringLanes(),
    regressionsOnly: opts.regressionsOnly ?? false,
    onRound: (info) =>
      opts.log(`round ${info.round}: ${info.unresolved.length} of ${jobs.length} unresolved`),
  };
  const sequential = await runSequential(
    jobs.map((j) => j.id),
    measure,
    plan,
  );
  const outcomes = new Map(sequential.jobs.map((o) => [o.job, o]));
  const jobComparisons: JobComparison[] = jobs.map((job) => {
    const o = outcomes.get(job.id);
    if (o === undefined) throw new Error(`the controller lost job ${job.id}`);
    return {
      id: job.id,
      name: job.scenario.name,
      mode: job.mode,
      baselineMode: storedById.get(job.id)?.mode ?? null,
      baselineSamples: o.baseline,
      candidateSamples: o.candidate,
      rounds: o.rounds,
      stoppedBy: o.stoppedBy,
      comparison: o.comparison,
      note: null,
    };
  });
  const wall = performance.now() - started;
  const candidate = await resultsFileFor(
    candidateEngine,
    opts,
    runId,
    jobs.flatMap((job) => {
      const f = first.get(job.id);
      return f === undefined ? [] : [toResult(job, f.m, f.ms)];
    }),
    wall,
  );

  return {
    runId,
    candidate,
    baseline: stored.results,
    jobs: jobComparisons,
    notes,
    rounds: sequential.rounds,
    elapsedMs: wall,
    sequential,
    // A second pass measures the candidate afresh against the same stored samples.
    rerun: (ids) => runSequential(ids, measure, plan),
  };
}
