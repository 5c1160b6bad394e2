/**
 * Frame -> Datagram: link layer, IPv4/IPv6 (extension headers, tunnels,
 * fragment reassembly), UDP, TCP and SCTP. One call per frame, synchronous;
 * each datagram is handed to `onDatagram` with a payload view valid during
 * the call (a plain UDP datagram's record is itself reused: copy what you
 * keep). Addresses come as text and as numeric keys (addr.ts). Encapsulations (PPPoE, MPLS, GRE, ERSPAN, GTP-U, VXLAN, Geneve:
 * tunnels.ts; HEP: hep.ts) are unwrapped to the innermost packet, dispatched
 * on EtherType, IP protocol and UDP port so the plain path pays nothing.
 */
import { PayloadView } from './payload-view.js';
import type { Datagram, Frame, NetStats, Warning } from '../model.js';
import { LINKTYPE, linkTypeName } from '../capture/linktypes.js';
import { ipv4Key, ipv4ToString, ipv6Key, ipv6ToString } from './addr.js';
import {
  AF, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_VLAN, IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_ESP, IPPROTO_FRAGMENT,
  IPPROTO_GRE, IPPROTO_HIP, IPPROTO_HOPOPTS, IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_MOBILITY, IPPROTO_ROUTING, IPPROTO_SCTP, IPPROTO_SHIM6, IPPROTO_TCP,
  IPPROTO_UDP, UDP_PORT_GENEVE, UDP_PORT_GTPU, UDP_PORT_HEP, UDP_PORT_VXLAN, UDP_PORT_VXLAN_GPE,
} from './constants.js';
import { DEFAULT_REASSEMBLY_LIMITS, Reassembler, type ReassemblyLimits } from './reassembly.js';
import { isTunnelPort, Tunnels } from './tunnels.js';
import { HEP_TYPE_RTP, HEP_TYPE_SIP, isHep, newHepPacket, parseHep } from './hep.js';
import { SctpDecoder, type SctpLimits, type SctpSink } from './sctp.js';

/** UDP ports' low bytes that may be a tunnel's or HEP's (isTunnelPort and the HEP port decide). */
const UDP_HINT: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const p of [UDP_PORT_GTPU, UDP_PORT_VXLAN, UDP_PORT_VXLAN_GPE, UDP_PORT_GENEVE, UDP_PORT_HEP]) t[p & 255] = 1;
  return t;
})();
/** First payload bytes HEP can start with: "H"/"E" (HEP3/EEP3), 1 or 2 (v1, v2). */
const FIRST_HINT: Uint8Array = (() => {
  const t = new Uint8Array(256);
  t[0x48] = t[0x45] = t[1] = t[2] = 1;
  return t;
})();

/** The empty payload the reused UDP record starts with. */
const EMPTY = new Uint8Array(0);
/** Slots of the decoder's dotted-quad cache (direct-mapped by address). */
const V4_NAMES = 1024;

/** AF_INET6 of every OS (the capturing host's value is in the header). */
const AF_INET6 = new Set<number>([AF.INET6_LINUX, AF.INET6_WINDOWS, AF.INET6_BSD, AF.INET6_FREEBSD, AF.INET6_DARWIN]);
/** IPv6 extension headers of the generic form (next header, length in 8-byte units minus 1). */
const EXT_8 = new Set<number>([IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS, IPPROTO_MOBILITY, IPPROTO_HIP, IPPROTO_SHIM6]);

/**
 * Tunnel nesting limit: a crafted packet cannot recurse without end. Each
 * encapsulation layer (IP-in-IP, GRE, ERSPAN, MPLS, PPPoE, GTP-U, VXLAN...)
 * is one level; real captures need two or three.
 */
export const MAX_NESTING = 8;

export interface NetDecoderOptions {
  limits?: Partial<ReassemblyLimits>;
  sctpLimits?: Partial<SctpLimits>;
}

