// Tensor-core matrix multiply for frozen-weight products (the linear layers' forward y = x·Wᵀ and
// input gradient dx = dy·W, and the LM head), through subgroup matrices:
//   C[M,N] (+)= alpha · A[M,K] · op(B)[K,N] (+ bias[N])
// B is an f16 weight ([N,K] with TRANS_B, the HF layout, or [K,N]); A is f32 (activations or their
// gradients) and goes through `a_to_f16` first; products take f16 inputs and accumulate in f32. Not
// transposed A, no batches: the op uses these kernels only where that holds.
//
// Two passes:
// 1. a_to_f16: Ah[m][k] = f16(A[m][k]·s_m) for a power of two s_m that puts row m's largest magnitude
//    in [2^14, 2^15), into scratch padded to whole 16×16 fragments (zeros past M and K); s_m kept.
//    Why: activation gradients sit far below f16's normal range (means over thousands of tokens);
//    per-row powers of two keep 11 significant bits relative to each row and are undone exactly.
// 2. mma_direct: every subgroup owns FM×FN 16×16 result fragments of a (SGM·FM·16)×(SGN·FN·16)
//    workgroup tile and walks K 16 at a time, loading its A and B fragments straight from storage
//    (the workgroup's subgroups share them through the cache) and multiply-accumulating in registers:
//    no workgroup-memory staging, no barriers in the loop. The next step's fragments are loaded
//    before this step's products, so loads overlap the tensor cores.
//    (The workgroup-memory variant is generated per tile by src/ops/matmulTensorCoreSource.ts and
//    reads the same f16 copy of A; the autotune picks.)
// Epilogue: each fragment goes through a 16×16 f32 square of workgroup memory, where the row scale,
// alpha, bias, accumulate and the bounds are applied.
// Every subgroup-matrix argument derives from subgroup_id, workgroup_id and loop counters, as the
// uniformity analysis requires. Rows past M read padding; B reads past N or K stay inside the
// binding (robust access) and meet zero A columns, so they never reach a stored result.
enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;

// ---- pass 1: A → scaled f16 ----

struct ConvertParams {
  M: u32,
  K: u32,
  offA: u32,
  lda: u32,
  Mp: u32,  // rows written (M rounded up to a fragment)
  Kp: u32,  // row length written (K rounded up to a fragment)
}

@group(0) @binding(0) var<uniform> cp: ConvertParams;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(10) var<storage, read_write> ahOut: array<u32>;      // f16 pairs
@group(0) @binding(11) var<storage, read_write> scaleOut: array<f32>;

override CWG: u32 = 64;
var<workgroup> partialMax: array<f32, CWG>;

@compute @workgroup_size(CWG)
fn a_to_f16(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let m = wid.x + wid.y * nwg.x;
  if (m >= cp.Mp) { return; }
  let live = m < cp.M;
  let row = cp.offA + min(m, cp.M - 1u) * cp.lda;
  var mx = 0.0;
  if (live) { for (var k = lid; k < cp.K; k += CWG) { mx = max(mx, abs(a[row + k])); } }
  partialMax[lid] = mx;
  workgroupBarrier();
  for (var s = CWG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partialMax[lid] = max(partialMax[lid], partialMax[lid + s]); }
    workgroupBarrier();
  }
  let top = partialMax[0];
  var scale = 1.0;
  if (top > 0.0 && top <= 3.0e38) { scale = exp2(f32(15 - clamp(frexp(top).exp, -100, 100))); }
  if (lid == 0u && live) { scaleOut[m] = scale; }
  let out = m * (cp.Kp / 2u);
  for (var k2 = lid; k2 < cp.Kp / 2u; k2 += CWG) {
    let k = 2u * k2;
    var v = vec2<f32>(0.0);
    if (live && k < cp.K) { v.x = a[row + k] * scale; }
    if (live && k + 1u < cp.K) { v.y = a[row + k + 1u] * scale; }
    ahOut[out + k2] = bitcast<u32>(vec2<f16>(v));
  }
}

// ---- pass 2: fragments straight from storage ----

