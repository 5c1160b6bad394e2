/**
 * SIP over TCP: per-direction stream reassembly by sequence number and
 * message framing by Content-Length (RFC 3261 §18.3). A message belongs to
 * the frame whose segment completed it, as Wireshark reports reassembled PDUs.
 *
 * Bounded: buffered bytes per direction, out-of-order segments held, and the
 * number of streams tracked (least recently used dropped first).
 */
import type { Datagram, Warning } from '../model.js';
import { looksLikeSip } from './detect.js';
import { findHeaderEnd, MAX_MESSAGE_BYTES } from './parser.js';

export interface TcpSipLimits {
  maxBufferedBytes: number;
  maxPendingSegments: number;
  maxStreams: number;
}

export const DEFAULT_TCP_LIMITS: TcpSipLimits = {
  maxBufferedBytes: MAX_MESSAGE_BYTES + 65536,
  maxPendingSegments: 64,
  maxStreams: 8192,
};

export interface TcpMessageMeta {
  frame: number;
  tsSec: number;
  tsNsec: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
}

export interface TcpSipCallbacks {
  onMessage(bytes: Uint8Array, meta: TcpMessageMeta): void;
  onWarning(w: Warning): void;
}

interface Stream {
  nextSeq: number | null;
  buf: Uint8Array;
  len: number;
  pending: Map<number, Uint8Array>;
  /** Stream carried something that is not SIP: stop looking at it. */
  notSip: boolean;
  /** Bytes were lost (gap skipped): resynchronise on the next start line. */
  resync: boolean;
}

const SYN = 2;
const FIN = 1;
const RST = 4;

/** Difference of 32-bit sequence numbers, wrap-aware. */
function seqDiff(a: number, b: number): number {
  return ((a - b) | 0);
}

export class TcpSipReassembler {
  private readonly streams = new Map<string, Stream>();
  private readonly limits: TcpSipLimits;

  constructor(private readonly cb: TcpSipCallbacks, limits: Partial<TcpSipLimits> = {}) {
    this.limits = { ...DEFAULT_TCP_LIMITS, ...limits };
  }

  push(d: Datagram): void {
    const tcp = d.tcp;
    if (!tcp) return;
    const key = `${d.src}|${d.srcPort}|${d.dst}|${d.dstPort}`;
    let s = this.streams.get(key);
    const payload = d.payload;
    if (!s) {
      // Only start tracking a direction that begins with a SYN or with something that looks like SIP.
      if (!(tcp.flags & SYN) && !(payload.length && looksLikeSip(payload))) return;
      if (this.streams.size >= this.limits.maxStreams) {
        const oldest = this.streams.keys().next().value as string;
        this.streams.delete(oldest);
      }
      s = { nextSeq: null, buf: new Uint8Array(0), len: 0, pending: new Map(), notSip: false, resync: false };
      this.streams.set(key, s);
    } else {
      // Keep recently used streams at the end (LRU order).
      this.streams.delete(key);
      this.streams.set(key, s);
    }
    if (tcp.flags & SYN) {
      s.nextSeq = (tcp.seq + 1) >>> 0;
      s.len = 0;
      s.pending.clear();
      s.notSip = false;
    }
    if (s.nextSeq === null) s.nextSeq = tcp.seq;
    if (payload.length) this.segment(s, tcp.seq, payload, d);
    if (tcp.flags & (FIN | RST)) {
      this.streams.delete(key);
    }
  }

  private segment(s: Stream, seq: number, payload: Uint8Array, d: Datagram): void {
    const diff = seqDiff(seq, s.nextSeq!);
    if (diff > 0) {
      // Out of order: hold it until the gap fills.
      if (!s.pending.has(seq)) s.pending.set(seq, payload.slice());
      if (s.pending.size > this.limits.maxPendingSegments) {
        // The gap never filled (bytes missing from the capture): skip to the earliest held segment.
        const first = [...s.pending.keys()].sort((a, b) => seqDiff(a, b))[0]!;
        this.cb.onWarning({ frame: d.frame, code: 'tcp-gap', message: `TCP ${d.src}:${d.srcPort} -> ${d.dst}:${d.dstPort}: ${seqDiff(first, s.nextSeq!)} bytes missing from the capture; skipped` });
        s.nextSeq = first;
        s.len = 0;
        s.resync = true;
        this.drain(s, d);
      }
      return;
    }
    let data = payload;
    if (diff < 0) {
      // Retransmission or overlap: keep only the new bytes.
      if (-diff >= payload.length) return;
      data = payload.subarray(-diff);
    }
    this.append(s, data, d);
    s.nextSeq = (s.nextSeq! + data.length) >>> 0;
    this.drain(s, d);
  }

