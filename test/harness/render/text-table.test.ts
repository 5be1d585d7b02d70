/**
 * Columns as text (text-table.ts): the terminal table (title line, head, one row per item,
 * wrapping at given widths) and the Markdown table with every cell and label escaped.
 */
import { describe, expect, it } from 'vitest';
import type { Dimension } from '../../../harness/render/columns.ts';
import { markdownTable, mdEscape, terminalTable } from '../../../harness/render/text-table.ts';
import { tableLines } from './table-cells.ts';

interface Row {
  name: string;
  n: number;
}

const COLUMNS: ReadonlyArray<Dimension<Row>> = [
  { label: 'name', numeric: false, format: (r) => r.name },
  { label: 'n', numeric: true, format: (r) => `${r.n} ops` },
];

describe('terminalTable', () => {
  it('the title on its own line, then the head and one row per item, each cell formatted', () => {
    const text = terminalTable(
      'Title line',
      COLUMNS,
      [
        { name: 'alpha', n: 1 },
        { name: 'b', n: 22 },
      ],
      {},
    );
    expect(text).toBe(
      [
        'Title line',
        '┌───────┬────────┐',
        '│ name  │ n      │',
        '├───────┼────────┤',
        '│ alpha │ 1 ops  │',
        '├───────┼────────┤',
        '│ b     │ 22 ops │',
        '└───────┴────────┘',
      ].join('\n'),
    );
  });

  it('no items: the head alone', () => {
    const text = terminalTable('Empty', COLUMNS, []);
    expect(text.split('\n')[0]).toBe('Empty');
    expect(tableLines(text)).toEqual([['name', 'n']]);
  });

  it('wraps cells at the given widths', () => {
    const text = terminalTable('T', COLUMNS, [{ name: 'hello world foo', n: 15 }], {
      widths: [9, 8],
    });
    expect(tableLines(text)).toEqual([
      ['name', 'n'],
      ['hello', '15 ops'],
      ['world', ''],
      ['foo', ''],
    ]);
    // Every line is as wide as the widths plus the three borders.
    for (const line of text.split('\n').slice(1)) expect([...line]).toHaveLength(9 + 8 + 3);
  });

  it('prints cell text as it is: no colour codes', () => {
    const text = terminalTable('T', COLUMNS, [{ name: 'x', n: 1 }]);
    expect(text).not.toContain('\u001b[');
  });
});

describe('mdEscape', () => {
  it('escapes each character Markdown reads as markup', () => {
    expect(mdEscape('|')).toBe('\\|');
    expect(mdEscape('\\')).toBe('\\\\');
    expect(mdEscape('`')).toBe('\\`');
    expect(mdEscape('*')).toBe('\\*');
    expect(mdEscape('_')).toBe('\\_');
    expect(mdEscape('<')).toBe('\\<');
    expect(mdEscape('>')).toBe('\\>');
    expect(mdEscape('[')).toBe('\\[');
    expect(mdEscape(']')).toBe('\\]');
    expect(mdEscape('&')).toBe('\\&');
    expect(mdEscape('a|b\\c`d*e_f<g>h[i]j')).toBe('a\\|b\\\\c\\`d\\*e\\_f\\<g\\>h\\[i\\]j');
  });

  it('no character reference survives, and a mention pings nobody', () => {
    expect(mdEscape('&lt;script&gt; &#64;x')).toBe('\\&lt;script\\&gt; \\&#64;x');
    expect(mdEscape('cc @octocat')).toBe('cc @\u200boctocat');
    expect(mdEscape('cc @octocat')).not.toMatch(/@[a-z]/);
  });

  it('folds line breaks (\\n and \\r\\n) into spaces; plain text unchanged', () => {
    expect(mdEscape('one\ntwo\r\nthree')).toBe('one two three');
    expect(mdEscape('kvstore/put/hot_key 1.2 µs (x) #3')).toBe(
      'kvstore/put/hot\\_key 1.2 µs (x) #3',
    );
    expect(mdEscape('')).toBe('');
  });
});

describe('markdownTable', () => {
  it('a header, a separator per column, a row per item', () => {
    expect(
      markdownTable(COLUMNS, [
        { name: 'a', n: 1 },
        { name: 'b', n: 2 },
      ]),
    ).toBe(['| name | n |', '|---|---|', '| a | 1 ops |', '| b | 2 ops |'].join('\n'));
    expect(markdownTable(COLUMNS, [])).toBe('| name | n |\n|---|---|');
  });

  it('escapes every cell and every label: a hostile name cannot add a column or a row', () => {
    const hostile: ReadonlyArray<Dimension<Row>> = [
      { label: 'a|b', numeric: false, format: (r) => r.name },
      { label: '<i>n</i>\nx', numeric: true, format: (r) => String(r.n) },
    ];
    const md = markdownTable(hostile, [{ name: '| injected | row |\n| x | y |', n: 3 }]);
    expect(md).toBe(
      [
        '| a\\|b | \\<i\\>n\\</i\\> x |',
        '|---|---|',
        '| \\| injected \\| row \\| \\| x \\| y \\| | 3 |',
      ].join('\n'),
    );
    expect(md.split('\n')).toHaveLength(3);
    // Unescaped pipes: the two borders and the one divider of each line only.
    for (const line of md.split('\n').filter((l) => !l.startsWith('|-'))) {
      expect(line.replace(/\\\|/g, '').match(/\|/g)).toHaveLength(3);
    }
  });
});
