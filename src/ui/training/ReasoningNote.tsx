// Said beside the SSB choice when the dataset's answers carry (almost) no reasoning: SSB balances
// reasoning against the call, so with little to balance its α weighs a near-empty <think> block,
// and with none (an empty <think></think> counts as the answer) SSB is plain SFT.
// It weighs the examples training takes (the included training side), as counted by the worker.
import { useTrainingReasoning } from '../../state/datasetViews.ts';
import { useRuns } from '../../state/runStore.ts';

/** Below this share of the target tokens the reasoning is too little for SSB to balance. */
const LITTLE_REASONING = 0.15;

export function ReasoningNote({ datasetId, loss, disabled = false }: { datasetId: string; loss: string; disabled?: boolean }) {
  const { value } = useTrainingReasoning(datasetId);
  const update = useRuns((s) => s.updateDraft);
  // What the note advises, one click away: the Loss field above stayed on SSB.
  const sftButton = (
    <button className="link" disabled={disabled} onClick={() => update({ loss: 'sft' })}>
      Train with plain SFT
    </button>
  );
  if (!value || loss !== 'ssb') return null;
  const { meanCotPerExample: cot, meanCallPerExample: call, callShare } = value;
  if (1 - callShare >= LITTLE_REASONING) return null;
  if (callShare === 1) {
    return (
      <p className="alert notice" data-testid="reasoning-note">
        The training examples carry no reasoning (on average {call.toFixed(0)} answer tokens each, none of them reasoning), so SSB has nothing to balance: with no reasoning loss to weigh, its α
        does nothing and it trains the answers exactly as plain SFT (Loss: SFT) does. {sftButton}
      </p>
    );
  }
  return (
    <p className="alert notice" data-testid="reasoning-note">
      The training examples carry little reasoning (on average {cot.toFixed(0)} reasoning tokens against {call.toFixed(0)} call tokens), so SSB has little to balance: its weight α mostly weighs a near-empty
      reasoning block. Plain SFT (Loss: SFT) trains the same calls more simply. {sftButton}
    </p>
  );
}
