// The ablation's settings: its name, the rules compared, the SSB + HDR arm, the evaluation and the
// HDR arm's rounds. The dataset and model it runs on, and what every arm shares, come from the
// Dataset, Model and Training panels: shown here with the way back to the Training panel, and what
// all of it costs in training steps and answers.
import { ablationArmIds, ablationDraftProblem, ablationDraftWork, alphaStartText, loraText, useJobs } from '../../state/jobStore.ts';
import { useDatasets } from '../../state/datasetStore.ts';
import { useDatasetSummary } from '../../state/exampleRows.ts';
import { BALANCE_RULES, draftProblem, useRuns, type BalanceRule } from '../../state/runStore.ts';
import { useSeqLenFollowsData } from '../../state/seqLenFollowsData.ts';
import { useFirstFieldProblem } from '../../state/fieldProblems.ts';
import { NumberField } from '../training/NumberField.tsx';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { planPendingReason, useModel } from '../../state/modelStore.ts';
import { modelRefWords } from '../../worker/protocol.ts';
import { PlanFailedNote } from '../model/PlanFailedNote.tsx';
import { hdrNoFitText } from '../../state/hdrVerdict.ts';
import { nothingToTrainReason, useTruncation } from '../../state/datasetViews.ts';
import { heldOutChanceNote } from '../../eval/pairedTest.ts';
import { plural } from '../format.ts';
import { UnseenTokensNote } from '../training/UnseenTokensNote.tsx';

