/**
 * Captures for every encapsulation and transport sipflow decodes, written
 * with the project's own writer and builders: each carries short SIP calls
 * with RTP in its own way, so tshark can decode the same files as the oracle
 * (test/integration/encapsulation-tshark.test.ts) and the unit tests can cut
 * their frames apart.
 */
import { MemorySink, PcapWriter } from '../../src/capture/writer.js';
import {
  erspan2, erspan3, ethernet, geneve, gre, gtpu, hep2, hep3, ip, ipv4, ipv6, isIpv6, mplsStack, pppFrame, pppoeSession,
  sctpData, tcp, udp, vxlan, wsFrame, type SctpDataChunk,
} from '../../src/net/build.js';
import {
  ETHERTYPE_ERSPAN_II, ETHERTYPE_ERSPAN_III, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_MPLS, ETHERTYPE_PPP, ETHERTYPE_PPPOE, ETHERTYPE_TEB,
  IPPROTO_GRE, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, TCP_FLAGS,
} from '../../src/net/constants.js';

/** One frame of a scripted capture: when, and its bytes (Ethernet). */
export interface ScriptFrame { t: number; data: Uint8Array }

export function writePcap(frames: ScriptFrame[]): Buffer {
  const w = new PcapWriter(new MemorySink(), { linkType: 1, nanosecond: true });
  for (const f of frames) {
    const sec = Math.floor(f.t);
    w.writePacket(1700000000 + sec, Math.round((f.t - sec) * 1e9), f.data);
  }
  return w.toBytes();
}

/** A transport payload between two endpoints, at time t. */
export interface Packet { t: number; src: string; sport: number; dst: string; dport: number; payload: Buffer }

export interface Party { ip: string; sip: number; rtp: number }

function inet(ipAddr: string): string { return isIpv6(ipAddr) ? 'IP6' : 'IP4'; }

export function sdp(p: Party, media = `m=audio ${p.rtp} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n`): string {
  return `v=0\r\no=u 1 1 IN ${inet(p.ip)} ${p.ip}\r\ns=-\r\nc=IN ${inet(p.ip)} ${p.ip}\r\nt=0 0\r\n${media}`;
}

/** A SIP message from a start line, headers and an optional SDP body (Content-Length computed). */
export function sipText(start: string, h: { callId: string; cseq: string; from?: string; to?: string; via?: string }, body?: string, extra: string[] = []): string {
  const lines = [start, `Via: ${h.via ?? 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK' + h.cseq.replace(/\W/g, '')}`, `From: ${h.from ?? '<sip:alice@example.test>;tag=a1'}`,
    `To: ${h.to ?? '<sip:bob@example.test>'}${start.startsWith('SIP/') ? ';tag=b1' : ''}`, `Call-ID: ${h.callId}`, `CSeq: ${h.cseq}`, 'Max-Forwards: 70', ...extra];
  if (body) lines.push('Content-Type: application/sdp');
  lines.push(`Content-Length: ${body ? Buffer.byteLength(body, 'latin1') : 0}`);
  return lines.join('\r\n') + '\r\n\r\n' + (body ?? '');
}

/** An RTP packet (PCMU unless told), deterministic payload. */
export function rtpPacket(seq: number, ts: number, ssrc: number, pt = 0, len = 160): Buffer {
  const p = Buffer.alloc(12 + len, 0xd5);
  p[0] = 0x80;
  p[1] = pt;
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE(ts >>> 0, 4);
  p.writeUInt32BE(ssrc >>> 0, 8);
  return p;
}

/** Deterministic jitter. */
function jitter(i: number, k: number): number { return ((i * 7919 + k * 104729) % 97) / 97 * 0.004; }

/**
 * An answered call: INVITE (SDP), 200 (SDP), ACK, `rtp` packets each way, BYE, 200.
 * The SIP messages go between a.sip and b.sip, the RTP between the SDP ports.
 */
