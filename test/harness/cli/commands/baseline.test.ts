/**
 * `harness baseline list | tag | record` as commands (cli/commands/baseline.ts), on temporary
 * repositories: what they print, and their usage errors (exit 2 in the CLI), each refused
 * before anything is written or checked out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { readRefsJson, refsJsonPath } from '../../../../harness/baseline/baselines.ts';
import { tagCommit } from '../../../../harness/baseline/git.ts';
import { registerBaselineCommand } from '../../../../harness/cli/commands/baseline.ts';
import { UsageError } from '../../../../harness/support/errors.ts';
import { makeRepo, removeTempRepos, tempDir, type TempRepo } from '../../../fixtures/git-repo.ts';
import { runHarness } from '../../helpers.ts';

afterAll(removeTempRepos);

interface Outcome {
  out: string;
  err: string;
  codes: number[];
  /** What the command threw: a UsageError (the CLI's exit 2) or commander's own. */
  error: Error | null;
}

async function run(...args: string[]): Promise<Outcome> {
  const o: Outcome = { out: '', err: '', codes: [], error: null };
  const program = new Command('harness')
    .exitOverride()
    .configureOutput({ writeErr: (t) => (o.err += t), writeOut: (t) => (o.out += t) });
  registerBaselineCommand(program, {
    out: (t) => (o.out += t),
    err: (t) => (o.err += t),
    setExit: (c) => o.codes.push(c),
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof CommanderError)) throw err;
    o.error = err;
  }
  return o;
}

async function twoCommits(): Promise<{ repo: TempRepo; c1: string; c2: string }> {
  const repo = await makeRepo();
  const c1 = await repo.commit('one', { 'f.txt': '1' });
  const c2 = await repo.commit('two', { 'f.txt': '2' });
  return { repo, c1, c2 };
}

/** Nothing written: no tag of that name, no baselines/refs.json. */
async function untouched(repo: TempRepo, name: string): Promise<void> {
  expect(await tagCommit(repo.dir, name)).toBeNull();
  expect(fs.existsSync(refsJsonPath(repo.dir))).toBe(false);
}

describe('baseline list', () => {
  it('with no baselines, says how to make one', async () => {
    const { repo } = await twoCommits();
    const r = await run('baseline', 'list', '--repo', repo.dir);
    expect(r.error).toBeNull();
    expect(r.out).toBe(
      'no baselines: create one with `npm run harness -- baseline tag <name> <ref>`\n',
    );
    expect(JSON.parse((await run('baseline', 'list', '--json', '--repo', repo.dir)).out)).toEqual(
      [],
    );
  });

  it('outside a git repository: a usage error naming the folder', async () => {
    const dir = tempDir('not-a-repo-');
    const r = await run('baseline', 'list', '--repo', dir);
    expect(r.error).toBeInstanceOf(UsageError);
    expect(r.error?.message).toBe(`${dir} is not inside a git repository`);
    expect((r.error as UsageError).hint).toMatch(/run the harness from a git clone/);
  });

  it('lists a tagged baseline with its commit, sources and missing results', async () => {
    const { repo, c1 } = await twoCommits();
    expect((await run('baseline', 'tag', 'b1', c1, '--repo', repo.dir)).error).toBeNull();
    const r = await run('baseline', 'list', '--repo', repo.dir);
    expect(r.out).toMatch(new RegExp(`^b1  ${c1.slice(0, 12)}  one$`, 'm'));
    expect(r.out).toContain('stored results: none (npm run harness -- baseline record b1)');
  });
});

