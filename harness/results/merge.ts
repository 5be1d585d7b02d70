/**
 * Shards back into one run: the n results files of `--shard 1/n` ... `--shard n/n` checked to
 * be one split of one run (`checkShards`), then combined into one results file
 * (`mergeShards`) and one baseline file (`mergeBaselines`). Pure: the `merge` command reads,
 * judges and writes. The red flags are not merged: they are ratios across jobs, so the caller
 * evaluates them again on the whole.
 *
 * What the merged file holds: every shard's results and comparison jobs, in the order the
 * unsharded run would have planned them when the caller gives that order (else by job id);
 * rounds and wall time the maximum (the shards ran in parallel; the sum is in a note); the
 * notes of every shard once each, plus one listing the shards and, when they ran on different
 * machines, one naming each shard's machine (the environment kept is shard 1's). It has no
 * `shard` field: it is the whole run.
 */
import { UsageError } from '../support/errors.ts';
import { formatMs, plural } from '../support/format.ts';
import { shardOf } from '../catalogue/registry.ts';
import { describeMachine, machineKey } from './machine.ts';
import type { ResultsFile, Shard } from './results-file.ts';

/** One shard's results file as read: its path (for messages) and its content. */
export interface ShardFile {
  file: string;
  results: ResultsFile;
}

/** A shard file known to carry its shard. */
export interface CheckedShard extends ShardFile {
  shard: Shard;
}

const FIX = "give merge every shard's results.json of one run, e.g. merge shard-*/results.json";

function name(s: CheckedShard): string {
  return `${s.file} (shard ${s.shard.index}/${s.shard.count})`;
}

/** The ids a shard measured: its results and its comparison's jobs. */
function jobIds(r: ResultsFile): string[] {
  return [
    ...new Set([...r.results.map((x) => x.id), ...(r.comparison?.jobs ?? []).map((j) => j.id)]),
  ];
}

function candidateCommit(r: ResultsFile): string | null {
  return r.comparison === undefined ? r.engine.commit : r.comparison.candidate.commit;
}

/** The first shard whose `what` differs from shard 1's, as a refusal naming both files. */
function sameAcross<T>(
  shards: readonly CheckedShard[],
  what: (r: ResultsFile) => T,
  says: (first: CheckedShard, other: CheckedShard) => string,
): void {
  const first = shards[0] as CheckedShard;
  const key = JSON.stringify(what(first.results)) ?? 'undefined';
  const other = shards.find((s) => (JSON.stringify(what(s.results)) ?? 'undefined') !== key);
  if (other !== undefined) throw new UsageError(says(first, other), FIX);
}

/**
 * The shards of one run, in shard order; refuses (UsageError naming the files) anything else:
 * a file without a shard, splits of different sizes, a shard missing or given twice, a job in
 * two files or in the wrong shard, and shards of different kinds, profiles or commits.
 */
