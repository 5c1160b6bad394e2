/**
 * The frames to copy, from the frame index of the calls chosen: explicit
 * frame numbers (SIP messages, their fragments and segments, reassembled
 * media) in one sorted array, and media spans by flow. Asked once per frame
 * in frame order by the copy pass, so the explicit frames are walked with a
 * cursor rather than searched.
 */
import { FlowIndex } from '../media/endpoint-index.js';
import type { CallFrames, MediaSpan } from './frame-index-tap.js';

export interface SelectionOptions {
  /** SIP only: no RTP, RTCP, T.38... */
  sipOnly?: boolean;
  /** Leave out each call's media after its first BYE (the frame of the BYE is the last one kept). */
  mediaUntilBye?: boolean;
}

export class FrameSelection {
  /** Explicit frames, ascending, unique. */
  readonly frames: Uint32Array;
  /** 1 where frames[i] is media (a fragment of a reassembled media datagram), 0 for SIP. */
  private readonly isMedia: Uint8Array;
  /** Media spans by flow direction, each list sorted by first frame. */
  readonly flows = new FlowIndex<MediaSpan[]>();
  readonly spans: MediaSpan[] = [];
  /** Link types of the frames the calls were seen in. */
  readonly linkTypes = new Set<number>();
  private k = 0;

  constructor(calls: readonly CallFrames[], opts: SelectionOptions = {}) {
    // Frame numbers times two, plus one for media: one sort keeps SIP first where a frame is both.
    const explicit: number[] = [];
    for (const c of calls) {
      for (const l of c.linkTypes) this.linkTypes.add(l);
      for (const f of c.sip) explicit.push(f * 2);
      for (const f of c.sipCarriers) explicit.push(f * 2);
      for (const f of c.control) explicit.push(f * 2);
      if (opts.sipOnly) continue;
      const until = opts.mediaUntilBye && c.byeFrame !== null ? c.byeFrame : Infinity;
      for (const f of c.media) if (f <= until) explicit.push(f * 2 + 1);
      for (const s of c.spans) {
        if (s.first > until) continue;
        const span = s.last > until ? { ...s, last: until } : s;
        this.spans.push(span);
        const list = this.flows.get(s.src, s.srcPort, s.dst, s.dstPort);
        if (list) list.push(span); else this.flows.set(s.src, s.srcPort, s.dst, s.dstPort, [span]);
      }
    }
    explicit.sort((a, b) => a - b);
    const out = new Uint32Array(explicit.length);
    const media = new Uint8Array(explicit.length);
    let n = 0;
    for (const x of explicit) {
      const f = Math.floor(x / 2);
      if (n > 0 && out[n - 1] === f) continue;
      out[n] = f;
      media[n++] = x & 1;
    }
    this.frames = out.subarray(0, n);
    this.isMedia = media.subarray(0, n);
    for (const s of this.spans) {
      const list = this.flows.get(s.src, s.srcPort, s.dst, s.dstPort)!;
      if (list.length > 1) list.sort((a, b) => a.first - b.first);
    }
  }

  /** Is the frame one of the explicit ones? Frames must be asked in ascending order (the copy pass does). */
  isExplicit(frame: number): boolean {
    const f = this.frames;
    while (this.k < f.length && f[this.k]! < frame) this.k++;
    return this.k < f.length && f[this.k] === frame;
  }

  /** Is this datagram of a selected flow inside one of its spans? */
  inSpan(frame: number, src: string, srcPort: number, dst: string, dstPort: number): boolean {
    const list = this.flows.get(src, srcPort, dst, dstPort);
    if (!list) return false;
    for (const s of list) {
      if (s.first > frame) return false;
      if (frame <= s.last) return true;
    }
    return false;
  }

  /** After isExplicit(frame) said true: whether that frame is media rather than SIP. */
  get explicitIsMedia(): boolean { return this.isMedia[this.k] === 1; }

  get hasMedia(): boolean { return this.spans.length > 0; }

  /** Start over (a new copy pass). */
  rewind(): void { this.k = 0; }
}
