// How SSB learns α: the balance rule, α₀ and its bounds, and the rule's own rate (θ's learning rate,
// the log-variance step, or DWA's temperature and window), each with what it does in words. The
// help says plainly that `grad`, the paper's literal rule, only drifts toward the lower loss.
import { BALANCE_DEFAULTS, BALANCE_RULES, defaultBalanceLr, useRuns, type BalanceRule } from '../../state/runStore.ts';
import { NumberField } from './NumberField.tsx';

const RULES: Record<BalanceRule, { label: string; help: string }> = {
  grad: {
    label: 'grad: descent on α (the paper’s literal rule)',
    help: 'The default, as the paper states it. Its gradient on α is the reasoning loss minus the call loss (∂L/∂α = L_cot − L_call), so α always moves toward whichever part already has the lower loss, to a bound at a large rate, and at the LoRA learning rate it hardly moves: it does not by itself favour the call. The other rules react to how the losses change; the Ablation panel compares them on your data.',
  },
  uncertainty: {
    label: 'uncertainty: learned per-segment variances',
    help: 'Kendall et al. 2018: a log-variance per segment is learned with Kendall’s objective; α settles where each segment weighs 1/its loss (α = L_call / (L_cot + L_call)), inside the bounds: the segment the model predicts better gets more weight, and α stays put once the losses are steady.',
  },
  dwa: {
    label: 'DWA: weight the segment that learns slower',
    help: 'Dynamic Weight Average (Liu et al. 2019): compares each segment’s mean loss over the last W steps with the W before; the one falling slower gets more weight, the more so the lower T. α₀ for the first 2W steps.',
  },
};

export function BalanceFields() {
  const draft = useRuns((s) => s.draft);
  const update = useRuns((s) => s.updateDraft);
  const rule = draft.balanceRule ?? 'grad';
  return (
    <fieldset className="field balance" data-testid="balance-fields">
      <legend>How α is learned</legend>
      <div className="field">
        <label htmlFor="cfg-rule">Balance rule</label>
        <select id="cfg-rule" value={rule} onChange={(e) => update({ balanceRule: e.target.value as BalanceRule, balanceLr: defaultBalanceLr(e.target.value as BalanceRule) })}>
          {BALANCE_RULES.map((r) => (
            <option key={r} value={r}>
              {RULES[r].label}
            </option>
          ))}
        </select>
        <p className="muted" data-testid="rule-help">
          {RULES[rule].help}
        </p>
      </div>
      <NumberField id="cfg-alpha0" label="α₀ (start)" value={draft.alpha0} min={0} max={1} step={0.05} onChange={(alpha0) => update({ alpha0 })} />
      <NumberField id="cfg-alphamin" label="α min" value={draft.alphaMin} min={0} max={1} step={0.05} onChange={(alphaMin) => update({ alphaMin })} />
      <NumberField id="cfg-alphamax" label="α max" value={draft.alphaMax} min={0} max={1} step={0.05} onChange={(alphaMax) => update({ alphaMax })} />
      {rule === 'dwa' ? (
        <>
          <NumberField id="cfg-dwa-t" label="Temperature T" value={draft.balanceTemperature ?? BALANCE_DEFAULTS.dwaTemperature} above={0} step={0.05} onChange={(balanceTemperature) => update({ balanceTemperature })} />
          <NumberField id="cfg-dwa-w" label="Window W (steps)" value={draft.balanceWindow ?? BALANCE_DEFAULTS.dwaWindow} min={1} integer step={1} onChange={(balanceWindow) => update({ balanceWindow })} />
        </>
      ) : (
        <NumberField
          id="cfg-balance-lr"
          label={rule === 'grad' ? 'α’s learning rate (θ)' : 'Log-variance step'}
          value={draft.balanceLr ?? defaultBalanceLr(rule)}
          above={0}
          step="any"
          onChange={(balanceLr) => update({ balanceLr })}
        />
      )}
    </fieldset>
  );
}