  private drain(s: Stream, d: Datagram): void {
    for (;;) {
      let progressed = false;
      for (const [seq, seg] of s.pending) {
        const diff = seqDiff(seq, s.nextSeq!);
        if (diff > 0) continue;
        s.pending.delete(seq);
        if (-diff < seg.length) {
          const data = seg.subarray(-diff);
          this.append(s, data, d);
          s.nextSeq = (s.nextSeq! + data.length) >>> 0;
        }
        progressed = true;
      }
      if (!progressed) break;
    }
    this.frame(s, d);
  }

  private append(s: Stream, data: Uint8Array, d: Datagram): void {
    if (s.notSip) return;
    if (s.len + data.length > this.limits.maxBufferedBytes) {
      this.cb.onWarning({ frame: d.frame, code: 'tcp-buffer-limit', message: `TCP ${d.src}:${d.srcPort} -> ${d.dst}:${d.dstPort}: more than ${this.limits.maxBufferedBytes} bytes without a complete SIP message; buffer dropped` });
      s.len = 0;
      s.resync = true;
      if (data.length > this.limits.maxBufferedBytes) return;
    }
    if (s.buf.length < s.len + data.length) {
      const nb = new Uint8Array(Math.max(s.len + data.length, s.buf.length * 2, 4096));
      nb.set(s.buf.subarray(0, s.len));
      s.buf = nb;
    }
    s.buf.set(data, s.len);
    s.len += data.length;
  }

  /** Cut complete messages off the front of the buffer. */
  private frame(s: Stream, d: Datagram): void {
    if (s.notSip) return;
    let pos = 0;
    const b = s.buf;
    const end = s.len;
    while (pos < end) {
      // Keep-alives (RFC 5626 CRLF) and stray line breaks between messages.
      while (pos < end && (b[pos] === 0x0d || b[pos] === 0x0a)) pos++;
      if (pos >= end) break;
      if (!looksLikeSip(b, pos, end)) {
        // Not enough bytes yet to judge a start line, or garbage: resync on the next line that starts SIP.
        const nl = b.indexOf(0x0a, pos);
        if (nl < 0 || nl >= end) {
          if (end - pos > 2048) pos = end;
          break;
        }
        if (!s.resync && pos === 0 && end - pos > 64 && !looksSipPrefix(b, pos)) {
          // A stream that starts with something else is not SIP (e.g. TLS or HTTP on the port).
          s.notSip = true;
          s.len = 0;
          return;
        }
        pos = nl + 1;
        continue;
      }
      s.resync = false;
      const he = findHeaderEnd(b, pos, end);
      if (!he) break;
      const cl = contentLength(b, pos, he.headerEnd);
      const msgEnd = he.bodyStart + cl;
      if (msgEnd > end) break;
      this.cb.onMessage(b.subarray(pos, msgEnd), {
        frame: d.frame, tsSec: d.tsSec, tsNsec: d.tsNsec, src: d.src, dst: d.dst, srcPort: d.srcPort, dstPort: d.dstPort,
      });
      pos = msgEnd;
    }
    if (pos > 0) {
      b.copyWithin(0, pos, end);
      s.len = end - pos;
    }
  }

  /** Drop all state (end of capture). */
  finish(): void {
    this.streams.clear();
  }
}

/** A buffer that could still become a SIP start line once more bytes arrive. */
function looksSipPrefix(b: Uint8Array, pos: number): boolean {
  const c = b[pos]!;
  return c >= 0x41 && c <= 0x5a;
}

/** Content-Length (or "l") from a header block, 0 when absent (stream transports). */
function contentLength(b: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    let eol = b.indexOf(0x0a, i);
    if (eol < 0 || eol > end) eol = end;
    // Line starts with "content-length" or "l" followed by optional spaces and ':'
    const c = b[i]! | 0x20;
    if (c === 0x63 /* c */ || c === 0x6c /* l */) {
      let j = i;
      while (j < eol && b[j] !== 0x3a) j++;
      const name = Buffer.from(b.buffer, b.byteOffset + i, j - i).toString('latin1').trim().toLowerCase();
      if (name === 'content-length' || name === 'l') {
        const v = Buffer.from(b.buffer, b.byteOffset + j + 1, Math.max(0, eol - j - 1)).toString('latin1').trim();
        const n = Number(v);
        return Number.isFinite(n) && n >= 0 ? Math.min(n, MAX_MESSAGE_BYTES) : 0;
      }
    }
    i = eol + 1;
  }
  return 0;
}
