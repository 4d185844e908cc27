// Progress of the running evaluation / HDR / ablation / playground job, with a cancel button.
import { useJobs, type JobKind } from '../../state/jobStore.ts';
import { ProgressBar } from './ProgressBar.tsx';

const NAMES: Record<JobKind, string> = { evaluate: 'Evaluation', hdr: 'HDR', ablation: 'Ablation', generate: 'Generating' };

export function JobProgress({ kinds }: { kinds: JobKind[] }) {
  const running = useJobs((s) => s.running);
  const cancelJob = useJobs((s) => s.cancelJob);
  if (!running || !kinds.includes(running.kind)) return null;
  const p = running.progress;
  return (
    <div className="row" role="status" aria-live="polite" data-testid={`job-${running.kind}`}>
      <ProgressBar label={NAMES[running.kind]} done={p?.done ?? 0} total={p?.total ?? 0} detail={p ? `${p.label}${p.total ? ` · ${p.done} / ${p.total}` : ''}` : 'starting…'} />
      {/* type="button": the playground shows this inside its form, where a plain button submits. */}
      <button type="button" onClick={() => void cancelJob()} aria-label={`Cancel the ${NAMES[running.kind].toLowerCase()} job`}>
        Cancel
      </button>
    </div>
  );
}
