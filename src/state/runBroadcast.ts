// A training run's live events, shared with the studio's other tabs. Each tab has its own worker and
// hears only its own; without this, a tab looking at a run another tab trains showed the step it
// had when it last read the database (and a chart that stood still) until the run ended.
import type { WorkerEvent } from '../worker/protocol.ts';

export type RunEvent = Extract<WorkerEvent, { type: 'run-metric' | 'run-eval' | 'run-status' | 'run-token-loss' }>;

const RUN_EVENTS = new Set<string>(['run-metric', 'run-eval', 'run-status', 'run-token-loss']);
export const RUN_CHANNEL = 'balancesft-runs';

export function isRunEvent(e: WorkerEvent): e is RunEvent {
  return RUN_EVENTS.has(e.type);
}

export interface RunBroadcast {
  /** Tells the other tabs (a tab never hears its own). */
  share(e: RunEvent): void;
  close(): void;
}

/** Opens the channel; `fromOtherTab` hears what the other tabs' workers report. Where there is no
 * BroadcastChannel, sharing does nothing. */
export function openRunBroadcast(fromOtherTab: (e: RunEvent) => void, name = RUN_CHANNEL): RunBroadcast {
  if (typeof BroadcastChannel === 'undefined') return { share() {}, close() {} };
  const channel = new BroadcastChannel(name);
  channel.onmessage = (m: MessageEvent<unknown>) => {
    const e = m.data as WorkerEvent | null;
    if (e && typeof e === 'object' && isRunEvent(e)) fromOtherTab(e);
  };
  return {
    share: (e) => channel.postMessage(e),
    close: () => channel.close(),
  };
}
