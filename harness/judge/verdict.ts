/**
 * The one verdict of a run, decided from its results file alone. Every command and every
 * output takes it from here: `bench`, `compare` and `gate` exit with `exitCode`; `show`, the
 * terminal summary, the Markdown summary, the HTML report and the published index print
 * `headline` and `reasons`. A run fails (exit 1) when any of these holds, and passes (exit 0)
 * otherwise:
 *   1. a scenario failed: its op threw, its child crashed, or its op-count proof failed;
 *   2. a red flag failed (judge/red-flags.ts);
 *   3. the comparison called a regression. In a gate (and a `find` step, which asks the gate's
 *      question), whose second pass re-measures every first-pass call, only a confirmed
 *      regression counts.
 * Usage and environment errors never reach a results file: they exit 2 before one is written.
 */
import { formatRatioCi, plural } from '../support/format.ts';
import type { JobComparison, ResultsFile, RunKind } from '../results/results-file.ts';

export interface Judgment {
  kind: RunKind;
  status: 'pass' | 'fail';
  exitCode: 0 | 1;
  /** e.g. "Gate: FAIL". */
  headline: string;
  /** Why it failed (every failing item), or what passing covered. */
  reasons: string[];
}

const KIND_TITLE: Record<RunKind, string> = {
  bench: 'Bench',
  'perf-trace': 'Traced run',
  peers: 'Peers run',
  compare: 'Comparison',
  gate: 'Gate',
  find: 'Find step',
};

/** The command that wrote the file; inferred for files written before `kind` existed. */
export function runKind(results: ResultsFile): RunKind {
  if (results.kind !== undefined) return results.kind;
  if (results.gate !== undefined) return 'gate';
  if (results.peers !== undefined) return 'peers';
  if (results.comparison !== undefined)
    return /\bbench\b/.test(results.command) ? 'bench' : 'compare';
  return 'bench';
}

/**
 * The gate stops sampling a job once a slowdown of its threshold is ruled out (sampling.ts
 * `regressionsOnly`); such a job's class is usually still "inconclusive" (it may have improved,
 * or not), but for the gate's question it is settled: shown and counted as "no regression".
 */
export function ruledOutRegression(j: JobComparison): boolean {
  return j.comparison.classification === 'inconclusive' && j.stoppedBy === 'no regression';
}

/** Regressions that fail the run: every call, except a gate's call its second pass refuted. */
export function countedRegressions(jobs: readonly JobComparison[]): JobComparison[] {
  return jobs.filter((j) => j.comparison.classification === 'regressed' && j.confirmed !== false);
}

export function countClasses(jobs: readonly JobComparison[]): Record<string, number> {
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

export function judge(results: ResultsFile): Judgment {
  const kind = runKind(results);
  const fails: string[] = [];
  const passes: string[] = [];
  for (const r of results.results) {
    if (r.status === 'failed')
      fails.push(`scenario failed: ${r.id}: ${r.reason ?? 'no reason given'}`);
  }
  const cmp = results.comparison;
  if (cmp?.identical !== undefined) {
    passes.push(`nothing to compare: ${cmp.identical}`);
  } else if (cmp !== undefined) {
    for (const j of countedRegressions(cmp.jobs)) {
      const how = j.confirmed === true ? ', confirmed by a second pass' : '';
      fails.push(`regression: ${j.id} (ratio ${formatRatioCi(j)}${how})`);
    }
    const refuted = cmp.jobs.filter(
      (j) => j.comparison.classification === 'regressed' && j.confirmed === false,
    );
    passes.push(
      `no regression: ${plural(cmp.jobs.length, 'job')}, ${describeCounts(countClasses(cmp.jobs))}`,
    );
    if (refuted.length > 0) {
      passes.push(
        `${plural(refuted.length, 'first-pass call')} not confirmed by the second pass: ${refuted.map((j) => j.id).join(', ')}`,
      );
    }
  } else {
    passes.push('no baseline comparison in this run: measurements and red flags only');
  }
  const flags = results.redFlags;
  if (flags !== undefined) {
    for (const f of flags.filter((x) => x.verdict === 'fail')) {
      fails.push(`red flag: ${f.description}: ${f.reason}`);
    }
    const na = flags.filter((f) => f.verdict === 'not-applicable').length;
    passes.push(`no red flag failed (${flags.length - na} pass, ${na} not applicable)`);
  } else {
    passes.push('red flags were not evaluated in this run');
  }
  if (cmp?.identical !== undefined) {
    return {
      kind,
      status: 'pass',
      exitCode: 0,
      headline: `${KIND_TITLE[kind]}: PASS`,
      reasons: passes,
    };
  }
  const ok = results.results.filter((r) => r.status === 'ok').length;
  const unsupported = results.results.filter((r) => r.status === 'unsupported').length;
  passes.push(
    `${ok} of ${plural(results.results.length, 'scenario')} measured${unsupported > 0 ? `, ${unsupported} unsupported by this engine` : ''}, none failed`,
  );
  const failed = fails.length > 0;
  return {
    kind,
    status: failed ? 'fail' : 'pass',
    exitCode: failed ? 1 : 0,
    headline: `${KIND_TITLE[kind]}: ${failed ? 'FAIL' : 'PASS'}`,
    reasons: failed ? fails : passes,
  };
}

/** The verdict as the terminal shows it, last thing a command prints. */
export function renderJudgment(j: Judgment): string {
  return `${j.headline}\n${j.reasons.map((r) => `  - ${r}`).join('\n')}`;
}
