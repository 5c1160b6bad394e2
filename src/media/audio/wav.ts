/**
 * RIFF/WAVE writer: 16-bit PCM, any rate, mono or interleaved channels.
 * Samples arrive as -1..1 floats and are clipped, not wrapped.
 */

/** Bytes of the canonical 44-byte header. */
export const WAV_HEADER_BYTES = 44;

/** A complete WAV file from planar channels of equal length. */
export function encodeWav(channels: Float32Array[], rate: number): Uint8Array {
  const n = channels[0]?.length ?? 0;
  const ch = channels.length;
  const data = n * ch * 2;
  const out = new Uint8Array(WAV_HEADER_BYTES + data);
  const v = new DataView(out.buffer);
  const ascii = (o: number, s: string) => { for (let i = 0; i < s.length; i++) out[o + i] = s.charCodeAt(i); };
  ascii(0, 'RIFF'); v.setUint32(4, 36 + data, true); ascii(8, 'WAVE');
  ascii(12, 'fmt '); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, ch, true);
  v.setUint32(24, rate, true); v.setUint32(28, rate * ch * 2, true); v.setUint16(32, ch * 2, true); v.setUint16(34, 16, true);
  ascii(36, 'data'); v.setUint32(40, data, true);
  let o = WAV_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < ch; c++) {
      const x = channels[c]![i]!;
      const s = x >= 1 ? 32767 : x <= -1 ? -32768 : Math.round(x * 32768);
      v.setInt16(o, s > 32767 ? 32767 : s, true);
      o += 2;
    }
  }
  return out;
}

/** The planar channels and rate of a 16-bit PCM WAV (for tests and the report's player). */
export function decodeWav(b: Uint8Array): { rate: number; channels: Float32Array[] } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = 12, rate = 0, ch = 1;
  while (o + 8 <= b.length) {
    const id = String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
    const len = v.getUint32(o + 4, true);
    if (id === 'fmt ') { ch = v.getUint16(o + 10, true); rate = v.getUint32(o + 12, true); }
    if (id === 'data') {
      const n = Math.floor(Math.min(len, b.length - o - 8) / (2 * ch));
      const channels = Array.from({ length: ch }, () => new Float32Array(n));
      for (let i = 0; i < n; i++) for (let c = 0; c < ch; c++) channels[c]![i] = v.getInt16(o + 8 + (i * ch + c) * 2, true) / 32768;
      return { rate, channels };
    }
    o += 8 + len + (len & 1);
  }
  throw new Error('no data chunk in WAV');
}
