/**
 * Packet builders, the inverse of the decoder: link headers, IPv4/IPv6, UDP,
 * TCP, IP fragmentation, and the encapsulations (PPPoE, MPLS, GRE, ERSPAN,
 * GTP-U, VXLAN, Geneve, HEP, SCTP, WebSocket frames). For fixtures, tests, the bench and the proxy's
 * recorder, which all write real-looking frames. Every builder returns a new
 * Buffer holding exactly the bytes of the header plus its payload.
 */
import { LINKTYPE } from '../capture/linktypes.js';
import { AF, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_VLAN, IPPROTO_AH, IPPROTO_FRAGMENT, IPPROTO_TCP, IPPROTO_UDP, PPP_IPV4, PPP_IPV6, TCP_FLAGS } from './constants.js';
import { ipv4Bytes, ipv6Bytes } from './addr.js';
import { boundedMemo } from '../memo.js';

// ------------------------------------------------------------------ addresses

// ipv4Bytes and ipv6Bytes live in addr.ts (the media stage parses addresses without loading the builders).
export { ipv4Bytes, ipv6Bytes } from './addr.js';

export function isIpv6(ip: string): boolean { return ip.includes(':'); }

/** Address bytes of either family. */
export function ipBytes(ip: string): Uint8Array { return isIpv6(ip) ? ipv6Bytes(ip) : ipv4Bytes(ip); }

/** An address for an IPv4 header; IPv6 text there is refused by ipv4Bytes' own error. */
function v4AddressBytes(ip: string): Uint8Array {
  return isIpv6(ip) ? ipv4Bytes(ip) : addressBytes(ip);
}

/** An address for an IPv6 header; IPv4 text there is refused by ipv6Bytes' own error. */
function v6AddressBytes(ip: string): Uint8Array {
  return isIpv6(ip) ? addressBytes(ip) : ipv6Bytes(ip);
}

/**
 * ipBytes, remembered (the proxy's recorder frames every datagram of a few
 * peers). The header builders only read the bytes; not exported, since
 * callers of ipBytes may change theirs.
 */
const addressBytes = boundedMemo(4096, ipBytes);

/** Parse "02:00:00:00:00:01" (or with '-') into 6 bytes. */
export function macBytes(mac: string | Uint8Array): Uint8Array {
  if (typeof mac !== 'string') {
    if (mac.length !== 6) throw new Error(`a MAC address has 6 bytes, got ${mac.length}`);
    return mac;
  }
  const p = mac.split(/[:-]/);
  if (p.length !== 6 || p.some((x) => !/^[0-9a-fA-F]{1,2}$/.test(x))) throw new Error(`bad MAC address ${mac}`);
  return Uint8Array.from(p, (x) => parseInt(x, 16));
}

// ------------------------------------------------------------------ checksums

/** Ones'-complement sum of b[start, end) (folded to 16 bits, not complemented), added to `initial`. */
function sum16(b: Uint8Array, initial = 0, start = 0, end = b.length): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < end) sum += b[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return sum;
}

/** RFC 1071 Internet checksum of b. */
export function checksum(b: Uint8Array, initial = 0): number {
  return (~sum16(b, initial)) & 0xffff;
}

/** Sum of the IPv4/IPv6 pseudo header of a transport segment of `length` bytes. */
function pseudoHeaderSum(src: string, dst: string, proto: number, length: number): number {
  return sum16(addressBytes(src)) + sum16(addressBytes(dst)) + proto + (length >>> 16) + (length & 0xffff);
}

/** Checksum of a UDP/TCP segment with its IPv4/IPv6 pseudo header. */
export function transportChecksum(src: string, dst: string, proto: number, segment: Uint8Array): number {
  return (~sum16(segment, pseudoHeaderSum(src, dst, proto, segment.length))) & 0xffff;
}

// ------------------------------------------------------------------ IP

export interface Ipv4Options {
  src: string;
  dst: string;
  proto: number;
  payload: Uint8Array;
  id?: number;
  ttl?: number;
  tos?: number;
  /** Fragment offset in bytes (a multiple of 8). */
  fragOffset?: number;
  /** More-fragments flag. */
  more?: boolean;
  dontFragment?: boolean;
  /** Raw 3-bit flags field (bit 1 = DF, bit 0 = MF), ORed with more/dontFragment. */
  flags?: number;
  /** Raw IP options, zero-padded to 4 bytes. */
  options?: Uint8Array;
  /** Override the total length field (malformed packets, or a header built apart from its payload). */
  totalLength?: number;
}

export function ipv4(o: Ipv4Options): Buffer {
  const optLen = o.options ? (o.options.length + 3) & ~3 : 0;
  const ihl = 20 + optLen;
  if (ihl > 60) throw new Error(`IPv4 options too long (${optLen} bytes, at most 40)`);
  if ((o.fragOffset ?? 0) % 8 !== 0) throw new Error(`IPv4 fragment offset ${o.fragOffset} is not a multiple of 8`);
  const b = Buffer.alloc(ihl + o.payload.length);
  putIpv4Header(b, 0, o, ihl, o.totalLength ?? b.length);
  b.set(o.payload, ihl);
  return b;
}

