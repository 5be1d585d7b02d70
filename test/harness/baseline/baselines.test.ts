import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import {
  baselineResultsFile,
  listBaselines,
  readRefsJson,
  refsJsonPath,
  resolveBaseline,
  resolveRef,
  tagBaseline,
  writeRefsJson,
} from '../../../harness/baseline/baselines.ts';
import { registerBaselineCommand } from '../../../harness/cli/commands/baseline.ts';
import { UsageError } from '../../../harness/support/errors.ts';
import { GitError, tagCommit, tagExists } from '../../../harness/baseline/git.ts';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import { readResults, writeResults } from '../../../harness/results/results-file.ts';
import { makeRepo, removeTempRepos, shallowClone, type TempRepo } from '../../fixtures/git-repo.ts';
import { FAKE_ENGINE_DIR, resultsFile } from '../helpers.ts';

afterAll(removeTempRepos);

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError); // the CLI's exit 2
    return err as Error;
  }
  throw new Error('expected a rejection');
}

function writeRefs(repo: TempRepo, content: string): void {
  fs.mkdirSync(path.join(repo.dir, 'baselines'), { recursive: true });
  fs.writeFileSync(refsJsonPath(repo.dir), content);
}

/** c1..c3, with c1 carrying `Baseline: viaTrailer` and c3 `Baseline: x`. */
async function threeCommits(): Promise<{ repo: TempRepo; c1: string; c2: string; c3: string }> {
  const repo = await makeRepo();
  const c1 = await repo.commit('one\n\nBaseline: viaTrailer', { 'f.txt': '1' });
  const c2 = await repo.commit('two', { 'f.txt': '2' });
  const c3 = await repo.commit('three\n\nBaseline: x', { 'f.txt': '3' });
  return { repo, c1, c2, c3 };
}

describe('resolving a baseline name', () => {
  let repo: TempRepo;
  let c1: string;
  let c2: string;
  let c3: string;
  let lines: string[];
  const opts = () => ({ repo: repo.dir, log: (l: string) => lines.push(l) });

  beforeEach(async () => {
    ({ repo, c1, c2, c3 } = await threeCommits());
    lines = [];
  });

  it('order: local tag, then refs.json, then the trailer, then a plain ref', async () => {
    // "x" is defined three ways, each at a different commit.
    await repo.git('tag', '-a', '-m', 'x', 'x', c1);
    writeRefs(repo, JSON.stringify({ x: c2 }));

    const byTag = await resolveRef('x', opts());
    expect(byTag).toMatchObject({ name: 'x', commit: c1, source: 'tag', tagRecreated: false });
    // The disagreement is reported, not hidden.
    expect(lines.join('\n')).toMatch(/tag x points at .* but baselines\/refs.json says/);

    await repo.git('tag', '-d', 'x');
    const byRefs = await resolveRef('x', opts());
    expect(byRefs).toMatchObject({ commit: c2, source: 'refs.json', tagRecreated: true });

    await repo.git('tag', '-d', 'x');
    writeRefs(repo, '{}');
    const byTrailer = await resolveRef('x', opts());
    expect(byTrailer).toMatchObject({ commit: c3, source: 'trailer', tagRecreated: true });

    const byRef = await resolveRef('main~1', opts());
    expect(byRef).toMatchObject({ name: 'main~1', commit: c2, source: 'ref' });
    expect((await resolveRef(c1.slice(0, 8), opts())).source).toBe('ref');
  });

  it('recreates a missing annotated tag from refs.json and says so', async () => {
    writeRefs(repo, JSON.stringify({ fromRefs: c2 }));
    const r = await resolveBaseline('fromRefs', opts());
    expect(r).toMatchObject({ commit: c2, source: 'refs.json', tagRecreated: true });
    expect(await tagCommit(repo.dir, 'fromRefs')).toBe(c2);
    expect(await repo.git('cat-file', '-t', 'refs/tags/fromRefs')).toBe('tag');
    expect(lines).toEqual([expect.stringMatching(/recreated the missing local tag fromRefs/)]);
    expect(r.notes).toEqual(lines);
    // The next resolution finds the tag.
    expect((await resolveBaseline('fromRefs', opts())).source).toBe('tag');
  });

  it('recreates a missing tag from the trailer', async () => {
    const r = await resolveBaseline('viaTrailer', opts());
    expect(r).toMatchObject({ commit: c1, source: 'trailer', tagRecreated: true });
    expect(await tagCommit(repo.dir, 'viaTrailer')).toBe(c1);
    expect(lines[0]).toMatch(/from its "Baseline: viaTrailer" trailer/);
  });

  it('an unknown name or ref: exit-2 error that says how to fix it', async () => {
    const err = await rejection(resolveRef('nope', opts()));
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).kind).toBe('unknown-ref');
    expect(err.message).toMatch(/does not name a commit; fetch it \(git fetch --tags\) or check/);
    // Names only: a branch is not a baseline.
    const notBaseline = await rejection(resolveBaseline('main', opts()));
    expect(notBaseline.message).toMatch(/unknown baseline "main"/);
    expect((notBaseline as UsageError).hint).toMatch(/baseline tag main <ref>/);
    // refs.json naming a commit this clone lacks.
    writeRefs(repo, JSON.stringify({ gone: 'f'.repeat(40) }));
    const gone = await rejection(resolveBaseline('gone', opts()));
    expect(gone.message).toMatch(/refs.json names f{40}, which does not name a commit/);
  });

  it('a shallow clone lacking the baseline commit: run git fetch --unshallow', async () => {
    writeRefs(repo, JSON.stringify({ old: c1 }));
    await repo.commit('record the baseline');
    const clone = await shallowClone(repo.dir);
    const err = await rejection(resolveBaseline('old', { repo: clone.dir, log: () => {} }));
    expect((err as GitError).kind).toBe('shallow');
    expect(err.message).toBe(`the clone is shallow and lacks ${c1}: run git fetch --unshallow`);
    const bySha = await rejection(resolveRef(c1, { repo: clone.dir, log: () => {} }));
    expect(bySha.message).toBe(`the clone is shallow and lacks ${c1}: run git fetch --unshallow`);
  });

  it('a corrupt refs.json: names the file and the problem', async () => {
    writeRefs(repo, '{"x": "abc",');
    const file = refsJsonPath(repo.dir);
    const bad = await rejection(resolveRef('x', opts()));
    expect(bad.message).toContain(file);
    expect(bad.message).toMatch(/not valid JSON/);

    writeRefs(repo, JSON.stringify({ x: 'abc' }));
    expect(() => readRefsJson(repo.dir)).toThrow(/x: must be a full lowercase commit sha/);
    writeRefs(repo, JSON.stringify(['x']));
    expect(() => readRefsJson(repo.dir)).toThrow(UsageError);
    writeRefs(repo, JSON.stringify({ 'bad name': c1 }));
    expect(() => readRefsJson(repo.dir)).toThrow(/baseline names are letters/);
  });
});

