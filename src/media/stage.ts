/**
 * The media tap (tap.ts): SDP announces
 * where media will flow, UDP to or from those endpoints is RTP (or RTCP),
 * each (src, dst, SSRC) is a stream with Wireshark-grade statistics, and the
 * calls get their media, streams, DTMF and event timeline.
 *
 * Like Wireshark's SDP-set conversations, an endpoint counts from the frame of
 * the SDP that announced it; a later SDP for the same address replaces it. A
 * datagram is looked up by its destination endpoint first, then its source
 * (Wireshark's get_conv_info), which decides the payload-type map it is read with.
 * A media section that is not RTP (m=image ... udptl t38 after a fax
 * re-INVITE, any other transport) replaces the endpoint's RTP just the same:
 * its packets end the RTP stream there and are counted as the call's
 * `otherMedia`, not as RTP. SDP from MGCP and MEGACO (gateway-sdp.ts)
 * announces streams as Wireshark's SDP dissector does; they belong to no call.
 *
 * The per-packet path builds no strings: endpoints are found through maps
 * keyed by the decoder's address text and numeric ports, streams through a
 * flow table (source ip -> ports -> destination ip -> SSRC).
 */
import { PayloadView } from '../net/payload-view.js';
import type { Call, CallEvent, MediaDescription, OtherMedia, PacketMeta, Report, RtpStream, SipMessage, Warning } from '../model.js';
import type { RtpPacket, RtpStreamRef, Tap, TapContext, TransportPacket } from '../tap.js';
import type { CallTrack } from '../sip/calls.js';
import { endpoint, hostOf, ipv6Bytes, ipv6ToString } from '../net/addr.js';
import { findSdp } from '../sip/multipart.js';
import { callEvent, CallEventBuilder } from '../events.js';
import { analysisClockRate, codecName, nominalClockRate, PT_CN, PT_CN_OLD } from './codecs.js';
import { parseSdp, sdpSummary, type RtpMapEntry, type Sdp, type SdpMedia } from './sdp.js';
import { RtpStats, TimestampUnwrapper } from './rtp-stats.js';
import { DtmfDecoder, infoDtmfDigit } from './dtmf.js';
import { looksLikeRtcp, looksLikeRtcpAt, parseRtcp } from './rtcp.js';
import { addrKey, EndpointIndex, FlowIndex } from './endpoint-index.js';
import { gatewaySdps, isGatewayPort } from './gateway-sdp.js';

export interface MediaOptions {
  /** Also classify RTP that no SDP announced (marked heuristic). */
  heuristic: boolean;
  /** Most streams tracked at once. */
  maxStreams?: number;
}

/** Most streams tracked unless told otherwise (each costs about 9 kB with its report entry, measured on an SSRC flood: 50 000 keep a flood under ~500 MB). */
export const DEFAULT_MAX_STREAMS = 50000;
/** Unannounced flows watched at once by the heuristic. */
export const MAX_HEURISTIC_CANDIDATES = 10000;
/** Packets of one SSRC in sequence before an unannounced flow counts as RTP. */
export const HEURISTIC_PACKETS = 3;
/** Calls without captured media warned about one by one; more are summed up in one warning. */
export const NOT_CAPTURED_LISTED = 3;
/** Seconds around a call's SIP messages in which a heuristic stream may belong to it. */
export const HEURISTIC_CALL_SLACK_S = 5;
/** Non-RTP media flows (T.38...) kept at once. */
export const MAX_OTHER_FLOWS = 10000;
/** Unannounced UDP flows watched for the "RTP without SDP" hint (without --rtp-heuristic). */
export const MAX_HINT_FLOWS = 1024;
/** Packets in sequence before an unannounced flow counts as RTP for that hint. */
export const HINT_PACKETS = 20;

/** What one SDP media section announced at one address and port. */
interface Announced {
  /** The SIP call whose SDP it was; null for SDP from MGCP/MEGACO. */
  call: CallMedia | null;
  mediaType: string;
  rtpmap: Map<number, RtpMapEntry>;
  rtcp: boolean;
  /** Analysis clock rate per payload type, -1 = not computed yet. */
  clock: Int32Array;
  /** Not RTP: the section's transport and format ("udptl", "t38"); its packets are other media. */
  other: { protocol: string; format: string } | null;
  /** SRTP (RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVPF): the headers are read, the payload is encrypted. */
  srtp: boolean;
}

/** Packets of a non-RTP media section in one direction, as the tap counts them. */
interface OtherFlow {
  call: CallMedia | null;
  src: string; dst: string; srcIp: string; srcPort: number; dstIp: string; dstPort: number;
  mediaType: string; protocol: string; format: string;
  packets: number; firstFrame: number; lastFrame: number; start: number; stop: number;
}

/** A stream as the tap tracks it; taps see it as an RtpStreamRef. */
interface StreamState extends RtpStreamRef {
  call: CallMedia | null;
  callId: string | null;
  index: number;
  heuristic: boolean;
  src: string;
  dst: string;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  ssrc: number;
  mediaType: string;
  /** The payload-type map of the announcement the last packet was read with. */
  rtpmap: Map<number, RtpMapEntry>;
  stats: RtpStats;
  unwrap: TimestampUnwrapper;
  firstFrame: number;
  lastFrame: number;
  /** Packets per payload type, for the dominant codec. */
  ptCounts: Uint32Array;
  dtmf: DtmfDecoder | null;
  rtcp: { senderReports: number; receiverReports: number; fractionLost: number; cumulativeLost: number; jitterMs: number } | null;
  /** Announced as SRTP. */
  srtp: boolean;
}