export function callPackets(callId: string, a: Party, b: Party, t0: number, rtp = 12, k = 1): Packet[] {
  const out: Packet[] = [];
  const sipAt = (t: number, from: Party, to: Party, text: string) => out.push({ t, src: from.ip, sport: from.sip, dst: to.ip, dport: to.sip, payload: Buffer.from(text, 'latin1') });
  const ruri = `sip:bob@${isIpv6(b.ip) ? `[${b.ip}]` : b.ip}`;
  sipAt(t0, a, b, sipText(`INVITE ${ruri} SIP/2.0`, { callId, cseq: '1 INVITE' }, sdp(a)));
  sipAt(t0 + 0.01, b, a, sipText('SIP/2.0 200 OK', { callId, cseq: '1 INVITE' }, sdp(b)));
  sipAt(t0 + 0.02, a, b, sipText(`ACK ${ruri} SIP/2.0`, { callId, cseq: '1 ACK' }));
  for (let i = 0; i < rtp; i++) {
    out.push({ t: t0 + 0.1 + i * 0.02 + jitter(i, k), src: a.ip, sport: a.rtp, dst: b.ip, dport: b.rtp, payload: rtpPacket(100 + i, 1000 + i * 160, 0x1000 + k) });
    out.push({ t: t0 + 0.105 + i * 0.02 + jitter(i, k + 50), src: b.ip, sport: b.rtp, dst: a.ip, dport: a.rtp, payload: rtpPacket(900 + i, 7000 + i * 160, 0x2000 + k) });
  }
  sipAt(t0 + 0.2 + rtp * 0.02, a, b, sipText(`BYE ${ruri} SIP/2.0`, { callId, cseq: '2 BYE' }));
  sipAt(t0 + 0.21 + rtp * 0.02, b, a, sipText('SIP/2.0 200 OK', { callId, cseq: '2 BYE' }));
  return out.sort((x, y) => x.t - y.t);
}

/** The IP packet of a UDP packet (checksummed for IPv6). */
export function udpIp(p: Packet): Buffer {
  return ip(p.src, p.dst, IPPROTO_UDP, udp(p.sport, p.dport, p.payload, isIpv6(p.src) ? { src: p.src, dst: p.dst } : undefined));
}

const eth4 = (payload: Uint8Array) => ethernet(ETHERTYPE_IPV4, payload);
const ethIp = (inner: Uint8Array) => ethernet((inner[0]! >> 4) === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, inner);
const outer4 = (proto: number, payload: Uint8Array, k: number) => ipv4({ src: `198.51.100.${k}`, dst: '198.51.100.250', proto, payload });
const outerUdp = (sport: number, dport: number, payload: Uint8Array, k: number) => eth4(outer4(IPPROTO_UDP, udp(sport, dport, payload), k));

