/**
 * `history record|backfill|list` (history.ts) without measuring anything: which commits a
 * backfill --every keeps (everyNth), and the usage errors a user can make, through the real
 * CLI (a child process): exit 2 with the error and a fix line, and nothing left behind (no
 * worktree under .harness/worktrees, no staging folder in the temp folder). The measuring
 * paths are history.e2e.test.ts's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { everyNth } from '../../../../harness/cli/commands/history.ts';
import { writeRecord } from '../../../../harness/results/history-store.ts';
import { REPO_ROOT } from '../../../../harness/support/paths.ts';
import { SLOW_SCENARIOS_DIR, okResult, resultsFile, runHarness, tempDirs } from '../../helpers.ts';

const tmp = tempDirs('history-cli-test-');
afterAll(tmp.removeAll);

const WORKTREES = path.join(REPO_ROOT, '.harness', 'worktrees');
const STAGING_PREFIX = 'inmem-history-';

const list = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

function ownerPid(entry: string): number | null {
  const owner = path.join(WORKTREES, `${entry.replace(/\.owner\.json$/, '')}.owner.json`);
  try {
    const pid = (JSON.parse(fs.readFileSync(owner, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Runs the CLI and returns its outcome with what it left behind: worktree entries that
 * appeared and are not another live process's (tests in other files may hold one meanwhile),
 * and staging folders that appeared in the temp folder.
 */
async function harness(args: string[]) {
  const worktreesBefore = new Set(list(WORKTREES));
  const tmpBefore = new Set(list(os.tmpdir()));
  const child = runHarness(args, REPO_ROOT, {}, { timeout: 120_000 });
  const r = await child;
  const leftWorktrees = list(WORKTREES).filter((e) => {
    if (worktreesBefore.has(e)) return false;
    const pid = ownerPid(e);
    return pid === null || pid === child.pid;
  });
  const leftStaging = list(os.tmpdir()).filter(
    (e) => e.startsWith(STAGING_PREFIX) && !tmpBefore.has(e),
  );
  return {
    exitCode: r.exitCode,
    stdout: r.stdout,
    stderr: r.stderr,
    leftBehind: [...leftWorktrees, ...leftStaging],
  };
}

describe('everyNth', () => {
  const letters = (n: number): string[] => 'abcdefghijklmnopqrstuvwxyz'.slice(0, n).split('');

  it('every n-th counted back from the newest, so the newest is always kept', () => {
    expect(everyNth(letters(7), 3)).toEqual(['a', 'd', 'g']);
    expect(everyNth(letters(6), 3)).toEqual(['c', 'f']);
    expect(everyNth(letters(5), 2)).toEqual(['a', 'c', 'e']);
    expect(everyNth(letters(4), 2)).toEqual(['b', 'd']);
    expect(everyNth(letters(10), 4)).toEqual(['b', 'f', 'j']);
    // A step longer than the range: the newest only.
    expect(everyNth(letters(3), 5)).toEqual(['c']);
    expect(everyNth(letters(1), 2)).toEqual(['a']);
  });

  it('n = 1 keeps every commit, in order; nothing in, nothing out', () => {
    expect(everyNth(letters(6), 1)).toEqual(letters(6));
    expect(everyNth([], 1)).toEqual([]);
    expect(everyNth([], 3)).toEqual([]);
  });

  it('for any length and step: the newest, every n-th before it, oldest first, ceil(len / n)', () => {
    for (let len = 1; len <= 30; len++) {
      const all = Array.from({ length: len }, (_, i) => i);
      for (let n = 1; n <= 12; n++) {
        const picked = everyNth(all, n);
        const at = `len ${len}, n ${n}`;
        expect(picked[picked.length - 1], at).toBe(len - 1);
        expect(picked, at).toHaveLength(Math.ceil(len / n));
        for (let k = 1; k < picked.length; k++) {
          expect((picked[k] as number) - (picked[k - 1] as number), at).toBe(n);
        }
        // The oldest kept is within n of the range's start: no stretch is skipped.
        expect(picked[0], at).toBeLessThan(n);
      }
    }
  });

  it('leaves its input alone', () => {
    const input = Object.freeze(letters(5));
    everyNth(input, 2);
    expect(input).toEqual(letters(5));
  });
});

