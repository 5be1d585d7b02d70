/**
 * Runs a suite: plans the jobs (or one shard of them), runs each scenario x mode in its own
 * child process (one at a time: two measurements sharing 2 cores would disturb each other), and
 * assembles the results file. Modes the engine lacks are recorded `unsupported`, no child.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { pinned } from './affinity.ts';
import { engineBundle, harnessBundle } from './bundle.ts';
import { removeOnExit } from '../support/exit-cleanup.ts';
import { pidAlive } from '../support/pid.ts';
import type { ChildTask, ReplicatesResult, ReplicatesTask } from '../measure/child-task.ts';
import { loadEngine, type LoadedEngine } from '../engine-api/adapter.ts';
import { resultsFileFor } from './results-file-for.ts';
import { UsageError, errorMessage } from '../support/errors.ts';
import { formatHz, formatMs } from '../support/format.ts';
import { CHILD_FLAGS, REPLICATE_CHILD_FLAGS } from '../measure/heap.ts';
import { failed, unsupported } from '../measure/measure.ts';
import { DUR_LABELS, type ModeName } from '../engine-api/modes.ts';
import { BUNDLE_DIR_ENV, REPORTS_DIR, REPO_ROOT } from '../support/paths.ts';
import type { Profile } from '../config/profiles.ts';
import type { Progress } from './progress.ts';
import { peersSection } from '../peers/section.ts';
import { loadCatalogue, planJobs, shardJobs, type Job } from '../catalogue/registry.ts';
import type { ShardSpec } from '../catalogue/registry.ts';
import {
  MeasurementSchema,
  ReplicatesResultSchema,
  writeResults,
  type Measurement,
  type ResultsFile,
  type ScenarioResult,
} from '../results/results-file.ts';

export interface RunOptions {
  profile: Profile;
  engineDir: string;
  scenariosDir: string;
  filters: readonly string[];
  modes: readonly ModeName[];
  /** Directory for results.json; default reports/<run-id>/. */
  outDir?: string;
  /** The command line, recorded in the file. */
  command: string;
  /** Children run with INMEM_PERF_TRACE=1 (ChildOptions.perfTrace). */
  perfTrace?: boolean;
  progress: Progress;
  /**
   * `bench --peers`: plan the peer scenarios too (by default with the KV and transaction
   * scenarios of the suite only: PEER_RUN_FILTERS) and add the peers section to the file.
   */
  peers?: boolean;
  /** Only this shard of the planned jobs (`--shard i/n`); it may get none. */
  shard?: ShardSpec;
}

/** What `bench --peers` runs when no --filter is given: our KV/txn suite plus every peer. */
export const PEER_RUN_FILTERS: readonly string[] = ['kvstore/**', 'txn/**', 'peers/**'];

export interface RunOutcome {
  file: string;
  results: ResultsFile;
  /** The jobs the whole run plans; a shard measured its part of them. */
  planned: number;
}

/** Sortable and unique: 20251125-101233-3fa9c1. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function stderrTail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

/**
 * The environment a child measures in: perf-trace off whatever the caller's shell says, on only
 * when asked (`--perf-trace`), since it changes the commit path being measured.
 */
function childEnv(perfTrace: boolean, bundleDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [BUNDLE_DIR_ENV]: bundleDir };
  delete env.INMEM_PERF_TRACE;
  if (perfTrace) env.INMEM_PERF_TRACE = '1';
  return env;
}

/** What running one job in a child needs (a subset of RunOptions, reusable by comparisons). */
export interface ChildOptions {
  profile: Profile;
  scenariosDir: string;
  /**
   * V8's hash and random seeds for the child (--hash-seed, --random-seed; default: random per
   * process, V8's own choice). A comparison gives both processes of a pair the same seeds, so
   * the layout they decide is the same on both sides (stats/comparison.ts, "Paired rounds").
   */
  v8Seed?: number;
  /** Run the child with INMEM_PERF_TRACE=1 and record the commit phase breakdown. */
  perfTrace?: boolean;
  /** Pin the child to the `cpuSlot`-th allowed CPU (affinity.ts); default unpinned. */
  cpuSlot?: number;
}

