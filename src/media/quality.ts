/**
 * The voice-quality tap: an ITU-T G.107 E-model score (R and MOS) for every
 * audio stream, over the whole stream and per 5-second window (a call that
 * was fine for ten minutes and broken for ten seconds averages well; its
 * worst window does not).
 *
 * What a capture can tell the model:
 * - the codec's Ie and Bpl (emodel.ts codecImpairment, G.113 Appendix I);
 * - packet loss: the stream's lost packets (extended sequence numbers, as
 *   the statistics engine counts them) plus, with a fixed jitter buffer,
 *   the packets that arrived too late for it (jitter-buffer.ts); BurstR
 *   from the loss runs (G.107 §7.5: a two-state Markov model, 1/(p+q));
 * - delay: the network's one-way delay from RTCP (a sender report's NTP
 *   time echoed in a report block's LSR, minus DLSR: the loop from the
 *   capture point to the far end and back; both directions' loops add up
 *   to the round trip), else DEFAULT_NETWORK_DELAY_MS; plus the jitter
 *   buffer, the packet time and the codec's look-ahead.
 *
 * Memory per stream is a few numbers per 5-second window.
 */
import type { Call, RtpStream, StreamQuality } from '../model.js';
import type { RtpPacket, RtpStreamRef, Tap, TransportPacket } from '../tap.js';
import { codecImpairment, eModelRater, type CodecImpairment, type EModelResult } from './emodel.js';
import { FixedJitterBuffer } from './jitter-buffer.js';
import { looksLikeRtcp, looksLikeRtcpAt, parseRtcp } from './rtcp.js';

/** Seconds per quality window. */
export const WINDOW_S = 5;
/** One-way network delay assumed when the capture has no RTCP round trip (a regional path), ms. */
export const DEFAULT_NETWORK_DELAY_MS = 20;
/** The receive buffer assumed when none is configured (a phone's adaptive buffer, typically 2 packets), ms. */
export const DEFAULT_JITTER_BUFFER_MS = 40;
/** A last window shorter than this (s) is scored together with the one before it. */
const MIN_WINDOW_S = WINDOW_S / 2;
/** Sender reports remembered per SSRC, to match the LSR of later report blocks. */
const SR_KEPT = 16;
/**
 * Windows kept per stream (a day of 5 s windows): a stream whose packet times
 * jump (a hostile or broken capture, timestamps years apart) shares the last
 * one instead of allocating a window per 5 s of the jump.
 */
const MAX_WINDOWS = 17280;

export interface QualityOptions {
  /** Score as heard through a fixed jitter buffer of this many ms (late packets count as lost). */
  jitterBufferMs?: number;
}

interface Window {
  /** Highest extended sequence number seen by the end of the window. */
  maxSeq: number;
  received: number;
  discarded: number;
  runs: number;
}

interface StreamTrack {
  start: number;
  last: number;
  maxSeq: number;
  firstSeq: number;
  windows: Window[];
  runs: number;
  discarded: number;
  prevDiscarded: boolean;
  jb: FixedJitterBuffer | null;
}

export interface QualityTap extends Tap {
  /** After the pass: the jitter buffer's discards per stream index (0 without a buffer). */
  readonly discarded: Map<number, number>;
  /** Streaming analysis: score the streams of a call that leaves memory (the media tap listed them in `out`). */
  retire(call: Call, out: { streams: RtpStream[] }): void;
}