/** Each encapsulation: how an inner IP packet (or its Ethernet frame) is carried, and whether the inner call is IPv6. */
export const ENCAPSULATIONS: { name: string; v6?: boolean; wrap(inner: Buffer, n: number): Buffer }[] = [
  { name: 'pppoe-ipv4', wrap: (inner) => ethernet(ETHERTYPE_PPPOE, pppoeSession(inner, 0x1234)) },
  { name: 'pppoe-ipv6', v6: true, wrap: (inner) => ethernet(ETHERTYPE_PPPOE, pppoeSession(inner, 0x1235)) },
  { name: 'mpls-ipv4', wrap: (inner) => ethernet(ETHERTYPE_MPLS, mplsStack([1000, 2000], inner)) },
  { name: 'mpls-ipv6', v6: true, wrap: (inner) => ethernet(ETHERTYPE_MPLS, mplsStack([3000], inner)) },
  { name: 'gre-ipv4', wrap: (inner, n) => eth4(outer4(IPPROTO_GRE, gre({ protocol: ETHERTYPE_IPV4, checksum: true, key: 42, sequence: n }, inner), 3)) },
  { name: 'gre-ipv6-payload', v6: true, wrap: (inner) => eth4(outer4(IPPROTO_GRE, gre({ protocol: ETHERTYPE_IPV6 }, inner), 4)) },
  { name: 'gre-over-ipv6', wrap: (inner, n) => ethernet(ETHERTYPE_IPV6, ipv6({ src: '2001:db8:ffff::1', dst: '2001:db8:ffff::2', nextHeader: IPPROTO_GRE, payload: gre({ protocol: ETHERTYPE_IPV4, key: 7, sequence: n }, inner) })) },
  { name: 'gre-bridging', wrap: (inner) => eth4(outer4(IPPROTO_GRE, gre({ protocol: ETHERTYPE_TEB, key: 0 }, ethernet(ETHERTYPE_IPV4, inner, { vlans: [100] })), 5)) },
  { name: 'gre-pptp-ppp', wrap: (inner, n) => eth4(outer4(IPPROTO_GRE, gre({ protocol: ETHERTYPE_PPP, version: 1, key: 77, sequence: n }, pppFrame(inner)), 6)) },
  { name: 'erspan-ii', wrap: (inner, n) => eth4(outer4(IPPROTO_GRE, gre({ protocol: ETHERTYPE_ERSPAN_II, sequence: n }, erspan2(ethIp(inner), 5)), 7)) },
  { name: 'erspan-iii', wrap: (inner, n) => eth4(outer4(IPPROTO_GRE, gre({ protocol: ETHERTYPE_ERSPAN_III, sequence: n }, erspan3(ethIp(inner), { session: 9, timestamp: n * 1000, subheader: true })), 8)) },
  { name: 'gtpu-volte-ipv6', v6: true, wrap: (inner, n) => outerUdp(2152, 2152, gtpu(inner, { teid: 0x1000 + n, sequence: n, extensions: [{ type: 0x85, content: Uint8Array.of(0x10, 0x09) }] }), 9) },
  { name: 'vxlan', wrap: (inner) => outerUdp(49152, 4789, vxlan(ethIp(inner), 5001), 10) },
  { name: 'geneve', wrap: (inner) => outerUdp(49153, 6081, geneve(ETHERTYPE_TEB, ethIp(inner), { vni: 77, options: [{ cls: 0x0103, type: 1, data: Uint8Array.of(1, 2, 3, 4) }] }), 11) },
];

/** Every encapsulation's call in one capture; the Call-IDs say which is which. */
export function tunnelCapture(): Buffer {
  return writePcap(tunnelFrames());
}

export function tunnelFrames(): ScriptFrame[] {
  const frames: ScriptFrame[] = [];
  ENCAPSULATIONS.forEach((e, k) => {
    const a: Party = e.v6 ? { ip: `2001:db8:${k + 1}::a`, sip: 5060, rtp: 4000 } : { ip: `10.${k + 1}.0.1`, sip: 5060, rtp: 4000 };
    const b: Party = e.v6 ? { ip: `2001:db8:${k + 1}::b`, sip: 5060, rtp: 6000 } : { ip: `10.${k + 1}.0.2`, sip: 5060, rtp: 6000 };
    let n = 0;
    for (const p of callPackets(`${e.name}@tunnel.test`, a, b, k * 2, 12, k + 1)) frames.push({ t: p.t, data: e.wrap(udpIp(p), n++) });
  });
  return frames.sort((x, y) => x.t - y.t);
}

// ------------------------------------------------------------------ transports and odd messages

/** TCP segments of one direction of a connection, sequence numbers kept. */
class TcpFlow {
  private seq: number;
  constructor(readonly src: string, readonly sport: number, readonly dst: string, readonly dport: number, isn: number) { this.seq = isn; }
  syn(t: number, ack = false): ScriptFrame {
    const f = { t, data: eth(this, tcp({ srcPort: this.sport, dstPort: this.dport, seq: this.seq, flags: TCP_FLAGS.SYN | (ack ? TCP_FLAGS.ACK : 0), pseudo: { src: this.src, dst: this.dst } })) };
    this.seq = (this.seq + 1) >>> 0;
    return f;
  }
  /** The bytes, cut into segments of at most `mss`. */
  send(t: number, bytes: Uint8Array, mss = 1400): ScriptFrame[] {
    const out: ScriptFrame[] = [];
    for (let o = 0; o < bytes.length; o += mss) {
      const part = bytes.subarray(o, Math.min(bytes.length, o + mss));
      out.push({ t: t + out.length * 0.0001, data: eth(this, tcp({ srcPort: this.sport, dstPort: this.dport, seq: this.seq, payload: part, pseudo: { src: this.src, dst: this.dst } })) });
      this.seq = (this.seq + part.length) >>> 0;
    }
    return out;
  }
}