/** An IPv4 header of `ihl` bytes at `at` in b (zeroed there), checksum included. */
function putIpv4Header(b: Buffer, at: number, o: Ipv4Options, ihl: number, totalLength: number): void {
  b[at] = 0x40 | (ihl / 4);
  b[at + 1] = o.tos ?? 0;
  b.writeUInt16BE(totalLength & 0xffff, at + 2);
  b.writeUInt16BE((o.id ?? 0) & 0xffff, at + 4);
  const flags = ((o.flags ?? 0) & 7) | (o.more ? 1 : 0) | (o.dontFragment ? 2 : 0);
  b.writeUInt16BE((flags << 13) | (((o.fragOffset ?? 0) / 8) & 0x1fff), at + 6);
  b[at + 8] = o.ttl ?? 64;
  b[at + 9] = o.proto;
  b.set(v4AddressBytes(o.src), at + 12);
  b.set(v4AddressBytes(o.dst), at + 16);
  if (o.options) b.set(o.options, at + 20);
  b.writeUInt16BE((~sum16(b, 0, at, at + ihl)) & 0xffff, at + 10);
}

/** One IPv6 extension header. For type 44 (fragment) `data` is the 6 bytes after next-header/reserved. */
export interface Ipv6ExtHeader {
  type: number;
  /** Header bytes after the next-header and length bytes; padded with zeros to a multiple of 8 in all. */
  data: Uint8Array;
}

export interface Ipv6Options {
  src: string;
  dst: string;
  nextHeader: number;
  payload: Uint8Array;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  /** Extension headers in order (hop-by-hop 0, routing 43, fragment 44, dest opts 60, AH 51...). */
  extHeaders?: Ipv6ExtHeader[];
  /** Override the payload length field (malformed packets, or a header built apart from its payload). */
  payloadLength?: number;
}

function extHeaderBytes(e: Ipv6ExtHeader, next: number): Buffer {
  if (e.type === IPPROTO_FRAGMENT) {
    const f = Buffer.alloc(8);
    f[0] = next;
    f.set(e.data.subarray(0, 6), 2);
    return f;
  }
  if (e.type === IPPROTO_AH) { // AH: length in 4-byte units minus 2
    const len = (e.data.length + 2 + 3) & ~3;
    const h = Buffer.alloc(Math.max(len, 12));
    h[0] = next;
    h[1] = h.length / 4 - 2;
    h.set(e.data, 2);
    return h;
  }
  const len = (e.data.length + 2 + 7) & ~7;
  const h = Buffer.alloc(len);
  h[0] = next;
  h[1] = len / 8 - 1;
  h.set(e.data, 2);
  return h;
}

export function ipv6(o: Ipv6Options): Buffer {
  const chain = o.extHeaders ?? [];
  const exts = chain.map((e, i) => extHeaderBytes(e, i + 1 < chain.length ? chain[i + 1]!.type : o.nextHeader));
  const extLen = exts.reduce((a, e) => a + e.length, 0);
  const b = Buffer.alloc(40 + extLen + o.payload.length);
  const tc = o.trafficClass ?? 0;
  b.writeUInt32BE(((6 << 28) | ((tc & 0xff) << 20) | ((o.flowLabel ?? 0) & 0xfffff)) >>> 0, 0);
  b.writeUInt16BE((o.payloadLength ?? extLen + o.payload.length) & 0xffff, 4);
  b[6] = chain.length ? chain[0]!.type : o.nextHeader;
  b[7] = o.hopLimit ?? 64;
  b.set(v6AddressBytes(o.src), 8);
  b.set(v6AddressBytes(o.dst), 24);
  let p = 40;
  for (const e of exts) { b.set(e, p); p += e.length; }
  b.set(o.payload, p);
  return b;
}

/** IPv4 or IPv6 by the source address, for a transport payload. */
export function ip(src: string, dst: string, proto: number, payload: Uint8Array, id = 0): Buffer {
  return isIpv6(src)
    ? ipv6({ src, dst, nextHeader: proto, payload })
    : ipv4({ src, dst, proto, payload, id });
}

// ------------------------------------------------------------------ transport

/**
 * A UDP header + payload. The checksum is 0 ("not computed", valid for IPv4)
 * unless the addresses are given (mandatory for IPv6).
 */
export function udp(srcPort: number, dstPort: number, payload: Uint8Array, pseudo?: { src: string; dst: string }): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b.writeUInt16BE(srcPort, 0);
  b.writeUInt16BE(dstPort, 2);
  b.writeUInt16BE(b.length & 0xffff, 4);
  b.set(payload, 8);
  if (pseudo) {
    const c = transportChecksum(pseudo.src, pseudo.dst, IPPROTO_UDP, b);
    b.writeUInt16BE(c === 0 ? 0xffff : c, 6);
  }
  return b;
}