export function checkShards(files: readonly ShardFile[]): CheckedShard[] {
  if (files.length === 0) throw new UsageError('merge needs the shards’ results files', FIX);
  const shards: CheckedShard[] = files.map((f) => {
    if (f.results.shard === undefined) {
      throw new UsageError(
        `${f.file} is not a shard's results: it has no shard field (its run had no --shard)`,
        FIX,
      );
    }
    return { ...f, shard: f.results.shard };
  });
  for (const s of shards) {
    if (s.results.peers !== undefined) {
      throw new UsageError(`${name(s)} is a peers run, whose table can't be split`, FIX);
    }
  }
  const count = (shards[0] as CheckedShard).shard.count;
  const other = shards.find((s) => s.shard.count !== count);
  if (other !== undefined) {
    throw new UsageError(
      `the files split the run in different numbers of shards: ${name(shards[0] as CheckedShard)} and ${name(other)}`,
      FIX,
    );
  }
  const byIndex = new Map<number, CheckedShard>();
  for (const s of shards) {
    const twin = byIndex.get(s.shard.index);
    if (twin !== undefined) {
      throw new UsageError(
        `shard ${s.shard.index}/${count} is given twice: ${twin.file} and ${s.file}`,
        FIX,
      );
    }
    byIndex.set(s.shard.index, s);
  }
  const sorted = [...byIndex.keys()].sort((a, b) => a - b);
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const have = sorted.map((i) => `${i}/${count}`).join(' and ');
    throw new UsageError(
      `have ${have}, missing ${missing.map((i) => `${i}/${count}`).join(' and ')}`,
      FIX,
    );
  }
  const ordered = sorted.map((i) => byIndex.get(i) as CheckedShard);
  sameAcross(
    ordered,
    (r) => r.kind ?? null,
    (a, b) =>
      `${name(a)} is a ${a.results.kind ?? 'bench'} run and ${name(b)} a ${b.results.kind ?? 'bench'} run`,
  );
  sameAcross(
    ordered,
    (r) => r.profile,
    (a, b) =>
      a.results.profile.name === b.results.profile.name
        ? `${name(a)} and ${name(b)} ran different settings of profile ${a.results.profile.name}`
        : `${name(a)} ran profile ${a.results.profile.name} and ${name(b)} profile ${b.results.profile.name}`,
  );
  sameAcross(
    ordered,
    (r) => r.comparison !== undefined,
    (a, b) =>
      `${name(a.results.comparison === undefined ? b : a)} compared with a baseline and ${name(a.results.comparison === undefined ? a : b)} did not`,
  );
  sameAcross(
    ordered,
    (r) => r.comparison?.identical !== undefined,
    (a, b) =>
      `${name(a)} and ${name(b)} disagree on whether the two sides' measured trees are identical`,
  );
  sameAcross(
    ordered,
    (r) => r.comparison?.baseline.commit ?? null,
    (a, b) =>
      `${name(a)} and ${name(b)} compared with different baselines (${a.results.comparison?.baseline.commit ?? 'none'} and ${b.results.comparison?.baseline.commit ?? 'none'})`,
  );
  sameAcross(ordered, candidateCommit, (a, b) =>
    [
      `${name(a)} and ${name(b)} measured different candidates`,
      `(${candidateCommit(a.results) ?? 'no commit'} and ${candidateCommit(b.results) ?? 'no commit'})`,
    ].join(' '),
  );
  checkJobs(ordered);
  return ordered;
}

/** No job in two files, and each in the shard that the whole plan deals it to. */
function checkJobs(shards: readonly CheckedShard[]): void {
  const owner = new Map<string, CheckedShard>();
  for (const s of shards) {
    for (const id of jobIds(s.results)) {
      const first = owner.get(id);
      if (first !== undefined) {
        throw new UsageError(`job ${id} is in both ${name(first)} and ${name(s)}`, FIX);
      }
      owner.set(id, s);
    }
  }
  const count = (shards[0] as CheckedShard).shard.count;
  const dealt = shardOf([...owner.keys()], count);
  for (const [id, s] of owner) {
    if (dealt.get(id) !== s.shard.index) {
      throw new UsageError(
        `job ${id} is in ${name(s)}, but the merged plan deals it to shard ${dealt.get(id)}/${count}: the shards were planned from different filters, modes or catalogues`,
        'run every shard with the same --filter, --mode and tree, then merge them',
      );
    }
  }
}

