/**
 * The harness's one checked-in configuration file, perf.config.json at the repository root:
 * which baseline the gate compares with, the comparison's statistics and sampling limits
 * (stats/comparison.ts, sampling.ts), per-scenario threshold overrides, and the red-flag
 * thresholds of docs/red-flags.md. Validated with zod; a bad file is a usage error (exit
 * 2) that names the file and the field.
 */
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { z } from 'zod';
import { UsageError } from '../support/errors.ts';
import { formatPath, readJsonFile } from '../support/json-file.ts';
import { REPO_ROOT } from '../support/paths.ts';
import type { ProfileName } from './profiles.ts';

export const CONFIG_FILE = 'perf.config.json';
export const DEFAULT_CONFIG_PATH = path.join(REPO_ROOT, CONFIG_FILE);

/**
 * Every red flag the harness knows how to evaluate, with the unit its figure is in. The config
 * must list each of them exactly once (thresholds live in the file, the way each figure is
 * computed lives in red-flags.ts).
 */
export const RED_FLAG_UNITS = {
  'snapshot-acquire': 'ns',
  'a1-a0-inmemory': '×',
  'b-a1': '×',
  'disjoint-run-scaling': '×',
  'p99-over-mean': '×',
  'hot-path-allocation': 'B/op',
  'engine-put-inmemory': 'ns',
  'kvstore-put-inmemory': 'ns',
  'kvstore-get': 'ns',
  'throughput-1-worker': 'ops/s',
} as const;
export type RedFlagId = keyof typeof RED_FLAG_UNITS;
export const RED_FLAG_IDS = Object.keys(RED_FLAG_UNITS) as RedFlagId[];

const fraction = z.number().gt(0).lt(1);
const rounds = z.number().int().min(2);

const RedFlagConfigSchema = z.strictObject({
  id: z.enum(RED_FLAG_IDS as [RedFlagId, ...RedFlagId[]]),
  description: z.string().min(1),
  /** The figure's unit; must match what red-flags.ts computes (guards against ms-vs-ns edits). */
  unit: z.string(),
  /** The red flag: fail beyond it (above it, or below it for scaling and throughput). */
  threshold: z.number().nonnegative(),
  /** Where the figure should be (reported, never a failure); null when the flag has none. */
  target: z.number().nonnegative().nullable(),
});
export type RedFlagConfig = z.infer<typeof RedFlagConfigSchema>;

