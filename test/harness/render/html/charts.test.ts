/**
 * Charts as static SVG (charts.ts): vega-lite specs compiled and rendered headless in Node,
 * the text escaped, the shared look applied (and overridable per spec), no data ever loaded
 * from a URL, marks linking only to relative paths, and the report's own chart specs
 * rendering as they are.
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

/** A one-point chart per href, the point linked to it (as the trend's points are). */
const linked = (...hrefs: string[]) => ({
  data: { values: hrefs.map((h, i) => ({ x: i, y: i, h })) },
  mark: 'point' as const,
  encoding: {
    x: { field: 'x', type: 'quantitative' as const },
    y: { field: 'y', type: 'quantitative' as const },
    href: { field: 'h' },
  },
});

/** Every link target in an SVG (vega writes them as xlink:href on <a>). */
const linksOf = (svg: string): string[] =>
  [...svg.matchAll(/<a\b[^>]*\bxlink:href="([^"]*)"/g)].map((m) => m[1] as string);

/**
 * Runs `fn` with the process's unhandled-rejection listeners (vitest's) replaced by one that
 * collects, and gives back what was collected: a refused link must not leave one behind.
 */
async function collectingUnhandled<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; unhandled: unknown[] }> {
  const unhandled: unknown[] = [];
  const saved = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const collect = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', collect);
  try {
    const value = await fn();
    // Rejections are reported after the microtask queue drains: give them a few turns.
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 5));
    return { value, unhandled };
  } finally {
    process.off('unhandledRejection', collect);
    for (const l of saved) process.on('unhandledRejection', l);
  }
}

const REFUSED = [
  'javascript:alert(1)',
  'JavaScript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'http://evil.example/x',
  'https://evil.example/x',
  'file:///etc/passwd',
  '//evil/x',
  '\x01javascript:alert(1)',
  '\\\\evil.example/x',
  '/\\evil.example',
];

describe('renderSvg: mark links', () => {
  it('a relative path is kept as the mark’s link', async () => {
    const svg = await renderSvg(linked('x/y.html'));
    expect(svg).toMatch(/<a xlink:href="x\/y\.html">/);
    expect(linksOf(svg)).toEqual(['x/y.html']);
  });

  it('relative paths of every form the site writes: up, percent-encoded, in-page', async () => {
    const hrefs = ['../../history/my%20box/abc.html', 'history/a/b.html', '#commit-row-1'];
    expect(linksOf(await renderSvg(linked(...hrefs))).sort()).toEqual([...hrefs].sort());
  });

  it('anything with a scheme, or a network path, is refused: no link in the SVG', async () => {
    for (const href of REFUSED) {
      const { value: svg } = await collectingUnhandled(() => renderSvg(linked(href)));
      expect(linksOf(svg), href).toEqual([]);
      // An <a> without an href is inert: no link to follow.
      expect(svg, href).not.toMatch(/<a\b[^>]*href/);
      expect(svg, href).not.toContain(`href="${href}`);
      // The point itself is still drawn.
      expect(svg, href).toContain('role="graphics-symbol"');
    }
  });

  it('in one chart, the relative links stay and the others go', async () => {
    const { value: svg } = await collectingUnhandled(() =>
      renderSvg(linked('ok/one.html', 'javascript:alert(1)', '//evil/x', 'ok/two.html')),
    );
    expect(linksOf(svg).sort()).toEqual(['ok/one.html', 'ok/two.html']);
  });

  // The loader refuses by resolving without a URL: a rejection would reach vega's renderer as
  // null, which it dereferences in a .then() nobody catches (Node 20 exits on that).
  it('refusing a link leaves no unhandled rejection behind', async () => {
    const { unhandled } = await collectingUnhandled(() => renderSvg(linked('javascript:alert(1)')));
    expect(unhandled.map(String)).toEqual([]);
  });
});
