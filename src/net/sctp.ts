/**
 * SCTP (RFC 9260) as far as SIP over SCTP (RFC 4168) needs it: the common
 * header's ports, then every chunk of the packet; DATA chunks (and complete
 * I-DATA chunks, RFC 8260) are user messages, on any stream and with any
 * payload protocol identifier (SIP is sent with PPID 0 in practice).
 *
 * A user message split over several DATA chunks (B = first, E = last
 * fragment, consecutive TSNs; ordered ones share their stream sequence
 * number, unordered ones only the stream) is reassembled, bounded: fragments
 * per message, bytes per message, messages open at once, and how long an
 * incomplete message waits. Duplicated TSNs (retransmissions) are dropped.
 * Other chunks (INIT, SACK, HEARTBEAT...) are association upkeep.
 */
import type { NetStats, Warning } from '../model.js';

export interface SctpLimits {
  /** Fragmented messages waiting for their other fragments at once. */
  maxOpen: number;
  /** Fragments of one message. */
  maxFragments: number;
  /** Bytes of one reassembled message. */
  maxBytes: number;
  /** Seconds of capture time an incomplete message waits. */
  timeoutS: number;
}

export const DEFAULT_SCTP_LIMITS: Readonly<SctpLimits> = { maxOpen: 4096, maxFragments: 128, maxBytes: 1 << 20, timeoutS: 60 };

/** Chunks read from one packet at most (a packet holds at most a few dozen). */
const MAX_CHUNKS = 256;
const DATA = 0;
const I_DATA = 64;
const FLAG_E = 1;
const FLAG_B = 2;
const FLAG_U = 4;

/** Where a user message goes: the decoder turns it into a Datagram. */
export interface SctpSink {
  sctpMessage(srcPort: number, dstPort: number, payload: Uint8Array, carriers: readonly number[] | undefined): void;
  malformed(): void;
}

interface Fragment { tsn: number; flags: number; data: Uint8Array; frame: number }
interface Open { frags: Fragment[]; bytes: number; firstFrame: number; time: number }

export class SctpDecoder {
  private readonly open = new Map<string, Open>();
  private readonly limits: SctpLimits;
  private lastSweep = 0;
  private limitWarned = false;

  constructor(private readonly stats: NetStats, private readonly warn: (w: Warning) => void, limits: Partial<SctpLimits> = {}) {
    this.limits = { ...DEFAULT_SCTP_LIMITS, ...limits };
  }

  /** The SCTP packet b[off, end) between the addresses src and dst, seen in `frame` at `time` (seconds). */
  decode(sink: SctpSink, src: string, dst: string, b: Uint8Array, off: number, end: number, frame: number, time: number): void {
    if (end - off < 12) return sink.malformed();
    const srcPort = (b[off]! << 8) | b[off + 1]!;
    const dstPort = (b[off + 2]! << 8) | b[off + 3]!;
    let p = off + 12;
    for (let n = 0; p + 4 <= end && n < MAX_CHUNKS; n++) {
      const type = b[p]!;
      const flags = b[p + 1]!;
      const len = (b[p + 2]! << 8) | b[p + 3]!;
      if (len < 4 || p + len > end) return sink.malformed();
      if (type === DATA && len >= 16) {
        this.stats.sctpChunks++;
        const data = b.subarray(p + 16, p + len);
        if ((flags & (FLAG_B | FLAG_E)) === (FLAG_B | FLAG_E)) sink.sctpMessage(srcPort, dstPort, data, undefined);
        else {
          const tsn = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
          const sid = (b[p + 8]! << 8) | b[p + 9]!;
          const ssn = (b[p + 10]! << 8) | b[p + 11]!;
          const key = `${src}|${srcPort}|${dst}|${dstPort}|${sid}|${flags & FLAG_U ? 'u' : ssn}`;
          this.fragment(sink, key, srcPort, dstPort, tsn, flags, data, frame, time);
        }
      } else if (type === I_DATA && len >= 20) {
        this.stats.sctpChunks++;
        if ((flags & (FLAG_B | FLAG_E)) === (FLAG_B | FLAG_E)) sink.sctpMessage(srcPort, dstPort, b.subarray(p + 20, p + len), undefined);
        else this.stats.undecoded['SCTP I-DATA fragments'] = (this.stats.undecoded['SCTP I-DATA fragments'] ?? 0) + 1;
      }
      p += (len + 3) & ~3;
    }
  }

