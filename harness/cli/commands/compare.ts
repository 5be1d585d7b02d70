/**
 * `compare`, `gate`, and the comparison half of `bench`: pick the two sides (a baseline name,
 * a git ref, stored results; the working tree or another ref), run the interleaved comparison,
 * evaluate the red flags, and write the results files and summaries. The verdict and the exit
 * code are judge/verdict.ts's, the same rule for every command; the gate differs only in
 * confirming regressions with a second pass and writing a Markdown summary (also to
 * $GITHUB_STEP_SUMMARY when set). Usage and environment problems (unknown ref, shallow clone,
 * failed install, ...) exit 2.
 *
 * One piece: compare, gate and bench's comparison are one pipeline (pick sides, compare, judge, write, print) with three entry points; splitting it per command would copy the pipeline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { resolveRef, type ResolvedRef } from '../../baseline/baselines.ts';
import { collectFilters, collectModes, profileOption } from '../options.ts';
import {
  runComparison,
  type ComparisonOutcome,
  type EngineSide,
  type StoredSide,
} from '../../compare/paired.ts';
import { renderComparison, renderMarkdown, renderRedFlags } from '../../render/comparison-text.ts';
import { loadConfig, type PerfConfig } from '../../config/perf-config.ts';
import { checkEngineDir, loadEngine } from '../../engine-api/adapter.ts';
import { UsageError } from '../../support/errors.ts';
import { checkOutputFile, checkResultsDir } from '../../support/output-path.ts';
import {
  GitError,
  commitSubject,
  headCommit,
  isDirty,
  mergeBase,
  pathHashes,
  refExists,
} from '../../baseline/git.ts';
import { newRunId } from '../../run/runner.ts';
import { resultsFileFor } from '../../run/results-file-for.ts';
import type { ModeName } from '../../engine-api/modes.ts';
import { DEFAULT_ENGINE_DIR, REPORTS_DIR, REPO_ROOT, SCENARIOS_DIR } from '../../support/paths.ts';
import type { Profile } from '../../config/profiles.ts';
import { evaluateRedFlags } from '../../judge/red-flags.ts';
import { judge, renderJudgment, type Judgment } from '../../judge/verdict.ts';
import { loadCatalogue, planJobs } from '../../catalogue/registry.ts';
import {
  type JobComparison,
  readResults,
  writeResults,
  type ResultsFile,
  type RunKind,
} from '../../results/results-file.ts';
import { confirmRegressions } from '../../compare/sampling.ts';
import { reportAfterRun } from '../../render/html/auto.ts';
import { renderSummary } from '../../render/terminal.ts';
import { acquireCheckout, type CheckoutHandle } from '../../baseline/worktree.ts';
import { plural } from '../../support/format.ts';

export interface ComparisonFlags {
  profile: Profile;
  filter: string[];
  mode: ModeName[];
  out?: string;
  scenarios: string;
  config?: string;
}

export interface SideChoice {
  baseline?: string;
  baselineResults?: string;
  against?: string;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The working tree's engine as the candidate. */
async function workingTreeSide(): Promise<EngineSide> {
  const commit = await headCommit(REPO_ROOT).catch(() => null);
  const dirty = commit === null ? false : await isDirty(REPO_ROOT, ['engine']);
  return {
    label: dirty ? 'working tree (uncommitted changes)' : 'working tree',
    commit,
    source: 'working-tree',
    engineDir: checkEngineDir(DEFAULT_ENGINE_DIR),
  };
}

/**
 * Resolves a side's ref, naming where it came from in the error (`--against "x" does not name
 * a commit`): both sides are resolved before anything is checked out.
 */
export async function resolveSide(nameOrRef: string, given: string): Promise<ResolvedRef> {
  try {
    return await resolveRef(nameOrRef, { log });
  } catch (err) {
    if (err instanceof GitError) throw new GitError(err.kind, `${given} ${err.message}`, err.hint);
    throw err;
  }
}

/** A side checked out of git for this run: its engine, and its commit's subject. */
export type CheckedOutSide = EngineSide & { subject: string | null };

