// GGUF's block quantizations as ggml's reference quantizers (ggml-quants.c, `quantize_row_*_ref`)
// compute them, bit for bit: the bytes llama-quantize writes for the same f32 values without an
// importance matrix. Every f32 step of the C code is rounded as C's floats are (Math.fround after
// each operation: an f32 +, −, ×, ÷ or √ done in double and rounded once is the f32 result), and
// ggml's `nearest_int` is its own bit trick, so ties and huge values go where llama.cpp's go.
//   Q8_0: 32 values → an f16 scale and 32 int8s.
//   Q5_0: 32 values → an f16 scale, 32 5-bit codes (the fifth bits packed in a u32).
//   Q5_1: 32 values → an f16 scale and min, 32 5-bit codes from the min up.
//   Q4_K: 256 values → 8 sub-blocks of 32, each a 6-bit scale and min of two f16 super-scales and
//         4-bit codes; each sub-block's scale and min searched by weighted least squares.
//   Q5_K: Q4_K's layout and search with 5-bit codes.
//   Q6_K: 256 values → 16 sub-blocks of 16, each an int8 scale of one f16 super-scale, 6-bit codes.
// With an importance matrix (each column's mean squared input to the matrix, imatrix.ts), ggml's
// `quantize_row_*_impl` instead, as llama-quantize --imatrix runs them: the least-squares searches
// weigh each value by its column's importance, Q4_K's and Q5_K's 6-bit scales are searched too
// (make_qp_quants), and Q5_0 and Q5_1 get searched scales in place of max/min ones. Q8_0 has none.
// Tests compare every type with llama.cpp's own bytes (scripts/gguf-kquant-golden.py).
import { f16BitsToF32, f32ToF16Bits } from '../model/dtype.ts';
import { QUANT_BLOCK, type GgmlQuantType } from './ggufFile.ts';

/** Refuses a count of values that is not whole blocks of `type`. */
export function assertWholeBlocks(type: GgmlQuantType, count: number): void {
  const per = QUANT_BLOCK[type].values;
  if (count % per !== 0) throw new RangeError(`${type} needs a multiple of ${per} values, got ${count}`);
}

/** `values` (whole rows, their length a multiple of the type's block) as `type`'s blocks; with
 * `importance` (one weight per column: the rows are its length) as llama-quantize --imatrix makes them. */
export function quantize(type: GgmlQuantType, values: Float32Array, importance?: Float32Array | null): Uint8Array {
  assertWholeBlocks(type, values.length);
  const { values: per, bytes } = QUANT_BLOCK[type];
  const out = new Uint8Array((values.length / per) * bytes);
  if (importance && type !== 'Q8_0') {
    quantizeWeighted(type, values, importance, out);
    return out;
  }
  const quantizeBlock = BLOCK_QUANTIZERS[type];
  for (let b = 0; b < values.length / per; b++) quantizeBlock(values, b * per, out, b * bytes);
  return out;
}

/** Why `importance` cannot weigh rows of `values` as `type` (its length is not whole blocks or not
 * the rows' length, or a weight is not a finite number ≥ 0, which llama-quantize refuses too), or null. */
export function importanceMismatch(type: GgmlQuantType, valueCount: number, importance: Float32Array): string | null {
  const n = importance.length;
  const per = QUANT_BLOCK[type].values;
  if (n === 0 || n % per !== 0) return `${n} importance weights are not whole ${type} blocks of ${per}`;
  if (valueCount % n !== 0) return `${valueCount} values are not whole rows of the ${n} importance weights`;
  for (let i = 0; i < n; i++) if (!(importance[i] >= 0) || importance[i] === Infinity) return `importance weight ${i} is ${importance[i]}`;
  return null;
}

