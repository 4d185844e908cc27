// Steps and epochs, one conversion for everything that says how long a run trains: `studio train
// --epochs`, the Training panel's note, the dashboard and the CLI's summary. An optimizer step
// takes batchSize × gradAccum examples, and the trainer's data cursor (batching.ts) runs on into the
// next epoch without dropping or repeating an example, so a run of S steps has passed over its N
// training examples exactly S·batch·accum / N times, a fraction included.
import { plural } from '../data/plural.ts';

/** The steps that pass `epochs` times over `examples` training examples (at least one step). */
export function stepsForEpochs(epochs: number, examples: number, batchSize: number, gradAccum: number): number {
  return Math.max(1, Math.ceil((epochs * examples) / (batchSize * gradAccum)));
}

/** The passes over `examples` training examples that `steps` steps make. */
export function epochsOfSteps(steps: number, examples: number, batchSize: number, gradAccum: number): number {
  return (steps * batchSize * gradAccum) / examples;
}

/** Passes in words: "1 epoch", "2.5 epochs", "0.07 epochs" (two significant digits below one, one
 * decimal below ten, whole above), rounded as the reader reads them: 0.999 is "1 epoch". Below a
 * thousandth, "under 0.001 epochs": a step over 52,657 examples was "0.000019 epochs". */
export function epochsText(epochs: number): string {
  if (epochs > 0 && epochs < 0.001) return 'under 0.001 epochs';
  const shown = epochs >= 10 ? Math.round(epochs) : epochs >= 0.995 ? Math.round(epochs * 10) / 10 : Number(epochs.toPrecision(2));
  return `${shown} epoch${shown === 1 ? '' : 's'}`;
}

/** How long a run trains, in steps and in epochs: "30 steps of 2 examples: 0.2 epochs over 295
 * training examples" (`examples`: those it trains on, which fit its sequence length). */
export function runLengthText(steps: number, examples: number, batchSize: number, gradAccum: number): string {
  const each = batchSize * gradAccum;
  const step = `${plural(steps, 'step')} of ${plural(each, 'example')}${gradAccum > 1 ? ` (${batchSize} × ${gradAccum} accumulated)` : ''}`;
  return `${step}: ${epochsText(epochsOfSteps(steps, examples, batchSize, gradAccum))} over ${plural(examples, 'training example')}`;
}
