/**
 * The results file: what every later piece (baseline comparison, red flags, the CI gate, HTML
 * reports) reads. A versioned zod schema, checked on write (so the harness can't produce a bad
 * file) and on read (so a corrupted or foreign file is refused with its name and the field).
 *
 * Bump SCHEMA_VERSION on any change that an older reader would misread; readers of older
 * versions belong here too when that happens.
 *
 * One piece: the schema is one versioned contract whose parts refer to each other; reading and writing check it in one place.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { COMPARISON_METHODS } from '../stats/comparison.ts';
import { UnusableFileError, formatPath, readJsonFile } from '../support/json-file.ts';
import { MODES } from '../engine-api/modes.ts';
import { LAYERS } from '../catalogue/scenario.ts';

export const SCHEMA_VERSION = 1;

const count = z.number().int().nonnegative();
/** Finite (zod 4 refuses Infinity and NaN, which JSON can't carry anyway). */
const num = z.number();
const nonNeg = z.number().nonnegative();

export const LabelsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const LatencySchema = z.strictObject({
  /** Ops timed one by one in the latency pass. */
  count,
  min: nonNeg,
  p50: nonNeg,
  p90: nonNeg,
  p99: nonNeg,
  p999: nonNeg,
  max: nonNeg,
  mean: nonNeg,
  /** The cost of the two hrtime reads around each op, measured and subtracted (ns). */
  timerOverheadNs: nonNeg,
  /**
   * The machine's floor, timed alternately with the op (measure.ts): the A0 Map read `reps`
   * times, about as long as one op. Absent in files from harnesses that did not measure it.
   */
  floor: z.strictObject({ reps: count, count, mean: nonNeg, p50: nonNeg, p99: nonNeg }).optional(),
  /** The op's own p99, net of the floor's tail (tail.ts `ownQuantile`). */
  ownP99: nonNeg.optional(),
  /** ownP99 of each quarter of the pass: its spread within the run. */
  ownP99Parts: z.array(nonNeg).optional(),
});

export const HeapSchema = z.strictObject({
  /** Median of the kept windows. Can be slightly negative from measurement noise. */
  bytesPerOp: num,
  /** Bytes/op of each window that ran without a GC. */
  windows: z.array(num),
  opsPerWindow: count,
  /** Windows thrown away because a GC ran inside them. */
  discarded: count,
  /** Bytes an empty window reads (the probe's own allocation), subtracted from each window. */
  baselineBytes: num,
});

export const WorkerResultSchema = z.strictObject({ worker: count, hz: nonNeg, ops: count });

export const STATUSES = ['ok', 'unsupported', 'failed'] as const;

/** What a child process measures for one scenario x mode. */
export const MeasurementSchema = z.strictObject({
  status: z.enum(STATUSES),
  reason: z.string().nullable(),
  /** Ops per second (benchmark.js, or aggregate over workers for scaling scenarios). */
  hz: nonNeg.nullable(),
  meanNs: nonNeg.nullable(),
  /**
   * Median of the samples: robust to one stalled sample, which can dominate benchmark.js's
   * mean on a shared machine (a 76 ms first sample among 10 µs ones was seen here).
   */
  medianNs: nonNeg.nullable(),
  sdNs: nonNeg.nullable(),
  /** Relative margin of error of the mean at 95 %, in percent. */
  rme: nonNeg.nullable(),
  /** Per-op ns of each benchmark.js sample (cycle), or of each timed round for scaling. */
  samples: z.strictObject({ count, ns: z.array(nonNeg) }).nullable(),
  latency: LatencySchema.nullable(),
  bytesPerOp: num.nullable(),
  heap: HeapSchema.nullable(),
  /** Calls that verify() proved happened. */
  opCount: count.nullable(),
  perWorker: z.array(WorkerResultSchema).nullable(),
  /** Where the child's time went (setup, bench, latency, heap, verify), for budgeting. */
  phaseMs: z.record(z.string(), nonNeg).nullable(),
  /** Labels the measurement adds (e.g. the mode a read-only scenario opened its db in). */
  labels: LabelsSchema,
});
export type Measurement = z.infer<typeof MeasurementSchema>;

/** What a child running comparison replicates writes (child-task.ts). */
export const ReplicatesResultSchema = z.strictObject({
  status: z.enum(STATUSES),
  reason: z.string().nullable(),
  pairs: z.array(
    z.strictObject({
      baseline: z.number().positive(),
      candidate: z.number().positive(),
      first: z.enum(['baseline', 'candidate']),
      baselineOps: count,
      candidateOps: count,
    }),
  ),
});

