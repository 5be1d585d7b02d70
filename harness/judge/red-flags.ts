/**
 * docs/red-flags.md's flags, judged on one results file (the candidate's): each gives its figure,
 * the threshold and target from perf.config.json, and a verdict: pass, fail, or not applicable
 * with the reason (a scenario missing, unsupported or failed; a scaling figure on a machine
 * without the cores to judge it).
 *
 * Choices, the same for every flag:
 *   - The time figure of a scenario is figures.ts `typicalFigure`: a median (of the rounds in a
 *     comparison, of benchmark.js's samples otherwise), with its spread over the run. Ratios
 *     are ratios of these medians. A flag shows the spread of its worst case.
 *   - The tail flag judges the op's own p99, net of the machine's tail measured alongside it
 *     in the same process (tail.ts); a machine whose floor alone trips the threshold makes it
 *     not applicable unless the op's own tail trips it too.
 *   - A flag made of several scenarios (both A1/A0 ratios, every KVStore.get access pattern,
 *     ...) gives ONE verdict on its worst case, named in the reason with the other figures, so
 *     the table has one row per flag of docs/red-flags.md.
 *   - Writing scenarios are judged in InMemory (dur_inmemory): the flags' targets for them are
 *     InMemory targets, and with a WAL the commit cost hides the layers these flags look at.
 *   - Thresholds and targets come from the config; only how each figure is computed is here.
 *
 * One piece: the flags are one table of small evaluations sharing the figure, floor and verdict helpers; the table is what the docs list.
 */
import {
  RED_FLAG_IDS,
  RED_FLAG_UNITS,
  redFlagConfig,
  type PerfConfig,
  type RedFlagConfig,
  type RedFlagId,
} from '../config/perf-config.ts';
import { DUR_LABELS } from '../engine-api/modes.ts';
import { jobId } from '../catalogue/registry.ts';
import type { ResultsFile, ScenarioResult } from '../results/results-file.ts';
import { FACADE_RATIOS, ratioFigure, resultById, typicalFigure, type Figure } from './figures.ts';
import { plural } from '../support/format.ts';

export const RED_FLAG_VERDICTS = ['pass', 'fail', 'not-applicable'] as const;
export type RedFlagOutcome = (typeof RED_FLAG_VERDICTS)[number];

export interface RedFlagVerdict {
  id: RedFlagId;
  description: string;
  /** The measured figure (the worst case for a multi-scenario flag); null when none exists. */
  figure: number | null;
  unit: string;
  threshold: number;
  target: number | null;
  verdict: RedFlagOutcome;
  reason: string;
  /** [lowest, highest] of the figure over the run, and what that is over; null if unknown. */
  spread: { low: number; high: number; over: string } | null;
  /** What the figure was judged against besides the threshold (the machine's own tail). */
  floor: { figure: number; what: string } | null;
}

/**
 * Latency passes shorter than this have no meaningful p99 (it would be one of the slowest
 * handful of ops, i.e. the maximum): such scenarios are left out of the p99 flag.
 */
export const MIN_LATENCY_COUNT = 100;

/**
 * Heap bytes/op within this distance of 0 count as 0: the method (heap.ts) reads a no-op as
 * 0 B give or take a fraction of a byte per op, and no JS object is smaller than 8 bytes, so a
 * real per-op allocation (even one every other op) reads well above it.
 */
export const HEAP_NOISE_BYTES = 0.5;

/** The fast-path reads and snapshot acquisition: what "hot path" means for this flag. */
export const HOT_PATH_READS: readonly string[] = [
  'engine/get_direct',
  'snapshot/acquire',
  'kvstore/get/hot_key',
  'kvstore/get/uniform',
  'kvstore/get/working_set_100',
  'kvstore/get/miss',
];

const INMEM = DUR_LABELS.inMemory;

/** One scenario's figure, or why there is none. */
type Lookup = { ok: true; result: ScenarioResult } | { ok: false; why: string };

class Results {
  private readonly byId: Map<string, ScenarioResult>;
  constructor(readonly file: ResultsFile) {
    this.byId = resultById(file);
  }

  get(id: string): Lookup {
    const r = this.byId.get(id);
    if (r === undefined) return { ok: false, why: `${id} is not in the results` };
    if (r.status !== 'ok') {
      return { ok: false, why: `${id} is ${r.status}: ${r.reason ?? 'no reason given'}` };
    }
    return { ok: true, result: r };
  }

