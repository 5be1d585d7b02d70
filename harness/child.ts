/**
 * Child-process entry: measures one scenario x mode so one job's JIT state and garbage can't
 * bias another. Usage (by the runner): node <CHILD_FLAGS> --import tsx/esm harness/child.ts
 * <job.json> <out.json>. Writes one Measurement as JSON to <out.json>; stdout and stderr are
 * left to the engine and to error messages.
 */
import fs from 'node:fs';
import { errorMessage } from './errors.ts';
import { parseChildJob, runJob } from './job.ts';
import { failed } from './measure.ts';
import type { Measurement } from './results.ts';

const [jobFile, outFile] = process.argv.slice(2);
if (jobFile === undefined || outFile === undefined) {
  process.stderr.write('usage: child.ts <job.json> <out.json>\n');
  process.exit(2);
}

let result: Measurement;
try {
  const job = parseChildJob(fs.readFileSync(jobFile, 'utf8'));
  result = await runJob(job);
} catch (err) {
  result = failed(`bad job file ${jobFile}: ${errorMessage(err)}`);
}
// The parent validates this against MeasurementSchema.
fs.writeFileSync(outFile, JSON.stringify(result));
// Exit now: a scenario that left a handle open (a timer, a worker) must not hang the run.
process.exit(0);
