/**
 * Terminal text primitives shared by every renderer that writes to a
 * terminal (call and stream tables, events, text ladders, check diffs):
 * neutralising control characters from packets, measuring and clipping by
 * display columns, and drawing a bordered table.
 *
 * Packet strings are untrusted: an ESC in a display name must not reach the
 * terminal as an escape sequence, and a CJK name must not break the borders.
 */
import { color } from './color.js';
import { terminalText } from './escape.js';

/** Replace control and bidi characters (escape.ts terminalText): nothing from a packet may move the cursor or reorder a line. */
export function printable(s: string): string {
  return terminalText(s);
}

// Zero-width: combining marks, ZWSP..RLM, word joiner.., variation selectors, BOM.
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200f\u2060-\u2064\ufe00-\ufe0f\ufeff]$/u;

/** Columns one code point takes: 0, 1 or 2 (East Asian wide/fullwidth and emoji). */
export function charWidth(cp: number, ch: string): number {
  if (cp < 0x300) return 1;
  if (ZERO_WIDTH.test(ch)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd)
  ) return 2;
  return 1;
}

/** Display columns of a string without escape sequences (plain text). */
export function displayWidth(s: string): number {
  // Fast path: printable ASCII and Latin-1 letters are one column each.
  if (/^[\u0020-\u007e\u00a0-\u02ff]*$/.test(s)) return s.length;
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!, ch);
  return w;
}

/**
 * A string as terminal cells, for character-grid layouts: one cell per
 * column; a wide character takes its cell and an empty one after it, a
 * combining mark joins the cell before it. cells(s).join('') === s.
 */
export function cells(s: string): string[] {
  if (/^[\u0020-\u007e\u00a0-\u02ff]*$/.test(s)) return s.split('');
  const out: string[] = [];
  for (const ch of s) {
    const w = charWidth(ch.codePointAt(0)!, ch);
    if (w === 0) {
      // Attach to the last real cell (skip a wide character's empty half).
      let k = out.length - 1;
      while (k >= 0 && out[k] === '') k--;
      if (k >= 0) out[k] += ch; else out.push(ch);
    } else {
      out.push(ch);
      if (w === 2) out.push('');
    }
  }
  return out;
}

/** The first k columns of a cell list; a wide character the cut would halve is left out. */
function headColumns(c: string[], k: number): string {
  if (k > 0 && k < c.length && c[k] === '') k--;
  return c.slice(0, k).join('');
}

/** The last k columns of a cell list; a wide character the cut would halve is left out. */
function tailColumns(c: string[], k: number): string {
  let from = c.length - k;
  if (from < c.length && c[from] === '') from++;
  return c.slice(from).join('');
}

/** Shorten to at most n display columns, ending with `ell` when cut (no room for it: cut only). */
export function clip(s: string, n: number, ell = '…'): string {
  if (displayWidth(s) <= n) return s;
  if (n <= 0) return '';
  const c = cells(s);
  const e = displayWidth(ell);
  return n <= e ? headColumns(c, n) : headColumns(c, n - e) + ell;
}

/** Shorten to at most n display columns keeping the end (addresses differ at their end), starting with `ell` when cut. */
export function clipStart(s: string, n: number, ell = '…'): string {
  if (displayWidth(s) <= n) return s;
  if (n <= 0) return '';
  const c = cells(s);
  const e = displayWidth(ell);
  return n <= e ? tailColumns(c, n) : ell + tailColumns(c, n - e);
}

/** Pad plain text with spaces to n display columns, on the right or (right-aligned) the left. */
export function pad(s: string, n: number, right = false): string {
  const fill = ' '.repeat(Math.max(0, n - displayWidth(s)));
  return right ? fill + s : s + fill;
}

/**
 * Break text into lines of at most `width` display columns at spaces (a word
 * longer than a line is cut into pieces); lines after the first start with
 * `indent`. Text that fits is one line.
 */
