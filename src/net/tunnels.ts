/**
 * Encapsulations the network layer unwraps on the way to the innermost IP
 * packet, as Wireshark dissects them for VoIP captures taken on mirror ports,
 * access links and mobile cores:
 *
 *   PPPoE session (EtherType 0x8864, RFC 2516) -> PPP -> IPv4 0x0021 / IPv6 0x0057
 *   MPLS label stacks (0x8847/0x8848, RFC 3032) -> IPv4/IPv6 by the first nibble,
 *     0 -> a pseudowire control word and Ethernet (RFC 4448), as Wireshark guesses
 *   GRE (IP protocol 47; RFC 2784/2890 checksum, key and sequence; RFC 2637
 *     enhanced GRE of PPTP) -> IPv4, IPv6, Ethernet (0x6558), PPP (0x880b),
 *     MPLS, ERSPAN type I/II (0x88be: without / with a GRE sequence number)
 *     and type III (0x22eb, with its optional platform subheader)
 *   GTP-U (UDP 2152, 3GPP TS 29.281, with extension headers) -> IPv4/IPv6 (VoLTE)
 *   VXLAN (UDP 4789, RFC 7348) and VXLAN-GPE (UDP 4790) -> Ethernet (or IP, MPLS)
 *   Geneve (UDP 6081, RFC 8926, with options) -> Ethernet / IPv4 / IPv6
 *
 * Every header is length-checked against the bytes it came in; the decoder
 * bounds the nesting depth. Each layer decoded is counted by name in
 * NetStats.encapsulations, each payload that is not followed in
 * NetStats.undecoded (the decoder warns about those once, at the end).
 * Nothing here allocates per packet: the decoder dispatches here only on
 * these EtherTypes, IP protocol numbers and UDP ports.
 */
import type { NetStats } from '../model.js';
import {
  ETHERTYPE_ERSPAN_II, ETHERTYPE_ERSPAN_III, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_MPLS, ETHERTYPE_MPLS_MC,
  ETHERTYPE_PPP, ETHERTYPE_PPPOE, ETHERTYPE_PPPOE_DISCOVERY, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_TEB, ETHERTYPE_VLAN,
  PPP_IPV4, PPP_IPV6, UDP_PORT_GENEVE, UDP_PORT_GTPU, UDP_PORT_VXLAN, UDP_PORT_VXLAN_GPE,
} from './constants.js';

/** What the decoder lends the tunnel layer: its entry points for the inner packet and its counters. */
export interface TunnelHost {
  readonly stats: NetStats;
  /** An IP packet in b[o, end), `depth` tunnels deep. */
  ip(b: Uint8Array, o: number, end: number, depth: number): void;
  /** An Ethernet frame in b[o, end) (destination MAC first), `depth` tunnels deep. */
  ethernet(b: Uint8Array, o: number, end: number, depth: number): void;
  malformed(): void;
}

/** Most MPLS label stack entries followed. */
export const MAX_MPLS_LABELS = 16;
/** Most GTP-U extension headers followed. */
export const MAX_GTP_EXTENSIONS = 16;
/** Most GRE routing entries (RFC 1701 SREs) skipped. */
const MAX_GRE_SRES = 16;

/** EtherTypes of link control traffic: not IP, but nothing worth a warning either. */
const CONTROL_ETHERTYPES = new Set<number>([
  0x0806, 0x8035, 0x88cc, 0x888e, 0x8809, ETHERTYPE_PPPOE_DISCOVERY, 0x9000, 0x8808, 0x88f7, 0x8899, 0x893a, 0x88e1, 0x22f3,
]);

const hex4 = (n: number) => '0x' + n.toString(16).padStart(4, '0');

/** Is this UDP port pair one a tunnel is decoded on (GTP-U both ways, as Wireshark registers it)? */
export function isTunnelPort(srcPort: number, dstPort: number): boolean {
  return dstPort === UDP_PORT_VXLAN || dstPort === UDP_PORT_GENEVE || dstPort === UDP_PORT_GTPU || srcPort === UDP_PORT_GTPU
    || dstPort === UDP_PORT_VXLAN_GPE;
}

