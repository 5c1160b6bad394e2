/**
 * `analyze --ndjson`: one JSON record per line, written as the analysis goes.
 * Each record is `{"type": ..., ...}` where the rest is the JSON report's own
 * object (schema/report.schema.json: a call, an RTP stream, a warning) or the
 * file's header and capture summary:
 *
 *   {"type":"file","tool":"sipflow","version":"…","file":"…"}     first, per file
 *   {"type":"stream",…rtpStream}                                 a call's streams, before it
 *   {"type":"call",…call}                                        when the call is over
 *   {"type":"warning",…warning}                                  at the end
 *   {"type":"capture","file":"…",…capture}                       last, per file
 */
import type { Call, Report, ReportCapture, RtpStream, Warning } from '../model.js';

export type NdjsonRecord =
  | ({ type: 'file' } & Pick<Report, 'tool' | 'version' | 'file'>)
  | ({ type: 'stream' } & RtpStream)
  | ({ type: 'call' } & Call)
  | ({ type: 'warning' } & Warning)
  | ({ type: 'capture'; file: string } & ReportCapture);

export function ndjsonLine(r: NdjsonRecord): string {
  return JSON.stringify(r) + '\n';
}

/** A finished call and its streams, streams first (the call lists their indexes). */
export function callLines(call: Call, streams: RtpStream[]): string {
  let out = '';
  for (const s of streams) out += ndjsonLine({ type: 'stream', ...s });
  return out + ndjsonLine({ type: 'call', ...call });
}

/**
 * What is left at the end of a file: open calls with their streams, unattached streams, warnings,
 * the capture summary — a piece per call, not one string (a flood of open calls is all left at the end).
 */
export function* endLines(report: Report, keep: (c: Call) => boolean): Generator<string, void, undefined> {
  const byIndex = new Map(report.rtpStreams.map((s) => [s.index, s]));
  const written = new Set<number>();
  for (const c of report.calls) {
    if (!keep(c)) { for (const i of c.streams) written.add(i); continue; }
    const streams = c.streams.map((i) => byIndex.get(i)).filter((s): s is RtpStream => !!s);
    for (const s of streams) written.add(s.index);
    yield callLines(c, streams);
  }
  for (const s of report.rtpStreams) if (!written.has(s.index)) yield ndjsonLine({ type: 'stream', ...s });
  for (const w of report.warnings) yield ndjsonLine({ type: 'warning', ...w });
  yield ndjsonLine({ type: 'capture', file: report.file, ...report.capture });
}
