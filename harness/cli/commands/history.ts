/**
 * `history record`, `history backfill` and `history list`: the suite measured commit by commit
 * and kept per machine (results/history-store.ts), what `publish` draws as trends.
 *
 * Every record checks its commit out into a worktree and measures that commit's engine with
 * this tree's scenarios, so a trend shows the engine changing, not the scenarios. With
 * `--paired` a record is a paired comparison (compare's pipeline, every job's class resolved)
 * against the commit before it, which is what marks a change on the trend; without it, a
 * record is a plain suite run, and the trend's points are only as comparable as the machine
 * is steady between runs.
 *
 * Exit codes: 0 recorded; 1 recorded, but a scenario failed on some commit; 2 usage or
 * environment error (nothing recorded for that commit).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { collectFilters, collectModes, profileOption } from '../options.ts';
import { compareAndWrite } from './compare.ts';
import { historyDir, loadConfig, type PerfConfig } from '../../config/perf-config.ts';
import { commitInfo, firstParentCommits, type CommitInfo } from '../../baseline/commits.ts';
import { acquireCheckout } from '../../baseline/worktree.ts';
import { environment } from '../../run/environment.ts';
import { runSuite } from '../../run/runner.ts';
import { createProgress } from '../../run/progress.ts';
import { evaluateRedFlags } from '../../judge/red-flags.ts';
import { countClasses, describeCounts } from '../../judge/verdict.ts';
import { MACHINE_NAME, machineSlug } from '../../results/machine.ts';
import { hasRecord, readHistory, writeRecord } from '../../results/history-store.ts';
import { readResults, type ResultsFile } from '../../results/results-file.ts';
import { exitSignalled, removeOnExit } from '../../support/exit-cleanup.ts';
import { EXIT, UsageError } from '../../support/errors.ts';
import { formatMs, plural } from '../../support/format.ts';
import { checkOutputDir } from '../../support/output-path.ts';
import { REPO_ROOT, SCENARIOS_DIR } from '../../support/paths.ts';
import type { ModeName } from '../../engine-api/modes.ts';
import type { Profile } from '../../config/profiles.ts';

interface HistoryFlags {
  profile: Profile;
  filter: string[];
  mode: ModeName[];
  dir?: string;
  machine?: string;
  paired?: boolean;
  force?: boolean;
  config?: string;
  scenarios: string;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** What every record of one command shares. */
interface Recorder {
  dir: string;
  machine: string;
  flags: HistoryFlags;
  config: PerfConfig;
  command: string;
}

function recorder(flags: HistoryFlags): Recorder {
  const config = loadConfig(flags.config);
  if (flags.machine !== undefined && !MACHINE_NAME.test(flags.machine)) {
    throw new UsageError(
      `--machine "${flags.machine}" is not a usable machine name`,
      'use letters, digits, ".", "_" and "-" (up to 64), starting with a letter or digit, e.g. --machine ci-ubuntu-2core',
    );
  }
  const dir = historyDir(config, flags.dir);
  checkOutputDir(
    dir,
    flags.dir === undefined ? `the history folder ${dir}` : `--dir ${flags.dir}`,
    'give --dir a folder you can write to, or set history.dir in perf.config.json',
  );
  return {
    dir,
    // The fingerprint of this machine, unless the user names it: CI runners of one kind get
    // a new host name per run, so there the name is what keeps one trend together.
    machine: flags.machine ?? machineSlug(environment()),
    flags,
    config,
    command: ['harness', ...process.argv.slice(2)].join(' '),
  };
}

