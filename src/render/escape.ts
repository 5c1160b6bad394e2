/**
 * Escaping for what leaves sipflow. Markup: the HTML report, the SVG ladders
 * and the JUnit XML of `check` all write text from packets into HTML or XML;
 * one escaper serves them all, so a fix to what is escaped reaches every
 * format at once. Terminal: terminalText, which render/terminal.ts printable()
 * (tables, text ladders, check diffs) goes through.
 */

/** Characters HTML/XML forbids or that confuse parsers: C0 controls (but tab/LF/CR), lone surrogates, U+FFFE/FFFF. */
// eslint-disable-next-line no-control-regex
const BAD_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replace characters that cannot appear in an HTML or XML 1.0 document with U+FFFD. */
export function cleanText(s: string): string {
  return s.replace(BAD_CHARS, '\ufffd');
}

const ENT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape for HTML/XML text content and (quoted) attribute values alike. */
export function esc(s: string | number | null | undefined): string {
  if (s === null || s === undefined) return '';
  return cleanText(String(s)).replace(/[&<>"']/g, (c) => ENT[c]!);
}

/** The same escaper under the name XML writers (SVG, JUnit) use. */
export const xmlEscape = (s: string): string => esc(s);

/**
 * Characters a terminal must never receive from a packet: C0 controls, DEL
 * and C1 (cursor movement, escape sequences), the line and paragraph
 * separators, and the invisible bidirectional controls — the embeddings and
 * overrides U+202A–202E, the isolates U+2066–2069 and the marks LRM, RLM and
 * ALM — which reorder what is shown around them ("Trojan Source",
 * CVE-2021-42574: a Call-ID could make a table row read backwards). The
 * interlinear annotation controls U+FFF9–FFFB hide text in some renderers.
 * Zero-width joiners stay: emoji sequences and Persian need them.
 */
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufff9-\ufffb]/;
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE_G = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufff9-\ufffb]/g;

/** Text for a terminal: every character of TERMINAL_UNSAFE becomes U+FFFD (a visible mark that something was there). */
export function terminalText(s: string): string {
  return TERMINAL_UNSAFE.test(s) ? s.replace(TERMINAL_UNSAFE_G, '\ufffd') : s;
}

/**
 * JSON, CSV or YAML bound for a terminal (not a file or a pipe): every
 * TERMINAL_UNSAFE character but line feed and tab is written as a \uXXXX
 * escape. In JSON that is the same value; in CSV and YAML it shows what is
 * there instead of letting it act on the screen.
 */
export function machineTextForTerminal(s: string): string {
  return TERMINAL_UNSAFE.test(s)
    ? s.replace(TERMINAL_UNSAFE_G, (c) => (c === '\n' || c === '\t' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
    : s;
}

/** True when `s` holds a character terminalText would replace (tests, and callers that only need to know). */
export function hasTerminalUnsafe(s: string): boolean {
  return TERMINAL_UNSAFE.test(s);
}
