/**
 * Text forms of a comparison: a terminal table per durability mode, the red-flag table, and a
 * Markdown summary for CI ($GITHUB_STEP_SUMMARY). Pure functions of the results file, so the
 * HTML report can show exactly the same verdicts.
 */
import Table from 'cli-table3';
import { formatNs, formatRatioCi, plural } from '../support/format.ts';
import { RED_FLAG_COLUMNS, redFlagCounts, type RedFlagRow } from '../judge/red-flag-columns.ts';
import { countClasses, describeCounts, judge, ruledOutRegression } from '../judge/verdict.ts';
import { MODES, type ModeName } from '../engine-api/modes.ts';
import type { JobComparisonRecord, ResultsFile } from '../results/results-file.ts';

const CLASS_MARK: Record<string, string> = {
  regressed: 'REGRESSED',
  improved: 'improved',
  unchanged: 'unchanged',
  inconclusive: 'inconclusive',
};

function formatP(p: number | null): string {
  if (p === null) return '-';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
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
export function ratioExplanation(methods: readonly string[], replicates = true): string {
  const head = 'ratio = candidate / baseline ns/op (below 1: faster) with its 95% CI';
  if (methods.includes('paired-trimmed-log-t')) {
    return replicates
      ? `${head}: exp of the trimmed mean of per-replicate log ratios (a replicate: one fresh worker per side, both pinned to one core, their timing windows alternated)`
      : `${head}: rounds paired, exp of the trimmed mean of per-round log ratios (the candidate and baseline processes of a round run back to back with the same V8 seeds)`;
  }
  return `${head}: ratio of the trimmed geometric means of per-process medians (unpaired)`;
}

export function renderComparison(results: ResultsFile): string {
  const cmp = results.comparison;
  if (cmp === undefined) return '';
  const parts: string[] = [
    `baseline: ${cmp.baseline.label} (${cmp.baseline.commit?.slice(0, 12) ?? 'stored'}, ${cmp.baseline.source})   candidate: ${cmp.candidate.label} (${cmp.candidate.commit?.slice(0, 12) ?? '-'}, ${cmp.candidate.source})`,
    ratioExplanation(
      cmp.jobs.map((j) => j.comparison.method),
      results.profile.replicate !== undefined,
    ),
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
  parts.push(
    `${plural(cmp.jobs.length, 'job')} in ${plural(cmp.rounds, 'round')}: ${describeCounts(counts)}`,
  );
  for (const note of cmp.notes) parts.push(`note: ${note}`);
  return parts.join('\n\n');
}

export function renderRedFlags(flags: readonly RedFlagRow[]): string {
  const t = new Table({
    head: RED_FLAG_COLUMNS.map((c) => c.label),
    style: { head: [], border: [] },
    colWidths: [26, 10, 18, 10, 22, 16, 44],
    wordWrap: true,
  });
  for (const f of flags) t.push(RED_FLAG_COLUMNS.map((c) => c.format(f)));
  return `red flags (thresholds in perf.config.json; docs/red-flags.md says why)\n${t.toString()}\n${redFlagCounts(flags)}`;
}

function mdEscape(s: string): string {
  return s.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** The gate's Markdown summary (for $GITHUB_STEP_SUMMARY and reports/<run-id>/summary.md). */
export function renderMarkdown(results: ResultsFile, resultsPath: string): string {
  const lines: string[] = [];
  const verdict = judge(results);
  lines.push(
    `## in-mem perf ${verdict.status === 'pass' ? '✅' : '❌'} ${mdEscape(verdict.headline)}`,
    '',
  );
  for (const r of verdict.reasons) lines.push(`- ${mdEscape(r)}`);
  lines.push('');
  const cmp = results.comparison;
  if (cmp !== undefined) {
    lines.push(
      `Baseline **${mdEscape(cmp.baseline.label)}** (\`${cmp.baseline.commit?.slice(0, 12) ?? 'stored'}\`) vs candidate **${mdEscape(cmp.candidate.label)}** (\`${cmp.candidate.commit?.slice(0, 12) ?? '-'}\`), profile ${results.profile.name}, ${plural(cmp.rounds, 'round')}. Ratio = candidate / baseline time (below 1 is faster), 95% CI.`,
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
      `${plural(cmp.jobs.length, 'job')}: ${describeCounts(counts)}${notable.length > 0 && notable.length < cmp.jobs.length ? ` (${(counts['no regression'] ?? 0) > 0 ? 'unchanged and no-regression' : 'unchanged'} ones not listed)` : ''}.`,
      '',
    );
  }
  if (results.redFlags !== undefined) {
    lines.push(
      '### Red flags',
      '',
      `| ${RED_FLAG_COLUMNS.map((c) => c.label).join(' | ')} |`,
      `|${RED_FLAG_COLUMNS.map(() => '---').join('|')}|`,
    );
    for (const f of results.redFlags) {
      lines.push(`| ${RED_FLAG_COLUMNS.map((c) => mdEscape(c.format(f))).join(' | ')} |`);
    }
    lines.push('', redFlagCounts(results.redFlags), '');
  }
  lines.push(`Results: \`${resultsPath}\``, '');
  return lines.join('\n');
}
