/**
 * Measures one scenario in one mode, inside the current process (the child process of a run,
 * or a test). Four passes over the same warmed-up op:
 *   1. benchmark.js: throughput and its sample statistics (hz, mean, sd, rme, samples);
 *   2. a per-op latency pass into a perf_hooks histogram (p50 ... max);
 *   3. heap bytes/op (see heap.ts);
 *   4. the proof: verify(calls) against engine state, where `calls` counts every call the
 *      three passes made. A scenario whose op silently does nothing fails here.
 */
import { createHistogram } from 'node:perf_hooks';
import Benchmark from 'benchmark';
import { median } from 'simple-statistics';
import { UnsupportedError, errorMessage } from './errors.ts';
import { measureHeapPerOp, type HeapOptions } from './heap.ts';
import type { Measurement } from './results.ts';
import type {
  CustomScenario,
  OpInstance,
  OpScenario,
  Scenario,
  ScenarioContext,
} from './scenario.ts';
import { summarize } from './stats.ts';
import type { Profile } from './profiles.ts';

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
  const h = createHistogram();
  for (let k = 0; k < 10_000; k++) {
    const d = timeOne(noop);
    h.record(d > 0n ? d : 1n);
  }
  return h.percentile(50);
}

function latencyPass(fn: () => void, profile: Profile): Latency {
  const { maxOps, maxMs, minOps } = profile.latency;
  // Warm-up, unrecorded: enough calls for timeOne to be optimised, within a quarter of the
  // time budget (slow ops are few and don't need it).
  const warmDeadline = process.hrtime.bigint() + BigInt(Math.round((maxMs / 4) * 1e6));
  for (let k = 0; k < 5_000 && process.hrtime.bigint() < warmDeadline; k++) timeOne(fn);
  timerOverheadNs();
  const overheadNs = timerOverheadNs();
  const overhead = BigInt(Math.round(overheadNs));
  const h = createHistogram();
  const deadline = process.hrtime.bigint() + BigInt(Math.round(maxMs * 1e6));
  for (let k = 0; k < maxOps; k++) {
    const d = timeOne(fn) - overhead;
    // The histogram takes integers >= 1; an op faster than the timer's jitter reads as 1 ns.
    h.record(d > 0n ? d : 1n);
    if (k + 1 >= minOps && (k & 15) === 15 && process.hrtime.bigint() > deadline) break;
  }
  return {
    count: h.count,
    min: h.min,
    p50: h.percentile(50),
    p90: h.percentile(90),
    p99: h.percentile(99),
    p999: h.percentile(99.9),
    max: h.max,
    mean: h.mean,
    timerOverheadNs: overheadNs,
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
    if (!proof.ok) return failed(`op-count proof failed after ${calls} calls: ${proof.reason}`);
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
    return failed(`the op threw after ${calls} calls: ${errorMessage(err)}`);
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
