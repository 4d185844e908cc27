// The balance rules (src/train/balance.ts): each starts at α₀ and stays within its bounds; grad's
// θ-gradient and uncertainty's log-variance gradient match central finite differences of the
// objectives they descend; DWA matches the paper's formula computed by hand; and on the issue's
// case (L_cot = 1.2, L_call = 0.3 held fixed) grad crawls at the LoRA rate and slides to a bound
// at a larger one, while uncertainty settles inside the bounds at L_call / (L_cot + L_call).
import { describe, expect, it } from 'vitest';
import {
  BALANCE_DEFAULTS,
  balanceAlpha,
  balanceSettingsProblems,
  dwaAlpha,
  gradRuleAlpha,
  rebaseBalance,
  gradRuleAlphaSlope,
  initialBalanceState,
  parseBalanceState,
  stepBalance,
  uncertaintyGradient,
  uncertaintyObjective,
  type BalanceRule,
  type BalanceSettings,
  type BalanceState,
} from '../../src/train/balance.ts';
import { lossValue } from '../../src/train/ssb.ts';
import { balanceSettingsOf, DEFAULT_RUN_CONFIG, validateRunConfig } from '../../src/train/config.ts';

const settings = (rule: BalanceRule, patch: Partial<BalanceSettings> = {}): BalanceSettings => ({
  rule,
  alpha0: 0.7,
  alphaMin: 0.05,
  alphaMax: 0.95,
  lr: rule === 'uncertainty' ? BALANCE_DEFAULTS.uncertaintyLr : BALANCE_DEFAULTS.gradLr,
  temperature: BALANCE_DEFAULTS.dwaTemperature,
  window: BALANCE_DEFAULTS.dwaWindow,
  ...patch,
});
const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
const observe = (lossCot: number, lossCall: number) => ({ lossCot, lossCall, gradAlpha: lossCot - lossCall, both: true });

/** α after each of `steps` steps with the given segment losses per step. */
function alphaPath(s: BalanceSettings, losses: (step: number) => [number, number], steps: number, lr = s.lr): number[] {
  let st: BalanceState = initialBalanceState(s);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const [cot, call] = losses(i);
    st = stepBalance(s, st, observe(cot, call), { ...adam, scheduledLr: lr });
    out.push(balanceAlpha(s, st));
  }
  return out;
}

// Central differences in f64 with h = 1e-6 leave about 1e-9 of truncation and rounding error on
// these smooth scalar functions; 7 digits is far above that and far below any wrong formula.
const FD_DIGITS = 7;
const central = (f: (x: number) => number, x: number, h = 1e-6) => (f(x + h) - f(x - h)) / (2 * h);