function eth(f: { src: string; dst: string }, seg: Uint8Array): Buffer {
  return ethIp(ip(f.src, f.dst, IPPROTO_TCP, seg));
}

function udpFrameOf(p: Packet): ScriptFrame { return { t: p.t, data: ethIp(udpIp(p)) }; }

/** RTP both ways for a call's SDP parties. */
function rtpBothWays(a: Party, b: Party, t0: number, n: number, k: number): ScriptFrame[] {
  const out: ScriptFrame[] = [];
  for (let i = 0; i < n; i++) {
    out.push(udpFrameOf({ t: t0 + i * 0.02 + jitter(i, k), src: a.ip, sport: a.rtp, dst: b.ip, dport: b.rtp, payload: rtpPacket(10 + i, 160 * i, 0x3000 + k) }));
    out.push(udpFrameOf({ t: t0 + 0.004 + i * 0.02 + jitter(i, k + 9), src: b.ip, sport: b.rtp, dst: a.ip, dport: a.rtp, payload: rtpPacket(5000 + i, 999 + 160 * i, 0x4000 + k) }));
  }
  return out;
}

/** SIP over SCTP: a fragmented unordered INVITE, two responses bundled on two streams, an ordered BYE in three fragments. */
function sctpCall(t0: number): ScriptFrame[] {
  const a: Party = { ip: '10.60.0.1', sip: 5060, rtp: 4000 };
  const b: Party = { ip: '10.60.0.2', sip: 5060, rtp: 6000 };
  const callId = 'sctp-1@transport.test';
  const via = 'SIP/2.0/SCTP 10.60.0.1:5060;branch=z9hG4bKsctp';
  const pkt = (t: number, from: Party, to: Party, chunks: SctpDataChunk[]) => ({ t, data: ethIp(ip(from.ip, to.ip, IPPROTO_SCTP, sctpData(from.sip, to.sip, chunks))) });
  const invite = Buffer.from(sipText('INVITE sip:bob@10.60.0.2 SIP/2.0', { callId, cseq: '1 INVITE', via }, sdp(a) + 'a=x-pad:' + 'p'.repeat(600) + '\r\n'), 'latin1');
  const half = 500;
  const trying = Buffer.from(sipText('SIP/2.0 100 Trying', { callId, cseq: '1 INVITE', via }), 'latin1');
  const ok = Buffer.from(sipText('SIP/2.0 200 OK', { callId, cseq: '1 INVITE', via }, sdp(b)), 'latin1');
  const ack = Buffer.from(sipText('ACK sip:bob@10.60.0.2 SIP/2.0', { callId, cseq: '1 ACK', via }), 'latin1');
  const bye = Buffer.from(sipText('BYE sip:bob@10.60.0.2 SIP/2.0', { callId, cseq: '2 BYE', via }), 'latin1');
  const byeOk = Buffer.from(sipText('SIP/2.0 200 OK', { callId, cseq: '2 BYE', via }), 'latin1');
  const third = Math.ceil(bye.length / 3);
  return [
    pkt(t0, a, b, [{ tsn: 100, unordered: true, first: true, last: false, data: invite.subarray(0, half) }]),
    pkt(t0 + 0.001, a, b, [{ tsn: 101, unordered: true, first: false, last: true, data: invite.subarray(half) }]),
    pkt(t0 + 0.01, b, a, [{ tsn: 500, stream: 0, ssn: 1, data: trying }, { tsn: 501, stream: 1, ssn: 1, ppid: 0, data: ok }]),
    pkt(t0 + 0.02, a, b, [{ tsn: 102, stream: 1, ssn: 1, data: ack }]),
    ...rtpBothWays(a, b, t0 + 0.1, 10, 60),
    pkt(t0 + 0.5, a, b, [{ tsn: 103, stream: 2, ssn: 7, first: true, last: false, data: bye.subarray(0, third) }]),
    pkt(t0 + 0.501, a, b, [{ tsn: 104, stream: 2, ssn: 7, first: false, last: false, data: bye.subarray(third, 2 * third) }]),
    pkt(t0 + 0.502, a, b, [{ tsn: 105, stream: 2, ssn: 7, first: false, last: true, data: bye.subarray(2 * third) }]),
    pkt(t0 + 0.51, b, a, [{ tsn: 502, stream: 2, ssn: 2, data: byeOk }]),
  ];
}