  all(): ScenarioResult[] {
    return this.file.results;
  }
}

export function formatFigure(value: number, unit: string): string {
  switch (unit) {
    case 'ns':
      if (value >= 1e6) return `${(value / 1e6).toFixed(2)} ms`;
      if (value >= 1e3) return `${(value / 1e3).toFixed(2)} µs`;
      return `${value.toFixed(value < 10 ? 1 : 0)} ns`;
    case '×':
      return `${value.toFixed(value < 10 ? 2 : 1)}×`;
    case 'B/op':
      return `${value.toFixed(1)} B/op`;
    case 'ops/s':
      return value >= 1e6
        ? `${(value / 1e6).toFixed(2)}M ops/s`
        : `${(value / 1e3).toFixed(1)}K ops/s`;
    default:
      return `${value} ${unit}`;
  }
}

interface Candidate {
  /** Short name for the reason, e.g. "put" or a scenario id. */
  label: string;
  value: number;
  /** "350 ns / 62 ns", shown after the value. */
  detail?: string;
  spread?: RedFlagVerdict['spread'];
}

interface Evaluation {
  figure: number | null;
  /** Reason when not applicable (figure may still be set, e.g. scaling on 2 cores). */
  notApplicable?: string;
  reason?: string;
  spread?: RedFlagVerdict['spread'];
  floor?: RedFlagVerdict['floor'];
}

function spreadOf(f: Figure): RedFlagVerdict['spread'] {
  return f.spread === null ? null : { low: f.spread[0], high: f.spread[1], over: f.over };
}

function flagOf(config: PerfConfig, id: RedFlagId): RedFlagConfig {
  return redFlagConfig(config, id);
}

/** Worst of several candidates, with every candidate and every missing one in the reason. */
function worstOf(
  candidates: Candidate[],
  missing: string[],
  direction: 'above' | 'below',
  unit: string,
): Evaluation {
  if (candidates.length === 0) {
    return {
      figure: null,
      notApplicable: missing.length > 0 ? missing.join('; ') : 'no scenario to judge',
    };
  }
  const worst = candidates.reduce((w, c) =>
    direction === 'above' ? (c.value > w.value ? c : w) : c.value < w.value ? c : w,
  );
  const show = (c: Candidate): string =>
    `${c.label} ${formatFigure(c.value, unit)}${c.detail === undefined ? '' : ` (${c.detail})`}`;
  const parts = [
    candidates.length > 1 ? `worst: ${show(worst)}` : show(worst),
    ...candidates.filter((c) => c !== worst).map(show),
  ];
  if (missing.length > 0) parts.push(`not judged: ${missing.join('; ')}`);
  return {
    figure: worst.value,
    reason: parts.join('; '),
    spread: worst.spread ?? null,
  };
}

function single(results: Results, id: string): Evaluation {
  const got = results.get(id);
  if (!got.ok) return { figure: null, notApplicable: got.why };
  const f = typicalFigure(results.file, got.result);
  if (f === null) return { figure: null, notApplicable: `${id} has no figure` };
  return { figure: f.value, reason: id, spread: spreadOf(f) };
}

/** Numerator / denominator of two scenarios' typical ns, or why not. */
function ratio(
  results: Results,
  label: string,
  numeratorId: string,
  denominatorId: string,
): Candidate | string {
  const n = results.get(numeratorId);
  if (!n.ok) return `${label}: ${n.why}`;
  const d = results.get(denominatorId);
  if (!d.ok) return `${label}: ${d.why}`;
  const r = ratioFigure(results.file, n.result, d.result);
  const nv = typicalFigure(results.file, n.result);
  const dv = typicalFigure(results.file, d.result);
  if (r === null || nv === null || dv === null) return `${label}: no time figure`;
  return {
    label,
    value: r.value,
    detail: `${numeratorId} ${formatFigure(nv.value, 'ns')} / ${denominatorId} ${formatFigure(dv.value, 'ns')}`,
    spread: spreadOf(r),
  };
}

