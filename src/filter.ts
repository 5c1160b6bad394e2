/**
 * Which calls a command works on, and the one vocabulary every output and
 * every filter uses: Wireshark's states, sipflow's outcomes and the dialog
 * kinds, spelled as the table, CSV, JSON and HTML spell them. `--state`,
 * `--outcome`, `--kind` and `--call` are checked here for every command
 * (analyze, ladder, report, snapshot, audio, extract), so a value is
 * accepted by all of them or by none.
 */
import type { Call, CallKind, CallState, Report } from './model.js';

/** Wireshark's VoIP Calls states (ui/voip_calls.c voip_call_state_name), for every dialog. */
export const CALL_STATES: readonly CallState[] = ['CALL SETUP', 'RINGING', 'IN CALL', 'CANCELLED', 'COMPLETED', 'REJECTED', 'UNKNOWN'];

/**
 * sipflow's outcomes (sip/calls.ts outcomeOf), and the media verdicts the
 * media tap appends to them ("ANSWERED, NO AUDIO": that call matches both
 * ANSWERED and NO AUDIO).
 */
export const OUTCOMES: readonly string[] = [
  'COMPLETED', 'ANSWERED', 'RINGING', 'NO ANSWER', 'CANCELLED', 'BUSY', 'DECLINED', 'DIVERTED', 'AUTH', 'NOT FOUND',
  'TIMEOUT', 'UNAVAILABLE', 'FAILED', 'NO RESPONSE', 'REGISTERED', 'UNREGISTERED', 'OK', 'NO AUDIO', 'ONE-WAY AUDIO',
];

/**
 * A dialog's status in one phrase, the same wherever outcome and state share
 * a place (the narrow table's Outcome (State) column, ladder captions, the
 * report's call headings and tips): sipflow's outcome, then Wireshark's state
 * in parentheses when it says something else ("BUSY (REJECTED)",
 * "REGISTERED (REJECTED)", "COMPLETED"); the state alone while there is no outcome.
 */
export function outcomeAndState(c: Pick<Call, 'outcome' | 'state'>): string {
  if (c.outcome === null) return c.state;
  return c.outcome === c.state ? c.outcome : `${c.outcome} (${c.state})`;
}

/** Dialog kinds, by the method that opened the dialog (model.ts CallKind). */
export const CALL_KINDS: readonly CallKind[] = ['call', 'registration', 'subscription', 'publish', 'message', 'options', 'other'];

export interface CallFilter {
  /** Call numbers (the # of `sipflow analyze`, as with --all). */
  calls?: number[];
  callId?: string;
  from?: string;
  to?: string;
  /** Comma-separated states or outcomes, case-insensitive, `-`/`_` for spaces ("rejected,in-call,busy"). */
  state?: string;
  /** Comma-separated outcomes; a call matches when any part of its outcome is one of them. */
  outcome?: string;
  /** Comma-separated dialog kinds ("registration,options"). */
  kind?: string;
  /** Window in seconds from the first frame: calls with SIP (or, given lastMedia, media) in it. */
  since?: number;
  until?: number;
}

/** The filter options as the command line gives them, before checking: every value a string, --call for `calls`. */
export type RawCallFilter = { [K in Exclude<keyof CallFilter, 'calls'>]?: string } & { call?: string };

/** A filter value that cannot be used (the CLI exits 64 with its message). */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

/** "in_call", "In-Call", "in  call" -> "IN CALL". */
export const normWord = (s: string) => s.trim().toUpperCase().replace(/[_-]/g, ' ').replace(/\s+/g, ' ');
const list = (s: string) => s.split(',').map(normWord).filter(Boolean);
/** How the accepted values are written in messages: as they can be typed without quotes. */
export const typeable = (xs: readonly string[]) => xs.map((x) => x.toLowerCase().replace(/ /g, '-')).join(', ');

const STATE_WORDS = new Set([...CALL_STATES, ...OUTCOMES].map(normWord));
const OUTCOME_WORDS = new Set(OUTCOMES.map(normWord));
const KIND_WORDS = new Set(CALL_KINDS.map(normWord));

/** Check and convert the filter options; throws FilterError naming what is accepted. */
export function parseCallFilter(f: RawCallFilter): CallFilter {
  const out: CallFilter = {};
  if (f.callId !== undefined) out.callId = f.callId;
  if (f.from !== undefined) out.from = f.from;
  if (f.to !== undefined) out.to = f.to;
  if (f.call !== undefined) out.calls = parseCallList(f.call);
  if (f.state !== undefined) out.state = checkWords('--state', f.state, STATE_WORDS, `states or outcomes, comma-separated: ${typeable(CALL_STATES)}; or ${typeable(OUTCOMES)}`);
  if (f.outcome !== undefined) out.outcome = checkWords('--outcome', f.outcome, OUTCOME_WORDS, `outcomes, comma-separated: ${typeable(OUTCOMES)}`);
  if (f.kind !== undefined) out.kind = checkWords('--kind', f.kind, KIND_WORDS, `dialog kinds, comma-separated: ${typeable(CALL_KINDS)}`);
  if (f.since !== undefined) out.since = seconds('--since', f.since);
  if (f.until !== undefined) out.until = seconds('--until', f.until);
  if (out.since !== undefined && out.until !== undefined && out.since > out.until) {
    throw new FilterError(`--since ${out.since} is after --until ${out.until}: the window must run forward`);
  }
  return out;
}

