// Models cached in this browser's private storage, with their size and a delete button.
import { useEffect } from 'react';
import { cachedModelInUse, useModel } from '../../state/modelStore.ts';
import { formatBytes, plural } from '../format.ts';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';

export function CachedModels() {
  const cached = useModel((s) => s.cached);
  const cacheError = useModel((s) => s.cacheError);
  const refresh = useModel((s) => s.refreshCachedModels);
  const remove = useModel((s) => s.deleteCachedModel);
  const loaded = useModel((s) => s.info?.ref ?? null);
  const loading = useModel((s) => s.loading?.source ?? null);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return (
    <div className="stack" data-testid="cached-models">
      <h3>Cached models</h3>
      {cacheError && <p className="error">{cacheError}</p>}
      {cached.length === 0 ? (
        <p className="muted">No downloaded models in this browser yet (the embedded model needs no download).</p>
      ) : (
        <ul className="plain">
          {cached.map((m) => {
            const inUse = cachedModelInUse(m.repo, loaded, loading);
            // One loaded and one loading model at most: an id each.
            const whyId = inUse === 'loading' ? 'cached-loading-why' : 'cached-loaded-why';
            return (
              <li key={m.repo} className="row">
                <span>
                  {m.repo} · {plural(m.files, 'file')} · {formatBytes(m.bytes)}
                  {m.partialFiles > 0 && ` · ${m.partialFiles === 1 ? 'one file' : `${m.partialFiles} files`} partly downloaded (loading the model resumes the download)`}
                </span>
                <KeepFocusButton aria-label={`Delete the cached files of ${m.repo}`} disabled={!!inUse} reasonId={whyId} onClick={() => void remove(m.repo)}>
                  Delete
                </KeepFocusButton>
                {/* Why its Delete is off, in words a keyboard and screen reader reach (not a hover title). */}
                {inUse && (
                  <span className="small muted" id={whyId}>
                    {inUse === 'loaded' ? 'The loaded model: load another model before deleting its files.' : 'Loading now: wait for its load to end before deleting its files.'}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
