/**
 * Comparison runs that measure nothing and say why, written in seconds before any checkout:
 * the gate's fast path (both sides have byte-identical measured trees, `identicalTrees`, so no
 * figure can differ) and a shard that got no job (more shards than jobs). Their results files
 * carry both sides, the shard and no job; judge/verdict.ts passes them.
 */
import path from 'node:path';
import { resolveRef, type ResolvedRef } from '../baseline/baselines.ts';
import { headCommit, isDirty, pathHashes } from '../baseline/git.ts';
import { loadEngine } from '../engine-api/adapter.ts';
import { resultsFileFor } from '../run/results-file-for.ts';
import { newRunId } from '../run/runner.ts';
import { writeResults, type ResultsFile, type RunKind } from '../results/results-file.ts';
import type { Profile } from '../config/profiles.ts';
import type { ShardSpec } from '../catalogue/registry.ts';
import { DEFAULT_ENGINE_DIR, REPORTS_DIR, REPO_ROOT } from '../support/paths.ts';
import { log, type SideRecord } from './comparison-sides.ts';

/**
 * What must be byte-identical on both sides for the gate to pass without measuring: the
 * engine, the scenario code both sides are measured with, and the locked dependencies (the
 * engine's msgpackr, the peers' SQLite and LMDB).
 */
export const MEASURED_PATHS = [
  'engine',
  'harness/scenarios',
  'harness/catalogue/scenario.ts',
  'harness/peers',
  'package-lock.json',
] as const;

export interface IdenticalTrees {
  /** How the report names each side: "<name> (<sha12>)". */
  baseline: string;
  candidate: string;
  commits: { baseline: string; candidate: string };
  /** The candidate is the working tree (its HEAD, clean in the measured paths). */
  workingTree: boolean;
  hashes: Map<string, string | null>;
}

/** The two sides and the shared hashes when the measured paths are identical, else null. */
export async function identicalTrees(
  baseline: string | ResolvedRef,
  against: string | ResolvedRef | undefined,
): Promise<IdenticalTrees | null> {
  const b = typeof baseline === 'string' ? await resolveRef(baseline, { log }) : baseline;
  let candidateCommit: string;
  let candidateLabel: string;
  if (against === undefined) {
    const head = await headCommit(REPO_ROOT).catch(() => null);
    if (head === null || (await isDirty(REPO_ROOT, [...MEASURED_PATHS]))) return null;
    candidateCommit = head;
    candidateLabel = 'the working tree';
  } else {
    const c = typeof against === 'string' ? await resolveRef(against, { log }) : against;
    candidateCommit = c.commit;
    candidateLabel = c.input;
  }
  const bh = await pathHashes(REPO_ROOT, b.commit, MEASURED_PATHS);
  const ch = await pathHashes(REPO_ROOT, candidateCommit, MEASURED_PATHS);
  for (const p of MEASURED_PATHS) if (bh.get(p) !== ch.get(p)) return null;
  return {
    baseline: `${b.name} (${b.commit.slice(0, 12)})`,
    candidate: `${candidateLabel} (${candidateCommit.slice(0, 12)})`,
    commits: { baseline: b.commit, candidate: candidateCommit },
    workingTree: against === undefined,
    hashes: bh,
  };
}

/** The run as the command was given: where it writes, what it is, which shard. */
export interface UnmeasuredRun {
  /** `--out`; default reports/<run-id>/. */
  out?: string;
  kind: RunKind;
  command: string;
  profile: Profile;
  shard?: ShardSpec;
}

export interface Written {
  file: string;
  results: ResultsFile;
}

async function writeUnmeasured(
  run: UnmeasuredRun,
  comparison: (dir: string) => NonNullable<ResultsFile['comparison']>,
): Promise<Written> {
  const runId = newRunId();
  const dir = path.resolve(run.out ?? path.join(REPORTS_DIR, runId));
  const results: ResultsFile = {
    ...(await resultsFileFor(
      // What ran is this harness on this machine; the sides' commits are in the comparison.
      await loadEngine(DEFAULT_ENGINE_DIR),
      { command: run.command, profile: run.profile, kind: run.kind, shard: run.shard },
      runId,
      [],
      0,
    )),
    comparison: comparison(dir),
  };
  const file = path.join(dir, 'results.json');
  writeResults(file, results);
  return { file, results };
}

/** The gate's fast path: a results file that says nothing measured could differ, and why. */
export async function writeIdenticalRun(
  run: UnmeasuredRun,
  same: IdenticalTrees,
): Promise<Written> {
  const trees = MEASURED_PATHS.map((p) => `${p} ${same.hashes.get(p)?.slice(0, 12) ?? 'absent'}`);
  const reason = `${same.candidate} and the baseline ${same.baseline} have identical engine trees, scenario code and locked dependencies (${trees.join(', ')}), so no measured figure can differ; nothing was measured`;
  log(`gate: ${reason}`);
  return writeUnmeasured(run, () => ({
    baseline: {
      label: same.baseline,
      commit: same.commits.baseline,
      source: 'ref',
      file: null,
      subject: null,
    },
    candidate: {
      label: same.candidate,
      commit: same.commits.candidate,
      source: same.workingTree ? 'working-tree' : 'ref',
      file: null,
      subject: null,
    },
    identical: reason,
    rounds: 0,
    notes: [],
    jobs: [],
  }));
}

/**
 * A shard that got no job: both sides as resolved (not checked out), so `merge` can check that
 * it belongs with the other shards, and `note` saying why nothing was measured. A stored
 * baseline (`storedFile`, absolute) is recorded relative to the results' folder, as usual.
 */
export async function writeEmptyShardRun(
  run: UnmeasuredRun,
  sides: { baseline: SideRecord; storedFile?: string; candidate: SideRecord },
  note: string,
): Promise<Written> {
  log(note);
  return writeUnmeasured(run, (dir) => ({
    baseline:
      sides.storedFile === undefined
        ? sides.baseline
        : { ...sides.baseline, file: path.relative(dir, sides.storedFile) },
    candidate: sides.candidate,
    rounds: 0,
    notes: [note],
    jobs: [],
  }));
}
