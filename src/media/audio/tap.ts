/**
 * The audio tap: keeps the RTP payloads of audio streams during the pass, so
 * that the playout can decode them afterwards (decoding needs the whole
 * stream in sequence order, and Opus's decoder loads asynchronously, which
 * a tap's synchronous callbacks cannot wait for).
 *
 * Bounded: payload bytes (plus a fixed cost per packet) are counted against
 * `maxBytes`; past it later packets are dropped, counted per stream, and one
 * warning says so. `accept` lets the caller keep only the streams it will
 * play (a Call-ID filter known from the start).
 */
import type { Report, Warning } from '../../model.js';
import type { RtpPacket, RtpStreamRef, Tap, TapContext } from '../../tap.js';
import type { StoredPacket, StreamInput } from './playout.js';

/** Default budget of kept audio, bytes (about 9 hours of G.711 in one direction). */
export const DEFAULT_AUDIO_BYTES = 256 * 1048576;
/** What one kept packet costs besides its payload (the record and array slot), bytes. */
const PACKET_COST = 96;

export interface AudioTapOptions {
  maxBytes?: number;
  /** Keep this stream's audio? Asked at its first packet (callId is set for SDP-announced streams). */
  accept?(ref: RtpStreamRef): boolean;
}

interface Kept {
  ref: RtpStreamRef;
  packets: StoredPacket[];
  maxSeq: number;
  dropped: number;
  rtpmap: Map<number, { name: string; rate: number; channels: number | null }>;
}

export interface AudioTap extends Tap {
  /** After the pass: the kept audio of each stream, by RtpStream.index. */
  readonly streams: Map<number, StreamInput>;
  /** Bytes kept, and whether the budget was reached. */
  readonly usage: { bytes: number; full: boolean };
}

export function createAudioTap(opts: AudioTapOptions = {}): AudioTap {
  const maxBytes = opts.maxBytes ?? DEFAULT_AUDIO_BYTES;
  const kept = new Map<RtpStreamRef, Kept | null>();
  const streams = new Map<number, StreamInput>();
  const usage = { bytes: 0, full: false };
  let warn: (w: Warning) => void = () => {};

  function onRtp(p: RtpPacket): void {
    let k = kept.get(p.stream);
    if (k === undefined) {
      const ok = p.stream.mediaType === 'audio' && (opts.accept?.(p.stream) ?? true);
      k = ok ? { ref: p.stream, packets: [], maxSeq: p.seq, dropped: 0, rtpmap: new Map() } : null;
      kept.set(p.stream, k);
    }
    if (!k) return;
    const cost = p.payload.length + PACKET_COST;
    if (usage.bytes + cost > maxBytes) {
      if (!usage.full) {
        usage.full = true;
        warn({ frame: p.frame, code: 'audio-limit', message: `more than ${Math.round(maxBytes / 1048576)} MiB of audio payloads; later RTP packets are not played` });
      }
      k.dropped++;
      return;
    }
    usage.bytes += cost;
    // Extended sequence number: the one nearest the highest seen (RFC 3550 A.1).
    let ext = (k.maxSeq & ~0xffff) | p.seq;
    if (ext - k.maxSeq > 0x8000) ext -= 0x10000;
    else if (k.maxSeq - ext > 0x8000) ext += 0x10000;
    if (ext > k.maxSeq) k.maxSeq = ext;
    // The encoding as the SDP said it when this packet came (a re-INVITE may change it).
    if (!k.rtpmap.has(p.payloadType)) {
      const e = p.stream.rtpmap.get(p.payloadType);
      if (e) k.rtpmap.set(p.payloadType, { name: e.name, rate: e.rate, channels: e.channels });
    }
    k.packets.push({ seq: ext, ts: p.extTimestamp, time: p.time, pt: p.payloadType, marker: p.marker, clockRate: p.clockRate, payload: p.payload.slice() });
  }

  function finish(report: Report): void {
    const known = new Set(report.rtpStreams.map((s) => s.index));
    for (const k of kept.values()) {
      if (!k || !known.has(k.ref.index)) continue;
      streams.set(k.ref.index, { index: k.ref.index, packets: k.packets, rtpmap: k.rtpmap, dropped: k.dropped });
    }
    kept.clear();
  }

  return { name: 'audio', streams, usage, start: (c: TapContext) => { warn = c.warn; }, onRtp, finish };
}