const WEIGHTED_BLOCK_QUANTIZERS: Record<Exclude<GgmlQuantType, 'Q8_0'>, (x: Float32Array, xo: number, out: Uint8Array, o: number, qw: Float32Array, qo: number, rowSigma2: number) => void> = {
  Q5_0: quantizeBlockQ5_0Weighted,
  Q5_1: quantizeBlockQ5_1Weighted,
  Q4_K: (x, xo, out, o, qw, qo) => quantizeBlockQ45_KWeighted(x, xo, out, o, qw, qo, 15),
  Q5_K: (x, xo, out, o, qw, qo) => quantizeBlockQ45_KWeighted(x, xo, out, o, qw, qo, 31),
  Q6_K: (x, xo, out, o, qw, qo) => quantizeBlockQ6_K(x, xo, out, o, qw, qo),
};

function quantizeWeighted(type: Exclude<GgmlQuantType, 'Q8_0'>, values: Float32Array, importance: Float32Array, out: Uint8Array): void {
  const why = importanceMismatch(type, values.length, importance);
  if (why) throw new RangeError(`${type} with an importance matrix: ${why}`);
  const { values: per, bytes } = QUANT_BLOCK[type];
  const n = importance.length;
  const quantizeBlock = WEIGHTED_BLOCK_QUANTIZERS[type];
  for (let r = 0; r < values.length / n; r++) {
    const xo = r * n;
    // Q5_0 and Q5_1 weigh by the whole row's mean square (the K types by their super-block's).
    let sigma2 = 0;
    if (type === 'Q5_0' || type === 'Q5_1') {
      let sumX2 = 0;
      for (let j = 0; j < n; j++) sumX2 = f32(sumX2 + f32(values[xo + j] * values[xo + j]));
      sigma2 = f32(sumX2 / n);
    }
    for (let b = 0; b < n / per; b++) quantizeBlock(values, xo + b * per, out, ((xo + b * per) / per) * bytes, importance, b * per, sigma2);
  }
}

const f32 = Math.fround;
const F32_0_1 = f32(0.1);
const GROUP_MAX_EPS = f32(1e-15);

const nearestF = new Float32Array(1);
const nearestI = new Int32Array(nearestF.buffer);
/** ggml's nearest_int: 1.5·2²³ added in f32 leaves the value rounded half to even in the mantissa.
 * Well within ±2²² that is the f32 sum less 1.5·2²³; near and past it (where the sum can round to
 * 2²⁴ and the mantissa wraps), and for NaN, the bits are read as ggml reads them. */
function nearestInt(v: number): number {
  if (v < 4194303 && v > -4194303) return f32(v + 12582912) - 12582912;
  nearestF[0] = v + 12582912;
  return (nearestI[0] & 0x007fffff) - 0x00400000;
}

function putF16(out: Uint8Array, at: number, x: number): number {
  const h = f32ToF16Bits(x);
  out[at] = h & 0xff;
  out[at + 1] = h >>> 8;
  return f16BitsToF32(h);
}

const BLOCK_QUANTIZERS: Record<GgmlQuantType, (x: Float32Array, xo: number, out: Uint8Array, o: number) => void> = {
  Q8_0: quantizeBlockQ8_0,
  Q5_0: quantizeBlockQ5_0,
  Q5_1: quantizeBlockQ5_1,
  Q4_K: quantizeBlockQ4_K,
  Q5_K: quantizeBlockQ5_K,
  Q6_K: quantizeBlockQ6_K,
};

function quantizeBlockQ8_0(x: Float32Array, xo: number, out: Uint8Array, o: number): void {
  let amax = 0;
  for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[xo + i]));
  const d = f32(amax / 127);
  const id = d === 0 ? 0 : f32(1 / d);
  putF16(out, o, d);
  for (let i = 0; i < 32; i++) {
    const v = f32(x[xo + i] * id);
    out[o + 2 + i] = (Math.sign(v) * Math.floor(Math.abs(v) + 0.5)) & 0xff; // roundf: halves away from zero
  }
}

function quantizeBlockQ5_0(x: Float32Array, xo: number, out: Uint8Array, o: number): void {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < 32; j++) {
    const v = x[xo + j];
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  const d = f32(max / -16);
  const id = d ? f32(1 / d) : 0;
  putF16(out, o, d);
  // (int8_t) truncates toward zero.
  for (let j = 0; j < 32; j++) codes5[j] = Math.min(31, Math.trunc(f32(f32(x[xo + j] * id) + 16.5)));
  pack5BitCodes(out, o + 2);
}

