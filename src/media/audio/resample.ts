/**
 * Sample-rate conversion of a whole track (`--rate`, or two directions of a
 * call at different codec rates): a windowed-sinc interpolator whose cut-off
 * is the lower of the two Nyquist frequencies, so downsampling does not alias.
 */

/** Half the taps of the interpolation kernel, in input samples at the cut-off. */
const HALF_TAPS = 16;

export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to || x.length === 0) return x;
  const n = Math.max(1, Math.round(x.length * to / from));
  const out = new Float32Array(n);
  const ratio = from / to;
  // Cut-off relative to the input rate: 1 when upsampling, to/from when downsampling.
  const fc = Math.min(1, to / from);
  const half = Math.ceil(HALF_TAPS / fc);
  for (let i = 0; i < n; i++) {
    const t = i * ratio;
    const c = Math.floor(t);
    let acc = 0, wsum = 0;
    for (let k = c - half + 1; k <= c + half; k++) {
      if (k < 0 || k >= x.length) continue;
      const d = t - k;
      const u = d * fc;
      const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
      const w = 0.5 + 0.5 * Math.cos(Math.PI * d / (half + 1)); // Hann window over the kernel
      const h = sinc * w;
      acc += x[k]! * h;
      wsum += h;
    }
    out[i] = wsum ? acc / wsum : 0;
  }
  return out;
}
