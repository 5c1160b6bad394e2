/**
 * The frame index tap: during the analysis pass, which frames belong to each
 * call, so that `sipflow extract` can copy them in a second pass.
 *
 * - SIP: the frame of every message, and every frame that carried a part of
 *   it (IP fragments, TCP segments: SipMessage.carriers, from the decoder and
 *   the TCP reassembler).
 * - Media: UDP to or from an endpoint the call's SDP announced (RTP, RTCP,
 *   RFC 4733 events, T.38/UDPTL, STUN on the media port...), by the media
 *   tap's rules (an endpoint counts from the SDP that announced it, the latest
 *   SDP wins, a datagram is looked up by destination first, then source) but
 *   for every transport an m= line names, so T.38 is included.
 *
 * - SIP over WebSocket: also the frames of the connection's HTTP upgrade
 *   (both directions), without which the messages cannot be read again.
 * - MGCP/MEGACO messages whose SDP announced an endpoint of the call again
 *   (the media tap reads gateway SDP, which keeps the endpoint's call: a
 *   T.38 switch announced by the gateway ends the call's RTP there).
 *
 * Memory does not grow with the media. A call's media is kept as spans: one
 * direction of a UDP flow (addresses and ports) and the first and last frame
 * over which every datagram of that flow belonged to the call. The copy pass
 * re-decodes each frame and takes the datagrams of a selected flow inside a
 * span. A span is closed when a datagram of its flow goes to another call, so
 * the predicate is exact. Reassembled media datagrams are the only media kept
 * frame by frame (their fragments carry no ports). Heuristic streams
 * (--rtp-heuristic), whose call is known only at the end, become spans from
 * their first to their last packet.
 */
import type { SipMessage } from '../model.js';
import type { RtpPacket, RtpStreamRef, Tap, TransportPacket } from '../tap.js';
import { EndpointIndex, FlowIndex } from '../media/endpoint-index.js';
import { canonicalAddress } from '../media/stage.js';
import { parseSdp, type Sdp } from '../media/sdp.js';
import { gatewaySdps, isGatewayPort } from '../media/gateway-sdp.js';
import { findSdp } from '../sip/multipart.js';

/** One direction of a UDP flow and the frames [first, last] over which all its datagrams were the call's. */
export interface MediaSpan {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  first: number;
  last: number;
}

/** What the index knows of one call (by Call-ID). */
export interface CallFrames {
  callId: string;
  /** Frames of its SIP messages (what sip.Call-ID matches in Wireshark), ascending. */
  sip: number[];
  /** Other frames that carried parts of its SIP messages (fragments, TCP segments), ascending. */
  sipCarriers: number[];
  /** Frames of reassembled media datagrams (all their fragments), ascending. */
  media: number[];
  /** Frames of gateway (MGCP/MEGACO) messages whose SDP announced its endpoints again, ascending. */
  control: number[];
  spans: MediaSpan[];
  /** Frame of its first BYE, or null. */
  byeFrame: number | null;
  /** Seconds (from the first frame) of its last media datagram, or -Infinity. */
  lastMedia: number;
  /** Link types of the frames that carried it (for --format pcap). */
  linkTypes: Set<number>;
}

/** Per flow direction: the call that owns it now and the span being extended. */
interface FlowState {
  owner: CallFrames;
  span: MediaSpan;
}

export interface FrameIndexTap extends Tap {
  /** Call-ID -> its frames; complete once the analysis is over. */
  readonly calls: Map<string, CallFrames>;
}

const RTP_PROTO = /^RTP\/|^UDP\/TLS\/RTP\//i;
/** TCP directions whose WebSocket handshake frames are remembered (the oldest forgotten first). */
const MAX_HANDSHAKES = 4096;
const GET = Buffer.from('GET ');
const SWITCHING = Buffer.from('HTTP/1.1 101');
const WEBSOCKET = /websocket/i;

/** The frames of an RFC 6455 handshake head (request or 101 response) starting a segment, by direction. */
function isHandshake(p: Uint8Array): boolean {
  const b = Buffer.from(p.buffer, p.byteOffset, Math.min(p.byteLength, 4096));
  if (!(b.subarray(0, 4).equals(GET) || b.subarray(0, 12).equals(SWITCHING))) return false;
  return WEBSOCKET.test(b.toString('latin1'));
}