/** The measured results of one commit (and the baseline side, when paired). */
async function measure(
  r: Recorder,
  commit: CommitInfo,
  pairWith: string | null,
  staging: string,
): Promise<{ results: ResultsFile; baseline?: ResultsFile }> {
  const f = r.flags;
  if (pairWith !== null) {
    const run = await compareAndWrite(
      { profile: f.profile, filter: f.filter, mode: f.mode, out: staging, scenarios: f.scenarios },
      { baseline: pairWith, against: commit.sha },
      { kind: 'compare', command: r.command, config: r.config },
    );
    return { results: run.results, baseline: readResults(path.join(staging, 'baseline.json')) };
  }
  const handle = await acquireCheckout(commit.sha, { log });
  try {
    const outcome = await runSuite({
      profile: f.profile,
      engineDir: handle.engineDir,
      scenariosDir: path.resolve(f.scenarios),
      filters: f.filter,
      modes: f.mode,
      outDir: staging,
      command: r.command,
      progress: createProgress(),
    });
    return {
      results: { ...outcome.results, redFlags: evaluateRedFlags(outcome.results, r.config) },
    };
  } finally {
    await handle.release();
  }
}

/** Measures one commit and stores it; returns the record's file and whether all jobs ran. */
async function recordOne(
  r: Recorder,
  commit: CommitInfo,
  pairWith: string | null,
): Promise<{ file: string; failed: number; results: ResultsFile }> {
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'inmem-history-'));
  const forget = removeOnExit(staging);
  try {
    const measured = await measure(r, commit, pairWith, staging);
    // Ctrl-C ends the measuring children, whose jobs then read as failed: not a record.
    if (exitSignalled()) throw new UsageError('interrupted: nothing recorded');
    const results: ResultsFile = {
      ...measured.results,
      history: {
        commit: commit.sha,
        committedAt: commit.committedAt,
        subject: commit.subject,
        parent: commit.parent,
        depth: commit.depth,
        machine: r.machine,
      },
    };
    const file = writeRecord(r.dir, results, measured.baseline);
    const failed = results.results.filter((x) => x.status === 'failed').length;
    return { file, failed, results };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    forget();
  }
}

function describeRecord(
  sha: string,
  out: { file: string; failed: number; results: ResultsFile },
): string {
  const jobs = out.results.results.length;
  const cmp = out.results.comparison;
  const changes =
    cmp === undefined
      ? ''
      : `; against ${cmp.baseline.commit?.slice(0, 12) ?? cmp.baseline.label}: ${describeCounts(countClasses(cmp.jobs))}`;
  const failed = out.failed > 0 ? `, ${out.failed} failed` : '';
  return `recorded ${sha.slice(0, 12)}: ${plural(jobs, 'job')}${failed}${changes} -> ${path.relative(process.cwd(), out.file) || out.file}`;
}

/**
 * Commits of a range to record: every `every`-th counted back from the newest, so the newest
 * is always among them.
 */
export function everyNth<T>(commits: readonly T[], every: number): T[] {
  return commits.filter((_, i) => (commits.length - 1 - i) % every === 0);
}

function parseEvery(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(
      `--every ${value} is not a whole number of commits >= 1`,
      'e.g. --every 5 records every fifth commit, counted back from the newest',
    );
  }
  return n;
}

function addRecordOptions(cmd: Command): Command {
  return cmd
    .addOption(profileOption())
    .option('--filter <glob>', 'only scenarios whose name matches (repeatable)', collectFilters, [])
    .option(
      '--mode <modes>',
      'durability modes for writing scenarios (repeatable or comma list)',
      collectModes,
      [],
    )
    .option('--dir <dir>', 'history folder (default perf.config.json history.dir: perf-history)')
    .option(
      '--machine <name>',
      'machine folder to record under (default: this machine’s fingerprint; name it on CI runners whose host changes every run)',
    )
    .option(
      '--paired',
      'also compare each commit with the one before it, paired (what marks a change on the trend; costs a comparison per commit)',
    )
    .option('--config <file>', 'configuration file (default perf.config.json)')
    .addOption(
      new Option('--scenarios <dir>', 'scenario module directory (for tests)')
        .default(SCENARIOS_DIR)
        .hideHelp(),
    );
}

