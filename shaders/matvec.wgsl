// Matrix–vector products for a few rows (decode: one token per sequence, M ≤ 8), the same contract as
// shaders/matmul.wgsl for A not transposed and B = a weight [N, K] (TRANS_B), f32 or packed bf16/f16:
//   C[m, n] (+)= alpha · Σ_k A[m, k] · W[n, k] (+ bias[n])       for m < M ≤ MAX_ROWS
// Why a kernel of its own: with M ≤ 8 the tiled kernels have one row of tiles, and the register kernel
// gives each thread whole columns over all of K, so a 4,864-column weight is ~5 workgroups on a GPU
// with 100+ compute units. Here G threads share each output column, splitting K between them (each
// reads contiguous runs of four weights, so a column's G threads read a contiguous stretch of the
// row), keep M partial sums each, and add them up through workgroup memory: ⌈N / (WG/G)⌉ workgroups,
// every weight read once.

struct Params {
  M: u32,
  N: u32,
  K: u32,
  offA: u32,
  offB: u32,
  offC: u32,
  offBias: u32,
  strideA: u32,
  strideB: u32,
  strideC: u32,
  lda: u32,
  ldb: u32,
  ldc: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> bw: array<u32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> b4: array<vec4<u32>>;
@group(0) @binding(7) var<storage, read> b2: array<vec2<u32>>;

override WG: u32 = 256;
override G: u32 = 32;          // threads per output column (a power of two ≤ WG)
override B_DTYPE: u32 = 0u;    // 0 f32, 1 bf16, 2 f16
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;
override B_PAIR_ALIGNED: bool = false;
override VEC_A: bool = false;
override VEC_B: bool = false;
override COLS: u32 = WG / G;

const MAX_ROWS = 8u;

var<workgroup> partial: array<array<f32, MAX_ROWS>, WG>;

fn unpackPair(w: u32) -> vec2<f32> {
  if (B_DTYPE == 2u) { return unpack2x16float(w); }
  return vec2<f32>(bitcast<f32>(w << 16u), bitcast<f32>(w & 0xffff0000u));
}

fn loadB4(e: u32) -> vec4<f32> {
  if (B_DTYPE == 0u) {
    if (VEC_B) { return bitcast<vec4<f32>>(b4[e >> 2u]); }
    return vec4<f32>(bitcast<f32>(bw[e]), bitcast<f32>(bw[e + 1u]), bitcast<f32>(bw[e + 2u]), bitcast<f32>(bw[e + 3u]));
  }
  if (VEC_B) {
    let w2 = b2[e >> 2u];
    return vec4<f32>(unpackPair(w2.x), unpackPair(w2.y));
  }
  let w = e >> 1u;
  let p0 = unpackPair(bw[w]);
  let p1 = unpackPair(bw[w + 1u]);
  if (B_PAIR_ALIGNED || (e & 1u) == 0u) { return vec4<f32>(p0, p1); }
  let p2 = unpackPair(bw[w + 2u]);
  return vec4<f32>(p0.y, p1.x, p1.y, p2.x);
}

fn loadB1(e: u32) -> f32 {
  if (B_DTYPE == 0u) { return bitcast<f32>(bw[e]); }
  let pair = unpackPair(bw[e >> 1u]);
  return select(pair.x, pair.y, (e & 1u) == 1u);
}

fn loadA4(e: u32) -> vec4<f32> {
  if (VEC_A) { return a4[e >> 2u]; }
  return vec4<f32>(a[e], a[e + 1u], a[e + 2u], a[e + 3u]);
}

// Thread t's partial sums of column n for every row: its K steps t·4, (t + G)·4, …, then the K tail
// (K mod 4 elements), one element per thread.
fn columnPartials(n: u32, t: u32) -> array<f32, MAX_ROWS> {
  let rowB = p.offB + min(n, p.N - 1u) * p.ldb;
  var acc: array<f32, MAX_ROWS>;
  let K4 = p.K & ~3u;
  for (var k = t * 4u; k < K4; k += G * 4u) {
    let w = loadB4(rowB + k);
    for (var m = 0u; m < MAX_ROWS; m++) {
      if (m >= p.M) { break; }
      acc[m] += dot(loadA4(p.offA + m * p.lda + k), w);
    }
  }
  let kt = K4 + t;
  if (kt < p.K) {
    let w = loadB1(rowB + kt);
    for (var m = 0u; m < MAX_ROWS; m++) {
      if (m >= p.M) { break; }
      acc[m] += a[p.offA + m * p.lda + kt] * w;
    }
  }
  return acc;
}

fn storeColumn(n: u32, sums: array<f32, MAX_ROWS>) {
  var bv = 0.0;
  if (HAS_BIAS) { bv = bias[p.offBias + n]; }
  for (var m = 0u; m < MAX_ROWS; m++) {
    if (m >= p.M) { break; }
    let o = p.offC + m * p.ldc + n;
    let v = p.alpha * sums[m] + bv;
    if (ACCUMULATE) { c[o] = c[o] + v; } else { c[o] = v; }
  }
}

@compute @workgroup_size(WG)
fn matvec(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let col = lid / G;
  let t = lid % G;
  let n = wid.x * COLS + col;
  partial[lid] = columnPartials(n, t);
  workgroupBarrier();
  // The column's G partials by a halving tree (shaders/matvec_subgroups.wgsl adds them in the same
  // order with subgroup shuffles).
  for (var s = G / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      for (var m = 0u; m < MAX_ROWS; m++) { partial[lid][m] += partial[lid + s][m]; }
    }
    workgroupBarrier();
  }
  if (t == 0u && n < p.N) { storeColumn(n, partial[lid]); }
}

