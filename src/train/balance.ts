// Balance rules: how SSB's weight α (on the reasoning loss; 1 − α on the call loss) is learned.
// Each rule starts at α₀, keeps α within [α_min, α_max], has a rate of its own, and is updated
// once per optimizer step from that step's segment means L_cot and L_call (DESIGN.md, "SSB loss").
//
//   grad         α = α_min + (α_max − α_min)·σ(θ), θ by AdamW on ∂L/∂θ = (L_cot − L_call)·(α_max − α_min)·σ(θ)(1 − σ(θ)).
//                The paper's literal rule, and degenerate: ∂L/∂α = L_cot − L_call, so descent always
//                moves α toward the segment whose loss is already lower, until a bound (or, at the
//                LoRA learning rate, hardly at all). Its rate follows the run's LR schedule.
//   uncertainty  Kendall, Gal & Cipolla 2018: per-segment log-variances s_k minimise
//                K(s) = ½e^{−s_cot}·L_cot + ½e^{−s_call}·L_call + ½(s_cot + s_call),
//                ∂K/∂s_k = ½(1 − e^{−s_k}·L_k), by plain gradient descent with the rule's rate (Adam
//                would move both s at the same normalised speed and leave α at α₀ until one reached
//                its optimum). α = e^{−s_cot} / (e^{−s_cot} + e^{−s_call}); s₀ gives α₀. The fixed point
//                e^{s_k} = L_k weights each segment by 1/L_k: α* = L_call / (L_cot + L_call), inside
//                the bounds, stable whichever segment is harder; the one with the lower loss weighs more.
//   dwa          Dynamic Weight Average (Liu, Johns & Davison 2019): the segment whose loss falls
//                slower gets more weight. r_k = mean L_k over the last W steps / mean over the W
//                before; α = α₀e^{r_cot/T} / (α₀e^{r_cot/T} + (1 − α₀)e^{r_call/T}) (the paper's
//                softmax over tasks, with α₀ as the prior in place of equal weights; the paper's
//                "epoch" is a window of W steps here). α₀ until 2W steps have been seen.
//
// Pure math on numbers: no GPU, no storage. The state is plain JSON, kept in trainer checkpoints.
import { scalarAdamWStep, type ScalarAdamState } from './scalarAdamW.ts';

export const BALANCE_RULES = ['grad', 'uncertainty', 'dwa'] as const;
export type BalanceRule = (typeof BALANCE_RULES)[number];

export function isBalanceRule(v: unknown): v is BalanceRule {
  return typeof v === 'string' && (BALANCE_RULES as readonly string[]).includes(v);
}

/** α₀ = 0.7 (the paper's initial value) and its bounds; each rule's own rate. */
export const BALANCE_DEFAULTS = {
  alpha0: 0.7,
  alphaMin: 0.05,
  alphaMax: 0.95,
  /** grad: θ's AdamW learning rate at the schedule's peak. At the LoRA rate (2e-4) α moves by
   * about 0.002 in 100 steps; at 1e-2 it drifts visibly, toward the lower-loss segment. */
  gradLr: 1e-2,
  /** uncertainty: gradient-descent step on the log-variances (near the optimum s moves by about
   * rate/2 of its distance per step, so 0.2 settles within about 40 steps). */
  uncertaintyLr: 0.2,
  /** dwa: temperature T (the paper uses 2 for three tasks; with two segments whose rates differ by
   * a few per cent, T = 0.25 turns a 5 % difference in rate into about 0.04 of α). */
  dwaTemperature: 0.25,
  /** dwa: steps per window (the paper compares epochs). */
  dwaWindow: 5,
} as const;

/** Everything a rule needs: α₀, bounds and its own rate (grad, uncertainty) or T and W (dwa). */
export interface BalanceSettings {
  rule: BalanceRule;
  alpha0: number;
  alphaMin: number;
  alphaMax: number;
  /** grad: θ's AdamW learning rate (scaled by the run's schedule); uncertainty: step on s. */
  lr: number;
  temperature: number;
  window: number;
}

