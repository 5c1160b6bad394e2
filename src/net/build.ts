/**
 * Packet builders, the inverse of the decoder: link headers, IPv4/IPv6, UDP,
 * TCP and IP fragmentation. For fixtures, tests, the bench and the proxy's
 * recorder, which all write real-looking frames. Every builder returns a new
 * Buffer holding exactly the bytes of the header plus its payload.
 */
import { LINKTYPE } from '../capture/linktypes.js';
import { AF, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_VLAN, IPPROTO_AH, IPPROTO_FRAGMENT, IPPROTO_TCP, IPPROTO_UDP, TCP_FLAGS } from './constants.js';
import { unbracketed } from './addr.js';

// ------------------------------------------------------------------ addresses

/** Parse "192.0.2.1" into 4 bytes. */
export function ipv4Bytes(ip: string): Uint8Array {
  const p = ip.split('.');
  if (p.length !== 4 || p.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) throw new Error(`bad IPv4 address ${ip}`);
  return Uint8Array.from(p, Number);
}

/**
 * Parse an IPv6 text address into 16 bytes: full, "::"-compressed, with an
 * embedded dotted quad ("::ffff:192.0.2.1"), optionally in brackets or with a
 * zone ("fe80::1%eth0", the zone is ignored).
 */
export function ipv6Bytes(ip: string): Uint8Array {
  const bad = (): never => { throw new Error(`bad IPv6 address ${ip}`); };
  let text = unbracketed(ip);
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  const out = new Uint8Array(16);
  let tail4: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) bad();
  if (text.slice(lastColon + 1).includes('.')) {
    try { tail4 = ipv4Bytes(text.slice(lastColon + 1)); } catch { bad(); }
    // keep "::" intact when the quad follows it directly
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const parts = text.split('::');
  if (parts.length > 2) bad();
  const split = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const hs = split(parts[0]!);
  const ts = parts.length === 2 ? split(parts[1]!) : [];
  let groups: string[];
  if (parts.length === 2) {
    if (hs.length + ts.length > 7) bad();
    groups = [...hs, ...Array<string>(8 - hs.length - ts.length).fill('0'), ...ts];
  } else {
    groups = hs;
  }
  if (groups.length !== 8) bad();
  for (let i = 0; i < 8; i++) {
    const g = groups[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) bad();
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

export function isIpv6(ip: string): boolean { return ip.includes(':'); }

/** Address bytes of either family. */
export function ipBytes(ip: string): Uint8Array { return isIpv6(ip) ? ipv6Bytes(ip) : ipv4Bytes(ip); }

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

/** Ones'-complement sum of b (folded to 16 bits, not complemented), added to `initial`. */
function sum16(b: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = b.length;
  for (let i = 0; i + 1 < n; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (n & 1) sum += b[n - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return sum;
}

/** RFC 1071 Internet checksum of b. */
export function checksum(b: Uint8Array, initial = 0): number {
  return (~sum16(b, initial)) & 0xffff;
}

/** Checksum of a UDP/TCP segment with its IPv4/IPv6 pseudo header. */
export function transportChecksum(src: string, dst: string, proto: number, segment: Uint8Array): number {
  const s = ipBytes(src);
  const d = ipBytes(dst);
  let acc = sum16(s) + sum16(d) + proto + (segment.length >>> 16) + (segment.length & 0xffff);
  acc = sum16(segment, acc);
  const c = (~acc) & 0xffff;
  return c;
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
  /** Override the total length field (to build malformed packets). */
  totalLength?: number;
}

export function ipv4(o: Ipv4Options): Buffer {
  const optLen = o.options ? (o.options.length + 3) & ~3 : 0;
  const ihl = 20 + optLen;
  if (ihl > 60) throw new Error(`IPv4 options too long (${optLen} bytes, at most 40)`);
  if ((o.fragOffset ?? 0) % 8 !== 0) throw new Error(`IPv4 fragment offset ${o.fragOffset} is not a multiple of 8`);
  const b = Buffer.alloc(ihl + o.payload.length);
  b[0] = 0x40 | (ihl / 4);
  b[1] = o.tos ?? 0;
  b.writeUInt16BE((o.totalLength ?? b.length) & 0xffff, 2);
  b.writeUInt16BE((o.id ?? 0) & 0xffff, 4);
  const flags = ((o.flags ?? 0) & 7) | (o.more ? 1 : 0) | (o.dontFragment ? 2 : 0);
  b.writeUInt16BE((flags << 13) | (((o.fragOffset ?? 0) / 8) & 0x1fff), 6);
  b[8] = o.ttl ?? 64;
  b[9] = o.proto;
  b.set(ipv4Bytes(o.src), 12);
  b.set(ipv4Bytes(o.dst), 16);
  if (o.options) b.set(o.options, 20);
  b.writeUInt16BE(checksum(b.subarray(0, ihl)), 10);
  b.set(o.payload, ihl);
  return b;
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
  b.writeUInt16BE((extLen + o.payload.length) & 0xffff, 4);
  b[6] = chain.length ? chain[0]!.type : o.nextHeader;
  b[7] = o.hopLimit ?? 64;
  b.set(ipv6Bytes(o.src), 8);
  b.set(ipv6Bytes(o.dst), 24);
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
  b.set(o.dst === undefined ? MAC_B : macBytes(o.dst), 0);
  b.set(o.src === undefined ? MAC_A : macBytes(o.src), 6);
  let p = 12;
  vlans.forEach((v, i) => {
    const t = typeof v === 'number' ? { vid: v } : v;
    const tpid = t.tpid ?? (vlans.length > 1 && i === 0 ? ETHERTYPE_QINQ : ETHERTYPE_VLAN);
    b.writeUInt16BE(tpid, p);
    b.writeUInt16BE((((t.pcp ?? 0) & 7) << 13) | (t.vid & 0x0fff), p + 2);
    p += 4;
  });
  b.writeUInt16BE(ethertype, p);
  b.set(payload, p + 2);
  return b;
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
  const u = udp(o.sport, o.dport, o.payload, v6 || o.udpChecksum ? { src: o.src, dst: o.dst } : undefined);
  const mtu = o.mtu ?? 65535;
  let ips: Buffer[];
  if (v6) {
    const opts: Ipv6Options = { src: o.src, dst: o.dst, nextHeader: IPPROTO_UDP, payload: u };
    ips = 40 + u.length > mtu ? fragmentIpv6(opts, mtu, o.ipId ?? 1) : [ipv6(opts)];
  } else {
    const opts: Ipv4Options = { src: o.src, dst: o.dst, proto: IPPROTO_UDP, payload: u, id: o.ipId ?? 0 };
    ips = 20 + u.length > mtu ? fragmentIpv4(opts, mtu) : [ipv4(opts)];
  }
  return ips.map((p) => frameIp(link, p, o.vlans));
}

/** A single frame carrying a UDP datagram (no fragmentation). */
export function udpFrame(o: UdpFrameOptions): Buffer {
  return udpFrames({ ...o, mtu: undefined })[0]!;
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
  return frameIp(o.link ?? 'ethernet', ip(o.src, o.dst, IPPROTO_TCP, seg, o.ipId ?? 0), o.vlans);
}