/** The tap `analyze()` composes after the media tap: fills mos, rFactor, mosWorst5s and quality on audio streams. */
export function createQualityTap(opts: QualityOptions = {}): QualityTap {
  const jbMs = opts.jitterBufferMs ?? null;
  const tracks = new Map<RtpStreamRef, StreamTrack>();
  /** SSRC -> its recent sender reports: NTP middle 32 bits and capture time. */
  const reports = new Map<number, { ntp: number; time: number }[]>();
  /** SSRC -> sum and count of measured loops (capture point -> receiver of that SSRC -> capture point), s. */
  const loops = new Map<number, { sum: number; n: number }>();
  const discarded = new Map<number, number>();

  function onRtp(p: RtpPacket): void {
    let t = tracks.get(p.stream);
    if (!t) {
      if (p.stream.mediaType !== 'audio') return;
      t = { start: p.time, last: p.time, maxSeq: p.seq, firstSeq: p.seq, windows: [], runs: 0, discarded: 0, prevDiscarded: false, jb: jbMs !== null ? new FixedJitterBuffer(jbMs) : null };
      tracks.set(p.stream, t);
    }
    t.last = p.time;
    // Extended sequence number: the one nearest the highest seen (RFC 3550 A.1).
    let ext = (t.maxSeq & ~0xffff) | p.seq;
    if (ext - t.maxSeq > 0x8000) ext -= 0x10000;
    else if (t.maxSeq - ext > 0x8000) ext += 0x10000;
    const wi = Math.min(MAX_WINDOWS - 1, Math.max(0, Math.floor((p.time - t.start) / WINDOW_S)));
    while (t.windows.length <= wi) t.windows.push({ maxSeq: t.maxSeq, received: 0, discarded: 0, runs: 0 });
    const w = t.windows[wi]!;
    if (ext > t.maxSeq) {
      if (ext - t.maxSeq > 1) { w.runs++; t.runs++; }
      t.maxSeq = ext;
    }
    if (ext < t.firstSeq) t.firstSeq = ext;
    w.maxSeq = t.maxSeq;
    w.received++;
    if (t.jb && !t.jb.offer(p.time, p.extTimestamp, p.clockRate, p.marker)) {
      w.discarded++;
      t.discarded++;
      if (!t.prevDiscarded) { w.runs++; t.runs++; }
      t.prevDiscarded = true;
    } else t.prevDiscarded = false;
  }

  function onUdp(d: TransportPacket): void {
    // In place when the packet gives its bytes: no payload view for every RTP packet.
    if (d.bytes ? !looksLikeRtcpAt(d.bytes, d.start!, d.end!) : !looksLikeRtcp(d.payload)) return;
    const info = parseRtcp(d.payload);
    info.senders.forEach((ssrc, i) => {
      const ntp = info.senderNtp[i] ?? 0;
      if (!ntp) return;
      let list = reports.get(ssrc);
      if (!list) { list = []; reports.set(ssrc, list); }
      list.push({ ntp, time: d.time });
      if (list.length > SR_KEPT) list.shift();
    });
    for (const b of info.blocks) {
      if (!b.lsr) continue;
      const sr = reports.get(b.ssrc)?.find((x) => x.ntp === b.lsr);
      if (!sr) continue;
      const loop = d.time - sr.time - b.dlsr / 65536;
      // A loop below zero or over 10 s is a clock or matching error, not a path.
      if (loop < 0 || loop > 10) continue;
      const l = loops.get(b.ssrc) ?? { sum: 0, n: 0 };
      l.sum += loop; l.n++;
      loops.set(b.ssrc, l);
    }
  }

  /** Round trip between the two ends of a stream, from the loops RTCP let us measure (s), or null. */
  function roundTrip(s: RtpStream, streams: RtpStream[]): number | null {
    // Without any RTCP loop there is nothing to find (and the search below, per stream, was quadratic in a stream flood).
    if (loops.size === 0) return null;
    const mean = (ssrc: number) => { const l = loops.get(ssrc); return l && l.n ? l.sum / l.n : null; };
    const own = mean(Number(s.ssrc));
    const back = streams.find((o) => o !== s && o.callId === s.callId && o.src === s.dst && o.dst === s.src && mean(Number(o.ssrc)) !== null);
    const other = back ? mean(Number(back.ssrc)) : null;
    if (own === null && other === null) return null;
    // Each loop runs from the capture point to one end and back: together they are the round trip.
    // With one loop only, the capture point is taken to sit at the other end.
    return (own ?? 0) + (other ?? 0);
  }

  /** Score the listed streams from the tracks of `refs` (stream index -> track), then forget those tracks. */
  function settle(streams: RtpStream[], all: RtpStream[]): void {
    const byIndex = new Map<number, [RtpStreamRef, StreamTrack]>();
    for (const [ref, t] of tracks) if (ref.index) byIndex.set(ref.index, [ref, t]);
    for (const s of streams) {
      const hit = byIndex.get(s.index);
      s.mos = null; s.rFactor = null; s.mosWorst5s = null; s.quality = null;
      if (!hit) continue;
      const [ref, t] = hit;
      tracks.delete(ref);
      discarded.set(s.index, t.discarded);
      const codec = codecImpairment(s.codec);
      if (!codec || s.mediaType !== undefined && s.mediaType !== 'audio') continue;
      const q = score(s, t, codec, roundTrip(s, all), jbMs);
      s.mos = q.mos; s.rFactor = q.rFactor; s.mosWorst5s = q.mosWorst5s; s.quality = q.quality;
    }
    // What RTCP said about these SSRCs goes with them (a later call reusing one starts afresh).
    for (const s of streams) { reports.delete(Number(s.ssrc)); loops.delete(Number(s.ssrc)); }
  }

  return {
    name: 'quality', discarded, onRtp, onUdp,
    // Streaming analysis: a call's streams are scored as the call leaves memory.
    retire: (_call, out) => settle(out.streams, out.streams),
    finish: (report) => settle(report.rtpStreams, report.rtpStreams),
  };
}

