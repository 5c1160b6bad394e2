/**
 * L16 (RFC 3551 §4.5.11): 16-bit signed linear samples in network byte order,
 * channels interleaved, at the rate and channel count of the rtpmap
 * ("L16/44100/2"; static payload types 10 and 11 are 44.1 kHz stereo and mono).
 */
import type { Decoder } from './decoder.js';

export function l16Decoder(rate: number, channels: number): Decoder {
  return {
    rate, channels,
    decode(p: Uint8Array): Float32Array {
      // A trailing odd byte or a partial frame of samples is not audio: it is dropped.
      const frames = Math.floor(p.length / (2 * channels));
      const out = new Float32Array(frames * channels);
      for (let i = 0; i < out.length; i++) {
        const v = (p[2 * i]! << 8) | p[2 * i + 1]!;
        out[i] = (v & 0x8000 ? v - 0x10000 : v) / 32768;
      }
      return out;
    },
  };
}
