// Worker-thread entry. Node 20 does not hand the parent's `--import tsx` loader hooks to worker
// threads, so each worker registers tsx itself, then imports its TypeScript module.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
