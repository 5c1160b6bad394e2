/**
 * Several capture files read as one, in timestamp order, by mergecap's rules
 * (wiretap/merge.c), so that `--merge` numbers frames exactly as
 * `mergecap -w out.pcapng FILES...` followed by tshark would:
 *
 * - each file is read in its own order (a file whose timestamps go backwards
 *   is not sorted); the next frame is the earliest of every file's pending
 *   frame, and on equal timestamps the file given later wins (merge.c's
 *   is_earlier() answers true for equal times while the loop runs over the
 *   files in order — checked against mergecap 4.0);
 * - frames are numbered 1, 2, 3... in that merged order;
 * - every file's interfaces stay its own (as `mergecap -I none`); their
 *   sections are numbered on from one file to the next.
 *
 * Streaming with one pending frame per open file. A file is only opened when
 * its first frame could be the next one (its first timestamp is probed
 * beforehand), and closed at its end, so a day of rotated files, which do not
 * overlap in time, has one or two files open at a time.
 */
import type { CaptureInfo, CaptureInterface, Frame, Warning } from '../model.js';
import type { ReadOptions } from './index.js';
import { readCapture } from './index.js';
import { CaptureCursor } from './cursor.js';
import { probeCapture } from './probe.js';

/** The name a merged capture goes by in reports: its files joined, or the first and a count past four. */
export function mergedName(paths: readonly string[]): string {
  if (paths.length <= 4) return paths.join(' + ');
  return `${paths[0]} + ${paths.length - 1} more files`;
}

/** Read one file, or several merged: the one entry point for commands that take FILE... --merge. */
export function readCaptures(paths: readonly string[], opts: ReadOptions): Promise<CaptureInfo> {
  if (paths.length === 0) throw new Error('readCaptures: no file given');
  return paths.length === 1 ? readCapture(paths[0]!, opts) : readMerged(paths, opts);
}

interface Pending {
  index: number;
  cursor: CaptureCursor;
  /** Timestamp of the pending frame (the probed first frame while the file is not open yet). */
  sec: number;
  nsec: number;
  open: boolean;
}

/** True when a's pending frame goes out before b's: earlier, or as early and from a later file. */
function before(a: Pending, b: Pending): boolean {
  if (a.sec !== b.sec) return a.sec < b.sec;
  if (a.nsec !== b.nsec) return a.nsec < b.nsec;
  return a.index > b.index;
}

/**
 * Stream the frames of `paths` merged by timestamp. Frame numbers are the
 * merged ones; everything else of a frame (interface, link type, bytes) is its
 * file's. Throws InputError / NotACaptureError when any file is unusable.
 */
