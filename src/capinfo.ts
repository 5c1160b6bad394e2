/**
 * `sipflow capinfo`: read a capture through the capture and network stages
 * only, and summarise what was read (why does this file look odd?).
 */
import type { CaptureInfo, NetStats, Warning } from './model.js';
import { mergedName, readCaptures } from './capture/merge.js';
import { NetDecoder } from './net/decoder.js';
import { isoTime } from './time.js';

export interface CapInfo {
  file: string;
  format: CaptureInfo['format'];
  gzip: boolean;
  bytes: number;
  sections: number;
  frames: number;
  interfaces: { section: number; id: number; linkType: number; linkTypeName: string; snapLen: number; tsResolution: string; tsOffset: number; name: string | null; frames: number }[];
  linkTypes: string[];
  firstTime: string | null;
  lastTime: string | null;
  durationS: number;
  timeOrdered: boolean;
  truncated: boolean;
  net: NetStats;
  warnings: Warning[];
}

function resolution(units: number): string {
  if (units === 1) return 'seconds'; // if_tsresol 0 (or 0x80): whole seconds
  const exp = Math.log10(units);
  if (Number.isInteger(exp)) return exp === 6 ? 'microseconds' : exp === 9 ? 'nanoseconds' : exp === 3 ? 'milliseconds' : `10^-${exp} s`;
  return `2^-${Math.log2(units)} s`;
}

/** Capture facts of one file, or of several read as one (--merge: mergecap's order; interfaces of each file kept apart). */
export async function capinfo(path: string | readonly string[], onProgress?: (done: number, total: number | null) => void): Promise<CapInfo> {
  const paths = typeof path === 'string' ? [path] : path;
  const warnings: Warning[] = [];
  const warn = (w: Warning) => { if (warnings.length < 1000) warnings.push(w); };
  const dec = new NetDecoder(() => {}, warn);
  let prev = -Infinity;
  let ordered = true;
  let last: [number, number] | null = null;
  const info = await readCaptures(paths, {
    onFrame(f) {
      const t = f.tsSec + f.tsNsec / 1e9;
      if (t < prev) ordered = false;
      prev = t;
      last = [f.tsSec, f.tsNsec];
      dec.decode(f);
    },
    onWarning: warn,
    onProgress,
  });
  dec.finish();
  const lastTs = last as [number, number] | null;
  return {
    file: mergedName(paths), format: info.format, gzip: info.gzip, bytes: info.bytes, sections: info.sections, frames: info.frames,
    interfaces: info.interfaces.map((i) => ({
      section: i.section, id: i.id, linkType: i.linkType, linkTypeName: i.linkTypeName, snapLen: i.snapLen,
      tsResolution: resolution(i.tsUnitsPerSecond), tsOffset: i.tsOffset, name: i.name ?? i.description, frames: i.frames,
    })),
    linkTypes: info.linkTypes,
    firstTime: info.firstTsSec === null ? null : isoTime(info.firstTsSec, info.firstTsNsec!),
    lastTime: lastTs ? isoTime(lastTs[0], lastTs[1]) : null,
    durationS: info.minTime === null ? 0 : Math.round((info.maxTime! - info.minTime) * 1e6) / 1e6,
    timeOrdered: ordered,
    truncated: info.truncated,
    net: dec.stats,
    warnings,
  };
}
