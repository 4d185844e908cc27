// Whether training uses an example, and the user's choice to change it: the quality check leaves a
// flagged example out, and the user may know it is fine (or that a passing one is bad). Held, with
// the reason, while a job reads the dataset's examples (the worker refuses then too).
import type { ExampleRow } from '../../state/queries.ts';
import { manyInclusionLabel, savingManyOf, useDatasets } from '../../state/datasetStore.ts';
import { useDatasetHeld, useResumableRunsOn } from '../../state/jobStore.ts';
import { Alert } from '../shell/Alert.tsx';

export function InclusionToggle({ row }: { row: ExampleRow }) {
  const included = row.included === 1;
  const held = useDatasetHeld(row.datasetId);
  const resumable = useResumableRunsOn(row.datasetId, { change: { exampleId: row.id }, included: !included });
  const inclusion = useDatasets(({ inclusion: i }) => (i && i.exampleId === row.id && i.datasetId === row.datasetId ? i : null));
  const saving = inclusion?.saving ?? false;
  // One change is saved at a time (the store drops a second): another example's toggle says so.
  const savingOther = useDatasets(({ inclusion: i }) => (i?.saving && !(i.exampleId === row.id && i.datasetId === row.datasetId) ? i.exampleId : null));
  const savingMany = useDatasets((s) => {
    const many = savingManyOf(s, row.datasetId);
    return many && manyInclusionLabel(many);
  });
  const waiting = held ?? (savingOther !== null ? `Example ${savingOther} is being saved: change this one once it is.` : savingMany && `${savingMany}: change this one once that is saved.`);
  const use = row.split === 'train' ? 'trained on' : 'evaluated (held out)';
  const state = included ? `Used: ${use}${row.quality.passed ? '' : ', though the quality check flagged it'}.` : `Left out${row.quality.passed ? ' by you, though it passed the quality check' : ' by the quality check'}: not ${use}.`;
  return (
    <div className="stack" data-testid="example-inclusion">
      <div className="row">
        <span role="status" className={included ? 'ok' : 'muted'}>
          {state}
        </span>
        <button
          data-testid="toggle-inclusion"
          aria-disabled={waiting !== null || saving}
          title={waiting ?? undefined}
          onClick={() => {
            if (waiting === null && !saving) void useDatasets.getState().setExampleIncluded(row.datasetId, row.id, !included);
          }}
        >
          {saving ? 'Saving…' : included ? 'Leave it out' : row.split === 'train' ? 'Train on this example' : 'Evaluate on this example'}
        </button>
      </div>
      {waiting && <p className="muted">{waiting}</p>}
      {!held && resumable.length > 0 && row.split === 'train' && (
        <p className="note" data-testid="inclusion-paused-note">
          {pausedRunsNote(resumable)}
        </p>
      )}
      {inclusion?.error && <Alert message={`${inclusion.error} It is still ${included ? use : 'left out'}.`} />}
    </div>
  );
}

/** Why a change to which examples train may cost a paused run its resume (the worker refuses to
 * resume a run over other training examples than it started with). */
export function pausedRunsNote(resumable: string[]): string {
  return `${resumable.length === 1 ? `The run ${resumable[0]} resumes` : `The runs ${resumable.join(', ')} resume`} over this dataset’s training examples as they are now: after this change ${resumable.length === 1 ? 'it' : 'they'} cannot resume until you change it back.`;
}