function quantizeBlockQ5_1(x: Float32Array, xo: number, out: Uint8Array, o: number): void {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < 32; j++) {
    const v = x[xo + j];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const d = f32(f32(max - min) / 31);
  const id = d ? f32(1 / d) : 0;
  putF16(out, o, d);
  putF16(out, o + 2, min);
  // (uint8_t) truncates.
  for (let j = 0; j < 32; j++) codes5[j] = Math.trunc(f32(f32(f32(x[xo + j] - min) * id) + 0.5)) & 0xff;
  pack5BitCodes(out, o + 4);
}

const codes5 = new Uint8Array(32);
/** Q5_0's and Q5_1's codes (codes5) at `at`: their fifth bits as a little-endian u32, then the low
 * four bits of codes j and j + 16 in byte j. */
function pack5BitCodes(out: Uint8Array, at: number): void {
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    out[at + 4 + j] = (codes5[j] & 0x0f) | ((codes5[j + 16] & 0x0f) << 4);
    qh |= ((codes5[j] & 0x10) >> 4) << j;
    qh |= ((codes5[j + 16] & 0x10) >> 4) << (j + 16);
  }
  out[at] = qh & 0xff;
  out[at + 1] = (qh >>> 8) & 0xff;
  out[at + 2] = (qh >>> 16) & 0xff;
  out[at + 3] = (qh >>> 24) & 0xff;
}

// Scratch shared by the K quantizers (one block at a time, never re-entered).
const L = new Uint8Array(256);
const Laux = new Uint8Array(32);
const xs = new Float32Array(32);
const xm = new Float32Array(32);
const weights = new Float32Array(32);
const subScales = new Float32Array(16);
const subMins = new Float32Array(8);
const packedScales = new Uint8Array(12);
const sc6 = new Int8Array(16);
let qkx2Min = 0;

/** ggml's make_qkx2_quants: codes 0..nmax with a scale and a min (returned in qkx2Min as −min)
 * for x[xo..xo+n), the scale searched over nstep + 1 candidates by weighted least squares. */
