/**
 * G.711 µ-law and A-law (ITU-T G.711 Tables 1 and 2): one byte per sample at
 * 8 kHz, expanded to 16-bit linear as the Recommendation's decoder does
 * (µ-law to ±8031 × 4, A-law to ±4032 × 8), scaled here to -1..1.
 */
import type { Decoder } from './decoder.js';

/** The 256 linear values of µ-law codes (G.711 Table 2, 14-bit values shifted to 16 bits). */
export const ULAW = new Int16Array(256);
/** The 256 linear values of A-law codes (G.711 Table 1, 13-bit values shifted to 16 bits). */
export const ALAW = new Int16Array(256);

for (let i = 0; i < 256; i++) {
  const u = ~i & 0xff;
  let t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  ULAW[i] = u & 0x80 ? 0x84 - t : t - 0x84;

  const a = i ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let v = (a & 0x0f) << 4;
  v += seg === 0 ? 8 : 0x108;
  if (seg > 1) v <<= seg - 1;
  ALAW[i] = a & 0x80 ? v : -v;
}

/** A decoder of one of the two laws (stateless: every byte is one sample). */
export function g711Decoder(law: 'ulaw' | 'alaw'): Decoder {
  const table = law === 'ulaw' ? ULAW : ALAW;
  return {
    rate: 8000, channels: 1,
    decode(p: Uint8Array): Float32Array {
      const out = new Float32Array(p.length);
      for (let i = 0; i < p.length; i++) out[i] = table[p[i]!]! / 32768;
      return out;
    },
  };
}
