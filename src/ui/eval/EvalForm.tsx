// Settings of an evaluation and its start button.
import { useFirstFieldProblem } from '../../state/fieldProblems.ts';
import { useJobModelMissing, useJobs } from '../../state/jobStore.ts';
import { AdapterPicker } from '../shell/AdapterPicker.tsx';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { NumberField } from '../training/NumberField.tsx';

export function EvalForm({ datasetId, disabled }: { datasetId: string | null; disabled: boolean }) {
  const { evalDraft: d, setEvalDraft, runEvaluation, running } = useJobs();
  const problem = useFirstFieldProblem(['eval-']);
  const modelMissing = useJobModelMissing(d.adapterRunId);
  const blocked = problem ? `Fix ${problem} first.` : modelMissing;
  return (
    // Not disabled while a job runs: the focus is on Run evaluation then, and a disabled fieldset
    // would drop it to the page body. The button is off instead; a draft edited meanwhile is the next job's.
    <fieldset className="stack" disabled={disabled}>
      <legend>Evaluate</legend>
      <p className="muted">Greedy answers to the dataset's held-out examples (fewer than all: each category in its share), checked with the BFCL AST checker.</p>
      <AdapterPicker id="eval-adapter" value={d.adapterRunId} onChange={(adapterRunId) => setEvalDraft({ adapterRunId })} />
      <NumberField id="eval-limit" label="Eval examples" value={d.limit} min={1} integer step={1} onChange={(limit) => setEvalDraft({ limit })} />
      <NumberField id="eval-tokens" label="Max new tokens" value={d.maxNewTokens} min={1} integer step={1} onChange={(maxNewTokens) => setEvalDraft({ maxNewTokens })} />
      <NumberField id="eval-batch" label="Answers at once" value={d.batchSize} min={1} integer step={1} onChange={(batchSize) => setEvalDraft({ batchSize })} />
      <KeepFocusButton className="primary" data-testid="run-eval" disabled={!!blocked || !!running} reasonId={blocked ? 'eval-problem' : null} onClick={() => datasetId && void runEvaluation(datasetId)}>
        Run evaluation
      </KeepFocusButton>
      {blocked && (
        <span className={blocked === modelMissing ? 'muted' : 'error'} id="eval-problem">
          {blocked}
        </span>
      )}
    </fieldset>
  );
}