function ratios(
  results: Results,
  pairs: Array<{ label: string; numerator: string; denominator: string }>,
  direction: 'above' | 'below',
): Evaluation {
  const candidates: Candidate[] = [];
  const missing: string[] = [];
  for (const p of pairs) {
    const r = ratio(results, p.label, p.numerator, p.denominator);
    if (typeof r === 'string') missing.push(r);
    else candidates.push(r);
  }
  return worstOf(candidates, missing, direction, '×');
}

/** The A1/A0 or B/A1 pairs of figures.ts's FACADE_RATIOS, writes in InMemory. */
function facadePairs(
  prefix: 'A1/A0' | 'B/A1',
): Array<{ label: string; numerator: string; denominator: string }> {
  return FACADE_RATIOS.filter((d) => d.label.startsWith(`${prefix} `)).map((d) => ({
    label: d.label.slice(prefix.length + 1),
    numerator: jobId(d.numerator, d.numeratorWrites ? 'inMemory' : null),
    denominator: jobId(d.denominator, d.denominatorWrites ? 'inMemory' : null),
  }));
}

/** Every ok scenario matching `pick`, worst of their typical ns. */
function worstTime(
  results: Results,
  pick: (r: ScenarioResult) => boolean,
  what: string,
): Evaluation {
  const chosen = results.all().filter(pick);
  const candidates: Candidate[] = [];
  const missing: string[] = [];
  for (const r of chosen) {
    const got = results.get(r.id);
    const f = got.ok ? typicalFigure(results.file, got.result) : null;
    if (!got.ok) missing.push(got.why);
    else if (f === null) missing.push(`${r.id} has no time figure`);
    else candidates.push({ label: r.id, value: f.value, spread: spreadOf(f) });
  }
  if (chosen.length === 0)
    return { figure: null, notApplicable: `no ${what} scenario in the results` };
  return worstOf(candidates, missing, 'above', 'ns');
}

function evaluateScaling(results: Results): Evaluation {
  const one = jobId('scaling/disjoint_runs/1', 'inMemory');
  const four = jobId('scaling/disjoint_runs/4', 'inMemory');
  const r = ratio(results, '4 workers vs 1', one, four);
  if (typeof r === 'string') return { figure: null, notApplicable: r };
  // Per-op ns is aggregate over the workers, so 1-worker ns / 4-worker ns is the speedup.
  const env = results.file.environment;
  const cores = Math.min(env.availableParallelism, env.cores);
  const detail = `speedup ${formatFigure(r.value, '×')}: ${r.detail ?? ''}`;
  if (cores < 4) {
    return {
      figure: r.value,
      notApplicable: `this machine has ${cores} core${cores === 1 ? '' : 's'} available; 4 workers can't run in parallel on it, so the 4-worker figure can't be judged (${detail})`,
    };
  }
  return { figure: r.value, reason: detail };
}

/**
 * p99 over mean, both from the latency pass (each op timed alone): benchmark.js's mean comes
 * from batched calls, which for sub-µs ops is several times cheaper than one op between two
 * clock reads, so mixing the two would inflate the ratio. The figure is the op's OWN p99 over
 * its mean: the p99 net of the tail of a floor timed alternately with it (tail.ts), so the
 * machine's interrupts can't fail it. Every ok scenario with a latency pass counts (writes in
 * every mode: a p99 spike is a red flag wherever it is); the verdict is on the worst.
 */