export interface TcpOptions {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  /** FIN=1 SYN=2 RST=4 PSH=8 ACK=16 (default PSH|ACK). */
  flags?: number;
  window?: number;
  /** Raw TCP options, zero-padded to 4 bytes (data offset grows accordingly). */
  options?: Uint8Array;
  payload?: Uint8Array;
  /** Compute the checksum with this pseudo header (else 0). */
  pseudo?: { src: string; dst: string };
}

export function tcp(o: TcpOptions): Buffer {
  const payload = o.payload ?? new Uint8Array(0);
  const optLen = o.options ? (o.options.length + 3) & ~3 : 0;
  if (optLen > 40) throw new Error(`TCP options too long (${optLen} bytes, at most 40)`);
  const hl = 20 + optLen;
  const b = Buffer.alloc(hl + payload.length);
  b.writeUInt16BE(o.srcPort, 0);
  b.writeUInt16BE(o.dstPort, 2);
  b.writeUInt32BE(o.seq >>> 0, 4);
  b.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
  b[12] = (hl / 4) << 4;
  b[13] = o.flags ?? (TCP_FLAGS.PSH | TCP_FLAGS.ACK);
  b.writeUInt16BE(o.window ?? 65535, 14);
  if (o.options) b.set(o.options, 20);
  b.set(payload, hl);
  if (o.pseudo) b.writeUInt16BE(transportChecksum(o.pseudo.src, o.pseudo.dst, IPPROTO_TCP, b), 16);
  return b;
}

// ------------------------------------------------------------------ link layers

export const MAC_A = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x01);
export const MAC_B = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x02);

/** An 802.1Q/802.1ad tag; a bare number is a VLAN id. */
export type VlanTag = number | { tpid?: number; vid: number; pcp?: number };

export interface EthernetOptions {
  dst?: Uint8Array | string;
  src?: Uint8Array | string;
  /** Tags, outermost first. Bare VLAN ids get TPID 0x8100, or 0x88a8 for the outer tag of a stack (QinQ). */
  vlans?: VlanTag[];
  /** Zero-pad the frame to the 60-byte Ethernet minimum (without FCS), as NICs do. */
  pad?: boolean;
}

/**
 * Ethernet II frame. Two spellings:
 *   ethernet(ethertype, payload, { dst, src, vlans, pad })
 *   ethernet(dstMac, srcMac, ethertype, payload, vlanTags?)   (null MACs take defaults)
 */
export function ethernet(ethertype: number, payload: Uint8Array, opts?: EthernetOptions): Buffer;
export function ethernet(dst: Uint8Array | string | null | undefined, src: Uint8Array | string | null | undefined, ethertype: number, payload: Uint8Array, vlanTags?: VlanTag[]): Buffer;
export function ethernet(...args: unknown[]): Buffer {
  let o: EthernetOptions;
  let ethertype: number;
  let payload: Uint8Array;
  if (typeof args[0] === 'number') {
    ethertype = args[0];
    payload = args[1] as Uint8Array;
    o = (args[2] as EthernetOptions | undefined) ?? {};
  } else {
    ethertype = args[2] as number;
    payload = args[3] as Uint8Array;
    o = { dst: (args[0] as Uint8Array | string | null) ?? undefined, src: (args[1] as Uint8Array | string | null) ?? undefined, vlans: args[4] as VlanTag[] | undefined };
  }
  const vlans = o.vlans ?? [];
  const len = 14 + vlans.length * 4 + payload.length;
  const b = Buffer.alloc(o.pad ? Math.max(60, len) : len);
  b.set(payload, putEthernetHeader(b, ethertype, o.dst, o.src, vlans));
  return b;
}

/** The Ethernet II header (MACs, VLAN tags, ethertype) at the start of b; returns its length. */
function putEthernetHeader(b: Buffer, ethertype: number, dst: Uint8Array | string | undefined, src: Uint8Array | string | undefined, vlans: readonly VlanTag[]): number {
  b.set(dst === undefined ? MAC_B : macBytes(dst), 0);
  b.set(src === undefined ? MAC_A : macBytes(src), 6);
  let p = 12;
  vlans.forEach((v, i) => {
    const t = typeof v === 'number' ? { vid: v } : v;
    const tpid = t.tpid ?? (vlans.length > 1 && i === 0 ? ETHERTYPE_QINQ : ETHERTYPE_VLAN);
    b.writeUInt16BE(tpid, p);
    b.writeUInt16BE((((t.pcp ?? 0) & 7) << 13) | (t.vid & 0x0fff), p + 2);
    p += 4;
  });
  b.writeUInt16BE(ethertype, p);
  return p + 2;
}

export type ByteOrder = 'le' | 'be' | 'little' | 'big' | boolean;
const isLittle = (o: ByteOrder): boolean => o === true || o === 'le' || o === 'little';

/**
 * BSD/Npcap NULL loopback header (LINKTYPE_NULL): the address family as a
 * 4-byte integer in the capturing host's byte order (`true`/'le' = little).
 */