export class NetDecoder {
  readonly stats: NetStats = {
    ipv4: 0, ipv6: 0, udp: 0, tcp: 0, tunnels: 0, fragments: 0, reassembled: 0,
    unsupportedLinkTypes: {}, notIp: 0, malformed: 0, encapsulations: {}, undecoded: {}, tls: {}, sctpChunks: 0, sctpReassembled: 0,
  };
  private readonly tunnels: Tunnels;
  private readonly sctp: SctpDecoder;
  private readonly sctpSink: SctpSink;
  /** The IP packet an SCTP packet came in (for the datagrams of its chunks). */
  private sctpIp: { ver: 4 | 6; src: string; dst: string; srcKey: number; dstKey: number; ipLength: number } = { ver: 4, src: '', dst: '', srcKey: 0, dstKey: 0, ipLength: 0 };
  private readonly hepPacket = newHepPacket();
  private readonly reasm: Reassembler;
  private frame!: Frame;
  private time = 0;
  private reassembledNow = false;
  /** The frames of the datagram reassembled in this frame (Datagram.carriers). */
  private carriers: readonly number[] = [];
  /**
   * Dotted quads already formatted: a direct-mapped cache by 32-bit address
   * (slot = address mixed down to 10 bits; a miss formats and replaces), so
   * the hot path neither hashes nor builds text for the few addresses that recur.
   */
  private readonly v4keys = new Float64Array(V4_NAMES).fill(-1);
  private readonly v4strs: string[] = new Array<string>(V4_NAMES).fill('');
  /**
   * The one record handed to onDatagram for every plain UDP datagram (the
   * common path allocates no object but the payload view): the callee reads
   * it during the call and copies what it keeps, as taps do with theirs.
   */
  /** The one record every plain UDP datagram is handed over in (its payload view made when first read: RTP is read in place). */
  private readonly udp = new UdpRecord();

  constructor(
    private readonly onDatagram: (d: Datagram) => void,
    private readonly warn: (w: Warning) => void,
    opts: NetDecoderOptions = {},
  ) {
    this.reasm = new Reassembler({ ...DEFAULT_REASSEMBLY_LIMITS, ...opts.limits }, warn);
    this.tunnels = new Tunnels({
      stats: this.stats,
      ip: (b, o, end, depth) => (depth > MAX_NESTING ? this.tooDeep() : this.ip(b, o, end, depth)),
      ethernet: (b, o, end, depth) => (depth > MAX_NESTING ? this.tooDeep() : this.ethernet(b, o, end, depth)),
      malformed: () => this.malformed(),
    });
    this.sctp = new SctpDecoder(this.stats, warn, opts.sctpLimits);
    this.sctpSink = { sctpMessage: (sp, dp, payload, carriers) => this.sctpMessage(sp, dp, payload, carriers), malformed: () => this.malformed() };
  }

  /** IP datagrams still waiting for fragments. */
  get openReassemblies(): number { return this.reasm.openCount; }

  decode(frame: Frame): void {
    this.frame = frame;
    this.time = frame.tsSec + frame.tsNsec / 1e9;
    this.reassembledNow = false;
    // The frame's bytes in place when the reader says where they lie (no view made), else its data.
    const inPlace = frame.bytes;
    const b = inPlace ?? frame.data;
    const o = inPlace ? frame.offset! : 0;
    const n = inPlace ? o + frame.capLen : b.length;
    const len = n - o;
    switch (frame.linkType) {
      case LINKTYPE.ETHERNET:
        return this.ethernet(b, o, n, 0);
      case LINKTYPE.NULL:
      case LINKTYPE.LOOP: {
        if (len < 4) return this.malformed();
        // NULL stores the family in the capturing host's byte order, LOOP in network order;
        // Npcap files mix them, so accept either order for both.
        const le = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
        const be = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
        const fam = (le & 0xffff0000) === 0 ? le : be;
        if (fam === AF.INET) return this.ip(b, o + 4, n, 0);
        if (AF_INET6.has(fam)) return this.ip(b, o + 4, n, 0);
        this.stats.notIp++;
        return;
      }
      case LINKTYPE.RAW:
      case LINKTYPE.RAW_OLD:
      case LINKTYPE.RAW_OPENBSD:
      case LINKTYPE.IPV4:
      case LINKTYPE.IPV6:
        return this.ip(b, o, n, 0);
      case LINKTYPE.LINUX_SLL:
        if (len < 16) return this.malformed();
        return this.ethertype((b[o + 14]! << 8) | b[o + 15]!, b, o + 16, n, 0);
      case LINKTYPE.LINUX_SLL2:
        if (len < 20) return this.malformed();
        return this.ethertype((b[o]! << 8) | b[o + 1]!, b, o + 20, n, 0);
      default: {
        const name = linkTypeName(frame.linkType);
        this.stats.unsupportedLinkTypes[name] = (this.stats.unsupportedLinkTypes[name] ?? 0) + 1;
        return;
      }
    }
  }

