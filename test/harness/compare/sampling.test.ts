import { describe, expect, it } from 'vitest';
import {
  confirmRegressions,
  rulesOutRegression,
  runSequential,
  type PairSample,
  type SequentialPlan,
  type SequentialResult,
} from '../../../harness/compare/sampling.ts';

type Job = 'slow' | 'same' | 'noisy';

/** Deterministic samplers: 'slow' is clearly 50 % slower, 'same' equal and tight, 'noisy' never resolves. */
function sampler(job: Job, round: number): PairSample {
  const wobble = round % 2 === 0 ? 1 : -1;
  switch (job) {
    case 'slow':
      return { baseline: 100 + wobble, candidate: 150 + wobble };
    case 'same':
      return { baseline: 100 + wobble * 0.1, candidate: 100 - wobble * 0.1 };
    case 'noisy':
      // ±30 % alternating on both sides: the mean log difference is ~0, the CI far wider than ±5 %.
      return { baseline: 100 * (1 + 0.3 * wobble), candidate: 100 * (1 - 0.3 * wobble) };
  }
}

function plan(over: Partial<SequentialPlan<Job>> = {}): SequentialPlan<Job> {
  return {
    minRounds: 3,
    maxRounds: 8,
    budgetMs: 1e9,
    threshold: () => 0.05,
    alpha: 0.05,
    confidence: 0.95,
    ...over,
  };
}

function recorder() {
  const calls: Array<[Job, number]> = [];
  const measure = async (job: Job, round: number): Promise<PairSample> => {
    calls.push([job, round]);
    return sampler(job, round);
  };
  return { calls, measure };
}

const outcome = (r: SequentialResult<Job>, job: Job) => {
  const o = r.jobs.find((j) => j.job === job);
  if (o === undefined) throw new Error(`no outcome for ${job}`);
  return o;
};