// ---------------------------------------------------------------- matvec_columns
// The same product with no workgroup memory and no barriers: each invocation owns 8 output columns
// for ROWS rows (1, 2 or 4; more rows go in workgroup y) and walks all of K four at a time. For CPU
// adapters (SwiftShader), where a barrier costs a coroutine switch per invocation and the register
// kernel's 4×8 blocks would compute 3 clamped rows of 4 at M = 1. Each k step reads the 8 weights rows'
// next 4 values once and applies them to every row: acc += a · mat4x4(w0..w3) is four dot products.
override ROWS: u32 = 1u;

fn loadBMasked(e: u32, kv: vec4<bool>) -> vec4<f32> {
  // K tail: lanes past K read the row's last element (in bounds) and are zeroed.
  let x = vec4<f32>(loadB1(e), loadB1(e + select(0u, 1u, kv.y)), loadB1(e + select(0u, 2u, kv.z)), loadB1(e + select(0u, 3u, kv.w)));
  return select(vec4<f32>(0.0), x, kv);
}

fn loadAMasked(e: u32, kv: vec4<bool>) -> vec4<f32> {
  let x = vec4<f32>(a[e], a[e + select(0u, 1u, kv.y)], a[e + select(0u, 2u, kv.z)], a[e + select(0u, 3u, kv.w)]);
  return select(vec4<f32>(0.0), x, kv);
}

fn storeColumns(m: u32, n0: u32, lo: vec4<f32>, hi: vec4<f32>) {
  if (m >= p.M) { return; }
  let row = p.offC + m * p.ldc;
  for (var j = 0u; j < 8u; j++) {
    let n = n0 + j;
    if (n >= p.N) { break; }
    var v = p.alpha * select(lo[j & 3u], hi[j & 3u], j >= 4u);
    if (HAS_BIAS) { v += bias[p.offBias + n]; }
    if (ACCUMULATE) { c[row + n] = c[row + n] + v; } else { c[row + n] = v; }
  }
}

