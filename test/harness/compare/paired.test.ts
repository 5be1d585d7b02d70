import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareSamples } from '../../../harness/stats/comparison.ts';
import { baselineModeFor } from '../../../harness/compare/paired.ts';
import {
  renderComparison,
  renderMarkdown,
  renderRedFlags,
} from '../../../harness/render/comparison-text.ts';
import { loadConfig } from '../../../harness/config/perf-config.ts';
import type { LoadedEngine } from '../../../harness/engine-api/adapter.ts';
import type { ModeName } from '../../../harness/engine-api/modes.ts';
import { evaluateRedFlags } from '../../../harness/judge/red-flags.ts';
import {
  readResults,
  writeResults,
  type JobComparison,
  type ResultsFile,
} from '../../../harness/results/results-file.ts';
import { okResult, resultsFile, tempDir } from '../helpers.ts';

function engineWith(modes: ModeName[]): LoadedEngine {
  const all: ModeName[] = ['inMemory', 'buffered', 'strict'];
  const caps = Object.fromEntries(
    all.map((m) => [m, { supported: modes.includes(m), reason: modes.includes(m) ? null : 'no' }]),
  ) as LoadedEngine['capabilities']['modes'];
  return { capabilities: { builder: modes.length > 1, modes: caps } } as unknown as LoadedEngine;
}

const OPTS = { threshold: 0.05, alpha: 0.005, confidence: 0.95, trim: 0.2 };

function job(id: string, mode: ModeName | null, base: number[], cand: number[]): JobComparison {
  return {
    id,
    name: id.replace(/\/dur_\w+$/, ''),
    mode,
    baselineMode: mode === null ? null : 'strict',
    baselineSamples: base,
    candidateSamples: cand,
    rounds: base.length,
    stoppedBy: 'resolved',
    comparison: compareSamples(base, cand, OPTS),
    confirmed: null,
    note: null,
  };
}

function withComparison(): ResultsFile {
  const slow = [100, 101, 99, 100, 102, 100, 98];
  const fast = slow.map((x) => x * 1.2);
  const r = resultsFile([okResult()]);
  r.comparison = {
    baseline: {
      label: 'm3_baseline_perf',
      commit: 'a'.repeat(40),
      source: 'tag',
      file: 'baseline.json',
    },
    candidate: {
      label: 'working tree',
      commit: 'b'.repeat(40),
      source: 'working-tree',
      file: null,
    },
    rounds: 7,
    notes: [
      'The baseline engine has one durability mode only (strict); every candidate mode is compared with it.',
    ],
    jobs: [
      { ...job('kvstore/put/uniform/dur_inmemory', 'inMemory', slow, fast), confirmed: true },
      job('core/map_get', null, slow, slow),
      job('evil|name<script>/x', null, slow, slow),
    ],
  };
  return r;
}

describe('baselineModeFor', () => {
  it('keeps the mode when the baseline has it', () => {
    expect(baselineModeFor('buffered', engineWith(['inMemory', 'buffered', 'strict']))).toEqual({
      mode: 'buffered',
      note: null,
    });
  });

  it('maps every mode to the only mode of a one-mode baseline (the M3 tag) and says so', () => {
    const m3 = engineWith(['strict']);
    for (const mode of ['inMemory', 'buffered', 'strict'] as const) {
      const r = baselineModeFor(mode, m3);
      expect(r.mode).toBe('strict');
      if (mode === 'strict') expect(r.note).toBeNull();
      else expect(r.note).toMatch(/one durability mode only \(strict\)/);
    }
  });

  it('read-only jobs have no mode on either side', () => {
    expect(baselineModeFor(null, engineWith(['strict']))).toEqual({ mode: null, note: null });
  });
});

