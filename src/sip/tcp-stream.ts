/**
 * SIP over TCP: per-direction stream reassembly by sequence number and
 * message framing by Content-Length (RFC 3261 §18.3).
 *
 * - Segments are ordered by sequence number (32-bit wrap-aware): a SYN gives
 *   the ISN; without one the first segment seen starts the stream
 *   (mid-stream capture). Retransmitted and overlapping bytes are dropped
 *   (first copy wins); out-of-order segments wait, bounded, for the gap to
 *   fill, after which the gap is given up with a warning.
 * - The byte stream is cut into messages: start line, headers up to the blank
 *   line, Content-Length body bytes (absent Content-Length = empty body).
 *   CRLF keep-alives between messages are skipped; garbage is skipped up to
 *   the next line that is a SIP start line (resynchronisation).
 * - A message belongs to the frame whose segment completed it, as Wireshark
 *   reports a reassembled PDU in its last segment's frame.
 * - Bounded: bytes buffered per direction, out-of-order segments held, the
 *   largest message, and the number of directions tracked (least recently
 *   used dropped first). Limits hit are reported through onWarning, never
 *   thrown.
 *
 * A direction that starts (after its SYN) with something that is not SIP
 * (TLS, HTTP...) is ignored from then on, and one seen mid-stream is only
 * tracked once a segment looks like SIP, so non-SIP TCP costs little. The
 * exception is an HTTP WebSocket handshake (RFC 6455): the direction is then
 * cut into WebSocket frames (websocket.ts) and each message is handed on as
 * SIP over WebSocket (RFC 7118, transport "WS").
 */
import type { Datagram, PacketMeta, Warning } from '../model.js';
import { looksLikeSip, matchSipStartLine, StartLine } from './detect.js';
import { findHeaderEnd, MAX_MESSAGE_SIZE } from './parser.js';
import { looksLikeUpgrade, NEED_MORE, readFrame, upgradeEnd, WS_BINARY, WS_CLOSE, WS_CONTINUATION, WS_TEXT, WsDirection } from './websocket.js';
import { endpoint } from '../net/addr.js';

export interface TcpSipLimits {
  /** Bytes held per direction: a message waiting for its end plus out-of-order segments. */
  maxBufferedBytes: number;
  /** Out-of-order segments held per direction before the gap is given up. */
  maxPendingSegments: number;
  /** Directions tracked at once; the least recently used is dropped beyond it. */
  maxStreams: number;
  /** Largest SIP message (start line, headers and body) accepted. */
  maxMessageBytes: number;
  /** Non-SIP bytes scanned on a direction that never carried SIP before it is ignored. */
  maxNonSipBytes: number;
}

export const DEFAULT_TCP_LIMITS: Readonly<TcpSipLimits> = {
  maxBufferedBytes: MAX_MESSAGE_SIZE + 65536,
  maxPendingSegments: 128,
  maxStreams: 8192,
  maxMessageBytes: MAX_MESSAGE_SIZE,
  maxNonSipBytes: 256 * 1024,
};

/** Where a reassembled message came from: the segment that completed it (always TCP). */
export type TcpMessageMeta = Omit<PacketMeta, 'transport'>;

/** Per-segment metadata for the key-based push (everything but the frame number). */
export type TcpSegmentMeta = Omit<TcpMessageMeta, 'frame'>;

export interface TcpSipCallbacks {
  /**
   * One complete SIP message. `bytes` is a view valid only during the call
   * (copy what you keep; parseSip copies what it returns).
   */
  onMessage(bytes: Uint8Array, meta: TcpMessageMeta, transport?: 'TCP' | 'WS'): void;
  onWarning?(w: Warning): void;
}

/** Counters, for capinfo-style summaries and tests. */
export interface TcpSipStats {
  segments: number;
  messages: number;
  streams: number;
  retransmittedBytes: number;
  outOfOrderSegments: number;
  gaps: number;
  garbageBytes: number;
  evictedStreams: number;
  ignoredStreams: number;
  /** Directions upgraded to WebSocket, and the WebSocket messages handed on as SIP. */
  webSocketUpgrades: number;
  webSocketMessages: number;
}

