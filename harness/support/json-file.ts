/**
 * Reading a JSON file the harness validates (the config, results files): one place that turns
 * "can't read it" and "not valid JSON" into the caller's error type, which names the file.
 */
import fs from 'node:fs';

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
