/**
 * Escaping for markup: the HTML report, the SVG ladders and the JUnit XML of
 * `check` all write text from packets into HTML or XML. One escaper serves
 * them all, so a fix to what is escaped reaches every format at once.
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