export function wrapWords(text: string, width: number, indent = ''): string[] {
  if (!Number.isFinite(width) || displayWidth(text) <= width) return [text];
  const lines: string[] = [];
  let line = '';
  let lineW = 0;
  const room = () => width - (lines.length ? displayWidth(indent) : 0);
  const flush = () => { lines.push(lines.length ? indent + line : line); line = ''; lineW = 0; };
  for (const word of text.split(' ')) {
    let w = displayWidth(word);
    if (lineW > 0 && lineW + 1 + w > room()) flush();
    let rest = word;
    // A word wider than a whole line: cut it where the line ends.
    while (w > room() && room() > 0) {
      const c = cells(rest);
      const k = Math.max(1, room() - lineW - (lineW ? 1 : 0));
      const head = c.slice(0, k).join('');
      line += (lineW ? ' ' : '') + head;
      lineW += (lineW ? 1 : 0) + displayWidth(head);
      flush();
      rest = c.slice(k).join('');
      w = displayWidth(rest);
    }
    if (!rest) continue;
    line += (lineW ? ' ' : '') + rest;
    lineW += (lineW ? 1 : 0) + w;
  }
  if (line || !lines.length) flush();
  return lines;
}

/** Join parts with `sep`, starting a new line before a part that would cross `width` (parts are never split). Colour codes do not count. */
export function joinWrapped(parts: string[], sep: string, width: number): string {
  if (!Number.isFinite(width)) return parts.join(sep);
  if (parts.length === 1) return wrapWords(parts[0]!, width).join('\n');
  const out: string[] = [];
  let line = '';
  for (const p of parts) {
    const candidate = line ? line + sep + p : p;
    if (line && visibleWidth(candidate) > width) { out.push(line); line = p; } else line = candidate;
  }
  out.push(line);
  return out.join('\n');
}

/** Display width of text that may hold SGR colour codes. */
function visibleWidth(s: string): number {
  // eslint-disable-next-line no-control-regex
  return displayWidth(s.replace(/\u001b\[[0-9;]*m/g, ''));
}

export interface TableColumn {
  head: string;
  align?: 'left' | 'right';
  /** A cell wider than the column wraps at spaces onto a second line (then is cut), instead of being cut at once. */
  wrap?: boolean;
}

/** A cell's lines: one, or for a wrapping column up to two at word boundaries, each clipped to the width. */
function cellLines(text: string, width: number, wrap: boolean | undefined): string[] {
  if (!wrap || displayWidth(text) <= width) return [clip(text, width)];
  const lines = wrapWords(text, width);
  if (lines.length <= 2) return lines.map((l) => clip(l, width));
  return [clip(lines[0]!, width), clip(lines.slice(1).join(' '), width)];
}

/**
 * A bordered table in the style of cli-table3's compact layout (box drawing,
 * a rule under the header, grey borders when colour is on). Drawn here because
 * cli-table3's layout is quadratic in the rows: a capture with 5 000 calls took
 * 11 s to print. Cells are plain text; they are made printable, clipped to the
 * column width, then painted by `paint` (colour only, same width).
 */
export function drawTable(
  cols: TableColumn[], widths: number[], rows: string[][],
  paint: (text: string, row: number, col: number) => string = (t) => t,
): string {
  const border = (s: string) => (color.level ? color.gray(s) : s);
  const rule = (l: string, m: string, r: string) => border(l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r);
  const bar = border('│');
  // A row is one line, or two when a wrapping column's cell needs them.
  const line = (cells: string[], paintCell: (text: string, k: number) => string) => {
    const parts = cells.map((cell, k) => cellLines(printable(cell), widths[k]!, cols[k]!.wrap));
    const height = Math.max(...parts.map((p) => p.length));
    const lines: string[] = [];
    for (let l = 0; l < height; l++) {
      lines.push(bar + parts.map((p, k) => {
        const text = p[l] ?? '';
        const fill = ' '.repeat(Math.max(0, widths[k]! - displayWidth(text)));
        const painted = text ? paintCell(text, k) : '';
        return ' ' + (cols[k]!.align === 'right' ? fill + painted : painted + fill) + ' ';
      }).join(bar) + bar);
    }
    return lines.join('\n');
  };
  const out = [rule('┌', '┬', '┐'), line(cols.map((c) => c.head), (t) => color.bold(t)), rule('├', '┼', '┤')];
  rows.forEach((r, ri) => out.push(line(r, (t, k) => paint(t, ri, k))));
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}
