/**
 * The HTML view helpers (view.ts): a table from columns (head flags, cell text, sort key and
 * class, the row's class), class names from a fixed set only, and relative links with each
 * path segment percent-encoded.
 */
import { describe, expect, it } from 'vitest';
import type { Dimension } from '../../../../harness/render/columns.ts';
import { cssClass, htmlTable, relativeHref } from '../../../../harness/render/html/view.ts';

interface Row {
  name: string;
  ns: number | null;
  status: string;
}

const COLUMNS: ReadonlyArray<Dimension<Row>> = [
  { label: 'scenario', numeric: false, format: (r) => r.name },
  {
    label: 'median',
    numeric: true,
    format: (r) => (r.ns === null ? '-' : `${r.ns} ns`),
    sort: (r) => r.ns ?? '',
  },
  { label: 'status', numeric: false, format: (r) => r.status.toUpperCase(), tone: (r) => r.status },
];

const FRAME = { id: 'run-1-m', title: 'Measurements', note: 'a note' };

describe('htmlTable', () => {
  it('keeps the frame; the head has each label and whether it is numeric', () => {
    const t = htmlTable(FRAME, COLUMNS, [], () => 'ok');
    expect(t).toEqual({
      id: 'run-1-m',
      title: 'Measurements',
      note: 'a note',
      head: [
        { text: 'scenario', numeric: false },
        { text: 'median', numeric: true },
        { text: 'status', numeric: false },
      ],
      rows: [],
    });
  });

  it('a row per item: the text, the sort key (the text when the column has none), the tone as a class', () => {
    const t = htmlTable(
      FRAME,
      COLUMNS,
      [
        { name: 'a', ns: 12.5, status: 'ok' },
        { name: 'b', ns: null, status: 'failed' },
      ],
      (r) => r.status,
    );
    expect(t.rows).toEqual([
      {
        cls: 'c-ok',
        cells: [
          { text: 'a', sort: 'a' },
          { text: '12.5 ns', sort: 12.5 },
          { text: 'OK', sort: 'OK', cls: 'c-ok' },
        ],
      },
      {
        cls: 'c-failed',
        cells: [
          { text: 'b', sort: 'b' },
          { text: '-', sort: '' },
          { text: 'FAILED', sort: 'FAILED', cls: 'c-failed' },
        ],
      },
    ]);
    // A cell without a tone has no class at all (not an undefined one).
    expect('cls' in (t.rows[0]?.cells[0] ?? {})).toBe(false);
  });

  it('a tone or row tone outside the fixed set becomes the neutral class', () => {
    const t = htmlTable(
      FRAME,
      COLUMNS,
      [{ name: 'x', ns: 1, status: '" onclick="alert(1)' }],
      () => 'not a class',
    );
    expect(t.rows[0]?.cls).toBe('c-other');
    expect(t.rows[0]?.cells[2]?.cls).toBe('c-other');
    // The text itself is kept (the templates escape it).
    expect(t.rows[0]?.cells[2]?.text).toBe('" ONCLICK="ALERT(1)');
  });
});

describe('cssClass', () => {
  it('maps each known class to c-<name>', () => {
    const known = [
      'regressed',
      'improved',
      'unchanged',
      'inconclusive',
      'pass',
      'fail',
      'not-applicable',
      'ok',
      'failed',
      'unsupported',
    ];
    expect(known.map(cssClass)).toEqual(known.map((k) => `c-${k}`));
  });

  it('anything else is c-other: unknown names, case variants, hostile text, empty', () => {
    for (const v of [
      'REGRESSED',
      'regressed ',
      'other',
      '',
      '" onmouseover="x',
      'ok c-fail',
      '<b>',
    ]) {
      expect(cssClass(v), v).toBe('c-other');
    }
  });
});

describe('relativeHref', () => {
  it('a file in the report’s folder, or below it', () => {
    expect(relativeHref('/r/run', '/r/run/results.json')).toBe('results.json');
    expect(relativeHref('/r/run', '/r/run/sub/baseline.json')).toBe('sub/baseline.json');
  });

  it('keeps ".." segments for files above the folder', () => {
    expect(relativeHref('/r/run', '/r/other/results.json')).toBe('../other/results.json');
    expect(relativeHref('/r/a/b', '/r/results.json')).toBe('../../results.json');
  });

  it('percent-encodes #, ?, %, spaces and quotes in each segment, never the separators', () => {
    expect(relativeHref('/r/run', '/r/base lines/a#b?.json')).toBe('../base%20lines/a%23b%3F.json');
    expect(relativeHref('/r', '/r/run "1"/100%.json')).toBe('run%20%221%22/100%25.json');
    expect(relativeHref('/r', '/r/a&b=c/x.json')).toBe('a%26b%3Dc/x.json');
  });
});