export const ScenarioResultSchema = z
  .strictObject({
    /** name, plus /dur_<mode> for writing scenarios: the key comparisons join on. */
    id: z.string().min(1),
    name: z.string().min(1),
    layer: z.enum(LAYERS),
    mode: z.enum(MODES).nullable(),
    durLabel: z.string().nullable(),
    writes: z.boolean(),
    guarantee: z.string(),
    catches: z.string(),
    /** Wall time of the job, child start included. */
    durationMs: nonNeg,
    /**
     * Per-process median ns/op of several rounds (each its own child process), when the file
     * was recorded with rounds (`baseline record`): what a stored-baseline comparison uses.
     */
    roundsNs: z.array(nonNeg).optional(),
    /** A peer scenario (peers/<adapter>/..., `bench --peers`); absent on the others. */
    peer: z.boolean().optional(),
    // status ... perWorker, and labels: the scenario's, its access pattern and dur_<mode>
    // label, and what the measurement added.
    ...MeasurementSchema.shape,
  })
  .superRefine((r, ctx) => {
    if (r.status === 'ok') {
      for (const field of ['hz', 'meanNs', 'opCount'] as const) {
        if (r[field] === null) {
          ctx.addIssue({ code: 'custom', path: [field], message: `must be set when status is ok` });
        }
      }
    } else if (r.reason === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['reason'],
        message: `must say why the status is ${r.status}`,
      });
    }
  });
export type ScenarioResult = z.infer<typeof ScenarioResultSchema>;

export const ProfileSchema = z.strictObject({
  name: z.string(),
  bench: z.strictObject({ maxTime: nonNeg, minSamples: count, minTime: nonNeg }),
  warmupMs: nonNeg,
  latency: z.strictObject({ maxOps: count, maxMs: nonNeg, minOps: count }),
  heap: z.strictObject({
    windows: count,
    opsPerWindow: count,
    maxAttempts: count,
    windowMs: nonNeg,
  }),
  scaling: z.strictObject({ warmupMs: nonNeg, rounds: count, roundMs: nonNeg }),
  /** Comparison replicates (absent in files written before they existed). */
  replicate: z
    .strictObject({
      warmupMs: nonNeg,
      /** Absent in files written before warm-up ran on until the op's speed settled. */
      maxWarmupMs: nonNeg.optional(),
      windowMs: nonNeg,
      windows: count,
      pairsPerRound: count,
    })
    .optional(),
  childTimeoutMs: nonNeg,
});

export const EngineRefSchema = z.strictObject({
  dir: z.string(),
  /** HEAD of the repository holding the engine; null outside git or before the first commit. */
  commit: z.string().nullable(),
  /** A tag pointing exactly at that commit, if any. */
  tag: z.string().nullable(),
  /** Uncommitted changes under the engine directory; null when not in git. */
  dirty: z.boolean().nullable(),
  /** What the harness detected the engine can do. */
  capabilities: z.strictObject({
    builder: z.boolean(),
    modes: z.record(
      z.enum(MODES),
      z.strictObject({ supported: z.boolean(), reason: z.string().nullable() }),
    ),
  }),
});

export const EnvironmentSchema = z.strictObject({
  node: z.string(),
  v8: z.string(),
  platform: z.string(),
  osRelease: z.string(),
  arch: z.string(),
  cpuModel: z.string(),
  cores: count,
  /** What worker-scaling figures must be judged against. */
  availableParallelism: count,
  totalMemoryBytes: count,
  /** Truncated SHA-256 of the host name: tells machines apart without publishing names. */
  hostHash: z.string(),
  ci: z.boolean(),
  /** Node flags every measuring child runs with (they shape GC behaviour). */
  childFlags: z.array(z.string()),
});

export const ComparisonSchema = z.strictObject({
  nBaseline: count,
  nCandidate: count,
  baselineMedian: nonNeg.nullable(),
  candidateMedian: nonNeg.nullable(),
  ratio: nonNeg.nullable(),
  ci: z.tuple([nonNeg, nonNeg]).nullable(),
  pValue: z.number().min(0).max(1).nullable(),
  df: nonNeg.nullable(),
  classification: z.enum(['improved', 'unchanged', 'regressed', 'inconclusive']),
  threshold: nonNeg,
  alpha: nonNeg,
  confidence: nonNeg,
  method: z.enum(COMPARISON_METHODS),
  reason: z.string(),
});

