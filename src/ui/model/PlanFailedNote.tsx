// A memory plan that failed, said beside a Start its verdict would have held: that Start stays on
// (the job checks this GPU's limits itself), so the user knows nothing checked the settings first.
import { planFailedNote, useModel } from '../../state/modelStore.ts';

export function PlanFailedNote() {
  const note = useModel(planFailedNote);
  return note ? (
    <p className="muted" data-testid="plan-failed">
      {note}
    </p>
  ) : null;
}
