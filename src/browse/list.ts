/**
 * The call list: the analyze table's columns (render/table.ts), sorted by
 * any column in either direction, filtered as the user types and by quick
 * filters on state, outcome and kind. Pure functions of the calls and a
 * ListState, so the screen and the tests share them.
 */
import type { Call, Report } from '../model.js';
import { mediaSummary, party, rtpSummary } from '../render/table.js';
import { tone } from '../render/status.js';
import { clip, displayWidth, Line, safe, type Style } from './text.js';
import { isOpen, liveRtpCell } from './store.js';

export interface ListColumn {
  head: string;
  /** Natural width bounds; the flexible columns share what is left. */
  min: number;
  max: number;
  flex: number;
  /** Below this width the column is hard to read: lesser columns are dropped first (as the analyze table does). */
  good?: number;
  right?: boolean;
  cell(c: Call, r: Report): string;
  /** Sort key (numbers sort numerically). */
  key(c: Call, r: Report): string | number;
  style?(c: Call): Style;
}

const TONE_STYLE = { ok: 'green', warn: 'yellow', bad: 'red', cancel: 'magenta', other: '' } as const satisfies Record<string, Style>;

export function statusStyle(s: string | null): Style { return TONE_STYLE[tone(s)]; }

function secs(x: number | null, d: number): string { return x === null ? '-' : x.toFixed(d); }

export const COLUMNS: ListColumn[] = [
  { head: '#', min: 3, max: 6, flex: 0, right: true, cell: (c) => String(c.index), key: (c) => c.index },
  { head: 'Start', min: 7, max: 10, flex: 0, right: true, cell: (c) => secs(c.start, 3), key: (c) => c.start },
  { head: 'Dur', min: 5, max: 8, flex: 0, right: true, cell: (c) => secs(c.durationS, 1), key: (c) => c.durationS ?? -1 },
  { head: 'From', min: 10, max: 40, flex: 3, good: 18, cell: (c) => party(c.from, c.fromDisplay), key: (c) => party(c.from, c.fromDisplay).toLowerCase() },
  { head: 'To', min: 10, max: 40, flex: 3, good: 18, cell: (c) => party(c.to, c.toDisplay), key: (c) => party(c.to, c.toDisplay).toLowerCase() },
  { head: 'State', min: 10, max: 12, flex: 0, cell: (c) => (c.kind === 'call' ? c.state : c.kind), key: (c) => (c.kind === 'call' ? c.state : '~' + c.kind), style: (c) => (c.kind === 'call' ? statusStyle(c.state) : 'dim') },
  { head: 'Outcome', min: 8, max: 24, flex: 1, cell: (c) => outcomeText(c) + (c.partial ? ' (partial)' : ''), key: (c) => c.outcome ?? '~', style: (c) => (c.outcome ? statusStyle(c.outcome) : 'dim') },
  { head: 'Pkts', min: 4, max: 6, flex: 0, right: true, cell: (c) => String(c.sipPackets), key: (c) => c.sipPackets },
  { head: 'Codec', min: 6, max: 24, flex: 1, cell: (c, r) => mediaSummary(c, r), key: (c, r) => mediaSummary(c, r) },
  { head: 'RTP', min: 5, max: 16, flex: 0, right: true, cell: (c, r) => (c.streams.length ? rtpSummary(c, r) : liveRtpCell(c) ?? '-'), key: (c, r) => rtpPackets(c, r) },
  { head: 'Comment', min: 8, max: 40, flex: 2, cell: (c) => c.comment, key: (c) => c.comment },
];

/** The outcome, "pending" while an open call has none decided yet (store.ts), "-" when the dialog never gets one. */
function outcomeText(c: Call): string {
  return c.outcome ?? (isOpen(c) ? 'pending' : '-');
}

function rtpPackets(c: Call, r: Report): number {
  let n = 0;
  for (const i of c.streams) n += r.rtpStreams[i - 1]?.packets ?? 0;
  return n;
}

/** Columns dropped first when the terminal is narrow (as the analyze table drops them). */
const DROP_ORDER = ['Comment', 'RTP', 'Codec', 'Pkts', 'Dur', 'Start'];

export const STATES = ['CALL SETUP', 'RINGING', 'IN CALL', 'COMPLETED', 'CANCELLED', 'REJECTED', 'UNKNOWN'];
export const KINDS = ['call', 'registration', 'subscription', 'publish', 'message', 'options', 'other'];

export interface ListState {
  /** Index into COLUMNS, and direction. */
  sortCol: number;
  sortDesc: boolean;
  /** Filter-as-you-type text (case-insensitive substring of parties, Call-ID, any header). */
  filter: string;
  state: string | null;
  outcome: string | null;
  kind: string | null;
  /** Non-INVITE dialogs too (analyze --all). */
  all: boolean;
}

