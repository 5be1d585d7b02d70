/**
 * Pinning a comparison child to one CPU. Its two sides take turns in one process (replicate-
 * pair.ts), and on this 2-core VM the core a thread lands on decided its speed: unpinned, the
 * side that timed first ran about 2x slower in each of 6 replicates on core/map_get; with the
 * process on one core, 5 of 6 were even. Only one of
 * its threads measures at a time, so one core loses nothing, and children pinned to different
 * cores can measure at once (`measuringLanes`).
 *
 * Linux only, through util-linux's `taskset`; elsewhere children run unpinned (and the run
 * says so once).
 */
import fs from 'node:fs';
import path from 'node:path';

/** CPUs this process may run on, from /proc/self/status ("0-3,6"); null when unknown. */
export function allowedCpus(status?: string): number[] | null {
  let text = status;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/proc/self/status', 'utf8');
    } catch {
      return null;
    }
  }
  const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(text)?.[1]?.trim();
  if (line === undefined || line === '') return null;
  const cpus: number[] = [];
  for (const part of line.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null) return null;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  return cpus.length > 0 ? cpus : null;
}

let taskset: string | null | undefined;

/** The path of `taskset` on PATH, or null. */
export function findTaskset(): string | null {
  if (taskset !== undefined) return taskset;
  taskset = null;
  if (process.platform !== 'linux') return taskset;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'taskset');
    if (dir !== '' && fs.existsSync(candidate)) {
      taskset = candidate;
      break;
    }
  }
  return taskset;
}

/**
 * How many comparison children may measure at once: one per CPU they can be pinned to (at
 * most `cap`), since a replicate's two sides share their core and so stay a fair pair
 * whatever runs on the others; 1 where children can't be pinned.
 */
export function measuringLanes(cap = 4): number {
  const cpus = allowedCpus();
  if (findTaskset() === null || cpus === null) return 1;
  return Math.max(1, Math.min(cap, cpus.length));
}

/**
 * The command that runs `file args` pinned to one CPU: the `slot`-th allowed one (modulo
 * their count), or the command itself when pinning is not possible here.
 */
export function pinned(
  file: string,
  args: readonly string[],
  slot: number,
): { file: string; args: string[]; cpu: number | null } {
  const tool = findTaskset();
  const cpus = allowedCpus();
  if (tool === null || cpus === null) return { file, args: [...args], cpu: null };
  const cpu = cpus[Math.abs(Math.floor(slot)) % cpus.length] as number;
  return { file: tool, args: ['-c', String(cpu), file, ...args], cpu };
}
