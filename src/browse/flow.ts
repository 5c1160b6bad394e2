/**
 * The call flow: the ladder of the chosen calls (render/ladder, the same
 * layout and text as `sipflow ladder`), each screen line tied to the ladder
 * row it draws so the selected arrow can be highlighted, and the panel that
 * shows the selected message's full text, or an RTP stream's statistics, or
 * the events and streams of the calls.
 */
import { color } from '../render/color.js';
import type { Call, CallMessage, Report, RtpStream } from '../model.js';
import { buildLadder, renderLadderText, rowClass, type Ladder, type LadderRow } from '../render/ladder/index.js';
import { eventTone, ROW_TONE } from '../render/status.js';
import { Line, safe, type Style } from './text.js';

export interface FlowView {
  ladder: Ladder;
  /** Ladder text lines (plain), the header lines first. */
  lines: string[];
  /** Header lines (participants and the rule) at the top of `lines`. */
  head: number;
  /** For each line after the header: the row it belongs to. */
  rowOf: number[];
  /** First line of each row. */
  firstLine: number[];
}

const TONE_STYLE = { ok: 'green', warn: 'yellow', bad: 'red', cancel: 'magenta', other: '' } as const satisfies Record<string, Style>;

/** Lay out the ladder for `width` columns, as plain text with each line's row known. */
export function buildFlow(report: Report, calls: Call[], opts: { width: number; rtp: boolean; ascii: boolean }): FlowView {
  const ladder = buildLadder(report, calls, { rtp: opts.rtp, sdp: true });
  // Plain text: the browser paints rows itself (the selected one in inverse).
  const level = color.level;
  color.level = 0;
  let text: string;
  try { text = renderLadderText(ladder, { width: opts.width, ascii: opts.ascii, caption: false }); } finally { color.level = level; }
  const lines = text.replace(/\n$/, '').split('\n');
  // The header ends with the rule line under "Frame Time"; every row starts on a line whose margin shows its frame.
  let head = lines.findIndex((l) => /^[─-]{4,}/.test(l)) + 1;
  if (head <= 0) head = lines.length;
  const rowOf: number[] = [];
  const firstLine: number[] = [];
  let row = -1;
  for (let i = head; i < lines.length; i++) {
    if (/^\s*\d+ /.test(lines[i]!) && row + 1 < ladder.rows.length) { row++; firstLine.push(i); }
    rowOf.push(Math.max(0, row));
  }
  return { ladder, lines, head, rowOf, firstLine };
}

/** The style a ladder line is drawn in: its row's class colour. */
export function flowStyle(r: LadderRow): Style {
  const cls = rowClass(r);
  if (r.kind === 'msg' && r.retransmission) return 'dim';
  if (cls === 'req') return 'cyan';
  if (cls === 'prov') return '';
  return TONE_STYLE[ROW_TONE[cls]];
}

/** The message of a ladder row, if it is one. */
export function messageOf(calls: Call[], r: LadderRow): CallMessage | null {
  if (r.kind !== 'msg') return null;
  const c = calls.find((x) => x.index === r.call);
  return c?.messages.find((m) => m.frame === r.frame && m.time === r.time) ?? c?.messages.find((m) => m.frame === r.frame) ?? null;
}

