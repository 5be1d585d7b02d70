/**
 * One side of a comparison replicate: a scenario set up on one engine inside a worker thread,
 * timed in short windows that the replicate (replicate-worker.ts) interleaves with the other
 * side's. Each side is its own copy of the harness bundle and of its engine (bundle.ts,
 * imported under a query of its own), so the two sides' op closures, timing loops and engine
 * classes are separate functions with separate JIT state, as they would be in two processes,
 * while the machine's moment-to-moment speed hits both alike.
 *
 * Only what the comparison uses is measured here: ns/op. Latency, heap and the benchmark.js
 * figures come from the candidate's one full measurement per job (measure.ts).
 */
import { UnsupportedError, errorMessage } from '../support/errors.ts';
import { jobEngine, readMode, scenarioContext } from '../catalogue/context.ts';
import type { EngineDb } from '../engine-api/adapter.ts';
import type { ModeName } from '../engine-api/modes.ts';
import type { Profile } from '../config/profiles.ts';
import type { OpInstance, Scenario, Verification } from '../catalogue/scenario.ts';

export interface SideSpec {
  scenario: string;
  mode: ModeName | null;
  engineDir: string;
  /** The engine bundle's URL; the replicate adds a query so each side gets its own instance. */
  engineModule: string;
  /** This side's own directory (databases, WAL files). */
  tmpDir: string;
  profile: Profile;
  /**
   * A synthetic slowdown added to every op, as a fraction of the op's own median (the
   * `calibrate` command's injected regression); 0 for none.
   */
  slowdown: number;
  /**
   * Run the op through the slowdown's wrapper even when this side's slowdown is 0: both sides
   * of a job that one side slows get it, so they run the same code shape and turning the
   * slowdown on changes a number, not the function being timed.
   */
  wrapped: boolean;
}

export interface PreparedSide {
  readonly kind: 'op' | 'custom';
  /**
   * Calls the op for about `ms` milliseconds, untimed (op scenarios), and tells whether its
   * speed has settled (`isSteady` over the warm-up so far).
   */
  warm(ms: number): boolean;
  /** Calls the op `ops` times and returns the mean ns per call (op scenarios). */
  time(ops: number): number;
  /** How many calls take about `ms` milliseconds, from a short timed probe. */
  opsFor(ms: number): number;
  /** Turns the synthetic slowdown on, once the op is warm (a no-op without one). */
  injectSlowdown(): void;
  /** Runs a custom scenario once and returns its median ns per op (custom scenarios). */
  runCustom(): Promise<number>;
  /** The op-count proof, then teardown. */
  finish(): Verification;
  /** Calls the proof covers. */
  calls(): number;
}

/** The median of a few numbers (no statistics package on the replicate's import path). */
export function middle(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** A full-size warm-up batch lasts at least this long (half a quick window). */
const WARM_BATCH_NS = 5e5;
/** Full-size batches compared by `isSteady`: the last half against the half before. */
const STEADY_BATCHES = 8;

/**
 * Whether an op's warm-up has settled, from the ns/op of its full-size warm-up batches so far.
 * While V8 is still tiering the op's code up (interpreter, baseline, optimised; on this VM
 * `txn/commit_single_put` took 60-100 ms to get there, from ~2 µs to ~300 ns per call), the
 * batches keep getting faster; once the last four are not faster than the four before (by
 * 3 %, within a batch's noise) the code is as fast as it is going to get, and timing starts.
 * Medians, so a GC in one batch does not decide it.
 */
export function isSteady(batchNs: readonly number[]): boolean {
  if (batchNs.length < STEADY_BATCHES) return false;
  const h = STEADY_BATCHES / 2;
  const last = middle(batchNs.slice(-h));
  const before = middle(batchNs.slice(-2 * h, -h));
  return last >= 0.97 * before;
}

/** A full GC, when the process runs with --expose-gc (the measuring child does). */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}

let spinSink = 0;
/** A dependent integer loop: k iterations of a cost that no compiler can fold away. */
function spin(k: number): void {
  let x = spinSink;
  for (let i = 0; i < k; i++) x = (x ^ (i * 0x9e3779b1)) | 0;
  spinSink = x;
}

/** ns per spin iteration: the fastest of a few timed runs (the least disturbed one). */
function spinNsPerIteration(): number {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    spin(200_000);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 200_000);
  }
  return best;
}

