/**
 * GSM 06.10 full-rate decoder (ETSI EN 300 961 / GSM 06.10 §4.3): RPE-LTP.
 * A 20 ms frame of 160 samples is 260 bits: 8 log-area ratios, then four
 * 40-sample sub-frames of LTP lag and gain, RPE grid, block maximum and 13
 * pulses. Decoding: RPE pulses -> long-term (pitch) synthesis -> short-term
 * lattice synthesis with interpolated reflection coefficients ->
 * de-emphasis. The arithmetic is the standard's 16-bit fixed point
 * (saturating add, rounded multiply), so conforming decoders agree.
 *
 * RTP (RFC 3551 §4.5.8): 33-byte frames, each starting with the 0xD
 * signature nibble, several frames per packet allowed.
 */
import type { Decoder } from './decoder.js';

const MIN = -32768, MAX = 32767;
const sat = (x: number) => (x > MAX ? MAX : x < MIN ? MIN : x);
const add = (a: number, b: number) => sat(a + b);
const sub = (a: number, b: number) => sat(a - b);
/** Rounded Q15 multiply (GSM_MULT_R). */
const multR = (a: number, b: number) => (a === MIN && b === MIN ? MAX : sat((a * b + 16384) >> 15));
const asr = (a: number, n: number) => (n >= 16 ? (a < 0 ? -1 : 0) : n <= -16 ? 0 : n < 0 ? sat(a << -n) : a >> n);
const asl = (a: number, n: number) => (n >= 16 ? 0 : n <= -16 ? (a < 0 ? -1 : 0) : n < 0 ? asr(a, -n) : sat(a << n));

/** Bits per field of a frame, in order (after the 4-bit signature). */
const LAR_BITS = [6, 6, 5, 5, 4, 4, 3, 3];
/** Normalised RPE block maxima mantissas (Table 4.6: FAC). */
const FAC = [18431, 20479, 22527, 24575, 26623, 28671, 30719, 32767];
/** LTP gain levels (Table 4.3a: QLB). */
const QLB = [3277, 11469, 21299, 32767];
/** LAR decoding constants (Table 4.1 and 4.2): B, MIC, INVA per coefficient. */
const LAR_B = [0, 0, 2048, -2560, 94, -1792, -341, -1144];
const LAR_MIC = [-32, -32, -16, -16, -8, -8, -4, -4];
const LAR_INVA = [13107, 13107, 13107, 13107, 19223, 17476, 31454, 29708];

export const GSM_FRAME_BYTES = 33;

export class GsmDecoder implements Decoder {
  readonly rate = 8000;
  readonly channels = 1;
  /** Reconstructed short-term residual: 120 past samples then the current 40 (dp0). */
  private dp = new Int32Array(160);
  private nrp = 40;
  /** Decoded LARs of this and the previous frame (LARpp), alternating. */
  private larpp = [new Int32Array(8), new Int32Array(8)];
  private j = 0;
  /** Short-term synthesis lattice state. */
  private v = new Int32Array(9);
  /** De-emphasis memory. */
  private msr = 0;
  /** Frames that did not start with the 0xD signature (skipped as silence). */
  badFrames = 0;
  get errors(): number { return this.badFrames; }

  decode(p: Uint8Array): Float32Array {
    const frames = Math.floor(p.length / GSM_FRAME_BYTES);
    const out = new Float32Array(frames * 160);
    const s = new Int32Array(160);
    for (let f = 0; f < frames; f++) {
      const frame = p.subarray(f * GSM_FRAME_BYTES, (f + 1) * GSM_FRAME_BYTES);
      if (frame[0]! >> 4 !== 0xd) { this.badFrames++; continue; }
      this.frame(frame, s);
      for (let k = 0; k < 160; k++) out[f * 160 + k] = s[k]! / 32768;
    }
    return out;
  }