describe('runSequential', () => {
  it('stops as soon as every job is resolved after the minimum', async () => {
    const { calls, measure } = recorder();
    const r = await runSequential<Job>(['slow', 'same'], measure, plan());
    expect(r.stoppedBy).toBe('all resolved');
    expect(r.rounds).toBe(3);
    expect(r.pairs).toBe(6);
    expect(calls).toHaveLength(6);
    expect(outcome(r, 'slow')).toMatchObject({ rounds: 3, stoppedBy: 'resolved' });
    expect(outcome(r, 'slow').comparison.classification).toBe('regressed');
    expect(outcome(r, 'same').comparison.classification).toBe('unchanged');
  });

  it('passes round numbers, jobs in the given order within a round', async () => {
    const { calls, measure } = recorder();
    await runSequential<Job>(['same', 'slow'], measure, plan({ minRounds: 2 }));
    expect(calls).toEqual([
      ['same', 1],
      ['slow', 1],
      ['same', 2],
      ['slow', 2],
    ]);
  });

  it('keeps sampling only unresolved jobs, up to maxRounds', async () => {
    const { calls, measure } = recorder();
    const r = await runSequential<Job>(['slow', 'noisy'], measure, plan());
    expect(r.stoppedBy).toBe('max rounds');
    expect(r.rounds).toBe(8);
    expect(outcome(r, 'slow')).toMatchObject({ rounds: 3, stoppedBy: 'resolved' });
    const noisy = outcome(r, 'noisy');
    expect(noisy).toMatchObject({ rounds: 8, stoppedBy: 'max rounds' });
    expect(noisy.baseline).toHaveLength(8);
    expect(noisy.candidate).toHaveLength(8);
    expect(noisy.comparison.classification).toBe('inconclusive');
    expect(noisy.comparison.reason).toMatch(/^unresolved after the maximum of 8 rounds: /);
    expect(calls.filter(([j]) => j === 'slow').map(([, round]) => round)).toEqual([1, 2, 3]);
  });

  it('stops at the time budget (injected clock), but never before minRounds', async () => {
    let clock = 0;
    const measure = async (job: Job, round: number): Promise<PairSample> => {
      clock += 1000;
      return sampler(job, round);
    };
    // A never-resolving job, 1 s per pair, budget 2.5 s: rounds 1-2 (the minimum) take 2 s,
    // round 3 starts at 2 s (< 2.5 s), round 4 would start at 3 s: over budget.
    const r = await runSequential<Job>(
      ['noisy'],
      measure,
      plan({ minRounds: 2, budgetMs: 2500, now: () => clock }),
    );
    expect(r.stoppedBy).toBe('budget');
    expect(r.rounds).toBe(3);
    expect(outcome(r, 'noisy')).toMatchObject({ rounds: 3, stoppedBy: 'budget' });
    expect(outcome(r, 'noisy').comparison.reason).toMatch(/time budget ran out after 3 rounds/);
    expect(r.elapsedMs).toBe(3000);
  });

  it('a budget that runs out mid-round leaves later jobs one sample short', async () => {
    let clock = 0;
    // Both jobs never resolve and cost 1 s a pair; budget 4.5 s: the minimum (2 rounds) ends
    // at 4 s, 'noisy' gets a third pair (starting at 4 s), 'same' would start at 5 s: stop.
    const r = await runSequential<Job>(
      ['noisy', 'same'],
      async (_job, round) => {
        clock += 1000;
        return sampler('noisy', round);
      },
      plan({ minRounds: 2, budgetMs: 4500, now: () => clock }),
    );
    expect(r.stoppedBy).toBe('budget');
    expect(r.rounds).toBe(3);
    expect(outcome(r, 'noisy').rounds).toBe(3);
    expect(outcome(r, 'same').rounds).toBe(2);
    expect(outcome(r, 'same').stoppedBy).toBe('budget');
  });

  it('runs the minimum even with a zero budget', async () => {
    let clock = 0;
    const r = await runSequential<Job>(
      ['noisy'],
      async (job, round) => {
        clock += 1e6;
        return sampler(job, round);
      },
      plan({ minRounds: 4, budgetMs: 0, now: () => clock }),
    );
    expect(r.rounds).toBe(4);
    expect(r.stoppedBy).toBe('budget');
  });

  it('a throwing measurement stops that job only', async () => {
    const r = await runSequential<Job>(
      ['noisy', 'slow'],
      async (job, round) => {
        if (job === 'noisy' && round === 2) throw new Error('child crashed');
        return sampler(job, round);
      },
      plan(),
    );
    const noisy = outcome(r, 'noisy');
    expect(noisy.stoppedBy).toBe('error');
    expect(noisy.rounds).toBe(1);
    expect(noisy.comparison.classification).toBe('inconclusive');
    expect(noisy.comparison.reason).toBe('measurement failed after 1 pair: child crashed');
    expect(outcome(r, 'slow').comparison.classification).toBe('regressed');
    expect(r.stoppedBy).toBe('all resolved');
  });

  it('reports every round through onRound', async () => {
    const seen: Array<{ round: number; measured: Job[]; unresolved: Job[]; compared: number }> = [];
    await runSequential<Job>(
      ['slow', 'noisy'],
      async (job, round) => sampler(job, round),
      plan({
        maxRounds: 4,
        onRound: (i) =>
          seen.push({
            round: i.round,
            measured: i.measured,
            unresolved: i.unresolved,
            compared: i.comparisons.size,
          }),
      }),
    );
    expect(seen).toEqual([
      { round: 1, measured: ['slow', 'noisy'], unresolved: ['slow', 'noisy'], compared: 0 },
      { round: 2, measured: ['slow', 'noisy'], unresolved: ['slow', 'noisy'], compared: 0 },
      { round: 3, measured: ['slow', 'noisy'], unresolved: ['noisy'], compared: 2 },
      { round: 4, measured: ['noisy'], unresolved: ['noisy'], compared: 2 },
    ]);
  });

  it('settleLooks: a job must give the same call on consecutive looks', async () => {
    const r = await runSequential<Job>(
      ['slow'],
      async (job, round) => sampler(job, round),
      plan({ settleLooks: 2 }),
    );
    expect(outcome(r, 'slow')).toMatchObject({ rounds: 4, stoppedBy: 'resolved' });
  });

  it('uses the per-job threshold', async () => {
    const r = await runSequential<Job>(
      ['slow'],
      async (job, round) => sampler(job, round),
      plan({ threshold: () => 0.9 }),
    );
    expect(outcome(r, 'slow').comparison.classification).toBe('unchanged');
  });

  it('refuses impossible plans', async () => {
    const m = async (job: Job, round: number) => sampler(job, round);
    await expect(runSequential<Job>(['slow'], m, plan({ minRounds: 1 }))).rejects.toThrow(
      /minRounds/,
    );
    await expect(
      runSequential<Job>(['slow'], m, plan({ minRounds: 5, maxRounds: 4 })),
    ).rejects.toThrow(/maxRounds/);
    await expect(runSequential<Job>(['slow', 'slow'], m, plan())).rejects.toThrow(/duplicate/);
  });
});

