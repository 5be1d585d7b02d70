/**
 * The harness command line: `npm run harness -- <command>`, and `npm run bench` for the main
 * job. Exit codes: 0 ok; 1 the run failed by judge/verdict.ts's one rule (a failed scenario, a
 * failed red flag, a counted regression), or `find` named no culprit; 2 usage or environment
 * error, with what was wrong and how to fix it.
 */
import path from 'node:path';
import { Command, CommanderError, Help, Option } from 'commander';
import picomatch from 'picomatch';
import { collectFilters, collectModes, profileOption, shardOption } from './options.ts';
import { registerBaselineCommand } from './commands/baseline.ts';
import { registerCalibrateCommand } from './commands/calibrate.ts';
import { registerFindCommand } from './commands/find.ts';
import { registerGateCommand } from './commands/gate.ts';
import { registerMergeCommand } from './commands/merge.ts';
import { benchWithComparison, registerCompareCommands, renderRun } from './commands/compare.ts';
import { loadConfig } from '../config/perf-config.ts';
import { registerReportCommands } from './commands/report.ts';
import { registerHistoryCommands } from './commands/history.ts';
import { checkEngineDir } from '../engine-api/adapter.ts';
import { EXIT, UsageError } from '../support/errors.ts';
import { MODES, type ModeName } from '../engine-api/modes.ts';
import { DEFAULT_ENGINE_DIR, SCENARIOS_DIR } from '../support/paths.ts';
import { checkResultsDir } from '../support/output-path.ts';
import type { Profile } from '../config/profiles.ts';
import { createProgress } from '../run/progress.ts';
import {
  emptyShardNote,
  loadCatalogue,
  scenarioModes,
  type ShardSpec,
} from '../catalogue/registry.ts';
import { reportAfterRun } from '../render/html/auto.ts';
import { evaluateRedFlags } from '../judge/red-flags.ts';
import { judge } from '../judge/verdict.ts';
import { readResults, writeResults } from '../results/results-file.ts';
import { runSuite } from '../run/runner.ts';

interface BenchFlags {
  profile: Profile;
  filter: string[];
  mode: ModeName[];
  engine?: string;
  out?: string;
  scenarios: string;
  /** --no-compare sets it false. */
  compare: boolean;
  baseline?: string;
  config?: string;
  perfTrace?: boolean;
  /** --peers: SQLite, LMDB and the floor side by side with our engine (implies --no-compare). */
  peers?: boolean;
  shard?: ShardSpec;
}

