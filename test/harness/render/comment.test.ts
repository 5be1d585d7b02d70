/**
 * comment.md (render/comment.ts): the marker first, then the one verdict, the regressions with
 * their confirmation and the improvements (ratio with CI, the shared columns), one line for
 * the rest, the failed red flags, and where the report is; hostile names escaped so they
 * can't break a table, add HTML or a link, mention anyone or close the marker; and the size
 * capped below GitHub's limit.
 */
import { describe, expect, it } from 'vitest';
import {
  COMMENT_MARKER,
  COMMENT_MAX_CHARS,
  renderComment,
  reportLine,
} from '../../../harness/render/comment.ts';
import { judge } from '../../../harness/judge/verdict.ts';
import { formatRatioCi } from '../../../harness/support/format.ts';
import { mdEscape } from '../../../harness/render/text-table.ts';
import type { JobComparison, ResultsFile } from '../../../harness/results/results-file.ts';
import { COMPARE_RESULTS, HOSTILE, readFixture } from '../report-fixtures.ts';
import { okResult, resultsFile } from '../helpers.ts';

const REPORT = 'HTML report: reports/x/index.html';

type Class = JobComparison['comparison']['classification'];

function job(
  id: string,
  classification: Class,
  ratio: number,
  extra: Partial<JobComparison> = {},
): JobComparison {
  const base = readFixture(COMPARE_RESULTS).comparison?.jobs[0];
  if (base === undefined) throw new Error('the compare fixture has no jobs');
  return {
    ...base,
    id,
    name: id,
    mode: null,
    baselineMode: null,
    stoppedBy: 'resolved',
    confirmed: null,
    comparison: {
      ...base.comparison,
      classification,
      ratio,
      ci: [ratio * 0.95, ratio * 1.06],
      pValue: 0.001,
    },
    ...extra,
  };
}

/** A gate with every kind of job, one failed red flag, and `jobs` added. */
function gate(jobs: JobComparison[] = []): ResultsFile {
  const r = readFixture(COMPARE_RESULTS);
  r.kind = 'gate';
  const cmp = r.comparison;
  if (cmp === undefined) throw new Error('the compare fixture has no comparison');
  cmp.jobs = [
    job('core/slower', 'regressed', 1.32, { confirmed: true }),
    job('core/noise', 'regressed', 1.5, { confirmed: false }),
    job('core/faster', 'improved', 0.8),
    job('core/same', 'unchanged', 1.0),
    job('core/unsure', 'inconclusive', 1.03),
    job('core/cleared', 'inconclusive', 0.99, { stoppedBy: 'no regression' }),
    ...jobs,
  ];
  return r;
}

function sectionOf(md: string, title: string): string {
  const start = md.indexOf(`### ${title}`);
  if (start < 0) return '';
  const end = md.indexOf('\n### ', start + 1);
  return md.slice(start, end < 0 ? undefined : end);
}

