/**
 * `find <good> <bad> --filter <glob>`: the first commit of good..bad (along bad's first
 * parents) where the selected scenarios got slower than good, by the gate's rule. Each step
 * is one paired comparison of good (baseline) against the step's commit (candidate), through
 * compare.ts's pipeline with the gate's question; judge/step-outcome.ts reads the step's
 * results file, and compare/bisect.ts decides which commit to compare next. Good is checked
 * out once for the whole search, each step's commit for its step.
 *
 * Everything is refused before any checkout (exit 2): an unwritable --out, a selection of no
 * job, a ref that names no commit, good not an ancestor of bad, an empty range. Exit 0 when a
 * culprit is named; 1 when none is (bad not slower than good, or a step was inconclusive).
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { ResolvedRef } from '../../baseline/baselines.ts';
import { commitSubject } from '../../baseline/git.ts';
import { firstParentRange, isAncestor } from '../../baseline/commits.ts';
import type { CheckoutHandle } from '../../baseline/worktree.ts';
import { bisect, type BisectResult } from '../../compare/bisect.ts';
import { loadConfig, type PerfConfig } from '../../config/perf-config.ts';
import { judgeStep } from '../../judge/step-outcome.ts';
import { reportAfterRun } from '../../render/html/auto.ts';
import { renderFind, renderStepLine } from '../../render/find-text.ts';
import {
  FIND_SCHEMA_VERSION,
  writeFindFile,
  type FindCommit,
  type FindFile,
  type FindResult,
  type FindStep,
} from '../../results/find-file.ts';
import { newRunId } from '../../run/runner.ts';
import { EXIT, UsageError } from '../../support/errors.ts';
import { REPORTS_DIR, REPO_ROOT, SCENARIOS_DIR } from '../../support/paths.ts';
import { collectFilters, collectModes, profileOption } from '../options.ts';
import {
  checkComparisonPlan,
  compareSides,
  type ComparisonFlags,
  type ComparisonRun,
} from './compare.ts';
import { checkoutSide, resolveSide, type CheckedOutSide } from '../comparison-sides.ts';
import { identicalTrees, writeIdenticalRun } from '../unmeasured-runs.ts';
import { judge } from '../../judge/verdict.ts';

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

const short = (sha: string): string => sha.slice(0, 12);

/** Everything `find` settles before its first checkout. */
interface FindPlan {
  flags: ComparisonFlags;
  config: PerfConfig;
  command: string;
  root: string;
  good: ResolvedRef;
  range: FindCommit[];
  summary: FindFile;
}

/** Checks the destination, the selection, both refs and the range; checks nothing out. */
async function planFind(
  goodArg: string,
  badArg: string,
  flags: ComparisonFlags,
  command: string,
): Promise<FindPlan> {
  const config = loadConfig(flags.config);
  const runId = newRunId();
  const root = path.resolve(flags.out ?? path.join(REPORTS_DIR, `find-${runId}`));
  await checkComparisonPlan({ ...flags, out: root });
  const good = await resolveSide(goodArg, 'good');
  const bad = await resolveSide(badArg, 'bad');
  if (!(await isAncestor(REPO_ROOT, good.commit, bad.commit))) {
    throw new UsageError(
      `good ${short(good.commit)} ("${goodArg}") is not an ancestor of bad ${short(bad.commit)} ("${badArg}"): there is no history from one to the other to search`,
      'give the older commit, where the scenario was fast, first: find <good> <bad>',
    );
  }
  const range = await firstParentRange(REPO_ROOT, good.commit, bad.commit);
  if (range.length === 0) {
    throw new UsageError(
      `the range good..bad is empty: "${goodArg}" and "${badArg}" are the same commit ${short(good.commit)}`,
      'give a bad commit after good',
    );
  }
  const summary: FindFile = {
    schemaVersion: FIND_SCHEMA_VERSION,
    runId,
    createdAt: new Date().toISOString(),
    command,
    filters: flags.filter,
    modes: flags.mode,
    profile: flags.profile.name,
    good: { commit: good.commit, subject: await commitSubject(REPO_ROOT, good.commit) },
    bad: range[range.length - 1] as FindCommit,
    rangeSize: range.length,
    steps: [],
    result: null,
    seconds: 0,
  };
  return { flags, config, command, root, good, range, summary };
}

/** A step's commit as a side to check out (a sha from the range, not a name to resolve). */
function commitRef(commit: string): ResolvedRef {
  return {
    input: commit,
    name: short(commit),
    commit,
    source: 'ref',
    tagRecreated: false,
    notes: [],
  };
}

/**
 * One step: good against `commit`, written to `out`. A commit whose measured trees equal
 * good's is not measured (the gate's fast path); otherwise it is checked out for this step.
 */