/** `items` by their id's place in `order`, ids not in it after them by id. */
function inPlanOrder<T extends { id: string }>(
  items: T[],
  order: readonly string[] | undefined,
): T[] {
  const rank = new Map((order ?? []).map((id, i) => [id, i]));
  const at = (id: string): number => rank.get(id) ?? Number.POSITIVE_INFINITY;
  return items.sort((a, b) => at(a.id) - at(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface MergeOptions {
  runId: string;
  /** The merge command line, recorded as the file's command. */
  command: string;
  /** The unsharded plan's job ids in plan order; without it jobs are ordered by id. */
  order?: readonly string[];
  /** The merged baseline file, relative to the merged results (null: none). */
  baselineFile: string | null;
}

export interface MergeOutcome {
  results: ResultsFile;
  /** The merge's own notes (also in the comparison's notes when there is a comparison). */
  notes: string[];
}

function shardNotes(shards: readonly CheckedShard[]): string[] {
  const count = (shards[0] as CheckedShard).shard.count;
  const walls = shards.map((s) => s.results.wallTimeMs);
  const each = shards.map(
    (s) =>
      `${s.shard.index}/${count} run ${s.results.runId} (${plural(jobIds(s.results).length, 'job')}, ${formatMs(s.results.wallTimeMs)})`,
  );
  const notes = [
    `Merged from ${plural(count, 'shard')} run in parallel: ${each.join('; ')}. Wall time ${formatMs(Math.max(...walls))} (the longest shard), ${formatMs(walls.reduce((a, b) => a + b, 0))} in all.`,
  ];
  const machines = new Set(shards.map((s) => machineKey(s.results.environment)));
  if (machines.size > 1) {
    notes.push(
      `The shards ran on ${plural(machines.size, 'machine')}: ${shards.map((s) => `${s.shard.index}/${count} on ${describeMachine(s.results.environment)}`).join('; ')}. Each shard compared both sides on its own machine; the environment shown is shard 1's, and the red flags judge figures from every machine.`,
    );
  }
  return notes;
}

/** One results file from checked shards (checkShards); no red flags, no shard. */
export function mergeShards(shards: readonly CheckedShard[], options: MergeOptions): MergeOutcome {
  const first = shards[0] as CheckedShard;
  const r = first.results;
  const notes = shardNotes(shards);
  const createdAt = shards.map((s) => s.results.createdAt).sort()[0] as string;
  const results: ResultsFile = {
    schemaVersion: r.schemaVersion,
    runId: options.runId,
    createdAt,
    command: options.command,
    ...(r.kind === undefined ? {} : { kind: r.kind }),
    profile: r.profile,
    engine: r.engine,
    environment: r.environment,
    wallTimeMs: Math.max(...shards.map((s) => s.results.wallTimeMs)),
    results: inPlanOrder(
      shards.flatMap((s) => s.results.results),
      options.order,
    ),
  };
  const cmp = r.comparison;
  if (cmp !== undefined) {
    const all = shards.flatMap((s) =>
      s.results.comparison === undefined ? [] : [s.results.comparison],
    );
    results.comparison = {
      baseline: { ...cmp.baseline, file: options.baselineFile },
      candidate: cmp.candidate,
      ...(cmp.identical === undefined ? {} : { identical: cmp.identical }),
      rounds: Math.max(...all.map((c) => c.rounds)),
      notes: [...new Set(all.flatMap((c) => c.notes)), ...notes],
      jobs: inPlanOrder(
        all.flatMap((c) => c.jobs),
        options.order,
      ),
    };
  }
  return { results, notes };
}

/**
 * One baseline file from the shards' (each read from the folder of its shard): the same file
 * given by every shard (a stored baseline) stays as it is; different ones (each shard's
 * checkout measured its own jobs) become one file of all their results, by `order` then id.
 */
export function mergeBaselines(
  baselines: ReadonlyArray<{ file: string; results: ResultsFile }>,
  options: { runId: string; order?: readonly string[] },
): ResultsFile | null {
  const first = baselines[0];
  if (first === undefined) return null;
  if (baselines.every((b) => b.file === first.file)) return first.results;
  const byId = new Map<string, ResultsFile['results'][number]>();
  for (const b of baselines)
    for (const x of b.results.results) if (!byId.has(x.id)) byId.set(x.id, x);
  const { shard: _shard, ...rest } = first.results;
  return {
    ...rest,
    runId: `${options.runId}-baseline`,
    wallTimeMs: Math.max(...baselines.map((b) => b.results.wallTimeMs)),
    results: inPlanOrder([...byId.values()], options.order),
  };
}
