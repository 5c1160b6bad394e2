/**
 * `sipflow report` as a library call: one pass over the capture (message
 * texts kept, the RTP series tap when plots are wanted), the call filter,
 * then the HTML renderer (render/html), which never reads the capture.
 */
import type { Call, Report } from './model.js';
import { analyze, type AnalyzeOptions } from './analyze.js';
import { filterReport, isFiltering, type CallFilter } from './filter.js';
import { createSeriesTap } from './media/series.js';
import { tableCalls } from './render/table.js';
import type { LadderOptions } from './render/ladder/index.js';
import { renderHtmlReport, type HtmlOptions, type HtmlStats } from './render/html/index.js';
import { audioClip, DEFAULT_AUDIO_BYTES, type AudioClip } from './render/html/audio.js';
import { createAudioTap } from './media/audio/tap.js';
import type { StreamInput } from './media/audio/playout.js';
import { planAudio } from './call-audio.js';

export interface HtmlReportOptions {
  /** The media tap's options (`heuristic`); the report always analyses media. */
  media?: AnalyzeOptions['media'];
  filter?: CallFilter;
  /** Every dialog, not only INVITE calls (as `analyze --all`). */
  all?: boolean;
  /** Collect the RTP plot series (default true). */
  plots?: boolean;
  ladder?: LadderOptions;
  maxBytes?: number;
  /** The page's generation time; null leaves it out (reproducible pages). Default: now. */
  generated?: Date | null;
  csp?: boolean;
  /** The capture's name as the page shows it (default: `path` as given). */
  displayFile?: string;
  /** Per call an audio player (both directions, markers); off by default. `maxBytes`: all players' share of the page. */
  audio?: boolean | { maxBytes?: number };
  onProgress?(done: number, total: number | null): void;
}

export interface HtmlReportResult {
  html: string;
  stats: HtmlStats & { analyzeMs: number; renderMs: number };
  report: Report;
  /** The dialogs the page shows. */
  calls: Call[];
  /** Dialogs in the capture before the filter. */
  unfiltered: number;
}

/** Analyze `path` (several paths: merged) and render its HTML report. Throws what analyze throws (InputError, NotACaptureError). */
export async function htmlReport(path: string | readonly string[], opts: HtmlReportOptions = {}): Promise<HtmlReportResult> {
  const t0 = performance.now();
  const plots = opts.plots !== false ? createSeriesTap() : null;
  const audioTap = opts.audio ? createAudioTap() : null;
  const full = await analyze(path, {
    keepRaw: true, media: opts.media || true, taps: [...(plots ? [plots] : []), ...(audioTap ? [audioTap] : [])], onProgress: opts.onProgress,
  });
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
  const audio = audioTap ? await audioClips(report, calls, audioTap.streams, typeof opts.audio === 'object' ? opts.audio.maxBytes : undefined) : undefined;
  const html: HtmlOptions = {
    calls, series: plots?.series, ladder: opts.ladder, maxBytes: opts.maxBytes, generated: opts.generated, csp: opts.csp, notes, audio,
  };
  const r = renderHtmlReport(report, html);
  const t2 = performance.now();
  return { html: r.html, stats: { ...r.stats, analyzeMs: Math.round(t1 - t0), renderMs: Math.round(t2 - t1) }, report, calls, unfiltered: full.calls.length };
}

/** One player per shown call with decodable audio, sharing `maxBytes` (default DEFAULT_AUDIO_BYTES). */
async function audioClips(report: Report, calls: Call[], kept: ReadonlyMap<number, StreamInput>, maxBytes = DEFAULT_AUDIO_BYTES): Promise<Map<number, AudioClip>> {
  const shown = new Set(calls.map((c) => c.index));
  const audio = planAudio(report, kept, { calls: [...shown] });
  const plans = audio.plans.filter((p) => p.call && shown.has(p.call.index));
  const out = new Map<number, AudioClip>();
  for (const plan of plans) {
    const o = await audio.render(plan);
    const call = plan.call!;
    const labels = plan.sides.map((x) => `${x.side === 'left' ? 'caller' : 'callee'}: ${x.streams.map((s) => `${s.src} → ${s.dst} (${s.codec})`).join(', ') || 'no audio'}`);
    const markers = call.events.filter((e) => e.kind !== 'incoming').map((e) => ({ t: e.time, label: e.kind === 'dtmf' ? e.digit : e.text, kind: e.kind }));
    out.set(call.index, audioClip({ samples: o.samples, rate: o.rate, startS: o.startS, labels, markers }, Math.floor(maxBytes / plans.length)));
  }
  return out;
}