export const JobComparisonSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  mode: z.enum(MODES).nullable(),
  /** The mode the baseline ran in (differs when the baseline lacks the candidate's mode). */
  baselineMode: z.enum(MODES).nullable(),
  baselineSamples: z.array(nonNeg),
  candidateSamples: z.array(nonNeg),
  rounds: count,
  stoppedBy: z.string(),
  comparison: ComparisonSchema,
  /** Regressions only: whether the gate's independent second pass confirmed it. */
  confirmed: z.boolean().nullable().optional(),
  note: z.string().nullable(),
});
export type JobComparison = z.infer<typeof JobComparisonSchema>;

export const SideSchema = z.strictObject({
  label: z.string(),
  commit: z.string().nullable(),
  source: z.string(),
  /** The other side's results file, relative to this one's folder (or the stored file). */
  file: z.string().nullable(),
  subject: z.string().nullable().optional(),
});

export const ComparisonSectionSchema = z.strictObject({
  baseline: SideSchema,
  candidate: SideSchema,
  /**
   * Set when nothing was measured because nothing measured could differ: the two sides have
   * identical engine trees and scenario code (the gate's fast path). Says which trees.
   */
  identical: z.string().optional(),
  rounds: count,
  notes: z.array(z.string()),
  jobs: z.array(JobComparisonSchema),
});

export const RedFlagSchema = z.strictObject({
  id: z.string(),
  description: z.string(),
  figure: z.number().nullable(),
  unit: z.string(),
  threshold: z.number(),
  target: z.number().nullable(),
  verdict: z.enum(['pass', 'fail', 'not-applicable']),
  reason: z.string(),
  /** The figure's range over the run (rounds, samples, quarters of the latency pass). */
  spread: z
    .strictObject({ low: z.number(), high: z.number(), over: z.string() })
    .nullable()
    .optional(),
  /** What the figure was judged against besides the threshold (the machine's own tail). */
  floor: z.strictObject({ figure: z.number(), what: z.string() }).nullable().optional(),
});

