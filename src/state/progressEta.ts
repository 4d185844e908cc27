// How long a counted wait has left at its pace so far: a large dataset tokenizing before a run's
// first step, or counting its tokens for the Dataset panel, takes minutes with only a count to show.

/** A counted phase's first and newest progress, timed (ms). */
export interface PhaseTimes {
  label: string;
  first: { at: number; done: number };
  last: { at: number; done: number };
}

/** The phase's times after a progress report: a new label starts a new phase. */
export function nextPhaseTimes(phase: PhaseTimes | undefined, label: string, done: number, at: number): PhaseTimes {
  const point = { at, done };
  return phase?.label === label ? { ...phase, last: point } : { label, first: point, last: point };
}

/** Seconds left at the phase's pace so far (null: too early to say: under 3 s of it, or nothing
 * counted yet). */
export function phaseEtaSeconds(phase: PhaseTimes | undefined, total: number): number | null {
  if (!phase) return null;
  const { first, last } = phase;
  const counted = last.done - first.done;
  if (last.at - first.at < 3000 || counted <= 0) return null;
  return Math.max(0, ((total - last.done) * (last.at - first.at)) / counted / 1000);
}
