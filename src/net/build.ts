/**
 * Packet builders, the inverse of the decoder: link headers, IPv4/IPv6, UDP,
 * TCP and IP fragmentation. For fixtures, tests, the bench and the proxy's
 * recorder, which all write real-looking frames.
 */

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPIP = 4;
export const IPPROTO_IPV6 = 41;

/** Parse "192.0.2.1" into 4 bytes. */
export function ipv4Bytes(ip: string): Uint8Array {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`bad IPv4 address ${ip}`);
  return Uint8Array.from(p);
}

/** Parse an IPv6 text address ("2001:db8::1", "::ffff:192.0.2.1") into 16 bytes. */
export function ipv6Bytes(ip: string): Uint8Array {
  let text = ip.replace(/^\[|\]$/g, '');
  const out = new Uint8Array(16);
  let tail4: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail4 = ipv4Bytes(text.slice(lastColon + 1));
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const hs = head ? head.split(':') : [];
  const ts = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? hs : [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts];
  if (groups.length !== 8) throw new Error(`bad IPv6 address ${ip}`);
  groups.forEach((g, i) => { const v = parseInt(g, 16); out[2 * i] = v >> 8; out[2 * i + 1] = v & 0xff; });
  if (tail4) out.set(tail4, 12);
  return out;
}

export function isIpv6(ip: string): boolean { return ip.includes(':'); }

/** RFC 1071 Internet checksum of b. */
export function checksum(b: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (b.length & 1) sum += b[b.length - 1]! << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (~sum) & 0xffff;
}

export interface Ipv4Options {
  src: string;
  dst: string;
  proto: number;
  payload: Uint8Array;
  id?: number;
  ttl?: number;
  /** Fragment offset in bytes (multiple of 8) and more-fragments flag. */
  fragOffset?: number;
  more?: boolean;
  dontFragment?: boolean;
  /** Raw IP options (padded to 4 bytes). */
  options?: Uint8Array;
}

export function ipv4(o: Ipv4Options): Buffer {
  const optLen = o.options ? (o.options.length + 3) & ~3 : 0;
  const ihl = 20 + optLen;
  const b = Buffer.alloc(ihl + o.payload.length);
  b[0] = 0x40 | (ihl / 4);
  b.writeUInt16BE(b.length, 2);
  b.writeUInt16BE((o.id ?? 0) & 0xffff, 4);
  const frag = ((o.fragOffset ?? 0) / 8) | (o.more ? 0x2000 : 0) | (o.dontFragment ? 0x4000 : 0);
  b.writeUInt16BE(frag, 6);
  b[8] = o.ttl ?? 64;
  b[9] = o.proto;
  b.set(ipv4Bytes(o.src), 12);
  b.set(ipv4Bytes(o.dst), 16);
  if (o.options) b.set(o.options, 20);
  b.writeUInt16BE(checksum(b.subarray(0, ihl)), 10);
  b.set(o.payload, ihl);
  return b;
}

export interface Ipv6Options {
  src: string;
  dst: string;
  nextHeader: number;
  payload: Uint8Array;
  hopLimit?: number;
  /** Extension headers in order: each { type, data } where data excludes next-header/length bytes. */
  extHeaders?: { type: number; data: Uint8Array }[];
}

export function ipv6(o: Ipv6Options): Buffer {
  const exts: Buffer[] = [];
  const chain = o.extHeaders ?? [];
  for (let i = 0; i < chain.length; i++) {
    const e = chain[i]!;
    const next = i + 1 < chain.length ? chain[i + 1]!.type : o.nextHeader;
    if (e.type === 44) {
      const f = Buffer.alloc(8);
      f[0] = next;
      f.set(e.data.subarray(0, 6), 2);
      exts.push(f);
    } else {
      const len = (e.data.length + 2 + 7) & ~7;
      const h = Buffer.alloc(len);
      h[0] = next;
      h[1] = len / 8 - 1;
      h.set(e.data, 2);
      exts.push(h);
    }
  }
  const ext = Buffer.concat(exts);
  const b = Buffer.alloc(40 + ext.length + o.payload.length);
  b[0] = 0x60;
  b.writeUInt16BE(ext.length + o.payload.length, 4);
  b[6] = chain.length ? chain[0]!.type : o.nextHeader;
  b[7] = o.hopLimit ?? 64;
  b.set(ipv6Bytes(o.src), 8);
  b.set(ipv6Bytes(o.dst), 24);
  b.set(ext, 40);
  b.set(o.payload, 40 + ext.length);
  return b;
}

/** A UDP header + payload (checksum 0: "not computed", valid for IPv4). */
export function udp(srcPort: number, dstPort: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b.writeUInt16BE(srcPort, 0);
  b.writeUInt16BE(dstPort, 2);
  b.writeUInt16BE(b.length, 4);
  b.set(payload, 8);
  return b;
}

export interface TcpOptions {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  /** FIN=1 SYN=2 RST=4 PSH=8 ACK=16 */
  flags?: number;
  window?: number;
  payload?: Uint8Array;
}

export function tcp(o: TcpOptions): Buffer {
  const payload = o.payload ?? new Uint8Array(0);
  const b = Buffer.alloc(20 + payload.length);
  b.writeUInt16BE(o.srcPort, 0);
  b.writeUInt16BE(o.dstPort, 2);
  b.writeUInt32BE(o.seq >>> 0, 4);
  b.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
  b[12] = 5 << 4;
  b[13] = o.flags ?? 0x18;
  b.writeUInt16BE(o.window ?? 65535, 14);
  b.set(payload, 20);
  return b;
}