  private frame(bytes: Uint8Array, s: Int32Array): void {
    let bit = 4;
    const read = (n: number) => {
      let v = 0;
      for (let i = 0; i < n; i++, bit++) v = (v << 1) | ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1);
      return v;
    };
    const larc = LAR_BITS.map(read);
    const wt = new Int32Array(160);
    const erp = new Int32Array(40);
    const xmp = new Int32Array(13);
    const dp = this.dp;
    for (let sf = 0; sf < 4; sf++) {
      const nc = read(7), bc = read(2), mc = read(2), xmaxc = read(6);
      // RPE decoding (§4.2.15-4.2.17): exponent and mantissa of the block maximum, pulses, grid.
      let exp = 0;
      if (xmaxc > 15) exp = (xmaxc >> 3) - 1;
      let mant = xmaxc - (exp << 3);
      if (mant === 0) { exp = -4; mant = 7; }
      else {
        while (mant <= 7) { mant = (mant << 1) | 1; exp--; }
        mant -= 8;
      }
      const temp1 = FAC[mant]!;
      const temp2 = sub(6, exp);
      const temp3 = asl(1, sub(temp2, 1));
      for (let i = 0; i < 13; i++) {
        const code = read(3);
        let t = ((code << 1) - 7) << 12;
        t = multR(temp1, t);
        t = add(t, temp3);
        xmp[i] = asr(t, temp2);
      }
      erp.fill(0);
      for (let i = 0; i < 13; i++) erp[mc + 3 * i] = xmp[i]!;
      // Long-term synthesis (§4.3.2): the lag keeps its last valid value outside 40..120.
      const nr = nc < 40 || nc > 120 ? this.nrp : nc;
      this.nrp = nr;
      const brp = QLB[bc]!;
      for (let k = 0; k < 40; k++) dp[120 + k] = add(erp[k]!, multR(brp, dp[120 + k - nr]!));
      for (let k = 0; k < 40; k++) wt[sf * 40 + k] = dp[120 + k]!;
      dp.copyWithin(0, 40, 160);
    }
    this.shortTerm(larc, wt, s);
    // Post-processing (§4.3.5): de-emphasis, then upscaling and truncation to 13 bits.
    let msr = this.msr;
    for (let k = 0; k < 160; k++) {
      msr = add(s[k]!, multR(msr, 28180));
      s[k] = (add(msr, msr) & 0xfff8) << 16 >> 16;
    }
    this.msr = msr;
  }

  /** Short-term synthesis (§4.3.3-4.3.4) over the frame, coefficients interpolated in four parts. */
  private shortTerm(larc: number[], wt: Int32Array, s: Int32Array): void {
    const cur = this.larpp[this.j]!;
    this.j ^= 1;
    const prev = this.larpp[this.j]!;
    for (let i = 0; i < 8; i++) {
      let t = add(larc[i]!, LAR_MIC[i]!) << 10;
      t = sub(t, LAR_B[i]! << 1);
      t = multR(LAR_INVA[i]!, t);
      cur[i] = add(t, t);
    }
    const larp = new Int32Array(8);
    const part = (mix: (p: number, c: number) => number, start: number, n: number) => {
      for (let i = 0; i < 8; i++) larp[i] = mix(prev[i]!, cur[i]!);
      this.toReflection(larp);
      this.lattice(larp, wt, s, start, n);
    };
    part((p, c) => add(add(p >> 2, c >> 2), p >> 1), 0, 13);
    part((p, c) => add(p >> 1, c >> 1), 13, 14);
    part((p, c) => add(add(p >> 2, c >> 2), c >> 1), 27, 13);
    part((_p, c) => c, 40, 120);
  }

  /** Log-area ratios to reflection coefficients (§4.2.6, piecewise linear). */
  private toReflection(larp: Int32Array): void {
    for (let i = 0; i < 8; i++) {
      const x = larp[i]!;
      const t = x < 0 ? (x === MIN ? MAX : -x) : x;
      const r = t < 11059 ? t << 1 : t < 20070 ? t + 11059 : add(t >> 2, 26112);
      larp[i] = x < 0 ? -r : r;
    }
  }

  private lattice(rrp: Int32Array, wt: Int32Array, s: Int32Array, start: number, n: number): void {
    const v = this.v;
    for (let k = start; k < start + n; k++) {
      let sri = wt[k]!;
      for (let i = 7; i >= 0; i--) {
        sri = sub(sri, multR(rrp[i]!, v[i]!));
        v[i + 1] = add(v[i]!, multR(rrp[i]!, sri));
      }
      s[k] = v[0] = sri;
    }
  }
}
