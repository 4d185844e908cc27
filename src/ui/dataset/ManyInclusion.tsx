// Including or leaving out many examples at once (the quality report's rule, the examples on show):
// the button asks, the question says how many and names the paused runs whose resume the change
// would refuse, and the change is saved with progress or refused with the reason. Held, as the
// single toggle is, while a job works on the dataset or one of its examples is being saved (the
// worker refuses then too).
import { manyInclusionAsked, manyInclusionLabel, savingOneOf, useDatasets, type ManyInclusion, type ShownFilter } from '../../state/datasetStore.ts';
import { useDatasetHeld, useResumableRunsOn } from '../../state/jobStore.ts';
import { Alert } from '../shell/Alert.tsx';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { ProgressBar } from '../shell/ProgressBar.tsx';
import { dialogKeys } from '../shell/dialogKeys.ts';
import { pausedRunsNote } from './InclusionToggle.tsx';
import { useFocusReturn } from '../shell/focusReturn.ts';
import { plural } from '../format.ts';

type Ask = Pick<ManyInclusion, 'datasetId' | 'from' | 'selection' | 'included' | 'count' | 'what'>;

/** Including and leaving out `total` examples (`named`: which, after the count: "shown"), `used` of
 * them used now. Each asks for the examples it changes (the left-out ones, the used ones), which is
 * the count the worker must find and the question says. */
export function inclusionAsks(base: Pick<Ask, 'datasetId' | 'from' | 'selection'>, { total, used }: { total: number; used: number }, named: string): { include: Ask; leaveOut: Ask } {
  const ask = (included: boolean, count: number): Ask => ({
    ...base,
    included,
    count,
    what: count === total ? `the ${plural(total, 'example')} ${named}` : `the ${plural(count, 'example')} ${included ? 'left out' : 'used'} of the ${total.toLocaleString()} ${named}`,
  });
  return { include: ask(true, total - used), leaveOut: ask(false, used) };
}

/** Why a change of many examples is off though nothing holds the dataset: it would change none. */
export const changesNoneText = (ask: Ask, total: number, named: string): string | null =>
  ask.count > 0 ? null : `${total === 1 ? 'The example' : `All ${plural(total, 'example')}`} ${named} ${total === 1 ? 'is' : 'are'} ${ask.included ? 'used' : 'left out'} already.`;

/** The DOM id of the button that asks for this change (where the focus returns once it is answered). */
const askButtonId = (ask: Pick<Ask, 'from' | 'selection' | 'included'>) =>
  `many-inclusion-${ask.from}-${'flaggedOnlyBy' in ask.selection ? ask.selection.flaggedOnlyBy : 'shown'}-${ask.included ? 'include' : 'leave-out'}`;

/** One action over many examples; it only asks (ManyInclusionQuestion writes once the user confirms).
 * `off`: why it would change no example now (it is off then). */
export function ManyInclusionButton({ ask, label, testId, off = null }: { ask: Ask; label: string; testId: string; off?: string | null }) {
  const held = useDatasetHeld(ask.datasetId);
  const busy = useDatasets((s) => s.manyInclusion?.stage === 'saving');
  const savingOne = useSavingOne(ask.datasetId);
  const waiting = held ?? savingOne ?? off;
  return (
    <KeepFocusButton id={askButtonId(ask)} data-testid={testId} disabled={waiting !== null || busy} title={waiting ?? undefined} onClick={() => useDatasets.getState().askToSetManyIncluded(ask)}>
      {label}
    </KeepFocusButton>
  );
}

/** The question, the progress or the refusal of a change asked from this view of this dataset
 * (`shown`: the table's filter now, which a question about the examples shown must be asked for). */
export function ManyInclusionQuestion({ datasetId, from, shown }: { datasetId: string; from: Ask['from']; shown?: ShownFilter }) {
  const asked = useDatasets((s) => manyInclusionAsked(s, datasetId, from, shown));
  const jobHeld = useDatasetHeld(datasetId);
  const savingOne = useSavingOne(datasetId);
  const held = jobHeld ?? savingOne;
  const resumable = useResumableRunsOn(datasetId, asked ? { change: { selection: asked.selection }, included: asked.included } : null);
  // Back to the asking button (the views keep it, off with its reason, once it has nothing to change).
  useFocusReturn(asked ? askButtonId(asked) : null, (id) => id);
  if (!asked) return null;
  const { confirmSetManyIncluded, cancelSetManyIncluded } = useDatasets.getState();
  if (asked.stage === 'failed') return <Alert message={asked.error ?? ''} onDismiss={cancelSetManyIncluded} />;
  if (asked.stage === 'saving') {
    const label = manyInclusionLabel(asked);
    // Reading the examples, then saving them: the bar says which, as both fill it.
    return asked.progress ? <ProgressBar label={asked.progress.phase ? `${label}: ${asked.progress.phase}` : label} done={asked.progress.done} total={asked.progress.total} testId="many-inclusion-progress" /> : <p role="status">{label}…</p>;
  }
  const use = asked.included ? 'Use' : 'Leave out';
  return (
    // Escape keeps the examples as they are; Tab stays on the two buttons until one is pressed.
    <div className="confirm" role="alertdialog" aria-modal="true" aria-labelledby="many-inclusion-title" onKeyDown={dialogKeys(cancelSetManyIncluded, { trap: true })} data-testid="many-inclusion-question">
      <p id="many-inclusion-title">
        {use} {asked.what}?{' '}
        {asked.included ? 'Each is trained on, or evaluated where the split holds it out, whatever the quality check said.' : 'None of them is trained on or evaluated until you include it again.'}
      </p>
      {held ? (
        <p className="error" id="many-inclusion-held">
          {held}
        </p>
      ) : (
        resumable.length > 0 && (
          <p className="note" data-testid="many-inclusion-paused-note">
            {pausedRunsNote(resumable)}
          </p>
        )
      )}
      <div className="row">
        <KeepFocusButton disabled={held !== null} reasonId="many-inclusion-held" onClick={() => void confirmSetManyIncluded()}>
          {use} {asked.count.toLocaleString()}
        </KeepFocusButton>
        <button onClick={cancelSetManyIncluded} autoFocus>
          Keep them as they are
        </button>
      </div>
    </div>
  );
}

/** Why many of the dataset's examples must wait: one of them is being saved (the worker would refuse). */
function useSavingOne(datasetId: string): string | null {
  const exampleId = useDatasets((s) => savingOneOf(s, datasetId));
  return exampleId === null ? null : `Example ${exampleId} is being saved: change these once it is.`;
}
