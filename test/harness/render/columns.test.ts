/**
 * The table columns every output shares (columns.ts): labels in order, each cell's text and
 * sort key for known rows (absent figures read '-' and sort first), the class text and tone,
 * the red-flag folding and counts, and the grouping of a comparison by mode.
 */
import { describe, expect, it } from 'vitest';
import {
  COMPARISON_COLUMNS,
  MEASUREMENT_COLUMNS,
  MODE_COLUMN,
  RED_FLAG_COLUMNS,
  SCENARIO_COLUMN,
  classText,
  classTone,
  comparisonGroups,
  foldedRedFlags,
  judgedRedFlags,
  modeTitle,
  modesOf,
  redFlagCounts,
  sortKey,
  type Dimension,
  type RedFlagRow,
} from '../../../harness/render/columns.ts';
import type { ModeName } from '../../../harness/engine-api/modes.ts';
import type { JobComparison } from '../../../harness/results/results-file.ts';
import { okResult } from '../helpers.ts';

const texts = <T>(columns: ReadonlyArray<Dimension<T>>, row: T): string[] =>
  columns.map((c) => c.format(row));
const sorts = <T>(columns: ReadonlyArray<Dimension<T>>, row: T): unknown[] =>
  columns.map((c) => c.sort?.(row));
const tones = <T>(columns: ReadonlyArray<Dimension<T>>, row: T): unknown[] =>
  columns.map((c) => c.tone?.(row));

function job(
  overrides: Partial<JobComparison> = {},
  comparison: Partial<JobComparison['comparison']> = {},
): JobComparison {
  return {
    id: 'kvstore/put/hot_key/dur_strict',
    name: 'kvstore/put/hot_key',
    mode: 'strict',
    baselineMode: 'strict',
    baselineSamples: [1500, 1510, 1490],
    candidateSamples: [1650, 1660, 1640],
    rounds: 3,
    stoppedBy: 'resolved',
    confirmed: null,
    note: null,
    ...overrides,
    comparison: {
      nBaseline: 7,
      nCandidate: 5,
      baselineMedian: 1500,
      candidateMedian: 1650,
      ratio: 1.1,
      ci: [1.05, 1.15],
      pValue: 0.0004,
      df: 8,
      classification: 'regressed',
      threshold: 0.05,
      alpha: 0.005,
      confidence: 0.95,
      method: 'yuen-log-t',
      reason: 'slower',
      ...comparison,
    },
  };
}

function flag(overrides: Partial<RedFlagRow> = {}): RedFlagRow {
  return {
    id: 'p99-over-mean',
    description: 'p99 over mean',
    figure: 56.0078,
    unit: '×',
    threshold: 20,
    target: null,
    verdict: 'fail',
    reason: 'too slow',
    spread: { low: 40, high: 60.5, over: '4 quarters' },
    floor: { figure: 12.34, what: 'the Map read' },
    ...overrides,
  };
}