export function nullLoopback(family: number, payload: Uint8Array, byteOrder: ByteOrder = true): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  if (isLittle(byteOrder)) b.writeUInt32LE(family, 0); else b.writeUInt32BE(family, 0);
  b.set(payload, 4);
  return b;
}

/** OpenBSD LOOP header (LINKTYPE_LOOP): the family in network byte order. */
export function loop(family: number, payload: Uint8Array): Buffer {
  return nullLoopback(family, payload, 'be');
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 16-byte header). */
export function sll(protocol: number, payload: Uint8Array, packetType = 0): Buffer {
  const b = Buffer.alloc(16 + payload.length);
  b.writeUInt16BE(packetType, 0); // 0 = to us, 4 = sent by us
  b.writeUInt16BE(1, 2); // ARPHRD_ETHER
  b.writeUInt16BE(6, 4);
  b.set(MAC_A, 6);
  b.writeUInt16BE(protocol, 14);
  b.set(payload, 16);
  return b;
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 20-byte header). */
export function sll2(protocol: number, payload: Uint8Array, ifIndex = 1, packetType = 0): Buffer {
  const b = Buffer.alloc(20 + payload.length);
  b.writeUInt16BE(protocol, 0);
  b.writeUInt32BE(ifIndex >>> 0, 4);
  b.writeUInt16BE(1, 8); // ARPHRD_ETHER
  b[10] = packetType;
  b[11] = 6;
  b.set(MAC_A, 12);
  b.set(payload, 20);
  return b;
}

// ------------------------------------------------------------------ fragmentation

/** [start, end) of each fragment's share of n payload bytes, `step` at a time; one empty range for no payload. */
function fragmentRanges(n: number, step: number): [number, number][] {
  if (n === 0) return [[0, 0]];
  const out: [number, number][] = [];
  for (let off = 0; off < n; off += step) out.push([off, Math.min(off + step, n)]);
  return out;
}

/**
 * Split an IPv4 datagram's payload into fragments whose IP packets are at most
 * `mtu` bytes (payload per fragment rounded down to a multiple of 8).
 */
export function fragmentIpv4(o: Ipv4Options, mtu: number): Buffer[] {
  const hl = 20 + (o.options ? (o.options.length + 3) & ~3 : 0);
  const step = Math.max(8, ((mtu - hl) >> 3) << 3);
  const base = o.fragOffset ?? 0;
  const n = o.payload.length;
  return fragmentRanges(n, step).map(([off, end]) =>
    ipv4({ ...o, payload: o.payload.subarray(off, end), fragOffset: base + off, more: end < n || !!o.more }));
}

/**
 * Split an IPv6 datagram into fragments (fragment header 44 after the given
 * extension headers, which form the unfragmentable part) of at most `mtu` bytes.
 */
export function fragmentIpv6(o: Ipv6Options, mtu: number, id: number): Buffer[] {
  const unfrag = (o.extHeaders ?? []).map((e) => extHeaderBytes(e, 0).length).reduce((a, x) => a + x, 0);
  const step = Math.max(8, ((mtu - 48 - unfrag) >> 3) << 3);
  const n = o.payload.length;
  return fragmentRanges(n, step).map(([off, end]) =>
    ipv6({ ...o, payload: o.payload.subarray(off, end), extHeaders: [...(o.extHeaders ?? []), fragmentHeader(off, end < n, id)] }));
}

/** An IPv6 fragment extension header for ipv6({ extHeaders }). */
export function fragmentHeader(offset: number, more: boolean, id: number): Ipv6ExtHeader {
  if (offset % 8 !== 0) throw new Error(`IPv6 fragment offset ${offset} is not a multiple of 8`);
  const fh = Buffer.alloc(6);
  fh.writeUInt16BE((offset & 0xfff8) | (more ? 1 : 0), 0);
  fh.writeUInt32BE(id >>> 0, 2);
  return { type: IPPROTO_FRAGMENT, data: fh };
}

// ------------------------------------------------------------------ whole frames

export type LinkKind = 'ethernet' | 'null' | 'raw' | 'sll' | 'sll2';

/** LINKTYPE value of each framing. */
export const LINK_TYPE_OF: Record<LinkKind, number> = {
  ethernet: LINKTYPE.ETHERNET, null: LINKTYPE.NULL, raw: LINKTYPE.RAW, sll: LINKTYPE.LINUX_SLL, sll2: LINKTYPE.LINUX_SLL2,
};

/** Wrap an IP packet in the given link framing. */
export function frameIp(link: LinkKind, ip: Uint8Array, vlans?: VlanTag[]): Buffer {
  const v6 = (ip[0]! >> 4) === 6;
  const et = v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
  switch (link) {
    case 'ethernet': return ethernet(et, ip, vlans ? { vlans } : undefined);
    case 'null': return nullLoopback(v6 ? AF.INET6_BSD : AF.INET, ip);
    case 'raw': return Buffer.from(ip);
    case 'sll': return sll(et, ip);
    case 'sll2': return sll2(et, ip);
  }
}

