import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_CONFIG_PATH,
  DEFAULT_HISTORY_DIR,
  RED_FLAG_IDS,
  commitUrl,
  historyDir,
  loadConfig,
  parseConfig,
  samplingPlan,
  thresholdFor,
  type PerfConfig,
} from '../../../harness/config/perf-config.ts';
import { UsageError } from '../../../harness/support/errors.ts';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import { tempDir } from '../helpers.ts';

const checkedIn = (): PerfConfig => loadConfig();
/** A deep copy of the checked-in file's data, to break one field at a time. */
const rawConfig = (): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Record<string, unknown>;

function problem(data: unknown): ConfigError {
  try {
    parseConfig(data, '/x/perf.config.json');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('the checked-in perf.config.json', () => {
  it('is valid and carries the issue and docs/red-flags.md defaults', () => {
    const c = checkedIn();
    expect(c.baseline).toEqual({ default: 'm3_baseline_perf', mergeBaseWith: 'origin/main' });
    expect(c.compare.threshold).toBe(0.05);
    expect(c.compare.confidence).toBe(0.95);
    expect(c.gate.confirm).toBe(true);
    expect(c.redFlags.map((f) => f.id).sort()).toEqual([...RED_FLAG_IDS].sort());
  });

  it('has the red-flag thresholds and targets of docs/red-flags.md', () => {
    const flags = Object.fromEntries(
      checkedIn().redFlags.map((f) => [f.id, [f.threshold, f.target, f.unit]]),
    );
    expect(flags).toEqual({
      'snapshot-acquire': [2000, 500, 'ns'],
      'a1-a0-inmemory': [20, 10, '×'],
      'b-a1': [8, 5, '×'],
      'disjoint-run-scaling': [2.5, 3.2, '×'],
      'p99-over-mean': [20, null, '×'],
      'hot-path-allocation': [0, null, 'B/op'],
      'engine-put-inmemory': [10_000, 3000, 'ns'],
      'kvstore-put-inmemory': [20_000, 8000, 'ns'],
      'kvstore-get': [10_000, 5000, 'ns'],
      'throughput-1-worker': [100_000, 250_000, 'ops/s'],
    });
  });
});

describe('thresholdFor', () => {
  const base = checkedIn();
  const config: PerfConfig = {
    ...base,
    compare: {
      ...base.compare,
      overrides: [
        { match: 'kvstore/put/**/dur_strict', threshold: 0.2 },
        { match: '**/dur_strict', threshold: 0.1, why: 'fsync varies' },
        { match: 'kvstore/get/*', threshold: 0.08 },
      ],
    },
  };

  it('takes the first matching override, else the default', () => {
    expect(thresholdFor(config, 'kvstore/put/hot_key/dur_strict')).toBe(0.2);
    expect(thresholdFor(config, 'engine/put_direct/dur_strict')).toBe(0.1);
    expect(thresholdFor(config, 'engine/put_direct/dur_inmemory')).toBe(0.05);
    // Read-only ids have no /dur_ suffix.
    expect(thresholdFor(config, 'kvstore/get/uniform')).toBe(0.08);
    expect(thresholdFor(config, 'kvstore/get_many_10')).toBe(0.05);
  });

  it('feeds the sampling plan, with the budget of the profile', () => {
    const quick = samplingPlan(config, 'quick');
    const full = samplingPlan(config, 'full');
    expect(quick.budgetMs).toBe(base.compare.budgetSeconds.quick * 1000);
    expect(full.budgetMs).toBe(base.compare.budgetSeconds.full * 1000);
    expect(quick.threshold('wal/recovery/50k/dur_strict')).toBe(0.1);
    expect(quick).toMatchObject({
      minRounds: base.compare.minRounds,
      maxRounds: base.compare.maxRounds,
      alpha: base.compare.alpha,
      confidence: base.compare.confidence,
      trim: base.compare.trim,
    });
  });
});

describe('config errors (exit 2, naming the file and the field)', () => {
  it('a missing file or invalid JSON', () => {
    const dir = tempDir();
    try {
      const missing = path.join(dir, 'nope.json');
      expect(() => loadConfig(missing)).toThrow(UsageError);
      expect(() => loadConfig(missing)).toThrow(`config file ${missing} does not exist`);
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, '{ "baseline": ');
      expect(() => loadConfig(bad)).toThrow(/bad\.json is not usable: not valid JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the field of a bad value', () => {
    const data = rawConfig();
    (data.compare as Record<string, unknown>).alpha = 1.5;
    const err = problem(data);
    expect(err.field).toBe('compare.alpha');
    expect(err.message).toMatch(
      /^config file \/x\/perf\.config\.json is not usable: field "compare\.alpha": /,
    );
    expect(err.hint).toMatch(/perf\.config\.json/);
  });

  it('refuses unknown fields, maxRounds < minRounds, and bad globs', () => {
    const extra = rawConfig();
    (extra.gate as Record<string, unknown>).confrim = true;
    expect(problem(extra).field).toBe('gate.confrim');
    const rounds = rawConfig();
    Object.assign(rounds.compare as object, { minRounds: 10, maxRounds: 5 });
    expect(problem(rounds).field).toBe('compare.maxRounds');
    const noProfile = rawConfig();
    (noProfile.compare as Record<string, unknown>).budgetSeconds = { quick: 10 };
    expect(problem(noProfile).field).toBe('compare.budgetSeconds.full');
  });

  it('checks the red flags: known ids, each once, all present, units as computed', () => {
    const flagsOf = (d: Record<string, unknown>) => d.redFlags as Array<Record<string, unknown>>;
    const unknown = rawConfig();
    (flagsOf(unknown)[0] as Record<string, unknown>).id = 'made-up';
    expect(problem(unknown).field).toBe('redFlags[0].id');

    const missing = rawConfig();
    flagsOf(missing).splice(3, 1);
    expect(problem(missing).message).toMatch(/missing red flags: disjoint-run-scaling/);

    const twice = rawConfig();
    flagsOf(twice).push({ ...(flagsOf(twice)[0] as object) });
    expect(problem(twice).message).toMatch(/"snapshot-acquire" is listed twice/);

    const unit = rawConfig();
    (flagsOf(unit)[0] as Record<string, unknown>).unit = 'µs';
    const err = problem(unit);
    expect(err.field).toBe('redFlags[0].unit');
    expect(err.message).toMatch(/snapshot-acquire figure is in ns, not "µs"/);
  });

  it('a missing file: says it does not exist, gives the path resolved, suggests the default', () => {
    const file = path.join(tempDir(), 'nope.json');
    const relative = path.relative(process.cwd(), file);
    expect(path.isAbsolute(relative)).toBe(false);
    let err: unknown = null;
    try {
      loadConfig(relative);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`config file ${file} does not exist`);
    expect((err as ConfigError).hint).toBe(
      `check the --config path, or leave --config out to use the default ${DEFAULT_CONFIG_PATH}`,
    );
  });

  it('a folder or a file that is not JSON: what is wrong and the fix, without "fix: fix"', () => {
    const dir = tempDir();
    expect(() => loadConfig(dir)).toThrow(
      `config file ${dir} is not usable: can't read it (EISDIR)`,
    );
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{ "baseline": ');
    try {
      loadConfig(bad);
    } catch (e) {
      expect((e as ConfigError).hint).toBe(
        `correct the JSON syntax of ${bad} (the checked-in perf.config.json documents every field)`,
      );
    }
    expect.assertions(2);
  });

  it('field problems read as sentences: missing, unknown, wrong type, not an object', () => {
    const missing = rawConfig();
    delete missing.compare;
    expect(problem(missing).message).toBe(
      'config file /x/perf.config.json is not usable: field "compare": missing (it must be an object)',
    );
    expect(problem(missing).hint).toBe(
      'add "compare" to /x/perf.config.json (the checked-in perf.config.json documents every field)',
    );

    const extra = rawConfig();
    (extra.gate as Record<string, unknown>).confrim = true;
    expect(problem(extra).message).toBe(
      'config file /x/perf.config.json is not usable: field "gate.confrim": not a field the harness knows',
    );
    expect(problem(extra).hint).toMatch(
      /^remove "gate\.confrim" from \/x\/perf\.config\.json or correct its spelling/,
    );

    const wrong = rawConfig();
    (wrong.compare as Record<string, unknown>).minRounds = 2.5;
    expect(problem(wrong).message).toBe(
      'config file /x/perf.config.json is not usable: field "compare.minRounds": must be an integer, not 2.5',
    );
    expect(problem(wrong).hint).toMatch(/^correct "compare\.minRounds" in \/x\/perf\.config\.json/);

    const range = rawConfig();
    (range.compare as Record<string, unknown>).alpha = 1.5;
    expect(problem(range).message).toMatch(/field "compare\.alpha": .* \(it is 1\.5\)$/);

    expect(problem([]).message).toBe(
      'config file /x/perf.config.json is not usable: the file must hold a JSON object, not []',
    );
    expect(problem([]).field).toBeNull();
  });
});

describe('the history section', () => {
  const base = checkedIn();
  const { history: _history, ...withoutHistory } = base;
  const noHistory: PerfConfig = withoutHistory;
  const withHistory = (history: PerfConfig['history']): PerfConfig => ({ ...base, history });
  const SHA = 'ab'.repeat(20);

  it('historyDir: --dir when given (resolved from the current folder), else the config’s, else perf-history', () => {
    expect(historyDir(base, 'some/where')).toBe(path.resolve('some/where'));
    expect(historyDir(base, '/abs/h')).toBe('/abs/h');
    expect(historyDir(withHistory({ dir: 'my-history' }))).toBe(path.join(REPO_ROOT, 'my-history'));
    expect(historyDir(withHistory({ dir: '/var/h' }))).toBe('/var/h');
    expect(historyDir(noHistory)).toBe(path.join(REPO_ROOT, DEFAULT_HISTORY_DIR));
    expect(DEFAULT_HISTORY_DIR).toBe('perf-history');
    // --dir wins over the config.
    expect(historyDir(withHistory({ dir: 'my-history' }), 'given')).toBe(path.resolve('given'));
  });

  it('commitUrl: the config’s template, every {sha} replaced', () => {
    const c = withHistory({ dir: 'h', commitUrl: 'https://git.example/r/commit/{sha}?s={sha}' });
    expect(commitUrl(c, SHA, {})).toBe(`https://git.example/r/commit/${SHA}?s=${SHA}`);
    // The config wins over GitHub's environment.
    expect(
      commitUrl(c, SHA, { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r' }),
    ).toBe(`https://git.example/r/commit/${SHA}?s=${SHA}`);
  });

  it('commitUrl: GitHub’s server and repository from the environment, else null', () => {
    const env = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'owner/repo' };
    expect(commitUrl(noHistory, SHA, env)).toBe(`https://github.com/owner/repo/commit/${SHA}`);
    expect(commitUrl(withHistory({ dir: 'h' }), SHA, env)).toBe(
      `https://github.com/owner/repo/commit/${SHA}`,
    );
    expect(commitUrl(noHistory, SHA, {})).toBeNull();
    // Both are needed.
    expect(commitUrl(noHistory, SHA, { GITHUB_SERVER_URL: 'https://github.com' })).toBeNull();
    expect(commitUrl(noHistory, SHA, { GITHUB_REPOSITORY: 'owner/repo' })).toBeNull();
  });

  it('accepts a config without the section, or with an http(s) commitUrl holding {sha}', () => {
    const none = rawConfig();
    delete none.history;
    expect(parseConfig(none).history).toBeUndefined();
    for (const url of ['https://github.com/o/r/commit/{sha}', 'http://git.local/{sha}']) {
      const ok = rawConfig();
      ok.history = { dir: 'h', commitUrl: url };
      expect(parseConfig(ok).history?.commitUrl).toBe(url);
    }
  });

  it('refuses a commitUrl without {sha} or not http(s), naming the field', () => {
    for (const url of [
      'https://github.com/o/r/commit/',
      'https://github.com/o/r/commit/{SHA}',
      'javascript:alert("{sha}")',
      'ftp://host/{sha}',
      '//host/{sha}',
      'github.com/o/r/commit/{sha}',
    ]) {
      const data = rawConfig();
      data.history = { dir: 'h', commitUrl: url };
      const err = problem(data);
      expect(err.field, url).toBe('history.commitUrl');
      expect(err.message, url).toBe(
        `config file /x/perf.config.json is not usable: field "history.commitUrl": must be an http(s) URL containing {sha} (it is ${JSON.stringify(url)})`,
      );
    }
  });

  it('refuses an empty dir and an unknown field in the section', () => {
    const empty = rawConfig();
    empty.history = { dir: '' };
    expect(problem(empty).field).toBe('history.dir');
    const extra = rawConfig();
    extra.history = { dir: 'h', url: 'https://x/{sha}' };
    expect(problem(extra).field).toBe('history.url');
  });
});
