/**
 * HTML from the view model: handlebars templates and partials kept in templates/ (compiled once
 * per process), charts rendered to SVG by charts.ts, one self-contained page (inline CSS, SVG
 * and a small sort script; no network, opens from file://).
 *
 * Escaping: every value goes through `{{ }}`, which HTML-escapes it. The one exception is the
 * `svg` helper, which inserts a chart's SVG unescaped, and only for objects charts.ts rendered
 * (a WeakSet of them: a string from the data can never get there).
 */
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { HARNESS_DIR } from '../../support/paths.ts';
import { renderChart, type RenderedChart } from './charts.ts';
import { loadRun } from './load.ts';
import { buildModel } from './model.ts';
import type { MachineTrends } from './trends.ts';
import type { ChartSpec, ReportModel, RunInput, RunView, Table } from './view.ts';

export const TEMPLATES_DIR = path.join(HARNESS_DIR, 'render', 'html', 'templates');

const rendered = new WeakSet<RenderedChart>();

type HandlebarsInstance = ReturnType<typeof Handlebars.create>;
type Template = (context: unknown) => string;

let engine: { hb: HandlebarsInstance; report: Template; site: Template; trends: Template } | null =
  null;

function verdictClass(v: unknown): string {
  return v === 'pass' ? 'v-pass' : v === 'fail' ? 'v-fail' : 'v-other';
}

function templates(): NonNullable<typeof engine> {
  if (engine !== null) return engine;
  const hb = Handlebars.create();
  const partialsDir = path.join(TEMPLATES_DIR, 'partials');
  for (const f of fs.readdirSync(partialsDir).filter((n) => n.endsWith('.hbs'))) {
    hb.registerPartial(
      path.basename(f, '.hbs'),
      fs.readFileSync(path.join(partialsDir, f), 'utf8'),
    );
  }
  hb.registerHelper('svg', (chart: unknown) => {
    if (typeof chart === 'object' && chart !== null && rendered.has(chart as RenderedChart)) {
      return new hb.SafeString((chart as RenderedChart).svg);
    }
    throw new Error('the svg helper takes a chart rendered by harness/render/html/charts.ts');
  });
  hb.registerHelper('verdictClass', verdictClass);
  hb.registerHelper('verdictRowClass', (v: unknown) =>
    v === 'pass' ? 'c-pass' : v === 'fail' ? 'c-fail' : '',
  );
  hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
  const compile = (name: string): Template =>
    hb.compile(fs.readFileSync(path.join(TEMPLATES_DIR, name), 'utf8'), { strict: false });
  engine = {
    hb,
    report: compile('report.hbs'),
    site: compile('site.hbs'),
    trends: compile('trends.hbs'),
  };
  return engine;
}

/** Renders a page template with a context (used by site.ts for reports/index.html too). */
export function renderPage(name: 'report' | 'site' | 'trends', context: unknown): string {
  return templates()[name](context);
}

async function chart(spec: ChartSpec): Promise<RenderedChart> {
  const c = await renderChart(spec);
  rendered.add(c);
  return c;
}

/** Numeric columns right-aligned: the cell's class gets "num" from its column head. */
function aligned(t: Table): Table {
  return {
    ...t,
    rows: t.rows.map((r) => ({
      ...r,
      cells: r.cells.map((c, i) => ({
        ...c,
        cls: [c.cls ?? '', t.head[i]?.numeric === true ? 'num' : ''].filter(Boolean).join(' '),
      })),
    })),
  };
}

async function renderRun(run: RunView): Promise<Record<string, unknown>> {
  const comparisons = [];
  for (const c of run.comparisons) {
    comparisons.push({
      table: aligned(c.table),
      chart: c.chart === null ? null : await chart(c.chart),
    });
  }
  const charts = [];
  for (const c of run.charts) charts.push(await chart(c));
  let peers = null;
  if (run.peers !== null) {
    const modes = [];
    for (const m of run.peers.modes) {
      modes.push({
        table: aligned(m.table),
        chart: m.chart === null ? null : await chart(m.chart),
      });
    }
    peers = { ...run.peers, mappings: aligned(run.peers.mappings), modes };
  }
  return {
    ...run,
    peers,
    redFlags: run.redFlags === null ? null : aligned(run.redFlags),
    comparisons,
    measurements: run.measurements.map(aligned),
    charts,
  };
}

export interface PageOptions {
  /** Link to the list of every run (reports/index.html), relative; null when there is none. */
  siteHref: string | null;
  generatedAt?: Date;
}

export async function renderReportHtml(model: ReportModel, options: PageOptions): Promise<string> {
  const runs = [];
  for (const r of model.runs) runs.push(await renderRun(r));
  return renderPage('report', {
    model: {
      ...model,
      runs,
      sideBySide: model.sideBySide === null ? null : aligned(model.sideBySide),
      sideBySideChart: model.sideBySideChart === null ? null : await chart(model.sideBySideChart),
    },
    multi: model.runs.length > 1,
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    siteHref: options.siteHref,
  });
}

/** Where a report goes: --out as a file (.html) or folder, else next to the first results. */
export function reportPath(files: readonly string[], out?: string): string {
  if (out !== undefined) {
    const resolved = path.resolve(out);
    return resolved.endsWith('.html') ? resolved : path.join(resolved, 'index.html');
  }
  const first = files[0];
  if (first === undefined) throw new Error('a report needs at least one results file');
  return path.join(path.dirname(path.resolve(first)), 'index.html');
}

/** Renders the report of already-loaded runs to `file` (written atomically). */
export async function writeReportFromInputs(
  inputs: readonly RunInput[],
  file: string,
  options: { siteHref?: string | null } = {},
): Promise<string> {
  const dir = path.dirname(file);
  const html = await renderReportHtml(buildModel(inputs, { reportDir: dir }), {
    siteHref: options.siteHref ?? null,
  });
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, html);
  fs.renameSync(tmp, file);
  return file;
}

/**
 * Reads the results files, renders and writes the report; returns its path. Throws a
 * UsageError (exit 2) naming a results file that is missing, corrupt or foreign.
 */
export async function writeReport(
  files: readonly string[],
  options: { out?: string; siteHref?: string | null } = {},
): Promise<string> {
  const inputs = files.map((f) => loadRun(f));
  return writeReportFromInputs(inputs, reportPath(files, options.out), options);
}

/** The trend page of every machine's history (trends.ts builds the model). */
export async function renderTrendsHtml(
  machines: readonly MachineTrends[],
  options: PageOptions & { problems: readonly string[] },
): Promise<string> {
  const rendered = [];
  for (const m of machines) {
    const series = [];
    for (const s of m.series) series.push({ ...s, chart: await chart(s.chart) });
    rendered.push({ ...m, series });
  }
  return renderPage('trends', {
    machines: rendered,
    problems: options.problems,
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    siteHref: options.siteHref,
  });
}
