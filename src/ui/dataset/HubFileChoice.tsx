// A Hugging Face dataset's files, listed before anything is downloaded: each with its size, the train
// split's ticked, so a repo that mixes function calling with other data (JSON-mode files beside
// tool-use ones, BFCL's categories with their possible_answer files) imports only what the user wants.
import { useDatasets, type HubChoice } from '../../state/datasetStore.ts';
import { formatBytes, plural } from '../format.ts';

export function HubFileChoice() {
  const choice = useDatasets((s) => s.hubChoice);
  const importing = useDatasets((s) => !!s.progress);
  const { pickHubFiles, closeHubChoice, importHubChoice } = useDatasets.getState();
  if (!choice) return null;
  const bytes = pickedBytes(choice);
  const all = choice.files.map((f) => f.path);
  const none = choice.picked.length === 0;
  const tooBig = bytes > choice.maxBytes;
  const off = importing || none || tooBig;
  return (
    <fieldset className="stack" data-testid="hub-file-choice">
      <legend>
        Files of {choice.repo}
        {choice.revision === 'refs/convert/parquet' ? ' (the Hub’s Parquet conversion: the repo holds no .json, .jsonl or .parquet files)' : ''}
      </legend>
      <div className="row">
        <button type="button" onClick={() => pickHubFiles(all, true)}>
          Tick all
        </button>
        <button type="button" onClick={() => pickHubFiles(all, false)}>
          Tick none
        </button>
      </div>
      <ul className="plain hub-files">
        {choice.files.map((f) => (
          <li key={f.path}>
            <label className="check">
              <input type="checkbox" checked={choice.picked.includes(f.path)} onChange={(e) => pickHubFiles([f.path], e.target.checked)} /> {f.path} <span className="muted">· {formatBytes(f.size)}</span>
            </label>
          </li>
        ))}
      </ul>
      {/* A status: it says the listing came (the lookup's button gives no other sign) and each tick's total. */}
      <p className="muted" role="status" data-testid="hub-choice-total">
        {choice.files.length > 1 ? `${plural(choice.files.length, 'dataset file')} listed; ` : ''}
        {none ? 'no file ticked.' : `${plural(choice.picked.length, 'file')} ticked, ${formatBytes(bytes)} to download${tooBig ? `: more than the ${formatBytes(choice.maxBytes)} one import takes; untick some, and import them next` : ''}.`}
      </p>
      <div className="row">
        <button type="button" aria-disabled={off || undefined} onClick={() => !off && void importHubChoice()}>
          {none ? 'Import' : `Import ${plural(choice.picked.length, 'file')}`}
        </button>
        <button type="button" aria-disabled={importing || undefined} onClick={() => !importing && closeHubChoice()}>
          Close
        </button>
      </div>
    </fieldset>
  );
}

/** The bytes of the ticked files. */
export function pickedBytes(choice: Pick<HubChoice, 'files' | 'picked'>): number {
  const picked = new Set(choice.picked);
  return choice.files.reduce((n, f) => n + (picked.has(f.path) ? f.size : 0), 0);
}
