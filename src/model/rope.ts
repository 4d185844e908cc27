// Rotary position embedding frequencies, including Llama-3 frequency-dependent scaling.
// Owns the one definition of θ_i that the GPU engine (as an uploaded table) and the CPU reference
// share. Rotation convention is HF's half split: for i < d/2,
//   out[i] = x[i]·cos(p·θ_i) − x[i+d/2]·sin(p·θ_i),  out[i+d/2] = x[i+d/2]·cos(p·θ_i) + x[i]·sin(p·θ_i).
// Never touches the GPU.
import type { ModelSpec } from './config.ts';

/** θ_i for i in [0, headDim/2), in f64 (HF computes them in f32 from `base ** (2i/d)`). */
export function ropeInverseFrequencies(spec: Pick<ModelSpec, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float64Array {
  const half = spec.headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / spec.ropeTheta ** ((2 * i) / spec.headDim);
  const s = spec.ropeScaling;
  if (!s) return inv;
  // transformers `_compute_llama3_parameters`: long wavelengths are divided by `factor`, short ones
  // kept, and the band between is interpolated smoothly.
  const lowFreqWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highFreqWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  for (let i = 0; i < half; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    if (wavelen > lowFreqWavelen) {
      inv[i] = inv[i] / s.factor;
    } else if (wavelen >= highFreqWavelen) {
      const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      inv[i] = (1 - smooth) * (inv[i] / s.factor) + smooth * inv[i];
    }
  }
  return inv;
}