/** Checks `resolved` out (its handle goes on `handles`, for the caller to release). */
export async function checkoutSide(
  resolved: ResolvedRef,
  handles: CheckoutHandle[],
): Promise<CheckedOutSide> {
  const handle = await acquireCheckout(resolved.commit, { log });
  handles.push(handle);
  return {
    label: resolved.name,
    commit: resolved.commit,
    source: resolved.source,
    engineDir: handle.engineDir,
    subject: await commitSubject(REPO_ROOT, resolved.commit).catch(() => null),
  };
}

/**
 * What must be byte-identical on both sides for the gate to pass without measuring: the
 * engine, the scenario code both sides are measured with, and the locked dependencies (the
 * engine's msgpackr, the peers' SQLite and LMDB).
 */
export const MEASURED_PATHS = [
  'engine',
  'harness/scenarios',
  'harness/catalogue/scenario.ts',
  'harness/peers',
  'package-lock.json',
] as const;

export interface IdenticalTrees {
  /** How the report names each side: "<name> (<sha12>)". */
  baseline: string;
  candidate: string;
  commits: { baseline: string; candidate: string };
  /** The candidate is the working tree (its HEAD, clean in the measured paths). */
  workingTree: boolean;
  hashes: Map<string, string | null>;
}

/** The two sides and the shared hashes when the measured paths are identical, else null. */
export async function identicalTrees(
  baseline: string | ResolvedRef,
  against: string | ResolvedRef | undefined,
): Promise<IdenticalTrees | null> {
  const b = typeof baseline === 'string' ? await resolveRef(baseline, { log }) : baseline;
  let candidateCommit: string;
  let candidateLabel: string;
  if (against === undefined) {
    const head = await headCommit(REPO_ROOT).catch(() => null);
    if (head === null || (await isDirty(REPO_ROOT, [...MEASURED_PATHS]))) return null;
    candidateCommit = head;
    candidateLabel = 'the working tree';
  } else {
    const c = typeof against === 'string' ? await resolveRef(against, { log }) : against;
    candidateCommit = c.commit;
    candidateLabel = c.input;
  }
  const bh = await pathHashes(REPO_ROOT, b.commit, MEASURED_PATHS);
  const ch = await pathHashes(REPO_ROOT, candidateCommit, MEASURED_PATHS);
  for (const p of MEASURED_PATHS) if (bh.get(p) !== ch.get(p)) return null;
  return {
    baseline: `${b.name} (${b.commit.slice(0, 12)})`,
    candidate: `${candidateLabel} (${candidateCommit.slice(0, 12)})`,
    commits: { baseline: b.commit, candidate: candidateCommit },
    workingTree: against === undefined,
    hashes: bh,
  };
}

/** The gate's fast path: a results file that says nothing measured could differ, and why. */
export async function writeIdentical(
  flags: ComparisonFlags,
  options: { kind: RunKind; command: string },
  same: IdenticalTrees,
): Promise<ComparisonRun> {
  const runId = newRunId();
  const trees = MEASURED_PATHS.map((p) => `${p} ${same.hashes.get(p)?.slice(0, 12) ?? 'absent'}`);
  const reason = `${same.candidate} and the baseline ${same.baseline} have identical engine trees, scenario code and locked dependencies (${trees.join(', ')}), so no measured figure can differ; nothing was measured`;
  log(`gate: ${reason}`);
  const dir = path.resolve(flags.out ?? path.join(REPORTS_DIR, runId));
  fs.mkdirSync(dir, { recursive: true });
  const results: ResultsFile = {
    ...(await resultsFileFor(
      await loadEngine(DEFAULT_ENGINE_DIR),
      { command: options.command, profile: flags.profile },
      runId,
      [],
      0,
    )),
    kind: options.kind,
    comparison: {
      baseline: {
        label: same.baseline,
        commit: same.commits.baseline,
        source: 'ref',
        file: null,
        subject: null,
      },
      candidate: {
        label: same.candidate,
        commit: same.commits.candidate,
        source: same.workingTree ? 'working-tree' : 'ref',
        file: null,
        subject: null,
      },
      identical: reason,
      rounds: 0,
      notes: [],
      jobs: [],
    },
  };
  const file = path.join(dir, 'results.json');
  writeResults(file, results);
  return { file, results, judgment: judge(results) };
}