export type BalanceState =
  | { rule: 'grad'; theta: ScalarAdamState }
  | { rule: 'uncertainty'; logVarCot: number; logVarCall: number }
  | { rule: 'dwa'; cot: number[]; call: number[] };

/** The rule's default rate (grad, uncertainty) for the form and the CLI. */
export function defaultBalanceLr(rule: BalanceRule): number {
  return rule === 'uncertainty' ? BALANCE_DEFAULTS.uncertaintyLr : BALANCE_DEFAULTS.gradLr;
}

/** Problems with the settings, each naming the field (empty when they are usable). */
export function balanceSettingsProblems(s: BalanceSettings): string[] {
  const out: string[] = [];
  if (!isBalanceRule(s.rule)) out.push(`balanceRule must be one of ${BALANCE_RULES.join(', ')}, got ${JSON.stringify(s.rule)}`);
  if (!(s.alphaMin >= 0 && s.alphaMin < s.alpha0 && s.alpha0 < s.alphaMax && s.alphaMax <= 1)) {
    out.push(`need 0 ≤ alphaMin < alpha0 < alphaMax ≤ 1, got ${s.alphaMin}, ${s.alpha0}, ${s.alphaMax}`);
  }
  if (!(s.lr > 0 && Number.isFinite(s.lr))) out.push(`balanceLr must be a positive number, got ${s.lr}`);
  if (!(s.temperature > 0 && Number.isFinite(s.temperature))) out.push(`balanceTemperature must be a positive number, got ${s.temperature}`);
  if (!(Number.isInteger(s.window) && s.window >= 1)) out.push(`balanceWindow must be a whole number ≥ 1, got ${s.window}`);
  return out;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

const clampAlpha = (s: BalanceSettings, a: number) => Math.min(s.alphaMax, Math.max(s.alphaMin, a));

/** grad: α(θ). */
export function gradRuleAlpha(s: BalanceSettings, theta: number): number {
  return s.alphaMin + (s.alphaMax - s.alphaMin) * sigmoid(theta);
}

/** grad: θ₀ with α(θ₀) = α₀. */
export function gradRuleInitialTheta(s: BalanceSettings): number {
  const p = (s.alpha0 - s.alphaMin) / (s.alphaMax - s.alphaMin);
  if (!(p > 0 && p < 1)) throw new Error(`α₀ = ${s.alpha0} must lie strictly between α_min = ${s.alphaMin} and α_max = ${s.alphaMax}`);
  return Math.log(p / (1 - p));
}

/** grad: dα/dθ. */
export function gradRuleAlphaSlope(s: BalanceSettings, theta: number): number {
  const p = sigmoid(theta);
  return (s.alphaMax - s.alphaMin) * p * (1 - p);
}

/** uncertainty: Kendall's objective K(s) for segment means L (what its update descends). */
export function uncertaintyObjective(logVarCot: number, logVarCall: number, lossCot: number, lossCall: number): number {
  return 0.5 * Math.exp(-logVarCot) * lossCot + 0.5 * Math.exp(-logVarCall) * lossCall + 0.5 * (logVarCot + logVarCall);
}

/** uncertainty: ∂K/∂s_k = ½(1 − e^{−s_k}·L_k). */
export function uncertaintyGradient(logVar: number, loss: number): number {
  return 0.5 * (1 - Math.exp(-logVar) * loss);
}

/** The largest change of one log-variance in one step: plain descent on an exponential has no
 * step limit of its own, and one early loss of 12 against s = 0 would otherwise jump s by 0.55·rate·10. */
const MAX_LOG_VAR_STEP = 1;

function dwaWindows(s: BalanceSettings, st: Extract<BalanceState, { rule: 'dwa' }>): { cot: number; call: number } | null {
  const W = s.window;
  if (st.cot.length < 2 * W) return null;
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const n = st.cot.length;
  // A window whose mean loss is 0 has nothing left to fall: its rate counts as 1.
  const ratio = (a: number[]) => {
    const before = mean(a.slice(n - 2 * W, n - W));
    return before > 0 ? mean(a.slice(n - W)) / before : 1;
  };
  return { cot: ratio(st.cot), call: ratio(st.call) };
}

/** dwa: α from the loss-descent rates r (see the top of the file). */
export function dwaAlpha(s: BalanceSettings, rateCot: number, rateCall: number): number {
  // Subtracting the larger exponent keeps exp() finite for any rates.
  const zc = rateCot / s.temperature;
  const zk = rateCall / s.temperature;
  const top = Math.max(zc, zk);
  const wc = s.alpha0 * Math.exp(zc - top);
  const wk = (1 - s.alpha0) * Math.exp(zk - top);
  return wc / (wc + wk);
}

export function initialBalanceState(s: BalanceSettings): BalanceState {
  switch (s.rule) {
    case 'grad':
      return { rule: 'grad', theta: { value: gradRuleInitialTheta(s), m: 0, v: 0, step: 0 } };
    case 'uncertainty':
      // e^{−s} = α₀ and 1 − α₀: the first step uses α₀.
      return { rule: 'uncertainty', logVarCot: -Math.log(s.alpha0), logVarCall: -Math.log(1 - s.alpha0) };
    case 'dwa':
      return { rule: 'dwa', cot: [], call: [] };
  }
}

/** The α a step uses under this state (before that step's update). */
export function balanceAlpha(s: BalanceSettings, st: BalanceState): number {
  switch (st.rule) {
    case 'grad':
      return gradRuleAlpha(s, st.theta.value);
    case 'uncertainty': {
      // Written as a sigmoid of the difference so neither exponential can overflow.
      return clampAlpha(s, sigmoid(st.logVarCall - st.logVarCot));
    }
    case 'dwa': {
      const r = dwaWindows(s, st);
      return r ? clampAlpha(s, dwaAlpha(s, r.cot, r.call)) : s.alpha0;
    }
  }
}

/** Where in the new range an α outside it starts (rebaseBalance): just inside the nearer bound. */
const REBASE_MARGIN = 0.01;

/** A state learned under `was` settings, to continue under `now` ones (another run's bounds: an HDR
 * or train run given other --alpha-min / --alpha-max than the run whose state it continues). grad
 * keeps only θ, and α(θ) depends on the bounds: θ is re-expressed so the first step's α is the one
 * the state stood for (moved inside the new bounds when it lies outside them); its Adam moments
 * stay. The other rules' α does not rest on a bounds-dependent parameter: kept as they are. */
export function rebaseBalance(st: BalanceState, was: BalanceSettings, now: BalanceSettings): BalanceState {
  if (st.rule !== 'grad' || (was.alphaMin === now.alphaMin && was.alphaMax === now.alphaMax)) return st;
  // A run.json that does not say its bounds (hand-written, or cut short) tells nothing to rebase by.
  if (!(Number.isFinite(was.alphaMin) && Number.isFinite(was.alphaMax) && was.alphaMin < was.alphaMax)) return st;
  // An α outside the new bounds starts just inside the nearer one (1% of the range): θ at a bound
  // itself is infinite, and one at σ(θ) = 1e-6 (θ ≈ −13.8) left α pinned there for the whole run,
  // θ's AdamW moving it about lr (0.01) a step.
  const p = Math.min(1 - REBASE_MARGIN, Math.max(REBASE_MARGIN, (gradRuleAlpha(was, st.theta.value) - now.alphaMin) / (now.alphaMax - now.alphaMin)));
  return { rule: 'grad', theta: { ...st.theta, value: Math.log(p / (1 - p)) } };
}

/** What one optimizer step tells the rule. */
export interface BalanceObservation {
  lossCot: number;
  lossCall: number;
  /** ∂L/∂α of the step (L_cot − L_call when both segments were present, else 0). */
  gradAlpha: number;
  /** Both segments had tokens in the step; a rule learns nothing from a step without both. */
  both: boolean;
}

export interface BalanceStepOptions {
  /** grad: θ's learning rate for this step (the rule's rate through the run's schedule). */
  scheduledLr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** The state after one optimizer step. */
export function stepBalance(s: BalanceSettings, st: BalanceState, o: BalanceObservation, opts: BalanceStepOptions): BalanceState {
  switch (st.rule) {
    case 'grad': {
      // Without both segments α is not in the step's loss: as PyTorch's Adam skips a parameter
      // with no gradient, θ keeps its value, moments and step (a zero gradient would still move it
      // by momentum, drifting α on data where many batches lack reasoning).
      if (!o.both) return st;
      const gradTheta = o.gradAlpha * gradRuleAlphaSlope(s, st.theta.value);
      return { rule: 'grad', theta: scalarAdamWStep(st.theta, gradTheta, { lr: opts.scheduledLr, beta1: opts.beta1, beta2: opts.beta2, eps: opts.eps, weightDecay: 0 }) };
    }
    case 'uncertainty': {
      if (!o.both) return st;
      const step = (logVar: number, loss: number) => logVar - Math.max(-MAX_LOG_VAR_STEP, Math.min(MAX_LOG_VAR_STEP, s.lr * uncertaintyGradient(logVar, loss)));
      return { rule: 'uncertainty', logVarCot: step(st.logVarCot, o.lossCot), logVarCall: step(st.logVarCall, o.lossCall) };
    }
    case 'dwa': {
      if (!o.both) return st;
      const keep = 2 * s.window;
      return { rule: 'dwa', cot: [...st.cot, o.lossCot].slice(-keep), call: [...st.call, o.lossCall].slice(-keep) };
    }
  }
}

/** A state read back from a checkpoint, or a description of what is wrong with it. */
export function parseBalanceState(v: unknown): BalanceState | string {
  const o = v as Record<string, unknown>;
  if (typeof o !== 'object' || o === null) return 'not an object';
  const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  switch (o.rule) {
    case 'grad': {
      const t = o.theta as ScalarAdamState;
      if (typeof t !== 'object' || t === null || ![t.value, t.m, t.v].every(finite) || !Number.isInteger(t.step) || t.step < 0) return 'grad: theta must be {value, m, v} finite and a whole step';
      return { rule: 'grad', theta: { value: t.value, m: t.m, v: t.v, step: t.step } };
    }
    case 'uncertainty':
      if (!finite(o.logVarCot) || !finite(o.logVarCall)) return 'uncertainty: logVarCot and logVarCall must be finite numbers';
      return { rule: 'uncertainty', logVarCot: o.logVarCot as number, logVarCall: o.logVarCall as number };
    case 'dwa': {
      const list = (x: unknown) => Array.isArray(x) && x.every((y) => finite(y) && (y as number) >= 0);
      if (!list(o.cot) || !list(o.call) || (o.cot as number[]).length !== (o.call as number[]).length) return 'dwa: cot and call must be equally long lists of losses ≥ 0';
      return { rule: 'dwa', cot: [...(o.cot as number[])], call: [...(o.call as number[])] };
    }
    default:
      return `unknown rule ${JSON.stringify(o.rule)}`;
  }
}

/** One line for a tooltip or a log: the rule's internal values. */
export function describeBalanceState(st: BalanceState): string {
  switch (st.rule) {
    case 'grad':
      return `θ = ${st.theta.value.toFixed(4)}`;
    case 'uncertainty':
      return `s_cot = ${st.logVarCot.toFixed(3)}, s_call = ${st.logVarCall.toFixed(3)}`;
    case 'dwa':
      return `${st.cot.length} steps of segment losses`;
  }
}
