// The expected answer of an example, edited by hand: a dataset's label can be wrong (a wrong
// argument, the wrong function), and the evaluation then counts a right answer wrong and training
// teaches the mistake. The boxes show the answer as it trains (calls in the dataset's own syntax);
// the worker reads them back as it reads a model's answer and refuses, with what to change, what it
// cannot read. An edited example keeps the imported answer to restore. Held while a job reads the
// dataset, as including or leaving out is.
import type { ExampleRow } from '../../state/queries.ts';
import { useDatasetHeld, useResumableRunsOn } from '../../state/jobStore.ts';
import { otherEditWaiting, sameExample, useAnswerEdit } from '../../state/answerEditStore.ts';
import { answerDraft, answerDraftFromOutput } from '../../data/answer-edit.ts';
import { Alert } from '../shell/Alert.tsx';
import { useFocusReturn } from '../shell/focusReturn.ts';
import { targetCallTexts } from './exampleText.ts';

const EDITING = 'edit its examples';
const editButtonId = (exampleId: string) => `edit-answer-${exampleId}`;

/** `modelAnswer`: a failed evaluation answer whose calls read, offered as the expected answer (the
 * model was right and the label wrong); the boxes open holding it, to check before saving. */
export function ExampleAnswerEditor({ row, modelAnswer }: { row: ExampleRow; modelAnswer?: string }) {
  const key = { datasetId: row.datasetId, exampleId: row.id };
  const edit = useAnswerEdit((s) => (sameExample(s.edit, key) ? s.edit : null));
  const done = useAnswerEdit((s) => (sameExample(s.done, key) ? s.done : null));
  const restoring = useAnswerEdit((s) => sameExample(s.restoring, key));
  const other = useAnswerEdit((s) => otherEditWaiting(s, key));
  const held = useDatasetHeld(row.datasetId, EDITING);
  // A change to a training example a paused run owns stops its resume (the trainer's digest of them).
  const resumable = useResumableRunsOn(row.datasetId, edit && row.split === 'train' ? { change: { exampleId: row.id }, included: row.included !== 1 } : null);
  const waiting = held ?? other;
  const store = useAnswerEdit.getState();
  const python = row.example.target.callSyntax === 'python';
  const original = row.original;
  // Saved or cancelled, the form goes: the keyboard focus goes back to the button that opened it.
  useFocusReturn(edit ? row.id : null, editButtonId);
  return (
    <div className="stack" data-testid="answer-editor">
      {original && (
        <div className="note" data-testid="answer-edited">
          <p>You edited this answer. The dataset’s own: {importedAnswerText(original.target, row.example.target)}.</p>
          {!edit && (
            <button data-testid="restore-answer" aria-disabled={waiting !== null || restoring} title={waiting ?? undefined} onClick={() => waiting === null && !restoring && void store.restore(key)}>
              {restoring ? 'Restoring…' : 'Restore the imported answer'}
            </button>
          )}
        </div>
      )}
      {!edit && (
        <div className="row">
          <button id={editButtonId(row.id)} data-testid="edit-answer" aria-disabled={waiting !== null} title={waiting ?? undefined} onClick={() => waiting === null && store.start(key, answerDraft(row.example.target))}>
            Edit the expected answer
          </button>
          {modelAnswer !== undefined && (
            <button
              data-testid="use-model-answer"
              aria-disabled={waiting !== null}
              title={waiting ?? 'Opens the editor holding the model’s answer: check it, then save'}
              onClick={() => {
                const proposal = answerDraftFromOutput(modelAnswer, row.example.target.callSyntax);
                if (waiting === null && proposal) store.start(key, answerDraft(row.example.target), proposal);
              }}
            >
              Use the model’s answer as the expected one
            </button>
          )}
          {waiting && <span className="muted">{waiting}</span>}
        </div>
      )}
      {edit && (
        <form
          className="stack"
          data-testid="answer-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            if (waiting === null) void store.save();
          }}
        >
          <div className="field">
            <label htmlFor="answer-reasoning">Reasoning</label>
            <textarea id="answer-reasoning" rows={3} value={edit.draft.reasoning} onChange={(ev) => store.change({ reasoning: ev.target.value })} spellCheck={false} disabled={edit.saving} />
          </div>
          <div className="field">
            <label htmlFor="answer-calls">Calls</label>
            <textarea id="answer-calls" rows={4} className="mono" value={edit.draft.calls} onChange={(ev) => store.change({ calls: ev.target.value })} spellCheck={false} disabled={edit.saving} aria-describedby="answer-calls-help" />
            <p className="muted" id="answer-calls-help">
              {python
                ? 'As the model writes them: [f(a=1, b="x"), g()]; [] when no function applies.'
                : 'As the model writes them: a JSON list, [{"name": "f", "arguments": {"a": 1}}]; empty for an answer that calls nothing. A whole float stays 5.0.'}
              {row.example.possibleAnswer && ' The dataset lists the answers it accepts for these calls (BFCL’s possible answers): changed calls replace them with yours alone.'}
            </p>
          </div>
          <div className="field">
            <label htmlFor="answer-content">Answer text (words for the user, beside or instead of calls)</label>
            <textarea id="answer-content" rows={2} value={edit.draft.content} onChange={(ev) => store.change({ content: ev.target.value })} disabled={edit.saving} />
          </div>
          <div className="row">
            <button type="submit" className="primary" data-testid="save-answer" aria-disabled={waiting !== null || edit.saving} title={waiting ?? undefined}>
              {edit.saving ? 'Saving…' : 'Save the answer'}
            </button>
            <button type="button" aria-disabled={edit.saving} onClick={() => store.cancel()}>
              Cancel
            </button>
          </div>
          {waiting && <p className="muted">{waiting}</p>}
          {resumable.length > 0 && (
            <p className="note" data-testid="answer-paused-note">
              {resumable.length === 1 ? `The run ${resumable[0]} resumes` : `The runs ${resumable.join(', ')} resume`} over this dataset’s training examples as they are now: after this edit {resumable.length === 1 ? 'it' : 'they'} cannot resume until you restore the imported answer.
            </p>
          )}
          {edit.error && <Alert message={edit.error} />}
        </form>
      )}
      {done && (
        <p role="status" className={done.failed ? 'error' : 'ok'} data-testid="answer-saved">
          {done.text}
        </p>
      )}
    </div>
  );
}

/** The imported answer, in the detail's words: its calls, and its text and reasoning where the edit changed them. */
export function importedAnswerText(imported: ExampleRow['example']['target'], now: ExampleRow['example']['target']): string {
  const calls = imported.calls.length ? targetCallTexts(imported).join('; ') : 'no call';
  const text = (imported.content ?? '') !== (now.content ?? '') ? (imported.content ? `, with the text “${imported.content}”` : ', with no text') : '';
  const reasoning = (imported.reasoning ?? '') !== (now.reasoning ?? '') ? (imported.reasoning ? `, reasoning “${imported.reasoning}”` : ', no reasoning') : '';
  return `${calls}${text}${reasoning}`;
}
