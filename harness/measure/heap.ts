/**
 * Heap bytes allocated per operation.
 *
 * Method (validated in test/harness/measure/heap.test.ts against known allocations: `{a, b}` reads 40
 * bytes, `[i, i, i, i]` 80, a no-op 0, on 64-bit Node 20 without pointer compression):
 *   1. The process runs with --expose-gc and a fixed young generation (SEMI_SPACE_MB, see
 *      CHILD_FLAGS), so a thousand ops of the heaviest scenario fit in new space without a
 *      scavenge.
 *   2. Per window: a forced scavenge (so new space starts empty and can't fill up inside the
 *      window), read v8.getHeapStatistics().used_heap_size, run N ops, read it again.
 *   3. A v8.GCProfiler spans the window and reports synchronously whether any GC ran in it; such
 *      a window is discarded and N halved, since a collection would hide allocations.
 *   4. Warm-up windows run first and are not recorded: the probe allocates lazily on first use
 *      and the window loop gets compiled (code objects are heap objects too).
 *   5. An empty window (0 ops) measures the probe's own allocation (the statistics object),
 *      which is subtracted; the MINIMUM of the kept windows is reported. Every disturbance
 *      adds bytes, never removes them: an optimised-code object finalised mid-window, or the
 *      16-byte allocation mementos V8 appends to objects made by not-yet-optimised code (seen
 *      here as [i, i, i, i] reading 96 B under CPU load, when TurboFan ran late). The smallest
 *      clean window is the op's own allocation.
 */
import v8 from 'node:v8';
import { median, min } from 'simple-statistics';
import { plural } from '../support/format.ts';

/**
 * The young generation's semi-space, fixed (MB). 8 MB holds a heap window of 1000 ops of the
 * heaviest scenario (~6 KB/op) between two scavenges, and is cheap to pre-fault (below).
 */
export const SEMI_SPACE_MB = 8;

/** Node flags the measuring child runs with. */
export const CHILD_FLAGS: readonly string[] = [
  '--expose-gc',
  `--min-semi-space-size=${SEMI_SPACE_MB}`,
  `--max-semi-space-size=${SEMI_SPACE_MB}`,
];

/**
 * Node flags of a child that runs comparison replicates (child-task.ts). No heap figure comes
 * from it, so it keeps V8's own young generation: every replicate side is a fresh isolate,
 * and a fixed 8 MB semi-space would give each of them 16 MB of untouched pages to fault in
 * while it warms up. --expose-gc lets a side collect its setup's garbage before timing.
 */
export const REPLICATE_CHILD_FLAGS: readonly string[] = ['--expose-gc'];

let _prefaultSink: unknown;

/**
 * Touches every page of both semi-spaces once, by allocating and dropping 2 × their size.
 * V8 reserves the young generation but the kernel maps each 4 KB page on first touch; on this
 * VM a first touch costs ~10-15 µs. Unfaulted, an op allocating ~90 bytes faults once every
 * ~45 calls: measured here, a `Map.set` of a fresh object read p99 11 µs (p50 90 ns) that
 * way, and 200-400 ns once pre-faulted. That tail is the kernel's, not the op's, and it also
 * inflates benchmark.js means by the amortised fault cost. With the semi-space fixed, the
 * pages stay mapped across scavenges, so once per process is enough (8-29 ms per child here).
 */
export function prefaultYoungGeneration(): void {
  const bytes = 2 * SEMI_SPACE_MB * 1024 * 1024;
  // 128-slot arrays: ~1 KB each, well under V8's large-object size, so they land in new space.
  const perArray = 128 * 8 + 16;
  for (let k = 0, n = Math.ceil(bytes / perArray) + 64; k < n; k++) {
    _prefaultSink = new Array<number>(128).fill(k);
  }
  _prefaultSink = undefined;
}

/** Minimum time the op runs in warm-up windows before measuring. */
const WARM_MS = 150;

export interface HeapOptions {
  windows: number;
  opsPerWindow: number;
  /** Discarded windows allowed before giving up. */
  maxAttempts: number;
}

export interface HeapMeasurement {
  bytesPerOp: number;
  windows: number[];
  opsPerWindow: number;
  discarded: number;
  baselineBytes: number;
}

type GcFn = () => void;

function forceGc(): GcFn {
  const gc = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
  if (typeof gc !== 'function') {
    throw new Error('heap bytes/op needs node --expose-gc (the harness child sets it)');
  }
  // A scavenge (~0.1 ms) empties new space, which is all a window needs: what the window
  // allocates lands there. A full GC per window cost ~30 ms with an engine's data live.
  return () => gc({ type: 'minor' });
}

/** Bytes the heap grew by over `n` calls of `fn`, and whether a GC ran meanwhile. */
function window(gc: GcFn, fn: () => void, n: number): { bytes: number; gcRan: boolean } {
  gc();
  const profiler = new v8.GCProfiler();
  profiler.start();
  const before = v8.getHeapStatistics().used_heap_size;
  for (let k = 0; k < n; k++) fn();
  const after = v8.getHeapStatistics().used_heap_size;
  const report = profiler.stop();
  return { bytes: after - before, gcRan: report.statistics.length > 0 };
}

export function measureHeapPerOp(fn: () => void, options: HeapOptions): HeapMeasurement {
  const gc = forceGc();
  const noop = (): void => {};
  let n = Math.max(1, options.opsPerWindow);
  // Warm-up windows, not recorded: the probe's first calls allocate (lazy internals, feedback
  // vectors, baseline code for this module), about 10-180 KB per window for the first ~6
  // windows, then a steady ~600 bytes. Run empty windows until three in a row agree.
  let streak = 0;
  let last = Number.NaN;
  for (let k = 0; k < 30 && streak < 3; k++) {
    const w = window(gc, noop, 0);
    streak = w.bytes === last ? streak + 1 : 1;
    last = w.bytes;
  }
  // Full windows of the op until two in a row agree, so the window loop is compiled with this
  // op's call site and no optimised-code object (tens of KB, finalised on this thread) lands
  // inside a measured window.
  // On a loaded machine the optimising compiler (a background thread) can lag, so keep going
  // for at least WARM_MS as well.
  let previous = Number.NaN;
  const warmStart = performance.now();
  for (let k = 0; k < 200; k++) {
    const w = window(gc, fn, n);
    const stable = !w.gcRan && w.bytes === previous;
    if (stable && performance.now() - warmStart >= WARM_MS) break;
    previous = w.bytes;
  }
  const baselines: number[] = [];
  for (let k = 0; k < 3; k++) {
    const w = window(gc, noop, 0);
    if (!w.gcRan) baselines.push(w.bytes);
  }
  const baselineBytes = baselines.length > 0 ? median(baselines) : 0;
  let discarded = 0;
  const windows: number[] = [];
  while (windows.length < options.windows) {
    const w = window(gc, fn, n);
    if (w.gcRan) {
      discarded++;
      if (discarded > options.maxAttempts) break;
      // Fewer ops per window until a window fits between collections.
      n = Math.max(1, Math.floor(n / 2));
      continue;
    }
    windows.push((w.bytes - baselineBytes) / n);
  }
  if (windows.length === 0) {
    throw new Error(
      `every heap window saw a GC (${plural(discarded, 'try', 'tries')}, down to ${plural(n, 'op')})`,
    );
  }
  return { bytesPerOp: min(windows), windows, opsPerWindow: n, discarded, baselineBytes };
}