function makeQkx2Quants(n: number, nmax: number, x: Float32Array, xo: number, w: Float32Array, lo: number, rmin: number, rdelta: number, nstep: number): number {
  let min = x[xo];
  let max = x[xo];
  let sumW = w[0];
  let sumX = f32(sumW * x[xo]);
  xs[0] = x[xo];
  for (let i = 1; i < n; i++) {
    const xi = x[xo + i];
    xs[i] = xi;
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    sumW = f32(sumW + w[i]);
    sumX = f32(sumX + f32(w[i] * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lo, lo + n);
    qkx2Min = -min;
    return 0;
  }
  for (let i = 0; i < n; i++) xm[i] = f32(xs[i] - min);
  let iscale = f32(nmax / f32(max - min));
  let scale = f32(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const q = nearestInt(f32(iscale * xm[i]));
    const l = q < 0 ? 0 : q > nmax ? nmax : q;
    L[lo + i] = l;
    const diff = f32(f32(f32(scale * l) + min) - xs[i]);
    bestError = f32(bestError + f32(w[i] * f32(diff * diff)));
  }
  for (let is = 0; is <= nstep; is++) {
    // min moves with each better candidate, and the range with it.
    iscale = f32(f32(f32(rmin + f32(rdelta * is)) + nmax) / f32(max - min));
    // A candidate with the last one's codes has its sums, scale, min and error: it cannot beat
    // the best (which the last one either became or did not beat), so it is not weighed again.
    let same = is > 0;
    for (let i = 0; i < n; i++) {
      const q = nearestInt(f32(iscale * xm[i]));
      const l = q < 0 ? 0 : q > nmax ? nmax : q;
      if (l !== Laux[i]) same = false;
      Laux[i] = l;
    }
    if (same) continue;
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Laux[i];
      const wl = f32(w[i] * l);
      sumL = f32(sumL + wl);
      sumL2 = f32(sumL2 + f32(wl * l));
      sumXL = f32(sumXL + f32(wl * xs[i]));
    }
    const D = f32(f32(sumW * sumL2) - f32(sumL * sumL));
    if (D > 0) {
      let thisScale = f32(f32(f32(sumW * sumXL) - f32(sumX * sumL)) / D);
      let thisMin = f32(f32(f32(sumL2 * sumX) - f32(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = f32(sumXL / sumL2);
      }
      let error = 0;
      for (let i = 0; i < n; i++) {
        const diff = f32(f32(f32(thisScale * Laux[i]) + thisMin) - xs[i]);
        error = f32(error + f32(w[i] * f32(diff * diff)));
      }
      if (error < bestError) {
        for (let i = 0; i < n; i++) L[lo + i] = Laux[i];
        bestError = error;
        scale = thisScale;
        if (thisMin !== min) {
          min = thisMin;
          for (let i = 0; i < n; i++) xm[i] = f32(xs[i] - min);
        }
      }
    }
  }
  qkx2Min = -min;
  return scale;
}

/** Q4_K's and Q5_K's shared part: each sub-block of 32 gets codes 0..nmax (in L) with a scale and a
 * min searched by make_qkx2_quants, both stored as 6-bit multiples of the super-block's f16 d and
 * dmin (written at o, then the 12 packed scale bytes), and the codes recomputed from those. */
function quantizeScalesAndMinsK(x: Float32Array, xo: number, out: Uint8Array, o: number, nmax: number, rmin: number, nstep: number): void {
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    const s = xo + 32 * j;
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 = f32(sumX2 + f32(x[s + l] * x[s + l]));
    const avX = f32(Math.sqrt(f32(sumX2 / 32)));
    for (let l = 0; l < 32; l++) weights[l] = f32(avX + Math.abs(x[s + l]));
    subScales[j] = makeQkx2Quants(32, nmax, x, s, weights, 32 * j, rmin, F32_0_1, nstep);
    subMins[j] = qkx2Min;
    if (subScales[j] > maxScale) maxScale = subScales[j];
    if (subMins[j] > maxMin) maxMin = subMins[j];
  }
  const invScale = maxScale > 0 ? f32(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? f32(63 / maxMin) : 0;
  for (let j = 0; j < 8; j++) {
    subScaleCodes[j] = Math.min(63, nearestInt(f32(invScale * subScales[j])) & 0xff);
    subMinCodes[j] = Math.min(63, nearestInt(f32(invMin * subMins[j])) & 0xff);
  }
  writeScalesAndCodesK(x, xo, out, o, nmax, f32(maxScale / 63), f32(maxMin / 63));
}

const subScaleCodes = new Uint8Array(8);
const subMinCodes = new Uint8Array(8);
/** Q4_K's and Q5_K's tail: the sub-blocks' 6-bit scale and min codes (subScaleCodes, subMinCodes)
 * packed, the f16 d and dmin written at o, and each value's code (in L) recomputed from them. */
function writeScalesAndCodesK(x: Float32Array, xo: number, out: Uint8Array, o: number, nmax: number, dBlock: number, mBlock: number): void {
  packedScales.fill(0);
  for (let j = 0; j < 8; j++) {
    const ls = subScaleCodes[j];
    const lm = subMinCodes[j];
    if (j < 4) {
      packedScales[j] = ls;
      packedScales[j + 4] = lm;
    } else {
      packedScales[j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
      packedScales[j - 4] |= (ls >> 4) << 6;
      packedScales[j] |= (lm >> 4) << 6;
    }
  }
  const d = putF16(out, o, dBlock);
  const dmin = putF16(out, o + 2, mBlock);
  out.set(packedScales, o + 4);
  for (let j = 0; j < 8; j++) {
    // get_scale_min_k4
    const sc = j < 4 ? packedScales[j] & 63 : (packedScales[j + 4] & 0xf) | ((packedScales[j - 4] >> 6) << 4);
    const m = j < 4 ? packedScales[j + 4] & 63 : (packedScales[j + 4] >> 4) | ((packedScales[j] >> 6) << 4);
    const dj = f32(d * sc);
    if (!dj) continue;
    const dm = f32(dmin * m);
    for (let ii = 0; ii < 32; ii++) L[32 * j + ii] = Math.max(0, Math.min(nmax, nearestInt(f32(f32(x[xo + 32 * j + ii] + dm) / dj))));
  }
}

function quantizeBlockQ4_K(x: Float32Array, xo: number, out: Uint8Array, o: number): void {
  quantizeScalesAndMinsK(x, xo, out, o, 15, -1, 20);
  packCodesQ4_K(out, o);
}

function packCodesQ4_K(out: Uint8Array, o: number): void {
  const q = o + 16;
  for (let j = 0; j < 256; j += 64) for (let l = 0; l < 32; l++) out[q + j / 2 + l] = L[j + l] | (L[j + l + 32] << 4);
}

function quantizeBlockQ5_K(x: Float32Array, xo: number, out: Uint8Array, o: number): void {
  quantizeScalesAndMinsK(x, xo, out, o, 31, -0.5, 15);
  packCodesQ5_K(out, o);
}

/** The low 4 bits of a code in qs as Q4_K has them; its fifth bit in qh, two bits per 64 values. */
function packCodesQ5_K(out: Uint8Array, o: number): void {
  const qh = o + 16;
  const ql = o + 48;
  out.fill(0, qh, qh + 32);
  for (let n = 0, m1 = 1, m2 = 2; n < 256; n += 64, m1 <<= 2, m2 <<= 2) {
    for (let j = 0; j < 32; j++) {
      const l1 = L[n + j];
      const l2 = L[n + j + 32];
      if (l1 > 15) out[qh + j] |= m1;
      if (l2 > 15) out[qh + j] |= m2;
      out[ql + n / 2 + j] = (l1 & 0xf) | ((l2 & 0xf) << 4);
    }
  }
}

const F32_0_05 = f32(0.05);
const F32_MINUS_0_9 = f32(-0.9);
const subWeightSums = new Float32Array(8);
/** quantize_row_q4_K_impl / q5_K_impl for one super-block: each value weighed by its column's
 * importance × √(σ² + x²) (σ² twice the block's mean square), the sub-blocks' scales and mins
 * searched by make_qkx3_quants and their 6-bit codes by make_qp_quants. */
function quantizeBlockQ45_KWeighted(x: Float32Array, xo: number, out: Uint8Array, o: number, qw: Float32Array, qo: number, nmax: 15 | 31): void {
  let sumX2 = 0;
  for (let l = 0; l < 256; l++) sumX2 = f32(sumX2 + f32(x[xo + l] * x[xo + l]));
  const sigma2 = f32(f32(2 * sumX2) / 256);
  for (let j = 0; j < 8; j++) {
    const s = xo + 32 * j;
    let sumW = 0;
    for (let l = 0; l < 32; l++) {
      weights[l] = f32(qw[qo + 32 * j + l] * f32(Math.sqrt(f32(sigma2 + f32(x[s + l] * x[s + l])))));
      sumW = f32(sumW + weights[l]);
    }
    subWeightSums[j] = sumW;
    // make_qkx3_quants is make_qkx2_quants with the weights given and squared errors.
    subScales[j] = makeQkx2Quants(32, nmax, x, s, weights, 32 * j, F32_MINUS_0_9, F32_0_05, 36);
    subMins[j] = qkx2Min;
  }
  const dBlock = makeQpQuants(8, 63, subScales, subScaleCodes, subWeightSums);
  const mBlock = makeQpQuants(8, 63, subMins, subMinCodes, subWeightSums);
  // Q5_K caps its codes at 63; Q4_K's make_qp_quants never exceeds nmax.
  if (nmax === 31) for (let j = 0; j < 8; j++) {
    subScaleCodes[j] = Math.min(63, subScaleCodes[j]);
    subMinCodes[j] = Math.min(63, subMinCodes[j]);
  }
  writeScalesAndCodesK(x, xo, out, o, nmax, dBlock, mBlock);
  if (nmax === 15) packCodesQ4_K(out, o);
  else packCodesQ5_K(out, o);
}

/** ggml's make_qp_quants: codes 0..nmax (in Lq, as uint8) of the non-negative x[0..n) with one
 * scale, searched over 9 candidates by weighted squared error, then refined code by code. */
function makeQpQuants(n: number, nmax: number, x: Float32Array, Lq: Uint8Array, w: Float32Array): number {
  let max = 0;
  for (let i = 0; i < n; i++) max = max > x[i] ? max : x[i];
  if (max < GROUP_MAX_EPS) {
    Lq.fill(0, 0, n);
    return 0;
  }
  let iscale = f32(nmax / max);
  for (let i = 0; i < n; i++) Lq[i] = nearestInt(f32(iscale * x[i]));
  const scale = f32(1 / iscale);
  let bestMse = 0;
  for (let i = 0; i < n; i++) {
    const diff = f32(x[i] - f32(scale * Lq[i]));
    bestMse = f32(bestMse + f32(f32(w[i] * diff) * diff));
  }
  for (let is = -4; is <= 4; is++) {
    if (is === 0) continue;
    const iscaleIs = f32(f32(f32(F32_0_1 * is) + nmax) / max);
    const scaleIs = f32(1 / iscaleIs);
    let mse = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.min(nmax, nearestInt(f32(iscaleIs * x[i])));
      const diff = f32(x[i] - f32(scaleIs * l));
      mse = f32(mse + f32(f32(w[i] * diff) * diff));
    }
    if (mse < bestMse) {
      bestMse = mse;
      iscale = iscaleIs;
    }
  }
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const l = Math.min(nmax, nearestInt(f32(iscale * x[i])));
    Lq[i] = l;
    sumlx = f32(sumlx + f32(f32(w[i] * x[i]) * l));
    suml2 = f32(suml2 + f32(f32(w[i] * l) * l));
  }
  for (let itry = 0; itry < 5; itry++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const wi = w[i];
      let slx = f32(sumlx - f32(f32(wi * x[i]) * Lq[i]));
      let sl2 = f32(suml2 - f32(f32(wi * Lq[i]) * Lq[i]));
      if (slx > 0 && sl2 > 0) {
        const newL = Math.min(nmax, nearestInt(f32(f32(x[i] * sl2) / slx)));
        if (newL !== Lq[i]) {
          slx = f32(slx + f32(f32(wi * x[i]) * newL));
          sl2 = f32(sl2 + f32(f32(wi * newL) * newL));
          if (f32(f32(slx * slx) * suml2) > f32(f32(sumlx * sumlx) * sl2)) {
            Lq[i] = newL;
            sumlx = slx;
            suml2 = sl2;
            changed++;
          }
        }
      }
    }
    if (!changed) break;
  }
  return suml2 > 0 ? f32(sumlx / suml2) : 0;
}

