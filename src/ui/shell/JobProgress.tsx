// Progress of the running evaluation / HDR / ablation / playground job, with a cancel button. The
// bar is not a live region (it changes with every chunk); a hidden status says each phase of a start
// on its way (counting, the memory plan's check: once each, not by quarters), the start, each quarter
// and the job's result.
import { useState } from 'react';
import { useJobs, type JobKind } from '../../state/jobStore.ts';
import { ProgressBar } from './ProgressBar.tsx';
import { progressMilestone } from './progressMilestone.ts';
import { useFocusReturn } from './focusReturn.ts';
import { formatBytes } from '../format.ts';

const NAMES: Record<JobKind, string> = { evaluate: 'Evaluation', hdr: 'HDR', ablation: 'Ablation', generate: 'Generating' };

export function JobProgress({ kinds }: { kinds: JobKind[] }) {
  const running = useJobs((s) => s.running);
  const cancelJob = useJobs((s) => s.cancelJob);
  const notice = useJobs((s) => (s.noticeKind && kinds.includes(s.noticeKind) ? s.notice : null));
  const error = useJobs((s) => (s.errorKind && kinds.includes(s.errorKind) ? s.error : null));
  const mine = running && kinds.includes(running.kind) ? running : null;
  // The kind that ran last here, so its end can be said once `running` is gone.
  const [ran, setRan] = useState<JobKind | null>(null);
  if (mine && mine.kind !== ran) setRan(mine.kind);
  // Cancel had the focus when the job ended: the panel (main) takes it.
  useFocusReturn(mine?.kind ?? null, () => 'main');
  const p = mine?.progress;
  // A generated answer says itself (PlaygroundAnswer); an error is an alert already. Bytes are the
  // model's upload before the job's own work: its quarters are said as the upload's.
  // After the job: its result (the notice); nothing once that is dismissed.
  const said = mine ? (mine.starting ? `${NAMES[mine.kind]}: ${mine.starting}.` : progressMilestone(NAMES[mine.kind], p?.done ?? 0, p?.total ?? 0, p?.unit === 'bytes' ? p.label : undefined)) : ran && ran !== 'generate' && !error ? (notice ?? '') : '';
  return (
    <>
      <p className="sr-only" role="status" data-testid="job-announcer">
        {said}
      </p>
      {mine && (
        <div className="row" data-testid={`job-${mine.kind}`}>
          <ProgressBar label={NAMES[mine.kind]} done={p?.done ?? 0} total={p?.total ?? 0} detail={p ? `${p.label}${p.total > 1 || p.done > 0 ? ` · ${p.unit === 'bytes' ? `${formatBytes(p.done)} of ${formatBytes(p.total)}` : p.unit === 'examples' ? `${p.done} of ${p.total} examples` : `${p.done} / ${p.total}`}` : ''}` : 'starting…'} />
          {/* type="button": the playground shows this inside its form, where a plain button submits. */}
          <button type="button" onClick={() => void cancelJob()} aria-label={`Cancel the ${NAMES[mine.kind].toLowerCase()} job`}>
            Cancel
          </button>
        </div>
      )}
    </>
  );
}
