// Evaluation and HDR: run an evaluation (accuracy per category and per failed rule, every failure
// with the model's output beside the expected calls), start HDR rounds and watch pool size,
// pass@k and accepted per round, and open any hard case.
import { useDatasets } from '../../state/datasetStore.ts';
import { errorFor, useJobs, useTrainingElsewhere } from '../../state/jobStore.ts';
import { EXPORTING_REASON, useOnnxExport } from '../../state/onnxExportStore.ts';
import { Alert } from '../shell/Alert.tsx';
import { usePlanFollowsDraft } from '../model/usePlanFollowsDraft.ts';
import { JobProgress } from '../shell/JobProgress.tsx';
import { EvalForm } from './EvalForm.tsx';
import { EvalResults } from './EvalResults.tsx';
import { HdrForm } from './HdrForm.tsx';
import { HdrResults } from './HdrResults.tsx';

export function EvalPanel() {
  const dismiss = useJobs((s) => s.dismiss);
  const error = useJobs((s) => errorFor(s, ['evaluate', 'hdr']));
  const notice = useJobs((s) => (s.noticeKind === 'evaluate' || s.noticeKind === 'hdr' ? s.notice : null));
  const dataset = useDatasets((s) => s.datasets.find((d) => d.id === s.selectedId));
  const exporting = useOnnxExport((s) => s.exporting);
  const trainingElsewhere = useTrainingElsewhere();
  // The plan HDR's Start is held by, kept in step with the forms here too (one panel shows at a time).
  usePlanFollowsDraft();
  // No model loaded is no dead end here: a start on a run's adapter loads that run's model itself, so
  // each form says (by its adapter) where it cannot.
  const missing = !dataset ? 'Import a dataset first.' : exporting ? EXPORTING_REASON : trainingElsewhere;
  return (
    <section className="panel" aria-labelledby="eval-title" data-testid="eval-panel">
      <h2 id="eval-title" tabIndex={-1}>Evaluation &amp; HDR</h2>
      {error && <Alert message={error} onDismiss={dismiss} testId="job-error" />}
      {notice && <Alert kind="notice" message={notice} onDismiss={dismiss} testId="job-notice" />}
      {missing && <p className="muted">{missing}</p>}
      <JobProgress kinds={['evaluate', 'hdr']} />
      <div className="grid2">
        <EvalForm datasetId={dataset?.id ?? null} disabled={!!missing} />
        <HdrForm datasetId={dataset?.id ?? null} disabled={!!missing} />
      </div>
      <EvalResults datasetId={dataset?.id ?? null} />
      <HdrResults datasetId={dataset?.id ?? null} />
    </section>
  );
}
