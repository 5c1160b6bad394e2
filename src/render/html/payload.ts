/**
 * Report -> per-call payloads for the HTML report: what a call section needs
 * when the reader opens it (facts, ladder SVG, messages with their full text,
 * events, media, plot series), kept as JSON in the page and rendered on demand.
 *
 * Size budget (stated in README.md next to this file and in the page footer):
 *  - one message text: at most MAX_MESSAGE_CHARS characters;
 *  - one call: at most `callBudget` bytes of JSON, where
 *      callBudget = clamp((maxBytes - 256 KiB - 2.5 KiB x calls) / calls, 8 KiB, 1 MiB)
 *    (default maxBytes 48 MiB: 1 MiB per call up to about 45 calls, 46 KiB
 *    per call for 1 000 calls; the page stays under maxBytes up to about
 *    4 800 calls, beyond that each call keeps its 8 KiB minimum).
 *    A call over its budget first loses plot resolution (down to
 *    MIN_SERIES_POINTS per stream), then message text (the longest texts
 *    first, down to the start line and a few headers), then ladder rows,
 *    then its plots, then its texts but their start line, then listed
 *    messages beyond 20; every cut is noted where it happened. What is
 *    never cut: the facts, the ladder of up to 25 messages, 20 listed
 *    messages (a call can exceed a very small budget by that much).
 *  - the ladder draws at most MAX_LADDER_ROWS rows, the message list at most
 *    MAX_LISTED_MESSAGES messages.
 */
import type { Call, CallMessage, MediaDescription, Report, RtpStream } from '../../model.js';
import { buildLadder, renderLadderSvg, type LadderOptions } from '../ladder/index.js';
import type { StreamSeries } from '../../media/series.js';
import { jsonForScript } from './escape.js';

export const MAX_MESSAGE_CHARS = 16 * 1024;
export const MIN_CALL_BYTES = 8 * 1024;
export const MAX_CALL_BYTES = 1024 * 1024;
export const DEFAULT_MAX_BYTES = 48 * 1024 * 1024;
export const MAX_LADDER_ROWS = 400;
export const MAX_LISTED_MESSAGES = 2000;
export const MIN_SERIES_POINTS = 60;
/** Most RTP streams one call section lists and draws (a flood of SSRCs in one call must not make a section of megabytes). */
export const MAX_CALL_STREAMS = 200;
/** Shortest a message text is cut to (the start line and the first headers). */
const MIN_TEXT_CHARS = 240;

export interface PayloadMessage {
  /** frame, time, src, dst, transport, label, cseq */
  f: number;
  t: number;
  s: string;
  d: string;
  tr: string;
  l: string;
  c: string;
  /** 1 when a retransmission. */
  rx?: 1;
  /** SDP summary from the media stage. */
  sdp?: string;
  /** Full message text (possibly cut). */
  x?: string;
  /** Characters cut from the end of x. */
  cut?: number;
}

export interface PayloadSeries {
  /** Stream index. */
  i: number;
  /** Bin width in s (0: one point per packet). */
  b: number;
  t: number[];
  j: number[];
  dx: number[];
  /** Smallest delta per bin (absent when one point per packet). */
  dn?: number[];
}

export interface CallPayload {
  call: Omit<Call, 'messages' | 'media' | 'streams' | 'events'>;
  msgs: PayloadMessage[];
  /** Messages of the call not listed (over MAX_LISTED_MESSAGES or the tracker's own limit). */
  moreMsgs: number;
  /** Ladder SVG (style block removed, rows marked data-row), or null. */
  ladder: string | null;
  /** Per ladder row: message index (>= 0) or -(stream index) - 1 for an RTP span. */
  rows: number[];
  /** Ladder rows left out (over the row limit). */
  ladderCut: number;
  /** Frame, time, kind (the class of its list item) and text of each event. */
  events: { f: number; t: number; k: string; x: string }[];
  media: MediaDescription[];
  streams: RtpStream[];
  series: PayloadSeries[];
  /** What the size budget cut, in words, or empty. */
  notes: string[];
}

