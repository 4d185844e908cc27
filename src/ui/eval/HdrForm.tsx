// Settings of an HDR run (the paper's N samples at temperature T, rounds, retraining steps, replay)
// and its start button.
import { useFirstFieldProblem } from '../../state/fieldProblems.ts';
import { hdrNoFitText } from '../../state/hdrVerdict.ts';
import { useJobModelMissing, useJobs } from '../../state/jobStore.ts';
import { planPendingReason, useModel } from '../../state/modelStore.ts';
import { AdapterPicker } from '../shell/AdapterPicker.tsx';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { NumberField } from '../training/NumberField.tsx';
import { PlanFailedNote } from '../model/PlanFailedNote.tsx';
import { UnseenTokensNote } from '../training/UnseenTokensNote.tsx';

export function HdrForm({ datasetId, disabled }: { datasetId: string | null; disabled: boolean }) {
  const { hdrDraft: d, setHdrDraft, startHdr, running } = useJobs();
  const s = d.settings;
  const problem = useFirstFieldProblem(['hdr-']);
  // The memory plan's HDR verdict (the HDR form's run, answers and mining): Start is held with it, as
  // the Training form's is with training's, rather than refused by the job once pressed.
  const plan = useModel((p) => p.plan);
  const planShape = useModel((p) => p.planShape);
  const tooLong = plan && hdrNoFitText(plan, planShape, 'hdr-form');
  const planPending = useModel(planPendingReason);
  const modelMissing = useJobModelMissing(d.adapterRunId);
  const blocked = problem ? `Fix ${problem} first.` : (modelMissing ?? tooLong ?? planPending);
  const setS = (p: Partial<typeof s>) => setHdrDraft({ settings: { ...s, ...p } });
  return (
    // Not disabled while a job runs (that would drop the focus from Start HDR): the button is off instead.
    <fieldset className="stack" disabled={disabled}>
      <legend>Hard-case re-sampling (HDR)</legend>
      <p className="muted">Mine failures, sample N answers per hard case, keep those passing the gate, retrain, repeat.</p>
      <AdapterPicker id="hdr-adapter" value={d.adapterRunId} onChange={(adapterRunId) => setHdrDraft({ adapterRunId })} />
      <div className="configform">
        <NumberField id="hdr-mine" label="Examples to mine" value={d.mineLimit} min={1} integer step={1} onChange={(mineLimit) => setHdrDraft({ mineLimit })} />
        <NumberField id="hdr-eval" label="Eval examples (0 = skip)" value={d.evalLimit} min={0} integer step={1} onChange={(evalLimit) => setHdrDraft({ evalLimit })} />
        <NumberField id="hdr-n" label="Samples per hard case (N)" value={s.samplesPerCase} min={1} integer step={1} onChange={(samplesPerCase) => setS({ samplesPerCase })} />
        <NumberField id="hdr-temp" label="Temperature" value={s.temperature} min={0.05} step={0.05} onChange={(temperature) => setS({ temperature })} />
        <NumberField id="hdr-rounds" label="Max rounds" value={s.maxRounds} min={1} integer step={1} onChange={(maxRounds) => setS({ maxRounds })} />
        <NumberField id="hdr-steps" label="Retraining steps per round" value={s.stepsPerRound} min={1} integer step={1} onChange={(stepsPerRound) => setS({ stepsPerRound })} />
        <NumberField id="hdr-replay" label="Replay share" value={s.replayShare} min={0} max={0.95} step={0.05} onChange={(replayShare) => setS({ replayShare })} />
        <NumberField id="hdr-tokens" label="Max new tokens" value={s.maxNewTokens} min={1} integer step={1} onChange={(maxNewTokens) => setS({ maxNewTokens })} />
      </div>
      {/* Its runs retrain on the data, as the Training panel's would. */}
      {datasetId && <UnseenTokensNote datasetId={datasetId} />}
      <PlanFailedNote />
      <KeepFocusButton className="primary" data-testid="start-hdr" disabled={!!blocked || !!running} reasonId={blocked ? 'hdr-problem' : null} onClick={() => datasetId && void startHdr(datasetId)}>
        Start HDR
      </KeepFocusButton>
      {blocked && (
        <span className={blocked === planPending || blocked === modelMissing ? 'muted' : 'error'} id="hdr-problem">
          {blocked}
        </span>
      )}
    </fieldset>
  );
}
