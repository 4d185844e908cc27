// A stored dataset's push to a Hugging Face dataset repo (its row's "Hub" opens the form): to which
// repo, with which access token (the Model panel's, one for the page, kept in memory only), whether a
// repo the push makes is private, and whether the examples left out of training go too. Then the
// push's progress with Cancel, and what landed or why not.
import { useState } from 'react';
import { describeDatasetPushed, useDatasetPush, type DatasetPushForm } from '../../state/datasetPushStore.ts';
import { hubRepoNameOf } from '../../state/hubRepoName.ts';
import { useModel } from '../../state/modelStore.ts';
import { formatBytesShort } from '../../state/formatBytesShort.ts';
import { HubPushFooter, HubRepoFields } from '../shell/HubRepoFields.tsx';
import { Alert } from '../shell/Alert.tsx';
import { ProgressBar } from '../shell/ProgressBar.tsx';

export function DatasetHubPush() {
  const { form, running, pushed, error, cancel, dismiss } = useDatasetPush();
  return (
    <>
      {form && !running && <DatasetHubForm key={form.datasetId} form={form} />}
      {running && (
        <div className="row" data-testid="dataset-push-progress">
          <ProgressBar label={`Pushing to the Hub: ${running.label}`} done={running.done} total={running.total} {...(running.unit === 'bytes' && running.total ? { detail: `${formatBytesShort(running.done)} of ${formatBytesShort(running.total)}` } : {})} />
          <button type="button" onClick={() => void cancel()} disabled={running.cancelling} data-testid="dataset-push-cancel">
            {running.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        </div>
      )}
      {error && <Alert message={error} onDismiss={dismiss} testId="dataset-push-error" />}
      {pushed && (
        <Alert
          kind="notice"
          message={describeDatasetPushed(pushed)}
          onDismiss={dismiss}
          testId="dataset-pushed"
          action={
            <a href={pushed.repoUrl} target="_blank" rel="noreferrer">
              Open {pushed.repo} on the Hub
            </a>
          }
        />
      )}
    </>
  );
}

function DatasetHubForm({ form }: { form: DatasetPushForm }) {
  const push = useDatasetPush((s) => s.push);
  const openForm = useDatasetPush((s) => s.openForm);
  const hubToken = useModel((s) => s.hubToken);
  const [repo, setRepo] = useState(() => hubRepoNameOf(form.datasetName, 'balancesft-dataset'));
  const [isPrivate, setPrivate] = useState(true);
  const [onlyIncluded, setOnlyIncluded] = useState(true);
  const ready = !!repo.trim() && !!hubToken;
  return (
    <form
      className="hub-push"
      aria-label={`Push dataset ${form.datasetName} to the Hugging Face Hub`}
      data-testid="dataset-push-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (ready) void push({ repo, private: isPrivate, onlyIncluded });
      }}
    >
      <h3>Push “{form.datasetName}” to the Hugging Face Hub</h3>
      <p className="muted small">
        A dataset repo with data/train.jsonl, every example in OpenAI's messages form (reasoning as reasoning_content, calls as tool_calls, HDR's added ones marked with their round), and a dataset card. datasets.load_dataset, TRL and this studio read it by the repo's id.
      </p>
      <HubRepoFields id="dataset-push" repo={repo} onRepo={setRepo} />
      <label>
        <input type="checkbox" checked={onlyIncluded} onChange={(e) => setOnlyIncluded(e.target.checked)} data-testid="dataset-push-only-included" /> Only the examples used for training (those left out stay here)
      </label>
      <HubPushFooter id="dataset-push" isPrivate={isPrivate} onPrivate={setPrivate} ready={ready} onClose={() => openForm(null)} />
    </form>
  );
}
