/**
 * The catalogue: every module in the scenarios directory exports `scenarios`, and this module
 * collects them, checks the naming rules (docs/naming.md), and expands them into jobs: one per
 * scenario, times one per durability mode for scenarios that write; `shardJobs` splits a plan
 * into the deterministic shards that `--shard i/n` runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import picomatch from 'picomatch';
import { UsageError, errorMessage } from '../support/errors.ts';
import { plural } from '../support/format.ts';
import { DUR_LABELS, MODES, type ModeName } from '../engine-api/modes.ts';
import {
  ACCESS_PATTERNS,
  LAYERS,
  PREFIX_LAYERS,
  type AccessPattern,
  type Scenario,
} from './scenario.ts';

const NAME_RE = /^[a-z]+(\/[A-Za-z0-9_]+)+$/;

/** Problems with one scenario's name and labels (empty when it follows the rules). */
export function scenarioProblems(s: Scenario): string[] {
  const problems: string[] = [];
  const where = `scenario "${s.name}"`;
  if (!NAME_RE.test(s.name)) {
    problems.push(`${where}: names are a lowercase prefix and segments [A-Za-z0-9_] joined by "/"`);
  }
  const segments = s.name.split('/');
  const prefix = segments[0] ?? '';
  const last = segments[segments.length - 1] ?? '';
  const layer = PREFIX_LAYERS[prefix];
  if (layer === undefined) {
    problems.push(
      `${where}: prefix "${prefix}" is not one of ${Object.keys(PREFIX_LAYERS).join(', ')}`,
    );
  } else if (s.layer !== layer) {
    problems.push(`${where}: a ${prefix}/ scenario is layer ${layer}, not ${s.layer}`);
  }
  if (!LAYERS.includes(s.layer)) problems.push(`${where}: unknown layer ${String(s.layer)}`);
  if (s.name.includes('dur_')) {
    problems.push(`${where}: the harness adds the dur_<mode> label; the name must not carry it`);
  }
  if ((ACCESS_PATTERNS as readonly string[]).includes(last) && s.access !== last) {
    problems.push(
      `${where}: ends in access pattern "${last}" but declares access ${String(s.access)}`,
    );
  }
  if (s.access !== undefined && last !== s.access) {
    problems.push(
      `${where}: declares access "${s.access}", so its name must end with /${s.access}`,
    );
  }
  if (s.access === undefined && typeof s.labels?.access === 'string') {
    const a = s.labels.access;
    if (!(ACCESS_PATTERNS as readonly string[]).includes(a)) {
      problems.push(`${where}: labels.access "${a}" is not one of ${ACCESS_PATTERNS.join(', ')}`);
    }
  }
  if ((s.peer === true) !== (prefix === 'peers')) {
    problems.push(`${where}: peer scenarios, and only they, are named peers/<adapter>/...`);
  }
  if (s.guarantee.trim() === '') problems.push(`${where}: says no guarantee it exercises`);
  if (s.catches.trim() === '') problems.push(`${where}: says no regression it catches`);
  if (s.modes !== undefined) {
    if (!s.writes) problems.push(`${where}: only writing scenarios run per mode`);
    if (s.modes.length === 0 || s.modes.some((m) => !MODES.includes(m))) {
      problems.push(`${where}: modes must be a non-empty subset of ${MODES.join(', ')}`);
    }
  }
  return problems;
}

export function catalogueProblems(scenarios: readonly Scenario[]): string[] {
  const problems = scenarios.flatMap(scenarioProblems);
  const seen = new Set<string>();
  for (const s of scenarios) {
    if (seen.has(s.name)) problems.push(`scenario name "${s.name}" is defined more than once`);
    seen.add(s.name);
  }
  return problems;
}

/** The scenario modules of a directory, in name order (every .ts file; tests live elsewhere). */
export function scenarioModules(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => path.join(dir, f));
}

function isScenarioArray(v: unknown): v is Scenario[] {
  return (
    Array.isArray(v) &&
    v.every((s) => typeof s === 'object' && s !== null && typeof (s as Scenario).name === 'string')
  );
}

/** A scenario module as imported: its file (for messages) and its exports. */
export interface ScenarioModule {
  file: string;
  exports: { scenarios?: unknown };
}

/** The catalogue from imported scenario modules, checked; throws on any problem. */
export function catalogueFromModules(modules: readonly ScenarioModule[]): Scenario[] {
  const all: Scenario[] = [];
  for (const { file, exports } of modules) {
    if (!isScenarioArray(exports.scenarios)) {
      throw new Error(`scenario module ${file} must export \`scenarios\`, an array of scenarios`);
    }
    all.push(...exports.scenarios);
  }
  const problems = catalogueProblems(all);
  if (problems.length > 0) {
    throw new Error(`the scenario catalogue breaks the naming rules:\n  ${problems.join('\n  ')}`);
  }
  return all;
}