function evaluateP99(results: Results, threshold: number): Evaluation {
  interface Tail extends Candidate {
    raw: number;
    machine: number;
  }
  const candidates: Tail[] = [];
  let short = 0;
  let belowClock = 0;
  let noFloor = 0;
  for (const r of results.all()) {
    const l = r.latency;
    if (r.status !== 'ok' || l === null) continue;
    if (l.count < MIN_LATENCY_COUNT) {
      short++;
      continue;
    }
    // An op cheaper than the two clock reads around it (mean below the subtracted overhead)
    // has a per-op distribution that is the clock's, not the op's: its p99/mean is noise.
    if (!(l.mean > 0) || l.mean < l.timerOverheadNs) {
      belowClock++;
      continue;
    }
    if (l.floor === undefined || l.ownP99 === undefined || !(l.floor.mean > 0)) {
      noFloor++;
      continue;
    }
    const parts = (l.ownP99Parts ?? []).map((p) => p / l.mean);
    candidates.push({
      label: r.id,
      value: l.ownP99 / l.mean,
      raw: l.p99 / l.mean,
      machine: l.floor.p99 / l.floor.mean,
      detail: `own p99 ${formatFigure(l.ownP99, 'ns')}, raw p99 ${formatFigure(l.p99, 'ns')}, mean ${formatFigure(l.mean, 'ns')}; the machine's floor ${formatFigure(l.floor.p99 / l.floor.mean, '×')}`,
      spread:
        parts.length > 1
          ? {
              low: Math.min(...parts),
              high: Math.max(...parts),
              over: `${parts.length} quarters of the latency pass`,
            }
          : null,
    });
  }
  const leftOut =
    (short > 0 ? `; left out: ${short} with fewer than ${MIN_LATENCY_COUNT} timed ops` : '') +
    (belowClock > 0 ? `; left out: ${belowClock} cheaper than the timer overhead` : '') +
    (noFloor > 0
      ? `; left out: ${noFloor} measured without a machine floor (an older harness)`
      : '');
  if (candidates.length === 0) {
    return {
      figure: null,
      notApplicable: `no scenario with a latency pass of ${MIN_LATENCY_COUNT}+ ops slower than the clock and a machine floor${leftOut}`,
    };
  }
  const ranked = [...candidates].sort((a, b) => b.value - a.value);
  const worst = ranked[0] as Tail;
  const others = ranked
    .slice(1, 4)
    .map((c) => `${c.label} ${formatFigure(c.value, '×')}`)
    .join(', ');
  const worstMachine = candidates.reduce((w, c) => (c.machine > w.machine ? c : w));
  const reason =
    `worst own tail of ${plural(candidates.length, 'scenario')}: ${worst.label} ${formatFigure(worst.value, '×')} (${worst.detail ?? ''})` +
    (others === '' ? '' : `; next: ${others}`) +
    leftOut;
  const floor = {
    figure: worst.machine,
    what: `the machine's own p99/mean in ${worst.label}'s process (a floor of the same duration, timed alternately)`,
  };
  // The raw p99/mean condition trips, the op's own tail does not, and the machine alone
  // trips it: this machine can't show whether the op meets the flag.
  if (worst.value <= threshold && worstMachine.machine > threshold) {
    const tripped = candidates.filter((c) => c.raw > threshold);
    if (tripped.length > 0) {
      return {
        figure: worst.value,
        notApplicable: `this machine's own p99/mean is ${formatFigure(worstMachine.machine, '×')} (${worstMachine.label}'s floor), beyond the ${formatFigure(threshold, '×')} threshold; raw p99/mean ${tripped.map((c) => `${c.label} ${formatFigure(c.raw, '×')}`).join(', ')}; net of the machine: ${reason}`,
        spread: worst.spread ?? null,
        floor,
      };
    }
  }
  return { figure: worst.value, reason, spread: worst.spread ?? null, floor };
}

function evaluateAllocation(results: Results): Evaluation {
  const candidates: Candidate[] = [];
  const missing: string[] = [];
  for (const id of HOT_PATH_READS) {
    const got = results.get(id);
    if (!got.ok) missing.push(got.why);
    else if (got.result.bytesPerOp === null) missing.push(`${id} has no heap figure`);
    else {
      const b = got.result.bytesPerOp;
      candidates.push({ label: id, value: Math.abs(b) <= HEAP_NOISE_BYTES ? 0 : b });
    }
  }
  const e = worstOf(candidates, missing, 'above', 'B/op');
  if (e.figure === null) return e;
  const worst = results.get(candidates.find((c) => c.value === e.figure)?.label ?? '');
  const windows = worst.ok ? (worst.result.heap?.windows ?? []) : [];
  if (windows.length > 1) {
    e.spread = {
      low: Math.min(...windows),
      high: Math.max(...windows),
      over: `${windows.length} heap windows`,
    };
  }
  // Writes must allocate the version they store; shown for honesty, not judged.
  const writes = ['engine/put_direct', 'kvstore/put/uniform']
    .map((name) => jobId(name, 'inMemory'))
    .flatMap((id) => {
      const got = results.get(id);
      return got.ok && got.result.bytesPerOp !== null
        ? [`${id} ${formatFigure(got.result.bytesPerOp, 'B/op')}`]
        : [];
    });
  const note =
    writes.length > 0
      ? `; writes, not judged (they must allocate the version they store): ${writes.join(', ')}`
      : '';
  return { ...e, reason: `${e.reason ?? ''}${note}` };
}

