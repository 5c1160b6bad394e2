/**
 * Media relay (what rtpproxy/mediaproxy do for NATed phones): SDP offers and
 * answers passing through the proxy are rewritten so both parties send RTP
 * and RTCP to the proxy, which forwards each packet to the other party and
 * records it. Per call and per m= line a pair of even/odd UDP ports faces
 * each side:
 *
 *   caller A  --RTP-->  legA (advertised to A)  ==>  sent from legB  --> B
 *   callee B  --RTP-->  legB (advertised to B)  ==>  sent from legA  --> A
 *
 * The destination learned from SDP is replaced by the source of the first
 * packet that arrives (symmetric RTP latching, for phones behind NAT).
 */
import { createSocket, type Socket } from 'node:dgram';
import { parseSdp } from '../media/sdp.js';

export interface RelayOptions {
  /** Address the relay binds and advertises in SDP. */
  bindIp: string;
  advertiseIp: string;
  portMin: number;
  portMax: number;
  /** Every datagram relayed: received (to the relay) and sent (from it). */
  onPacket?(src: string, sport: number, dst: string, dport: number, data: Buffer): void;
  onNote?(s: string): void;
}

interface Leg {
  rtp: Socket;
  rtcp: Socket;
  port: number;
  /** Where packets for this leg's party go (learned from SDP, then latched). */
  peer: { ip: string; port: number } | null;
  latched: boolean;
}

interface Stream {
  a: Leg | null;
  b: Leg | null;
}

interface Session {
  callId: string;
  streams: Stream[];
  lastActivity: number;
}

function isV6(ip: string): boolean { return ip.includes(':'); }

export class MediaRelay {
  private readonly sessions = new Map<string, Session>();
  private readonly free: number[] = [];
  packets = 0;

  constructor(private readonly opts: RelayOptions) {
    for (let p = opts.portMin + (opts.portMin & 1); p + 1 <= opts.portMax; p += 2) this.free.push(p);
  }

  get activeSessions(): number { return this.sessions.size; }
  get freePairs(): number { return this.free.length; }

  /**
   * Rewrite an SDP body coming from side 'a' (the caller) or 'b' (the callee)
   * of call `callId`; returns the new body, or null when nothing was changed
   * (no ports left, no media).
   */
  async rewrite(callId: string, from: 'a' | 'b', sdp: string): Promise<string | null> {
    let s = this.sessions.get(callId);
    if (!s) {
      s = { callId, streams: [], lastActivity: Date.now() };
      this.sessions.set(callId, s);
    }
    s.lastActivity = Date.now();
    const media = parseSdp(sdp).media;
    if (media.length === 0) return null;
    // The leg facing the sender of this SDP learns where the sender receives
    // (its c= and m= port), until symmetric RTP latching replaces it.
    const legs: (Leg | null)[] = [];
    for (let i = 0; i < media.length; i++) {
      const { port, address } = media[i]!;
      const st = s.streams[i] ??= { a: null, b: null };
      if (!port || !address || address === '0.0.0.0' || address === '::') { legs.push(null); continue; }
      let mine = from === 'a' ? st.a : st.b;
      if (!mine) {
        mine = await this.openLeg(s, st, from);
        if (!mine) { legs.push(null); continue; }
      }
      if (!mine.latched) mine.peer = { ip: address, port };
      legs.push(mine);
    }
    // The SDP goes on to the other party, so it advertises the leg facing
    // that party: the other party sends there, and hears from there.
    const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
    const out: string[] = [];
    let mIndex = -1;
    let changed = false;
    const adv = this.opts.advertiseIp;
    const cLine = `c=IN ${isV6(adv) ? 'IP6' : 'IP4'} ${adv}`;
    for (const l of sdp.split(/\r?\n/)) {
      // Lines are told apart as parseSdp does (type letter, '=', surrounding blanks ignored), so m= lines match media[].
      const t = l.trim();
      const kind = t[1] === '=' ? t[0] : '';
      if (kind === 'm') {
        mIndex++;
        const st = s.streams[mIndex]!;
        if (legs[mIndex]) {
          let other = from === 'a' ? st.b : st.a;
          if (!other) other = await this.openLeg(s, st, from === 'a' ? 'b' : 'a');
          if (other) {
            // The port, keeping a "/count" suffix.
            out.push(l.replace(/^(\s*m=\S*\s+)[^\s/]*/, `$1${other.port}`));
            changed = true;
            continue;
          }
        }
        out.push(l);
      } else if (kind === 'c') {
        const relayed = mIndex < 0 ? legs.some((x) => x) : !!legs[mIndex];
        out.push(relayed ? cLine : l);
      } else if (kind === 'a' && t.startsWith('a=rtcp:') && mIndex >= 0 && legs[mIndex]) {
        const st = s.streams[mIndex]!;
        const other = from === 'a' ? st.b : st.a;
        out.push(other ? `a=rtcp:${other.port + 1}` : l);
      } else out.push(l);
    }
    return changed ? out.join(eol) : null;
  }

