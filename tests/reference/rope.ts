// Plain references of RoPE (tests only): HF's rotate_half form in f64, and HF's Llama-3 frequency
// scaling written the way transformers does it (three candidate arrays and a select), so it checks
// the branchy CPU code in src/ops/rope.ts by a different route.

/** x (T, H, D) → out (T, H, D): out = x·cos + rotate_half(x)·sin, rotate_half(x) = [−x₂, x₁].
 * The angle is rounded to f32 as HF computes it (inv_freq @ positions in f32); cos/sin in f64. */
export function ropeForwardRef(x: ArrayLike<number>, positions: ArrayLike<number>, invFreq: ArrayLike<number>, T: number, H: number, D: number) {
  const out = new Float64Array(T * H * D);
  const half = D / 2;
  for (let t = 0; t < T; t++)
    for (let h = 0; h < H; h++)
      for (let d = 0; d < D; d++) {
        const i = d % half;
        const theta = Math.fround(positions[t] * invFreq[i]);
        const base = (t * H + h) * D;
        const rotated = d < half ? -x[base + d + half] : x[base + d - half];
        out[base + d] = x[base + d] * Math.cos(theta) + rotated * Math.sin(theta);
      }
  return out;
}

/** dy (T, H, D) → dx: the adjoint of the forward, per pair dx₁ = dy₁·c + dy₂·s, dx₂ = dy₂·c − dy₁·s. */
export function ropeBackwardRef(dy: ArrayLike<number>, positions: ArrayLike<number>, invFreq: ArrayLike<number>, T: number, H: number, D: number) {
  const dx = new Float64Array(T * H * D);
  const half = D / 2;
  for (let t = 0; t < T; t++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < half; i++) {
        const theta = Math.fround(positions[t] * invFreq[i]);
        const c = Math.cos(theta), s = Math.sin(theta);
        const a = (t * H + h) * D + i, b = a + half;
        dx[a] = dy[a] * c + dy[b] * s;
        dx[b] = dy[b] * c - dy[a] * s;
      }
  return dx;
}

/** transformers' _compute_llama3_parameters, array-at-a-time. */
export function llama3InverseFrequenciesRef(D: number, base: number, factor: number, low: number, high: number, oldContext: number): Float64Array {
  const inv = Float64Array.from({ length: D / 2 }, (_, k) => 1 / base ** ((2 * k) / D));
  const wavelen = inv.map((f) => (2 * Math.PI) / f);
  const lowFreqWavelen = oldContext / low;
  const highFreqWavelen = oldContext / high;
  const invLlama = inv.map((f, k) => (wavelen[k] > lowFreqWavelen ? f / factor : f));
  const smooth = wavelen.map((w) => (oldContext / w - low) / (high - low));
  const smoothed = invLlama.map((f, k) => ((1 - smooth[k]) * f) / factor + smooth[k] * f);
  return invLlama.map((f, k) => (!(wavelen[k] < highFreqWavelen) && !(wavelen[k] > lowFreqWavelen) ? smoothed[k] : f));
}
