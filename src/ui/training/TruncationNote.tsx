// Before a run starts: how many training examples the sequence length fits whole, how many lose
// earlier turns to fit (never the system prompt, the tools or the answer), and how many are skipped
// because even that is too long — with the length the data suggests, one click away.
import { useBatchLayout, useTruncation } from '../../state/datasetViews.ts';
import { useModel } from '../../state/modelStore.ts';
import { useRuns } from '../../state/runStore.ts';
import { useRunSeqLen } from '../../state/seqLenFollowsData.ts';
import { plural } from '../format.ts';

export function TruncationNote({ datasetId, disabled }: { datasetId: string; disabled: boolean }) {
  const seqLen = useRunSeqLen(datasetId);
  const batchSize = useRuns((s) => s.draft.batchSize);
  const gradAccum = useRuns((s) => s.draft.gradAccum);
  const follow = useRuns((s) => s.followDataSeqLen);
  const follows = useRuns((s) => s.seqLenFollowsData);
  const context = useModel((s) => s.info?.maxPositionEmbeddings) ?? Infinity;
  const { value, error } = useTruncation(datasetId, seqLen);
  const layout = useBatchLayout(datasetId, seqLen, batchSize, gradAccum);
  const padding = layout && layoutWords(layout, batchSize, gradAccum);
  if (error) return <p className="error small">{error}</p>;
  if (!value) return <p className="muted small">Counting each example's tokens against the sequence length…</p>;
  const { report: r, suggestedSeqLen } = value;
  // No length fits or suggests anything then: the run would fail for want of examples.
  if (r.examples === 0)
    return (
      <p className="note warn-text" data-testid="truncation-note" data-whole={0} data-shortened={0} data-skipped={0}>
        No training examples: the dataset’s training side is empty, or every example on it is left out (flagged by the quality check, or left out by you). A run has nothing to train on; include some in the Dataset panel’s examples table (its Show filter lists those left out).
      </p>
    );
  // Past the model's positions the run is refused: offer the most it takes.
  const offered = Math.min(suggestedSeqLen, context);
  const over = r.shortened + r.skipped;
  return (
    <p className={r.skipped > 0 ? 'note warn-text' : 'note'} data-testid="truncation-note" data-whole={r.whole} data-shortened={r.shortened} data-skipped={r.skipped}>
      Sequence length {seqLen}: {over === 0 ? `all ${plural(r.examples, 'training example')} fit whole.` : `${r.whole} of ${plural(r.examples, 'training example')} fit whole;`}
      {r.shortened > 0 && ` ${r.shortened} ${r.shortened === 1 ? 'is longer and loses its' : 'are longer and lose their'} earlier turns to fit (never the system prompt, the tools or the answer)${r.skipped > 0 ? ';' : '.'}`}
      {r.skipped > 0 && ` ${r.skipped} ${r.skipped === 1 ? 'is' : 'are'} too long even so and will be skipped, not cut.`}
      {padding && ` ${padding}`}{' '}
      The data suggests {suggestedSeqLen} (95% of examples fit whole; counted with the {value.tokenizer}).
      {offered < suggestedSeqLen && ` The model reads at most ${offered} tokens (its context).`}
      {offered === seqLen && follows && ` The form takes it from the data chosen, until you type a length of your own.`}
      {offered !== seqLen && (
        <>
          {' '}
          <button className="link" disabled={disabled} onClick={() => follow(offered)}>
            Use {offered}
          </button>
          {!follows && ' (and follow the data chosen from now on)'}
        </>
      )}
    </p>
  );
}

/** What the batch settings lay out per token trained on: the padding a step computes for nothing
 * (null where there is none to speak of: one example a step is never padded). */
function layoutWords(layout: { packed: number; rowEach: number }, batchSize: number, gradAccum: number): string | null {
  const batches = `Batches of ${plural(batchSize, 'example')}${gradAccum > 1 ? ` (${gradAccum} accumulated a step)` : ''}`;
  const padding = (x: number) => `${Math.round((1 - 1 / x) * 100)}%`;
  if (layout.rowEach < 1.005) return null;
  if (layout.rowEach - layout.packed < 0.01) return `${batches} are ${padding(layout.packed)} padding.`;
  return `${batches} are ${padding(layout.packed)} padding: short examples share rows (a row each, ${padding(layout.rowEach)}).`;
}
