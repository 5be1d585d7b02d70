/**
 * Shards back into one run (results/merge.ts), on synthetic results files: what the merged
 * file holds (every job once, in plan order or by id; rounds and wall time the maximum; the
 * notes once each, the shards and their machines named; no shard field), the merged baseline,
 * and every refusal, each naming the files.
 */
import { describe, expect, it } from 'vitest';
import {
  checkShards,
  mergeBaselines,
  mergeShards,
  type ShardFile,
} from '../../../harness/results/merge.ts';
import { ResultsFileSchema, type ResultsFile } from '../../../harness/results/results-file.ts';
import { UsageError } from '../../../harness/support/errors.ts';
import { okResult, resultsFile } from '../helpers.ts';
import { BASE_COMMIT, CANDIDATE_COMMIT, SHARD_IDS, shardResults } from '../shard-fixtures.ts';

const BASE = BASE_COMMIT;
const CAND = CANDIDATE_COMMIT;
const IDS = SHARD_IDS;

/** Shard `index` of `count` of a gate over `ids`, as read from shard-<index>/results.json. */
function shard(
  index: number,
  count: number,
  ids: readonly string[] = IDS,
  change: (r: ResultsFile) => void = () => {},
): ShardFile {
  return { file: `shard-${index}/results.json`, results: shardResults(index, count, ids, change) };
}