  /** Report datagrams that never completed. Call once at end of capture. */
  finish(): void {
    this.reasm.finish();
    this.sctp.finish();
    this.stats.fragments = this.reasm.stats.fragments;
    this.stats.reassembled = this.reasm.stats.reassembled;
    // Say what was seen and not followed, once per kind.
    for (const [what, n] of Object.entries(this.stats.undecoded)) {
      this.warn({ frame: null, code: 'not-decoded', message: `${n} frame${n === 1 ? '' : 's'} of ${what} not decoded` });
    }
  }

  /** An Ethernet frame b[o, end): 802.1Q/802.1ad tags, then its EtherType. */
  private ethernet(b: Uint8Array, o: number, end: number, depth: number): void {
    if (o + 14 > end) return this.malformed();
    let type = (b[o + 12]! << 8) | b[o + 13]!;
    let p = o + 14;
    while ((type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) && p + 4 <= end) {
      type = (b[p + 2]! << 8) | b[p + 3]!;
      p += 4;
    }
    return this.ethertype(type, b, p, end, depth);
  }

  private ethertype(type: number, b: Uint8Array, o: number, end: number, depth: number): void {
    if (type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6) return this.ip(b, o, end, depth);
    this.tunnels.ethertype(type, b, o, end, depth);
  }

  /** A tunnel nested deeper than MAX_NESTING: not followed, said once at the end. */
  private tooDeep(): void {
    this.tunnels.undecoded(`tunnels nested deeper than ${MAX_NESTING}`);
  }

  private malformed(): void {
    this.stats.malformed++;
  }

  /** Dispatch on the IP version nibble. `end` bounds the packet (link padding excluded later). */
  private ip(b: Uint8Array, o: number, end: number, depth: number): void {
    if (o >= end) return this.malformed();
    const v = b[o]! >> 4;
    if (v === 4) return this.ipv4(b, o, end, depth);
    if (v === 6) return this.ipv6(b, o, end, depth);
    this.stats.notIp++;
  }

  private ipv4(b: Uint8Array, o: number, end: number, depth: number): void {
    if (o + 20 > end) return this.malformed();
    const ihl = (b[o]! & 0x0f) * 4;
    const total = (b[o + 2]! << 8) | b[o + 3]!;
    if (ihl < 20 || total < ihl) return this.malformed();
    this.stats.ipv4++;
    // Ethernet pads short frames; the IP total length says where the packet ends.
    // A total length of 0 happens with TSO captures: trust the captured bytes then.
    const pktEnd = total === 0 ? end : Math.min(end, o + total);
    const flagsFrag = (b[o + 6]! << 8) | b[o + 7]!;
    const more = (flagsFrag & 0x2000) !== 0;
    const fragOffset = (flagsFrag & 0x1fff) * 8;
    const proto = b[o + 9]!;
    const srcKey = ipv4Key(b, o + 12);
    const dstKey = ipv4Key(b, o + 16);
    const src = this.v4name(srcKey, b, o + 12);
    const dst = this.v4name(dstKey, b, o + 16);
    const start = o + ihl;
    if (more || fragOffset > 0) {
      this.stats.fragments++;
      const id = (b[o + 4]! << 8) | b[o + 5]!;
      const whole = this.reasm.add(`4|${src}|${dst}|${id}|${proto}`, fragOffset, more, b.subarray(start, pktEnd), this.frame.number, this.time);
      if (!whole) return;
      this.stats.reassembled++;
      this.reassembledNow = true;
      this.carriers = this.reasm.completedFrames;
      return this.transport(4, src, dst, srcKey, dstKey, proto, whole, 0, whole.length, ihl + whole.length, depth);
    }
    // The payload is [start, pktEnd), empty when the header runs past the captured bytes.
    const end2 = pktEnd > start ? pktEnd : start;
    this.transport(4, src, dst, srcKey, dstKey, proto, b, start, end2, ihl + (end2 - start), depth);
  }

