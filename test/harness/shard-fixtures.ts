/** Synthetic shard results files: the results/merge.ts tests and the `merge` CLI tests. */
import fs from 'node:fs';
import path from 'node:path';
import { shardOf } from '../../harness/catalogue/registry.ts';
import type { ResultsFile } from '../../harness/results/results-file.ts';
import { COMPARE_RESULTS, readFixture } from './report-fixtures.ts';
import { okResult, resultsFile } from './helpers.ts';

export const BASE_COMMIT = 'a'.repeat(40);
export const CANDIDATE_COMMIT = 'b'.repeat(40);
export const SHARD_IDS = [
  'core/map_get',
  'core/map_set',
  'engine/get_direct',
  'kvstore/get/miss',
  'txn/x',
];

function comparisonJob(id: string): NonNullable<ResultsFile['comparison']>['jobs'][number] {
  const j = readFixture(COMPARE_RESULTS).comparison?.jobs[0];
  if (j === undefined) throw new Error('the compare fixture has no jobs');
  return { ...j, id, name: id, mode: null, baselineMode: null };
}

/** Shard `index` of `count` of a gate over `ids`, holding the jobs the deal gives it. */
export function shardResults(
  index: number,
  count: number,
  ids: readonly string[] = SHARD_IDS,
  change: (r: ResultsFile) => void = () => {},
): ResultsFile {
  const dealt = shardOf(ids, count);
  const mine = ids.filter((id) => dealt.get(id) === index);
  const r = resultsFile(mine.map((id) => okResult({ id, name: id })));
  r.runId = `run-${index}`;
  r.kind = 'gate';
  r.createdAt = `2025-01-0${index}T00:00:00.000Z`;
  r.wallTimeMs = 1000 * index;
  r.shard = { index, count };
  r.comparison = {
    baseline: {
      label: 'main',
      commit: BASE_COMMIT,
      source: 'ref',
      file: 'baseline.json',
      subject: 's',
    },
    candidate: {
      label: 'working tree',
      commit: CANDIDATE_COMMIT,
      source: 'working-tree',
      file: null,
    },
    rounds: index,
    notes: ['The baseline engine has one durability mode only (strict).', `only in ${index}`],
    jobs: mine.map(comparisonJob),
  };
  r.redFlags = [];
  change(r);
  return r;
}

/** Writes `results` as `<dir>/results.json` with a baseline.json of its jobs; returns the path. */
export function writeShard(dir: string, results: ResultsFile): string {
  fs.mkdirSync(dir, { recursive: true });
  const baseline = resultsFile(results.results.map((r) => ({ ...r })));
  baseline.runId = `${results.runId}-baseline`;
  fs.writeFileSync(path.join(dir, 'baseline.json'), JSON.stringify(baseline));
  const file = path.join(dir, 'results.json');
  fs.writeFileSync(file, JSON.stringify(results));
  return file;
}