async function prepareOp(
  scenario: Scenario & { kind: 'op' },
  spec: SideSpec,
  ctx: Parameters<(Scenario & { kind: 'op' })['setup']>[0],
  opened: EngineDb[],
): Promise<PreparedSide> {
  let instance: OpInstance;
  try {
    instance = await scenario.setup(ctx);
  } catch (err) {
    if (err instanceof UnsupportedError) throw err;
    throw new Error(`setup failed: ${errorMessage(err)}`);
  }
  // Setup's garbage is collected before the op runs: otherwise a major GC of it (concurrent
  // marking slows every store of the op ~3x while it runs) lands in some replicates' windows
  // and not others'.
  collectGarbage();
  const inner = instance.op;
  /** Spin iterations after every call: 0 until the slowdown is turned on. */
  let k = 0;
  const op = spec.wrapped
    ? () => {
        inner();
        spin(k);
      }
    : inner;
  let calls = 0;
  let warmBatch = 1;
  /** ns/op of each full-size warm-up batch since the op last changed. */
  let warmNs: number[] = [];
  const time = (ops: number): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) op();
    const dt = process.hrtime.bigint() - t0;
    calls += ops;
    return Number(dt) / ops;
  };
  const opsFor = (ms: number): number => {
    let ops = 1;
    // Double until one probe takes a tenth of the window, then scale.
    for (;;) {
      const ns = time(ops) * ops;
      if (ns >= ms * 1e5 || ops >= 1 << 24) return Math.max(1, Math.round((ops * ms * 1e6) / ns));
      ops *= 2;
    }
  };
  return {
    kind: 'op',
    warm(ms) {
      // Through the timing loop itself, in batches growing to a window's length: the loop
      // that times the windows must be the code V8 has optimised, not a loop of one call.
      const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
      do {
        const ns = time(warmBatch);
        if (ns * warmBatch < WARM_BATCH_NS && warmBatch < 1 << 24) warmBatch *= 2;
        else warmNs.push(ns);
      } while (process.hrtime.bigint() < end);
      return isSteady(warmNs);
    },
    time,
    opsFor,
    injectSlowdown() {
      if (!(spec.slowdown > 0)) return;
      if (!spec.wrapped) throw new Error('a slowdown needs the wrapped op');
      const ops = opsFor(2);
      const opNs = middle([time(ops), time(ops), time(ops), time(ops), time(ops)]);
      k = Math.max(1, Math.round((spec.slowdown * opNs) / spinNsPerIteration()));
      // The op is slower now: it warms up to its new speed before it is timed.
      warmNs = [];
    },
    runCustom() {
      return Promise.reject(new Error(`${scenario.name} is an op scenario`));
    },
    calls: () => calls,
    finish() {
      try {
        return calls === 0 ? { ok: false, reason: 'the op never ran' } : instance.verify(calls);
      } finally {
        try {
          instance.teardown?.();
        } catch {
          // The proof is what matters; the side's directory is removed anyway.
        }
        for (const db of opened) {
          try {
            db.close();
          } catch {
            // Already closed by teardown.
          }
        }
      }
    },
  };
}

/** Sets up one side: loads its engine instance and the scenario, ready to be timed. */
export async function prepareSide(
  spec: SideSpec,
  catalogue: readonly Scenario[],
  instanceTag: string,
): Promise<PreparedSide> {
  const engine = await jobEngine({
    engineDir: spec.engineDir,
    engineModule: `${spec.engineModule}?side=${instanceTag}`,
  });
  const scenario = catalogue.find((s) => s.name === spec.scenario);
  if (scenario === undefined) throw new Error(`no scenario named ${spec.scenario}`);
  const mode = spec.mode ?? readMode(engine.capabilities.modes);
  const opened: EngineDb[] = [];
  // A custom scenario measures itself (scaling: worker threads over timed rounds); in a
  // replicate it gets the replicate's warm-up and rounds about as long as its windows.
  const r = spec.profile.replicate;
  const profile: Profile = {
    ...spec.profile,
    scaling: {
      warmupMs: r.warmupMs,
      rounds: 3,
      roundMs: Math.max(5, (r.windowMs * r.windows) / 3),
    },
  };
  const ctx = scenarioContext(engine, mode, spec.tmpDir, profile, opened);
  if (scenario.kind === 'op') return prepareOp(scenario, spec, ctx, opened);
  if (spec.slowdown > 0)
    throw new Error(`${scenario.name} measures itself: no slowdown can be injected`);
  let proof: Verification = { ok: false, reason: 'the scenario never ran' };
  let opCount = 0;
  return {
    kind: 'custom',
    warm: () => true,
    time() {
      throw new Error(`${scenario.name} measures itself`);
    },
    opsFor: () => 1,
    injectSlowdown() {},
    async runCustom() {
      const m = await scenario.run(ctx);
      proof = m.verification;
      opCount = m.opCount;
      if (m.roundNs.length === 0) throw new Error('no timed rounds ran');
      return middle(m.roundNs);
    },
    finish: () => proof,
    calls: () => opCount,
  };
}
