/**
 * Reading a JSON file the harness validates (the config, results files): one place that turns
 * "can't read it" and "not valid JSON" into the caller's error type, which names the file, and
 * one shape of error for a file that parsed but is not usable (the file, the field, the fix).
 */
import fs from 'node:fs';
import { UsageError } from './errors.ts';

/** A validated file that can't be used: names what it is, the file, the field and the fix. */
export class UnusableFileError extends UsageError {
  constructor(
    what: string,
    readonly file: string,
    readonly field: string | null,
    detail: string,
    fix: string,
  ) {
    super(
      field === null
        ? `${what} ${file} is not usable: ${detail}`
        : `${what} ${file} is not usable: field "${field}": ${detail}`,
      fix,
    );
  }
}

/** `results[3].latency.p99` from a zod path. */
export function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(root)' : out;
}

export function readJsonFile(file: string, fail: (reason: string) => Error): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw fail(`can't read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw fail(`not valid JSON (${(err as Error).message})`);
  }
}
