/**
 * A report of several results files: runs grouped by machine (results/machine.ts's key), and
 * one side-by-side table and chart of every scenario's median across the runs.
 */
import { typicalFigure } from '../../judge/figures.ts';
import { describeMachine, machineKey } from '../../results/machine.ts';
import { formatNs } from '../../support/format.ts';
import type { ResultsFile, ScenarioResult } from '../../results/results-file.ts';
import { sortKey } from '../columns.ts';
import { sideBySideChart } from './chart-specs.ts';
import {
  cssClass,
  type Cell,
  type ChartSpec,
  type MachineGroup,
  type RunInput,
  type RunView,
  type Table,
} from './view.ts';

/** The runs of `inputs` grouped by machine, in order of first appearance. */
export function machineGroups(
  inputs: readonly RunInput[],
  runs: readonly RunView[],
): MachineGroup[] {
  const byKey = new Map<string, MachineGroup>();
  inputs.forEach((input, i) => {
    const env = input.results.environment;
    const key = machineKey(env);
    let g = byKey.get(key);
    if (g === undefined) {
      g = { key, name: `machine ${byKey.size + 1}`, label: describeMachine(env), runs: [] };
      byKey.set(key, g);
    }
    const run = runs[i];
    if (run !== undefined) {
      g.runs.push({ index: i, anchor: run.anchor, runId: run.runId, verdict: run.verdict.status });
    }
  });
  return [...byKey.values()];
}

function typicalOf(results: ResultsFile, r: ScenarioResult): number | null {
  return typicalFigure(results, r)?.value ?? null;
}

/** Several runs: one row per scenario id, one column per run, grouped by machine. */
export function sideBySide(
  inputs: readonly RunInput[],
  groups: MachineGroup[],
): { table: Table; chart: ChartSpec | null } {
  const ordered = groups.flatMap((g) =>
    g.runs.map((run) => ({
      group: g,
      run,
      input: inputs[run.index],
      name: `${g.name} · ${run.runId}`,
    })),
  );
  const ids: string[] = [];
  for (const i of inputs)
    for (const r of i.results.results) if (!ids.includes(r.id)) ids.push(r.id);
  const head = [{ text: 'scenario', numeric: false }];
  for (const o of ordered) head.push({ text: o.name, numeric: true });
  const values: Array<{ scenario: string; machine: string; ns: number }> = [];
  const rows = ids.map((id) => {
    const cells: Cell[] = [{ text: id, sort: id }];
    for (const o of ordered) {
      const r = o.input?.results.results.find((x) => x.id === id);
      const j = o.input?.results.comparison?.jobs.find((x) => x.id === id);
      const ns = r === undefined || o.input === undefined ? null : typicalOf(o.input.results, r);
      if (ns !== null) values.push({ scenario: id, machine: o.name, ns });
      const ratio =
        j === undefined
          ? ''
          : ` (×${j.comparison.ratio?.toFixed(3) ?? '-'}, ${j.comparison.classification})`;
      cells.push({
        text: r === undefined ? '-' : r.status === 'ok' ? `${formatNs(ns)}${ratio}` : r.status,
        sort: sortKey(ns),
        cls: j === undefined ? undefined : cssClass(j.comparison.classification),
      });
    }
    return { cls: '', cells };
  });
  const table: Table = {
    id: 'side-by-side',
    title: 'Side by side: median ns/op per machine',
    note: 'columns grouped by environment (host, CPU, cores, Node); in brackets the ratio to that run’s baseline and its class',
    head,
    rows,
  };
  const chart = sideBySideChart(values);
  return { table, chart };
}
