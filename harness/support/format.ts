/**
 * One formatter per figure, for every output (terminal, Markdown, HTML, exports): a figure
 * reads the same wherever it is shown.
 */

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

/** A p-value: "<0.001" below a thousandth, three decimals otherwise, "-" without one. */
export function formatP(p: number | null): string {
  if (p === null) return '-';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

/** Three significant-ish digits for a ratio that may be far from 1 (0.17, 12.3, 140). */
function wideRatio(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/**
 * A ratio between two engines (peers): "0.17× [0.13, 0.23]", "-" without a figure. The CI is
 * left out with `withCi` false, for the compact distance-to-floor column.
 */
export function formatPeerRatio(
  r: { ratio: number | null; ci: [number, number] | null } | undefined,
  withCi = true,
): string {
  if (r === undefined || r.ratio === null) return '-';
  const ci = withCi && r.ci !== null ? ` [${wideRatio(r.ci[0])}, ${wideRatio(r.ci[1])}]` : '';
  return `${wideRatio(r.ratio)}×${ci}`;
}

/** "1 job", "3 jobs": a count with its noun. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
