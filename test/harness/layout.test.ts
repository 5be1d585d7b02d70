/**
 * The harness's layout is its architecture: stage folders in the order data flows
 * (harness/stages.json), each with a README saying what it owns and what it may import, and no
 * module too big to be one concern without saying why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HARNESS_DIR, REPO_ROOT } from '../../harness/support/paths.ts';

interface Stage {
  name: string;
  imports: string[];
}
const { stages } = JSON.parse(fs.readFileSync(path.join(HARNESS_DIR, 'stages.json'), 'utf8')) as {
  stages: Stage[];
};
const names = stages.map((s) => s.name);

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('the harness layout', () => {
  it('has one folder per stage and nothing loose besides its README and the stage list', () => {
    const entries = fs.readdirSync(HARNESS_DIR, { withFileTypes: true });
    const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name);
    const files = entries.filter((e) => !e.isDirectory()).map((e) => e.name);
    expect(folders.sort()).toEqual([...names].sort());
    expect(files.sort()).toEqual(['README.md', 'stages.json']);
  });

  it('lets each stage import only earlier stages', () => {
    stages.forEach((s, i) => {
      for (const dep of s.imports) expect(names.slice(0, i), `${s.name} -> ${dep}`).toContain(dep);
    });
  });

  it('gives each stage a README stating what it owns and exactly what it may import', () => {
    for (const s of stages) {
      const readme = fs.readFileSync(path.join(HARNESS_DIR, s.name, 'README.md'), 'utf8');
      expect(readme.startsWith(`# ${s.name}/\n\n`)).toBe(true);
      const line = readme.split('\n').find((l) => l.startsWith('May import: '));
      const listed = [...(line ?? '').matchAll(/`([a-z-]+)\/`/g)].map((m) => m[1]);
      expect(listed, s.name).toEqual(s.imports);
    }
  });

  it('opens every module with a header, and a module over 400 lines says why it is one piece', () => {
    for (const file of tsFiles(HARNESS_DIR)) {
      const text = fs.readFileSync(file, 'utf8');
      const rel = path.relative(REPO_ROOT, file);
      expect(text.startsWith('/**') || text.startsWith('//'), rel).toBe(true);
      if (text.split('\n').length > 400) {
        const header = text.slice(0, text.indexOf('*/'));
        expect(header, rel).toMatch(/One piece: /);
      }
    }
  });

  it('has a test file per module, named after it, in the mirrored folder', () => {
    // Entry points and lists, exercised through the modules that start or read them.
    const exempt: Record<string, string> = {
      'harness/measure/child.ts':
        'child-process entry: run/bundle.test.ts and run/runner.test.ts start it',
      'harness/measure/replicate-worker.ts':
        'worker entry: measure/replicate-pair.test.ts drives it through its protocol',
      'harness/peers/index.ts': 'the list of adapters: peers/adapters.test.ts covers every entry',
    };
    const missing = tsFiles(HARNESS_DIR)
      .map((f) => path.relative(REPO_ROOT, f))
      .filter((rel) => exempt[rel] === undefined)
      .filter((rel) => {
        const base = path.join(REPO_ROOT, 'test', rel.replace(/\.ts$/, ''));
        return !fs.existsSync(`${base}.test.ts`) && !fs.existsSync(`${base}.e2e.test.ts`);
      });
    expect(missing).toEqual([]);
  });
});