const FIN = 1;
const SYN = 2;
const RST = 4;
const CR = 13;
const LF = 10;
/** A sequence jump larger than this is a new stream, not a gap. */
const MAX_WINDOW = 1 << 24;

interface Pending {
  seq: number;
  data: Uint8Array;
  meta: TcpMessageMeta;
  carrier: Carrier;
}

/** The frame (or the IP fragments' frames) a segment's bytes came in. */
type Carrier = number | readonly number[];

/** Bytes [start, end) of a stream, counted from its first appended byte, and the frame they came in. */
interface CarrierSpan {
  from: Carrier;
  start: number;
  end: number;
}

class Stream {
  nextSeq = 0;
  haveSeq = false;
  isn = 0;
  /** The connection's SYN was seen: the first data byte starts a message. */
  synSeen = false;
  /** No data byte processed yet since the SYN. */
  atStart = false;
  buf: Uint8Array | null = null;
  off = 0;
  len = 0;
  pending: Pending[] = [];
  pendingBytes = 0;
  /** Carried at least one SIP message. */
  sip = false;
  /** Judged not SIP: payload ignored. */
  ignored = false;
  /** Non-SIP bytes skipped before the first message (never reported). */
  nonSipBytes = 0;
  /** Garbage bytes skipped since the last message (reported when SIP resumes). */
  garbage = 0;
  garbageFrame = 0;
  /** Bytes were lost (a gap given up): the garbage skipped to resynchronise is not reported again. */
  quiet = false;
  /** Body bytes of an oversized message still to discard. */
  skip = 0;
  /** Bytes after the buffered message's start already searched for the end of its headers. */
  hdrScanned = 0;
  /** Length of the buffered message once its headers are complete, else 0. */
  msgTotal = 0;
  /** Inside a garbage line: resume after its LF. */
  midLine = false;
  fin = false;
  lastMeta: TcpMessageMeta | null = null;
  /** Bytes appended so far: the offsets `carriers` are measured in. */
  total = 0;
  /** Where the bytes still buffered came from, oldest first (message carriers, for extract). */
  carriers: CarrierSpan[] = [];
  /** Upgraded to WebSocket: the bytes are frames, not SIP text. */
  ws: WsDirection | null = null;
  constructor(readonly key: string) {}
}

function copyBytes(b: Uint8Array): Uint8Array {
  const c = Buffer.allocUnsafe(b.length);
  c.set(b);
  return c;
}

const SIP_VERSION = Buffer.from('SIP/2.0');

/** Does the payload contain "SIP/2.0" anywhere (a message may start inside it)? */
function mentionsSip(p: Uint8Array): boolean {
  const b = Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  return b.indexOf(SIP_VERSION) >= 0;
}

/**
 * Content-Length (or compact "l") of the header block b[start, end):
 * its value, -1 when absent, -2 when not a number.
 */
export function contentLengthOf(b: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    // Lines end with CRLF, LF or a bare CR (findHeaderEnd's rule).
    let eol = i;
    while (eol < end && b[eol] !== LF && b[eol] !== CR) eol++;
    const c = b[i]! | 0x20;
    let j = -1;
    if (c === 0x6c) j = i + 1; // "l"
    else if (c === 0x63 && eol - i > 14 && matchLower(b, i, 'content-length')) j = i + 14;
    if (j >= 0) {
      while (j < eol && (b[j] === 32 || b[j] === 9)) j++;
      if (j < eol && b[j] === 0x3a) {
        j++;
        while (j < eol && (b[j] === 32 || b[j] === 9)) j++;
        let v = 0;
        const d0 = j;
        while (j < eol && b[j]! >= 0x30 && b[j]! <= 0x39 && j - d0 < 10) v = v * 10 + (b[j++]! - 0x30);
        const digits = j - d0;
        while (j < eol && (b[j] === 32 || b[j] === 9)) j++;
        return digits > 0 && j === eol ? v : -2;
      }
    }
    i = eol + (b[eol] === CR && b[eol + 1] === LF ? 2 : 1);
  }
  return -1;
}

