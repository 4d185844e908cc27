// Slow, obvious CPU reference for the fused LM-head cross-entropy (src/ops/crossEntropy.ts), in f64,
// materialising the full [T, V] logits the GPU version never holds. Tests only.
export interface CrossEntropyRefInputs {
  hidden: ArrayLike<number>; // [T, H]
  weight: ArrayLike<number>; // [V, H], decoded to f32 values
  targets: ArrayLike<number>; // [T], outside [0, V) = ignored
  segments: ArrayLike<number>; // [T], 0 prompt, 1 cot, 2 call
  T: number;
  H: number;
  V: number;
}

export interface CrossEntropyRefForward {
  logits: Float64Array; // [T, V]
  lse: Float64Array; // [T]
  nll: Float64Array; // [T], 0 where ignored
  segmentNll: Float64Array; // [3]
  segmentCount: Float64Array; // [3]
}

export const isTarget = (target: number, V: number): boolean => target >= 0 && target < V;

export function crossEntropyForwardRef(x: CrossEntropyRefInputs): CrossEntropyRefForward {
  const { T, H, V } = x;
  const logits = new Float64Array(T * V);
  const lse = new Float64Array(T);
  const nll = new Float64Array(T);
  const segmentNll = new Float64Array(3);
  const segmentCount = new Float64Array(3);
  for (let t = 0; t < T; t++) {
    let max = -Infinity;
    for (let v = 0; v < V; v++) {
      let z = 0;
      for (let h = 0; h < H; h++) z += x.hidden[t * H + h] * x.weight[v * H + h];
      logits[t * V + v] = z;
      max = Math.max(max, z);
    }
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[t * V + v] - max);
    lse[t] = max + Math.log(sum);
    const target = x.targets[t];
    if (isTarget(target, V)) {
      nll[t] = lse[t] - logits[t * V + target];
      const seg = x.segments[t];
      if (seg < 3) {
        segmentNll[seg] += nll[t];
        segmentCount[seg] += 1;
      }
    }
  }
  return { logits, lse, nll, segmentNll, segmentCount };
}

/** Σ_t w[t]·nll[t]: the scalar whose gradient the backward computes. */
export function weightedLossRef(x: CrossEntropyRefInputs, tokenWeight: ArrayLike<number>): number {
  const { nll } = crossEntropyForwardRef(x);
  let loss = 0;
  for (let t = 0; t < x.T; t++) loss += tokenWeight[t] * nll[t];
  return loss;
}

/** dH [T, H] = Σ_v (softmax(z[t])_v − [v = target]) · w[t] · W[v]. */
export function crossEntropyBackwardRef(x: CrossEntropyRefInputs, tokenWeight: ArrayLike<number>): Float64Array {
  const { T, H, V } = x;
  const { logits, lse } = crossEntropyForwardRef(x);
  const dH = new Float64Array(T * H);
  for (let t = 0; t < T; t++) {
    const target = x.targets[t];
    if (!isTarget(target, V)) continue;
    for (let v = 0; v < V; v++) {
      const dz = (Math.exp(logits[t * V + v] - lse[t]) - (v === target ? 1 : 0)) * tokenWeight[t];
      for (let h = 0; h < H; h++) dH[t * H + h] += dz * x.weight[v * H + h];
    }
  }
  return dH;
}
