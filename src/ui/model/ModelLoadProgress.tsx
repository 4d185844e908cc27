// Download/loading progress of the model: bytes, total, speed and the file being read, with its
// Cancel. The bar is not a live region (it changes with every network chunk); a hidden status says
// the start, each quarter, and that the model is loaded.
import { useState } from 'react';
import { useModel } from '../../state/modelStore.ts';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { useFocusReturn } from '../shell/focusReturn.ts';
import { ProgressBar } from '../shell/ProgressBar.tsx';
import { progressMilestone } from '../shell/progressMilestone.ts';
import { formatBytes } from '../format.ts';

export function ModelLoadProgress() {
  const loading = useModel((s) => s.loading);
  const loaded = useModel((s) => s.info?.ref ?? null);
  const failed = useModel((s) => !!s.error);
  // A cancelled load's notice says itself (a status): nothing was loaded to announce.
  const cancelled = useModel((s) => !!s.notice);
  const cancelLoad = useModel((s) => s.cancelLoad);
  // The Cancel goes with the load: the focus it had goes to the panel's heading, not the page body.
  useFocusReturn(loading?.source ?? null, () => 'model-title');
  // What was loading, so its end can be said once `loading` is gone.
  const [source, setSource] = useState<string | null>(null);
  if (loading && loading.source !== source) setSource(loading.source);
  const p = loading?.progress ?? null;
  // A finished file is 100%, not a bar that empties for its last moments.
  const total = p && p.total > 0 && p.total >= p.done ? p.total : 0;
  const said = loading ? progressMilestone(`Loading ${loading.source}`, p?.done ?? 0, total) : source && loaded && !failed && !cancelled ? `${loaded} is loaded.` : '';
  const announcer = (
    <p className="sr-only" role="status" data-testid="model-announcer">
      {said}
    </p>
  );
  if (!loading) return announcer;
  const detail = p ? `${p.label}: ${formatBytes(p.done)}${p.total > p.done ? ` of ${formatBytes(p.total)}` : ''}${p.rate ? ` · ${formatBytes(p.rate)}/s` : ''}` : 'opening…';
  return (
    <>
      {announcer}
      <ProgressBar label={`Loading ${loading.source}`} done={p?.done ?? 0} total={total} detail={detail} testId="model-progress" />
      <div className="row">
        {/* Off but focusable once pressed, until the worker has stopped the load. */}
        <KeepFocusButton data-testid="model-load-cancel" disabled={!!loading.cancelling} onClick={() => void cancelLoad()} aria-label={`Cancel loading ${loading.source}`}>
          {loading.cancelling ? 'Cancelling…' : 'Cancel'}
        </KeepFocusButton>
      </div>
    </>
  );
}