/** Which command wrote the file: what judge/verdict.ts's headline names. */
export const RUN_KINDS = ['bench', 'perf-trace', 'peers', 'compare', 'gate', 'find'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/** Written by gates of older harnesses; the verdict is now judged from the file (judge/). */
export const GateSchema = z.strictObject({
  verdict: z.enum(['pass', 'fail']),
  reasons: z.array(z.string()),
});

/** One adapter's figure in a peers row. */
export const PeerCellSchema = z.strictObject({
  adapter: z.string(),
  /** The job id in `results` (peers/<adapter>/<workload>/dur_<mode>). */
  id: z.string(),
  status: z.enum(STATUSES),
  /** Median ns/op of the job's benchmark.js samples; null unless status is ok. */
  medianNs: nonNeg.nullable(),
  /** Why it is unsupported or failed (e.g. the peer's package could not load). */
  reason: z.string().nullable(),
});

/** numerator ÷ denominator, from the two jobs' benchmark.js samples (see harness/peers/section.ts). */
export const PeerRatioSchema = z.strictObject({
  numerator: z.string(),
  denominator: z.string(),
  /** > 1: the numerator is slower. null when either side has no samples. */
  ratio: nonNeg.nullable(),
  ci: z.tuple([nonNeg, nonNeg]).nullable(),
  pValue: z.number().min(0).max(1).nullable(),
  method: z.enum(COMPARISON_METHODS),
  nNumerator: count,
  nDenominator: count,
  /** Why there is no ratio, or how it was obtained. */
  note: z.string(),
});

export const PeerRowSchema = z.strictObject({
  mode: z.enum(MODES),
  /** The scenario name without peers/<adapter>/, e.g. kv/put/hot_key. */
  workload: z.string(),
  /** One per adapter, in column order. */
  cells: z.array(PeerCellSchema),
  /** The reference (our engine) ÷ each other adapter but the floor (that one is in toFloor). */
  vsPeers: z.array(PeerRatioSchema),
  /** Each adapter but the floor ÷ the floor of this mode: the distance to the floor. */
  toFloor: z.array(PeerRatioSchema),
});

export const PeersSectionSchema = z.strictObject({
  /** The adapter every ratio's numerator is (our engine: inmem). */
  reference: z.string(),
  /** The adapter every distance's denominator is. */
  floor: z.string(),
  adapters: z.array(
    z.strictObject({
      name: z.string(),
      packageName: z.string().nullable(),
      /** Installed version, when the package's package.json could be read. */
      version: z.string().nullable(),
      /** describeMapping(mode): the exact settings used per durability mode. */
      mappings: z.record(z.enum(MODES), z.string()),
    }),
  ),
  rows: z.array(PeerRowSchema),
  /** How the ratios and their CIs were computed, and what they do not cover. */
  method: z.string(),
});
export type PeersSection = z.infer<typeof PeersSectionSchema>;
export type PeerRatio = z.infer<typeof PeerRatioSchema>;

/** Shard i of n: which deterministic subset of the planned jobs a run measured. */
export const ShardSchema = z
  .strictObject({ index: z.number().int().positive(), count: z.number().int().positive() })
  .refine((s) => s.index <= s.count, { message: 'index must be <= count' });
export type Shard = z.infer<typeof ShardSchema>;

/** The commit a history record measured: its place on the trend's x-axis. */
export const HistoryPointSchema = z.strictObject({
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  /** Committer date, ISO 8601: orders the points (with `order` for equal dates). */
  committedAt: z.iso.datetime({ offset: true }),
  subject: z.string(),
  /** The first parent, or null for a root commit. */
  parent: z.string().nullable(),
  /**
   * Commits along first parents from the root to this one (1 for a root): orders records
   * whose dates are equal, as after a rebase, even when the commits between are unrecorded.
   */
  depth: z.number().int().positive(),
  /** The machine folder it is stored under (results/machine.ts `machineSlug`). */
  machine: z.string().min(1),
});
export type HistoryPoint = z.infer<typeof HistoryPointSchema>;

export const ResultsFileSchema = z.strictObject({
  // First, so a foreign JSON file is reported by this field.
  schemaVersion: z.literal(SCHEMA_VERSION),
  runId: z.string().min(1),
  createdAt: z.iso.datetime(),
  /** The command line that produced the file. */
  command: z.string(),
  /** Absent in older files: judge/verdict.ts infers it. */
  kind: z.enum(RUN_KINDS).optional(),
  profile: ProfileSchema,
  engine: EngineRefSchema,
  environment: EnvironmentSchema,
  wallTimeMs: nonNeg,
  results: z.array(ScenarioResultSchema),
  /** Present when the run compared this engine (the candidate) with a baseline. */
  comparison: ComparisonSectionSchema.optional(),
  /** The red flags (docs/red-flags.md) evaluated on this run. */
  redFlags: z.array(RedFlagSchema).optional(),
  /** Only in gate files of older harnesses (ignored: the verdict is judged from the file). */
  gate: GateSchema.optional(),
  /** Present when the run was `bench --peers`: our engine against the peers, per mode. */
  peers: PeersSectionSchema.optional(),
  /**
   * Present when the run measured one shard of the jobs (`--shard i/n`,
   * catalogue/registry.ts `inShard`); `merge` combines the n files into one without it.
   */
  shard: ShardSchema.optional(),
  /** Present in a history record (`history record`): the commit measured, and when it was made. */
  history: HistoryPointSchema.optional(),
});
export type ResultsFile = z.infer<typeof ResultsFileSchema>;

/** A results file that can't be used; names the file and the offending field (exit 2). */
export class ResultsFileError extends UnusableFileError {
  constructor(file: string, field: string | null, detail: string) {
    super(
      'results file',
      file,
      field,
      detail,
      'regenerate it with `npm run bench`, or point at another results.json',
    );
  }
}

function check(file: string, data: unknown): ResultsFile {
  const parsed = ResultsFileSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const more = parsed.error.issues.length - 1;
  const suffix = more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : '';
  if (issue === undefined) throw new ResultsFileError(file, null, 'invalid');
  if (
    issue.path.length === 1 &&
    issue.path[0] === 'schemaVersion' &&
    typeof data === 'object' &&
    data !== null &&
    'schemaVersion' in data &&
    typeof data.schemaVersion === 'number'
  ) {
    throw new ResultsFileError(
      file,
      'schemaVersion',
      `written with schema version ${data.schemaVersion}; this harness reads version ${SCHEMA_VERSION}`,
    );
  }
  throw new ResultsFileError(file, formatPath(issue.path), `${issue.message}${suffix}`);
}

export function readResults(file: string): ResultsFile {
  return check(
    file,
    readJsonFile(file, (reason) => new ResultsFileError(file, null, reason)),
  );
}

/** Validates, then writes atomically (temp file + rename) so a crash never leaves half a file. */
export function writeResults(file: string, data: ResultsFile): void {
  const valid = check(file, data);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(valid, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
