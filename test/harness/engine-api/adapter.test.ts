import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { loadEngine } from '../../../harness/engine-api/adapter.ts';
import { UnsupportedError, UsageError } from '../../../harness/support/errors.ts';
import { runJob } from '../../../harness/measure/job.ts';
import { DEFAULT_ENGINE_DIR, SCENARIOS_DIR } from '../../../harness/support/paths.ts';
import { FAKE_ENGINE_DIR, TINY_PROFILE, tempDir } from '../helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

describe('engine capability detection', () => {
  it('reports inMemory and buffered unsupported for an engine without Database.builder', async () => {
    const engine = await loadEngine(FAKE_ENGINE_DIR);
    expect(engine.capabilities.builder).toBe(false);
    expect(engine.capabilities.checkpoint).toBe(false);
    for (const mode of ['inMemory', 'buffered'] as const) {
      const support = engine.capabilities.modes[mode];
      expect(support.supported).toBe(false);
      if (!support.supported) expect(support.reason).toMatch(/Database\.builder/);
      expect(() => engine.open(mode, tmp())).toThrow(UnsupportedError);
    }
    expect(engine.capabilities.modes.strict).toEqual({ supported: true });
    const db = engine.open('strict', tmp());
    expect(db.stats().commits).toBe(0);
    expect(() => engine.require('KVStore')).toThrow(/does not export KVStore/);
  });

  it('turns missing APIs into `unsupported` results, never a crash', async () => {
    const base = { engineDir: FAKE_ENGINE_DIR, scenariosDir: SCENARIOS_DIR, profile: TINY_PROFILE };
    const inMemory = await runJob({
      ...base,
      scenario: 'engine/put_direct',
      mode: 'inMemory',
      tmpDir: tmp(),
    });
    expect(inMemory.status).toBe('unsupported');
    expect(inMemory.reason).toMatch(/inMemory: .*builder/);
    const kv = await runJob({
      ...base,
      scenario: 'kvstore/put/hot_key',
      mode: 'strict',
      tmpDir: tmp(),
    });
    expect(kv).toMatchObject({
      status: 'unsupported',
      reason: 'this engine does not export KVStore',
    });
    const scaling = await runJob({
      ...base,
      scenario: 'scaling/disjoint_runs/1',
      mode: 'strict',
      tmpDir: tmp(),
    });
    expect(scaling.status).toBe('unsupported');
    // What the fake engine has, runs: strict through Database.open, reads in strict.
    const strict = await runJob({
      ...base,
      scenario: 'engine/put_direct',
      mode: 'strict',
      tmpDir: tmp(),
    });
    expect(strict.reason).toBeNull();
    const read = await runJob({
      ...base,
      scenario: 'engine/get_direct',
      mode: null,
      tmpDir: tmp(),
    });
    expect(read.status).toBe('ok');
    expect(read.labels.openedWith).toBe('strict');
  });

  it("detects this tree's engine: strict always, all three modes once the builder exists", async () => {
    const engine = await loadEngine(DEFAULT_ENGINE_DIR);
    expect(engine.capabilities.modes.strict.supported).toBe(true);
    for (const mode of ['inMemory', 'buffered'] as const) {
      expect(engine.capabilities.modes[mode].supported).toBe(engine.capabilities.builder);
    }
    expect(typeof engine.require('KVStore')).toBe('function');
    expect(engine.capabilities.checkpoint).toBe(true);
  });

  it('refuses a missing directory, one without src/index.ts, and a module that is no engine', async () => {
    await expect(loadEngine('/nonexistent/engine')).rejects.toThrow(UsageError);
    await expect(loadEngine('/nonexistent/engine')).rejects.toThrow(/does not exist/);
    const empty = tmp();
    await expect(loadEngine(empty)).rejects.toThrow(/has no src\/index.ts/);
    const notEngine = tmp();
    fs.mkdirSync(path.join(notEngine, 'src'));
    fs.writeFileSync(path.join(notEngine, 'src', 'index.ts'), 'export const x = 1;\n');
    await expect(loadEngine(notEngine)).rejects.toThrow(
      /does not export Database.open and newRunId/,
    );
  });
});