/**
 * The outcome's jobs, each regression marked confirmed or not by the gate's independent
 * second pass (`confirm`; null elsewhere). `calibrate` judges its gates through this too.
 */
export async function confirmedJobs(
  outcome: ComparisonOutcome,
  confirm: boolean,
  config: PerfConfig,
): Promise<Array<JobComparison & { confirmed: boolean | null }>> {
  const jobs = outcome.jobs.map((j) => ({ ...j, confirmed: null as boolean | null }));
  const regressed = jobs.filter((j) => j.comparison.classification === 'regressed');
  if (confirm && outcome.sequential !== null) {
    if (regressed.length > 0)
      log(`confirming ${plural(regressed.length, 'regression')} with an independent second pass`);
    const c = await confirmRegressions(outcome.sequential, (ids) => outcome.rerun(ids), {
      confirm: config.gate.confirm,
    });
    for (const j of regressed) j.confirmed = c.confirmed.includes(j.id);
  }
  return jobs;
}

export interface ComparisonRun {
  file: string;
  results: ResultsFile;
  judgment: Judgment;
}

/**
 * The gate's one-sided question ("did anything get slower?"): a job stops once a regression
 * is ruled out, and a regression counts only when a second pass confirms it. The gate asks
 * it, and so does every step of `find`.
 */
function asksGateQuestion(kind: RunKind): boolean {
  return kind === 'gate' || kind === 'find';
}

/**
 * What a comparison checks before any checkout or install: a destination it can write, and
 * a selection of at least one job.
 */
export async function checkComparisonPlan(flags: ComparisonFlags): Promise<void> {
  checkResultsDir(flags.out);
  const selected = planJobs(await loadCatalogue(path.resolve(flags.scenarios)), {
    filters: flags.filter,
    modes: flags.mode,
  });
  if (selected.length === 0) {
    throw new UsageError(
      `no scenario matches --filter ${flags.filter.join(', ')}${flags.mode.length > 0 ? ` in mode ${flags.mode.join(', ')}` : ''}`,
      'list the catalogue with `npm run harness -- list`; globs match whole names, e.g. "kvstore/**"',
    );
  }
}

/**
 * Runs a whole comparison and writes reports/<run-id>/results.json (the candidate, with the
 * comparison and red flags) and baseline.json (the baseline's measurements).
 */
export async function compareAndWrite(
  flags: ComparisonFlags,
  sides: SideChoice,
  options: { kind: RunKind; command: string; config: PerfConfig },
): Promise<ComparisonRun> {
  // Refuse an unwritable destination and an empty selection before any checkout or install.
  await checkComparisonPlan(flags);
  // Both refs, before any checkout: an unknown --against must not cost a baseline checkout.
  const baselineSpec: { stored: string } | { ref: ResolvedRef } =
    sides.baselineResults !== undefined
      ? { stored: sides.baselineResults }
      : {
          ref: await resolveSide(
            sides.baseline ?? options.config.baseline.default,
            sides.baseline === undefined
              ? 'the configured baseline (baseline.default)'
              : '--baseline',
          ),
        };
  const againstRef =
    sides.against === undefined ? null : await resolveSide(sides.against, '--against');
  const handles: CheckoutHandle[] = [];
  try {
    let baseline: CheckedOutSide | StoredSide;
    if ('stored' in baselineSpec) {
      const file = path.resolve(baselineSpec.stored);
      const stored = readResults(file);
      baseline = {
        label: path.basename(file),
        commit: stored.engine.commit,
        source: 'stored',
        file,
        results: stored,
      };
    } else {
      if (options.kind === 'gate') {
        const same = await identicalTrees(baselineSpec.ref, againstRef ?? undefined);
        if (same !== null) return writeIdentical(flags, options, same);
      }
      baseline = await checkoutSide(baselineSpec.ref, handles);
    }
    const candidate =
      againstRef === null ? await workingTreeSide() : await checkoutSide(againstRef, handles);
    return await compareSides(flags, baseline, candidate, options);
  } finally {
    for (const h of handles) await h.release();
  }
}