export const PerfConfigSchema = z.strictObject({
  /** Optional note for readers of the JSON file (JSON has no comments). */
  $comment: z.string().optional(),
  baseline: z.strictObject({
    /** Compared with when there is no merge-base (and by `npm run bench`). */
    default: z.string().min(1),
    /** The gate compares with the merge-base of HEAD and this ref, when there is one. */
    mergeBaseWith: z.string().min(1),
  }),
  /**
   * The checked-in defaults and why (test/harness/compare/trust.test.ts checks them on a synthetic
   * engine modelling this 2-core machine's replicates: side noise sigma 0.02-0.05, a load
   * shared by the pair, 3 % of sides stalled 1.3-2x; batches costing what the real gate's
   * cost; the gate's path: paired, shuffled, stopping jobs once a regression is ruled out,
   * confirming), 100 trials each:
   *   - threshold 0.05: the issue's practical threshold.
   *   - alpha 0.02 per look: a job gets 2-4 looks within the quick budget, so a small per-look
   *     alpha buys little safety and costs detection: at 0.005, 10 % slowdowns were confirmed
   *     in 12 of 20 trials, at 0.02 in 79 of 100 (150 s budget); the confirmation pass keeps
   *     A/A clean (100 of 100 trials, 4-6 first-pass calls in 1,000 job comparisons).
   *   - confidence 0.95: the reported interval, and the "unchanged" test (whole CI within the
   *     threshold), which lets unchanged jobs stop early.
   *   - ruleOutConfidence 0.95: the one-sided bound that stops the gate sampling a job.
   *   - trim 0.2: a stalled side or one in a slower JIT state no longer swamps the
   *     comparison (stats/comparison.ts, "Paired rounds").
   *   - minRounds 2: 8 replicates (quick) before the first look.
   *   - maxRounds 60: the budget, not this, bounds a run.
   *   - budgetSeconds: per pass; rounds beyond minRounds stop there (jobs then inconclusive).
   *     Quick 350 s: 10 % slowdowns confirmed in 97 of 100 trials, with batches costing 2.39 s
   *     as the real gate's did (300 s: fewer than 19 of 20).
   */
  compare: z
    .strictObject({
      /** Practical threshold: changes smaller than this fraction are not called. */
      threshold: z.number().gt(0).lt(1),
      /** Significance level for calling a change (per look; see sampling.ts). */
      alpha: fraction,
      /** Level of the reported confidence interval, which also decides "unchanged". */
      confidence: fraction,
      /**
       * One-sided level of the upper bound that rules a regression out, so the gate stops
       * sampling a job (sampling.ts, `ruleOutLevel`).
       */
      ruleOutConfidence: fraction,
      /** Trimming per end, in [0, 0.5): of the per-round ratios (paired) or of each side. */
      trim: z.number().min(0).lt(0.5),
      minRounds: rounds,
      maxRounds: rounds,
      /** Wall-time budget of one sequential pass, per profile (seconds). */
      budgetSeconds: z.strictObject({ quick: z.number().positive(), full: z.number().positive() }),
      /** Per-scenario thresholds; the first whose glob matches the job id wins. */
      overrides: z.array(
        z.strictObject({
          match: z.string().min(1),
          threshold: z.number().gt(0).lt(1),
          /** Why this scenario gets its own threshold. */
          why: z.string().optional(),
        }),
      ),
    })
    .superRefine((c, ctx) => {
      if (c.maxRounds < c.minRounds) {
        ctx.addIssue({
          code: 'custom',
          path: ['maxRounds'],
          message: `must be >= minRounds (${c.minRounds})`,
        });
      }
    }),
  /** Where `history` keeps its records, and how the published trend links a commit. */
  history: z
    .strictObject({
      /** Relative to the repository root (default perf-history). */
      dir: z.string().min(1),
      /**
       * A commit's page, with {sha} where the full sha goes, e.g.
       * https://github.com/OWNER/REPO/commit/{sha}. Without it, publish uses GitHub Actions'
       * GITHUB_SERVER_URL and GITHUB_REPOSITORY when set, else links no commit page.
       */
      commitUrl: z
        .string()
        .regex(/^https?:\/\/[^\s]*\{sha\}[^\s]*$/, 'must be an http(s) URL containing {sha}')
        .optional(),
    })
    .optional(),
  gate: z.strictObject({
    /** A first-pass regression fails the gate only if an independent second pass repeats it. */
    confirm: z.boolean(),
  }),
  redFlags: z.array(RedFlagConfigSchema).superRefine((flags, ctx) => {
    const seen = new Set<string>();
    flags.forEach((f, i) => {
      if (seen.has(f.id)) {
        ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `"${f.id}" is listed twice` });
      }
      seen.add(f.id);
      const unit = RED_FLAG_UNITS[f.id];
      if (f.unit !== unit) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'unit'],
          message: `the ${f.id} figure is in ${unit}, not ${JSON.stringify(f.unit)}`,
        });
      }
    });
    const missing = RED_FLAG_IDS.filter((id) => !seen.has(id));
    if (missing.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `missing red flags: ${missing.join(', ')}`,
      });
    }
  }),
});
export type PerfConfig = z.infer<typeof PerfConfigSchema>;

/** A config file that can't be used: names the file and the field (exit 2). */
export class ConfigError extends UsageError {
  constructor(
    readonly file: string,
    readonly field: string | null,
    detail: string,
    /** How to fix it; default: correct the field (or the file) as the checked-in one shows. */
    hint = `correct ${field === null ? file : `"${field}" in ${file}`} (the checked-in ${CONFIG_FILE} documents every field)`,
    /** The whole message, when "config file <file> is not usable: ..." doesn't fit. */
    message?: string,
  ) {
    super(
      message ??
        (field === null
          ? `config file ${file} is not usable: ${detail}`
          : `config file ${file} is not usable: field "${field}": ${detail}`),
      hint,
    );
  }
}

/** What to do about a config file that isn't there or can't be read. */
function unreadableHint(file: string): string {
  return file === DEFAULT_CONFIG_PATH
    ? `restore the checked-in ${CONFIG_FILE} (git checkout -- ${CONFIG_FILE}), or pass --config <file>`
    : `check the --config path, or leave --config out to use the default ${DEFAULT_CONFIG_PATH}`;
}

/** The value at a zod issue's path in the data, if there is one. */
function valueAt(data: unknown, p: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const seg of p) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const KIND: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

/** The first problem zod found, as field, detail and fix. */
function describeIssue(
  issue: z.core.$ZodIssue,
  data: unknown,
  file: string,
): { field: string | null; detail: string; hint?: string } {
  const value = valueAt(data, issue.path);
  const at = (p: readonly PropertyKey[]): string | null => (p.length === 0 ? null : formatPath(p));
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => formatPath([...issue.path, k]));
    return {
      field: keys[0] ?? at(issue.path),
      detail: `not a field the harness knows${keys.length > 1 ? ` (nor ${keys.slice(1).join(', ')})` : ''}`,
      hint: `remove "${keys[0] ?? ''}" from ${file} or correct its spelling (the checked-in ${CONFIG_FILE} documents every field)`,
    };
  }
  if (issue.code === 'invalid_type') {
    const kind = KIND[issue.expected] ?? issue.expected;
    if (value === undefined) {
      return {
        field: at(issue.path),
        detail: `missing (it must be ${kind})`,
        hint: `add "${formatPath(issue.path)}" to ${file} (the checked-in ${CONFIG_FILE} documents every field)`,
      };
    }
    return {
      field: at(issue.path),
      detail:
        issue.path.length === 0
          ? `the file must hold a JSON object, not ${shown(value)}`
          : `must be ${kind}, not ${shown(value)}`,
    };
  }
  const got = value === undefined || issue.code === 'custom' ? '' : ` (it is ${shown(value)})`;
  return { field: at(issue.path), detail: `${issue.message}${got}` };
}

