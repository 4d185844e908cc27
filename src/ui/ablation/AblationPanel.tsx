// The ablation panel: the paper's comparison on the selected dataset and model. The form sets the
// arms and the evaluation; every arm shares the Training panel's configuration. Progress names the
// arm; the results (table, failures by rule, overlaid curves) fill in arm by arm, and the report
// downloads as a .zip (the same files `studio ablate` writes).
import { useDatasets } from '../../state/datasetStore.ts';
import { errorFor, useJobs, useTrainingElsewhere } from '../../state/jobStore.ts';
import { useModel } from '../../state/modelStore.ts';
import { Alert } from '../shell/Alert.tsx';
import { JobProgress } from '../shell/JobProgress.tsx';
import { AblationForm } from './AblationForm.tsx';
import { AblationResults } from './AblationResults.tsx';
import { useAblationPlanFollowsForm } from '../model/usePlanFollowsDraft.ts';

export function AblationPanel({ onOpenTraining }: { onOpenTraining?: () => void } = {}) {
  const error = useJobs((s) => errorFor(s, ['ablation']));
  const notice = useJobs((s) => (s.noticeKind === 'ablation' ? s.notice : null));
  const dismiss = useJobs((s) => s.dismiss);
  const dataset = useDatasets((s) => s.datasets.find((d) => d.id === s.selectedId));
  const model = useModel((s) => s.info);
  const trainingElsewhere = useTrainingElsewhere();
  // The plan the form's Start is held by: the ablation's own start, as the store's start judges it
  // (its arms with the Training panel's settings, its decoding, its SSB + HDR arm; one panel shows at a time).
  useAblationPlanFollowsForm();
  const missing = !dataset ? 'Import a dataset first.' : !model ? 'Load a model first (Model panel).' : trainingElsewhere;
  return (
    <section className="panel" aria-labelledby="ablation-title" data-testid="ablation-panel">
      <h2 id="ablation-title" tabIndex={-1}>Ablation</h2>
      <p className="muted">
        Does balancing help on your data? One arm per loss — plain SFT, a fixed α, SSB with each balance rule, and SSB followed by HDR — each trained on the same split with the same seed,
        steps and LoRA settings, then evaluated on the same held-out examples with the same decoding, beside the base model with no adapter. Every arm is an ordinary run you can open, evaluate, export or share.
      </p>
      {error && <Alert message={error} onDismiss={dismiss} testId="job-error" />}
      {notice && <Alert kind="notice" message={notice} onDismiss={dismiss} testId="job-notice" />}
      {missing && <p className="muted">{missing}</p>}
      <JobProgress kinds={['ablation']} />
      <AblationForm datasetId={dataset?.id ?? null} disabled={!!missing} onOpenTraining={onOpenTraining} />
      <AblationResults />
    </section>
  );
}
