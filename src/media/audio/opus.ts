/**
 * Opus (RFC 6716, RTP payload RFC 7587) through the `opus-decoder` package:
 * libopus compiled to WebAssembly, no native build. Its module is imported
 * only when an Opus stream is decoded (loading it costs tens of
 * milliseconds, measured in test/unit/audio-opus.test.ts): `sipflow analyze`
 * and streams of other codecs never pay for it.
 *
 * RTP carries no pre-skip (that is an Ogg field), so the decoder starts at
 * the first sample of the first packet. Output is mono (libopus downmixes
 * a stereo stream): a direction of a call is one channel of the WAV.
 */
import type { Decoder } from './decoder.js';

/** Rates libopus decodes to directly; others are decoded at 48 kHz and resampled. */
export const OPUS_RATES = [8000, 12000, 16000, 24000, 48000];

export async function opusDecoder(rate = 48000): Promise<Decoder> {
  const { OpusDecoder } = await import('opus-decoder');
  const out = OPUS_RATES.includes(rate) ? rate : 48000;
  const d = new OpusDecoder({ channels: 1, sampleRate: out as 48000, preSkip: 0 });
  await d.ready;
  let errors = 0;
  return {
    rate: out, channels: 1,
    get errors() { return errors; },
    decode(p: Uint8Array): Float32Array {
      // An empty payload would ask libopus for concealment of 120 ms; a lost packet is silence instead.
      if (p.length === 0) return new Float32Array(0);
      // The package reports a corrupt packet on console.error; the playout counts it instead.
      const log = console.error;
      let r;
      try { console.error = () => {}; r = d.decodeFrame(p); } finally { console.error = log; }
      if (r.errors.length) errors += r.errors.length;
      return r.samplesDecoded > 0 ? r.channelData[0]!.slice(0, r.samplesDecoded) : new Float32Array(0);
    },
    free: () => d.free(),
  };
}
