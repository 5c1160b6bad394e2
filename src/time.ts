/**
 * Capture timestamps as text. Kept apart from the commands that print them
 * (analyze's report, capinfo) so both use the one format.
 */

/** First and last second an RFC 3339 date-time can write (years 0000 to 9999). */
export const ISO_MIN_SEC = -62167219200;
export const ISO_MAX_SEC = 253402300799;

/** Whether `sec` (seconds since 1970, UTC) is a time ISO-8601/RFC 3339 can write as a date. */
export function isoRepresentable(sec: number): boolean {
  return Number.isFinite(sec) && sec >= ISO_MIN_SEC && sec <= ISO_MAX_SEC;
}

/**
 * ISO-8601 with microseconds (or nanoseconds when present), UTC. A time no
 * date can hold (a capture file can hold any 64-bit count of any unit) is
 * written as raw seconds since 1970 instead: `18446744073709551615.000000 s`,
 * never an exception from Date.
 */
export function isoTime(sec: number, nsec: number): string {
  const frac = nsec % 1000 === 0 ? String(nsec / 1000).padStart(6, '0') : String(nsec).padStart(9, '0');
  if (!isoRepresentable(sec)) return `${rawSeconds(sec)}.${frac} s`;
  const base = new Date(sec * 1000).toISOString().slice(0, 19);
  return `${base}.${frac}Z`;
}

/** The ISO form, or null for a time no date can hold (the JSON field is a date-time or null). */
export function isoTimeOrNull(sec: number, nsec: number): string | null {
  return isoRepresentable(sec) ? isoTime(sec, nsec) : null;
}

/** Whole seconds as digits (no exponent: 1e21 and above would print as `1e+21`). */
function rawSeconds(sec: number): string {
  if (!Number.isFinite(sec)) return String(sec);
  return BigInt(Math.trunc(sec)).toString();
}
