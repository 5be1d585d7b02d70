/**
 * Runs a suite: plans the jobs, runs each scenario x mode in its own child process (one at a
 * time: two measurements sharing 2 cores would disturb each other), and assembles the results
 * file. Modes the engine lacks are recorded `unsupported` without starting a child.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { loadEngine, type LoadedEngine } from './engine-adapter.ts';
import { engineRef, environment } from './environment.ts';
import { UsageError, errorMessage } from './errors.ts';
import { formatHz, formatMs } from './format.ts';
import { CHILD_FLAGS } from './heap.ts';
import type { ChildJob } from './job.ts';
import { failed, unsupported } from './measure.ts';
import { DUR_LABELS, type ModeName } from './modes.ts';
import { HARNESS_DIR, REPORTS_DIR, REPO_ROOT } from './paths.ts';
import type { Profile } from './profiles.ts';
import type { Progress } from './progress.ts';
import { peersSection } from './peers/table.ts';
import { loadCatalogue, planJobs, type Job } from './registry.ts';
import {
  MeasurementSchema,
  writeResults,
  type Measurement,
  type ResultsFile,
  type ScenarioResult,
} from './results.ts';

const CHILD_ENTRY = path.join(HARNESS_DIR, 'child.ts');
/**
 * tsx's ESM-only loader, resolved from the harness so children work from any current directory.
 * The harness and engines are ESM, so the CommonJS half of plain `--import tsx` is not needed,
 * and skipping it starts each child ~0.1 s sooner (~6 s over a quick run).
 */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

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
}

/** What `bench --peers` runs when no --filter is given: our KV/txn suite plus every peer. */
export const PEER_RUN_FILTERS: readonly string[] = ['kvstore/**', 'txn/**', 'peers/**'];

export interface RunOutcome {
  file: string;
  results: ResultsFile;
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
function childEnv(perfTrace: boolean): NodeJS.ProcessEnv {
  const env = { ...process.env };
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
   * the layout they decide is the same on both sides (compare-stats.ts, "Paired rounds").
   */
  v8Seed?: number;
  /** Run the child with INMEM_PERF_TRACE=1 and record the commit phase breakdown. */
  perfTrace?: boolean;
}

/** Node flags that fix V8's seeds; none when `seed` is undefined. */
export function seedFlags(seed: number | undefined): string[] {
  if (seed === undefined) return [];
  if (!(Number.isInteger(seed) && seed > 0 && seed < 2 ** 31)) {
    throw new RangeError(`a V8 seed must be an integer in [1, 2^31), got ${seed}`);
  }
  return [`--hash-seed=${seed}`, `--random-seed=${seed}`];
}

/**
 * Runs one job in a fresh child process and returns its validated measurement. Never throws:
 * a crash, a timeout or garbage output comes back as a `failed` measurement with the reason.
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
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inmem-bench-'));
  try {
    const work = path.join(tmp, 'work');
    fs.mkdirSync(work);
    const jobFile = path.join(tmp, 'job.json');
    const outFile = path.join(tmp, 'out.json');
    const spec: ChildJob = {
      scenario: job.scenario.name,
      mode: job.mode,
      engineDir: engine.dir,
      scenariosDir: opts.scenariosDir,
      tmpDir: work,
      profile: opts.profile,
      perfTrace: opts.perfTrace === true,
    };
    fs.writeFileSync(jobFile, JSON.stringify(spec));
    const r = await execa(
      process.execPath,
      [
        ...CHILD_FLAGS,
        ...seedFlags(opts.v8Seed),
        '--import',
        TSX_LOADER,
        CHILD_ENTRY,
        jobFile,
        outFile,
      ],
      {
        reject: false,
        timeout: opts.profile.childTimeoutMs,
        cwd: REPO_ROOT,
        env: childEnv(opts.perfTrace === true),
        extendEnv: false,
      },
    );
    if (!fs.existsSync(outFile)) {
      const why = r.timedOut
        ? `timed out after ${formatMs(opts.profile.childTimeoutMs)}`
        : `exited with ${r.signal ?? `code ${r.exitCode}`}`;
      return failed(`the child process ${why} without a result: ${stderrTail(r.stderr)}`);
    }
    const parsed = MeasurementSchema.safeParse(JSON.parse(fs.readFileSync(outFile, 'utf8')));
    if (!parsed.success) {
      return failed(`the child wrote an invalid result: ${parsed.error.issues[0]?.message ?? ''}`);
    }
    return parsed.data;
  } catch (err) {
    return failed(`could not run the child process: ${errorMessage(err)}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
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
  const jobs = planJobs(catalogue, { filters, modes: opts.modes, peers });
  if (jobs.length === 0) {
    throw new UsageError(
      `no scenario matches --filter ${filters.join(', ')}${opts.modes.length > 0 ? ` in mode ${opts.modes.join(', ')}` : ''}`,
      'list the catalogue with `npm run harness -- list`; globs match whole names, e.g. "kvstore/**"',
    );
  }
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
    schemaVersion: 1,
    runId,
    createdAt,
    command: opts.command,
    kind: peers ? 'peers' : opts.perfTrace === true ? 'perf-trace' : 'bench',
    profile: opts.profile,
    engine: await engineRef(engine.dir, engine.capabilities),
    environment: environment(),
    wallTimeMs: performance.now() - started,
    results,
    ...(peers ? { peers: peersSection(results) } : {}),
  };
  writeResults(file, data);
  return { file, results: data };
}