export interface PayloadOptions {
  ladder?: LadderOptions;
  series?: Map<number, StreamSeries>;
  /** Bytes of JSON this call may use. */
  budget: number;
  /** Draw ladders (default true). */
  ladders?: boolean;
}

export interface LadderParts {
  svg: string;
  /** The renderer's own <style> text, removed from svg (the page includes it once, scoped). */
  style: string | null;
  rows: number[];
  hooks: boolean;
}

/** What the page spends per call outside its payload (table row, section header), and once. */
export const PAGE_BYTES_PER_CALL = 2560;
export const PAGE_BYTES_FIXED = 256 * 1024;

/** Per-call budget for a report of `calls` calls. */
export function callBudget(calls: number, maxBytes = DEFAULT_MAX_BYTES): number {
  const n = Math.max(1, calls);
  const share = (maxBytes - PAGE_BYTES_FIXED - PAGE_BYTES_PER_CALL * n) / n;
  return Math.round(Math.max(MIN_CALL_BYTES, Math.min(MAX_CALL_BYTES, share)));
}

/**
 * The ladder of one call through the ladder renderer, adapted for the page:
 * no XML prolog, no whole-diagram <title>, the style block lifted out (so
 * its class rules do not leak into the page once per call), the background
 * marked class="bg", and every row group marked data-row="i" so a click can
 * find its message (the renderer draws exactly one <g> per row, in order).
 */
export function ladderFor(report: Report, call: Call, maxRows: number, opts: LadderOptions = {}): LadderParts & { cut: number } {
  const msgs = call.messages.length > maxRows ? call.messages.slice(0, maxRows) : call.messages;
  const cut = call.messages.length - msgs.length;
  const ladder = buildLadder(report, [{ ...call, messages: msgs }], { sdp: true, rtp: true, maxStreams: MAX_CALL_STREAMS, ...opts });
  let svg = renderLadderSvg(ladder, { caption: false });
  svg = svg.replace(/^<\?xml[^>]*\?>\s*/, '');
  svg = svg.replace(/<title>[^<]*<\/title>\s*/, '');
  let style: string | null = null;
  svg = svg.replace(/<style>([\s\S]*?)<\/style>\s*/, (_m, s: string) => { style = s; return ''; });
  svg = svg.replace(/<rect x="0" y="0" width="(\d+)" height="(\d+)" fill="#ffffff"\/>/, '<rect class="bg" x="0" y="0" width="$1" height="$2" fill="#ffffff"/>');
  const rows: number[] = [];
  let mi = 0;
  for (const r of ladder.rows) rows.push(r.kind === 'msg' ? mi++ : -r.stream - 1);
  const groups = svg.match(/<g[\s>]/g)?.length ?? 0;
  const hooks = groups === rows.length;
  if (hooks) {
    let i = 0;
    svg = svg.replace(/<g([\s>])/g, (_m, c: string) => `<g data-row="${i++}"${c}`);
  }
  return { svg, style, rows, hooks, cut };
}

function listMessage(m: CallMessage): PayloadMessage {
  const p: PayloadMessage = { f: m.frame, t: m.time, s: m.src, d: m.dst, tr: m.transport, l: m.label, c: m.cseq };
  if (m.retransmission) p.rx = 1;
  if (m.sdpSummary) p.sdp = m.sdpSummary;
  if (m.raw !== undefined) {
    if (m.raw.length > MAX_MESSAGE_CHARS) { p.x = m.raw.slice(0, MAX_MESSAGE_CHARS); p.cut = m.raw.length - MAX_MESSAGE_CHARS; } else p.x = m.raw;
  }
  return p;
}

function toPayloadSeries(s: StreamSeries): PayloadSeries {
  const p: PayloadSeries = { i: s.stream, b: s.binS, t: s.t, j: s.jitter, dx: s.dmax };
  if (s.binS > 0 && s.dmin.some((v, i) => v !== s.dmax[i])) p.dn = s.dmin;
  return p;
}

