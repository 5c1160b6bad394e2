/**
 * Report -> terminal: the header line, the call and stream tables (drawn by
 * terminal.ts, coloured with render/color.ts) sized to the terminal, events and warnings.
 * Renderers never parse; they only format the Report.
 */
import { color } from './color.js';
import type { Call, Report, RtpStream } from '../model.js';
import { displayWidth, drawTable, joinWrapped, printable, wrapWords } from './terminal.js';
import { emptyFilterNote, outcomeAndState } from '../filter.js';
import { eventTone, TERMINAL, tone } from './status.js';

export interface TableOptions {
  /** Include registrations, OPTIONS and other non-call dialogs. */
  all: boolean;
  /** Terminal width to fit; Infinity for no limit. */
  width: number;
  /** Print the stream table under the call table. */
  streams: boolean;
  /** Per-call event timelines. */
  events: boolean;
  /** Dialogs in the capture before a filter: set when the report was filtered, to say what the filter left out. */
  unfiltered?: number;
}

/** Which calls the table shows: INVITE dialogs, or everything with --all or when there is no INVITE. */
export function tableCalls(report: Report, all: boolean): Call[] {
  const hasCall = report.calls.some((c) => c.kind === 'call');
  return all || !hasCall ? report.calls : report.calls.filter((c) => c.kind === 'call');
}

export function headerLine(report: Report, width = Infinity): string {
  const c = report.capture;
  const w = report.warnings.length;
  const parts = [
    color.bold(printable(report.file)),
    c.format,
    `${c.frames} frames`,
    `${c.durationS.toFixed(3)} s`,
    c.linkTypes.join(' + ') || 'no interfaces',
    w ? color.yellow(`${w} warning${w === 1 ? '' : 's'}`) : '0 warnings',
  ];
  if (c.truncated) parts.push(color.red('truncated'));
  return joinWrapped(parts, '  ·  ', width);
}

/** `text` (a state or outcome cell, maybe clipped) in the colour of `status`'s tone. */
export function colorStatus(text: string, status: string | null = text): string {
  return TERMINAL[tone(status)](text);
}

/** "Alice <alice@example.com>" or "alice@example.com": the URI without its scheme. */
export function party(uri: string, display: string | null): string {
  const u = uri.replace(/^sips?:/, '');
  return display ? `${display} <${u}>` : u;
}

function secs(x: number | null, digits = 3): string {
  return x === null ? '-' : x.toFixed(digits);
}

interface Column extends LayoutColumn {
  head: string;
  /** Shrinkable columns give up width first, in this order of preference. */
  flex: number;
  min: number;
  align?: 'left' | 'right';
  cell(c: Call): string;
  /** Coloured version of an already-clipped cell. */
  paint?(s: string, c: Call): string;
}

/** Stream number i: at position i-1 in a whole report, elsewhere in a filtered one (indexes are the whole capture's). */
function streamByIndex(report: Report, i: number): RtpStream | undefined {
  const s = report.rtpStreams[i - 1];
  return s && s.index === i ? s : report.rtpStreams.find((x) => x.index === i);
}