describe('confirmRegressions', () => {
  it('re-runs only the first-pass regressions and confirms those regressed again', async () => {
    const first = await runSequential<Job>(
      ['slow', 'same', 'noisy'],
      async (job, round) => (job === 'same' ? sampler('slow', round) : sampler(job, round)),
      plan({ maxRounds: 3 }),
    );
    expect(first.jobs.filter((j) => j.comparison.classification === 'regressed')).toHaveLength(2);
    const asked: Job[][] = [];
    const c = await confirmRegressions(first, (jobs) => {
      asked.push(jobs);
      // Second pass: 'slow' is slow again, 'same' is really the same.
      return runSequential(jobs, async (job, round) => sampler(job, round), plan());
    });
    expect(asked).toEqual([['slow', 'same']]);
    expect(c.confirmed).toEqual(['slow']);
    expect(c.unconfirmed).toEqual(['same']);
    expect(c.checked.map((x) => [x.job, x.second?.classification, x.confirmed])).toEqual([
      ['slow', 'regressed', true],
      ['same', 'unchanged', false],
    ]);
    expect(c.secondPass?.jobs).toHaveLength(2);
  });

  it('does not re-run anything without regressions, or with confirmation off', async () => {
    const clean = await runSequential<Job>(['same'], async (j, r) => sampler(j, r), plan());
    let reruns = 0;
    const rerun = (jobs: Job[]) => {
      reruns++;
      return runSequential(jobs, async (j, r) => sampler(j, r), plan());
    };
    expect(await confirmRegressions(clean, rerun)).toMatchObject({
      checked: [],
      confirmed: [],
      unconfirmed: [],
      secondPass: null,
    });
    const slow = await runSequential<Job>(['slow'], async (j, r) => sampler(j, r), plan());
    const off = await confirmRegressions(slow, rerun, { confirm: false });
    expect(off.confirmed).toEqual(['slow']);
    expect(off.checked[0]?.second).toBeNull();
    expect(reruns).toBe(0);
  });
});