describe('baseline tag', () => {
  it('creates the annotated tag and writes refs.json (sorted keys, pretty)', async () => {
    const { repo, c1, c2, c3 } = await threeCommits();
    writeRefsJson({ zeta: c3 }, repo.dir);
    const log = () => {};
    const r = await tagBaseline('alpha', 'main~2', { repo: repo.dir, log });
    expect(r).toMatchObject({ name: 'alpha', commit: c1, tag: 'created', refsJson: 'added' });
    expect(await repo.git('cat-file', '-t', 'refs/tags/alpha')).toBe('tag');
    expect(fs.readFileSync(refsJsonPath(repo.dir), 'utf8')).toBe(
      `{\n  "alpha": "${c1}",\n  "zeta": "${c3}"\n}\n`,
    );

    // Same again: nothing to do.
    const again = await tagBaseline('alpha', c1, { repo: repo.dir, log });
    expect(again).toMatchObject({ tag: 'unchanged', refsJson: 'unchanged' });

    // Moving a baseline needs --force; a refusal changes nothing.
    const refused = await rejection(tagBaseline('alpha', c2, { repo: repo.dir, log }));
    expect(refused.message).toMatch(/tag alpha already points at/);
    expect(await tagCommit(repo.dir, 'alpha')).toBe(c1);
    expect(readRefsJson(repo.dir).alpha).toBe(c1);
    const moved = await tagBaseline('alpha', c2, { repo: repo.dir, log, force: true });
    expect(moved).toMatchObject({ tag: 'moved', refsJson: 'updated' });
    expect(await tagCommit(repo.dir, 'alpha')).toBe(c2);
    expect(readRefsJson(repo.dir).alpha).toBe(c2);

    await expect(tagBaseline('bad name', c1, { repo: repo.dir, log })).rejects.toThrow(
      /can't be a baseline name/,
    );
    await expect(tagBaseline('beta', 'nowhere', { repo: repo.dir, log })).rejects.toThrow(
      /does not name a commit/,
    );
    expect(await tagExists(repo.dir, 'beta')).toBe(false);
  });

  it('a refs.json entry pointing elsewhere also needs --force', async () => {
    const { repo, c1, c2 } = await threeCommits();
    writeRefsJson({ pinned: c1 }, repo.dir);
    const err = await rejection(tagBaseline('pinned', c2, { repo: repo.dir, log: () => {} }));
    expect(err.message).toMatch(/already maps pinned to/);
    expect(await tagExists(repo.dir, 'pinned')).toBe(false);
  });
});

