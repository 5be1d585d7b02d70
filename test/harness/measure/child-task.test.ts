/**
 * A child's two tasks: one job's full measurement against the catalogue it is handed, and a
 * batch of replicates (synthetic sides on the real worker entry: replicate-sides.ts), each in
 * fresh subfolders that are removed afterwards, with the side that goes first balanced.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  balancedOrders,
  runChildTask,
  type ReplicatesResult,
  type ReplicatesTask,
} from '../../../harness/measure/child-task.ts';
import type { ReplicatePlan } from '../../../harness/measure/replicate-pair.ts';
import { expectEqual, type Scenario } from '../../../harness/catalogue/scenario.ts';
import type { Measurement } from '../../../harness/results/results-file.ts';
import { DEFAULT_ENGINE_DIR } from '../../../harness/support/paths.ts';
import { TINY_PROFILE, tempDir } from '../helpers.ts';
import {
  SIDE_MODULE,
  commands,
  replicateDir,
  replicateWorkerEntry,
  type FakeSide,
} from './replicate-sides.ts';

const PLAN: ReplicatePlan = { warmupMs: 4, maxWarmupMs: 40, windowMs: 1, windows: 3 };
const BASELINE: FakeSide = { ns: [100, 300, 200], ops: 10 };
const CANDIDATE: FakeSide = { ns: [50], ops: 20 };

describe('balancedOrders', () => {
  it('alternates from a random start: an even batch is exactly balanced', () => {
    expect(balancedOrders(4, () => 0.1)).toEqual([
      'baseline',
      'candidate',
      'baseline',
      'candidate',
    ]);
    expect(balancedOrders(4, () => 0.5)).toEqual([
      'candidate',
      'baseline',
      'candidate',
      'baseline',
    ]);
    const odd = balancedOrders(5);
    const firsts = odd.filter((o) => o === 'baseline').length;
    expect([2, 3]).toContain(firsts);
    expect(balancedOrders(0)).toEqual([]);
  });
});

describe('runChildTask: a measurement', () => {
  /** A scenario that exists only in the catalogue handed to the task. */
  function counting(): { scenario: Scenario; calls: () => number } {
    let n = 0;
    return {
      calls: () => n,
      scenario: {
        kind: 'op',
        name: 'core/handed_in',
        layer: 'A0',
        writes: false,
        guarantee: 'none: a scenario for the child-task test',
        catches: 'a child that measures a scenario other than the one it was handed',
        setup: () => ({
          op: () => {
            n++;
          },
          verify: (calls) => expectEqual('op calls', n, calls),
        }),
      },
    };
  }

  function job(scenario: string) {
    return {
      scenario,
      mode: null,
      engineDir: DEFAULT_ENGINE_DIR,
      // Never read: the catalogue comes with the task (the child's bundled one).
      scenariosDir: '/nonexistent/scenarios',
      tmpDir: tempDir('child-task-'),
      profile: TINY_PROFILE,
    };
  }

  it('measures the named scenario of the catalogue it is handed, and proves its calls', async () => {
    const c = counting();
    const m = (await runChildTask({ kind: 'measure', job: job('core/handed_in') }, [
      c.scenario,
    ])) as Measurement;
    expect(m.reason).toBeNull();
    expect(m.status).toBe('ok');
    expect(m.opCount).toBe(c.calls());
    expect(m.labels.openedWith).toBe('inMemory');
  });

  it('a name the catalogue lacks fails the job', async () => {
    const m = (await runChildTask({ kind: 'measure', job: job('core/elsewhere') }, [
      counting().scenario,
    ])) as Measurement;
    expect(m).toMatchObject({ status: 'failed', reason: 'no scenario named core/elsewhere' });
  });
});

describe('runChildTask: a batch of replicates', () => {
  async function replicates(
    b: FakeSide,
    c: FakeSide,
    pairs: number,
    interleave = true,
  ): Promise<{ r: ReplicatesResult; lines: string[]; sideDirs: string[] }> {
    const d = replicateDir();
    const sides: ReplicatesTask['sides'] = [d.spec('B', b), d.spec('C', c)];
    const task: ReplicatesTask = {
      kind: 'replicates',
      sides,
      pairs,
      plan: PLAN,
      replicateEntry: await replicateWorkerEntry(),
      sideModule: SIDE_MODULE,
      interleave,
    };
    const r = (await runChildTask(task, [])) as ReplicatesResult;
    return { r, lines: commands(d.log), sideDirs: sides.map((s) => s.tmpDir) };
  }

  it('runs each replicate in fresh subfolders of the sides, removed after, and balances who goes first', async () => {
    const { r, lines, sideDirs } = await replicates(BASELINE, CANDIDATE, 3);
    expect(r.reason).toBeNull();
    expect(r.status).toBe('ok');
    expect(r.pairs).toHaveLength(3);
    for (const p of r.pairs) {
      expect(p).toMatchObject({ baseline: 200, candidate: 50, baselineOps: 30, candidateOps: 60 });
    }
    const firsts = r.pairs.map((p) => p.first);
    expect([
      ['baseline', 'candidate', 'baseline'],
      ['candidate', 'baseline', 'candidate'],
    ]).toContainEqual(firsts);
    // The first window of each replicate is timed by the side that goes first.
    const firstTimed = [0, 1, 2].map((i) =>
      lines.filter((l) => / time /.test(l))[i * 2 * PLAN.windows]?.startsWith('B ')
        ? 'baseline'
        : 'candidate',
    );
    expect(firstTimed).toEqual(firsts);
    expect(lines.filter((l) => / setup /.test(l)).sort()).toEqual([
      'B setup r0-s0 exists',
      'B setup r1-s0 exists',
      'B setup r2-s0 exists',
      'C setup r0-s1 exists',
      'C setup r1-s1 exists',
      'C setup r2-s1 exists',
    ]);
    for (const dir of sideDirs) expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('stops at the first failed replicate, keeping the pairs that completed', async () => {
    const { r, sideDirs } = await replicates(
      BASELINE,
      { ...CANDIDATE, fail: 'proof', failIn: 'r1-s1' },
      3,
    );
    expect(r.status).toBe('failed');
    expect(r.reason).toBe('candidate: op-count proof failed: engine commits: expected 40, got 0');
    expect(r.pairs).toHaveLength(1);
    for (const dir of sideDirs) expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('an unsupported side makes the batch unsupported', async () => {
    const { r } = await replicates({ ...BASELINE, fail: 'unsupported' }, CANDIDATE, 2);
    expect(r).toEqual({
      status: 'unsupported',
      reason: 'baseline: this engine does not export KVStore',
      pairs: [],
    });
  });

  it('without interleave, each side runs alone: one finishes before the other is set up', async () => {
    const { r, lines } = await replicates(BASELINE, CANDIDATE, 1, false);
    expect(r.status).toBe('ok');
    const first = r.pairs[0]?.first === 'baseline' ? 'B' : 'C';
    const second = first === 'B' ? 'C' : 'B';
    const finish = lines.indexOf(`${first} finish`);
    const setup = lines.findIndex((l) => l.startsWith(`${second} setup`));
    expect(finish).toBeGreaterThan(0);
    expect(setup).toBe(finish + 1);
    expect(lines.at(-1)).toBe(`${second} finish`);
  });
});