  private async openLeg(s: Session, st: Stream, side: 'a' | 'b'): Promise<Leg | null> {
    while (this.free.length) {
      const port = this.free.shift()!;
      try {
        const rtp = await this.bind(port);
        let rtcp: Socket;
        try { rtcp = await this.bind(port + 1); } catch (e) { rtp.close(); throw e; }
        const leg: Leg = { rtp, rtcp, port, peer: null, latched: false };
        rtp.on('message', (msg, r) => this.onPacket(s, st, side, leg, false, msg, r.address, r.port));
        rtcp.on('message', (msg, r) => this.onPacket(s, st, side, leg, true, msg, r.address, r.port));
        if (side === 'a') st.a = leg; else st.b = leg;
        return leg;
      } catch {
        // Port in use: try the next pair (this one is not returned to the pool).
      }
    }
    this.opts.onNote?.(`media relay: no free port pair for call ${s.callId}; SDP left as is`);
    return null;
  }

  private bind(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const sock = createSocket({ type: isV6(this.opts.bindIp) ? 'udp6' : 'udp4' });
      sock.once('error', reject);
      sock.bind(port, this.opts.bindIp, () => {
        sock.off('error', reject);
        sock.on('error', () => { /* ICMP errors on send: ignore */ });
        resolve(sock);
      });
    });
  }

  /** A packet arrived on `leg` (facing `side`): forward it out of the other leg to the other party. */
  private onPacket(s: Session, st: Stream, side: 'a' | 'b', leg: Leg, rtcp: boolean, msg: Buffer, ip: string, port: number): void {
    s.lastActivity = Date.now();
    this.opts.onPacket?.(ip, port, this.opts.advertiseIp, rtcp ? leg.port + 1 : leg.port, msg);
    if (!rtcp && !leg.latched) { leg.peer = { ip, port }; leg.latched = true; }
    const other = side === 'a' ? st.b : st.a;
    if (!other || !other.peer) return;
    const dport = rtcp ? other.peer.port + 1 : other.peer.port;
    const sock = rtcp ? other.rtcp : other.rtp;
    sock.send(msg, dport, other.peer.ip);
    this.packets++;
    this.opts.onPacket?.(this.opts.advertiseIp, rtcp ? other.port + 1 : other.port, other.peer.ip, dport, msg);
  }

  /** Free a call's ports. */
  release(callId: string): void {
    const s = this.sessions.get(callId);
    if (!s) return;
    this.sessions.delete(callId);
    for (const st of s.streams) {
      for (const leg of [st.a, st.b]) {
        if (!leg) continue;
        try { leg.rtp.close(); } catch { /* closed */ }
        try { leg.rtcp.close(); } catch { /* closed */ }
        this.free.push(leg.port);
      }
    }
  }

  /** Release sessions idle (no SDP, no packet) for longer than `idleMs`. */
  sweep(idleMs: number): void {
    const t = Date.now();
    for (const s of [...this.sessions.values()]) if (t - s.lastActivity > idleMs) this.release(s.callId);
  }

  close(): void { for (const id of [...this.sessions.keys()]) this.release(id); }
}