  private fragment(sink: SctpSink, key: string, srcPort: number, dstPort: number, tsn: number, flags: number, data: Uint8Array, frame: number, time: number): void {
    if (time - this.lastSweep > this.limits.timeoutS / 4) this.sweep(time);
    let o = this.open.get(key);
    if (!o) {
      if (this.open.size >= this.limits.maxOpen) {
        const oldest = this.open.keys().next().value as string;
        this.drop(oldest, this.open.get(oldest)!, `more than ${this.limits.maxOpen} fragmented SCTP messages open at once`);
      }
      o = { frags: [], bytes: 0, firstFrame: frame, time };
      this.open.set(key, o);
    }
    for (const f of o.frags) if (f.tsn === tsn) return; // a retransmitted fragment
    if (o.frags.length >= this.limits.maxFragments || o.bytes + data.length > this.limits.maxBytes) {
      this.drop(key, o, `SCTP message begun in frame ${o.firstFrame} has more than ${this.limits.maxFragments} fragments or ${this.limits.maxBytes} bytes`);
      return;
    }
    o.frags.push({ tsn, flags, data: data.slice(), frame });
    o.bytes += data.length;
    o.time = time;
    // Fragments in TSN order (serial-number arithmetic), then every run B..E with no TSN missing is a message.
    o.frags.sort((a, c) => ((a.tsn - c.tsn) | 0));
    for (let i = 0; i < o.frags.length; i++) {
      if (!(o.frags[i]!.flags & FLAG_B)) continue;
      let j = i;
      while (!(o.frags[j]!.flags & FLAG_E) && j + 1 < o.frags.length && ((o.frags[j + 1]!.tsn - o.frags[j]!.tsn) >>> 0) === 1 && !(o.frags[j + 1]!.flags & FLAG_B)) j++;
      if (!(o.frags[j]!.flags & FLAG_E)) continue;
      const run = o.frags.splice(i, j - i + 1);
      let n = 0;
      for (const f of run) n += f.data.length;
      const whole = new Uint8Array(n);
      let q = 0;
      for (const f of run) { whole.set(f.data, q); q += f.data.length; }
      o.bytes -= n;
      if (o.frags.length === 0) this.open.delete(key);
      this.stats.sctpReassembled++;
      const carriers = [...new Set(run.map((f) => f.frame))].sort((a, c) => a - c);
      sink.sctpMessage(srcPort, dstPort, whole, carriers.length > 1 ? carriers : undefined);
      return;
    }
  }

  private drop(key: string, o: Open, why: string): void {
    this.open.delete(key);
    if (!this.limitWarned) {
      this.limitWarned = true;
      this.warn({ frame: o.firstFrame, code: 'sctp-reassembly-limit', message: `${why}; its fragments were dropped` });
    }
  }

  private sweep(time: number): void {
    this.lastSweep = time;
    for (const [key, o] of this.open) {
      if (time - o.time > this.limits.timeoutS) {
        this.open.delete(key);
        this.warn({ frame: o.firstFrame, code: 'sctp-incomplete', message: `SCTP message begun in frame ${o.firstFrame} never completed (${o.frags.length} fragments, ${o.bytes} bytes)` });
      }
    }
  }

  /** End of capture: report the messages still missing fragments. */
  finish(): void {
    for (const o of this.open.values()) {
      this.warn({ frame: o.firstFrame, code: 'sctp-incomplete', message: `SCTP message begun in frame ${o.firstFrame} never completed (${o.frags.length} fragments, ${o.bytes} bytes) at the end of the capture` });
    }
    this.open.clear();
  }
}
