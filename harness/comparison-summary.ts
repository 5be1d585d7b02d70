/**
 * Text forms of a comparison: a terminal table per durability mode, the red-flag table, and a
 * Markdown summary for CI ($GITHUB_STEP_SUMMARY). Pure functions of the results file, so the
 * HTML report can show exactly the same verdicts.
 */
import Table from 'cli-table3';
import { formatNs } from './format.ts';
import { MODES, type ModeName } from './modes.ts';
import type { JobComparisonRecord, ResultsFile } from './results.ts';

type RedFlag = NonNullable<ResultsFile['redFlags']>[number];

const CLASS_MARK: Record<string, string> = {
  regressed: 'REGRESSED',
  improved: 'improved',
  unchanged: 'unchanged',
  inconclusive: 'inconclusive',
};

export function formatRatioCi(j: JobComparisonRecord): string {
  const c = j.comparison;
  if (c.ratio === null) return '-';
  const ci = c.ci === null ? '' : ` [${c.ci[0].toFixed(3)}, ${c.ci[1].toFixed(3)}]`;
  return `${c.ratio.toFixed(3)}${ci}`;
}

function formatP(p: number | null): string {
  if (p === null) return '-';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

/**
 * The gate stops sampling a job once a slowdown of its threshold is ruled out (sampling.ts
 * `regressionsOnly`); such a job's class is usually still "inconclusive" (it may have improved,
 * or not), but for the gate's question it is settled: shown and counted as "no regression".
 */
export function ruledOutRegression(j: JobComparisonRecord): boolean {
  return j.comparison.classification === 'inconclusive' && j.stoppedBy === 'no regression';
}

function classCell(j: JobComparisonRecord): string {
  if (ruledOutRegression(j)) return 'no regression';
  const mark = CLASS_MARK[j.comparison.classification] ?? j.comparison.classification;
  if (j.comparison.classification !== 'regressed' || j.confirmed === undefined) return mark;
  return j.confirmed === true ? `${mark} (confirmed)` : `${mark} (not confirmed)`;
}

function groups(jobs: readonly JobComparisonRecord[]): Array<[string, JobComparisonRecord[]]> {
  const out: Array<[string, JobComparisonRecord[]]> = [];
  const reads = jobs.filter((j) => j.mode === null);
  if (reads.length > 0) out.push(['read-only scenarios', reads]);
  for (const mode of MODES) {
    const mine = jobs.filter((j) => j.mode === mode);
    if (mine.length === 0) continue;
    const mapped = mine.find((j) => j.baselineMode !== null && j.baselineMode !== mode);
    const title =
      mapped === undefined
        ? `durability mode: ${mode}`
        : `durability mode: ${mode} (baseline ran ${mapped.baselineMode as ModeName}: its only mode)`;
    out.push([title, mine]);
  }
  return out;
}

/** What "ratio" means in this comparison, by the method(s) that produced its figures. */
export function ratioExplanation(methods: readonly string[]): string {
  const head = 'ratio = candidate / baseline ns/op (below 1: faster) with its 95% CI';
  if (methods.includes('paired-trimmed-log-t')) {
    return `${head}: rounds paired, exp of the trimmed mean of per-round log ratios (the candidate and baseline processes of a round run back to back with the same V8 seeds)`;
  }
  return `${head}: ratio of the trimmed geometric means of per-process medians (unpaired)`;
}

export function renderComparison(results: ResultsFile): string {
  const cmp = results.comparison;
  if (cmp === undefined) return '';
  const parts: string[] = [
    `baseline: ${cmp.baseline.label} (${cmp.baseline.commit?.slice(0, 12) ?? 'stored'}, ${cmp.baseline.source})   candidate: ${cmp.candidate.label} (${cmp.candidate.commit?.slice(0, 12) ?? '-'}, ${cmp.candidate.source})`,
    ratioExplanation(cmp.jobs.map((j) => j.comparison.method)),
  ];
  for (const [title, jobs] of groups(cmp.jobs)) {
    const t = new Table({
      head: ['scenario', 'baseline', 'candidate', 'ratio [95% CI]', 'p', 'class', 'n'],
      style: { head: [], border: [] },
      colWidths: [34, 11, 11, 26, 8, 26, 5],
      wordWrap: true,
    });
    for (const j of jobs) {
      t.push([
        j.name,
        formatNs(j.comparison.baselineMedian),
        formatNs(j.comparison.candidateMedian),
        formatRatioCi(j),
        formatP(j.comparison.pValue),
        classCell(j),
        String(Math.min(j.comparison.nBaseline, j.comparison.nCandidate)),
      ]);
    }
    parts.push(`${title}\n${t.toString()}`);
  }
  const counts = countClasses(cmp.jobs);
  parts.push(`${cmp.jobs.length} jobs in ${cmp.rounds} rounds: ${describeCounts(counts)}`);
  for (const note of cmp.notes) parts.push(`note: ${note}`);
  return parts.join('\n\n');
}

export function countClasses(jobs: readonly JobComparisonRecord[]): Record<string, number> {
  const counts: Record<string, number> = {
    regressed: 0,
    improved: 0,
    unchanged: 0,
    inconclusive: 0,
  };
  for (const j of jobs) {
    const key = ruledOutRegression(j) ? 'no regression' : j.comparison.classification;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** "1 regressed, 2 improved, 3 unchanged, 4 inconclusive[, 5 no regression (gate)]". */
export function describeCounts(counts: Record<string, number>): string {
  const base = `${counts.regressed ?? 0} regressed, ${counts.improved ?? 0} improved, ${counts.unchanged ?? 0} unchanged, ${counts.inconclusive ?? 0} inconclusive`;
  const ruledOut = counts['no regression'] ?? 0;
  return ruledOut > 0 ? `${base}, ${ruledOut} no regression (stopped once ruled out)` : base;
}

function formatFigure(f: RedFlag): string {
  if (f.figure === null) return '-';
  if (f.unit === 'ns') return formatNs(f.figure);
  if (f.unit === 'x' || f.unit === '×') return `${f.figure.toFixed(2)}×`;
  if (f.unit === 'ops/s') return `${Math.round(f.figure).toLocaleString('en-US')} ops/s`;
  return `${Number.isInteger(f.figure) ? f.figure : f.figure.toFixed(2)} ${f.unit}`;
}

function formatThreshold(f: RedFlag): string {
  if (f.unit === 'ns') return formatNs(f.threshold);
  return `${f.threshold} ${f.unit}`;
}

export function renderRedFlags(flags: readonly RedFlag[]): string {
  const t = new Table({
    head: ['red flag', 'figure', 'threshold', 'verdict', 'why'],
    style: { head: [], border: [] },
    colWidths: [30, 14, 12, 16, 50],
    wordWrap: true,
  });
  for (const f of flags) {
    t.push([f.description, formatFigure(f), formatThreshold(f), f.verdict.toUpperCase(), f.reason]);
  }
  const fails = flags.filter((f) => f.verdict === 'fail').length;
  const na = flags.filter((f) => f.verdict === 'not-applicable').length;
  return `red flags (SPEC.md thresholds, perf.config.json)\n${t.toString()}\n${flags.length - fails - na} pass, ${fails} fail, ${na} not applicable`;
}

function mdEscape(s: string): string {
  return s.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** The gate's Markdown summary (for $GITHUB_STEP_SUMMARY and reports/<run-id>/summary.md). */
export function renderMarkdown(results: ResultsFile, resultsPath: string): string {
  const lines: string[] = [];
  const gate = results.gate;
  if (gate !== undefined) {
    lines.push(`## in-mem perf gate: ${gate.verdict === 'pass' ? '✅ pass' : '❌ fail'}`, '');
    for (const r of gate.reasons) lines.push(`- ${mdEscape(r)}`);
    lines.push('');
  } else {
    lines.push('## in-mem perf comparison', '');
  }
  const cmp = results.comparison;
  if (cmp !== undefined) {
    lines.push(
      `Baseline **${mdEscape(cmp.baseline.label)}** (\`${cmp.baseline.commit?.slice(0, 12) ?? 'stored'}\`) vs candidate **${mdEscape(cmp.candidate.label)}** (\`${cmp.candidate.commit?.slice(0, 12) ?? '-'}\`), profile ${results.profile.name}, ${cmp.rounds} rounds. Ratio = candidate / baseline time (below 1 is faster), 95% CI.`,
      '',
    );
    for (const note of cmp.notes) lines.push(`> ${mdEscape(note)}`, '');
    const notable = cmp.jobs.filter(
      (j) => j.comparison.classification !== 'unchanged' && !ruledOutRegression(j),
    );
    lines.push(
      '| scenario | mode | baseline | candidate | ratio [95% CI] | p | class |',
      '|---|---|---|---|---|---|---|',
    );
    for (const j of notable.length > 0 ? notable : cmp.jobs) {
      lines.push(
        `| ${mdEscape(j.name)} | ${j.mode ?? 'read-only'} | ${formatNs(j.comparison.baselineMedian)} | ${formatNs(j.comparison.candidateMedian)} | ${formatRatioCi(j)} | ${formatP(j.comparison.pValue)} | ${classCell(j)} |`,
      );
    }
    const counts = countClasses(cmp.jobs);
    lines.push(
      '',
      `${cmp.jobs.length} jobs: ${describeCounts(counts)}${notable.length > 0 && notable.length < cmp.jobs.length ? ` (${(counts['no regression'] ?? 0) > 0 ? 'unchanged and no-regression' : 'unchanged'} ones not listed)` : ''}.`,
      '',
    );
  }
  if (results.redFlags !== undefined) {
    lines.push(
      '### Red flags',
      '',
      '| red flag | figure | threshold | verdict | why |',
      '|---|---|---|---|---|',
    );
    for (const f of results.redFlags) {
      lines.push(
        `| ${mdEscape(f.description)} | ${formatFigure(f)} | ${formatThreshold(f)} | ${f.verdict} | ${mdEscape(f.reason)} |`,
      );
    }
    lines.push('');
  }
  lines.push(`Results: \`${resultsPath}\``, '');
  return lines.join('\n');
}