/** Imports every scenario module of `dir` and checks the catalogue; throws on any problem. */
export async function loadCatalogue(dir: string): Promise<Scenario[]> {
  if (!fs.existsSync(dir)) throw new UsageError(`scenario directory ${dir} does not exist`);
  const modules: ScenarioModule[] = [];
  for (const file of scenarioModules(dir)) {
    try {
      modules.push({
        file,
        exports: (await import(pathToFileURL(file).href)) as ScenarioModule['exports'],
      });
    } catch (err) {
      throw new Error(`could not import scenario module ${file}: ${errorMessage(err)}`);
    }
  }
  return catalogueFromModules(modules);
}

export interface Job {
  scenario: Scenario;
  /** null for read-only scenarios, which run once. */
  mode: ModeName | null;
  /** name, plus /dur_<mode> for writing scenarios. */
  id: string;
}

export function jobId(name: string, mode: ModeName | null): string {
  return mode === null ? name : `${name}/${DUR_LABELS[mode]}`;
}

/** The modes a scenario runs in: none (null) for read-only ones. */
export function scenarioModes(s: Scenario): Array<ModeName | null> {
  if (!s.writes) return [null];
  return MODES.filter((m) => s.modes === undefined || s.modes.includes(m));
}

export interface Selection {
  /** Globs over scenario names (picomatch); empty = all. */
  filters?: readonly string[];
  /** Modes to run writing scenarios in; empty = all. Read-only scenarios always run. */
  modes?: readonly ModeName[];
  /** Include peer scenarios (`bench --peers`); without it they are never planned. */
  peers?: boolean;
  /** Only shard `index` of `count` of the jobs the rest selects (`shardJobs`). */
  shard?: ShardSpec;
}

/** Shard `index` of `count`, numbered from 1 (`--shard 2/3`). */
export interface ShardSpec {
  index: number;
  count: number;
}

/**
 * The shard (1-based) of each of `ids`: sorted (by code unit, so no locale can reorder them),
 * the id at sorted position p belongs to shard (p % count) + 1. Dealing the sorted list round
 * robin gives every shard the same number of jobs, give or take one; sorting makes the split
 * depend on the set of ids alone, and that set depends only on the catalogue, the filters and
 * the modes, so every shard of a CI matrix, planning on its own machine, computes the same split.
 */
export function shardOf(ids: readonly string[], count: number): Map<string, number> {
  const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(sorted.map((id, p) => [id, (p % count) + 1]));
}

/** Whether job `id` of the plan `ids` belongs to `shard`. */
export function inShard(id: string, ids: readonly string[], shard: ShardSpec): boolean {
  return shardOf(ids, shard.count).get(id) === shard.index;
}

/** What a run whose shard got no job says (more shards than jobs): it measures nothing. */
export function emptyShardNote(shard: ShardSpec, planned: number): string {
  return `shard ${shard.index}/${shard.count} has no job: the ${plural(planned, 'planned job')} went to other shards, so nothing was measured`;
}

/** The jobs of `shard`, in plan order. */
export function shardJobs<T extends { id: string }>(jobs: readonly T[], shard: ShardSpec): T[] {
  const of = shardOf(
    jobs.map((j) => j.id),
    shard.count,
  );
  return jobs.filter((j) => of.get(j.id) === shard.index);
}

export function planJobs(scenarios: readonly Scenario[], selection: Selection = {}): Job[] {
  const filters = selection.filters ?? [];
  const match = filters.length === 0 ? () => true : picomatch([...filters]);
  const modes = selection.modes ?? [];
  const jobs: Job[] = [];
  for (const s of scenarios) {
    if (s.peer === true && selection.peers !== true) continue;
    if (!match(s.name)) continue;
    for (const mode of scenarioModes(s)) {
      if (mode !== null && modes.length > 0 && !modes.includes(mode)) continue;
      jobs.push({ scenario: s, mode, id: jobId(s.name, mode) });
    }
  }
  // After the filters and modes: the shards split what the whole run would plan.
  return selection.shard === undefined ? jobs : shardJobs(jobs, selection.shard);
}

/** The access pattern of a scenario: its declared one, or the one in its labels. */
export function accessOf(s: Scenario): AccessPattern | undefined {
  if (s.access !== undefined) return s.access;
  const a = s.labels?.access;
  return (ACCESS_PATTERNS as readonly unknown[]).includes(a) ? (a as AccessPattern) : undefined;
}
