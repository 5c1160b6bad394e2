/**
 * The HTML report renderer: Report (+ the RTP series tap's plot series) ->
 * one self-contained page. It never reads a capture: `htmlReport()`
 * (src/html-report.ts) runs the analysis and hands the results here. See
 * README.md in this folder for the page's layout, its size budget and its
 * safety rules.
 */
export { renderHtmlReport, timelineSvg, planPage, fmtBytes, MAX_CALL_SECTIONS, MAX_STREAM_ROWS, type HtmlOptions, type HtmlStats } from './page.js';
export { jsonForScript } from './escape.js';
export { esc, cleanText } from '../escape.js';
export { tone } from '../status.js';
export {
  callBudget, callPayload, ladderFor, DEFAULT_MAX_BYTES, MAX_MESSAGE_CHARS, MAX_CALL_BYTES, MIN_CALL_BYTES,
  MAX_LADDER_ROWS, MAX_LISTED_MESSAGES, MAX_CALL_STREAMS, type CallPayload,
} from './payload.js';
