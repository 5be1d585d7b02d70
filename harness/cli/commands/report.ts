/**
 * `report`, `publish` and `export`: the HTML report of one or more results files, the site of
 * every run, and the results in Bencher's and github-action-benchmark's formats. A missing,
 * corrupt or foreign results file is a usage error (exit 2) naming the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { REPORTS_DIR } from '../../support/paths.ts';
import { checkOutputDir, checkOutputFile } from '../../support/output-path.ts';
import { inReportsDir } from '../../render/html/auto.ts';
import { EXPORT_FORMATS, exportResults, type ExportFormat } from '../../render/export.ts';
import { reportPath, writeReport } from '../../render/html/render.ts';
import { publish, writeSiteIndex } from '../../render/html/site.ts';
import { readResults } from '../../results/results-file.ts';
import { plural } from '../../support/format.ts';
import { UsageError } from '../../support/errors.ts';
import { commitUrl, historyDir, loadConfig } from '../../config/perf-config.ts';

/** The three commands exit 0, or 2 (UsageError) for a bad file or option: none judges a run. */
export function registerReportCommands(program: Command, _setExit: (code: number) => void): void {
  program
    .command('report')
    .description(
      'write the HTML report of results files (several: side by side, grouped by machine)',
    )
    .argument('<results...>', 'results.json files')
    .option('--out <file|dir>', 'report file or folder (default: index.html next to the first)')
    .action(async (files: string[], flags: { out?: string }) => {
      const target = reportPath(files, flags.out);
      // Before reading or rendering anything: a bad destination fails fast (exit 2).
      checkOutputFile(
        target,
        flags.out === undefined ? `the report ${target}` : `--out ${flags.out}`,
        'give --out a .html file or a folder you can write to, e.g. --out reports/report.html',
      );
      const onSite = inReportsDir(path.dirname(target));
      const file = await writeReport(files, {
        out: flags.out,
        siteHref: onSite ? '../index.html' : null,
      });
      process.stdout.write(`report: ${file}\n`);
      if (onSite)
        process.stdout.write(`all runs: ${writeSiteIndex(path.dirname(path.dirname(file)))}\n`);
    });

  program
    .command('publish')
    .description(
      'write the site: each run’s report from reports/, an index, and the trends of the history folder',
    )
    .requiredOption('--out <dir>', 'folder to write the site to')
    .addOption(new Option('--from <dir>', 'folder of runs').default(REPORTS_DIR, 'reports/'))
    .option(
      '--history <dir>',
      'history folder to draw trends from (else perf.config.json history.dir, when it exists)',
    )
    .option('--config <file>', 'configuration file (else perf.config.json)')
    .action(async (flags: { out: string; from: string; history?: string; config?: string }) => {
      checkOutputDir(
        flags.out,
        `--out ${flags.out}`,
        'give --out a folder you can write to, e.g. --out site',
      );
      const config = loadConfig(flags.config);
      const history = historyDir(config, flags.history);
      if (flags.history !== undefined && !fs.existsSync(history)) {
        throw new UsageError(
          `--history ${flags.history}: no such folder`,
          'record one with `npm run harness -- history record`, or leave --history out',
        );
      }
      const site = await publish(flags.out, flags.from, {
        history: fs.existsSync(history) ? history : null,
        commitUrl: (sha) => commitUrl(config, sha),
      });
      for (const p of site.problems) process.stderr.write(`warning: skipped ${p}\n`);
      process.stdout.write(`published ${plural(site.runs, 'run')}: ${site.index}\n`);
      if (site.trends !== null) {
        process.stdout.write(
          `trends of ${plural(site.records, 'recorded commit')}: ${site.trends}\n`,
        );
      }
    });

  program
    .command('export')
    .description('results as Bencher Metric Format or github-action-benchmark JSON')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(EXPORT_FORMATS)
        .makeOptionMandatory(),
    )
    .option('--out <file>', 'write to a file (default stdout)')
    .argument(
      '<results...>',
      'results.json files; with several, each name gets its machine [host/cores/node], and the run id too when two files come from one machine (the same run twice: exit 2)',
    )
    .action((files: string[], flags: { format: ExportFormat; out?: string }) => {
      const out =
        flags.out === undefined
          ? undefined
          : checkOutputFile(
              flags.out,
              `--out ${flags.out}`,
              'give --out a file in a folder you can write to, e.g. --out bmf.json',
            );
      const text = exportResults(
        flags.format,
        files.map((f) => readResults(path.resolve(f))),
      );
      if (out === undefined) {
        process.stdout.write(text);
        return;
      }
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, text);
      process.stderr.write(`wrote ${flags.format} JSON: ${out}\n`);
    });
}