/** Datagrams between two endpoints (one direction): their streams by SSRC, or a heuristic candidate. */
interface Flow {
  streams: Map<number, StreamState>;
  /** The stream of the last packet (flows rarely change SSRC). */
  last: StreamState | null;
  /** The announcement this flow is read with, valid while `gen` equals the stage's announcement generation. */
  ann: Announced | undefined;
  gen: number;
  /** Heuristic: packets held while the flow proves itself to be RTP. */
  held: { frame: number; time: number; payload: Uint8Array; ipLength: number; ssrc: number; seq: number }[] | null;
  /** Packets of a non-RTP section (T.38...) on this flow, for the call that announced it. */
  other: OtherFlow | null;
}

interface CallMedia {
  callId: string;
  events: CallEventBuilder;
  /** Media sections by type, from the latest SDP (offer, then answer). */
  media: Map<string, { sdp: SdpMedia; codecs: string[] }>;
  infoDtmf: CallEvent[];
  answerTime: number | null;
  /** Audio endpoints its SDP announced, for the audio warnings. */
  audioEndpoints: Set<string>;
  /** Some datagram (RTP, RTCP, STUN...) reached an endpoint of this call after the answer. */
  mediaPathSeen: boolean;
  /** IPs of the call's SIP participants, to tie heuristic streams to it. */
  ips: Set<string>;
  /** An INVITE dialog (INVITE, ACK, BYE... seen): the only kind that carries media. */
  invite: boolean;
  /** Time of its first and last SIP message. */
  first: number;
  last: number;
  /** Capture time of its last RTP packet (for --ndjson: a call leaves memory when quiet). */
  lastMedia: number;
  /** Its streams, and the endpoints its SDP announced (released with the call). */
  streams: StreamState[];
  announcedAt: [string, number][];
  /** Its non-RTP media flows (T.38...). */
  others: OtherFlow[];
}

const TELEPHONE_EVENT = /^telephone-event$/i;

/** The part of a packet's metadata a stream is made from (held heuristic packets carry only this). */
type Endpoints = Pick<PacketMeta, 'frame' | 'src' | 'dst' | 'srcPort' | 'dstPort'>;

/** Wireshark's SDP c= address as the decoder prints datagram addresses (IPv6 compressed per RFC 5952). */
export function canonicalAddress(addr: string): string {
  if (!addr.includes(':')) return addr;
  try { return ipv6ToString(ipv6Bytes(addr), 0); } catch { return addr.toLowerCase(); }
}

