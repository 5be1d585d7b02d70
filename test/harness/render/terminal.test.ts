/**
 * The terminal summary (terminal.ts): one measurement table per mode, read-only first, in
 * MEASUREMENT_COLUMNS; peer rows left to the peers tables; the facade-tax table; the peers
 * section when the run has one; the last line's counts, wall time and results path.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEASUREMENT_COLUMNS } from '../../../harness/render/columns.ts';
import { renderPeers } from '../../../harness/render/peers-text.ts';
import { renderSummary } from '../../../harness/render/terminal.ts';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import type { ModeName } from '../../../harness/engine-api/modes.ts';
import type { ScenarioResult } from '../../../harness/results/results-file.ts';
import { okResult, resultsFile } from '../helpers.ts';
import { readFixture } from '../report-fixtures.ts';
import { tableLines } from './table-cells.ts';

const PEERS_RESULTS = path.join(REPO_ROOT, 'test', 'fixtures', 'report', 'peers', 'results.json');

const DUR: Record<ModeName, string> = {
  inMemory: 'dur_inmemory',
  buffered: 'dur_buffered',
  strict: 'dur_strict',
};

function result(
  name: string,
  mode: ModeName | null,
  medianNs: number,
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  return okResult({
    id: mode === null ? name : `${name}/${DUR[mode]}`,
    name,
    mode,
    durLabel: mode === null ? null : DUR[mode],
    writes: mode !== null,
    medianNs,
    // The facade tax divides medians: the mean is set apart to show it is not used.
    meanNs: medianNs * 3,
    hz: 1e9 / medianNs,
    ...extra,
  });
}

const RESULTS = [
  result('engine/put_direct', 'strict', 200_000),
  result('core/map_set', null, 20),
  result('engine/put_direct', 'inMemory', 200),
  result('core/map_get', null, 10),
  result('engine/get_direct', null, 50),
  result('kvstore/put/uniform', 'strict', 1, {
    status: 'failed',
    reason: 'boom\nat line 3',
    hz: null,
    meanNs: null,
    medianNs: null,
    opCount: null,
  }),
  result('kvstore/get/uniform', null, 1, {
    status: 'unsupported',
    reason: 'no API',
    hz: null,
    meanNs: null,
    medianNs: null,
    opCount: null,
  }),
  result('peers/inmem/kv/put/hot_key', 'strict', 300, { peer: true, layer: 'other' }),
];

const HEAD = [
  ['scenario', 'status', 'ops/s', 'median', 'mean ±rme', 'p99', 'bytes/op', 'ops proved'],
];

const cellsOf = (r: ScenarioResult): string[] => MEASUREMENT_COLUMNS.map((c) => c.format(r));

describe('renderSummary', () => {
  const text = renderSummary(resultsFile(RESULTS), '/r/run/results.json');
  const parts = text.split('\n\n');

  it('one table per mode present, read-only first, then in mode order', () => {
    expect(parts.map((p) => p.split('\n')[0])).toEqual([
      'read-only scenarios (mode-independent)',
      'durability mode: inMemory',
      'durability mode: strict',
      expect.stringMatching(/^┌─+┬/),
      'run 20250101-000000-abcdef (profile tiny): 6 ok, 1 unsupported, 1 failed in 1.0 s',
    ]);
    expect(text).not.toContain('durability mode: buffered');
  });

  it('each table has the measurement heads and a row per result of its mode, as the columns print it', () => {
    const [readOnly, inMemory, strict] = parts.map(tableLines);
    const byName = (name: string, mode: ModeName | null) =>
      RESULTS.find((r) => r.name === name && r.mode === mode) as ScenarioResult;
    expect(readOnly).toEqual([
      ...HEAD,
      cellsOf(byName('core/map_set', null)),
      cellsOf(byName('core/map_get', null)),
      cellsOf(byName('engine/get_direct', null)),
      cellsOf(byName('kvstore/get/uniform', null)),
    ]);
    expect(inMemory).toEqual([...HEAD, cellsOf(byName('engine/put_direct', 'inMemory'))]);
    expect(strict).toEqual([
      ...HEAD,
      cellsOf(byName('engine/put_direct', 'strict')),
      cellsOf(byName('kvstore/put/uniform', 'strict')),
    ]);
    expect(strict?.[2]?.[1]).toBe('FAILED: boom at line 3');
    expect(readOnly?.[4]?.[1]).toBe('UNSUPPORTED: no API');
  });

  it('leaves peer rows out of its own tables (they have the peers tables)', () => {
    expect(text).not.toContain('peers/inmem');
    expect(text).not.toContain('peers, durability mode');
  });

  it('the facade-tax table: the ratio of medians per mode, read-only ratios in their column', () => {
    const ratio = parts[3] ?? '';
    expect(tableLines(ratio)).toEqual([
      ['facade tax (ratio of medians)', 'inMemory', 'buffered', 'strict', 'read-only'],
      ['A1/A0 put: engine/put_direct ÷ core/map_set', '10.0x', '-', '10000.0x', ''],
      ['A1/A0 get: engine/get_direct ÷ core/map_get', '', '', '', '5.0x'],
      // strict's numerator failed, inMemory's is absent: no ratio.
      ['B/A1 put: kvstore/put/uniform ÷ engine/put_direct', '-', '-', '-', ''],
      ['B/A1 get: kvstore/get/uniform ÷ engine/get_direct', '', '', '', '-'],
    ]);
    expect(ratio.split('\n').at(-1)).toBe(
      'Red flags (docs/red-flags.md): A1/A0 > 20x (InMemory), B/A1 > 8x.',
    );
  });

  it('ends with the counts (peer rows included), the wall time and the results path', () => {
    expect(parts.at(-1)).toBe(
      'run 20250101-000000-abcdef (profile tiny): 6 ok, 1 unsupported, 1 failed in 1.0 s\nresults: /r/run/results.json',
    );
    const long = { ...resultsFile(RESULTS), wallTimeMs: 200_000 };
    expect(renderSummary(long).split('\n').at(-1)).toBe(
      'run 20250101-000000-abcdef (profile tiny): 6 ok, 1 unsupported, 1 failed in 3 min 20 s',
    );
  });

  it('a run with no results: the last line alone, no tables', () => {
    expect(renderSummary(resultsFile([]))).toBe(
      'run 20250101-000000-abcdef (profile tiny): 0 ok, 0 unsupported, 0 failed in 1.0 s',
    );
  });

  it('a peers run: its peers tables, no measurement or facade-tax table of its own', () => {
    const peers = readFixture(PEERS_RESULTS);
    const section = peers.peers;
    if (section === undefined) throw new Error('the peers fixture has no peers section');
    expect(renderSummary(peers, '/p/results.json')).toBe(
      `${renderPeers(section)}\n\nrun 20261125-144250-3f1491 (profile quick): 24 ok, 0 unsupported, 0 failed in 43.9 s\nresults: /p/results.json`,
    );
  });

  it('our own tables and the peers section together: the peers after the facade tax', () => {
    const peers = readFixture(PEERS_RESULTS);
    const both = { ...resultsFile(RESULTS), peers: peers.peers };
    const out = renderSummary(both);
    const facade = out.indexOf('facade tax');
    const firstPeers = out.indexOf('peers, durability mode inMemory');
    expect(facade).toBeGreaterThan(out.indexOf('durability mode: strict'));
    expect(firstPeers).toBeGreaterThan(facade);
    expect(out.indexOf('run 20250101')).toBeGreaterThan(firstPeers);
  });
});
