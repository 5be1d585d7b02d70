/**
 * `gate`, what CI runs: the comparison pipeline (compare.ts `compareAndWrite`) against the
 * merge-base with origin/main, else the configured baseline; regressions confirmed by a second
 * pass; then summary.md, comment.md and $GITHUB_STEP_SUMMARY (gate-files.ts). Exits with the
 * verdict (judge/verdict.ts).
 */
import type { Command } from 'commander';
import { headCommit, isDirty, mergeBase, refExists } from '../../baseline/git.ts';
import { loadConfig, type PerfConfig } from '../../config/perf-config.ts';
import { reportAfterRun } from '../../render/html/auto.ts';
import { checkResultsDir } from '../../support/output-path.ts';
import { REPO_ROOT } from '../../support/paths.ts';
import { log } from '../comparison-sides.ts';
import { stepSummaryFile, writeGateFiles } from '../gate-files.ts';
import { reportUrlOption } from '../options.ts';
import {
  addComparisonOptions,
  compareAndWrite,
  renderRun,
  type ComparisonFlags,
} from './compare.ts';

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

export function registerGateCommand(program: Command, setExit: (code: number) => void): void {
  addComparisonOptions(
    program
      .command('gate')
      .description(
        'CI gate: compare with the configured baseline, confirm regressions, check red flags; writes summary.md and comment.md',
      )
      .option(
        '--baseline <name|ref>',
        'baseline (default: merge-base with origin/main, else perf.config.json baseline.default)',
      )
      .addOption(reportUrlOption()),
  ).action(async (flags: ComparisonFlags & { baseline?: string; reportUrl?: string }) => {
    const config = loadConfig(flags.config);
    // Where it writes, before it picks and logs a baseline (compareAndWrite checks again).
    checkResultsDir(flags.out);
    stepSummaryFile(process.env);
    let baseline = flags.baseline;
    if (baseline === undefined) {
      const d = await defaultGateBaseline(config);
      log(`gate baseline: ${d.ref} (${d.why})`);
      baseline = d.ref;
    }
    const run = await compareAndWrite(
      flags,
      { baseline },
      { kind: 'gate', command: ['harness', ...process.argv.slice(2)].join(' '), config },
    );
    process.stdout.write(renderRun(run.results, run.file, false));
    const reportFile = await reportAfterRun(run.file);
    const written = writeGateFiles(run.results, run.file, {
      reportFile,
      reportUrl: flags.reportUrl,
      env: process.env,
    });
    process.stdout.write(`summary: ${written.summary}\ncomment: ${written.comment}\n`);
    setExit(run.judgment.exitCode);
  });
}