/** First codec of each media section, with the audio packet time (SDP a=ptime, else measured): "opus/48000 20ms, VP8/90000". */
export function mediaSummary(c: Call, report: Report): string {
  const parts: string[] = [];
  for (const m of c.media) {
    const codec = m.codecs.find((x) => !/^(telephone-event|CN)\//i.test(x)) ?? m.codecs[0];
    if (!codec) continue;
    let ptime = m.ptimeMs;
    if (ptime === null && m.type === 'audio') {
      const measured = c.streams.map((i) => streamByIndex(report, i)).find((s) => s && s.mediaType === 'audio' && s.ptimeMs > 0);
      if (measured) ptime = Math.round(measured.ptimeMs);
    }
    const p = `${codec}${m.type === 'audio' && ptime ? ` ${ptime}ms` : ''}`;
    if (!parts.includes(p)) parts.push(p);
  }
  return parts.join(', ') || '-';
}

/** Streams × packets and the call's RTP bitrate: "4×/2054 95k". */
export function rtpSummary(c: Call, report: Report): string {
  if (!c.streams.length) return '-';
  let pkts = 0;
  let kbps = 0;
  for (const i of c.streams) {
    const s = streamByIndex(report, i);
    if (!s) continue;
    pkts += s.packets;
    kbps += s.kbps;
  }
  return `${c.streams.length}×/${pkts} ${Math.round(kbps)}k`;
}

/** The narrow table's Outcome (State) cell: filter.ts outcomeAndState, as the ladders and the report say it. */
function statusCell(c: Call): string {
  return outcomeAndState(c) + (c.partial ? ' (partial)' : '');
}

function columns(report: Report, withMedia: boolean, withKind: boolean): Column[] {
  const cols: Column[] = [
    { head: '#', flex: 0, min: 2, align: 'right', cell: (c) => String(c.index) },
    { head: 'Start', flex: 0, min: 7, align: 'right', cell: (c) => secs(c.start) },
    { head: 'Dur', flex: 0, min: 5, align: 'right', cell: (c) => secs(c.durationS, 1) },
    { head: 'From', flex: 3, min: 10, good: 16, cell: (c) => party(c.from, c.fromDisplay) },
    { head: 'To', flex: 3, min: 10, good: 16, cell: (c) => party(c.to, c.toDisplay) },
  ];
  // The dialog kind, in the words of CSV/JSON `kind` and of --kind, when the table holds more than INVITE dialogs.
  if (withKind) cols.push({ head: 'Kind', flex: 0, min: 4, cell: (c) => c.kind, paint: (s, c) => (c.kind === 'call' ? s : color.dim(s)) });
  cols.push(
    // Wireshark's VoIP Calls state, for every dialog, as in CSV/JSON `state` and --state.
    { head: 'State', flex: 0, min: 10, cell: (c) => c.state, paint: (s, c) => colorStatus(s, c.state) },
    { head: 'Outcome', flex: 1, min: 8, cell: (c) => (c.outcome ?? '-') + (c.partial ? ' (partial)' : ''), paint: (s, c) => (c.outcome ? colorStatus(s, c.outcome) : color.dim(s)) },
    // Narrow tables show State and Outcome in one column (layout step MERGE_STATE).
    { head: 'Outcome (State)', flex: 1, min: 8, hidden: true, cell: statusCell, paint: (s, c) => colorStatus(s, c.outcome ?? c.state) },
    { head: 'Pkts', flex: 0, min: 4, align: 'right', cell: (c) => String(c.sipPackets) },
  );
  if (withMedia) {
    cols.push({ head: 'Codec', flex: 1, min: 6, cell: (c) => mediaSummary(c, report) });
    cols.push({ head: 'RTP', flex: 0, min: 5, align: 'right', cell: (c) => rtpSummary(c, report) });
  }
  cols.push({ head: 'Comment', flex: 2, min: 8, cell: (c) => c.comment });
  return cols;
}

/**
 * Fit natural column widths into `width`, shrinking flexible columns
 * (largest flex first) down to their minimum.
 */
export function fitWidths(natural: number[], mins: number[], flex: number[], width: number): number[] {
  const w = natural.slice();
  // The table draws one border per column plus one, and pads each cell by 1 on both sides.
  const overhead = w.length + 1 + w.length * 2;
  let excess = w.reduce((a, b) => a + b, 0) + overhead - width;
  while (excess > 0) {
    let best = -1;
    let bestScore = 0;
    for (let i = 0; i < w.length; i++) {
      if (flex[i]! <= 0 || w[i]! <= mins[i]!) continue;
      const score = w[i]! * flex[i]!;
      if (score > bestScore) { bestScore = score; best = i; }
    }
    if (best < 0) break;
    w[best]!--;
    excess--;
  }
  return w;
}

/** The widest cell of column `i`, its head included. */
function naturalWidth(head: string, rows: string[][], i: number): number {
  let w = displayWidth(head);
  for (const r of rows) w = Math.max(w, displayWidth(r[i]!));
  return w;
}

function tableWidth(widths: number[]): number {
  return widths.reduce((a, b) => a + b, 0) + widths.length * 3 + 1;
}

interface LayoutColumn {
  head: string;
  flex: number;
  min: number;
  /** Below this width the column is unreadable: drop lesser columns first. */
  good?: number;
  /** Shown only when a merge step puts it in place of others. */
  hidden?: boolean;
  /** Long cells wrap at spaces onto a second line instead of being cut (drawTable). */
  wrap?: boolean;
}

/** One step of narrowing a table: drop a column, or show two columns as one. */
export type LayoutStep = string | { merge: [string, string]; into: string };

export interface Layout {
  /** Indexes of the columns shown, in order. */
  keep: number[];
  widths: number[];
  /** Heads of the columns left out (merged ones are not left out). */
  hidden: string[];
  /** False when even the last step left the table too wide or a column below its `good` width. */
  ok: boolean;
}

/**
 * Choose which columns to show and how wide, for both terminal tables: shrink
 * flexible columns, then take `steps` in order (drop a column, or merge two
 * into one) while the table does not fit or a column with a `good` width
 * would be squeezed below it.
 */
export function layoutColumns(cols: LayoutColumn[], rows: string[][], width: number, steps: LayoutStep[]): Layout {
  let keep = cols.map((_, i) => i).filter((i) => !cols[i]!.hidden);
  const hidden: string[] = [];
  const index = (head: string) => cols.findIndex((c) => c.head === head);
  const natural = cols.map((c, i) => naturalWidth(c.head, rows, i)); // no spread inside: rows may be 100 000
  for (let step = 0; ; step++) {
    const nat = keep.map((i) => natural[i]!);
    const widths = fitWidths(nat, keep.map((i, k) => Math.min(cols[i]!.min, nat[k]!)), keep.map((i) => cols[i]!.flex), width);
    const fits = tableWidth(widths) <= width;
    const readable = keep.every((i, k) => widths[k]! >= Math.min(cols[i]!.good ?? 0, nat[k]!));
    if (fits && readable) return { keep, widths, hidden, ok: true };
    // The next step that applies to the columns still shown.
    let next: LayoutStep | undefined;
    while (step < steps.length) {
      const s = steps[step]!;
      if (typeof s === 'string' ? keep.includes(index(s)) : keep.includes(index(s.merge[0])) && keep.includes(index(s.merge[1]))) { next = s; break; }
      step++;
    }
    if (next === undefined) return { keep, widths, hidden, ok: false };
    if (typeof next === 'string') {
      const drop = index(next);
      keep = keep.filter((i) => i !== drop);
      hidden.push(next);
    } else {
      const [a, b] = next.merge.map(index) as [number, number];
      const into = index(next.into);
      keep = keep.flatMap((i) => (i === a ? [into] : i === b ? [] : [i]));
    }
  }
}

/** The note under a table that had to leave columns out. */
export function hiddenNote(hidden: string[], width: number): string {
  return color.dim(joinWrapped([`(${width} columns: ${hidden.join(', ')} not shown; -w 200 shows them, --csv and --json have every field)`], ' ', width));
}

/**
 * Call-table narrowing, first step first: Comment, RTP and Codec go (CSV and
 * JSON have them), then State and Outcome share one column, then Pkts, Dur
 * and Start go. #, From, To and the outcome always stay.
 */
const CALL_STEPS: LayoutStep[] = ['Comment', 'RTP', 'Codec', { merge: ['State', 'Outcome'], into: 'Outcome (State)' }, 'Pkts', 'Kind', 'Dur', 'Start'];

export function renderCallTable(report: Report, calls: Call[], width: number, note = false): string {
  const withMedia = report.rtpStreams.length > 0 || calls.some((c) => c.media.length > 0);
  const all = columns(report, withMedia, calls.some((c) => c.kind !== 'call'));
  const rows = calls.map((c) => all.map((col) => col.cell(c)));
  const { keep, widths, hidden } = layoutColumns(all, rows, width, CALL_STEPS);
  const table = drawTable(keep.map((i) => all[i]!), widths, rows.map((r) => keep.map((i) => r[i]!)), (t, ri, k) => {
    const paint = all[keep[k]!]!.paint;
    return paint ? paint(t, calls[ri]!) : t;
  });
  return note && hidden.length ? `${table}\n${hiddenNote(hidden, width)}` : table;
}

function streamLabel(s: RtpStream): string {
  return `${s.src} → ${s.dst}`;
}

/** Stream-table narrowing: the stream's identity (#, Call, its endpoints, wrapped rather than cut), codec, packets, loss and MOS stay longest. */
const STREAM_STEPS: LayoutStep[] = ['SSRC', 'Worst 5s', 'kbps', 'Max jit', 'Max Δ ms', 'Mean jit', 'Call'];

/** A MOS cell: two decimals, '-' for streams without a score (video, unknown codecs). */
function mosCell(m: number | null | undefined): string {
  return m === null || m === undefined ? '-' : m.toFixed(2);
}

/** MOS tones: below 3.6 most users are dissatisfied (G.109), below 4.0 some are. */
function paintMos(t: string, m: number | null | undefined): string {
  if (m === null || m === undefined) return t;
  return m < 3.6 ? color.red(t) : m < 4 ? color.yellow(t) : t;
}

export function renderStreamTable(report: Report, width: number, note = false): string {
  // The Stream cell wraps after its arrow: each endpoint stays whole on its line.
  let endpoint = 12;
  for (const s of report.rtpStreams) endpoint = Math.max(endpoint, displayWidth(s.src) + 2, displayWidth(s.dst));
  const all: (LayoutColumn & { right: boolean })[] = [
    { head: '#', flex: 0, min: 2, right: true }, { head: 'Call', flex: 0, min: 4, right: false },
    { head: 'Stream', flex: 3, min: endpoint, good: endpoint, wrap: true, right: false }, { head: 'SSRC', flex: 0, min: 10, right: false },
    { head: 'Codec', flex: 1, min: 6, good: 10, right: false }, { head: 'Pkts', flex: 0, min: 4, right: true },
    { head: 'Lost', flex: 0, min: 4, right: true }, { head: 'MOS', flex: 0, min: 4, right: true },
    { head: 'Worst 5s', flex: 0, min: 8, right: true }, { head: 'Max Δ ms', flex: 0, min: 8, right: true },
    { head: 'Mean jit', flex: 0, min: 8, right: true }, { head: 'Max jit', flex: 0, min: 7, right: true },
    { head: 'kbps', flex: 0, min: 4, right: true },
  ];
  const callIndex = new Map(report.calls.map((c) => [c.callId, c.index]));
  const rows = report.rtpStreams.map((s) => [
    String(s.index), s.callId ? String(callIndex.get(s.callId) ?? '?') : s.heuristic ? 'heur.' : '-', streamLabel(s), s.ssrc,
    s.codec, String(s.packets), `${s.lost} (${s.lossPct.toFixed(1)}%)`, mosCell(s.mos), mosCell(s.mosWorst5s), s.maxDeltaMs.toFixed(2),
    s.meanJitterMs.toFixed(2), s.maxJitterMs.toFixed(2), s.kbps.toFixed(1),
  ]);
  // Whole endpoints on one line if leaving out the lesser columns (SSRC, Worst 5s, kbps, Max jit) makes room; else wrap.
  const whole = all.map((c) => (c.wrap ? { ...c, min: Infinity, good: Infinity } : c));
  let layout = layoutColumns(whole, rows, width, STREAM_STEPS.slice(0, 4));
  if (!layout.ok) layout = layoutColumns(all, rows, width, STREAM_STEPS);
  const { keep, widths, hidden } = layout;
  const cols = keep.map((i) => ({ head: all[i]!.head, align: all[i]!.right ? 'right' as const : 'left' as const, wrap: all[i]!.wrap }));
  const table = drawTable(cols, widths, rows.map((r) => keep.map((i) => r[i]!)), (t, ri, k) => {
    const s = report.rtpStreams[ri]!;
    const head = cols[k]!.head;
    if (head === 'Lost' && s.lost > 0) return color.red(t);
    if (head === 'MOS') return paintMos(t, s.mos);
    if (head === 'Worst 5s') return paintMos(t, s.mosWorst5s);
    return t;
  });
  return note && hidden.length ? `${table}\n${hiddenNote(hidden, width)}` : table;
}

export function renderEvents(report: Report, calls: Call[]): string {
  const L: string[] = [];
  for (const c of calls) {
    if (!c.events.length) continue;
    L.push(color.bold(`Call ${c.index}`) + color.dim(`  ${printable(c.callId)}`));
    for (const e of c.events) L.push(`  ${e.time.toFixed(3).padStart(9)}  ${color.dim('#' + e.frame)}  ${TERMINAL[eventTone(e.kind)](printable(e.text))}`);
  }
  return L.join('\n');
}

/** The whole terminal output of `sipflow analyze` for one report. */
export function renderAnalyze(report: Report, opts: TableOptions, quiet: boolean): string {
  const calls = tableCalls(report, opts.all);
  const out: string[] = [];
  if (!quiet) out.push(headerLine(report, opts.width));
  if (calls.length) out.push(renderCallTable(report, calls, opts.width, !quiet));
  else if (!quiet) out.push(color.dim(joinWrapped([emptyTableNote(report, opts)], ' ', opts.width)));
  if (opts.streams && report.rtpStreams.length) {
    if (!quiet) out.push(color.bold('RTP streams'));
    out.push(renderStreamTable(report, opts.width, !quiet));
  }
  if (opts.events) {
    const ev = renderEvents(report, calls);
    if (ev) out.push(ev);
  }
  if (!quiet && report.warnings.length) {
    const shown = report.warnings.slice(0, 5);
    for (const w of shown) out.push(color.yellow(wrapWords(`! ${w.frame !== null ? `frame ${w.frame}: ` : ''}${printable(w.message)}`, opts.width, '  ').join('\n')));
    if (report.warnings.length > shown.length) out.push(color.yellow(`! … ${report.warnings.length - shown.length} more (see --json)`));
  }
  return out.join('\n') + '\n';
}

/** Why the call table is empty: nothing in the capture, a filter, or RTP that no SDP announced. */
function emptyTableNote(report: Report, opts: TableOptions): string {
  // (A filter that keeps only non-INVITE dialogs shows them: tableCalls lists every dialog when there is no INVITE.)
  if (opts.unfiltered !== undefined && opts.unfiltered > 0) return emptyFilterNote(opts.unfiltered);
  const rtp = report.warnings.some((w) => w.code === 'rtp-without-sdp');
  return rtp ? 'no SIP dialogs found, but RTP that no SDP announced was seen (SRTP, or a capture without its signalling): --rtp-heuristic lists its streams'
    : 'no SIP dialogs found';
}

/**
 * One CSV cell: quoted when needed; text that a spreadsheet would run as a formula (= + - @, tab, CR first) is
 * prefixed with ' (OWASP). A lone "-" (standard input's file name, an empty value) is no formula and stays as is.
 */
export function csvCell(v: string | number | null | boolean): string {
  let s = v === null ? '' : String(v);
  if (typeof v === 'string' && s !== '-' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  // Quoted too when it holds ';' or a tab: spreadsheets set to those separators would split it, and the part
  // after the split could start a formula (OWASP: CSV injection).
  return /[",;\t\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface CsvOptions {
  /** Write the header line (default true; off for the second and later files of one table). */
  header?: boolean;
  /** Start each row with the capture's file name (several files in one table). */
  file?: boolean;
}

/**
 * sipflow's own answer to "what was each request answered": every final
 * response of the dialog as METHOD:code, the method from its CSeq, once per
 * transaction (retransmissions and a proxy's second hop aside):
 * "INVITE:200 BYE:200", or "CANCEL:200 INVITE:487" where Wireshark's Comment
 * says "INVITE 200 487".
 */
export function finalResponses(c: Call): string {
  const out: string[] = [];
  // Once per transaction and code: a proxy's two hops share the CSeq and answer alike.
  const seen = new Set<string>();
  for (const m of c.messages) {
    if (m.status === null || m.status < 200 || m.retransmission) continue;
    const key = `${m.cseq} ${m.status}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(`${m.cseq.split(' ').pop()}:${m.status}`);
  }
  return out.join(' ');
}

/** The call table as CSV (RFC 4180 quoting), every call regardless of --all: one row per dialog; with `file`, a first column naming the capture. */
export function renderCsv(report: Report, calls: Call[], opts: CsvOptions = {}): string {
  const head = ['index', 'callId', 'kind', 'partial', 'start', 'stop', 'durationS', 'setupMs', 'from', 'fromDisplay', 'to', 'toDisplay', 'initialSpeaker', 'state', 'outcome', 'sipPackets', 'firstFrame', 'lastFrame', 'comment', 'finalResponses', 'codec', 'codecs', 'rtpStreams', 'rtpPackets', 'minMos', 'minMosWorst5s'];
  const lines = opts.header === false ? [] : [(opts.file ? ['file', ...head] : head).join(',')];
  // By index, not position: a filtered report keeps its streams' indexes.
  const byIndex = new Map(report.rtpStreams.map((s) => [s.index, s]));
  for (const c of calls) {
    const streams = c.streams.map((i) => byIndex.get(i)).filter((s): s is RtpStream => !!s);
    const rtpPackets = streams.reduce((a, s) => a + s.packets, 0);
    // The call's worst scored stream: a call is as good as its worse direction.
    const scored = streams.filter((s) => typeof s.mos === 'number');
    const minMos = scored.length ? Math.min(...scored.map((s) => s.mos!)) : null;
    const minWorst = scored.length ? Math.min(...scored.map((s) => s.mosWorst5s ?? s.mos!)) : null;
    const row = [c.index, c.callId, c.kind, c.partial, c.start, c.stop, c.durationS, c.setupMs, c.from, c.fromDisplay, c.to, c.toDisplay,
      c.initialSpeaker, c.state, c.outcome, c.sipPackets, c.firstFrame, c.lastFrame, c.comment, finalResponses(c),
      // codec: the table's Codec cell (first codec of each media section, the one negotiated); codecs: every codec the SDP listed.
      c.media.length ? mediaSummary(c, report) : null, [...new Set(c.media.flatMap((m) => m.codecs))].join(' '), c.streams.length, rtpPackets, minMos, minWorst];
    lines.push((opts.file ? [report.file, ...row] : row).map(csvCell).join(','));
  }
  return lines.length ? lines.join('\r\n') + '\r\n' : '';
}
