/**
 * The HTML report: `sipflow report FILE` end to end (analyze with message
 * texts kept, optional filters, a second pass for the RTP plot series, one
 * self-contained page). See README.md in this folder for the page's layout,
 * its size budget and its safety rules.
 */
import type { Call, Report } from '../../model.js';
import type { MediaStage } from '../../analyze.js';
import type { Warning } from '../../model.js';
import { analyze } from '../../analyze.js';
import { filterReport, isFiltering, type CallFilter } from '../../filter.js';
import { tableCalls } from '../table.js';
import type { LadderOptions } from '../ladder/index.js';
import { computeSeries, seriesFromStream, type StreamSeries } from './series.js';
import { renderHtmlReport, type HtmlOptions, type HtmlStats } from './page.js';

export { renderHtmlReport, timelineSvg, tone, type HtmlOptions, type HtmlStats } from './page.js';
export { computeSeries, seriesFromStream, MAX_SERIES_POINTS, type StreamSeries } from './series.js';
export { esc, jsonForScript, cleanText } from './escape.js';
export {
  callBudget, callPayload, ladderFor, DEFAULT_MAX_BYTES, MAX_MESSAGE_CHARS, MAX_CALL_BYTES, MIN_CALL_BYTES,
  MAX_LADDER_ROWS, MAX_LISTED_MESSAGES, type CallPayload,
} from './payload.js';

export interface BuildOptions {
  /** Media stage factory (src/cli/media.ts mediaStageFactory, with series: true for one-pass plots). */
  media?: (warn: (w: Warning) => void) => MediaStage;
  filter?: CallFilter;
  /** Every dialog, not only INVITE calls (as `analyze --all`). */
  all?: boolean;
  /** Compute the RTP plot series (a second pass over the capture; default true). */
  plots?: boolean;
  ladder?: LadderOptions;
  maxBytes?: number;
  generated?: Date | null;
  csp?: boolean;
  /** The capture's name as the page shows it (default: `path` as given). */
  displayFile?: string;
  onProgress?(done: number, total: number | null, phase: 'analyze' | 'plots'): void;
}

export interface BuildResult {
  html: string;
  stats: HtmlStats & { analyzeMs: number; plotsMs: number; renderMs: number };
  report: Report;
  calls: Call[];
}

/** Analyze `path` and render its HTML report. Throws what analyze throws (InputError, NotACaptureError). */
export async function buildHtmlReport(path: string, opts: BuildOptions = {}): Promise<BuildResult> {
  const t0 = performance.now();
  const full = await analyze(path, { keepRaw: true, media: opts.media, onProgress: (d, t) => opts.onProgress?.(d, t, 'analyze') });
  if (opts.displayFile !== undefined) full.file = opts.displayFile;
  const t1 = performance.now();
  const filter = opts.filter ?? {};
  const report = filterReport(full, filter);
  const calls = tableCalls(report, !!opts.all);
  const notes: string[] = [];
  if (isFiltering(filter)) {
    const f = Object.entries(filter).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ');
    notes.push(`Filtered (${f}): ${calls.length} of ${full.calls.length} dialogs shown.`);
  }
  if (calls.length < report.calls.length) {
    const others = report.calls.length - calls.length;
    notes.push(`${others} non-INVITE dialog${others === 1 ? '' : 's'} (REGISTER, OPTIONS, SUBSCRIBE…) not shown; run with --all to include ${others === 1 ? 'it' : 'them'}.`);
  }
  let series: Map<number, StreamSeries> | undefined;
  if (opts.plots !== false) {
    const wanted = new Set(calls.map((c) => c.callId));
    const idx = new Set(calls.flatMap((c) => c.streams));
    const streams = report.rtpStreams.filter((s) => idx.has(s.index) || (s.callId !== null && wanted.has(s.callId)));
    series = new Map();
    // The media stage's own series when it kept them (one pass); a second pass for the others.
    const missing = [];
    for (const s of streams) {
      const own = seriesFromStream(s);
      if (own) series.set(s.index, own); else missing.push(s);
    }
    if (missing.length) {
      for (const [k, v] of await computeSeries(path, missing, { onProgress: (d, t) => opts.onProgress?.(d, t, 'plots') })) series.set(k, v);
    }
  }
  const t2 = performance.now();
  const html: HtmlOptions = { calls, series, ladder: opts.ladder, maxBytes: opts.maxBytes, generated: opts.generated, csp: opts.csp, notes };
  const r = renderHtmlReport(report, html);
  const t3 = performance.now();
  return {
    html: r.html,
    stats: { ...r.stats, analyzeMs: Math.round(t1 - t0), plotsMs: Math.round(t2 - t1), renderMs: Math.round(t3 - t2) },
    report, calls,
  };
}
