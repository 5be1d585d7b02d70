/**
 * How one comparison replicate drives its two sides: the real worker entry on synthetic sides
 * (replicate-sides.ts) that log every command, so the order, the alternation of the windows,
 * the warm-up's length, the figures and every failure path are checked without timing.
 */
import { describe, expect, it } from 'vitest';
import {
  runReplicate,
  runReplicateSequential,
  windowCount,
  type ReplicatePlan,
} from '../../../harness/measure/replicate-pair.ts';
import {
  SIDE_MODULE,
  commands,
  replicateDir,
  replicateWorkerEntry,
  type FakeSide,
} from './replicate-sides.ts';

const PLAN: ReplicatePlan = { warmupMs: 4, maxWarmupMs: 40, windowMs: 1, windows: 5 };
const BASELINE: FakeSide = { ns: [100, 300, 200, 500, 400], ops: 10 };
const CANDIDATE: FakeSide = { ns: [50], ops: 20 };

type Tag = 'B' | 'C';

/** `cmd` sent to each side in `order`. */
function each(order: readonly Tag[], cmd: (t: Tag) => string): string[] {
  return order.map((t) => `${t} ${cmd(t)}`);
}

const OPS: Record<Tag, number> = { B: BASELINE.ops, C: CANDIDATE.ops };

/** What runReplicate sends after setup, for sides steady from their first warm-up slice. */
function interleaved(first: Tag, windows: number): string[] {
  const order: Tag[] = first === 'B' ? ['B', 'C'] : ['C', 'B'];
  const warm = each(order, () => 'warm 1');
  const out = [
    // At least warmupMs (4 slices of 1 ms), then steady.
    ...warm,
    ...warm,
    ...warm,
    ...warm,
    ...each(order, () => 'inject'),
    ...warm,
    ...each(order, () => 'opsFor 1'),
  ];
  for (let i = 0; i < windows; i++) {
    // A B, B A, A B, ...: the first pair in order, then alternating.
    out.push(...each(i % 2 === 0 ? order : [...order].reverse(), (t) => `time ${OPS[t]}`));
  }
  out.push(...each(order, () => 'finish'));
  return out;
}

function afterSetup(lines: string[]): string[] {
  return lines.filter((l) => !/ setup /.test(l));
}

async function interleave(b: FakeSide, c: FakeSide, first: 'baseline' | 'candidate' = 'baseline') {
  const r = replicateDir();
  const out = await runReplicate(
    await replicateWorkerEntry(),
    SIDE_MODULE,
    [r.spec('B', b), r.spec('C', c)],
    PLAN,
    first,
  );
  return { out, lines: commands(r.log) };
}

async function sequential(b: FakeSide, c: FakeSide, first: 'baseline' | 'candidate') {
  const r = replicateDir();
  const out = await runReplicateSequential(
    await replicateWorkerEntry(),
    SIDE_MODULE,
    [r.spec('B', b), r.spec('C', c)],
    PLAN,
    first,
  );
  return { out, lines: commands(r.log) };
}

describe('runReplicate: both sides alive, their windows alternated', () => {
  it.each([
    ['baseline', 'B'],
    ['candidate', 'C'],
  ] as const)(
    'with %s first: sets both up, warms, alternates the windows, reports medians and calls',
    async (first, tag) => {
      const { out, lines } = await interleave(BASELINE, CANDIDATE, first);
      expect(out).toEqual({
        ok: true,
        baseline: 300, // the median of its five windows
        candidate: 50,
        first,
        baselineOps: 5 * BASELINE.ops,
        candidateOps: 5 * CANDIDATE.ops,
      });
      expect(lines.filter((l) => / setup /.test(l)).sort()).toEqual([
        'B setup B exists',
        'C setup C exists',
      ]);
      expect(afterSetup(lines)).toEqual(interleaved(tag, 5));
    },
  );

  it('an op slower than a window gets fewer windows, never fewer than 3', async () => {
    const slow: FakeSide = { ns: [2e6], ops: 10 }; // 20 ms per window of 10 ops
    const { out, lines } = await interleave(slow, CANDIDATE);
    expect(windowCount(PLAN, 20)).toBe(3);
    expect(afterSetup(lines)).toEqual(interleaved('B', 3));
    expect(out).toMatchObject({ ok: true, baseline: 2e6, baselineOps: 30, candidateOps: 60 });
  });

  it('warms up past the minimum until both sides are steady, but no longer than maxWarmupMs', async () => {
    const settling = await interleave({ ...BASELINE, steadyAfter: 6 }, CANDIDATE);
    const warms = (lines: string[], t: Tag) =>
      lines.filter((l) => l.startsWith(`${t} warm`)).length;
    // 6 slices until steady (past the 4 of warmupMs), then 1 after the slowdown's injection.
    expect(warms(settling.lines, 'B')).toBe(7);
    expect(warms(settling.lines, 'C')).toBe(7);
    expect(settling.out.ok).toBe(true);

    const never = await interleave({ ...BASELINE, steadyAfter: 1e9 }, CANDIDATE);
    // maxWarmupMs / (warmupMs / 4) = 40 slices, in each of the two warm-ups.
    expect(warms(never.lines, 'B')).toBe(80);
    expect(warms(never.lines, 'C')).toBe(80);
    expect(never.out.ok).toBe(true);
  });

  it('a custom side measures itself: one run per side, no warm-up or windows', async () => {
    const custom: FakeSide = { kind: 'custom', ns: [700], ops: 12 };
    const { out, lines } = await interleave(custom, { ...custom, ns: [900] }, 'candidate');
    expect(out).toEqual({
      ok: true,
      baseline: 700,
      candidate: 900,
      first: 'candidate',
      baselineOps: 12,
      candidateOps: 12,
    });
    expect(afterSetup(lines)).toEqual(['C custom', 'B custom', 'C finish', 'B finish']);
  });
});

