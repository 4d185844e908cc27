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

@compute @workgroup_size(WG)
fn matvec(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let col = lid / G;
  let t = lid % G;
  let n = wid.x * COLS + col;
  let live = n < p.N;
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
  // The K tail (K mod 4 elements), one element per thread.
  let kt = K4 + t;
  if (kt < p.K) {
    let w = loadB1(rowB + kt);
    for (var m = 0u; m < MAX_ROWS; m++) {
      if (m >= p.M) { break; }
      acc[m] += a[p.offA + m * p.lda + kt] * w;
    }
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = G / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      for (var m = 0u; m < MAX_ROWS; m++) { partial[lid][m] += partial[lid + s][m]; }
    }
    workgroupBarrier();
  }
  if (t == 0u && live) {
    var bv = 0.0;
    if (HAS_BIAS) { bv = bias[p.offBias + n]; }
    for (var m = 0u; m < MAX_ROWS; m++) {
      if (m >= p.M) { break; }
      let o = p.offC + m * p.ldc + n;
      let v = p.alpha * partial[lid][m] + bv;
      if (ACCUMULATE) { c[o] = c[o] + v; } else { c[o] = v; }
    }
  }
}
