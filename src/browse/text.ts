/**
 * Text for the browser's screen: packet strings neutralised for the terminal
 * and lines built from styled segments, clipped and padded by display columns.
 *
 * Everything drawn passes `safe()` (renderLine applies it to every segment):
 * the shared terminal escaper (render/escape.ts terminalText: control
 * characters, C1, line separators, the bidirectional overrides, isolates and
 * marks) so the browser neutralises exactly what the tables and ladders do.
 */
import { clip, displayWidth } from '../render/terminal.js';
import { terminalText } from '../render/escape.js';

/** A packet string made harmless for the terminal. */
export function safe(s: string): string {
  return terminalText(s);
}

/**
 * What --ascii draws for the browser's own symbols (arrows in the key hints
 * and help, the sort arrow, "2×/1410" in the RTP column, the mark, the
 * prompt's cursor, box lines); anything else outside printable ASCII is "?".
 */
const ASCII: Record<string, string> = {
  '→': '->', '←': '<-', '↑': '^', '↓': 'v', '▲': '^', '▼': 'v', '▶': '>', '◀': '<', '×': 'x', '●': '*', '•': '*', '█': '_',
  '–': '-', '—': '-', '─': '-', '│': '|', '·': '|', '…': '~',
};

/** Replace everything outside printable ASCII (for --ascii). */
export function asciiOnly(s: string): string {
  return s.replace(/[^\x20-\x7e]/gu, (ch) => ASCII[ch] ?? '?');
}

/**
 * Parts of a one-line bar (key hints, the status line) as [text, rank]: as
 * many as fit `width` when joined by `sep`, in their order; the highest rank
 * goes first, and rank 0 (help, quit, an error) stays whatever the width.
 */
export function fitParts(parts: readonly (readonly [string, number])[], sep: string, width: number): string {
  let kept = parts.filter(([t]) => t);
  const len = () => kept.reduce((a, [t]) => a + displayWidth(t), 0) + displayWidth(sep) * Math.max(0, kept.length - 1);
  while (len() > width) {
    let worst = -1;
    kept.forEach(([, r], i) => { if (r > 0 && (worst < 0 || r >= kept[worst]![1])) worst = i; });
    if (worst < 0) break;
    kept = kept.filter((_, i) => i !== worst);
  }
  return kept.map(([t]) => t).join(sep);
}

/** The styles the screen uses; each maps to SGR parameters. */
export type Style = '' | 'bold' | 'dim' | 'inverse' | 'sel' | 'mark' | 'head' | 'green' | 'yellow' | 'red' | 'magenta' | 'cyan' | 'blue' | 'status' | 'hname';

const SGR: Record<Exclude<Style, ''>, string> = {
  bold: '1', dim: '2', inverse: '7', sel: '7', mark: '1;33', head: '1;4', green: '32', yellow: '33', red: '31',
  magenta: '35', cyan: '36', blue: '34', status: '7', hname: '36',
};

/**
 * Without colour (NO_COLOR, --no-color) only attributes that are not colours
 * are drawn, so the selection and the status line stay visible.
 */
const MONO: Partial<Record<Style, string>> = { bold: '1', inverse: '7', sel: '7', status: '7', head: '1;4', mark: '1' };

export interface Seg { text: string; style: Style }

/** One screen line under construction: styled segments of plain, already safe text. */
export class Line {
  readonly segs: Seg[] = [];
  /** Whole-line style applied under the segments (the selected row). */
  constructor(public base: Style = '') {}
  add(text: string, style: Style = ''): this {
    if (text) this.segs.push({ text, style });
    return this;
  }
  get width(): number { let w = 0; for (const s of this.segs) w += displayWidth(s.text); return w; }
  plain(): string { return this.segs.map((s) => s.text).join(''); }
}

export interface Paint { color: boolean; ascii: boolean }

function open(style: Style, color: boolean): string {
  if (!style) return '';
  const p = color ? SGR[style] : MONO[style];
  return p ? `\x1b[${p}m` : '';
}

/** A Line as exactly `width` columns of terminal output (clipped with an ellipsis, padded with spaces). */
export function renderLine(line: Line, width: number, paint: Paint): string {
  const ell = paint.ascii ? '~' : '…';
  let out = '';
  let used = 0;
  const base = open(line.base, paint.color);
  for (const s of line.segs) {
    if (used >= width) break;
    // Every segment passes safe() here, the one way to the screen: callers escape too, this is the backstop.
    let t = paint.ascii ? asciiOnly(s.text) : safe(s.text);
    const w = displayWidth(t);
    if (used + w > width) { t = clip(t, width - used, ell); }
    const st = open(s.style, paint.color);
    out += st ? `${st}${t}\x1b[0m${base}` : t;
    used += displayWidth(t);
  }
  if (used < width) out += ' '.repeat(width - used);
  return base ? `${base}${out}\x1b[0m` : out;
}

/**
 * A Line as lines of at most `width` columns: long header lines (Contact,
 * Allow, Via) are wrapped, not cut, so the panel shows the whole message.
 * A line breaks after a space, comma or semicolon in its second half, else
 * at the width; continuation lines are indented by `indent` spaces (as a
 * folded SIP header is). Styles carry over.
 */
export function wrapLine(line: Line, width: number, indent = 2): Line[] {
  if (width <= indent + 8 || line.width <= width) return [line];
  // Where each output line starts, as code point offsets into the line's text.
  const chars = [...line.plain()];
  const starts = [0];
  let used = 0;
  let soft = -1;
  for (let i = 0; i < chars.length; i++) {
    const w = displayWidth(chars[i]!);
    if (used + w > width) {
      const from = starts[starts.length - 1]!;
      const cut = soft > from && used - widthOf(chars, soft, i) >= width / 2 ? soft : i;
      starts.push(cut);
      used = indent + widthOf(chars, cut, i);
      soft = -1;
    }
    used += w;
    if (chars[i] === ' ' || chars[i] === ',' || chars[i] === ';') soft = i + 1;
  }
  const out: Line[] = [];
  let cur = new Line(line.base);
  let pos = 0;
  let next = 1;
  for (const seg of line.segs) {
    let chunk = '';
    for (const ch of seg.text) {
      if (next < starts.length && pos === starts[next]) {
        cur.add(chunk, seg.style);
        out.push(cur);
        cur = new Line(line.base).add(' '.repeat(indent));
        chunk = '';
        next++;
      }
      chunk += ch;
      pos++;
    }
    cur.add(chunk, seg.style);
  }
  out.push(cur);
  return out;
}

function widthOf(chars: string[], from: number, to: number): number {
  let w = 0;
  for (let i = from; i < to; i++) w += displayWidth(chars[i]!);
  return w;
}

/** `s` in at most `w` columns, cut at its start ("…/dir/file.pcap"): the end of a path says most. */
export function clipStart(s: string, w: number, ell = '…'): string {
  if (displayWidth(s) <= w) return s;
  const chars = [...s];
  let out = '';
  let used = displayWidth(ell);
  for (let i = chars.length - 1; i >= 0; i--) {
    const cw = displayWidth(chars[i]!);
    if (used + cw > w) break;
    out = chars[i]! + out;
    used += cw;
  }
  return ell + out;
}

export { clip, displayWidth };