/** Node flags that fix V8's seeds; none when `seed` is undefined. */
export function seedFlags(seed: number | undefined): string[] {
  if (seed === undefined) return [];
  if (!(Number.isInteger(seed) && seed > 0 && seed < 2 ** 31)) {
    throw new RangeError(`a V8 seed must be an integer in [1, 2^31), got ${seed}`);
  }
  return [`--hash-seed=${seed}`, `--random-seed=${seed}`];
}

/** A job's scratch folder: `<tmp>/inmem-bench-<pid of the harness>-<six random characters from mkdtemp>`. */
export const SCRATCH_PREFIX = 'inmem-bench-';
let scratchSwept = false;

/**
 * Removes the scratch folders of harness processes that are gone (killed outright: SIGKILL,
 * out of memory), once per process; other users' folders and live runs' are left alone.
 */
export function sweepStaleScratch(root: string = os.tmpdir()): string[] {
  const removed: string[] = [];
  const owned = new RegExp(`^${SCRATCH_PREFIX}(\\d+)-`);
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = Number(owned.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid || pidAlive(pid)) continue;
    try {
      fs.rmSync(path.join(root, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Not ours to remove (EACCES): leave it.
    }
  }
  return removed;
}

/**
 * Runs a task in a fresh child process (plain node on the run's bundles, bundle.ts) and
 * returns what it wrote, or why there is nothing: a crash, a timeout, no output. Never throws.
 * `makeTask` gets the child's own temp directory, removed afterwards: by this process when it
 * can (also on Ctrl-C and SIGTERM, exit-cleanup.ts), by the child when this process was
 * killed outright (`scratch` in the task file: child.ts), or else by the next run.
 */
async function runTaskInChild(
  opts: ChildOptions,
  makeTask: (work: string) => Promise<ChildTask>,
): Promise<{ ok: true; value: unknown } | { ok: false; reason: string }> {
  if (!scratchSwept) {
    scratchSwept = true;
    sweepStaleScratch();
  }
  // The bundles first: the scratch folder exists only while it is needed.
  let bundle: Awaited<ReturnType<typeof harnessBundle>>;
  try {
    bundle = await harnessBundle(opts.scenariosDir);
  } catch (err) {
    return { ok: false, reason: `could not run the child process: ${errorMessage(err)}` };
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`));
  const forget = removeOnExit(tmp);
  try {
    const work = path.join(tmp, 'work');
    fs.mkdirSync(work);
    const taskFile = path.join(tmp, 'task.json');
    const outFile = path.join(tmp, 'out.json');
    const task = await makeTask(work);
    fs.writeFileSync(taskFile, JSON.stringify({ harness: bundle.harness, task, scratch: tmp }));
    const flags = task.kind === 'replicates' ? REPLICATE_CHILD_FLAGS : CHILD_FLAGS;
    const argv = [...flags, ...seedFlags(opts.v8Seed), bundle.child, taskFile, outFile];
    const command =
      opts.cpuSlot === undefined
        ? { file: process.execPath, args: argv }
        : pinned(process.execPath, argv, opts.cpuSlot);
    const r = await execa(command.file, command.args, {
      reject: false,
      timeout: opts.profile.childTimeoutMs,
      cwd: REPO_ROOT,
      env: childEnv(opts.perfTrace === true, bundle.dir),
      extendEnv: false,
    });
    if (!fs.existsSync(outFile)) {
      const why = r.timedOut
        ? `timed out after ${formatMs(opts.profile.childTimeoutMs)}`
        : `exited with ${r.signal ?? `code ${r.exitCode}`}`;
      return {
        ok: false,
        reason: `the child process ${why} without a result: ${stderrTail(r.stderr)}`,
      };
    }
    return { ok: true, value: JSON.parse(fs.readFileSync(outFile, 'utf8')) as unknown };
  } catch (err) {
    return { ok: false, reason: `could not run the child process: ${errorMessage(err)}` };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    forget();
  }
}

/**
 * Runs one job's full measurement in a fresh child process and returns it validated. Never
 * throws: a crash, a timeout or garbage output comes back as a `failed` measurement.
 */
export async function runJobInChild(
  job: Job,
  opts: ChildOptions,
  engine: LoadedEngine,
): Promise<Measurement> {
  if (job.mode !== null) {
    const support = engine.capabilities.modes[job.mode];
    if (!support.supported) return unsupported(`${job.mode}: ${support.reason}`);
  }
  const out = await runTaskInChild(opts, async (work) => ({
    kind: 'measure',
    job: {
      scenario: job.scenario.name,
      mode: job.mode,
      engineDir: engine.dir,
      engineModule: await engineBundle(engine.dir),
      scenariosDir: opts.scenariosDir,
      tmpDir: work,
      profile: opts.profile,
      perfTrace: opts.perfTrace === true,
    },
  }));
  if (!out.ok) return failed(out.reason);
  const parsed = MeasurementSchema.safeParse(out.value);
  if (!parsed.success) {
    const reason = (out.value as { reason?: unknown } | null)?.reason;
    return failed(
      typeof reason === 'string'
        ? reason
        : `the child wrote an invalid result: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  }
  return parsed.data;
}

/** One side of a replicate batch: the job as that side runs it, on its engine. */
export interface ReplicateSide {
  job: Job;
  engine: LoadedEngine;
  /** Synthetic slowdown (fraction of the op's median; `calibrate`); default none. */
  slowdown?: number;
}

/**
 * Whether a job's replicates alternate the two sides' windows (both alive at once) rather than
 * run each side alone. Measured on the 2-core machine, per-replicate SD of the A/A log ratio,
 * child pinned to one core:
 *   - durable modes (strict, buffered): the disk's moment dominates, and alternating cancels
 *     it: kvstore/put/hot_key/dur_strict 0.09 alternated, 0.24 alone; engine/put_direct/
 *     dur_strict 0.06 against 0.24;
 *   - in memory and read-only: whichever side timed first ran up to 2x slower when both were
 *     alive (core/map_get 32 ns alone, 53 ns timed first), alone they don't: core/map_get
 *     0.03 alone, 0.45 alternated; engine/get_direct 0.03 against 0.83. Those "alone" figures
 *     hold with nothing else measuring; beside a second lane they rise to 0.3-1.0, and every
 *     job shares the lanes: giving these jobs the machine to themselves made a round cost 206 s
 *     instead of 143 s, more than the quick budget can pay.
 */
export function interleaves(job: Job): boolean {
  return job.mode === 'strict' || job.mode === 'buffered';
}

/**
 * Runs `pairs` comparison replicates of one job in one fresh child process (child-task.ts):
 * each replicate a fresh worker with both sides inside. Never throws.
 */
export async function runReplicatesInChild(
  sides: { baseline: ReplicateSide; candidate: ReplicateSide },
  pairs: number,
  plan: ReplicatesTask['plan'],
  opts: ChildOptions,
): Promise<ReplicatesResult> {
  const bundle = await harnessBundle(opts.scenariosDir);
  const out = await runTaskInChild(opts, async (work) => {
    const spec = async (s: ReplicateSide, name: string) => ({
      scenario: s.job.scenario.name,
      mode: s.job.mode,
      engineDir: s.engine.dir,
      engineModule: await engineBundle(s.engine.dir),
      tmpDir: path.join(work, name),
      profile: opts.profile,
      slowdown: s.slowdown ?? 0,
      wrapped: (sides.baseline.slowdown ?? 0) > 0 || (sides.candidate.slowdown ?? 0) > 0,
    });
    return {
      kind: 'replicates',
      sides: [await spec(sides.baseline, 'baseline'), await spec(sides.candidate, 'candidate')],
      pairs,
      plan,
      replicateEntry: bundle.replicate,
      sideModule: bundle.side,
      interleave: interleaves(sides.candidate.job),
    };
  });
  if (!out.ok) return { status: 'failed', reason: out.reason, pairs: [] };
  const parsed = ReplicatesResultSchema.safeParse(out.value);
  if (!parsed.success) {
    const reason = (out.value as { reason?: unknown } | null)?.reason;
    return {
      status: 'failed',
      reason: typeof reason === 'string' ? reason : 'the child wrote an invalid replicate result',
      pairs: [],
    };
  }
  return parsed.data;
}

/** A measurement with its job's identity and labels: one entry of a results file. */
export function toResult(job: Job, m: Measurement, durationMs: number): ScenarioResult {
  const s = job.scenario;
  const durLabel = job.mode === null ? null : DUR_LABELS[job.mode];
  return {
    ...m,
    id: job.id,
    name: s.name,
    layer: s.layer,
    mode: job.mode,
    durLabel,
    writes: s.writes,
    guarantee: s.guarantee,
    catches: s.catches,
    labels: {
      ...s.labels,
      ...(s.access === undefined ? {} : { access: s.access }),
      ...(durLabel === null ? {} : { dur: durLabel }),
      ...m.labels,
    },
    durationMs,
    ...(s.peer === true ? { peer: true } : {}),
  };
}

function outcome(m: Measurement): string {
  if (m.status === 'ok') return `ok ${formatHz(m.hz)} ops/s`;
  return `${m.status}: ${m.reason ?? ''}`;
}

export async function runSuite(opts: RunOptions): Promise<RunOutcome> {
  const started = performance.now();
  const engine = await loadEngine(opts.engineDir);
  const catalogue = await loadCatalogue(opts.scenariosDir);
  const peers = opts.peers === true;
  const filters = peers && opts.filters.length === 0 ? PEER_RUN_FILTERS : opts.filters;
  const planned = planJobs(catalogue, { filters, modes: opts.modes, peers });
  if (planned.length === 0) {
    throw new UsageError(
      `no scenario matches --filter ${filters.join(', ')}${opts.modes.length > 0 ? ` in mode ${opts.modes.join(', ')}` : ''}`,
      'list the catalogue with `npm run harness -- list`; globs match whole names, e.g. "kvstore/**"',
    );
  }
  // A shard with no job (more shards than jobs) still writes its empty results file.
  const jobs = opts.shard === undefined ? planned : shardJobs(planned, opts.shard);
  const runId = newRunId();
  const createdAt = new Date().toISOString();
  const results: ScenarioResult[] = [];
  opts.progress.start(jobs.length);
  try {
    for (const [index, job] of jobs.entries()) {
      opts.progress.jobStarted(index, job.id);
      const t0 = performance.now();
      const m = await runJobInChild(job, opts, engine);
      results.push(toResult(job, m, performance.now() - t0));
      opts.progress.jobDone(index, job.id, outcome(m));
    }
  } finally {
    opts.progress.stop();
  }
  const file = path.join(opts.outDir ?? path.join(REPORTS_DIR, runId), 'results.json');
  const data: ResultsFile = {
    ...(await resultsFileFor(
      engine,
      {
        command: opts.command,
        profile: opts.profile,
        kind: peers ? 'peers' : opts.perfTrace === true ? 'perf-trace' : 'bench',
        createdAt,
        shard: opts.shard,
      },
      runId,
      results,
      performance.now() - started,
    )),
    ...(peers ? { peers: peersSection(results) } : {}),
  };
  writeResults(file, data);
  return { file, results: data, planned: planned.length };
}
