/**
 * Capture timestamps as text. Kept apart from the commands that print them
 * (analyze's report, capinfo) so both use the one format.
 */

/** ISO-8601 with microseconds (or nanoseconds when present), UTC. */
export function isoTime(sec: number, nsec: number): string {
  const d = new Date(sec * 1000);
  const base = d.toISOString().slice(0, 19);
  const frac = nsec % 1000 === 0 ? String(nsec / 1000).padStart(6, '0') : String(nsec).padStart(9, '0');
  return `${base}.${frac}Z`;
}
