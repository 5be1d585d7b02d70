import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { execa } from 'execa';
import { CHILD_FLAGS, measureHeapPerOp } from '../../../harness/measure/heap.ts';
import { REPO_ROOT } from '../../../harness/support/paths.ts';

describe('heap bytes per op', () => {
  it('reads known allocations exactly: {a, b} 40 B, [i, i, i, i] 80 B, a no-op 0 B', async () => {
    // The same flags as every measuring child (64-bit V8, no pointer compression).
    const r = await execa(
      process.execPath,
      [
        ...CHILD_FLAGS,
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'test', 'fixtures', 'heap-probe.ts'),
      ],
      { cwd: REPO_ROOT },
    );
    const figures = JSON.parse(r.stdout) as Record<string, number>;
    expect(figures.object2).toBeCloseTo(40, 0);
    expect(figures.array4).toBeCloseTo(80, 0);
    expect(Math.abs(figures.noop ?? Number.NaN)).toBeLessThan(0.5);
  });

  it('refuses to guess without --expose-gc', () => {
    expect(() =>
      measureHeapPerOp(() => {}, { windows: 1, opsPerWindow: 1, maxAttempts: 1 }),
    ).toThrow(/--expose-gc/);
  });
});
