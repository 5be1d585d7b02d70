/**
 * The one builder of a results file: every command that writes one (bench, compare, gate,
 * baseline record) takes its run id, engine reference, environment and timing from here, so no
 * two files can disagree on what a field means.
 */
import type { LoadedEngine } from '../engine-api/adapter.ts';
import type { ShardSpec } from '../catalogue/registry.ts';
import type { Profile } from '../config/profiles.ts';
import type { ResultsFile, ScenarioResult } from '../results/results-file.ts';
import { engineRef, environment } from './environment.ts';

/** A results file of this machine, for `engine`, as run by `run.command` (of `run.shard`, if given). */
export async function resultsFileFor(
  engine: LoadedEngine,
  run: {
    command: string;
    profile: Profile;
    kind?: ResultsFile['kind'];
    createdAt?: string;
    shard?: ShardSpec;
  },
  runId: string,
  results: ScenarioResult[],
  wallTimeMs: number,
): Promise<ResultsFile> {
  return {
    schemaVersion: 1,
    runId,
    createdAt: run.createdAt ?? new Date().toISOString(),
    command: run.command,
    ...(run.kind === undefined ? {} : { kind: run.kind }),
    profile: run.profile,
    engine: await engineRef(engine.dir, engine.capabilities),
    environment: environment(),
    wallTimeMs,
    results,
    ...(run.shard === undefined
      ? {}
      : { shard: { index: run.shard.index, count: run.shard.count } }),
  };
}
