// Telling the user a training run ended while they looked elsewhere: a system notification when the
// browser allows it (asked for when a run starts, which is a click), and the tab's title always,
// until the page is looked at again. Never required: without permission only the title changes.
import { failedWhen } from '../worker/protocol.ts';

const TITLE = typeof document === 'undefined' ? '' : document.title;

export function askToNotify(): void {
  try {
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission();
  } catch {
    // Notifications unavailable (an iframe, an old browser): the title still says it.
  }
}

/** `steps`: the steps the run was to train; a `done` run short of them was stopped by the user. */
const stoppedEarly = (status: string, step: number, steps?: number) => status === 'done' && steps !== undefined && step < steps;

export function runEndedText(runName: string, status: string, step: number, steps?: number): string {
  // `created`: stopped before a step; a resumed run keeps the steps it had trained.
  if (status === 'created') return step > 0 ? `Training “${runName}” stopped before it went on from step ${step}` : `Training “${runName}” stopped before it trained a step`;
  // A run's step is the number of steps it finished: a failed one failed in the next.
  if (status === 'failed') return `Training “${runName}” failed ${failedWhen(step)}`;
  if (stoppedEarly(status, step, steps)) return `Training “${runName}” stopped at step ${step} of ${steps}`;
  const how = status === 'done' ? 'finished' : status;
  return `Training “${runName}” ${how} at step ${step}`;
}

export function notifyRunEnded(runName: string, status: string, step: number, steps?: number): void {
  if (typeof document === 'undefined' || !document.hidden) return;
  const text = runEndedText(runName, status, step, steps);
  // Marked only when the run trained all its steps, or failed: a pause or a stop is neither.
  const mark = status === 'done' && !stoppedEarly(status, step, steps) ? '✓ ' : status === 'failed' ? '✗ ' : '';
  document.title = `${mark}${text} · ${TITLE}`;
  const restore = () => {
    if (document.hidden) return;
    document.title = TITLE;
    document.removeEventListener('visibilitychange', restore);
  };
  document.addEventListener('visibilitychange', restore);
  try {
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted') new Notification('BalanceSFT Studio', { body: text });
  } catch {
    // A browser that refuses page notifications: the title says it.
  }
}
