import { describe, expect, it } from 'vitest';
import {
  loadConfig,
  type PerfConfig,
  type RedFlagId,
} from '../../../harness/config/perf-config.ts';
import {
  evaluateRedFlags,
  formatLimit,
  type RedFlagVerdict,
} from '../../../harness/judge/red-flags.ts';
import type { ResultsFile, ScenarioResult } from '../../../harness/results/results-file.ts';
import { okResult, resultsFile } from '../helpers.ts';

const CONFIG = loadConfig();

/** An ok result for a job id, with a median (and mean) of `ns` and a sane latency pass. */
function res(id: string, ns: number, extra: Partial<ScenarioResult> = {}): ScenarioResult {
  const dur = /\/(dur_\w+)$/.exec(id)?.[1] ?? null;
  const mode =
    dur === null
      ? null
      : dur === 'dur_inmemory'
        ? 'inMemory'
        : dur === 'dur_buffered'
          ? 'buffered'
          : 'strict';
  return okResult({
    id,
    name: dur === null ? id : id.slice(0, -dur.length - 1),
    mode,
    durLabel: dur,
    writes: dur !== null,
    meanNs: ns,
    medianNs: ns,
    hz: 1e9 / ns,
    latency: {
      count: 10_000,
      min: ns / 2,
      p50: ns,
      p90: ns * 1.5,
      p99: ns * 4,
      p999: ns * 8,
      max: ns * 20,
      mean: ns * 1.1,
      timerOverheadNs: 40,
      // The machine's floor: a quiet machine (p99/mean 2); the op's own p99 equals its raw one.
      floor: { reps: 10, count: 10_000, mean: ns, p50: ns, p99: ns * 2 },
      ownP99: ns * 4,
      ownP99Parts: [ns * 3.5, ns * 4, ns * 4.5, ns * 4],
    },
    bytesPerOp: 0,
    ...extra,
  });
}

/** A results file where every red flag passes (but scaling: 2 cores, not applicable). */
function healthy(): ScenarioResult[] {
  return [
    res('core/map_set', 20),
    res('core/map_get', 20),
    res('snapshot/acquire', 300),
    res('engine/put_direct/dur_inmemory', 400, { bytesPerOp: 48 }),
    res('engine/put_direct/dur_strict', 200_000, { bytesPerOp: 500 }),
    res('engine/get_direct', 60),
    res('kvstore/put/hot_key/dur_inmemory', 800, { bytesPerOp: 48 }),
    res('kvstore/put/uniform/dur_inmemory', 1000, { bytesPerOp: 48 }),
    res('kvstore/put/working_set_100/dur_inmemory', 900, { bytesPerOp: 48 }),
    res('kvstore/get/hot_key', 150),
    res('kvstore/get/uniform', 250),
    res('kvstore/get/working_set_100', 180),
    res('kvstore/get/miss', 170),
    res('kvstore/get_many_10', 20_000),
    res('scaling/disjoint_runs/1/dur_inmemory', 300, { latency: null, bytesPerOp: null }),
    res('scaling/disjoint_runs/4/dur_inmemory', 100, { latency: null, bytesPerOp: null }),
  ];
}

function file(results: ScenarioResult[], cores = 2): ResultsFile {
  const f = resultsFile(results);
  return { ...f, environment: { ...f.environment, cores, availableParallelism: cores } };
}

/** healthy() with some results replaced (by id) or removed (null). */
function withChanges(changes: Record<string, ScenarioResult | null>, cores = 2): ResultsFile {
  const base = healthy().filter((r) => changes[r.id] !== null);
  const replaced = base.map((r) => changes[r.id] ?? r);
  const added = Object.entries(changes).flatMap(([id, r]) =>
    r !== null && !base.some((b) => b.id === id) ? [r] : [],
  );
  return file([...replaced, ...added], cores);
}

function verdict(results: ResultsFile, id: RedFlagId, config: PerfConfig = CONFIG): RedFlagVerdict {
  const v = evaluateRedFlags(results, config).find((x) => x.id === id);
  if (v === undefined) throw new Error(`no verdict for ${id}`);
  return v;
}