export function initialList(): ListState {
  return { sortCol: 0, sortDesc: false, filter: '', state: null, outcome: null, kind: null, all: false };
}

/**
 * Text a filter matches: parties, Call-ID, comment, then every distinct
 * header line of the call's messages (User-Agent, Via, Contact...), lowercased.
 * Kept per call and grown with its messages (only the new ones are read);
 * warmSearch() builds it ahead of the first keystroke.
 */
interface Haystack { seen: number; lines: Set<string>; text: string }
const haystacks = new WeakMap<Call, Haystack>();
export function haystack(c: Call): string {
  let h = haystacks.get(c);
  const n = c.messages.length;
  if (h && h.seen === n) return h.text;
  // A summarised call (--max-calls dropped its messages) starts again from what its row shows.
  if (!h || n < h.seen) haystacks.set(c, h = { seen: 0, lines: new Set(), text: '' });
  for (const l of [c.from, c.to, c.fromDisplay ?? '', c.toDisplay ?? '', c.callId, c.comment]) h.lines.add(l);
  for (let i = h.seen; i < n; i++) {
    const raw = c.messages[i]!.raw;
    if (!raw) continue;
    const end = raw.search(/\r?\n\r?\n/);
    for (const l of (end < 0 ? raw : raw.slice(0, end)).split(/\r?\n/)) h.lines.add(l);
  }
  h.seen = n;
  h.text = [...h.lines].join('\n').toLowerCase();
  return h.text;
}

/** Whether the filter text `f` (lowercased) matches the call: its search text, or its state and outcome as they are now. */
function matches(c: Call, f: string): boolean {
  return haystack(c).includes(f) || c.state.toLowerCase().includes(f) || (c.outcome ?? '').toLowerCase().includes(f);
}

/**
 * Build the search text of calls that lack it, for at most `budgetMs`; true
 * when every call has it. Run in idle time (browse/index.ts) so the first
 * filter keystroke on 5 000 calls costs what the others do.
 */
export function warmSearch(calls: readonly Call[], budgetMs: number): boolean {
  const until = performance.now() + budgetMs;
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i]!;
    const h = haystacks.get(c);
    if (h && h.seen === c.messages.length) continue;
    haystack(c);
    // The clock is read every few calls only: a call costs tens of microseconds.
    if ((i & 15) === 0 && performance.now() > until) return false;
  }
  return true;
}

/** The calls shown, in order. */
export function visibleCalls(calls: readonly Call[], r: Report, s: ListState): Call[] {
  const gate = kindGate(calls, s);
  const f = s.filter.toLowerCase();
  const out = calls.filter((c) =>
    gate(c) &&
    (s.state === null || (c.kind === 'call' && c.state === s.state)) &&
    (s.outcome === null || c.outcome === s.outcome) &&
    (!f || matches(c, f)));
  const col = COLUMNS[s.sortCol]!;
  if (s.sortCol === 0) {
    // "#" sorts by index itself, not by trusting the store's order.
    const dir = s.sortDesc ? -1 : 1;
    out.sort((a, b) => (a.index - b.index) * dir);
  } else {
    const keys = new Map(out.map((c) => [c, col.key(c, r)]));
    const dir = s.sortDesc ? -1 : 1;
    out.sort((a, b) => {
      const ka = keys.get(a)!, kb = keys.get(b)!;
      const d = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : String(ka) < String(kb) ? -1 : String(ka) > String(kb) ? 1 : 0;
      return d !== 0 ? d * dir : a.index - b.index;
    });
  }
  return out;
}

/** Dialogs the list can show under the kind rules (INVITE dialogs only unless --all or a kind filter), whatever the other filters. */
function kindGate(calls: readonly Call[], s: ListState): (c: Call) => boolean {
  const hasCall = calls.some((c) => c.kind === 'call');
  return (c) => (s.all || !hasCall || c.kind === 'call' || s.kind !== null) && (s.kind === null || c.kind === s.kind);
}

/** What a row's cells depend on that can change while a call is live (the cached widths are redone when it does). */
function rowStamp(c: Call): string {
  return `${c.sipPackets}|${c.streams.length}|${c.media.length}|${c.state}|${c.outcome}|${isOpen(c)}|${liveRtpCell(c)}|${c.durationS}|${c.from}|${c.to}`;
}

/**
 * Natural column widths over every call the kind rules let the list show,
 * not over the rows in view: the columns stay where they are while the user
 * scrolls, sorts and types a filter (a filter narrows rows, it does not move
 * columns). Each call's cell widths are kept until its row changes, so a
 * live update costs the calls that changed plus one pass of comparisons.
 */
