/**
 * Report -> one self-contained HTML page: summary, sortable/filterable call
 * table, and one section per call rendered on demand from inline JSON.
 *
 * Self-contained and offline: inline CSS, one inline script and inline SVG;
 * a Content-Security-Policy (default-src 'none', the script allowed by its
 * hash only) makes the browser refuse any network access and any script
 * that is not ours, so even a missed escape could not run a packet's script.
 * Every string from the capture is escaped anyway (esc / jsonForScript).
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Call, Report, RtpStream } from '../../model.js';
import type { LadderOptions } from '../ladder/index.js';
import { hostOf } from '../../net/addr.js';
import { tone } from '../status.js';
import { outcomeAndState } from '../../filter.js';
import { CLIENT_JS } from './client.js';
import { CSS } from './styles.js';
import { esc } from '../escape.js';
import { jsonForScript } from './escape.js';
import {
  callBudget, callPayload, DEFAULT_MAX_BYTES, MAX_CALL_STREAMS, MAX_LADDER_ROWS, MAX_LISTED_MESSAGES, MAX_MESSAGE_CHARS,
  MIN_CALL_BYTES, PAGE_BYTES_FIXED, PAGE_BYTES_PER_CALL, type CallPayload,
} from './payload.js';
import { MAX_SERIES_POINTS, type StreamSeries } from '../../media/series.js';
import type { AudioClip } from './audio.js';

export interface HtmlOptions {
  /** The calls to show (default: every call of the report). */
  calls?: Call[];
  /** Plot series by stream index (the RTP series tap's, media/series.ts). */
  series?: Map<number, StreamSeries>;
  /** Ladder options (aliases, by host, column order). */
  ladder?: LadderOptions;
  /** Target size of the whole page in bytes (default 48 MiB); sets the per-call budget. */
  maxBytes?: number;
  /** Write the Content-Security-Policy meta tag (default true). */
  csp?: boolean;
  /** Generation time shown in the footer; null leaves it out (reproducible output). */
  generated?: Date | null;
  /** Lines shown under the summary (filters applied, dialogs left out...). */
  notes?: string[];
  /** Open (and render) every call section at load when there are at most this many calls (default 8). */
  openUpTo?: number;
  /** Audio players by call index (`report --audio`, render/html/audio.ts); the CSP then allows blob: media. */
  audio?: Map<number, AudioClip>;
}

export interface HtmlStats {
  bytes: number;
  calls: number;
  /** Budget per call in bytes. */
  callBudget: number;
  /** Largest and mean JSON bytes of one call. */
  maxCallBytes: number;
  meanCallBytes: number;
  /** Calls whose payload the budget cut (texts, plots, ladder rows). */
  cutCalls: number;
  /** Dialogs counted in the summary only: past the page budget or MAX_CALL_SECTIONS (see planPage). */
  omittedCalls: number;
  /** RTP streams of the shown dialogs left out of the stream table (MAX_STREAM_ROWS). */
  omittedStreams: number;
}

/** Most dialogs a page gives a table row and a section, whatever the budget (a browser's table and DOM stay usable). */
export const MAX_CALL_SECTIONS = 5000;
/** Most rows of the RTP stream table. */
export const MAX_STREAM_ROWS = 10000;
/** What one stream-table row takes as JSON, about (for the budget). */
const STREAM_ROW_BYTES = 200;

/** Worst first: failed calls, then cancelled/unfinished ones, then by lost packets and MOS, then by setup time. */
function worstFirst(calls: Call[], loss: (c: Call) => { lost: number; mos: number }): Call[] {
  const rank = (c: Call): number => {
    const t = tone(c.kind === 'call' ? (c.outcome ?? c.state) : c.outcome);
    return t === 'bad' ? 0 : t === 'warn' || t === 'cancel' ? 1 : t === 'other' ? 2 : 3;
  };
  const keyed = calls.map((c) => ({ c, r: rank(c), ...loss(c) }));
  keyed.sort((a, b) => a.r - b.r || b.lost - a.lost || a.mos - b.mos || (b.c.setupMs ?? -1) - (a.c.setupMs ?? -1) || a.c.index - b.c.index);
  return keyed.map((k) => k.c);
}

