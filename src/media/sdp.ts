/**
 * SDP (RFC 4566/8866) as sipflow needs it: connection addresses, media
 * sections with ports, payload maps (rtpmap/fmtp), ptime, direction and RTCP.
 */
import { bracketed } from '../net/addr.js';

export interface RtpMapEntry {
  /** Encoding name as written ("opus", "PCMU", "telephone-event"). */
  name: string;
  rate: number;
  channels: number | null;
}

export interface SdpMedia {
  type: string;
  port: number;
  /** Port 0: the stream is rejected or disabled. */
  rejected: boolean;
  proto: string;
  /** Payload type numbers (or formats) in m= order. */
  formats: string[];
  /** Connection address for this section (media c= or session c=), null if none. */
  address: string | null;
  rtpmap: Map<number, RtpMapEntry>;
  fmtp: Map<number, string>;
  ptime: number | null;
  maxptime: number | null;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  rtcpPort: number;
  rtcpAddress: string | null;
  rtcpMux: boolean;
}

export interface Sdp {
  origin: string | null;
  sessionAddress: string | null;
  sessionDirection: SdpMedia['direction'] | null;
  media: SdpMedia[];
}

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** Parse SDP text; lenient: unknown lines are ignored, malformed ones skipped. */
export function parseSdp(text: string): Sdp {
  const sdp: Sdp = { origin: null, sessionAddress: null, sessionDirection: null, media: [] };
  let cur: SdpMedia | null = null;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line.length < 2 || line[1] !== '=') continue;
    const k = line[0];
    const v = line.slice(2).trim();
    if (k === 'o') { sdp.origin = v; continue; }
    if (k === 'c') {
      const addr = v.split(/\s+/)[2]?.split('/')[0] ?? null;
      if (cur) cur.address = addr; else sdp.sessionAddress = addr;
      continue;
    }
    if (k === 'm') {
      const parts = v.split(/\s+/);
      const raw = Number((parts[1] ?? '0').split('/')[0]);
      // An unreadable or impossible port counts as 0: the stream cannot be used.
      const port = Number.isInteger(raw) && raw > 0 && raw < 65536 ? raw : 0;
      cur = {
        type: parts[0] ?? '', port, rejected: port === 0, proto: parts[2] ?? '',
        formats: parts.slice(3), address: sdp.sessionAddress, rtpmap: new Map(), fmtp: new Map(), ptime: null, maxptime: null,
        direction: sdp.sessionDirection ?? 'sendrecv', rtcpPort: port + 1, rtcpAddress: null, rtcpMux: false,
      };
      sdp.media.push(cur);
      continue;
    }
    if (k !== 'a') continue;
    const colon = v.indexOf(':');
    const name = colon < 0 ? v : v.slice(0, colon);
    const val = colon < 0 ? '' : v.slice(colon + 1).trim();
    if (DIRECTIONS.has(name)) {
      if (cur) cur.direction = name as SdpMedia['direction'];
      else sdp.sessionDirection = name as SdpMedia['direction'];
      continue;
    }
    if (!cur) continue;
    switch (name) {
      case 'rtpmap': {
        const m = /^(\d+)\s+([^/\s]+)(?:\/(\d+))?(?:\/(\d+))?/.exec(val);
        if (m) cur.rtpmap.set(Number(m[1]), { name: m[2]!, rate: m[3] ? Number(m[3]) : 0, channels: m[4] ? Number(m[4]) : null });
        break;
      }
      case 'fmtp': {
        const m = /^(\d+)\s+(.*)$/.exec(val);
        if (m) cur.fmtp.set(Number(m[1]), m[2]!);
        break;
      }
      case 'ptime': { const n = Number(val); if (Number.isFinite(n)) cur.ptime = n; break; }
      case 'maxptime': { const n = Number(val); if (Number.isFinite(n)) cur.maxptime = n; break; }
      case 'rtcp': {
        const p = val.split(/\s+/);
        const n = Number(p[0]);
        if (Number.isFinite(n) && n > 0) cur.rtcpPort = n;
        if (p[3]) cur.rtcpAddress = p[3];
        break;
      }
      case 'rtcp-mux': cur.rtcpMux = true; break;
    }
  }
  // A session-level direction written after m= lines does not apply retroactively; one before does.
  return sdp;
}

/** "audio opus/48000 192.0.2.1:4000 sendrecv; video VP8/90000 …" for ladders and reports. */
export function sdpSummary(sdp: Sdp, codecName: (m: SdpMedia, pt: number) => string): string {
  return sdp.media.map((m) => {
    if (m.rejected) return `${m.type} rejected`;
    const first = m.formats.map(Number).filter((pt) => Number.isInteger(pt)).map((pt) => codecName(m, pt))
      .filter((c) => !/^(telephone-event|CN)\//i.test(c));
    const addr = m.address ? bracketed(m.address) : '?';
    return `${m.type} ${first.slice(0, 3).join(',') || m.formats.join(',')} ${addr}:${m.port}${m.direction !== 'sendrecv' ? ' ' + m.direction : ''}`;
  }).join('; ');
}
