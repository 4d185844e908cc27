// SSB loss (Self-adjusted Signal Balancing, BalanceSFT arXiv 2505.20192) and its baselines, on
// the per-segment NLL sums the fused cross-entropy reduces on the GPU (DESIGN.md, "SSB loss"):
//   L_cot = Σ_cot nll / N_cot,  L_call = Σ_call nll / N_call,  L = α·L_cot + (1 − α)·L_call
// Means run over the whole optimizer batch: sums and counts are added over micro-batches first.
// The backward needs only per-token weights: ∂L/∂nll_t = α/N_cot (cot), (1 − α)/N_call (call), 0 else.
// How α is learned is a balance rule (balance.ts); this file takes α as given.
// Pure math on numbers; never touches the GPU.

export type LossMode = { kind: 'ssb' } | { kind: 'sft' } | { kind: 'fixed'; alpha: number };

/** Parses the run-config spelling: `ssb`, `sft` or `fixed:<α>`. */
export function parseLossMode(text: string): LossMode {
  if (text === 'ssb') return { kind: 'ssb' };
  if (text === 'sft') return { kind: 'sft' };
  const m = /^fixed:([0-9]*\.?[0-9]+)$/.exec(text);
  if (m) {
    const alpha = Number(m[1]);
    if (alpha < 0 || alpha > 1) throw new Error(`loss "${text}": the fixed weight must be between 0 and 1`);
    return { kind: 'fixed', alpha };
  }
  throw new Error(`unknown loss "${text}": use ssb, sft or fixed:<weight between 0 and 1>`);
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

/**
 * Per-token weights for the backward, known before the forward: they need only α and counts.
 * `ssbAlpha` is the balance rule's current α (used by SSB only).
 */
export function lossWeights(mode: LossMode, ssbAlpha: number, nCot: number, nCall: number): LossWeights {
  if (mode.kind === 'sft') {
    const n = nCot + nCall;
    return { cot: n ? 1 / n : 0, call: n ? 1 / n : 0, alpha: n ? nCot / n : 0 };
  }
  let alpha = mode.kind === 'ssb' ? ssbAlpha : mode.alpha;
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
  /** ∂L/∂α (DESIGN.md dump name `grad.ssb_alpha`): L_cot − L_call when both segments are present. */
  gradAlpha: number;
  /** Both segments had tokens (a balance rule learns only from such steps). */
  both: boolean;
}

export function lossValue(mode: LossMode, ssbAlpha: number, t: SegmentTotals): LossValue {
  const lossCot = t.nCot ? t.nllCot / t.nCot : 0;
  const lossCall = t.nCall ? t.nllCall / t.nCall : 0;
  const w = lossWeights(mode, ssbAlpha, t.nCot, t.nCall);
  const loss = w.cot * t.nllCot + w.call * t.nllCall;
  const both = t.nCot > 0 && t.nCall > 0;
  return { loss, lossCot, lossCall, alpha: w.alpha, gradAlpha: both ? lossCot - lossCall : 0, both };
}

/** The held-out losses an eval reports: the run's loss, each segment's mean and the mean over every
 * target token alike. A segment the held-out set has no tokens of (data without reasoning) has no
 * loss: NaN, which every reader draws as a gap (a 0 would read as a segment learned perfectly). */
export function heldOutLosses(mode: LossMode, ssbAlpha: number, t: SegmentTotals): { evalLoss: number; evalLossCot: number; evalLossCall: number; evalLossTokens: number } {
  const v = lossValue(mode, ssbAlpha, t);
  const n = t.nCot + t.nCall;
  return { evalLoss: n ? v.loss : NaN, evalLossCot: t.nCot ? v.lossCot : NaN, evalLossCall: t.nCall ? v.lossCall : NaN, evalLossTokens: n ? (t.nllCot + t.nllCall) / n : NaN };
}

/** The values a step logs for a segment it had no tokens of: the trainer writes 0 for that
 * segment's loss and puts all weight on the other (α 0 or 1), which are not values of the run.
 * Every view of a run's steps (charts, runs table, share link) leaves them out as gaps. */
export function segmentGaps(values: Record<string, number | null | undefined>): Array<'lossCot' | 'lossCall' | 'alpha'> {
  const noCot = values.cotTokens === 0;
  const noCall = values.callTokens === 0;
  return [...(noCot ? (['lossCot'] as const) : []), ...(noCall ? (['lossCall'] as const) : []), ...(noCot || noCall ? (['alpha'] as const) : [])];
}