export class Tunnels {
  constructor(private readonly host: TunnelHost) {}

  private count(name: string): void {
    const s = this.host.stats;
    s.tunnels++;
    s.encapsulations[name] = (s.encapsulations[name] ?? 0) + 1;
  }

  /** Something seen inside a tunnel (or at the link layer) that is not followed. */
  undecoded(what: string): void {
    const u = this.host.stats.undecoded;
    u[what] = (u[what] ?? 0) + 1;
  }

  /**
   * An EtherType other than IPv4/IPv6 at b[o, end): the encapsulations decoded
   * here, else counted as not IP (an unknown EtherType also as undecoded).
   */
  ethertype(type: number, b: Uint8Array, o: number, end: number, depth: number): void {
    switch (type) {
      case ETHERTYPE_PPPOE: return this.pppoe(b, o, end, depth);
      case ETHERTYPE_MPLS:
      case ETHERTYPE_MPLS_MC: return this.mpls(b, o, end, depth);
      default:
        this.host.stats.notIp++;
        // 802.3 length fields (LLC: STP, CDP...) and link control protocols are expected on any link.
        if (type >= 0x0600 && !CONTROL_ETHERTYPES.has(type)) this.undecoded(`EtherType ${hex4(type)}`);
    }
  }

  /** PPPoE session stage: version/type, code, session id, length, then PPP without address and control. */
  private pppoe(b: Uint8Array, o: number, end: number, depth: number): void {
    if (o + 8 > end) return this.host.malformed();
    if (b[o] !== 0x11 || b[o + 1] !== 0) return this.host.malformed();
    const len = (b[o + 4]! << 8) | b[o + 5]!;
    const pend = Math.min(end, o + 6 + len);
    this.count('PPPoE');
    this.ppp(b, o + 6, pend, depth);
  }

  /** A PPP frame: optional address/control (0xff 0x03, as PPTP sends it), protocol field (compressed to one byte when odd). */
  private ppp(b: Uint8Array, o: number, end: number, depth: number): void {
    if (o + 2 <= end && b[o] === 0xff && b[o + 1] === 0x03) o += 2;
    if (o + 1 > end) return this.host.malformed();
    let proto = b[o]!;
    if (proto & 1) o += 1;
    else {
      if (o + 2 > end) return this.host.malformed();
      proto = (proto << 8) | b[o + 1]!;
      o += 2;
    }
    if (proto === PPP_IPV4 || proto === PPP_IPV6) return this.host.ip(b, o, end, depth + 1);
    if (proto === 0x0281) return this.mpls(b, o, end, depth);
    this.host.stats.notIp++;
    // 0x8xxx network control (IPCP...), 0xCxxx link control (LCP, PAP, CHAP): session upkeep.
    if (proto < 0x8000) this.undecoded(`PPP protocol ${hex4(proto)}`);
  }

  /** MPLS label stack entries up to the bottom of stack, then the payload by its first nibble. */
  private mpls(b: Uint8Array, o: number, end: number, depth: number): void {
    let p = o;
    for (let i = 0; ; i++) {
      if (p + 4 > end) return this.host.malformed();
      const bos = (b[p + 2]! & 0x01) !== 0;
      p += 4;
      if (bos) break;
      if (i + 1 >= MAX_MPLS_LABELS) { this.undecoded('MPLS label stack deeper than ' + MAX_MPLS_LABELS); return; }
    }
    this.count('MPLS');
    if (p >= end) return this.host.malformed();
    const nibble = b[p]! >> 4;
    if (nibble === 4 || nibble === 6) return this.host.ip(b, p, end, depth + 1);
    // First nibble 0: an Ethernet pseudowire (RFC 4448); with its control word when the
    // 4 bytes before the frame are one (first nibble 0), as Wireshark's pw_eth heuristic reads it.
    if (nibble === 0 && p + 4 + 14 <= end && isEtherPayload(b, p + 4 + 12)) return this.host.ethernet(b, p + 4, end, depth + 1);
    if (p + 14 <= end && isEtherPayload(b, p + 12)) return this.host.ethernet(b, p, end, depth + 1);
    this.undecoded(`MPLS payload (first nibble ${nibble})`);
  }

