/**
 * The example CI workflow holds together: it parses, the gate's matrix and its `--shard i/n`
 * agree (a shard missing from the matrix would leave jobs unmeasured, and merge refuses an
 * incomplete set), the merge job reads what the shard jobs upload and comments with the file
 * merge writes, and main's job records history before it publishes. readme-cli.test.ts checks
 * that every harness invocation in it names real commands and options.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../harness/support/paths.ts';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  strategy?: { matrix?: { shard?: unknown } };
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const FILE = path.join(REPO_ROOT, '.github', 'workflows', 'perf.yml');
const workflow = parse(fs.readFileSync(FILE, 'utf8')) as Workflow;

function job(name: string): Job {
  const j = workflow.jobs[name];
  if (j === undefined) throw new Error(`the workflow has no job ${name}`);
  return j;
}

function runs(j: Job): string {
  return (j.steps ?? []).map((s) => s.run ?? '').join('\n');
}

describe('the example workflow (.github/workflows/perf.yml)', () => {
  it('runs on pull requests and on pushes to main', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['pull_request', 'push']));
  });

  it('shards the gate over exactly the matrix it declares', () => {
    const gate = job('gate');
    const shards = gate.strategy?.matrix?.shard;
    expect(Array.isArray(shards)).toBe(true);
    const n = (shards as unknown[]).length;
    expect(shards).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const call =
      /npm run harness -- gate --shard \$\{\{ matrix\.shard \}\}\/(\d+) --out (\S+)/.exec(
        runs(gate),
      );
    expect(call?.[1]).toBe(String(n));
    const upload = (gate.steps ?? []).find((s) => s.uses?.startsWith('actions/upload-artifact'));
    expect(String(upload?.with?.path)).toContain(call?.[2] ?? '?');
  });

  it('merges what the shards upload, uploads the report and posts merge’s comment.md', () => {
    const report = job('report');
    expect(report.needs).toBe('gate');
    const download = (report.steps ?? []).find((s) =>
      s.uses?.startsWith('actions/download-artifact'),
    );
    const pattern = String(download?.with?.pattern);
    const dir = String(download?.with?.path);
    const merge = /npm run harness -- merge (\S+) --out (\S+)/.exec(runs(report));
    expect(merge?.[1]).toBe(`${dir}/${pattern}/results.json`);
    const out = merge?.[2] ?? '?';
    expect(runs(report)).toContain(`--body-file ${out}/comment.md`);
    const uploads = (report.steps ?? []).filter((s) =>
      s.uses?.startsWith('actions/upload-artifact'),
    );
    expect(uploads.map((s) => s.with?.name)).toContain('perf-report');
  });

  it('records the history before publishing it, on main only', () => {
    const history = job('history');
    expect(history.if).toContain("'push'");
    const text = runs(history);
    const record = text.indexOf('npm run harness -- history record');
    const publish = text.indexOf('npm run harness -- publish');
    expect(record).toBeGreaterThanOrEqual(0);
    expect(publish).toBeGreaterThan(record);
    const dir = /history record .*--dir (\S+)/.exec(text)?.[1];
    expect(text).toContain(`publish --out site --history ${dir ?? '?'}`);
    expect(job('pages').needs).toBe('history');
  });
});