/**
 * Which dialogs get a table row and a section. Each shown dialog costs at
 * least its row and section (PAGE_BYTES_PER_CALL) plus the floor of its
 * data (MIN_CALL_BYTES); the stream table and the page's fixed part come
 * off the budget first. When every dialog does not fit (or there are more
 * than MAX_CALL_SECTIONS), the worst ones are shown, in index order, and
 * the rest are only counted: the summary's counts, chips and note cover
 * every dialog, so the page's size and the memory to build it stay bounded
 * by the budget, not by the capture.
 */
export function planPage(calls: Call[], streamCount: number, maxBytes: number, loss: (c: Call) => { lost: number; mos: number }): { shown: Call[]; omitted: number } {
  const fixed = PAGE_BYTES_FIXED + Math.min(streamCount, MAX_STREAM_ROWS) * STREAM_ROW_BYTES;
  const fit = Math.max(1, Math.floor((maxBytes - fixed) / (PAGE_BYTES_PER_CALL + MIN_CALL_BYTES)));
  const limit = Math.min(MAX_CALL_SECTIONS, fit);
  if (calls.length <= limit) return { shown: calls, omitted: 0 };
  const keep = new Set(worstFirst(calls, loss).slice(0, limit));
  return { shown: calls.filter((c) => keep.has(c)), omitted: calls.length - limit };
}

/** Re-exported because ./index.ts exports it from this file. */

const f3 = (x: number | null) => (x === null ? '-' : x.toFixed(3));
const KIND_NAME: Record<string, string> = {
  call: 'Call', registration: 'Registration', subscription: 'Subscription', publish: 'Publish', message: 'Message', options: 'Options', other: 'Dialog',
};

function party(uri: string, display: string | null): string {
  const u = uri.replace(/^sips?:/, '');
  return display ? `${display} <${u}>` : u;
}

/** A call heading's status, coloured, in the order every output says it: outcome, then (state) when it differs (filter.ts outcomeAndState). */
function statusSpans(c: Call): string {
  if (c.outcome === null || c.outcome === c.state) return stateCell(c);
  return `<span class="st s-${tone(c.outcome)}">${esc(c.outcome)}</span> <span class="st s-${tone(c.state)}">(${esc(c.state)})</span>`;
}

function stateCell(c: Call): string {
  return `<span class="st s-${tone(c.state)}">${esc(c.state)}</span>`;
}