describe('balance rules', () => {
  it('every rule starts at α₀', () => {
    for (const rule of ['grad', 'uncertainty', 'dwa'] as const) {
      for (const alpha0 of [0.3, 0.7]) {
        const s = settings(rule, { alpha0 });
        expect(balanceAlpha(s, initialBalanceState(s)), rule).toBeCloseTo(alpha0, 12);
      }
    }
  });

  it('grad: ∂L/∂θ = (L_cot − L_call)·dα/dθ matches a finite difference of the SSB loss in θ', () => {
    const s = settings('grad');
    const totals = { nllCot: 350 * 2.0, nllCall: 30 * 0.5, nCot: 350, nCall: 30 };
    for (const theta of [-2, -0.1, 0.5, 3]) {
      const loss = (t: number) => lossValue({ kind: 'ssb' }, gradRuleAlpha(s, t), totals).loss;
      expect(lossValue({ kind: 'ssb' }, gradRuleAlpha(s, theta), totals).gradAlpha * gradRuleAlphaSlope(s, theta)).toBeCloseTo(central(loss, theta), FD_DIGITS);
    }
  });

  it('grad is degenerate: it crawls at the LoRA rate and slides to the bound of the lower-loss segment at a larger one', () => {
    const s = settings('grad');
    const crawl = alphaPath(s, () => [1.2, 0.3], 100, 2e-4);
    expect(0.7 - crawl.at(-1)!).toBeLessThan(0.005);
    const slide = alphaPath(s, () => [1.2, 0.3], 2000, 0.05);
    expect(slide.every((a, i) => i === 0 || a <= slide[i - 1])).toBe(true);
    expect(slide.at(-1)!).toBeLessThan(0.1);
    expect(Math.min(...slide)).toBeGreaterThanOrEqual(s.alphaMin);
  });

  it('uncertainty: ∂K/∂s matches a finite difference of Kendall’s objective', () => {
    for (const [sCot, sCall, lCot, lCall] of [[0.3, 1.2, 1.2, 0.3], [-1, 2, 5, 0.01], [2.5, 2.5, 11.9, 11.9]]) {
      expect(uncertaintyGradient(sCot, lCot)).toBeCloseTo(central((x) => uncertaintyObjective(x, sCall, lCot, lCall), sCot), FD_DIGITS);
      expect(uncertaintyGradient(sCall, lCall)).toBeCloseTo(central((x) => uncertaintyObjective(sCot, x, lCot, lCall), sCall), FD_DIGITS);
    }
  });

  it('uncertainty settles inside the bounds at α* = L_call / (L_cot + L_call), whichever segment is harder', () => {
    const s = settings('uncertainty');
    for (const [cot, call] of [[1.2, 0.3], [0.3, 1.2]]) {
      const path = alphaPath(s, () => [cot, call], 300);
      expect(path.at(-1)!).toBeCloseTo(call / (cot + call), 4);
      expect(Math.abs(path[19] - 0.7)).toBeGreaterThan(0.02);
    }
    // Equal losses: equal weights (α₀ was only the start).
    expect(alphaPath(s, () => [2, 2], 300).at(-1)!).toBeCloseTo(0.5, 4);
    // A bound holds when the optimum lies outside it.
    expect(alphaPath(settings('uncertainty', { alphaMin: 0.3 }), () => [3, 0.1], 300).at(-1)!).toBe(0.3);
  });

  it('dwa: α₀ for the first two windows, then the paper’s softmax of loss-descent rates over T', () => {
    const s = settings('dwa', { window: 2, temperature: 0.5 });
    // cot: 4, 4 | 3.8, 3.8 (r = 0.95); call: 2, 2 | 1.6, 1.6 (r = 0.8): the call learns faster.
    const losses: Array<[number, number]> = [[4, 2], [4, 2], [3.8, 1.6], [3.8, 1.6], [3.8, 1.6]];
    const path = alphaPath(s, (i) => losses[i], losses.length);
    expect(path.slice(0, 3)).toEqual([0.7, 0.7, 0.7]);
    const byHand = (0.7 * Math.exp(0.95 / 0.5)) / (0.7 * Math.exp(0.95 / 0.5) + 0.3 * Math.exp(0.8 / 0.5));
    expect(path[3]).toBeCloseTo(byHand, 12);
    expect(path[3]).toBeGreaterThan(0.72); // the slower segment, the reasoning, gains weight
    // Window 3..4 against 1..2: cot 3.8/3.9, call 1.6/1.8.
    const r = [3.8 / 3.9, 1.6 / 1.8];
    expect(path[4]).toBeCloseTo(dwaAlpha(s, r[0], r[1]), 12);
    // Equal rates leave α at α₀; a huge difference is clamped to a bound.
    expect(dwaAlpha(s, 0.9, 0.9)).toBeCloseTo(0.7, 12);
    expect(alphaPath(settings('dwa', { window: 1, temperature: 0.01 }), (i) => (i === 0 ? [1, 1] : [1, 0.5]), 2).at(-1)).toBe(0.95);
  });

  it('a step without both segments teaches no rule anything', () => {
    for (const rule of ['grad', 'uncertainty', 'dwa'] as const) {
      const s = settings(rule);
      const st = initialBalanceState(s);
      const next = stepBalance(s, st, { lossCot: 3, lossCall: 0, gradAlpha: 0, both: false }, { ...adam, scheduledLr: 0.1 });
      expect(balanceAlpha(s, next)).toBeCloseTo(0.7, 12);
      // Also after a step that taught it something: grad's θ has momentum then, and a step without
      // both segments must not spend it (nor count as one of Adam's steps).
      const taught = stepBalance(s, st, observe(3, 1), { ...adam, scheduledLr: 0.1 });
      let idle = taught;
      for (let i = 0; i < 10; i++) idle = stepBalance(s, idle, { lossCot: 0, lossCall: 1, gradAlpha: 0, both: false }, { ...adam, scheduledLr: 0.1 });
      expect(idle).toEqual(taught);
    }
  });

  it('states round-trip through JSON and broken ones are refused by name', () => {
    for (const rule of ['grad', 'uncertainty', 'dwa'] as const) {
      const s = settings(rule, { window: 1 });
      let st = initialBalanceState(s);
      for (let i = 0; i < 3; i++) st = stepBalance(s, st, observe(2 - i / 10, 1), { ...adam, scheduledLr: 0.01 });
      expect(parseBalanceState(JSON.parse(JSON.stringify(st)))).toEqual(st);
    }
    expect(parseBalanceState({ rule: 'uncertainty', logVarCot: null, logVarCall: 1 })).toMatch(/finite/);
    expect(parseBalanceState({ rule: 'dwa', cot: [1, 2], call: [1] })).toMatch(/equally long/);
    expect(parseBalanceState({ rule: 'focal' })).toMatch(/unknown rule "focal"/);
  });

  it('run configs name the rule, its rate and bounds; older configs mean grad at the LoRA rate', () => {
    const { balanceRule: _r, balanceLr: _l, balanceTemperature: _t, balanceWindow: _w, ...older } = DEFAULT_RUN_CONFIG;
    expect(balanceSettingsOf(older)).toMatchObject({ rule: 'grad', lr: older.lr, alpha0: 0.7 });
    expect(balanceSettingsOf({ ...older, balanceRule: 'uncertainty' }).lr).toBe(BALANCE_DEFAULTS.uncertaintyLr);
    expect(() => validateRunConfig({ ...DEFAULT_RUN_CONFIG, balanceRule: 'focal' as BalanceRule })).toThrow(/balanceRule must be one of grad, uncertainty, dwa/);
    expect(() => validateRunConfig({ ...DEFAULT_RUN_CONFIG, balanceWindow: 0 })).toThrow(/balanceWindow must be a whole number ≥ 1/);
    expect(() => validateRunConfig({ ...DEFAULT_RUN_CONFIG, alpha0: 0.99 })).toThrow(/alphaMin < alpha0 < alphaMax/);
    // Generators keep 32 bits of the seed: 2^32 + 1 would train exactly as seed 1.
    expect(() => validateRunConfig({ ...DEFAULT_RUN_CONFIG, seed: 2 ** 32 + 1 })).toThrow('run config: seed must be a whole number from 0 to 4,294,967,295, got 4294967297');
    expect(() => validateRunConfig({ ...DEFAULT_RUN_CONFIG, seed: 2 ** 32 - 1 })).not.toThrow();
    expect(balanceSettingsProblems(settings('dwa', { temperature: 0 }))).toEqual(['balanceTemperature must be a positive number, got 0']);
  });
});