  /** ipv4ToString of the address `key` at b[o], memoised: the same few addresses recur in every packet. */
  private v4name(key: number, b: Uint8Array, o: number): string {
    let h = Math.imul(key | 0, 0x9e3779b1);
    h = (h ^ (h >>> 15)) & (V4_NAMES - 1);
    if (this.v4keys[h] === key) return this.v4strs[h]!;
    const name = ipv4ToString(b, o);
    this.v4keys[h] = key;
    this.v4strs[h] = name;
    return name;
  }

  private ipv6(b: Uint8Array, o: number, end: number, depth: number): void {
    if (o + 40 > end) return this.malformed();
    this.stats.ipv6++;
    const plen = (b[o + 4]! << 8) | b[o + 5]!;
    const pktEnd = plen === 0 ? end : Math.min(end, o + 40 + plen);
    const nh = b[o + 6]!;
    const src = ipv6ToString(b, o + 8);
    const dst = ipv6ToString(b, o + 24);
    this.ipv6Chain(src, dst, ipv6Key(b, o + 8), ipv6Key(b, o + 24), nh, b, o + 40, pktEnd, 40, depth, true);
  }

  /**
   * Walk IPv6 extension headers from b[p] (header type nh) to the upper-layer
   * protocol. `fixed` is the IP header bytes before p that count in ipLength.
   * Called twice for a fragmented packet: on each fragment up to the Fragment
   * header, then on the reassembled payload, whose first bytes are the
   * unfragmentable part's successors (destination options, routing, AH ...).
   */
  private ipv6Chain(src: string, dst: string, srcKey: number, dstKey: number, nh: number, b: Uint8Array, p: number, pktEnd: number, fixed: number, depth: number, mayFragment: boolean): void {
    const start = p;
    for (let guard = 0; guard < 16; guard++) {
      if (EXT_8.has(nh)) {
        if (p + 8 > pktEnd) return this.malformed();
        const next = b[p]!;
        p += (b[p + 1]! + 1) * 8;
        nh = next;
      } else if (nh === IPPROTO_AH) { // AH: length in 4-byte units minus 2
        if (p + 8 > pktEnd) return this.malformed();
        const next = b[p]!;
        p += (b[p + 1]! + 2) * 4;
        nh = next;
      } else if (nh === IPPROTO_FRAGMENT) {
        if (p + 8 > pktEnd) return this.malformed();
        const next = b[p]!;
        const offMore = (b[p + 2]! << 8) | b[p + 3]!;
        const id = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
        const fragOffset = offMore & 0xfff8;
        const more = (offMore & 1) !== 0;
        p += 8;
        if (!more && fragOffset === 0) { nh = next; continue; } // atomic fragment
        // A fragment header inside a reassembled payload is nonsense: count it, do not loop.
        if (!mayFragment) return this.malformed();
        this.stats.fragments++;
        const whole = this.reasm.add(`6|${src}|${dst}|${id}`, fragOffset, more, b.subarray(p, pktEnd), this.frame.number, this.time);
        if (!whole) return;
        this.stats.reassembled++;
        this.reassembledNow = true;
        this.carriers = this.reasm.completedFrames;
        return this.ipv6Chain(src, dst, srcKey, dstKey, next, whole, 0, whole.length, fixed + (p - 8 - start), depth, false);
      } else {
        break;
      }
    }
    if (p > pktEnd) return this.malformed();
    this.transport(6, src, dst, srcKey, dstKey, nh, b, p, pktEnd, fixed + (pktEnd - start), depth);
  }