describe("runSequential: paired rounds and the gate's question", () => {
  /** Both sides move with a per-round load of ±35 %; the candidate is 10 % slower. */
  const loaded = async (_job: Job, round: number): Promise<PairSample> => {
    const load = 1 + 0.35 * Math.sin(round * 2.1);
    return { baseline: 100 * load, candidate: 110 * load * (1 + 0.002 * (round % 3)) };
  };

  it('paired: a shared load no longer hides a 10 % slowdown', async () => {
    const unpaired = await runSequential<Job>(['slow'], loaded, plan());
    expect(outcome(unpaired, 'slow').comparison.classification).toBe('inconclusive');
    const paired = await runSequential<Job>(['slow'], loaded, plan({ paired: true }));
    expect(outcome(paired, 'slow').comparison.classification).toBe('regressed');
    expect(outcome(paired, 'slow').comparison.method).toBe('paired-trimmed-log-t');
    expect(outcome(paired, 'slow').rounds).toBe(3);
  });

  it('regressionsOnly: stops a job once a regression is ruled out, whatever its class', async () => {
    // 'better' is ~3 % faster with ±1 % noise: never "unchanged" (its CI reaches below −5 %
    // for a while) nor "improved", but no slowdown of 5 % is possible: the gate can stop it.
    type J = 'better';
    const measure = async (_job: J, round: number): Promise<PairSample> => ({
      baseline: 100,
      candidate: 97 * (1 + 0.01 * Math.sin(round * 1.7)) * (round % 2 === 0 ? 0.97 : 1.03),
    });
    const p = {
      minRounds: 3,
      maxRounds: 30,
      budgetMs: 1e9,
      threshold: () => 0.05,
      alpha: 0.005,
      confidence: 0.95,
      paired: true,
    };
    const full = await runSequential<J>(['better'], measure, p);
    const gate = await runSequential<J>(['better'], measure, { ...p, regressionsOnly: true });
    const g = gate.jobs[0];
    expect(g?.stoppedBy).toBe('no regression');
    expect(g?.rounds as number).toBeLessThan(full.jobs[0]?.rounds as number);
    expect(g?.comparison.reason).toMatch(/slowdown of 5\.0% or more was ruled out/);
    expect(rulesOutRegression(g?.comparison as NonNullable<typeof g>['comparison'])).toBe(true);
  });

  it('rulesOutRegression is as strict as alpha, not the 95 % interval', async () => {
    // Candidate ~2 % faster with noise: the 95 % CI's upper end dips under 1.05 before the
    // 99.5 % one-sided bound does.
    const r = await runSequential<Job>(
      ['same'],
      async (_j, round) => ({ baseline: 100, candidate: 98 * (round % 2 === 0 ? 1.025 : 0.975) }),
      plan({ minRounds: 4, maxRounds: 4, paired: true, alpha: 0.005 }),
    );
    const c = outcome(r, 'same').comparison;
    expect((c.ci as [number, number])[1]).toBeLessThan(1.05);
    expect(rulesOutRegression(c)).toBe(false);
  });

  it('ruleOutLevel: a looser one-sided bound rules a regression out sooner', async () => {
    const r = await runSequential<Job>(
      ['same'],
      async (_j, round) => ({ baseline: 100, candidate: 98 * (round % 2 === 0 ? 1.025 : 0.975) }),
      plan({ minRounds: 4, maxRounds: 4, paired: true, alpha: 0.005 }),
    );
    const c = outcome(r, 'same').comparison;
    expect(rulesOutRegression(c)).toBe(false);
    expect(rulesOutRegression(c, 0.95)).toBe(true);
  });
});