const weights5 = new Float32Array(32);
/** quantize_row_q5_0_impl's block: each value weighed by its column's importance × √(σ² + x²)
 * (σ² the row's mean square), the scale searched by make_qx_quants; the codes are the search's. */
function quantizeBlockQ5_0Weighted(x: Float32Array, xo: number, out: Uint8Array, o: number, qw: Float32Array, qo: number, rowSigma2: number): void {
  for (let j = 0; j < 32; j++) weights5[j] = f32(qw[qo + j] * f32(Math.sqrt(f32(rowSigma2 + f32(x[xo + j] * x[xo + j])))));
  const d = makeQxQuants(32, 16, x, xo, 0, weights5);
  putF16(out, o, d);
  for (let j = 0; j < 32; j++) codes5[j] = L[j];
  pack5BitCodes(out, o + 2);
}

/** quantize_row_q5_1_impl's block: Q5_0's weights, the scale and min searched by make_qkx3_quants. */
function quantizeBlockQ5_1Weighted(x: Float32Array, xo: number, out: Uint8Array, o: number, qw: Float32Array, qo: number, rowSigma2: number): void {
  for (let j = 0; j < 32; j++) weights5[j] = f32(qw[qo + j] * f32(Math.sqrt(f32(rowSigma2 + f32(x[xo + j] * x[xo + j])))));
  const d = makeQkx2Quants(32, 31, x, xo, weights5, 0, F32_MINUS_0_9, F32_0_05, 36);
  putF16(out, o, d);
  putF16(out, o + 2, f32(-qkx2Min));
  for (let j = 0; j < 32; j++) codes5[j] = L[j];
  pack5BitCodes(out, o + 4);
}

