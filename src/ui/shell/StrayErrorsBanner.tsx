// The banner for errors the GPU or the worker raised outside any request (capabilityStore's
// strayErrors), with what they mean for the work under way and what a reload does to it. Its words
// must hold for what the code does: a GPU error fails the job's next readback (gpu/context.ts
// throwIfRefused), and a reload interrupts a training run, which waits for a Resume (runStore's
// resumeLabel: from its newest checkpoint, or from step 0 when it saved none).
import { useCapabilities } from '../../state/capabilityStore.ts';

export function StrayErrorsBanner() {
  const strayErrors = useCapabilities((s) => s.strayErrors);
  const dismissStrayErrors = useCapabilities((s) => s.dismissStrayErrors);
  if (strayErrors.length === 0) return null;
  return (
    <div className="error banner" role="alert" data-testid="stray-errors">
      {strayErrors.map((m) => (
        <p key={m}>{m}</p>
      ))}
      <p>
        A job using the GPU stops at its next result after a GPU error, and says so in its panel. If something stops responding, reload the page: your
        runs and datasets are kept, and a run training now stops there; resume it afterwards from its last checkpoint (from step 0 if it saved none).{' '}
        <button onClick={() => location.reload()}>Reload</button> <button onClick={dismissStrayErrors}>Dismiss</button>
      </p>
    </div>
  );
}