/** Halve the points of a series (pairs merged: largest jitter/delta, smallest delta). */
function halve(p: PayloadSeries): PayloadSeries {
  const o: PayloadSeries = { i: p.i, b: p.b ? p.b * 2 : 0, t: [], j: [], dx: [], dn: [] };
  const dn = p.dn ?? p.dx;
  for (let k = 0; k < p.t.length; k += 2) {
    const e = Math.min(k + 2, p.t.length);
    let j = -Infinity, dx = -Infinity, n = Infinity;
    for (let q = k; q < e; q++) { j = Math.max(j, p.j[q]!); dx = Math.max(dx, p.dx[q]!); n = Math.min(n, dn[q]!); }
    o.t.push(Math.round(((p.t[k]! + p.t[e - 1]!) / 2) * 10000) / 10000);
    o.j.push(j); o.dx.push(dx); o.dn!.push(n);
  }
  if (!o.b) o.b = o.t.length > 1 ? Math.round(((o.t[o.t.length - 1]! - o.t[0]!) / (o.t.length - 1)) * 10000) / 10000 : 0.0001;
  return o;
}

/** Bytes the payload takes in the page (as jsonForScript writes it). */
const size = (p: CallPayload) => jsonForScript(p).length;

/** The payload of one call, fitted to its budget. */
export function callPayload(report: Report, call: Call, streams: RtpStream[], opts: PayloadOptions): { payload: CallPayload; style: string | null } {
  const { messages, media, streams: _s, events, ...facts } = call;
  void _s;
  const listed = messages.length > MAX_LISTED_MESSAGES ? messages.slice(0, MAX_LISTED_MESSAGES) : messages;
  const notes: string[] = [];
  if (streams.length > MAX_CALL_STREAMS) {
    notes.push(`${streams.length} RTP streams: the ${MAX_CALL_STREAMS} with the most packets are listed and drawn, ${streams.length - MAX_CALL_STREAMS} left out`);
    streams = [...streams].sort((a, b) => b.packets - a.packets || a.index - b.index).slice(0, MAX_CALL_STREAMS).sort((a, b) => a.index - b.index);
  }
  const moreMsgs = call.sipPackets - listed.length;
  let style: string | null = null;
  let lad: (LadderParts & { cut: number }) | null = null;
  let maxRows = MAX_LADDER_ROWS;
  if (opts.ladders !== false) { lad = ladderFor(report, call, maxRows, opts.ladder); style = lad.style; }
  const payload: CallPayload = {
    call: facts,
    msgs: listed.map(listMessage),
    moreMsgs,
    ladder: lad?.svg ?? null,
    rows: lad?.hooks ? lad.rows : [],
    ladderCut: lad?.cut ?? 0,
    events: events.map((e) => ({ f: e.frame, t: e.time, k: e.kind, x: e.text })),
    media,
    // The score's inputs (quality) stay in the JSON report: the page shows the MOS figures only.
    streams: streams.map(({ quality: _q, ...s }) => s),
    series: streams.map((s) => opts.series?.get(s.index)).filter((s): s is StreamSeries => !!s).map(toPayloadSeries),
    notes,
  };
  const budget = opts.budget;
  let total = size(payload);
  if (total <= budget) return { payload, style };

  // 1. Plot resolution.
  const halvable = (s: PayloadSeries) => s.t.length >= 2 * MIN_SERIES_POINTS;
  let halved = false;
  while (total > budget && payload.series.some(halvable)) {
    payload.series = payload.series.map((s) => (halvable(s) ? halve(s) : s));
    total = size(payload);
    halved = true;
  }
  if (halved) notes.push(`plots reduced to ${Math.max(...payload.series.map((s) => s.t.length))} points per stream`);

  // 2. Message text: cap every text at the largest length that fits (longest texts cut first).
  // Re-run after each later step, from the texts as listed, so text gets back what a later cut freed.
  const listedText = payload.msgs.map((m) => ({ x: m.x, cut: m.cut }));
  const fitTexts = (floor = MIN_TEXT_CHARS): void => {
    payload.msgs.forEach((m, k) => { m.x = listedText[k]!.x; if (listedText[k]!.cut) m.cut = listedText[k]!.cut; else delete m.cut; });
    for (let k = notes.length - 1; k >= 0; k--) if (/message texts? cut/.test(notes[k]!)) notes.splice(k, 1);
    total = size(payload);
    if (total <= budget) return;
    // Escaping makes a text longer in the page ("<" takes 6 bytes, CRLF 4): weigh each by its own ratio.
    const texts = payload.msgs.map((m) => m.x?.length ?? 0);
    const costs = payload.msgs.map((m) => (m.x ? jsonForScript(m.x).length - 2 : 0));
    const ratio = texts.map((n, k) => (n ? costs[k]! / n : 1));
    // Room for the "cut" counts and the note.
    const allowed = budget - (total - costs.reduce((a, b) => a + b, 0)) - 16 * payload.msgs.length - 160;
    const used = (c: number) => texts.reduce((a, n, k) => a + Math.min(n, c) * ratio[k]!, 0);
    let lo = floor, hi = Math.max(...texts, floor);
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (used(mid) <= allowed) lo = mid; else hi = mid - 1;
    }
    const cutAt = (c: number): void => {
      for (let k = notes.length - 1; k >= 0; k--) if (/message texts? cut/.test(notes[k]!)) notes.splice(k, 1);
      let cutCount = 0;
      payload.msgs.forEach((m, k) => {
        const orig = listedText[k]!;
        if (orig.x !== undefined && orig.x.length > c) {
          m.cut = (orig.cut ?? 0) + orig.x.length - c;
          m.x = orig.x.slice(0, c);
          cutCount++;
        }
      });
      if (cutCount) notes.push(`${cutCount} message text${cutCount === 1 ? '' : 's'} cut to ${c} characters to fit the size budget of ${Math.round(budget / 1024)} KiB per call`);
      total = size(payload);
    };
    cutAt(lo);
    // The estimate is close, not exact: step down until it fits or reaches the floor.
    while (total > budget && lo > floor) { lo = Math.max(floor, Math.floor(lo * 0.9)); cutAt(lo); }
  };
  if (total > budget) fitTexts();

  // 3. Ladder rows (only where there are more messages than the ladder can lose).
  if (total > budget && lad) {
    maxRows = Math.min(maxRows, call.messages.length);
    let cutRows = false;
    while (total > budget && maxRows > 25) {
      maxRows = Math.max(25, Math.floor(maxRows / 2));
      lad = ladderFor(report, call, maxRows, opts.ladder);
      payload.ladder = lad.svg;
      payload.rows = lad.hooks ? lad.rows : [];
      payload.ladderCut = lad.cut;
      cutRows = true;
      fitTexts();
    }
    if (cutRows) notes.push(`ladder limited to ${maxRows} messages to fit the size budget`);
  }

  // 4. The plots.
  if (total > budget && payload.series.length) {
    payload.series = [];
    notes.push('plots left out to fit the size budget');
    fitTexts();
  }

  // 5. Message texts down to their start line.
  if (total > budget) fitTexts(60);
  if (total > budget) {
    let n = 0;
    for (const m of payload.msgs) {
      if (m.x === undefined) continue;
      const eol = m.x.indexOf('\n');
      if (eol < 0) continue;
      const keep = m.x.slice(0, eol + 1);
      m.cut = (m.cut ?? 0) + m.x.length - keep.length;
      m.x = keep;
      n++;
    }
    if (n) {
      for (let k = notes.length - 1; k >= 0; k--) if (/message texts? cut/.test(notes[k]!)) notes.splice(k, 1);
      notes.push(`message texts cut to their first line to fit the size budget of ${Math.round(budget / 1024)} KiB per call`);
    }
    total = size(payload);
  }

  // 6. Last resort: the message list itself (the ladder and 20 messages always stay).
  if (total > budget) {
    const per = total / Math.max(1, payload.msgs.length);
    const keep = Math.max(20, Math.floor((budget - (total - per * payload.msgs.length)) / per));
    if (keep < payload.msgs.length) {
      payload.moreMsgs += payload.msgs.length - keep;
      payload.msgs = payload.msgs.slice(0, keep);
      notes.push(`message list limited to ${keep} messages to fit the size budget`);
    }
  }
  return { payload, style };
}
