// What the run strip's live region says of the active training run: each phase of its start on its
// way (its model loading, the memory plan's check), that it started, about every tenth of its steps,
// and how it ended (paused, stopped, finished, failed, with its last loss).
// Nothing per step: a screen reader would read nothing else.
import { failedWhen, type RunStatus } from '../../worker/protocol.ts';
import { formatMetric } from '../format.ts';

/** The run as the strip sees it now. */
export type RunMoment =
  | { runId: string; name: string; phase: 'waiting'; doing: string; words: string }
  | { runId: string; name: string; phase: 'starting' }
  | { runId: string; name: string; phase: 'training'; step: number; total: number; loss?: number }
  | { runId: string; name: string; phase: 'ended'; status: RunStatus; step: number; message?: string; loss?: number };

/** What was last said, and which milestone it was ('started', 'tenth-3', 'ended'). */
export interface RunAnnouncement {
  runId: string;
  key: string;
  text: string;
}

function milestoneKey(now: RunMoment): string | null {
  if (now.phase === 'ended') return now.status === 'paused' || now.status === 'done' || now.status === 'failed' ? 'ended' : null;
  if (now.phase === 'waiting') return `waiting: ${now.words}`;
  if (now.phase === 'starting' || !(now.total > 0)) return 'started';
  // Tenths 1 to 9: the last step is said as "finished", not as 100%.
  const tenth = Math.min(9, Math.floor((10 * now.step) / now.total));
  return tenth === 0 ? 'started' : `tenth-${tenth}`;
}

const lossText = (loss: number | undefined, what: string) => (loss === undefined ? '' : `, ${what} ${formatMetric(loss)}`);

function say(now: RunMoment, key: string): string {
  const run = `Training “${now.name}”`;
  // A start's, or an export's that loads its run's model first ("Exporting a recipe of").
  if (now.phase === 'waiting') return `${now.doing} “${now.name}”: ${now.words}.`;
  if (now.phase === 'starting' || key === 'started') return `${run} started.`;
  if (now.phase === 'training') return `${run}: ${key.slice(6)}0% done, step ${now.step} of ${now.total}${lossText(now.loss, 'loss')}.`;
  if (now.phase !== 'ended') return '';
  if (now.status === 'paused') return `${run} paused at step ${now.step}; its checkpoint is saved${lossText(now.loss, 'loss')}.`;
  if (now.status === 'failed') return `${run} failed ${failedWhen(now.step)}${now.message ? `: ${now.message}` : ''}${lossText(now.loss, 'last loss')}.`;
  // A run that ends early with a reason was stopped (the only such reason is the user's Stop).
  if (now.message) return `${run} stopped at step ${now.step}${lossText(now.loss, 'final loss')}.`;
  return `${run} finished: ${now.step} steps${lossText(now.loss, 'final loss')}.`;
}

/** The next thing to say, or null to stay quiet (the same milestone as last time, or nothing to say). */
export function nextRunAnnouncement(prev: RunAnnouncement | null, now: RunMoment | null): RunAnnouncement | null {
  if (!now) return null;
  const key = milestoneKey(now);
  if (key === null || (prev?.runId === now.runId && prev.key === key)) return null;
  // An end is said only of a run this strip saw start.
  if (key === 'ended' && prev?.runId !== now.runId) return null;
  return { runId: now.runId, key, text: say(now, key) };
}