export async function readMerged(paths: readonly string[], opts: ReadOptions): Promise<CaptureInfo> {
  const names = paths.map((p) => (p === '-' ? 'standard input' : p));
  const warnOf = (i: number) => (w: Warning) => opts.onWarning({ ...w, message: `${names[i]}: ${w.message}` });
  const cursors = paths.map((p, i) => new CaptureCursor(p, { records: opts.records, onWarning: warnOf(i) }));
  const sizes: (number | null)[] = paths.map(() => null);
  const done: boolean[] = paths.map(() => false);

  // Files waiting to be opened, earliest first frame first; files without frames are read at once.
  const waiting: Pending[] = [];
  const active: Pending[] = [];
  try {
    for (let i = 0; i < paths.length; i++) {
      if (paths[i] === '-') { await activate({ index: i, cursor: cursors[i]!, sec: 0, nsec: 0, open: false }); continue; }
      const p = await probeCapture(paths[i]!);
      sizes[i] = p.size;
      if (p.first === null) { await drain(i); continue; }
      waiting.push({ index: i, cursor: cursors[i]!, sec: p.first[0], nsec: p.first[1], open: false });
    }
    waiting.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));

    let number = 0;
    let firstSec: number | null = null;
    let firstNsec: number | null = null;
    let minTime: number | null = null;
    let maxTime: number | null = null;
    let lastProgress = 0;
    for (;;) {
      let best: Pending | null = null;
      for (const a of active) if (best === null || before(a, best)) best = a;
      const next = waiting[0];
      if (next && (best === null || before(next, best))) {
        waiting.shift();
        await activate(next);
        continue;
      }
      if (best === null) break;
      const f: Frame = best.cursor.frame!;
      const rec = best.cursor.record;
      f.number = ++number;
      const t = f.tsSec + f.tsNsec / 1e9;
      if (firstSec === null) { firstSec = f.tsSec; firstNsec = f.tsNsec; minTime = t; maxTime = t; }
      else { if (t < minTime!) minTime = t; if (t > maxTime!) maxTime = t; }
      opts.onFrame(f, rec);
      // Most frames are already parsed: no promise per frame.
      if (best.cursor.nextQueued()) { best.sec = best.cursor.frame!.tsSec; best.nsec = best.cursor.frame!.tsNsec; }
      else if (!(await advance(best))) active.splice(active.indexOf(best), 1);
      if (opts.onProgress && number - lastProgress >= 4096) { lastProgress = number; progress(); }
      if (opts.betweenReads && (number & 4095) === 0) { const wait = opts.betweenReads(); if (wait) await wait; }
    }
    progress();
    return mergedInfo(paths, cursors.map((c) => c.info), { number, firstSec, firstNsec, minTime, maxTime });
  } finally {
    for (const c of cursors) await c.close();
  }

  /** Open a file and take its first frame (which is the probed one). */
  async function activate(p: Pending): Promise<void> {
    await p.cursor.open();
    p.open = true;
    sizes[p.index] = p.cursor.size;
    if (await advance(p)) active.push(p);
  }

  async function advance(p: Pending): Promise<boolean> {
    if (await p.cursor.next()) {
      p.sec = p.cursor.frame!.tsSec;
      p.nsec = p.cursor.frame!.tsNsec;
      return true;
    }
    done[p.index] = true;
    return false;
  }

  /** A file without frames: read it whole now for its interfaces and warnings. */
  async function drain(i: number): Promise<void> {
    const c = cursors[i]!;
    await c.open();
    while (await c.next()) { /* no frames, by the probe */ }
    done[i] = true;
  }

  function progress(): void {
    if (!opts.onProgress) return;
    let total: number | null = 0;
    let sum = 0;
    for (let i = 0; i < cursors.length; i++) {
      const size = sizes[i] ?? null;
      if (size === null) total = null; else if (total !== null) total += size;
      sum += done[i] ? size ?? cursors[i]!.consumed : cursors[i]!.consumed;
    }
    opts.onProgress(sum, total);
  }
}

interface MergedClock {
  number: number;
  firstSec: number | null;
  firstNsec: number | null;
  minTime: number | null;
  maxTime: number | null;
}

/** The CaptureInfo of the merged capture: counts summed, interfaces of every file kept apart. */
function mergedInfo(paths: readonly string[], infos: CaptureInfo[], clock: MergedClock): CaptureInfo {
  const interfaces: CaptureInterface[] = [];
  const linkTypes: string[] = [];
  const seen = new Set<string>(); // up to 65 536 names per file: a list search would be quadratic
  let sections = 0;
  for (const info of infos) {
    for (const i of info.interfaces) interfaces.push({ ...i, section: i.section + sections });
    for (const l of info.linkTypes) if (!seen.has(l)) { seen.add(l); linkTypes.push(l); }
    sections += info.sections;
  }
  return {
    file: mergedName(paths),
    // What the merged frames could be written as without loss: pcap only when every file is pcap.
    format: infos.every((i) => i.format === 'pcap') ? 'pcap' : 'pcapng',
    gzip: infos.some((i) => i.gzip),
    frames: clock.number,
    bytes: infos.reduce((a, i) => a + i.bytes, 0),
    interfaces,
    linkTypes,
    firstTsSec: clock.firstSec,
    firstTsNsec: clock.firstNsec,
    minTime: clock.minTime,
    maxTime: clock.maxTime,
    truncated: infos.some((i) => i.truncated),
    sections,
  };
}
