/** Call filters shared by analyze, ladder and report: --call-id, --from, --to, --state. */
import type { Call, Report } from './model.js';

export interface CallFilter {
  callId?: string;
  from?: string;
  to?: string;
  /** Comma-separated states or outcomes, case-insensitive ("rejected,busy"). */
  state?: string;
}

function has(hay: string | null, needle: string): boolean {
  return hay !== null && hay.toLowerCase().includes(needle.toLowerCase());
}

export function matchCall(c: Call, f: CallFilter): boolean {
  if (f.callId !== undefined && c.callId !== f.callId && !c.callId.includes(f.callId)) return false;
  if (f.from !== undefined && !has(c.from, f.from) && !has(c.fromDisplay, f.from)) return false;
  if (f.to !== undefined && !has(c.to, f.to) && !has(c.toDisplay, f.to)) return false;
  if (f.state !== undefined) {
    const wanted = f.state.split(',').map((s) => s.trim().toUpperCase().replace(/[_-]/g, ' ')).filter(Boolean);
    if (!wanted.some((w) => c.state === w || c.outcome === w)) return false;
  }
  return true;
}

export function isFiltering(f: CallFilter): boolean {
  return f.callId !== undefined || f.from !== undefined || f.to !== undefined || f.state !== undefined;
}

/**
 * Keep only matching calls. Indexes stay those of the whole capture, so
 * "call 7" means the same call with or without a filter; the streams of
 * dropped calls go too.
 */
export function filterReport(r: Report, f: CallFilter): Report {
  if (!isFiltering(f)) return r;
  const calls = r.calls.filter((c) => matchCall(c, f));
  const keep = new Set(calls.map((c) => c.callId));
  return { ...r, calls, rtpStreams: r.rtpStreams.filter((s) => s.callId !== null && keep.has(s.callId)) };
}
