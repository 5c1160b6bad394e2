/**
 * The ITU-T G.107 E-model (06/2015): transmission rating R from the
 * impairments of a connection, and the MOS (conversational quality,
 * estimated) it maps to (G.107 Annex B). Pure arithmetic, no state.
 *
 * R = Ro − Is − Id − Ie,eff + A, with every G.107 default (Table 2) unless
 * overridden; with all defaults R = 93.2 (G.107 §7.7, a test checks it).
 * sipflow only sets what a capture can tell: the codec's Ie and Bpl
 * (G.113 Appendix I), packet loss (Ppl, BurstR) and delay (T = Ta, Tr = 2T).
 */

/** G.107 Table 2 parameters. Names follow the Recommendation. */
export interface EModelParams {
  /** Send / receive loudness ratings, dB. */
  SLR: number; RLR: number;
  /** Sidetone masking rating, listener sidetone rating, dB. */
  STMR: number; LSTR: number;
  /** D-value of the telephone, send and receive side. */
  Ds: number; Dr: number;
  /** Talker echo loudness rating, weighted echo path loss, dB. */
  TELR: number; WEPL: number;
  /** Mean one-way delay of the echo path, round-trip delay in a 4-wire loop, absolute delay, ms. */
  T: number; Tr: number; Ta: number;
  /** Quantizing distortion units. */
  qdu: number;
  /** Equipment impairment factor and packet-loss robustness factor of the codec. */
  Ie: number; Bpl: number;
  /** Random packet-loss probability, %; burst ratio (1 = random loss). */
  Ppl: number; BurstR: number;
  /** Circuit noise referred to the 0 dBr point, noise floor at the receive side, dBm0p / dBmp. */
  Nc: number; Nfor: number;
  /** Room noise at the send and receive side, dB(A). */
  Ps: number; Pr: number;
  /** Advantage factor. */
  A: number;
  /** Idd's delay threshold and sensitivity (G.107 2014 amendment; 100 and 1 give the classic curve). */
  mT: number; sT: number;
}

/** G.107 Table 2 default values. */
export const G107_DEFAULTS: Readonly<EModelParams> = Object.freeze({
  SLR: 8, RLR: 2, STMR: 15, LSTR: 18, Ds: 3, Dr: 3, TELR: 65, WEPL: 110,
  T: 0, Tr: 0, Ta: 0, qdu: 1, Ie: 0, Bpl: 4.3, Ppl: 0, BurstR: 1,
  Nc: -70, Nfor: -64, Ps: 35, Pr: 35, A: 0, mT: 100, sT: 1,
});

export interface EModelResult {
  R: number;
  Ro: number;
  Is: number;
  Id: number;
  IeEff: number;
  mos: number;
}

const log10 = Math.log10;
const pow = Math.pow;

/** R and its terms for the given parameters (defaults for the rest). */
export function eModel(p: Partial<EModelParams> = {}): EModelResult {
  return eModelRater(p)(p.Ppl ?? G107_DEFAULTS.Ppl, p.BurstR ?? G107_DEFAULTS.BurstR);
}

/**
 * The E-model for the given parameters with the packet loss left open: R
 * for each (Ppl, BurstR) pair costs two lines. Every term but Ie,eff is
 * worked out once (the quality tap scores a stream and each of its windows
 * at one delay); the result is the same number eModel gives.
 */
export function eModelRater(p: Partial<EModelParams> = {}): (Ppl: number, BurstR: number) => EModelResult {
  const q: EModelParams = { ...G107_DEFAULTS, ...p };
  const OLR = q.SLR + q.RLR;

  // §7.2 Basic signal-to-noise ratio Ro.
  const Nfo = q.Nfor + q.RLR;
  const Pre = q.Pr + 10 * log10(1 + pow(10, (10 - q.LSTR) / 10));
  const Nor = q.RLR - 121 + Pre + 0.008 * (Pre - 35) ** 2;
  const Nos = q.Ps - q.SLR - q.Ds - 100 + 0.004 * (q.Ps - OLR - q.Ds - 14) ** 2;
  const No = 10 * log10(pow(10, q.Nc / 10) + pow(10, Nos / 10) + pow(10, Nor / 10) + pow(10, Nfo / 10));
  const Ro = 15 - 1.5 * (q.SLR + No);

  // §7.3 Simultaneous impairment factor Is = Iolr + Ist + Iq.
  const Xolr = OLR + 0.2 * (64 + No - q.RLR);
  const Iolr = 20 * (pow(1 + pow(Xolr / 8, 8), 1 / 8) - Xolr / 8);
  const STMRo = -10 * log10(pow(10, -q.STMR / 10) + Math.exp(-q.T / 4) * pow(10, -q.TELR / 10));
  let Ist = 12 * pow(1 + pow((STMRo - 13) / 6, 8), 1 / 8) - 28 * pow(1 + pow((STMRo + 1) / 19.4, 35), 1 / 35)
    - 13 * pow(1 + pow((STMRo - 3) / 33, 13), 1 / 13) + 29;
  const Q = 37 - 15 * log10(q.qdu);
  const G = 1.07 + 0.258 * Q + 0.0602 * Q * Q;
  const Z = 46 / 30 - G / 40;
  const Y = (Ro - 100) / 15 + 46 / 8.4 - G / 9;
  const Iq = 15 * log10(1 + pow(10, Y) + pow(10, Z));

  // §7.4 Delay impairment Id = Idte + Idle + Idd.
  const Roe = -1.5 * (No - q.RLR);
  let TERV = q.TELR - 40 * log10((1 + q.T / 10) / (1 + q.T / 150)) + 6 * Math.exp(-0.3 * q.T * q.T);
  // A low sidetone masks less of the talker's own echo (TERVs, for STMR < 9 dB).
  if (q.STMR < 9) TERV += Ist / 2;
  const Re = 80 + 2.5 * (TERV - 14);
  let Idte = q.T < 1 ? 0 : ((Roe - Re) / 2 + Math.sqrt((Roe - Re) ** 2 / 4 + 100) - 1) * (1 - Math.exp(-q.T));
  // Above 20 dB of sidetone masking, echo and sidetone combine (Idtes) and Ist leaves Is.
  if (q.STMR > 20) { Idte = Math.sqrt(Idte * Idte + Ist * Ist); Ist = 0; }
  const Is = Iolr + Ist + Iq;
  const Rle = 10.5 * (q.WEPL + 7) * pow(q.Tr + 1, -0.25);
  const Idle = (Ro - Rle) / 2 + Math.sqrt((Ro - Rle) ** 2 / 4 + 169);
  let Idd = 0;
  if (q.Ta > q.mT) {
    const X = log10(q.Ta / q.mT) / log10(2);
    const e = 6 * q.sT;
    Idd = 25 * (pow(1 + pow(X, e), 1 / e) - 3 * pow(1 + pow(X / 3, e), 1 / e) + 2);
  }
  const Id = Idte + Idle + Idd;
  // R = Ro − Is − Id − Ie,eff + A, evaluated left to right as written: (Ro − Is − Id) is the same double.
  const RoIsId = Ro - Is - Id;
  const { Ie, Bpl, A } = q;

  return (Ppl: number, BurstR: number): EModelResult => {
    // §7.5 Effective equipment impairment with packet loss.
    // Capped at 95, the random-loss asymptote: with heavy loss in long bursts the formula leaves the
    // scale the rest of the model is calibrated on (R far below 0).
    const IeEff = Math.min(95, Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl));
    const R = RoIsId - IeEff + A;
    return { R, Ro, Is, Id, IeEff, mos: mosFromR(R) };
  };
}

