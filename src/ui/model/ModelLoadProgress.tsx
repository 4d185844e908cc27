// Download/loading progress of the model: bytes, total, speed and the file being read.
import { useModel } from '../../state/modelStore.ts';
import { ProgressBar } from '../shell/ProgressBar.tsx';
import { formatBytes } from '../format.ts';

export function ModelLoadProgress() {
  const loading = useModel((s) => s.loading);
  if (!loading) return null;
  const p = loading.progress;
  const detail = p ? `${p.label}: ${formatBytes(p.done)}${p.total > p.done ? ` of ${formatBytes(p.total)}` : ''}${p.rate ? ` · ${formatBytes(p.rate)}/s` : ''}` : 'opening…';
  return (
    <div role="status" aria-live="polite">
      <ProgressBar label={`Loading ${loading.source}`} done={p?.done ?? 0} total={p && p.total > p.done ? p.total : 0} detail={detail} testId="model-progress" />
    </div>
  );
}