  /** GRE (IP protocol 47): version 0 (RFC 2784/2890, RFC 1701 routing) or 1 (PPTP's enhanced GRE, RFC 2637). */
  gre(b: Uint8Array, o: number, end: number, depth: number): void {
    if (o + 4 > end) return this.host.malformed();
    const flags = (b[o]! << 8) | b[o + 1]!;
    const proto = (b[o + 2]! << 8) | b[o + 3]!;
    const version = flags & 7;
    let p = o + 4;
    if (version === 0) {
      if (flags & 0xc000) p += 4; // checksum and reserved (or the RFC 1701 offset when routing is present)
      if (flags & 0x2000) p += 4; // key
      if (flags & 0x1000) p += 4; // sequence number
      if (flags & 0x4000) {
        // RFC 1701 source route entries, up to the null one.
        for (let i = 0; ; i++) {
          if (p + 4 > end || i >= MAX_GRE_SRES) return this.host.malformed();
          const sreLen = b[p + 3]!;
          const af = (b[p]! << 8) | b[p + 1]!;
          p += 4 + sreLen;
          if (af === 0 && sreLen === 0) break;
        }
      }
    } else if (version === 1) {
      p += 4; // payload length and call id (the key, always present)
      if (flags & 0x1000) p += 4;
      if (flags & 0x0080) p += 4; // acknowledgment number
    } else {
      this.undecoded(`GRE version ${version}`);
      return;
    }
    if (p > end) return this.host.malformed();
    this.count('GRE');
    switch (proto) {
      case ETHERTYPE_IPV4:
      case ETHERTYPE_IPV6: return this.host.ip(b, p, end, depth + 1);
      case ETHERTYPE_TEB: return this.host.ethernet(b, p, end, depth + 1);
      case ETHERTYPE_PPP: return this.ppp(b, p, end, depth);
      case ETHERTYPE_MPLS:
      case ETHERTYPE_MPLS_MC: return this.mpls(b, p, end, depth);
      case ETHERTYPE_ERSPAN_II:
        // Without a GRE sequence number it is type I: the mirrored frame follows at once.
        if (!(flags & 0x1000)) { this.count('ERSPAN I'); return this.host.ethernet(b, p, end, depth + 1); }
        if (p + 8 > end) return this.host.malformed();
        this.count('ERSPAN II');
        return this.host.ethernet(b, p + 8, end, depth + 1);
      case ETHERTYPE_ERSPAN_III: return this.erspan3(b, p, end, depth);
      default:
        this.undecoded(`GRE payload ${hex4(proto)}`);
    }
  }

  /** ERSPAN type III: 12-byte header, an 8-byte platform subheader when O is set; frame type 0 Ethernet, 2 IP. */
  private erspan3(b: Uint8Array, o: number, end: number, depth: number): void {
    if (o + 12 > end) return this.host.malformed();
    const w = (b[o + 10]! << 8) | b[o + 11]!;
    const p = o + 12 + (w & 1 ? 8 : 0);
    if (p > end) return this.host.malformed();
    const ft = (w >> 10) & 0x1f;
    this.count('ERSPAN III');
    if (ft === 0) return this.host.ethernet(b, p, end, depth + 1);
    if (ft === 2) return this.host.ip(b, p, end, depth + 1);
    this.undecoded(`ERSPAN III frame type ${ft}`);
  }