describe('evaluateRedFlags on a healthy candidate', () => {
  const verdicts = evaluateRedFlags(file(healthy()), CONFIG);

  it('gives one verdict per configured flag, in the config order, with figure and thresholds', () => {
    expect(verdicts.map((v) => v.id)).toEqual(CONFIG.redFlags.map((f) => f.id));
    expect(verdicts.filter((v) => v.verdict === 'fail')).toEqual([]);
    const byId = Object.fromEntries(verdicts.map((v) => [v.id, v]));
    expect(byId['snapshot-acquire']).toMatchObject({
      figure: 300,
      unit: 'ns',
      threshold: 2000,
      target: 500,
      verdict: 'pass',
    });
    expect(byId['a1-a0-inmemory']?.figure).toBe(20); // put: 400 / 20 (get is 3x)
    expect(byId['b-a1']?.figure).toBeCloseTo(250 / 60, 10); // get: 250 / 60 (put is 2.5x)
    expect(byId['engine-put-inmemory']?.figure).toBe(400);
    expect(byId['kvstore-put-inmemory']?.figure).toBe(1000);
    expect(byId['kvstore-get']?.figure).toBe(250);
    expect(byId['throughput-1-worker']).toMatchObject({
      figure: 1e9 / 300,
      unit: 'ops/s',
      verdict: 'pass',
    });
    expect(byId['hot-path-allocation']).toMatchObject({ figure: 0, verdict: 'pass' });
    expect(byId['p99-over-mean']?.figure).toBeCloseTo(4 / 1.1, 10);
    expect(byId['p99-over-mean']?.spread).toEqual({
      low: 3.5 / 1.1,
      high: 4.5 / 1.1,
      over: '4 quarters of the latency pass',
    });
  });

  it('a flag at exactly its threshold passes (docs/red-flags.md: "> 20x" is the red flag)', () => {
    const v = verdicts.find((x) => x.id === 'a1-a0-inmemory');
    expect(v).toMatchObject({ figure: 20, threshold: 20, verdict: 'pass' });
    expect(v?.reason).toMatch(/target < 10\.0× not met/);
    expect(v?.reason).toMatch(
      /worst: put 20\.0× \(engine\/put_direct\/dur_inmemory 400 ns \/ core\/map_set 20 ns\); get 3\.00×/,
    );
  });
});

