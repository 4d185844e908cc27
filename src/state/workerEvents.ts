// The one adapter from worker events to the page: metric points go straight to the run series
// (charts), statuses to the runs store, device problems to the capability store. Installed once.
import { engineClient } from './engine.ts';
import { routeEvalEvent, routeMetricEvent } from './runSeries.ts';
import { useRuns } from './runStore.ts';
import { useJobs } from './jobStore.ts';
import { useCapabilities } from './capabilityStore.ts';
import { routeTokenLoss } from './tokenLossStream.ts';

let installed = false;

export function installWorkerEvents(): void {
  if (installed) return;
  installed = true;
  engineClient().onEvent((e) => {
    if (e.type === 'run-metric') routeMetricEvent(e.runId, e.metric);
    else if (e.type === 'run-eval') routeEvalEvent(e.runId, e.metric);
    else if (e.type === 'run-status') useRuns.getState().noteStatus(e.runId, e.status, e.message);
    else if (e.type === 'run-token-loss') routeTokenLoss(e.runId, e.strip);
    else if (e.type === 'generation') useJobs.getState().noteGeneration(e.streamId, e.text);
    else if (e.type === 'device-lost' || e.type === 'device-ready' || e.type === 'worker-crashed' || e.type === 'worker-error' || e.type === 'gpu-error') useCapabilities.getState().noteHealth(e);
  });
}
