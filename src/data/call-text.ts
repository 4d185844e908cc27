// Calls as a person reads them, one line each: `f(city="Paris", scores=[90.0, 80.0])`. The Dataset
// panel's tables, the Playground and `studio generate` write calls this way.
import type { Call, Target } from './example.ts';
import { argumentsJson, targetCalls } from './whole-floats.ts';

/** `f(city="Paris", scores=[90.0, 80.0])`: a whole float a box holds is written as one. */
export function callText(c: Call): string {
  const args = Object.entries(c.arguments)
    .map(([k, v]) => `${k}=${argumentsJson(v)}`)
    .join(', ');
  return `${c.name}(${args})`;
}

/** Calls as they train and were written: `[90.0, 80.0]` where `wholeFloats` says so (stored, the
 * numbers are plain, and a view showing `[90, 80]` would say the dataset's floats were lost). */
export function targetCallTexts(target: Pick<Target, 'calls' | 'wholeFloats'>): string[] {
  return targetCalls(target).map(callText);
}
