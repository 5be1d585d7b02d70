/**
 * The destination check every command runs before it works (support/output-path.ts): a bad
 * output path is a UsageError (exit 2) saying what is wrong with it, never a hang (a recursive
 * mkdir under /proc never returns) or a stack trace.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkOutputDir,
  checkOutputFile,
  checkResultsDir,
} from '../../../harness/support/output-path.ts';
import { UsageError } from '../../../harness/support/errors.ts';
import { tempDirs } from '../helpers.ts';

const dirs = tempDirs('output-path-');
afterAll(dirs.removeAll);

function refusal(f: () => unknown): UsageError {
  try {
    f();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('expected a UsageError');
}

const root = process.getuid?.() === 0;

describe('checkOutputDir / checkOutputFile', () => {
  it('accepts a folder or file whose missing folders can be made, and returns it resolved', () => {
    const d = dirs.make();
    expect(checkOutputDir(path.join(d, 'a', 'b'), '--out')).toBe(path.join(d, 'a', 'b'));
    expect(checkOutputFile(path.join(d, 'a', 'r.html'), '--out')).toBe(path.join(d, 'a', 'r.html'));
    fs.writeFileSync(path.join(d, 'exists.json'), '{}');
    expect(checkOutputFile(path.join(d, 'exists.json'), '--out')).toBe(path.join(d, 'exists.json'));
    expect(checkOutputDir(d, '--out')).toBe(d);
    // Nothing was created by the check.
    expect(fs.readdirSync(d)).toEqual(['exists.json']);
  });

  it('refuses /proc and /sys, also through a symlink, without creating anything', () => {
    for (const p of ['/proc/nope/x.html', '/proc/x.html', '/sys/kernel/nope']) {
      const e = refusal(() => checkOutputFile(p, `--out ${p}`));
      expect(e.message).toMatch(
        new RegExp(`^--out ${p}: /(proc|sys)\\S* is (in /(proc|sys), )?the kernel's`),
      );
      expect(e.message).toMatch(/where no file can be created/);
      expect(e.hint).toBeDefined();
    }
    expect(refusal(() => checkOutputDir('/proc/nope', '--out /proc/nope')).message).toBe(
      "--out /proc/nope: /proc is the kernel's process filesystem, where no file can be created",
    );
    const link = path.join(dirs.make(), 'fd');
    fs.symlinkSync('/proc/self/fd', link);
    expect(refusal(() => checkOutputDir(path.join(link, 'x'), '--out')).message).toMatch(
      new RegExp(`${link} \\(/proc/\\d+/fd\\) is in /proc, the kernel's process filesystem`),
    );
    expect(fs.existsSync('/proc/nope')).toBe(false);
  });

  it('refuses a path under a file, naming the file', () => {
    const d = dirs.make();
    const file = path.join(d, 'plain');
    fs.writeFileSync(file, 'x');
    for (const check of [checkOutputDir, checkOutputFile]) {
      expect(refusal(() => check(path.join(file, 'sub', 'x.html'), '--out it')).message).toBe(
        `--out it: ${file} is a file, not a folder, so nothing can be written under it`,
      );
    }
    expect(refusal(() => checkOutputDir(file, '--out it')).message).toMatch(/is a file/);
    expect(refusal(() => checkOutputFile('/etc/passwd/x.html', '--out x')).message).toBe(
      '--out x: /etc/passwd is a file, not a folder, so nothing can be written under it',
    );
  });

  it('refuses a folder where a file is to be written', () => {
    const d = dirs.make();
    const e = refusal(() => checkOutputFile(d, `--out ${d}`, 'give a file name'));
    expect(e.message).toBe(`--out ${d}: ${d} is a folder; a file name is needed`);
    expect(e.hint).toBe('give a file name');
  });

  it.skipIf(root)('refuses a folder this process can not write in', () => {
    const d = dirs.make();
    const ro = path.join(d, 'ro');
    fs.mkdirSync(ro, { mode: 0o555 });
    try {
      expect(refusal(() => checkOutputDir(path.join(ro, 'x'), '--out')).message).toMatch(
        new RegExp(`the folder ${ro} is not writable \\(EACCES\\)`),
      );
    } finally {
      fs.chmodSync(ro, 0o755);
    }
  });

  it('checkResultsDir: --out when given, else the reports folder', () => {
    const d = dirs.make();
    expect(checkResultsDir(undefined, d)).toBe(d);
    expect(refusal(() => checkResultsDir('/proc/x')).message).toMatch(/^--out \/proc\/x: /);
    expect(refusal(() => checkResultsDir(undefined, '/proc/reports')).message).toMatch(
      /^the reports folder \/proc\/reports: /,
    );
  });
});
