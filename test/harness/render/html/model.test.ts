import { describe, expect, it } from 'vitest';
import { buildModel, geomeanRatio, verdictOf } from '../../../../harness/render/html/model.ts';
import { cssClass, type RunInput } from '../../../../harness/render/html/view.ts';
import { machineKey } from '../../../../harness/results/machine.ts';
import type { ResultsFile } from '../../../../harness/results/results-file.ts';
import { okResult, resultsFile } from '../../helpers.ts';
import path from 'node:path';
import {
  BENCH_RESULTS,
  COMPARE_RESULTS,
  REPORT_FIXTURES,
  readFixture,
} from '../../report-fixtures.ts';

function input(results: ResultsFile, file = '/r/run/results.json'): RunInput {
  return { file, results, baseline: null, baselineProblem: null };
}

describe('report model: verdict', () => {
  it('a gate counts only confirmed regressions; stored gate reasons are not trusted', () => {
    const r = readFixture(COMPARE_RESULTS);
    for (const f of r.redFlags ?? []) f.verdict = 'pass';
    r.kind = 'gate';
    // An older gate's stored verdict is ignored: the file's own figures decide.
    r.gate = { verdict: 'fail', reasons: ['stale'] };
    const jobs = r.comparison?.jobs ?? [];
    const first = jobs[0];
    if (first === undefined) throw new Error('fixture has no jobs');
    for (const j of jobs) j.comparison.classification = 'unchanged';
    first.comparison.classification = 'regressed';
    first.confirmed = false;
    expect(verdictOf(r)).toMatchObject({ status: 'pass', headline: 'Gate: PASS' });
    expect(verdictOf(r).reasons.join('\n')).toMatch(/not confirmed by the second pass/);
    first.confirmed = true;
    const v = verdictOf(r);
    expect(v).toMatchObject({ status: 'fail', headline: 'Gate: FAIL' });
    expect(v.reasons[0]).toMatch(new RegExp(`regression: ${first.id}.*confirmed by a second pass`));
  });

  it('without a gate: a failed scenario, a counted regression or a failed red flag fails', () => {
    const failed = resultsFile([
      okResult(),
      okResult({ id: 'b', name: 'b', status: 'failed', reason: 'boom' }),
    ]);
    expect(verdictOf(failed).status).toBe('fail');
    expect(verdictOf(failed).reasons[0]).toContain('scenario failed: b: boom');

    const cmp = readFixture(COMPARE_RESULTS);
    // The real fixture failed one red flag (p99 over mean).
    const v = verdictOf(cmp);
    expect(v).toMatchObject({ status: 'fail', headline: 'Comparison: FAIL' });
    expect(v.reasons.join('\n')).toMatch(/red flag: p99 latency/);

    for (const f of cmp.redFlags ?? []) f.verdict = 'pass';
    expect(verdictOf(cmp).status).toBe('pass');
    const job = cmp.comparison?.jobs[0];
    if (job === undefined) throw new Error('fixture');
    job.comparison.classification = 'regressed';
    expect(verdictOf(cmp).status).toBe('fail');
    // A regression the gate's second pass did not confirm does not count.
    job.confirmed = false;
    expect(verdictOf(cmp).status).toBe('pass');
  });

  it('a run without comparison passes and says it only measured', () => {
    const v = verdictOf(readFixture(BENCH_RESULTS));
    expect(v.status).toBe('pass');
    expect(v.reasons[0]).toMatch(/no baseline comparison/);
    expect(v.reasons.at(-1)).toMatch(/59 of 59 scenarios measured/);
  });
});

