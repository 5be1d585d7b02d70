/**
 * Worker-thread entry of one side of a comparison replicate (bundled by bundle.ts, driven by
 * replicate-pair.ts). A worker is a fresh V8 isolate: a fresh JIT state and a fresh heap,
 * which is what varies between processes and what a replicate must sample anew, at a
 * fraction of a process's start-up cost.
 *
 * The worker loads its side (replicate.ts), sets it up, and then does what its parent
 * (replicate-pair.ts) asks, one command at a time: warm up, time a window, report. Each side
 * has an isolate and a heap of its own: two sides in one isolate were not independent (the
 * one loaded first ran up to 3x slower on 10,000 keys).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PreparedSide, SideSpec } from './replicate.ts';
import type { Scenario } from '../catalogue/scenario.ts';

export interface SideWorkerData {
  /** The side bundle's URL (bundle.ts). */
  side: string;
  spec: SideSpec;
}

export type SideCommand =
  | { cmd: 'warm'; ms: number }
  | { cmd: 'opsFor'; ms: number }
  | { cmd: 'time'; ops: number }
  | { cmd: 'inject' }
  | { cmd: 'custom' }
  | { cmd: 'finish' };

export type SideReply =
  | { ok: true; kind: 'op' | 'custom'; value: number }
  | { ok: false; reason: string; unsupported: boolean };

interface SideModule {
  catalogue: readonly Scenario[];
  prepareSide(spec: SideSpec, catalogue: readonly Scenario[], tag: string): Promise<PreparedSide>;
}

function failure(err: unknown): SideReply {
  const e = err instanceof Error ? err : new Error(String(err));
  return { ok: false, reason: e.message, unsupported: e.name === 'UnsupportedError' };
}

const data = workerData as SideWorkerData;
const port = parentPort;
if (port === null) throw new Error('replicate-worker.ts runs as a worker thread');

let side: PreparedSide | null = null;
try {
  const mod = (await import(data.side)) as SideModule;
  side = await mod.prepareSide(data.spec, mod.catalogue, 'w');
  port.postMessage({ ok: true, kind: side.kind, value: 0 } satisfies SideReply);
} catch (err) {
  port.postMessage(failure(err));
}

port.on('message', (c: SideCommand) => {
  const s = side;
  if (s === null) return;
  void (async (): Promise<SideReply> => {
    switch (c.cmd) {
      case 'warm':
        return { ok: true, kind: s.kind, value: s.warm(c.ms) ? 1 : 0 };
      case 'opsFor':
        return { ok: true, kind: s.kind, value: s.opsFor(c.ms) };
      case 'time':
        return { ok: true, kind: s.kind, value: s.time(c.ops) };
      case 'inject':
        s.injectSlowdown();
        return { ok: true, kind: s.kind, value: 0 };
      case 'custom':
        return { ok: true, kind: s.kind, value: await s.runCustom() };
      case 'finish': {
        const proof = s.finish();
        return proof.ok
          ? { ok: true, kind: s.kind, value: s.calls() }
          : { ok: false, reason: `op-count proof failed: ${proof.reason}`, unsupported: false };
      }
    }
  })()
    .catch(failure)
    .then((r) => port.postMessage(r));
});
