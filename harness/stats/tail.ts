/**
 * The op's own latency tail, net of the machine's. Pure functions of two samples timed the
 * same way and interleaved in one process: the op's per-op latencies, and a floor's (the A0
 * data structure, spun for as long as the op takes: see measure.ts).
 *
 * Why a floor: on a shared VM an interrupt, a preemption or the clock itself adds
 * microseconds to whatever runs at that moment. For a sub-microsecond op that alone can put
 * p99 at 40× the mean, whatever the op does. Timing a floor of the same duration, alternately
 * with the op, exposes it to the same interrupts at the same moments: what the floor's tail
 * holds is the machine's; what the op's tail holds beyond it is the op's.
 *
 * The math. Write S_op(t) and S_floor(t) for the fraction of each sample at or above t. If the
 * machine adds the same delays to both, the share of ops slow *because of the op* at t is
 * E(t) = S_op(t) − S_floor(t). The op's own p99 is the smallest t above which E never exceeds
 * 1% (with the floor empty this is the ordinary p99). To keep sampling noise from inventing a
 * tail, E(t) must exceed 1% by z standard errors of a difference of two proportions,
 * sqrt(S_op(1−S_op)/n + S_floor(1−S_floor)/m), with z = 2.326 (one-sided 99%) — the usual
 * normal approximation (e.g. Agresti, "Categorical Data Analysis", §3.1.3).
 * The result is clamped to [median, p99] of the op: the machine can't make the op's own
 * tail smaller than its typical op, and subtracting can't make it larger than the raw p99.
 */

/** One-sided 99% normal quantile: the margin that keeps noise out of the own tail. */
export const OWN_TAIL_Z = 2.326;

/** p-th quantile (0..1) of an ascending sample, nearest rank at or below (no interpolation). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const i = Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1));
  return sorted[i] as number;
}

/** First index whose value is >= t in an ascending array. */
function lowerBound(sorted: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The op's own q-quantile (default p99) given the floor's sample. Both arrays ascending.
 * See the module comment for the definition.
 */
export function ownQuantile(
  opSorted: ArrayLike<number>,
  floorSorted: ArrayLike<number>,
  q = 0.99,
  z = OWN_TAIL_Z,
): number {
  const n = opSorted.length;
  const m = floorSorted.length;
  if (n === 0) return Number.NaN;
  const raw = quantileSorted(opSorted, q);
  const med = quantileSorted(opSorted, 0.5);
  if (m === 0) return raw;
  const allowed = 1 - q;
  // Walk the op's distinct values from the top; the first (largest) t where the op's excess
  // over the floor is significantly above `allowed` bounds the own tail from below.
  let i = n - 1;
  while (i >= 0) {
    const t = opSorted[i] as number;
    const first = lowerBound(opSorted, t);
    const sOp = (n - first) / n;
    const sFloor = (m - lowerBound(floorSorted, t)) / m;
    const se = Math.sqrt((sOp * (1 - sOp)) / n + (sFloor * (1 - sFloor)) / m);
    if (sOp - sFloor > allowed + z * se) {
      // t is still in the op's own tail: the own quantile is the next op value above it.
      // i is the last index holding t (the walk steps from one value's first index down).
      const own = i + 1 < n ? (opSorted[i + 1] as number) : t;
      return Math.min(raw, Math.max(med, own));
    }
    i = first - 1;
  }
  return med;
}

export interface TailSummary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
}

export function summarizeSorted(sorted: ArrayLike<number>): TailSummary {
  let sum = 0;
  for (let k = 0; k < sorted.length; k++) sum += sorted[k] as number;
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
    p50: quantileSorted(sorted, 0.5),
    p99: quantileSorted(sorted, 0.99),
  };
}

export function sortedCopy(values: ArrayLike<number>, from: number, to: number): Float64Array {
  const out = Float64Array.from({ length: to - from }, (_, k) => values[from + k] as number);
  return out.sort();
}

/**
 * The op's own p99 in each of `parts` consecutive stretches of an interleaved pass (op k and
 * floor k timed back to back): how much the figure moves within one run.
 */
export function ownQuantileByPart(
  op: ArrayLike<number>,
  floor: ArrayLike<number>,
  parts = 4,
  q = 0.99,
): number[] {
  const n = Math.min(op.length, floor.length);
  const size = Math.floor(n / parts);
  if (size < 100) return [];
  const out: number[] = [];
  for (let p = 0; p < parts; p++) {
    const from = p * size;
    const to = p === parts - 1 ? n : from + size;
    out.push(ownQuantile(sortedCopy(op, from, to), sortedCopy(floor, from, to), q));
  }
  return out;
}
