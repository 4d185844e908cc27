// The Training panel: the run configuration, what will be trained on what, and start / resume.
// Pause and stop live in the run strip above every panel while a run trains.
import { useDatasets } from '../../state/datasetStore.ts';
import { useSeqLenFollowsData } from '../../state/seqLenFollowsData.ts';
import { nothingToTrainReason, useTruncation } from '../../state/datasetViews.ts';
import { useRestartHeld } from '../../state/restartHeld.ts';
import { planPendingReason, useModel } from '../../state/modelStore.ts';
import { canResume, draftProblem, resumeLabel, startingRunReason, useRuns } from '../../state/runStore.ts';
import { startRefusal } from '../../state/startPlan.ts';
import { useFirstFieldProblem } from '../../state/fieldProblems.ts';
import { useGpuBusyReason, useJobs, useResumeHeld, useTrainingElsewhere } from '../../state/jobStore.ts';
import { Alert } from '../shell/Alert.tsx';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { formatBytes } from '../format.ts';
import { RunConfigForm } from './RunConfigForm.tsx';
import { TruncationNote } from './TruncationNote.tsx';
import { RunLengthNote } from './RunLengthNote.tsx';
import { ReasoningNote } from './ReasoningNote.tsx';
import { UnseenTokensNote } from './UnseenTokensNote.tsx';
import { usePlanFollowsDraft } from '../model/usePlanFollowsDraft.ts';
import { PlanFailedNote } from '../model/PlanFailedNote.tsx';
import { modelRefWords } from '../../worker/protocol.ts';

export function TrainingPanel({ onOpenDashboard }: { onOpenDashboard: () => void }) {
  const datasets = useDatasets((s) => s.datasets);
  const datasetId = useDatasets((s) => s.selectedId);
  const model = useModel((s) => s.info);
  const plan = useModel((s) => s.plan);
  const planPending = useModel(planPendingReason);
  const { active, error, notice, runs, selectedRunId, startRun, resumeRun, dismissError, checkpointSteps } = useRuns();
  usePlanFollowsDraft();
  const dataset = datasets.find((d) => d.id === datasetId);
  const selected = runs.find((r) => r.id === selectedRunId);
  const trainingNow = useRuns((s) => s.trainingNow);
  // A start on its way (this form's, the guided demo's, a resume): the run strip has its Cancel.
  const startingReason = useRuns((s) => startingRunReason(s.startWaiting));
  const starting = startingReason !== null;
  const jobRows = useJobs((s) => s.rows);
  const resumable = selected && canResume(selected, active?.runId ?? null, jobRows, trainingNow);

  const fieldProblem = useFirstFieldProblem(['cfg-']);
  const configProblem = useRuns((s) => draftProblem(s.draft, model));
  const draft = useRuns((s) => s.draft);
  // The note below counts the same (datasetFits, counted once in the worker); until then nothing holds Start.
  const seqLen = useSeqLenFollowsData(dataset?.id ?? null);
  const truncation = useTruncation(dataset?.id ?? null, seqLen).value;
  const nothingFits = truncation && nothingToTrainReason(truncation.report, seqLen);
  const missing = !dataset ? 'Import a dataset first (drop a file anywhere on the page).' : !model ? 'Load a model first (Model panel; the embedded one works offline).' : plan && !plan.fits ? startRefusal(plan, { job: 'training', config: draft }) : null;
  const gpuBusy = useGpuBusyReason();
  const trainingElsewhere = useTrainingElsewhere();
  // The plan on its way comes last: it lasts a moment, and what holds the GPU or needs fixing says more.
  // A start on its way comes first: it is why the button is off, and it ends in a moment or by Cancel.
  const blocked = startingReason ?? missing ?? gpuBusy ?? trainingElsewhere ?? (fieldProblem ? `Fix ${fieldProblem} first.` : configProblem ? `Fix the configuration first: ${configProblem}.` : (nothingFits ?? planPending));
  // A resume takes the run's own settings, dataset and model: only what holds the GPU holds it.
  const gpuHeld = useResumeHeld();
  // Without a checkpoint it starts again from step 0 with its own settings: held where they fit nothing.
  const restartHeld = useRestartHeld(selected, !!selected && checkpointSteps.get(selected.id) === undefined);
  const resumeHeld = gpuHeld ?? restartHeld;

  return (
    <section className="panel" aria-labelledby="train-title" data-testid="training-panel">
      <h2 id="train-title" tabIndex={-1}>Training</h2>
      {error && <Alert message={error} onDismiss={dismissError} testId="run-error" />}
      {notice && <Alert kind="notice" message={notice} onDismiss={dismissError} />}
      <p>
        Dataset: <strong>{dataset ? `${dataset.name} (${dataset.exampleCount} examples)` : 'none'}</strong> · Model: <strong>{model?.ref ? modelRefWords(model.ref) : 'none'}</strong>
        {plan && model && (
          <span className={plan.fits ? 'ok' : 'error'} data-testid="training-memory">
            {' '}
            · memory: {plan.fits ? (plan.memoryChecked ? `fits (about ${formatBytes(plan.peakBytes)} at peak)` : `needs about ${formatBytes(plan.peakBytes)} of GPU memory at peak, within this GPU's buffer limits`) : `does not fit: ${plan.problems[0] ?? 'see the Model panel'}`}
          </span>
        )}
      </p>
      <RunConfigForm disabled={!!active} datasetId={dataset?.id ?? null} />
      {dataset && <UnseenTokensNote datasetId={dataset.id} />}
      {dataset && <ReasoningNote datasetId={dataset.id} loss={draft.loss} disabled={!!active} />}
      {dataset && <TruncationNote datasetId={dataset.id} disabled={!!active} />}
      {dataset && <RunLengthNote datasetId={dataset.id} disabled={!!active} />}
      <PlanFailedNote />
      <div className="row">
        {/* Off with its reason beside it (start-blocked); on, it opens the Dashboard, whose heading takes the focus. */}
        <KeepFocusButton
          className="primary"
          data-testid="start-run"
          disabled={!!active || !!blocked}
          reasonId={blocked ? 'start-blocked' : null}
          onClick={() => {
            onOpenDashboard();
            void startRun(dataset!.id);
          }}
        >
          Start training
        </KeepFocusButton>
        {resumable && (
          <KeepFocusButton
            data-testid="resume-run"
            disabled={!!active || starting || !!resumeHeld}
            reasonId={starting ? 'start-blocked' : resumeHeld ? (resumeHeld === blocked ? 'start-blocked' : 'resume-held') : null}
            onClick={() => {
              onOpenDashboard();
              void resumeRun(selected.id);
            }}
          >
            {resumeLabel(selected, checkpointSteps.get(selected.id), { named: true })}
          </KeepFocusButton>
        )}
        {blocked && (
          <span className={startingReason || missing || blocked === planPending ? 'muted' : 'error'} id="start-blocked" data-testid="start-blocked">
            {blocked}
          </span>
        )}
        {resumable && resumeHeld && resumeHeld !== blocked && (
          <span className="error" id="resume-held">
            {resumeHeld}
          </span>
        )}
      </div>
    </section>
  );
}