describe('report model: tables and charts', () => {
  it('one comparison table per mode, a row per job, sort keys numeric', () => {
    const r = readFixture(COMPARE_RESULTS);
    const m = buildModel([input(r)], { reportDir: '/r/run' });
    const run = m.runs[0]!;
    expect(run.comparisons.map((c) => c.table.title)).toEqual([
      'read-only scenarios',
      'durability mode: inMemory',
      'durability mode: strict',
    ]);
    const rows = run.comparisons.flatMap((c) => c.table.rows);
    expect(rows).toHaveLength(r.comparison?.jobs.length ?? -1);
    const strict = run.comparisons[2]!.table;
    const job = r.comparison!.jobs.find((j) => j.mode === 'strict')!;
    expect(strict.rows[0]!.cells[3]!.sort).toBe(job.comparison.ratio);
    expect(strict.rows[0]!.cls).toBe(cssClass(job.comparison.classification));
    // Mapped modes are said: the M3 baseline has strict only.
    expect(run.comparisons[1]!.table.note).toMatch(/baseline ran strict/);
    // Every mode has its ratio chart with the job's CI.
    const chart = run.comparisons[2]!.chart!;
    expect(JSON.stringify(chart.spec)).toContain(String(job.comparison.ci![0]));
  });

  it('the whole catalogue gives the latency, ladder and scaling charts; perf-trace only with figures', () => {
    const r = readFixture(BENCH_RESULTS);
    const run = buildModel([input(r)], { reportDir: '/r/run' }).runs[0]!;
    expect(run.charts.map((c) => c.id.replace(/^run-1-[^-]+-[^-]+-[^-]+-/, ''))).toEqual([
      'latency',
      'ladder',
      'scaling',
    ]);
    expect(run.absentCharts.join()).toMatch(/perf-trace/);
    const ladder = run.charts[1]!.spec as { data: { values: Array<{ layer: string }> } };
    expect(new Set(ladder.data.values.map((v) => v.layer))).toEqual(
      new Set(['A0 Map', 'A1 engine', 'B KVStore']),
    );
    const scaling = run.charts[2]!.spec as {
      data: { values: Array<{ workers: number; series: string }> };
    };
    expect(
      scaling.data.values.filter((v) => v.series === 'inMemory measured').map((v) => v.workers),
    ).toEqual([1, 2, 4]);

    const traced = readFixture(BENCH_RESULTS);
    traced.results[0]!.labels['perfTrace.walPct'] = 40;
    traced.results[0]!.labels['perfTrace.applyPct'] = 60;
    const t = buildModel([input(traced)], { reportDir: '/r/run' }).runs[0]!;
    expect(t.charts.some((c) => c.id.endsWith('perftrace'))).toBe(true);
  });

  it('an unknown comparison method or red flag id is shown, not refused', () => {
    const r = readFixture(COMPARE_RESULTS);
    (r.comparison!.jobs[0]!.comparison as { method: string }).method = 'paired-yuen-log-t';
    r.redFlags![0]!.id = 'a-future-flag';
    const run = buildModel([input(r)], { reportDir: '/r/run' }).runs[0]!;
    expect(run.comparisonHeader).toMatch(/method paired-yuen-log-t, yuen-log-t$/);
    // An id this harness does not know still gets its row (folded with the other flags this
    // run could not judge); its limit has no direction (no ">").
    expect(run.redFlags!.rows.map((row) => row.cells[5]!.text)).not.toContain('NOT-APPLICABLE');
    expect(run.redFlagsNotApplicable!.rows[0]!.cells.map((c) => c.text)).toEqual([
      'snapshot acquisition (snapshot/acquire, median ns per acquire + release)',
      '-',
      '-',
      '2.00 µs',
      '-',
      'NOT-APPLICABLE',
      'snapshot/acquire is not in the results',
    ]);
  });

  it('several files: grouped by environment, side by side', () => {
    const a = readFixture(COMPARE_RESULTS);
    const b = readFixture(BENCH_RESULTS);
    const c = readFixture(BENCH_RESULTS);
    c.runId = 'other-machine';
    c.environment = { ...c.environment, hostHash: 'ffff', cores: 16 };
    const m = buildModel(
      [input(a, '/r/a/results.json'), input(b, '/r/b/results.json'), input(c, '/r/c/results.json')],
      {
        reportDir: '/r',
      },
    );
    expect(machineKey(a.environment)).toBe(machineKey(b.environment));
    expect(m.machines?.map((g) => g.runs.map((r) => r.runId))).toEqual([
      [a.runId, b.runId],
      ['other-machine'],
    ]);
    expect(m.sideBySide?.head.map((h) => h.text)).toEqual([
      'scenario',
      `machine 1 · ${a.runId}`,
      `machine 1 · ${b.runId}`,
      'machine 2 · other-machine',
    ]);
    expect(m.sideBySide?.rows).toHaveLength(b.results.length);
    expect(m.verdict.status).toBe('fail');
    expect(m.verdict.headline).toBe('FAIL: 1 of 3 runs');
  });
});

describe('report model: helpers', () => {
  it('geomean of ratios', () => {
    const r = readFixture(COMPARE_RESULTS);
    const ratios = r.comparison!.jobs.map((j) => j.comparison.ratio!);
    expect(geomeanRatio(r.comparison!.jobs)).toBeCloseTo(
      Math.cbrt(ratios[0]! * ratios[1]! * ratios[2]!),
      10,
    );
    expect(geomeanRatio([])).toBeNull();
  });
});

describe('report model: what the tables colour and list', () => {
  it('a job whose regression was ruled out reads as settled in its row and in its class cell', () => {
    const r = readFixture(COMPARE_RESULTS);
    const job = r.comparison!.jobs[0]!;
    job.comparison = { ...job.comparison, classification: 'inconclusive' };
    job.stoppedBy = 'no regression';
    const run = buildModel([input(r)], { reportDir: '/r/run' }).runs[0]!;
    const row = run.comparisons
      .flatMap((c) => c.table.rows)
      .find((x) => x.cells[0]!.text === job.name);
    expect(row?.cells[5]?.text).toBe('no regression');
    expect(row?.cells[5]?.cls).toBe('c-unchanged');
    expect(row?.cls).toBe('c-unchanged');
  });

  it('leaves peer rows out of the measurement tables (the peers section has them)', () => {
    const r = readFixture(path.join(REPORT_FIXTURES, 'peers', 'results.json'));
    expect(r.results.some((x) => x.peer === true)).toBe(true);
    const run = buildModel([input(r)], { reportDir: '/r/run' }).runs[0]!;
    const listed = run.measurements.flatMap((t) => t.rows.map((x) => x.cells[0]!.text));
    const own = r.results.filter((x) => x.peer !== true).map((x) => x.name);
    expect(listed.sort()).toEqual(own.sort());
  });
});