/** A SIP message's text as panel lines: start line bold, header names coloured, the body (SDP) after a rule. */
export function messageLines(m: CallMessage | null, summarised: boolean): Line[] {
  if (!m) return [new Line().add('(no message selected)', 'dim')];
  if (m.raw === undefined) return [new Line().add(summarised ? '(messages of this call were dropped: --max-calls)' : '(message text not kept)', 'dim')];
  const out: Line[] = [];
  out.push(new Line().add(`frame ${m.frame}  ${m.time.toFixed(6)} s  ${m.src} → ${m.dst}  ${m.transport}${m.retransmission ? '  retransmission' : ''}`, 'dim'));
  const raw = m.raw.replace(/\r\n/g, '\n').replace(/\r/g, '\n');
  const split = raw.indexOf('\n\n');
  const headers = (split < 0 ? raw : raw.slice(0, split)).split('\n');
  const body = split < 0 ? '' : raw.slice(split + 2);
  headers.forEach((h, i) => {
    const t = safe(h);
    if (i === 0) { out.push(new Line().add(t, 'bold')); return; }
    const colon = t.indexOf(':');
    if (colon > 0) out.push(new Line().add(t.slice(0, colon), 'hname').add(t.slice(colon)));
    else out.push(new Line().add(t));
  });
  if (body) {
    out.push(new Line());
    for (const l of body.replace(/\n$/, '').split('\n')) {
      const t = safe(l);
      // SDP lines ("v=0", "m=audio ..."): the type letter stands out.
      if (/^[a-z]=/.test(t)) out.push(new Line().add(t.slice(0, 2), t[0] === 'm' ? 'yellow' : 'blue').add(t.slice(2), t[0] === 'm' ? 'bold' : ''));
      else out.push(new Line().add(t));
    }
  }
  return out;
}

/** An RTP span's statistics (the stream table's figures). */
export function streamLines(s: RtpStream | undefined): Line[] {
  if (!s) return [new Line().add('(stream statistics not known yet)', 'dim')];
  return [
    new Line().add(`RTP stream ${s.index}  ${s.src} → ${s.dst}`, 'bold'),
    new Line().add(`SSRC ${s.ssrc}  ${s.codec || 'PT ' + s.payloadType}  ${s.mediaType ?? ''}${s.heuristic ? '  (heuristic)' : ''}`),
    new Line().add(`packets ${s.packets}  lost ${s.lost} (${s.lossPct.toFixed(1)}%)  seq errors ${s.seqErrors}`, s.lost > 0 ? 'red' : ''),
    new Line().add(`delta max ${s.maxDeltaMs.toFixed(2)} ms  mean ${s.meanDeltaMs.toFixed(2)} ms`),
    new Line().add(`jitter mean ${s.meanJitterMs.toFixed(2)} ms  max ${s.maxJitterMs.toFixed(2)} ms`),
    new Line().add(`${s.kbps.toFixed(1)} kbit/s  ${s.start.toFixed(3)}–${s.stop.toFixed(3)} s  frames ${s.firstFrame}–${s.lastFrame}`),
    new Line().add(`MOS ${s.mos === null || s.mos === undefined ? '-' : s.mos.toFixed(2)}  worst 5 s ${s.mosWorst5s === null || s.mosWorst5s === undefined ? '-' : s.mosWorst5s.toFixed(2)}`),
  ];
}

/** The calls' events timeline and their RTP streams. */
export function eventLines(calls: Call[], report: Report): Line[] {
  const out: Line[] = [];
  const byIndex = new Map(report.rtpStreams.map((s) => [s.index, s]));
  for (const c of calls) {
    out.push(new Line().add(`Call ${c.index}  `, 'bold').add(safe(c.callId), 'dim'));
    if (!c.events.length) out.push(new Line().add('  (no events yet)', 'dim'));
    for (const e of c.events) {
      out.push(new Line().add(`  ${e.time.toFixed(3).padStart(9)}  `).add(`#${e.frame}`.padEnd(7), 'dim').add(' ' + safe(e.text), TONE_STYLE[eventTone(e.kind)]));
    }
    const streams = c.streams.map((i) => byIndex.get(i)).filter((s): s is RtpStream => !!s);
    if (streams.length) out.push(new Line().add('  RTP streams', 'bold'));
    for (const s of streams) {
      out.push(new Line().add(`  ${String(s.index).padStart(3)} ${s.src} → ${s.dst}  ${s.codec}  ${s.packets} pkts  lost ${s.lost}  jit ${s.meanJitterMs.toFixed(2)}/${s.maxJitterMs.toFixed(2)} ms  MOS ${s.mos?.toFixed(2) ?? '-'}`, s.lost > 0 ? 'red' : ''));
    }
    out.push(new Line());
  }
  return out;
}