export function AblationForm({ datasetId, disabled, onOpenTraining }: { datasetId: string | null; disabled: boolean; onOpenTraining?: () => void }) {
  const d = useJobs((s) => s.ablationDraft);
  const set = useJobs((s) => s.setAblationDraft);
  const start = useJobs((s) => s.startAblation);
  const running = useJobs((s) => s.running);
  const training = useRuns((s) => s.draft);
  // Every arm trains the loaded model: the shared settings are checked against it as the Training panel's are.
  const model = useModel((s) => s.info);
  const toggle = (rule: BalanceRule) => {
    const rules = d.rules.includes(rule) ? d.rules.filter((r) => r !== rule) : BALANCE_RULES.filter((r) => r === rule || d.rules.includes(r));
    set({ rules, hdrRule: d.hdrRule && rules.includes(d.hdrRule) ? d.hdrRule : null });
  };
  const arms = ablationArmIds(d, training);
  // The held-out examples in use (evaluated when held out): what every arm answers, up to the limit.
  const dataset = useDatasets((s) => s.datasets.find((x) => x.id === datasetId));
  const counts = useDatasetSummary(dataset).value;
  const heldOut = counts ? (counts.evaluated ?? counts.included - counts.trainIncluded) : null;
  const fieldProblem = useFirstFieldProblem(['abl-']);
  const configProblem = draftProblem(training, model);
  const ablationProblem = configProblem ? null : ablationDraftProblem(d, training);
  // Its arms train at the Training form's length, which follows the data there too.
  const seqLen = useSeqLenFollowsData(datasetId);
  // Every arm would fail before its first step: the Training panel's Start says the same.
  const truncation = useTruncation(datasetId, seqLen).value;
  const nothingFits = truncation && nothingToTrainReason(truncation.report, seqLen, { field: 'the Training panel’s Sequence length' });
  // The memory plan's verdicts on the ablation's own start (the Ablation panel plans it as the store's
  // start does: its arms with the Training panel's settings, its decoding, the SSB + HDR arm's
  // retraining at its own length): Start is held with them, as the HDR form's is, rather than the job
  // refusing the ablation once pressed, or an arm failing on the GPU; and held by nothing the store's
  // start would let run.
  const plan = useModel((s) => s.plan);
  const planShape = useModel((s) => s.planShape);
  const planPending = useModel(planPendingReason);
  const memoryProblem = !plan ? null : !plan.fits ? `The arms do not fit this GPU: ${plan.problems[0]}. They train with the Training panel's settings; the Model panel says what would fit.` : d.hdrRule ? hdrNoFitText(plan, planShape, 'ablation-arm') : null;
  const problem = fieldProblem ? `Fix ${fieldProblem} first.` : configProblem ? `Fix the Training panel's configuration first: ${configProblem}.` : ablationProblem ? `${ablationProblem[0].toUpperCase()}${ablationProblem.slice(1)}.` : (nothingFits ?? memoryProblem ?? planPending);
  return (
    // Not disabled while a job runs (that would drop the focus from its button): the button is off instead.
    <fieldset className="stack" disabled={disabled} data-testid="ablation-form">
      <legend>Arms and evaluation</legend>
      <p data-testid="ablation-target">
        Dataset: <strong>{dataset?.name ?? 'none'}</strong> · Model: <strong>{model?.ref ? modelRefWords(model.ref) : 'none'}</strong>
      </p>
      <p className="muted" data-testid="ablation-shared">
        Every arm trains with the Training panel's settings: {plural(training.steps, 'step')}, batch {training.batchSize}, sequence {seqLen}, learning rate {training.lr}, {loraText(training.lora)}, seed {training.seed};{' '}
        {alphaStartText(training)}.{' '}
        {onOpenTraining && (
          <button type="button" className="link" onClick={onOpenTraining} data-testid="ablation-open-training">
            Change them in the Training panel
          </button>
        )}
      </p>
      <div className="configform">
        <div className="field">
          <label htmlFor="abl-name">Name</label>
          <input id="abl-name" value={d.name} onChange={(e) => set({ name: e.target.value })} />
        </div>
        <fieldset className="field targets">
          <legend>SSB rules compared</legend>
          {BALANCE_RULES.map((r) => (
            <label key={r} className="check">
              <input type="checkbox" checked={d.rules.includes(r)} onChange={() => toggle(r)} /> {r}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="abl-hdr-rule">SSB + HDR arm from</label>
          <select id="abl-hdr-rule" value={d.hdrRule ?? ''} onChange={(e) => set({ hdrRule: (e.target.value || null) as BalanceRule | null })}>
            <option value="">no HDR arm</option>
            {d.rules.map((r) => (
              <option key={r} value={r}>
                ssb:{r}
              </option>
            ))}
          </select>
        </div>
        <NumberField id="abl-eval" label="Held-out examples" value={d.evalLimit} min={1} integer step={1} onChange={(evalLimit) => set({ evalLimit })} />
        <NumberField id="abl-tokens" label="Max new tokens" value={d.maxNewTokens} min={1} integer step={1} onChange={(maxNewTokens) => set({ maxNewTokens })} />
        <NumberField id="abl-batch" label="Answers at once" value={d.batchSize} min={1} integer step={1} onChange={(batchSize) => set({ batchSize })} />
        {d.hdrRule && (
          <>
            <NumberField id="abl-hdr-rounds" label="HDR rounds" value={d.hdrRounds} min={1} integer step={1} onChange={(hdrRounds) => set({ hdrRounds })} />
            <NumberField id="abl-hdr-samples" label="Samples per hard case" value={d.hdrSamples} min={1} integer step={1} onChange={(hdrSamples) => set({ hdrSamples })} />
            <NumberField id="abl-hdr-steps" label="Retraining steps per round" value={d.hdrStepsPerRound} min={1} integer step={1} onChange={(hdrStepsPerRound) => set({ hdrStepsPerRound })} />
            <NumberField id="abl-hdr-mine" label="Examples to mine" value={d.hdrMineLimit} min={1} integer step={1} onChange={(hdrMineLimit) => set({ hdrMineLimit })} />
          </>
        )}
      </div>
      <p className="muted" data-testid="ablation-arms">
        {arms.length} arms: {arms.join(', ')}
      </p>
      <p className="muted" data-testid="ablation-work">
        {ablationDraftWork(d, training, heldOut)}
      </p>
      <p className="muted small" data-testid="ablation-held-out-note">
        {heldOutChanceNote(heldOut === null ? d.evalLimit : Math.min(d.evalLimit, heldOut))}
      </p>
      {/* Its runs retrain on the data, as the Training panel's would. */}
      {datasetId && <UnseenTokensNote datasetId={datasetId} />}
      <PlanFailedNote />
      <div className="row">
        <KeepFocusButton className="primary" data-testid="start-ablation" disabled={!!problem || !!running} reasonId={problem ? 'ablation-problem' : null} onClick={() => datasetId && void start(datasetId)}>
          Run the ablation
        </KeepFocusButton>
        {problem && (
          <span className={problem === planPending ? 'muted' : 'error'} id="ablation-problem">
            {problem}
          </span>
        )}
      </div>
    </fieldset>
  );
}
