// Settings of an evaluation and its start button: what answers (an adapter, the base model, or a
// GGUF file's weights in their place), whether the base model answers the same examples beside an
// adapter, and how many examples with how many tokens.
import { formatBytesShort } from '../../state/formatBytesShort.ts';
import { useFirstFieldProblem } from '../../state/fieldProblems.ts';
import { useJobModelMissing, useJobs } from '../../state/jobStore.ts';
import { resolveAdapterRun, useRuns } from '../../state/runStore.ts';
import { AdapterPicker } from '../shell/AdapterPicker.tsx';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { NumberField } from '../training/NumberField.tsx';

export function EvalForm({ datasetId, disabled }: { datasetId: string | null; disabled: boolean }) {
  const { evalDraft: d, evalGguf: gguf, setEvalDraft, chooseEvalGguf, runEvaluation, running } = useJobs();
  const problem = useFirstFieldProblem(['eval-']);
  // A file exported from a run needs that run's model; one chosen here, the loaded one.
  const modelMissing = useJobModelMissing(gguf ? (gguf.runId ?? '') : d.adapterRunId);
  const blocked = problem ? `Fix ${problem} first.` : modelMissing;
  // The run the picker resolves to ('' for the base model, whose evaluation has nothing to be set beside).
  const adapter = useRuns((s) => resolveAdapterRun(d.adapterRunId, s.runs));
  return (
    // Not disabled while a job runs: the focus is on Run evaluation then, and a disabled fieldset
    // would drop it to the page body. The button is off instead; a draft edited meanwhile is the next job's.
    <fieldset className="stack" disabled={disabled}>
      <legend>Evaluate</legend>
      <p className="muted">Greedy answers to the dataset's held-out examples (fewer than all: each category in its share), checked with the BFCL AST checker.</p>
      {gguf ? (
        <p data-testid="eval-gguf-chosen">
          Answers with the weights of <strong>{gguf.fileName}</strong> ({formatBytesShort(gguf.file.size)}
          {gguf.runName !== null && `, “${gguf.runName}” with its adapter merged`}), read as llama.cpp reads them: what its rounding costs in accuracy.{' '}
          <button type="button" onClick={() => void chooseEvalGguf(null)} data-testid="eval-gguf-clear">
            Use an adapter instead
          </button>
        </p>
      ) : (
        <>
          <AdapterPicker id="eval-adapter" value={d.adapterRunId} onChange={(adapterRunId) => setEvalDraft({ adapterRunId })} />
          {/* An adapter's accuracy says little alone: the base model's on the same examples beside it. */}
          {adapter && (
            <label className="check">
              <input type="checkbox" data-testid="eval-with-base" checked={d.withBase !== false} onChange={(e) => setEvalDraft({ withBase: e.target.checked })} /> Set it beside the base model on the same examples (the base model answers them too, unless it has already)
            </label>
          )}
          <div className="field">
            <label htmlFor="eval-gguf">Or a GGUF file of the loaded model</label>
            <input
              id="eval-gguf"
              type="file"
              accept=".gguf"
              aria-describedby="eval-gguf-hint"
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                e.currentTarget.value = '';
                if (file) void chooseEvalGguf({ file, fileName: file.name, runId: null, runName: null });
              }}
            />
            <span className="muted small" id="eval-gguf-hint">
              Its weights answer in place of the model's: a GGUF export, or llama-quantize's F16, Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q4_0, Q3_K_M, Q2_K or IQ4_XS of this model.
            </span>
          </div>
        </>
      )}
      <NumberField id="eval-limit" label="Eval examples" value={d.limit} min={1} integer step={1} onChange={(limit) => setEvalDraft({ limit })} />
      <NumberField id="eval-tokens" label="Max new tokens" value={d.maxNewTokens} min={1} integer step={1} onChange={(maxNewTokens) => setEvalDraft({ maxNewTokens })} />
      <NumberField id="eval-batch" label="Answers at once" value={d.batchSize} min={1} integer step={1} onChange={(batchSize) => setEvalDraft({ batchSize })} />
      <KeepFocusButton className="primary" data-testid="run-eval" disabled={!!blocked || !!running} reasonId={blocked ? 'eval-problem' : null} onClick={() => datasetId && void runEvaluation(datasetId, d, gguf)}>
        {gguf ? `Evaluate ${gguf.fileName}` : 'Run evaluation'}
      </KeepFocusButton>
      {blocked && (
        <span className={blocked === modelMissing ? 'muted' : 'error'} id="eval-problem">
          {blocked}
        </span>
      )}
    </fieldset>
  );
}
