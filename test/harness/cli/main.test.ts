import { afterAll, afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readResults, type JobComparison } from '../../../harness/results/results-file.ts';
import { judge, renderJudgment } from '../../../harness/judge/verdict.ts';
import { formatRatioCi } from '../../../harness/support/format.ts';
import { renderRedFlags } from '../../../harness/render/comparison-text.ts';
import { execa, type ResultPromise } from 'execa';
import { pidAlive } from '../../../harness/support/pid.ts';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import {
  BROKEN_SCENARIOS_DIR,
  FAKE_ENGINE_DIR,
  SLOW_SCENARIOS_DIR,
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

describe('a given --config is always read and validated (exit 2 when missing or corrupt)', () => {
  const corrupt = (): string => {
    const file = path.join(tmp(), 'corrupt.json');
    fs.writeFileSync(file, '{ "baseline": ');
    return file;
  };

  // Every path through bench: the comparison, and each one that implies --no-compare.
  for (const extra of [
    [],
    ['--no-compare'],
    ['--engine', FAKE_ENGINE_DIR],
    ['--perf-trace'],
    ['--peers'],
  ]) {
    it(`bench ${extra.join(' ') || '(comparing)'}`, async () => {
      const out = tmp();
      const base = ['bench', ...extra, '--filter', 'core/map_get', '--out', out];
      const missing = await harness(...base, '--config', 'nope.json');
      expect(missing.exitCode).toBe(2);
      expect(missing.stderr).toBe(
        `error: config file ${path.join(REPO_ROOT, 'nope.json')} does not exist\n` +
          `  fix: check the --config path, or leave --config out to use the default ${path.join(REPO_ROOT, 'perf.config.json')}`,
      );
      const bad = corrupt();
      const broken = await harness(...base, '--config', bad);
      expect(broken.exitCode).toBe(2);
      expect(broken.stderr).toMatch(
        new RegExp(`^error: config file ${bad} is not usable: not valid JSON \\(`),
      );
      expect(broken.stderr).toContain(`  fix: correct the JSON syntax of ${bad}`);
      // Nothing ran: no results, no checkout.
      expect(fs.readdirSync(out)).toEqual([]);
      expect(missing.stderr + broken.stderr).not.toMatch(/checking out/);
    });
  }
});

describe('bench, compare, gate and calibrate: an unwritable --out is exit 2 before any work', () => {
  for (const args of [
    ['bench', '--no-compare', '--out', '/proc/nope'],
    ['bench', '--out', '/etc/passwd/run'],
    ['compare', '--baseline', 'HEAD', '--out', '/proc/nope'],
    ['gate', '--out', '/sys/nope'],
    ['calibrate', '--target', 'core/map_get', '--out', '/proc/nope'],
  ]) {
    it(args.join(' '), async () => {
      const r = await runHarness(
        [...args, '--filter', 'core/map_get'],
        REPO_ROOT,
        {},
        {
          timeout: 60_000,
        },
      );
      expect(r.timedOut, 'the command hung').toBe(false);
      expect(r.exitCode).toBe(2);
      const out = args.at(-1) ?? '';
      expect(r.stderr).toMatch(
        new RegExp(
          `^error: --out ${out}: /(proc|sys|etc/passwd)\\b.*\\n  fix: give a folder you can write to`,
        ),
      );
      expect(r.stderr).not.toMatch(/checking out|measuring/);
    });
  }

  it('gate with GITHUB_STEP_SUMMARY where nothing can be written', async () => {
    const r = await runHarness(
      ['gate', '--filter', 'core/map_get'],
      REPO_ROOT,
      { GITHUB_STEP_SUMMARY: '/proc/nope/summary.md' },
      { timeout: 60_000 },
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: GITHUB_STEP_SUMMARY=\/proc\/nope\/summary\.md: \/proc is/);
    expect(r.stderr).not.toMatch(/checking out/);
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

describe('bench --shard: one deterministic part of the plan', () => {
  it('a bad value, and --peers, exit 2 with a fix before any work', async () => {
    const bad = await harness('bench', '--no-compare', '--shard', '3/2');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^error: --shard 3\/2: there is no shard 3 of 2\n {2}fix: /);
    const peers = await harness('bench', '--peers', '--shard', '1/2');
    expect(peers.exitCode).toBe(2);
    expect(peers.stderr).toMatch(/^error: --shard cannot split --peers/);
  });

  it('measures its part of the plan and records the shard; a shard without a job measures nothing and passes', async () => {
    const filters = ['--filter', 'core/map_get', '--filter', 'core/map_set'];
    const out = tmp();
    const one = await harness('bench', '--no-compare', ...filters, '--shard', '2/2', '--out', out);
    expect(one.exitCode, one.stderr).toBe(0);
    const results = readResults(path.join(out, 'results.json'));
    expect(results.shard).toEqual({ index: 2, count: 2 });
    // Sorted core/map_get, core/map_set: the second goes to shard 2.
    expect(results.results.map((r) => r.id)).toEqual(['core/map_set']);

    const empty = tmp();
    const none = await harness(
      'bench',
      '--no-compare',
      ...filters,
      '--shard',
      '3/3',
      '--out',
      empty,
    );
    expect(none.exitCode, none.stderr).toBe(0);
    expect(none.stderr).toContain(
      'shard 3/3 has no job: the 2 planned jobs went to other shards, so nothing was measured',
    );
    const nothing = readResults(path.join(empty, 'results.json'));
    expect(nothing.shard).toEqual({ index: 3, count: 3 });
    expect(nothing.results).toEqual([]);
    expect(none.stdout).toMatch(/Bench: PASS/);
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

/** Whether `pid` still runs: alive and not a zombie its stopped parent hasn't reaped (Linux). */
function stillRunning(pid: number): boolean {
  if (!pidAlive(pid)) return false;
  try {
    // "pid (comm) S ...": the state follows the last ")".
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `probe` every 100 ms until it returns a value other than null; throws after `ms`. */
async function waitFor<T>(what: string, probe: () => T | null, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== null) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('an interrupted bench leaves no scratch folder of the job in flight', () => {
  const running: ResultPromise[] = [];
  afterEach(() => {
    // Whatever a failed test left running: the whole process group, orphans included.
    for (const p of running.splice(0)) {
      try {
        if (p.pid !== undefined) process.kill(-p.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

  const scratch = (root: string): string[] =>
    fs.readdirSync(root).filter((n) => n.startsWith('inmem-bench-'));

  /**
   * `bench` on the slow fixture job, in a process group of its own, with TMPDIR a folder of
   * this test (so the listing sees only this run's scratch folders); resolves once the job's
   * child process is in its setup, with that child's pid.
   */
  async function slowBench(launch: 'npm run' | 'node') {
    const root = tmp();
    const before = scratch(root);
    const args = [
      'bench',
      '--no-compare',
      '--scenarios',
      SLOW_SCENARIOS_DIR,
      '--filter',
      'core/slow_setup',
      '--out',
      path.join(root, 'out'),
    ];
    const env = { CI: 'true', TMPDIR: root };
    const run =
      launch === 'npm run'
        ? execa('npm', ['run', '--silent', 'harness', '--', ...args], {
            cwd: REPO_ROOT,
            reject: false,
            detached: true,
            env,
          })
        : runHarness(args, REPO_ROOT, env, { detached: true });
    running.push(run);
    const childPid = await waitFor(
      "the job's child process to start",
      () => {
        for (const name of scratch(root)) {
          const marker = path.join(root, name, 'work', 'started');
          const text = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '';
          if (text !== '') return Number(text);
        }
        return null;
      },
      90_000,
    );
    const leftover = (): string[] => scratch(root).filter((n) => !before.includes(n));
    expect(leftover()).toHaveLength(1);
    return { run, childPid, leftover };
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to the process group (${signal === 'SIGINT' ? 'Ctrl-C' : 'kill -TERM -<pgid>'}) of \`npm run harness -- bench\``, async () => {
      const { run, childPid, leftover } = await slowBench('npm run');
      if (run.pid === undefined) throw new Error('no pid');
      process.kill(-run.pid, signal);
      await run;
      await waitFor('the child to exit', () => (stillRunning(childPid) ? null : true), 15_000);
      expect(leftover()).toEqual([]);
    }, 150_000);
  }

  // In practice the harness may be killed outright as Ctrl-C arrives: tsx's CLI SIGKILLs a
  // process that acknowledges a relayed signal late. Here it is stopped instead, so it can't
  // clean up and the child still has a parent (the orphan case is the next test).
  it("the harness unable to clean up and the job's child interrupted: the child removes it", async () => {
    const { run, childPid, leftover } = await slowBench('node');
    if (run.pid === undefined) throw new Error('no pid');
    process.kill(run.pid, 'SIGSTOP');
    try {
      process.kill(childPid, 'SIGINT');
      await waitFor('the child to exit', () => (stillRunning(childPid) ? null : true), 15_000);
      expect(leftover()).toEqual([]);
    } finally {
      process.kill(run.pid, 'SIGKILL');
    }
  }, 150_000);

  it('the harness killed outright and nothing else: the orphaned child removes it and exits', async () => {
    const { run, childPid, leftover } = await slowBench('node');
    if (run.pid === undefined) throw new Error('no pid');
    process.kill(run.pid, 'SIGKILL');
    // The job would wait a minute in its setup; an orphan gives up within a second.
    await waitFor(
      'the orphaned child to exit',
      () => (stillRunning(childPid) ? null : true),
      15_000,
    );
    expect(leftover()).toEqual([]);
  }, 150_000);
});
