import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jobEngine, readMode, scenarioContext } from '../../../harness/catalogue/context.ts';
import { engineEntry, loadEngine, type EngineDb } from '../../../harness/engine-api/adapter.ts';
import { UnsupportedError, UsageError } from '../../../harness/support/errors.ts';
import { DEFAULT_ENGINE_DIR } from '../../../harness/support/paths.ts';
import { Prng, SEED } from '../../../harness/support/prng.ts';
import { FAKE_ENGINE_DIR, TINY_PROFILE, tempDir } from '../helpers.ts';

const engine = await loadEngine(DEFAULT_ENGINE_DIR);

function draws(rng: { nextU32(): number }, n = 5): number[] {
  return Array.from({ length: n }, () => rng.nextU32());
}

describe('readMode', () => {
  it('the fastest mode the engine has: inMemory, else strict', () => {
    const s = (supported: boolean) => ({ supported });
    expect(readMode({ inMemory: s(true), buffered: s(true), strict: s(true) })).toBe('inMemory');
    expect(readMode({ inMemory: s(false), buffered: s(true), strict: s(true) })).toBe('strict');
    expect(readMode({ inMemory: s(false), buffered: s(false), strict: s(true) })).toBe('strict');
  });
});

describe('scenarioContext', () => {
  it('hands the scenario its engine, mode, directory and profile', () => {
    const tmp = tempDir();
    const ctx = scenarioContext(engine, 'buffered', tmp, TINY_PROFILE, []);
    expect(ctx.engine).toBe(engine);
    expect(ctx.mode).toBe('buffered');
    expect(ctx.tmpDir).toBe(tmp);
    expect(ctx.profile).toBe(TINY_PROFILE);
  });

  it('every context draws the same keys: a generator seeded with SEED, its own each time', () => {
    const a = scenarioContext(engine, 'strict', tempDir(), TINY_PROFILE, []);
    const b = scenarioContext(engine, 'strict', tempDir(), TINY_PROFILE, []);
    expect(a.rng).not.toBe(b.rng);
    const expected = draws(new Prng(SEED));
    expect(draws(a.rng)).toEqual(expected);
    expect(draws(b.rng)).toEqual(expected);
  });

  it('openDb opens <tmpDir>/<name> in the mode and records every database it opened', () => {
    const tmp = tempDir();
    const opened: EngineDb[] = [];
    const ctx = scenarioContext(engine, 'strict', tmp, TINY_PROFILE, opened);
    const db = ctx.openDb();
    const other = ctx.openDb('other');
    try {
      expect(opened).toEqual([db, other]);
      expect(db.durabilityMode?.kind).toBe('strict');
      expect(fs.readdirSync(tmp).sort()).toEqual(['db', 'other']);
      expect(fs.existsSync(path.join(tmp, 'db', 'wal.log'))).toBe(true);
    } finally {
      for (const d of opened) d.close();
    }
  });

  it('in inMemory, openDb writes nothing under tmpDir', () => {
    const tmp = tempDir();
    const opened: EngineDb[] = [];
    const db = scenarioContext(engine, 'inMemory', tmp, TINY_PROFILE, opened).openDb();
    expect(db.durabilityMode?.kind).toBe('inMemory');
    db.close();
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(opened).toHaveLength(1);
  });

  it('a mode the engine lacks: UnsupportedError, and nothing recorded as opened', async () => {
    const fake = await loadEngine(FAKE_ENGINE_DIR);
    const opened: EngineDb[] = [];
    const ctx = scenarioContext(fake, 'inMemory', tempDir(), TINY_PROFILE, opened);
    expect(() => ctx.openDb()).toThrow(UnsupportedError);
    expect(opened).toEqual([]);
  });
});

describe('jobEngine', () => {
  const source = pathToFileURL(engineEntry(DEFAULT_ENGINE_DIR)).href;

  it('without a module: the engine from its sources', async () => {
    const e = await jobEngine({ engineDir: DEFAULT_ENGINE_DIR });
    expect(e.module).toBe(source);
    expect(e.dir).toBe(DEFAULT_ENGINE_DIR);
    expect(
      (await jobEngine({ engineDir: DEFAULT_ENGINE_DIR, engineModule: undefined })).module,
    ).toBe(source);
  });

  it('with a module: the engine loaded from that module, for the directory named', async () => {
    // (That a query makes a separate module instance is Node's doing; vitest's loader may
    // dedupe it, so only the URL is checked here.)
    const url = `${source}?context-test`;
    const e = await jobEngine({ engineDir: DEFAULT_ENGINE_DIR, engineModule: url });
    expect(e.module).toBe(url);
    expect(e.dir).toBe(DEFAULT_ENGINE_DIR);
    expect(e.capabilities.builder).toBe(true);
    // The fake engine's directory with this engine's module: the module decides what loads.
    const mixed = await jobEngine({ engineDir: FAKE_ENGINE_DIR, engineModule: url });
    expect(mixed.dir).toBe(FAKE_ENGINE_DIR);
    expect(mixed.capabilities.builder).toBe(true);
  });

  it('a missing engine directory is a usage error', async () => {
    await expect(jobEngine({ engineDir: '/nonexistent/engine' })).rejects.toThrow(UsageError);
    await expect(
      jobEngine({ engineDir: DEFAULT_ENGINE_DIR, engineModule: 'file:///nonexistent/engine.mjs' }),
    ).rejects.toThrow(/could not import the engine/);
  });
});