async function compareStep(
  plan: FindPlan,
  goodSide: CheckedOutSide,
  commit: string,
  out: string,
): Promise<ComparisonRun> {
  const flags = { ...plan.flags, out };
  const options = { kind: 'find' as const, command: plan.command, config: plan.config };
  const ref = commitRef(commit);
  const same = await identicalTrees(plan.good, ref);
  if (same !== null) {
    const written = await writeIdenticalRun(
      { out, kind: options.kind, command: options.command, profile: flags.profile },
      same,
    );
    return { ...written, judgment: judge(written.results) };
  }
  const handles: CheckoutHandle[] = [];
  try {
    const candidate = await checkoutSide(ref, handles);
    return await compareSides(flags, goodSide, candidate, options);
  } finally {
    for (const h of handles) await h.release();
  }
}

/** The search's outcome as find.json's result: positions become commits (0 is good). */
export function findResult(
  good: FindCommit,
  range: readonly FindCommit[],
  r: BisectResult<FindStep>,
): FindResult {
  const at = (position: number): FindCommit =>
    position === 0 ? good : (range[position - 1] as FindCommit);
  switch (r.kind) {
    case 'culprit': {
      const s = r.judgedBy.detail;
      const { commit, subject } = at(r.position);
      return {
        kind: 'culprit',
        commit,
        subject,
        step: s.step,
        job: s.job,
        ratio: s.ratio,
        ci: s.ci,
      };
    }
    case 'inconclusive':
      return {
        kind: 'inconclusive',
        after: at(r.lo),
        through: at(r.hi),
        throughSlower: r.hiSlower,
        range: range.slice(r.lo, r.hi),
      };
    case 'not-slower':
      return { kind: 'not-slower' };
  }
}

/** Runs the search of a planned find; returns the exit code. */
async function runFind(plan: FindPlan): Promise<number> {
  const started = performance.now();
  const { summary, root } = plan;
  const file = path.join(root, 'find.json');
  const save = (): void => {
    summary.seconds = (performance.now() - started) / 1000;
    writeFindFile(file, summary);
  };
  save();
  log(
    `find: ${summary.rangeSize} commits after good ${short(summary.good.commit)}; comparing bad ${short(summary.bad.commit)} with good first`,
  );
  const handles: CheckoutHandle[] = [];
  try {
    const goodSide = await checkoutSide(plan.good, handles);
    const outcome = await bisect(
      plan.range.map((c) => c.commit),
      async (commit, position) => {
        const t0 = performance.now();
        const number = summary.steps.length + 1;
        const folder = `${number}-${short(commit)}`;
        const { subject } = plan.range[position - 1] as FindCommit;
        log(`step ${number}: ${short(commit)} (${position} of ${summary.rangeSize}) "${subject}"`);
        const run = await compareStep(plan, goodSide, commit, path.join(root, folder));
        await reportAfterRun(run.file, { out: log, warn: log });
        const j = judgeStep(run.results);
        const step: FindStep = {
          step: number,
          commit,
          subject,
          position,
          outcome: j.verdict,
          job: j.job?.id ?? null,
          ratio: j.job?.comparison.ratio ?? null,
          ci: j.job?.comparison.ci ?? null,
          reason: j.reason,
          folder,
          seconds: (performance.now() - t0) / 1000,
        };
        summary.steps.push(step);
        save();
        log(renderStepLine(step, summary.rangeSize));
        return { verdict: j.verdict, detail: step };
      },
    );
    summary.result = findResult(summary.good, plan.range, outcome);
  } finally {
    for (const h of handles) await h.release();
  }
  save();
  process.stdout.write(renderFind(summary, file));
  return summary.result.kind === 'culprit' ? EXIT.ok : EXIT.failed;
}

/** --filter is required: a search over the whole catalogue would be a full gate per step. */
function collectRequiredFilters(value: string, previous: string[] | undefined): string[] {
  return collectFilters(value, previous ?? []);
}

export function registerFindCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('find')
    .description(
      'find the first commit of good..bad (first parents) where the --filter scenarios got slower than good; exit 0 with a culprit, 1 without one',
    )
    .argument('<good>', 'a commit, ref or baseline name where the scenario was fast')
    .argument('<bad>', 'a later commit (descendant of good) where it is slower')
    .addOption(profileOption())
    .requiredOption(
      '--filter <glob>',
      'the scenarios to search for (repeatable)',
      collectRequiredFilters,
    )
    .option(
      '--mode <modes>',
      'durability modes for writing scenarios (repeatable or comma list)',
      collectModes,
      [],
    )
    .option(
      '--out <dir>',
      'directory for find.json and one folder per step (default reports/find-<run-id>/)',
    )
    .option('--config <file>', 'configuration file (default perf.config.json)')
    .addOption(
      new Option('--scenarios <dir>', 'scenario module directory (for tests)')
        .default(SCENARIOS_DIR)
        .hideHelp(),
    )
    .action(async (good: string, bad: string, flags: ComparisonFlags) => {
      const command = ['harness', ...process.argv.slice(2)].join(' ');
      setExit(await runFind(await planFind(good, bad, flags, command)));
    });
}
