/**
 * Baselines: named commits the harness compares against. A name resolves, in this order, to
 *
 * 1. a local git tag of that name (what `baseline tag` creates, and what `git fetch --tags`
 *    brings);
 * 2. an entry of `baselines/refs.json` (committed, so a clone that did not fetch tags, or a CI
 *    checkout that strips them, still knows the commit);
 * 3. the one commit whose message carries the trailer `Baseline: <name>` (survives even a lost
 *    refs.json, and is how a baseline can be declared in the commit that creates it).
 *
 * Callers that also accept a plain git ref (a sha, a branch) use resolveRef, which falls back to
 * git after the three. When a name resolves through 2 or 3 and the local tag is missing, the
 * annotated tag is recreated so `git describe`, environment.ts's engine tag and people's own git
 * commands see it too.
 *
 * One piece: resolving a name (tag, refs.json, trailer, stored file) is one ordered algorithm, and list and tag must agree with it.
 */
import { describeMachine } from '../results/machine.ts';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UsageError, errorMessage } from '../support/errors.ts';
import {
  GitError,
  commitSubject,
  createAnnotatedTag,
  findCommitByTrailer,
  isShallow,
  isValidTagName,
  listTrailers,
  repoRoot,
  resolveCommit,
  revParse,
  tagCommit,
  tagExists,
} from './git.ts';
import { REPO_ROOT } from '../support/paths.ts';
import { readResults } from '../results/results-file.ts';
import { formatPath } from '../support/json-file.ts';

export const BASELINE_TRAILER = 'Baseline';
export const BASELINES_DIRNAME = 'baselines';
export const REFS_FILENAME = 'refs.json';

export type BaselineSource = 'tag' | 'refs.json' | 'trailer' | 'ref';

export interface BaselineOptions {
  /** The git repository (default: the one holding this harness). */
  repo?: string;
  /** Where notes go (tag recreated, tag and refs.json disagree); default stderr. */
  log?: (line: string) => void;
}

export interface ResolvedRef {
  /** What the caller asked for. */
  input: string;
  /** The baseline name; for source 'ref', the ref as given. */
  name: string;
  /** Full sha. */
  commit: string;
  source: BaselineSource;
  /** The local tag was missing and has been recreated (source refs.json or trailer). */
  tagRecreated: boolean;
  /** Everything also sent to `log`, for callers that put it in a report. */
  notes: string[];
}

/** Letters, digits, dot, underscore, dash: a tag name and a file name on every platform. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `name` can be a baseline name (tag name and baselines/<name>.json file name alike). */
export function isBaselineName(name: string): boolean {
  return NAME_RE.test(name) && !name.includes('..') && !name.endsWith('.lock') && name.length < 200;
}

const ShaSchema = z
  .string()
  .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a full lowercase commit sha (40 hex digits)');

// Keys are checked in superRefine rather than by a key schema: zod 4 reports a bad record key
// only as "Invalid key in record", which would not tell the user what a name may contain.
const RefsJsonSchema = z.record(z.string(), ShaSchema).superRefine((refs, ctx) => {
  for (const name of Object.keys(refs)) {
    if (!isBaselineName(name)) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'baseline names are letters, digits, ".", "_" and "-"',
      });
    }
  }
});
export type RefsJson = z.infer<typeof RefsJsonSchema>;

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function baselinesDir(repo: string = REPO_ROOT): string {
  return path.join(repo, BASELINES_DIRNAME);
}

export function refsJsonPath(repo: string = REPO_ROOT): string {
  return path.join(baselinesDir(repo), REFS_FILENAME);
}

/** Where `baseline record <name>` stores its results (committed). */
export function baselineResultsFile(name: string, repo: string = REPO_ROOT): string {
  return path.join(baselinesDir(repo), `${name}.json`);
}

function refsJsonError(file: string, detail: string): UsageError {
  return new UsageError(
    `${file} is not usable: ${detail}`,
    `fix it by hand (an object of "name": "<40-hex sha>"), or restore it: git checkout -- ${path.join(BASELINES_DIRNAME, REFS_FILENAME)}`,
  );
}

