/**
 * Per-stream RTP statistics, replicating Wireshark's RTP Stream Analysis
 * (ui/tap-rtp-analysis.c rtppacket_analyse, as tshark -z rtp,streams prints
 * it): sequence cycles and errors, min/mean/max delta, RFC 3550 jitter in ms
 * with the payload clock rate, plus what sipflow adds (ptime, rates, markers,
 * payload-type changes). Constant memory per stream.
 */
import { PT_CN, PT_CN_OLD } from './codecs.js';

const F_FIRST = 1, F_MARKER = 2, F_WRONG_SEQ = 4, F_PT_CN = 8, F_FOLLOW_PT_CN = 16, F_WRONG_TS = 32;

export class RtpStats {
  packets = 0;
  private startSeq = 0;
  private stopSeq = 0;
  private seqNum = 0;
  private cycles = 0;
  private under = false;
  seqErrors = 0;
  private pt = -1;
  private regPt = -1;
  /** ms, relative time of the last in-sequence packet. */
  private time = 0;
  private lastNominal = 0;
  private lastExtTs = 0;
  private firstExtTs = 0;
  delta = 0;
  jitter = 0;
  maxDelta = 0;
  /** Wireshark's min delta: -1 until a regular packet; may be negative (capture time going back). */
  minDelta = -1;
  /** Packets that entered the delta statistics (not first, marker, CN, after CN or wrong timestamp). */
  regular = 0;
  meanDelta = 0;
  maxJitter = 0;
  minJitter = -1;
  meanJitter = 0;
  clockRate = 0;
  markers = 0;
  ptChanges = 0;
  startTime = 0;
  stopTime = 0;
  /** Sum of IP packet lengths (for the bitrate). */
  ipBytes = 0;

  /** Packets expected from the extended sequence numbers (Wireshark's formula). */
  get expected(): number {
    return this.stopSeq + this.cycles * 65536 - this.startSeq + 1;
  }

  get lost(): number { return this.expected - this.packets; }

  /** Nominal packet time from timestamps, ms (null when it cannot be told). */
  ptimeMs(): number | null {
    if (this.packets < 2 || !this.clockRate) return null;
    const span = this.lastExtTs - this.firstExtTs;
    const n = this.expected - 1;
    if (span <= 0 || n <= 0) return null;
    return span / n / (this.clockRate / 1000);
  }

  /**
   * Account one packet. `timeMs` is the frame time relative to the first frame
   * in ms; `extTs` the unwrapped (extended) RTP timestamp; `clockRate` the
   * analysis clock rate of its payload type (0 = timing not analysable, e.g.
   * telephone-event).
   *
   * This follows Wireshark 4.0's rtppacket_analyse, quirks included: a packet
   * is "in time sequence" when its extended timestamp is not below the
   * stream's first one (so a 32-bit wrap is no disorder, checked against
   * tshark 4.0.17); nominal time only advances on packets with a
   * clock rate (so an RFC 4733 event shows up as jitter on the next audio
   * packet); the mean jitter averages the running jitter J over the regular packets.
   */
  add(timeMs: number, seq: number, extTs: number, pt: number, marker: boolean, clockRate: number, ipLen: number): void {
    this.ipBytes += ipLen;
    this.stopTime = timeMs;
    this.lastExtTs = extTs;
    if (this.packets === 0) {
      this.startSeq = this.stopSeq = this.seqNum = seq;
      this.startTime = timeMs;
      this.firstExtTs = extTs;
      this.time = timeMs;
      this.pt = this.regPt = pt;
      if (marker) this.markers++;
      this.packets = 1;
      if (clockRate) this.clockRate = clockRate;
      return;
    }
    let flags = 0;
    const inTime = this.firstExtTs <= extTs;
    if (!inTime) flags |= F_WRONG_TS;

    if (seq < this.startSeq && inTime && !this.under) { this.cycles++; this.under = true; }
    else if (seq === 0 && this.stopSeq === 65535 && inTime && !this.under) { this.cycles++; this.under = true; }
    else if (seq > this.startSeq && inTime && this.under) this.under = false;

    if (inTime && this.seqNum + 1 === seq) this.seqNum = seq;
    else if (inTime && this.seqNum === 65535 && seq === 0) this.seqNum = seq;
    else if (inTime && (this.seqNum + 1 < seq || this.seqNum - seq > 0xff00)) { this.seqNum = seq; this.seqErrors++; flags |= F_WRONG_SEQ; }
    else if (this.seqNum + 1 > seq) { this.seqErrors++; flags |= F_WRONG_SEQ; }

    if (pt === PT_CN || pt === PT_CN_OLD) flags |= F_PT_CN;
    if (this.pt === PT_CN || this.pt === PT_CN_OLD) flags |= F_FOLLOW_PT_CN;
    if (pt !== this.pt) this.ptChanges++;
    this.pt = pt;

    let currentJitter = 0;
    if (inTime) {
      if (clockRate !== 0) {
        this.clockRate = clockRate;
        const nominal = (extTs - this.firstExtTs) / (clockRate / 1000);
        const expectedTime = this.time + (nominal - this.lastNominal);
        currentJitter = (15 * this.jitter + Math.abs(timeMs - expectedTime)) / 16;
        this.jitter = currentJitter;
        this.delta = timeMs - this.time;
        this.lastNominal = nominal;
      } else {
        this.delta = timeMs - this.time;
      }
    }

    if (marker) { flags |= F_MARKER; this.markers++; }

    if (!(flags & (F_FIRST | F_MARKER | F_PT_CN | F_WRONG_TS | F_FOLLOW_PT_CN))) {
      this.regular++;
      if (this.delta > this.maxDelta) this.maxDelta = this.delta;
      if (this.minDelta === -1 || this.delta < this.minDelta) this.minDelta = this.delta;
      // packets counts the packets before this one: the number of deltas so far.
      this.meanDelta = (this.meanDelta * (this.packets - 1) + this.delta) / this.packets;
      if (clockRate !== 0) {
        if (this.jitter > this.maxJitter) this.maxJitter = this.jitter;
        this.meanJitter = (this.meanJitter * (this.packets - 1) + currentJitter) / this.packets;
        if (this.minJitter === -1 || this.jitter < this.minJitter) this.minJitter = this.jitter;
      }
    }
    if (!(flags & F_PT_CN)) this.regPt = this.pt;

    if (inTime) this.time = timeMs;
    this.stopSeq = seq;
    this.packets++;
  }

}

/** Unwraps 32-bit RTP timestamps into a monotonic-ish extended value. */
export class TimestampUnwrapper {
  /** The extended value so far (0 before the first timestamp: the first is placed at 2^32 + ts). */
  private last = 0;
  /** Its low 32 bits: the previous timestamp. */
  private low = 0;
  private started = false;

  next(ts: number): number {
    if (!this.started) {
      this.started = true;
      this.low = ts;
      this.last = ts + 0x100000000;
      return this.last;
    }
    if (this.last >= 0) {
      // The step to the nearest value with these low 32 bits: the difference as a signed 32-bit
      // integer (last ≡ the previous ts mod 2^32, so this is the remainder rule below, without a division).
      this.last += (ts - this.low) | 0;
    } else {
      // Gone below zero (timestamps stepping back by more than 2^32 in all): JavaScript's remainder keeps the sign.
      let diff = ts - this.last % 0x100000000;
      if (diff > 0x7fffffff) diff -= 0x100000000;
      else if (diff < -0x80000000) diff += 0x100000000;
      this.last += diff;
    }
    this.low = ts;
    return this.last;
  }
}