function matchLower(b: Uint8Array, i: number, w: string): boolean {
  for (let k = 0; k < w.length; k++) if ((b[i + k]! | 0x20) !== w.charCodeAt(k)) return false;
  return true;
}

export class TcpSipReassembler {
  private readonly streams = new Map<string, Stream>();
  private readonly limits: TcpSipLimits;
  readonly stats: TcpSipStats = {
    segments: 0, messages: 0, streams: 0, retransmittedBytes: 0, outOfOrderSegments: 0, gaps: 0,
    garbageBytes: 0, evictedStreams: 0, ignoredStreams: 0, webSocketUpgrades: 0, webSocketMessages: 0,
  };
  /** The segment being pushed (its metadata object is made on first need). */
  private curD: Datagram | null = null;
  private curFrame = 0;
  private curSegMeta: TcpSegmentMeta | null = null;
  private curMeta: TcpMessageMeta | null = null;
  private evictionWarned = false;
  private evictedSip = 0;
  /** Stream offset of byte 0 of the buffer extract() is cutting messages from. */
  private base = 0;

  constructor(private readonly cb: TcpSipCallbacks, limits: Partial<TcpSipLimits> = {}) {
    this.limits = { ...DEFAULT_TCP_LIMITS, ...limits };
  }

  /** Directions currently tracked. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Feed a TCP datagram from the network layer (non-TCP datagrams are ignored). */
  push(d: Datagram): void;
  /**
   * Feed one segment of the direction `key` (e.g. "10.0.0.1:5060>10.0.0.2:5060").
   * `flags` are the raw TCP flag bits (FIN=1, SYN=2, RST=4).
   */
  push(key: string, seq: number, flags: number, payload: Uint8Array, frame: number, meta?: TcpSegmentMeta): void;
  push(a: Datagram | string, seq?: number, flags?: number, payload?: Uint8Array, frame?: number, meta?: TcpSegmentMeta): void {
    if (typeof a === 'string') {
      this.curD = null;
      this.curFrame = frame ?? 0;
      this.curSegMeta = meta ?? null;
      this.curMeta = null;
      this.segment(a, (seq ?? 0) >>> 0, flags ?? 0, payload ?? new Uint8Array(0));
      return;
    }
    const tcp = a.tcp;
    if (!tcp) return;
    this.curD = a;
    this.curFrame = a.frame;
    this.curSegMeta = null;
    this.curMeta = null;
    this.segment(`${a.src}|${a.srcPort}|${a.dst}|${a.dstPort}`, tcp.seq >>> 0, tcp.flags, a.payload);
    this.curD = null;
  }

  /** End of capture: give up remaining gaps, deliver what completes, report what is left. */
  finish(): void {
    for (const s of this.streams.values()) {
      if (s.pending.length && !s.ignored) {
        this.giveUpGap(s, true);
      }
      this.reportLeftover(s, 'at the end of the capture');
    }
    this.streams.clear();
    if (this.evictedSip > 1) {
      this.warn(null, 'tcp-stream-limit', `${this.evictedSip} SIP TCP streams were dropped in all to stay within ${this.limits.maxStreams} tracked streams`);
    }
  }

  // ---- internals ----

  private meta(): TcpMessageMeta {
    if (this.curMeta) return this.curMeta;
    const d = this.curD;
    if (d) {
      this.curMeta = { frame: d.frame, tsSec: d.tsSec, tsNsec: d.tsNsec, src: d.src, dst: d.dst, srcPort: d.srcPort, dstPort: d.dstPort };
    } else {
      const m = this.curSegMeta;
      this.curMeta = {
        frame: this.curFrame, tsSec: m?.tsSec ?? 0, tsNsec: m?.tsNsec ?? 0, src: m?.src ?? '', dst: m?.dst ?? '',
        srcPort: m?.srcPort ?? 0, dstPort: m?.dstPort ?? 0,
      };
    }
    return this.curMeta;
  }

