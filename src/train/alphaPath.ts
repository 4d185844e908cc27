// How α travelled over a run, read from the α it logged at each step. A rule that drifts one way
// ends where its pull took it, and the last α tells which segment it favoured; a rule that swings
// back and forth between its bounds (DWA on few steps, whose windows flip which loss falls slower)
// ends wherever the run happened to stop, and its last α tells nothing. The Dashboard's story of α,
// the ablation's α column and report, and studio ablate's arm lines say it in these words.
// Numbers and words only: no store, no engine.

export interface AlphaPath {
  first: number;
  last: number;
  /** The lowest and highest α the run logged. */
  low: number;
  high: number;
  bounds: { alphaMin: number; alphaMax: number };
  /** Trips from one bound to the other: α at one, later at the other. */
  crossings: number;
  /** α went back and forth rather than one way: from one bound to the other and back, or up and
   * down by SWING_SPAN each over a span far wider than its net change. A drift from near one bound
   * to the other is one way, however far. */
  swung: boolean;
}

/** Near a bound by this share of the bounds' span counts as at it: grad's α only nears its bounds
 * (a sigmoid), DWA's and the uncertainty rule's are clamped to them. */
const AT_BOUND = 0.02;
/** A span this many times the net change, and at least SWING_SPAN wide, is a swing; under 0.1 it is noise. */
const SWING_RATIO = 3;
const SWING_SPAN = 0.1;

/** The path of the α values a run logged (a step without both segments logs none: null); null before any. */
export function alphaPath(alphas: ReadonlyArray<number | null>, bounds: { alphaMin: number; alphaMax: number }): AlphaPath | null {
  const a = alphas.filter((v): v is number => v !== null);
  if (a.length === 0) return null;
  const near = AT_BOUND * (bounds.alphaMax - bounds.alphaMin);
  let low = a[0];
  let high = a[0];
  let at: 'min' | 'max' | null = null;
  let crossings = 0;
  // The largest fall after a high and the largest rise after a low: a swing has both.
  let [drop, rise] = [0, 0];
  for (const v of a) {
    drop = Math.max(drop, high - v);
    rise = Math.max(rise, v - low);
    low = Math.min(low, v);
    high = Math.max(high, v);
    const here = v <= bounds.alphaMin + near ? 'min' : v >= bounds.alphaMax - near ? 'max' : null;
    if (here === null) continue;
    if (at !== null && here !== at) crossings++;
    at = here;
  }
  const [first, last] = [a[0], a[a.length - 1]];
  const swung = crossings >= 2 || (Math.min(drop, rise) >= SWING_SPAN && high - low >= SWING_RATIO * Math.abs(last - first));
  return { first, last, low, high, bounds, crossings, swung };
}

/** α's net change, signed: two decimals from 0.1 up, three below ("−0.65", "+0.026"); a fourth
 * decimal read as a precision these few steps do not have. "0.000" where it rounds to nothing. */
export function alphaChangeText(d: number): string {
  const size = Math.abs(d).toFixed(Math.abs(d) >= 0.1 ? 2 : 3);
  return Number(size) === 0 ? size : `${d > 0 ? '+' : '−'}${size}`;
}

const times = (n: number) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);

/** A swing, short, after "α" or an arm's "α₀ → final α". */
export function alphaSwingShort(p: AlphaPath): string {
  return p.crossings >= 2
    ? `swung between its bounds ${p.bounds.alphaMin} and ${p.bounds.alphaMax} (from one to the other ${times(p.crossings)})`
    : `swung between ${p.low.toFixed(2)} and ${p.high.toFixed(2)}, far more than its net change (${alphaChangeText(p.last - p.first)})`;
}

/** A swing as a sentence: where α ended is where the run stopped, not where the rule settled. */
export function alphaSwingText(p: AlphaPath): string {
  return `α ${alphaSwingShort(p)}; it ended at ${p.last.toFixed(2)} by chance of where the run stopped.`;
}
