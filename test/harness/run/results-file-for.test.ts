/**
 * The one results-file builder (results-file-for.ts), on this tree's engine: the fields the
 * caller gives kept as given, `kind` present only when given, the engine's ref and this
 * machine's environment filled in, and the result a valid results file.
 */
import { describe, expect, it } from 'vitest';
import { loadEngine, type LoadedEngine } from '../../../harness/engine-api/adapter.ts';
import { engineRef, environment } from '../../../harness/run/environment.ts';
import { resultsFileFor } from '../../../harness/run/results-file-for.ts';
import { ResultsFileSchema } from '../../../harness/results/results-file.ts';
import { DEFAULT_ENGINE_DIR } from '../../../harness/support/paths.ts';
import { TINY_PROFILE, okResult, tempDir } from '../helpers.ts';

const CREATED = '2025-06-01T12:34:56.789Z';

describe('resultsFileFor', () => {
  it('builds a valid results file with the given run, engine ref and environment', async () => {
    const engine = await loadEngine(DEFAULT_ENGINE_DIR);
    const results = [okResult(), okResult({ id: 'core/map_get', name: 'core/map_get' })];
    const file = await resultsFileFor(
      engine,
      {
        command: 'harness bench --profile tiny',
        profile: TINY_PROFILE,
        kind: 'bench',
        createdAt: CREATED,
      },
      'run-42',
      results,
      1234.5,
    );
    expect(file).toMatchObject({
      schemaVersion: 1,
      runId: 'run-42',
      createdAt: CREATED,
      command: 'harness bench --profile tiny',
      kind: 'bench',
      profile: TINY_PROFILE,
      wallTimeMs: 1234.5,
    });
    expect(file.results).toEqual(results);
    expect(file.engine).toEqual(await engineRef(engine.dir, engine.capabilities));
    expect(file.engine.dir).toBe(DEFAULT_ENGINE_DIR);
    expect(file.engine.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(file.engine.capabilities).toEqual({
      builder: true,
      modes: {
        inMemory: { supported: true, reason: null },
        buffered: { supported: true, reason: null },
        strict: { supported: true, reason: null },
      },
    });
    expect(file.environment).toEqual(environment());
    const parsed = ResultsFileSchema.safeParse(file);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    // Nothing beyond the schema's fields.
    expect(Object.keys(file)).toEqual([
      'schemaVersion',
      'runId',
      'createdAt',
      'command',
      'kind',
      'profile',
      'engine',
      'environment',
      'wallTimeMs',
      'results',
    ]);
  });

  it('leaves kind out when not given, and stamps the time when no createdAt is given', async () => {
    const engine = await loadEngine(DEFAULT_ENGINE_DIR);
    const before = Date.now();
    const file = await resultsFileFor(
      engine,
      { command: 'harness compare', profile: TINY_PROFILE },
      'run-1',
      [],
      0,
    );
    const after = Date.now();
    expect('kind' in file).toBe(false);
    expect('shard' in file).toBe(false);
    expect(file.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const at = Date.parse(file.createdAt);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(after);
    expect(file.results).toEqual([]);
    expect(ResultsFileSchema.safeParse(file).success).toBe(true);
  });

  it('takes the ref from the engine it is given: outside git, no commit; unsupported modes say why', async () => {
    const dir = tempDir('results-file-for-');
    const fake: LoadedEngine = {
      dir,
      module: 'file:///nowhere/index.ts',
      capabilities: {
        builder: false,
        checkpoint: false,
        modes: {
          inMemory: { supported: false, reason: 'no builder' },
          buffered: { supported: false, reason: 'no builder' },
          strict: { supported: true },
        },
      },
      newRunId: () => 'r',
      open: () => {
        throw new Error('not opened in this test');
      },
      require: () => {
        throw new Error('not required in this test');
      },
    };
    const file = await resultsFileFor(
      fake,
      { command: 'c', profile: TINY_PROFILE, kind: 'gate', createdAt: CREATED },
      'run-2',
      [],
      5,
    );
    expect(file.kind).toBe('gate');
    expect('shard' in file).toBe(false);
    expect(file.engine).toEqual({
      dir,
      commit: null,
      tag: null,
      dirty: null,
      capabilities: {
        builder: false,
        modes: {
          inMemory: { supported: false, reason: 'no builder' },
          buffered: { supported: false, reason: 'no builder' },
          strict: { supported: true, reason: null },
        },
      },
    });
    expect(ResultsFileSchema.safeParse(file).success).toBe(true);
  });

  it('records the shard a run measured, and only its index and count', async () => {
    const engine = await loadEngine(DEFAULT_ENGINE_DIR);
    const shard = { index: 2, count: 3, extra: 'not copied' };
    const file = await resultsFileFor(
      engine,
      { command: 'harness gate --shard 2/3', profile: TINY_PROFILE, kind: 'gate', shard },
      'run-3',
      [],
      0,
    );
    expect(file.shard).toEqual({ index: 2, count: 3 });
    expect(Object.keys(file).at(-1)).toBe('shard');
    expect(ResultsFileSchema.safeParse(file).success).toBe(true);
  });
});