function refusal(files: ShardFile[]): UsageError {
  try {
    checkShards(files);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('checkShards accepted the files');
}

const OPTS = { runId: 'merged', command: 'harness merge', baselineFile: 'baseline.json' };

describe('mergeShards', () => {
  it('holds every job of the unsharded run once, by id without a plan order', () => {
    const shards = checkShards([shard(2, 2), shard(1, 2)]);
    expect(shards.map((s) => s.shard.index)).toEqual([1, 2]);
    const { results } = mergeShards(shards, OPTS);
    expect(results.results.map((r) => r.id)).toEqual([...IDS].sort());
    expect(results.comparison?.jobs.map((j) => j.id)).toEqual([...IDS].sort());
    expect(ResultsFileSchema.safeParse(results).success).toBe(true);
  });

  it('in the unsharded plan order when given one; ids it lacks after the rest, by id', () => {
    const order = ['txn/x', 'engine/get_direct', 'core/map_set', 'core/map_get'];
    const { results } = mergeShards(checkShards([shard(1, 2), shard(2, 2)]), { ...OPTS, order });
    expect(results.results.map((r) => r.id)).toEqual([...order, 'kvstore/get/miss']);
    expect(results.comparison?.jobs.map((j) => j.id)).toEqual([...order, 'kvstore/get/miss']);
  });

  it('rounds and wall time the maximum, the sum noted; notes once each; the run is whole', () => {
    const { results, notes } = mergeShards(
      checkShards([shard(1, 3), shard(2, 3), shard(3, 3)]),
      OPTS,
    );
    expect(results.wallTimeMs).toBe(3000);
    expect(results.comparison?.rounds).toBe(3);
    expect(results.createdAt).toBe('2025-01-01T00:00:00.000Z');
    expect(results.runId).toBe('merged');
    expect(results.command).toBe('harness merge');
    expect(results.kind).toBe('gate');
    expect('shard' in results).toBe(false);
    expect('redFlags' in results).toBe(false); // evaluated again on the whole by the caller
    expect(results.comparison?.baseline).toMatchObject({ commit: BASE, file: 'baseline.json' });
    const cmpNotes = results.comparison?.notes ?? [];
    expect(cmpNotes.filter((n) => n.startsWith('The baseline engine'))).toHaveLength(1);
    expect(cmpNotes).toEqual(expect.arrayContaining(['only in 1', 'only in 2', 'only in 3']));
    expect(notes).toHaveLength(1); // one machine: no machines note
    expect(notes[0]).toMatch(
      /^Merged from 3 shards run in parallel: 1\/3 run run-1 \(2 jobs, 1\.0 s\); 2\/3 run run-2 \(2 jobs, 2\.0 s\); 3\/3 run run-3 \(1 job, 3\.0 s\)\. Wall time 3\.0 s \(the longest shard\), 6\.0 s in all\.$/,
    );
    expect(cmpNotes).toContain(notes[0]);
  });

  it('names each shard’s machine when they differ, and keeps shard 1’s environment', () => {
    const other = shard(2, 2, IDS, (r) => {
      r.environment = { ...r.environment, hostHash: 'def', cores: 4 };
    });
    const first = shard(1, 2);
    const { results, notes } = mergeShards(checkShards([first, other]), OPTS);
    expect(results.environment).toEqual(first.results.environment);
    expect(notes[1]).toMatch(
      /^The shards ran on 2 machines: 1\/2 on cpu × 2, .*host abc; 2\/2 on cpu × 4, .*host def\./,
    );
  });

  it('a shard that got no job merges as the others: 3 shards of 2 jobs', () => {
    const ids = ['core/map_get', 'core/map_set'];
    const empty = shard(3, 3, ids);
    expect(empty.results.results).toEqual([]);
    const { results } = mergeShards(checkShards([shard(1, 3, ids), shard(2, 3, ids), empty]), OPTS);
    expect(results.results.map((r) => r.id)).toEqual(ids);
  });

  it('a bench without comparison: results only, the notes returned', () => {
    const bench = (i: number): ShardFile =>
      shard(i, 2, IDS, (r) => {
        r.kind = 'bench';
        delete r.comparison;
      });
    const { results, notes } = mergeShards(checkShards([bench(1), bench(2)]), OPTS);
    expect(results.comparison).toBeUndefined();
    expect(results.results).toHaveLength(IDS.length);
    expect(notes[0]).toMatch(/^Merged from 2 shards/);
  });

  it('identical-trees shards merge into one identical run', () => {
    const same = (i: number): ShardFile =>
      shard(i, 2, [], (r) => {
        if (r.comparison !== undefined) r.comparison.identical = 'identical trees';
      });
    const { results } = mergeShards(checkShards([same(1), same(2)]), {
      ...OPTS,
      baselineFile: null,
    });
    expect(results.comparison?.identical).toBe('identical trees');
    expect(results.comparison?.baseline.file).toBeNull();
  });
});

describe('checkShards refuses, naming the files', () => {
  it('a file without a shard field', () => {
    const whole = shard(1, 2, IDS, (r) => delete r.shard);
    const e = refusal([whole, shard(2, 2)]);
    expect(e.message).toBe(
      "shard-1/results.json is not a shard's results: it has no shard field (its run had no --shard)",
    );
    expect(e.hint).toMatch(/merge shard-\*\/results\.json/);
  });

  it('shards of splits of different sizes', () => {
    expect(refusal([shard(1, 2), shard(2, 3)]).message).toBe(
      'the files split the run in different numbers of shards: shard-1/results.json (shard 1/2) and shard-2/results.json (shard 2/3)',
    );
  });

  it('a missing shard', () => {
    expect(refusal([shard(1, 3), shard(3, 3)]).message).toBe('have 1/3 and 3/3, missing 2/3');
    expect(refusal([shard(2, 4)]).message).toBe('have 2/4, missing 1/4 and 3/4 and 4/4');
  });

  it('the same shard twice', () => {
    const again = { ...shard(1, 2), file: 'copy/results.json' };
    expect(refusal([shard(1, 2), again, shard(2, 2)]).message).toBe(
      'shard 1/2 is given twice: shard-1/results.json and copy/results.json',
    );
  });

  it('a job in two files', () => {
    const extra = shard(2, 2, IDS, (r) => {
      r.results.push(okResult({ id: 'core/map_get', name: 'core/map_get' }));
    });
    expect(refusal([shard(1, 2), extra]).message).toBe(
      'job core/map_get is in both shard-1/results.json (shard 1/2) and shard-2/results.json (shard 2/2)',
    );
  });

  it('a job in a shard the whole plan does not deal it to (shards planned differently)', () => {
    // Each file is a true shard of its own plan, but the plans differ: the union deals
    // engine/get_direct to shard 2, and shard 1 measured it.
    const one = shard(1, 2, ['core/map_get', 'core/map_set', 'engine/get_direct']);
    const two = shard(2, 2, ['core/map_set', 'kvstore/get/miss']);
    expect(refusal([one, two]).message).toBe(
      'job engine/get_direct is in shard-1/results.json (shard 1/2), but the merged plan deals it to shard 2/2: the shards were planned from different filters, modes or catalogues',
    );
  });

  it('shards of different kinds', () => {
    const compare = shard(2, 2, IDS, (r) => (r.kind = 'compare'));
    expect(refusal([shard(1, 2), compare]).message).toBe(
      'shard-1/results.json (shard 1/2) is a gate run and shard-2/results.json (shard 2/2) a compare run',
    );
  });

  it('shards of different profiles', () => {
    const full = shard(2, 2, IDS, (r) => (r.profile = { ...r.profile, name: 'full' }));
    expect(refusal([shard(1, 2), full]).message).toMatch(/ran profile tiny and .* profile full$/);
    const tweaked = shard(2, 2, IDS, (r) => (r.profile = { ...r.profile, warmupMs: 99 }));
    expect(refusal([shard(1, 2), tweaked]).message).toMatch(
      /ran different settings of profile tiny$/,
    );
  });

  it('shards against different baseline commits', () => {
    const other = shard(2, 2, IDS, (r) => {
      if (r.comparison !== undefined) r.comparison.baseline.commit = 'c'.repeat(40);
    });
    expect(refusal([shard(1, 2), other]).message).toBe(
      `shard-1/results.json (shard 1/2) and shard-2/results.json (shard 2/2) compared with different baselines (${BASE} and ${'c'.repeat(40)})`,
    );
  });

  it('shards of different candidate commits', () => {
    const other = shard(1, 2, IDS, (r) => {
      if (r.comparison !== undefined) r.comparison.candidate.commit = 'd'.repeat(40);
    });
    expect(refusal([other, shard(2, 2)]).message).toBe(
      `shard-1/results.json (shard 1/2) and shard-2/results.json (shard 2/2) measured different candidates (${'d'.repeat(40)} and ${CAND})`,
    );
  });

  it('a shard with a comparison and one without', () => {
    const bare = shard(2, 2, IDS, (r) => delete r.comparison);
    expect(refusal([shard(1, 2), bare]).message).toBe(
      'shard-1/results.json (shard 1/2) compared with a baseline and shard-2/results.json (shard 2/2) did not',
    );
  });

  it('an identical-trees shard with a measured one', () => {
    const same = shard(2, 2, [], (r) => {
      if (r.comparison !== undefined) r.comparison.identical = 'identical';
    });
    expect(refusal([shard(1, 2), same]).message).toMatch(
      /disagree on whether the two sides' measured trees are identical/,
    );
  });

  it('a peers run', () => {
    const peers = shard(1, 1, IDS, (r) => {
      r.peers = { reference: 'inmem', floor: 'floor', adapters: [], rows: [], method: 'm' };
    });
    expect(refusal([peers]).message).toMatch(/is a peers run, whose table can't be split/);
  });

  it('no file at all', () => {
    expect(refusal([]).message).toMatch(/merge needs the shards’ results files/);
  });
});

describe('mergeBaselines', () => {
  const baseline = (ids: string[], runId: string): ResultsFile => {
    const r = resultsFile(ids.map((id) => okResult({ id, name: id })));
    r.runId = runId;
    r.shard = { index: 1, count: 2 };
    return r;
  };

  it("the shards' own baseline files become one, every job once, in plan order", () => {
    const merged = mergeBaselines(
      [
        {
          file: '/a/shard-1/baseline.json',
          results: baseline(['core/map_get', 'engine/get_direct'], 'b1'),
        },
        { file: '/a/shard-2/baseline.json', results: baseline(['core/map_set'], 'b2') },
      ],
      { runId: 'merged', order: ['core/map_set', 'core/map_get', 'engine/get_direct'] },
    );
    expect(merged?.results.map((r) => r.id)).toEqual([
      'core/map_set',
      'core/map_get',
      'engine/get_direct',
    ]);
    expect(merged?.runId).toBe('merged-baseline');
    expect(merged !== null && 'shard' in merged).toBe(false);
    expect(ResultsFileSchema.safeParse(merged).success).toBe(true);
  });

  it('one stored file named by every shard stays as it is; none gives none', () => {
    const stored = baseline(['core/map_get'], 'stored');
    const one = { file: '/repo/baselines/m3.json', results: stored };
    expect(mergeBaselines([one, one], { runId: 'merged' })).toBe(stored);
    expect(mergeBaselines([], { runId: 'merged' })).toBeNull();
  });
});
