// The dataset's split, changed: the share held out and the seed that picks which examples. Folded
// under the quality report's split line; a dataset with runs asks first what splitting again does
// to them (useResplit). Keyed by the dataset and its split by its parent, so the fields start from
// the split the dataset has.
import { useState } from 'react';
import type { DatasetRow } from '../../state/queries.ts';
import { useFirstFieldProblem } from '../../state/fieldProblems.ts';
import { useDatasetHeld } from '../../state/jobStore.ts';
import { splitProblem, useResplit } from '../../state/resplitStore.ts';
import { splitText } from '../../worker/protocol.ts';
import { HELD_OUT_PERCENT, heldOutPercent, MAX_SEED, sameSplit, type SplitSettings } from '../../worker/protocol.ts';
import { Alert } from '../shell/Alert.tsx';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { NumberField } from '../training/NumberField.tsx';
import { dialogKeys } from '../shell/dialogKeys.ts';

export function SplitSettingsForm({ dataset }: { dataset: DatasetRow }) {
  const [percent, setPercent] = useState(heldOutPercent(dataset.split.evalFraction));
  const [seed, setSeed] = useState(dataset.split.seed);
  const fieldProblem = useFirstFieldProblem(['split-']);
  const held = useDatasetHeld(dataset.id, 'split it again');
  const asked = useResplit((s) => (s.asked?.datasetId === dataset.id ? s.asked : null));
  const notice = useResplit((s) => (s.notice?.datasetId === dataset.id ? s.notice.text : null));
  const { askToResplit, dismissNotice } = useResplit.getState();
  const split: SplitSettings = { seed, evalFraction: percent / 100, by: 'question' };
  const same = sameSplit(split, dataset.split);
  const problem = fieldProblem ? `Fix ${fieldProblem} first.` : splitProblem(percent, seed);
  const off = problem ?? held ?? (asked?.stage === 'saving' ? 'Splitting it again…' : same ? 'These are the settings it is split with now.' : null);
  return (
    <details className="split-settings" data-testid="split-settings" open={!!asked || !!notice || undefined}>
      <summary>Split it again: now {splitText(dataset.split)}</summary>
      <p className="small muted">
        Each question is held out or not, with every example that asks it, by a hash of what it asks (the conversation and tools) and the seed: no held-out
        question is one the model trained on. The same settings hold out the same examples, on every device and after an import again. A larger share gives an
        accuracy you can trust more and leaves fewer examples to train on; another seed, other examples.
      </p>
      {dataset.split.by !== 'question' && (
        <p className="small" data-testid="split-by-example">
          This dataset was split example by example, before splits kept the examples asking the same question together: a held-out example may ask what a
          training example asks, and its verdict then measures what the model remembers. Split again keeps them together, with the same share and seed if you
          like.
        </p>
      )}
      <div className="row">
        <NumberField id="split-percent" label="Held out (% of examples)" value={percent} min={HELD_OUT_PERCENT.min} max={HELD_OUT_PERCENT.max} step={1} onChange={setPercent} />
        <NumberField id="split-seed" label="Seed" value={seed} min={0} max={MAX_SEED} integer step={1} onChange={setSeed} />
        <KeepFocusButton data-testid="split-again" disabled={!!off || !!asked} reasonId={off ? 'split-why' : null} onClick={() => void askToResplit(dataset.id, split)}>
          Split again
        </KeepFocusButton>
      </div>
      {off && (
        <p className="small muted" id="split-why">
          {off}
        </p>
      )}
      <ResplitQuestion datasetId={dataset.id} />
      {notice && <Alert kind="notice" message={notice} onDismiss={dismissNotice} testId="split-notice" />}
    </details>
  );
}

/** The question asked before a dataset with runs is split again, or why splitting it failed. */
function ResplitQuestion({ datasetId }: { datasetId: string }) {
  const asked = useResplit((s) => (s.asked?.datasetId === datasetId ? s.asked : null));
  const { confirmResplit, cancelResplit } = useResplit.getState();
  if (!asked) return null;
  if (asked.stage === 'failed') return <Alert message={asked.error ?? ''} onDismiss={cancelResplit} />;
  if (asked.stage === 'saving') return <p role="status">Splitting it again…</p>;
  const n = asked.runs.length;
  return (
    // Escape keeps the split; Tab stays on the two buttons until one is pressed.
    <div className="confirm" role="alertdialog" aria-modal="true" aria-labelledby="resplit-title" onKeyDown={dialogKeys(cancelResplit, { trap: true })} data-testid="resplit-question">
      <p id="resplit-title">
        Split it again, {splitText(asked.split)}? {n === 1 ? `The run ${asked.runs[0]} was` : `${n} runs (${asked.runs.join(', ')}) were`} trained on its split as it is: {n === 1 ? 'it keeps its' : 'they keep their'} adapter, curves and evaluations, but
        cannot resume or train on any more (their training examples change), and evaluations from now on ask other held-out examples than earlier ones did.
      </p>
      <div className="row">
        <button onClick={() => void confirmResplit()}>Split again</button>
        <button onClick={cancelResplit} autoFocus>
          Keep the split
        </button>
      </div>
    </div>
  );
}
