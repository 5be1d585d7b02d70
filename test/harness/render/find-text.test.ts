/** What `find` prints: a line per step, the table of steps, and the result line of each kind. */
import { describe, expect, it } from 'vitest';
import { renderFind, renderFindResult, renderStepLine } from '../../../harness/render/find-text.ts';
import { findFile, findStep, shaOf } from '../find-fixture.ts';

describe('find output', () => {
  it('a step line says the commit, its place, the outcome, why, the time and the folder', () => {
    expect(renderStepLine(findStep(2, 4, 'not slower', 1.01), 7)).toBe(
      `step 2 (3 of 7) ${shaOf(4).slice(0, 12)} "commit 4": not slower, because not slower (12 s, 2-${shaOf(4).slice(0, 12)}/)`,
    );
  });

  it('names the culprit: full sha, subject, ratio with CI, the job, against good', () => {
    expect(renderFindResult(findFile())).toBe(
      `culprit: ${shaOf(5)} "commit 5": ratio 4.000 [3.600, 4.400] (kvstore/put/hot_key/dur_inmemory) against good ${shaOf(1).slice(0, 12)} (step 4)`,
    );
  });

  it('bad not slower: nothing to find', () => {
    const f = { ...findFile(), steps: [findStep(1, 8, 'not slower', 1.0)] };
    f.result = { kind: 'not-slower' };
    expect(renderFindResult(f)).toBe(
      `not slower: bad ${shaOf(8).slice(0, 12)} is not slower than good ${shaOf(1).slice(0, 12)}; nothing to find`,
    );
  });

  it('inconclusive: where it stopped, and the commits still in question', () => {
    const f = findFile();
    f.steps = [findStep(1, 8, 'slower', 4.2), findStep(2, 4, 'inconclusive', 1.2)];
    f.result = {
      kind: 'inconclusive',
      after: f.good,
      through: f.bad,
      throughSlower: true,
      range: [2, 3, 4, 5, 6, 7, 8].map((n) => ({ commit: shaOf(n), subject: `commit ${n}` })),
    };
    const text = renderFindResult(f).split('\n');
    expect(text[0]).toBe(
      `inconclusive at step 2 (${shaOf(4).slice(0, 12)}): the first slower commit, if any, is one of 7 commits after ${shaOf(1).slice(0, 12)} (good), through ${shaOf(8).slice(0, 12)}, the first known slower:`,
    );
    expect(text.slice(1)).toEqual(
      [2, 3, 4, 5, 6, 7, 8].map((n) => `  ${shaOf(n).slice(0, 12)} commit ${n}`),
    );
  });

  it('inconclusive at bad itself says bad was not judged', () => {
    const f = findFile();
    f.steps = [findStep(1, 8, 'inconclusive', 1.04)];
    f.result = {
      kind: 'inconclusive',
      after: f.good,
      through: f.bad,
      throughSlower: false,
      range: [{ commit: shaOf(8), subject: 'commit 8' }],
    };
    expect(renderFindResult(f)).toContain(
      `through bad ${shaOf(8).slice(0, 12)}, itself not judged`,
    );
  });

  it('the whole summary: a row per step, where the summary is, the result last', () => {
    const text = renderFind(findFile(), '/r/find.json');
    for (const n of [8, 4, 6, 5]) expect(text).toContain(shaOf(n).slice(0, 12));
    expect(text).toMatch(/│ 2 +│ 444444444444 │ 3 of 7 +│ not slower │ 1\.010 \[0\.909, 1\.111\]/);
    expect(text).toContain('summary: /r/find.json');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^culprit: 5{40} /);
    const unfinished = { ...findFile(), result: null };
    expect(renderFind(unfinished, '/r/find.json')).toContain(
      'no result: the search stopped after 4 steps',
    );
  });
});
