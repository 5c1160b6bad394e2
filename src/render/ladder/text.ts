/**
 * Ladder -> terminal text: one line per SIP message with the arrow and its
 * label on the same line, frame number and relative time in the left margin.
 * Unicode box drawing by default, plain ASCII with `ascii`; colours through
 * render/color.ts (callers decide color.level: off when piped or with --no-color).
 * Fits `width` columns by wrapping/abbreviating the column headers, narrowing
 * the gaps and clipping labels.
 */
import { color } from '../color.js';
import { marginTime, rowClass, rowText, widenGaps, type Ladder, type LadderRow } from './layout.js';
import { cells, clip as clipEnd, clipStart, displayWidth as W, printable } from '../terminal.js';
import { portColon } from '../../net/addr.js';
import { ROW_TONE, TERMINAL } from '../status.js';

export interface TextOptions {
  /** Columns to fit; Infinity (default) for the natural width. */
  width?: number;
  /** ASCII only (no box drawing characters). */
  ascii?: boolean;
  /** Print the title/caption lines above the diagram (default true). */
  caption?: boolean;
}

type Style = '' | 'life' | 'margin' | 'head' | 'req' | 'prov' | 'ok' | 'redir' | 'err' | 'rtp' | 'sdp' | 'retx';

interface Glyphs {
  life: string; start: string; startLeft: string; body: string; retx: string; rtp: string; rtpStart: string; rtpEnd: string;
  right: string; left: string; selfTop: string; selfBottom: string; ellipsis: string; rule: string; arrow: string;
}

const UNICODE: Glyphs = {
  life: '│', start: '├', startLeft: '┤', body: '─', retx: '┄', rtp: '═', rtpStart: '╞', rtpEnd: '╡',
  right: '▶', left: '◀', selfTop: '┐', selfBottom: '┘', ellipsis: '…', rule: '─', arrow: '→',
};
const ASCII: Glyphs = {
  life: '|', start: '|', startLeft: '|', body: '-', retx: '.', rtp: '=', rtpStart: '|', rtpEnd: '|',
  right: '>', left: '<', selfTop: '.', selfBottom: "'", ellipsis: '~', rule: '-', arrow: '->',
};

const MIN_GAP = 8;

function asciiOnly(s: string): string {
  return s.replace(/[→]/g, '->').replace(/[–—]/g, '-').replace(/·/g, '|').replace(/…/g, '~').replace(/[^\x20-\x7e]/g, '?');
}

/** Header lines of a participant for a column of at most `w` characters. */
function headerLines(name: string, address: string | null, w: number, ell: string): string[] {
  const lines = [name];
  if (address) lines.push(address);
  const out: string[] = [];
  for (const l of lines) {
    if (W(l) <= w) { out.push(l); continue; }
    // Wrap "ip:port" (or "[v6]:port") before the port.
    const i = portColon(l);
    if (i > 0) {
      out.push(clipStart(l.slice(0, i), w, ell), clipEnd(l.slice(i), w, ell));
    } else {
      out.push(clipStart(l, w, ell));
    }
  }
  return out;
}

function natural(name: string, address: string | null): number {
  return Math.max(W(name), address === null ? 0 : W(address));
}

/** Gap widths between adjacent columns so every label fits (before width fitting). */
function gapsFor(ladder: Ladder, headW: number[], labels: string[]): number[] {
  const n = ladder.participants.length;
  const g: number[] = [];
  for (let i = 0; i + 1 < n; i++) g.push(Math.max(MIN_GAP, Math.ceil(headW[i]! / 2) + Math.floor(headW[i + 1]! / 2) + 3));
  // Labels go over their arrows; a self message prints its label to the right of the lifeline.
  widenGaps(g, ladder.rows, (i) => W(labels[i]!) + 10, (i) => W(labels[i]!) + 6);
  return g;
}

/**
 * A line under construction: one terminal cell and one style per column (a
 * wide character is its cell plus an empty one, see cells()).
 */
