/**
 * Figures derived from a results file. For now the facade-tax ratios of SPEC.md (A1/A0: the
 * engine over the bare Map; B/A1: the primitive facade over the engine); the red-flag checks
 * and baseline comparison of later issues belong here too.
 */
import { MODES, type ModeName } from './modes.ts';
import { jobId } from './registry.ts';
import type { ResultsFile, ScenarioResult } from './results.ts';

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

export interface Ratio {
  label: string;
  /** null for a ratio of two read-only scenarios (the same in every mode). */
  mode: ModeName | null;
  numeratorId: string;
  denominatorId: string;
  /** Mean time of the numerator over the denominator's; null when either side has no figure. */
  value: number | null;
}

export function resultById(results: ResultsFile): Map<string, ScenarioResult> {
  return new Map(results.results.map((r) => [r.id, r]));
}

function meanOf(r: ScenarioResult | undefined): number | null {
  return r !== undefined && r.status === 'ok' ? r.meanNs : null;
}

export function facadeTax(results: ResultsFile): Ratio[] {
  const byId = resultById(results);
  const out: Ratio[] = [];
  for (const def of FACADE_RATIOS) {
    const perMode = def.numeratorWrites || def.denominatorWrites;
    for (const mode of perMode ? MODES : [null]) {
      const numeratorId = jobId(def.numerator, def.numeratorWrites ? mode : null);
      const denominatorId = jobId(def.denominator, def.denominatorWrites ? mode : null);
      const n = meanOf(byId.get(numeratorId));
      const d = meanOf(byId.get(denominatorId));
      out.push({
        label: def.label,
        mode,
        numeratorId,
        denominatorId,
        value: n === null || d === null || d === 0 ? null : n / d,
      });
    }
  }
  return out;
}
