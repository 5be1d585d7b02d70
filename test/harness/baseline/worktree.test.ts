import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { UsageError } from '../../../harness/support/errors.ts';
import { worktreeAdd, worktreeList } from '../../../harness/baseline/git.ts';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import {
  DEPS_MARKER,
  acquireCheckout,
  cleanStaleWorktrees,
  lockfileHash,
  npmFailureExcerpt,
  withBaselineCheckout,
  type BaselineCheckout,
} from '../../../harness/baseline/worktree.ts';
import { makeRepo, removeTempRepos, tempDir, type TempRepo } from '../../fixtures/git-repo.ts';

afterAll(removeTempRepos);

const INSTALLED_LOCK = '{"lockfileVersion": 3, "installed": true}\n';
/** A package with no dependencies: `npm ci` needs no network and takes well under a second. */
const TINY_PACKAGE = '{"name":"tiny","version":"1.0.0","private":true}\n';
const TINY_LOCK = `${JSON.stringify({
  name: 'tiny',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: { '': { name: 'tiny', version: '1.0.0' } },
})}\n`;

/**
 * A stand-in for the installed tree (never the real one: a bug that deletes through the
 * node_modules link must hit this, not the repository's dependencies).
 */
let installed: string;
let repo: TempRepo;
let sameLock: string;
let tinyLock: string;
let badLock: string;

const quiet = () => ({ repo: repo.dir, installedRoot: installed, log: () => {} });

async function registered(): Promise<string[]> {
  return (await worktreeList(repo.dir)).slice(1); // the main worktree comes first
}

function worktreesDir(): string {
  return path.join(repo.dir, '.harness', 'worktrees');
}

beforeAll(async () => {
  installed = tempDir('inmem-installed-');
  fs.writeFileSync(path.join(installed, 'package-lock.json'), INSTALLED_LOCK);
  fs.mkdirSync(path.join(installed, 'node_modules'));
  fs.writeFileSync(path.join(installed, 'node_modules', 'marker.txt'), 'keep me');

  repo = await makeRepo();
  sameLock = await repo.commit('same lockfile', {
    '.gitignore': '.harness/\n',
    'engine/src/index.ts': 'export const version = 1;\n',
    'package.json': TINY_PACKAGE,
    'package-lock.json': INSTALLED_LOCK,
  });
  tinyLock = await repo.commit('another lockfile', { 'package-lock.json': TINY_LOCK });
  badLock = await repo.commit('a broken lockfile', { 'package-lock.json': '{ not json' });
});