describe('baseline tag: usage errors leave nothing behind', () => {
  it('a missing <ref> is commander’s error', async () => {
    const { repo } = await twoCommits();
    const r = await run('baseline', 'tag', 'b1', '--repo', repo.dir);
    expect(r.error).toBeInstanceOf(CommanderError);
    expect(r.err).toMatch(/missing required argument 'ref'/);
    await untouched(repo, 'b1');
  });

  it('a name that is not a baseline name', async () => {
    const { repo } = await twoCommits();
    const r = await run('baseline', 'tag', 'bad name!', 'HEAD', '--repo', repo.dir);
    expect(r.error).toBeInstanceOf(UsageError);
    expect(r.error?.message).toBe('"bad name!" can\'t be a baseline name');
    expect((r.error as UsageError).hint).toMatch(/use letters, digits, "\.", "_" and "-"/);
    expect(fs.existsSync(refsJsonPath(repo.dir))).toBe(false);
  });

  it('a ref that names no commit, named in the message', async () => {
    const { repo } = await twoCommits();
    const r = await run('baseline', 'tag', 'b1', 'no_such_ref', '--repo', repo.dir);
    expect(r.error).toBeInstanceOf(UsageError);
    expect(r.error?.message).toMatch(/"no_such_ref" is neither a baseline .* nor a git ref/);
    await untouched(repo, 'b1');
  });

  it('moving an existing baseline needs --force; refused, both stay where they were', async () => {
    const { repo, c1, c2 } = await twoCommits();
    await run('baseline', 'tag', 'b1', c1, '--repo', repo.dir);
    const refused = await run('baseline', 'tag', 'b1', c2, '--repo', repo.dir);
    expect(refused.error).toBeInstanceOf(UsageError);
    expect(refused.error?.message).toMatch(/^tag b1 already points at [0-9a-f]{12}, not /);
    expect((refused.error as UsageError).hint).toMatch(/pass --force/);
    expect(await tagCommit(repo.dir, 'b1')).toBe(c1);
    expect(readRefsJson(repo.dir)).toEqual({ b1: c1 });

    const moved = await run('baseline', 'tag', 'b1', c2, '--force', '--repo', repo.dir);
    expect(moved.error).toBeNull();
    expect(moved.out).toMatch(/tag b1: moved/);
    expect(readRefsJson(repo.dir)).toEqual({ b1: c2 });
    // Tagging again at the same commit changes nothing and says so (no "next:" step).
    const again = await run('baseline', 'tag', 'b1', c2, '--repo', repo.dir);
    expect(again.out).toMatch(/tag b1: unchanged/);
    expect(again.out).not.toMatch(/next:/);
  });
});

describe('baseline record: usage errors before any checkout', () => {
  const worktrees = (repo: TempRepo): string => path.join(repo.dir, '.harness', 'worktrees');

  it('an unknown baseline name', async () => {
    const { repo } = await twoCommits();
    const r = await run('baseline', 'record', 'nope', '--repo', repo.dir);
    expect(r.error).toBeInstanceOf(UsageError);
    expect(r.error?.message).toMatch(/^unknown baseline "nope": no local tag/);
    expect((r.error as UsageError).hint).toMatch(/baseline tag nope <ref>/);
    expect(fs.existsSync(worktrees(repo))).toBe(false);
  });

  it('a git ref is not a baseline name: record writes baselines/<name>.json', async () => {
    const { repo } = await twoCommits();
    const r = await run('baseline', 'record', 'main~1', '--repo', repo.dir);
    expect(r.error).toBeInstanceOf(UsageError);
    expect(r.error?.message).toBe('"main~1" is not a baseline name');
    expect(fs.existsSync(worktrees(repo))).toBe(false);
  });

  it('--rounds must be a positive integer', async () => {
    const { repo, c1 } = await twoCommits();
    await run('baseline', 'tag', 'b1', c1, '--repo', repo.dir);
    for (const bad of ['0', '1.5', 'x']) {
      const r = await run('baseline', 'record', 'b1', '--rounds', bad, '--repo', repo.dir);
      expect(r.error).toBeInstanceOf(CommanderError);
      expect(r.err).toContain(`--rounds must be a positive integer, got "${bad}"`);
    }
    expect(fs.existsSync(worktrees(repo))).toBe(false);
  });
});

describe('baseline commands through the CLI', () => {
  it('a usage error exits 2 with what was wrong and the fix, no stack trace', async () => {
    const { repo } = await twoCommits();
    const r = await runHarness(['baseline', 'tag', 'bad name!', 'HEAD', '--repo', repo.dir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      'error: "bad name!" can\'t be a baseline name\n' +
        '  fix: use letters, digits, ".", "_" and "-", starting with a letter or digit (e.g. m4_perf)',
    );
  });
});
