/**
 * The harness command line: `npm run harness -- <command>`, and `npm run bench` for the main
 * job. Exit codes: 0 ok; 1 the run did not pass (a scenario failed; the red-flag gate joins in
 * a later issue); 2 usage or environment error, with what was wrong and how to fix it.
 */
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import picomatch from 'picomatch';
import { checkEngineDir } from './engine-adapter.ts';
import { EXIT, UsageError, errorMessage } from './errors.ts';
import { MODES, parseMode, type ModeName } from './modes.ts';
import { DEFAULT_ENGINE_DIR, SCENARIOS_DIR } from './paths.ts';
import { getProfile, type Profile } from './profiles.ts';
import { createProgress } from './progress.ts';
import { loadCatalogue, scenarioModes } from './registry.ts';
import { readResults } from './results.ts';
import { runSuite } from './runner.ts';
import { renderSummary } from './summary.ts';

function parseProfile(value: string): Profile {
  try {
    return getProfile(value);
  } catch (err) {
    throw new InvalidArgumentError(
      err instanceof UsageError ? `${err.message}; ${err.hint ?? ''}` : errorMessage(err),
    );
  }
}

/** Repeatable and comma-separated: --mode strict --mode buffered, or --mode strict,buffered. */
function collectModes(value: string, previous: ModeName[]): ModeName[] {
  const out = [...previous];
  for (const part of value.split(',')) {
    const mode = parseMode(part);
    if (mode === undefined) {
      throw new InvalidArgumentError(`unknown mode "${part}"; use ${MODES.join(', ')}`);
    }
    if (!out.includes(mode)) out.push(mode);
  }
  return out;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface BenchFlags {
  profile: Profile;
  filter: string[];
  mode: ModeName[];
  engine: string;
  out?: string;
  scenarios: string;
}

function program(setExit: (code: number) => void): Command {
  const cmd = new Command('harness')
    .description('in-mem perf: benchmark scenarios per durability mode, stored as JSON')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  cmd
    .command('bench')
    .description('run the scenario catalogue on an engine and write reports/<run-id>/results.json')
    .addOption(
      new Option('--profile <name>', 'quick (whole catalogue < 3 min) or full')
        .default(getProfile('quick'), 'quick')
        .argParser(parseProfile),
    )
    .option('--filter <glob>', 'only scenarios whose name matches (repeatable)', collect, [])
    .option(
      '--mode <modes>',
      `durability modes for writing scenarios: ${MODES.join(', ')} (repeatable or comma list)`,
      collectModes,
      [],
    )
    .option('--engine <dir>', 'engine directory to measure', DEFAULT_ENGINE_DIR)
    .option('--out <dir>', 'directory for results.json (default reports/<run-id>/)')
    .addOption(
      new Option('--scenarios <dir>', 'scenario module directory (for tests)')
        .default(SCENARIOS_DIR)
        .hideHelp(),
    )
    .action(async (flags: BenchFlags) => {
      const engineDir = checkEngineDir(flags.engine);
      const outcome = await runSuite({
        profile: flags.profile,
        engineDir,
        scenariosDir: path.resolve(flags.scenarios),
        filters: flags.filter,
        modes: flags.mode,
        outDir: flags.out === undefined ? undefined : path.resolve(flags.out),
        command: ['harness', ...process.argv.slice(2)].join(' '),
        progress: createProgress(),
      });
      process.stdout.write(`${renderSummary(outcome.results, outcome.file)}\n`);
      const failures = outcome.results.results.filter((r) => r.status === 'failed');
      if (failures.length > 0) {
        process.stderr.write(
          `\n${failures.length} scenario(s) failed:\n${failures.map((f) => `  ${f.id}: ${f.reason ?? ''}`).join('\n')}\n`,
        );
        setExit(EXIT.failed);
      }
    });

  cmd
    .command('list')
    .description('list the scenario catalogue')
    .option('--filter <glob>', 'only scenarios whose name matches (repeatable)', collect, [])
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
    .description('validate a results.json and print its summary')
    .argument('<file>', 'path to a results.json')
    .action((file: string) => {
      const resolved = path.resolve(file);
      process.stdout.write(`${renderSummary(readResults(resolved), resolved)}\n`);
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