export interface UdpFrameOptions {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Uint8Array;
  link?: LinkKind;
  /** 802.1Q/QinQ tags for link 'ethernet'. */
  vlans?: VlanTag[];
  ipId?: number;
  /** Fragment IP datagrams larger than this (IPv4/IPv6 fragmentation). */
  mtu?: number;
  /** Compute the UDP checksum (always done for IPv6). */
  udpChecksum?: boolean;
}

/** One or more frames (several when fragmented) carrying a UDP datagram. */
export function udpFrames(o: UdpFrameOptions): Buffer[] {
  const link = o.link ?? 'ethernet';
  const v6 = isIpv6(o.src);
  const mtu = o.mtu ?? 65535;
  if ((v6 ? 40 : 20) + 8 + o.payload.length <= mtu) return [udpFrame(o)];
  const u = udp(o.sport, o.dport, o.payload, v6 || o.udpChecksum ? { src: o.src, dst: o.dst } : undefined);
  const ips = v6
    ? fragmentIpv6({ src: o.src, dst: o.dst, nextHeader: IPPROTO_UDP, payload: u }, mtu, o.ipId ?? 1)
    : fragmentIpv4({ src: o.src, dst: o.dst, proto: IPPROTO_UDP, payload: u, id: o.ipId ?? 0 }, mtu);
  return ips.map((p) => frameBuiltIp(link, p, o.vlans));
}

/**
 * frameIp for a packet this module has just built (nobody else holds it): raw
 * IP framing is the packet itself, where frameIp copies its caller's bytes.
 */
function frameBuiltIp(link: LinkKind, ip: Buffer, vlans?: VlanTag[]): Buffer {
  return link === 'raw' ? ip : frameIp(link, ip, vlans);
}

/** A single frame carrying a UDP datagram (no fragmentation). */
export function udpFrame(o: UdpFrameOptions): Buffer {
  const head = udpFrameHeader(o);
  const b = Buffer.allocUnsafe(head.length + o.payload.length);
  b.set(head, 0);
  b.set(o.payload, head.length);
  return b;
}

/**
 * The bytes udpFrame(o) puts before the payload (link, IP and UDP headers,
 * lengths and checksums covering the payload), without copying the payload:
 * the proxy's recorder writes them and the datagram as they are, once per
 * packet it handles (three copies of every datagram saved).
 */
export function udpFrameHeader(o: UdpFrameOptions): Buffer {
  const v6 = isIpv6(o.src);
  const udpLength = 8 + o.payload.length;
  const link = o.link ?? 'ethernet';
  if (!v6 && link === 'ethernet') {
    // The recorder's usual case, written in one buffer: Ethernet, IPv4, UDP.
    const vlans = o.vlans ?? [];
    const ipAt = 14 + 4 * vlans.length;
    const b = Buffer.alloc(ipAt + 28);
    putEthernetHeader(b, ETHERTYPE_IPV4, undefined, undefined, vlans);
    putIpv4Header(b, ipAt, { src: o.src, dst: o.dst, proto: IPPROTO_UDP, payload: o.payload, id: o.ipId ?? 0 }, 20, 20 + udpLength);
    putUdpHeader(b, ipAt + 20, o, udpLength, !!o.udpChecksum);
    return b;
  }
  const u = Buffer.alloc(8);
  putUdpHeader(u, 0, o, udpLength, v6 || !!o.udpChecksum);
  const header = v6
    ? ipv6({ src: o.src, dst: o.dst, nextHeader: IPPROTO_UDP, payload: u, payloadLength: udpLength })
    : ipv4({ src: o.src, dst: o.dst, proto: IPPROTO_UDP, payload: u, id: o.ipId ?? 0, totalLength: 20 + udpLength });
  return frameBuiltIp(link, header, o.vlans);
}

/** The 8-byte UDP header of o's datagram at `at` in b (zeroed there), its checksum over the payload where asked. */
function putUdpHeader(b: Buffer, at: number, o: UdpFrameOptions, udpLength: number, withChecksum: boolean): void {
  b.writeUInt16BE(o.sport, at);
  b.writeUInt16BE(o.dport, at + 2);
  b.writeUInt16BE(udpLength & 0xffff, at + 4);
  if (withChecksum) {
    // The header is 8 bytes, so summing it and then the payload is summing the segment.
    const c = (~sum16(o.payload, sum16(b, pseudoHeaderSum(o.src, o.dst, IPPROTO_UDP, udpLength), at, at + 8))) & 0xffff;
    b.writeUInt16BE(c === 0 ? 0xffff : c, at + 6);
  }
}

export interface TcpFrameOptions extends Omit<TcpOptions, 'pseudo'> {
  src: string;
  dst: string;
  link?: LinkKind;
  vlans?: VlanTag[];
  ipId?: number;
}

