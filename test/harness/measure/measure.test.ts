import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import { runJob, type ChildJob } from '../../../harness/measure/job.ts';
import { DEFAULT_ENGINE_DIR, SCENARIOS_DIR } from '../../../harness/support/paths.ts';
import { MeasurementSchema } from '../../../harness/results/results-file.ts';
import { BROKEN_SCENARIOS_DIR, TINY_PROFILE, tempDir } from '../helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function job(overrides: Partial<ChildJob>): ChildJob {
  const tmpDir = tempDir();
  dirs.push(tmpDir);
  return {
    scenario: 'engine/honest_put',
    mode: 'strict',
    engineDir: DEFAULT_ENGINE_DIR,
    scenariosDir: BROKEN_SCENARIOS_DIR,
    tmpDir,
    profile: TINY_PROFILE,
    ...overrides,
  };
}

describe('the op-count proof', () => {
  it('fails a scenario whose op silently skips its operation', async () => {
    const m = await runJob(job({ scenario: 'kvstore/put/skips_op' }));
    expect(m.status).toBe('failed');
    expect(m.reason).toMatch(
      /op-count proof failed after \d+ calls: engine commits: expected \d+, got 0/,
    );
    expect(m.hz).toBeNull();
    expect(MeasurementSchema.safeParse(m).success).toBe(true);
  });

  it('fails a scenario whose op throws, saying after how many calls', async () => {
    const m = await runJob(job({ scenario: 'engine/op_throws', mode: null }));
    expect(m.status).toBe('failed');
    expect(m.reason).toMatch(/threw after 3 calls: boom on call 4/);
  });

  it('passes an honest scenario and reports the calls it proved', async () => {
    const m = await runJob(job({ scenario: 'engine/honest_put' }));
    expect(m.reason).toBeNull();
    expect(m.status).toBe('ok');
    expect(m.opCount).toBeGreaterThan(0);
    expect(m.hz).toBeGreaterThan(0);
    expect(m.latency?.count).toBeGreaterThan(0);
    expect(MeasurementSchema.safeParse(m).success).toBe(true);
  });

  it('proves real catalogue scenarios in-process', async () => {
    for (const scenario of ['kvstore/get/miss', 'txn/conflict_abort', 'statecell/transition']) {
      const m = await runJob(
        job({
          scenario,
          scenariosDir: SCENARIOS_DIR,
          mode: scenario.startsWith('kvstore') ? null : 'strict',
        }),
      );
      expect(m.reason, scenario).toBeNull();
      expect(m.opCount, scenario).toBeGreaterThan(0);
    }
  });

  it('proves a worker-thread scenario: every worker committed every put it counted', async () => {
    const m = await runJob(
      job({ scenario: 'scaling/disjoint_runs/2', scenariosDir: SCENARIOS_DIR, mode: 'strict' }),
    );
    expect(m.reason).toBeNull();
    expect(m.perWorker?.map((w) => w.worker)).toEqual([0, 1]);
    // opCount covers the warm-up round too; perWorker only the timed rounds.
    expect(m.opCount).toBeGreaterThan(m.perWorker?.reduce((sum, w) => sum + w.ops, 0) ?? 0);
    expect(m.labels.availableParallelism).toBe(os.availableParallelism());
  });

  it('reports an unknown scenario as failed, not a crash', async () => {
    const m = await runJob(job({ scenario: 'core/nope' }));
    expect(m.status).toBe('failed');
    expect(m.reason).toMatch(/no scenario named core\/nope/);
  });
});