/**
 * The comparison of two sides at hand (checked out, or stored): runs it, confirms its
 * regressions when the run asks the gate's question, evaluates the red flags, and writes
 * results.json and baseline.json into `flags.out` (default reports/<run-id>/).
 */
export async function compareSides(
  flags: ComparisonFlags,
  baseline: CheckedOutSide | StoredSide,
  candidate: EngineSide | CheckedOutSide,
  options: { kind: RunKind; command: string; config: PerfConfig },
): Promise<ComparisonRun> {
  const gateQuestion = asksGateQuestion(options.kind);
  const outcome = await runComparison({
    baseline,
    candidate,
    profile: flags.profile,
    scenariosDir: path.resolve(flags.scenarios),
    filters: flags.filter,
    modes: flags.mode,
    config: options.config,
    command: options.command,
    log,
    regressionsOnly: gateQuestion,
  });
  const jobs = await confirmedJobs(outcome, gateQuestion, options.config);
  const dir = path.resolve(flags.out ?? path.join(REPORTS_DIR, outcome.runId));
  fs.mkdirSync(dir, { recursive: true });
  const baselineFile = 'results' in baseline ? baseline.file : path.join(dir, 'baseline.json');
  if (!('results' in baseline)) writeResults(baselineFile, outcome.baseline);
  const results: ResultsFile = {
    ...outcome.candidate,
    kind: options.kind,
    comparison: {
      baseline: {
        label: baseline.label,
        commit: baseline.commit,
        source: baseline.source,
        file: path.relative(dir, baselineFile),
        subject: 'subject' in baseline ? baseline.subject : null,
      },
      candidate: {
        label: candidate.label,
        commit: candidate.commit,
        source: candidate.source,
        file: null,
        subject: 'subject' in candidate ? candidate.subject : null,
      },
      rounds: outcome.rounds,
      notes: outcome.notes,
      jobs,
    },
  };
  results.redFlags = evaluateRedFlags(results, options.config);
  const file = path.join(dir, 'results.json');
  writeResults(file, results);
  return { file, results, judgment: judge(results) };
}

/** Everything a comparison run prints, the verdict last: `show` prints the same. */
export function renderRun(results: ResultsFile, file: string, withSuite: boolean): string {
  const parts: string[] = [];
  if (withSuite) parts.push(renderSummary(results));
  if (results.comparison !== undefined) parts.push(renderComparison(results));
  if (results.redFlags !== undefined) parts.push(renderRedFlags(results.redFlags));
  parts.push(`results: ${file}`, renderJudgment(judge(results)));
  return `${parts.join('\n\n')}\n`;
}

/** Prints the run, refreshes its HTML report, and exits as the judgment says. */
async function finish(
  run: ComparisonRun,
  withSuite: boolean,
  setExit: (code: number) => void,
): Promise<void> {
  process.stdout.write(renderRun(run.results, run.file, withSuite));
  await reportAfterRun(run.file);
  setExit(run.judgment.exitCode);
}

/**
 * The gate's default baseline: the merge-base with origin/main when there is one and it
 * differs from HEAD; otherwise (no remote, or HEAD is on main with a clean tree, where the
 * merge-base is HEAD itself and the comparison would say nothing) the configured baseline.
 */
export async function defaultGateBaseline(
  config: PerfConfig,
): Promise<{ ref: string; why: string }> {
  const remote = config.baseline.mergeBaseWith;
  if (await refExists(REPO_ROOT, remote)) {
    const head = await headCommit(REPO_ROOT);
    const mb = await mergeBase(REPO_ROOT, 'HEAD', remote);
    if (mb !== null && (mb !== head || (await isDirty(REPO_ROOT, ['engine'])))) {
      return { ref: mb, why: `the merge-base of HEAD and ${remote}` };
    }
    if (mb !== null) {
      return {
        ref: config.baseline.default,
        why: `HEAD is the merge-base with ${remote} and the engine is unchanged, so the configured baseline ${config.baseline.default}`,
      };
    }
  }
  return { ref: config.baseline.default, why: `no ${remote}: the configured baseline` };
}