describe('renderComment', () => {
  it('starts with the marker, then the verdict headline judge decided', () => {
    const r = gate();
    const md = renderComment(r, { report: REPORT });
    const lines = md.split('\n');
    expect(lines[0]).toBe(COMMENT_MARKER);
    expect(COMMENT_MARKER).toBe('<!-- in-mem-perf gate -->');
    expect(judge(r).headline).toBe('Gate: FAIL');
    expect(lines[1]).toBe('## in-mem perf ❌ Gate: FAIL');
  });

  it('lists regressions worst first with ratio, CI and whether the second pass confirmed them, then improvements, then the rest in one line', () => {
    const r = gate();
    const md = renderComment(r, { report: REPORT });
    const regressions = sectionOf(md, 'Regressions (2)');
    const rows = regressions.split('\n').filter((l) => l.startsWith('| core/'));
    expect(rows).toHaveLength(2);
    // The confirmed one counts, so it comes first, though its ratio is lower.
    expect(rows[0]).toMatch(/^\| core\/slower \| read-only \|/);
    // The shared ratio format, escaped as every cell is: GitHub shows "1.320 [1.254, 1.399]".
    const ratio = formatRatioCi({ comparison: { ratio: 1.32, ci: [1.32 * 0.95, 1.32 * 1.06] } });
    expect(ratio).toBe('1.320 [1.254, 1.399]');
    expect(rows[0]).toContain(`| ${mdEscape(ratio)} |`);
    expect(rows[0]).toContain('REGRESSED (confirmed)');
    expect(rows[1]).toContain('REGRESSED (not confirmed)');
    const improvements = sectionOf(md, 'Improvements (1)');
    expect(improvements).toContain('| core/faster |');
    expect(improvements).toContain('0.800 \\[0.760, 0.848\\]');
    expect(md).toContain(
      'Not listed: 1 unchanged, 1 inconclusive, 1 no regression (sampling stopped once one was ruled out).',
    );
    for (const quiet of ['core/same', 'core/unsure', 'core/cleared'])
      expect(md).not.toContain(quiet);
    // In order: headline, regressions, improvements, the rest, red flags, the report.
    const order = [
      'Gate: FAIL',
      '### Regressions',
      '### Improvements',
      'Not listed:',
      '### Failed red flags',
      REPORT,
    ].map((s) => md.indexOf(s));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(md.trimEnd().endsWith(REPORT)).toBe(true);
  });

  it('lists the failed red flags with their figure and threshold', () => {
    const md = renderComment(gate(), { report: REPORT });
    const flags = sectionOf(md, 'Failed red flags (1)');
    expect(flags).toContain('| red flag | figure | fails when |');
    expect(flags).toMatch(/\| p99 latency over mean latency.* \| 56\.0× \| \\> 20\.0× \|/);
    expect(md).toMatch(/Red flags: 1 pass, 1 fail, 8 not applicable\./);
  });

  it('a pass without regressions says so and lists no empty section', () => {
    const r = readFixture(COMPARE_RESULTS);
    r.kind = 'gate';
    r.redFlags = r.redFlags?.filter((f) => f.verdict !== 'fail');
    const md = renderComment(r, { report: REPORT });
    expect(md.split('\n')[1]).toBe('## in-mem perf ✅ Gate: PASS');
    expect(md).toContain('No regression.');
    expect(md).not.toContain('### Regressions');
    expect(md).not.toContain('### Failed');
    expect(md).toContain('### Improvements (2)');
  });

  it('an identical-trees pass: says there was nothing to compare, and why', () => {
    const r = readFixture(COMPARE_RESULTS);
    const { redFlags: _flags, ...rest } = r;
    const identical: ResultsFile = {
      ...rest,
      kind: 'gate',
      results: [],
      comparison: {
        ...(r.comparison as NonNullable<ResultsFile['comparison']>),
        identical: 'the working tree and the baseline have identical engine trees',
        jobs: [],
      },
    };
    const md = renderComment(identical, { report: REPORT });
    expect(md.split('\n').slice(0, 2)).toEqual([COMMENT_MARKER, '## in-mem perf ✅ Gate: PASS']);
    expect(md).toContain(
      'Nothing to compare: the working tree and the baseline have identical engine trees.',
    );
    expect(md).not.toContain('###');
    expect(md).toContain(REPORT);
  });

  it('a run without a comparison: says so, and still lists a failed scenario', () => {
    const r = resultsFile([
      okResult(),
      okResult({ id: 'core/broken', name: 'core/broken', status: 'failed', reason: 'it threw' }),
    ]);
    const md = renderComment(r, { report: REPORT });
    expect(md.split('\n')[1]).toBe('## in-mem perf ❌ Bench: FAIL');
    expect(md).toContain('No baseline comparison in this run');
    expect(sectionOf(md, 'Failed scenarios (1)')).toContain('| core/broken | FAILED: it threw |');
    expect(md).not.toContain('Red flags:');
  });
});

