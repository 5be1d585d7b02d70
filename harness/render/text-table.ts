/**
 * Columns (columns.ts) rendered as text: a terminal table (cli-table3) and a Markdown table.
 * Neither decides what a cell says; both print `Dimension.format`.
 */
import Table from 'cli-table3';
import type { Dimension } from './columns.ts';

export interface TerminalTableOptions {
  /** Column widths (wrapped beyond them); natural widths when absent. */
  widths?: readonly number[];
}

/** A terminal table of `rows` under `title`. */
export function terminalTable<T>(
  title: string,
  columns: ReadonlyArray<Dimension<T>>,
  rows: readonly T[],
  options: TerminalTableOptions = {},
): string {
  const t = new Table({
    head: columns.map((c) => c.label),
    style: { head: [], border: [] },
    ...(options.widths === undefined ? {} : { colWidths: [...options.widths], wordWrap: true }),
  });
  for (const r of rows) t.push(columns.map((c) => c.format(r)));
  return `${title}\n${t.toString()}`;
}

/**
 * Escapes what Markdown (GitHub's) would read as markup, and folds line breaks. `&` is escaped
 * so no character reference can spell markup or a mention; an `@` gets a zero-width space
 * after it, so `@name` pings nobody (GitHub has no escape for mentions).
 */
export function mdEscape(s: string): string {
  return s
    .replace(/[|\\`*_<>[\]&]/g, (c) => `\\${c}`)
    .replace(/@/g, '@\u200b')
    .replace(/\r\n?|\n/g, ' ');
}

/** A Markdown table; every cell escaped (names and reasons are untrusted). */
export function markdownTable<T>(columns: ReadonlyArray<Dimension<T>>, rows: readonly T[]): string {
  return [
    `| ${columns.map((c) => mdEscape(c.label)).join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${columns.map((c) => mdEscape(c.format(r))).join(' | ')} |`),
  ].join('\n');
}