describe('disjoint-run scaling', () => {
  it('is not applicable below 4 cores, and still reports the figure', () => {
    const v = verdict(file(healthy(), 2), 'disjoint-run-scaling');
    expect(v.verdict).toBe('not-applicable');
    expect(v.figure).toBe(3);
    expect(v.reason).toMatch(/this machine has 2 cores available; 4 workers can't run in parallel/);
    expect(v.reason).toMatch(/speedup 3\.00×/);
  });

  it('passes or fails on a machine with 4 cores', () => {
    expect(verdict(file(healthy(), 4), 'disjoint-run-scaling').verdict).toBe('pass');
    const slow = withChanges(
      {
        'scaling/disjoint_runs/4/dur_inmemory': res('scaling/disjoint_runs/4/dur_inmemory', 150, {
          latency: null,
        }),
      },
      8,
    );
    const v = verdict(slow, 'disjoint-run-scaling');
    expect(v).toMatchObject({ figure: 2, verdict: 'fail' });
    expect(v.reason).toMatch(/red flag: 2\.00× is < 2\.50×/);
  });
});

describe('each flag fails beyond its threshold', () => {
  const cases: Array<[RedFlagId, Record<string, ScenarioResult | null>, RegExp]> = [
    [
      'snapshot-acquire',
      { 'snapshot/acquire': res('snapshot/acquire', 2500) },
      /2\.50 µs is > 2\.00 µs/,
    ],
    ['a1-a0-inmemory', { 'engine/get_direct': res('engine/get_direct', 600) }, /worst: get 30\.0×/],
    [
      'b-a1',
      { 'kvstore/put/uniform/dur_inmemory': res('kvstore/put/uniform/dur_inmemory', 4000) },
      /worst: put 10\.0× \(kvstore\/put\/uniform\/dur_inmemory 4\.00 µs \/ engine\/put_direct\/dur_inmemory 400 ns\)/,
    ],
    [
      'engine-put-inmemory',
      { 'engine/put_direct/dur_inmemory': res('engine/put_direct/dur_inmemory', 12_000) },
      /12\.00 µs is > 10\.00 µs/,
    ],
    [
      'kvstore-put-inmemory',
      { 'kvstore/put/hot_key/dur_inmemory': res('kvstore/put/hot_key/dur_inmemory', 25_000) },
      /worst: kvstore\/put\/hot_key\/dur_inmemory 25\.00 µs/,
    ],
    [
      'kvstore-get',
      { 'kvstore/get/miss': res('kvstore/get/miss', 12_000) },
      /worst: kvstore\/get\/miss 12\.00 µs/,
    ],
    [
      'throughput-1-worker',
      {
        'scaling/disjoint_runs/1/dur_inmemory': res('scaling/disjoint_runs/1/dur_inmemory', 20_000),
      },
      /50\.0K ops\/s is < 100\.0K ops\/s/,
    ],
    [
      'hot-path-allocation',
      { 'kvstore/get/miss': res('kvstore/get/miss', 170, { bytesPerOp: 16 }) },
      /worst: kvstore\/get\/miss 16\.0 B\/op/,
    ],
    [
      'p99-over-mean',
      {
        'kvstore/get/uniform': res('kvstore/get/uniform', 250, {
          latency: {
            count: 5000,
            min: 100,
            p50: 250,
            p90: 300,
            p99: 7500,
            p999: 9000,
            max: 20_000,
            mean: 300,
            timerOverheadNs: 40,
            floor: { reps: 30, count: 5000, mean: 260, p50: 250, p99: 600 },
            ownP99: 7500,
            ownP99Parts: [7000, 7500, 7600, 7400],
          },
        }),
      },
      /worst own tail of \d+ scenarios: kvstore\/get\/uniform 25\.0× \(own p99 7\.50 µs, raw p99 7\.50 µs, mean 300 ns; the machine's floor 2\.31×\)/,
    ],
  ];
  for (const [id, changes, reason] of cases) {
    it(id, () => {
      const v = verdict(withChanges(changes), id);
      expect(v.verdict).toBe('fail');
      expect(v.reason).toMatch(/^red flag: /);
      expect(v.reason).toMatch(reason);
    });
  }
});

describe('choices documented in red-flags.ts', () => {
  it('times are medians, not means (one stalled sample must not trip a flag)', () => {
    const stalled = res('engine/put_direct/dur_inmemory', 400, { meanNs: 50_000 });
    expect(
      verdict(withChanges({ 'engine/put_direct/dur_inmemory': stalled }), 'engine-put-inmemory'),
    ).toMatchObject({
      figure: 400,
      verdict: 'pass',
    });
  });

  it('heap readings within ±0.5 B/op of zero are noise; writes are shown but not judged', () => {
    const v = verdict(
      withChanges({ 'kvstore/get/miss': res('kvstore/get/miss', 170, { bytesPerOp: 0.3 }) }),
      'hot-path-allocation',
    );
    expect(v).toMatchObject({ figure: 0, verdict: 'pass' });
    expect(v.reason).toMatch(/writes, not judged .*engine\/put_direct\/dur_inmemory 48\.0 B\/op/);
    expect(v.reason).toMatch(/^ok: 0\.0 B\/op is not > 0\.0 B\/op — worst: /);
  });

  it('p99/mean leaves out short latency passes and ops cheaper than the clock', () => {
    const latency = (count: number, mean: number, p99: number) => ({
      count,
      min: 1,
      p50: mean,
      p90: mean,
      p99,
      p999: p99,
      max: p99,
      mean,
      timerOverheadNs: 40,
      floor: { reps: 1, count, mean, p50: mean, p99: mean * 2 },
      ownP99: p99,
    });
    const v = verdict(
      withChanges({
        'wal/recovery/50k/dur_strict': res('wal/recovery/50k/dur_strict', 6e7, {
          latency: latency(15, 6e7, 6e9),
        }),
        'snapshot/acquire': res('snapshot/acquire', 7, { latency: latency(20_000, 7, 140) }),
      }),
      'p99-over-mean',
    );
    expect(v.verdict).toBe('pass');
    // 3 below the clock: snapshot/acquire, and core/map_set and core/map_get (22 ns < 40 ns).
    expect(v.reason).toMatch(
      /left out: 1 with fewer than 100 timed ops; left out: 3 cheaper than the timer overhead/,
    );
  });

  it('p99/mean: a file measured without a machine floor is not judged on its raw tail', () => {
    const old = healthy().map((r) =>
      r.latency === null
        ? r
        : {
            ...r,
            latency: {
              ...r.latency,
              p99: r.latency.mean * 50,
              floor: undefined,
              ownP99: undefined,
            },
          },
    );
    const v = verdict(file(old), 'p99-over-mean');
    expect(v.verdict).toBe('not-applicable');
    expect(v.reason).toMatch(/measured without a machine floor/);
  });

  it('formatLimit states the condition with its direction', () => {
    const [snap, scaling] = ['snapshot-acquire', 'disjoint-run-scaling'].map((id) =>
      verdict(file(healthy()), id as RedFlagId),
    );
    expect(formatLimit(snap as RedFlagVerdict)).toBe('> 2.00 µs');
    expect(formatLimit(scaling as RedFlagVerdict)).toBe('< 2.50×');
  });

  it('thresholds come from the config', () => {
    const strict: PerfConfig = {
      ...CONFIG,
      redFlags: CONFIG.redFlags.map((f) => (f.id === 'kvstore-get' ? { ...f, threshold: 200 } : f)),
    };
    expect(verdict(file(healthy()), 'kvstore-get', strict)).toMatchObject({
      threshold: 200,
      verdict: 'fail',
    });
  });
});

describe('not applicable when the scenarios are missing, unsupported or failed', () => {
  it('a missing scenario', () => {
    const v = verdict(withChanges({ 'snapshot/acquire': null }), 'snapshot-acquire');
    expect(v).toMatchObject({ verdict: 'not-applicable', figure: null });
    expect(v.reason).toBe('snapshot/acquire is not in the results');
  });

  it('an engine without InMemory (the M3 baseline): every InMemory flag says why', () => {
    const unsupported = (id: string): ScenarioResult =>
      res(id, 1, {
        status: 'unsupported',
        reason: 'the engine has no durability modes',
        meanNs: null,
        medianNs: null,
        hz: null,
        latency: null,
        bytesPerOp: null,
      });
    const changes: Record<string, ScenarioResult> = {};
    for (const r of healthy())
      if (r.id.endsWith('/dur_inmemory')) changes[r.id] = unsupported(r.id);
    const results = withChanges(changes);
    for (const id of [
      'engine-put-inmemory',
      'kvstore-put-inmemory',
      'throughput-1-worker',
      'disjoint-run-scaling',
    ] as const) {
      const v = verdict(results, id);
      expect(v.verdict, id).toBe('not-applicable');
      expect(v.reason, id).toMatch(/is unsupported: the engine has no durability modes/);
    }
    // A1/A0 and B/A1 still judge their read-only pair, and say what they could not judge.
    const a1 = verdict(results, 'a1-a0-inmemory');
    expect(a1).toMatchObject({ verdict: 'pass', figure: 3 });
    expect(a1.reason).toMatch(/not judged: put: engine\/put_direct\/dur_inmemory is unsupported/);
  });

  it('a failed scenario', () => {
    const failed = res('kvstore/get/miss', 1, {
      status: 'failed',
      reason: 'op-count proof failed',
      medianNs: null,
      meanNs: null,
      hz: null,
    });
    const v = verdict(withChanges({ 'kvstore/get/miss': failed }), 'kvstore-get');
    // The other access patterns are still judged; the failed one is named.
    expect(v.verdict).toBe('pass');
    expect(v.reason).toMatch(/not judged: kvstore\/get\/miss is failed: op-count proof failed/);
    const none = verdict(file([failed]), 'kvstore-get');
    expect(none).toMatchObject({
      verdict: 'not-applicable',
      reason: 'kvstore/get/miss is failed: op-count proof failed',
    });
  });
});