class Line {
  readonly ch: string[];
  readonly st: Style[];
  constructor(width: number) {
    this.ch = new Array<string>(width).fill(' ');
    this.st = new Array<Style>(width).fill('');
  }
  put(x: number, s: string, style: Style): void {
    const c = cells(s);
    for (let i = 0; i < c.length; i++) {
      const p = x + i;
      if (p < 0 || p >= this.ch.length) continue;
      this.ch[p] = c[i]!;
      this.st[p] = style;
    }
  }
  /** Wide characters half overwritten by something else become spaces, so every line keeps its width. */
  private repair(): void {
    const ch = this.ch;
    // Nothing below U+1100 is wide: the common line costs one comparison per cell.
    const wide = (c: string) => c !== '' && c.charCodeAt(0) >= 0x1100 && W(c) === 2;
    for (let i = 0; i < ch.length; i++) {
      if (ch[i] === '') { if (i === 0 || !wide(ch[i - 1]!)) ch[i] = ' '; }
      else if (wide(ch[i]!) && ch[i + 1] !== '') ch[i] = ' ';
    }
  }
  render(paint: (s: string, st: Style) => string): string {
    this.repair();
    let end = this.ch.length;
    while (end > 0 && this.ch[end - 1] === ' ') end--;
    // Without colour paint() returns its text as it is: the runs of one style joined are the line joined.
    if (paint === paintStyle && !color.level) return this.ch.slice(0, end).join('');
    let out = '';
    let i = 0;
    while (i < end) {
      let j = i + 1;
      while (j < end && this.st[j] === this.st[i]) j++;
      out += paint(this.ch.slice(i, j).join(''), this.st[i]!);
      i = j;
    }
    return out;
  }
}

const paintStyle = paint;
function paint(s: string, st: Style): string {
  if (!color.level || !s.trim()) return s;
  switch (st) {
    case 'life': return color.gray(s);
    case 'margin': return color.dim(s);
    case 'head': return color.bold(s);
    case 'req': return color.cyan(s);
    case 'prov': return s;
    case 'ok': case 'redir': case 'err': case 'rtp': return TERMINAL[ROW_TONE[st]](s);
    case 'sdp': return color.dim(s);
    case 'retx': return color.dim(s);
    default: return s;
  }
}

/** "+0.507", "-0.019": a time difference to the millisecond, always signed. */
export function deltaTime(d: number): string {
  const t = d.toFixed(3);
  return t.startsWith('-') ? (t === '-0.000' ? '+0.000' : t) : '+' + t;
}

/**
 * The delta of each row, the time since the row above ("+0.500", as sngrep
 * shows it: retransmission timers read off directly; negative when timestamps
 * go backwards in frame order); the first row has none. The text and SVG
 * margins both print these.
 */
export function rowDeltas(rows: readonly LadderRow[]): string[] {
  return rows.map((r, i) => (i === 0 ? '' : deltaTime(r.time - rows[i - 1]!.time)));
}

