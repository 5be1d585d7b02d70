/**
 * Derived figures of a results file, each computed here once: a scenario's typical ns/op and
 * its spread, the facade-tax ratios of docs/layers.md (A1/A0: the engine over the bare Map; B/A1:
 * the primitive facade over the engine). The red flags, the terminal, Markdown and HTML
 * renderers and the exports all read them from here, so one run shows one value per figure.
 *
 * The typical ns/op of a scenario is a median, never a mean: one stalled benchmark.js sample
 * (a 76 ms one among 10 µs ones was seen on this machine) can dominate a mean.
 *   - In a comparison run it is the median of the candidate's per-round medians: the same
 *     figure the comparison table shows, spread over the rounds.
 *   - Otherwise it is the median of the one process's benchmark.js samples, spread over them.
 */
import { median } from 'simple-statistics';
import { medianInterval } from '../stats/sample.ts';
import { MODES, type ModeName } from '../engine-api/modes.ts';
import { jobId } from '../catalogue/registry.ts';
import type { ResultsFile, ScenarioResult } from '../results/results-file.ts';

/** A figure with the range it moved over in the run, and what that range is over. */
export interface Figure {
  value: number;
  /** [lowest, highest] of the values it summarises; null when there is one value only. */
  spread: [number, number] | null;
  /** e.g. "7 rounds" or "12 benchmark.js samples". */
  over: string;
}

export interface RatioDef {
  /** e.g. "A1/A0 put". */
  label: string;
  numerator: string;
  denominator: string;
  /** Whether each side is a writing scenario (its id carries the mode). */
  numeratorWrites: boolean;
  denominatorWrites: boolean;
}

/** Pairs use the same keys and access pattern on both sides (uniform over 10K keys). */
export const FACADE_RATIOS: readonly RatioDef[] = [
  {
    label: 'A1/A0 put',
    numerator: 'engine/put_direct',
    denominator: 'core/map_set',
    numeratorWrites: true,
    denominatorWrites: false,
  },
  {
    label: 'A1/A0 get',
    numerator: 'engine/get_direct',
    denominator: 'core/map_get',
    numeratorWrites: false,
    denominatorWrites: false,
  },
  {
    label: 'B/A1 put',
    numerator: 'kvstore/put/uniform',
    denominator: 'engine/put_direct',
    numeratorWrites: true,
    denominatorWrites: true,
  },
  {
    label: 'B/A1 get',
    numerator: 'kvstore/get/uniform',
    denominator: 'engine/get_direct',
    numeratorWrites: false,
    denominatorWrites: false,
  },
];

export function resultById(results: ResultsFile): Map<string, ScenarioResult> {
  return new Map(results.results.map((r) => [r.id, r]));
}

/** Median ns/op of one process (the mean only for a file that has no median). */
export function typicalNs(r: ScenarioResult): number | null {
  return r.medianNs ?? r.meanNs;
}

function rangeOf(values: readonly number[]): [number, number] | null {
  if (values.length < 2) return null;
  return [Math.min(...values), Math.max(...values)];
}

/**
 * What one of a comparison's samples is: a replicate (a pair of worker isolates, the method
 * since replicate.ts) or, in files written before, a round of two child processes.
 */
export function sampleUnit(results: ResultsFile, n: number): string {
  const unit = results.profile.replicate === undefined ? 'round' : 'replicate';
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** The candidate's per-round medians of a comparison job (empty outside comparisons). */
export function roundsOf(results: ResultsFile, id: string): readonly number[] {
  return results.comparison?.jobs.find((j) => j.id === id)?.candidateSamples ?? [];
}

/** A scenario's typical ns/op with its spread (see the module comment); null unless ok. */
export function typicalFigure(results: ResultsFile, r: ScenarioResult): Figure | null {
  if (r.status !== 'ok') return null;
  const rounds = roundsOf(results, r.id);
  if (rounds.length > 0) {
    return {
      value: median([...rounds]),
      spread: rangeOf(rounds),
      over: sampleUnit(results, rounds.length),
    };
  }
  const v = typicalNs(r);
  if (v === null) return null;
  const samples = r.samples?.ns ?? [];
  // Custom scenarios (worker scaling, recovery) time their own rounds instead of benchmark.js.
  const what = r.phaseMs !== null && 'run' in r.phaseMs ? 'timed round' : 'benchmark.js sample';
  return {
    value: v,
    spread: rangeOf(samples),
    over: `${samples.length} ${what}${samples.length === 1 ? '' : 's'}`,
  };
}

/**
 * The typical figure with the 95 % interval of its median over the same values (its rounds,
 * else its benchmark.js samples): what a trend point draws. The interval is within one run.
 */
export function figureWithInterval(
  results: ResultsFile,
  r: ScenarioResult,
): { value: number; lo: number; hi: number } | null {
  const f = typicalFigure(results, r);
  if (f === null) return null;
  const rounds = roundsOf(results, r.id);
  const values = rounds.length > 0 ? rounds : (r.samples?.ns ?? []);
  if (values.length === 0) return { value: f.value, lo: f.value, hi: f.value };
  const ci = medianInterval(values);
  return { value: f.value, lo: Math.min(ci.lo, f.value), hi: Math.max(ci.hi, f.value) };
}

/** numerator ÷ denominator of two figures; the spread pairs rounds when both have them. */
export function ratioFigure(
  results: ResultsFile,
  numerator: ScenarioResult,
  denominator: ScenarioResult,
): Figure | null {
  const n = typicalFigure(results, numerator);
  const d = typicalFigure(results, denominator);
  if (n === null || d === null || !(d.value > 0)) return null;
  const nr = roundsOf(results, numerator.id);
  const dr = roundsOf(results, denominator.id);
  const k = Math.min(nr.length, dr.length);
  const perRound: number[] = [];
  for (let i = 0; i < k; i++) {
    const den = dr[i] as number;
    if (den > 0) perRound.push((nr[i] as number) / den);
  }
  return {
    value: n.value / d.value,
    spread: rangeOf(perRound),
    over: perRound.length > 1 ? sampleUnit(results, perRound.length) : 'one process each',
  };
}

export interface Ratio {
  label: string;
  /** null for a ratio of two read-only scenarios (the same in every mode). */
  mode: ModeName | null;
  numeratorId: string;
  denominatorId: string;
  /** Typical (median) time of the numerator over the denominator's; null without figures. */
  value: number | null;
  figure: Figure | null;
}

/** Every facade-tax ratio per mode, from the typical (median) figures. */
export function facadeTax(results: ResultsFile): Ratio[] {
  const byId = resultById(results);
  const out: Ratio[] = [];
  for (const def of FACADE_RATIOS) {
    const perMode = def.numeratorWrites || def.denominatorWrites;
    for (const mode of perMode ? MODES : [null]) {
      const numeratorId = jobId(def.numerator, def.numeratorWrites ? mode : null);
      const denominatorId = jobId(def.denominator, def.denominatorWrites ? mode : null);
      const n = byId.get(numeratorId);
      const d = byId.get(denominatorId);
      const figure = n === undefined || d === undefined ? null : ratioFigure(results, n, d);
      out.push({
        label: def.label,
        mode,
        numeratorId,
        denominatorId,
        value: figure?.value ?? null,
        figure,
      });
    }
  }
  return out;
}