/** SIP over WebSocket on port 80: the handshake, masked client frames, a message split over segments, a fragmented one with a ping inside. */
function webSocketCall(t0: number): ScriptFrame[] {
  const c = new TcpFlow('10.70.0.1', 40000, '10.70.0.2', 80, 1000);
  const s = new TcpFlow('10.70.0.2', 80, '10.70.0.1', 40000, 9000);
  const a: Party = { ip: '10.70.0.1', sip: 40000, rtp: 4000 };
  const b: Party = { ip: '10.70.0.2', sip: 80, rtp: 6000 };
  const callId = 'ws-1@transport.test';
  const via = 'SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKws';
  const mask = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
  const up = 'GET / HTTP/1.1\r\nHost: 10.70.0.2\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
    + 'Origin: http://10.70.0.2\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n';
  const upOk = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n';
  const msg = (start: string, cseq: string, body?: string) => Buffer.from(sipText(start, { callId, cseq, via }, body), 'latin1');
  const invite = msg('INVITE sip:bob@10.70.0.2 SIP/2.0', '1 INVITE', sdp(a));
  const ok = msg('SIP/2.0 200 OK', '1 INVITE', sdp(b));
  const cut = 180;
  return [
    c.syn(t0), s.syn(t0 + 0.0005, true),
    ...c.send(t0 + 0.001, Buffer.from(up)),
    ...s.send(t0 + 0.002, Buffer.from(upOk)),
    // The INVITE in one masked text frame, split over two segments.
    ...c.send(t0 + 0.01, wsFrame(invite, { mask }), 400),
    // 100 and 180 in one segment: two unmasked frames.
    ...s.send(t0 + 0.02, Buffer.concat([wsFrame(msg('SIP/2.0 100 Trying', '1 INVITE')), wsFrame(msg('SIP/2.0 180 Ringing', '1 INVITE'))])),
    // 200 in two frames (text + continuation) with a ping between them.
    ...s.send(t0 + 0.03, Buffer.concat([wsFrame(ok.subarray(0, cut), { fin: false }), wsFrame(Buffer.from('hi'), { opcode: 9 }), wsFrame(ok.subarray(cut), { opcode: 0 })])),
    // ACK as a binary frame.
    ...c.send(t0 + 0.04, wsFrame(msg('ACK sip:bob@10.70.0.2 SIP/2.0', '1 ACK'), { opcode: 2, mask })),
    ...rtpBothWays(a, b, t0 + 0.1, 10, 70),
    ...c.send(t0 + 0.5, wsFrame(msg('BYE sip:bob@10.70.0.2 SIP/2.0', '2 BYE'), { mask })),
    ...s.send(t0 + 0.51, wsFrame(msg('SIP/2.0 200 OK', '2 BYE'))),
  ];
}