describe('COMPARISON_COLUMNS', () => {
  it('labels, in order; only the scenario and the class are not numbers', () => {
    expect(COMPARISON_COLUMNS.map((c) => c.label)).toEqual([
      'scenario',
      'baseline',
      'candidate',
      'ratio [95% CI]',
      'p',
      'class',
      'n',
    ]);
    expect(COMPARISON_COLUMNS.map((c) => c.numeric)).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
      true,
    ]);
  });

  it('a job’s cells, sort keys and tone', () => {
    const j = job();
    expect(texts(COMPARISON_COLUMNS, j)).toEqual([
      'kvstore/put/hot_key',
      '1.50 µs',
      '1.65 µs',
      '1.100 [1.050, 1.150]',
      '<0.001',
      'REGRESSED',
      // The smaller side's count.
      '5',
    ]);
    expect(sorts(COMPARISON_COLUMNS, j)).toEqual([
      undefined,
      1500,
      1650,
      1.1,
      0.0004,
      'regressed',
      5,
    ]);
    expect(tones(COMPARISON_COLUMNS, j)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'regressed',
      undefined,
    ]);
    expect(texts(COMPARISON_COLUMNS, job({}, { pValue: 0.0123, nBaseline: 3 }))[4]).toBe('0.012');
    expect(texts(COMPARISON_COLUMNS, job({}, { nBaseline: 3 }))[6]).toBe('3');
  });

  it('absent figures read "-" and sort first (empty key)', () => {
    const j = job(
      {},
      {
        baselineMedian: null,
        candidateMedian: null,
        ratio: null,
        ci: null,
        pValue: null,
        classification: 'inconclusive',
        nBaseline: 0,
      },
    );
    expect(texts(COMPARISON_COLUMNS, j)).toEqual([
      'kvstore/put/hot_key',
      '-',
      '-',
      '-',
      '-',
      'inconclusive',
      '0',
    ]);
    expect(sorts(COMPARISON_COLUMNS, j)).toEqual([undefined, '', '', '', '', 'inconclusive', 0]);
    // A ratio without its CI prints the ratio alone.
    expect(texts(COMPARISON_COLUMNS, job({}, { ci: null }))[3]).toBe('1.100');
  });
});

describe('classText and classTone', () => {
  it('marks a regression, and whether the gate’s second pass confirmed it', () => {
    expect(classText(job())).toBe('REGRESSED');
    expect(classText(job({ confirmed: undefined }))).toBe('REGRESSED');
    expect(classText(job({ confirmed: true }))).toBe('REGRESSED (confirmed)');
    expect(classText(job({ confirmed: false }))).toBe('REGRESSED (not confirmed)');
    expect(classTone(job({ confirmed: false }))).toBe('regressed');
  });

  it('prints the other classes as they are; confirmation is for regressions only', () => {
    for (const c of ['improved', 'unchanged', 'inconclusive'] as const) {
      const j = job({ confirmed: true }, { classification: c });
      expect(classText(j)).toBe(c);
      expect(classTone(j)).toBe(c);
    }
  });

  it('a job stopped once a regression was ruled out reads "no regression", toned unchanged', () => {
    const ruledOut = job({ stoppedBy: 'no regression' }, { classification: 'inconclusive' });
    expect(classText(ruledOut)).toBe('no regression');
    expect(classTone(ruledOut)).toBe('unchanged');
    expect(texts(COMPARISON_COLUMNS, ruledOut)[5]).toBe('no regression');
    // The sort key stays the stored class.
    expect(sorts(COMPARISON_COLUMNS, ruledOut)[5]).toBe('inconclusive');
    // Only an inconclusive job is "ruled out"; other stops keep their class.
    const budget = job({ stoppedBy: 'budget' }, { classification: 'inconclusive' });
    expect(classText(budget)).toBe('inconclusive');
    expect(classTone(budget)).toBe('inconclusive');
    const regressed = job({ stoppedBy: 'no regression' });
    expect(classText(regressed)).toBe('REGRESSED');
  });
});

