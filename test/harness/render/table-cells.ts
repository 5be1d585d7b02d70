/** Reading cli-table3 output back in the render tests: the cell texts of each line of a box. */

/** The trimmed cells of every line of `text` that is a table row (`│ a │ b │`), in order. */
export function tableLines(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) =>
      l
        .slice(1, -1)
        .split('│')
        .map((c) => c.trim()),
    );
}

/** The sections of a summary (blank-line separated), each as its lines. */
export function sections(text: string): string[][] {
  return text.split('\n\n').map((s) => s.split('\n'));
}
