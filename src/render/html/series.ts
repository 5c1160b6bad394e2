/**
 * Per-packet series for the report's RTP plots: inter-arrival delta and
 * RFC 3550 interarrival jitter over time, for the streams the Report lists.
 *
 * The Report carries only per-stream summaries, so this is a second pass
 * over the capture (only when there are streams to plot). Memory is bounded
 * by `maxPoints` per stream: streams with at most that many packets keep
 * every packet; longer ones are reduced to `maxPoints` time bins holding the
 * largest jitter, the largest and the smallest delta of the bin (spikes and
 * gaps stay visible, which an average would hide).
 *
 * Jitter follows RFC 3550 (J += (|D| - J) / 16) over the packets of the
 * stream's main payload type, with the stream's clock rate, in ms; delta is
 * the arrival gap to the previous packet of the stream (any payload type).
 * The stream table keeps the media stage's own figures; the plots are for
 * the shape over time.
 */
import type { Datagram, RtpStream, Warning } from '../../model.js';
import { readCapture } from '../../capture/index.js';
import { NetDecoder } from '../../net/decoder.js';
import { endpoint } from '../../net/addr.js';

/** Most points kept per stream and per series. */
export const MAX_SERIES_POINTS = 500;

export interface StreamSeries {
  /** Stream index (RtpStream.index). */
  stream: number;
  /** Packets of the stream seen in this pass. */
  packets: number;
  /** Seconds per bin, or 0 when every packet is a point. */
  binS: number;
  /** Point times, seconds relative to the first frame. */
  t: number[];
  /** Jitter at (largest in) the point, ms. */
  jitter: number[];
  /** Largest inter-arrival delta of the point, ms (NaN-free: the first packet has none and is skipped). */
  dmax: number[];
  /** Smallest inter-arrival delta of the point, ms (equal to dmax when every packet is a point). */
  dmin: number[];
}

interface Acc {
  s: RtpStream;
  n: number;
  perPacket: boolean;
  binW: number;
  lastArr: number;
  lastTs: number;
  haveTs: boolean;
  haveArr: boolean;
  jitter: number;
  // Per point (perPacket) or per bin.
  t: Float64Array;
  jit: Float64Array;
  dmax: Float64Array;
  dmin: Float64Array;
  used: Uint8Array;
  count: number;
}

