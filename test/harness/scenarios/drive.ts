/**
 * Drives catalogue scenarios in-process, without timing anything, for the tests of the
 * scenario modules: each op scenario is set up on this tree's engine in the context a child
 * gives it (catalogue/context.ts), its op is called `calls` times, and its proof is asked
 * about that count and about wrong ones.
 */
import {
  loadEngine,
  type EngineDb,
  type LoadedEngine,
} from '../../../harness/engine-api/adapter.ts';
import { scenarioContext, readMode } from '../../../harness/catalogue/context.ts';
import { scenarioModes } from '../../../harness/catalogue/registry.ts';
import type { ModeName } from '../../../harness/engine-api/modes.ts';
import type { Labels, Scenario, Verification } from '../../../harness/catalogue/scenario.ts';
import { DEFAULT_ENGINE_DIR } from '../../../harness/support/paths.ts';
import { TINY_PROFILE, tempDir } from '../helpers.ts';

let engine: Promise<LoadedEngine> | undefined;

/** This tree's engine, loaded once per test file. */
export function treeEngine(): Promise<LoadedEngine> {
  engine ??= loadEngine(DEFAULT_ENGINE_DIR);
  return engine;
}

/** [job label, scenario, mode] for every job the planner makes of `scenarios`. */
export function jobsOf(scenarios: readonly Scenario[]): Array<[string, Scenario, ModeName | null]> {
  return scenarios.flatMap((s) =>
    scenarioModes(s).map((m): [string, Scenario, ModeName | null] => [
      m === null ? s.name : `${s.name} in ${m}`,
      s,
      m,
    ]),
  );
}

export interface Driven {
  /** verify(calls). */
  proof: Verification;
  /** verify(calls + 1): the proof asked about a call that never ran. */
  over: Verification;
  /** verify(calls - 1). */
  under: Verification;
  /** The instance's labels (facts known after setup). */
  labels: Labels | undefined;
  /** The databases the scenario opened through ctx.openDb. */
  opened: number;
}

/**
 * Sets `scenario` up in `mode` (a read-only scenario in the engine's read mode), calls its op
 * `calls` times, asks its proof, then tears it down and closes what it opened.
 */
export async function drive(
  scenario: Scenario,
  mode: ModeName | null,
  calls: number,
  on: LoadedEngine | Promise<LoadedEngine> = treeEngine(),
): Promise<Driven> {
  if (scenario.kind !== 'op') throw new Error(`${scenario.name} measures itself`);
  const e = await on;
  const opened: EngineDb[] = [];
  const ctx = scenarioContext(
    e,
    mode ?? readMode(e.capabilities.modes),
    tempDir('scenario-'),
    TINY_PROFILE,
    opened,
  );
  const instance = await scenario.setup(ctx);
  try {
    for (let i = 0; i < calls; i++) instance.op();
    return {
      proof: instance.verify(calls),
      over: instance.verify(calls + 1),
      under: instance.verify(calls - 1),
      labels: instance.labels,
      opened: opened.length,
    };
  } finally {
    instance.teardown?.();
    for (const db of opened) {
      try {
        db.close();
      } catch {
        // Closed by teardown already.
      }
    }
  }
}