let qxSumLX = 0;
let qxSumL2 = 0;
/** make_qx_quants' sums for one candidate scale (weights qw[qo..] where given, else x²), its codes
 * written to L if `write`. */
function qxSums(n: number, nmax: number, x: Float32Array, xo: number, lo: number, iscale: number, write: boolean, qw: Float32Array | null, qo: number): void {
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xo + i];
    let l = nearestInt(f32(iscale * xi));
    l = l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l;
    if (write) L[lo + i] = l + nmax;
    const w = qw ? qw[qo + i] : f32(xi * xi);
    sumlx = f32(sumlx + f32(f32(w * xi) * l));
    suml2 = f32(suml2 + f32(f32(w * l) * l));
  }
  qxSumLX = sumlx;
  qxSumL2 = suml2;
}

/** ggml's make_qx_quants with rmse_type 1 (weights x², or qw[qo..] where given): symmetric codes
 * −nmax..nmax−1 (stored + nmax) and the scale, searched over 19 candidates. */
function makeQxQuants(n: number, nmax: number, x: Float32Array, xo: number, lo: number, qw: Float32Array | null = null, qo = 0): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xo + i]);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  qxSums(n, nmax, x, xo, lo, f32(-nmax / max), true, qw, qo);
  let sumlx = qxSumLX;
  let suml2 = qxSumL2;
  let scale = suml2 ? f32(sumlx / suml2) : 0;
  let best = f32(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    const iscale = f32(-f32(nmax + f32(F32_0_1 * is)) / max);
    qxSums(n, nmax, x, xo, lo, iscale, false, qw, qo);
    sumlx = qxSumLX;
    suml2 = qxSumL2;
    if (suml2 > 0 && f32(sumlx * sumlx) > f32(best * suml2)) {
      qxSums(n, nmax, x, xo, lo, iscale, true, qw, qo);
      scale = f32(sumlx / suml2);
      best = f32(scale * sumlx);
    }
  }
  return scale;
}

