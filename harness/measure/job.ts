/**
 * One scenario x mode job: the description the parent passes to a child process, and how a
 * process runs it (load the engine and the catalogue, build the context, measure).
 */
import { jobEngine, readMode, scenarioContext } from '../catalogue/context.ts';
import type { EngineDb, EnginePerfStats } from '../engine-api/adapter.ts';
import { errorMessage } from '../support/errors.ts';
import { failed, measureScenario } from './measure.ts';
import type { ModeName } from '../engine-api/modes.ts';
import type { Profile } from '../config/profiles.ts';
import { loadCatalogue } from '../catalogue/registry.ts';
import type { Measurement } from '../results/results-file.ts';
import type { Scenario } from '../catalogue/scenario.ts';

// No zod on this path: it would load in every child. The parent validates what comes back
// (MeasurementSchema) and wrote what goes in.

export interface ChildJob {
  scenario: string;
  mode: ModeName | null;
  engineDir: string;
  /**
   * URL of the module to load the engine from (a bundle of it: bundle.ts); default its source
   * entry, `<engineDir>/src/index.ts`, which needs a TypeScript loader.
   */
  engineModule?: string;
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

/**
 * Runs one job in this process. `catalogue` is the bundled one in a child process; without
 * it the scenario modules of `job.scenariosDir` are imported (tests, under tsx).
 */
export async function runJob(job: ChildJob, catalogue?: readonly Scenario[]): Promise<Measurement> {
  const opened: EngineDb[] = [];
  try {
    const engine = await jobEngine(job);
    const scenarios = catalogue ?? (await loadCatalogue(job.scenariosDir));
    const scenario = scenarios.find((s) => s.name === job.scenario);
    if (scenario === undefined) return failed(`no scenario named ${job.scenario}`);
    const mode = job.mode ?? readMode(engine.capabilities.modes);
    const ctx = scenarioContext(engine, mode, job.tmpDir, job.profile, opened);
    const m = await measureScenario(scenario, ctx);
    const labels = { ...m.labels };
    if (job.mode === null) labels.openedWith = mode;
    if (job.perfTrace === true) Object.assign(labels, perfTraceLabels(opened));
    return { ...m, labels };
  } catch (err) {
    return failed(errorMessage(err));
  }
}
