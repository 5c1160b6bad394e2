/**
 * Playout: the packets of one direction of a call (one or more streams, as
 * SSRCs change) -> one track of samples on the capture's clock, as a phone
 * would play them.
 *
 * - Packets are decoded in sequence order, once each (stateful decoders need
 *   it; duplicates are dropped), and placed by RTP timestamp.
 * - Placement: a stream's first packet is placed at its capture time (the
 *   earliest its first second of packets allows: jitter only delays); every
 *   later one at that time plus its timestamp distance. The anchor is set
 *   again when the timestamps stop telling time: packets ahead of their
 *   place (a timestamp jump), the stream's best packets behind it by more
 *   than RESYNC_S (a sender clock restart, drift piling up), or a marker bit
 *   (talkspurt start) off by more than MARKER_RESYNC_S. So DTX and silence
 *   suppression (timestamps jump by the silence) keep their place, and
 *   nothing drifts away from the capture time, which keeps two directions
 *   synchronised.
 * - Lost packets are silence (no bundled decoder conceals loss); comfort
 *   noise fills until the next packet at the level it signals;
 *   telephone-events are not audio (the stream's DTMF digits are listed).
 * - With a fixed jitter buffer (jitter-buffer.ts), packets arriving too late
 *   are discarded before decoding, as the phone would, and counted.
 */
import type { Decoder } from './decoder.js';
import { encodingOf, payloadKind, type PayloadKind } from './codecs.js';
import { cnLevel, NoiseGenerator } from './cn.js';
import { resample } from './resample.js';
import { FixedJitterBuffer } from '../jitter-buffer.js';

/** Seconds a stream's timeline may fall behind its timestamps (its best packets late by that much) before the track re-anchors. */
export const RESYNC_S = 0.25;
/** Seconds a packet may arrive ahead of its timestamp place before the track re-anchors (jitter never does that). */
export const RESYNC_EARLY_S = 0.05;
/** Seconds of a stream looked ahead to find its timeline's real offset. */
export const LOOKAHEAD_S = 1;
/** At a marker bit, the track re-anchors when off by more than this (a talkspurt may restart its timing). */
export const MARKER_RESYNC_S = 0.04;
/** Longest stretch one comfort-noise packet fills when no packet follows it, s. */
const CN_TAIL_S = 0.2;
/** Longest stretch one comfort-noise packet fills before the next packet, s. */
const CN_MAX_S = 30;

/** One RTP packet as the audio tap kept it. */
export interface StoredPacket {
  /** Extended (unwrapped) sequence number and RTP timestamp. */
  seq: number;
  ts: number;
  /** Capture time, s from the first frame. */
  time: number;
  pt: number;
  marker: boolean;
  /** The statistics engine's clock for this payload type (0 for telephone-event). */
  clockRate: number;
  payload: Uint8Array;
}

/** One stream of a track, its packets in arrival order. */
export interface StreamInput {
  index: number;
  packets: StoredPacket[];
  rtpmap: ReadonlyMap<number, { readonly name: string; readonly rate: number; readonly channels: number | null }>;
  /** Packets the tap could not keep (its memory budget). */
  dropped: number;
}

/** What happened to one stream while it was played. */
export interface StreamPlayout {
  index: number;
  packets: number;
  decoded: number;
  codecs: string[];
  /** Packets missing from the sequence (lost on the way, or not captured). */
  lost: number;
  /** Runs of missing packets, and the silence they left, ms. */
  gaps: number;
  gapMs: number;
  /** Packets the fixed jitter buffer discarded as late. */
  discarded: number;
  duplicates: number;
  cnPackets: number;
  eventPackets: number;
  /** Anchors set again (timestamp jumps, marker bits off their place), beyond the first. */
  resyncs: number;
  /** Payloads of codecs sipflow cannot decode: left silent, never noise. */
  undecodable: { codec: string; reason: string; packets: number }[];
  /** Packets the tap dropped for its memory budget. */
  dropped: number;
  /** Payloads (or GSM frames) the decoder rejected as corrupt: silence. */
  corrupt: number;
  /** Capture times of the stream's first and last sample in the track. */
  start: number | null;
  stop: number | null;
}