/** The media tap; `analyze()` composes it unless told `media: false`. */
export function createMediaTap(opts: Partial<MediaOptions> = {}): Tap {
  const maxStreams = opts.maxStreams ?? DEFAULT_MAX_STREAMS;
  let ctx: TapContext = { warn: () => {}, emitRtp: () => {}, rtpListened: false };
  const warn = (w: Warning) => ctx.warn(w);
  /** The record handed to onRtp taps, reused for every packet; its payload view is made only when a tap reads it. */
  const published = new PublishedRtp();
  /** What was announced at each endpoint (latest SDP wins). */
  const announced = new EndpointIndex<Announced>();
  /** One direction of a UDP flow -> its streams (or heuristic candidate). */
  const flows = new FlowIndex<Flow>();
  /** Streams in memory (a retired call's go with it), and how many were made in all. */
  const streamSet = new Set<StreamState>();
  let streamsMade = 0;
  /** The next RtpStream.index: streams of retired calls are numbered as they leave. */
  let nextIndex = 1;
  /** Answered calls whose media the capture never saw: the first few, and how many in all. */
  const notCaptured: { call: Call; where: string }[] = [];
  let notCapturedCount = 0;
  /** SSRC -> streams, for RTCP report blocks. */
  const bySsrc = new Map<number, StreamState[]>();
  const calls = new Map<string, CallMedia>();
  let streamLimitWarned = false;
  let candidateLimitWarned = false;
  let candidates = 0;
  /** Non-RTP media flows of no SIP call (announced by MGCP/MEGACO), and how many flows there are in all. */
  const orphanOthers: OtherFlow[] = [];
  let otherFlows = 0;
  let otherLimitWarned = false;
  /** Without --rtp-heuristic: unannounced flows that look like RTP, for a hint at the end. */
  const hint = new FlowIndex<{ ssrc: number; seq: number; run: number; packets: number }>();
  let hintFull = false;

  function callMedia(callId: string): CallMedia {
    let c = calls.get(callId);
    if (!c) {
      c = {
        callId, events: new CallEventBuilder(), media: new Map(), infoDtmf: [], answerTime: null,
        audioEndpoints: new Set(), mediaPathSeen: false, ips: new Set(), invite: false, first: Infinity, last: -Infinity,
        lastMedia: -Infinity, streams: [], announcedAt: [], others: [],
      };
      calls.set(callId, c);
    }
    return c;
  }

  /** Bumped by every announcement: flows re-check theirs when it changed. */
  let gen = 0;

  function register(ip: string, port: number, a: Announced): void {
    announced.set(ip, port, a);
    if (a.call && a.call.announcedAt.length < 256) a.call.announcedAt.push([ip, port]);
    gen++;
  }

  /**
   * Clock-rate tables shared by announcements whose payload maps give the same
   * rates (a call flood announces thousands alike): rtp() fills a table from
   * analysisClockRate(pt, rtpmap.get(pt)), a function of the map's dynamic
   * entries, which are fixed once announce() returns. Bounded; beyond it each
   * announcement gets its own table, as before.
   */
  const clockTables = new Map<string, Int32Array>();
  const MAX_CLOCK_TABLES = 1024;
  function clockTable(rtpmap: Map<number, RtpMapEntry>): Int32Array {
    let key = '';
    for (const [pt, e] of rtpmap) if (pt >= 96) key += `${pt}\u0000${e.name}\u0000${e.rate}\u0001`;
    let t = clockTables.get(key);
    if (!t) {
      t = new Int32Array(128).fill(-1);
      if (clockTables.size < MAX_CLOCK_TABLES) clockTables.set(key, t);
    }
    return t;
  }
  const NO_CLOCK = new Int32Array(0);

  function announce(cm: CallMedia | null, sdp: Sdp): void {
    /** Sections of this SDP on one port share a payload map (BUNDLE), as in Wireshark. */
    const here = new Map<string, Announced>();
    /** What this SDP registered (RTCP copies included): their clock tables are chosen once the payload maps are complete. */
    const made: Announced[] = [];
    for (const m of sdp.media) {
      if (m.rejected || !m.address || m.address === '0.0.0.0' || m.address === '::') continue;
      const rtp = /^RTP\/|^UDP\/TLS\/RTP\//i.test(m.proto) || m.proto === '';
      const ip = canonicalAddress(m.address);
      if (!rtp && !/^[0-9a-f.:]+$/i.test(ip)) continue;
      const key = `${ip} ${m.port}`;
      const prev = here.get(key);
      if (prev) {
        for (const [pt, e] of m.rtpmap) if (!prev.rtpmap.has(pt)) prev.rtpmap.set(pt, e);
        continue;
      }
      // Gateway SDP (no call) for an endpoint a SIP call announced keeps that call: the gateway serves its media.
      const owner = cm ?? announced.get(ip, m.port)?.call ?? null;
      const a: Announced = {
        call: owner, mediaType: m.type, rtpmap: new Map(m.rtpmap), rtcp: false, clock: NO_CLOCK,
        // Another transport (T.38 over UDPTL after a fax re-INVITE...) takes the port over from RTP.
        other: rtp ? null : { protocol: m.proto, format: m.formats.join(' ') },
        srtp: /SAVP/i.test(m.proto),
      };
      here.set(key, a);
      register(ip, m.port, a);
      made.push(a);
      if (rtp && !m.rtcpMux && m.rtcpPort !== m.port) {
        const r: Announced = { ...a, rtcp: true };
        register(m.rtcpAddress ? canonicalAddress(m.rtcpAddress) : ip, m.rtcpPort, r);
        made.push(r);
      }
    }
    // An RTCP copy shares its section's payload map, so it gets the same table (as it shared the array before).
    for (const a of made) a.clock = clockTable(a.rtpmap);
  }

  function onSip(m: SipMessage, track: CallTrack): void {
    const cm = callMedia(m.callId);
    if (cm.ips.size < 64) { cm.ips.add(m.srcIp); cm.ips.add(m.dstIp); }
    if (m.cseqMethod === 'INVITE' || m.cseqMethod === 'ACK' || m.cseqMethod === 'BYE') cm.invite = true;
    if (m.time < cm.first) cm.first = m.time;
    if (m.time > cm.last) cm.last = m.time;
    const msgs = track.call.messages;
    const last = msgs[msgs.length - 1];
    const mine = last?.frame === m.frame ? last : undefined;
    const retransmission = mine?.retransmission ?? false;
    const sdpText = m.body ? findSdp(m.contentType, m.body) : null;
    let sdp: Sdp | null = null;
    if (sdpText) {
      sdp = parseSdp(sdpText);
      announce(cm, sdp);
      for (const sec of sdp.media) {
        if (sec.type === 'audio' && !sec.rejected && sec.address && cm.audioEndpoints.size < 16) cm.audioEndpoints.add(endpoint(canonicalAddress(sec.address), sec.port));
        const codecs = sec.formats.map(Number).filter((pt) => Number.isInteger(pt)).map((pt) => codecName(pt, sec.rtpmap.get(pt)));
        const prev = cm.media.get(sec.type);
        // A rejected section ("m=video 0 RTP/AVP 0") lists a placeholder format: keep the codecs
        // known from before, so the call still says what was offered or used.
        cm.media.set(sec.type, { sdp: sec, codecs: sec.rejected && prev ? prev.codecs : codecs });
      }
      if (mine) mine.sdpSummary = sdpSummary(sdp, (sec, pt) => codecName(pt, sec.rtpmap.get(pt)));
    }
    if (!m.isRequest && m.cseqMethod === 'INVITE' && (m.status ?? 0) >= 200 && (m.status ?? 0) < 300 && cm.answerTime === null) cm.answerTime = m.time;
    if (m.isRequest && m.method === 'INFO' && !retransmission) {
      const digit = infoDtmfDigit(m.contentType, m.body);
      if (digit) cm.infoDtmf.push(callEvent(m.frame, m.time, { kind: 'dtmf', digit, via: 'INFO' }));
    }
    cm.events.add(m, sdp, retransmission);
  }

  function newFlow(d: TransportPacket): Flow {
    const f: Flow = { streams: new Map(), last: null, ann: undefined, gen: -1, held: null, other: null };
    flows.set(d.src, d.srcPort, d.dst, d.dstPort, f);
    return f;
  }

  function onUdp(d: TransportPacket): void {
    // The payload in place, b[o, e) (no view for the RTP path), or the view when the packet has no bytes.
    const inPlace = d.bytes;
    const b = inPlace ?? d.payload;
    const o = inPlace ? d.start! : 0;
    const e = inPlace ? d.end! : b.length;
    const time = d.time;
    if (isGatewayPort(d.srcPort, d.dstPort) && e > o && b[o]! < 0x80) {
      // MGCP / MEGACO text: its SDP announces media (for no SIP call); the message itself is not media.
      for (const text of gatewaySdps(d.payload, d.srcPort, d.dstPort)) announce(null, parseSdp(text));
      return;
    }
    // Numeric address keys (the decoder's; worked out from the text for packets built elsewhere).
    const sk = d.srcKey ?? addrKey(d.src);
    const dk = d.dstKey ?? addrKey(d.dst);
    let flow = flows.getKeyed(sk, d.src, d.srcPort, dk, d.dst, d.dstPort);
    let a: Announced | undefined;
    if (flow && flow.gen === gen) a = flow.ann;
    else {
      // Wireshark's get_conv_info: the destination's conversation first, then the source's.
      a = announced.getKeyed(dk, d.dst, d.dstPort) ?? announced.getKeyed(sk, d.src, d.srcPort);
      if (flow) { flow.ann = a; flow.gen = gen; }
    }
    if (!a) {
      if (opts.heuristic) heuristic(d, time, flow);
      else if (e - o >= 12 && (b[o]! >> 6) === 2 && !hintFull) watchUnannounced(d);
      return;
    }
    const cm = a.call;
    if (cm && !cm.mediaPathSeen && cm.answerTime !== null && time >= cm.answerTime) cm.mediaPathSeen = true;
    if (a.other) { otherMedia(d, time, flow, a); return; }
    if (e - o < 8 || (b[o]! >> 6) !== 2) return; // STUN, DTLS, ZRTP... (RFC 7983)
    if (a.rtcp || looksLikeRtcpAt(b, o, e)) { rtcp(d.payload); return; }
    if (e - o < 12) return;
    if (!flow) { flow = newFlow(d); flow.ann = a; flow.gen = gen; }
    rtp(d, time, b, o, e, flow, a, false);
  }

  /** A packet of a non-RTP section (T.38 after a fax re-INVITE...): counted per direction and call, never RTP. */
  function otherMedia(d: TransportPacket, time: number, existing: Flow | undefined, a: Announced): void {
    const flow = existing ?? newFlow(d);
    flow.ann = a;
    flow.gen = gen;
    let o = flow.other;
    if (o === null || o.call !== a.call || o.protocol !== a.other!.protocol) {
      if (otherFlows >= MAX_OTHER_FLOWS) {
        if (!otherLimitWarned) { otherLimitWarned = true; warn({ frame: d.frame, code: 'other-media-limit', message: `more than ${MAX_OTHER_FLOWS} non-RTP media flows; later ones are not counted` }); }
        return;
      }
      otherFlows++;
      o = {
        call: a.call, src: endpoint(d.src, d.srcPort), dst: endpoint(d.dst, d.dstPort), srcIp: d.src, srcPort: d.srcPort, dstIp: d.dst, dstPort: d.dstPort,
        mediaType: a.mediaType, protocol: a.other!.protocol, format: a.other!.format, packets: 0, firstFrame: d.frame, lastFrame: d.frame, start: time, stop: time,
      };
      flow.other = o;
      if (a.call) a.call.others.push(o); else orphanOthers.push(o);
    }
    o.packets++;
    o.lastFrame = d.frame;
    if (time < o.start) o.start = time;
    if (time > o.stop) o.stop = time;
    if (a.call) a.call.lastMedia = time;
  }

  /** Without --rtp-heuristic: remember unannounced flows that step like RTP, for the hint in finish(). */
  function watchUnannounced(d: TransportPacket): void {
    const p = d.payload;
    const pt = p[1]! & 0x7f;
    if (d.srcPort < 1024 || d.dstPort < 1024 || !(pt <= 34 || pt >= 96) || looksLikeRtcp(p)) return;
    const ssrc = ((p[8]! << 24) | (p[9]! << 16) | (p[10]! << 8) | p[11]!) >>> 0;
    const seq = (p[2]! << 8) | p[3]!;
    const h = hint.getKeyed(d.srcKey ?? addrKey(d.src), d.src, d.srcPort, d.dstKey ?? addrKey(d.dst), d.dst, d.dstPort);
    if (!h) {
      if (hint.size >= MAX_HINT_FLOWS) { hintFull = true; return; }
      hint.set(d.src, d.srcPort, d.dst, d.dstPort, { ssrc, seq, run: 1, packets: 1 });
      return;
    }
    const step = (seq - h.seq + 65536) % 65536;
    h.run = h.ssrc === ssrc && step >= 1 && step <= 10 ? h.run + 1 : 1;
    h.ssrc = ssrc;
    h.seq = seq;
    h.packets++;
  }

  function newStream(d: Endpoints, ssrc: number, call: CallMedia | null, mediaType: string, rtpmap: Map<number, RtpMapEntry>, heuristicStream: boolean, srtp = false): StreamState | null {
    if (streamSet.size >= maxStreams) {
      if (!streamLimitWarned) { streamLimitWarned = true; warn({ frame: d.frame, code: 'stream-limit', message: `more than ${maxStreams} RTP streams (stream limit); later ones are not analysed` }); }
      return null;
    }
    const s: StreamState = {
      call, callId: call?.callId ?? null, index: 0, heuristic: heuristicStream, src: endpoint(d.src, d.srcPort), dst: endpoint(d.dst, d.dstPort), srcIp: d.src, dstIp: d.dst, srcPort: d.srcPort, dstPort: d.dstPort, ssrc, mediaType,
      rtpmap, stats: new RtpStats(), unwrap: new TimestampUnwrapper(), firstFrame: d.frame, lastFrame: d.frame,
      ptCounts: new Uint32Array(128), dtmf: null, rtcp: null, srtp,
    };
    streamSet.add(s);
    streamsMade++;
    call?.streams.push(s);
    const same = bySsrc.get(ssrc);
    if (same) same.push(s); else bySsrc.set(ssrc, [s]);
    return s;
  }

  /** One RTP packet of a flow, p[o, e), read with the payload map of `a` (null for heuristic streams). */
  function rtp(d: Endpoints & { ipLength: number }, time: number, p: Uint8Array, o: number, e: number, flow: Flow, a: Announced | null, heuristicStream: boolean, call: CallMedia | null = null): void {
    const ssrc = ((p[o + 8]! << 24) | (p[o + 9]! << 16) | (p[o + 10]! << 8) | p[o + 11]!) >>> 0;
    let s = flow.last;
    if (s === null || s.ssrc !== ssrc) {
      s = flow.streams.get(ssrc) ?? null;
      if (s === null) {
        s = newStream(d, ssrc, a ? a.call : call, a ? a.mediaType : 'audio', a ? a.rtpmap : new Map(), heuristicStream, a?.srtp ?? false);
        if (s === null) return;
        flow.streams.set(ssrc, s);
      }
      flow.last = s;
    }
    const pt = p[o + 1]! & 0x7f;
    const marker = (p[o + 1]! & 0x80) !== 0;
    const seq = (p[o + 2]! << 8) | p[o + 3]!;
    const ts = ((p[o + 4]! << 24) | (p[o + 5]! << 16) | (p[o + 6]! << 8) | p[o + 7]!) >>> 0;
    let clock: number;
    let event = false;
    if (a) {
      if (s.rtpmap !== a.rtpmap) s.rtpmap = a.rtpmap;
      clock = a.clock[pt]!;
      if (clock < 0) { clock = analysisClockRate(pt, a.rtpmap.get(pt)); a.clock[pt] = clock; }
      event = clock === 0 && pt >= 96 && TELEPHONE_EVENT.test(a.rtpmap.get(pt)?.name ?? '');
    } else {
      clock = analysisClockRate(pt, undefined);
    }
    s.lastFrame = d.frame;
    if (s.call) s.call.lastMedia = time;
    s.ptCounts[pt]!++;
    const extTs = s.unwrap.next(ts);
    s.stats.add(time * 1000, seq, extTs, pt, marker, clock, d.ipLength);
    if (!event && !ctx.rtpListened) return;
    // Payload after the fixed header, CSRCs and extension.
    let off = o + 12 + (p[o]! & 0x0f) * 4;
    if (p[o]! & 0x10 && off + 4 <= e) off += 4 + ((p[off + 2]! << 8) | p[off + 3]!) * 4;
    if (event && off < e) (s.dtmf ??= new DtmfDecoder()).add(p.subarray(off, e), ts, s.rtpmap.get(pt)?.rate || 8000, d.frame, time);
    if (ctx.rtpListened) {
      const r = published;
      r.stream = s; r.frame = d.frame; r.time = time; r.seq = seq; r.timestamp = ts; r.extTimestamp = extTs;
      r.payloadType = pt; r.marker = marker; r.clockRate = clock;
      r.place(p, off < e ? off : e, e);
      r.jitterMs = s.stats.jitter; r.deltaMs = s.stats.delta; r.packets = s.stats.packets;
      ctx.emitRtp(r);
    }
  }

  function rtcp(p: Uint8Array): void {
    const info = parseRtcp(p);
    for (const ssrc of info.senders) {
      const list = bySsrc.get(ssrc);
      if (list) for (const s of list) rtcpOf(s).senderReports++;
    }
    for (const b of info.blocks) {
      // A report block describes the stream with that SSRC, as its receiver saw it; the latest one wins.
      const list = bySsrc.get(b.ssrc);
      if (!list) continue;
      for (const s of list) {
        const r = rtcpOf(s);
        r.receiverReports++;
        r.fractionLost = Math.round(b.fractionLost * 10000) / 100;
        r.cumulativeLost = b.cumulativeLost;
        r.jitterMs = Math.round((b.jitter / (s.stats.clockRate || 8000)) * 1e6) / 1000;
      }
    }
  }

  function rtcpOf(s: StreamState): NonNullable<StreamState['rtcp']> {
    return (s.rtcp ??= { senderReports: 0, receiverReports: 0, fractionLost: 0, cumulativeLost: 0, jitterMs: 0 });
  }

  /**
   * RTP without SDP: version 2, a plausible payload type (not RTCP's 72-76,
   * not unassigned 35-95), both ports unprivileged, and HEURISTIC_PACKETS
   * packets of one SSRC with sequence numbers stepping forward by 1..10.
   * SIP never reaches here; STUN, DTLS and ZRTP fail the version check.
   */
  function heuristic(d: TransportPacket, time: number, existing: Flow | undefined): void {
    const p = d.payload;
    if (p.length < 12 || (p[0]! >> 6) !== 2 || d.srcPort < 1024 || d.dstPort < 1024 || looksLikeRtcp(p)) return;
    const pt = p[1]! & 0x7f;
    if (!(pt <= 34 || pt >= 96)) return;
    if (existing && existing.held === null && existing.streams.size) {
      rtp(d, time, p, 0, p.length, existing, null, true, null);
      return;
    }
    let flow = existing;
    if (!flow) {
      if (candidates >= MAX_HEURISTIC_CANDIDATES) {
        if (!candidateLimitWarned) {
          candidateLimitWarned = true;
          warn({ frame: d.frame, code: 'heuristic-limit', message: `more than ${MAX_HEURISTIC_CANDIDATES} unannounced UDP flows looked like RTP; later ones were not examined by --rtp-heuristic` });
        }
        return;
      }
      flow = newFlow(d);
      candidates++;
    }
    const ssrc = ((p[8]! << 24) | (p[9]! << 16) | (p[10]! << 8) | p[11]!) >>> 0;
    const seq = (p[2]! << 8) | p[3]!;
    const held = { frame: d.frame, time, payload: p.slice(), ipLength: d.ipLength, ssrc, seq };
    const h = flow.held;
    const prev = h?.[h.length - 1];
    const step = prev ? (seq - prev.seq + 65536) % 65536 : 0;
    if (!h || !prev || prev.ssrc !== ssrc || step === 0 || step > 10) { flow.held = [held]; return; }
    h.push(held);
    if (h.length < HEURISTIC_PACKETS) return;
    flow.held = null;
    candidates--;
    // The call is chosen in finish(): the SIP of a call caught mid-way may come after its RTP.
    const meta = { src: d.src, dst: d.dst, srcPort: d.srcPort, dstPort: d.dstPort };
    for (const x of h) rtp({ ...meta, frame: x.frame, ipLength: x.ipLength }, x.time, x.payload, 0, x.payload.length, flow, null, true, null);
  }

  /**
   * Tie a heuristic stream to a call: the one INVITE dialog whose SIP
   * participants share an address with the stream; when several do, the one
   * whose messages span the stream's start (within HEURISTIC_CALL_SLACK_S). Null when in doubt.
   */
  function callByAddress(src: string, dst: string, time: number): CallMedia | null {
    const hits: CallMedia[] = [];
    for (const c of calls.values()) if (c.invite && (c.ips.has(src) || c.ips.has(dst))) hits.push(c);
    if (hits.length <= 1) return hits[0] ?? null;
    const active = hits.filter((c) => c.first <= time + HEURISTIC_CALL_SLACK_S && time <= c.last + HEURISTIC_CALL_SLACK_S);
    return active.length === 1 ? active[0]! : null;
  }

  /** The RtpStream the report lists for a stream the tap tracked. */
  function toRtpStream(s: StreamState): RtpStream {
    const st = s.stats;
    // The dominant payload type names the stream; telephone-event and CN never do.
    let pt = -1;
    let best = -1;
    const payloadTypes: number[] = [];
    for (let p = 0; p < 128; p++) {
      const n = s.ptCounts[p]!;
      if (!n) continue;
      payloadTypes.push(p);
      const name = s.rtpmap.get(p)?.name ?? '';
      const weight = TELEPHONE_EVENT.test(name) || p === PT_CN || p === PT_CN_OLD ? n / 1e6 : n;
      if (weight > best) { best = weight; pt = p; }
    }
    const map = s.rtpmap.get(pt);
    const durS = (st.stopTime - st.startTime) / 1000;
    const expected = st.expected;
    return {
      index: s.index, callId: s.callId, heuristic: s.heuristic, src: s.src, dst: s.dst,
      ssrc: '0x' + s.ssrc.toString(16).padStart(8, '0'), payloadType: pt, codec: codecName(pt, map),
      clockRate: nominalClockRate(pt, map), packets: st.packets, lost: st.lost,
      lossPct: expected > 0 ? round(st.lost * 100 / expected, 3) : 0, seqErrors: st.seqErrors,
      // As tshark prints them: a negative min delta means capture time went backwards.
      minDeltaMs: st.regular ? round(st.minDelta, 3) : 0, meanDeltaMs: round(st.meanDelta, 3), maxDeltaMs: round(st.maxDelta, 3),
      meanJitterMs: round(st.meanJitter, 3), maxJitterMs: round(st.maxJitter, 3),
      ptimeMs: round(st.ptimeMs() ?? 0, 2), pps: durS > 0 ? round((st.packets - 1) / durS, 2) : 0,
      kbps: durS > 0 ? round(st.ipBytes * 8 / durS / 1000, 2) : 0,
      start: round(st.startTime / 1000, 6), stop: round(st.stopTime / 1000, 6), firstFrame: s.firstFrame, lastFrame: s.lastFrame,
      mediaType: s.mediaType, expected, markers: st.markers, payloadTypeChanges: st.ptChanges, payloadTypes,
      dtmf: s.dtmf ? s.dtmf.digits.map((g) => ({ digit: g.digit, frame: g.frame, time: round(g.time, 6), durationMs: g.durationMs })) : [],
      rtcp: s.rtcp,
    };
  }

  /** Number streams in order of their first frame, from nextIndex on, and list them. */
  function number(list: StreamState[]): RtpStream[] {
    const ordered = list.slice().sort((a, b) => a.firstFrame - b.firstFrame);
    for (const s of ordered) { s.index = nextIndex++; s.callId = s.call?.callId ?? null; }
    return ordered.map(toRtpStream);
  }

  /** The report's form of a non-RTP media flow. */
  function toOtherMedia(o: OtherFlow): OtherMedia {
    return {
      src: o.src, dst: o.dst, mediaType: o.mediaType, protocol: o.protocol, format: o.format, packets: o.packets,
      firstFrame: o.firstFrame, lastFrame: o.lastFrame, start: round(o.start, 6), stop: round(o.stop, 6),
    };
  }

  /** What the call learns from its media: SDP sections, stream indexes, DTMF and other events, audio warnings. */
  function settleCall(call: Call, cm: CallMedia | undefined, streams: RtpStream[]): void {
    call.streams = streams.map((s) => s.index);
    if (!cm) return;
    if (cm.others.length) call.otherMedia = cm.others.map(toOtherMedia);
    call.media = [...cm.media.values()].map(({ sdp, codecs }): MediaDescription => ({
      type: sdp.type, codecs, ptimeMs: sdp.ptime !== null ? Math.round(sdp.ptime) : null,
      direction: sdp.rejected ? 'rejected' : sdp.direction,
    }));
    const dtmf = streams.flatMap((s) => (s.dtmf ?? []).map((g) => callEvent(g.frame, g.time, { kind: 'dtmf', digit: g.digit, via: 'RTP' })));
    call.events = CallEventBuilder.merge(cm.events.events, [...dtmf, ...cm.infoDtmf]);
    markSsrcChanges(streams);
    flagAudio(call, cm, streams);
  }

  /** A retired call leaves memory: its streams settled and numbered, its flows and announcements released. */
  function retire(call: Call, out: { streams: RtpStream[] }): void {
    const cm = calls.get(call.callId);
    if (!cm) { settleCall(call, undefined, []); return; }
    // Heuristic streams are tied to calls at the end; one that belongs to this call by address goes with it now.
    if (opts.heuristic) for (const s of streamSet) {
      if (s.heuristic && !s.call && callByAddress(s.srcIp, s.dstIp, s.stats.startTime / 1000) === cm) { s.call = cm; cm.streams.push(s); }
    }
    const streams = number(cm.streams);
    settleCall(call, cm, streams);
    out.streams.push(...streams);
    for (const s of cm.streams) {
      streamSet.delete(s);
      const flow = flows.get(s.srcIp, s.srcPort, s.dstIp, s.dstPort);
      if (flow && [...flow.streams.values()].every((x) => x.call === cm)) flows.delete(s.srcIp, s.srcPort, s.dstIp, s.dstPort);
      const same = bySsrc.get(s.ssrc);
      if (same) { const rest = same.filter((x) => x !== s); if (rest.length) bySsrc.set(s.ssrc, rest); else bySsrc.delete(s.ssrc); }
    }
    for (const o of cm.others) {
      const flow = flows.get(o.srcIp, o.srcPort, o.dstIp, o.dstPort);
      if (flow && flow.other === o && flow.streams.size === 0) flows.delete(o.srcIp, o.srcPort, o.dstIp, o.dstPort);
      otherFlows--;
    }
    for (const [ip, port] of cm.announcedAt) if (announced.get(ip, port)?.call === cm) announced.delete(ip, port);
    gen++;
    calls.delete(call.callId);
  }

  function finish(report: Report): void {
    for (const s of streamSet) {
      if (s.heuristic && !s.call) { s.call = callByAddress(s.srcIp, s.dstIp, s.stats.startTime / 1000); s.call?.streams.push(s); }
    }
    const out = number([...streamSet]);
    report.rtpStreams = out;
    // Said, not silent: what sipflow saw of the media and could not give statistics for.
    const srtp = [...streamSet].filter((s) => s.srtp).length;
    if (srtp) warn({ frame: null, code: 'srtp', message: `${srtp} RTP stream${srtp === 1 ? ' is' : 's are'} SRTP (RTP/SAVP): statistics come from the RTP headers; the payload is encrypted and cannot be played` });
    if (orphanOthers.length) {
      const n = orphanOthers.reduce((a, o) => a + o.packets, 0);
      warn({ frame: orphanOthers[0]!.firstFrame, code: 'other-media', message: `${n} packets of non-RTP media (${[...new Set(orphanOthers.map((o) => `${o.protocol} ${o.format}`))].join(', ')}) announced by MGCP/MEGACO SDP belong to no SIP call` });
    }
    if (!opts.heuristic) {
      let flowsSeen = 0;
      let packets = 0;
      hint.forEach((h) => { if (h.run >= HINT_PACKETS) { flowsSeen++; packets += h.packets; } });
      if (flowsSeen) warn({ frame: null, code: 'rtp-without-sdp', message: `${packets} UDP packets in ${flowsSeen} flow${flowsSeen === 1 ? '' : 's'} look like RTP that no SDP announced (a capture begun mid-call, or SDP the capture does not hold): try --rtp-heuristic` });
    }
    const byCall = new Map<string, RtpStream[]>();
    for (const s of out) {
      if (s.callId === null) continue;
      const list = byCall.get(s.callId);
      if (list) list.push(s); else byCall.set(s.callId, [s]);
    }
    for (const call of report.calls) settleCall(call, calls.get(call.callId), byCall.get(call.callId) ?? []);
    // Calls whose media the capture never saw: named one by one when few, else summed up
    // (a SIP-only capture would otherwise warn once per call).
    if (notCapturedCount > 0 && notCapturedCount <= NOT_CAPTURED_LISTED) {
      for (const { call, where } of notCaptured) {
        warn({ frame: call.firstFrame, code: 'media-not-captured', message: `call ${call.index} (${call.callId}) was answered but the capture holds no RTP for it (SDP announced ${where}); the media took a path this capture did not see` });
      }
    } else if (notCapturedCount > NOT_CAPTURED_LISTED) {
      const first = notCaptured.slice(0, NOT_CAPTURED_LISTED).map((x) => x.call.index).join(', ');
      warn({ frame: null, code: 'media-not-captured', message: `${notCapturedCount} answered calls (${first}, ...) have no RTP in this capture: their media took paths it did not see${streamsMade ? '' : ' (it holds no RTP at all)'}` });
    }
  }

  /**
   * Answered calls whose audio flowed one way or not at all. Conservative: a
   * call is only judged when the capture saw its media path (some datagram to
   * or from an endpoint its SDP announced, after the answer); otherwise the
   * capture point may simply not carry the media (a proxy, a SIP-only filter).
   */
  function flagAudio(call: Call, cm: CallMedia, streams: RtpStream[]): void {
    if (call.kind !== 'call' || cm.answerTime === null) return;
    const audio = cm.media.get('audio');
    if (!audio || audio.sdp.rejected || audio.sdp.direction !== 'sendrecv') return;
    const answer = cm.answerTime;
    const audioStreams = streams.filter((s) => s.mediaType === 'audio' && s.packets >= 5 && s.stop >= answer);
    const where = [...cm.audioEndpoints].join(', ') || 'no address';
    if (audioStreams.length === 0) {
      if (!cm.mediaPathSeen) {
        // The lowest call indexes are named, whatever order the calls were settled in (--ndjson retires them as they end).
        notCapturedCount++;
        notCaptured.push({ call, where });
        notCaptured.sort((x, y) => x.call.index - y.call.index);
        if (notCaptured.length > NOT_CAPTURED_LISTED) notCaptured.pop();
        return;
      }
      call.outcome = `${call.outcome ?? 'ANSWERED'}, NO AUDIO`;
      warn({ frame: call.firstFrame, code: 'no-audio', message: `call ${call.index} (${call.callId}) was answered and the capture sees its media endpoints (${where}), but no audio RTP flowed after the answer` });
      return;
    }
    // Audio flowed both ways when some sender also received audio on the endpoint it sends
    // from (symmetric RTP: direct, through a relay, on one host), or when at least two hosts
    // sent it (behind NAT the two directions of one call may use unrelated addresses).
    const sources = new Set(audioStreams.map((s) => s.src));
    const answered = audioStreams.some((s) => sources.has(s.dst));
    const senders = new Set(audioStreams.map((s) => hostOf(s.src)));
    if (!answered && senders.size < 2) {
      const directions = [...new Set(audioStreams.map((s) => `${s.src} -> ${s.dst}`))];
      call.outcome = `${call.outcome ?? 'ANSWERED'}, ONE-WAY AUDIO`;
      warn({ frame: call.firstFrame, code: 'one-way-audio', message: `call ${call.index} (${call.callId}): audio RTP was captured in one direction only (${directions.join(', ')})` });
    }
  }

  return {
    name: 'media', start: (c) => { ctx = c; }, onSip, onUdp, finish, retire,
    quietSince: (callId: string) => calls.get(callId)?.lastMedia ?? -Infinity,
  };
}

/** Mark the streams whose SSRC replaced an earlier one on the same path (src -> dst) of a call. */
function markSsrcChanges(streams: RtpStream[]): void {
  const seen = new Set<string>();
  for (const s of streams) {
    const k = `${s.src} ${s.dst}`;
    s.ssrcChange = seen.has(k);
    seen.add(k);
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The record the media tap hands every RTP packet to onRtp taps in (reused; its payload view made when read). */
class PublishedRtp extends PayloadView implements RtpPacket {
  stream = null as unknown as RtpStreamRef; frame = 0; time = 0; seq = 0; timestamp = 0; extTimestamp = 0; payloadType = 0;
  marker = false; clockRate = 0; jitterMs = 0; deltaMs = 0; packets = 0;
}
