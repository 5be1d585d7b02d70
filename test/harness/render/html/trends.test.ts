/**
 * The trend page's model (trends.ts) from synthetic history records: one series per job with
 * a point per recorded commit in commit order (peers and failed jobs left out), marks and
 * their text where a paired comparison called a change, links relative to the page and
 * percent-encoded, and the commit table newest first with each commit's page.
 */
import { describe, expect, it } from 'vitest';
import { renderSvg } from '../../../../harness/render/html/charts.ts';
import {
  machineTrends,
  recordReportPath,
  trendChart,
  type TrendPoint,
} from '../../../../harness/render/html/trends.ts';
import { describeMachine } from '../../../../harness/results/machine.ts';
import type { HistoryRecord, MachineHistory } from '../../../../harness/results/history-store.ts';
import type {
  JobComparison,
  ResultsFile,
  ScenarioResult,
} from '../../../../harness/results/results-file.ts';
import { okResult, resultsFile } from '../../helpers.ts';

const SHA1 = '1'.repeat(40);
const SHA2 = '2'.repeat(40);
const SHA3 = '3'.repeat(40);
const PUT = 'kvstore/put/hot_key/dur_inmemory';

const put = (ns: number, samples: number[] = [ns]): ScenarioResult =>
  okResult({
    id: PUT,
    name: 'kvstore/put/hot_key',
    layer: 'B',
    mode: 'inMemory',
    durLabel: 'dur_inmemory',
    writes: true,
    medianNs: ns,
    meanNs: ns,
    samples: { count: samples.length, ns: samples },
  });
const set = (ns: number, samples: number[] = [ns - 1, ns + 1]): ScenarioResult =>
  okResult({ medianNs: ns, meanNs: ns, samples: { count: samples.length, ns: samples } });
const PEER = okResult({
  id: 'peers/sqlite/kv/put/dur_inmemory',
  name: 'peers/sqlite/kv/put',
  peer: true,
  medianNs: 500,
});
const FAILED = okResult({
  id: 'core/broken',
  name: 'core/broken',
  status: 'failed',
  reason: 'boom',
  medianNs: null,
  meanNs: null,
  hz: null,
});

function job(
  id: string,
  classification: JobComparison['comparison']['classification'],
  ratio: number,
  ci: [number, number],
  /** The candidate's rounds: consistent with the job's result, as in a real paired record. */
  candidateSamples: number[],
): JobComparison {
  return {
    id,
    name: id,
    mode: null,
    baselineMode: null,
    baselineSamples: candidateSamples.map((x) => x / ratio),
    candidateSamples,
    rounds: candidateSamples.length,
    stoppedBy: 'resolved',
    confirmed: null,
    note: null,
    comparison: {
      nBaseline: candidateSamples.length,
      nCandidate: candidateSamples.length,
      baselineMedian: 1,
      candidateMedian: ratio,
      ratio,
      ci,
      pValue: 0.001,
      df: 1,
      classification,
      threshold: 0.05,
      alpha: 0.02,
      confidence: 0.95,
      method: 'paired-trimmed-log-t',
      reason: 'r',
    },
  };
}

function rec(
  commit: string,
  committedAt: string,
  results: ScenarioResult[],
  machine: string,
  jobs?: { against: string | null; jobs: JobComparison[] },
): HistoryRecord {
  const side = (c: string | null) => ({ label: 'side', commit: c, source: 'ref', file: null });
  const file: ResultsFile = {
    ...resultsFile(results),
    ...(jobs === undefined
      ? {}
      : {
          comparison: {
            baseline: side(jobs.against),
            candidate: side(commit),
            rounds: 2,
            notes: [],
            jobs: jobs.jobs,
          },
        }),
    history: {
      commit,
      committedAt,
      subject: `subject ${commit[0]}`,
      parent: null,
      depth: 1,
      machine,
    },
  };
  return {
    file: `/h/results/${machine}/${commit}.json`,
    baselineFile: null,
    point: file.history!,
    results: file,
  };
}

/** Three commits oldest first: plain; paired, nothing called; paired, two changes called. */
function history(machine = 'box-a'): MachineHistory {
  const third = rec(SHA3, '2025-03-03T08:09:10Z', [set(40), put(700), PEER, FAILED], machine, {
    against: SHA2,
    jobs: [
      job('core/map_set', 'regressed', 1.52, [1.44, 1.61], [39, 40, 41]),
      job(PUT, 'improved', 0.5, [0.45, 0.55], [700]),
      // A peer's comparison is not drawn either.
      job(PEER.id, 'regressed', 3, [2, 4], [500]),
    ],
  });
  third.results = {
    ...third.results,
    environment: { ...third.results.environment, cpuModel: 'Newest CPU' },
  };
  return {
    machine,
    records: [
      rec(SHA1, '2025-03-01T12:34:56Z', [set(20), PEER, FAILED], machine),
      rec(SHA2, '2025-03-02T00:00:00+02:00', [set(22), put(1400, [1300, 1400, 1500])], machine, {
        against: SHA1,
        jobs: [job('core/map_set', 'unchanged', 1.1, [0.98, 1.2], [21, 22, 23])],
      }),
      third,
    ],
  };
}