/** A G.711 call moved to T.38 by a re-INVITE on the same ports: the RTP stops, UDPTL flows both ways. */
function t38Call(t0: number): ScriptFrame[] {
  const a: Party = { ip: '10.80.0.1', sip: 5060, rtp: 4000 };
  const b: Party = { ip: '10.80.0.2', sip: 5060, rtp: 6000 };
  const callId = 't38-1@transport.test';
  const out: ScriptFrame[] = callPackets(callId, a, b, t0, 10, 80).filter((p) => !p.payload.toString('latin1').startsWith('BYE') && !p.payload.toString('latin1').includes('2 BYE')).map(udpFrameOf);
  const image = (p: Party) => sdp(p, `m=image ${p.rtp} udptl t38\r\na=T38FaxVersion:0\r\na=T38FaxRateManagement:transferredTCF\r\na=T38FaxUdpEC:t38UDPRedundancy\r\n`);
  const at = t0 + 0.5;
  const sipAt = (t: number, from: Party, to: Party, text: string) => out.push(udpFrameOf({ t, src: from.ip, sport: from.sip, dst: to.ip, dport: to.sip, payload: Buffer.from(text, 'latin1') }));
  sipAt(at, a, b, sipText('INVITE sip:bob@10.80.0.2 SIP/2.0', { callId, cseq: '3 INVITE', to: '<sip:bob@example.test>;tag=b1' }, image(a)));
  sipAt(at + 0.01, b, a, sipText('SIP/2.0 200 OK', { callId, cseq: '3 INVITE' }, image(b)));
  sipAt(at + 0.02, a, b, sipText('ACK sip:bob@10.80.0.2 SIP/2.0', { callId, cseq: '3 ACK', to: '<sip:bob@example.test>;tag=b1' }));
  for (let i = 0; i < 15; i++) {
    // UDPTL: sequence number, a primary IFP (t30-indicator), no redundancy.
    const udptl = (seq: number) => Buffer.from([seq >> 8, seq & 0xff, 0x02, 0x00, 0x01, 0x00, 0x00]);
    out.push(udpFrameOf({ t: at + 0.1 + i * 0.03, src: a.ip, sport: a.rtp, dst: b.ip, dport: b.rtp, payload: udptl(i) }));
    out.push(udpFrameOf({ t: at + 0.11 + i * 0.03, src: b.ip, sport: b.rtp, dst: a.ip, dport: a.rtp, payload: udptl(i) }));
  }
  sipAt(at + 1, a, b, sipText('BYE sip:bob@10.80.0.2 SIP/2.0', { callId, cseq: '4 BYE', to: '<sip:bob@example.test>;tag=b1' }));
  sipAt(at + 1.01, b, a, sipText('SIP/2.0 200 OK', { callId, cseq: '4 BYE' }));
  return out;
}

/** SIPp's habit: a Call-ID carries a REGISTER (answered) and then an INVITE, which is refused. */
function registerThenInvite(t0: number, callId: string, final: number, host: string): ScriptFrame[] {
  const a: Party = { ip: `${host}.1`, sip: 5060, rtp: 4000 };
  const b: Party = { ip: `${host}.2`, sip: 5060, rtp: 6000 };
  const u = (t: number, from: Party, to: Party, text: string) => udpFrameOf({ t, src: from.ip, sport: from.sip, dst: to.ip, dport: to.sip, payload: Buffer.from(text, 'latin1') });
  const reg = { callId, cseq: '1 REGISTER', from: '<sip:alice@example.test>;tag=r1', to: '<sip:alice@example.test>' };
  const inv = { callId, cseq: '2 INVITE', from: '"Alice" <sip:alice@example.test>;tag=i1', to: '<sip:carol@example.test>' };
  return [
    u(t0, a, b, sipText('REGISTER sip:example.test SIP/2.0', reg, undefined, ['Contact: <sip:alice@10.90.0.1>', 'Expires: 60'])),
    u(t0 + 0.01, b, a, sipText('SIP/2.0 200 OK', reg, undefined, ['Contact: <sip:alice@10.90.0.1>;expires=60'])),
    u(t0 + 0.1, a, b, sipText('INVITE sip:carol@example.test SIP/2.0', inv, sdp(a))),
    u(t0 + 0.11, b, a, sipText(`SIP/2.0 ${final} ${final === 403 ? 'Forbidden' : 'OK'}`, inv, final < 300 ? sdp(b) : undefined)),
    u(t0 + 0.12, a, b, sipText('ACK sip:carol@example.test SIP/2.0', { ...inv, cseq: '2 ACK' })),
  ];
}