export interface SeriesOptions {
  maxPoints?: number;
  onProgress?(done: number, total: number | null): void;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r4 = (x: number) => Math.round(x * 10000) / 10000;

/** One pass over `path` collecting the series of `streams`. */
export async function computeSeries(path: string, streams: RtpStream[], opts: SeriesOptions = {}): Promise<Map<number, StreamSeries>> {
  const out = new Map<number, StreamSeries>();
  if (!streams.length) return out;
  const maxPoints = Math.max(10, Math.min(opts.maxPoints ?? MAX_SERIES_POINTS, MAX_SERIES_POINTS));
  const byKey = new Map<string, Acc>();
  const ports = new Set<number>();
  for (const s of streams) {
    const perPacket = s.packets <= maxPoints;
    const n = maxPoints;
    const span = Math.max(0, s.stop - s.start);
    const acc: Acc = {
      s, n, perPacket, binW: span > 0 ? span / n : 1, lastArr: 0, lastTs: 0, haveTs: false, haveArr: false, jitter: 0,
      t: new Float64Array(n), jit: new Float64Array(n), dmax: new Float64Array(n), dmin: new Float64Array(n), used: new Uint8Array(n), count: 0,
    };
    byKey.set(`${s.src}|${s.dst}|${s.ssrc.toLowerCase()}`, acc);
    const port = Number(s.dst.slice(s.dst.lastIndexOf(':') + 1));
    if (Number.isFinite(port)) ports.add(port);
  }

  let firstSec = 0;
  let firstNsec = 0;
  let haveFirst = false;
  const ignore = (_w: Warning) => {};
  const onUdp = (d: Datagram) => {
    if (!ports.has(d.dstPort) || d.transport !== 'UDP') return;
    const p = d.payload;
    if (p.length < 12 || (p[0]! >> 6) !== 2) return;
    const ssrc = '0x' + (((p[8]! << 24) | (p[9]! << 16) | (p[10]! << 8) | p[11]!) >>> 0).toString(16).padStart(8, '0');
    const acc = byKey.get(`${endpoint(d.src, d.srcPort)}|${endpoint(d.dst, d.dstPort)}|${ssrc}`);
    if (!acc) return;
    const time = (d.tsSec - firstSec) + (d.tsNsec - firstNsec) / 1e9;
    const pt = p[1]! & 0x7f;
    const ts = ((p[4]! << 24) | (p[5]! << 16) | (p[6]! << 8) | p[7]!) >>> 0;
    add(acc, time, pt, ts);
  };
  const net = new NetDecoder((d) => { if (d.transport === 'UDP') onUdp(d); }, ignore);
  await readCapture(path, {
    onFrame(f) {
      if (!haveFirst) { firstSec = f.tsSec; firstNsec = f.tsNsec; haveFirst = true; }
      net.decode(f);
    },
    onWarning: ignore,
    onProgress: opts.onProgress,
  });
  net.finish();

  for (const acc of byKey.values()) out.set(acc.s.index, finish(acc));
  return out;
}

function add(acc: Acc, time: number, pt: number, ts: number): void {
  const s = acc.s;
  let delta: number | null = null;
  if (acc.haveArr) delta = (time - acc.lastArr) * 1000;
  if (pt === s.payloadType && s.clockRate > 0) {
    if (acc.haveTs) {
      // Timestamp difference as a signed 32-bit value (wrap-around safe).
      const dts = ((ts - acc.lastTs) | 0) / s.clockRate;
      const D = (time - acc.lastArr) - dts;
      acc.jitter += (Math.abs(D) * 1000 - acc.jitter) / 16;
    }
    acc.lastTs = ts;
    acc.haveTs = true;
  }
  acc.lastArr = time;
  acc.haveArr = true;
  acc.count++;
  if (delta === null) return;
  let i: number;
  if (acc.perPacket) {
    i = acc.count - 2; // the first packet has no delta
    if (i >= acc.n) return;
    acc.t[i] = time;
  } else {
    i = Math.min(acc.n - 1, Math.max(0, Math.floor((time - s.start) / acc.binW)));
    if (!acc.used[i]) acc.t[i] = s.start + (i + 0.5) * acc.binW;
  }
  if (!acc.used[i]) {
    acc.used[i] = 1;
    acc.jit[i] = acc.jitter;
    acc.dmax[i] = delta;
    acc.dmin[i] = delta;
  } else {
    if (acc.jitter > acc.jit[i]!) acc.jit[i] = acc.jitter;
    if (delta > acc.dmax[i]!) acc.dmax[i] = delta;
    if (delta < acc.dmin[i]!) acc.dmin[i] = delta;
  }
}

function finish(acc: Acc): StreamSeries {
  const o: StreamSeries = { stream: acc.s.index, packets: acc.count, binS: acc.perPacket ? 0 : r4(acc.binW), t: [], jitter: [], dmax: [], dmin: [] };
  for (let i = 0; i < acc.n; i++) {
    if (!acc.used[i]) continue;
    o.t.push(r4(acc.t[i]!));
    o.jitter.push(r3(acc.jit[i]!));
    o.dmax.push(r3(acc.dmax[i]!));
    o.dmin.push(r3(acc.dmin[i]!));
  }
  return o;
}

/**
 * The media stage's own series (RtpStream.series, kept when the stage is
 * created with `series: true`: a point per packet up to 1000, then per window
 * of 2, 4 ... packets with its extremes) as plot series of at most
 * `maxPoints` points: consecutive points merged into one with their largest
 * jitter and delta and their smallest delta.
 */
export function seriesFromStream(s: RtpStream, maxPoints = MAX_SERIES_POINTS): StreamSeries | null {
  const src = s.series;
  if (!src || !src.t.length) return null;
  // The stage starts the series at the second packet (the first has no delta).
  const n = src.t.length;
  const k = Math.max(1, Math.ceil(n / Math.max(10, Math.min(maxPoints, MAX_SERIES_POINTS))));
  const o: StreamSeries = { stream: s.index, packets: s.packets, binS: 0, t: [], jitter: [], dmax: [], dmin: [] };
  for (let i = 0; i < n; i += k) {
    const e = Math.min(i + k, n);
    let j = -Infinity, dx = -Infinity, dn = Infinity;
    for (let q = i; q < e; q++) {
      j = Math.max(j, src.jitterMs[q]!);
      dx = Math.max(dx, src.deltaMs[q]!);
      dn = Math.min(dn, src.deltaMinMs[q]!);
    }
    o.t.push(r4((src.t[i]! + src.t[e - 1]!) / 2));
    o.jitter.push(r3(j));
    o.dmax.push(r3(dx));
    o.dmin.push(r3(dn));
  }
  // Windows of several packets (the stage's or merged here): show min-max bands.
  // (The stage keeps a point per packet up to its own limit, then windows of n >= 2.)
  const sampled = src.t.length * 1.5 < s.packets;
  if (k > 1 || sampled) o.binS = o.t.length > 1 ? r4((o.t[o.t.length - 1]! - o.t[0]!) / (o.t.length - 1)) : 0.0001;
  return o;
}
