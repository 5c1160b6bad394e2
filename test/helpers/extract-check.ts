/**
 * What "extract then analyze" must keep: a call cut out of a capture is, in
 * the analysis of the cut, the same call (messages, state, outcome, streams
 * with the same packets and loss) and nothing else comes with it, and every
 * record of the cut is a record of the capture, in order, byte for byte.
 */
import { createHash } from 'node:crypto';
import { readCapture } from '../../src/capture/index.js';
import { readCaptures } from '../../src/capture/merge.js';
import type { Call, Report, RtpStream } from '../../src/model.js';

/** One key per frame: timestamp, lengths and a hash of the bytes. */
export async function frameKeys(paths: string | readonly string[]): Promise<string[]> {
  const keys: string[] = [];
  const onFrame = (f: { tsSec: number; tsNsec: number; origLen: number; data: Uint8Array }) => {
    keys.push(`${f.tsSec}.${f.tsNsec}/${f.origLen}/${createHash('sha1').update(f.data).digest('base64')}`);
  };
  if (typeof paths === 'string') await readCapture(paths, { onFrame, onWarning: () => {} });
  else await readCaptures(paths, { onFrame, onWarning: () => {} });
  return keys;
}

/**
 * The original frame number of each frame of the cut (1-based), matching
 * keys in order; throws when a frame of the cut is not in the original, or
 * out of order.
 */
export function mapFrames(original: readonly string[], cut: readonly string[]): number[] {
  const out: number[] = [];
  let i = 0;
  for (let k = 0; k < cut.length; k++) {
    while (i < original.length && original[i] !== cut[k]) i++;
    if (i >= original.length) throw new Error(`frame ${k + 1} of the cut is not a record of the original (or is out of order)`);
    out.push(++i);
  }
  return out;
}

function msgView(c: Call, frame: (n: number) => number) {
  return c.messages.map((m) => ({
    frame: frame(m.frame), src: m.src, dst: m.dst, transport: m.transport, label: m.label, cseq: m.cseq,
    status: m.status, method: m.method, sdp: m.sdp, retransmission: m.retransmission, sdpSummary: m.sdpSummary ?? null,
  }));
}

function callView(c: Call, frame: (n: number) => number) {
  return {
    callId: c.callId, kind: c.kind, partial: c.partial, from: c.from, to: c.to, state: c.state, outcome: c.outcome, comment: c.comment,
    sipPackets: c.sipPackets, firstFrame: frame(c.firstFrame), lastFrame: frame(c.lastFrame),
    answered: c.setupMs !== null, ended: c.durationS !== null, media: c.media, messages: msgView(c, frame),
    events: c.events.map((e) => ({ ...e, frame: frame(e.frame), time: undefined })),
  };
}

function streamView(s: RtpStream, frame: (n: number) => number) {
  return {
    src: s.src, dst: s.dst, ssrc: s.ssrc, payloadType: s.payloadType, codec: s.codec, packets: s.packets, lost: s.lost,
    expected: s.expected, seqErrors: s.seqErrors, firstFrame: frame(s.firstFrame), lastFrame: frame(s.lastFrame),
    maxDeltaMs: s.maxDeltaMs, dtmf: (s.dtmf ?? []).map((d) => ({ digit: d.digit, frame: frame(d.frame), durationMs: d.durationMs })),
    rtcp: s.rtcp ?? null, markers: s.markers, payloadTypes: s.payloadTypes, heuristic: s.heuristic,
  };
}

export interface CutComparison {
  /** The call as the original analysis has it, and as the cut's, frames in the original's numbers. */
  want: unknown;
  got: unknown;
  /** Streams of the call, both sides, sorted. */
  wantStreams: unknown[];
  gotStreams: unknown[];
  /**
   * Timing figures (setup time, duration, jitter, deltas) that differ beyond
   * rounding: the cut's times count from another first frame, so the last
   * printed digit may differ.
   */
  jitterDiffs: string[];
  /** Calls of the cut other than this one whose messages are not all in frames shared with it. */
  strangers: string[];
  /** Streams of the cut that belong to no call or to another call. */
  strangerStreams: string[];
}

/** Compare call `callId` of the original report with the report of its cut (`toOriginal` maps the cut's frame numbers). */
export function compareCut(orig: Report, cut: Report, callId: string, toOriginal: readonly number[]): CutComparison {
  const back = (n: number) => toOriginal[n - 1] ?? -n;
  const same = (n: number) => n;
  const o = orig.calls.find((c) => c.callId === callId)!;
  const c = cut.calls.find((x) => x.callId === callId);
  const oStreams = orig.rtpStreams.filter((s) => s.callId === callId);
  const cStreams = cut.rtpStreams.filter((s) => s.callId === callId);
  const key = (s: { src: string; dst: string; ssrc: string; firstFrame: number }) => `${s.src} ${s.dst} ${s.ssrc} ${s.firstFrame}`;
  const sortS = <T extends { src: string; dst: string; ssrc: string; firstFrame: number }>(xs: T[]) => xs.sort((a, b) => key(a).localeCompare(key(b)));
  const wantStreams = sortS(oStreams.map((s) => streamView(s, same)));
  const gotStreams = sortS(cStreams.map((s) => streamView(s, back)));
  const jitterDiffs: string[] = [];
  for (const s of oStreams) {
    const t = cStreams.find((x) => x.src === s.src && x.dst === s.dst && x.ssrc === s.ssrc && back(x.firstFrame) === s.firstFrame);
    if (!t) continue;
    for (const k of ['meanJitterMs', 'maxJitterMs', 'meanDeltaMs', 'minDeltaMs'] as const) {
      if (Math.abs(s[k] - t[k]) > 0.002) jitterDiffs.push(`${s.src} -> ${s.dst} ${k}: ${s[k]} vs ${t[k]}`);
    }
  }
  if (c && o.setupMs !== null && c.setupMs !== null && Math.abs(o.setupMs - c.setupMs) > 0.002) jitterDiffs.push(`setupMs: ${o.setupMs} vs ${c.setupMs}`);
  if (c && o.durationS !== null && c.durationS !== null && Math.abs(o.durationS - c.durationS) > 2e-6) jitterDiffs.push(`durationS: ${o.durationS} vs ${c.durationS}`);
  const mine = new Set((c?.messages ?? []).map((m) => m.frame));
  const strangers = cut.calls.filter((x) => x.callId !== callId && !x.messages.every((m) => mine.has(m.frame))).map((x) => x.callId);
  const strangerStreams = cut.rtpStreams.filter((s) => s.callId !== callId).map((s) => `${s.src} -> ${s.dst} ${s.ssrc} (call ${s.callId})`);
  return {
    want: callView(o, same), got: c ? callView(c, back) : null, wantStreams, gotStreams, jitterDiffs, strangers, strangerStreams,
  };
}

/** Up to `n` calls spread evenly over the list, the first and the last included. */
export function sample<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(xs[Math.round((i * (xs.length - 1)) / (n - 1))]!);
  return out;
}