describe('comparison results and summaries', () => {
  it('a results file with comparison, red flags and an old gate field round-trips through the schema', () => {
    const r = withComparison();
    const flags = evaluateRedFlags(r, loadConfig());
    r.redFlags = flags;
    r.gate = { verdict: 'fail', reasons: ['regression confirmed by a second pass: x'] };
    const file = path.join(tempDir(), 'results.json');
    writeResults(file, r);
    const back = readResults(file);
    expect(back.comparison?.jobs[0]?.comparison.classification).toBe('regressed');
    expect(back.gate?.verdict).toBe('fail');
    expect(back.redFlags?.length).toBe(flags.length);
  });

  it('a comparison with a bad class is refused, naming the field', () => {
    const r = withComparison() as unknown as {
      comparison: { jobs: Array<{ comparison: { classification: string } }> };
    };
    const first = r.comparison.jobs[0];
    if (first === undefined) throw new Error('fixture');
    first.comparison.classification = 'faster';
    const file = path.join(tempDir(), 'results.json');
    fs.writeFileSync(file, JSON.stringify(r));
    expect(() => readResults(file)).toThrow(/comparison\.jobs\[0\]\.comparison\.classification/);
  });

  it('the terminal table shows the ratio with its CI, the class and the mode mapping', () => {
    const text = renderComparison(withComparison());
    expect(text).toMatch(/kvstore\/put\/uniform/);
    expect(text).toMatch(/1\.2\d\d \[1\.\d+, 1\.\d+\]/);
    expect(text).toMatch(/REGRESSED \(confirmed\)/);
    expect(text).toMatch(/the baseline ran strict \(its only mode\)/);
    expect(text).toMatch(/1 regressed, 0 improved, 2 unchanged/);
  });

  it('the Markdown summary lists only what changed', () => {
    const r = withComparison();
    r.gate = {
      verdict: 'fail',
      reasons: ['regression confirmed by a second pass: kvstore/put/uniform/dur_inmemory'],
    };
    const md = renderMarkdown(r, 'reports/x/results.json');
    expect(md).toMatch(/❌ Gate: FAIL/);
    expect(md).toMatch(/\| kvstore\/put\/uniform \| inMemory \|/);
    expect(md).not.toMatch(/\| core\/map_get \|/); // unchanged rows are left out
    expect(md).toMatch(/unchanged ones not listed/);
  });

  it('the Markdown summary escapes an untrusted name in its table row and in the reasons', () => {
    const r = withComparison();
    const hostile = r.comparison?.jobs[2];
    if (hostile?.name !== 'evil|name<script>/x') throw new Error('fixture');
    // Regressed, so the hostile name is both a table row and a failing reason.
    const fast = hostile.candidateSamples;
    const slow = fast.map((x) => x * 1.2);
    Object.assign(hostile, {
      candidateSamples: slow,
      comparison: compareSamples(fast, slow, OPTS),
      confirmed: true,
    });
    expect(hostile.comparison.classification).toBe('regressed');
    const md = renderMarkdown(r, 'reports/x/results.json');
    const escaped = 'evil\\|name\\<script\\>/x';
    expect(md).toContain(`\n| ${escaped} | read-only |`);
    expect(md).toContain(`\n- regression: ${escaped} (ratio 1.2`);
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('evil|name');
  });

  it('the red-flag table names every flag with its verdict', () => {
    const r = withComparison();
    const flags = evaluateRedFlags(r, loadConfig());
    const text = renderRedFlags(flags);
    // Judged flags get a row with their verdict; the not-applicable ones one folded line.
    for (const f of flags) {
      if (f.verdict === 'not-applicable') continue;
      expect(text).toContain(f.description);
      expect(text).toContain(f.verdict.toUpperCase());
    }
    const na = flags.filter((f) => f.verdict === 'not-applicable');
    expect(na.length).toBeGreaterThan(0);
    expect(text).toContain(
      `not applicable in this run (${na.length}): ${na.map((f) => f.id).join(', ')}`,
    );
    expect(text).not.toContain('NOT-APPLICABLE');
    expect(text).toMatch(/\d+ pass, \d+ fail, \d+ not applicable/);
  });
});