const OPTS = { pageDir: '/site', siteDir: '/site', commitUrl: () => null };

describe('recordReportPath', () => {
  it('history/<machine>/<commit>.html', () => {
    expect(recordReportPath('box-a', SHA1)).toBe(`history/box-a/${SHA1}.html`);
  });
});

describe('machineTrends', () => {
  it('one series per job, by id; peers and failed jobs have none', () => {
    const m = machineTrends(history(), OPTS);
    expect(m.series.map((s) => s.id)).toEqual(['core/map_set', PUT]);
    expect(m.series.map((s) => [s.name, s.mode])).toEqual([
      ['core/map_set', null],
      ['kvstore/put/hot_key', 'inMemory'],
    ]);
  });

  it('a point per commit the job ran on, in commit order, with its median and interval', () => {
    const m = machineTrends(history(), OPTS);
    const [setSeries, putSeries] = m.series;
    const pick = (p: TrendPoint) => [p.order, p.commit, p.short, p.subject, p.ns, p.lo, p.hi];
    expect(setSeries?.points.map(pick)).toEqual([
      [0, SHA1, SHA1.slice(0, 12), 'subject 1', 20, 19, 21],
      [1, SHA2, SHA2.slice(0, 12), 'subject 2', 22, 21, 23],
      [2, SHA3, SHA3.slice(0, 12), 'subject 3', 40, 39, 41],
    ]);
    // The put ran on the last two commits only: their places among the machine's commits.
    expect(putSeries?.points.map(pick)).toEqual([
      [1, SHA2, SHA2.slice(0, 12), 'subject 2', 1400, 1300, 1500],
      [2, SHA3, SHA3.slice(0, 12), 'subject 3', 700, 700, 700],
    ]);
  });

  it('the interval always holds the point; a job without samples is a bare point', () => {
    const r = rec(
      SHA1,
      '2025-03-01T00:00:00Z',
      [
        // A median outside its samples' interval (e.g. rounded): the whisker stretches to it.
        set(50, [10, 11, 12, 13, 14, 15, 16]),
        put(900, []),
        // No median: the mean is the figure.
        okResult({ id: 'core/mean', name: 'core/mean', medianNs: null, meanNs: 33 }),
      ],
      'box-a',
    );
    const m = machineTrends({ machine: 'box-a', records: [r] }, OPTS);
    const byId = Object.fromEntries(m.series.map((s) => [s.id, s.points[0]]));
    expect(Object.keys(byId).sort()).toEqual(['core/map_set', 'core/mean', PUT].sort());
    expect([byId['core/map_set']?.lo, byId['core/map_set']?.hi]).toEqual([10, 50]);
    expect([byId[PUT]?.ns, byId[PUT]?.lo, byId[PUT]?.hi]).toEqual([900, 900, 900]);
    expect(byId['core/mean']?.ns).toBe(33);
  });

  it('marks what a paired comparison called, with its ratio and the commit it was against', () => {
    const m = machineTrends(history(), OPTS);
    const marks = (id: string) =>
      m.series.find((s) => s.id === id)?.points.map((p) => [p.change, p.changeText]);
    expect(marks('core/map_set')).toEqual([
      [null, null],
      [null, `unchanged 1.100 [0.980, 1.200] against ${SHA1.slice(0, 12)}`],
      ['regressed', `regressed 1.520 [1.440, 1.610] against ${SHA2.slice(0, 12)}`],
    ]);
    expect(marks(PUT)).toEqual([
      [null, null],
      ['improved', `improved 0.500 [0.450, 0.550] against ${SHA2.slice(0, 12)}`],
    ]);
  });

  it('a comparison without the baseline’s commit says "the baseline"', () => {
    const r = rec(SHA1, '2025-03-01T00:00:00Z', [set(20)], 'box-a', {
      against: null,
      jobs: [job('core/map_set', 'regressed', 2, [1.9, 2.1], [20])],
    });
    const p = machineTrends({ machine: 'box-a', records: [r] }, OPTS).series[0]?.points[0];
    expect(p?.changeText).toBe('regressed 2.000 [1.900, 2.100] against the baseline');
  });

  it('the commit table: newest first, what was called there, the run and the commit page', () => {
    const m = machineTrends(history(), {
      ...OPTS,
      commitUrl: (sha) => (sha === SHA2 ? null : `https://git.example/c/${sha}`),
    });
    expect(m.commits.map((c) => c.sha)).toEqual([SHA3, SHA2, SHA1]);
    expect(m.commits.map((c) => c.commitHref)).toEqual([
      `https://git.example/c/${SHA3}`,
      null,
      `https://git.example/c/${SHA1}`,
    ]);
    expect(m.commits.map((c) => c.when)).toEqual([
      '2025-03-03 08:09',
      '2025-03-02 00:00',
      '2025-03-01 12:34',
    ]);
    expect(m.commits.map((c) => c.changes)).toEqual([
      `core/map_set regressed 1.520 [1.440, 1.610] against ${SHA2.slice(0, 12)}; ${PUT} improved 0.500 [0.450, 0.550] against ${SHA2.slice(0, 12)}`,
      'no change called',
      'not compared',
    ]);
    expect(m.commits.map((c) => c.runHref)).toEqual(
      [SHA3, SHA2, SHA1].map((s) => `history/box-a/${s}.html`),
    );
    expect(m.commits[0]).toMatchObject({ short: SHA3.slice(0, 12), subject: 'subject 3' });
  });

  it('links each point to its record’s report, relative to the page folder', () => {
    const atRoot = machineTrends(history(), OPTS);
    expect(atRoot.series[0]?.points.map((p) => p.href)).toEqual(
      [SHA1, SHA2, SHA3].map((s) => `history/box-a/${s}.html`),
    );
    const below = machineTrends(history(), { ...OPTS, pageDir: '/site/trends/page' });
    expect(below.series[0]?.points[0]?.href).toBe(`../../history/box-a/${SHA1}.html`);
    expect(below.commits[2]?.runHref).toBe(`../../history/box-a/${SHA1}.html`);
  });

  it('percent-encodes a machine name that is not URL-safe, and anchors it safely', () => {
    const m = machineTrends(history('my box #1?'), OPTS);
    expect(m.series[0]?.points[0]?.href).toBe(`history/my%20box%20%231%3F/${SHA1}.html`);
    expect(m.anchor).toBe('my-box--1-');
    expect(m.machine).toBe('my box #1?');
    expect(m.series[0]?.chart.id).toBe('trend-my-box--1--core-map_set');
  });

  it('describes the machine of its newest record; an empty history has no description', () => {
    const h = history();
    const m = machineTrends(h, OPTS);
    expect(m.description).toBe(describeMachine(h.records[2]!.results.environment));
    expect(m.description).toContain('Newest CPU');
    const none = machineTrends({ machine: 'box-a', records: [] }, OPTS);
    expect(none).toMatchObject({ description: '', commits: [], series: [] });
  });
});

