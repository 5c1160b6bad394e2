/**
 * The report's audio player data (`sipflow report --audio`): per call a WAV
 * (16-bit PCM, as base64 in the page: no file beside it, no network) with
 * both directions, a waveform summary (peak per bin and channel) and the
 * call's markers (DTMF digits, events) on the WAV's time axis. The page's
 * script turns the base64 into a Blob URL for an <audio> element and draws
 * the waveforms; the Content-Security-Policy allows media from blob: only.
 *
 * Size: the clips share `audioMaxBytes`; a clip over its share is resampled
 * to 8 kHz, then cut (with a note saying where).
 */
import { encodeWav } from '../../media/audio/wav.js';
import { resample } from '../../media/audio/resample.js';

/** Default size budget of all clips of a page, bytes of base64. */
export const DEFAULT_AUDIO_BYTES = 16 * 1048576;
/** Highest rate a clip keeps (the player's WAV), Hz. */
const CLIP_MAX_RATE = 16000;
/** Waveform bins per channel. */
const PEAK_BINS = 800;

export interface AudioClipInput {
  /** Planar channels at `rate`; channel 0 is the caller (left), 1 the callee (right). */
  samples: Float32Array[];
  rate: number;
  /** Capture time of sample 0, s. */
  startS: number;
  /** A label per channel ("caller 10.0.0.1:4000 → 10.0.0.2:6000"). */
  labels: string[];
  /** Capture times (s) of things to mark on the waveform. */
  markers: { t: number; label: string; kind: string }[];
}

/** What the page's script reads (JSON in a script block of type application/json). */
export interface AudioClip {
  b64: string;
  rate: number;
  startS: number;
  durationS: number;
  labels: string[];
  peaks: number[][];
  markers: { t: number; label: string; kind: string }[];
  note: string | null;
}

/** Build a clip within `maxBytes` of base64. */
export function audioClip(x: AudioClipInput, maxBytes: number): AudioClip {
  let rate = Math.min(x.rate, CLIP_MAX_RATE);
  let samples = x.samples.map((c) => resample(c, x.rate, rate));
  const durationS = (x.samples[0]?.length ?? 0) / x.rate;
  const b64Bytes = (n: number) => Math.ceil((44 + n * samples.length * 2) / 3) * 4;
  let note: string | null = null;
  if (b64Bytes(samples[0]?.length ?? 0) > maxBytes && rate > 8000) {
    samples = x.samples.map((c) => resample(c, x.rate, 8000));
    rate = 8000;
    note = `resampled to 8 kHz to fit the audio size budget`;
  }
  const fit = Math.max(0, Math.floor((maxBytes * 3 / 4 - 44) / (2 * Math.max(1, samples.length))));
  if ((samples[0]?.length ?? 0) > fit) {
    samples = samples.map((c) => c.slice(0, fit));
    note = `only the first ${(fit / rate).toFixed(1)} s of ${durationS.toFixed(1)} s fit the audio size budget${rate === 8000 && note ? ' (at 8 kHz)' : ''}`;
  }
  const wav = encodeWav(samples, rate);
  const n = samples[0]?.length ?? 0;
  const peaks = samples.map((c) => {
    const out: number[] = [];
    for (let b = 0; b < PEAK_BINS; b++) {
      const from = Math.floor(b * n / PEAK_BINS), to = Math.max(from + 1, Math.floor((b + 1) * n / PEAK_BINS));
      let m = 0;
      for (let i = from; i < to && i < n; i++) { const v = Math.abs(c[i]!); if (v > m) m = v; }
      out.push(Math.round(Math.min(1, m) * 1000) / 1000);
    }
    return out;
  });
  const clipDur = n / rate;
  return {
    b64: Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength).toString('base64'),
    rate, startS: Math.round(x.startS * 1e6) / 1e6, durationS: Math.round(clipDur * 1e6) / 1e6, labels: x.labels, peaks,
    markers: x.markers.filter((m) => m.t >= x.startS && m.t <= x.startS + clipDur).map((m) => ({ ...m, t: Math.round((m.t - x.startS) * 1000) / 1000 })),
    note,
  };
}
