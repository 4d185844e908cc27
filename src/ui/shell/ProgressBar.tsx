// One progress bar for every wait: a label, done/total, an optional rate, and an ETA when known.
export function ProgressBar({ label, done, total, detail, testId }: { label: string; done: number; total: number; detail?: string; testId?: string }) {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  return (
    <div className="progress" data-testid={testId}>
      <div className="progress-label">
        <span>{label}</span>
        {detail && <span className="muted">{detail}</span>}
      </div>
      <progress max={total > 0 ? total : undefined} value={total > 0 ? done : undefined} aria-label={label}>
        {Math.round(fraction * 100)}%
      </progress>
    </div>
  );
}
