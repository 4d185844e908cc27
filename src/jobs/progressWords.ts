// How far a counted phase of examples is, in the words the CLI's progress line and the studio's run
// strip both say: a run's training and held-out examples apart ("0 of 303 examples" for a run that
// trains on 287 read as examples unaccounted for).
import type { ProgressInfo } from './context.ts';

export function examplesDoneText(p: Pick<ProgressInfo, 'done' | 'total' | 'heldOut'>): string {
  const n = (x: number) => x.toLocaleString('en-US');
  if (p.heldOut === undefined) return `${n(p.done)} of ${n(p.total)} examples`;
  const train = p.total - p.heldOut;
  const heldOut = p.heldOut ? ` + ${n(p.heldOut)} held out` : '';
  if (p.done <= train) return `${n(p.done)} of ${n(train)} training examples${heldOut}`;
  return `${n(train)} training examples + ${n(p.done - train)} of ${n(p.heldOut)} held out`;
}