describe('a balance state continued under other bounds', () => {
  const bounds = (alphaMin: number, alphaMax: number) => settings('grad', { alphaMin, alphaMax });
  it('grad: θ is re-expressed so α goes on where it was (it jumped: θ alone, read with the new bounds)', () => {
    const was = bounds(0.05, 0.95);
    const now = bounds(0.3, 0.9);
    const st: BalanceState = { rule: 'grad', theta: { value: 0.8, m: 0.02, v: 0.003, step: 9 } };
    const alpha = balanceAlpha(was, st);
    const moved = rebaseBalance(st, was, now);
    expect(balanceAlpha(now, moved)).toBeCloseTo(alpha, 12);
    expect(moved).toMatchObject({ theta: { m: 0.02, v: 0.003, step: 9 } });
    // α outside the new bounds starts just inside the nearest one (1% of the range), where θ's
    // AdamW (about 0.01 a step) can still move it off within a run; the same bounds change nothing.
    const low: BalanceState = { rule: 'grad', theta: { value: -4, m: 0, v: 0, step: 1 } };
    const rebased = rebaseBalance(low, was, now);
    expect(balanceAlpha(now, rebased)).toBeCloseTo(0.3 + 0.01 * 0.6, 9);
    expect(rebased.rule === 'grad' && rebased.theta.value).toBeGreaterThan(-5);
    expect(rebaseBalance(st, was, bounds(0.05, 0.95))).toBe(st);
    // A run.json without bounds: kept as it is, never a NaN θ.
    expect(rebaseBalance(st, { ...was, alphaMin: undefined as unknown as number }, now)).toBe(st);
  });
});
