/**
 * Ladder -> standalone SVG, drawn here without a browser: participant boxes,
 * dashed lifelines, one arrow per SIP message with its Wireshark label, a left
 * margin with frame number, relative time and the delta to the row above (the
 * text ladder's column), optional SDP notes and RTP
 * spans. Pure vectors and a monospace font stack: sharp at any zoom, and the
 * same picture the PNG/PDF export rasterises.
 *
 * Everything that came from a packet (labels, display names, addresses,
 * Call-IDs, the file name) goes through xmlEscape.
 */
import { xmlEscape } from '../escape.js';
import { LIGHT, ROW_TONE } from '../status.js';
import { displayWidth } from '../terminal.js';
import { marginTime, rowClass, rowText, widenGaps, type Ladder, type LadderRow } from './layout.js';
import { cutNote, rowDeltas } from './text.js';

export interface SvgOptions {
  /** Font size of labels in px (default 13). */
  fontSize?: number;
  /** Longest label drawn, in characters (longer ones get an ellipsis). */
  maxLabel?: number;
  /** Title and Call-ID lines above the diagram (default true). */
  caption?: boolean;
}

export const FONT_STACK = "'DejaVu Sans Mono','Liberation Mono',Menlo,Consolas,'Courier New',monospace";

/** Arrow colours by row class: the status table's light colours, and the ladder's own blue and grey for requests and 1xx. */
const COLORS = {
  req: '#0a58ca', prov: '#57606a', ok: LIGHT[ROW_TONE.ok], redir: LIGHT[ROW_TONE.redir], err: LIGHT[ROW_TONE.err], rtp: LIGHT[ROW_TONE.rtp],
} as const;

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, Math.max(1, n - 1)) + '…';
}

/** Text width in px for a monospace font (terminal display columns: wide characters count double, combining marks nothing). */
function textW(s: string, cw: number): number {
  return displayWidth(s) * cw;
}

const f1 = (x: number) => (Math.round(x * 10) / 10).toString();

