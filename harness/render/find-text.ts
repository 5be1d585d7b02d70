/**
 * What `find` prints from its summary (results/find-file.ts): one line per step as it ends,
 * the table of every step, and the result line, which names the culprit with the ratio and CI
 * of the step that judged it slower, the commits still in question, or that bad is not slower.
 */
import { formatRatioCi, plural } from '../support/format.ts';
import type { FindCommit, FindFile, FindStep } from '../results/find-file.ts';
import type { Dimension } from './columns.ts';
import { terminalTable } from './text-table.ts';

const short = (c: FindCommit): string => c.commit.slice(0, 12);

/** "ratio 1.623 [1.580, 1.667] (kvstore/put/hot_key/dur_inmemory)", or why there is none. */
function evidence(e: Pick<FindStep, 'job' | 'ratio' | 'ci'>): string {
  if (e.job === null) return 'nothing measured';
  return `ratio ${formatRatioCi({ comparison: { ratio: e.ratio, ci: e.ci } })} (${e.job})`;
}

const STEP_COLUMNS = (rangeSize: number): ReadonlyArray<Dimension<FindStep>> => [
  { label: 'step', numeric: true, format: (s) => String(s.step) },
  { label: 'commit', numeric: false, format: (s) => s.commit.slice(0, 12) },
  { label: 'position', numeric: false, format: (s) => `${s.position} of ${rangeSize}` },
  { label: 'outcome', numeric: false, format: (s) => s.outcome },
  {
    label: 'ratio vs good [95% CI]',
    numeric: false,
    format: (s) => formatRatioCi({ comparison: { ratio: s.ratio, ci: s.ci } }),
  },
  { label: 'job', numeric: false, format: (s) => s.job ?? '-' },
  { label: 'time', numeric: true, format: (s) => `${s.seconds.toFixed(0)} s` },
  { label: 'subject', numeric: false, format: (s) => s.subject },
];

/** The line printed as a step ends. */
export function renderStepLine(s: FindStep, rangeSize: number): string {
  return `step ${s.step} (${s.position} of ${rangeSize}) ${s.commit.slice(0, 12)} "${s.subject}": ${s.outcome}, ${s.reason} (${s.seconds.toFixed(0)} s, ${s.folder}/)`;
}

/** The result line(s); while the summary has no result, how far the search got. */
export function renderFindResult(f: FindFile): string {
  const r = f.result;
  if (r === null) return `no result: the search stopped after ${plural(f.steps.length, 'step')}`;
  switch (r.kind) {
    case 'culprit':
      return `culprit: ${r.commit} "${r.subject}": ${evidence(r)} against good ${short(f.good)} (step ${r.step})`;
    case 'not-slower':
      return `not slower: bad ${short(f.bad)} is not slower than good ${short(f.good)}; nothing to find`;
    case 'inconclusive': {
      const last = f.steps.at(-1);
      const where = last === undefined ? '' : ` at step ${last.step} (${last.commit.slice(0, 12)})`;
      const through = r.throughSlower
        ? `through ${short(r.through)}, the first known slower`
        : `through bad ${short(r.through)}, itself not judged`;
      const lines = r.range.map((c) => `  ${short(c)} ${c.subject}`);
      return [
        `inconclusive${where}: the first slower commit, if any, is one of ${plural(r.range.length, 'commit')} after ${short(r.after)} ${r.after.commit === f.good.commit ? '(good)' : '(not slower)'}, ${through}:`,
        ...lines,
      ].join('\n');
    }
  }
}

/** The whole summary: the steps table, where the step reports are, and the result. */
export function renderFind(f: FindFile, file: string): string {
  const title = `find: good ${short(f.good)} "${f.good.subject}" .. bad ${short(f.bad)} "${f.bad.subject}", ${plural(f.rangeSize, 'commit')}, --filter ${f.filters.join(' --filter ')}${f.modes.length > 0 ? ` --mode ${f.modes.join(',')}` : ''}`;
  return `${[
    terminalTable(title, STEP_COLUMNS(f.rangeSize), f.steps),
    `summary: ${file} (each step's results.json and baseline.json in its folder beside it)`,
    renderFindResult(f),
  ].join('\n\n')}\n`;
}
