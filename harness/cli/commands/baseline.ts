/**
 * `harness baseline list | tag <name> <ref> | record <name>`: the named commits comparisons
 * run against (see baselines.ts for how a name resolves) and their stored results,
 * baselines/<name>.json, measured on a worktree checkout of the baseline commit with this
 * tree's scenarios.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  baselineResultsFile,
  listBaselines,
  resolveBaseline,
  tagBaseline,
  type BaselineInfo,
} from '../../baseline/baselines.ts';
import { checkEngineDir } from '../../engine-api/adapter.ts';
import { EXIT } from '../../support/errors.ts';
import { removeOnExit } from '../../support/exit-cleanup.ts';
import { repoRoot } from '../../baseline/git.ts';
import type { ModeName } from '../../engine-api/modes.ts';
import { collectFilters, collectModes, profileOption } from '../options.ts';
import { REPO_ROOT, SCENARIOS_DIR } from '../../support/paths.ts';
import type { Profile } from '../../config/profiles.ts';
import { createProgress } from '../../run/progress.ts';
import { writeResults, type ResultsFile } from '../../results/results-file.ts';
import { runSuite } from '../../run/runner.ts';
import { renderSummary } from '../../render/terminal.ts';
import { withBaselineCheckout } from '../../baseline/worktree.ts';
import { plural } from '../../support/format.ts';

export interface BaselineCommandOptions {
  /** Sets the process's exit code when a recording did not pass (default: process.exitCode). */
  setExit?: (code: number) => void;
  /** Where results go (default stdout). */
  out?: (text: string) => void;
  /** Where progress, notes and warnings go (default stderr). */
  err?: (text: string) => void;
}

/** For tests: run against another repository than the harness's own. */
function repoOption(): Option {
  return new Option('--repo <dir>', 'git repository holding the baselines')
    .default(REPO_ROOT)
    .hideHelp();
}

function short(sha: string | null): string {
  return sha === null ? '(none)' : sha.slice(0, 12);
}

function renderList(infos: readonly BaselineInfo[], repo: string): string {
  if (infos.length === 0) {
    return 'no baselines: create one with `npm run harness -- baseline tag <name> <ref>`';
  }
  const lines: string[] = [];
  for (const b of infos) {
    lines.push(`${b.name}  ${short(b.commit)}  ${b.subject ?? ''}`.trimEnd());
    lines.push(
      `    defined by: ${b.sources.length === 0 ? 'nothing' : b.sources.join(', ')}; local tag: ${b.tag.exists ? 'yes' : 'no'}`,
    );
    if (b.results === null) {
      lines.push(`    stored results: none (npm run harness -- baseline record ${b.name})`);
    } else if (b.results.ok) {
      const r = b.results;
      lines.push(
        `    stored results: ${path.relative(repo, r.file)} (${r.createdAt}, profile ${r.profile})`,
      );
      lines.push(`    measured on: ${r.environment}`);
    } else {
      lines.push(`    stored results: ${path.relative(repo, b.results.file)} UNREADABLE`);
    }
    for (const p of b.problems) lines.push(`    ! ${p}`);
  }
  return lines.join('\n');
}

interface RecordFlags {
  profile: Profile;
  filter: string[];
  mode: ModeName[];
  scenarios: string;
  repo: string;
}

