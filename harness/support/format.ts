/** Human-readable numbers for terminal output. */

export function formatHz(hz: number | null): string {
  if (hz === null) return '-';
  if (hz >= 1e6) return `${(hz / 1e6).toFixed(2)}M`;
  if (hz >= 1e3) return `${(hz / 1e3).toFixed(1)}K`;
  return hz.toFixed(1);
}

export function formatNs(ns: number | null): string {
  if (ns === null) return '-';
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes.toFixed(0)} B`;
}

export function formatRatio(r: number | null): string {
  return r === null ? '-' : `${r.toFixed(1)}x`;
}

export function formatMs(ms: number): string {
  return ms >= 60_000
    ? `${Math.floor(ms / 60_000)} min ${((ms % 60_000) / 1000).toFixed(0)} s`
    : `${(ms / 1000).toFixed(1)} s`;
}

/** "1.234 [1.100, 1.380]": a comparison's ratio with its CI; "-" without a ratio. */
export function formatRatioCi(j: {
  comparison: { ratio: number | null; ci: [number, number] | null };
}): string {
  const c = j.comparison;
  if (c.ratio === null) return '-';
  const ci = c.ci === null ? '' : ` [${c.ci[0].toFixed(3)}, ${c.ci[1].toFixed(3)}]`;
  return `${c.ratio.toFixed(3)}${ci}`;
}

/** "1 job", "3 jobs", "0 jobs": a count with its noun in the right number. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
