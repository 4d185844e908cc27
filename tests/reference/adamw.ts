// Plain reference of one AdamW step (tests only), f64, written as torch.optim.AdamW's single-tensor
// loop does it: decay, moments, bias-corrected step.

export interface AdamWState {
  param: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/** Updates `s` in place with gradient `grad`·scale at 1-based `step`. */
export function adamWStepRef(
  s: AdamWState,
  grad: ArrayLike<number>,
  h: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number; scale: number },
): void {
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  for (let i = 0; i < s.param.length; i++) {
    const g = grad[i] * h.scale;
    s.param[i] *= 1 - h.lr * h.weightDecay;
    s.m[i] = h.beta1 * s.m[i] + (1 - h.beta1) * g;
    s.v[i] = h.beta2 * s.v[i] + (1 - h.beta2) * g * g;
    s.param[i] -= (h.lr / bc1) * (s.m[i] / (Math.sqrt(s.v[i]) / Math.sqrt(bc2) + h.eps));
  }
}
