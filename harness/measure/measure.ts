/**
 * Measures one scenario in one mode, inside the current process (the child process of a run,
 * or a test). Four passes over the same warmed-up op:
 *   1. benchmark.js: throughput and its sample statistics (hz, mean, sd, rme, samples);
 *   2. a per-op latency pass (p50 ... max), each op alternating with a floor of the same
 *      duration so the machine's share of the tail can be told apart (tail.ts);
 *   3. heap bytes/op (see heap.ts);
 *   4. the proof: verify(calls) against engine state, where `calls` counts every call the
 *      three passes made. A scenario whose op silently does nothing fails here.
 */
import Benchmark from 'benchmark';
import { median } from 'simple-statistics';
import { UnsupportedError, errorMessage } from '../support/errors.ts';
import { plural } from '../support/format.ts';
import { measureHeapPerOp, prefaultYoungGeneration, type HeapOptions } from './heap.ts';
import type { Measurement } from '../results/results-file.ts';
import type {
  CustomScenario,
  OpInstance,
  OpScenario,
  Scenario,
  ScenarioContext,
} from '../catalogue/scenario.ts';
import { summarize } from '../stats/sample.ts';
import {
  ownQuantile,
  ownQuantileByPart,
  quantileSorted,
  sortedCopy,
  summarizeSorted,
} from '../stats/tail.ts';
import type { Profile } from '../config/profiles.ts';

// Never inline the op's source into benchmark.js's compiled loop: scenario ops are closures,
// and a decompiled body would run against the wrong scope. Calling the function is uniform
// across scenarios (one call per op, included in every figure alike).
Benchmark.support.decompilation = false;

type Latency = NonNullable<Measurement['latency']>;

function empty(status: Measurement['status'], reason: string | null): Measurement {
  return {
    status,
    reason,
    hz: null,
    meanNs: null,
    medianNs: null,
    sdNs: null,
    rme: null,
    samples: null,
    latency: null,
    bytesPerOp: null,
    heap: null,
    opCount: null,
    perWorker: null,
    phaseMs: null,
    labels: {},
  };
}

export function failed(reason: string): Measurement {
  return empty('failed', reason);
}

export function unsupported(reason: string): Measurement {
  return empty('unsupported', reason);
}

interface BenchFigures {
  hz: number;
  meanNs: number;
  sdNs: number;
  rme: number;
  samplesNs: number[];
}

function benchPass(name: string, fn: () => void, profile: Profile): BenchFigures {
  const bench = new Benchmark(name, fn, {
    maxTime: profile.bench.maxTime,
    minSamples: profile.bench.minSamples,
    minTime: profile.bench.minTime,
  });
  bench.run({ async: false });
  const error = (bench as Benchmark & { error?: unknown }).error;
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
  const s = bench.stats;
  return {
    hz: bench.hz,
    meanNs: s.mean * 1e9,
    sdNs: s.deviation * 1e9,
    rme: Number.isFinite(s.rme) ? s.rme : 0,
    samplesNs: s.sample.map((sec) => sec * 1e9),
  };
}

/** Calls `fn` for `ms` milliseconds (at least once). */
function warmUp(fn: () => void, ms: number): void {
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  do {
    fn();
  } while (process.hrtime.bigint() < end);
}

/**
 * One op between two hrtime reads. A function of its own so that, after the warm-up below, it
 * runs as optimised code: timed from an unoptimised loop, a 20 ns op read as 200-300 ns.
 */
function timeOne(fn: () => void): bigint {
  const t0 = process.hrtime.bigint();
  fn();
  return process.hrtime.bigint() - t0;
}

function noop(): void {}

/** Median time of an empty timeOne: the two hrtime reads (~33 ns each on this machine). */
function timerOverheadNs(): number {
  const d = new Float64Array(10_000);
  for (let k = 0; k < d.length; k++) d[k] = Number(timeOne(noop));
  return quantileSorted(d.sort(), 0.5);
}

/**
 * The machine's floor for the latency pass: the A0 structure (a small Map) read `reps` times,
 * with reps chosen so one floor call takes about as long as one op. Allocation-free, so its
 * tail is only what the machine adds (interrupts, preemption, the clock): see tail.ts.
 */
const FLOOR_KEYS = Array.from({ length: 64 }, (_, k) => `floor:${k}`);
const FLOOR_MAP = new Map(FLOOR_KEYS.map((key, k) => [key, k]));
let _floorSink = 0;