export interface Track {
  rate: number;
  channels: number;
  /** Capture time of sample 0. */
  startS: number;
  /** Planar channels. */
  samples: Float32Array[];
  streams: StreamPlayout[];
}

export interface PlayoutOptions {
  /** Output rate; default: the highest native rate of the track's codecs. */
  rate?: number;
  /** Output channels: 1 downmixes; default: the most any codec of the track has. */
  channels?: number;
  /** Fixed jitter buffer, ms; none by default (every packet that arrived is played). */
  jitterBufferMs?: number;
  /** Capture time of the first sample; default: the first packet's. */
  startS?: number;
}

/** A packet the jitter buffer discarded: kept in the sequence, never played. */
const DISCARDED: PayloadKind = { kind: 'event' };

interface Planned {
  p: StoredPacket;
  kind: PayloadKind;
  /** Capture time of the packet's first sample. */
  at: number;
}

/** Growable planar buffer. */
class Canvas {
  data: Float32Array[];
  end = 0;
  constructor(readonly channels: number, capacity: number) {
    this.data = Array.from({ length: channels }, () => new Float32Array(Math.max(1024, capacity)));
  }
  ensure(n: number): void {
    if (n <= this.data[0]!.length) return;
    const cap = Math.max(n, this.data[0]!.length * 2);
    this.data = this.data.map((d) => { const x = new Float32Array(cap); x.set(d); return x; });
  }
  /** Write interleaved `x` of `ch` channels at sample `pos`, mixing channels to the canvas's count. */
  write(pos: number, x: Float32Array, ch: number): void {
    const frames = Math.floor(x.length / ch);
    let start = 0;
    if (pos < 0) { start = -pos; pos = 0; }
    if (start >= frames) return;
    this.ensure(pos + frames - start);
    for (let c = 0; c < this.channels; c++) {
      const d = this.data[c]!;
      for (let i = start; i < frames; i++) {
        let v: number;
        if (ch === this.channels) v = x[i * ch + c]!;
        else if (this.channels === 1) { v = 0; for (let k = 0; k < ch; k++) v += x[i * ch + k]!; v /= ch; }
        else v = x[i * ch + Math.min(c, ch - 1)]!;
        d[pos + i - start] = v;
      }
    }
    this.end = Math.max(this.end, pos + frames - start);
  }
}

/** The highest native rate of the decodable codecs of these streams (0: none decodable). */
export function nativeRate(inputs: StreamInput[]): number {
  let rate = 0;
  for (const s of inputs) {
    const seen = new Set<number>();
    for (const p of s.packets) {
      if (seen.has(p.pt)) continue;
      seen.add(p.pt);
      const k = payloadKind(encodingOf(p.pt, s.rtpmap.get(p.pt)), p.pt);
      if (k.kind === 'audio') rate = Math.max(rate, k.rate);
    }
  }
  return rate;
}

/**
 * Capture time of the first sample these streams place (Infinity when none):
 * what a file holding them starts at. It can be a little before the first
 * packet's arrival, which may itself have been delayed.
 */
export function firstPlaced(inputs: StreamInput[], jitterBufferMs?: number): number {
  let first = Infinity;
  for (const s of inputs) for (const x of plan(s, jitterBufferMs).items) if (x.at < first) first = x.at;
  return first;
}