describe('history usage errors (exit 2, nothing left behind)', () => {
  it('record --machine with a name no folder may hold', async () => {
    const dir = tmp.make();
    const r = await harness(['history', 'record', '--machine', 'bad/name', '--dir', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --machine "bad\/name" is not a usable machine name\n {2}fix: use letters, digits, "\.", "_" and "-"/,
    );
    expect(r.stdout).toBe('');
    expect(r.leftBehind).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('backfill of a range that holds no commit', async () => {
    const dir = tmp.make();
    const r = await harness(['history', 'backfill', 'HEAD..HEAD', '--dir', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      'error: the range HEAD..HEAD holds no commit\n  fix: give <from>..<to>',
    );
    expect(r.leftBehind).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('backfill --every 0', async () => {
    const dir = tmp.make();
    const r = await harness(['history', 'backfill', '--every', '0', 'HEAD', '--dir', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --every 0 is not a whole number of commits >= 1\n {2}fix: e\.g\. --every 5/,
    );
    expect(r.leftBehind).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('record --ref of a ref that names no commit', async () => {
    const dir = tmp.make();
    const r = await harness(['history', 'record', '--ref', 'no_such_ref_xyz', '--dir', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: "no_such_ref_xyz" does not name a commit.*\n {2}fix: /);
    expect(r.leftBehind).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('publish with no run and a --history folder that does not exist', async () => {
    const dir = tmp.make();
    const from = path.join(dir, 'runs');
    fs.mkdirSync(from);
    const out = path.join(dir, 'site');
    const missing = path.join(dir, 'no-history');
    const r = await harness(['publish', '--out', out, '--from', from, '--history', missing]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: --history ${missing}: no such folder\n  fix: `);
    expect(fs.existsSync(out)).toBe(false);
    expect(r.leftBehind).toEqual([]);
  });
});

describe('history list', () => {
  it('an empty folder: exit 0, saying there is no history and how to record some', async () => {
    const dir = tmp.make();
    const r = await harness(['history', 'list', '--dir', dir]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      `no history in ${dir}: record some with \`npm run harness -- history record\``,
    );
    expect(r.leftBehind).toEqual([]);
  });

  it('lists each machine’s commits oldest first, warning about a record it skipped', async () => {
    const dir = tmp.make();
    const older = 'a'.repeat(40);
    const newer = 'b'.repeat(40);
    for (const [commit, committedAt, subject] of [
      [newer, '2025-02-02T10:00:00Z', 'the newer one'],
      [older, '2025-01-01T09:30:00Z', 'the older one'],
    ] as const) {
      writeRecord(dir, {
        ...resultsFile([okResult(), okResult({ id: 'core/other', name: 'core/other' })]),
        history: { commit, committedAt, subject, parent: null, depth: 1, machine: 'box-a' },
      });
    }
    fs.writeFileSync(path.join(dir, 'results', 'box-a', `${'c'.repeat(40)}.json`), '{');
    const r = await harness(['history', 'list', '--dir', dir]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      [
        'box-a (2 commits)',
        `  ${older.slice(0, 12)}  2025-01-01T09:30  2 jobs  the older one`,
        `  ${newer.slice(0, 12)}  2025-02-02T10:00  2 jobs  the newer one`,
      ].join('\n'),
    );
    expect(r.stderr).toContain(
      `warning: skipped ${path.join('results', 'box-a', 'c'.repeat(40))}.json: `,
    );
  });
});

describe('history record interrupted by Ctrl-C', () => {
  it('leaves no worktree, no staging or scratch folder, and no record', async () => {
    const root = tmp.make();
    const dir = path.join(root, 'history');
    const run = runHarness(
      [
        'history',
        'record',
        '--scenarios',
        SLOW_SCENARIOS_DIR,
        '--filter',
        'core/slow_setup',
        '--dir',
        dir,
        '--machine',
        'ctrl-c-box',
      ],
      REPO_ROOT,
      { TMPDIR: root },
      { detached: true, timeout: 120_000 },
    );
    try {
      // The slow job's child writes `started` in its scratch folder, then waits a minute.
      const deadline = Date.now() + 90_000;
      const started = (): boolean =>
        list(root).some(
          (n) =>
            n.startsWith('inmem-bench-') && fs.existsSync(path.join(root, n, 'work', 'started')),
        );
      while (!started()) {
        if (Date.now() > deadline) throw new Error('the job never started');
        await new Promise((r) => setTimeout(r, 100));
      }
      const ours = list(WORKTREES).filter((e) => ownerPid(e) === run.pid);
      if (run.pid === undefined) throw new Error('no pid');
      process.kill(-run.pid, 'SIGINT');
      const r = await run;
      expect(r.exitCode).toBe(130);
      // Nothing this run made is left: its worktree, its staging folder, the job's scratch.
      for (const e of ours) expect(fs.existsSync(path.join(WORKTREES, e))).toBe(false);
      const deadlineGone = Date.now() + 15_000;
      const leftover = (): string[] =>
        list(root).filter((n) => n.startsWith(STAGING_PREFIX) || n.startsWith('inmem-bench-'));
      while (leftover().length > 0 && Date.now() < deadlineGone) {
        await new Promise((r2) => setTimeout(r2, 100));
      }
      expect(leftover()).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'results', 'ctrl-c-box'))).toBe(false);
    } finally {
      try {
        if (run.pid !== undefined) process.kill(-run.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }, 150_000);
});