struct Params {
  M: u32,
  N: u32,
  Kp: u32,     // = the row length of Ah, a multiple of 16
  offB: u32,
  ldb: u32,
  offC: u32,
  ldc: u32,
  offBias: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> bh: array<f16>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(8) var<storage, read> ah: array<f16>;
@group(0) @binding(9) var<storage, read> rowScale: array<f32>;

override SG_SIZE: u32 = 32;
override SGM: u32 = 2;
override SGN: u32 = 2;
override FM: u32 = 2;   // ≤ 4
override FN: u32 = 2;   // ≤ 4
override WG: u32 = 128; // SG_SIZE·SGM·SGN, set by the op
override TRANS_B: bool = true;
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;

override BM: u32 = SGM * FM * 16u;
override BN: u32 = SGN * FN * 16u;

var<workgroup> Cs: array<f32, SGM * SGN * 256u>;

fn loadB(n: u32, k: u32) -> subgroup_matrix_right<f16, 16, 16> {
  if (TRANS_B) {
    // B stored [N][K]: element (k, n) at n·ldb + k.
    return subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, col_major>(&bh, p.offB + n * p.ldb + k, p.ldb);
  }
  return subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, row_major>(&bh, p.offB + k * p.ldb + n, p.ldb);
}

// C fragment (rows m0.., columns n0..) of a subgroup: scale back, epilogue, store in bounds.
fn storeFragment(acc: subgroup_matrix_result<f32, 16, 16>, square: u32, lane: u32, m0: u32, n0: u32) {
  subgroupMatrixStore<row_major>(&Cs, square, acc, 16u);
  workgroupBarrier();
  for (var e = lane; e < 256u; e += SG_SIZE) {
    let m = m0 + e / 16u;
    let n = n0 + e % 16u;
    if (m < p.M && n < p.N) {
      var v = Cs[square + e] * (p.alpha / rowScale[m]);
      if (HAS_BIAS) { v += bias[p.offBias + n]; }
      let o = p.offC + m * p.ldc + n;
      if (ACCUMULATE) { c[o] = c[o] + v; } else { c[o] = v; }
    }
  }
  workgroupBarrier();
}

@compute @workgroup_size(WG)
fn mma_direct(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(subgroup_id) sg: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let mBase = wid.y * BM + (sg / SGN) * FM * 16u;
  let nBase = wid.x * BN + (sg % SGN) * FN * 16u;
  var acc: array<subgroup_matrix_result<f32, 16, 16>, 16>;
  var left: array<subgroup_matrix_left<f16, 16, 16>, 4>;
  var right: array<subgroup_matrix_right<f16, 16, 16>, 4>;
  var nextLeft: array<subgroup_matrix_left<f16, 16, 16>, 4>;
  var nextRight: array<subgroup_matrix_right<f16, 16, 16>, 4>;
  for (var i = 0u; i < FM; i++) {
    left[i] = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&ah, (mBase + i * 16u) * p.Kp, p.Kp);
  }
  for (var j = 0u; j < FN; j++) { right[j] = loadB(nBase + j * 16u, 0u); }
  for (var k = 0u; k < p.Kp; k += 16u) {
    let more = k + 16u < p.Kp;
    if (more) {
      for (var i = 0u; i < FM; i++) {
        nextLeft[i] = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&ah, (mBase + i * 16u) * p.Kp + k + 16u, p.Kp);
      }
      for (var j = 0u; j < FN; j++) { nextRight[j] = loadB(nBase + j * 16u, k + 16u); }
    }
    for (var i = 0u; i < FM; i++) {
      for (var j = 0u; j < FN; j++) {
        acc[i * FN + j] = subgroupMatrixMultiplyAccumulate(left[i], right[j], acc[i * FN + j]);
      }
    }
    if (more) {
      for (var i = 0u; i < FM; i++) { left[i] = nextLeft[i]; }
      for (var j = 0u; j < FN; j++) { right[j] = nextRight[j]; }
    }
  }
  for (var i = 0u; i < FM; i++) {
    for (var j = 0u; j < FN; j++) { storeFragment(acc[i * FN + j], sg * 256u, lane, mBase + i * 16u, nBase + j * 16u); }
  }
}