/** baselines/refs.json, validated; {} when there is none. Corrupt: a UsageError naming it. */
export function readRefsJson(repo: string = REPO_ROOT): RefsJson {
  const file = refsJsonPath(repo);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw refsJsonError(file, `can't read it (${errorMessage(err)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw refsJsonError(file, `not valid JSON (${errorMessage(err)})`);
  }
  const parsed = RefsJsonSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : `${formatPath(issue.path)}: `;
    throw refsJsonError(file, `${where}${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Pretty JSON with sorted keys (stable diffs), written atomically. */
export function writeRefsJson(refs: RefsJson, repo: string = REPO_ROOT): string {
  const file = refsJsonPath(repo);
  const valid = RefsJsonSchema.parse(refs);
  const sorted = Object.fromEntries(
    Object.keys(valid)
      .sort()
      .map((k) => [k, valid[k]]),
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(sorted, null, 2)}\n`);
  fs.renameSync(tmp, file);
  return file;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

/**
 * Recreates a missing local tag. Not fatal when it fails (a read-only clone, a race with
 * another run creating it): the commit is resolved either way, and the note says so.
 */
async function recreateTag(
  repo: string,
  name: string,
  commit: string,
  from: 'refs.json' | 'trailer',
): Promise<{ created: boolean; note: string }> {
  const why =
    from === 'refs.json'
      ? `baselines/${REFS_FILENAME}`
      : `its "${BASELINE_TRAILER}: ${name}" trailer`;
  try {
    await createAnnotatedTag(
      repo,
      name,
      commit,
      `Baseline ${name} (recreated by the perf harness from ${why})`,
    );
    return {
      created: true,
      note: `baseline ${name}: recreated the missing local tag ${name} at ${short(commit)} from ${why}`,
    };
  } catch (err) {
    if ((await tagCommit(repo, name)) === commit) {
      return { created: false, note: `baseline ${name}: tag ${name} was created concurrently` };
    }
    return {
      created: false,
      note: `baseline ${name}: could not recreate the local tag (${errorMessage(err)}); using ${short(commit)} from ${why}`,
    };
  }
}

async function resolveIn(
  repo: string,
  input: string,
  allowRef: boolean,
  log: (line: string) => void,
): Promise<ResolvedRef> {
  const notes: string[] = [];
  const note = (line: string): void => {
    notes.push(line);
    log(line);
  };
  const done = (
    commit: string,
    source: BaselineSource,
    tagRecreated = false,
    name = input,
  ): ResolvedRef => ({ input, name, commit, source, tagRecreated, notes });

  if (isBaselineName(input)) {
    const refs = readRefsJson(repo);
    const fromRefs = Object.hasOwn(refs, input) ? refs[input] : undefined;

    // 1. The local tag.
    const tagged = await tagCommit(repo, input);
    if (tagged !== null) {
      if (fromRefs !== undefined && fromRefs !== tagged) {
        note(
          `warning: tag ${input} points at ${short(tagged)} but baselines/${REFS_FILENAME} says ${short(fromRefs)}; using the tag (fix: npm run harness -- baseline tag ${input} <sha> --force)`,
        );
      }
      return done(tagged, 'tag');
    }

    // 2. baselines/refs.json. A listed commit this clone lacks is an error, not a reason to
    // try the trailer: the file is the committed truth, and guessing would compare against
    // something else without saying so.
    if (fromRefs !== undefined) {
      let commit: string;
      try {
        commit = await resolveCommit(repo, fromRefs);
      } catch (err) {
        if (err instanceof GitError && err.kind === 'unknown-ref') {
          throw new GitError(
            'unknown-ref',
            `baseline ${input}: baselines/${REFS_FILENAME} names ${fromRefs}, which does not name a commit in this clone; fetch it (git fetch --tags) or check the spelling`,
            `git fetch origin ${fromRefs} (or git fetch --tags), then retry`,
          );
        }
        throw err;
      }
      const tag = await recreateTag(repo, input, commit, 'refs.json');
      note(tag.note);
      return done(commit, 'refs.json', tag.created);
    }

    // 3. The commit carrying the trailer.
    const byTrailer = await findCommitByTrailer(repo, input, BASELINE_TRAILER);
    if (byTrailer !== null) {
      const tag = await recreateTag(repo, input, byTrailer, 'trailer');
      note(tag.note);
      return done(byTrailer, 'trailer', tag.created);
    }
  }

  const shallow = await isShallow(repo);
  if (!allowRef) {
    throw new GitError(
      'unknown-ref',
      `unknown baseline "${input}": no local tag, no baselines/${REFS_FILENAME} entry and no commit with the trailer "${BASELINE_TRAILER}: ${input}"`,
      `create it: npm run harness -- baseline tag ${input} <ref>; or fetch it: git fetch --tags${shallow ? ' (the clone is shallow: git fetch --unshallow)' : ''}`,
    );
  }

  // 4. A plain git ref.
  try {
    return done(await resolveCommit(repo, input), 'ref');
  } catch (err) {
    if (err instanceof GitError && err.kind === 'unknown-ref' && isBaselineName(input)) {
      throw new GitError(
        'unknown-ref',
        `"${input}" is neither a baseline (local tag, baselines/${REFS_FILENAME}, "${BASELINE_TRAILER}: ${input}" trailer) nor a git ref: it does not name a commit; fetch it (git fetch --tags) or check the spelling`,
        err.hint,
      );
    }
    throw err;
  }
}

/**
 * A baseline name or, after the three baseline sources, any git ref (sha, branch, tag,
 * `HEAD~3`). Throws GitError (exit 2) for an unknown name/ref or a shallow clone lacking it.
 */
export async function resolveRef(
  nameOrRef: string,
  opts: BaselineOptions = {},
): Promise<ResolvedRef> {
  const repo = await repoRoot(opts.repo ?? REPO_ROOT);
  return resolveIn(repo, nameOrRef, true, opts.log ?? defaultLog);
}

/** A baseline name only (tag, refs.json, trailer): for commands that write baselines/<name>.json. */
export async function resolveBaseline(
  name: string,
  opts: BaselineOptions = {},
): Promise<ResolvedRef> {
  const repo = await repoRoot(opts.repo ?? REPO_ROOT);
  if (!isBaselineName(name)) {
    throw new UsageError(
      `"${name}" is not a baseline name`,
      'baseline names are letters, digits, ".", "_" and "-"; see npm run harness -- baseline list',
    );
  }
  return resolveIn(repo, name, false, opts.log ?? defaultLog);
}

// ---- list ---------------------------------------------------------------------------------

export type StoredResults =
  | {
      ok: true;
      file: string;
      createdAt: string;
      profile: string;
      /** The engine commit the results were measured on. */
      engineCommit: string | null;
      /** One line: Node, platform, CPU, cores, host hash, CI. */
      environment: string;
    }
  | { ok: false; file: string; error: string };

export interface BaselineInfo {
  name: string;
  /** What resolution would give (tag, else refs.json, else trailer); null when it can't. */
  commit: string | null;
  /** First line of that commit's message. */
  subject: string | null;
  /** Where the name is defined (a results file alone defines nothing). */
  sources: Array<Exclude<BaselineSource, 'ref'>>;
  tag: { exists: boolean; commit: string | null };
  refsJsonCommit: string | null;
  trailerCommits: string[];
  /** baselines/<name>.json, or null when there is none. */
  results: StoredResults | null;
  /** Disagreements and gaps worth fixing, one sentence each. */
  problems: string[];
}

function storedResults(file: string): StoredResults {
  try {
    const r = readResults(file);
    return {
      ok: true,
      file,
      createdAt: r.createdAt,
      profile: r.profile.name,
      engineCommit: r.engine.commit,
      environment: describeMachine(r.environment),
    };
  } catch (err) {
    return { ok: false, file, error: errorMessage(err) };
  }
}

/** Every baseline known from refs.json, trailers and stored results files, by name. */
export async function listBaselines(opts: BaselineOptions = {}): Promise<BaselineInfo[]> {
  const repo = await repoRoot(opts.repo ?? REPO_ROOT);
  const refs = readRefsJson(repo);
  const trailers = await listTrailers(repo, BASELINE_TRAILER);
  const dir = baselinesDir(repo);
  const stored = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json') && f !== REFS_FILENAME)
        .map((f) => f.slice(0, -'.json'.length))
    : [];
  const names = [...new Set([...Object.keys(refs), ...trailers.keys(), ...stored])]
    .filter(isBaselineName)
    .sort();

  const out: BaselineInfo[] = [];
  for (const name of names) {
    const problems: string[] = [];
    const tagged = await tagCommit(repo, name);
    const fromRefs = refs[name] ?? null;
    const byTrailer = trailers.get(name) ?? [];
    const sources: BaselineInfo['sources'] = [];
    if (tagged !== null) sources.push('tag');
    if (fromRefs !== null) sources.push('refs.json');
    if (byTrailer.length > 0) sources.push('trailer');

    let refsLocal: string | null = null;
    if (fromRefs !== null) {
      refsLocal = await revParse(repo, fromRefs);
      if (refsLocal === null) {
        problems.push(
          `baselines/${REFS_FILENAME} names ${short(fromRefs)}, which this clone lacks (git fetch --tags${(await isShallow(repo)) ? ', git fetch --unshallow' : ''})`,
        );
      }
    }
    if (byTrailer.length > 1) {
      problems.push(
        `${byTrailer.length} commits carry "${BASELINE_TRAILER}: ${name}" (${byTrailer.map(short).join(', ')}); pin one with baseline tag`,
      );
    }
    const commit = tagged ?? refsLocal ?? (byTrailer.length === 1 ? (byTrailer[0] ?? null) : null);
    if (tagged !== null && fromRefs !== null && tagged !== fromRefs) {
      problems.push(`the tag points at ${short(tagged)} but refs.json says ${short(fromRefs)}`);
    }
    if (commit !== null && fromRefs === null) {
      problems.push(
        `not in baselines/${REFS_FILENAME}: clones without tags can't resolve it by refs.json`,
      );
    }
    if (sources.length === 0) {
      problems.push(
        'a stored results file only: no tag, refs.json entry or trailer names a commit',
      );
    }

    const file = baselineResultsFile(name, repo);
    const results = fs.existsSync(file) ? storedResults(file) : null;
    if (results !== null && !results.ok)
      problems.push(`stored results unreadable: ${results.error}`);
    if (results?.ok === true && commit !== null && results.engineCommit !== commit) {
      problems.push(
        `stored results were measured on ${results.engineCommit === null ? 'an unknown commit' : short(results.engineCommit)}, not on the baseline commit: re-record them`,
      );
    }

    out.push({
      name,
      commit,
      subject: commit === null ? null : await commitSubject(repo, commit),
      sources,
      tag: { exists: await tagExists(repo, name), commit: tagged },
      refsJsonCommit: fromRefs,
      trailerCommits: byTrailer,
      results,
      problems,
    });
  }
  return out;
}

