// How long the run trains in epochs (passes over the training examples that fit), beside its steps,
// with whole passes one click away: the form asks for steps, and a newcomer thinks in passes over
// the data (a run of 20 steps over 290 examples sees 20 of them; over 11, each almost twice).
import { useTrainedExamples } from '../../state/datasetViews.ts';
import { useRuns } from '../../state/runStore.ts';
import { useRunSeqLen } from '../../state/seqLenFollowsData.ts';
import { epochsOfSteps, epochsText, plural, runLengthText, stepsForEpochs } from '../../worker/protocol.ts';

const WHOLE_PASSES = [1, 2, 3];
/** Passes past which LoRA fine-tunes tend to learn their examples rather than the task (recipes
 * train 1–5 epochs): a shorter sequence length that fits fewer examples gets there unnoticed. */
const MANY_PASSES = 10;

export function RunLengthNote({ datasetId, disabled }: { datasetId: string; disabled: boolean }) {
  const { steps, batchSize, gradAccum, keepBest } = useRuns((s) => s.draft);
  const seqLen = useRunSeqLen(datasetId);
  const update = useRuns((s) => s.updateDraft);
  const examples = useTrainedExamples(datasetId, seqLen);
  // The truncation note says why none fit (and what holds Start) while it counts or when none do.
  if (!examples) return null;
  const epochs = epochsOfSteps(steps, examples, batchSize, gradAccum);
  const seen = steps * batchSize * gradAccum;
  const passes = WHOLE_PASSES.map((n) => ({ n, steps: stepsForEpochs(n, examples, batchSize, gradAccum) })).filter((p) => p.steps !== steps);
  return (
    <p className={epochs >= MANY_PASSES ? 'note warn-text' : 'note'} data-testid="run-length-note" data-epochs={epochs.toFixed(4)} data-examples={examples}>
      {runLengthText(steps, examples, batchSize, gradAccum)}
      {epochs < 1 ? `: it sees ${seen.toLocaleString('en-US')} of them once, and the other ${(examples - seen).toLocaleString('en-US')} not at all.` : '.'}
      {epochs >= MANY_PASSES && ` That many passes can teach the adapter these examples by heart rather than the task: the held-out loss (Dashboard) rises when that starts${keepBest ? ', and the run keeps the step before it did.' : '; Keep the best step keeps the adapter from before it did.'}`}
      {passes.length > 0 && ' Whole passes:'}
      {passes.map((p, i) => (
        <span key={p.n}>
          {i > 0 && ' ·'}{' '}
          <button className="link" disabled={disabled} onClick={() => update({ steps: p.steps })}>
            {epochsText(p.n)} ({plural(p.steps, 'step')})
          </button>
        </span>
      ))}
    </p>
  );
}
