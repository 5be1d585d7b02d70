/**
 * A report of several results files (machines.ts): the runs grouped by machine, and the
 * side-by-side table (a row per scenario id, a column per run, grouped by machine, the ratio
 * and class in brackets, '-' where a run lacks the scenario) with its chart.
 */
import { describe, expect, it } from 'vitest';
import { machineGroups, sideBySide } from '../../../../harness/render/html/machines.ts';
import { buildModel } from '../../../../harness/render/html/model.ts';
import { describeMachine, machineKey } from '../../../../harness/results/machine.ts';
import type { MachineGroup, RunInput } from '../../../../harness/render/html/view.ts';
import type { JobComparison, ResultsFile } from '../../../../harness/results/results-file.ts';
import { okResult, resultsFile } from '../../helpers.ts';
import { BENCH_RESULTS, COMPARE_RESULTS, readFixture } from '../../report-fixtures.ts';

function input(results: ResultsFile, file = `/r/${results.runId}/results.json`): RunInput {
  return { file, results, baseline: null, baselineProblem: null };
}

function otherMachine(results: ResultsFile, runId: string): ResultsFile {
  return {
    ...results,
    runId,
    environment: { ...results.environment, hostHash: 'ffff', cores: 16 },
  };
}

describe('machineGroups', () => {
  const a = readFixture(COMPARE_RESULTS);
  const b = otherMachine(readFixture(BENCH_RESULTS), 'run-b');
  const c = readFixture(BENCH_RESULTS);
  const inputs = [input(a), input(b), input(c)];
  const runs = buildModel(inputs, { reportDir: '/r' }).runs;

  it('one group per machine key, in order of first appearance, named machine 1, machine 2', () => {
    const groups = machineGroups(inputs, runs);
    expect(groups.map((g) => [g.key, g.name, g.label])).toEqual([
      [machineKey(a.environment), 'machine 1', describeMachine(a.environment)],
      [machineKey(b.environment), 'machine 2', describeMachine(b.environment)],
    ]);
    expect(groups[0]?.label).toBe('AMD EPYC × 2, linux/x64, Node v20.20.2, host 5bce98f73f3e');
  });

  it('each group lists its runs with their index, anchor, run id and verdict', () => {
    const groups = machineGroups(inputs, runs);
    expect(groups.map((g) => g.runs)).toEqual([
      [
        { index: 0, anchor: runs[0]?.anchor, runId: a.runId, verdict: 'fail' },
        { index: 2, anchor: runs[2]?.anchor, runId: c.runId, verdict: 'pass' },
      ],
      [{ index: 1, anchor: runs[1]?.anchor, runId: 'run-b', verdict: 'pass' }],
    ]);
  });

  it('a machine differing only in its Node version or CPU model is another machine', () => {
    const node = { ...c, environment: { ...c.environment, node: 'v22.0.0' } };
    const cpu = { ...c, environment: { ...c.environment, cpuModel: 'Other CPU' } };
    const ins = [input(a), input(node), input(cpu)];
    const groups = machineGroups(ins, buildModel(ins, { reportDir: '/r' }).runs);
    expect(groups.map((g) => g.name)).toEqual(['machine 1', 'machine 2', 'machine 3']);
  });

  it('no runs: no groups; runs missing for some inputs: their groups stay empty', () => {
    expect(machineGroups([], [])).toEqual([]);
    expect(machineGroups(inputs, []).map((g) => g.runs)).toEqual([[], []]);
  });
});

function job(
  id: string,
  ratio: number | null,
  classification: JobComparison['comparison']['classification'],
  candidateSamples: number[],
): JobComparison {
  return {
    id,
    name: id,
    mode: null,
    baselineMode: null,
    baselineSamples: candidateSamples,
    candidateSamples,
    rounds: candidateSamples.length,
    stoppedBy: 'resolved',
    confirmed: null,
    note: null,
    comparison: {
      nBaseline: candidateSamples.length,
      nCandidate: candidateSamples.length,
      baselineMedian: null,
      candidateMedian: null,
      ratio,
      ci: null,
      pValue: null,
      df: null,
      classification,
      threshold: 0.05,
      alpha: 0.005,
      confidence: 0.95,
      method: 'yuen-log-t',
      reason: 'r',
    },
  };
}

function withComparison(results: ResultsFile, jobs: JobComparison[]): ResultsFile {
  const side = { label: 's', commit: null, source: 'ref', file: null };
  return {
    ...results,
    comparison: { baseline: side, candidate: side, rounds: 3, notes: [], jobs },
  };
}

