/**
 * A results file's machine (machine.ts): the key runs are grouped and compared by, the one
 * line every output prints for it, and what differs between two machines, field by field.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MACHINE_NAME,
  describeMachine,
  machineKey,
  machineMismatches,
  machineSlug,
  type Environment,
} from '../../../harness/results/machine.ts';

const ENV: Environment = {
  node: 'v20.20.2',
  v8: '11.3.244.8-node.38',
  platform: 'linux',
  osRelease: '6.18.44',
  arch: 'x64',
  cpuModel: 'AMD EPYC',
  cores: 2,
  availableParallelism: 2,
  totalMemoryBytes: 25_276_026_880,
  hostHash: '5bce98f73f3e',
  ci: false,
  childFlags: ['--expose-gc', '--min-semi-space-size=64'],
};

describe('machineKey', () => {
  it('host, CPU, cores and Node, in that order', () => {
    expect(machineKey(ENV)).toBe('5bce98f73f3e | AMD EPYC | 2 | v20.20.2');
  });

  it('changes with each of those four, and with nothing else', () => {
    const key = machineKey(ENV);
    for (const change of [
      { hostHash: 'ffff' },
      { cpuModel: 'Intel Xeon' },
      { cores: 16 },
      { node: 'v22.1.0' },
    ]) {
      expect(machineKey({ ...ENV, ...change }), JSON.stringify(change)).not.toBe(key);
    }
    for (const change of [
      { v8: '12' },
      { osRelease: '7' },
      { platform: 'darwin' },
      { arch: 'arm64' },
      { availableParallelism: 1 },
      { totalMemoryBytes: 1 },
      { ci: true },
      { childFlags: [] },
    ]) {
      expect(machineKey({ ...ENV, ...change }), JSON.stringify(change)).toBe(key);
    }
  });
});

describe('describeMachine', () => {
  it('the machine in words', () => {
    expect(describeMachine(ENV)).toBe('AMD EPYC × 2, linux/x64, Node v20.20.2, host 5bce98f73f3e');
  });

  it('says CI when the run was in CI', () => {
    expect(describeMachine({ ...ENV, ci: true, platform: 'darwin', arch: 'arm64', cores: 8 })).toBe(
      'AMD EPYC × 8, darwin/arm64, Node v20.20.2, host 5bce98f73f3e, CI',
    );
  });
});

describe('machineMismatches', () => {
  it('identical machines: none', () => {
    expect(machineMismatches(ENV, { ...ENV })).toEqual([]);
    // What the key ignores does not count either.
    expect(machineMismatches(ENV, { ...ENV, v8: '12', osRelease: '7', ci: true })).toEqual([]);
  });

  it('one line per field that differs, the stored machine first', () => {
    expect(machineMismatches(ENV, { ...ENV, hostHash: 'ffff' })).toEqual([
      'another machine (host hash)',
    ]);
    expect(machineMismatches(ENV, { ...ENV, cpuModel: 'Intel Xeon' })).toEqual([
      'CPU AMD EPYC vs Intel Xeon',
    ]);
    expect(machineMismatches(ENV, { ...ENV, cores: 16 })).toEqual(['2 vs 16 cores']);
    expect(machineMismatches(ENV, { ...ENV, node: 'v22.1.0' })).toEqual([
      'Node v20.20.2 vs v22.1.0',
    ]);
    expect(machineMismatches(ENV, { ...ENV, childFlags: ['--expose-gc'] })).toEqual([
      'measuring flags --expose-gc --min-semi-space-size=64 vs --expose-gc (they shape GC and page faults)',
    ]);
  });

  it('every difference at once, in a fixed order', () => {
    const here: Environment = {
      ...ENV,
      hostHash: 'ffff',
      cpuModel: 'Intel Xeon',
      cores: 16,
      node: 'v22.1.0',
      childFlags: [],
    };
    expect(machineMismatches(ENV, here)).toEqual([
      'another machine (host hash)',
      'CPU AMD EPYC vs Intel Xeon',
      '2 vs 16 cores',
      'Node v20.20.2 vs v22.1.0',
      'measuring flags --expose-gc --min-semi-space-size=64 vs (none) (they shape GC and page faults)',
    ]);
  });

  it('the flags’ order counts', () => {
    const swapped = { ...ENV, childFlags: ['--min-semi-space-size=64', '--expose-gc'] };
    expect(machineMismatches(ENV, swapped)).toHaveLength(1);
  });
});

describe('machineSlug', () => {
  const hash6 = (env: Environment): string =>
    createHash('sha256').update(machineKey(env)).digest('hex').slice(0, 6);

  it('host hash, cores and Node without its v, then a hash of the whole key', () => {
    expect(machineSlug(ENV)).toBe(`5bce98f73f3e-2cpu-node20.20.2-${hash6(ENV)}`);
    expect(machineSlug(ENV)).not.toContain('nodev');
    // Only a leading v goes.
    expect(machineSlug({ ...ENV, node: '20.1.0-v8-canary' })).toMatch(/-node20\.1\.0-v8-canary-/);
  });

  it('is stable: the same machine gets the same folder, whatever the key ignores', () => {
    expect(machineSlug({ ...ENV })).toBe(machineSlug(ENV));
    expect(machineSlug({ ...ENV, v8: '12', osRelease: '7', ci: true, childFlags: [] })).toBe(
      machineSlug(ENV),
    );
  });

  it('differs when the CPU model differs, though the CPU is not in the readable part', () => {
    const other = machineSlug({ ...ENV, cpuModel: 'Intel Xeon' });
    expect(other).not.toBe(machineSlug(ENV));
    expect(other.startsWith('5bce98f73f3e-2cpu-node20.20.2-')).toBe(true);
    for (const change of [{ hostHash: 'ffff' }, { cores: 16 }, { node: 'v22.1.0' }]) {
      expect(machineSlug({ ...ENV, ...change }), JSON.stringify(change)).not.toBe(machineSlug(ENV));
    }
  });

  it('is a safe folder name whatever the host hash or Node version hold', () => {
    const hostile = machineSlug({
      ...ENV,
      hostHash: '../../etc passwd',
      node: 'v20/../x\\y:z*?"<>|',
    });
    expect(hostile).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(hostile).not.toContain('/');
    expect(hostile).toBe(`.._.._etc_passwd-2cpu-node20_.._x_y_z______-${hostile.slice(-6)}`);
    // A real machine's slug is also a name --machine accepts.
    expect(MACHINE_NAME.test(machineSlug(ENV))).toBe(true);
  });
});

describe('MACHINE_NAME (--machine)', () => {
  it('accepts letters, digits, ".", "_" and "-", starting with a letter or digit, up to 64', () => {
    for (const name of ['ci-ubuntu-2core', 'box.a_1', 'A', '9', `a${'b'.repeat(63)}`]) {
      expect(MACHINE_NAME.test(name), name).toBe(true);
    }
  });

  it('refuses what is no safe folder name', () => {
    for (const name of [
      '',
      'bad/name',
      '..',
      '.hidden',
      '-dash',
      '_under',
      'has space',
      'back\\slash',
      'new\nline',
      'ünï',
      `a${'b'.repeat(64)}`,
    ]) {
      expect(MACHINE_NAME.test(name), JSON.stringify(name)).toBe(false);
    }
  });
});