describe('MEASUREMENT_COLUMNS', () => {
  it('labels, in order', () => {
    expect(MEASUREMENT_COLUMNS.map((c) => c.label)).toEqual([
      'scenario',
      'status',
      'ops/s',
      'median',
      'mean ±rme',
      'p99',
      'bytes/op',
      'ops proved',
    ]);
    expect(MEASUREMENT_COLUMNS.map((c) => c.numeric)).toEqual([
      false,
      false,
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('an ok result’s cells, sort keys and tone', () => {
    const r = okResult({ bytesPerOp: 2048 });
    expect(texts(MEASUREMENT_COLUMNS, r)).toEqual([
      'core/map_set',
      'ok',
      '50.00M',
      '20.0 ns',
      '20.0 ns ±1.5%',
      '40.0 ns',
      '2.0 KiB',
      '1234',
    ]);
    expect(sorts(MEASUREMENT_COLUMNS, r)).toEqual([
      undefined,
      'ok',
      50_000_000,
      20,
      20,
      40,
      2048,
      1234,
    ]);
    expect(tones(MEASUREMENT_COLUMNS, r)[1]).toBe('ok');
    expect(texts(MEASUREMENT_COLUMNS, okResult({ rme: null }))[4]).toBe('20.0 ns');
  });

  it('a failed result: its reason on one line, absent figures "-" sorting first', () => {
    const r = okResult({
      status: 'failed',
      reason: 'boom\n   at line 3',
      hz: null,
      meanNs: null,
      medianNs: null,
      rme: null,
      latency: null,
      bytesPerOp: null,
      opCount: null,
    });
    expect(texts(MEASUREMENT_COLUMNS, r)).toEqual([
      'core/map_set',
      'FAILED: boom at line 3',
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
    ]);
    expect(sorts(MEASUREMENT_COLUMNS, r)).toEqual([undefined, 'failed', '', '', '', '', '', '']);
    expect(tones(MEASUREMENT_COLUMNS, r)[1]).toBe('failed');
    const unsupported = okResult({ status: 'unsupported', reason: 'no builder' });
    expect(texts(MEASUREMENT_COLUMNS, unsupported)[1]).toBe('UNSUPPORTED: no builder');
    expect(tones(MEASUREMENT_COLUMNS, unsupported)[1]).toBe('unsupported');
  });
});

describe('SCENARIO_COLUMN and MODE_COLUMN', () => {
  it('the name, and the mode or "read-only"', () => {
    expect(SCENARIO_COLUMN.label).toBe('scenario');
    expect(MODE_COLUMN.label).toBe('mode');
    expect(MODE_COLUMN.numeric).toBe(false);
    expect(MODE_COLUMN.format({ mode: null })).toBe('read-only');
    expect(MODE_COLUMN.format({ mode: 'buffered' })).toBe('buffered');
    expect(MODE_COLUMN.sort).toBeUndefined();
  });
});

describe('RED_FLAG_COLUMNS', () => {
  it('labels, in order', () => {
    expect(RED_FLAG_COLUMNS.map((c) => c.label)).toEqual([
      'red flag',
      'figure',
      'spread',
      'fails when',
      'judged against',
      'verdict',
      'why',
    ]);
  });

  it('a judged flag: figure, spread, limit, floor, verdict, reason', () => {
    const f = flag();
    expect(texts(RED_FLAG_COLUMNS, f)).toEqual([
      'p99 over mean',
      '56.0×',
      '40.0× – 60.5× (4 quarters)',
      '> 20.0×',
      '12.3×: the Map read',
      'FAIL',
      'too slow',
    ]);
    expect(sorts(RED_FLAG_COLUMNS, f)).toEqual([
      undefined,
      56.0078,
      60.5,
      20,
      undefined,
      undefined,
      undefined,
    ]);
    expect(tones(RED_FLAG_COLUMNS, f)[5]).toBe('fail');
  });

  it('an unjudged flag: "-" for what it lacks; a flag failing below its limit says "<"', () => {
    const f = flag({
      id: 'throughput-1-worker',
      description: '1-worker throughput',
      figure: null,
      unit: 'ops/s',
      threshold: 100_000,
      verdict: 'not-applicable',
      reason: 'not in the results',
      spread: null,
      floor: undefined,
    });
    expect(texts(RED_FLAG_COLUMNS, f)).toEqual([
      '1-worker throughput',
      '-',
      '-',
      '< 100.0K ops/s',
      '-',
      'NOT-APPLICABLE',
      'not in the results',
    ]);
    expect(sorts(RED_FLAG_COLUMNS, f).slice(1, 4)).toEqual(['', '', 100_000]);
    expect(tones(RED_FLAG_COLUMNS, f)[5]).toBe('not-applicable');
  });

  it('a flag id this harness does not know gets its threshold without a direction', () => {
    const f = flag({ id: 'a-future-flag', unit: 'ns', threshold: 2000 });
    expect(texts(RED_FLAG_COLUMNS, f)[3]).toBe('2.00 µs');
    expect(
      texts(RED_FLAG_COLUMNS, flag({ id: 'snapshot-acquire', unit: 'ns', threshold: 2000 }))[3],
    ).toBe('> 2.00 µs');
  });
});

describe('red flags: judged, folded, counted', () => {
  const fail = flag();
  const pass = flag({ id: 'kvstore-get', verdict: 'pass' });
  const na1 = flag({ id: 'throughput-1-worker', verdict: 'not-applicable', figure: null });
  const na2 = flag({ id: 'a-future-flag', verdict: 'not-applicable', figure: null });
  const flags = [na1, fail, pass, na2];

  it('lists the passed and failed flags in their order', () => {
    expect(judgedRedFlags(flags)).toEqual([fail, pass]);
    expect(judgedRedFlags([na1])).toEqual([]);
  });

  it('folds the not-applicable ones into one line, or none', () => {
    expect(foldedRedFlags(flags)).toBe(
      'not applicable in this run (2): throughput-1-worker, a-future-flag',
    );
    expect(foldedRedFlags([fail, pass])).toBeNull();
    expect(foldedRedFlags([])).toBeNull();
  });

  it('counts each verdict', () => {
    expect(redFlagCounts(flags)).toBe('1 pass, 1 fail, 2 not applicable');
    expect(redFlagCounts([pass, pass])).toBe('2 pass, 0 fail, 0 not applicable');
    expect(redFlagCounts([])).toBe('0 pass, 0 fail, 0 not applicable');
  });
});

describe('modes and groups', () => {
  it('sortKey: absent is the empty key, a number is itself (0 included)', () => {
    expect(sortKey(null)).toBe('');
    expect(sortKey(undefined)).toBe('');
    expect(sortKey(0)).toBe(0);
    expect(sortKey(2.5)).toBe(2.5);
  });

  it('modesOf: the modes present, read-only first, then in MODES order', () => {
    const items = (modes: Array<ModeName | null>) => modes.map((mode) => ({ mode }));
    expect(modesOf(items(['strict', 'inMemory', null, 'strict']))).toEqual([
      null,
      'inMemory',
      'strict',
    ]);
    expect(modesOf(items(['buffered', 'strict', 'inMemory']))).toEqual([
      'inMemory',
      'buffered',
      'strict',
    ]);
    expect(modesOf([])).toEqual([]);
  });

  it('modeTitle', () => {
    expect(modeTitle(null)).toBe('read-only scenarios');
    expect(modeTitle('buffered')).toBe('durability mode: buffered');
  });

  it('comparisonGroups: a group per mode, titled, with a note when the baseline ran another mode', () => {
    const strict = job();
    const inMemory = job({
      id: 'kvstore/put/hot_key/dur_inmemory',
      mode: 'inMemory',
      baselineMode: 'strict',
    });
    const inMemory2 = job({ id: 'x/dur_inmemory', mode: 'inMemory', baselineMode: 'inMemory' });
    const readOnly = job({
      id: 'core/map_get',
      name: 'core/map_get',
      mode: null,
      baselineMode: null,
    });
    const groups = comparisonGroups([strict, inMemory2, inMemory, readOnly]);
    expect(groups.map((g) => g.mode)).toEqual([null, 'inMemory', 'strict']);
    expect(groups.map((g) => g.title)).toEqual([
      'read-only scenarios',
      'durability mode: inMemory',
      'durability mode: strict',
    ]);
    expect(groups.map((g) => g.note)).toEqual([
      null,
      'the baseline ran strict (its only mode): each candidate mode is compared with it',
      null,
    ]);
    expect(groups.map((g) => g.jobs)).toEqual([[readOnly], [inMemory2, inMemory], [strict]]);
    expect(comparisonGroups([])).toEqual([]);
  });
});