/** Render one ladder as an SVG document (UTF-8 text). */
export function renderLadderSvg(ladder: Ladder, opts: SvgOptions = {}): string {
  const fs = opts.fontSize ?? 13;
  const cw = fs * 0.6021;
  const maxLabel = opts.maxLabel ?? 72;
  const small = Math.round(fs * 0.85 * 10) / 10;
  const scw = small * 0.6021;
  const n = ladder.participants.length;
  const rows = ladder.rows;
  const labels = rows.map((r) => clip(rowText(r), maxLabel));
  const sdps = rows.map((r) => (r.kind === 'msg' && r.sdp ? clip(r.sdp, 140) : null));

  // --- Left margin: [call] frame time delta.
  const pad = 16;
  const deltas = rowDeltas(rows);
  let deltaChars = 5;
  for (const d of deltas) deltaChars = Math.max(deltaChars, d.length);
  const showCall = ladder.merged;
  const callChars = showCall ? Math.max(4, ...ladder.calls.map((c) => String(c.index).length)) : 0;
  const frameChars = Math.max(5, ...rows.map((r) => String(r.frame).length));
  const timeChars = Math.max(8, ...rows.map((r) => marginTime(r.time).length));
  const callX = pad + callChars * scw;
  const frameX = (showCall ? callX + 14 : pad) + frameChars * scw;
  const timeX = frameX + 14 + timeChars * scw;
  const deltaX = timeX + 14 + deltaChars * scw;
  const marginW = deltaX + 22;

  // --- Columns.
  const boxH = ladder.participants.some((p) => p.address) ? 40 : 26;
  const boxW = ladder.participants.map((p) => Math.max(textW(p.name, cw) + 4, p.address ? textW(p.address, scw) : 0) + 20);
  const gaps: number[] = [];
  for (let i = 0; i + 1 < n; i++) gaps.push(Math.max(150, boxW[i]! / 2 + boxW[i + 1]! / 2 + 20));
  widenGaps(gaps, rows, (i) => textW(labels[i]!, cw) + 44, (i) => textW(labels[i]!, cw) + 60);
  const x: number[] = [marginW + (boxW[0] ?? 100) / 2];
  for (let i = 1; i < n; i++) x.push(x[i - 1]! + gaps[i - 1]!);
  let width = (x[n - 1] ?? marginW) + (boxW[n - 1] ?? 100) / 2 + pad;
  rows.forEach((r, i) => {
    if (r.from === r.to) width = Math.max(width, x[r.from]! + 44 + textW(labels[i]!, cw) + pad);
    const sdp = sdps[i];
    if (sdp) width = Math.max(width, x[Math.min(r.from, r.to)]! + 10 + textW(sdp, scw) + pad);
  });

  // --- Header block.
  const out: string[] = [];
  let y = pad;
  const caption: string[] = [];
  if (opts.caption !== false) {
    const titleW = textW(ladder.heading, (fs + 2) * 0.6021);
    width = Math.max(width, pad * 2 + Math.min(titleW, 1600));
    y += fs + 2;
    caption.push(`<text class="title" x="${pad}" y="${f1(y)}">${xmlEscape(clip(ladder.heading, 200))}</text>`);
    for (const l of ladder.parties) {
      y += fs + 5;
      caption.push(`<text class="parties" x="${pad}" y="${f1(y)}">${xmlEscape(clip(l, 200))}</text>`);
      width = Math.max(width, pad * 2 + Math.min(textW(l, cw), 1600));
    }
    const file = ladder.file.split(/[\\/]/).pop() ?? ladder.file;
    const sub = ladder.merged ? [file] : [`${file} · ${ladder.subtitle}`];
    const cut = cutNote(ladder);
    if (cut) sub.push(cut);
    for (const l of sub) {
      y += small + 5;
      caption.push(`<text class="sub" x="${pad}" y="${f1(y)}">${xmlEscape(clip(l, 200))}</text>`);
      width = Math.max(width, pad * 2 + Math.min(textW(l, scw), 1600));
    }
    y += 14;
  }
  const boxTop = y;
  const lifeTop = boxTop + boxH;
  y = lifeTop + 22;

  // --- Rows.
  const rowH = Math.round(fs * 2.3);
  const sdpH = Math.round(small * 1.5);
  const body: string[] = [];
  const bands: string[] = [];
  rows.forEach((r, i) => {
    const h = rowH + (sdps[i] ? sdpH : 0) + (r.from === r.to ? 10 : 0);
    const top = y;
    const ay = top + rowH * 0.62; // arrow line
    if (i % 2 === 1) bands.push(`<rect class="band" x="0" y="${f1(top)}" width="${f1(width)}" height="${f1(h)}"/>`);
    drawRow(body, r, labels[i]!, sdps[i]!, ay, x, fs, small, i % 2 === 1 ? 'hb' : 'hw');
    // Margin: vertically on the arrow. One <text> a row, a right-aligned <tspan> per column (each
    // absolutely placed tspan is its own text chunk): the HTML report's size budget counts these bytes
    // for every row, and its row hooks count the <g> elements, so the margin adds no group.
    const my = ay + small * 0.35;
    const cells: [number, string | number][] = [...(showCall ? [[callX, r.call] as [number, number]] : []), [frameX, r.frame], [timeX, marginTime(r.time)]];
    if (deltas[i]) cells.push([deltaX, deltas[i]!]);
    body.push(`<text class="m" y="${f1(my)}">${cells.map(([cx, t]) => `<tspan x="${f1(cx)}">${t}</tspan>`).join('')}</text>`);
    y += h;
  });
  if (!rows.length) {
    body.push(`<text class="sub" x="${f1(marginW)}" y="${f1(y)}">(no messages)</text>`);
    y += rowH;
  }
  y += 8;
  const lifeBottom = y;
  const bottomBoxes = rows.length > 14;
  const height = (bottomBoxes ? lifeBottom + boxH : lifeBottom) + pad;

  // Margin column titles, aligned with the bottom of the participant boxes.
  const headY = lifeTop - 6;
  const heads: string[] = [];
  if (showCall) heads.push(`<text class="mh" x="${f1(callX)}" y="${f1(headY)}" text-anchor="end">Call</text>`);
  heads.push(`<text class="mh" x="${f1(frameX)}" y="${f1(headY)}" text-anchor="end">Frame</text>`);
  heads.push(`<text class="mh" x="${f1(timeX)}" y="${f1(headY)}" text-anchor="end">Time (s)</text>`);
  heads.push(`<text class="mh" x="${f1(deltaX)}" y="${f1(headY)}" text-anchor="end">Delta</text>`);
  heads.push(`<line class="rule" x1="${pad}" y1="${f1(lifeTop + 4)}" x2="${f1(marginW - 12)}" y2="${f1(lifeTop + 4)}"/>`);

  const boxes = (top: number) => ladder.participants.map((p, i) => {
    const bx = x[i]! - boxW[i]! / 2;
    const parts = [`<rect class="box" x="${f1(bx)}" y="${f1(top)}" width="${f1(boxW[i]!)}" height="${boxH}" rx="4"/>`];
    if (p.address) {
      parts.push(`<text class="pn" x="${f1(x[i]!)}" y="${f1(top + 17)}" text-anchor="middle">${xmlEscape(p.name)}</text>`);
      parts.push(`<text class="pa" x="${f1(x[i]!)}" y="${f1(top + 33)}" text-anchor="middle">${xmlEscape(p.address)}</text>`);
    } else {
      parts.push(`<text class="pn" x="${f1(x[i]!)}" y="${f1(top + boxH / 2 + fs * 0.36)}" text-anchor="middle">${xmlEscape(p.name)}</text>`);
    }
    return parts.join('');
  }).join('\n');
  const lifelines = x.map((xi) => `<line class="life" x1="${f1(xi)}" y1="${f1(lifeTop)}" x2="${f1(xi)}" y2="${f1(lifeBottom)}"/>`).join('\n');

  const W = Math.ceil(width);
  const H = Math.ceil(height);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT_STACK.replace(/'/g, '&apos;')}" font-size="${fs}">`,
    `<title>${xmlEscape(ladder.title)}</title>`,
    `<style>
.title{font-size:${fs + 2}px;font-weight:bold;fill:#1f2328}
.parties{fill:#1f2328}
.sub{font-size:${small}px;fill:#57606a}
.band{fill:#f6f8fa}
.box{fill:#ddf4ff;stroke:#0969da;stroke-width:1.2}
.pn{font-weight:bold;fill:#1f2328}
.pa{font-size:${small}px;fill:#57606a}
.life{stroke:#8c959f;stroke-width:1;stroke-dasharray:4 3}
.rule{stroke:#d0d7de;stroke-width:1}
.m{font-size:${small}px;fill:#57606a;text-anchor:end}
.mh{font-size:${small}px;font-weight:bold;fill:#1f2328}
.lbl{text-anchor:middle}
.sdp{font-size:${small}px;fill:#57606a;font-style:italic}
.retx{stroke-dasharray:6 4}
.hw{paint-order:stroke;stroke:#ffffff;stroke-width:4px;stroke-linejoin:round}
.hb{paint-order:stroke;stroke:#f6f8fa;stroke-width:4px;stroke-linejoin:round}
</style>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    ...caption,
    ...bands,
    ...heads,
    lifelines,
    boxes(boxTop),
    bottomBoxes ? boxes(lifeBottom) : '',
    ...body,
    `</svg>`,
    '',
  ].join('\n');
}

/** `halo`: class that outlines text in the row's background colour, so lifelines never cross a label. */
function drawRow(out: string[], r: LadderRow, label: string, sdp: string | null, ay: number, x: number[], fs: number, small: number, halo: string): void {
  const cls = rowClass(r);
  const color = COLORS[cls];
  const xa = x[r.from]!;
  const xb = x[r.to]!;
  const retx = r.kind === 'msg' && r.retransmission;
  const opacity = retx ? ' opacity="0.7"' : '';
  const dash = retx ? ' class="retx"' : '';
  const esc = xmlEscape(label);
  const weight = cls === 'err' ? ' font-weight="bold"' : '';
  if (xa === xb) {
    // Loop to the right for a message between two ports of one host (--by host).
    const w = 30;
    out.push(`<g${opacity}><path${dash} d="M${f1(xa)} ${f1(ay - 7)} h${w} v14 h-${w - 8}" fill="none" stroke="${color}" stroke-width="1.5"/>` +
      `<polygon points="${f1(xa + 1)},${f1(ay + 7)} ${f1(xa + 9)},${f1(ay + 3)} ${f1(xa + 9)},${f1(ay + 11)}" fill="${color}"/>` +
      `<text class="${halo}" x="${f1(xa + w + 8)}" y="${f1(ay + fs * 0.35)}" fill="${color}"${weight}>${esc}</text></g>`);
  } else {
    const dir = xb > xa ? 1 : -1;
    const tip = xb - dir * 1;
    const headL = 9;
    const base = tip - dir * headL;
    const mid = (xa + xb) / 2;
    if (r.kind === 'rtp') {
      // One span per stream: a thick translucent band with an arrow head.
      out.push(`<g><rect x="${f1(Math.min(xa, base))}" y="${f1(ay - 4)}" width="${f1(Math.abs(base - xa))}" height="8" fill="${color}" fill-opacity="0.25" stroke="${color}" stroke-width="1"/>` +
        `<polygon points="${f1(tip)},${f1(ay)} ${f1(base)},${f1(ay - 8)} ${f1(base)},${f1(ay + 8)}" fill="${color}"/>` +
        `<text class="lbl ${halo}" x="${f1(mid)}" y="${f1(ay - 9)}" fill="${color}">${esc}</text></g>`);
    } else {
      out.push(`<g${opacity}><line${dash} x1="${f1(xa)}" y1="${f1(ay)}" x2="${f1(base)}" y2="${f1(ay)}" stroke="${color}" stroke-width="1.5"/>` +
        `<polygon points="${f1(tip)},${f1(ay)} ${f1(base)},${f1(ay - 4.5)} ${f1(base)},${f1(ay + 4.5)}" fill="${color}"/>` +
        `<text class="lbl ${halo}" x="${f1(mid)}" y="${f1(ay - 6)}" fill="${color}"${weight}>${esc}</text></g>`);
    }
  }
  if (sdp) {
    const left = Math.min(xa, xb) + 10;
    out.push(`<text class="sdp ${halo}" x="${f1(left)}" y="${f1(ay + small + 6)}">${xmlEscape(sdp)}</text>`);
  }
}
