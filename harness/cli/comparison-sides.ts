/**
 * The two sides of a comparison as the commands pick them: a ref resolved with the option that
 * named it in its error, the working tree as the candidate, a ref checked out (its worktree
 * released by the caller), and a side as the results file records it. Progress goes to stderr
 * (`log`): stdout is the run's report.
 */
import { resolveRef, type ResolvedRef } from '../baseline/baselines.ts';
import { GitError, commitSubject, headCommit, isDirty } from '../baseline/git.ts';
import { acquireCheckout, type CheckoutHandle } from '../baseline/worktree.ts';
import type { EngineSide } from '../compare/paired.ts';
import { checkEngineDir } from '../engine-api/adapter.ts';
import type { ResultsFile } from '../results/results-file.ts';
import { DEFAULT_ENGINE_DIR, REPO_ROOT } from '../support/paths.ts';

/** One side of a comparison as the results file records it. */
export type SideRecord = NonNullable<ResultsFile['comparison']>['baseline'];

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The working tree's engine as the candidate. */
export async function workingTreeSide(): Promise<EngineSide> {
  const commit = await headCommit(REPO_ROOT).catch(() => null);
  const dirty = commit === null ? false : await isDirty(REPO_ROOT, ['engine']);
  return {
    label: dirty ? 'working tree (uncommitted changes)' : 'working tree',
    commit,
    source: 'working-tree',
    engineDir: checkEngineDir(DEFAULT_ENGINE_DIR),
  };
}

/**
 * Resolves a side's ref, naming where it came from in the error (`--against "x" does not name
 * a commit`): both sides are resolved before anything is checked out.
 */
export async function resolveSide(nameOrRef: string, given: string): Promise<ResolvedRef> {
  try {
    return await resolveRef(nameOrRef, { log });
  } catch (err) {
    if (err instanceof GitError) throw new GitError(err.kind, `${given} ${err.message}`, err.hint);
    throw err;
  }
}

/** A resolved ref as a recorded side (no checkout): its name, commit, source and subject. */
export async function refSideRecord(resolved: ResolvedRef): Promise<SideRecord> {
  return {
    label: resolved.name,
    commit: resolved.commit,
    source: resolved.source,
    file: null,
    subject: await commitSubject(REPO_ROOT, resolved.commit).catch(() => null),
  };
}

/** A side checked out of git for this run: its engine, and its commit's subject. */
export type CheckedOutSide = EngineSide & { subject: string | null };

/** Checks `resolved` out (the handle goes to `handles`, for the caller to release). */
export async function checkoutSide(
  resolved: ResolvedRef,
  handles: CheckoutHandle[],
): Promise<CheckedOutSide> {
  const handle = await acquireCheckout(resolved.commit, { log });
  handles.push(handle);
  const record = await refSideRecord(resolved);
  return {
    label: record.label,
    commit: record.commit,
    source: record.source,
    engineDir: handle.engineDir,
    subject: record.subject ?? null,
  };
}
