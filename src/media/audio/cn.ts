/**
 * Comfort noise (RFC 3389): a sender in silence sends the level of its
 * background noise instead of audio. The first payload byte is that level
 * in -dBov (0 = the system's overload, full scale); the spectral
 * reflection coefficients that may follow are not used: the noise is white,
 * at the signalled level. The generator is seeded, so a WAV is the same on
 * every run.
 */

/** The RMS (full scale = 1) a CN payload signals; 0 when the payload is empty. */
export function cnLevel(payload: Uint8Array): number {
  if (payload.length === 0) return 0;
  const dbov = payload[0]! & 0x7f;
  return 10 ** (-dbov / 20);
}

/** Fills `out[from, to)` with white noise of RMS `rms` (uniform: amplitude rms·√3). */
export class NoiseGenerator {
  private state = 0x2545f491;

  fill(out: Float32Array, from: number, to: number, rms: number, stride = 1, offset = 0): void {
    const a = rms * Math.sqrt(3);
    for (let i = from; i < to; i++) {
      // xorshift32: cheap and deterministic.
      let x = this.state;
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      this.state = x >>> 0;
      out[i * stride + offset] = a * ((this.state / 0x100000000) * 2 - 1);
    }
  }
}