  private warn(frame: number | null, code: string, message: string): void {
    this.cb.onWarning?.({ frame, code, message });
  }

  private describe(s: Stream): string {
    const m = s.lastMeta ?? this.curMeta;
    return m && m.src ? `TCP ${endpoint(m.src, m.srcPort)} -> ${endpoint(m.dst, m.dstPort)}` : `TCP stream ${s.key}`;
  }

  private segment(key: string, seq: number, flags: number, payload: Uint8Array): void {
    this.stats.segments++;
    let s = this.streams.get(key);
    if (s === undefined) {
      if (flags & RST) return;
      if (!(flags & SYN)) {
        // Mid-stream: only start tracking where SIP shows up.
        if (payload.length === 0 || (!looksLikeSip(payload) && !mentionsSip(payload) && !looksLikeUpgrade(payload))) return;
      }
      s = new Stream(key);
      this.addStream(key, s);
    } else if (this.streams.size > 1) {
      // Most recently used last (Map keeps insertion order).
      this.streams.delete(key);
      this.streams.set(key, s);
    }

    let dataSeq = seq;
    if (flags & SYN) {
      const late = s.haveSeq && !s.synSeen ? ((s.nextSeq - ((seq + 1) >>> 0)) | 0) : -1;
      if (late >= 0 && late < MAX_WINDOW) {
        // The SYN of the connection already followed from mid-stream (retransmitted, or captured late).
        s.isn = seq;
        s.synSeen = true;
      } else if (!s.synSeen || s.isn !== seq) {
        if (s.haveSeq) {
          // A new connection on the same addresses and ports (or the SYN of one picked up mid-stream).
          this.reportLeftover(s, 'when the connection was reopened');
          this.reset(s);
        }
        s.isn = seq;
        s.synSeen = true;
        s.atStart = true;
        s.nextSeq = (seq + 1) >>> 0;
        s.haveSeq = true;
      }
      dataSeq = (seq + 1) >>> 0;
    }
    if (!s.haveSeq) {
      s.nextSeq = seq;
      s.haveSeq = true;
    }
    if (payload.length && !s.ignored) {
      s.lastMeta = this.meta();
      this.data(s, dataSeq, payload);
    }
    if (flags & RST) {
      this.reportLeftover(s, 'when the connection was reset');
      this.streams.delete(key);
    } else if (flags & FIN) {
      s.fin = true;
      if (s.pending.length === 0) {
        this.reportLeftover(s, 'when the connection was closed');
        this.streams.delete(key);
      }
    }
  }

  private addStream(key: string, s: Stream): void {
    if (this.streams.size >= this.limits.maxStreams) {
      const oldestKey = this.streams.keys().next().value as string;
      const oldest = this.streams.get(oldestKey)!;
      this.streams.delete(oldestKey);
      this.stats.evictedStreams++;
      if (oldest.sip) this.evictedSip++;
      if (!this.evictionWarned && oldest.sip) {
        this.evictionWarned = true;
        this.warn(this.curFrame, 'tcp-stream-limit', `more than ${this.limits.maxStreams} TCP streams at once: the least recently used SIP stream was dropped`);
      }
    }
    this.streams.set(key, s);
    this.stats.streams++;
  }

  /** Forget the bytes buffered and held for a direction: it reads again from the next segment. */
  private dropBuffered(s: Stream): void {
    s.off = s.len = 0;
    s.hdrScanned = s.msgTotal = 0;
    s.pending = [];
    s.pendingBytes = 0;
    s.skip = 0;
    s.midLine = false;
    s.atStart = false;
  }