describe('runSequential: batches, shuffled rounds, lanes', () => {
  it('a measurement may return a batch of pairs: all are kept, in order', async () => {
    const r = await runSequential<Job>(
      ['slow'],
      async (job, round) => [sampler(job, round), sampler(job, round + 1), sampler(job, round)],
      plan({ minRounds: 2, maxRounds: 2 }),
    );
    const o = outcome(r, 'slow');
    expect(o.rounds).toBe(6);
    expect(o.baseline).toEqual([99, 101, 99, 101, 99, 101]);
    expect(r.pairs).toBe(2);
  });

  it('shuffle: each round visits its jobs in a fresh order drawn from `random`', async () => {
    const order: Job[][] = [];
    let current: Job[] = [];
    let draws = 0;
    const random = () => [0.99, 0.01, 0.5, 0.2, 0.8, 0.4][draws++ % 6] as number;
    await runSequential<Job>(
      ['slow', 'same', 'noisy'],
      async (job, round) => {
        if (current.length === 0 || order.length < round) {
          current = [];
          order.push(current);
        }
        current.push(job);
        return sampler(job, round);
      },
      plan({ minRounds: 3, maxRounds: 3, shuffle: true, random }),
    );
    expect(order).toHaveLength(3);
    for (const o of order) expect([...o].sort()).toEqual(['noisy', 'same', 'slow']);
    expect(new Set(order.map((o) => o.join())).size).toBeGreaterThan(1);
    // Without shuffle: the given order every round (the default).
    const plain = recorder();
    await runSequential<Job>(
      ['slow', 'same', 'noisy'],
      plain.measure,
      plan({ minRounds: 3, maxRounds: 3 }),
    );
    expect(plain.calls.slice(0, 3).map(([j]) => j)).toEqual(['slow', 'same', 'noisy']);
  });

  it('concurrency: lanes measure at once, each with its own slot, and every job is measured once a round', async () => {
    const slots = new Set<number>();
    let inFlight = 0;
    let peak = 0;
    const jobs = ['slow', 'same', 'noisy'] as const;
    const r = await runSequential<Job>(
      [...jobs],
      async (job, round, slot) => {
        slots.add(slot);
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return sampler(job, round);
      },
      plan({ minRounds: 2, maxRounds: 2, concurrency: 2 }),
    );
    expect(peak).toBe(2);
    expect([...slots].sort()).toEqual([0, 1]);
    for (const j of jobs) expect(outcome(r, j).rounds).toBe(2);
    expect(r.pairs).toBe(6);
  });

  it('concurrency: the budget still stops a round, in every lane', async () => {
    let clock = 0;
    const r = await runSequential<Job>(
      ['slow', 'same', 'noisy'],
      async (job, round) => {
        clock += 10;
        return sampler(job, round);
      },
      plan({ minRounds: 2, maxRounds: 8, budgetMs: 65, concurrency: 2, now: () => clock }),
    );
    expect(r.stoppedBy).toBe('budget');
    expect(outcome(r, 'noisy').stoppedBy).toBe('budget');
    expect(r.pairs).toBeLessThan(8 * 3);
  });
});

describe('runSequential against a fixed (stored) baseline', () => {
  const stored: Record<Job, number[]> = {
    slow: [99, 101, 100, 99, 101, 100],
    same: [99.9, 100.1, 100, 99.9, 100.1, 100],
    noisy: [],
  };
  const fixedBaseline = (job: Job) => ({ samples: stored[job], missing: 'no stored figure' });
  const candidateOnly = async (job: Job, round: number) => [
    { candidate: sampler(job, round).candidate },
  ];

  it('measures the candidate only and compares it, unpaired, with the stored samples', async () => {
    const r = await runSequential<Job>(['slow', 'same'], candidateOnly, plan({ fixedBaseline }));
    expect(r.stoppedBy).toBe('all resolved');
    const slow = outcome(r, 'slow');
    expect(slow.baseline).toEqual(stored.slow);
    expect(slow.candidate).toHaveLength(3);
    expect(slow.rounds).toBe(3);
    expect(slow.comparison.classification).toBe('regressed');
    expect(slow.comparison.method).not.toMatch(/paired/);
    expect(outcome(r, 'same').comparison.classification).toBe('unchanged');
  });

  it('compares a job with no stored figure one-sided, with the reason', async () => {
    const r = await runSequential<Job>(['noisy'], candidateOnly, plan({ fixedBaseline }));
    const o = outcome(r, 'noisy');
    expect(o.baseline).toEqual([]);
    expect(o.comparison.classification).toBe('inconclusive');
    expect(o.comparison.reason).toContain('only the candidate was measured: no stored figure');
  });

  it('a paired run refuses a sample without its baseline (that job stops with an error)', async () => {
    const r = await runSequential<Job>(['same'], candidateOnly, plan());
    const o = outcome(r, 'same');
    expect(o.stoppedBy).toBe('error');
    expect(o.comparison.reason).toContain('a paired sample needs its baseline');
  });
});
