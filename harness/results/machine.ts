/**
 * A results file's machine, named once: `machineKey` is the fingerprint results are grouped
 * and compared by (a stored baseline from another key is not comparable), `describeMachine`
 * the one line every output prints for it, `machineMismatches` what differs between two.
 */
import { createHash } from 'node:crypto';
import type { ResultsFile } from './results-file.ts';

export type Environment = ResultsFile['environment'];

/** Host, CPU, cores, Node: what makes two runs' figures comparable. */
export function machineKey(env: Environment): string {
  return [env.hostHash, env.cpuModel, env.cores, env.node].join(' | ');
}

/**
 * The machine as a folder name (history's results/<machine>/): readable host hash, cores and
 * Node, plus a hash of the whole key so a CPU change also gets its own folder.
 */
export function machineSlug(env: Environment): string {
  const key = createHash('sha256').update(machineKey(env)).digest('hex').slice(0, 6);
  return `${env.hostHash}-${env.cores}cpu-node${env.node.replace(/^v/, '')}-${key}`.replace(
    /[^A-Za-z0-9._-]/g,
    '_',
  );
}

/** A machine name given by the user (`--machine`): what a folder name may hold. */
export const MACHINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** "AMD EPYC × 2, linux/x64, Node 20.20.2, host 3f2a…": the machine in words. */
export function describeMachine(env: Environment): string {
  return `${env.cpuModel} × ${env.cores}, ${env.platform}/${env.arch}, Node ${env.node}, host ${env.hostHash}${env.ci ? ', CI' : ''}`;
}

/**
 * What differs between the machine a stored file was measured on and this one, in words; the
 * measuring flags count, since they shape GC and page faults. Empty when comparable.
 */
export function machineMismatches(then: Environment, here: Environment): string[] {
  const out: string[] = [];
  if (then.hostHash !== here.hostHash) out.push('another machine (host hash)');
  if (then.cpuModel !== here.cpuModel) out.push(`CPU ${then.cpuModel} vs ${here.cpuModel}`);
  if (then.cores !== here.cores) out.push(`${then.cores} vs ${here.cores} cores`);
  if (then.node !== here.node) out.push(`Node ${then.node} vs ${here.node}`);
  const flags = (f: readonly string[]) => (f.length === 0 ? '(none)' : f.join(' '));
  if (JSON.stringify(then.childFlags) !== JSON.stringify(here.childFlags)) {
    out.push(
      `measuring flags ${flags(then.childFlags)} vs ${flags(here.childFlags)} (they shape GC and page faults)`,
    );
  }
  return out;
}
