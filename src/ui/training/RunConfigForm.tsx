// The run configuration form: loss (ssb with its balance rule / sft / fixed weight), LoRA rank/alpha/targets, learning
// rate and schedule, batch, sequence length, recompute, steps, eval and checkpoint cadence, whether
// the run keeps its best step, seed.
// Every field has a label and says beside it what is wrong with what was typed; the panel checks
// the whole configuration (as the run will) before it starts one.
import { LORA_TARGETS, useRuns, type LoraTarget, type ScheduleKind } from '../../state/runStore.ts';
import { useModel } from '../../state/modelStore.ts';
import { NumberField } from './NumberField.tsx';
import { BalanceFields } from './BalanceFields.tsx';
import { StartFromField } from './StartFromField.tsx';
import { useRunSeqLen } from '../../state/seqLenFollowsData.ts';

const SCHEDULES: ScheduleKind[] = ['cosine', 'linear', 'constant'];

export function RunConfigForm({ disabled, datasetId = null }: { disabled: boolean; datasetId?: string | null }) {
  const draft = useRuns((s) => s.draft);
  const seqLen = useRunSeqLen(datasetId);
  // Started from another run's adapter, the run's LoRA settings are that adapter's.
  const loraHeld = useRuns((s) => s.startFrom !== null && s.runs.some((r) => r.id === s.startFrom));
  const update = useRuns((s) => s.updateDraft);
  const chooseSeqLen = useRuns((s) => s.chooseSeqLen);
  // The loaded model's positions bound the sequence length (a draft kept from another may pass them).
  const context = useModel((s) => s.info?.maxPositionEmbeddings);
  const lossKind = draft.loss.startsWith('fixed:') ? 'fixed' : draft.loss;
  const fixedAlpha = draft.loss.startsWith('fixed:') ? Number(draft.loss.slice(6)) : 0.5;
  const toggleTarget = (t: LoraTarget) => {
    const has = draft.lora.targets.includes(t);
    const targets = has ? draft.lora.targets.filter((x) => x !== t) : LORA_TARGETS.filter((x) => x === t || draft.lora.targets.includes(x));
    update({ lora: { ...draft.lora, targets } });
  };
  return (
    <fieldset className="configform" disabled={disabled} data-testid="run-config">
      <legend>Run configuration</legend>
      <div className="field">
        <label htmlFor="cfg-loss" title="SSB: BalanceSFT's loss, α·(reasoning loss) + (1 − α)·(call loss) with α learned. SFT: the plain mean over all target tokens. Fixed α: SSB's mix with α held.">
          Loss
        </label>
        <select id="cfg-loss" value={lossKind} onChange={(e) => update({ loss: e.target.value === 'fixed' ? `fixed:${fixedAlpha}` : e.target.value })}>
          <option value="ssb">SSB (learned α)</option>
          <option value="sft">SFT (plain mean)</option>
          <option value="fixed">Fixed α</option>
        </select>
      </div>
      {lossKind === 'fixed' && <NumberField id="cfg-fixed" label="Fixed α (weight on reasoning)" value={fixedAlpha} step={0.05} min={0} max={1} onChange={(v) => update({ loss: `fixed:${v}` })} />}
      {lossKind === 'ssb' && <BalanceFields />}
      <NumberField id="cfg-steps" label="Steps" value={draft.steps} min={1} integer step={1} onChange={(steps) => update({ steps })} />
      <NumberField id="cfg-batch" label="Batch (examples)" value={draft.batchSize} min={1} integer step={1} onChange={(batchSize) => update({ batchSize })} />
      <NumberField id="cfg-accum" label="Gradient accumulation" value={draft.gradAccum} min={1} integer step={1} onChange={(gradAccum) => update({ gradAccum })} />
      {/* Typed, the length is the user's: it no longer follows the dataset's suggestion. */}
      <NumberField id="cfg-seqlen" label="Sequence length (tokens)" value={seqLen} min={16} max={context} integer step={16} onChange={chooseSeqLen} />
      <NumberField id="cfg-lr" label="Learning rate" value={draft.lr} above={0} step="any" onChange={(lr) => update({ lr })} />
      <div className="field">
        <label htmlFor="cfg-schedule">Schedule</label>
        <select id="cfg-schedule" value={draft.schedule} onChange={(e) => update({ schedule: e.target.value as ScheduleKind })}>
          {SCHEDULES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <NumberField id="cfg-warmup" label="Warm-up steps" value={draft.warmupSteps} min={0} integer step={1} onChange={(warmupSteps) => update({ warmupSteps })} />
      {draft.warmupSteps > draft.steps && (
        <p className="note small" data-testid="warmup-note">
          Warm-up of {draft.warmupSteps} steps is longer than the run’s {draft.steps}: the learning rate never reaches {draft.lr}.
        </p>
      )}
      <StartFromField datasetId={datasetId} />
      <NumberField id="cfg-rank" label="LoRA rank" value={draft.lora.rank} min={1} integer step={1} disabled={loraHeld} onChange={(rank) => update({ lora: { ...draft.lora, rank } })} />
      <NumberField id="cfg-alpha" label="LoRA alpha" value={draft.lora.alpha} above={0} step={1} disabled={loraHeld} onChange={(alpha) => update({ lora: { ...draft.lora, alpha } })} />
      <fieldset className="field targets" disabled={loraHeld}>
        <legend>LoRA targets</legend>
        {LORA_TARGETS.map((t) => (
          <label key={t} className="check">
            <input type="checkbox" checked={draft.lora.targets.includes(t)} onChange={() => toggleTarget(t)} /> {t}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label className="check">
          <input type="checkbox" checked={draft.recompute} onChange={(e) => update({ recompute: e.target.checked })} /> Recompute activations (less memory, slower)
        </label>
      </div>
      <NumberField id="cfg-eval" label="Eval loss every (steps, 0 = never)" value={draft.evalEvery} min={0} integer step={1} onChange={(evalEvery) => update({ evalEvery })} />
      <NumberField id="cfg-evaln" label="Eval examples" value={draft.evalExamples} min={1} integer step={1} onChange={(evalExamples) => update({ evalExamples })} />
      <NumberField id="cfg-ckpt" label="Checkpoint every (steps)" value={draft.checkpointEvery} min={0} integer step={1} onChange={(checkpointEvery) => update({ checkpointEvery })} />
      <div className="field">
        <label className="check" title="When the run ends (or is stopped), its adapter and checkpoint are those of the evaluated step with the lowest held-out loss per token, not of its last step: past that step the adapter was learning its training examples rather than the task. Its curves still show every step.">
          <input id="cfg-keep-best" type="checkbox" checked={draft.keepBest ?? false} onChange={(e) => update({ keepBest: e.target.checked, ...(e.target.checked ? {} : { patience: 0 }) })} /> Keep the best step (lowest held-out loss), not the last
        </label>
      </div>
      {draft.keepBest && (
        <NumberField id="cfg-patience" label="Stop after (evaluations without a lower loss, 0 = never)" value={draft.patience ?? 0} min={0} integer step={1} onChange={(patience) => update({ patience })} />
      )}
      <NumberField id="cfg-seed" label="Seed" value={draft.seed} min={0} integer step={1} onChange={(seed) => update({ seed })} />
    </fieldset>
  );
}
