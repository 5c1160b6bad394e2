/**
 * Escaping only the HTML report needs: JSON inside a script element. The markup
 * escaper itself (esc, cleanText) lives in ../escape.ts, shared with the SVG
 * ladders and the JUnit XML; it is re-exported here only because ./index.ts
 * exports it from this file.
 */
import { cleanText } from '../escape.js';


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