function addComparisonOptions(cmd: Command): Command {
  return cmd
    .addOption(profileOption())
    .option('--filter <glob>', 'only scenarios whose name matches (repeatable)', collectFilters, [])
    .option(
      '--mode <modes>',
      'durability modes for writing scenarios (repeatable or comma list)',
      collectModes,
      [],
    )
    .option('--out <dir>', 'directory for the results (default reports/<run-id>/)')
    .option('--config <file>', 'configuration file (default perf.config.json)')
    .addOption(
      new Option('--scenarios <dir>', 'scenario module directory (for tests)')
        .default(SCENARIOS_DIR)
        .hideHelp(),
    );
}

export function registerCompareCommands(program: Command, setExit: (code: number) => void): void {
  const command = (): string => ['harness', ...process.argv.slice(2)].join(' ');

  addComparisonOptions(
    program
      .command('compare')
      .description(
        'compare the working tree (or --against <ref>) with a baseline, interleaved A B A B',
      )
      .option(
        '--baseline <name|ref>',
        'baseline name (tag, baselines/refs.json, Baseline: trailer) or git ref',
      )
      .option('--against <ref>', 'candidate: a git ref instead of the working tree')
      .option('--working-tree', 'candidate: the working tree (the default)')
      .option(
        '--baseline-results <file>',
        'compare with stored results instead of checking the baseline out',
      ),
  ).action(async (flags: ComparisonFlags & SideChoice & { workingTree?: boolean }) => {
    if ((flags.baseline === undefined) === (flags.baselineResults === undefined)) {
      throw new UsageError(
        'compare needs exactly one baseline: --baseline <name|ref> or --baseline-results <file>',
        'e.g. npm run harness -- compare --baseline m3_baseline_perf',
      );
    }
    if (flags.workingTree === true && flags.against !== undefined) {
      throw new UsageError(
        '--against and --working-tree both name the candidate',
        'give one of them',
      );
    }
    const config = loadConfig(flags.config);
    const run = await compareAndWrite(flags, flags, {
      kind: 'compare',
      command: command(),
      config,
    });
    await finish(run, false, setExit);
  });

  addComparisonOptions(
    program
      .command('gate')
      .description(
        'CI gate: compare with the configured baseline, confirm regressions, check red flags',
      )
      .option(
        '--baseline <name|ref>',
        'baseline (default: merge-base with origin/main, else perf.config.json baseline.default)',
      ),
  ).action(async (flags: ComparisonFlags & SideChoice) => {
    const config = loadConfig(flags.config);
    // Where it writes, before it picks and logs a baseline (compareAndWrite checks again).
    checkResultsDir(flags.out);
    const summaryPath = process.env.GITHUB_STEP_SUMMARY;
    if (summaryPath !== undefined && summaryPath !== '') {
      checkOutputFile(
        summaryPath,
        `GITHUB_STEP_SUMMARY=${summaryPath}`,
        'point GITHUB_STEP_SUMMARY at a file you can write to, or unset it',
      );
    }
    let baseline = flags.baseline;
    if (baseline === undefined) {
      const d = await defaultGateBaseline(config);
      log(`gate baseline: ${d.ref} (${d.why})`);
      baseline = d.ref;
    }
    const run = await compareAndWrite(
      flags,
      { baseline },
      { kind: 'gate', command: command(), config },
    );
    const md = renderMarkdown(run.results, run.file);
    fs.writeFileSync(path.join(path.dirname(run.file), 'summary.md'), md);
    if (summaryPath !== undefined && summaryPath !== '') fs.appendFileSync(summaryPath, `${md}\n`);
    await finish(run, false, setExit);
  });
}

/** `bench`'s comparison: the suite measured against the configured baseline, with red flags. */
export async function benchWithComparison(
  flags: ComparisonFlags & { baseline?: string },
  setExit: (code: number) => void,
): Promise<void> {
  const config = loadConfig(flags.config);
  const run = await compareAndWrite(
    flags,
    { baseline: flags.baseline ?? config.baseline.default },
    { kind: 'bench', command: ['harness', ...process.argv.slice(2)].join(' '), config },
  );
  await finish(run, true, setExit);
}