function evaluate(id: RedFlagId, results: Results, threshold: number): Evaluation {
  switch (id) {
    case 'snapshot-acquire':
      return single(results, 'snapshot/acquire');
    case 'a1-a0-inmemory':
      return ratios(results, facadePairs('A1/A0'), 'above');
    case 'b-a1':
      return ratios(results, facadePairs('B/A1'), 'above');
    case 'disjoint-run-scaling':
      return evaluateScaling(results);
    case 'p99-over-mean':
      return evaluateP99(results, threshold);
    case 'hot-path-allocation':
      return evaluateAllocation(results);
    case 'engine-put-inmemory':
      return single(results, jobId('engine/put_direct', 'inMemory'));
    case 'kvstore-put-inmemory':
      return worstTime(
        results,
        (r) => r.name.startsWith('kvstore/put/') && r.id.endsWith(`/${INMEM}`),
        'kvstore/put/*/dur_inmemory',
      );
    case 'kvstore-get':
      return worstTime(results, (r) => r.name.startsWith('kvstore/get/'), 'kvstore/get/*');
    case 'throughput-1-worker': {
      const e = single(results, jobId('scaling/disjoint_runs/1', 'inMemory'));
      if (e.figure === null) return e;
      const s = e.spread;
      return {
        ...e,
        figure: 1e9 / e.figure,
        reason: `${e.reason ?? ''} (1e9 / median ns per op)`,
        spread:
          s === null || s === undefined
            ? null
            : { low: 1e9 / s.high, high: 1e9 / s.low, over: s.over },
      };
    }
  }
}

const FAILS_BELOW: ReadonlySet<RedFlagId> = new Set([
  'disjoint-run-scaling',
  'throughput-1-worker',
]);

/** Whether a flag trips above its threshold (costs, ratios) or below it (scaling, throughput). */
export function failsWhen(id: RedFlagId): 'above' | 'below' {
  return FAILS_BELOW.has(id) ? 'below' : 'above';
}

/** The red-flag condition as text, e.g. "> 2.00 µs" or "< 2.50×" (for tables). */
export function formatLimit(v: Pick<RedFlagVerdict, 'id' | 'threshold' | 'unit'>): string {
  return `${failsWhen(v.id) === 'above' ? '>' : '<'} ${formatFigure(v.threshold, v.unit)}`;
}

const TRACED =
  'a traced run (bench --perf-trace): every commit reads the clock, so its figures are not judged';

/** Every red flag of the config, in the config's order, on one results file. */
export function evaluateRedFlags(results: ResultsFile, config: PerfConfig): RedFlagVerdict[] {
  const r = new Results(results);
  const order = config.redFlags.map((f) => f.id);
  const ids = [...order, ...RED_FLAG_IDS.filter((id) => !order.includes(id))];
  return ids.map((id): RedFlagVerdict => {
    const flag = flagOf(config, id);
    const direction = failsWhen(id);
    const unit = RED_FLAG_UNITS[id];
    const e: Evaluation =
      results.kind === 'perf-trace'
        ? { figure: null, notApplicable: TRACED }
        : evaluate(id, r, flag.threshold);
    const base = {
      id,
      description: flag.description,
      figure: e.figure,
      unit,
      threshold: flag.threshold,
      target: flag.target,
      spread: e.spread ?? null,
      floor: e.floor ?? null,
    } as const;
    if (e.notApplicable !== undefined || e.figure === null) {
      return { ...base, verdict: 'not-applicable', reason: e.notApplicable ?? 'no figure' };
    }
    const fails = direction === 'above' ? e.figure > flag.threshold : e.figure < flag.threshold;
    const onTarget =
      flag.target === null
        ? ''
        : (direction === 'above' ? e.figure <= flag.target : e.figure >= flag.target)
          ? '; meets the target'
          : `; target ${direction === 'above' ? '<' : '≥'} ${formatFigure(flag.target, unit)} not met`;
    return {
      ...base,
      verdict: fails ? 'fail' : 'pass',
      reason: `${fails ? 'red flag' : 'ok'}: ${formatFigure(e.figure, unit)} ${fails ? 'is' : 'is not'} ${formatLimit({ id, threshold: flag.threshold, unit })}${onTarget} — ${e.reason ?? ''}`,
    };
  });
}
