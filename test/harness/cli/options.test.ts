/**
 * The options every measuring command shares (cli/options.ts): --profile, --mode and --filter
 * parse the same everywhere, and a bad value is refused by commander (exit 2 in the CLI) with
 * a message that says what was wrong and what to give instead.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  collect,
  collectFilters,
  collectModes,
  parseGlob,
  parseProfile,
  parseShard,
  profileOption,
  shardOption,
} from '../../../harness/cli/options.ts';
import { UsageError } from '../../../harness/support/errors.ts';
import { PROFILES } from '../../../harness/config/profiles.ts';
import type { ModeName } from '../../../harness/engine-api/modes.ts';

interface Parsed {
  profile: (typeof PROFILES)['quick'];
  mode: ModeName[];
  filter: string[];
}

/** A command with the three shared options, parsed like the CLI parses them. */
function parse(...args: string[]): { flags: Parsed | null; stderr: string; code: string | null } {
  let stderr = '';
  let flags: Parsed | null = null;
  const cmd = new Command('t')
    .exitOverride()
    .configureOutput({ writeErr: (s) => (stderr += s), writeOut: () => {} })
    .addOption(profileOption())
    .option('--mode <modes>', 'modes', collectModes, [])
    .option('--filter <glob>', 'globs', collectFilters, [])
    .action((f: Parsed) => {
      flags = f;
    });
  try {
    cmd.parse(args, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    return { flags: null, stderr, code: err.code };
  }
  return { flags, stderr, code: null };
}

describe('--profile', () => {
  it('defaults to quick, shown as "quick" in the help', () => {
    expect(parse().flags?.profile).toBe(PROFILES.quick);
    expect(profileOption().defaultValueDescription).toBe('quick');
  });

  it('takes quick or full', () => {
    expect(parse('--profile', 'full').flags?.profile).toBe(PROFILES.full);
    expect(parseProfile('quick')).toBe(PROFILES.quick);
  });

  it('an unknown profile: the message names it and the fix', () => {
    const r = parse('--profile', 'fast');
    expect(r.code).toBe('commander.invalidArgument');
    expect(r.stderr).toMatch(/--profile <name>' argument 'fast' is invalid/);
    expect(r.stderr).toMatch(/unknown profile "fast"; use --profile quick .* or --profile full/);
    expect(() => parseProfile('Quick')).toThrow(InvalidArgumentError);
  });
});

describe('--mode', () => {
  it('repeatable and comma-separated, case-insensitive, without duplicates, in order', () => {
    expect(parse('--mode', 'strict', '--mode', 'buffered').flags?.mode).toEqual([
      'strict',
      'buffered',
    ]);
    expect(parse('--mode', 'STRICT, inmemory', '--mode', 'strict').flags?.mode).toEqual([
      'strict',
      'inMemory',
    ]);
    expect(parse().flags?.mode).toEqual([]);
  });

  it('an unknown mode names it and lists the modes', () => {
    const r = parse('--mode', 'strict,turbo');
    expect(r.code).toBe('commander.invalidArgument');
    expect(r.stderr).toMatch(/unknown mode "turbo"; use inMemory, buffered, strict/);
  });

  it('an empty item (a stray comma) is refused as such, not as an unknown mode ""', () => {
    const r = parse('--mode', 'strict,');
    expect(r.code).toBe('commander.invalidArgument');
    expect(r.stderr).toMatch(/"strict," has an empty mode; list modes separated by commas/);
    expect(() => collectModes('', [])).toThrow(/has an empty mode/);
  });
});

describe('--filter', () => {
  it('repeatable, in order, globs kept as written', () => {
    expect(parse('--filter', 'kvstore/**', '--filter', 'core/map_get').flags?.filter).toEqual([
      'kvstore/**',
      'core/map_get',
    ]);
    expect(parse().flags?.filter).toEqual([]);
    expect(collect('b', ['a'])).toEqual(['a', 'b']);
  });

  it('an empty glob is a usage error, not a crash in picomatch', () => {
    const r = parse('--filter', '');
    expect(r.code).toBe('commander.invalidArgument');
    expect(r.stderr).toMatch(/an empty glob matches nothing; give a scenario name or a glob/);
    expect(() => parseGlob('   ')).toThrow(InvalidArgumentError);
  });

  it('a glob picomatch refuses is named in the message', () => {
    const long = 'a'.repeat(70_000);
    expect(() => parseGlob(long)).toThrow(/is not a valid glob \(/);
    expect(parseGlob('kvstore/put/*')).toBe('kvstore/put/*');
  });
});

describe('--shard', () => {
  it('takes i/n with 1 <= i <= n', () => {
    expect(parseShard('1/2')).toEqual({ index: 1, count: 2 });
    expect(parseShard('2/2')).toEqual({ index: 2, count: 2 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    expect(parseShard(' 7 / 12 ')).toEqual({ index: 7, count: 12 });
  });

  it.each([
    ['0/2', /--shard 0\/2: shards are numbered from 1/],
    ['3/2', /--shard 3\/2: there is no shard 3 of 2/],
    ['1/0', /--shard 1\/0: there must be at least 1 shard/],
    ['x', /--shard "x" is not <i>\/<n>/],
    ['1/2/3', /is not <i>\/<n>/],
    ['-1/2', /is not <i>\/<n>/],
    ['1.5/2', /is not <i>\/<n>/],
    ['', /is not <i>\/<n>/],
    ['1/99999999999999999999', /too large/],
  ])('refuses %j with what was wrong and a fix (a UsageError: exit 2)', (value, message) => {
    let err: unknown;
    try {
      parseShard(value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(message);
    expect((err as UsageError).hint).toMatch(/--shard 1\/2 and --shard 2\/2/);
  });

  it('as an option: absent by default, parsed when given, a bad value thrown as the UsageError', () => {
    const run = (...args: string[]) => {
      let got: { shard?: unknown } = {};
      new Command('t')
        .exitOverride()
        .addOption(shardOption())
        .action((f: { shard?: unknown }) => {
          got = f;
        })
        .parse(args, { from: 'user' });
      return got.shard;
    };
    expect(run()).toBeUndefined();
    expect(run('--shard', '2/3')).toEqual({ index: 2, count: 3 });
    expect(() => run('--shard', '3/2')).toThrow(UsageError);
  });
});