describe('runReplicate: failures name the side and never throw', () => {
  it('sides of different kinds: failed, nothing timed', async () => {
    const { out, lines } = await interleave(BASELINE, { kind: 'custom', ns: [900], ops: 12 });
    expect(out).toEqual({
      ok: false,
      reason: 'the sides are of different kinds (baseline op, candidate custom)',
      unsupported: false,
    });
    expect(afterSetup(lines)).toEqual([]);
  });

  it('a side whose setup fails: its reason, nothing timed', async () => {
    const { out, lines } = await interleave(BASELINE, { ...CANDIDATE, fail: 'setup' });
    expect(out).toEqual({ ok: false, reason: 'candidate: C setup failed', unsupported: false });
    expect(afterSetup(lines)).toEqual([]);
  });

  it('both failing: the reason of the side that goes first', async () => {
    const b = { ...BASELINE, fail: 'setup' } as const;
    const c = { ...CANDIDATE, fail: 'setup' } as const;
    expect((await interleave(b, c, 'baseline')).out).toMatchObject({
      reason: 'baseline: B setup failed',
    });
    expect((await interleave(b, c, 'candidate')).out).toMatchObject({
      reason: 'candidate: C setup failed',
    });
  });

  it('an engine without the API: unsupported, not failed', async () => {
    const { out } = await interleave({ ...BASELINE, fail: 'unsupported' }, CANDIDATE);
    expect(out).toEqual({
      ok: false,
      reason: 'baseline: this engine does not export KVStore',
      unsupported: true,
    });
  });

  it('a failed op-count proof', async () => {
    const { out, lines } = await interleave(BASELINE, { ...CANDIDATE, fail: 'proof' });
    expect(out).toEqual({
      ok: false,
      reason: 'candidate: op-count proof failed: engine commits: expected 40, got 0',
      unsupported: false,
    });
    expect(lines.at(-1)).toBe('C finish');
  });

  it('an op that throws, and a worker that exits', async () => {
    const threw = await interleave({ ...BASELINE, fail: 'throw' }, CANDIDATE);
    expect(threw.out).toEqual({ ok: false, reason: 'baseline: B time failed', unsupported: false });
    const exited = await interleave(BASELINE, { ...CANDIDATE, fail: 'exit' });
    expect(exited.out).toEqual({
      ok: false,
      reason: "candidate: the side's worker exited with code 7",
      unsupported: false,
    });
    // Nothing was sent to either side after the failure.
    expect(afterSetup(exited.lines).at(-1)).toBe('C time 20');
  });
});

describe('runReplicateSequential: one side after the other, each alone', () => {
  /** What one side alone is sent, steady from its first slice. */
  function alone(t: Tag, windows: number): string[] {
    return [
      ...Array<string>(4).fill(`${t} warm 1`),
      `${t} inject`,
      `${t} warm 1`,
      `${t} opsFor 1`,
      ...Array<string>(windows).fill(`${t} time ${OPS[t]}`),
      `${t} finish`,
    ];
  }

  it.each([
    ['baseline', 'B', 'C'],
    ['candidate', 'C', 'B'],
  ] as const)(
    'with %s first: the first side is finished before the second is set up',
    async (first, a, b) => {
      const { out, lines } = await sequential(BASELINE, CANDIDATE, first);
      expect(out).toEqual({
        ok: true,
        baseline: 300,
        candidate: 50,
        first,
        baselineOps: 50,
        candidateOps: 100,
      });
      expect(lines).toEqual([
        `${a} setup ${a} exists`,
        ...alone(a, 5),
        `${b} setup ${b} exists`,
        ...alone(b, 5),
      ]);
    },
  );

  it('the second side failing: its reason, after the first side ran', async () => {
    const { out, lines } = await sequential(BASELINE, { ...CANDIDATE, fail: 'proof' }, 'baseline');
    expect(out).toEqual({
      ok: false,
      reason: 'candidate: op-count proof failed: engine commits: expected 40, got 0',
      unsupported: false,
    });
    expect(lines.filter((l) => l.startsWith('B '))).toEqual(['B setup B exists', ...alone('B', 5)]);
  });

  it('the first side failing: the second never starts', async () => {
    const { out, lines } = await sequential(
      BASELINE,
      { ...CANDIDATE, fail: 'unsupported' },
      'candidate',
    );
    expect(out).toEqual({
      ok: false,
      reason: 'candidate: this engine does not export KVStore',
      unsupported: true,
    });
    expect(lines).toEqual(['C setup C exists']);
  });
});

describe('windowCount', () => {
  const plan = { warmupMs: 40, maxWarmupMs: 400, windowMs: 1, windows: 24 };
  it("keeps the plan's count for ops that fit a window, fewer for slow ops, never under 3", () => {
    expect(windowCount(plan, 1)).toBe(24);
    expect(windowCount(plan, 2)).toBe(24);
    expect(windowCount(plan, 6)).toBe(12);
    expect(windowCount(plan, 76)).toBe(3);
    // A window measured as 0 ms does not divide by zero.
    expect(windowCount(plan, 0)).toBe(24);
  });
});
