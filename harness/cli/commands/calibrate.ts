/**
 * `calibrate`: a benchmark of the gate itself. It runs the gate's comparison twice on this
 * machine, both sides being this tree's engine:
 *   1. A/A: nothing differs, so every confirmed regression is a false call;
 *   2. the same with a synthetic slowdown of the candidate's op (replicate.ts, a calibrated
 *      spin after every call) in the target scenario's jobs: those must be confirmed
 *      regressed, nothing else.
 * Each run goes through the gate's path (regressions only, shuffled rounds, the budget,
 * the candidate's full measurement, the second pass) and reports its wall time, rounds,
 * replicate batches, inconclusive jobs, false calls and the target's verdict, and the spread
 * of per-replicate log ratios per job. Exit 0 when the gate was right both times, 1 when it
 * made a false call or missed the slowdown, 2 on bad usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import Table from 'cli-table3';
import { InvalidArgumentError, Option, type Command } from 'commander';
import picomatch from 'picomatch';
import { collectFilters, collectModes, parseGlob, profileOption } from '../options.ts';
import { runComparison, type EngineSide } from '../../compare/paired.ts';
import { loadConfig, type PerfConfig } from '../../config/perf-config.ts';
import { checkResultsDir } from '../../support/output-path.ts';
import { checkEngineDir } from '../../engine-api/adapter.ts';
import { UsageError } from '../../support/errors.ts';
import { formatRatioCi, plural } from '../../support/format.ts';
import { headCommit } from '../../baseline/git.ts';
import type { ModeName } from '../../engine-api/modes.ts';
import { DEFAULT_ENGINE_DIR, REPORTS_DIR, REPO_ROOT, SCENARIOS_DIR } from '../../support/paths.ts';
import type { Profile } from '../../config/profiles.ts';
import { loadCatalogue, planJobs } from '../../catalogue/registry.ts';
import { newRunId } from '../../run/runner.ts';
import { logRatioSpread } from '../../stats/comparison.ts';
import { confirmedJobs } from './compare.ts';

interface CalibrateFlags {
  profile: Profile;
  filter: string[];
  mode: ModeName[];
  target: string;
  slowdown: number;
  out?: string;
  config?: string;
  scenarios: string;
}

/** One gate run's figures. */
export interface GateRunFigures {
  label: string;
  wallSeconds: number;
  rounds: number;
  batches: number;
  jobs: number;
  inconclusive: number;
  /** Confirmed regressions outside the target (all of them in the A/A run). */
  falseCalls: string[];
  /** First-pass calls the second pass refuted. */
  refuted: string[];
  /** The target's jobs: class, ratio and CI, confirmed or not (slowdown run only). */
  target: Array<{ id: string; classification: string; ratio: string; confirmed: boolean }>;
  /** Per job: replicates and the sample SD of their log ratios (logRatioSpread). */
  /** Per job: how many replicates it got, their spread, and where it ended. */
  spread: Array<{
    id: string;
    replicates: number;
    sd: number | null;
    stoppedBy: string;
    classification: string;
    ratio: string;
  }>;
}

function parseSlowdown(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0 && n <= 1)) {
    throw new InvalidArgumentError(`must be a fraction in (0, 1], e.g. 0.15 for 15 %`);
  }
  return n;
}

async function gateRun(
  label: string,
  flags: CalibrateFlags,
  config: PerfConfig,
  side: EngineSide,
  slowed: (id: string) => boolean,
): Promise<GateRunFigures> {
  const log = (line: string) => process.stderr.write(`[${label}] ${line}\n`);
  const started = performance.now();
  const outcome = await runComparison({
    baseline: side,
    candidate: side,
    profile: flags.profile,
    scenariosDir: path.resolve(flags.scenarios),
    filters: flags.filter,
    modes: flags.mode,
    config,
    command: `harness calibrate (${label})`,
    log,
    regressionsOnly: true,
    slowdown: (id) => (slowed(id) ? flags.slowdown : 0),
  });
  const jobs = await confirmedJobs(outcome, true, config);
  const wallSeconds = (performance.now() - started) / 1000;
  const counted = jobs.filter((j) => j.comparison.classification === 'regressed' && j.confirmed);
  return {
    label,
    wallSeconds,
    rounds: outcome.rounds,
    batches: outcome.sequential?.pairs ?? 0,
    jobs: jobs.length,
    inconclusive: jobs.filter(
      (j) => j.comparison.classification === 'inconclusive' && j.stoppedBy !== 'no regression',
    ).length,
    falseCalls: counted.filter((j) => !slowed(j.id)).map((j) => j.id),
    refuted: jobs.filter((j) => j.confirmed === false).map((j) => j.id),
    target: jobs
      .filter((j) => slowed(j.id))
      .map((j) => ({
        id: j.id,
        classification: j.comparison.classification,
        ratio: formatRatioCi(j),
        confirmed: j.confirmed === true,
      })),
    spread: jobs.map((j) => ({
      id: j.id,
      replicates: j.baselineSamples.length,
      sd: logRatioSpread(j.baselineSamples, j.candidateSamples),
      stoppedBy: j.stoppedBy,
      classification: j.comparison.classification,
      ratio: formatRatioCi(j),
    })),
  };
}

