/**
 * What a scenario runs against inside a measuring process: its engine (loaded from a bundle
 * or from sources) and its context. Kept apart from measure.ts so a comparison replicate
 * (replicate.ts) loads none of benchmark.js.
 */
import path from 'node:path';
import {
  loadEngine,
  loadEngineModule,
  type EngineDb,
  type LoadedEngine,
} from '../engine-api/adapter.ts';
import type { ModeName } from '../engine-api/modes.ts';
import { Prng, SEED } from '../support/prng.ts';
import type { Profile } from '../config/profiles.ts';
import type { ScenarioContext } from './scenario.ts';

/** Read-only scenarios open their database in the fastest mode the engine has. */
export function readMode(modes: Record<ModeName, { supported: boolean }>): ModeName {
  return modes.inMemory.supported ? 'inMemory' : 'strict';
}

/** The context a scenario runs in; databases it opens are pushed to `opened`. */
export function scenarioContext(
  engine: LoadedEngine,
  mode: ModeName,
  tmpDir: string,
  profile: Profile,
  opened: EngineDb[],
): ScenarioContext {
  return {
    engine,
    mode,
    tmpDir,
    profile,
    // Every scenario starts from the same seed, so its keys are identical on every engine.
    rng: new Prng(SEED),
    openDb: (name = 'db') => {
      const db = engine.open(mode, path.join(tmpDir, name));
      opened.push(db);
      return db;
    },
  };
}

/** The engine a job names: from its bundle when it has one, else from its sources. */
export function jobEngine(job: {
  engineDir: string;
  engineModule?: string | undefined;
}): Promise<LoadedEngine> {
  return job.engineModule === undefined
    ? loadEngine(job.engineDir)
    : loadEngineModule(job.engineDir, job.engineModule);
}
