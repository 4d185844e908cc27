// The one adapter from worker events to the page: metric points go straight to the run series
// (charts) and the runs table, statuses to the runs store, device problems to the capability
// store. A run's events are shared with the studio's other tabs, and theirs applied here alike.
// Installed once.
import { engineClient } from './engine.ts';
import { routeEvalEvent, routeMetricEvent } from './runSeries.ts';
import { useRuns } from './runStore.ts';
import { useJobs } from './jobStore.ts';
import { useModel } from './modelStore.ts';
import { useCapabilities } from './capabilityStore.ts';
import { routeTokenLoss } from './tokenLossStream.ts';
import { isRunEvent, openRunBroadcast, type RunEvent } from './runBroadcast.ts';

let installed = false;

/** Applies one run's event, from this tab's worker or (`fromOtherTab`) another tab's. */
export function applyRunEvent(e: RunEvent, fromOtherTab: boolean): void {
  if (e.type === 'run-metric') {
    routeMetricEvent(e.runId, e.metric);
    useRuns.getState().noteMetric(e.runId, e.metric);
  } else if (e.type === 'run-eval') routeEvalEvent(e.runId, e.metric);
  else if (e.type === 'run-token-loss') routeTokenLoss(e.runId, e.strip);
  else {
    useRuns.getState().noteStatus(e.runId, e.status, e.message, e.step);
    // The other tab's run may be new here, and whether it trains there is its lock: read both again.
    if (fromOtherTab) void useRuns.getState().refreshRuns().catch(() => undefined);
  }
}

/** The rows this tab's job writes now ([] once it ended). */
function noteJobRows(runIds: string[]): void {
  const ended = [...useJobs.getState().rows].filter((id) => !runIds.includes(id));
  useJobs.getState().noteJobRows(runIds);
  useRuns.getState().noteEndedHere(ended);
}

export function installWorkerEvents(): void {
  if (installed) return;
  installed = true;
  const broadcast = openRunBroadcast((e) => applyRunEvent(e, true));
  engineClient().onEvent((e) => {
    if (isRunEvent(e)) {
      applyRunEvent(e, false);
      broadcast.share(e);
    } else if (e.type === 'generation') useJobs.getState().noteGeneration(e.streamId, e.text);
    else if (e.type === 'job-rows') noteJobRows(e.runIds);
    else if (e.type === 'model-files-gone') useModel.getState().noteModelFilesGone(e.modelRef, e.message);
    else if (e.type === 'device-lost' || e.type === 'device-ready' || e.type === 'worker-crashed' || e.type === 'worker-error' || e.type === 'message-unreadable' || e.type === 'gpu-error') {
      // A worker gone writes no row any more, and will never say its job's rows ended: its HDR run or
      // ablation left `running` reads as interrupted, not as written by this tab. The run this tab
      // trained is still active here (its request fails after this event): it stopped with the worker
      // too, not with a closed page, though its row reads the same.
      if (e.type === 'worker-crashed') {
        useJobs.getState().noteWorkerEnded(useRuns.getState().active?.runId ?? null);
        noteJobRows([]);
      }
      useCapabilities.getState().noteHealth(e);
    }
  });
}
