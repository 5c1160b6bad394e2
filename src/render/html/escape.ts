/**
 * Escaping for everything the HTML report writes. Captures are untrusted:
 * every string that came from a packet goes through one of these before it
 * reaches the page (HTML text, attribute values, inline JSON).
 */

/** Characters HTML/XML forbids or that confuse parsers: C0 controls (but tab/LF/CR), lone surrogates, U+FFFE/FFFF. */
// eslint-disable-next-line no-control-regex
const BAD_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replace characters that cannot appear in an HTML document with U+FFFD. */
export function cleanText(s: string): string {
  return s.replace(BAD_CHARS, '\ufffd');
}

const ENT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape for HTML text content and (quoted) attribute values alike. */
export function esc(s: string | number | null | undefined): string {
  if (s === null || s === undefined) return '';
  return cleanText(String(s)).replace(/[&<>"']/g, (c) => ENT[c]!);
}

/**
 * JSON for a `<script type="application/json">` block: every `<` is written
 * as \u003c, so none of the sequences that end or re-enter a script element
 * ("</script", "<!--", "<script", in any case) can appear inside; U+2028/2029
 * are escaped too (harmless in JSON, not in older JS parsers). `>` and `&`
 * mean nothing inside a script element and stay as they are (smaller pages:
 * the ladder SVGs are full of them). JSON.parse of the block's text gives
 * back the exact value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'string' ? cleanText(v) : v))
    .replace(/[<\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** Only ASCII letters, digits, '-' and '_': safe inside an id or class without escaping. */
export function slug(s: string, max = 40): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max) || 'x';
}
