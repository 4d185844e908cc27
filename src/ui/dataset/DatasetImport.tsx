// Importing files: the picker, a Hugging Face dataset by its id (its files listed to choose from
// first: HubFileChoice), the format override next to what was detected, progress while downloading
// and reading (and a button that cancels either), and what happened (imported/rejected per file,
// each rejected record with its reason).
// The bar is not a live region (it moves ~20 times an import); a hidden status says the start, each
// quarter, and the result.
import { useState } from 'react';
import { useDatasets, type FormatChoice, type ImportProgressView, type LastImport } from '../../state/datasetStore.ts';
import { FORMAT_PARSERS } from '../../data/formats/registry.ts';
import { ProgressBar } from '../shell/ProgressBar.tsx';
import { progressMilestone } from '../shell/progressMilestone.ts';
import { formatBytes, plural } from '../format.ts';
import { HubFileChoice } from './HubFileChoice.tsx';

export function DatasetImport() {
  const { formatChoice, setFormatChoice, bfclPromptMode, setBfclPromptMode, everyCallTurn, setEveryCallTurn, progress, detected, lastImport, importDataset, listHubDataset, hubListing, cancelImport } = useDatasets();
  const importing = !!progress;
  const [hubId, setHubId] = useState('');
  const earlierCalls = lastImport ? earlierCallsText(lastImport.files) : '';
  const said = progress ? progressMilestone(progressLabel(progress), progress.bytesDone, progress.bytesTotal) : lastImport ? importResultText(lastImport) : '';
  return (
    <div className="stack" data-testid="dataset-import">
      <h3>Import</h3>
      <p className="muted">Drop .json / .jsonl / .parquet files, gzipped (.gz) or not, anywhere on this page (OpenAI tools, Hermes, ShareGPT, xLAM, Glaive, FunReason/BalanceSFT, BFCL with its possible_answer file; a Hugging Face dataset's Parquet files as its page offers them), or:</p>
      <div className="row">
        <label className="filebutton">
          Choose dataset files…
          {/* aria-disabled, not disabled, while importing: a disabled input drops the focus to the page
              body; its click (which would open the file picker) is refused instead. */}
          <input
            type="file"
            accept=".json,.jsonl,.ndjson,.parquet,.gz,application/json"
            multiple
            aria-label="Choose dataset files"
            aria-disabled={importing || undefined}
            onClick={(e) => importing && e.preventDefault()}
            onChange={(e) => void importDataset(Array.from(e.target.files ?? [])).then(() => (e.target.value = ''))}
          />
        </label>
        <a href={`${import.meta.env.BASE_URL}demo/demo-dataset.jsonl`} download>
          Download the demo dataset
        </a>
      </div>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (!importing && !hubListing) void listHubDataset(hubId);
        }}
      >
        <label htmlFor="hub-dataset">From the Hugging Face Hub</label>
        <input id="hub-dataset" type="text" placeholder="owner/name, like Salesforce/xlam-function-calling-60k" value={hubId} onChange={(e) => setHubId(e.target.value)} spellCheck={false} autoComplete="off" size={44} />
        <button type="submit" aria-disabled={importing || !!hubListing || undefined}>
          {hubListing ? 'Looking up…' : 'Look up its files'}
        </button>
      </form>
      <p className="muted">Its .json, .jsonl or .parquet files (the Hub’s Parquet conversion when it has none) are listed with their sizes, the train split’s ticked; nothing is downloaded until you import. A gated dataset uses the access token given in the Model panel. A download cut short or cancelled goes on from where it stopped when you import the dataset again.</p>
      <HubFileChoice />
      <div className="field inline">
        <label htmlFor="format-choice">Format</label>
        <select id="format-choice" value={formatChoice} onChange={(e) => setFormatChoice(e.target.value as FormatChoice)}>
          <option value="auto">detect automatically</option>
          {FORMAT_PARSERS.map((p) => (
            <option key={p.format} value={p.format}>
              {p.format}
            </option>
          ))}
        </select>
      </div>
      <label className="check" title="The functions listed as JSON in BFCL's system prompt and answers as Python calls [f(a=1)]: how the leaderboard prompts models without native tools, and what FunReason trains on. Off: native tools and JSON tool calls.">
        <input type="checkbox" checked={bfclPromptMode} onChange={(e) => setBfclPromptMode(e.target.checked)} /> BFCL files in BFCL's prompt mode (system prompt, Python-call answers)
      </label>
      <label className="check" title="A conversation that calls tools in several turns (look something up, then act on it) trains its last calling turn; the earlier ones are prompt, never learned. Ticked, each earlier calling turn is an example of its own as well, with the conversation before it as its prompt and its own reasoning, evaluated like any other; the turns of one conversation are held out together.">
        <input type="checkbox" checked={everyCallTurn} onChange={(e) => setEveryCallTurn(e.target.checked)} data-testid="every-call-turn" /> Learn every calling turn of a conversation (each an example of its own), not only its last
      </label>
      {Object.keys(detected).length > 0 && (
        <p className="muted" data-testid="detected-format">
          Detected: {Object.entries(detected).map(([f, fmt]) => `${f} → ${fmt}`).join(', ')}
        </p>
      )}
      <p className="sr-only" role="status" data-testid="import-announcer">
        {said}
      </p>
      {progress && <ProgressBar label={progressLabel(progress)} done={progress.bytesDone} total={progress.bytesTotal} detail={progress.phase === 'download' ? `${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}` : `${progress.recordsDone.toLocaleString()} records · ${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}`} testId="import-progress" />}
      {progress && (
        <button type="button" aria-disabled={progress.cancelling || undefined} onClick={() => void cancelImport()}>
          {progress.cancelling ? 'Cancelling…' : progress.phase === 'download' ? 'Cancel the download' : 'Cancel the import'}
        </button>
      )}
      {lastImport && (
        <div data-testid="import-result">
          <p>{importResultText(lastImport)}</p>
          {earlierCalls && (
            <p className="muted" data-testid="earlier-calls-note">
              {earlierCalls}
            </p>
          )}
          {lastImport.hub && <p className="muted" data-testid="hub-import-source">{hubSourceText(lastImport.hub)}</p>}
          <ul className="plain">
            {lastImport.files.map((f) => (
              <li key={f.name}>
                {f.name}: {f.format ?? 'format not recognised'}
                {f.detected ? ' (detected)' : ''} · {f.imported} imported{f.earlierCallTurns ? ` (${f.earlierCallTurns} of them earlier calling turns)` : ''} · {f.rejected} rejected
              </li>
            ))}
          </ul>
          {lastImport.issues.length > 0 && (
            <details>
              <summary>Skipped records ({lastImport.issueCount})</summary>
              <ul className="issues">
                {lastImport.issues.slice(0, 200).map((i, n) => (
                  <li key={n}>{i}</li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
    </div>
  );
}

function progressLabel(p: ImportProgressView): string {
  return `${p.phase === 'download' ? 'Downloading' : 'Importing'} ${p.file}`;
}

/** Where a Hub import's files came from, and what of the repo it left out. */
export function hubSourceText(hub: NonNullable<LastImport['hub']>): string {
  const from = hub.revision === 'refs/convert/parquet' ? ' (the Hub’s Parquet conversion of it: the repo holds no .json, .jsonl or .parquet files)' : hub.revision === 'main' ? '' : ` at ${hub.revision}`;
  const shown = hub.leftOut.slice(0, 10).join(', ') + (hub.leftOut.length > 10 ? `, and ${hub.leftOut.length - 10} more` : '');
  const left = !hub.leftOut.length ? '' : hub.chosen ? ` The files you chose; left out: ${shown}.` : ` Its train split only; left out: ${shown}.`;
  const reused = !hub.reused?.length ? '' : hub.reused.length === hub.files.length ? ' (downloaded earlier: nothing was fetched again)' : ` (${hub.reused.length} of them downloaded earlier, not fetched again)`;
  return `From ${hub.repo}${from}: ${plural(hub.files.length, 'file')}${reused}.${left}`;
}

/** How many imported conversations call tools in turns before the one they train, left as prompt;
 * empty when none, or when every calling turn was learned. */
export function earlierCallsText(files: Array<{ earlierCallsInPrompt?: number }>): string {
  const n = files.reduce((s, f) => s + (f.earlierCallsInPrompt ?? 0), 0);
  if (n === 0) return '';
  return `${n === 1 ? '1 example calls' : `${plural(n, 'example')} call`} tools in earlier turns too; those turns are prompt, not trained (each example's notes say how many). To learn them, tick “Learn every calling turn of a conversation” and import again: each becomes an example of its own.`;
}

/** "120 examples imported, 3 records skipped.", or that they are a stored dataset's already. */
export function importResultText(r: { imported: number; issueCount: number; alreadyStoredAs?: string; choicesKept?: number; storedOneByOneAs?: string }): string {
  const skipped = r.issueCount > 0 ? `, ${plural(r.issueCount, 'record')} skipped` : '';
  // A snapshot's lines choose which examples are used; the stored dataset keeps its own choices.
  const kept = r.choicesKept ? ` It uses or leaves out ${plural(r.choicesKept, 'example')} otherwise than the file’s lines say ("included"): it keeps its own choices; change them in its examples table.` : '';
  if (r.alreadyStoredAs !== undefined) return `${r.imported === 1 ? 'This example is' : `These ${plural(r.imported, 'example')} are`} already stored as “${r.alreadyStoredAs}”, split alike: nothing new was saved, and “${r.alreadyStoredAs}” is selected${skipped}.${kept}`;
  // The same examples stored before splits went by question: two datasets of one name, said apart.
  const older = r.storedOneByOneAs !== undefined ? ` “${r.storedOneByOneAs}” holds the same examples, split one by one (stored before splits went by question): this copy holds out each question with every example that asks it. Train and evaluate on this one; delete the other once its runs no longer matter.` : '';
  return `${plural(r.imported, 'example')} imported${skipped}.${older}`;
}