/** A single frame carrying a TCP segment (checksum computed). */
export function tcpFrame(o: TcpFrameOptions): Buffer {
  const seg = tcp({ ...o, pseudo: { src: o.src, dst: o.dst } });
  return frameBuiltIp(o.link ?? 'ethernet', ip(o.src, o.dst, IPPROTO_TCP, seg, o.ipId ?? 0), o.vlans);
}

// ------------------------------------------------------------------ encapsulations (tunnels.ts, hep.ts, sctp.ts)

/** A PPPoE session-stage payload (RFC 2516) carrying an IPv4 or IPv6 packet in PPP; wrap it in ethernet(ETHERTYPE_PPPOE, ...). */
export function pppoeSession(ipPacket: Uint8Array, sessionId = 1): Buffer {
  const v6 = (ipPacket[0]! >> 4) === 6;
  const b = Buffer.alloc(8 + ipPacket.length);
  b[0] = 0x11; // version 1, type 1
  b[1] = 0; // code: session data
  b.writeUInt16BE(sessionId, 2);
  b.writeUInt16BE(2 + ipPacket.length, 4);
  b.writeUInt16BE(v6 ? PPP_IPV6 : PPP_IPV4, 6);
  b.set(ipPacket, 8);
  return b;
}

/** An MPLS label stack (outermost first) before `payload`; the last entry gets the bottom-of-stack bit. */
export function mplsStack(labels: number[], payload: Uint8Array, ttl = 64): Buffer {
  const b = Buffer.alloc(labels.length * 4 + payload.length);
  labels.forEach((label, i) => {
    b.writeUInt32BE((((label & 0xfffff) << 12) | (i === labels.length - 1 ? 0x100 : 0) | (ttl & 0xff)) >>> 0, i * 4);
  });
  b.set(payload, labels.length * 4);
  return b;
}

export interface GreOptions {
  /** Protocol type of the payload (an EtherType, 0x6558 bridging, 0x880b PPP, 0x88be/0x22eb ERSPAN). */
  protocol: number;
  checksum?: boolean;
  key?: number;
  sequence?: number;
  /** 1: enhanced GRE of PPTP (RFC 2637): `key` is the call id, the payload length is filled in. */
  version?: 0 | 1;
  ack?: number;
}

/** A GRE header (RFC 2784/2890, or RFC 2637 version 1) and its payload; put it in ip(..., IPPROTO_GRE, ...). */
export function gre(o: GreOptions, payload: Uint8Array): Buffer {
  const v1 = o.version === 1;
  const parts: Buffer[] = [];
  let flags = v1 ? 0x2001 : 0;
  if (!v1 && o.checksum) flags |= 0x8000;
  if (!v1 && o.key !== undefined) flags |= 0x2000;
  if (o.sequence !== undefined) flags |= 0x1000;
  if (v1 && o.ack !== undefined) flags |= 0x0080;
  const h = Buffer.alloc(4);
  h.writeUInt16BE(flags, 0);
  h.writeUInt16BE(o.protocol, 2);
  parts.push(h);
  if (!v1 && o.checksum) parts.push(Buffer.alloc(4));
  if (v1) { const k = Buffer.alloc(4); k.writeUInt16BE(payload.length, 0); k.writeUInt16BE((o.key ?? 0) & 0xffff, 2); parts.push(k); }
  else if (o.key !== undefined) { const k = Buffer.alloc(4); k.writeUInt32BE(o.key >>> 0, 0); parts.push(k); }
  if (o.sequence !== undefined) { const q = Buffer.alloc(4); q.writeUInt32BE(o.sequence >>> 0, 0); parts.push(q); }
  if (v1 && o.ack !== undefined) { const a = Buffer.alloc(4); a.writeUInt32BE(o.ack >>> 0, 0); parts.push(a); }
  const out = Buffer.concat([...parts, payload]);
  if (!v1 && o.checksum) out.writeUInt16BE(checksum(out), 4);
  return out;
}

/** A PPP frame as PPTP sends it (address 0xff, control 0x03, then the protocol) around an IP packet. */
export function pppFrame(ipPacket: Uint8Array): Buffer {
  const v6 = (ipPacket[0]! >> 4) === 6;
  const b = Buffer.alloc(4 + ipPacket.length);
  b[0] = 0xff; b[1] = 0x03;
  b.writeUInt16BE(v6 ? PPP_IPV6 : PPP_IPV4, 2);
  b.set(ipPacket, 4);
  return b;
}

/** ERSPAN type II header (8 bytes) before the mirrored Ethernet frame; send it in gre({ protocol: 0x88be, sequence }). */
export function erspan2(frame: Uint8Array, session = 1, vlan = 0): Buffer {
  const b = Buffer.alloc(8 + frame.length);
  b.writeUInt16BE((1 << 12) | (vlan & 0xfff), 0); // version 1 = type II
  b.writeUInt16BE(session & 0x3ff, 2);
  b.writeUInt32BE(0, 4); // reserved, index
  b.set(frame, 8);
  return b;
}

