// Picks the next token from one row of logits on the CPU: greedy argmax, temperature sampling,
// and nucleus (top-p) sampling, with a seeded per-sequence RNG so a seed reproduces a generation
// regardless of what the other sequences in the batch do. The sampler is the exact mirror of the
// GPU kernel (sample_rows in shaders/decode.wgsl, whose comment states the rule): every f32
// operation in the kernel's order, so for the same logits and the same draw both pick the same
// token. Pure functions over arrays; never touches the GPU.
import { drawToF32, exp2Table, SAMPLE_WG, samplingParams, type SamplingParams } from '../ops/sampling.ts';
import { seededUniform } from './random.ts';

export interface SamplingSettings {
  /** 0 or undefined: greedy. */
  temperature?: number;
  /** Nucleus mass in (0, 1]; undefined or ≥ 1: the whole distribution. */
  topP?: number;
}

/** Index of the largest logit; ties go to the lowest index (what the reference's argmax does). NaN
 * never wins (a row of NaN only gives 0), as the GPU's argmax_rows. */
export function argmax(logits: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    if (x > bestValue || (best < 0 && x === -Infinity)) {
      bestValue = x;
      best = i;
    }
  }
  return Math.max(best, 0);
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
 * Draws a token (one value of `rand` per sampled token): w_i ∝ exp((l_i − max l)/T); with top-p,
 * only the most likely tokens whose mass reaches p·Σw are kept (all tokens tied at the cut); then
 * i ~ w_i / Σ_kept w. Greedy when T is 0 (or so small that the GPU would see an infinite 1/T).
 */
export function sampleToken(logits: ArrayLike<number>, s: SamplingSettings, rand: () => number): number {
  const params = samplingParams(s.temperature, s.topP);
  if (!params) return argmax(logits);
  return sampleRowExact(logits, params, drawToF32(rand()));
}

const f32 = Math.fround;
const MIN_NORMAL = 2 ** -126;
const ONE_BITS = 0x3f800000;
const SEARCH_STEPS = 30;
const bits = new DataView(new ArrayBuffer(4));
let table: Float32Array | null = null;

function flushSubnormal(x: number): number {
  return Math.abs(x) < MIN_NORMAL ? 0 : x;
}

function floatOfBits(b: number): number {
  bits.setUint32(0, b);
  return bits.getFloat32(0);
}

/** The kernel's weights of a row (w_i = 2^((z'_i − max)·scale), 0 past dCut) and its fallback token
 * (the first maximum, NaN skipped; 0 for a row of NaN). */
export function samplingWeights(logits: ArrayLike<number>, p: SamplingParams): { weights: Float32Array; fallback: number } {
  table ??= exp2Table();
  const V = logits.length;
  // The first maximum of the raw values (NaN skipped), then flushed: the same value as the
  // maximum of the flushed values, since flushing never reverses an order.
  let fallback = -1;
  for (let i = 0; i < V; i++) {
    const x = f32(logits[i]);
    if (x === x && (fallback < 0 || x > f32(logits[fallback]))) fallback = i;
  }
  const zMax = fallback < 0 ? 0 : flushSubnormal(f32(logits[fallback]));
  const weights = new Float32Array(V);
  for (let i = 0; i < V; i++) {
    const d = flushSubnormal(f32(flushSubnormal(f32(logits[i])) - zMax));
    if (!(d > p.dCut)) continue;
    const y = f32(d * p.scale);
    const a = Math.trunc(f32(-y * 1048576)) >>> 0;
    const m = f32(table[(a >>> 10) & 1023] * table[1024 + (a & 1023)]);
    weights[i] = f32(m * 2 ** -(a >>> 20));
  }
  return { weights, fallback: Math.max(fallback, 0) };
}

/** mass(t) as the kernel sums it: SWG strided partial sums in index order, then the halving tree. */
function massAbove(w: Float32Array, t: number, SWG: number): number {
  const red = new Float32Array(SWG);
  for (let lid = 0; lid < SWG; lid++) {
    let acc = 0;
    for (let i = lid; i < w.length; i += SWG) if (w[i] >= t && w[i] > 0) acc = f32(acc + w[i]);
    red[lid] = acc;
  }
  for (let s = SWG / 2; s > 0; s >>= 1) for (let lid = 0; lid < s; lid++) red[lid] = red[lid] + red[lid + s];
  return red[0];
}

/** t*: the largest f32 t with mass(t) ≥ f32(topP · mass(0)); tokens with w ≥ t* (and w > 0) are kept. */
export function nucleusThreshold(w: Float32Array, topP: number, SWG = SAMPLE_WG): number {
  if (!(topP < 1)) return 0;
  const target = f32(topP * massAbove(w, 0, SWG));
  let lo = 0;
  let hi = ONE_BITS + 1;
  for (let step = 0; step < SEARCH_STEPS; step++) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (massAbove(w, floatOfBits(mid), SWG) >= target) lo = mid;
    else hi = mid;
  }
  return floatOfBits(lo);
}

/** The token the kernel draws from `logits` with draw u (drawToF32 of the sequence's RNG). */
export function sampleRowExact(logits: ArrayLike<number>, p: SamplingParams, u: number, SWG = SAMPLE_WG): number {
  const { weights: w, fallback } = samplingWeights(logits, p);
  const V = w.length;
  const t = nucleusThreshold(w, p.topP, SWG);
  const kept = (i: number) => w[i] >= t && w[i] > 0;
  const L = Math.ceil(V / SWG);
  const chunkSum = new Float32Array(SWG);
  let total = 0;
  let lastKept = -1;
  for (let c = 0; c < SWG; c++) {
    let sum = 0;
    for (let i = c * L; i < Math.min(c * L + L, V); i++) {
      if (!kept(i)) continue;
      sum = f32(sum + w[i]);
      lastKept = i;
    }
    chunkSum[c] = sum;
    total = f32(total + sum);
  }
  if (lastKept < 0) return fallback;
  const r = f32(u * total);
  let prefix = 0;
  for (let c = 0; c < SWG; c++) {
    const next = f32(prefix + chunkSum[c]);
    if (r < next) {
      let local = 0;
      for (let i = c * L; i < Math.min(c * L + L, V); i++) {
        if (!kept(i)) continue;
        local = f32(local + w[i]);
        if (r < f32(prefix + local)) return i;
      }
    }
    prefix = next;
  }
  return lastKept;
}
