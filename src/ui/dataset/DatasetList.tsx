// The stored datasets: select one, download it as JSONL, push it to the Hub, or delete it after
// confirming what goes with it.
import { datasetLabel, useDatasets } from '../../state/datasetStore.ts';
import { useDatasetPush } from '../../state/datasetPushStore.ts';
import { useRuns } from '../../state/runStore.ts';
import { plural } from '../format.ts';
import { formatIssue } from '../../data/record-error.ts';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { dialogKeys } from '../shell/dialogKeys.ts';
import { useFocusReturn } from '../shell/focusReturn.ts';
import { DatasetHubPush } from './DatasetHubPush.tsx';

export const deleteDatasetButtonId = (datasetId: string) => `delete-dataset-${datasetId}`;

export function DatasetList() {
  const { datasets, selectedId, selectDataset, askToDeleteDataset, pendingDeletion, confirmDeleteDataset, cancelDeleteDataset, downloadDataset, exporting } = useDatasets();
  const pushing = useDatasetPush((s) => !!s.running);
  const openPushForm = useDatasetPush((s) => s.openForm);
  // A run training on the dataset reads its examples and writes its hard cases: not while it runs.
  const trainingOn = useRuns((s) => (s.active ? (s.runs.find((r) => r.id === s.active!.runId)?.datasetId ?? null) : null));
  // The confirmation closes: back to the dataset's Delete button, or (it was deleted) the list's heading.
  useFocusReturn(pendingDeletion?.datasetId ?? null, deleteDatasetButtonId, 'stored-datasets-title');
  const blocked = !!pendingDeletion && trainingOn === pendingDeletion.datasetId;
  // Names come from file names and clash (train.jsonl imported again after an edit): a shared name
  // gets its content's first hex digits, as the Runs panel's compare table tells them apart.
  const nameOf = (d: { name: string; fingerprint: string }) => datasetLabel(d, datasets);
  const deleting = pendingDeletion && datasets.find((d) => d.id === pendingDeletion.datasetId);
  return (
    <div className="stack" data-testid="dataset-list">
      <h3 id="stored-datasets-title" tabIndex={-1}>
        Stored datasets
      </h3>
      {datasets.length === 0 && <p className="muted">None yet. Your datasets stay in this browser (IndexedDB).</p>}
      <ul className="plain">
        {datasets.map((d) => (
          <li key={d.id} className={d.id === selectedId ? 'row selected' : 'row'}>
            <label className="check">
              <input type="radio" name="dataset" checked={d.id === selectedId} onChange={() => selectDataset(d.id)} /> {nameOf(d)}
            </label>
            <span className="muted">
              {plural(d.exampleCount, 'example')} · {d.files.map((f) => f.format ?? '?').join(', ')}
              {d.issueCount ? ` · ${d.issueCount} skipped` : ''}
              {earlierTurnsText(d.files)}
              {d.hubRepo && <span title="The Hugging Face dataset it was imported from or pushed to: the model cards of runs trained on it link it"> · on the Hub: {d.hubRepo}</span>}
            </span>
            <button
              aria-label={`Download dataset ${nameOf(d)} as JSONL`}
              title="Every example (HDR's added ones too) with whether it is trained on, in the studio's JSONL: import it here again, or give it to studio train --data"
              aria-disabled={!!exporting || undefined}
              onClick={() => !exporting && void downloadDataset(d.id)}
            >
              {exporting === d.id ? 'Saving…' : 'Download'}
            </button>
            <button
              aria-label={`Push dataset ${nameOf(d)} to the Hugging Face Hub`}
              title="To a Hugging Face dataset repo, in OpenAI's messages form with a dataset card: for datasets.load_dataset, TRL, or this studio elsewhere"
              aria-disabled={!!pushing || undefined}
              onClick={() => !pushing && openPushForm({ datasetId: d.id, datasetName: nameOf(d) })}
              data-testid="dataset-push-hub"
            >
              Hub
            </button>
            <button id={deleteDatasetButtonId(d.id)} aria-label={`Delete dataset ${nameOf(d)}`} onClick={() => void askToDeleteDataset(d.id)}>
              Delete
            </button>
            {d.id === selectedId && d.issues.length > 0 && (
              <details className="wide" data-testid="dataset-skipped">
                <summary>Why {d.issueCount === 1 ? '1 record was' : `${d.issueCount.toLocaleString('en-US')} records were`} skipped</summary>
                <ul className="issues">
                  {d.issues.map((issue, n) => (
                    <li key={n}>{formatIssue(issue)}</li>
                  ))}
                </ul>
                {d.issueCount > d.issues.length && <p className="muted">The first {d.issues.length} are kept; the import skipped {d.issueCount} in all.</p>}
              </details>
            )}
          </li>
        ))}
      </ul>
      <DatasetHubPush />
      {pendingDeletion && (
        // Escape keeps the dataset; Tab stays on the dialog's two buttons until one is pressed.
        <div className="confirm" role="alertdialog" aria-modal="true" aria-labelledby="del-title" onKeyDown={dialogKeys(cancelDeleteDataset, { trap: true })}>
          <p id="del-title">
            Delete “{deleting ? nameOf(deleting) : pendingDeletion.name}”? This removes {plural(pendingDeletion.exampleCount, 'example')} and {plural(pendingDeletion.hardCaseCount, 'hard case')}.
            {pendingDeletion.runCount > 0 ? ` ${plural(pendingDeletion.runCount, 'run')} used it; they stay, but cannot be resumed without it.` : ''}
          </p>
          {blocked && (
            <p className="error" id="delete-blocked" data-testid="delete-blocked">
              A run is training on it now: pause or stop it first.
            </p>
          )}
          <div className="row">
            <KeepFocusButton className="danger" disabled={blocked} reasonId="delete-blocked" onClick={() => void confirmDeleteDataset()}>
              Delete
            </KeepFocusButton>
            <button onClick={cancelDeleteDataset} autoFocus>
              Keep it
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/** " · 40 of them earlier calling turns" for a dataset imported with every calling turn learned:
 * two imports of one file, with and without, are told apart. */
export function earlierTurnsText(files: Array<{ earlierCallTurns?: number }>): string {
  const n = files.reduce((s, f) => s + (f.earlierCallTurns ?? 0), 0);
  return n ? ` · ${n} of them earlier calling turns` : '';
}
