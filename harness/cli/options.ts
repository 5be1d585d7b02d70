/**
 * Option parsing shared by every command (bench, compare, gate, baseline record), so
 * --profile, --mode, --filter and --shard behave identically everywhere.
 */
import { InvalidArgumentError, Option } from 'commander';
import picomatch from 'picomatch';
import { UsageError, errorMessage } from '../support/errors.ts';
import { MODES, parseMode, type ModeName } from '../engine-api/modes.ts';
import { getProfile, type Profile } from '../config/profiles.ts';
import type { ShardSpec } from '../catalogue/registry.ts';

export function parseProfile(value: string): Profile {
  try {
    return getProfile(value);
  } catch (err) {
    throw new InvalidArgumentError(
      err instanceof UsageError ? `${err.message}; ${err.hint ?? ''}` : errorMessage(err),
    );
  }
}

/** Repeatable and comma-separated: --mode strict --mode buffered, or --mode strict,buffered. */
export function collectModes(value: string, previous: ModeName[]): ModeName[] {
  const out = [...previous];
  for (const part of value.split(',')) {
    if (part.trim() === '') {
      throw new InvalidArgumentError(
        `"${value}" has an empty mode; list modes separated by commas, e.g. strict,buffered`,
      );
    }
    const mode = parseMode(part);
    if (mode === undefined) {
      throw new InvalidArgumentError(`unknown mode "${part}"; use ${MODES.join(', ')}`);
    }
    if (!out.includes(mode)) out.push(mode);
  }
  return out;
}

/** A repeatable option's values, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** One scenario-name glob (--filter, --target), checked the way picomatch will use it. */
export function parseGlob(value: string): string {
  if (value.trim() === '') {
    throw new InvalidArgumentError(
      'an empty glob matches nothing; give a scenario name or a glob, e.g. "kvstore/**"',
    );
  }
  try {
    picomatch(value);
  } catch (err) {
    throw new InvalidArgumentError(`"${value}" is not a valid glob (${errorMessage(err)})`);
  }
  return value;
}

/** Repeatable --filter: each value checked by parseGlob, kept in order. */
export function collectFilters(value: string, previous: string[]): string[] {
  return [...previous, parseGlob(value)];
}

export function profileOption(): Option {
  return new Option('--profile <name>', 'quick (suite ~2 min, comparison budget 350 s) or full')
    .default(getProfile('quick'), 'quick')
    .argParser(parseProfile);
}

const SHARD_FIX =
  'give the shard and the number of shards, numbered from 1: --shard 1/2 and --shard 2/2 split the jobs in two';

/**
 * `--shard <i>/<n>`: shard i of n (catalogue/registry.ts `shardJobs`). A bad value is a
 * UsageError rather than commander's InvalidArgumentError, so it prints its fix on a line of
 * its own (exit 2).
 */
export function parseShard(value: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (m === null) throw new UsageError(`--shard "${value}" is not <i>/<n>`, SHARD_FIX);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count)) {
    throw new UsageError(`--shard ${value}: the numbers are too large`, SHARD_FIX);
  }
  if (count < 1)
    throw new UsageError(`--shard ${value}: there must be at least 1 shard`, SHARD_FIX);
  if (index < 1) throw new UsageError(`--shard ${value}: shards are numbered from 1`, SHARD_FIX);
  if (index > count) {
    throw new UsageError(`--shard ${value}: there is no shard ${index} of ${count}`, SHARD_FIX);
  }
  return { index, count };
}

export function shardOption(): Option {
  return new Option(
    '--shard <i/n>',
    "run only shard i of n of the planned jobs (e.g. 1/2), a deterministic split; `merge` combines the shards' results files",
  ).argParser(parseShard);
}

/** `--report-url <url>` (gate, merge): where the published HTML report is, an http(s) URL. */
export function parseReportUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `--report-url "${value}" is not a URL`,
      'give the address the report is published at, e.g. --report-url https://example.com/perf/index.html',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(
      `--report-url "${value}" is not an http or https URL`,
      'give the address the report is published at, e.g. --report-url https://example.com/perf/index.html',
    );
  }
  return url.href;
}

export function reportUrlOption(): Option {
  return new Option(
    '--report-url <url>',
    "where the HTML report is published, for comment.md's link (default: the perf-report artifact of the GitHub Actions run, else the report's path)",
  ).argParser(parseReportUrl);
}
