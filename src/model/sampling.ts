// Picks the next token from one row of logits on the CPU: greedy argmax, temperature sampling,
// and nucleus (top-p) sampling, with a seeded per-sequence RNG so a seed reproduces a generation
// regardless of what the other sequences in the batch do. Pure functions over a Float32Array;
// never touches the GPU and never allocates anything vocabulary-sized except the nucleus search.
import { seededUniform } from './random.ts';

export interface SamplingSettings {
  /** 0 or undefined: greedy. */
  temperature?: number;
  /** Nucleus mass in (0, 1]; undefined or ≥ 1: the whole distribution. */
  topP?: number;
}

/** Index of the largest logit; ties go to the lowest index (what the reference's argmax does). */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] > bestValue) {
      bestValue = logits[i];
      best = i;
    }
  }
  return best;
}

/** The RNG of sequence `index` under run seed `seed`: independent streams, fixed per (seed, index). */
export function sequenceRng(seed: number, index: number): () => number {
  // Golden-ratio stride keeps neighbouring sequences' mulberry32 states far apart.
  return seededUniform((seed + Math.imul(index + 1, 0x9e3779b9)) >>> 0);
}

export function validateSampling(s: SamplingSettings): void {
  if (s.temperature !== undefined && !(s.temperature >= 0 && Number.isFinite(s.temperature))) {
    throw new RangeError(`temperature must be a finite number ≥ 0, got ${s.temperature}`);
  }
  if (s.topP !== undefined && !(s.topP > 0 && s.topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${s.topP}`);
}

/**
 * Draws a token: w_i = exp((l_i − max l)/T); with top-p, only the smallest prefix of tokens sorted
 * by w (descending, ties by index) whose mass reaches p·Σw is kept; then i ~ w_i / Σ_kept w.
 */
export function sampleToken(logits: ArrayLike<number>, s: SamplingSettings, rand: () => number): number {
  const T = s.temperature ?? 0;
  if (!(T > 0)) return argmax(logits);
  const V = logits.length;
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i] > max) max = logits[i];
  const w = new Float64Array(V);
  let total = 0;
  for (let i = 0; i < V; i++) {
    w[i] = Math.exp((logits[i] - max) / T);
    total += w[i];
  }
  const p = s.topP ?? 1;
  if (p >= 1) return drawFrom(w, null, total, rand);
  const kept = nucleus(w, total * p);
  let keptMass = 0;
  for (const i of kept) keptMass += w[i];
  return drawFrom(w, kept, keptMass, rand);
}

/** Inverse-CDF draw over `indices` (or all of w). The last candidate absorbs rounding at u ≈ 1. */
function drawFrom(w: Float64Array, indices: number[] | null, mass: number, rand: () => number): number {
  const u = rand() * mass;
  let acc = 0;
  const n = indices ? indices.length : w.length;
  for (let k = 0; k < n; k++) {
    const i = indices ? indices[k] : k;
    acc += w[i];
    if (u < acc) return i;
  }
  return indices ? indices[n - 1] : n - 1;
}

/**
 * Tokens of the nucleus, most likely first. Sorting the whole vocabulary (150k) per token is
 * wasteful, so candidates are those with w ≥ threshold, lowering the threshold until they hold
 * the target mass: every token left out is less likely than every candidate, so the nucleus (a
 * prefix of the full sorted order) lies inside the candidates and the answer is exact.
 */
export function nucleus(w: Float64Array, targetMass: number): number[] {
  let threshold = 1e-3; // w is relative to the max (the max has w = 1)
  for (;;) {
    const candidates: number[] = [];
    let mass = 0;
    for (let i = 0; i < w.length; i++) {
      if (w[i] >= threshold) {
        candidates.push(i);
        mass += w[i];
      }
    }
    if (mass >= targetMass || threshold === 0) {
      candidates.sort((a, b) => w[b] - w[a] || a - b);
      const kept: number[] = [];
      let acc = 0;
      for (const i of candidates) {
        kept.push(i);
        acc += w[i];
        if (acc >= targetMass) break;
      }
      return kept;
    }
    threshold = threshold < 1e-30 ? 0 : threshold / 64;
  }
}