describe('renderComment: untrusted names', () => {
  const HOSTILE_NAMES = [
    `core/${HOSTILE}`,
    'core/a|b|c',
    'core/`code` ``x``',
    'core/[click](javascript:alert(1))',
    'core/line\n| injected | row |\n',
    'core/ping @octocat and @github/team',
    'core/--> <!-- closed -->',
    'core/&#64;octocat &lt;b&gt;',
  ];

  function hostileGate(): ResultsFile {
    const r = gate(HOSTILE_NAMES.map((name) => job(name, 'regressed', 1.4, { confirmed: true })));
    const cmp = r.comparison as NonNullable<ResultsFile['comparison']>;
    cmp.baseline = { ...cmp.baseline, label: `label @octocat ${HOSTILE}`, commit: 'abc`<b>`' };
    r.results.push(
      okResult({
        id: 'core/x',
        name: HOSTILE_NAMES[3] ?? '',
        status: 'failed',
        reason: HOSTILE_NAMES[6] ?? '',
      }),
    );
    const flag = r.redFlags?.find((f) => f.verdict === 'fail');
    if (flag !== undefined) flag.description = `flag ${HOSTILE_NAMES[4] ?? ''} @octocat`;
    return r;
  }

  /** Where `ch` occurs unescaped: after an even number of backslashes. */
  function unescaped(text: string, ch: string): number[] {
    const at: number[] = [];
    for (let i = 0; i < text.length; i++) {
      if (text[i] !== ch) continue;
      let slashes = 0;
      for (let j = i - 1; j >= 0 && text[j] === '\\'; j--) slashes++;
      if (slashes % 2 === 0) at.push(i);
    }
    return at;
  }

  it('cannot add HTML, a link, a mention or a character reference, or close the marker', () => {
    const md = renderComment(hostileGate(), { report: REPORT });
    const body = md.slice(COMMENT_MARKER.length);
    expect(md.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    // Past the marker, no markup character is left unescaped.
    for (const ch of ['<', '>', '[', ']', '&']) expect(unescaped(body, ch), ch).toEqual([]);
    expect(body).toContain('\\<!--'); // a hostile "<!--", escaped: not a comment
    expect(md.split('-->')).toHaveLength(2);
    expect(md).not.toMatch(/@[A-Za-z]/);
    // Code spans only around commits that are hex: a backtick of a name is escaped.
    const ticks = unescaped(body, '`');
    expect(ticks.length % 2).toBe(0);
    for (let i = 0; i < ticks.length; i += 2) {
      expect(body.slice((ticks[i] as number) + 1, ticks[i + 1])).toMatch(/^[0-9a-f]+$/);
    }
    expect(md).toContain('| core/ping @\u200boctocat and @\u200bgithub/team |');
    expect(md).toContain('core/\\[click\\](javascript:alert(1))');
    expect(md).toContain('(abc\\`\\<b\\>\\`)');
  });

  it('cannot add a row or a column: every row of a table has its head’s cells', () => {
    const md = renderComment(hostileGate(), { report: REPORT });
    const tables: string[][] = [];
    let previous = '';
    for (const line of md.split('\n')) {
      if (line.startsWith('|')) {
        if (!previous.startsWith('|')) tables.push([]);
        tables.at(-1)?.push(line);
      }
      previous = line;
    }
    expect(tables.length).toBe(4); // regressions, improvements, failed scenarios, red flags
    for (const table of tables) {
      const [head, ...rows] = table;
      const cells = unescaped(head ?? '', '|').length;
      for (const row of rows) expect(unescaped(row, '|'), row).toHaveLength(cells);
    }
    const regressionRows = (tables[0] ?? []).slice(2);
    expect(regressionRows).toHaveLength(2 + HOSTILE_NAMES.length);
    expect(md).toContain('core/line \\| injected \\| row \\|');
  });
});

describe('renderComment: size', () => {
  const many = (n: number): JobComparison[] =>
    Array.from({ length: n }, (_, i) =>
      job(`kvstore/${'long_name_'.repeat(18)}${String(i).padStart(5, '0')}`, 'regressed', 1.3, {
        confirmed: true,
      }),
    );

  it('stays under GitHub’s limit: the first rows, then how many more', () => {
    const r = gate(many(3000));
    const md = renderComment(r, { report: REPORT });
    expect(md.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
    expect(md.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    const regressions = sectionOf(md, 'Regressions (3002)');
    const shown = regressions.split('\n').filter((l) => /^\| (kvstore|core)\//.test(l)).length;
    expect(shown).toBeGreaterThan(100);
    expect(regressions).toContain(`…and ${3002 - shown} more regressions: see the HTML report.`);
    // Nothing after the tables was lost to the cut.
    expect(md).toContain('### Failed red flags (1)');
    expect(md.trimEnd().endsWith(REPORT)).toBe(true);
  });

  it('fits a smaller cap too, and leaves a short comment whole', () => {
    const md = renderComment(gate(many(50)), { report: REPORT, maxChars: 4000 });
    expect(md.length).toBeLessThanOrEqual(4000);
    expect(md).toMatch(/…and \d+ more regressions/);
    const whole = renderComment(gate(), { report: REPORT });
    expect(whole).not.toContain('…and');
  });

  it('clips one enormous name to a cell of 200 characters', () => {
    const md = renderComment(gate([job(`core/${'x'.repeat(100_000)}`, 'regressed', 2)]), {
      report: REPORT,
    });
    expect(md.length).toBeLessThan(10_000);
    expect(md).toMatch(/\| core\/x{194}… \|/);
  });

  it('an enormous label: whole lines up to the cap, then the report', () => {
    const r = gate();
    r.comparison = {
      ...(r.comparison as NonNullable<ResultsFile['comparison']>),
      candidate: { label: 'y'.repeat(80_000), commit: null, source: 'ref', file: null },
    };
    const md = renderComment(r, { report: REPORT });
    expect(md.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
    expect(md.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    expect(md).toContain(REPORT);
  });
});

describe('reportLine', () => {
  const none = { env: {}, reportFile: null };

  it('--report-url first, as a link', () => {
    expect(
      reportLine({
        reportUrl: 'https://example.com/runs/1/index.html',
        env: {
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_REPOSITORY: 'o/r',
          GITHUB_RUN_ID: '9',
        },
        reportFile: 'x/index.html',
      }),
    ).toBe('HTML report: <https://example.com/runs/1/index.html>');
  });

  it('a --report-url that is no http(s) URL is text, never a link', () => {
    const line = reportLine({ ...none, reportUrl: 'javascript:alert(1)//<b>' });
    expect(line).toBe('HTML report: javascript:alert(1)//\\<b\\>');
    const spaced = reportLine({ ...none, reportUrl: 'https://example.com/a b<c>' });
    expect(spaced).toBe('HTML report: <https://example.com/a%20b%3Cc%3E>');
  });

  it('under GitHub Actions: the perf-report artifact of this workflow run', () => {
    expect(
      reportLine({
        env: {
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_REPOSITORY: 'owner/repo',
          GITHUB_RUN_ID: '123456',
        },
        reportFile: '/runner/work/merged/index.html',
      }),
    ).toBe(
      'HTML report: the `perf-report` artifact of <https://github.com/owner/repo/actions/runs/123456>',
    );
    // One of the three missing: not a run URL.
    expect(
      reportLine({
        env: { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r' },
        reportFile: 'merged/index.html',
      }),
    ).toBe('HTML report: merged/index.html');
  });

  it("else the report's path, escaped; or that none was written", () => {
    expect(reportLine({ env: {}, reportFile: 'runs/a_b <x>/index.html' })).toBe(
      'HTML report: runs/a\\_b \\<x\\>/index.html',
    );
    expect(reportLine(none)).toBe('HTML report: none was written (see the log)');
  });
});
