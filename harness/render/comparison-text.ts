/**
 * Text forms of a comparison: a terminal table per durability mode, the red-flag table, and a
 * Markdown summary for CI ($GITHUB_STEP_SUMMARY). Pure functions of the results file, so the
 * HTML report can show exactly the same verdicts.
 */
import {
  COMPARISON_COLUMNS,
  COMPARISON_COLUMNS_WITH_MODE,
  RED_FLAG_COLUMNS,
  comparisonGroups,
  foldedRedFlags,
  judgedRedFlags,
  redFlagCounts,
  type RedFlagRow,
} from './columns.ts';
import { markdownTable, mdEscape, terminalTable } from './text-table.ts';
import { plural } from '../support/format.ts';
import { countClasses, describeCounts, judge, ruledOutRegression } from '../judge/verdict.ts';
import type { ResultsFile } from '../results/results-file.ts';

const COMPARISON_WIDTHS = [34, 11, 11, 26, 8, 26, 5];
const RED_FLAG_WIDTHS = [26, 10, 18, 10, 22, 16, 44];

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
  for (const g of comparisonGroups(cmp.jobs)) {
    const title = g.note === null ? g.title : `${g.title} (${g.note})`;
    parts.push(terminalTable(title, COMPARISON_COLUMNS, g.jobs, { widths: COMPARISON_WIDTHS }));
  }
  const counts = countClasses(cmp.jobs);
  parts.push(
    `${plural(cmp.jobs.length, 'job')} in ${plural(cmp.rounds, 'round')}: ${describeCounts(counts)}`,
  );
  for (const note of cmp.notes) parts.push(`note: ${note}`);
  return parts.join('\n\n');
}

/** The red-flag table: judged flags in full, not-applicable ones folded into one line. */
export function renderRedFlags(flags: readonly RedFlagRow[]): string {
  const judged = judgedRedFlags(flags);
  const folded = foldedRedFlags(flags);
  const table =
    judged.length === 0
      ? 'red flags: none could be judged in this run'
      : terminalTable(
          'red flags (thresholds in perf.config.json; docs/red-flags.md says why)',
          RED_FLAG_COLUMNS,
          judged,
          { widths: RED_FLAG_WIDTHS },
        );
  return [table, ...(folded === null ? [] : [folded]), redFlagCounts(flags)].join('\n');
}

/** A commit as code when it is one (hex); anything else a results file holds, escaped. */
function commitText(commit: string | null, none: string): string {
  if (commit === null) return `\`${none}\``;
  const short = commit.slice(0, 12);
  return /^[0-9a-f]+$/.test(short) ? `\`${short}\`` : mdEscape(short);
}

/** "Baseline **x** (`sha`) vs candidate **y** (`sha`), profile quick, 3 rounds. Ratio = ..." */
export function markdownSides(
  profile: string,
  cmp: Pick<NonNullable<ResultsFile['comparison']>, 'baseline' | 'candidate' | 'rounds'>,
): string {
  return `Baseline **${mdEscape(cmp.baseline.label)}** (${commitText(cmp.baseline.commit, 'stored')}) vs candidate **${mdEscape(cmp.candidate.label)}** (${commitText(cmp.candidate.commit, '-')}), profile ${mdEscape(profile)}, ${plural(cmp.rounds, 'round')}. Ratio = candidate / baseline time (below 1 is faster), 95% CI.`;
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
    lines.push(markdownSides(results.profile.name, cmp), '');
    for (const note of cmp.notes) lines.push(`> ${mdEscape(note)}`, '');
    const notable = cmp.jobs.filter(
      (j) => j.comparison.classification !== 'unchanged' && !ruledOutRegression(j),
    );
    lines.push(
      markdownTable(COMPARISON_COLUMNS_WITH_MODE, notable.length > 0 ? notable : cmp.jobs),
    );
    const counts = countClasses(cmp.jobs);
    lines.push(
      '',
      `${plural(cmp.jobs.length, 'job')}: ${describeCounts(counts)}${notable.length > 0 && notable.length < cmp.jobs.length ? ` (${(counts['no regression'] ?? 0) > 0 ? 'unchanged and no-regression' : 'unchanged'} ones not listed)` : ''}.`,
      '',
    );
  }
  if (results.redFlags !== undefined) {
    const judged = judgedRedFlags(results.redFlags);
    const folded = foldedRedFlags(results.redFlags);
    lines.push('### Red flags', '');
    if (judged.length > 0) lines.push(markdownTable(RED_FLAG_COLUMNS, judged));
    if (folded !== null) lines.push('', mdEscape(folded));
    lines.push('', redFlagCounts(results.redFlags), '');
  }
  lines.push(`Results: \`${resultsPath}\``, '');
  return lines.join('\n');
}