function floorOp(reps: number): () => void {
  return () => {
    let s = 0;
    for (let r = 0; r < reps; r++) s += FLOOR_MAP.get(FLOOR_KEYS[r & 63] as string) ?? 0;
    _floorSink += s;
  };
}

/** Median of `calls` timings of op and floor, alternated as in the pass itself. */
function medianPair(fn: () => void, floor: () => void, calls: number, overhead: number) {
  const op = new Float64Array(calls);
  const fl = new Float64Array(calls);
  for (let k = 0; k < calls; k++) {
    op[k] = Number(timeOne(fn)) - overhead;
    fl[k] = Number(timeOne(floor)) - overhead;
  }
  return { op: quantileSorted(op.sort(), 0.5), floor: quantileSorted(fl.sort(), 0.5) };
}

/**
 * Reps of the floor's Map read that take as long as the op's median: start from one rep and
 * rescale by the ratio of medians, timed alternately as in the pass, until within 20% (a
 * short loop costs more per rep than a long one, so one step is not always enough).
 */
function calibrateFloor(fn: () => void, overhead: number, deadline: bigint): number {
  let reps = 1;
  for (let step = 0; step < 6; step++) {
    const calls = process.hrtime.bigint() < deadline ? 300 : 10;
    const m = medianPair(fn, floorOp(reps), calls, overhead);
    const scale = Math.max(1, m.op) / Math.max(1, m.floor);
    if (step > 0 && scale > 0.8 && scale < 1.25) break;
    reps = Math.max(1, Math.min(10_000_000, Math.round(reps * scale)));
  }
  return reps;
}

function latencyPass(fn: () => void, profile: Profile): Latency {
  const { maxOps, maxMs, minOps } = profile.latency;
  // Warm-up, unrecorded: enough calls for timeOne to be optimised, within a quarter of the
  // time budget (slow ops are few and don't need it).
  const warmDeadline = process.hrtime.bigint() + BigInt(Math.round((maxMs / 4) * 1e6));
  for (let k = 0; k < 5_000 && process.hrtime.bigint() < warmDeadline; k++) timeOne(fn);
  timerOverheadNs();
  const overheadNs = timerOverheadNs();
  const reps = calibrateFloor(fn, overheadNs, warmDeadline);
  const floor = floorOp(reps);
  const overhead = BigInt(Math.round(overheadNs));
  const opNs = new Float64Array(maxOps);
  const floorNs = new Float64Array(maxOps);
  const deadline = process.hrtime.bigint() + BigInt(Math.round(maxMs * 1e6));
  let n = 0;
  // Op and floor alternate, so whatever the machine does at a moment hits both alike.
  while (n < maxOps) {
    const a = timeOne(fn) - overhead;
    const b = timeOne(floor) - overhead;
    opNs[n] = a > 0n ? Number(a) : 0;
    floorNs[n] = b > 0n ? Number(b) : 0;
    n++;
    if (n >= minOps && (n & 15) === 0 && process.hrtime.bigint() > deadline) break;
  }
  return latencyFigures(opNs.subarray(0, n), floorNs.subarray(0, n), overheadNs, reps);
}

/**
 * The latency figures of one pass from its raw samples: op k and floor k were timed back to
 * back (ns, net of the timer). Pure, so tests can feed it synthetic distributions.
 */
export function latencyFigures(
  opNs: ArrayLike<number>,
  floorNs: ArrayLike<number>,
  timerOverhead: number,
  reps: number,
): Latency {
  const n = Math.min(opNs.length, floorNs.length);
  const op = sortedCopy(opNs, 0, n);
  const fl = sortedCopy(floorNs, 0, n);
  const s = summarizeSorted(op);
  const f = summarizeSorted(fl);
  return {
    count: n,
    min: op[0] ?? 0,
    p50: s.p50,
    p90: quantileSorted(op, 0.9),
    p99: s.p99,
    p999: quantileSorted(op, 0.999),
    max: op[n - 1] ?? 0,
    mean: s.mean,
    timerOverheadNs: timerOverhead,
    floor: { reps, count: f.count, mean: f.mean, p50: f.p50, p99: f.p99 },
    ownP99: ownQuantile(op, fl),
    ownP99Parts: ownQuantileByPart(opNs, floorNs),
  };
}