/** Validates already-parsed config data; `file` is only for messages. */
export function parseConfig(data: unknown, file = DEFAULT_CONFIG_PATH): PerfConfig {
  const parsed = PerfConfigSchema.safeParse(data);
  if (parsed.success) {
    for (const [i, o] of parsed.data.compare.overrides.entries()) {
      try {
        picomatch(o.match);
      } catch (err) {
        throw new ConfigError(
          file,
          `compare.overrides[${i}].match`,
          `not a valid glob (${String(err)})`,
        );
      }
    }
    return parsed.data;
  }
  const issue = parsed.error.issues[0];
  const more = parsed.error.issues.length - 1;
  const suffix = more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : '';
  if (issue === undefined) throw new ConfigError(file, null, 'invalid');
  const d = describeIssue(issue, data, file);
  throw new ConfigError(file, d.field, `${d.detail}${suffix}`, d.hint);
}

/**
 * Reads and validates the config (default: perf.config.json at the repository root). A
 * relative `file` is resolved against the current directory; messages give it resolved.
 */
export function loadConfig(file: string = DEFAULT_CONFIG_PATH): PerfConfig {
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved)) {
    throw new ConfigError(
      resolved,
      null,
      'does not exist',
      unreadableHint(resolved),
      `config file ${resolved} does not exist`,
    );
  }
  const data = readJsonFile(resolved, (reason) =>
    reason.startsWith('not valid JSON')
      ? new ConfigError(
          resolved,
          null,
          reason,
          `correct the JSON syntax of ${resolved} (the checked-in ${CONFIG_FILE} documents every field)`,
        )
      : new ConfigError(resolved, null, reason, unreadableHint(resolved)),
  );
  return parseConfig(data, resolved);
}

/**
 * The practical threshold for a job id (e.g. `kvstore/put/hot_key/dur_strict`; read-only jobs
 * have no `/dur_` suffix): the first override whose glob matches, else the default.
 */
export function thresholdFor(config: PerfConfig, jobId: string): number {
  for (const o of config.compare.overrides) {
    if (picomatch.isMatch(jobId, o.match)) return o.threshold;
  }
  return config.compare.threshold;
}

/** The thresholds of one red flag. */
export function redFlagConfig(config: PerfConfig, id: RedFlagId): RedFlagConfig {
  const flag = config.redFlags.find((f) => f.id === id);
  // parseConfig guarantees every id is present; a hand-built PerfConfig might not.
  if (flag === undefined) throw new UsageError(`config has no red flag "${id}"`);
  return flag;
}

/** What sampling.ts's runSequential needs from the config, for one profile (budget in ms). */
export function samplingPlan(
  config: PerfConfig,
  profile: ProfileName,
): {
  minRounds: number;
  maxRounds: number;
  budgetMs: number;
  threshold: (jobId: string) => number;
  alpha: number;
  confidence: number;
  trim: number;
  ruleOutLevel: number;
} {
  const c = config.compare;
  return {
    minRounds: c.minRounds,
    maxRounds: c.maxRounds,
    budgetMs: c.budgetSeconds[profile] * 1000,
    threshold: (jobId) => thresholdFor(config, jobId),
    alpha: c.alpha,
    confidence: c.confidence,
    trim: c.trim,
    ruleOutLevel: c.ruleOutConfidence,
  };
}

export const DEFAULT_HISTORY_DIR = 'perf-history';

/** The history folder: --dir when given, else the config's history.dir, from the repo root. */
export function historyDir(config: PerfConfig, given?: string): string {
  if (given !== undefined) return path.resolve(given);
  return path.resolve(REPO_ROOT, config.history?.dir ?? DEFAULT_HISTORY_DIR);
}

/**
 * The page of a commit, or null: the config's history.commitUrl, else GitHub's when the
 * environment names the server and repository (GitHub Actions sets both).
 */
export function commitUrl(
  config: PerfConfig,
  sha: string,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const template =
    config.history?.commitUrl ??
    (env.GITHUB_SERVER_URL !== undefined && env.GITHUB_REPOSITORY !== undefined
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/commit/{sha}`
      : null);
  return template === null ? null : template.replaceAll('{sha}', sha);
}