describe('withBaselineCheckout', () => {
  it('checks out the commit, links node_modules when the lockfiles match, removes it after', async () => {
    let seen: BaselineCheckout | undefined;
    const out = await withBaselineCheckout(
      sameLock,
      async (c) => {
        seen = c;
        expect(c.commit).toBe(sameLock);
        expect(path.dirname(c.dir)).toBe(worktreesDir());
        expect(path.basename(c.dir)).toMatch(new RegExp(`^${sameLock.slice(0, 12)}-[0-9a-f]{6}$`));
        expect(c.engineDir).toBe(path.join(c.dir, 'engine'));
        expect(fs.readFileSync(path.join(c.engineDir, 'src', 'index.ts'), 'utf8')).toContain(
          'version = 1',
        );
        expect(c.deps).toEqual({
          kind: 'shared',
          lockHash: lockfileHash(path.join(installed, 'package-lock.json')),
          nodeModules: path.join(installed, 'node_modules'),
        });
        const link = path.join(c.dir, 'node_modules');
        expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
        expect(fs.readFileSync(path.join(link, 'marker.txt'), 'utf8')).toBe('keep me');
        expect(await registered()).toHaveLength(1);
        return 42;
      },
      quiet(),
    );
    expect(out).toBe(42);
    expect(fs.existsSync(seen?.dir ?? '')).toBe(false);
    expect(fs.readdirSync(worktreesDir())).toEqual([]); // owner file gone too
    expect(await registered()).toEqual([]);
    // The linked tree is untouched by the removal.
    expect(fs.readFileSync(path.join(installed, 'node_modules', 'marker.txt'), 'utf8')).toBe(
      'keep me',
    );
  });

  it('removes the worktree when fn throws, and rethrows', async () => {
    let dir = '';
    await expect(
      withBaselineCheckout(
        sameLock,
        (c) => {
          dir = c.dir;
          throw new Error('boom');
        },
        quiet(),
      ),
    ).rejects.toThrow('boom');
    expect(path.dirname(dir)).toBe(worktreesDir());
    expect(path.basename(dir)).toMatch(new RegExp(`^${sameLock.slice(0, 12)}-[0-9a-f]{6}$`));
    expect(fs.existsSync(dir)).toBe(false);
    expect(await registered()).toEqual([]);
  });

  it('an unknown commit: exit-2 error, nothing left behind', async () => {
    await expect(withBaselineCheckout('f'.repeat(40), () => 1, quiet())).rejects.toThrow(
      /does not name a commit/,
    );
    expect(await registered()).toEqual([]);
  });

  it('installs a different lockfile once into .harness/deps/<hash>, then reuses it', async () => {
    const hash = lockfileHash(path.join(installed, 'package-lock.json'));
    const first = await withBaselineCheckout(tinyLock, (c) => c.deps, quiet());
    const cache = path.join(repo.dir, '.harness', 'deps', first.lockHash ?? 'none');
    expect(first.lockHash).not.toBe(hash);
    expect(first).toEqual({
      kind: 'cache',
      lockHash: first.lockHash,
      nodeModules: path.join(cache, 'node_modules'),
      installed: true,
    });
    expect(fs.readFileSync(path.join(cache, 'package-lock.json'), 'utf8')).toBe(TINY_LOCK);
    const marker = JSON.parse(fs.readFileSync(path.join(cache, DEPS_MARKER), 'utf8')) as {
      commit: string;
    };
    expect(marker.commit).toBe(tinyLock);

    const second = await withBaselineCheckout(
      tinyLock,
      (c) => {
        expect(fs.realpathSync(path.join(c.dir, 'node_modules'))).toBe(
          fs.realpathSync(path.join(cache, 'node_modules')),
        );
        return c.deps;
      },
      quiet(),
    );
    expect(second).toMatchObject({ kind: 'cache', installed: false });
    expect(await registered()).toEqual([]);
  });

  it('a failed install: clear exit-2 error with npm output, half-made cache removed', async () => {
    const before = fs.existsSync(path.join(repo.dir, '.harness', 'deps'))
      ? fs.readdirSync(path.join(repo.dir, '.harness', 'deps'))
      : [];
    let err: unknown;
    try {
      await withBaselineCheckout(badLock, () => 1, quiet());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const message = (err as Error).message;
    expect(message).toMatch(
      new RegExp(
        `^npm ci failed \\(exit \\d+\\) installing the dependencies of baseline commit ${badLock.slice(0, 12)}`,
      ),
    );
    expect(message).toMatch(/npm said:\n {4}npm error/);
    expect(message).toMatch(/the half-made install was removed/);
    expect(fs.readdirSync(path.join(repo.dir, '.harness', 'deps'))).toEqual(before);
    expect(await registered()).toEqual([]);
    expect(fs.readdirSync(worktreesDir())).toEqual([]);
  });
});

describe('leftovers and interruptions', () => {
  it('cleanStaleWorktrees removes checkouts of dead processes and keeps live ones', async () => {
    const dead = (
      await execa(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
    ).stdout;
    const sleeper = execa(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const stale = path.join(worktreesDir(), 'stale-1');
      const live = path.join(worktreesDir(), 'live-1');
      const orphan = path.join(worktreesDir(), 'orphan-1');
      await worktreeAdd(repo.dir, stale, sameLock);
      await worktreeAdd(repo.dir, live, sameLock);
      await worktreeAdd(repo.dir, orphan, sameLock); // no owner file at all
      fs.writeFileSync(`${stale}.owner.json`, JSON.stringify({ pid: Number(dead) }));
      fs.writeFileSync(`${live}.owner.json`, JSON.stringify({ pid: sleeper.pid }));
      fs.symlinkSync(path.join(installed, 'node_modules'), path.join(stale, 'node_modules'));
      // A worktree git knows whose directory was deleted by hand.
      const vanished = path.join(worktreesDir(), 'vanished-1');
      await worktreeAdd(repo.dir, vanished, sameLock);
      fs.rmSync(vanished, { recursive: true });
      // A half-made install of a dead process.
      const halfMade = path.join(repo.dir, '.harness', 'deps', `abc.tmp-${dead}-a1b2c3`);
      fs.mkdirSync(halfMade, { recursive: true });

      const removed = await cleanStaleWorktrees(quiet());
      expect(removed.sort()).toEqual([halfMade, orphan, stale].sort());
      expect(fs.existsSync(live)).toBe(true);
      expect(await registered()).toEqual([fs.realpathSync(live)]);
      expect(fs.readFileSync(path.join(installed, 'node_modules', 'marker.txt'), 'utf8')).toBe(
        'keep me',
      );
      expect(fs.readdirSync(worktreesDir()).sort()).toEqual(['live-1', 'live-1.owner.json']);
    } finally {
      sleeper.kill();
      await sleeper.catch(() => undefined);
    }
    // Its owner is gone now, so the next checkout's cleanup takes it.
    await withBaselineCheckout(sameLock, () => undefined, quiet());
    expect(fs.readdirSync(worktreesDir())).toEqual([]);
    expect(await registered()).toEqual([]);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: removes the checkout, then exits %i', async (signal, code) => {
    const child = execa(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'test', 'fixtures', 'worktree-holder.ts'),
        repo.dir,
        installed,
        sameLock,
      ],
      { cwd: REPO_ROOT, reject: false, buffer: { stdout: false } },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text.split('\n')[0] ?? '');
      });
      child.once('exit', () => {
        void child.then((r) => reject(new Error(`holder exited early: ${text}${r.stderr}`)));
      });
    });
    const { dir } = JSON.parse(line) as { dir: string };
    expect(fs.existsSync(dir)).toBe(true);
    child.kill(signal);
    const r = await child;
    expect(r.exitCode).toBe(code);
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.readdirSync(worktreesDir())).toEqual([]);
    expect(await registered()).toEqual([]);
  });

  it('acquire/release: release is idempotent', async () => {
    const h = await acquireCheckout(sameLock, quiet());
    await h.release();
    await h.release();
    expect(fs.existsSync(h.dir)).toBe(false);
  });
});

describe('npmFailureExcerpt', () => {
  it('shows npm’s reason even when a page of usage text follows it', () => {
    const out = [
      'npm error code EUSAGE',
      'npm error',
      'npm error The `npm ci` command can only install with an existing package-lock.json',
      ...Array.from({ length: 60 }, (_, i) => `npm error usage line ${i}`),
      'npm error A complete log of this run can be found in: /x.log',
    ].join('\n');
    const excerpt = npmFailureExcerpt(out);
    expect(excerpt).toContain('can only install with an existing package-lock.json');
    expect(excerpt).toContain('/x.log');
    expect(excerpt).not.toContain('usage line 40');
    expect(npmFailureExcerpt('a\nb')).toBe('    a\n    b');
  });
});
