// Rotary position embedding frequencies of a model spec, including Llama-3 frequency-dependent
// scaling. The formula has one definition, in src/ops/rope.ts (HF's rope_scaling fields); this
// adapts the spec's parsed scaling to it. Rotation convention is HF's half split: for i < d/2,
//   out[i] = x[i]·cos(p·θ_i) − x[i+d/2]·sin(p·θ_i),  out[i+d/2] = x[i+d/2]·cos(p·θ_i) + x[i]·sin(p·θ_i).
// Never touches the GPU.
import { ropeInverseFrequencies64 } from '../ops/rope.ts';
import type { ModelSpec } from './config.ts';

/** θ_i for i in [0, headDim/2), in f64. */
export function ropeInverseFrequencies(spec: Pick<ModelSpec, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float64Array {
  const s = spec.ropeScaling;
  return ropeInverseFrequencies64(
    spec.headDim,
    spec.ropeTheta,
    s && {
      rope_type: s.type,
      factor: s.factor,
      low_freq_factor: s.lowFreqFactor,
      high_freq_factor: s.highFreqFactor,
      original_max_position_embeddings: s.originalMaxPositionEmbeddings,
    },
  );
}
