/**
 * Child-process entry (bundled by bundle.ts, run on plain node): one job's full measurement,
 * or a batch of comparison replicates, in a process of its own so one job's JIT state and
 * garbage can't bias another. Usage (by the runner): node <CHILD_FLAGS> child.mjs
 * <task.json> <out.json>. The task file names the harness bundle to import; the result goes
 * to <out.json> as JSON (the parent validates it); stdout and stderr are left to the engine
 * and to error messages. Ended by SIGINT/SIGTERM, or left behind by a parent that died, it
 * removes the task's scratch folder itself (exit-cleanup.ts `removeIfAbandoned`).
 */
import fs from 'node:fs';
import type { ChildTask, ReplicatesResult } from './child-task.ts';
import { errorMessage } from '../support/errors.ts';
import { removeIfAbandoned } from '../support/exit-cleanup.ts';
import type { Measurement } from '../results/results-file.ts';
import type { Scenario } from '../catalogue/scenario.ts';

interface HarnessModule {
  catalogue: readonly Scenario[];
  runChildTask(
    task: ChildTask,
    catalogue: readonly Scenario[],
  ): Promise<Measurement | ReplicatesResult>;
}

const [taskFile, outFile] = process.argv.slice(2);
if (taskFile === undefined || outFile === undefined) {
  process.stderr.write('usage: child.mjs <task.json> <out.json>\n');
  process.exit(2);
}

let result: unknown;
try {
  const spec = JSON.parse(fs.readFileSync(taskFile, 'utf8')) as {
    harness: string;
    task: ChildTask;
    /** The scratch folder the parent made for this task (runner.ts). */
    scratch?: string;
  };
  // Ctrl-C reaches this process too, and the parent may be gone by then (killed outright):
  // then this process removes the scratch folder. A normal exit leaves it to the parent.
  if (spec.scratch !== undefined) removeIfAbandoned(spec.scratch);
  const h = (await import(spec.harness)) as HarnessModule;
  result = await h.runChildTask(spec.task, h.catalogue);
} catch (err) {
  // The shape of a failed measurement, which the parent reads for either kind of task.
  result = { status: 'failed', reason: `the child could not run its task: ${errorMessage(err)}` };
}
fs.writeFileSync(outFile, JSON.stringify(result));
// Exit now: a scenario that left a handle open (a timer, a worker) must not hang the run.
process.exit(0);