/** Render a ladder as terminal text (lines end with "\n"). */
export function renderLadderText(ladder: Ladder, opts: TextOptions = {}): string {
  const G = opts.ascii ? ASCII : UNICODE;
  const fix = (s: string) => (opts.ascii ? asciiOnly(printable(s)) : printable(s));
  const width = opts.width ?? Infinity;
  const n = ladder.participants.length;
  const out: string[] = [];

  if (opts.caption !== false) {
    out.push(paint(clipEnd(fix(ladder.title), width, G.ellipsis), 'head'));
    for (const l of ladder.subtitle.split('\n')) out.push(paint(clipEnd(fix(l), width, G.ellipsis), 'margin'));
    out.push('');
  }
  if (!ladder.rows.length || !n) {
    out.push('(no messages)');
    return out.join('\n') + '\n';
  }

  // Margin: [call] frame time delta (rowDeltas).
  const showCall = ladder.merged;
  const deltas = rowDeltas(ladder.rows);
  // Loops, not Math.max(...rows): a merged ladder can have more rows than a call's argument limit.
  let callW = 0, frameW = 5, timeW = 4, deltaW = 5;
  if (showCall) { callW = 4; for (const c of ladder.calls) callW = Math.max(callW, String(c.index).length); }
  for (const r of ladder.rows) { frameW = Math.max(frameW, String(r.frame).length); timeW = Math.max(timeW, marginTime(r.time).length); }
  for (const d of deltas) deltaW = Math.max(deltaW, d.length);
  const marginW = (showCall ? callW + 1 : 0) + frameW + 1 + timeW + 1 + deltaW + 2;
  const rowIndex = new Map<LadderRow, number>(ladder.rows.map((r, i) => [r, i]));
  const margin = (r: LadderRow | null): string => {
    if (!r) return ' '.repeat(marginW);
    return (showCall ? String(r.call).padStart(callW) + ' ' : '') + String(r.frame).padStart(frameW) + ' ' + marginTime(r.time).padStart(timeW) +
      ' ' + deltas[rowIndex.get(r)!]!.padStart(deltaW) + '  ';
  };

  const parts = ladder.participants.map((p) => ({ name: fix(p.name), address: p.address === null ? null : fix(p.address) }));
  const labels = ladder.rows.map((r) => fix(rowText(r, true)));
  let headW = parts.map((p) => natural(p.name, p.address));
  let gaps = gapsFor(ladder, headW, labels);
  const total = () => Math.ceil(headW[0]! / 2) + gaps.reduce((a, b) => a + b, 0) + Math.ceil(headW[n - 1]! / 2) + 1;

  const avail = width - marginW;
  if (total() > avail) {
    // 1. Narrow the headers (wrap "ip:port" before the port), 2. shrink gaps.
    headW = parts.map((p) => Math.max(...headerLines(p.name, p.address, Math.max(6, Math.floor(avail / Math.max(1, n)) - 2), G.ellipsis).map((l) => W(l))));
    const minGaps = headW.slice(0, -1).map((w, i) => Math.max(4, Math.ceil(w / 2) + Math.floor(headW[i + 1]! / 2) + 1));
    gaps = gapsFor(ladder, headW, labels);
    let excess = total() - avail;
    while (excess > 0) {
      let best = -1;
      for (let i = 0; i < gaps.length; i++) if (gaps[i]! > minGaps[i]! && (best < 0 || gaps[i]! > gaps[best]!)) best = i;
      if (best < 0) break;
      gaps[best]!--;
      excess--;
    }
    // Still too wide: headers get clipped to the gaps.
    if (excess > 0) {
      const per = Math.max(3, Math.floor(avail / Math.max(1, n)));
      headW = headW.map((w) => Math.min(w, per - 1));
      gaps = gaps.map(() => per);
    }
  }

  const x: number[] = [marginW + Math.ceil(headW[0]! / 2)];
  for (let i = 1; i < n; i++) x.push(x[i - 1]! + gaps[i - 1]!);
  // Self messages at the last column and SDP notes may need room on the right.
  let lineW = x[n - 1]! + Math.ceil(headW[n - 1]! / 2) + 1;
  ladder.rows.forEach((r, i) => {
    if (r.from === r.to) lineW = Math.max(lineW, x[r.from]! + W(labels[i]!) + 5);
    if (r.kind === 'msg' && r.sdp) lineW = Math.max(lineW, x[Math.min(r.from, r.to)]! + 2 + W(fix(r.sdp)));
  });
  lineW = Math.min(lineW, width);

  const lifelines = (line: Line) => { for (const xi of x) line.put(xi, G.life, 'life'); };

  // Header: margin titles and participant names centred on their lifelines.
  const heads = parts.map((p, i) => headerLines(p.name, p.address, headW[i]!, G.ellipsis));
  const headH = Math.max(...heads.map((h) => h.length));
  for (let k = 0; k < headH; k++) {
    const line = new Line(lineW);
    if (k === headH - 1) {
      const m = (showCall ? 'Call'.padStart(callW) + ' ' : '') + 'Frame'.padStart(frameW) + ' ' + 'Time'.padStart(timeW) + ' ' + 'Delta'.padStart(deltaW);
      line.put(0, m, 'margin');
    }
    heads.forEach((h, i) => {
      const s = h[k];
      if (s === undefined) return;
      line.put(x[i]! - Math.floor(W(s) / 2), s, k === 0 ? 'head' : 'margin');
    });
    out.push(line.render(paint));
  }
  {
    const line = new Line(lineW);
    line.put(0, G.rule.repeat(marginW - 2), 'margin');
    lifelines(line);
    out.push(line.render(paint));
  }

  ladder.rows.forEach((r, ri) => {
    const cls = rowClass(r);
    const style: Style = r.kind === 'msg' && r.retransmission ? 'retx' : cls;
    const label = labels[ri]!;
    let line = new Line(lineW);
    line.put(0, margin(r), 'margin');
    lifelines(line);
    const xa = x[r.from]!;
    const xb = x[r.to]!;
    const body = r.kind === 'rtp' ? G.rtp : r.kind === 'msg' && r.retransmission ? G.retx : G.body;
    if (xa === xb) {
      // A message to itself (two ports of one host with --by host): a loop to the right.
      line.put(xa, G.start + body + G.selfTop + ' ', style);
      line.put(xa + 4, clipEnd(label, lineW - xa - 4, G.ellipsis), style);
      out.push(line.render(paint));
      const back = new Line(lineW);
      back.put(0, margin(null), 'margin');
      lifelines(back);
      back.put(xa + 1, G.left + G.selfBottom, style);
      out.push(back.render(paint));
    } else {
      const lo = Math.min(xa, xb);
      const hi = Math.max(xa, xb);
      const inner = hi - lo - 1;
      let arrow = body.repeat(Math.max(0, inner)).split('');
      if (xa < xb) arrow[inner - 1] = G.right; else arrow[0] = G.left;
      const room = inner - 6;
      if (W(label) > room) {
        // Too narrow for the label on the arrow: the label goes on a line of
        // its own above it (over the lifelines), the arrow below.
        const at = lo + 2;
        line.put(at, ' ' + clipEnd(label, lineW - at - 1, G.ellipsis), style);
        out.push(line.render(paint));
        line = new Line(lineW);
        line.put(0, margin(null), 'margin');
        lifelines(line);
      } else if (room >= 1) {
        const text = cells(' ' + label + ' ');
        const start = Math.floor((inner - text.length) / 2);
        arrow.splice(start, text.length, ...text);
      }
      arrow = arrow.slice(0, inner);
      // The sender's lifeline gets the tee the arrow leaves from.
      const tee = r.kind === 'rtp' ? (xa < xb ? G.rtpStart : G.rtpEnd) : (xa < xb ? G.start : G.startLeft);
      line.put(xa, tee, style);
      line.put(lo + 1, arrow.join(''), style);
      out.push(line.render(paint));
    }
    if (r.kind === 'msg' && r.sdp) {
      const sl = new Line(lineW);
      sl.put(0, margin(null), 'margin');
      lifelines(sl);
      const at = Math.min(xa, xb) + 2;
      sl.put(at, clipEnd(fix(r.sdp), lineW - at, G.ellipsis), 'sdp');
      out.push(sl.render(paint));
    }
  });
  const cut = cutNote(ladder);
  if (cut) out.push(paint(fix(cut), 'margin'));
  return out.join('\n') + '\n';
}

/** What a diagram's limits left out, in words, or null (every format says it the same way). */
export function cutNote(ladder: Ladder): string | null {
  const parts: string[] = [];
  if (ladder.rowsCut) parts.push(`${ladder.rowsCut} more message${ladder.rowsCut === 1 ? '' : 's'}`);
  if (ladder.streamsCut) parts.push(`${ladder.streamsCut} more RTP stream${ladder.streamsCut === 1 ? '' : 's'}`);
  return parts.length ? `(${parts.join(' and ')} not drawn: the diagram's limit; select fewer calls with --call or a filter)` : null;
}
