// Models cached in this browser's private storage, with their size and a delete button.
import { useEffect } from 'react';
import { useModel } from '../../state/modelStore.ts';
import { formatBytes } from '../format.ts';

export function CachedModels() {
  const cached = useModel((s) => s.cached);
  const cacheError = useModel((s) => s.cacheError);
  const refresh = useModel((s) => s.refreshCachedModels);
  const remove = useModel((s) => s.deleteCachedModel);
  const loaded = useModel((s) => s.info?.ref ?? null);
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
          {cached.map((m) => (
            <li key={m.repo} className="row">
              <span>
                {m.repo} · {m.files} files · {formatBytes(m.bytes)}
              </span>
              <button
                aria-label={`Delete the cached files of ${m.repo}`}
                disabled={m.repo === loaded}
                title={m.repo === loaded ? 'The loaded model: load another model before deleting its files' : undefined}
                onClick={() => void remove(m.repo)}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
