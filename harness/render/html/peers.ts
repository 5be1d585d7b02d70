/**
 * The report's peers section (`bench --peers`): our engine against SQLite, LMDB and the
 * physical floor, per durability mode. Pure: results.json's `peers` section in,
 * tables and a vega-lite chart spec per mode out. Text is untrusted and only ever printed
 * through handlebars' escaping.
 */
import { formatNs, formatPeerRatio } from '../../support/format.ts';
import { MODES, type ModeName } from '../../engine-api/modes.ts';
import type { PeerRatio, PeersSection, ResultsFile } from '../../results/results-file.ts';
import type { Cell, ChartSpec, PeersView, Table } from './view.ts';

/**
 * How a ratio cell is coloured: faster (green) or slower (red) only when the whole CI is
 * outside 0.9–1.1. These within-process CIs are narrow (the method note says so), so a CI
 * merely excluding 1 would paint near-equal engines as winners and losers; amber otherwise.
 */
export function ratioClass(r: PeerRatio | undefined): string {
  if (r === undefined || r.ratio === null) return 'c-other';
  const [lo, hi] = r.ci ?? [r.ratio, r.ratio];
  if (hi < 0.9) return 'c-improved';
  if (lo > 1.1) return 'c-regressed';
  return 'c-inconclusive';
}

function mappingTable(section: PeersSection, anchor: string): Table {
  return {
    id: `${anchor}-peers-mappings`,
    title: 'What each engine ran as, per durability mode',
    note: null,
    head: [{ text: 'engine', numeric: false }, ...MODES.map((m) => ({ text: m, numeric: false }))],
    rows: section.adapters.map((a) => ({
      cls: 'c-other',
      cells: [
        {
          text: `${a.name}${a.packageName === null ? '' : ` (${a.packageName}${a.version === null ? '' : `@${a.version}`})`}`,
          sort: a.name,
        },
        ...MODES.map((m) => ({ text: a.mappings[m] ?? '-', sort: a.mappings[m] ?? '' })),
      ],
    })),
  };
}

function modeTable(section: PeersSection, mode: ModeName, anchor: string): Table | null {
  const rows = section.rows.filter((r) => r.mode === mode);
  if (rows.length === 0) return null;
  const adapters = section.adapters.map((a) => a.name);
  const peers = adapters.filter((a) => a !== section.reference && a !== section.floor);
  const aboveFloor = adapters.filter((a) => a !== section.floor);
  return {
    id: `${anchor}-peers-${mode}`,
    title: `durability mode: ${mode}`,
    note: `median ns/op; ${section.reference} ÷ peer below 1 means ${section.reference} is faster; ÷ ${section.floor}: how far each engine is from the floor`,
    head: [
      { text: 'workload', numeric: false },
      ...adapters.map((a) => ({ text: a, numeric: true })),
      ...peers.map((p) => ({ text: `${section.reference} ÷ ${p} [95% CI]`, numeric: true })),
      ...aboveFloor.map((a) => ({ text: `${a} ÷ ${section.floor}`, numeric: true })),
    ],
    rows: rows.map((row) => {
      const cell = (adapter: string): Cell => {
        const c = row.cells.find((x) => x.adapter === adapter);
        if (c === undefined) return { text: '-', sort: '' };
        if (c.status !== 'ok' || c.medianNs === null) {
          return { text: `${c.status}: ${c.reason ?? ''}`, sort: '', cls: `c-${c.status}` };
        }
        return { text: formatNs(c.medianNs), sort: c.medianNs };
      };
      const vs = (peer: string): Cell => {
        const r = row.vsPeers.find((x) => x.denominator === peer);
        return { text: formatPeerRatio(r), sort: r?.ratio ?? '', cls: ratioClass(r) };
      };
      const floor = (adapter: string): Cell => {
        const r = row.toFloor.find((x) => x.numerator === adapter);
        return { text: formatPeerRatio(r), sort: r?.ratio ?? '' };
      };
      return {
        cls: 'c-other',
        cells: [
          { text: row.workload, sort: row.workload },
          ...adapters.map(cell),
          ...peers.map(vs),
          ...aboveFloor.map(floor),
        ],
      };
    }),
  };
}

/** Median ns/op per workload, one dot per engine, log scale: where each engine sits. */
function modeChart(section: PeersSection, mode: ModeName, anchor: string): ChartSpec | null {
  const values = section.rows
    .filter((r) => r.mode === mode)
    .flatMap((r) =>
      r.cells
        .filter((c) => c.status === 'ok' && c.medianNs !== null && c.medianNs > 0)
        .map((c) => ({ workload: r.workload, engine: c.adapter, ns: c.medianNs })),
    );
  if (values.length === 0) return null;
  const engines = section.adapters.map((a) => a.name);
  return {
    id: `${anchor}-peers-${mode}-chart`,
    title: `Median ns/op: ${mode}`,
    caption: `one dot per engine (log scale); ${section.floor} is the physical floor of this mode`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 560,
      height: { step: 26 },
      data: { values },
      mark: { type: 'point', filled: true, size: 70 },
      encoding: {
        y: { field: 'workload', type: 'nominal', sort: null, title: null },
        yOffset: { field: 'engine', type: 'nominal', sort: engines },
        x: {
          field: 'ns',
          type: 'quantitative',
          scale: { type: 'log' },
          title: 'ns per op (log scale)',
          axis: { tickCount: 6, format: '~s', grid: true, gridColor: '#eceff1' },
        },
        color: {
          field: 'engine',
          type: 'nominal',
          sort: engines,
          scale: { scheme: 'category10' },
          legend: { orient: 'bottom', title: null },
        },
      },
    },
  };
}

export function peersView(results: ResultsFile, anchor: string): PeersView | null {
  const section = results.peers;
  if (section === undefined) return null;
  const modes = MODES.flatMap((mode) => {
    const table = modeTable(section, mode, anchor);
    return table === null ? [] : [{ table, chart: modeChart(section, mode, anchor) }];
  });
  return { method: section.method, mappings: mappingTable(section, anchor), modes };
}