/** The verdict on the gate: right when the A/A run is clean and the slowdown confirmed. */
export function gateWasRight(aa: GateRunFigures, slowed: GateRunFigures): boolean {
  return (
    aa.falseCalls.length === 0 &&
    slowed.falseCalls.length === 0 &&
    slowed.target.length > 0 &&
    slowed.target.every((t) => t.classification === 'regressed' && t.confirmed)
  );
}

export function renderCalibration(
  runs: readonly GateRunFigures[],
  slowdown: number,
  target: string,
): string {
  const table = new Table({
    head: ['run', 'wall', 'rounds', 'batches', 'inconclusive', 'false calls', 'target'],
  });
  for (const r of runs) {
    table.push([
      r.label,
      `${r.wallSeconds.toFixed(0)} s`,
      String(r.rounds),
      String(r.batches),
      `${r.inconclusive} of ${r.jobs}`,
      r.falseCalls.length === 0 ? '0' : `${r.falseCalls.length}: ${r.falseCalls.join(', ')}`,
      r.target.length === 0
        ? '-'
        : r.target
            .map(
              (t) => `${t.id} ${t.classification}${t.confirmed ? ' (confirmed)' : ''} ${t.ratio}`,
            )
            .join('\n'),
    ]);
  }
  const sds = runs[0]?.spread.filter((s) => s.sd !== null) ?? [];
  const sorted = [...sds].sort((a, b) => (a.sd as number) - (b.sd as number));
  const mid = sorted[Math.floor(sorted.length / 2)];
  const worst = sorted.slice(-3).reverse();
  const lines = [
    `synthetic slowdown: +${(slowdown * 100).toFixed(0)} % on ${target}`,
    table.toString(),
    sorted.length === 0
      ? ''
      : `per-replicate SD of the log ratio (A/A): median job ${mid?.id} ${mid?.sd?.toFixed(3)}; widest ${worst.map((w) => `${w.id} ${w.sd?.toFixed(3)}`).join(', ')}`,
  ];
  return lines.filter((l) => l !== '').join('\n');
}

export function registerCalibrateCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('calibrate')
    .description(
      "benchmark the gate: an A/A gate and one with a synthetic slowdown, with the gate's wall time, rounds, false calls and misses",
    )
    .addOption(profileOption())
    .option(
      '--target <glob>',
      'scenario to slow down (glob over names)',
      parseGlob,
      'kvstore/get/hot_key',
    )
    .option('--slowdown <fraction>', 'size of the synthetic slowdown', parseSlowdown, 0.15)
    .option('--filter <glob>', 'only scenarios whose name matches (repeatable)', collectFilters, [])
    .option(
      '--mode <modes>',
      'durability modes for writing scenarios (repeatable or comma list)',
      collectModes,
      [],
    )
    .option('--out <dir>', 'directory for calibrate.json (default reports/<run-id>/)')
    .option('--config <file>', 'configuration file (default perf.config.json)')
    .addOption(new Option('--scenarios <dir>').default(SCENARIOS_DIR).hideHelp())
    .action(async (flags: CalibrateFlags) => {
      const config = loadConfig(flags.config);
      checkResultsDir(flags.out);
      const catalogue = await loadCatalogue(path.resolve(flags.scenarios));
      const jobs = planJobs(catalogue, { filters: flags.filter, modes: flags.mode });
      const isTarget = picomatch(flags.target);
      const targets = jobs.filter((j) => isTarget(j.scenario.name));
      if (targets.length === 0) {
        throw new UsageError(
          `--target ${flags.target} matches no scenario of the selection`,
          'name one with `npm run harness -- list`, e.g. --target kvstore/get/hot_key',
        );
      }
      const custom = targets.filter((j) => j.scenario.kind !== 'op');
      if (custom.length > 0) {
        throw new UsageError(
          `--target ${flags.target} includes ${custom[0]?.scenario.name}, which measures itself: no slowdown can be injected into it`,
          'pick an op scenario (anything but scaling/**)',
        );
      }
      const side: EngineSide = {
        label: 'working tree',
        commit: await headCommit(REPO_ROOT).catch(() => null),
        source: 'working-tree',
        engineDir: checkEngineDir(DEFAULT_ENGINE_DIR),
      };
      const slowedIds = new Set(targets.map((j) => j.id));
      const aa = await gateRun('A/A', flags, config, side, () => false);
      const slowed = await gateRun(
        `+${(flags.slowdown * 100).toFixed(0)} %`,
        flags,
        config,
        side,
        (id) => slowedIds.has(id),
      );
      const runId = newRunId();
      const dir = path.resolve(flags.out ?? path.join(REPORTS_DIR, runId));
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'calibrate.json');
      const right = gateWasRight(aa, slowed);
      const record = {
        runId,
        createdAt: new Date().toISOString(),
        profile: flags.profile.name,
        target: flags.target,
        slowdown: flags.slowdown,
        right,
        runs: [aa, slowed],
      };
      fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
      process.stdout.write(`${renderCalibration([aa, slowed], flags.slowdown, flags.target)}\n`);
      process.stdout.write(
        `calibration: ${file}\nGate ${right ? 'was right' : 'was WRONG'}: ${plural(aa.falseCalls.length + slowed.falseCalls.length, 'false call')}; slowdown ${slowed.target.every((t) => t.confirmed) ? 'confirmed' : 'missed'}\n`,
      );
      setExit(right ? 0 : 1);
    });
}
