/**
 * Where a run happened: the engine's git ref and the machine. Git is asked through execa; an
 * engine outside git (or in a repository with no commit yet) gets nulls, not an error.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { execa } from 'execa';
import type { EngineCapabilities } from '../engine-api/adapter.ts';
import { CHILD_FLAGS } from '../measure/heap.ts';
import { MODES } from '../engine-api/modes.ts';
import type { ResultsFile } from '../results/results-file.ts';

async function git(cwd: string, args: string[]): Promise<string | null> {
  const r = await execa('git', args, { cwd, reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

export async function engineRef(
  dir: string,
  capabilities: EngineCapabilities,
): Promise<ResultsFile['engine']> {
  const commit = await git(dir, ['rev-parse', 'HEAD']);
  const tag =
    commit === null ? null : await git(dir, ['describe', '--tags', '--exact-match', 'HEAD']);
  // Scoped to the engine directory: uncommitted harness or test changes don't make the
  // engine "dirty". Untracked files count (a new engine module changes what is measured).
  const status = await git(dir, ['status', '--porcelain', '--', '.']);
  const inGit = (await git(dir, ['rev-parse', '--is-inside-work-tree'])) === 'true';
  return {
    dir,
    commit,
    tag: tag === '' ? null : tag,
    dirty: inGit ? status !== null && status !== '' : null,
    capabilities: {
      builder: capabilities.builder,
      modes: Object.fromEntries(
        MODES.map((m) => {
          const s = capabilities.modes[m];
          return [m, { supported: s.supported, reason: s.supported ? null : s.reason }];
        }),
      ) as ResultsFile['engine']['capabilities']['modes'],
    },
  };
}

export function environment(): ResultsFile['environment'] {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    osRelease: os.release(),
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    hostHash: createHash('sha256').update(os.hostname()).digest('hex').slice(0, 12),
    ci: process.env.CI === 'true' || process.env.CI === '1',
    childFlags: [...CHILD_FLAGS],
  };
}