  /** The transport header and payload are b[off, end). */
  private transport(ver: 4 | 6, src: string, dst: string, srcKey: number, dstKey: number, proto: number, b: Uint8Array, off: number, end: number, ipLength: number, depth: number): void {
    const n = end - off;
    switch (proto) {
      case IPPROTO_UDP: {
        if (n < 8) return this.malformed();
        this.stats.udp++;
        const ulen = (b[off + 4]! << 8) | b[off + 5]!;
        const uend = ulen >= 8 && ulen <= n ? off + ulen : end;
        const srcPort = (b[off]! << 8) | b[off + 1]!;
        const dstPort = (b[off + 2]! << 8) | b[off + 3]!;
        // Tunnels by port, HEP by its port or first byte: three loads from 256-byte tables on the
        // plain path; only a hit (a few ports in 256, HEP's first bytes) looks closer. b[off + 8]
        // past the buffer (an empty payload at its end) is undefined, which the table maps to nothing.
        if ((UDP_HINT[dstPort & 255]! | UDP_HINT[srcPort & 255]! | FIRST_HINT[b[off + 8]!]!) !== 0
          && this.udpSpecial(b, off + 8, uend, srcPort, dstPort, depth)) return;
        const d = this.udp;
        d.frame = this.frame.number; d.tsSec = this.frame.tsSec; d.tsNsec = this.frame.tsNsec; d.ipVersion = ver;
        d.src = src; d.dst = dst; d.srcKey = srcKey; d.dstKey = dstKey; d.srcPort = srcPort; d.dstPort = dstPort;
        d.place(b, off + 8, uend); d.ipLength = ipLength; d.reassembled = this.reassembledNow;
        d.carriers = this.reassembledNow ? this.carriers : undefined;
        this.onDatagram(d);
        return;
      }
      case IPPROTO_TCP: {
        if (n < 20) return this.malformed();
        const hl = (b[off + 12]! >> 4) * 4;
        if (hl < 20 || hl > n) return this.malformed();
        this.stats.tcp++;
        // A TLS record header (handshake, application data, alert, change cipher spec; version 3.x).
        const t = off + hl;
        if (end - t >= 5 && b[t]! >= 0x14 && b[t]! <= 0x17 && b[t + 1] === 3 && b[t + 2]! <= 4) this.tlsSeen(b, off);
        this.onDatagram({
          frame: this.frame.number, tsSec: this.frame.tsSec, tsNsec: this.frame.tsNsec, ipVersion: ver,
          src, dst, srcKey, dstKey, srcPort: (b[off]! << 8) | b[off + 1]!, dstPort: (b[off + 2]! << 8) | b[off + 3]!, transport: 'TCP',
          payload: b.subarray(off + hl, end), bytes: b, start: off + hl, end,
          ipLength, reassembled: this.reassembledNow,
          carriers: this.reassembledNow ? this.carriers : undefined,
          tcp: {
            seq: ((b[off + 4]! << 24) | (b[off + 5]! << 16) | (b[off + 6]! << 8) | b[off + 7]!) >>> 0,
            ack: ((b[off + 8]! << 24) | (b[off + 9]! << 16) | (b[off + 10]! << 8) | b[off + 11]!) >>> 0,
            flags: b[off + 13]!,
          },
        });
        return;
      }
      case IPPROTO_IPIP:
      case IPPROTO_IPV6:
        if (depth >= MAX_NESTING) return this.tooDeep();
        this.stats.tunnels++;
        this.stats.encapsulations['IP-in-IP'] = (this.stats.encapsulations['IP-in-IP'] ?? 0) + 1;
        return this.ip(b, off, end, depth + 1);
      case IPPROTO_GRE:
        if (depth >= MAX_NESTING) return this.tooDeep();
        return this.tunnels.gre(b, off, end, depth);
      case IPPROTO_SCTP:
        this.sctpIp.ver = ver; this.sctpIp.src = src; this.sctpIp.dst = dst; this.sctpIp.srcKey = srcKey; this.sctpIp.dstKey = dstKey; this.sctpIp.ipLength = ipLength;
        return this.sctp.decode(this.sctpSink, src, dst, b, off, end, this.frame.number, this.time);
      case IPPROTO_AH: { // IPv4 AH (IPv6 walks it in its header chain): next header, length in 4-byte units minus 2
        if (n < 8) return this.malformed();
        const alen = (b[off + 1]! + 2) * 4;
        if (alen > n || depth >= MAX_NESTING) return this.malformed();
        return this.transport(ver, src, dst, srcKey, dstKey, b[off]!, b, off + alen, end, ipLength, depth + 1);
      }
      case IPPROTO_ESP:
        return this.tunnels.undecoded('IP protocol 50 (ESP, encrypted)');
      default:
        return;
    }
  }