  private reset(s: Stream): void {
    this.dropBuffered(s);
    s.garbage = 0;
    s.haveSeq = false;
    s.synSeen = false;
    s.fin = false;
    s.sip = false;
    s.ignored = false;
    s.nonSipBytes = 0;
    s.carriers = [];
    s.ws = null;
  }

  /** Warn about an incomplete message (or a gap) left in a SIP stream. */
  private reportLeftover(s: Stream, when: string): void {
    if (!s.sip || s.ignored) return;
    let left = 0;
    if (s.buf) {
      for (let i = s.off; i < s.len; i++) {
        if (s.buf[i] !== CR && s.buf[i] !== LF) { left = s.len - i; break; }
      }
    }
    if (left > 0) {
      this.warn(s.lastMeta?.frame ?? null, 'tcp-incomplete', `${this.describe(s)}: incomplete SIP message (${left} bytes) ${when}`);
    }
    if (s.pending.length) {
      this.warn(s.lastMeta?.frame ?? null, 'tcp-gap', `${this.describe(s)}: ${s.pending.length} segments after a gap never filled ${when}`);
    }
  }

  private data(s: Stream, seq: number, payload: Uint8Array): void {
    let diff = (seq - s.nextSeq) | 0;
    if (diff > MAX_WINDOW || diff < -MAX_WINDOW) {
      // Far outside any window: the stream was picked up again elsewhere.
      if (s.sip) this.warn(this.curFrame, 'tcp-seq-jump', `${this.describe(s)}: sequence number jumped by ${diff}; resynchronising`);
      this.dropBuffered(s);
      s.nextSeq = seq;
      diff = 0;
    }
    if (diff > 0) {
      this.holdPending(s, seq, payload);
      return;
    }
    let bytes = payload;
    if (diff < 0) {
      if (-diff >= payload.length) {
        this.stats.retransmittedBytes += payload.length;
        return;
      }
      this.stats.retransmittedBytes += -diff;
      bytes = payload.subarray(-diff);
    }
    this.append(s, bytes, this.curD?.carriers ?? this.curFrame);
    if (s.pending.length) this.drainPending(s);
  }

  private holdPending(s: Stream, seq: number, payload: Uint8Array): void {
    this.stats.outOfOrderSegments++;
    const rel = (seq - s.nextSeq) | 0;
    const list = s.pending;
    let i = list.length;
    while (i > 0 && ((list[i - 1]!.seq - s.nextSeq) | 0) > rel) i--;
    if (i > 0 && list[i - 1]!.seq === seq && list[i - 1]!.data.length >= payload.length) {
      this.stats.retransmittedBytes += payload.length;
      return;
    }
    list.splice(i, 0, { seq, data: copyBytes(payload), meta: this.meta(), carrier: this.curD?.carriers ?? this.curFrame });
    s.pendingBytes += payload.length;
    if (list.length > this.limits.maxPendingSegments || s.pendingBytes + (s.len - s.off) > this.limits.maxBufferedBytes) {
      this.giveUpGap(s, false);
    }
  }

  /** Skip the missing bytes before the first held segment and go on from there. */
  private giveUpGap(s: Stream, atEnd: boolean): void {
    while (s.pending.length) {
      const first = s.pending[0]!;
      const missing = (first.seq - s.nextSeq) | 0;
      if (missing > 0) {
        this.stats.gaps++;
        if (s.sip || s.len > s.off) {
          this.warn(first.meta.frame, 'tcp-gap', `${this.describe(s)}: ${missing} bytes missing from the capture${atEnd ? ' at its end' : ''}; skipped, resynchronising on the next SIP message`);
        }
        // The message in progress cannot complete: drop it and resynchronise.
        s.quiet = true;
        s.off = s.len = 0;
        s.hdrScanned = s.msgTotal = 0;
        s.skip = 0;
        s.midLine = false;
        s.atStart = false;
        s.nextSeq = first.seq;
      }
      if (!atEnd) {
        this.drainPending(s);
        return;
      }
      // At the end: deliver each held segment with its own frame.
      const saved = this.curMeta;
      this.curMeta = first.meta;
      s.pending.shift();
      s.pendingBytes -= first.data.length;
      const over = (s.nextSeq - first.seq) | 0;
      if (over < first.data.length) this.append(s, over > 0 ? first.data.subarray(over) : first.data, first.carrier);
      this.curMeta = saved;
    }
  }