function niceStep(x: number): number {
  if (!(x > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(x));
  const f = x / e;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * e;
}

/** Calls as bars over capture time, packed into lanes; each bar links to its call. */
export function timelineSvg(report: Report, calls: Call[]): string {
  if (!calls.length) return '<p class="muted">No dialogs.</p>';
  const sorted = [...calls].sort((a, b) => a.start - b.start || a.index - b.index);
  // Loops, not Math.min(...): a spread of many thousand arguments overflows the stack.
  let x0 = 0, x1 = report.capture.durationS;
  for (const c of sorted) { x0 = Math.min(x0, c.start); x1 = Math.max(x1, c.stop); }
  x1 = Math.max(x1, x0 + 1e-3);
  const W = 1000, L = 8, R = 8;
  const MAX_LANES = 40;
  const span = x1 - x0;
  const minGap = span * 0.004;
  const ends: number[] = [];
  const lane = new Map<number, number>();
  for (const c of sorted) {
    let k = ends.findIndex((e) => e + minGap < c.start);
    if (k < 0) {
      if (ends.length < MAX_LANES) { k = ends.length; ends.push(c.stop); } else { k = ends.indexOf(Math.min(...ends)); }
    }
    ends[k] = Math.max(ends[k] ?? 0, c.stop);
    lane.set(c.index, k);
  }
  const lanes = Math.max(1, ends.length);
  const laneH = lanes <= 10 ? 14 : Math.max(4, Math.floor(220 / lanes));
  const barH = Math.max(3, laneH - 3);
  const top = 6;
  const axisY = top + lanes * laneH + 4;
  const H = axisY + 20;
  const sx = (t: number) => L + ((t - x0) / span) * (W - L - R);
  const out: string[] = [`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Dialogs over time">`];
  const step = niceStep(span / 8);
  for (let t = Math.ceil(x0 / step) * step; t <= x1 + 1e-9; t += step) {
    const x = sx(t).toFixed(1);
    out.push(`<line class="axis" x1="${x}" x2="${x}" y1="${top}" y2="${axisY}"/><text x="${x}" y="${axisY + 14}" text-anchor="middle">${+t.toPrecision(6)} s</text>`);
  }
  for (const c of sorted) {
    const x = sx(c.start);
    const w = Math.max(3, sx(c.stop) - x);
    const y = top + lane.get(c.index)! * laneH;
    const t = tone(c.kind === 'call' ? (c.outcome ?? c.state) : c.outcome);
    const tip = `${KIND_NAME[c.kind] ?? 'Dialog'} ${c.index} · ${outcomeAndState(c)} · ${party(c.from, c.fromDisplay)} → ${party(c.to, c.toDisplay)} · ${f3(c.start)}–${f3(c.stop)} s`;
    // Small captures get native tooltips; large ones only data-n (the page's script shows the call under the pointer).
    out.push(sorted.length <= 200
      ? `<rect data-n="${c.index}" class="b-${t}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" rx="1.5"><title>${esc(tip)}</title></rect>`
      : `<rect data-n="${c.index}" class="b-${t}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}"/>`);
  }
  out.push('</svg>');
  return out.join('');
}

function chips(counts: Map<string, number>, toned: boolean): string {
  if (!counts.size) return '<span class="muted">none</span>';
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `<span class="chip"><span class="${toned ? 'st s-' + tone(k) : ''}">${esc(k)}</span> <b>${n}</b></span>`).join('');
}

function count<T>(xs: T[], key: (x: T) => string | null): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) { const k = key(x); if (k !== null) m.set(k, (m.get(k) ?? 0) + 1); }
  return m;
}

/** Scope the ladder renderer's class rules to ladders in the page. */
function scopeStyle(style: string): string {
  return style.replace(/(^|\})\s*([^{}]+)\{/g, (_m, close: string, sel: string) =>
    `${close}\n${sel.split(',').map((s) => `.ladder svg ${s.trim()}`).join(',')}{`);
}

