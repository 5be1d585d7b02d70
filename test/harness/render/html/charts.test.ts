/**
 * Charts as static SVG (charts.ts): vega-lite specs compiled and rendered headless in Node,
 * the text escaped, the shared look applied (and overridable per spec), no data ever loaded
 * from a URL, and the report's own chart specs rendering as they are.
 */
import { describe, expect, it } from 'vitest';
import { renderChart, renderCharts, renderSvg } from '../../../../harness/render/html/charts.ts';
import {
  ladderChart,
  latencyChart,
  ratioChart,
  scalingChart,
} from '../../../../harness/render/html/chart-specs.ts';
import type { ChartSpec } from '../../../../harness/render/html/view.ts';
import { BENCH_RESULTS, COMPARE_RESULTS, HOSTILE, readFixture } from '../../report-fixtures.ts';

const BAR = {
  data: {
    values: [
      { name: 'first', v: 3 },
      { name: 'second', v: 5 },
    ],
  },
  mark: 'bar',
  encoding: {
    y: { field: 'name', type: 'nominal' },
    x: { field: 'v', type: 'quantitative' },
  },
} as const;

function chart(id: string, label: string): ChartSpec {
  return {
    id,
    title: `title ${id}`,
    caption: `caption ${id}`,
    spec: { ...BAR, data: { values: [{ name: label, v: 1 }] } },
  };
}

describe('renderSvg', () => {
  it('renders an SVG with the data labels, escaped', async () => {
    const svg = await renderSvg({
      ...BAR,
      data: {
        values: [
          { name: HOSTILE, v: 3 },
          { name: 'plain', v: 5 },
        ],
      },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('>plain</text>');
    expect(svg).not.toContain('<img');
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('applies the shared look: system fonts, a transparent background; a spec may override it', async () => {
    const plain = await renderSvg(BAR);
    expect(plain).toContain('system-ui');
    // Transparent: no background rectangle.
    expect(plain).not.toMatch(/<rect [^>]*fill="#/);
    const own = await renderSvg({ ...BAR, config: { background: '#abcdef' } });
    expect(own).toMatch(/<rect width="\d+" height="\d+" fill="#abcdef"\/>/);
    // The spec's own config keeps the rest of the shared look.
    expect(own).toContain('system-ui');
  });

  it('loads nothing: a spec that names a URL fails instead of fetching', async () => {
    await expect(
      renderSvg({ data: { url: 'https://example.com/data.json' }, mark: 'point' }),
    ).rejects.toThrow(/load no data/);
    // Also when only one layer names one.
    await expect(
      renderSvg({
        layer: [
          { data: { values: [{ a: 1 }] }, mark: 'point' },
          { data: { url: 'file:///etc/passwd' }, mark: 'point' },
        ],
      }),
    ).rejects.toThrow('report charts load no data: a chart spec names a URL');
  });
});

describe('renderChart and renderCharts', () => {
  it('keep the chart’s id, title and caption with its SVG', async () => {
    const r = await renderChart(chart('c1', 'only-label'));
    expect(r.id).toBe('c1');
    expect(r.title).toBe('title c1');
    expect(r.caption).toBe('caption c1');
    expect(r.svg.startsWith('<svg')).toBe(true);
    expect(r.svg).toContain('>only-label</text>');
  });

  it('render every chart, in order', async () => {
    expect(await renderCharts([])).toEqual([]);
    const out = await renderCharts([chart('a', 'label-a'), chart('b', 'label-b')]);
    expect(out.map((c) => c.id)).toEqual(['a', 'b']);
    expect(out[0]?.svg).toContain('label-a');
    expect(out[1]?.svg).toContain('label-b');
    expect(out[1]?.svg).not.toContain('label-a');
  });

  it('render the report’s ratio, latency, ladder and scaling specs', async () => {
    const compare = readFixture(COMPARE_RESULTS);
    const bench = readFixture(BENCH_RESULTS);
    const specs = [
      ratioChart(compare.comparison?.jobs ?? [], 'ratio', 'Ratio'),
      latencyChart(compare, 'run'),
      ladderChart(bench, 'run'),
      scalingChart(bench, 'run'),
    ];
    const charts = specs.filter((s): s is ChartSpec => s !== null);
    expect(charts).toHaveLength(4);
    const svgs = (await renderCharts(charts)).map((c) => c.svg);
    expect(svgs[0]).toContain('>kvstore/put/hot_key</text>');
    expect(svgs[1]).toContain('>p99.9</text>');
    expect(svgs[2]).toContain('>B KVStore</text>');
    expect(svgs[3]).toContain('>aggregate ops/s</text>');
  });
});
