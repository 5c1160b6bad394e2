/**
 * The RTP series tap: jitter and inter-arrival delta over time for every
 * stream, for plots (the HTML report's). The figures are the RTP statistics
 * engine's own (rtp-stats.ts, after each packet, as the media tap publishes
 * them through onRtp): no second jitter computation, no second pass.
 *
 * Memory is constant per stream. Each raw point summarises a window of
 * consecutive packets (one packet until MAX_RAW_POINTS, then 2, 4 ...): the
 * largest jitter and delta and the smallest delta in it, so a spike is never
 * lost to downsampling. The first packet (no delta) starts no point. At the
 * end the raw points are merged down to at most `maxPoints` plot points.
 */
import type { Report, RtpStream } from '../model.js';
import type { RtpPacket, RtpStreamRef, Tap } from '../tap.js';

/** Most raw points kept per stream while the capture is read. */
export const MAX_RAW_POINTS = 1000;
/** Most plot points per stream and per series. */
export const MAX_SERIES_POINTS = 500;

/** A stream's plot series. */
export interface StreamSeries {
  /** Stream index (RtpStream.index). */
  stream: number;
  /** Packets of the stream. */
  packets: number;
  /** Seconds per point when points summarise several packets, else 0. */
  binS: number;
  /** Point times, seconds relative to the first frame. */
  t: number[];
  /** Largest jitter of the point, ms. */
  jitter: number[];
  /** Largest inter-arrival delta of the point, ms. */
  dmax: number[];
  /** Smallest inter-arrival delta of the point, ms (equal to dmax when a point is one packet). */
  dmin: number[];
}

/** Raw windows of one stream while the capture is read. */
class Windows {
  readonly t: number[] = [];
  readonly jitter: number[] = [];
  readonly dmax: number[] = [];
  readonly dmin: number[] = [];
  private stride = 1;
  private since = 0;
  private winJitter = 0;
  private winMax = -Infinity;
  private winMin = Infinity;
  private winT = 0;

  add(timeMs: number, jitter: number, delta: number): void {
    if (jitter > this.winJitter) this.winJitter = jitter;
    if (delta > this.winMax) this.winMax = delta;
    if (delta < this.winMin) this.winMin = delta;
    this.winT = timeMs;
    if (++this.since >= this.stride) this.close();
  }

  /** Include the last, unfinished window (once the stream ended). */
  end(): void {
    if (this.since > 0) this.close();
  }

  private close(): void {
    this.t.push(Math.round(this.winT) / 1000);
    this.jitter.push(r3(this.winJitter));
    this.dmax.push(r3(this.winMax));
    this.dmin.push(r3(this.winMin));
    this.since = 0;
    this.winJitter = 0;
    this.winMax = -Infinity;
    this.winMin = Infinity;
    if (this.t.length >= MAX_RAW_POINTS) {
      // Merge neighbouring windows (max of maxima, min of minima) and make windows twice as long.
      const half = this.t.length >> 1;
      for (let i = 0; i < half; i++) {
        const a = 2 * i, b = a + 1;
        this.t[i] = this.t[b]!;
        this.jitter[i] = Math.max(this.jitter[a]!, this.jitter[b]!);
        this.dmax[i] = Math.max(this.dmax[a]!, this.dmax[b]!);
        this.dmin[i] = Math.min(this.dmin[a]!, this.dmin[b]!);
      }
      this.t.length = this.jitter.length = this.dmax.length = this.dmin.length = half;
      this.stride *= 2;
    }
  }
}

export interface SeriesTap extends Tap {
  /** After the pass: plot series by stream index, for every stream of the report. */
  readonly series: Map<number, StreamSeries>;
}

/** A tap collecting every stream's plot series (at most `maxPoints` points each). */
export function createSeriesTap(opts: { maxPoints?: number } = {}): SeriesTap {
  const maxPoints = Math.max(10, Math.min(opts.maxPoints ?? MAX_SERIES_POINTS, MAX_SERIES_POINTS));
  const raw = new Map<RtpStreamRef, Windows>();
  const series = new Map<number, StreamSeries>();
  return {
    name: 'rtp-series',
    series,
    onRtp(p: RtpPacket) {
      let w = raw.get(p.stream);
      if (!w) { w = new Windows(); raw.set(p.stream, w); }
      if (p.packets > 1) w.add(p.time * 1000, p.jitterMs, p.deltaMs);
    },
    finish(report: Report) {
      for (const [ref, w] of raw) {
        w.end();
        const s = report.rtpStreams[ref.index - 1];
        if (s && s.index === ref.index) series.set(s.index, plotSeries(s, w, maxPoints));
      }
      // Streams the tap never saw a packet of (none today) still get an empty series.
      for (const s of report.rtpStreams) if (!series.has(s.index)) series.set(s.index, plotSeries(s, new Windows(), maxPoints));
    },
  };
}

/** The raw windows of a stream merged into at most `maxPoints` plot points. */
function plotSeries(s: RtpStream, w: Windows, maxPoints: number): StreamSeries {
  const n = w.t.length;
  const o: StreamSeries = { stream: s.index, packets: s.packets, binS: 0, t: [], jitter: [], dmax: [], dmin: [] };
  if (!n) return o;
  const k = Math.max(1, Math.ceil(n / maxPoints));
  for (let i = 0; i < n; i += k) {
    const e = Math.min(i + k, n);
    let j = -Infinity, dx = -Infinity, dn = Infinity;
    for (let q = i; q < e; q++) {
      j = Math.max(j, w.jitter[q]!);
      dx = Math.max(dx, w.dmax[q]!);
      dn = Math.min(dn, w.dmin[q]!);
    }
    o.t.push(r4((w.t[i]! + w.t[e - 1]!) / 2));
    o.jitter.push(r3(j));
    o.dmax.push(r3(dx));
    o.dmin.push(r3(dn));
  }
  // Points of several packets (raw windows, or merged here): the plot draws min-max bands.
  const sampled = n * 1.5 < s.packets;
  if (k > 1 || sampled) o.binS = o.t.length > 1 ? r4((o.t[o.t.length - 1]! - o.t[0]!) / (o.t.length - 1)) : 0.0001;
  return o;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r4 = (x: number) => Math.round(x * 10000) / 10000;