@compute @workgroup_size(WG)
fn matvec_columns(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let n0 = gid.x * 8u;
  if (n0 >= p.N) { return; }
  let m0 = wid.y * ROWS;
  let last = p.N - 1u;
  let b0 = p.offB + min(n0, last) * p.ldb;
  let b1 = p.offB + min(n0 + 1u, last) * p.ldb;
  let b2r = p.offB + min(n0 + 2u, last) * p.ldb;
  let b3 = p.offB + min(n0 + 3u, last) * p.ldb;
  let b4r = p.offB + min(n0 + 4u, last) * p.ldb;
  let b5 = p.offB + min(n0 + 5u, last) * p.ldb;
  let b6 = p.offB + min(n0 + 6u, last) * p.ldb;
  let b7 = p.offB + min(n0 + 7u, last) * p.ldb;
  let lastRow = p.M - 1u;
  let a0 = p.offA + min(m0, lastRow) * p.lda;
  let a1 = p.offA + min(m0 + 1u, lastRow) * p.lda;
  let a2 = p.offA + min(m0 + 2u, lastRow) * p.lda;
  let a3 = p.offA + min(m0 + 3u, lastRow) * p.lda;
  var lo0 = vec4<f32>(0.0); var hi0 = vec4<f32>(0.0);
  var lo1 = vec4<f32>(0.0); var hi1 = vec4<f32>(0.0);
  var lo2 = vec4<f32>(0.0); var hi2 = vec4<f32>(0.0);
  var lo3 = vec4<f32>(0.0); var hi3 = vec4<f32>(0.0);
  let K4 = p.K & ~3u;
  for (var k = 0u; k < K4; k += 4u) {
    let wl = mat4x4<f32>(loadB4(b0 + k), loadB4(b1 + k), loadB4(b2r + k), loadB4(b3 + k));
    let wh = mat4x4<f32>(loadB4(b4r + k), loadB4(b5 + k), loadB4(b6 + k), loadB4(b7 + k));
    let x0 = loadA4(a0 + k);
    lo0 += x0 * wl; hi0 += x0 * wh;
    if (ROWS > 1u) { let x1 = loadA4(a1 + k); lo1 += x1 * wl; hi1 += x1 * wh; }
    if (ROWS > 2u) {
      let x2 = loadA4(a2 + k); lo2 += x2 * wl; hi2 += x2 * wh;
      let x3 = loadA4(a3 + k); lo3 += x3 * wl; hi3 += x3 * wh;
    }
  }
  if (K4 < p.K) {
    let kv = vec4<u32>(K4, K4 + 1u, K4 + 2u, K4 + 3u) < vec4<u32>(p.K);
    let wl = mat4x4<f32>(loadBMasked(b0 + K4, kv), loadBMasked(b1 + K4, kv), loadBMasked(b2r + K4, kv), loadBMasked(b3 + K4, kv));
    let wh = mat4x4<f32>(loadBMasked(b4r + K4, kv), loadBMasked(b5 + K4, kv), loadBMasked(b6 + K4, kv), loadBMasked(b7 + K4, kv));
    let x0 = loadAMasked(a0 + K4, kv);
    lo0 += x0 * wl; hi0 += x0 * wh;
    if (ROWS > 1u) { let x1 = loadAMasked(a1 + K4, kv); lo1 += x1 * wl; hi1 += x1 * wh; }
    if (ROWS > 2u) {
      let x2 = loadAMasked(a2 + K4, kv); lo2 += x2 * wl; hi2 += x2 * wh;
      let x3 = loadAMasked(a3 + K4, kv); lo3 += x3 * wl; hi3 += x3 * wh;
    }
  }
  storeColumns(m0, n0, lo0, hi0);
  if (ROWS > 1u) { storeColumns(m0 + 1u, n0, lo1, hi1); }
  if (ROWS > 2u) { storeColumns(m0 + 2u, n0, lo2, hi2); storeColumns(m0 + 3u, n0, lo3, hi3); }
}
