/**
 * Key namespaces: each primitive prefixes its keys so the five never see each other's data.
 * The raw Database API (layer A1) uses keys as given; a raw key starting with one of these
 * prefixes would be visible to that primitive, which is why the prefixes are documented.
 */
export const NS = {
  kv: 'kv/',
  event: 'ev/',
  state: 'sc/',
  trace: 'tr/',
  run: 'run/',
} as const;

/** The reserved run that holds the RunIndex (run metadata lives outside the runs it describes). */
export const SYSTEM_RUN_ID = '00000000-0000-0000-0000-000000000000';

/** Fixed-width decimal so lexicographic key order equals numeric order. */
export function pad(n: number, width = 16): string {
  return n.toString().padStart(width, '0');
}