  /** Append held segments that are now contiguous. */
  private drainPending(s: Stream): void {
    const list = s.pending;
    while (list.length) {
      const p = list[0]!;
      const rel = (p.seq - s.nextSeq) | 0;
      if (rel > 0) break;
      list.shift();
      s.pendingBytes -= p.data.length;
      if (-rel >= p.data.length) {
        this.stats.retransmittedBytes += p.data.length;
        continue;
      }
      this.append(s, rel < 0 ? p.data.subarray(-rel) : p.data, p.carrier);
    }
  }

  /** Contiguous in-order bytes: frame them into messages, keep the unfinished rest. */
  private append(s: Stream, data: Uint8Array, from: Carrier): void {
    s.nextSeq = (s.nextSeq + data.length) >>> 0;
    if (s.ignored) return;
    const start = s.total;
    s.total += data.length;
    const lastSpan = s.carriers[s.carriers.length - 1];
    if (lastSpan && lastSpan.from === from) lastSpan.end = s.total;
    else s.carriers.push({ from, start, end: s.total });
    if (s.len === s.off) {
      // Nothing buffered: frame straight from the segment, keep only the tail.
      s.off = s.len = 0;
      this.base = start;
      const used = this.extract(s, data, 0, data.length);
      if (used < data.length && !s.ignored) this.store(s, data, used);
      if (s.ignored) s.buf = null;
      this.dropCarriers(s);
      return;
    }
    this.store(s, data, 0);
    // A view ending at the live bytes: indexOf searches cannot run into the unused capacity.
    this.base = s.total - s.len;
    const used = this.extract(s, s.buf!.subarray(0, s.len), s.off, s.len);
    if (s.ignored) {
      s.off = s.len = 0;
      s.hdrScanned = s.msgTotal = 0;
      s.buf = null;
      s.carriers = [];
      return;
    }
    s.off = used;
    this.dropCarriers(s);
    if (s.off === s.len) {
      s.off = s.len = 0;
      // Do not keep a large buffer around for an idle stream.
      if (s.buf && s.buf.length > 65536) s.buf = null;
    }
  }

  private store(s: Stream, data: Uint8Array, from: number): void {
    const add = data.length - from;
    let held = s.len - s.off;
    if (held + add > this.limits.maxBufferedBytes) {
      if (s.sip) this.warn(this.curFrame, 'tcp-buffer-limit', `${this.describe(s)}: more than ${this.limits.maxBufferedBytes} bytes without a complete SIP message; buffer dropped`);
      s.off = s.len = 0;
      s.hdrScanned = s.msgTotal = 0;
      held = 0;
      s.midLine = true;
      if (add > this.limits.maxBufferedBytes) return;
    }
    if (s.buf === null || s.buf.length < held + add) {
      const cap = Math.max(4096, held + add, s.buf ? Math.min(s.buf.length * 2, this.limits.maxBufferedBytes) : 0);
      const nb = new Uint8Array(cap);
      if (held && s.buf) nb.set(s.buf.subarray(s.off, s.len));
      s.buf = nb;
      s.off = 0;
      s.len = held;
    } else if (s.off > 0 && s.len + add > s.buf.length) {
      s.buf.copyWithin(0, s.off, s.len);
      s.off = 0;
      s.len = held;
    }
    s.buf.set(from === 0 ? data : data.subarray(from), s.len);
    s.len += add;
  }