function checkWords(name: string, value: string, known: Set<string>, expected: string): string {
  const words = list(value);
  const bad = words.filter((w) => !known.has(w));
  if (bad.length || !words.length) {
    throw new FilterError(`${name} ${JSON.stringify(value)}: ${bad.length ? `${bad.map((b) => b.toLowerCase()).join(', ')} is not one of the ` : 'expected '}${expected}`);
  }
  return value;
}

function parseCallList(s: string): number[] {
  const usage = `--call ${JSON.stringify(s)}: expected call numbers (the # of "sipflow analyze --all") as N, N,M or N-M`;
  const out: number[] = [];
  for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) throw new FilterError(usage);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b - a > 100000) throw new FilterError(`--call ${part}: a range of more than 100000 calls`);
    for (let i = a; i <= b; i++) out.push(i);
  }
  if (!out.length) throw new FilterError(usage);
  return out;
}

function seconds(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new FilterError(`${name} ${JSON.stringify(v)}: expected seconds from the first frame (a number >= 0, e.g. 12.5)`);
  return n;
}

function has(hay: string | null, needle: string): boolean {
  return hay !== null && hay.toLowerCase().includes(needle.toLowerCase());
}

/** The words of an outcome: "ANSWERED, NO AUDIO" -> ANSWERED, NO AUDIO. */
function outcomeWords(c: Call): string[] {
  return c.outcome === null ? [] : c.outcome.split(',').map(normWord);
}

/**
 * Does the call pass the filter? `lastMedia(callId)` extends a call's
 * activity to its last media packet for --since (the extract index knows it).
 */
export function matchCall(c: Call, f: CallFilter, lastMedia?: (callId: string) => number): boolean {
  if (f.calls !== undefined && !f.calls.includes(c.index)) return false;
  if (f.callId !== undefined && c.callId !== f.callId && !c.callId.includes(f.callId)) return false;
  if (f.from !== undefined && !has(c.from, f.from) && !has(c.fromDisplay, f.from)) return false;
  if (f.to !== undefined && !has(c.to, f.to) && !has(c.toDisplay, f.to)) return false;
  if (f.state !== undefined) {
    const words = outcomeWords(c);
    if (!list(f.state).some((w) => c.state === w || words.includes(w))) return false;
  }
  if (f.outcome !== undefined) {
    const words = outcomeWords(c);
    if (!list(f.outcome).some((w) => words.includes(w))) return false;
  }
  if (f.kind !== undefined && !list(f.kind).includes(normWord(c.kind))) return false;
  if (f.since !== undefined && Math.max(c.stop, lastMedia ? lastMedia(c.callId) : -Infinity) < f.since) return false;
  if (f.until !== undefined && c.start > f.until) return false;
  return true;
}

export function isFiltering(f: CallFilter): boolean {
  return f.calls !== undefined || f.callId !== undefined || f.from !== undefined || f.to !== undefined || f.state !== undefined ||
    f.outcome !== undefined || f.kind !== undefined || f.since !== undefined || f.until !== undefined;
}

/** Call numbers the filter names that the report does not have: FilterError naming the ones it has. */
export function checkCallNumbers(report: Report, f: CallFilter): void {
  if (!f.calls) return;
  const have = new Set(report.calls.map((c) => c.index));
  const missing = f.calls.filter((n) => !have.has(n));
  if (!missing.length) return;
  const n = report.calls.length;
  const its = n === 0 ? 'it has no dialogs'
    : n <= 8 ? `its dialogs: ${report.calls.map((c) => `${c.index} (${c.kind})`).join(', ')}`
      : `its dialogs are 1 to ${Math.max(...have)} ("sipflow analyze --all" lists them)`;
  throw new FilterError(`--call ${missing.slice(0, 5).join(',')}: no call ${missing.slice(0, 5).join(',')} in ${report.file}; ${its}`);
}

/**
 * Keep only matching calls. Indexes stay those of the whole capture, so
 * "call 7" means the same call with or without a filter; the streams of
 * dropped calls go too. Unknown --call numbers throw FilterError.
 */
export function filterReport(r: Report, f: CallFilter): Report {
  if (!isFiltering(f)) return r;
  checkCallNumbers(r, f);
  const calls = r.calls.filter((c) => matchCall(c, f));
  const keep = new Set(calls.map((c) => c.callId));
  return { ...r, calls, rtpStreams: r.rtpStreams.filter((s) => s.callId !== null && keep.has(s.callId)) };
}

/**
 * Whether a filter asks for dialogs of any kind: --kind names them, and a
 * dialog asked for by number (--call) is shown whatever it is. Tables
 * otherwise list INVITE dialogs unless --all.
 */
export function namesAnyKind(f: CallFilter): boolean {
  return f.kind !== undefined || f.calls !== undefined;
}

/** The line for a filter that left nothing: how many dialogs the capture had. */
export function emptyFilterNote(total: number): string {
  return `no dialog matches the filter (the capture has ${total} dialog${total === 1 ? '' : 's'}; all were filtered out)`;
}

/**
 * A filter that matches nothing is an answer, not an error: every command
 * exits 0 (analyze prints an empty table, report a summary page; ladder,
 * extract and audio write nothing) and says on standard error, in these words,
 * how many dialogs the filter dropped. Exit 2 stays for input that cannot be used.
 */
export const EMPTY_FILTER_EXIT = 0;