const GET = (medianNs: number) =>
  okResult({ id: 'core/map_get', name: 'core/map_get', medianNs, meanNs: medianNs });

describe('sideBySide', () => {
  const runA = withComparison(
    {
      ...resultsFile([
        GET(45),
        okResult({
          id: 'kvstore/x/dur_strict',
          name: 'kvstore/x',
          mode: 'strict',
          medianNs: 1000,
        }),
      ]),
      runId: 'run-a',
    },
    // The typical figure of a compared job is the median of its candidate samples (40).
    [job('core/map_get', 1.02345, 'unchanged', [39, 41, 40])],
  );
  const runB = otherMachine(
    resultsFile([
      GET(60),
      okResult({ id: 'extra/y', name: 'extra/y', status: 'failed', reason: 'boom' }),
    ]),
    'run-b',
  );
  const runC = withComparison({ ...resultsFile([GET(30)]), runId: 'run-c' }, [
    job('core/map_get', null, 'inconclusive', [30]),
  ]);
  const inputs = [input(runA), input(runB), input(runC)];
  const groups: MachineGroup[] = [
    {
      key: 'm1',
      name: 'machine 1',
      label: 'one',
      runs: [
        { index: 0, anchor: 'a', runId: 'run-a', verdict: 'pass' },
        { index: 2, anchor: 'c', runId: 'run-c', verdict: 'pass' },
      ],
    },
    {
      key: 'm2',
      name: 'machine 2',
      label: 'two',
      runs: [{ index: 1, anchor: 'b', runId: 'run-b', verdict: 'fail' }],
    },
  ];
  const { table, chart } = sideBySide(inputs, groups);

  it('a column per run, grouped by machine, each named by machine and run', () => {
    expect(table.id).toBe('side-by-side');
    expect(table.title).toBe('Side by side: median ns/op per machine');
    expect(table.note).toMatch(/in brackets the ratio to that run’s baseline and its class$/);
    expect(table.head).toEqual([
      { text: 'scenario', numeric: false },
      { text: 'machine 1 · run-a', numeric: true },
      { text: 'machine 1 · run-c', numeric: true },
      { text: 'machine 2 · run-b', numeric: true },
    ]);
  });

  it('a row per scenario id of any run, in order of first appearance', () => {
    expect(table.rows.map((r) => r.cells[0])).toEqual([
      { text: 'core/map_get', sort: 'core/map_get' },
      { text: 'kvstore/x/dur_strict', sort: 'kvstore/x/dur_strict' },
      { text: 'extra/y', sort: 'extra/y' },
    ]);
    expect(table.rows.map((r) => r.cls)).toEqual(['', '', '']);
  });

  it('each cell: the median, the ratio and class in brackets; "-" for a missing scenario', () => {
    expect(table.rows.map((r) => r.cells.slice(1))).toEqual([
      [
        { text: '40.0 ns (×1.023, unchanged)', sort: 40, cls: 'c-unchanged' },
        { text: '30.0 ns (×-, inconclusive)', sort: 30, cls: 'c-inconclusive' },
        { text: '60.0 ns', sort: 60 },
      ],
      [
        { text: '1.00 µs', sort: 1000 },
        { text: '-', sort: '' },
        { text: '-', sort: '' },
      ],
      [
        { text: '-', sort: '' },
        { text: '-', sort: '' },
        // A scenario that did not run ok: its status, sorting first.
        { text: 'failed', sort: '' },
      ],
    ]);
  });

  it('the chart has every figure, by scenario and column', () => {
    expect((chart?.spec as unknown as { data: { values: unknown[] } }).data.values).toEqual([
      { scenario: 'core/map_get', machine: 'machine 1 · run-a', ns: 40 },
      { scenario: 'core/map_get', machine: 'machine 1 · run-c', ns: 30 },
      { scenario: 'core/map_get', machine: 'machine 2 · run-b', ns: 60 },
      { scenario: 'kvstore/x/dur_strict', machine: 'machine 1 · run-a', ns: 1000 },
    ]);
  });

  it('no figure at all: no chart', () => {
    const failed = resultsFile([okResult({ status: 'failed', reason: 'x' })]);
    const only = sideBySide(
      [input(failed)],
      [
        {
          key: 'k',
          name: 'machine 1',
          label: 'l',
          runs: [{ index: 0, anchor: 'a', runId: failed.runId, verdict: 'fail' }],
        },
      ],
    );
    expect(only.chart).toBeNull();
    expect(only.table.rows.map((r) => r.cells.map((c) => c.text))).toEqual([
      ['core/map_set', 'failed'],
    ]);
  });
});