/** Play the streams of one direction into a track. */
export async function playTrack(inputs: StreamInput[], opts: PlayoutOptions = {}): Promise<Track> {
  const plans = inputs.map((s) => plan(s, opts.jitterBufferMs));
  // Rate and channels: the request, else the richest codec of the track.
  let rate = opts.rate ?? 0, channels = opts.channels ?? 0;
  for (const pl of plans) for (const x of pl.items) {
    if (x.kind.kind !== 'audio') continue;
    if (!opts.rate) rate = Math.max(rate, x.kind.rate);
    if (!opts.channels) channels = Math.max(channels, x.kind.channels);
  }
  const outRate = rate || 8000;
  channels = channels || 1;
  const first = plans.flatMap((pl) => pl.items).reduce((m, x) => (x.at < m ? x.at : m), Infinity);
  const startS = opts.startS ?? (Number.isFinite(first) ? first : 0);
  // Decode at a rate every codec of the track gives natively when there is one, then convert once.
  const rates = new Set(plans.flatMap((pl) => pl.items).filter((x) => x.kind.kind === 'audio').map((x) => (x.kind as { rate: number }).rate));
  const allOpus = plans.every((pl) => pl.items.every((x) => x.kind.kind !== 'audio' || /^opus\//i.test(x.kind.codec)));
  const workRate = allOpus && [8000, 12000, 16000, 24000, 48000].includes(outRate) ? outRate : rates.size === 1 ? [...rates][0]! : outRate;
  const canvas = new Canvas(channels, 0);
  const noise = new NoiseGenerator();
  const streams: StreamPlayout[] = [];
  for (const pl of plans) streams.push(await render(pl, canvas, workRate, startS, noise));
  let samples = canvas.data.map((d) => d.subarray(0, canvas.end));
  if (workRate !== outRate) samples = samples.map((d) => resample(d, workRate, outRate));
  return { rate: outRate, channels, startS, samples, streams };
}

interface Plan {
  input: StreamInput;
  items: Planned[];
  out: StreamPlayout;
}

/** Jitter buffer in arrival order, then sequence order, duplicates out, and each packet's place in time. */
function plan(s: StreamInput, jitterBufferMs: number | undefined): Plan {
  const out: StreamPlayout = {
    index: s.index, packets: s.packets.length, decoded: 0, codecs: [], lost: 0, gaps: 0, gapMs: 0, discarded: 0, duplicates: 0,
    cnPackets: 0, eventPackets: 0, resyncs: 0, undecodable: [], dropped: s.dropped, corrupt: 0, start: null, stop: null,
  };
  // Discarded packets stay in the sequence (they are no gap: they came, too late) but are not played.
  const late = new Set<StoredPacket>();
  if (jitterBufferMs !== undefined) {
    const jb = new FixedJitterBuffer(jitterBufferMs);
    for (const p of s.packets) if (!jb.offer(p.time, p.ts, p.clockRate, p.marker)) late.add(p);
    out.discarded = jb.discarded;
  }
  const sorted = s.packets.slice().sort((a, b) => a.seq - b.seq || a.time - b.time);
  const kinds = new Map<number, PayloadKind>();
  const items: Planned[] = [];
  let prevSeq = NaN;
  const undecodable = new Map<string, { codec: string; reason: string; packets: number }>();
  /** Per placed item: its timestamp time and its offset (capture time minus timestamp time). */
  const placed: { item: Planned; tsS: number; off: number; clock: number }[] = [];
  for (const p of sorted) {
    if (p.seq === prevSeq) { out.duplicates++; continue; }
    prevSeq = p.seq;
    if (late.has(p)) { items.push({ p, kind: DISCARDED, at: NaN }); continue; }
    let kind = kinds.get(p.pt);
    if (!kind) { kind = payloadKind(encodingOf(p.pt, s.rtpmap.get(p.pt)), p.pt); kinds.set(p.pt, kind); }
    // Events share the sequence space (no gap where they stand) but are not audio and not placed.
    if (kind.kind === 'event') { out.eventPackets++; items.push({ p, kind, at: NaN }); continue; }
    if (kind.kind === 'undecodable') {
      const u = undecodable.get(kind.codec) ?? { codec: kind.codec, reason: kind.reason, packets: 0 };
      u.packets++;
      undecodable.set(kind.codec, u);
    }
    const clock = kind.kind === 'audio' || kind.kind === 'cn' ? kind.clock : p.clockRate || 8000;
    const tsS = p.ts / clock;
    const item: Planned = { p, kind, at: NaN };
    items.push(item);
    placed.push({ item, tsS, off: p.time - tsS, clock });
  }
  // The offset a packet's timeline really has is the smallest over the next second of it:
  // jitter only ever delays packets, so one late packet (or a burst) does not move the audio.
  const fwdMin = (k: number) => {
    let m = placed[k]!.off;
    for (let j = k + 1; j < placed.length && placed[j]!.clock === placed[k]!.clock && placed[j]!.tsS - placed[k]!.tsS <= LOOKAHEAD_S; j++) m = Math.min(m, placed[j]!.off);
    return m;
  };
  let anchor = NaN, anchorClock = 0;
  for (let k = 0; k < placed.length; k++) {
    const x = placed[k]!;
    if (Number.isNaN(anchor) || x.clock !== anchorClock) { anchor = fwdMin(k); anchorClock = x.clock; }
    else if (x.off - anchor < -RESYNC_EARLY_S) { anchor = fwdMin(k); out.resyncs++; }
    else {
      const m = fwdMin(k);
      if (m - anchor > RESYNC_S || (x.item.p.marker && Math.abs(m - anchor) > MARKER_RESYNC_S)) { anchor = m; out.resyncs++; }
    }
    x.item.at = anchor + x.tsS;
  }
  out.undecodable = [...undecodable.values()];
  return { input: s, items, out };
}

async function render(pl: Plan, canvas: Canvas, rate: number, startS: number, noise: NoiseGenerator): Promise<StreamPlayout> {
  const out = pl.out;
  const decoders = new Map<number, Decoder>();
  const codecs = new Set<string>();
  let prev: Planned | null = null;
  let prevEnd = NaN;
  const items = pl.items;
  try {
    for (let k = 0; k < items.length; k++) {
      const x = items[k]!;
      const pos = Math.round((x.at - startS) * rate);
      const missing = prev ? x.p.seq - prev.p.seq - 1 : 0;
      prev = x;
      if (Number.isNaN(x.at)) { if (missing > 0) { out.lost += missing; out.gaps++; } continue; }
      if (missing > 0) {
        out.lost += missing;
        out.gaps++;
        if (!Number.isNaN(prevEnd) && pos > prevEnd) out.gapMs += (pos - prevEnd) * 1000 / rate;
      }
      if (x.kind.kind === 'cn') {
        out.cnPackets++;
        let next = items[k + 1];
        for (let j = k + 2; next && Number.isNaN(next.at) && j <= items.length; j++) next = items[j];
        const until = next && !Number.isNaN(next.at) ? Math.min(next.at, x.at + CN_MAX_S) : x.at + CN_TAIL_S;
        const n = Math.max(0, Math.round((until - x.at) * rate));
        const buf = new Float32Array(n * canvas.channels);
        for (let c = 0; c < canvas.channels; c++) noise.fill(buf, 0, n, cnLevel(x.p.payload), canvas.channels, c);
        canvas.write(pos, buf, canvas.channels);
        prevEnd = pos + n;
        mark(out, x.at, x.at + n / rate);
        continue;
      }
      if (x.kind.kind !== 'audio') continue;
      let dec = decoders.get(x.p.pt);
      if (!dec) { dec = await x.kind.create(rate); decoders.set(x.p.pt, dec); }
      codecs.add(x.kind.codec);
      let pcm = dec.decode(x.p.payload);
      if (dec.rate !== rate) pcm = resampleInterleaved(pcm, dec.channels, dec.rate, rate);
      canvas.write(pos, pcm, dec.channels);
      out.decoded++;
      const frames = Math.floor(pcm.length / dec.channels);
      prevEnd = pos + frames;
      mark(out, x.at, x.at + frames / rate);
    }
  } finally {
    for (const d of decoders.values()) { out.corrupt += d.errors ?? 0; d.free?.(); }
  }
  out.codecs = [...codecs];
  out.gapMs = Math.round(out.gapMs);
  return out;
}

function mark(out: StreamPlayout, from: number, to: number): void {
  if (out.start === null || from < out.start) out.start = from;
  if (out.stop === null || to > out.stop) out.stop = to;
}

/** A packet decoded at another rate than the track's (a payload type change mid-stream). */
function resampleInterleaved(x: Float32Array, ch: number, from: number, to: number): Float32Array {
  if (ch === 1) return resample(x, from, to);
  const frames = Math.floor(x.length / ch);
  const planes = Array.from({ length: ch }, (_, c) => resample(Float32Array.from({ length: frames }, (_, i) => x[i * ch + c]!), from, to));
  const n = planes[0]!.length;
  const out = new Float32Array(n * ch);
  for (let i = 0; i < n; i++) for (let c = 0; c < ch; c++) out[i * ch + c] = planes[c]![i]!;
  return out;
}