export function registerHistoryCommands(program: Command, setExit: (code: number) => void): void {
  const history = program
    .command('history')
    .description('record the suite commit by commit, per machine, for the trend pages of publish');

  addRecordOptions(
    history
      .command('record')
      .description(
        'run the suite on one commit and store it as <dir>/results/<machine>/<commit>.json',
      )
      .option('--ref <commit>', 'the commit to record (default HEAD)'),
  ).action(async (flags: HistoryFlags & { ref?: string }) => {
    const r = recorder(flags);
    const commit = await commitInfo(REPO_ROOT, flags.ref ?? 'HEAD');
    const pairWith = flags.paired === true ? commit.parent : null;
    if (flags.paired === true && pairWith === null) {
      log(`${commit.sha.slice(0, 12)} is a root commit: recorded without a paired comparison`);
    }
    const out = await recordOne(r, commit, pairWith);
    process.stdout.write(`${describeRecord(commit.sha, out)}\n`);
    setExit(out.failed > 0 ? EXIT.failed : EXIT.ok);
  });

  addRecordOptions(
    history
      .command('backfill')
      .description('record every commit of a range (first parents, oldest first) through worktrees')
      .argument(
        '<range>',
        '<from>..<to> (what <to> has and <from> lacks), or one ref and its ancestors',
      )
      .option('--every <n>', 'record every n-th commit, counted back from the newest', '1')
      .option('--force', 'measure again commits this machine has recorded already'),
  ).action(async (range: string, flags: HistoryFlags & { every: string }) => {
    const every = parseEvery(flags.every);
    const r = recorder(flags);
    const all = await firstParentCommits(REPO_ROOT, range);
    if (all.length === 0) {
      throw new UsageError(
        `the range ${range} holds no commit`,
        'give <from>..<to> where <to> has commits <from> lacks, e.g. HEAD~8..HEAD',
      );
    }
    const picked = everyNth(all, every);
    log(
      `history backfill: ${plural(picked.length, 'commit')} of ${all.length} in ${range}, machine ${r.machine}, into ${r.dir}`,
    );
    const started = performance.now();
    let recorded = 0;
    let skipped = 0;
    let failed = 0;
    let previous: string | null = null;
    for (const [i, sha] of picked.entries()) {
      if (flags.force !== true && hasRecord(r.dir, r.machine, sha)) {
        log(`[${i + 1}/${picked.length}] ${sha.slice(0, 12)} is recorded already: skipped`);
        skipped++;
        previous = sha;
        continue;
      }
      log(`[${i + 1}/${picked.length}] ${sha.slice(0, 12)}`);
      // Paired with the previous point of this backfill, so a mark says "changed since the
      // point before it"; the first point is paired with its parent.
      const commit = await commitInfo(REPO_ROOT, sha);
      const pairWith = flags.paired === true ? (previous ?? commit.parent) : null;
      const out = await recordOne(r, commit, pairWith);
      process.stdout.write(`${describeRecord(sha, out)}\n`);
      recorded++;
      if (out.failed > 0) failed++;
      previous = sha;
    }
    process.stdout.write(
      `backfill: ${recorded} recorded, ${skipped} already there, ${failed} with failed scenarios, in ${formatMs(performance.now() - started)}\n`,
    );
    setExit(failed > 0 ? EXIT.failed : EXIT.ok);
  });

  history
    .command('list')
    .description('list the recorded commits per machine, oldest first')
    .option('--dir <dir>', 'history folder (default perf.config.json history.dir: perf-history)')
    .option('--config <file>', 'configuration file (default perf.config.json)')
    .action((flags: { dir?: string; config?: string }) => {
      const dir = historyDir(loadConfig(flags.config), flags.dir);
      const { machines, problems } = readHistory(dir);
      for (const p of problems) process.stderr.write(`warning: skipped ${p}\n`);
      if (machines.length === 0) {
        process.stdout.write(
          `no history in ${dir}: record some with \`npm run harness -- history record\`\n`,
        );
        return;
      }
      for (const m of machines) {
        process.stdout.write(`${m.machine} (${plural(m.records.length, 'commit')})\n`);
        for (const rec of m.records) {
          const cmp = rec.results.comparison;
          const paired = cmp === undefined ? '' : `  ${describeCounts(countClasses(cmp.jobs))}`;
          process.stdout.write(
            `  ${rec.point.commit.slice(0, 12)}  ${rec.point.committedAt.slice(0, 16)}  ${plural(rec.results.results.length, 'job')}${paired}  ${rec.point.subject}\n`,
          );
        }
      }
    });
}
