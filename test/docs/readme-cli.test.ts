/**
 * The READMEs are true of the CLI, and the documents the project cites live in it.
 *
 * From README.md and harness/README.md this test extracts
 *   - every documented invocation, `npm run harness -- <command> ...` or `npm run bench -- ...`,
 *     with the `--options` it passes and the defaults it states as `[--option value]` (the
 *     example CI workflow's invocations too: a workflow that calls a missing option fails on
 *     a pull request, long after the change that broke it);
 *   - harness/README.md's commands table (first cell a command in backticks) and options table
 *     (first cell an option in backticks; second cell the commands that take it; third cell its
 *     default: `-` for none, one code span for the value `--help` prints, or words, which are
 *     not checked);
 *   - every other `--option` named in backticks in their prose;
 * and checks them against `--help` of each command, run as `npm run harness --` runs it
 * (`node --import tsx harness/cli/main.ts <command> --help`).
 *
 * It also checks that no file of the repository cites the project's external spec by name
 * (the docs under docs/ are what the code and READMEs cite), that every docs/*.md path named in
 * harness/**\/*.ts and every relative link of the READMEs and docs resolves, and that every
 * repository path the READMEs and docs name in backticks exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/support/paths.ts';
import { runHarness } from '../harness/helpers.ts';

const READMES = ['README.md', 'harness/README.md'] as const;
/** Files whose `npm run harness -- ...` lines must run as written: the READMEs and the CI workflow. */
const INVOKING = [...READMES, '.github/workflows/perf.yml'] as const;
/** Commands that group subcommands (`baseline record`, `history backfill`). */
const GROUPS = new Set(['baseline', 'history']);
/** Markdown whose links and backticked paths must resolve. */
const MARKDOWN = [
  ...READMES,
  'harness/judge/README.md',
  ...fs
    .readdirSync(path.join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
/** Not the repository's own files: dependencies, generated reports, scratch checkouts. */
const SKIPPED_DIRS = new Set(['node_modules', 'reports', '.harness', '.git', 'coverage']);
/** Node's own flags, which the READMEs name when they describe the measuring children. */
const NODE_FLAGS = new Set([
  '--expose-gc',
  '--min-semi-space-size',
  '--max-semi-space-size',
  '--import',
  '--hash-seed',
  '--random-seed',
]);
const OPTION_NAME = /--[a-z][a-z0-9-]*/;

function read(rel: string): string {
  return fs.readFileSync(path.join(REPO_ROOT, rel), 'utf8');
}

// ---- what the READMEs document -----------------------------------------------------------

interface Invocation {
  where: string;
  /** e.g. "bench", "baseline record"; null for a placeholder such as `<command>`. */
  command: string | null;
  options: string[];
  /** `[--rounds 5]`: the option's default as the README states it. */
  defaults: Array<{ option: string; value: string }>;
}

/** Every `npm run harness -- ...` and `npm run bench -- ...` in a README, line by line. */
function invocations(file: string): Invocation[] {
  const out: Invocation[] = [];
  read(file)
    .split('\n')
    .forEach((line, i) => {
      for (const m of line.matchAll(/npm run (harness|bench) --(?=\s|$|`)([^`\n]*)/g)) {
        const rest = (m[2] ?? '').split(' #')[0] ?? '';
        const tokens = rest.trim().split(/\s+/).filter(Boolean);
        let command: string | null = 'bench';
        if (m[1] === 'harness') {
          const [first, second] = tokens;
          if (first === undefined || /^[<[]/.test(first)) command = null;
          else if (GROUPS.has(first) && second !== undefined && /^[a-z]+$/.test(second))
            command = `${first} ${second}`;
          else command = first;
        }
        const options = tokens.flatMap((t) => {
          const o = /^\[?(--[a-z][a-z0-9-]*)/.exec(t);
          return o?.[1] === undefined ? [] : [o[1]];
        });
        const defaults = [...rest.matchAll(/\[(--[a-z][a-z0-9-]*) ([^\]\s<>]+)\]/g)]
          .filter((d) => d[2] !== '...')
          .map((d) => ({ option: d[1] as string, value: d[2] as string }));
        out.push({ where: `${file}:${i + 1}`, command, options, defaults });
      }
    });
  return out;
}

/** The cells of a Markdown table row (a `\|` inside a cell is not a separator). */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
}

interface OptionRow {
  where: string;
  option: string;
  commands: string[];
  /** null: no default; a string: the default --help must print; undefined: described in words. */
  default: string | null | undefined;
}

function optionRows(file: string): OptionRow[] {
  const rows: OptionRow[] = [];
  read(file)
    .split('\n')
    .forEach((line, i) => {
      if (!line.startsWith('|')) return;
      const [first, commands, dflt] = cells(line);
      const option = first === undefined ? null : /^`(--[a-z][a-z0-9-]*)/.exec(first)?.[1];
      if (option === undefined || option === null || commands === undefined) return;
      const d = (dflt ?? '').trim();
      const single = /^`([^`]+)`$/.exec(d);
      rows.push({
        where: `${file}:${i + 1}`,
        option,
        commands: codeSpans(commands),
        default: d === '-' ? null : single?.[1] === undefined ? undefined : single[1],
      });
    });
  return rows;
}

/** The first cells of the table in the `## Commands` section of harness/README.md. */
function commandRows(file: string): string[] {
  const text = read(file);
  const start = text.indexOf('\n## Commands');
  if (start < 0) return [];
  const end = text.indexOf('\n## ', start + 1);
  return text
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .flatMap((l) => {
      const m = /^`([a-z]+(?: [a-z]+)?)`$/.exec(cells(l)[0] ?? '');
      return m?.[1] === undefined ? [] : [m[1]];
    });
}

/** `--options` named in backticks in a README's prose (fenced code blocks excluded). */
function proseOptions(file: string): Array<{ where: string; option: string }> {
  const text = read(file).replace(/^```[\s\S]*?^```/gm, '');
  return codeSpans(text).flatMap((span) => {
    const s = span.replace(/\s+/g, ' ').trim();
    const m = /^(--[a-z][a-z0-9-]*)/.exec(s);
    return m?.[1] === undefined || NODE_FLAGS.has(m[1]) ? [] : [{ where: file, option: m[1] }];
  });
}

// ---- what the CLI says ---------------------------------------------------------------------

interface Help {
  usage: string;
  /** Option name -> its whole help entry (flags and description, whitespace normalised). */
  options: Map<string, string>;
  /** Subcommands, when the command has any. */
  commands: string[];
}

/** Parses commander's help: "Usage: ...", then "Options:" / "Commands:" sections of entries. */
function parseHelp(text: string): Help {
  const lines = text.split('\n');
  const usage = (lines.find((l) => l.startsWith('Usage: ')) ?? '').trim();
  const sections = new Map<string, string[]>();
  let section: string | null = null;
  for (const line of lines) {
    const header = /^([A-Z][a-z]+):$/.exec(line);
    if (header?.[1] !== undefined) {
      section = header[1];
      sections.set(section, []);
      continue;
    }
    if (section === null || line.trim() === '') continue;
    const entries = sections.get(section) as string[];
    if (/^ {2}\S/.test(line) || entries.length === 0) entries.push(line.trim());
    else entries[entries.length - 1] += ` ${line.trim()}`;
  }
  const options = new Map<string, string>();
  for (const entry of sections.get('Options') ?? []) {
    const flags = entry.split(/\s{2,}/)[0] ?? '';
    for (const name of flags.match(new RegExp(OPTION_NAME, 'g')) ?? []) {
      options.set(name, entry.replace(/\s+/g, ' '));
    }
  }
  const commands = (sections.get('Commands') ?? [])
    .map((e) => e.split(/\s/)[0] ?? '')
    .filter((c) => c !== '' && c !== 'help');
  return { usage, options, commands };
}

async function helpOf(command: string): Promise<{ exitCode: number | undefined; help: Help }> {
  const r = await runHarness([...(command === '' ? [] : command.split(' ')), '--help']);
  return { exitCode: r.exitCode, help: parseHelp(r.stdout) };
}

/**
 * `fn` of every item, two at a time: each call starts a Node process that imports the whole
 * harness, and more at once only slow each other down on a 2-core machine.
 */
async function inTurn<T, R>(
  items: readonly T[],
  fn: (item: T) => Promise<R>,
): Promise<Array<[T, R]>> {
  const out: Array<[T, R]> = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      out.push([item, await fn(item)]);
    }
  };
  await Promise.all([lane(), lane()]);
  return out;
}

/** Whether a help entry prints `value` as its default: "(default: quick)", "(default reports/)". */
function showsDefault(entry: string, value: string): boolean {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\(default:? "?${escaped}`).test(entry);
}

// ---- the checks ----------------------------------------------------------------------------

describe('the READMEs are true of the CLI', () => {
  /** Every command's help, by name ("" is the program itself, "baseline record" a subcommand). */
  const helps = new Map<string, Help>();
  let commands: string[] = [];

  beforeAll(async () => {
    const root = await helpOf('');
    expect(root.exitCode).toBe(0);
    helps.set('', root.help);
    commands = [];
    for (const [c, h] of await inTurn(root.help.commands, helpOf)) {
      expect(h.exitCode, `${c} --help`).toBe(0);
      helps.set(c, h.help);
      if (h.help.commands.length === 0) commands.push(c);
      for (const [s, sub] of await inTurn(
        h.help.commands.map((x) => `${c} ${x}`),
        helpOf,
      )) {
        expect(sub.exitCode, `${s} --help`).toBe(0);
        helps.set(s, sub.help);
        commands.push(s);
      }
    }
  }, 300_000);

  /** The help of a command that exists (its usage line names it), else undefined. */
  function helpFor(command: string): Help | undefined {
    const h = helps.get(command);
    return h !== undefined && h.usage.startsWith(`Usage: harness ${command} `) ? h : undefined;
  }

  it('finds the commands the READMEs document', () => {
    expect(commands).toEqual(
      expect.arrayContaining(['bench', 'compare', 'gate', 'baseline record', 'report', 'list']),
    );
    const documented = READMES.flatMap(invocations);
    expect(documented.length).toBeGreaterThan(20);
    expect(optionRows('harness/README.md').length).toBeGreaterThan(20);
  });

  it('every documented invocation names a command that exists', () => {
    const problems = INVOKING.flatMap(invocations)
      .filter((inv) => inv.command !== null && helpFor(inv.command) === undefined)
      .map((inv) => `${inv.where}: no command "${inv.command}"`);
    expect(problems).toEqual([]);
  });

  it("every option a documented invocation passes is in that command's --help", () => {
    const problems: string[] = [];
    for (const inv of INVOKING.flatMap(invocations)) {
      if (inv.command === null) continue;
      const h = helpFor(inv.command);
      if (h === undefined) continue; // reported above
      for (const o of inv.options) {
        if (!h.options.has(o)) problems.push(`${inv.where}: ${inv.command} has no option ${o}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every default an invocation states as [--option value] is the one --help prints', () => {
    const problems: string[] = [];
    for (const inv of READMES.flatMap(invocations)) {
      const entry = inv.command === null ? undefined : helpFor(inv.command)?.options;
      for (const d of inv.defaults) {
        const e = entry?.get(d.option);
        if (e !== undefined && !showsDefault(e, d.value)) {
          problems.push(`${inv.where}: ${inv.command} ${d.option} defaults to ${d.value}? ${e}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("harness/README.md's options table: each option exists on its commands, with its default", () => {
    const problems: string[] = [];
    for (const row of optionRows('harness/README.md')) {
      if (row.commands.length === 0) problems.push(`${row.where}: ${row.option} names no command`);
      for (const c of row.commands) {
        const entry = helpFor(c)?.options.get(row.option);
        if (entry === undefined) {
          problems.push(`${row.where}: ${c} has no option ${row.option}`);
        } else if (typeof row.default === 'string' && !showsDefault(entry, row.default)) {
          problems.push(`${row.where}: ${c} ${row.option}: --help says "${entry}"`);
        } else if (row.default === null && /\(default[: ]/.test(entry)) {
          problems.push(`${row.where}: ${c} ${row.option} has a default: "${entry}"`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("harness/README.md's options table lists every option of every command", () => {
    const rows = optionRows('harness/README.md');
    const missing: string[] = [];
    for (const c of commands) {
      for (const o of helpFor(c)?.options.keys() ?? []) {
        if (o === '--help') continue;
        if (!rows.some((r) => r.option === o && r.commands.includes(c))) missing.push(`${c} ${o}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("harness/README.md's commands table lists every command, and only those", () => {
    expect([...commandRows('harness/README.md')].sort()).toEqual([...commands].sort());
  });

  it('every --option the READMEs name in their prose is an option of some command', () => {
    const known = new Set([...helps.values()].flatMap((h) => [...h.options.keys()]));
    const unknown = READMES.flatMap(proseOptions)
      .filter((p) => !known.has(p.option))
      .map((p) => `${p.where}: ${p.option}`);
    expect(unknown).toEqual([]);
  });
});

// ---- the docs the project cites live in it --------------------------------------------------

/** Every regular file of the repository, relative to its root, minus SKIPPED_DIRS. */
function repoFiles(dir = REPO_ROOT): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...repoFiles(full));
    else if (entry.isFile()) out.push(path.relative(REPO_ROOT, full));
  }
  return out;
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = (m[1] as string)
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    out.add(slug);
  }
  return out;
}

describe('the docs the project cites are in the repository', () => {
  it("no file cites the project's external spec by name", () => {
    // Spelled in pieces, so this file does not cite it either.
    const citation = new RegExp(`\\b${'SP'}${'EC'}\\b`);
    const citing = repoFiles().filter((f) => {
      const buf = fs.readFileSync(path.join(REPO_ROOT, f));
      if (buf.includes(0)) return false; // binary
      return citation.test(buf.toString('utf8'));
    });
    expect(citing).toEqual([]);
  });

  it('every docs/*.md path named in harness/**/*.ts exists', () => {
    const missing: string[] = [];
    for (const f of repoFiles(path.join(REPO_ROOT, 'harness')).filter((x) => x.endsWith('.ts'))) {
      for (const m of read(f).matchAll(/(?<![\w./-])docs\/[\w./-]+\.md/g)) {
        if (!fs.existsSync(path.join(REPO_ROOT, m[0]))) missing.push(`${f}: ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every relative link of the READMEs and docs resolves, anchors included', () => {
    const broken: string[] = [];
    for (const f of MARKDOWN) {
      const text = read(f).replace(/^```[\s\S]*?^```/gm, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const resolved = file === '' ? f : path.join(path.dirname(f), file);
        const abs = path.join(REPO_ROOT, resolved);
        if (!fs.existsSync(abs)) broken.push(`${f}: ${target}`);
        else if (anchor !== undefined && !anchors(fs.readFileSync(abs, 'utf8')).has(anchor)) {
          broken.push(`${f}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('every docs/*.md path the READMEs name exists', () => {
    const missing = READMES.flatMap((f) =>
      [...read(f).matchAll(/(?<![\w./-])docs\/[\w./-]+\.md/g)]
        .map((m) => m[0])
        .filter((p) => !fs.existsSync(path.join(REPO_ROOT, p)))
        .map((p) => `${f}: ${p}`),
    );
    expect(missing).toEqual([]);
  });

  it('every repository path the READMEs and docs name in backticks exists', () => {
    const missing: string[] = [];
    for (const f of MARKDOWN) {
      for (const span of codeSpans(read(f).replace(/^```[\s\S]*?^```/gm, ''))) {
        const p = span.trim();
        // Files (with an extension) and folders (a trailing slash) under the tracked tops;
        // scenario names such as engine/put_direct have neither. No globs or placeholders.
        if (!/^(harness|engine|test|scripts|docs|baselines)\/[^\s<>*{}]*$/.test(p)) continue;
        if (!/(\.[a-z]+|\/)$/.test(p)) continue;
        if (!fs.existsSync(path.join(REPO_ROOT, p))) missing.push(`${f}: ${p}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