const MAC_A = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x01);
const MAC_B = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0x02);

/** Ethernet II frame, optionally with 802.1Q (0x8100) / 802.1ad (0x88a8) tags (outermost first). */
export function ethernet(ethertype: number, payload: Uint8Array, opts: { dst?: Uint8Array; src?: Uint8Array; vlans?: { tpid: number; vid: number }[] } = {}): Buffer {
  const vlans = opts.vlans ?? [];
  const b = Buffer.alloc(14 + vlans.length * 4 + payload.length);
  b.set(opts.dst ?? MAC_B, 0);
  b.set(opts.src ?? MAC_A, 6);
  let o = 12;
  for (const v of vlans) {
    b.writeUInt16BE(v.tpid, o);
    b.writeUInt16BE(v.vid & 0x0fff, o + 2);
    o += 4;
  }
  b.writeUInt16BE(ethertype, o);
  b.set(payload, o + 2);
  return b;
}

/** BSD/Npcap NULL loopback header: address family as a 4-byte integer in the given order. */
export function nullLoopback(family: number, payload: Uint8Array, littleEndian = true): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  if (littleEndian) b.writeUInt32LE(family, 0); else b.writeUInt32BE(family, 0);
  b.set(payload, 4);
  return b;
}

/** Linux cooked capture v1 (16-byte header). */
export function sll(protocol: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(16 + payload.length);
  b.writeUInt16BE(0, 0); // packet type: to us
  b.writeUInt16BE(1, 2); // ARPHRD_ETHER
  b.writeUInt16BE(6, 4);
  b.set(MAC_A, 6);
  b.writeUInt16BE(protocol, 14);
  b.set(payload, 16);
  return b;
}

/** Linux cooked capture v2 (20-byte header). */
export function sll2(protocol: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(20 + payload.length);
  b.writeUInt16BE(protocol, 0);
  b.writeUInt32BE(1, 4); // interface index
  b.writeUInt16BE(1, 8); // ARPHRD_ETHER
  b[10] = 0;
  b[11] = 6;
  b.set(MAC_A, 12);
  b.set(payload, 20);
  return b;
}

/** Split an IPv4 datagram's payload into fragments of at most `mtu` bytes of IP packet. */
export function fragmentIpv4(o: Ipv4Options, mtu: number): Buffer[] {
  const step = Math.max(8, ((mtu - 20) >> 3) << 3);
  const out: Buffer[] = [];
  for (let off = 0; off < o.payload.length; off += step) {
    const end = Math.min(off + step, o.payload.length);
    out.push(ipv4({ ...o, payload: o.payload.subarray(off, end), fragOffset: off, more: end < o.payload.length }));
  }
  return out;
}

/** Split an IPv6 datagram into fragments (fragment header 44) of at most `mtu` bytes. */
export function fragmentIpv6(o: Ipv6Options, mtu: number, id: number): Buffer[] {
  const step = Math.max(8, ((mtu - 48) >> 3) << 3);
  const out: Buffer[] = [];
  for (let off = 0; off < o.payload.length; off += step) {
    const end = Math.min(off + step, o.payload.length);
    const fh = Buffer.alloc(6);
    fh.writeUInt16BE(off | (end < o.payload.length ? 1 : 0), 0);
    fh.writeUInt32BE(id >>> 0, 2);
    out.push(ipv6({ ...o, payload: o.payload.subarray(off, end), extHeaders: [...(o.extHeaders ?? []), { type: 44, data: fh }] }));
  }
  return out;
}

export type LinkKind = 'ethernet' | 'null' | 'raw' | 'sll' | 'sll2';

/** LINKTYPE value of each framing. */
export const LINK_TYPE_OF: Record<LinkKind, number> = { ethernet: 1, null: 0, raw: 101, sll: 113, sll2: 276 };

/** Wrap an IP packet in the given link framing. */
export function frameIp(link: LinkKind, ip: Uint8Array): Buffer {
  const v6 = (ip[0]! >> 4) === 6;
  const et = v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
  switch (link) {
    case 'ethernet': return ethernet(et, ip);
    case 'null': return nullLoopback(v6 ? 24 : 2, ip);
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
  ipId?: number;
  /** Fragment IP datagrams larger than this (IPv4/IPv6 fragmentation). */
  mtu?: number;
}

/** One or more frames (several when fragmented) carrying a UDP datagram. */
export function udpFrames(o: UdpFrameOptions): Buffer[] {
  const link = o.link ?? 'ethernet';
  const u = udp(o.sport, o.dport, o.payload);
  const mtu = o.mtu ?? 65535;
  if (isIpv6(o.src)) {
    const opts: Ipv6Options = { src: o.src, dst: o.dst, nextHeader: IPPROTO_UDP, payload: u };
    const ips = 40 + u.length > mtu ? fragmentIpv6(opts, mtu, o.ipId ?? 1) : [ipv6(opts)];
    return ips.map((ip) => frameIp(link, ip));
  }
  const opts: Ipv4Options = { src: o.src, dst: o.dst, proto: IPPROTO_UDP, payload: u, id: o.ipId ?? 0 };
  const ips = 20 + u.length > mtu ? fragmentIpv4(opts, mtu) : [ipv4(opts)];
  return ips.map((ip) => frameIp(link, ip));
}

/** A single frame carrying a UDP datagram (no fragmentation). */
export function udpFrame(o: UdpFrameOptions): Buffer {
  return udpFrames({ ...o, mtu: undefined })[0]!;
}
