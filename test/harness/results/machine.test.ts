/**
 * A results file's machine (machine.ts): the key runs are grouped and compared by, the one
 * line every output prints for it, and what differs between two machines, field by field.
 */
import { describe, expect, it } from 'vitest';
import {
  describeMachine,
  machineKey,
  machineMismatches,
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
