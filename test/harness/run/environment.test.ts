import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { engineRef, environment } from '../../../harness/run/environment.ts';
import type { EngineCapabilities } from '../../../harness/engine-api/adapter.ts';
import { CHILD_FLAGS } from '../../../harness/measure/heap.ts';
import { EnvironmentSchema } from '../../../harness/results/results-file.ts';
import { makeRepo, removeTempRepos, tempDir } from '../../fixtures/git-repo.ts';

afterAll(removeTempRepos);
afterEach(() => {
  vi.unstubAllEnvs();
});

const ALL_MODES: EngineCapabilities = {
  builder: true,
  checkpoint: true,
  modes: {
    inMemory: { supported: true },
    buffered: { supported: true },
    strict: { supported: true },
  },
};

describe('environment', () => {
  it('describes this process and machine', () => {
    const e = environment();
    expect(e).toEqual({
      node: process.version,
      v8: process.versions.v8,
      platform: process.platform,
      osRelease: os.release(),
      arch: process.arch,
      cpuModel: os.cpus()[0]?.model.trim(),
      cores: os.cpus().length,
      availableParallelism: os.availableParallelism(),
      totalMemoryBytes: os.totalmem(),
      hostHash: createHash('sha256').update(os.hostname()).digest('hex').slice(0, 12),
      ci: e.ci,
      childFlags: [...CHILD_FLAGS],
    });
    expect(e.hostHash).toMatch(/^[0-9a-f]{12}$/);
    expect(e.childFlags).not.toBe(CHILD_FLAGS);
    expect(EnvironmentSchema.safeParse(e).success).toBe(true);
  });

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['', false],
    [undefined, false],
  ])('CI=%j: ci %s', (value, ci) => {
    vi.stubEnv('CI', value);
    expect(environment().ci).toBe(ci);
  });
});

describe('engineRef', () => {
  it('a committed, tagged, clean engine: its commit and tag, not dirty', async () => {
    const repo = await makeRepo();
    const sha = await repo.commit('engine', { 'engine/src/index.ts': 'export {};\n' });
    await repo.git('tag', 'm1');
    const ref = await engineRef(path.join(repo.dir, 'engine'), ALL_MODES);
    expect(ref).toEqual({
      dir: path.join(repo.dir, 'engine'),
      commit: sha,
      tag: 'm1',
      dirty: false,
      capabilities: {
        builder: true,
        modes: {
          inMemory: { supported: true, reason: null },
          buffered: { supported: true, reason: null },
          strict: { supported: true, reason: null },
        },
      },
    });
  });

  it('dirty only for changes inside the engine directory, untracked files included', async () => {
    const repo = await makeRepo();
    const engine = path.join(repo.dir, 'engine');
    const sha = await repo.commit('engine', {
      'engine/src/index.ts': 'export {};\n',
      'harness/x.ts': 'x\n',
    });
    await repo.commit('harness only', { 'harness/x.ts': 'y\n' });
    const head = await repo.git('rev-parse', 'HEAD');
    expect(head).not.toBe(sha);
    fs.writeFileSync(path.join(repo.dir, 'harness', 'x.ts'), 'uncommitted\n');
    const clean = await engineRef(engine, ALL_MODES);
    expect(clean).toMatchObject({ commit: head, tag: null, dirty: false });
    fs.writeFileSync(path.join(engine, 'src', 'new-module.ts'), 'export {};\n');
    expect((await engineRef(engine, ALL_MODES)).dirty).toBe(true);
    fs.rmSync(path.join(engine, 'src', 'new-module.ts'));
    fs.writeFileSync(path.join(engine, 'src', 'index.ts'), 'export const x = 1;\n');
    expect((await engineRef(engine, ALL_MODES)).dirty).toBe(true);
  });

  it('outside git: nulls, not an error', async () => {
    const dir = tempDir('inmem-no-git-');
    expect(await engineRef(dir, ALL_MODES)).toMatchObject({
      dir,
      commit: null,
      tag: null,
      dirty: null,
    });
  });

  it('a repository with no commit yet: no commit, no tag', async () => {
    const repo = await makeRepo();
    fs.mkdirSync(path.join(repo.dir, 'engine'));
    expect(await engineRef(path.join(repo.dir, 'engine'), ALL_MODES)).toMatchObject({
      commit: null,
      tag: null,
      dirty: false,
    });
  });

  it("records why a mode is unsupported, and drops a supported mode's reason", async () => {
    const dir = tempDir('inmem-no-git-');
    const ref = await engineRef(dir, {
      builder: false,
      checkpoint: false,
      modes: {
        inMemory: { supported: false, reason: 'no builder' },
        buffered: { supported: false, reason: 'no builder' },
        strict: { supported: true },
      },
    });
    expect(ref.capabilities).toEqual({
      builder: false,
      modes: {
        inMemory: { supported: false, reason: 'no builder' },
        buffered: { supported: false, reason: 'no builder' },
        strict: { supported: true, reason: null },
      },
    });
  });
});