/** A size in binary units (KiB, MiB), as the page and `sipflow report` say it. */
export function fmtBytes(n: number): string {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${Math.round(n / 1024)} KiB`;
}

/** The whole page. */
export function renderHtmlReport(report: Report, opts: HtmlOptions = {}): { html: string; stats: HtmlStats } {
  const allCalls = opts.calls ?? report.calls;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const streamsByIndex = new Map(report.rtpStreams.map((s) => [s.index, s]));
  // By Call-ID once: looking each call's streams up in the whole list was calls x streams.
  const streamsByCallId = new Map<string, RtpStream[]>();
  for (const s of report.rtpStreams) {
    if (s.callId === null) continue;
    const l = streamsByCallId.get(s.callId);
    if (l) l.push(s); else streamsByCallId.set(s.callId, [s]);
  }
  const streamsOf = (c: Call): RtpStream[] => {
    const seen = new Set<number>();
    const out: RtpStream[] = [];
    for (const i of c.streams) { const s = streamsByIndex.get(i); if (s && !seen.has(i)) { seen.add(i); out.push(s); } }
    for (const s of streamsByCallId.get(c.callId) ?? []) if (!seen.has(s.index)) { seen.add(s.index); out.push(s); }
    return out.sort((a, b) => a.index - b.index);
  };
  const lossOf = (c: Call) => {
    let lost = 0, mos = 5;
    for (const s of streamsOf(c)) { lost += Math.max(0, s.lost); if (typeof s.mos === 'number') mos = Math.min(mos, s.mos); }
    return { lost, mos };
  };
  const plan = planPage(allCalls, report.rtpStreams.length, maxBytes, lossOf);
  const calls = plan.shown;
  const budget = callBudget(calls.length, maxBytes);
  const file = basename(report.file);
  const cap = report.capture;

  // --- Per-call payloads.
  let ladderStyle: string | null = null;
  const payloads: { c: Call; json: string; p: CallPayload }[] = [];
  let maxCall = 0, sumCall = 0, cutCalls = 0;
  for (const c of calls) {
    const { payload, style } = callPayload(report, c, streamsOf(c), { budget, series: opts.series, ladder: opts.ladder });
    if (style && !ladderStyle) ladderStyle = style;
    const json = jsonForScript(payload);
    maxCall = Math.max(maxCall, json.length);
    sumCall += json.length;
    if (payload.notes.length || payload.msgs.some((m) => m.cut)) cutCalls++;
    payloads.push({ c, json, p: payload });
  }

  // --- Summary.
  // The summary counts every dialog, shown or not.
  const hasCall = allCalls.some((c) => c.kind === 'call');
  const byState = count(allCalls.filter((c) => c.kind === 'call'), (c) => c.state);
  const byOutcome = count(allCalls, (c) => c.outcome);
  const byKind = count(allCalls, (c) => KIND_NAME[c.kind] ?? c.kind);
  const shownStreams: { s: RtpStream; c: Call }[] = [];
  let streamTotal = 0;
  for (const x of payloads) {
    streamTotal += x.p.streams.length;
    for (const s of x.p.streams) if (shownStreams.length < MAX_STREAM_ROWS) shownStreams.push({ s, c: x.c });
  }
  const streams = shownStreams;
  const omittedStreams = streamTotal - streams.length;
  const facts: [string, string][] = [
    ['File', `<code>${esc(report.file)}</code>`],
    ['Format', esc(cap.format) + (cap.truncated ? ' · <span class="s-bad">truncated</span>' : '')],
    ['Frames', String(cap.frames)],
    ['First frame', cap.firstTime ? esc(cap.firstTime) : '-'],
    ['Duration', `${cap.durationS.toFixed(3)} s`],
    ['Link types', esc(cap.linkTypes.join(', ') || '-')],
    ['Dialogs', `${allCalls.length}${allCalls.length !== report.calls.length ? ` of ${report.calls.length}` : ''}${plan.omitted ? ` (${calls.length} shown)` : ''}`],
    ['RTP streams', `${report.rtpStreams.length}${streams.length !== report.rtpStreams.length ? ` (${streams.length} in the table)` : ''}`],
    ['Warnings', report.warnings.length ? `<span class="s-warn">${report.warnings.length}</span>` : '0'],
  ];
  const warnings = report.warnings.slice(0, 500).map((w) =>
    `<li>${w.frame !== null ? `frame ${w.frame}: ` : ''}<code>${esc(w.code)}</code> ${esc(w.message)}</li>`).join('');

  // --- Call table.
  // The filters offer the words of the table, CSV and JSON: Wireshark's states, sipflow's outcomes (each part of
  // "ANSWERED, NO AUDIO"), the dialog kinds.
  const stateOptions = new Set<string>();
  const outcomeOptions = new Set<string>();
  for (const c of calls) {
    stateOptions.add(c.state);
    for (const o of (c.outcome ?? '').split(', ')) if (o) outcomeOptions.add(o);
  }
  const hostCount = new Map<string, number>();
  const rows = payloads.map(({ c, p }) => {
    const hosts = new Set<string>();
    for (const ep of c.participants) hosts.add(hostOf(ep));
    for (const s of p.streams) { hosts.add(hostOf(s.src)); hosts.add(hostOf(s.dst)); }
    for (const h of hosts) hostCount.set(h, (hostCount.get(h) ?? 0) + 1);
    const codecs = [...new Set(p.streams.map((s) => s.codec || `PT ${s.payloadType}`))].join(', ');
    const lost = p.streams.reduce((a, s) => a + Math.max(0, s.lost), 0);
    const rtp = p.streams.length ? `${p.streams.length} · ${esc(codecs)}${lost ? ` · <span class="s-bad">${lost} lost</span>` : ''}` : '<span class="muted">-</span>';
    return `<tr data-n="${c.index}" data-state="${esc(c.state)}" data-outcome="${esc(c.outcome ?? '')}" data-kind="${esc(c.kind)}" data-parts="${esc([...hosts].join(' '))}" data-q="${esc(c.callId + ' ' + c.participants.join(' '))}">` +
      `<td class="n" data-v="${c.index}"><a href="#call-${c.index}">${c.index}</a></td>` +
      `<td class="n" data-v="${c.start}">${f3(c.start)}</td>` +
      `<td class="n" data-v="${c.durationS ?? -1}">${c.durationS === null ? '-' : c.durationS.toFixed(1)}</td>` +
      `<td class="n" data-v="${c.setupMs ?? -1}">${c.setupMs === null ? '-' : Math.round(c.setupMs)}</td>` +
      `<td>${esc(c.kind)}${c.partial ? ' <span class="muted">(partial)</span>' : ''}</td>` +
      `<td class="wrap" title="${esc(party(c.from, c.fromDisplay))}">${esc(party(c.from, c.fromDisplay))}</td>` +
      `<td class="wrap" title="${esc(party(c.to, c.toDisplay))}">${esc(party(c.to, c.toDisplay))}</td>` +
      `<td>${stateCell(c)}</td>` +
      `<td><span class="st s-${tone(c.outcome)}">${esc(c.outcome ?? '-')}</span></td>` +
      `<td class="n" data-v="${c.sipPackets}">${c.sipPackets}</td>` +
      `<td data-v="${p.streams.length}">${rtp}</td>` +
      `<td class="wrap" title="${esc(c.comment)}">${esc(c.comment)}</td></tr>`;
  });
  const hostOptions = [...hostCount.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 500)
    .map(([h, n]) => `<option value="${esc(h)}">${esc(h)} (${n})</option>`).join('');
  const kinds = [...new Set(calls.map((c) => c.kind))];

  // The stream list is drawn when opened, from this compact JSON (a 1 000-call capture has thousands of streams).
  const streamData = jsonForScript(streams.map(({ s, c }) => [
    s.index, c.index, s.src, s.dst, s.ssrc, s.codec || `PT ${s.payloadType}`, s.heuristic ? 1 : 0, s.packets, s.lost, s.lossPct,
    s.maxDeltaMs, s.meanJitterMs, s.maxJitterMs, s.start, Math.round((s.stop - s.start) * 1000) / 1000,
  ]));

  // --- Call sections.
  const openAll = calls.length <= (opts.openUpTo ?? 8);
  const sections = payloads.map(({ c, json }) =>
    `<details class="call" id="call-${c.index}" data-n="${c.index}"${openAll ? ' open' : ''}>` +
    `<summary>${esc(KIND_NAME[c.kind] ?? 'Dialog')} ${c.index} · ${statusSpans(c)}` +
    ` · ${esc(party(c.from, c.fromDisplay))} → ${esc(party(c.to, c.toDisplay))} <span class="sub">· ${f3(c.start)} s · ${c.sipPackets} SIP${c.partial ? ' · partial' : ''}</span></summary>` +
    `<div class="cbody"></div></details>\n` +
    `<script type="application/json" id="d-${c.index}">${json}</script>` +
    (opts.audio?.has(c.index) ? `\n<script type="application/json" id="a-${c.index}">${jsonForScript(opts.audio.get(c.index))}</script>` : '')).join('\n');

  const pageNotes = [...(opts.notes ?? [])];
  if (plan.omitted) {
    pageNotes.push(`Page budget: ${allCalls.length} dialogs do not fit in ${fmtBytes(maxBytes)} (--max-size) with at least ${fmtBytes(PAGE_BYTES_PER_CALL + MIN_CALL_BYTES)} each` +
      `${allCalls.length > MAX_CALL_SECTIONS ? `, and a page shows at most ${MAX_CALL_SECTIONS}` : ''}: the table, the timeline and the sections show the ${calls.length} worst ` +
      `(failed, then unfinished, then by lost packets, MOS and setup time); ${plan.omitted} dialogs are only counted in the summary above. ` +
      'Filter (--state, --from, --to, --call-id) or raise --max-size to see them.');
  }
  if (omittedStreams) pageNotes.push(`RTP stream table limited to ${MAX_STREAM_ROWS} streams: ${omittedStreams} streams of the shown dialogs are in their sections only.`);
  const notes = pageNotes.map((n) => `<p class="note">${esc(n)}</p>`).join('');
  const cutTexts = payloads.reduce((a, x) => a + x.p.msgs.filter((m) => m.cut).length, 0);
  const generated = opts.generated === undefined ? new Date() : opts.generated;

  const js = CLIENT_JS;
  const hash = createHash('sha256').update(js, 'utf8').digest('base64');
  const csp = opts.csp === false ? '' :
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; img-src data:;${opts.audio?.size ? ' media-src blob:;' : ''} base-uri 'none'; form-action 'none'">\n`;

  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
${csp}<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sipflow ${esc(report.version)}">
<meta name="color-scheme" content="light dark">
<title>sipflow · ${esc(file)}</title>
<style>${CSS}${ladderStyle ? scopeStyle(ladderStyle) : ''}</style>
</head>
<body>
<header class="top">
<h1>${esc(file)} <span class="brand">· sipflow report</span></h1>
<span class="noprint"><button id="expand" type="button" title="Open and draw every call shown">Expand all</button>
<button id="collapse" type="button">Collapse all</button>
<button id="print" type="button" title="Print or save as PDF: one call per page">Print</button>
<button id="theme" type="button" title="Colour scheme: automatic, light, dark">Theme: auto</button></span>
</header>
<main>
<section id="summary">
<h2>Summary</h2>
<div class="grid">
<table class="kv">${facts.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
<div>
${hasCall ? `<h4>Calls by state (Wireshark)</h4><div class="chips">${chips(byState, true)}</div>` : ''}
<h4>By outcome</h4><div class="chips">${chips(byOutcome, true)}</div>
<h4>By kind</h4><div class="chips">${chips(byKind, false)}</div>
</div>
</div>
${notes}
<h3>Timeline</h3>
${timelineSvg(report, calls)}
<div id="tl-info" class="muted noprint">&nbsp;</div>
<div class="legend"><span><i style="background:var(--ok)"></i>completed / in call / OK</span><span><i style="background:var(--warn)"></i>setup / ringing / auth</span><span><i style="background:var(--bad)"></i>rejected / failed</span><span><i style="background:var(--cancel)"></i>cancelled</span><span><i style="background:var(--other)"></i>other</span></div>
${report.warnings.length ? `<details class="sub"${report.warnings.length <= 10 ? ' open' : ''}><summary>Warnings (${report.warnings.length})</summary><ul class="warnlist">${warnings}</ul>${report.warnings.length > 500 ? `<p class="muted">${report.warnings.length - 500} more not shown.</p>` : ''}</details>` : ''}
</section>
<section id="calltable">
<h2>Dialogs</h2>
<div class="filters noprint">
<label>State <select id="f-state"><option value="">any</option>${[...stateOptions].sort().map((s) => `<option value="${esc(s)}">${esc(s)}</option>`).join('')}</select></label>
<label>Outcome <select id="f-outcome"><option value="">any</option>${[...outcomeOptions].sort().map((s) => `<option value="${esc(s)}">${esc(s)}</option>`).join('')}</select></label>
<label>Kind <select id="f-kind"><option value="">any</option>${kinds.map((k) => `<option value="${esc(k)}">${esc(k)}</option>`).join('')}</select></label>
<label>Participant <select id="f-part"><option value="">any</option>${hostOptions}</select></label>
<input id="f-text" type="search" placeholder="Search From, To, Call-ID, comment…" aria-label="Search">
<button id="f-reset" type="button">Reset</button>
<span id="f-count" class="muted">${calls.length} dialogs${plan.omitted ? ` of ${allCalls.length}` : ''}</span>
</div>
<div class="tablewrap">
<table id="calls" class="sortable">
<thead><tr><th class="n" data-type="num">#</th><th class="n" data-type="num">Start (s)</th><th class="n" data-type="num">Dur (s)</th><th class="n" data-type="num">Setup (ms)</th><th data-type="text">Kind</th><th data-type="text">From</th><th data-type="text">To</th><th data-type="text">State</th><th data-type="text">Outcome</th><th class="n" data-type="num">SIP</th><th data-type="num">RTP</th><th data-type="text">Comment</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</div>
${streams.length ? `<details class="sub" id="streams"><summary>RTP streams (${streams.length})</summary><div class="tablewrap"><table class="sortable streamsum"><thead><tr><th class="n" data-type="num">#</th><th class="n" data-type="num">Call</th><th data-type="text">Source</th><th data-type="text">Destination</th><th data-type="text">SSRC</th><th data-type="text">Codec</th><th class="n" data-type="num">Packets</th><th class="n" data-type="num">Lost</th><th class="n" data-type="num">Max delta (ms)</th><th class="n" data-type="num">Mean jitter (ms)</th><th class="n" data-type="num">Max jitter (ms)</th><th class="n" data-type="num">Start (s)</th><th class="n" data-type="num">Dur (s)</th></tr></thead><tbody></tbody></table></div><script type="application/json" id="streams-data">${streamData}</script></details>` : ''}
</section>
<section id="callsections">
<h2 class="noprint">Dialog details</h2>
<noscript><p class="note">The dialog sections (ladder, messages, media) are drawn by the page's script: allow scripts for this file to see them.</p></noscript>
${sections}
</section>
<footer>
Generated by sipflow ${esc(report.version)}${generated ? ` on ${esc(generated.toISOString())}` : ''} from <code>${esc(file)}</code>.
Size budget: at most ${fmtBytes(budget)} of data per dialog (the page aims at ${fmtBytes(maxBytes)}, shared by ${calls.length} dialog${calls.length === 1 ? '' : 's'}, between 8 KiB and 1 MiB each), ${MAX_MESSAGE_CHARS / 1024} KiB per message text, ${MAX_LADDER_ROWS} ladder rows, ${MAX_LISTED_MESSAGES} listed messages, ${MAX_CALL_STREAMS} streams and ${MAX_SERIES_POINTS} plot points per stream; at most ${MAX_CALL_SECTIONS} dialog sections and ${MAX_STREAM_ROWS} rows of the stream table.${plan.omitted ? ` ${plan.omitted} dialogs left out of the table and sections (counted in the summary).` : ''}
${cutCalls ? `The budget cut part of ${cutCalls} dialog${cutCalls === 1 ? '' : 's'}${cutTexts ? ` (${cutTexts} message text${cutTexts === 1 ? '' : 's'} among it)` : ''}: ladder rows, plot points or texts, noted where it happened.` : 'Nothing was cut.'}${opts.audio?.size ? ` Audio: ${opts.audio.size} call${opts.audio.size === 1 ? '' : 's'} with a player, ${fmtBytes([...opts.audio.values()].reduce((n, x) => n + x.b64.length, 0))} of WAV as base64.` : ''}
</footer>
</main>
<script>${js}</script>
</body>
</html>
`;
  const bytes = Buffer.byteLength(html, 'utf8');
  return {
    html,
    stats: {
      bytes, calls: calls.length, callBudget: budget, maxCallBytes: maxCall, meanCallBytes: calls.length ? Math.round(sumCall / calls.length) : 0, cutCalls,
      omittedCalls: plan.omitted, omittedStreams,
    },
  };
}
