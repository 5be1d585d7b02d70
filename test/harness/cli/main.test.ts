import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readResults, type JobComparison } from '../../../harness/results/results-file.ts';
import { judge, renderJudgment } from '../../../harness/judge/verdict.ts';
import { formatRatioCi } from '../../../harness/support/format.ts';
import { renderRedFlags } from '../../../harness/render/comparison-text.ts';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import {
  BROKEN_SCENARIOS_DIR,
  FAKE_ENGINE_DIR,
  resultsFile,
  tempDirs,
  runHarness,
} from '../helpers.ts';

const dirs = tempDirs();
afterAll(dirs.removeAll);
const tmp = (): string => dirs.make();

function harness(...args: string[]) {
  return runHarness(args);
}

describe('CLI usage errors exit 2 with what was wrong and how to fix it', () => {
  it('an unknown profile', async () => {
    const r = await harness('bench', '--profile', 'fast');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown profile "fast"/);
    expect(r.stderr).toMatch(/--profile quick/);
  });

  it('an unknown mode', async () => {
    const r = await harness('bench', '--mode', 'strict,turbo');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown mode "turbo"; use inMemory, buffered, strict/);
  });

  it('a missing engine directory', async () => {
    const r = await harness('bench', '--engine', '/nonexistent/engine');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/engine directory \/nonexistent\/engine does not exist/);
    expect(r.stderr).toMatch(/fix: pass --engine <dir>/);
  });

  it('a filter that matches nothing', async () => {
    const r = await harness('bench', '--filter', 'nothing/**');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no scenario matches --filter nothing\/\*\*/);
  });

  it('a corrupted results file, naming the file and the field', async () => {
    const file = path.join(tmp(), 'results.json');
    const data = resultsFile() as unknown as { results: Array<Record<string, unknown>> };
    data.results[0]!.rme = 'wide';
    fs.writeFileSync(file, JSON.stringify(data));
    const r = await harness('show', file);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain('field "results[0].rme"');
  });

  it('an unknown command', async () => {
    const r = await harness('bnech');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'bnech'/);
  });
});

describe('bench end to end (cheap scenarios only)', () => {
  it('writes a valid results file: unsupported modes recorded, the rest measured', async () => {
    const out = tmp();
    const r = await harness(
      'bench',
      '--engine',
      FAKE_ENGINE_DIR,
      '--filter',
      'core/map_get',
      '--filter',
      'engine/put_direct',
      '--out',
      out,
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.exitCode).toBe(0);
    const results = readResults(path.join(out, 'results.json'));
    const byId = new Map(results.results.map((x) => [x.id, x]));
    expect([...byId.keys()].sort()).toEqual([
      'core/map_get',
      'engine/put_direct/dur_buffered',
      'engine/put_direct/dur_inmemory',
      'engine/put_direct/dur_strict',
    ]);
    expect(byId.get('engine/put_direct/dur_inmemory')?.status).toBe('unsupported');
    const strict = byId.get('engine/put_direct/dur_strict');
    expect(strict?.status).toBe('ok');
    expect(strict?.labels.dur).toBe('dur_strict');
    // The child ran with the GC flags, so bytes/op was measured.
    expect(byId.get('core/map_get')?.bytesPerOp).not.toBeNull();
    expect(results.engine.capabilities.builder).toBe(false);
    expect(results.environment.availableParallelism).toBe(os.availableParallelism());
    expect(r.stdout).toContain('durability mode: strict');
    expect(r.stdout).toMatch(/A1\/A0 put/);
  });

  it('fails the run (exit 1) when a scenario skips its operation', async () => {
    const out = tmp();
    const r = await harness(
      'bench',
      '--no-compare',
      '--scenarios',
      BROKEN_SCENARIOS_DIR,
      '--filter',
      'kvstore/**',
      '--mode',
      'strict',
      '--out',
      out,
    );
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/Bench: FAIL/);
    expect(r.stdout).toMatch(
      /scenario failed: kvstore\/put\/skips_op\/dur_strict: op-count proof failed/,
    );
    const [only] = readResults(path.join(out, 'results.json')).results;
    expect(only?.status).toBe('failed');
  });
});

describe('show', () => {
  it("prints a comparison's table, its red flags and its verdict, and exits as the run did", async () => {
    const file = path.join(REPO_ROOT, 'test', 'fixtures', 'report', 'compare', 'results.json');
    const results = readResults(file);
    const r = await harness('show', file);
    const verdict = judge(results);
    expect(r.exitCode).toBe(verdict.exitCode);
    const job = results.comparison?.jobs[0];
    expect(job).toBeDefined();
    // The job's row: its name and its ratio with the CI, as the comparison columns format it.
    const comparison = r.stdout.slice(r.stdout.indexOf('baseline: '));
    const row = comparison.split('\n').find((l) => l.includes(job?.name ?? '?') && l.includes('│'));
    expect(row).toContain(formatRatioCi(job as JobComparison));
    expect(r.stdout).toContain('red flags (thresholds in perf.config.json');
    expect(results.redFlags?.length).toBeGreaterThan(0);
    expect(r.stdout).toContain(renderRedFlags(results.redFlags ?? []));
    expect(r.stdout).toContain(verdict.headline);
    // The verdict comes last.
    expect(r.stdout.trimEnd().endsWith(renderJudgment(verdict).trimEnd())).toBe(true);
  });
});