  /**
   * A UDP payload b[o, end) on a tunnel port: true when it was a tunnel (and
   * is decoded from here), false when it is not (the caller treats it as an
   * ordinary datagram).
   */
  udp(srcPort: number, dstPort: number, b: Uint8Array, o: number, end: number, depth: number): boolean {
    if (dstPort === UDP_PORT_GTPU || srcPort === UDP_PORT_GTPU) return this.gtpu(b, o, end, depth);
    if (dstPort === UDP_PORT_VXLAN) return this.vxlan(b, o, end, depth, false);
    if (dstPort === UDP_PORT_VXLAN_GPE) return this.vxlan(b, o, end, depth, true);
    if (dstPort === UDP_PORT_GENEVE) return this.geneve(b, o, end, depth);
    return false;
  }

  /** GTP-U v1: 8-byte header, 4 more when E, S or PN is set, extension headers chained by their last byte; G-PDU (255) carries IP. */
  private gtpu(b: Uint8Array, o: number, end: number, depth: number): boolean {
    if (o + 8 > end) return false;
    const f = b[o]!;
    if (f >> 5 !== 1 || !(f & 0x10)) return false; // version 1, protocol type GTP (not GTP')
    const type = b[o + 1]!;
    const len = (b[o + 2]! << 8) | b[o + 3]!;
    const pend = Math.min(end, o + 8 + len);
    let p = o + 8;
    if (f & 0x07) {
      if (p + 4 > pend) { this.host.malformed(); return true; }
      let next = b[p + 3]!;
      p += 4;
      for (let i = 0; next !== 0; i++) {
        if (i >= MAX_GTP_EXTENSIONS || p + 1 > pend) { this.host.malformed(); return true; }
        const l = b[p]! * 4;
        if (l === 0 || p + l > pend) { this.host.malformed(); return true; }
        next = b[p + l - 1]!;
        p += l;
      }
    }
    this.count('GTP-U');
    if (type !== 0xff) return true; // echo, error indication, end marker: path upkeep, no user data
    const nibble = p < pend ? b[p]! >> 4 : 0;
    if (nibble === 4 || nibble === 6) this.host.ip(b, p, pend, depth + 1);
    else this.undecoded('GTP-U payload that is not IP');
    return true;
  }

  /** VXLAN (flags with I set, VNI) then Ethernet; VXLAN-GPE names its next protocol. */
  private vxlan(b: Uint8Array, o: number, end: number, depth: number, gpe: boolean): boolean {
    if (o + 8 > end) return false;
    const flags = b[o]!;
    if (!(flags & 0x08)) return false;
    this.count(gpe ? 'VXLAN-GPE' : 'VXLAN');
    const p = o + 8;
    const next = gpe && flags & 0x04 ? b[o + 3]! : 3;
    switch (next) {
      case 1:
      case 2: this.host.ip(b, p, end, depth + 1); break;
      case 3: this.host.ethernet(b, p, end, depth + 1); break;
      case 5: this.mpls(b, p, end, depth); break;
      default: this.undecoded(`VXLAN-GPE next protocol ${next}`);
    }
    return true;
  }

  /** Geneve: version 0, options of the given length, then the protocol type's payload. */
  private geneve(b: Uint8Array, o: number, end: number, depth: number): boolean {
    if (o + 8 > end || b[o]! >> 6 !== 0) return false;
    const p = o + 8 + (b[o]! & 0x3f) * 4;
    if (p > end) { this.host.malformed(); return true; }
    const proto = (b[o + 2]! << 8) | b[o + 3]!;
    this.count('Geneve');
    if (proto === ETHERTYPE_TEB) this.host.ethernet(b, p, end, depth + 1);
    else if (proto === ETHERTYPE_IPV4 || proto === ETHERTYPE_IPV6) this.host.ip(b, p, end, depth + 1);
    else this.undecoded(`Geneve payload ${hex4(proto)}`);
    return true;
  }
}

/** Is b[p, p+2) an EtherType an Ethernet frame inside a pseudowire would carry? */
function isEtherPayload(b: Uint8Array, p: number): boolean {
  const t = (b[p]! << 8) | b[p + 1]!;
  return t === ETHERTYPE_IPV4 || t === ETHERTYPE_IPV6 || t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD
    || t === ETHERTYPE_MPLS || t === ETHERTYPE_PPPOE || t === 0x0806;
}