/**
 * Heap windows sized by the op's cost: up to the profile's op count, but no longer than
 * profile.heap.windowMs each, so a 3 ms strict-mode append doesn't spend seconds here. Even ten
 * ops resolve bytes/op well: the probe's own ~600 bytes are measured and subtracted, and what
 * varies between windows is tens of bytes.
 */
function heapOptions(profile: Profile, meanNs: number): HeapOptions {
  const { windows, opsPerWindow, maxAttempts, windowMs } = profile.heap;
  const fit = Math.floor((windowMs * 1e6) / Math.max(meanNs, 1));
  return { windows, maxAttempts, opsPerWindow: Math.max(10, Math.min(opsPerWindow, fit)) };
}

async function measureOp(scenario: OpScenario, ctx: ScenarioContext): Promise<Measurement> {
  const t0 = performance.now();
  let instance: OpInstance;
  try {
    instance = await scenario.setup(ctx);
  } catch (err) {
    if (err instanceof UnsupportedError) return unsupported(err.message);
    return failed(`setup failed: ${errorMessage(err)}`);
  }
  let calls = 0;
  const op = instance.op;
  const counted = (): void => {
    op();
    calls++;
  };
  const phaseMs: Record<string, number> = { setup: performance.now() - t0 };
  const t1 = performance.now();
  prefaultYoungGeneration();
  phaseMs.prefault = performance.now() - t1;
  const phase = <T>(name: string, run: () => T): T => {
    const start = performance.now();
    const out = run();
    phaseMs[name] = performance.now() - start;
    return out;
  };
  try {
    phase('warmup', () => warmUp(counted, ctx.profile.warmupMs));
    const bench = phase('bench', () => benchPass(scenario.name, counted, ctx.profile));
    const latency = phase('latency', () => latencyPass(counted, ctx.profile));
    // profile.heap.windows = 0 turns the pass off (in-process tests run without --expose-gc).
    const heap =
      instance.measureHeap === false || ctx.profile.heap.windows === 0
        ? null
        : phase('heap', () => measureHeapPerOp(counted, heapOptions(ctx.profile, bench.meanNs)));
    if (calls === 0) return failed('the op never ran');
    const proof = phase('verify', () => instance.verify(calls));
    if (!proof.ok)
      return failed(`op-count proof failed after ${plural(calls, 'call')}: ${proof.reason}`);
    return {
      status: 'ok',
      reason: null,
      hz: bench.hz,
      meanNs: bench.meanNs,
      medianNs: median(bench.samplesNs),
      sdNs: bench.sdNs,
      rme: bench.rme,
      samples: { count: bench.samplesNs.length, ns: bench.samplesNs },
      latency,
      bytesPerOp: heap?.bytesPerOp ?? null,
      heap,
      opCount: calls,
      perWorker: null,
      phaseMs,
      labels: instance.labels ?? {},
    };
  } catch (err) {
    return failed(`the op threw after ${plural(calls, 'call')}: ${errorMessage(err)}`);
  } finally {
    try {
      instance.teardown?.();
    } catch {
      // A failing teardown must not hide the measurement; the temp dir is removed anyway.
    }
  }
}

async function measureCustom(scenario: CustomScenario, ctx: ScenarioContext): Promise<Measurement> {
  try {
    const t0 = performance.now();
    const m = await scenario.run(ctx);
    const runMs = performance.now() - t0;
    if (m.roundNs.length === 0 || m.opCount === 0) return failed('no timed rounds ran');
    if (!m.verification.ok) return failed(`op-count proof failed: ${m.verification.reason}`);
    const s = summarize(m.roundNs);
    return {
      status: 'ok',
      reason: null,
      hz: 1e9 / s.mean,
      meanNs: s.mean,
      medianNs: median(m.roundNs),
      sdNs: s.sd,
      rme: s.rme,
      samples: { count: m.roundNs.length, ns: m.roundNs },
      latency: null,
      bytesPerOp: null,
      heap: null,
      opCount: m.opCount,
      perWorker: m.perWorker,
      phaseMs: { run: runMs },
      labels: m.labels ?? {},
    };
  } catch (err) {
    if (err instanceof UnsupportedError) return unsupported(err.message);
    return failed(errorMessage(err));
  }
}

export function measureScenario(scenario: Scenario, ctx: ScenarioContext): Promise<Measurement> {
  return scenario.kind === 'op' ? measureOp(scenario, ctx) : measureCustom(scenario, ctx);
}