/** Messages Wireshark reads leniently: a bare CR ending a line, an unbracketed IPv6 host, Content-Length off in both ways. */
function oddMessages(t0: number): ScriptFrame[] {
  const a: Party = { ip: '10.95.0.1', sip: 5060, rtp: 4000 };
  const b: Party = { ip: '10.95.0.2', sip: 5060, rtp: 6000 };
  const u = (t: number, from: Party, to: Party, text: string) => udpFrameOf({ t, src: from.ip, sport: from.sip, dst: to.ip, dport: to.sip, payload: Buffer.from(text, 'latin1') });
  // "Call-ID: x\r\r\n": the bare CR ends the line and the CRLF is the blank line (the rest is body), as in Wireshark.
  const cr = sipText('OPTIONS sip:bob@10.95.0.2 SIP/2.0', { callId: 'cr-1@odd.test', cseq: '1 OPTIONS' }).replace('Call-ID: cr-1@odd.test\r\n', 'Call-ID: cr-1@odd.test\r\r\n');
  const crOk = sipText('SIP/2.0 200 OK', { callId: 'cr-1@odd.test', cseq: '1 OPTIONS' }).replace('CSeq: 1 OPTIONS\r\n', 'CSeq: 1 OPTIONS\rX-After-Bare-CR: 1\r\n');
  const v6a: Party = { ip: 'fe80::21a:a0ff:fe07:32e0', sip: 5060, rtp: 4000 };
  const v6b: Party = { ip: 'fec0::216:d3ff:fe0d:22c', sip: 5060, rtp: 6000 };
  const v6 = { callId: 'v6-1@odd.test', cseq: '1 INVITE', from: '<sip:9876@fe80:0:0:0:21a:a0ff:fe07:32e0>;tag=6', to: 'sip:4321@fec0:0:0:0:216:d3ff:fe0d:22c' };
  const long = sipText('INVITE sip:bob@10.95.0.2 SIP/2.0', { callId: 'cl-short@odd.test', cseq: '1 INVITE' }, sdp(a)).replace(/Content-Length: \d+/, 'Content-Length: 20');
  const big = sipText('INVITE sip:bob@10.95.0.2 SIP/2.0', { callId: 'cl-long@odd.test', cseq: '1 INVITE' }, sdp({ ...a, rtp: 4100 })).replace(/Content-Length: \d+/, 'Content-Length: 900');
  return [
    u(t0, a, b, cr), u(t0 + 0.01, b, a, crOk),
    u(t0 + 0.1, v6a, v6b, sipText('INVITE sip:4321@[fec0::216:d3ff:fe0d:22c] SIP/2.0', v6, sdp(v6a))),
    u(t0 + 0.11, v6b, v6a, sipText('SIP/2.0 486 Busy Here', v6)),
    u(t0 + 0.12, v6a, v6b, sipText('ACK sip:4321@[fec0::216:d3ff:fe0d:22c] SIP/2.0', { ...v6, cseq: '1 ACK' })),
    u(t0 + 0.2, a, b, long), u(t0 + 0.3, a, b, big),
    ...rtpBothWays({ ...a, rtp: 4100 }, { ...b, rtp: 6100 }, t0 + 0.4, 5, 95).slice(0, 5),
  ];
}