/** G.107 Annex B: R -> MOS_CQE (1 .. 4.5). */
export function mosFromR(R: number): number {
  if (R <= 0) return 1;
  if (R >= 100) return 4.5;
  // The cubic dips just under 1 for R below about 6.5; a MOS is never below 1.
  return Math.max(1, 1 + 0.035 * R + R * (R - 60) * (100 - R) * 7e-6);
}

/** What the E-model needs to know of a codec. */
export interface CodecImpairment {
  /** The codec family the figures are for ("G.711 with PLC", "G.729A"...). */
  name: string;
  Ie: number;
  Bpl: number;
  /** Algorithmic delay beyond the packet itself (look-ahead), ms. */
  lookaheadMs: number;
  /** Where the figures come from: G.113 Appendix I, or sipflow's stated assumption. */
  source: 'G.113' | 'assumed';
}

/**
 * Ie and Bpl by RTP encoding name. G.113 Appendix I gives narrowband
 * codecs; terminals conceal lost G.711 packets, so its "with PLC" Bpl is
 * used. Codecs G.113 has no narrowband figures for (G.722, L16, Opus) are
 * scored as transparent with G.711's concealment: the narrowband E-model
 * cannot express a wideband codec being better, and this floor is stated as
 * an assumption in the report. Encodings not listed get no score.
 */
const CODECS: [RegExp, CodecImpairment][] = [
  [/^(PCMU|PCMA|G711|G\.711)/i, { name: 'G.711 with PLC', Ie: 0, Bpl: 25.1, lookaheadMs: 0, source: 'G.113' }],
  [/^G729/i, { name: 'G.729A', Ie: 11, Bpl: 19.0, lookaheadMs: 5, source: 'G.113' }],
  [/^G723/i, { name: 'G.723.1 6.3 kbit/s', Ie: 15, Bpl: 16.1, lookaheadMs: 7.5, source: 'G.113' }],
  // GSM 06.60 EFR and AMR 12.2 (the same ACELP coder); lower AMR modes score worse than this.
  [/^(GSM-EFR|AMR$)/i, { name: 'GSM-EFR', Ie: 5, Bpl: 10.0, lookaheadMs: 0, source: 'G.113' }],
  // GSM 06.10: Ie from G.113 Table I.1; G.113 lists no Bpl for it, EFR's is used.
  [/^GSM$/i, { name: 'GSM 06.10 full rate', Ie: 20, Bpl: 10.0, lookaheadMs: 0, source: 'assumed' }],
  [/^G726-32/i, { name: 'G.726 32 kbit/s', Ie: 7, Bpl: 25.1, lookaheadMs: 0, source: 'assumed' }],
  [/^G722$/i, { name: 'G.722 (as G.711 with PLC)', Ie: 0, Bpl: 25.1, lookaheadMs: 1.5, source: 'assumed' }],
  [/^L16$/i, { name: 'L16 (as G.711 with PLC)', Ie: 0, Bpl: 25.1, lookaheadMs: 0, source: 'assumed' }],
  [/^opus$/i, { name: 'Opus (as G.711 with PLC)', Ie: 0, Bpl: 25.1, lookaheadMs: 6.5, source: 'assumed' }],
];

/** The E-model figures for a codec name as the report writes it ("PCMA/8000", "opus/48000"), or null. */
export function codecImpairment(codec: string): CodecImpairment | null {
  const name = codec.replace(/\/.*$/, '');
  for (const [re, c] of CODECS) if (re.test(name)) return c;
  return null;
}
