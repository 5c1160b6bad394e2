/**
 * Which calls `sipflow extract` cuts out: the shared call filter of every
 * command (filter.ts: --call, --call-id, --from, --to, --state, --outcome,
 * --kind, --since/--until), checked before the capture is read; the time
 * window counts a call's media too (the frame index knows its last packet).
 */
import type { Call, Report } from '../model.js';
import { CALL_STATES, FilterError, OUTCOMES, checkCallNumbers, matchCall, parseCallFilter, type CallFilter, type RawCallFilter } from '../filter.js';

export { CALL_STATES, FilterError, OUTCOMES };

export type ExtractFilter = CallFilter;
export type RawFilterFlags = RawCallFilter;

/** Check and convert the command-line filter options. Throws FilterError. */
export function parseExtractFilter(f: RawFilterFlags): ExtractFilter {
  return parseCallFilter(f);
}

/**
 * The calls of the report the filter selects (every dialog when it selects
 * nothing). `lastMedia(callId)` extends a call's activity to its last media
 * datagram for the time window. Unknown call numbers throw FilterError.
 */
export function selectCalls(report: Report, f: ExtractFilter, lastMedia: (callId: string) => number = () => -Infinity): Call[] {
  checkCallNumbers(report, f);
  return report.calls.filter((c) => matchCall(c, f, lastMedia));
}
