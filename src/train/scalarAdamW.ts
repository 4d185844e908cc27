// AdamW for a single scalar (the SSB balance parameter θ), the same update rule as the GPU kernel
// for LoRA parameters, kept on the CPU because θ's gradient comes from the per-step loss readback.
export interface ScalarAdamState {
  value: number;
  m: number;
  v: number;
  step: number;
}

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export function scalarAdamWStep(s: ScalarAdamState, grad: number, h: AdamHyper): ScalarAdamState {
  const step = s.step + 1;
  const m = h.beta1 * s.m + (1 - h.beta1) * grad;
  const v = h.beta2 * s.v + (1 - h.beta2) * grad * grad;
  const mHat = m / (1 - h.beta1 ** step);
  const vHat = v / (1 - h.beta2 ** step);
  const decayed = s.value * (1 - h.lr * h.weightDecay);
  return { value: decayed - (h.lr * mHat) / (Math.sqrt(vHat) + h.eps), m, v, step };
}