/** ERSPAN type III header (12 bytes, and the 8-byte platform subheader when asked) before the frame; gre({ protocol: 0x22eb }). */
export function erspan3(frame: Uint8Array, opts: { session?: number; timestamp?: number; subheader?: boolean } = {}): Buffer {
  const sub = opts.subheader ? 8 : 0;
  const b = Buffer.alloc(12 + sub + frame.length);
  b.writeUInt16BE(2 << 12, 0); // version 2 = type III
  b.writeUInt16BE((opts.session ?? 1) & 0x3ff, 2);
  b.writeUInt32BE((opts.timestamp ?? 0) >>> 0, 4);
  b.writeUInt16BE(0, 8); // SGT
  b.writeUInt16BE(opts.subheader ? 1 : 0, 10); // P=0, FT=0 (Ethernet), HW ID 0, D 0, Gra 0, O
  b.set(frame, 12 + sub);
  return b;
}

/** A GTP-U G-PDU (3GPP TS 29.281) around an IP packet, with an optional sequence number and extension headers; UDP 2152. */
export function gtpu(ipPacket: Uint8Array, opts: { teid?: number; sequence?: number; extensions?: { type: number; content: Uint8Array }[] } = {}): Buffer {
  const exts = opts.extensions ?? [];
  const opt = opts.sequence !== undefined || exts.length > 0;
  const extBytes = exts.map((e, i) => {
    const len = Math.ceil((e.content.length + 2) / 4) * 4;
    const x = Buffer.alloc(len);
    x[0] = len / 4;
    x.set(e.content, 1);
    x[len - 1] = i + 1 < exts.length ? exts[i + 1]!.type : 0;
    return x;
  });
  const head = Buffer.alloc(8 + (opt ? 4 : 0));
  head[0] = 0x30 | (exts.length ? 0x04 : 0) | (opts.sequence !== undefined ? 0x02 : 0);
  head[1] = 0xff;
  const body = Buffer.concat([...extBytes, ipPacket]);
  head.writeUInt16BE((opt ? 4 : 0) + body.length, 2);
  head.writeUInt32BE((opts.teid ?? 1) >>> 0, 4);
  if (opt) {
    head.writeUInt16BE((opts.sequence ?? 0) & 0xffff, 8);
    head[11] = exts.length ? exts[0]!.type : 0;
  }
  return Buffer.concat([head, body]);
}

/** A VXLAN header (RFC 7348) before an Ethernet frame; UDP 4789. */
export function vxlan(frame: Uint8Array, vni = 1): Buffer {
  const b = Buffer.alloc(8 + frame.length);
  b[0] = 0x08;
  b.writeUInt32BE(((vni & 0xffffff) << 8) >>> 0, 4);
  b.set(frame, 8);
  return b;
}

/** A Geneve header (RFC 8926) with options (each a class, type and data padded to 4 bytes) before the payload; UDP 6081. */
export function geneve(protocol: number, payload: Uint8Array, opts: { vni?: number; options?: { cls: number; type: number; data: Uint8Array }[] } = {}): Buffer {
  const options = (opts.options ?? []).map((o) => {
    const len = Math.ceil(o.data.length / 4) * 4;
    const x = Buffer.alloc(4 + len);
    x.writeUInt16BE(o.cls, 0);
    x[2] = o.type;
    x[3] = len / 4;
    x.set(o.data, 4);
    return x;
  });
  const optLen = options.reduce((a, x) => a + x.length, 0);
  const h = Buffer.alloc(8);
  h[0] = (optLen / 4) & 0x3f;
  h.writeUInt16BE(protocol, 2);
  h.writeUInt32BE((((opts.vni ?? 1) & 0xffffff) << 8) >>> 0, 4);
  return Buffer.concat([h, ...options, payload]);
}

/** What a HEP packet says about the packet it carries. */
export interface HepOptions {
  src: string; dst: string; srcPort: number; dstPort: number;
  /** IP protocol of the original packet: 17 (default), 6, 132. */
  proto?: number;
  /** HEP3 payload type: 1 SIP (default), 4 RTP... */
  type?: number;
  timeSec?: number; timeUsec?: number; agentId?: number;
  payload: Uint8Array;
}