  /** Cut complete messages from b[pos, end); returns where the unfinished rest begins. */
  private extract(s: Stream, b: Uint8Array, pos: number, end: number): number {
    if (s.ws) return this.extractWs(s, b, pos, end);
    const lim = this.limits;
    while (pos < end) {
      if (s.skip > 0) {
        const k = Math.min(s.skip, end - pos);
        pos += k;
        s.skip -= k;
        continue;
      }
      if (s.midLine) {
        const nl = b.indexOf(LF, pos);
        if (nl < 0 || nl >= end) { this.garbage(s, end - pos); return end; }
        this.garbage(s, nl + 1 - pos);
        pos = nl + 1;
        s.midLine = false;
        if (s.ignored) return end;
        continue;
      }
      if (s.hdrScanned === 0 && s.msgTotal === 0) {
        // Between messages: keep-alives, then a start line or garbage.
        const c = b[pos];
        if (c === CR || c === LF) { pos++; continue; } // keep-alives, stray line breaks
        const m = matchSipStartLine(b, pos, end);
        if (m === StartLine.NeedMore) return pos;
        if (m === StartLine.No) {
          if (!s.sip) {
            // An HTTP WebSocket handshake: SIP over WebSocket follows it.
            const u = upgradeEnd(b, pos, end);
            if (u === NEED_MORE) return pos;
            if (u >= 0) {
              s.ws = new WsDirection();
              s.atStart = false;
              s.garbage = 0;
              this.stats.webSocketUpgrades++;
              return this.extractWs(s, b, u, end);
            }
          }
          if (s.atStart && s.synSeen && !s.sip) {
            // The connection does not begin with SIP: not a SIP connection.
            this.ignore(s);
            return end;
          }
          s.midLine = true;
          continue;
        }
        s.atStart = false;
        if (s.garbage > 0) {
          this.stats.garbageBytes += s.garbage;
          if (s.sip && !s.quiet) this.warn(s.garbageFrame || this.curFrame, 'tcp-sip-garbage', `${this.describe(s)}: ${s.garbage} bytes that are not SIP skipped between messages`);
          s.garbage = 0;
        }
        s.quiet = false;
      }
      if (s.msgTotal === 0) {
        // Where the headers end; the search resumes where the previous segment's left off.
        const he = findHeaderEnd(b, s.hdrScanned > 3 ? pos + s.hdrScanned - 3 : pos, end);
        if (he === null) {
          if (end - pos > lim.maxMessageBytes) {
            if (s.sip) this.warn(this.curFrame, 'tcp-sip-oversize', `${this.describe(s)}: SIP header block longer than ${lim.maxMessageBytes} bytes skipped`);
            s.hdrScanned = 0;
            s.midLine = true;
            pos++;
            continue;
          }
          s.hdrScanned = end - pos;
          return pos;
        }
        s.hdrScanned = 0;
        const cl = contentLengthOf(b, pos, he.headerEnd);
        if (cl === -2 && s.sip) this.warn(this.curFrame, 'tcp-sip-bad-length', `${this.describe(s)}: unreadable Content-Length, body taken as empty`);
        const bodyLen = cl > 0 ? cl : 0;
        const total = he.bodyStart + bodyLen - pos;
        if (total > lim.maxMessageBytes) {
          this.warn(this.curFrame, 'tcp-sip-oversize', `${this.describe(s)}: SIP message of ${total} bytes exceeds the ${lim.maxMessageBytes}-byte limit; skipped`);
          s.sip = true;
          s.skip = bodyLen;
          pos = he.bodyStart;
          continue;
        }
        s.msgTotal = total;
      }
      if (end - pos < s.msgTotal) return pos;
      const msgEnd = pos + s.msgTotal;
      s.msgTotal = 0;
      s.sip = true;
      this.stats.messages++;
      this.cb.onMessage(b.subarray(pos, msgEnd), this.carried(s, this.base + pos, this.base + msgEnd));
      pos = msgEnd;
    }
    return pos;
  }

