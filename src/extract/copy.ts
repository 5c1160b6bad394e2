/**
 * The second pass of `sipflow extract`: stream the capture (or the merged
 * captures) again with raw records and write the selected frames' records,
 * in order. A frame is selected when the index named it (SIP, its fragments
 * and segments, reassembled media) or when it is a UDP datagram of a selected
 * media flow inside one of the flow's spans (which takes decoding every
 * frame, as the analysis did; with --sip-only nothing is decoded).
 *
 * Memory: the reader's chunk per open file, the decoder's reassembly buffers,
 * and the selection (its explicit frames and spans), never the output.
 */
import type { Frame, Warning } from '../model.js';
import type { RawRecord } from '../capture/parser.js';
import type { RecordWriter } from '../capture/record-copy.js';
import { readCaptures } from '../capture/merge.js';
import { NetDecoder } from '../net/decoder.js';
import { looksLikeSip } from '../sip/detect.js';
import type { FrameSelection } from './selection.js';

export interface CopyStats {
  /** Frames read, and frames written. */
  frames: number;
  written: number;
  /** Written as SIP (messages, their fragments and segments, and MGCP/MEGACO messages announcing the calls' media), and as media (by flow, or fragments of reassembled media). */
  sip: number;
  media: number;
}

export async function copyFrames(paths: readonly string[], sel: FrameSelection, out: RecordWriter, opts: { onProgress?(done: number, total: number | null): void } = {}): Promise<CopyStats> {
  const stats: CopyStats = { frames: 0, written: 0, sip: 0, media: 0 };
  sel.rewind();
  let hit = false;
  let current = 0;
  // The same decoder as the analysis pass, so addresses read the same; its warnings were reported then.
  const net = sel.hasMedia ? new NetDecoder((d) => {
    if (d.transport !== 'UDP' || d.reassembled || d.frame !== current) return;
    if (sel.inSpan(d.frame, d.src, d.srcPort, d.dst, d.dstPort) && !looksLikeSip(d.bytes, d.start, d.end)) hit = true;
  }, (_w: Warning) => {}) : null;
  await readCaptures(paths, {
    records: true,
    onWarning: () => {},
    onProgress: opts.onProgress,
    onFrame(f: Frame, rec?: RawRecord) {
      stats.frames++;
      if (sel.isExplicit(f.number)) {
        // Still decoded: a fragment of it may complete a datagram later.
        if (net) net.decode(f);
        if (sel.explicitIsMedia) stats.media++; else stats.sip++;
        write(f, rec!);
        return;
      }
      if (!net) return;
      hit = false;
      current = f.number;
      net.decode(f);
      if (hit) { stats.media++; write(f, rec!); }
    },
  });
  net?.finish();
  return stats;

  function write(f: Frame, rec: RawRecord): void {
    out.write(f, rec);
    stats.written++;
  }
}
