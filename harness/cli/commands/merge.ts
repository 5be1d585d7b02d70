/**
 * `merge <results.json...>`: the results files of a run's shards (`--shard i/n`, each from a
 * folder of its own with its own baseline.json) into one run: one results.json and one
 * baseline.json in `--out`, the red flags evaluated again on the whole (they are ratios across
 * jobs), the HTML report, and for gate shards summary.md and comment.md as the gate writes
 * them. It prints the run as `show` does and exits with its verdict. Anything that is not one
 * split of one run (results/merge.ts `checkShards`), a corrupt file or a missing baseline file
 * is a usage error (exit 2) before anything is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { loadCatalogue, planJobs } from '../../catalogue/registry.ts';
import { loadConfig } from '../../config/perf-config.ts';
import { evaluateRedFlags } from '../../judge/red-flags.ts';
import { judge } from '../../judge/verdict.ts';
import { reportAfterRun } from '../../render/html/auto.ts';
import {
  checkShards,
  mergeBaselines,
  mergeShards,
  type CheckedShard,
} from '../../results/merge.ts';
import { readResults, writeResults, type ResultsFile } from '../../results/results-file.ts';
import { newRunId } from '../../run/runner.ts';
import { UsageError, errorMessage } from '../../support/errors.ts';
import { checkResultsDir } from '../../support/output-path.ts';
import { REPORTS_DIR, SCENARIOS_DIR } from '../../support/paths.ts';
import { log } from '../comparison-sides.ts';
import { stepSummaryFile, writeGateFiles } from '../gate-files.ts';
import { reportUrlOption } from '../options.ts';
import { renderRun } from './compare.ts';

interface MergeFlags {
  out?: string;
  config?: string;
  reportUrl?: string;
  scenarios: string;
}

/** Each shard's baseline file, read from the shard's folder (a missing one is refused). */
function shardBaselines(
  shards: readonly CheckedShard[],
): Array<{ file: string; results: ResultsFile }> {
  return shards.flatMap((s) => {
    const rel = s.results.comparison?.baseline.file ?? null;
    if (rel === null) return [];
    const file = path.resolve(path.dirname(s.file), rel);
    if (!fs.existsSync(file)) {
      throw new UsageError(
        `the baseline file ${file} that ${s.file} (shard ${s.shard.index}/${s.shard.count}) names is missing`,
        "keep each shard's baseline.json next to its results.json (download the whole shard folder)",
      );
    }
    return [{ file, results: readResults(file) }];
  });
}

/**
 * The unsharded plan's order, from this tree's catalogue: the jobs of any filtered plan come
 * in the order of the whole plan, so ranking the merged ids by it gives the order the
 * unsharded run would have planned. Null (then jobs are ordered by id) when it can't load.
 */
async function planOrder(scenariosDir: string): Promise<string[] | undefined> {
  try {
    return planJobs(await loadCatalogue(scenariosDir), { peers: true }).map((j) => j.id);
  } catch (err) {
    log(`merge: jobs ordered by id (the catalogue did not load: ${errorMessage(err)})`);
    return undefined;
  }
}

export function registerMergeCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('merge')
    .description(
      "merge the results files of a run's shards (--shard i/n) into one run: results.json, baseline.json, the report, and for gates summary.md and comment.md",
    )
    .argument('<results...>', "each shard's results.json (in any folder, with its baseline.json)")
    .option('--out <dir>', 'directory for the merged results (default reports/<run-id>/)')
    .option('--config <file>', 'configuration file for the red flags (default perf.config.json)')
    .addOption(reportUrlOption())
    .addOption(
      new Option('--scenarios <dir>', 'scenario module directory (for tests)')
        .default(SCENARIOS_DIR)
        .hideHelp(),
    )
    .action(async (files: string[], flags: MergeFlags) => {
      // Everything that can refuse, before anything is written.
      const config = loadConfig(flags.config);
      checkResultsDir(flags.out);
      const shards = checkShards(
        files.map((f) => {
          const file = path.resolve(f);
          return { file, results: readResults(file) };
        }),
      );
      const gate = shards[0]?.results.kind === 'gate';
      if (gate) stepSummaryFile(process.env);
      const baselines = shardBaselines(shards);
      const order = await planOrder(path.resolve(flags.scenarios));

      const runId = newRunId();
      const dir = path.resolve(flags.out ?? path.join(REPORTS_DIR, runId));
      const baseline = mergeBaselines(baselines, { runId, order });
      const { results, notes } = mergeShards(shards, {
        runId,
        command: ['harness', ...process.argv.slice(2)].join(' '),
        order,
        baselineFile: baseline === null ? null : 'baseline.json',
      });
      if (results.comparison?.identical === undefined) {
        results.redFlags = evaluateRedFlags(results, config);
      }
      fs.mkdirSync(dir, { recursive: true });
      if (baseline !== null) writeResults(path.join(dir, 'baseline.json'), baseline);
      const file = path.join(dir, 'results.json');
      writeResults(file, results);

      // Without a comparison the file has no notes: say them here.
      if (results.comparison === undefined) for (const n of notes) log(`note: ${n}`);
      process.stdout.write(renderRun(results, file, true));
      const reportFile = await reportAfterRun(file);
      if (gate) {
        const written = writeGateFiles(results, file, {
          reportFile,
          reportUrl: flags.reportUrl,
          env: process.env,
        });
        process.stdout.write(`summary: ${written.summary}\ncomment: ${written.comment}\n`);
      }
      setExit(judge(results).exitCode);
    });
}
