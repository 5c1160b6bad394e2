/**
 * Which calls `sipflow extract` cuts out: the analyze filters (--call-id,
 * --from, --to, --state), call numbers (--call), --outcome and a time window
 * (--since/--until, seconds from the first frame). Every option is checked
 * before the capture is read; a bad value is one line naming what is accepted.
 */
import type { Call, CallState, Report } from '../model.js';
import { matchCall, type CallFilter } from '../filter.js';

/** Wireshark's VoIP Calls states (model.ts CallState). */
export const CALL_STATES: readonly CallState[] = ['CALL SETUP', 'RINGING', 'IN CALL', 'CANCELLED', 'COMPLETED', 'REJECTED', 'UNKNOWN'];
/** sipflow's outcomes (sip/calls.ts outcomeOf) and the media verdicts the media tap appends ("ANSWERED, NO AUDIO"). */
export const OUTCOMES: readonly string[] = [
  'COMPLETED', 'ANSWERED', 'RINGING', 'NO ANSWER', 'CANCELLED', 'BUSY', 'DECLINED', 'DIVERTED', 'AUTH', 'NOT FOUND',
  'TIMEOUT', 'UNAVAILABLE', 'FAILED', 'NO RESPONSE', 'REGISTERED', 'UNREGISTERED', 'OK', 'NO AUDIO', 'ONE-WAY AUDIO',
];

export interface ExtractFilter extends CallFilter {
  /** Call numbers (the # of `sipflow analyze`). */
  calls?: number[];
  /** Outcomes, comma-separated; a call matches when any part of its outcome is one of them. */
  outcome?: string;
  /** Window in seconds from the first frame: calls with SIP or media in it. */
  since?: number;
  until?: number;
}

/** A bad option value (exit 64). */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

export interface RawFilterFlags {
  call?: string;
  callId?: string;
  from?: string;
  to?: string;
  state?: string;
  outcome?: string;
  since?: string;
  until?: string;
}

const norm = (s: string) => s.trim().toUpperCase().replace(/[_-]/g, ' ').replace(/\s+/g, ' ');
const list = (s: string) => s.split(',').map(norm).filter(Boolean);
const quoted = (xs: readonly string[]) => xs.map((x) => x.toLowerCase().replace(/ /g, '-')).join(', ');

/** Check and convert the command-line filter options. Throws FilterError. */
export function parseExtractFilter(f: RawFilterFlags): ExtractFilter {
  const out: ExtractFilter = { callId: f.callId, from: f.from, to: f.to };
  if (f.call !== undefined) out.calls = parseCallList(f.call);
  if (f.state !== undefined) {
    const known = new Set<string>([...CALL_STATES, ...OUTCOMES].map(norm));
    const bad = list(f.state).filter((s) => !known.has(s));
    if (bad.length || !list(f.state).length) throw new FilterError(`--state ${JSON.stringify(f.state)}: expected states or outcomes, comma-separated: ${quoted(CALL_STATES)}; or ${quoted(OUTCOMES)}`);
    out.state = f.state;
  }
  if (f.outcome !== undefined) {
    const bad = list(f.outcome).filter((s) => !OUTCOMES.map(norm).includes(s));
    if (bad.length || !list(f.outcome).length) throw new FilterError(`--outcome ${JSON.stringify(f.outcome)}: expected outcomes, comma-separated: ${quoted(OUTCOMES)}`);
    out.outcome = f.outcome;
  }
  if (f.since !== undefined) out.since = seconds('--since', f.since);
  if (f.until !== undefined) out.until = seconds('--until', f.until);
  if (out.since !== undefined && out.until !== undefined && out.since > out.until) {
    throw new FilterError(`--since ${out.since} is after --until ${out.until}: the window must run forward`);
  }
  return out;
}

function parseCallList(s: string): number[] {
  const out: number[] = [];
  for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) {
      throw new FilterError(`--call ${JSON.stringify(s)}: expected call numbers (the # of "sipflow analyze") as N, N,M or N-M`);
    }
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b - a > 100000) throw new FilterError(`--call ${part}: a range of more than 100000 calls`);
    for (let i = a; i <= b; i++) out.push(i);
  }
  if (!out.length) throw new FilterError(`--call ${JSON.stringify(s)}: expected call numbers (the # of "sipflow analyze") as N, N,M or N-M`);
  return out;
}

function seconds(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new FilterError(`${name} ${JSON.stringify(v)}: expected seconds from the first frame (a number >= 0, e.g. 12.5)`);
  return n;
}

export function isSelecting(f: ExtractFilter): boolean {
  return f.calls !== undefined || f.callId !== undefined || f.from !== undefined || f.to !== undefined ||
    f.state !== undefined || f.outcome !== undefined || f.since !== undefined || f.until !== undefined;
}

/**
 * The calls of the report the filter selects (every dialog when it selects
 * nothing). `lastMedia(callId)` extends a call's activity to its last media
 * datagram for the time window. Unknown call numbers throw FilterError.
 */
export function selectCalls(report: Report, f: ExtractFilter, lastMedia: (callId: string) => number = () => -Infinity): Call[] {
  if (f.calls) {
    const have = new Set(report.calls.map((c) => c.index));
    const missing = f.calls.filter((n) => !have.has(n));
    if (missing.length) {
      const max = report.calls.length ? Math.max(...have) : 0;
      throw new FilterError(`--call ${missing.slice(0, 5).join(',')}: ${report.file} has ${max ? `calls 1 to ${max}` : 'no calls'} (numbers as "sipflow analyze --all" shows them)`);
    }
  }
  const wanted = f.calls ? new Set(f.calls) : null;
  const outcomes = f.outcome ? list(f.outcome) : null;
  return report.calls.filter((c) => {
    if (wanted && !wanted.has(c.index)) return false;
    if (!matchCall(c, f)) return false;
    if (outcomes) {
      const parts = (c.outcome ?? '').split(',').map(norm);
      if (!outcomes.some((o) => parts.includes(o))) return false;
    }
    if (f.since !== undefined || f.until !== undefined) {
      const end = Math.max(c.stop, lastMedia(c.callId));
      if (f.since !== undefined && end < f.since) return false;
      if (f.until !== undefined && c.start > f.until) return false;
    }
    return true;
  });
}
