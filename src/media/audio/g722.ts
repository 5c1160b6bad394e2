/**
 * G.722 decoder (ITU-T G.722 (09/2012) §4, 64 kbit/s mode): sub-band ADPCM,
 * each byte holds a 6-bit low-band and a 2-bit high-band code; the two
 * 8 kHz sub-bands are recombined by the receive QMF into two 16 kHz samples.
 * Integer arithmetic as the Recommendation's fixed-point description (blocks
 * 1L-6L, 1H-6H, 4 and the QMF), so the output matches other conforming decoders.
 *
 * RTP (RFC 3551 §4.5.2): the clock is 8000 although the codec samples at
 * 16 kHz; each payload byte is one 8 kHz tick, two output samples.
 */
import type { Decoder } from './decoder.js';

/** Low-band inverse quantiser outputs for 6-bit codes (Table 15/G.722 scaled: QQ6). */
const QM6 = new Int32Array([
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
  -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
  24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
  4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
]);
/** Low-band 4-bit inverse quantiser (QQ4), used for the predictor update. */
const QM4 = new Int32Array([0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0]);
/** High-band 2-bit inverse quantiser (QQ2). */
const QM2 = new Int32Array([-7408, -1616, 7408, 1616]);
/** Log-scale factor adaptation: code -> index (RIL), index -> multiplier (WL), high band likewise. */
const RL42 = new Int32Array([0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0]);
const WL = new Int32Array([-60, -30, 58, 172, 334, 538, 1198, 3042]);
const RH2 = new Int32Array([2, 1, 2, 1]);
const WH = new Int32Array([0, -214, 798]);
/** Inverse log-base-2 table (ILB) of the scale-factor computation. */
const ILB = new Int32Array([
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
  2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
]);
/** Receive QMF coefficients (Table 11/G.722), one half; the filter is symmetric. */
const QMF = new Int32Array([3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11]);

const sat = (x: number) => (x > 32767 ? 32767 : x < -32768 ? -32768 : x);

/** One sub-band's adaptive predictor and scale factor (block 4 state). */
class Band {
  s = 0; sp = 0; sz = 0;
  r = new Int32Array(3); a = new Int32Array(3); ap = new Int32Array(3); p = new Int32Array(3);
  d = new Int32Array(7); b = new Int32Array(7); bp = new Int32Array(7); sg = new Int32Array(7);
  nb = 0;
  det: number;
  constructor(det: number) { this.det = det; }

  /** Block 4: reconstruct, adapt the pole and zero predictors, predict the next sample. */
  update(d: number): void {
    const { r, a, ap, p, sg, b, bp } = this;
    const dd = this.d;
    dd[0] = d;
    r[0] = sat(this.s + d);
    p[0] = sat(this.sz + d);
    // UPPOL2
    for (let i = 0; i < 3; i++) sg[i] = p[i]! >> 15;
    let wd1 = sat(a[1]! << 2);
    let wd2 = sg[0] === sg[1] ? -wd1 : wd1;
    if (wd2 > 32767) wd2 = 32767;
    let wd3 = (wd2 >> 7) + (sg[0] === sg[2] ? 128 : -128);
    wd3 += (a[2]! * 32512) >> 15;
    ap[2] = wd3 > 12288 ? 12288 : wd3 < -12288 ? -12288 : wd3;
    // UPPOL1
    sg[0] = p[0]! >> 15;
    sg[1] = p[1]! >> 15;
    wd1 = sg[0] === sg[1] ? 192 : -192;
    wd2 = (a[1]! * 32640) >> 15;
    ap[1] = sat(wd1 + wd2);
    wd3 = sat(15360 - ap[2]!);
    if (ap[1]! > wd3) ap[1] = wd3;
    else if (ap[1]! < -wd3) ap[1] = -wd3;
    // UPZERO
    wd1 = d === 0 ? 0 : 128;
    sg[0] = d >> 15;
    for (let i = 1; i < 7; i++) {
      sg[i] = dd[i]! >> 15;
      wd2 = sg[i] === sg[0] ? wd1 : -wd1;
      wd3 = (b[i]! * 32640) >> 15;
      bp[i] = sat(wd2 + wd3);
    }
    // DELAYA
    for (let i = 6; i > 0; i--) { dd[i] = dd[i - 1]!; b[i] = bp[i]!; }
    for (let i = 2; i > 0; i--) { r[i] = r[i - 1]!; p[i] = p[i - 1]!; a[i] = ap[i]!; }
    // FILTEP
    wd1 = sat(r[1]! + r[1]!);
    wd1 = (a[1]! * wd1) >> 15;
    wd2 = sat(r[2]! + r[2]!);
    wd2 = (a[2]! * wd2) >> 15;
    this.sp = sat(wd1 + wd2);
    // FILTEZ
    let sz = 0;
    for (let i = 6; i > 0; i--) {
      wd1 = sat(dd[i]! + dd[i]!);
      sz += (b[i]! * wd1) >> 15;
    }
    this.sz = sat(sz);
    // PREDIC
    this.s = sat(this.sp + this.sz);
  }

  /** Blocks 3L/3H: adapt the log scale factor `nb` and the linear one `det`. */
  scale(mult: number, max: number, shift: number): void {
    let nb = ((this.nb * 127) >> 7) + mult;
    nb = nb < 0 ? 0 : nb > max ? max : nb;
    this.nb = nb;
    const i = (nb >> 6) & 31;
    const e = shift - (nb >> 11);
    this.det = (e < 0 ? ILB[i]! << -e : ILB[i]! >> e) << 2;
  }
}

export class G722Decoder implements Decoder {
  readonly rate = 16000;
  readonly channels = 1;
  private low = new Band(32);
  private high = new Band(8);
  /** Receive QMF delay line. */
  private x = new Int32Array(24);

  decode(p: Uint8Array): Float32Array {
    const out = new Float32Array(p.length * 2);
    const low = this.low, high = this.high, x = this.x;
    let o = 0;
    for (let n = 0; n < p.length; n++) {
      const code = p[n]!;
      const ilow = code & 0x3f;
      const ihigh = (code >> 6) & 0x03;
      // Low band: reconstruct from the 6-bit code (INVQBL), adapt with the 4-bit one (INVQAL).
      let rlow = low.s + ((low.det * QM6[ilow]!) >> 15);
      rlow = rlow > 16383 ? 16383 : rlow < -16384 ? -16384 : rlow;
      const dlow = (low.det * QM4[ilow >> 2]!) >> 15;
      low.scale(WL[RL42[ilow >> 2]!]!, 18432, 8);
      low.update(dlow);
      // High band.
      const dhigh = (high.det * QM2[ihigh]!) >> 15;
      let rhigh = dhigh + high.s;
      rhigh = rhigh > 16383 ? 16383 : rhigh < -16384 ? -16384 : rhigh;
      high.scale(WH[RH2[ihigh]!]!, 22528, 10);
      high.update(dhigh);
      // Receive QMF: two output samples per input pair.
      x.copyWithin(0, 2);
      x[22] = rlow + rhigh;
      x[23] = rlow - rhigh;
      let xout1 = 0, xout2 = 0;
      for (let i = 0; i < 12; i++) {
        xout2 += x[2 * i]! * QMF[i]!;
        xout1 += x[2 * i + 1]! * QMF[11 - i]!;
      }
      out[o++] = sat(xout1 >> 11) / 32768;
      out[o++] = sat(xout2 >> 11) / 32768;
    }
    return out;
  }
}
