/**
 * HEP / EEP, the Homer Encapsulation Protocol that HOMER agents, Kamailio's
 * siptrace, OpenSIPS, FreeSWITCH, Asterisk (res_hep) and heplify send to a
 * collector: each packet carries one captured SIP message (or RTP, RTCP...)
 * with the addresses and ports it originally had.
 *
 *   v3 ("HEP3", or "EEP3"): a length, then chunks (vendor, type, length,
 *      value); the ones read here are IP family, protocol, addresses, ports,
 *      payload type and the payload.
 *   v1 / v2: version, header length, family, protocol, ports, addresses, then
 *      (v2) capture time and agent id; the payload follows the header.
 *
 * The decoder asks here for UDP datagrams on port 9060 and for any UDP
 * payload that starts with the v3 magic; a v1/v2 header elsewhere is taken
 * only when a SIP message follows it. The inner message keeps HEP's
 * addresses and ports as its endpoints; its time stays the frame's.
 */
import { ipv4ToString, ipv6ToString } from './addr.js';
import { UDP_PORT_HEP } from './constants.js';

/** HEP3 payload types (chunk 0x000b) sipflow hands on. */
export const HEP_TYPE_SIP = 1;
export const HEP_TYPE_RTP = 4;

/** What one HEP packet said; the decoder reuses one of these. */
export interface HepPacket {
  version: number;
  ipVersion: 4 | 6;
  /** IP protocol of the original packet (17 UDP, 6 TCP, 132 SCTP). */
  proto: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** HEP3 payload type (1 SIP, 4 RTP, 5 RTCP...), 0 when not given (v1/v2). */
  type: number;
  /** The payload is b[payloadStart, payloadEnd). */
  payloadStart: number;
  payloadEnd: number;
  /** Set when the payload came compressed (chunk 0x0010), which is not inflated. */
  compressed: boolean;
}

export function newHepPacket(): HepPacket {
  return { version: 0, ipVersion: 4, proto: 0, src: '', dst: '', srcPort: 0, dstPort: 0, type: 0, payloadStart: 0, payloadEnd: 0, compressed: false };
}

/** Could b[o, end) be HEP? The v3 magic anywhere; v1/v2 on the HEP port, or elsewhere when SIP follows. */
export function isHep(b: Uint8Array, o: number, end: number, srcPort: number, dstPort: number): boolean {
  if (end - o < 16) return false;
  const c0 = b[o]!;
  if ((c0 === 0x48 || c0 === 0x45) && b[o + 1] === 0x45 && b[o + 2] === 0x50 && b[o + 3] === 0x33) return true; // "HEP3" / "EEP3"
  if (c0 !== 1 && c0 !== 2) return false;
  if (dstPort === UDP_PORT_HEP || srcPort === UDP_PORT_HEP) return true;
  const hl = b[o + 1]!;
  return o + hl < end && sipFollows(b, o + hl, end);
}

/**
 * Does a SIP start line begin at b[p]? "SIP/2.0 " (a status line), or a first
 * line ending in " SIP/2.0" (a request). The network layer's own test: the
 * SIP stage's detector sits above it.
 */
function sipFollows(b: Uint8Array, p: number, end: number): boolean {
  if (p + 8 <= end && b[p] === 0x53 && b[p + 1] === 0x49 && b[p + 2] === 0x50 && b[p + 3] === 0x2f && b[p + 4] === 0x32) return true;
  const lim = Math.min(end, p + 1024);
  for (let i = p; i < lim; i++) {
    if (b[i] !== 0x0d && b[i] !== 0x0a) continue;
    return i - p >= 12 && b[i - 8] === 0x20 && b[i - 7] === 0x53 && b[i - 6] === 0x49 && b[i - 5] === 0x50 && b[i - 4] === 0x2f;
  }
  return false;
}

/** Parse b[o, end) into `out`; false when it is not a well-formed HEP packet. */
export function parseHep(b: Uint8Array, o: number, end: number, out: HepPacket): boolean {
  out.type = 0;
  out.compressed = false;
  out.payloadStart = out.payloadEnd = 0;
  if (b[o] === 1 || b[o] === 2) return parseHep2(b, o, end, out);
  if (end - o < 6) return false;
  const total = (b[o + 4]! << 8) | b[o + 5]!;
  if (total < 6 || o + total > end) return false;
  const pend = o + total;
  let p = o + 6;
  let family = 0;
  let v4src = -1, v4dst = -1, v6src = -1, v6dst = -1;
  out.version = 3;
  out.proto = 0;
  out.srcPort = out.dstPort = 0;
  // At most one pass over the chunks; each is length-checked.
  while (p + 6 <= pend) {
    const vendor = (b[p]! << 8) | b[p + 1]!;
    const type = (b[p + 2]! << 8) | b[p + 3]!;
    const len = (b[p + 4]! << 8) | b[p + 5]!;
    if (len < 6 || p + len > pend) return false;
    const v = p + 6;
    const vl = len - 6;
    if (vendor === 0) {
      switch (type) {
        case 0x01: if (vl >= 1) family = b[v]!; break;
        case 0x02: if (vl >= 1) out.proto = b[v]!; break;
        case 0x03: if (vl === 4) v4src = v; break;
        case 0x04: if (vl === 4) v4dst = v; break;
        case 0x05: if (vl === 16) v6src = v; break;
        case 0x06: if (vl === 16) v6dst = v; break;
        case 0x07: if (vl >= 2) out.srcPort = (b[v]! << 8) | b[v + 1]!; break;
        case 0x08: if (vl >= 2) out.dstPort = (b[v]! << 8) | b[v + 1]!; break;
        case 0x0b: if (vl >= 1) out.type = b[v]!; break;
        case 0x0f: out.payloadStart = v; out.payloadEnd = v + vl; break;
        case 0x10: out.payloadStart = v; out.payloadEnd = v + vl; out.compressed = true; break;
      }
    }
    p += len;
  }
  if (family === 10 || (v6src >= 0 && v6dst >= 0 && v4src < 0)) {
    if (v6src < 0 || v6dst < 0) return false;
    out.ipVersion = 6;
    out.src = ipv6ToString(b, v6src);
    out.dst = ipv6ToString(b, v6dst);
  } else {
    if (v4src < 0 || v4dst < 0) return false;
    out.ipVersion = 4;
    out.src = ipv4ToString(b, v4src);
    out.dst = ipv4ToString(b, v4dst);
  }
  return out.payloadEnd > out.payloadStart;
}

/** HEP v1/v2: fixed header (v2 adds capture time and agent id), the payload after it. */
function parseHep2(b: Uint8Array, o: number, end: number, out: HepPacket): boolean {
  const version = b[o]!;
  const hl = b[o + 1]!;
  const family = b[o + 2]!;
  const v6 = family === 10 || family === 23 || family === 24 || family === 28 || family === 30;
  if (!v6 && family !== 2) return false;
  const addr = v6 ? 32 : 8;
  const want = 8 + addr + (version === 2 ? 12 : 0);
  if (hl !== want || o + hl > end) return false;
  out.version = version;
  out.proto = b[o + 3]!;
  out.srcPort = (b[o + 4]! << 8) | b[o + 5]!;
  out.dstPort = (b[o + 6]! << 8) | b[o + 7]!;
  out.ipVersion = v6 ? 6 : 4;
  out.src = v6 ? ipv6ToString(b, o + 8) : ipv4ToString(b, o + 8);
  out.dst = v6 ? ipv6ToString(b, o + 24) : ipv4ToString(b, o + 12);
  out.payloadStart = o + hl;
  out.payloadEnd = end;
  return out.payloadEnd > out.payloadStart;
}