/** Adds `baseline list | tag | record` to the harness program; returns the `baseline` command. */
export function registerBaselineCommand(
  program: Command,
  opts: BaselineCommandOptions = {},
): Command {
  const out = opts.out ?? ((text: string) => process.stdout.write(text));
  const err = opts.err ?? ((text: string) => process.stderr.write(text));
  const log = (line: string): void => err(`${line}\n`);
  const setExit =
    opts.setExit ??
    ((code: number) => {
      process.exitCode = code;
    });

  const baseline = program
    .command('baseline')
    .description('named baseline commits: list them, tag one, record its results');

  baseline
    .command('list')
    .description('every known baseline: commit, where it is defined, stored results')
    .option('--json', 'machine-readable output')
    .addOption(repoOption())
    .action(async (flags: { json?: boolean; repo: string }) => {
      const repo = await repoRoot(flags.repo);
      const infos = await listBaselines({ repo, log });
      out(
        flags.json === true
          ? `${JSON.stringify(infos, null, 2)}\n`
          : `${renderList(infos, repo)}\n`,
      );
    });

  baseline
    .command('tag')
    .description('make <name> a baseline at <ref>: annotated tag + baselines/refs.json entry')
    .argument('<name>', 'baseline name (letters, digits, ".", "_", "-")')
    .argument('<ref>', 'commit, tag, branch or existing baseline name')
    .option('--force', 'move an existing baseline of that name to the new commit')
    .addOption(repoOption())
    .action(async (name: string, ref: string, flags: { force?: boolean; repo: string }) => {
      const r = await tagBaseline(name, ref, { repo: flags.repo, log, force: flags.force });
      const rel = path.relative(await repoRoot(flags.repo), r.refsJsonFile);
      out(
        `baseline ${r.name} -> ${r.commit}\n` +
          `  tag ${r.name}: ${r.tag}\n` +
          `  ${rel}: ${r.refsJson}\n` +
          (r.tag === 'unchanged' && r.refsJson === 'unchanged'
            ? ''
            : `  next: commit ${rel} and push the tag (git push origin ${r.name})\n`),
      );
    });

  baseline
    .command('record')
    .description(
      'check out the baseline, run the scenario catalogue on its engine, write baselines/<name>.json',
    )
    .argument('<name>', 'baseline name (see baseline list)')
    .addOption(profileOption())
    // A partial baseline only compares partially: kept out of --help, for tests and debugging.
    .addOption(
      new Option('--filter <glob>', 'only scenarios whose name matches')
        .argParser(collectFilters)
        .default([])
        .hideHelp(),
    )
    .addOption(
      new Option('--mode <modes>', 'only these durability modes')
        .argParser(collectModes)
        .default([])
        .hideHelp(),
    )
    .addOption(
      new Option(
        '--rounds <n>',
        'suite passes, each job its own process per pass; their medians are what --baseline-results compares with',
      )
        .default(5)
        .argParser((v: string) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1) {
            throw new InvalidArgumentError(`--rounds must be a positive integer, got "${v}"`);
          }
          return n;
        }),
    )
    .addOption(new Option('--scenarios <dir>').default(SCENARIOS_DIR).hideHelp())
    .addOption(repoOption())
    .action(async (name: string, flags: RecordFlags & { rounds: number }) => {
      const repo = await repoRoot(flags.repo);
      const resolved = await resolveBaseline(name, { repo, log });
      const file = baselineResultsFile(resolved.name, repo);
      log(`baseline ${resolved.name}: ${resolved.commit} (from ${resolved.source})`);
      const results = await withBaselineCheckout(
        resolved.commit,
        async (checkout): Promise<ResultsFile> => {
          const engineDir = checkEngineDir(checkout.engineDir);
          // runSuite always writes <outDir>/results.json; the copy that matters is file below.
          const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inmem-baseline-'));
          // Removed on Ctrl-C and SIGTERM too (exit-cleanup.ts), not only by the finally.
          const forget = removeOnExit(tmp);
          try {
            const pass = () =>
              runSuite({
                profile: flags.profile,
                engineDir,
                scenariosDir: path.resolve(flags.scenarios),
                filters: flags.filter,
                modes: flags.mode,
                outDir: tmp,
                command: [
                  'harness baseline record',
                  resolved.name,
                  `--profile ${flags.profile.name}`,
                  ...flags.filter.map((f) => `--filter ${f}`),
                  ...(flags.mode.length > 0 ? [`--mode ${flags.mode.join(',')}`] : []),
                ].join(' '),
                progress: createProgress(),
              });
            // Pass 1 is the stored measurement; every pass adds one per-process median per job
            // (roundsNs), so a stored comparison sees between-process variance, as a live one does.
            const first = (await pass()).results;
            const rounds = new Map(first.results.map((r) => [r.id, [] as number[]]));
            const add = (rs: ResultsFile): void => {
              for (const r of rs.results) {
                const v = r.medianNs ?? r.meanNs;
                if (r.status === 'ok' && v !== null) rounds.get(r.id)?.push(v);
              }
            };
            add(first);
            for (let k = 2; k <= flags.rounds; k++) {
              log(`pass ${k} of ${flags.rounds}`);
              add((await pass()).results);
            }
            return {
              ...first,
              results: first.results.map((r) => {
                const ns = rounds.get(r.id) ?? [];
                return ns.length > 0 ? { ...r, roundsNs: ns } : r;
              }),
            };
          } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
            forget();
          }
        },
        { repo, log },
      );
      writeResults(file, results);
      out(`${renderSummary(results, file)}\n`);
      out(
        `\nbaseline ${resolved.name} (${short(resolved.commit)}) recorded in ${path.relative(repo, file)}: commit that file\n`,
      );
      const failures = results.results.filter((r) => r.status === 'failed');
      if (failures.length > 0) {
        err(
          `\n${plural(failures.length, 'scenario')} failed on the baseline:\n${failures.map((f) => `  ${f.id}: ${f.reason ?? ''}`).join('\n')}\n`,
        );
        setExit(EXIT.failed);
      }
    });

  return baseline;
}