describe('trendChart', () => {
  it('a line through the medians, whiskers for the intervals, points linked and marked', () => {
    const s = machineTrends(history(), OPTS).series.find((x) => x.id === 'core/map_set')!;
    const chart = trendChart(s, 'box-a');
    expect(chart.id).toBe('trend-box-a-core-map_set');
    expect(chart.title).toBe('core/map_set');
    expect(chart.caption).toMatch(/^3 commits\b/);
    const spec = chart.spec as unknown as {
      data: { values: Array<Record<string, unknown>> };
      layer: Array<{ mark: { type: string }; encoding: Record<string, unknown> }>;
    };
    const types = spec.layer.map((l) => l.mark.type);
    expect(types).toEqual(expect.arrayContaining(['rule', 'line', 'point']));
    const points = spec.layer.find((l) => l.mark.type === 'point');
    expect(points?.encoding.href).toEqual({ field: 'href' });
    expect(spec.data.values.map((v) => [v.short, v.change, v.changeText, v.href])).toEqual([
      [SHA1.slice(0, 12), 'none', 'not compared', `history/box-a/${SHA1}.html`],
      [
        SHA2.slice(0, 12),
        'none',
        `unchanged 1.100 [0.980, 1.200] against ${SHA1.slice(0, 12)}`,
        `history/box-a/${SHA2}.html`,
      ],
      [
        SHA3.slice(0, 12),
        'regressed',
        `regressed 1.520 [1.440, 1.610] against ${SHA2.slice(0, 12)}`,
        `history/box-a/${SHA3}.html`,
      ],
    ]);
    expect(spec.data.values[0]).toMatchObject({ figure: '20.0 ns', interval: '19.0 ns – 21.0 ns' });
  });

  it('renders with every point a link to its run', async () => {
    const s = machineTrends(history('my box #1?'), OPTS).series[0]!;
    const svg = await renderSvg(trendChart(s, 'x').spec);
    // Links within the page (#...) aside, one per point, to its record's report.
    const links = [...svg.matchAll(/<a xlink:href="([^"]*)"/g)]
      .map((m) => m[1])
      .filter((h) => !h?.startsWith('#'));
    expect(links).toEqual([SHA1, SHA2, SHA3].map((c) => `history/my%20box%20%231%3F/${c}.html`));
  });
});