function program(setExit: (code: number) => void): Command {
  const cmd = new Command('harness')
    .description('in-mem perf: benchmark scenarios per durability mode, stored as JSON')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    // Commander enforces required options but its help doesn't say which they are.
    .configureHelp({
      optionDescription(option: Option): string {
        const text = Help.prototype.optionDescription.call(this, option);
        return option.mandatory ? `${text} (required)` : text;
      },
    });

  cmd
    .command('bench')
    .description('run the scenario catalogue on an engine and write reports/<run-id>/results.json')
    .addOption(profileOption())
    .option('--filter <glob>', 'only scenarios whose name matches (repeatable)', collectFilters, [])
    .option(
      '--mode <modes>',
      `durability modes for writing scenarios: ${MODES.join(', ')} (repeatable or comma list)`,
      collectModes,
      [],
    )
    .option('--engine <dir>', 'engine directory to measure (implies --no-compare)')
    .option('--out <dir>', 'directory for results.json (default reports/<run-id>/)')
    .addOption(shardOption())
    .option('--no-compare', 'only run the suite, without the baseline comparison and red flags')
    .option(
      '--perf-trace',
      "record the engine's per-commit phase breakdown (INMEM_PERF_TRACE=1 in each child; implies --no-compare: traced commits are slower, so their figures are not compared)",
    )
    .option(
      '--peers',
      'also run the KV/txn workloads on SQLite (better-sqlite3), LMDB (lmdb) and the physical floor, per mode, and print them side by side with ours (implies --no-compare; without --filter: kvstore/**, txn/** and peers/**)',
    )
    .option(
      '--baseline <name|ref>',
      'baseline to compare with (default perf.config.json baseline.default)',
    )
    .option('--config <file>', 'configuration file (default perf.config.json)')
    .addOption(
      new Option('--scenarios <dir>', 'scenario module directory (for tests)')
        .default(SCENARIOS_DIR)
        .hideHelp(),
    )
    .action(async (flags: BenchFlags) => {
      if (flags.shard !== undefined && flags.peers === true) {
        // The peers table divides one engine's figure by another's: the jobs belong together.
        throw new UsageError(
          '--shard cannot split --peers: the peers table compares the engines job by job on one machine',
          'run `bench --peers` without --shard, or narrow it with --filter',
        );
      }
      // --perf-trace and --peers imply --no-compare: traced commits aren't comparable, and the
      // peers table is the point, not the baseline.
      if (
        flags.compare &&
        flags.engine === undefined &&
        flags.perfTrace !== true &&
        flags.peers !== true
      ) {
        // The main job: this tree measured side by side with the baseline, plus red flags.
        await benchWithComparison(flags, setExit);
        return;
      }
      // Read the config and check the destination first: a missing or corrupt file, or a
      // folder that can't be written, must stop the run before it starts.
      const config = loadConfig(flags.config);
      checkResultsDir(flags.out);
      const engineDir = checkEngineDir(flags.engine ?? DEFAULT_ENGINE_DIR);
      const outcome = await runSuite({
        profile: flags.profile,
        engineDir,
        scenariosDir: path.resolve(flags.scenarios),
        filters: flags.filter,
        modes: flags.mode,
        outDir: flags.out === undefined ? undefined : path.resolve(flags.out),
        command: ['harness', ...process.argv.slice(2)].join(' '),
        progress: createProgress(),
        perfTrace: flags.perfTrace === true,
        peers: flags.peers === true,
        shard: flags.shard,
      });
      if (flags.shard !== undefined && outcome.results.results.length === 0) {
        process.stderr.write(`${emptyShardNote(flags.shard, outcome.planned)}\n`);
      }
      const results = { ...outcome.results, redFlags: evaluateRedFlags(outcome.results, config) };
      writeResults(outcome.file, results);
      process.stdout.write(renderRun(results, outcome.file, true));
      await reportAfterRun(outcome.file);
      setExit(judge(results).exitCode);
    });

  registerCompareCommands(cmd, setExit);
  registerGateCommand(cmd, setExit);
  registerMergeCommand(cmd, setExit);
  registerCalibrateCommand(cmd, setExit);
  registerFindCommand(cmd, setExit);
  registerBaselineCommand(cmd, { setExit });
  registerReportCommands(cmd, setExit);
  registerHistoryCommands(cmd, setExit);

  cmd
    .command('list')
    .description('list the scenario catalogue')
    .option('--filter <glob>', 'only scenarios whose name matches (repeatable)', collectFilters, [])
    .addOption(new Option('--scenarios <dir>').default(SCENARIOS_DIR).hideHelp())
    .action(async (flags: { filter: string[]; scenarios: string }) => {
      const match = flags.filter.length === 0 ? () => true : picomatch(flags.filter);
      for (const s of await loadCatalogue(path.resolve(flags.scenarios))) {
        if (!match(s.name)) continue;
        const modes = scenarioModes(s)
          .map((m) => m ?? 'read-only')
          .join(',');
        process.stdout.write(`${s.name.padEnd(34)} ${s.layer.padEnd(5)} ${modes}\n`);
        process.stdout.write(`    guarantee: ${s.guarantee}\n    catches:   ${s.catches}\n`);
      }
    });

  cmd
    .command('show')
    .description(
      'validate a results.json and print its summary, comparison, red flags and verdict (exits as the run did)',
    )
    .argument('<file>', 'path to a results.json')
    .action((file: string) => {
      const resolved = path.resolve(file);
      const results = readResults(resolved);
      process.stdout.write(renderRun(results, resolved, true));
      setExit(judge(results).exitCode);
    });

  return cmd;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await program((c) => (code = c)).parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; commander has already printed its message otherwise.
      const benign = ['commander.helpDisplayed', 'commander.help', 'commander.version'];
      return benign.includes(err.code) ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(
        `error: ${err.message}\n${err.hint === undefined ? '' : `  fix: ${err.hint}\n`}`,
      );
      return EXIT.usage;
    }
    process.stderr.write(
      `error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT.usage;
  }
}

process.exitCode = await main(process.argv.slice(2));