/** A HEP3 packet ("HEP3", length, chunks) as HOMER agents and Kamailio siptrace send it. */
export function hep3(o: HepOptions): Buffer {
  const v6 = isIpv6(o.src);
  const chunk = (type: number, data: Uint8Array) => {
    const c = Buffer.alloc(6 + data.length);
    c.writeUInt16BE(0, 0);
    c.writeUInt16BE(type, 2);
    c.writeUInt16BE(c.length, 4);
    c.set(data, 6);
    return c;
  };
  const u8 = (n: number) => Uint8Array.of(n & 0xff);
  const u16 = (n: number) => { const x = Buffer.alloc(2); x.writeUInt16BE(n & 0xffff); return x; };
  const u32 = (n: number) => { const x = Buffer.alloc(4); x.writeUInt32BE(n >>> 0); return x; };
  const chunks = [
    chunk(0x01, u8(v6 ? 10 : 2)), chunk(0x02, u8(o.proto ?? 17)),
    chunk(v6 ? 0x05 : 0x03, ipBytes(o.src)), chunk(v6 ? 0x06 : 0x04, ipBytes(o.dst)),
    chunk(0x07, u16(o.srcPort)), chunk(0x08, u16(o.dstPort)),
    chunk(0x09, u32(o.timeSec ?? 0)), chunk(0x0a, u32(o.timeUsec ?? 0)),
    chunk(0x0b, u8(o.type ?? 1)), chunk(0x0c, u32(o.agentId ?? 2001)),
    chunk(0x0f, o.payload),
  ];
  const body = Buffer.concat(chunks);
  const h = Buffer.from('HEP3xx', 'latin1');
  h.writeUInt16BE(6 + body.length, 4);
  return Buffer.concat([h, body]);
}

/** A HEP v2 (or v1) packet: the fixed header, then the payload. */
export function hep2(o: HepOptions, version: 1 | 2 = 2): Buffer {
  const v6 = isIpv6(o.src);
  const hl = 8 + (v6 ? 32 : 8) + (version === 2 ? 12 : 0);
  const b = Buffer.alloc(hl + o.payload.length);
  b[0] = version;
  b[1] = hl;
  b[2] = v6 ? 10 : 2;
  b[3] = o.proto ?? 17;
  b.writeUInt16BE(o.srcPort, 4);
  b.writeUInt16BE(o.dstPort, 6);
  b.set(ipBytes(o.src), 8);
  b.set(ipBytes(o.dst), v6 ? 24 : 12);
  if (version === 2) {
    const t = v6 ? 40 : 16;
    b.writeUInt32LE((o.timeSec ?? 0) >>> 0, t);
    b.writeUInt32LE((o.timeUsec ?? 0) >>> 0, t + 4);
    b.writeUInt16LE((o.agentId ?? 2001) & 0xffff, t + 8);
  }
  b.set(o.payload, hl);
  return b;
}

/** One SCTP DATA chunk: flags U (unordered), B (first fragment), E (last fragment); a complete message has both B and E. */
export interface SctpDataChunk {
  tsn: number;
  stream?: number;
  ssn?: number;
  ppid?: number;
  unordered?: boolean;
  first?: boolean;
  last?: boolean;
  data: Uint8Array;
}

/** CRC32c (Castagnoli), SCTP's checksum (RFC 9260 Appendix A). */
function crc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) {
    c ^= b[i]!;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** An SCTP packet of DATA chunks (bundled in order); put it in ip(..., IPPROTO_SCTP, ...). */
export function sctpData(srcPort: number, dstPort: number, chunks: SctpDataChunk[], vtag = 0x01020304): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(12);
  head.writeUInt16BE(srcPort, 0);
  head.writeUInt16BE(dstPort, 2);
  head.writeUInt32BE(vtag >>> 0, 4);
  parts.push(head);
  for (const c of chunks) {
    const len = 16 + c.data.length;
    const x = Buffer.alloc((len + 3) & ~3);
    x[0] = 0;
    x[1] = (c.unordered ? 4 : 0) | (c.first ?? true ? 2 : 0) | (c.last ?? true ? 1 : 0);
    x.writeUInt16BE(len, 2);
    x.writeUInt32BE(c.tsn >>> 0, 4);
    x.writeUInt16BE(c.stream ?? 0, 8);
    x.writeUInt16BE(c.ssn ?? 0, 10);
    x.writeUInt32BE((c.ppid ?? 0) >>> 0, 12);
    x.set(c.data, 16);
    parts.push(x);
  }
  const b = Buffer.concat(parts);
  b.writeUInt32LE(crc32c(b), 8);
  return b;
}

/** One WebSocket frame (RFC 6455): opcode 1 text, 2 binary, 0 continuation, 8 close, 9 ping; masked with `mask` (a client's frames). */
export function wsFrame(payload: Uint8Array, opts: { opcode?: number; fin?: boolean; mask?: Uint8Array } = {}): Buffer {
  const n = payload.length;
  const ext = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const m = opts.mask ? 4 : 0;
  const b = Buffer.alloc(2 + ext + m + n);
  b[0] = (opts.fin ?? true ? 0x80 : 0) | ((opts.opcode ?? 1) & 0x0f);
  b[1] = (m ? 0x80 : 0) | (ext === 0 ? n : ext === 2 ? 126 : 127);
  if (ext === 2) b.writeUInt16BE(n, 2);
  else if (ext === 8) { b.writeUInt32BE(Math.floor(n / 0x100000000), 2); b.writeUInt32BE(n >>> 0, 6); }
  const p = 2 + ext;
  if (opts.mask) b.set(opts.mask.subarray(0, 4), p);
  for (let i = 0; i < n; i++) b[p + m + i] = opts.mask ? payload[i]! ^ opts.mask[i & 3]! : payload[i]!;
  return b;
}