export class ColumnWidths {
  private readonly rows = new WeakMap<Call, { stamp: string; w: number[] }>();
  private key = '';
  private nat: number[] = [];

  natural(calls: readonly Call[], r: Report, s: ListState, version: number): number[] {
    const key = `${version}|${s.all}|${s.kind}`;
    if (key === this.key) return this.nat;
    // Room for the header and its sort arrow.
    const nat = COLUMNS.map((col) => displayWidth(col.head) + 1);
    const gate = kindGate(calls, s);
    for (const c of calls) {
      if (!gate(c)) continue;
      const stamp = rowStamp(c);
      let row = this.rows.get(c);
      if (!row || row.stamp !== stamp) {
        row = { stamp, w: COLUMNS.map((col) => Math.min(col.max, displayWidth(safe(col.cell(c, r))))) };
        this.rows.set(c, row);
      }
      for (let i = 0; i < nat.length; i++) if (row.w[i]! > nat[i]!) nat[i] = row.w[i]!;
    }
    this.nat = nat.map((w, i) => Math.min(COLUMNS[i]!.max, Math.max(COLUMNS[i]!.min, w)));
    this.key = key;
    return this.nat;
  }
}

/** Which columns fit `width` and how wide each is, from the columns' natural widths (ColumnWidths). */
export function layout(natural: readonly number[], width: number): { keep: number[]; widths: number[] } {
  let keep = COLUMNS.map((_, i) => i);
  for (;;) {
    const nat = keep.map((i) => natural[i]!);
    // 2 columns for the mark, one space between columns.
    let total = 2 + nat.reduce((a, b) => a + b, 0) + keep.length - 1;
    const widths = nat.slice();
    while (total > width) {
      let best = -1;
      for (let k = 0; k < keep.length; k++) {
        const col = COLUMNS[keep[k]!]!;
        if (col.flex > 0 && widths[k]! > col.min && (best < 0 || widths[k]! * col.flex > widths[best]! * COLUMNS[keep[best]!]!.flex)) best = k;
      }
      if (best < 0) break;
      widths[best]!--;
      total--;
    }
    const drop = DROP_ORDER.find((h) => keep.some((i) => COLUMNS[i]!.head === h));
    const readable = keep.every((i, k) => widths[k]! >= Math.min(COLUMNS[i]!.good ?? 0, nat[k]!));
    if ((total <= width && readable) || !drop) {
      // Room to spare goes to the flexible columns' full text, then stays blank.
      return { keep, widths };
    }
    keep = keep.filter((i) => COLUMNS[i]!.head !== drop);
  }
}

function fit(s: string, w: number, right: boolean, ell: string): string {
  const t = displayWidth(s) > w ? clip(s, w, ell) : s;
  const fill = ' '.repeat(Math.max(0, w - displayWidth(t)));
  return right ? fill + t : t + fill;
}


/** The header line, with the sort column's arrow. */
export function headerLine(keep: number[], widths: number[], s: ListState, ascii: boolean): Line {
  const line = new Line('');
  line.add('  ');
  keep.forEach((i, k) => {
    const col = COLUMNS[i]!;
    const arrow = i === s.sortCol ? (ascii ? (s.sortDesc ? 'v' : '^') : (s.sortDesc ? '▼' : '▲')) : '';
    line.add(fit(col.head + arrow, widths[k]!, !!col.right, ascii ? '~' : '…'), i === s.sortCol ? 'head' : 'bold');
    if (k < keep.length - 1) line.add(' ');
  });
  return line;
}

/** One call's row: mark, cells (safe: packet text), state colours; the selected row in inverse. */
export function rowLine(c: Call, r: Report, keep: number[], widths: number[], marked: boolean, selected: boolean, ascii: boolean): Line {
  const line = new Line(selected ? 'sel' : '');
  line.add(marked ? (ascii ? '* ' : '● ') : '  ', 'mark');
  keep.forEach((i, k) => {
    const col = COLUMNS[i]!;
    const text = fit(safe(col.cell(c, r)), widths[k]!, !!col.right, ascii ? '~' : '…');
    line.add(text, selected ? '' : col.style?.(c) ?? '');
    if (k < keep.length - 1) line.add(' ');
  });
  return line;
}

/** Cycle through `options` (null = no filter first). */
export function cycle(current: string | null, options: readonly string[], back = false): string | null {
  const all: (string | null)[] = [null, ...options];
  const i = all.indexOf(current);
  return all[(i + (back ? all.length - 1 : 1)) % all.length] ?? null;
}
