import { describe, expect, it } from 'vitest';
import { facadeTax } from '../../harness/analysis.ts';
import { summarize, tCritical95 } from '../../harness/stats.ts';
import { renderSummary } from '../../harness/summary.ts';
import type { ScenarioResult } from '../../harness/results.ts';
import { okResult, resultsFile } from './helpers.ts';

function result(id: string, meanNs: number, extra: Partial<ScenarioResult> = {}): ScenarioResult {
  const mode = id.endsWith('/dur_strict')
    ? 'strict'
    : id.endsWith('/dur_inmemory')
      ? 'inMemory'
      : null;
  return okResult({
    id,
    name: id.replace(/\/dur_\w+$/, ''),
    mode,
    durLabel: mode === null ? null : id.slice(id.lastIndexOf('/') + 1),
    writes: mode !== null,
    meanNs,
    hz: 1e9 / meanNs,
    ...extra,
  });
}

const file = resultsFile([
  result('core/map_set', 20),
  result('core/map_get', 10),
  result('engine/put_direct/dur_inmemory', 200),
  result('engine/put_direct/dur_strict', 200_000),
  result('engine/get_direct', 50),
  result('kvstore/put/uniform/dur_inmemory', 600),
  result('kvstore/put/uniform/dur_strict', 0, {
    status: 'failed',
    reason: 'boom',
    meanNs: null,
    hz: null,
  }),
  result('kvstore/get/uniform', 100),
]);

describe('facade-tax ratios', () => {
  const ratios = facadeTax(file);
  const get = (label: string, mode: string | null): number | null | undefined =>
    ratios.find((r) => r.label === label && r.mode === mode)?.value;

  it('divide mean times of matching layers, per mode for writes', () => {
    expect(get('A1/A0 put', 'inMemory')).toBe(10);
    expect(get('A1/A0 put', 'strict')).toBe(10_000);
    expect(get('B/A1 put', 'inMemory')).toBe(3);
    expect(get('A1/A0 get', null)).toBe(5);
    expect(get('B/A1 get', null)).toBe(2);
  });

  it('are null where a side is missing or did not run ok', () => {
    expect(get('A1/A0 put', 'buffered')).toBeNull();
    expect(get('B/A1 put', 'strict')).toBeNull();
  });
});

describe('the terminal summary', () => {
  it('has a table per mode, the read-only table, the ratios and the counts', () => {
    const text = renderSummary(file, '/tmp/x/results.json');
    expect(text).toContain('read-only scenarios (mode-independent)');
    expect(text).toContain('durability mode: inMemory');
    expect(text).toContain('durability mode: strict');
    expect(text).not.toContain('durability mode: buffered');
    expect(text).toContain('FAILED: boom');
    expect(text).toMatch(/A1\/A0 put: engine\/put_direct ÷ core\/map_set/);
    expect(text).toContain('10.0x');
    expect(text).toMatch(/7 ok, 0 unsupported, 1 failed/);
    expect(text).toContain('/tmp/x/results.json');
  });
});

describe('sample statistics', () => {
  it('match benchmark.js terms: sample sd and a t-based margin of error', () => {
    const s = summarize([10, 12, 14]);
    expect(s.mean).toBe(12);
    expect(s.sd).toBe(2);
    expect(s.rme).toBeCloseTo(((4.303 * 2) / Math.sqrt(3) / 12) * 100, 6);
    expect(summarize([5])).toEqual({ mean: 5, sd: 0, rme: 0 });
    expect(tCritical95(100)).toBe(1.96);
  });
});
