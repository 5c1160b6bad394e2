/**
 * The media stage of the pipeline (analyze.ts MediaStage): SDP announces
 * where media will flow, UDP to or from those endpoints is RTP (or RTCP),
 * each (src, dst, SSRC) is a stream with Wireshark-grade statistics, and the
 * calls get their media, streams, DTMF and event timeline.
 *
 * Like Wireshark's SDP-set conversations, an endpoint counts from the frame of
 * the SDP that announced it; a later SDP for the same address replaces it.
 */
import type { MediaStage } from '../analyze.js';
import type { Call, Datagram, MediaDescription, Report, RtpStream, SipMessage, Warning } from '../model.js';
import type { CallTrack } from '../sip/calls.js';
import { endpoint } from '../net/addr.js';
import { findSdp } from '../sip/multipart.js';
import { CallEventBuilder, phrases } from '../events.js';
import { analysisClockRate, codecName, nominalClockRate } from './codecs.js';
import { parseSdp, sdpSummary, type RtpMapEntry, type Sdp, type SdpMedia } from './sdp.js';
import { RtpStats, TimestampUnwrapper, type StreamSeries } from './rtp-stats.js';
import { DtmfDecoder, infoDtmfDigit, type DtmfDigit } from './dtmf.js';
import { looksLikeRtcp, parseRtcp } from './rtcp.js';

export interface MediaOptions {
  /** Also classify RTP that no SDP announced (marked heuristic). */
  heuristic: boolean;
  /** Keep downsampled jitter/delta series per stream (HTML plots). */
  series?: boolean;
  /** Most streams tracked at once. */
  maxStreams?: number;
}

interface Announced {
  callId: string;
  mediaType: string;
  rtpmap: Map<number, RtpMapEntry>;
  rtcp: boolean;
}

interface StreamState {
  key: string;
  callId: string | null;
  heuristic: boolean;
  src: string;
  dst: string;
  ssrc: number;
  mediaType: string;
  rtpmap: Map<number, RtpMapEntry>;
  stats: RtpStats;
  unwrap: TimestampUnwrapper;
  firstFrame: number;
  lastFrame: number;
  /** Packets per payload type, for the dominant codec. */
  ptCounts: Map<number, number>;
  dtmf: DtmfDecoder | null;
  rtcp: { senderReports: number; receiverReports: number; fractionLost: number; cumulativeLost: number; jitterMs: number } | null;
}

interface CallMedia {
  events: CallEventBuilder;
  /** Media sections by type, from the latest SDP (offer, then answer). */
  media: Map<string, { sdp: SdpMedia; codecs: string[] }>;
  infoDtmf: { frame: number; time: number; text: string }[];
  answerTime: number | null;
  /** Audio addresses its SDP announced, for the no-audio warning. */
  audioAddresses: Set<string>;
}

const TELEPHONE_EVENT = /^telephone-event$/i;

