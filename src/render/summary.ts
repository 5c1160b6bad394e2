/**
 * `sipflow analyze --summary`: one line per capture (a day's rotations at a
 * glance): frames, duration, INVITE calls, how many of them failed, other
 * dialogs, RTP streams and warnings, with a total line for several files.
 * "Failed" is a call whose Wireshark state or sipflow outcome has the bad
 * tone of render/status.ts (REJECTED, BUSY, DECLINED, FAILED, NOT FOUND,
 * TIMEOUT, UNAVAILABLE, one-way or no audio); CANCELLED is not a failure.
 */
import type { Report } from '../model.js';
import { tone, TERMINAL } from './status.js';

export interface CaptureSummary {
  file: string;
  frames: number;
  durationS: number;
  firstTime: string | null;
  /** INVITE dialogs, and those of them that failed. */
  calls: number;
  failed: number;
  /** Other dialogs (REGISTER, OPTIONS, SUBSCRIBE...). */
  otherDialogs: number;
  rtpStreams: number;
  warnings: number;
  truncated: boolean;
}

export function summarize(r: Report): CaptureSummary {
  const calls = r.calls.filter((c) => c.kind === 'call');
  return {
    file: r.file, frames: r.capture.frames, durationS: r.capture.durationS, firstTime: r.capture.firstTime,
    calls: calls.length,
    failed: calls.filter((c) => tone(c.state) === 'bad' || tone(c.outcome) === 'bad').length,
    otherDialogs: r.calls.length - calls.length,
    rtpStreams: r.rtpStreams.length,
    warnings: r.warnings.length,
    truncated: r.capture.truncated,
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The lines, columns aligned; `total` adds a last line summing them. */
export function renderSummary(rows: CaptureSummary[], opts: { total?: boolean } = {}): string {
  const all = [...rows];
  if (opts.total && rows.length > 1) {
    all.push({
      file: `total (${rows.length} files)`, frames: sum(rows, 'frames'), durationS: sum(rows, 'durationS'), firstTime: null,
      calls: sum(rows, 'calls'), failed: sum(rows, 'failed'), otherDialogs: sum(rows, 'otherDialogs'),
      rtpStreams: sum(rows, 'rtpStreams'), warnings: sum(rows, 'warnings'), truncated: rows.some((r) => r.truncated),
    });
  }
  const cells = all.map((r) => [
    r.file,
    r.firstTime ? r.firstTime.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '',
    plural(r.frames, 'frame'),
    `${r.durationS.toFixed(1)} s`,
    plural(r.calls, 'call'),
    `${r.failed} failed`,
    plural(r.otherDialogs, 'other dialog'),
    plural(r.rtpStreams, 'stream'),
    plural(r.warnings, 'warning') + (r.truncated ? ' (truncated)' : ''),
  ]);
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const right = new Set([2, 3, 4, 5, 6, 7, 8]);
  return cells.map((c, k) => {
    const row = all[k]!;
    return c.map((v, i) => {
      const padded = right.has(i) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!);
      if (i === 5 && row.failed > 0) return TERMINAL.bad(padded);
      if (i === 8 && row.warnings > 0) return TERMINAL.warn(padded);
      return padded;
    }).join('  ').trimEnd();
  }).join('\n') + '\n';
}

function sum<K extends keyof CaptureSummary>(rows: CaptureSummary[], k: K): number {
  return rows.reduce((a, r) => a + (r[k] as number), 0);
}