/** Loss (%) and BurstR of `expected` packets of which `lost` were lost in `runs` runs. */
export function lossFigures(expected: number, lost: number, runs: number): { ppl: number; burstR: number } {
  if (expected <= 0 || lost <= 0) return { ppl: 0, burstR: 1 };
  const got = Math.max(1, expected - lost);
  const r = Math.max(1, Math.min(runs, lost));
  // p: P(lost | previous received), q: P(received | previous lost); BurstR = 1/(p+q) (G.107 §7.5).
  // Isolated losses give a little under 1 on short samples; the model's floor is random loss.
  const burstR = Math.max(1, 1 / (r / got + r / lost));
  return { ppl: Math.min(100, lost * 100 / expected), burstR };
}

/** Mouth-to-ear delay and the R/MOS of one stream. */
function score(s: RtpStream, t: StreamTrack, codec: CodecImpairment, rttS: number | null, jbMs: number | null) {
  const networkMs = rttS !== null ? rttS * 1000 / 2 : DEFAULT_NETWORK_DELAY_MS;
  const delayMs = networkMs + (jbMs ?? DEFAULT_JITTER_BUFFER_MS) + (s.ptimeMs || 20) + codec.lookaheadMs;
  // One delay for the stream and all its windows: the E-model's fixed terms once, and the last
  // loss figures remembered (most windows of a clean call share them).
  const rater = eModelRater({ Ie: codec.Ie, Bpl: codec.Bpl, T: delayMs, Ta: delayMs, Tr: 2 * delayMs });
  let lastPpl = NaN, lastBurstR = NaN;
  let last: EModelResult | null = null;
  const rate = (ppl: number, burstR: number): EModelResult => {
    if (last === null || ppl !== lastPpl || burstR !== lastBurstR) { last = rater(ppl, burstR); lastPpl = ppl; lastBurstR = burstR; }
    return last;
  };
  const expected = s.expected ?? s.packets + Math.max(0, s.lost);
  const lost = Math.max(0, s.lost) + t.discarded;
  const all = lossFigures(expected, lost, t.runs);
  const overall = rate(all.ppl, all.burstR);
  // Windows: [k*5, (k+1)*5) seconds from the stream's first packet; a short last one joins the previous.
  const ws = t.windows.map((w, k) => ({ ...w, start: k * WINDOW_S, stop: (k + 1) * WINDOW_S, prevSeq: k ? t.windows[k - 1]!.maxSeq : t.firstSeq - 1 }));
  const dur = t.last - t.start;
  if (ws.length > 1 && dur - (ws.length - 1) * WINDOW_S < MIN_WINDOW_S) {
    const last = ws.pop()!;
    const prev = ws[ws.length - 1]!;
    prev.maxSeq = last.maxSeq; prev.received += last.received; prev.discarded += last.discarded; prev.runs += last.runs;
  }
  if (ws.length) ws[ws.length - 1]!.stop = Math.max(ws[ws.length - 1]!.start, dur);
  let worst: NonNullable<StreamQuality['worstWindow']> | null = null;
  for (const w of ws) {
    const exp = w.maxSeq - w.prevSeq;
    if (exp <= 0 && w.received === 0) continue;
    const wl = Math.max(0, exp - w.received) + w.discarded;
    const f = lossFigures(Math.max(exp, w.received), wl, w.runs);
    const r = rate(f.ppl, f.burstR);
    if (!worst || r.R < worst.rFactor) {
      worst = { start: round(s.start + w.start, 3), stop: round(s.start + w.stop, 3), lossPct: round(f.ppl, 2), rFactor: round(Math.min(100, Math.max(0, r.R)), 1), mos: round(r.mos, 2) };
    }
  }
  const quality: StreamQuality = {
    model: 'G.107', codec: codec.name, ie: codec.Ie, bpl: codec.Bpl, source: codec.source,
    lossPct: round(all.ppl, 3), burstR: round(all.burstR, 2), discarded: t.discarded, jitterBufferMs: jbMs,
    delayMs: round(delayMs, 1), delaySource: rttS !== null ? 'rtcp' : 'default', rttMs: rttS !== null ? round(rttS * 1000, 1) : null,
    windowS: WINDOW_S, worstWindow: worst,
  };
  // R below 0 means nothing more than 0 does (MOS 1): the report's R is 0..100.
  return { mos: round(overall.mos, 2), rFactor: round(Math.min(100, Math.max(0, overall.R)), 1), mosWorst5s: worst ? worst.mos : round(overall.mos, 2), quality };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
