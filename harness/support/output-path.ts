/**
 * Where a command will write, checked before it does any work: a bench must not measure for
 * minutes and then fail to write its results, and some bad destinations are worse than an
 * error (a recursive mkdir under /proc never returns on Linux). One check for every command's
 * output (report, publish, export, bench, compare, gate, calibrate): walk up from the target to
 * its nearest existing ancestor, which must be a folder this process can write in and not on
 * a kernel filesystem (/proc, /sys); a target that already exists must be the right kind (a
 * folder for a folder, a writable non-folder for a file). A bad one is a UsageError (exit 2).
 */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.ts';
import { REPORTS_DIR } from './paths.ts';

/** Kernel filesystems: their folders look writable to root, but nothing can be created there. */
const KERNEL_FS = [
  { root: '/proc', name: "the kernel's process filesystem" },
  { root: '/sys', name: "the kernel's sysfs" },
] as const;

/** Why `p` (a real path) is on a kernel filesystem, or null when it isn't. */
function kernelFs(p: string): string | null {
  const fsys = KERNEL_FS.find(({ root }) => p === root || p.startsWith(`${root}/`));
  if (fsys === undefined) return null;
  return p === fsys.root ? `is ${fsys.name}` : `is in ${fsys.root}, ${fsys.name}`;
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

/** `given` names the destination as the user gave it, e.g. "--out /tmp/x.html". */
function fail(given: string, reason: string, hint: string): never {
  throw new UsageError(`${given}: ${reason}`, hint);
}

/**
 * Walks up from `p` to its nearest existing ancestor (p itself when it exists) and checks that
 * it is a folder this process can write in, off the kernel filesystems.
 */
function checkAncestor(p: string, given: string, hint: string): void {
  let d = p;
  for (;;) {
    let stat: fs.Stats | null = null;
    try {
      stat = fs.statSync(d);
    } catch (err) {
      // ENOENT: not there yet (mkdir will make it); ENOTDIR: an ancestor is a file, found above.
      if (code(err) !== 'ENOENT' && code(err) !== 'ENOTDIR') {
        fail(given, `can't look at ${d} (${code(err)})`, hint);
      }
    }
    if (stat !== null) {
      const real = fs.realpathSync(d);
      const kernel = kernelFs(real);
      if (kernel !== null) {
        const shown = real === d ? d : `${d} (${real})`;
        fail(given, `${shown} ${kernel}, where no file can be created`, hint);
      }
      if (!stat.isDirectory()) {
        fail(given, `${d} is a file, not a folder, so nothing can be written under it`, hint);
      }
      try {
        fs.accessSync(d, fs.constants.W_OK | fs.constants.X_OK);
      } catch (err) {
        fail(given, `the folder ${d} is not writable (${code(err)})`, hint);
      }
      return;
    }
    const up = path.dirname(d);
    if (up === d) fail(given, `no part of ${p} exists`, hint);
    d = up;
  }
}

/**
 * Checks that `dir` can be created (if missing) and written into; returns it resolved.
 * `given` names it in the message ("--out reports/x"), `hint` is the fix.
 */
export function checkOutputDir(
  dir: string,
  given: string,
  hint = 'give a folder you can write to, e.g. --out reports/my-run',
): string {
  const resolved = path.resolve(dir);
  checkAncestor(resolved, given, hint);
  return resolved;
}

/**
 * Checks that `file` can be written (its folder created if missing): not a folder, writable if
 * it exists, in a folder that checkOutputDir accepts. Returns it resolved.
 */
export function checkOutputFile(
  file: string,
  given: string,
  hint = 'give a file in a folder you can write to, e.g. --out reports/out.json',
): string {
  const resolved = path.resolve(file);
  let stat: fs.Stats | null = null;
  try {
    stat = fs.statSync(resolved);
  } catch {
    // Missing (or under a file): the folder check below says which.
  }
  if (stat?.isDirectory() === true) {
    fail(given, `${resolved} is a folder; a file name is needed`, hint);
  }
  checkAncestor(path.dirname(resolved), given, hint);
  if (stat !== null) {
    try {
      fs.accessSync(resolved, fs.constants.W_OK);
    } catch (err) {
      fail(given, `${resolved} exists and is not writable (${code(err)})`, hint);
    }
  }
  return resolved;
}

/**
 * The folder a run's results go to: `--out <dir>` of bench, compare, gate and calibrate, or
 * by default reports/ (where reports/<run-id>/ is made). Returns it resolved.
 */
export function checkResultsDir(out: string | undefined, reportsDir: string = REPORTS_DIR): string {
  return out === undefined
    ? checkOutputDir(
        reportsDir,
        `the reports folder ${reportsDir}`,
        'pass --out <dir> with a folder you can write to',
      )
    : checkOutputDir(out, `--out ${out}`);
}