/** SIP over TCP with a 70 KiB body and a 32 KiB header line. */
function bigTcpMessage(t0: number): ScriptFrame[] {
  const c = new TcpFlow('10.99.0.1', 41000, '10.99.0.2', 5060, 5000);
  const s = new TcpFlow('10.99.0.2', 5060, '10.99.0.1', 41000, 7000);
  const callId = 'big-1@tcp.test';
  const via = 'SIP/2.0/TCP 10.99.0.1:41000;branch=z9hG4bKbig';
  const body = sdp({ ip: '10.99.0.1', sip: 41000, rtp: 4000 }) + Array.from({ length: 700 }, (_, i) => `a=x-pad-${i}:${'q'.repeat(90)}\r\n`).join('');
  const invite = sipText('INVITE sip:bob@10.99.0.2 SIP/2.0', { callId, cseq: '1 INVITE', via }, body, ['X-Long: ' + 'L'.repeat(32 * 1024)]);
  return [
    c.syn(t0), s.syn(t0 + 0.0005, true),
    ...c.send(t0 + 0.01, Buffer.from(invite, 'latin1')),
    ...s.send(t0 + 0.1, Buffer.from(sipText('SIP/2.0 486 Busy Here', { callId, cseq: '1 INVITE', via }), 'latin1')),
    ...c.send(t0 + 0.11, Buffer.from(sipText('ACK sip:bob@10.99.0.2 SIP/2.0', { callId, cseq: '1 ACK', via }), 'latin1')),
  ];
}

/** SCTP, WebSocket, T.38, Call-ID reuse, lenient parsing and large TCP messages in one capture. */
export function transportCapture(): Buffer {
  return writePcap(transportFrames());
}

export function transportFrames(): ScriptFrame[] {
  const frames = [
    ...sctpCall(0), ...webSocketCall(2), ...t38Call(4),
    ...registerThenInvite(7, 'reuse-403@transport.test', 403, '10.90.0'), ...registerThenInvite(7.5, 'reuse-200@transport.test', 200, '10.91.0'),
    ...oddMessages(8), ...bigTcpMessage(9),
  ];
  return frames.sort((x, y) => x.t - y.t);
}

// ------------------------------------------------------------------ HEP

/** What HEP agents send, and its twin: the same packets as the network carried them (tshark cannot read HEP). */
export function hepCaptures(): { hep: Buffer; twin: Buffer } {
  const { hep, twin } = hepFrames();
  return { hep: writePcap(hep), twin: writePcap(twin) };
}

export function hepFrames(): { hep: ScriptFrame[]; twin: ScriptFrame[] } {
  const hep: ScriptFrame[] = [];
  const twin: ScriptFrame[] = [];
  const agent = (t: number, version: 2 | 3, port: number, p: Packet, type: number, proto = 17) => {
    const o = { src: p.src, dst: p.dst, srcPort: p.sport, dstPort: p.dport, proto, type, payload: p.payload, timeSec: 1700000000 + Math.floor(t) };
    hep.push({ t, data: outerUdp(40000, port, version === 3 ? hep3(o) : hep2(o), 20) });
  };
  const calls: [string, Party, Party, 2 | 3, number][] = [
    ['hep3-1@hep.test', { ip: '10.110.0.1', sip: 5060, rtp: 4000 }, { ip: '10.110.0.2', sip: 5060, rtp: 6000 }, 3, 9060],
    ['hep2-1@hep.test', { ip: '10.111.0.1', sip: 5060, rtp: 4000 }, { ip: '10.111.0.2', sip: 5080, rtp: 6000 }, 2, 9060],
    ['hep3-port@hep.test', { ip: '10.112.0.1', sip: 5060, rtp: 4000 }, { ip: '10.112.0.2', sip: 5060, rtp: 6000 }, 3, 9999],
    ['hep3-v6@hep.test', { ip: '2001:db8:112::1', sip: 5060, rtp: 4000 }, { ip: '2001:db8:112::2', sip: 5060, rtp: 6000 }, 3, 9060],
  ];
  calls.forEach(([id, a, b, version, port], k) => {
    for (const p of callPackets(id, a, b, k * 2, 8, 110 + k)) {
      const rtp = p.payload[0] === 0x80;
      agent(p.t, version, port, p, rtp ? 4 : 1);
      twin.push({ t: p.t, data: ethIp(udpIp(p)) });
    }
  });
  return { hep: hep.sort((x, y) => x.t - y.t), twin: twin.sort((x, y) => x.t - y.t) };
}
