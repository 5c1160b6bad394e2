/**
 * Scripted SIP exchanges for the project's own fixtures: a tiny model of user
 * agents and a proxy that produces realistic RFC 3261 messages (Via branches,
 * tags, CSeq, Record-Route, Content-Length) and RTP, with timestamps. The
 * fixtures script turns a scenario into a pcapng file with the project's writer.
 */

export interface Host {
  name: string;
  ip: string;
  port: number;
  user: string;
  rtpPort: number;
}

export interface Packet {
  /** Seconds from the scenario start. */
  t: number;
  src: Host;
  dst: Host;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

export class Scenario {
  readonly packets: Packet[] = [];
  t = 0;
  private branchSeq = 0;

  constructor(readonly callId: string, readonly seed: number) {}

  at(t: number): this { this.t = t; return this; }
  wait(dt: number): this { this.t += dt; return this; }

  branch(): string {
    return `z9hG4bK${(this.seed * 7919 + ++this.branchSeq * 104729).toString(16)}`;
  }

  sip(src: Host, dst: Host, text: string): this {
    const body = text.split('\n\n');
    const head = body[0]!.trim().split('\n').map((l) => l.trim()).filter(Boolean);
    const content = body.slice(1).join('\n\n').trim();
    const sdp = content ? content.split('\n').map((l) => l.trim()).join('\r\n') + '\r\n' : '';
    const msg = head.join('\r\n') + `\r\nContent-Length: ${Buffer.byteLength(sdp)}\r\n\r\n` + sdp;
    this.packets.push({ t: this.t, src, dst, srcPort: src.port, dstPort: dst.port, payload: Buffer.from(msg, 'utf8') });
    return this;
  }

  /** `count` RTP packets of PCMU every 20 ms from a to b, starting now (does not advance time). */
  rtp(a: Host, b: Host, ssrc: number, count: number, opts: { lose?: number[]; jitterMs?: number } = {}): this {
    let seq = (this.seed * 31 + ssrc) & 0xffff;
    let ts = (this.seed * 977 + ssrc) >>> 0;
    for (let i = 0; i < count; i++) {
      const pkt = Buffer.alloc(12 + 160, 0xff);
      pkt[0] = 0x80;
      pkt[1] = i === 0 ? 0x80 : 0x00; // marker on the first packet, PT 0 (PCMU)
      pkt.writeUInt16BE(seq, 2);
      pkt.writeUInt32BE(ts >>> 0, 4);
      pkt.writeUInt32BE(ssrc >>> 0, 8);
      const jitter = opts.jitterMs ? ((i * 7) % 5 - 2) * opts.jitterMs / 2000 : 0;
      if (!opts.lose?.includes(i)) {
        this.packets.push({ t: this.t + i * 0.02 + jitter, src: a, dst: b, srcPort: a.rtpPort, dstPort: b.rtpPort, payload: pkt });
      }
      seq = (seq + 1) & 0xffff;
      ts = (ts + 160) >>> 0;
    }
    return this;
  }

  /** Packets in time order (stable), as a capture would hold them. */
  sorted(): Packet[] {
    return this.packets.map((p, i) => ({ p, i })).sort((a, b) => a.p.t - b.p.t || a.i - b.i).map((x) => x.p);
  }
}

export function sdp(h: Host, sessId: number, extra = ''): string {
  return `v=0
o=${h.user} ${sessId} ${sessId} IN IP4 ${h.ip}
s=sipflow fixture
c=IN IP4 ${h.ip}
t=0 0
m=audio ${h.rtpPort} RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=ptime:20
a=sendrecv${extra ? '\n' + extra : ''}`;
}
