/**
 * Seeded random variates and a synthetic engine for the statistics tests: an engine whose true
 * cost per operation the test sets, measured through a model of this noisy 2-core machine.
 */
import { Prng } from '../../harness/support/prng.ts';

/** Uniform doubles and normal / lognormal variates from the harness's seeded generator. */
export class Random {
  private readonly prng: Prng;
  private spare: number | null = null;

  constructor(seed: bigint, stream = 0) {
    this.prng = new Prng(seed, stream);
  }

  /** Uniform in (0, 1): never exactly 0 or 1, so logs are finite. */
  uniform(): number {
    return (this.prng.nextU32() + 0.5) / 2 ** 32;
  }

  /** Standard normal (Box–Muller; the second variate of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** exp(N(mu, sigma²)). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }
}

/**
 * How one side of a comparison replicate comes out on the reference machine (2 shared cores,
 * measured with `npm run harness -- calibrate` and A/A gates, 2026-12-02): a replicate is two
 * fresh worker isolates, one per side, pinned to one core, their 1 ms timing windows
 * alternated (harness/measure/replicate-pair.ts). Per side:
 *   - lognormal isolate-to-isolate noise (JIT decisions, heap layout): `sigma`;
 *   - a slower JIT or memory state in some isolates: a whole side settles `slowStateFactor`
 *     slower with probability `slowStateProbability` (kvstore/get/uniform, engine/get_direct:
 *     per-replicate SD of the log ratio 0.6-0.8, bimodal);
 *   - the machine's load of the moment, shared by the two sides (their windows interleave):
 *     `roundSigma`, drawn once per replicate by `measureReplicate`;
 *   - in a few replicates a stall that lands on one side only (a neighbour burst longer than
 *     the windows' alternation): 1.3-2x.
 */
export interface MachineModel {
  /** Sigma of ln(noise) per side: 0.03 means a side is typically within ±3 %. */
  sigma: number;
  /** Sigma of ln(load factor) shared by the two sides of a replicate. */
  roundSigma: number;
  /** Probability that a side settles in the slower state. */
  slowStateProbability: number;
  /** How much slower that state is. */
  slowStateFactor: number;
  /** Probability that a side is stalled. */
  stallProbability: number;
  /** A stalled side is slower by a factor uniform in [min, max]. */
  stallFactor: readonly [number, number];
}

export const NOISY_2_CORE: MachineModel = {
  sigma: 0.03,
  roundSigma: 0.02,
  slowStateProbability: 0.25,
  slowStateFactor: 1.4,
  stallProbability: 0.03,
  stallFactor: [1.3, 2.0],
};

/** One side's figure; `load` is the replicate's shared load factor. */
export function measureSide(rng: Random, trueNs: number, model: MachineModel, load = 1): number {
  let ns = trueNs * load * rng.lognormal(0, model.sigma);
  if (rng.uniform() < model.slowStateProbability) ns *= model.slowStateFactor;
  if (rng.uniform() < model.stallProbability) {
    const [lo, hi] = model.stallFactor;
    ns *= lo + (hi - lo) * rng.uniform();
  }
  return ns;
}

/** One replicate: both sides under the same load of the moment. */
export function measureReplicate(
  rng: Random,
  baselineNs: number,
  candidateNs: number,
  model: MachineModel,
): { baseline: number; candidate: number } {
  const load = rng.lognormal(0, model.roundSigma);
  const baseline = measureSide(rng, baselineNs, model, load);
  return { baseline, candidate: measureSide(rng, candidateNs, model, load) };
}

/** One job of a synthetic suite: its true cost and its machine noise. */
export interface SyntheticJob {
  id: string;
  trueNs: number;
  model: MachineModel;
}

/**
 * Ten jobs from 50 ns to 300 µs per op (the catalogue's range) with side noise from sigma
 * 0.02 to 0.05: what 10 of the quick catalogue's quieter jobs show (snapshot/acquire,
 * kvstore/get/hot_key, the strict-mode jobs: per-replicate SD of the log ratio 0.03-0.07).
 * `BIMODAL_JOB` is one like kvstore/get/uniform, whose sides land in a 1.4x slower state one
 * time in four.
 */
export const SYNTHETIC_SUITE: readonly SyntheticJob[] = Array.from({ length: 10 }, (_, i) => ({
  id: `synthetic/job_${i}`,
  trueNs: Math.round(50 * 2.6 ** i),
  model: { ...NOISY_2_CORE, sigma: 0.02 + (0.03 * i) / 9, slowStateProbability: 0 },
}));

export const BIMODAL_JOB: SyntheticJob = {
  id: 'synthetic/bimodal',
  trueNs: 120,
  model: NOISY_2_CORE,
};
