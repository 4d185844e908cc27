// How precisely an accuracy is known from the examples it was measured on: the Wilson score
// interval (95%), which stays inside 0–100% at 0 of n and n of n where the textbook ± does not.
// A browser evaluation scores a few dozen examples: 25 of 31 is 81%, somewhere from 64% to 91%.

const Z95 = 1.959963984540054;

/** The 95% Wilson score interval of `correct` of `total`, as fractions; null for no example. */
export function accuracyInterval(correct: number, total: number): [number, number] | null {
  if (!Number.isInteger(total) || total < 0 || !Number.isInteger(correct) || correct < 0 || correct > total) {
    throw new Error(`accuracyInterval: ${correct} of ${total} is not a count of examples`);
  }
  if (total === 0) return null;
  const p = correct / total;
  const z2 = Z95 * Z95;
  const denom = 1 + z2 / total;
  const center = (p + z2 / (2 * total)) / denom;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denom;
  // Exactly 0 and 1 at the ends (rounding would leave 1e-17 outside).
  return [correct === 0 ? 0 : Math.max(0, center - half), correct === total ? 1 : Math.min(1, center + half)];
}

/** "95% interval 64–91%", whole percents; '' for no example. */
export function accuracyIntervalText(correct: number, total: number): string {
  const ci = accuracyInterval(correct, total);
  return ci ? `95% interval ${Math.round(ci[0] * 100)}–${Math.round(ci[1] * 100)}%` : '';
}