// ---- tag ----------------------------------------------------------------------------------

export interface TagOutcome {
  name: string;
  commit: string;
  /** How `ref` was resolved. */
  resolvedFrom: ResolvedRef;
  tag: 'created' | 'moved' | 'unchanged';
  refsJson: 'added' | 'updated' | 'unchanged';
  refsJsonFile: string;
}

/**
 * Makes `name` a baseline at the commit `ref` resolves to: an annotated tag plus a
 * baselines/refs.json entry. Refuses to move an existing tag or entry to another commit unless
 * `force` (a baseline silently changing under stored results would mislead every comparison).
 */
export async function tagBaseline(
  name: string,
  ref: string,
  opts: BaselineOptions & { force?: boolean } = {},
): Promise<TagOutcome> {
  const repo = await repoRoot(opts.repo ?? REPO_ROOT);
  const log = opts.log ?? defaultLog;
  if (!isBaselineName(name) || !(await isValidTagName(repo, name))) {
    throw new GitError(
      'invalid-name',
      `"${name}" can't be a baseline name`,
      'use letters, digits, ".", "_" and "-", starting with a letter or digit (e.g. m4_perf)',
    );
  }
  const resolved = await resolveIn(repo, ref, true, log);
  const commit = resolved.commit;
  const refs = readRefsJson(repo);
  const existingTag = await tagCommit(repo, name);
  const tagRefExists = await tagExists(repo, name);
  const existingEntry = refs[name];
  const force = opts.force === true;

  // Check both before writing either, so a refusal leaves nothing half done.
  if (tagRefExists && existingTag !== commit && !force) {
    throw new UsageError(
      `tag ${name} already points at ${existingTag === null ? 'something that is not a commit' : short(existingTag)}, not ${short(commit)}`,
      `pass --force to move the baseline, or pick another name`,
    );
  }
  if (existingEntry !== undefined && existingEntry !== commit && !force) {
    throw new UsageError(
      `baselines/${REFS_FILENAME} already maps ${name} to ${short(existingEntry)}, not ${short(commit)}`,
      `pass --force to move the baseline, or pick another name`,
    );
  }
  let tag: TagOutcome['tag'] = 'unchanged';
  if (existingTag !== commit) {
    const subject = await commitSubject(repo, commit);
    await createAnnotatedTag(repo, name, commit, `Baseline ${name}: ${subject}`, {
      force: tagRefExists,
    });
    tag = tagRefExists ? 'moved' : 'created';
  }
  let refsJson: TagOutcome['refsJson'] = 'unchanged';
  const file = refsJsonPath(repo);
  if (existingEntry !== commit) {
    writeRefsJson({ ...refs, [name]: commit }, repo);
    refsJson = existingEntry === undefined ? 'added' : 'updated';
  }
  return { name, commit, resolvedFrom: resolved, tag, refsJson, refsJsonFile: file };
}
