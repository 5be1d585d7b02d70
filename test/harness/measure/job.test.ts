/**
 * `bench --perf-trace`: children run with INMEM_PERF_TRACE=1 and each writing scenario's
 * labels carry the engine's commit phase breakdown (job.ts perfTraceLabels), which the report
 * charts; without the flag, no child traces.
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { EngineDb, EnginePerfStats } from '../../../harness/engine-api/adapter.ts';
import { perfTraceLabels } from '../../../harness/measure/job.ts';
import { readResults } from '../../../harness/results/results-file.ts';
import { runHarness, tempDirs } from '../helpers.ts';

const dirs = tempDirs('perf-trace-');
afterAll(dirs.removeAll);

function fakeDb(stats: EnginePerfStats | null): EngineDb {
  const db = {
    transaction: () => {
      throw new Error('unused');
    },
    begin: () => {
      throw new Error('unused');
    },
    get: () => undefined,
    snapshot: () => {
      throw new Error('unused');
    },
    stats: () => ({ commits: 0, version: 0 }),
    close: () => {},
  } as unknown as EngineDb;
  return stats === null ? db : Object.assign(db, { perfStats: () => stats });
}

const stats = (count: number, fsyncPct: number): EnginePerfStats => ({
  count,
  meanCommitNs: 1000,
  p99CommitNs: 5000,
  breakdown: { snapshotPct: 1, validatePct: 0, applyPct: 4, walPct: 5, fsyncPct },
});

describe('perfTraceLabels', () => {
  it('takes the database that committed most, with every phase', () => {
    const labels = perfTraceLabels([fakeDb(stats(10, 50)), fakeDb(stats(900, 90)), fakeDb(null)]);
    expect(labels).toEqual({
      'perfTrace.count': 900,
      'perfTrace.meanCommitNs': 1000,
      'perfTrace.p99CommitNs': 5000,
      'perfTrace.snapshotPct': 1,
      'perfTrace.validatePct': 0,
      'perfTrace.applyPct': 4,
      'perfTrace.walPct': 5,
      'perfTrace.fsyncPct': 90,
    });
  });

  it('is empty when nothing traced (no perfStats, or zero commits)', () => {
    expect(perfTraceLabels([fakeDb(null), fakeDb(stats(0, 0))])).toEqual({});
    expect(perfTraceLabels([])).toEqual({});
  });
});

describe('bench --perf-trace (real children)', () => {
  it('records the breakdown per writing scenario; only strict commits spend time in fsync', async () => {
    const out = dirs.make();
    const r = await runHarness([
      'bench',
      '--perf-trace',
      '--profile',
      'quick',
      '--filter',
      'engine/put_direct',
      '--mode',
      'strict,inMemory',
      '--out',
      out,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    // --perf-trace implies --no-compare: no baseline checkout.
    expect(r.stderr).not.toMatch(/checking out/);
    const results = readResults(path.join(out, 'results.json'));
    const byId = new Map(results.results.map((x) => [x.id, x]));
    const strict = byId.get('engine/put_direct/dur_strict')?.labels ?? {};
    const inMemory = byId.get('engine/put_direct/dur_inmemory')?.labels ?? {};
    expect(strict['perfTrace.count']).toBeGreaterThan(0);
    // Not a fixed share: on tmpfs an fdatasync is nearly free. But it is timed, and only here.
    expect(strict['perfTrace.fsyncPct']).toBeGreaterThan(0);
    expect(strict['perfTrace.walPct']).toBeGreaterThan(0);
    expect(inMemory['perfTrace.count']).toBeGreaterThan(0);
    expect(inMemory['perfTrace.fsyncPct']).toBe(0);
  });

  it('without the flag, children do not trace even when the shell sets INMEM_PERF_TRACE', async () => {
    const out = dirs.make();
    const r = await runHarness(
      [
        'bench',
        '--no-compare',
        '--profile',
        'quick',
        '--filter',
        'engine/put_direct',
        '--mode',
        'inMemory',
        '--out',
        out,
      ],
      undefined,
      { INMEM_PERF_TRACE: '1' },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const labels = readResults(path.join(out, 'results.json')).results[0]?.labels ?? {};
    expect(Object.keys(labels).filter((k) => k.startsWith('perfTrace.'))).toEqual([]);
  });
});
