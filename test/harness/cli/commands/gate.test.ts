/**
 * `gate` (cli/commands/gate.ts): its default baseline, its option errors (exit 2 with a fix),
 * and, through the real CLI, the fast path run as two shards: each records its shard and
 * writes summary.md and comment.md, and `merge` of the two writes the gate's files for the
 * whole run, the summary appended to $GITHUB_STEP_SUMMARY.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultGateBaseline } from '../../../../harness/cli/commands/gate.ts';
import { MEASURED_PATHS } from '../../../../harness/cli/unmeasured-runs.ts';
import { loadConfig } from '../../../../harness/config/perf-config.ts';
import { COMMENT_MARKER } from '../../../../harness/render/comment.ts';
import { readResults } from '../../../../harness/results/results-file.ts';
import { REPO_ROOT } from '../../../../harness/support/paths.ts';
import { runHarness, tempDirs } from '../../helpers.ts';

const dirs = tempDirs('gate-cli-');
afterAll(dirs.removeAll);

async function git(...args: string[]): Promise<string> {
  return (await execa('git', args, { cwd: REPO_ROOT })).stdout.trim();
}

describe('defaultGateBaseline', () => {
  it('without the remote branch: the configured baseline', async () => {
    const config = loadConfig();
    config.baseline.mergeBaseWith = 'refs/heads/no_such_branch_xyz';
    expect(await defaultGateBaseline(config)).toEqual({
      ref: config.baseline.default,
      why: 'no refs/heads/no_such_branch_xyz: the configured baseline',
    });
  });

  it('when HEAD is the merge-base itself: the configured baseline, unless the engine changed', async () => {
    const config = loadConfig();
    config.baseline.mergeBaseWith = 'HEAD';
    const d = await defaultGateBaseline(config);
    if ((await git('status', '--porcelain', '--', 'engine')) === '') {
      expect(d.ref).toBe(config.baseline.default);
      expect(d.why).toMatch(/^HEAD is the merge-base with HEAD and the engine is unchanged/);
    } else {
      expect(d.ref).toBe(await git('rev-parse', 'HEAD'));
    }
  });
});

// Every bad --shard value is in test/harness/cli/options.test.ts; here, that the CLI exits 2.
describe('gate: option errors exit 2 with a fix, before any work', () => {
  it.each([
    [
      ['--shard', '0/2'],
      /^error: --shard 0\/2: shards are numbered from 1\n {2}fix: .*--shard 1\/2 and --shard 2\/2/,
    ],
    [
      ['--report-url', 'ftp://x/y'],
      /^error: --report-url "ftp:\/\/x\/y" is not an http or https URL\n {2}fix: /,
    ],
  ])('gate %j', async (args, message) => {
    const r = await runHarness(['gate', ...args, '--filter', 'core/map_get']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/checking out|gate baseline/);
  });
});

// The fast path needs a working tree whose measured paths match HEAD.
const clean = (await git('status', '--porcelain', '--', ...MEASURED_PATHS)) === '';

describe.skipIf(!clean)('gate --shard on identical trees, then merge', () => {
  it('each shard records its shard and writes the gate files; merge writes them for the whole', async () => {
    const root = dirs.make();
    const step = path.join(root, 'step-summary.md');
    const env = { GITHUB_STEP_SUMMARY: step };
    for (const i of [1, 2]) {
      const out = path.join(root, `shard-${i}`);
      const r = await runHarness(
        ['gate', '--baseline', 'HEAD', '--shard', `${i}/2`, '--out', out],
        REPO_ROOT,
        env,
      );
      expect(r.exitCode, r.stderr).toBe(0);
      const results = readResults(path.join(out, 'results.json'));
      expect(results.shard).toEqual({ index: i, count: 2 });
      expect(results.comparison?.identical).toMatch(/have identical engine trees/);
      const comment = fs.readFileSync(path.join(out, 'comment.md'), 'utf8');
      expect(comment.split('\n').slice(0, 2)).toEqual([
        COMMENT_MARKER,
        '## in-mem perf ✅ Gate: PASS',
      ]);
      expect(comment).toContain(
        `HTML report: ${path.join(out, 'index.html')}`.replace(/_/g, '\\_'),
      );
      expect(fs.existsSync(path.join(out, 'summary.md'))).toBe(true);
      expect(r.stdout).toContain(`comment: ${path.join(out, 'comment.md')}`);
    }
    const before = fs.readFileSync(step, 'utf8');
    const merged = path.join(root, 'merged');
    const r = await runHarness(
      [
        'merge',
        path.join(root, 'shard-1', 'results.json'),
        path.join(root, 'shard-2', 'results.json'),
        '--out',
        merged,
        '--report-url',
        'https://example.com/perf/run/',
      ],
      REPO_ROOT,
      env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const results = readResults(path.join(merged, 'results.json'));
    expect(results.shard).toBeUndefined();
    expect(results.kind).toBe('gate');
    expect(results.comparison?.identical).toMatch(/have identical engine trees/);
    expect(results.comparison?.notes.at(-1)).toMatch(/^Merged from 2 shards/);
    const comment = fs.readFileSync(path.join(merged, 'comment.md'), 'utf8');
    expect(comment.split('\n')[0]).toBe(COMMENT_MARKER);
    expect(comment).toContain('Nothing to compare: ');
    expect(comment.trimEnd().endsWith('HTML report: <https://example.com/perf/run/>')).toBe(true);
    const summary = fs.readFileSync(path.join(merged, 'summary.md'), 'utf8');
    expect(fs.readFileSync(step, 'utf8')).toBe(`${before}${summary}\n`);
    expect(fs.existsSync(path.join(merged, 'index.html'))).toBe(true);
  }, 120_000);
});