export function createMediaStage(opts: MediaOptions, warn: (w: Warning) => void): MediaStage {
  const maxStreams = opts.maxStreams ?? 100000;
  /** "ip port" -> what was announced there. */
  const announced = new Map<string, Announced>();
  const streams = new Map<string, StreamState>();
  const calls = new Map<string, CallMedia>();
  let streamLimitWarned = false;
  /** Heuristic candidates: flow+ssrc -> packets held until the stream proves itself. */
  const candidates = new Map<string, { d: { frame: number; time: number; payload: Uint8Array; ipLength: number; src: string; dst: string; srcPort: number; dstPort: number }[]; lastSeq: number }>();

  function callMedia(callId: string): CallMedia {
    let c = calls.get(callId);
    if (!c) {
      c = { events: new CallEventBuilder(), media: new Map(), infoDtmf: [], answerTime: null, audioAddresses: new Set() };
      calls.set(callId, c);
    }
    return c;
  }

  function announce(callId: string, sdp: Sdp): void {
    for (const m of sdp.media) {
      if (m.rejected || !m.address || m.address === '0.0.0.0' || m.address === '::') continue;
      const a: Announced = { callId, mediaType: m.type, rtpmap: m.rtpmap, rtcp: false };
      announced.set(`${m.address} ${m.port}`, a);
      if (!m.rtcpMux) announced.set(`${m.rtcpAddress ?? m.address} ${m.rtcpPort}`, { ...a, rtcp: true });
    }
  }

  function onSip(m: SipMessage, track: CallTrack): void {
    const cm = callMedia(m.callId);
    const msgs = track.call.messages;
    const last = msgs[msgs.length - 1];
    const retransmission = last?.frame === m.frame ? last.retransmission : false;
    const sdpText = findSdp(m.contentType, m.body);
    let sdp: Sdp | null = null;
    if (sdpText) {
      sdp = parseSdp(sdpText);
      announce(m.callId, sdp);
      for (const sec of sdp.media) {
        if (sec.type === 'audio' && !sec.rejected && sec.address && cm.audioAddresses.size < 16) cm.audioAddresses.add(endpoint(sec.address, sec.port));
        const codecs = sec.formats.map(Number).filter((pt) => Number.isInteger(pt)).map((pt) => codecName(pt, sec.rtpmap.get(pt)));
        const prev = cm.media.get(sec.type);
        // Keep the offer's codec list when the answer rejects the stream, so the call still says what was offered.
        if (!prev || !sec.rejected || prev.sdp.rejected) cm.media.set(sec.type, { sdp: sec, codecs });
        else cm.media.set(sec.type, { sdp: sec, codecs: prev.codecs });
      }
      if (last?.frame === m.frame) last.sdpSummary = sdpSummary(sdp, (sec, pt) => codecName(pt, sec.rtpmap.get(pt)));
    }
    if (!m.isRequest && m.cseqMethod === 'INVITE' && (m.status ?? 0) >= 200 && (m.status ?? 0) < 300 && cm.answerTime === null) cm.answerTime = m.time;
    if (m.isRequest && m.method === 'INFO' && !retransmission) {
      const digit = infoDtmfDigit(m.contentType, m.body);
      if (digit) cm.infoDtmf.push({ frame: m.frame, time: m.time, text: phrases.dtmf(digit, 'INFO') });
    }
    cm.events.add(m, sdp, retransmission);
  }

  function onUdp(d: Datagram, time: number): void {
    const p = d.payload;
    if (p.length < 8 || (p[0]! >> 6) !== 2) return;
    const toKey = `${d.dst} ${d.dstPort}`;
    let a = announced.get(toKey);
    if (!a) a = announced.get(`${d.src} ${d.srcPort}`);
    if (!a) {
      if (opts.heuristic) heuristic(d, time);
      return;
    }
    if (a.rtcp || looksLikeRtcp(p)) { rtcp(d, p); return; }
    if (p.length < 12) return;
    rtp(d, time, p, a.callId, a.mediaType, a.rtpmap, false);
  }

  function rtp(d: { frame: number; src: string; dst: string; srcPort: number; dstPort: number; ipLength: number }, time: number, p: Uint8Array, callId: string | null, mediaType: string, rtpmap: Map<number, RtpMapEntry>, heuristicStream: boolean): void {
    const ssrc = ((p[8]! << 24) | (p[9]! << 16) | (p[10]! << 8) | p[11]!) >>> 0;
    const key = `${d.src} ${d.srcPort} ${d.dst} ${d.dstPort} ${ssrc}`;
    let s = streams.get(key);
    if (!s) {
      if (streams.size >= maxStreams) {
        if (!streamLimitWarned) { streamLimitWarned = true; warn({ frame: d.frame, code: 'stream-limit', message: `more than ${maxStreams} RTP streams; later ones are not analysed` }); }
        return;
      }
      s = {
        key, callId, heuristic: heuristicStream, src: endpoint(d.src, d.srcPort), dst: endpoint(d.dst, d.dstPort), ssrc, mediaType,
        rtpmap, stats: new RtpStats(!!opts.series), unwrap: new TimestampUnwrapper(), firstFrame: d.frame, lastFrame: d.frame,
        ptCounts: new Map(), dtmf: null, rtcp: null,
      };
      streams.set(key, s);
    }
    const pt = p[1]! & 0x7f;
    const marker = (p[1]! & 0x80) !== 0;
    const seq = (p[2]! << 8) | p[3]!;
    const ts = ((p[4]! << 24) | (p[5]! << 16) | (p[6]! << 8) | p[7]!) >>> 0;
    const map = s.rtpmap.get(pt);
    s.lastFrame = d.frame;
    s.ptCounts.set(pt, (s.ptCounts.get(pt) ?? 0) + 1);
    s.stats.add(time * 1000, seq, ts, s.unwrap.next(ts), pt, marker, analysisClockRate(pt, map), d.ipLength);
    if (map && TELEPHONE_EVENT.test(map.name)) {
      // Payload after the fixed header, CSRCs and extension.
      let off = 12 + (p[0]! & 0x0f) * 4;
      if (p[0]! & 0x10 && off + 4 <= p.length) off += 4 + ((p[off + 2]! << 8) | p[off + 3]!) * 4;
      if (off < p.length) (s.dtmf ??= new DtmfDecoder()).add(p.subarray(off), ts, map.rate || 8000, d.frame, time);
    }
  }

  function rtcp(d: Datagram, p: Uint8Array): void {
    const info = parseRtcp(p);
    for (const b of info.blocks) {
      // The block describes the stream flowing towards the report's sender.
      for (const s of streams.values()) {
        if (s.ssrc !== b.ssrc) continue;
        const clock = s.stats.clockRate || 8000;
        s.rtcp ??= { senderReports: 0, receiverReports: 0, fractionLost: 0, cumulativeLost: 0, jitterMs: 0 };
        s.rtcp.fractionLost = Math.round(b.fractionLost * 10000) / 100;
        s.rtcp.cumulativeLost = b.cumulativeLost;
        s.rtcp.jitterMs = Math.round((b.jitter / clock) * 1e6) / 1000;
        if (info.senderReports) s.rtcp.senderReports++; else s.rtcp.receiverReports++;
      }
    }
  }

  /** RTP without SDP: a flow proves itself with three packets of one SSRC in sequence. */
  function heuristic(d: Datagram, time: number): void {
    const p = d.payload;
    if (p.length < 12 || d.srcPort < 1024 || d.dstPort < 1024 || looksLikeRtcp(p)) return;
    const pt = p[1]! & 0x7f;
    if (!(pt <= 34 || pt >= 96)) return;
    const ssrc = ((p[8]! << 24) | (p[9]! << 16) | (p[10]! << 8) | p[11]!) >>> 0;
    const key = `${d.src} ${d.srcPort} ${d.dst} ${d.dstPort} ${ssrc}`;
    if (streams.has(key)) { rtp(d, time, p, streams.get(key)!.callId, 'audio', new Map(), true); return; }
    const seq = (p[2]! << 8) | p[3]!;
    const held = { frame: d.frame, time, payload: p.slice(), ipLength: d.ipLength, src: d.src, dst: d.dst, srcPort: d.srcPort, dstPort: d.dstPort };
    const c = candidates.get(key);
    if (!c) {
      if (candidates.size >= 10000) candidates.delete(candidates.keys().next().value as string);
      candidates.set(key, { d: [held], lastSeq: seq });
      return;
    }
    const step = (seq - c.lastSeq + 65536) % 65536;
    if (step === 0 || step > 10) { candidates.set(key, { d: [held], lastSeq: seq }); return; }
    c.d.push(held);
    c.lastSeq = seq;
    if (c.d.length < 3) return;
    candidates.delete(key);
    const callId = callByAddress(d.src, d.dst, time);
    const kind = pt >= 96 || pt <= 34 ? 'audio' : 'audio';
    for (const h of c.d) rtp(h, h.time, h.payload, callId, kind, new Map(), true);
  }

  /** Tie a heuristic stream to the one call whose SIP participants share its addresses, if unique. */
  const callIps = new Map<string, Set<string>>();
  function callByAddress(src: string, dst: string, _time: number): string | null {
    const hits: string[] = [];
    for (const [id, ips] of callIps) if (ips.has(src) || ips.has(dst)) hits.push(id);
    return hits.length === 1 ? hits[0]! : null;
  }

  function finish(report: Report): void {
    const ordered = [...streams.values()].sort((a, b) => a.firstFrame - b.firstFrame);
    const byCall = new Map<string, number[]>();
    const out: RtpStream[] = ordered.map((s, i) => {
      const st = s.stats;
      // The dominant payload type names the stream; telephone-event and CN never do.
      let pt = -1;
      let best = -1;
      for (const [p, n] of s.ptCounts) {
        const name = s.rtpmap.get(p)?.name ?? '';
        const weight = TELEPHONE_EVENT.test(name) || p === 13 || p === 19 ? n / 1e6 : n;
        if (weight > best) { best = weight; pt = p; }
      }
      const map = s.rtpmap.get(pt);
      const durS = (st.stopTime - st.startTime) / 1000;
      const expected = st.expected;
      const stream: RtpStream = {
        index: i + 1, callId: s.callId, heuristic: s.heuristic, src: s.src, dst: s.dst,
        ssrc: '0x' + s.ssrc.toString(16).padStart(8, '0'), payloadType: pt, codec: codecName(pt, map),
        clockRate: nominalClockRate(pt, map), packets: st.packets, lost: st.lost,
        lossPct: expected > 0 ? round(st.lost * 100 / expected, 3) : 0, seqErrors: st.seqErrors,
        minDeltaMs: round(Math.max(0, st.minDelta), 3), meanDeltaMs: round(st.meanDelta, 3), maxDeltaMs: round(st.maxDelta, 3),
        meanJitterMs: round(st.meanJitter, 3), maxJitterMs: round(st.maxJitter, 3),
        ptimeMs: round(st.ptimeMs() ?? 0, 2), pps: durS > 0 ? round((st.packets - 1) / durS, 2) : 0,
        kbps: durS > 0 ? round(st.ipBytes * 8 / durS / 1000, 2) : 0,
        start: round(st.startTime / 1000, 6), stop: round(st.stopTime / 1000, 6), firstFrame: s.firstFrame, lastFrame: s.lastFrame,
        mediaType: s.mediaType, expected, markers: st.markers, payloadTypeChanges: st.ptChanges,
        payloadTypes: [...s.ptCounts.keys()].sort((a, b) => a - b),
        dtmf: s.dtmf ? s.dtmf.digits.map((g: DtmfDigit) => ({ digit: g.digit, frame: g.frame, time: round(g.time, 6), durationMs: g.durationMs })) : [],
        rtcp: s.rtcp,
      };
      if (s.stats.series) stream.series = s.stats.series as StreamSeries;
      if (s.callId) {
        const list = byCall.get(s.callId) ?? [];
        list.push(stream.index);
        byCall.set(s.callId, list);
      }
      return stream;
    });
    report.rtpStreams = out;
    const anyRtp = out.length > 0;
    for (const call of report.calls) {
      const cm = calls.get(call.callId);
      call.streams = byCall.get(call.callId) ?? [];
      if (!cm) continue;
      call.media = [...cm.media.values()].map(({ sdp, codecs }): MediaDescription => ({
        type: sdp.type, codecs, ptimeMs: sdp.ptime !== null ? Math.round(sdp.ptime) : null,
        direction: sdp.rejected ? 'rejected' : sdp.direction,
      }));
      const dtmf = call.streams.flatMap((i) => (out[i - 1]!.dtmf ?? []).map((g) => ({ frame: g.frame, time: g.time, text: phrases.dtmf(g.digit, 'RTP') })));
      call.events = CallEventBuilder.merge(cm.events.events, [...dtmf, ...cm.infoDtmf]);
      if (anyRtp) flagAudio(call, cm, out, report);
    }
  }

  /** Answered calls whose audio flowed one way or not at all, when the capture carries RTP at all. */
  function flagAudio(call: Call, cm: CallMedia, out: RtpStream[], report: Report): void {
    if (call.kind !== 'call' || cm.answerTime === null) return;
    const audio = cm.media.get('audio');
    if (!audio || audio.sdp.rejected || audio.sdp.direction !== 'sendrecv') return;
    const audioStreams = call.streams.map((i) => out[i - 1]!).filter((s) => s.mediaType === 'audio' && s.packets >= 5);
    const directions = new Set(audioStreams.map((s) => `${s.src} -> ${s.dst}`));
    // Audio flowed both ways when at least two hosts sent it. Host pairs are not compared:
    // behind NAT or a relay the two directions of one call use different addresses.
    const senders = new Set(audioStreams.map((s) => s.src.replace(/:\d+$/, '')));
    const flows = directions;
    const reverse = senders.size >= 2;
    if (flows.size === 0) {
      call.outcome = `${call.outcome ?? 'ANSWERED'}, NO AUDIO`;
      report.warnings.push({ frame: call.firstFrame, code: 'no-audio', message: `call ${call.index} (${call.callId}) was answered but no audio RTP was captured (SDP announced ${[...cm.audioAddresses].join(', ') || 'no address'}; the media may have taken a path the capture did not see)` });
    } else if (!reverse) {
      call.outcome = `${call.outcome ?? 'ANSWERED'}, ONE-WAY AUDIO`;
      report.warnings.push({ frame: call.firstFrame, code: 'one-way-audio', message: `call ${call.index} (${call.callId}): audio RTP was captured in one direction only (${[...directions].join(', ')})` });
    }
  }

  return {
    onSip(m, track) {
      let ips = callIps.get(m.callId);
      if (!ips) { ips = new Set(); callIps.set(m.callId, ips); }
      if (ips.size < 64) { ips.add(m.srcIp); ips.add(m.dstIp); }
      onSip(m, track);
    },
    onUdp,
    finish,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
