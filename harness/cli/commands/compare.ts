/**
 * `compare`, and the comparison pipeline `gate` (gate.ts) and `bench` share: pick the two
 * sides (a baseline name, a git ref, stored results; the working tree or another ref; or one
 * shard of the jobs), run the interleaved comparison, evaluate the red flags, and write the
 * results files. The verdict and the exit code are judge/verdict.ts's, the same rule for every
 * command; the gate differs only in confirming regressions with a second pass and in what it
 * writes for CI. A run that can measure nothing (identical trees, a shard without a job) is
 * written by unmeasured-runs.ts. Usage and environment problems (unknown ref, shallow clone,
 * failed install, ...) exit 2.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { ResolvedRef } from '../../baseline/baselines.ts';
import { collectFilters, collectModes, profileOption, shardOption } from '../options.ts';
import {
  runComparison,
  type ComparisonOutcome,
  type EngineSide,
  type StoredSide,
} from '../../compare/paired.ts';
import { renderComparison, renderRedFlags } from '../../render/comparison-text.ts';
import { loadConfig, type PerfConfig } from '../../config/perf-config.ts';
import { UsageError } from '../../support/errors.ts';
import { checkResultsDir } from '../../support/output-path.ts';
import type { ModeName } from '../../engine-api/modes.ts';
import { REPORTS_DIR, SCENARIOS_DIR } from '../../support/paths.ts';
import type { Profile } from '../../config/profiles.ts';
import { evaluateRedFlags } from '../../judge/red-flags.ts';
import { judge, renderJudgment, type Judgment } from '../../judge/verdict.ts';
import {
  emptyShardNote,
  loadCatalogue,
  planJobs,
  shardJobs,
  type Job,
  type ShardSpec,
} from '../../catalogue/registry.ts';
import { identicalTrees, writeEmptyShardRun, writeIdenticalRun } from '../unmeasured-runs.ts';
import {
  checkoutSide,
  log,
  type CheckedOutSide,
  refSideRecord,
  resolveSide,
  workingTreeSide,
  type SideRecord,
} from '../comparison-sides.ts';
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
import type { CheckoutHandle } from '../../baseline/worktree.ts';
import { plural } from '../../support/format.ts';

export interface ComparisonFlags {
  profile: Profile;
  filter: string[];
  mode: ModeName[];
  out?: string;
  scenarios: string;
  config?: string;
  shard?: ShardSpec;
}

export interface SideChoice {
  baseline?: string;
  baselineResults?: string;
  against?: string;
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

function withJudgment(written: { file: string; results: ResultsFile }): ComparisonRun {
  return { ...written, judgment: judge(written.results) };
}

/** The candidate as a recorded side, without a checkout: the working tree or a resolved ref. */
async function candidateRecord(against: ResolvedRef | null): Promise<SideRecord> {
  if (against !== null) return refSideRecord(against);
  const wt = await workingTreeSide();
  return { label: wt.label, commit: wt.commit, source: wt.source, file: null, subject: null };
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
 * a selection of at least one job. Returns the plan and this shard's part of it.
 */
export async function checkComparisonPlan(
  flags: ComparisonFlags,
): Promise<{ planned: Job[]; selected: Job[] }> {
  checkResultsDir(flags.out);
  const planned = planJobs(await loadCatalogue(path.resolve(flags.scenarios)), {
    filters: flags.filter,
    modes: flags.mode,
  });
  if (planned.length === 0) {
    throw new UsageError(
      `no scenario matches --filter ${flags.filter.join(', ')}${flags.mode.length > 0 ? ` in mode ${flags.mode.join(', ')}` : ''}`,
      'list the catalogue with `npm run harness -- list`; globs match whole names, e.g. "kvstore/**"',
    );
  }
  return {
    planned,
    selected: flags.shard === undefined ? planned : shardJobs(planned, flags.shard),
  };
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
  const { planned, selected } = await checkComparisonPlan(flags);
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
  const run = {
    out: flags.out,
    kind: options.kind,
    command: options.command,
    profile: flags.profile,
    shard: flags.shard,
  };
  const handles: CheckoutHandle[] = [];
  try {
    let baseline: CheckedOutSide | StoredSide;
    if ('stored' in baselineSpec) {
      const file = path.resolve(baselineSpec.stored);
      const stored = readResults(file);
      if (flags.shard !== undefined && selected.length === 0) {
        const record = {
          label: path.basename(file),
          commit: stored.engine.commit,
          source: 'stored',
        };
        return withJudgment(
          await writeEmptyShardRun(
            { ...run, shard: flags.shard },
            {
              baseline: { ...record, file: null, subject: null },
              storedFile: file,
              candidate: await candidateRecord(againstRef),
            },
            emptyShardNote(flags.shard, planned.length),
          ),
        );
      }
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
        if (same !== null) return withJudgment(await writeIdenticalRun(run, same));
      }
      if (flags.shard !== undefined && selected.length === 0) {
        return withJudgment(
          await writeEmptyShardRun(
            { ...run, shard: flags.shard },
            {
              baseline: await refSideRecord(baselineSpec.ref),
              candidate: await candidateRecord(againstRef),
            },
            emptyShardNote(flags.shard, planned.length),
          ),
        );
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
    shard: flags.shard,
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

/** The options `compare`, `gate` and `calibrate`'s comparisons share. */
export function addComparisonOptions(cmd: Command): Command {
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
    .addOption(shardOption())
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
