/**
 * `find.json`, the summary of one `find` run: the two ends of the range, every step (the
 * commit compared with good, its outcome, the ratio and CI it rests on, the folder holding the
 * step's results.json and baseline.json), and the result: a culprit, an inconclusive range, or
 * bad not slower. Written after every step, with `result` null until the search ends, so a
 * run stopped half way still says what it learnt. Validated on write and on read, as the
 * results file is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UnusableFileError, formatPath, readJsonFile } from '../support/json-file.ts';

export const FIND_SCHEMA_VERSION = 1;

/** A step's outcome: the one question `find` asks of each commit. */
export const STEP_VERDICTS = ['slower', 'not slower', 'inconclusive'] as const;
export type StepVerdict = (typeof STEP_VERDICTS)[number];

const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a full commit sha');
const ratio = z.number().nonnegative();

export const FindCommitSchema = z.strictObject({ commit: sha, subject: z.string() });
export type FindCommit = z.infer<typeof FindCommitSchema>;

/** The figure a step's outcome rests on: one job's ratio step/good with its 95 % CI. */
const EvidenceSchema = {
  /** The job id; null when nothing was measured (the step's trees are identical to good's). */
  job: z.string().nullable(),
  ratio: ratio.nullable(),
  ci: z.tuple([ratio, ratio]).nullable(),
};

export const FindStepSchema = z.strictObject({
  /** 1-based, in the order the search took them. */
  step: z.number().int().positive(),
  ...FindCommitSchema.shape,
  /** 1-based place of the commit in good..bad, oldest first. */
  position: z.number().int().positive(),
  outcome: z.enum(STEP_VERDICTS),
  ...EvidenceSchema,
  /** Why the outcome, in a sentence (judge/step-outcome.ts). */
  reason: z.string(),
  /** The step's results.json and baseline.json, relative to find.json's folder. */
  folder: z.string().min(1),
  seconds: z.number().nonnegative(),
});
export type FindStep = z.infer<typeof FindStepSchema>;

export const FindResultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('culprit'),
    ...FindCommitSchema.shape,
    /** The step that judged it slower than good. */
    step: z.number().int().positive(),
    ...EvidenceSchema,
  }),
  z.strictObject({
    kind: z.literal('inconclusive'),
    /** The last commit known not slower (good when none was judged so). */
    after: FindCommitSchema,
    /** The first commit known slower, or bad when bad itself could not be judged. */
    through: FindCommitSchema,
    /** False when bad itself was inconclusive: the range may hold no culprit at all. */
    throughSlower: z.boolean(),
    /** The commits still in question, after..through (through included), oldest first. */
    range: z.array(FindCommitSchema).min(1),
  }),
  z.strictObject({ kind: z.literal('not-slower') }),
]);
export type FindResult = z.infer<typeof FindResultSchema>;

export const FindFileSchema = z.strictObject({
  schemaVersion: z.literal(FIND_SCHEMA_VERSION),
  runId: z.string().min(1),
  createdAt: z.iso.datetime(),
  command: z.string(),
  /** The selection every step compares: --filter globs and --mode modes (empty: every mode). */
  filters: z.array(z.string()).min(1),
  modes: z.array(z.string()),
  profile: z.string(),
  good: FindCommitSchema,
  bad: FindCommitSchema,
  /** Commits in good..bad along bad's first parents. */
  rangeSize: z.number().int().positive(),
  steps: z.array(FindStepSchema),
  /** Null while the search runs (or when it was stopped). */
  result: FindResultSchema.nullable(),
  seconds: z.number().nonnegative(),
});
export type FindFile = z.infer<typeof FindFileSchema>;

export class FindFileError extends UnusableFileError {
  constructor(file: string, field: string | null, detail: string) {
    super('find summary', file, field, detail, 'point at the find.json a `find` run wrote');
  }
}

function check(file: string, data: unknown): FindFile {
  const parsed = FindFileSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue === undefined) throw new FindFileError(file, null, 'invalid');
  throw new FindFileError(file, formatPath(issue.path), issue.message);
}

export function readFindFile(file: string): FindFile {
  return check(
    file,
    readJsonFile(file, (reason) => new FindFileError(file, null, reason)),
  );
}

/** Validates, then writes atomically (temp file + rename), as results files are written. */
export function writeFindFile(file: string, data: FindFile): void {
  const valid = check(file, data);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(valid, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