  /** A UDP payload on a tunnel or HEP port, or starting like HEP: true when it was one (and is decoded from here). */
  private udpSpecial(b: Uint8Array, o: number, end: number, srcPort: number, dstPort: number, depth: number): boolean {
    if (isTunnelPort(srcPort, dstPort)) {
      if (depth >= MAX_NESTING) { this.tooDeep(); return true; }
      if (this.tunnels.udp(srcPort, dstPort, b, o, end, depth)) return true;
    }
    const c0 = o < end ? b[o]! : 0x80;
    if (c0 === 0x48 || c0 === 0x45 || c0 === 1 || c0 === 2 || dstPort === UDP_PORT_HEP || srcPort === UDP_PORT_HEP) return this.hep(b, o, end, srcPort, dstPort);
    return false;
  }

  /** One SCTP user message (a DATA chunk, or fragments reassembled) of the packet being decoded. */
  private sctpMessage(srcPort: number, dstPort: number, payload: Uint8Array, carriers: readonly number[] | undefined): void {
    const ip = this.sctpIp;
    this.onDatagram({
      frame: this.frame.number, tsSec: this.frame.tsSec, tsNsec: this.frame.tsNsec, ipVersion: ip.ver,
      src: ip.src, dst: ip.dst, srcKey: ip.srcKey, dstKey: ip.dstKey, srcPort, dstPort, transport: 'SCTP', payload, bytes: payload, start: 0, end: payload.length, ipLength: ip.ipLength,
      reassembled: this.reassembledNow || carriers !== undefined, tcp: null,
      carriers: carriers ?? (this.reassembledNow ? this.carriers : undefined),
    });
  }

  /**
   * A HEP packet in a UDP payload: the message it carries becomes a datagram
   * with HEP's original addresses, ports and transport (frame time kept).
   * False when the payload is not HEP after all.
   */
  private hep(b: Uint8Array, o: number, end: number, srcPort: number, dstPort: number): boolean {
    if (!isHep(b, o, end, srcPort, dstPort)) return false;
    const h = this.hepPacket;
    if (!parseHep(b, o, end, h)) {
      if (dstPort !== UDP_PORT_HEP && srcPort !== UDP_PORT_HEP && b[o] !== 0x48 && b[o] !== 0x45) return false;
      this.malformed();
      return true;
    }
    const s = this.stats;
    s.tunnels++;
    s.encapsulations['HEP'] = (s.encapsulations['HEP'] ?? 0) + 1;
    if (h.compressed) { this.tunnels.undecoded('HEP with a compressed payload'); return true; }
    if (h.type !== 0 && h.type !== HEP_TYPE_SIP && h.type !== HEP_TYPE_RTP) { this.tunnels.undecoded(`HEP payload type ${h.type}`); return true; }
    const payload = b.subarray(h.payloadStart, h.payloadEnd);
    this.onDatagram({
      frame: this.frame.number, tsSec: this.frame.tsSec, tsNsec: this.frame.tsNsec, ipVersion: h.ipVersion,
      src: h.src, dst: h.dst, srcPort: h.srcPort, dstPort: h.dstPort,
      transport: h.proto === IPPROTO_TCP ? 'TCP' : h.proto === IPPROTO_SCTP ? 'SCTP' : 'UDP',
      payload, bytes: b, start: h.payloadStart, end: h.payloadEnd, ipLength: (h.ipVersion === 4 ? 20 : 40) + 8 + payload.length, reassembled: this.reassembledNow, tcp: null,
      carriers: this.reassembledNow ? this.carriers : undefined,
    });
    return true;
  }

  /** TLS on TCP (b[off] is the TCP header): counted by the server's port, the lower of the two. */
  private tlsSeen(b: Uint8Array, off: number): void {
    const port = Math.min((b[off]! << 8) | b[off + 1]!, (b[off + 2]! << 8) | b[off + 3]!);
    const tls = this.stats.tls;
    tls[port] = (tls[port] ?? 0) + 1;
  }
}

/** The decoder's reused UDP datagram: every field declared here, so one hidden class for all decoders. */
class UdpRecord extends PayloadView implements Datagram {
  frame = 0; tsSec = 0; tsNsec = 0; ipVersion: 4 | 6 = 4; src = ''; dst = ''; srcKey = 0; dstKey = 0; srcPort = 0; dstPort = 0;
  transport: Datagram['transport'] = 'UDP'; ipLength = 0; reassembled = false; tcp = null; carriers: Datagram['carriers'] = undefined;
}