/** quantize_row_q6_K_ref, or its _impl with importance weights qw[qo..] (used as they are). */
function quantizeBlockQ6_K(x: Float32Array, xo: number, out: Uint8Array, o: number, qw: Float32Array | null = null, qo = 0): void {
  let maxScale = 0;
  let maxAbsScale = 0;
  for (let ib = 0; ib < 16; ib++) {
    const scale = makeQxQuants(16, 32, x, xo + 16 * ib, 16 * ib, qw, qo + 16 * ib);
    subScales[ib] = scale;
    if (Math.abs(scale) > maxAbsScale) {
      maxAbsScale = Math.abs(scale);
      maxScale = scale;
    }
  }
  if (maxAbsScale < GROUP_MAX_EPS) {
    out.fill(0, o, o + 210);
    return;
  }
  const iscale = f32(-128 / maxScale);
  const d = putF16(out, o + 208, f32(1 / iscale));
  for (let ib = 0; ib < 16; ib++) {
    sc6[ib] = Math.min(127, nearestInt(f32(iscale * subScales[ib])));
    out[o + 192 + ib] = sc6[ib] & 0xff;
  }
  for (let j = 0; j < 16; j++) {
    const dj = f32(d * sc6[j]);
    if (!dj) continue;
    for (let ii = 0; ii < 16; ii++) L[16 * j + ii] = Math.max(-32, Math.min(31, nearestInt(f32(x[xo + 16 * j + ii] / dj)))) + 32;
  }
  for (let j = 0, ql = o, qh = o + 128; j < 256; j += 128, ql += 64, qh += 32) {
    for (let l = 0; l < 32; l++) {
      out[ql + l] = (L[j + l] & 0xf) | ((L[j + l + 64] & 0xf) << 4);
      out[ql + l + 32] = (L[j + l + 32] & 0xf) | ((L[j + l + 96] & 0xf) << 4);
      out[qh + l] = (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6);
    }
  }
}
