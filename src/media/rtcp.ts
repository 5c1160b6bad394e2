/**
 * RTCP sender and receiver reports (RFC 3550 §6.4): the report blocks say what
 * the far end received of a stream (by SSRC): fraction lost, cumulative lost,
 * interarrival jitter in timestamp units.
 */

export interface RtcpReportBlock {
  /** SSRC of the stream the block reports on. */
  ssrc: number;
  fractionLost: number;
  cumulativeLost: number;
  jitter: number;
  /** Middle 32 bits of the NTP time of the last sender report received from that SSRC (0: none yet). */
  lsr: number;
  /** Delay since that sender report, in 1/65536 s. */
  dlsr: number;
}

export interface RtcpPacketInfo {
  senderReports: number;
  receiverReports: number;
  /** SSRC of the sender of each sender report (the stream it describes from the sending side). */
  senders: number[];
  /** Middle 32 bits of each sender report's NTP timestamp (what a later block's LSR echoes), by the index of `senders`. */
  senderNtp: number[];
  blocks: RtcpReportBlock[];
}

/** True when the payload looks like a compound RTCP packet (version 2, PT 200-204). */
export function looksLikeRtcp(b: Uint8Array): boolean {
  return looksLikeRtcpAt(b, 0, b.length);
}

/** {@link looksLikeRtcp} of the bytes b[o, e), read in place. */
export function looksLikeRtcpAt(b: Uint8Array, o: number, e: number): boolean {
  return e - o >= 8 && (b[o]! >> 6) === 2 && b[o + 1]! >= 200 && b[o + 1]! <= 204;
}

/** Parse a compound RTCP packet; stops quietly at the first malformed part. */
export function parseRtcp(b: Uint8Array): RtcpPacketInfo {
  const out: RtcpPacketInfo = { senderReports: 0, receiverReports: 0, senders: [], senderNtp: [], blocks: [] };
  let o = 0;
  while (o + 4 <= b.length) {
    if ((b[o]! >> 6) !== 2) break;
    const rc = b[o]! & 0x1f;
    const pt = b[o + 1]!;
    const len = (((b[o + 2]! << 8) | b[o + 3]!) + 1) * 4;
    if (o + len > b.length) break;
    let blocks = -1;
    if (pt === 200) {
      out.senderReports++;
      blocks = o + 28;
      if (o + 8 <= b.length) out.senders.push(((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0);
      if (o + 8 <= b.length) out.senderNtp.push(o + 16 <= b.length ? ((b[o + 10]! << 24) | (b[o + 11]! << 16) | (b[o + 12]! << 8) | b[o + 13]!) >>> 0 : 0);
    }
    else if (pt === 201) { out.receiverReports++; blocks = o + 8; }
    if (blocks >= 0) {
      for (let i = 0; i < rc && blocks + 24 <= o + len; i++, blocks += 24) {
        const ssrc = ((b[blocks]! << 24) | (b[blocks + 1]! << 16) | (b[blocks + 2]! << 8) | b[blocks + 3]!) >>> 0;
        let cum = (b[blocks + 5]! << 16) | (b[blocks + 6]! << 8) | b[blocks + 7]!;
        if (cum & 0x800000) cum -= 0x1000000; // signed 24-bit
        const jitter = ((b[blocks + 12]! << 24) | (b[blocks + 13]! << 16) | (b[blocks + 14]! << 8) | b[blocks + 15]!) >>> 0;
        const lsr = ((b[blocks + 16]! << 24) | (b[blocks + 17]! << 16) | (b[blocks + 18]! << 8) | b[blocks + 19]!) >>> 0;
        const dlsr = ((b[blocks + 20]! << 24) | (b[blocks + 21]! << 16) | (b[blocks + 22]! << 8) | b[blocks + 23]!) >>> 0;
        out.blocks.push({ ssrc, fractionLost: b[blocks + 4]! / 256, cumulativeLost: cum, jitter, lsr, dlsr });
      }
    }
    o += len;
  }
  return out;
}