describe('baseline list', () => {
  it('every baseline with its sources, tag and stored results', async () => {
    const { repo, c1, c2, c3 } = await threeCommits();
    writeRefsJson({ pinned: c2, x: c3 }, repo.dir);
    await repo.git('tag', '-a', '-m', 'x', 'x', c3);
    const stored = resultsFile();
    stored.engine.commit = c2;
    writeResults(baselineResultsFile('pinned', repo.dir), stored);
    const stale = resultsFile();
    stale.engine.commit = c1;
    writeResults(baselineResultsFile('x', repo.dir), stale);

    const infos = await listBaselines({ repo: repo.dir, log: () => {} });
    const by = new Map(infos.map((i) => [i.name, i]));
    expect([...by.keys()]).toEqual(['pinned', 'viaTrailer', 'x']);

    expect(by.get('pinned')).toMatchObject({
      commit: c2,
      subject: 'two',
      sources: ['refs.json'],
      tag: { exists: false },
      results: { ok: true, createdAt: '2025-01-01T00:00:00.000Z', profile: 'tiny' },
      problems: [],
    });
    const pinned = by.get('pinned')?.results;
    expect(pinned?.ok === true ? pinned.environment : '').toMatch(
      /^cpu × 2, linux\/x64, Node v20\.0\.0, host /,
    );

    expect(by.get('viaTrailer')).toMatchObject({
      commit: c1,
      sources: ['trailer'],
      results: null,
      problems: [expect.stringMatching(/not in baselines\/refs.json/)],
    });
    // list never creates tags.
    expect(await tagExists(repo.dir, 'viaTrailer')).toBe(false);

    expect(by.get('x')).toMatchObject({ commit: c3, sources: ['tag', 'refs.json', 'trailer'] });
    expect(by.get('x')?.problems).toEqual([
      expect.stringMatching(/stored results were measured on .*not on the baseline commit/),
    ]);
  });
});

describe('the baseline command', () => {
  async function run(...args: string[]): Promise<{ out: string; err: string }> {
    let out = '';
    let err = '';
    const program = new Command('harness').exitOverride();
    registerBaselineCommand(program, {
      out: (t) => (out += t),
      err: (t) => (err += t),
      setExit: () => {},
    });
    await program.parseAsync(args, { from: 'user' });
    return { out, err };
  }

  it('tag and list through commander', async () => {
    const { repo, c2 } = await threeCommits();
    const tagged = await run('baseline', 'tag', 'b1', 'main~1', '--repo', repo.dir);
    expect(tagged.out).toContain(`baseline b1 -> ${c2}`);
    expect(tagged.out).toMatch(/tag b1: created/);
    expect(tagged.out).toMatch(/baselines\/refs.json: added/);
    const listed = await run('baseline', 'list', '--repo', repo.dir);
    expect(listed.out).toMatch(/^b1 {2}[0-9a-f]{12} {2}two$/m);
    expect(listed.out).toMatch(/defined by: tag, refs.json; local tag: yes/);
    const json = JSON.parse((await run('baseline', 'list', '--json', '--repo', repo.dir)).out);
    expect(json).toHaveLength(3);
  });

  it('record: checks the baseline out, measures its engine, writes baselines/<name>.json', async () => {
    const repo = await makeRepo();
    const engineFiles = Object.fromEntries(
      fs
        .readdirSync(path.join(FAKE_ENGINE_DIR, 'src'))
        .map((f) => [
          `engine/src/${f}`,
          fs.readFileSync(path.join(FAKE_ENGINE_DIR, 'src', f), 'utf8'),
        ]),
    );
    const commit = await repo.commit('fake engine\n\nBaseline: rec', {
      ...engineFiles,
      '.gitignore': '.harness/\n',
      // The harness's own package files ("type": "module" makes the engine ESM), and its
      // lockfile: the checkout links node_modules instead of installing.
      'package.json': fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'),
      'package-lock.json': fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8'),
    });
    const codes: number[] = [];
    let out = '';
    let errText = '';
    const program = new Command('harness').exitOverride();
    registerBaselineCommand(program, {
      out: (t) => (out += t),
      err: (t) => (errText += t),
      setExit: (c) => codes.push(c),
    });
    await program.parseAsync(
      [
        'baseline',
        'record',
        'rec',
        '--repo',
        repo.dir,
        '--filter',
        'core/map_get',
        '--filter',
        'engine/put_direct',
        '--mode',
        'strict',
      ],
      { from: 'user' },
    );
    expect(codes, errText).toEqual([]);
    const file = baselineResultsFile('rec', repo.dir);
    expect(out).toContain('recorded in baselines/rec.json');
    const results = readResults(file);
    expect(results.engine).toMatchObject({ commit, tag: 'rec', dirty: false });
    expect(results.command).toBe(
      'harness baseline record rec --profile quick --filter core/map_get --filter engine/put_direct --mode strict',
    );
    expect(results.results.map((r) => `${r.id} ${r.status}`).sort()).toEqual([
      'core/map_get ok',
      'engine/put_direct/dur_strict ok',
    ]);
    // The checkout is gone.
    expect(fs.readdirSync(path.join(repo.dir, '.harness', 'worktrees'))).toEqual([]);
    expect(await repo.git('worktree', 'list')).not.toContain('.harness');
  });

  it('errors are UsageErrors (exit 2 in the CLI)', async () => {
    const { repo } = await threeCommits();
    await expect(run('baseline', 'record', 'nope', '--repo', repo.dir)).rejects.toThrow(
      /unknown baseline "nope"/,
    );
    await expect(run('baseline', 'tag', 'b', 'nowhere', '--repo', repo.dir)).rejects.toThrow(
      UsageError,
    );
  });
});
