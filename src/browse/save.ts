/**
 * Save: the chosen calls as a capture, their ladder as text and SVG, and the
 * list as shown as CSV, side by side under one base name.
 *
 * From a file the capture holds every frame of the calls, SIP and media, as
 * captured (extract's frame index and copy pass: `sipflow extract`). A live
 * source cannot be read twice, so there the calls' SIP messages are written
 * as frames rebuilt from their text (IP/UDP between the same endpoints, at
 * the same times); the status line says which.
 */
import { writeFileSync } from 'node:fs';
import type { Call, Report } from '../model.js';
import { writeFrames, type CallIndex } from '../extract/index.js';
import type { FrameIndexTap } from '../extract/frame-index-tap.js';
import { buildLadder, renderLadderSvg, renderLadderText } from '../render/ladder/index.js';
import { renderCsv } from '../render/table.js';
import { PcapngWriter, FileSink } from '../capture/writer.js';
import { LINKTYPE } from '../capture/linktypes.js';
import { udpFrames } from '../net/build.js';
import { hostOf, parseEndpoint } from '../net/addr.js';
import { color } from '../render/color.js';

export interface SaveResult {
  files: string[];
  /** "SIP and media frames as captured" or "SIP messages rebuilt". */
  how: string;
  frames: number;
}

/** The four files' names for a base ("calls" -> calls.pcapng, calls.txt, calls.svg, calls.csv). */
export function saveNames(base: string): { pcap: string; txt: string; svg: string; csv: string } {
  const b = base.replace(/\.(pcapng|pcap)$/i, '');
  return { pcap: `${b}.pcapng`, txt: `${b}.txt`, svg: `${b}.svg`, csv: `${b}.csv` };
}

export async function saveCalls(
  base: string, report: Report, calls: Call[], listed: Call[],
  source: { paths: string[]; index: FrameIndexTap | null; ascii: boolean; epoch: number },
): Promise<SaveResult> {
  const n = saveNames(base);
  let how: string;
  let frames: number;
  if (source.index) {
    const index: CallIndex = { paths: source.paths, report, frames: source.index.calls };
    const r = await writeFrames(index, calls, n.pcap);
    frames = r.written;
    how = 'SIP and media frames as captured';
  } else {
    frames = rebuildSip(calls, n.pcap, source.epoch);
    how = 'SIP messages rebuilt from a live feed (no media)';
  }
  const ladder = buildLadder(report, calls, { rtp: true, sdp: true });
  const level = color.level;
  color.level = 0;
  try { writeFileSync(n.txt, renderLadderText(ladder, { ascii: source.ascii })); } finally { color.level = level; }
  writeFileSync(n.svg, renderLadderSvg(ladder));
  writeFileSync(n.csv, renderCsv(report, listed));
  return { files: [n.pcap, n.txt, n.svg, n.csv], how, frames };
}

/** The calls' SIP messages as raw-IP UDP frames between their endpoints, in frame order. */
function rebuildSip(calls: Call[], path: string, epoch: number): number {
  const w = new PcapngWriter(new FileSink(path), { application: 'sipflow browse', interfaces: [{ linkType: LINKTYPE.RAW, tsUnitsPerSecond: 1e9 }] });
  const msgs = calls.flatMap((c) => c.messages).filter((m) => m.raw !== undefined).sort((a, b) => a.frame - b.frame);
  let n = 0;
  for (const m of msgs) {
    // Message times are relative to the first frame: back to absolute time.
    const t = epoch + m.time;
    for (const f of udpFrames({ src: hostOf(m.src), dst: hostOf(m.dst), sport: parseEndpoint(m.src).port ?? 5060, dport: parseEndpoint(m.dst).port ?? 5060, payload: Buffer.from(m.raw!, 'latin1'), link: 'raw', mtu: 65535 })) {
      w.writePacket(0, Math.floor(t), Math.round((t - Math.floor(t)) * 1e9) % 1e9, f);
      n++;
    }
  }
  w.close();
  return n;
}
