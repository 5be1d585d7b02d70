/**
 * Charts as static SVG: vega-lite specs compiled to vega, rendered headless in Node with vega's
 * `View#toSVG()` (renderer 'none': no canvas, no DOM, no network). The SVG is inlined in the
 * report. Vega escapes the text it writes into SVG (labels, titles, aria attributes), which is
 * what makes inlining safe for untrusted scenario names; test/harness/render/html/render.test.ts
 * checks it with a hostile name.
 */
import { logger, None, parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartSpec } from './view.ts';

/** The SVG of a chart, branded so only this module's output is ever inserted unescaped. */
export interface RenderedChart {
  id: string;
  title: string;
  caption: string;
  svg: SafeSvg;
}

declare const safeSvg: unique symbol;
export type SafeSvg = string & { readonly [safeSvg]: true };

/** Shared look: system fonts, no chart border, readable labels. */
const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, labelLimit: 260, titleColor: '#37474f' },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 320 },
  header: { labelFontSize: 12 },
  background: 'transparent',
} as const;

/**
 * A relative URL path: no scheme, no network path, no whitespace, quotes, control characters
 * or backslashes (browsers drop leading control characters and read `\` as `/`, which would
 * turn "\x01javascript:" or "\\host" into a script or an off-site link).
 */
// eslint-disable-next-line no-control-regex
const RELATIVE_HREF = /^(?![A-Za-z][A-Za-z0-9+.-]*:)(?!\/\/)[^\s"'<>\\\x00-\x1f\x7f]+$/;

/**
 * What a refused link resolves to: vega copies its `href` (undefined) into the mark's link
 * attribute, and its SVG writer leaves an undefined attribute out. vega's type asks for a
 * string it never needs here.
 */
const NO_LINK = {} as { href: string };

export async function renderSvg(spec: TopLevelSpec): Promise<SafeSvg> {
  const withConfig = { ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  // Silent: vega-lite's warnings (e.g. about faceted independent scales) are not the reader's.
  const vegaSpec = compile(withConfig, { logger: logger(None) }).spec;
  // Data is inline: a spec naming a URL is a bug here, refused rather than fetched or dropped.
  if ((vegaSpec.data ?? []).some((d) => 'url' in d)) {
    throw new Error('report charts load no data: a chart spec names a URL');
  }
  // No loader needed: data is inline. A loader that refuses everything keeps it that way.
  const view = new View(parse(vegaSpec), {
    renderer: 'none',
    logLevel: None,
    loader: {
      load: () => Promise.reject(new Error('report charts load no data')),
      // A mark's link (the trend's points link to their runs) is the one thing sanitized:
      // relative paths within the site only, never a scheme (javascript:, data:, http:).
      sanitize: (uri: string, options: { context?: string }) =>
        options.context === 'href' && RELATIVE_HREF.test(uri)
          ? Promise.resolve({ href: uri })
          : // Refused: no link attribute at all. (A rejection would reach vega's renderer as
            // null, which it dereferences in an uncaught promise.)
            Promise.resolve(NO_LINK),
      http: () => Promise.reject(new Error('report charts load no data')),
      file: () => Promise.reject(new Error('report charts load no data')),
    },
  });
  try {
    const svg = await view.toSVG();
    return svg as SafeSvg;
  } finally {
    view.finalize();
  }
}

export async function renderChart(chart: ChartSpec): Promise<RenderedChart> {
  return {
    id: chart.id,
    title: chart.title,
    caption: chart.caption,
    svg: await renderSvg(chart.spec),
  };
}

export async function renderCharts(charts: readonly ChartSpec[]): Promise<RenderedChart[]> {
  const out: RenderedChart[] = [];
  for (const c of charts) out.push(await renderChart(c));
  return out;
}
