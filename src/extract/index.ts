/**
 * `sipflow extract` as library calls. Two passes over the capture(s):
 *
 *   1. indexCalls(): the analysis (the same Report `sipflow analyze` makes)
 *      with the frame index tap, which notes the frames of every call;
 *   2. writeFrames(): the selected calls' frames copied as they were read
 *      (capture/record-copy.ts), in order, to pcapng or pcap.
 *
 * extract() does both. Memory is the analysis's plus the index (a number per
 * SIP message and a span per media flow), never the size of the capture.
 */
import { renameSync, rmSync } from 'node:fs';
import type { Call, Report } from '../model.js';
import { analyze, type AnalyzeOptions } from '../analyze.js';
import { FileSink, type ByteSink } from '../capture/writer.js';
import { linkTypeName } from '../capture/linktypes.js';
import { PcapngRecordWriter, PcapRecordWriter, RecordFormatError, type RecordWriter } from '../capture/record-copy.js';
import { VERSION } from '../version.js';
import { copyFrames, type CopyStats } from './copy.js';
import { createFrameIndexTap, type CallFrames } from './frame-index-tap.js';
import { FilterError, selectCalls, type ExtractFilter } from './filter.js';
import { FrameSelection, type SelectionOptions } from './selection.js';
import { wiresharkFilter } from './wireshark-filter.js';

export { FrameSelection, type SelectionOptions } from './selection.js';
export { FilterError, RecordFormatError };
export { CALL_STATES, OUTCOMES, parseExtractFilter, selectCalls, type ExtractFilter } from './filter.js';
export { createFrameIndexTap, type CallFrames, type MediaSpan } from './frame-index-tap.js';
export { wiresharkFilter } from './wireshark-filter.js';
export type { CopyStats } from './copy.js';

export type ExtractFormat = 'pcapng' | 'pcap';
export const EXTRACT_FORMATS: readonly ExtractFormat[] = ['pcapng', 'pcap'];

/** The analysis of a capture and where each of its calls lies in it. */
export interface CallIndex {
  paths: readonly string[];
  report: Report;
  /** Call-ID -> frames. */
  frames: Map<string, CallFrames>;
}

export interface IndexOptions {
  /** The media tap's options (`{ heuristic: true }` for --rtp-heuristic). */
  media?: AnalyzeOptions['media'];
  onProgress?: AnalyzeOptions['onProgress'];
}

/** Pass 1: analyze (several files merged) and index every call's frames. */
export async function indexCalls(paths: string | readonly string[], opts: IndexOptions = {}): Promise<CallIndex> {
  const list = typeof paths === 'string' ? [paths] : paths;
  const tap = createFrameIndexTap();
  const report = await analyze(list, { media: opts.media ?? true, taps: [tap], onProgress: opts.onProgress });
  return { paths: list, report, frames: tap.calls };
}

/** The frames of these calls (calls the index does not know, which cannot happen for its own report, are skipped). */
export function framesOf(index: CallIndex, calls: readonly Call[]): CallFrames[] {
  return calls.map((c) => index.frames.get(c.callId)).filter((x): x is CallFrames => x !== undefined);
}

export interface WriteOptions extends SelectionOptions {
  format?: ExtractFormat;
  onProgress?(done: number, total: number | null): void;
}

export interface WriteResult extends CopyStats {
  format: ExtractFormat;
  /** pcap output: interfaces whose finer timestamps were cut to the file's resolution. */
  coarsened: string[];
}

/**
 * Pass 2: copy the frames of `calls` to `out` (a path, written to a
 * temporary file renamed into place at the end, or a sink). Throws
 * RecordFormatError when pcap was asked for and the frames have several link types.
 */
export async function writeFrames(index: CallIndex, calls: readonly Call[], out: string | ByteSink, opts: WriteOptions = {}): Promise<WriteResult> {
  const format = opts.format ?? 'pcapng';
  const frames = framesOf(index, calls);
  const sel = new FrameSelection(frames, opts);
  if (format === 'pcap' && sel.linkTypes.size > 1) {
    throw new RecordFormatError(`pcap holds one link type per file, and the selected calls were captured on ${[...sel.linkTypes].map((l) => linkTypeName(l)).join(' and ')}: write pcapng instead (the default)`);
  }
  const tmp = typeof out === 'string' ? `${out}.part-${process.pid}` : null;
  const sink: ByteSink = tmp ? new FileSink(tmp, { bufferBytes: 1 << 20 }) : out as ByteSink;
  const application = `sipflow ${VERSION} extract`;
  const writer: RecordWriter = format === 'pcap'
    ? new PcapRecordWriter(sink, { linkType: sel.linkTypes.values().next().value })
    : new PcapngRecordWriter(sink, { application });
  let ok = false;
  try {
    const stats = await copyFrames(index.paths, sel, writer, { onProgress: opts.onProgress });
    writer.close();
    if (tmp) renameSync(tmp, out as string);
    ok = true;
    const coarsened = writer instanceof PcapRecordWriter ? writer.coarsened.map((i) => i.name ?? i.description ?? `interface ${i.id}`) : [];
    return { ...stats, format, coarsened };
  } finally {
    if (!ok) {
      try { writer.close(); } catch { /* already closed */ }
      if (tmp) rmSync(tmp, { force: true });
    }
  }
}

export interface ExtractOptions extends IndexOptions, WriteOptions {
  filter?: ExtractFilter;
}

export interface ExtractResult extends WriteResult {
  report: Report;
  calls: Call[];
}

/**
 * Cut the calls the filter selects out of the capture(s) into `out`.
 * Throws FilterError when no call matches or a --call number does not exist,
 * and what analyze() throws for unusable input.
 */
export async function extract(paths: string | readonly string[], out: string | ByteSink, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const index = await indexCalls(paths, opts);
  const calls = selectCalls(index.report, opts.filter ?? {}, (id) => index.frames.get(id)?.lastMedia ?? -Infinity);
  if (!calls.length) throw new FilterError(`no dialog of ${index.report.file} matches the selection (${index.report.calls.length} dialogs in it)`);
  const r = await writeFrames(index, calls, out, opts);
  return { ...r, report: index.report, calls };
}

/** The display filter for the calls the filter selects (see wireshark-filter.ts). */
export function extractFilterText(index: CallIndex, calls: readonly Call[], opts: SelectionOptions = {}): string {
  return wiresharkFilter(framesOf(index, calls), opts);
}
