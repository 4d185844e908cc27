// SSB loss (Self-adjusted Signal Balancing, BalanceSFT arXiv 2505.20192) and its baselines, on
// the per-segment NLL sums the fused cross-entropy reduces on the GPU (DESIGN.md, "SSB loss"):
//   L_cot = Σ_cot nll / N_cot,  L_call = Σ_call nll / N_call,  L = α·L_cot + (1 − α)·L_call
//   α = α_min + (α_max − α_min)·sigmoid(θ),  ∂L/∂θ = (L_cot − L_call)·(α_max − α_min)·σ(θ)(1 − σ(θ))
// Means run over the whole optimizer batch: sums and counts are added over micro-batches first.
// The backward needs only per-token weights: ∂L/∂nll_t = α/N_cot (cot), (1 − α)/N_call (call), 0 else.
// Pure math on numbers; never touches the GPU.

export type LossMode = { kind: 'ssb'; alpha0: number; alphaMin: number; alphaMax: number } | { kind: 'sft' } | { kind: 'fixed'; alpha: number };

export const SSB_DEFAULTS = { alpha0: 0.7, alphaMin: 0.05, alphaMax: 0.95 } as const;

/** Parses the run-config spelling: `ssb`, `sft` or `fixed:<α>`. */
export function parseLossMode(text: string): LossMode {
  if (text === 'ssb') return { kind: 'ssb', ...SSB_DEFAULTS };
  if (text === 'sft') return { kind: 'sft' };
  const m = /^fixed:([0-9]*\.?[0-9]+)$/.exec(text);
  if (m) {
    const alpha = Number(m[1]);
    if (alpha < 0 || alpha > 1) throw new Error(`loss "${text}": the fixed weight must be between 0 and 1`);
    return { kind: 'fixed', alpha };
  }
  throw new Error(`unknown loss "${text}": use ssb, sft or fixed:<weight between 0 and 1>`);
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** α for a given θ under SSB bounds. */
export function ssbAlpha(theta: number, mode: Extract<LossMode, { kind: 'ssb' }>): number {
  return mode.alphaMin + (mode.alphaMax - mode.alphaMin) * sigmoid(theta);
}

/** θ₀ such that α(θ₀) = α₀. */
export function ssbInitialTheta(mode: Extract<LossMode, { kind: 'ssb' }>): number {
  const s = (mode.alpha0 - mode.alphaMin) / (mode.alphaMax - mode.alphaMin);
  if (!(s > 0 && s < 1)) throw new Error(`α₀ = ${mode.alpha0} must lie strictly between α_min = ${mode.alphaMin} and α_max = ${mode.alphaMax}`);
  return Math.log(s / (1 - s));
}

export interface SegmentTotals {
  /** Σ NLL over cot tokens and over call tokens of the whole optimizer batch. */
  nllCot: number;
  nllCall: number;
  nCot: number;
  nCall: number;
}

export interface LossWeights {
  /** ∂L/∂nll for each cot token and each call token (prompt and padding get 0). */
  cot: number;
  call: number;
  /** The α used this step (the call weight is 1 − α for SSB/fixed; for SFT the length share). */
  alpha: number;
}

/** Per-token weights for the backward, known before the forward: they need only α and counts. */
export function lossWeights(mode: LossMode, theta: number, nCot: number, nCall: number): LossWeights {
  if (mode.kind === 'sft') {
    const n = nCot + nCall;
    return { cot: n ? 1 / n : 0, call: n ? 1 / n : 0, alpha: n ? nCot / n : 0 };
  }
  let alpha = mode.kind === 'ssb' ? ssbAlpha(theta, mode) : mode.alpha;
  // A batch without one of the segments drops that term and puts weight 1 on the other.
  if (nCot === 0 && nCall > 0) alpha = 0;
  if (nCall === 0 && nCot > 0) alpha = 1;
  return { cot: nCot ? alpha / nCot : 0, call: nCall ? (1 - alpha) / nCall : 0, alpha };
}

export interface LossValue {
  loss: number;
  lossCot: number;
  lossCall: number;
  alpha: number;
  /** ∂L/∂α (DESIGN.md dump name `grad.ssb_alpha`). */
  gradAlpha: number;
  /** ∂L/∂θ, the gradient the balance parameter is trained with (0 unless SSB with both segments). */
  gradTheta: number;
}

export function lossValue(mode: LossMode, theta: number, t: SegmentTotals): LossValue {
  const lossCot = t.nCot ? t.nllCot / t.nCot : 0;
  const lossCall = t.nCall ? t.nllCall / t.nCall : 0;
  const w = lossWeights(mode, theta, t.nCot, t.nCall);
  const loss = w.cot * t.nllCot + w.call * t.nllCall;
  const both = t.nCot > 0 && t.nCall > 0;
  const gradAlpha = both ? lossCot - lossCall : 0;
  let gradTheta = 0;
  if (mode.kind === 'ssb' && both) {
    const s = sigmoid(theta);
    gradTheta = gradAlpha * (mode.alphaMax - mode.alphaMin) * s * (1 - s);
  }
  return { loss, lossCot, lossCall, alpha: w.alpha, gradAlpha, gradTheta };
}