  /** WebSocket frames in b[pos, end) of an upgraded direction; returns where the unfinished rest begins. */
  private extractWs(s: Stream, b: Uint8Array, pos: number, end: number): number {
    const ws = s.ws!;
    const h = ws.header;
    while (pos < end) {
      if (ws.skip > 0) {
        const k = Math.min(ws.skip, end - pos);
        pos += k;
        ws.skip -= k;
        continue;
      }
      if (ws.closed) return end;
      if (!readFrame(b, pos, end, h)) return pos;
      const total = h.headerLength + h.payloadLength;
      const data = h.opcode === WS_TEXT || h.opcode === WS_BINARY || h.opcode === WS_CONTINUATION;
      if (data && ws.partBytes + h.payloadLength > this.limits.maxMessageBytes) {
        this.warn(this.curFrame, 'tcp-sip-oversize', `${this.describe(s)}: WebSocket message longer than ${this.limits.maxMessageBytes} bytes skipped`);
        ws.reset();
        ws.skip = total;
        continue;
      }
      if (!data && h.payloadLength > 125) {
        // A control frame cannot be this long (RFC 6455 §5.5): not WebSocket after all.
        this.warn(this.curFrame, 'websocket-bad-frame', `${this.describe(s)}: malformed WebSocket frame; the rest of the connection is not read`);
        ws.closed = true;
        return end;
      }
      if (end - pos < total) return pos;
      if (data) {
        if (h.opcode !== WS_CONTINUATION) {
          if (ws.parts.length) ws.reset(); // a new message where a continuation was due
          ws.messageStart = this.base + pos;
        }
        const msg = ws.add(b, pos + h.headerLength, h.payloadLength, h.maskAt, h.fin);
        if (msg) this.wsMessage(s, msg, ws.messageStart, this.base + pos + total);
      } else if (h.opcode === WS_CLOSE) ws.closed = true;
      pos += total;
    }
    return pos;
  }

  /** A complete WebSocket message [start, end) of the stream: SIP, or counted as not SIP. */
  private wsMessage(s: Stream, msg: Uint8Array, start: number, end: number): void {
    if (looksLikeSip(msg)) {
      s.sip = true;
      this.stats.messages++;
      this.stats.webSocketMessages++;
      this.cb.onMessage(msg, this.carried(s, start, end), 'WS');
      return;
    }
    if (!s.sip) {
      s.nonSipBytes += msg.length;
      if (s.nonSipBytes > this.limits.maxNonSipBytes) this.ignore(s);
    }
  }

  /**
   * The message metadata, with `carriers` when the message [start, end) came
   * in more than the frame it is reported in (several segments, IP fragments).
   */
  private carried(s: Stream, start: number, end: number): TcpMessageMeta {
    const meta = this.meta();
    const frames = new Set<number>([meta.frame]);
    for (const c of s.carriers) {
      if (c.end <= start) continue;
      if (c.start >= end) break;
      if (typeof c.from === 'number') frames.add(c.from); else for (const f of c.from) frames.add(f);
    }
    return frames.size === 1 ? meta : { ...meta, carriers: [...frames].sort((a, b) => a - b) };
  }

  /** Forget where bytes no longer buffered came from. */
  private dropCarriers(s: Stream): void {
    const live = s.ignored ? s.total : s.total - (s.len - s.off);
    let k = 0;
    while (k < s.carriers.length && s.carriers[k]!.end <= live) k++;
    if (k) s.carriers.splice(0, k);
  }

  private garbage(s: Stream, n: number): void {
    if (s.garbage === 0) s.garbageFrame = this.curFrame;
    s.garbage += n;
    if (!s.sip) {
      s.nonSipBytes += n;
      if (s.nonSipBytes > this.limits.maxNonSipBytes) this.ignore(s);
    }
  }

  /** Stop looking at a direction that is not SIP (the caller drops the buffer). */
  private ignore(s: Stream): void {
    s.ignored = true;
    s.pending = [];
    s.pendingBytes = 0;
    this.stats.ignoredStreams++;
  }
}