export function createFrameIndexTap(): FrameIndexTap {
  const calls = new Map<string, CallFrames>();
  const announced = new EndpointIndex<CallFrames>();
  const flows = new FlowIndex<FlowState>();
  let linkType = -1;
  /** Heuristic streams (no call while the pass runs): their flow and frame range. */
  const heuristic = new Map<RtpStreamRef, { first: number; last: number; flow: MediaSpan | null }>();
  /** A heuristic stream seen in this frame whose flow is not known yet (the datagram comes to onUdp next). */
  let pendingHeuristic: { flow: MediaSpan | null } | null = null;
  /** "src|port|dst|port" -> the frames of its WebSocket handshake. */
  const handshakes = new Map<string, number[]>();

  function callOf(callId: string): CallFrames {
    let c = calls.get(callId);
    if (!c) {
      c = { callId, sip: [], sipCarriers: [], media: [], control: [], spans: [], byeFrame: null, lastMedia: -Infinity, linkTypes: new Set() };
      calls.set(callId, c);
    }
    return c;
  }

  /**
   * Endpoints an SDP announces, as the media tap registers them. SDP of no
   * call (a media gateway's) keeps the call that announced the endpoint
   * before; that message is then one of the call's frames.
   */
  function announce(call: CallFrames | null, sdp: Sdp, frame: number): void {
    for (const m of sdp.media) {
      if (m.rejected || !m.address || m.address === '0.0.0.0' || m.address === '::') continue;
      const ip = canonicalAddress(m.address);
      const rtp = RTP_PROTO.test(m.proto) || m.proto === '';
      if (!rtp && !/^[0-9a-f.:]+$/i.test(ip)) continue;
      const owner = call ?? announced.get(ip, m.port);
      if (!owner) continue;
      if (!call && owner.control[owner.control.length - 1] !== frame) owner.control.push(frame);
      announced.set(ip, m.port, owner);
      if (rtp && !m.rtcpMux && m.rtcpPort !== m.port) announced.set(m.rtcpAddress ? canonicalAddress(m.rtcpAddress) : ip, m.rtcpPort, owner);
    }
  }

  function onSip(msg: SipMessage): void {
    const c = callOf(msg.callId);
    if (c.linkTypes.size < 8) c.linkTypes.add(linkType);
    push(c.sip, msg.frame);
    if (msg.carriers) for (const f of msg.carriers) if (f !== msg.frame) push(c.sipCarriers, f);
    if (msg.isRequest && msg.method === 'BYE' && c.byeFrame === null) c.byeFrame = msg.frame;
    if ((msg.transport as string) === 'WS') {
      const [sip, sport] = splitEndpoint(msg.src);
      const [dip, dport] = splitEndpoint(msg.dst);
      for (const key of [`${sip}|${sport}|${dip}|${dport}`, `${dip}|${dport}|${sip}|${sport}`]) {
        for (const f of handshakes.get(key) ?? []) if (f < msg.frame && !c.sipCarriers.includes(f)) c.sipCarriers.push(f);
      }
    }
    const text = msg.body ? findSdp(msg.contentType, msg.body) : null;
    if (text) announce(c, parseSdp(text), msg.frame);
  }

  function onUdp(p: TransportPacket): void {
    if (pendingHeuristic) { pendingHeuristic.flow = spanOf(p, p.frame); pendingHeuristic = null; }
    const pl = p.payload;
    if (isGatewayPort(p.srcPort, p.dstPort) && pl.length > 0 && pl[0]! < 0x80) {
      // MGCP / MEGACO text, never media (as in the media tap).
      for (const text of gatewaySdps(pl, p.srcPort, p.dstPort)) announce(null, parseSdp(text), p.frame);
      return;
    }
    const owner = announced.get(p.dst, p.dstPort) ?? announced.get(p.src, p.srcPort);
    if (!owner) return;
    owner.lastMedia = p.time;
    if (owner.linkTypes.size < 8) owner.linkTypes.add(linkType);
    if (p.carriers) {
      // Fragments have no ports for the copy pass to match: keep their frames.
      for (const f of p.carriers) push(owner.media, f);
      return;
    }
    const flow = flows.get(p.src, p.srcPort, p.dst, p.dstPort);
    if (flow && flow.owner === owner) { flow.span.last = p.frame; return; }
    const span = spanOf(p, p.frame);
    owner.spans.push(span);
    if (flow) { flow.owner = owner; flow.span = span; } else flows.set(p.src, p.srcPort, p.dst, p.dstPort, { owner, span });
  }

  function onTcp(p: TransportPacket): void {
    if (p.payload.length < 16 || !isHandshake(p.payload)) return;
    const key = `${p.src}|${p.srcPort}|${p.dst}|${p.dstPort}`;
    handshakes.delete(key); // a new connection on the same ports replaces the old handshake
    if (handshakes.size >= MAX_HANDSHAKES) handshakes.delete(handshakes.keys().next().value as string);
    handshakes.set(key, [p.frame]);
  }

  function onRtp(p: RtpPacket): void {
    // Announced streams are covered by onUdp; a heuristic one has no call until the end.
    // Its first packets are published in a burst once the flow proved to be RTP, all in one frame.
    if (p.stream.callId !== null) return;
    let h = heuristic.get(p.stream);
    if (!h) { h = { first: p.frame, last: p.frame, flow: null }; heuristic.set(p.stream, h); }
    if (p.frame < h.first) h.first = p.frame;
    if (p.frame > h.last) h.last = p.frame;
    if (h.flow === null) pendingHeuristic = h;
  }

  function finish(): void {
    for (const [ref, h] of heuristic) {
      // The media tap's finish (it runs first) tied the stream to its call, or to none.
      const c = ref.callId === null ? undefined : calls.get(ref.callId);
      if (!c || h.flow === null) continue;
      c.spans.push({ ...h.flow, first: h.first, last: h.last });
    }
    heuristic.clear();
    for (const c of calls.values()) {
      for (const list of [c.sip, c.sipCarriers, c.media, c.control]) if (!ascending(list)) sortUnique(list);
    }
  }

  return {
    name: 'frame-index', calls,
    onFrame: (f) => { linkType = f.linkType; },
    onSip, onUdp, onTcp, onRtp, finish,
  };
}

/** "ip:port" or "[v6]:port" -> [ip as the decoder writes it, port]. */
function splitEndpoint(ep: string): [string, number] {
  const i = ep.lastIndexOf(':');
  const host = ep.slice(0, i);
  return [host.startsWith('[') ? host.slice(1, -1) : host, Number(ep.slice(i + 1))];
}

function spanOf(p: TransportPacket, frame: number): MediaSpan {
  return { src: p.src, srcPort: p.srcPort, dst: p.dst, dstPort: p.dstPort, first: frame, last: frame };
}

/** Append a frame unless it is the last one already (fragments and segments repeat). */
function push(list: number[], f: number): void {
  if (list[list.length - 1] !== f) list.push(f);
}

function ascending(list: number[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i]! <= list[i - 1]!) return false;
  return true;
}

function sortUnique(list: number[]): void {
  const u = [...new Set(list)].sort((a, b) => a - b);
  list.length = 0;
  list.push(...u);
}
