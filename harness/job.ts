/**
 * One scenario x mode job: the description the parent passes to a child process, and how a
 * process runs it (load the engine and the catalogue, build the context, measure).
 */
import path from 'node:path';
import { loadEngine, type EngineDb, type EnginePerfStats } from './engine-adapter.ts';
import { errorMessage } from './errors.ts';
import { failed, measureScenario } from './measure.ts';
import { MODES, type ModeName } from './modes.ts';
import { Prng, SEED } from './prng.ts';
import type { Profile } from './profiles.ts';
import { loadCatalogue } from './registry.ts';
import type { Measurement } from './results.ts';
import type { ScenarioContext } from './scenario.ts';

// No zod on this path: under tsx's loader, importing zod costs a child ~0.25 s, times ~60 jobs.
// The parent validates what comes back (MeasurementSchema) and wrote what goes in.

export interface ChildJob {
  scenario: string;
  mode: ModeName | null;
  engineDir: string;
  scenariosDir: string;
  /** The job's own temp directory (the parent creates and removes it). */
  tmpDir: string;
  profile: Profile;
  /**
   * The child runs with INMEM_PERF_TRACE=1: attach the engine's per-commit phase breakdown to
   * the measurement's labels (`perfTrace.*`).
   */
  perfTrace?: boolean;
}

/** A job file as the parent writes it; a shape check, since only the parent writes one. */
export function parseChildJob(text: string): ChildJob {
  const job = JSON.parse(text) as Partial<ChildJob>;
  const strings = ['scenario', 'engineDir', 'scenariosDir', 'tmpDir'] as const;
  for (const key of strings) {
    if (typeof job[key] !== 'string') throw new Error(`job field ${key} must be a string`);
  }
  if (job.mode !== null && !MODES.includes(job.mode as ModeName)) {
    throw new Error(`job field mode must be one of ${MODES.join(', ')} or null`);
  }
  if (typeof job.profile !== 'object' || job.profile === null) {
    throw new Error('job field profile must be an object');
  }
  return job as ChildJob;
}

/** Read-only scenarios open their database in the fastest mode the engine has. */
export function readMode(modes: Record<ModeName, { supported: boolean }>): ModeName {
  return modes.inMemory.supported ? 'inMemory' : 'strict';
}

/**
 * `perfTrace.*` labels from the database that committed most (a scenario may open several):
 * count, mean and p99 commit ns, and each phase's percent of commit time. Empty when no
 * database traced a commit (an engine without perf-trace, or a read-only scenario). The
 * statistics survive close(): they are read after the scenario's teardown.
 */
export function perfTraceLabels(dbs: readonly EngineDb[]): Record<string, number> {
  let best: EnginePerfStats | null = null;
  for (const db of dbs) {
    const s = typeof db.perfStats === 'function' ? db.perfStats() : null;
    if (s !== null && s.count > 0 && (best === null || s.count > best.count)) best = s;
  }
  if (best === null) return {};
  const labels: Record<string, number> = {
    'perfTrace.count': best.count,
    'perfTrace.meanCommitNs': best.meanCommitNs,
    'perfTrace.p99CommitNs': best.p99CommitNs,
  };
  for (const [phase, pct] of Object.entries(best.breakdown)) {
    if (Number.isFinite(pct)) labels[`perfTrace.${phase}`] = pct;
  }
  return labels;
}

export async function runJob(job: ChildJob): Promise<Measurement> {
  const opened: EngineDb[] = [];
  try {
    const engine = await loadEngine(job.engineDir);
    const catalogue = await loadCatalogue(job.scenariosDir);
    const scenario = catalogue.find((s) => s.name === job.scenario);
    if (scenario === undefined) return failed(`no scenario named ${job.scenario}`);
    const mode = job.mode ?? readMode(engine.capabilities.modes);
    const ctx: ScenarioContext = {
      engine,
      mode,
      tmpDir: job.tmpDir,
      profile: job.profile,
      // Every scenario starts from the same seed, so its keys are identical on every engine.
      rng: new Prng(SEED),
      openDb: (name = 'db') => {
        const db = engine.open(mode, path.join(job.tmpDir, name));
        opened.push(db);
        return db;
      },
    };
    const m = await measureScenario(scenario, ctx);
    const labels = { ...m.labels };
    if (job.mode === null) labels.openedWith = mode;
    if (job.perfTrace === true) Object.assign(labels, perfTraceLabels(opened));
    return { ...m, labels };
  } catch (err) {
    return failed(errorMessage(err));
  }
}
