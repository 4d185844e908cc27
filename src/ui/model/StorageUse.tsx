// The Model panel's Storage section: how much of this browser's storage the studio uses, of what
// the browser allows it; whether the browser keeps it when space runs low; and the Hub dataset files
// kept from an import, with their Delete (those an import reads now stay, and say so).
import { useEffect } from 'react';
import { useStorage } from '../../state/storageStore.ts';
import { useModel } from '../../state/modelStore.ts';
import { formatBytes, plural } from '../format.ts';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';

export function StorageUse() {
  const estimate = useStorage((s) => s.estimate);
  const persisted = useStorage((s) => s.persisted);
  const downloads = useStorage((s) => s.downloads);
  const clearing = useStorage((s) => s.clearing);
  const error = useStorage((s) => s.error);
  const refresh = useStorage((s) => s.refresh);
  const clear = useStorage((s) => s.clearDownloads);
  // Counted again when the cached models change (a download ended, a model was deleted).
  const cachedModels = useModel((s) => s.cached);
  useEffect(() => {
    void refresh();
  }, [refresh, cachedModels]);
  const deletable = downloads.filter((d) => !d.inUse);
  const held = downloads.filter((d) => d.inUse);
  const bytes = deletable.reduce((n, d) => n + d.bytes, 0);
  return (
    <div className="stack" data-testid="storage-use">
      <h3>Storage</h3>
      {error && <p className="error">{error}</p>}
      {estimate && (
        <p data-testid="storage-estimate">
          The studio stores {formatBytes(estimate.usage)} in this browser, of {formatBytes(estimate.quota)} the browser allows it
          {estimate.databases !== null && estimate.files !== null
            ? `: ${formatBytes(estimate.databases)} in databases (datasets, runs, checkpoints) and ${formatBytes(estimate.files)} in files (cached models, downloads).`
            : '.'}{' '}
          {persisted === true && 'The browser keeps it when disk space runs low.'}
          {persisted === false && 'The browser may clear it when disk space runs low (Chrome keeps the storage of sites you use often or install).'}
        </p>
      )}
      {downloads.length > 0 && (
        <div className="row" data-testid="dataset-downloads">
          <span>
            Hub dataset files kept from an import: {downloads.map((d) => `${d.repo} · ${plural(d.files, 'file')} · ${formatBytes(d.bytes)}`).join('; ')}. They are fetched again only if deleted; the next Hub import deletes another dataset’s.
          </span>
          {deletable.length > 0 && (
            <KeepFocusButton aria-label={`Delete the downloaded files of ${deletable.map((d) => d.repo).join(', ')} (${formatBytes(bytes)})`} disabled={clearing} onClick={() => void clear()}>
              {clearing ? 'Deleting…' : 'Delete them'}
            </KeepFocusButton>
          )}
          {held.length > 0 && <span className="small muted">{held.map((d) => d.repo).join(', ')}: an import reads {held.length === 1 ? 'it' : 'them'} now, so {held.length === 1 ? 'it stays' : 'they stay'}.</span>}
        </div>
      )}
    </div>
  );
}
