// Matrix multiply for every linear layer, forward and backward, and for batched attention products:
//   C[M,N] (+)= alpha · op(A)[M,K] · op(B)[K,N] (+ bias[N])
// op(A) = A ([M,K] row-major) or Aᵀ (A stored [K,M]); op(B) = B ([K,N]) or Bᵀ (B stored [N,K], the HF
// `[out,in]` weight layout, so a linear forward is y = x·Wᵀ with TRANS_B). B may be f32 or packed
// bf16/f16 two per u32 (low half = element 2i); it is unpacked here and all math is f32.
// Owns only the arithmetic: never allocates, never reads shapes from anywhere but the uniform.
//
// Design (why this shape):
// - Register blocking: each invocation owns an 8×8 block of C as four 4×4 mat4x4 accumulators
//   (4 rows or columns when M or N ≤ 8) and walks K four at a time: per step it loads two 4×4 blocks
//   of op(A) and two of op(B) as vec4s and does 256 FMAs on 64 loaded values (a naive kernel does
//   1 FMA per 2 loads). The 4-wide loads are always contiguous in memory whatever the transpose
//   flags: a block is read along whichever axis is contiguous and transposed in registers (free
//   after compilation). On SwiftShader loads dominate (the same loop without loads runs ~10× faster),
//   so load reuse is what counts; 8×8 beat 8×4 by ~1.4× on the y = x·Wᵀ shape, 4×4 by more.
// - vec4 loads: when offsets, row lengths and strides are multiples of 4 (every real model shape),
//   A and B are read through 16-byte views (VEC_A/VEC_B), one vector load per 4 values (for 16-bit
//   weights one vec2<u32> per 4 halves); otherwise scalar loads with any alignment and parity.
// - No workgroup memory and no barriers: neighbouring invocations read overlapping rows of A and B,
//   so reuse comes from the L1/L2 cache on real GPUs (a 16×16 workgroup covers a 128×128 tile of C
//   and touches 128 rows of A and 128 of B per 4-wide k step, 4 KiB, which fits L1). On SwiftShader (WebGPU on the CPU)
//   a barrier costs a coroutine switch per invocation: a classic 16×16 shared-memory tile ran at
//   0.14 GFLOP/s there against ~2 GFLOP/s for register tiling, and tfjs's shared-memory matmul runs
//   ~0.08 GFLOP/s on it. On real GPUs, register-blocked cache-reuse kernels land within ~1.5× of
//   shared-memory ones at transformer sizes; a shared-memory/subgroup variant can become another entry
//   point behind the same op without touching callers.
// - Workgroup shape is a uniform (wgX × 256/wgX invocations, numbered by local_invocation_index): the
//   op picks a flatter shape when M is small (decode, a 2-token LM-head test) so invocations are not
//   spent on rows that don't exist. It and whether to add a bias are uniforms rather than overrides
//   because each override value is a pipeline of its own, and compiling is what a process pays
//   first (SwiftShader: 100–300 ms a matmul pipeline; a training step of the embedded model asked
//   for 18, now 10). ACCUMULATE stays an override: it branches once per stored element, and
//   SwiftShader runs both sides of a branch under a lane mask (as a uniform, the LM head's logits
//   at M = 8 took 8% longer).
// - Batches go in workgroup z (≤ 65535); N/(8·wgX) tiles in x, M/(8·256/wgX) in y, so a 151,936-column
//   LM head is 1,187 workgroups in x (75 with the flat 256×1 shape), far under the limit.
// - Bounds: rows/columns past M/N are clamped to a valid index on load and skipped on store, so the
//   inner loop has no branches; the K tail (K mod 4) is one masked extra step, compiled out (K_TAIL)
//   where K is a multiple of 4 for the whole run: it repeats every load of the loop, and a pipeline
//   without it compiles in about two thirds of the time (SwiftShader: ~240 against ~360 ms; 8 of the
//   13 a training step of the embedded model builds).
// - This file is the kernel's body; its entry point and its reads of A's 4-wide runs (fourA4) come
//   with the file it is compiled with: matmul_rows.wgsl (each invocation reads its own) or
//   matmul_shared_rows.wgsl (the lanes of a subgroup read them once for all; CPU adapters).

struct Params {
  M: u32,
  N: u32,
  K: u32,
  offA: u32,      // element offsets into the bound windows (see src/ops/matmul.ts bindWindow)
  offB: u32,
  offC: u32,
  offBias: u32,
  strideA: u32,   // elements between consecutive batch items
  strideB: u32,
  strideC: u32,
  lda: u32,       // elements between consecutive stored rows (≥ the row length; larger for a slice
  ldb: u32,       // of a wider matrix, e.g. one head of a [T, heads, d] activation)
  ldc: u32,
  alpha: f32,
  wgX: u32,       // invocations along n in a workgroup (a multiple of 16); 256 / wgX along m
  hasBias: u32,   // 1: add bias[n]
}

// A workgroup's invocations; their shape is the uniform wgX.
const INVOCATIONS: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> bw: array<u32>;   // f32 bits or two packed halves per word
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;  // bound to `a` without a bias
// 16-byte views of the same windows, read when every 4-wide load is 16-byte aligned (VEC_A/VEC_B):
// one vector load instead of four scalar ones (bound to a small placeholder otherwise).
@group(0) @binding(5) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> b4: array<vec4<u32>>;  // f32 B
@group(0) @binding(7) var<storage, read> b2: array<vec2<u32>>;  // packed 16-bit B: 4 halves

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override B_DTYPE: u32 = 0u;  // 0 f32, 1 bf16, 2 f16
override ACCUMULATE: bool = false;
// True when every 4-element B read starts at an even element (offset, row length and batch stride
// even): each read is then exactly two whole words, with no parity branch. Set by the op.
override B_PAIR_ALIGNED: bool = false;
// True when every 4-wide A (B) read starts at a multiple of 4 elements: offset, row stride and batch
// stride all multiples of 4. Set by the op.
override VEC_A: bool = false;
override VEC_B: bool = false;
// False when K is a multiple of 4 for every call the pipeline serves (the op decides which).
override K_TAIL: bool = true;

fn loadA4(e: u32) -> vec4<f32> {
  if (VEC_A) { return a4[e >> 2u]; }
  return vec4<f32>(a[e], a[e + 1u], a[e + 2u], a[e + 3u]);
}

fn unpackPair(w: u32) -> vec2<f32> {
  if (B_DTYPE == 2u) { return unpack2x16float(w); }
  // bf16 is the top half of an f32: shift the low element up, mask the high one in place.
  return vec2<f32>(bitcast<f32>(w << 16u), bitcast<f32>(w & 0xffff0000u));
}

// Four consecutive B elements starting at element index e, whatever the parity of e.
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

// Column i of the result = op(A)[m0+i, k..k+3]. rows[i] are the clamped row indices m0+i. The four
// 4-wide reads go through fourA4 (matmul_rows.wgsl, or matmul_shared_rows.wgsl where the lanes of a
// subgroup read them once for all).
fn loadABlock(baseA: u32, rows: vec4<u32>, m0c: u32, k: u32, kmax: u32, lane: u32) -> mat4x4<f32> {
  if (TRANS_A) {
    // A stored [K, M]: read 4 contiguous m for each of 4 k, then transpose.
    let ks = vec4<u32>(k, min(k + 1u, kmax), min(k + 2u, kmax), min(k + 3u, kmax));
    return transpose(fourA4(baseA + ks * p.lda + m0c, lane));
  }
  return fourA4(baseA + rows * p.lda + k, lane);
}

// Column j of the result = op(B)[k+j, n0..n0+3]. cols[j] are the clamped column indices n0+j.
fn loadBBlock(baseB: u32, cols: vec4<u32>, n0: u32, k: u32, kmax: u32) -> mat4x4<f32> {
  if (TRANS_B) {
    // B stored [N, K]: read 4 contiguous k for each of 4 n, then transpose.
    return transpose(mat4x4<f32>(
      loadB4(baseB + cols.x * p.ldb + k), loadB4(baseB + cols.y * p.ldb + k),
      loadB4(baseB + cols.z * p.ldb + k), loadB4(baseB + cols.w * p.ldb + k)));
  }
  let k1 = min(k + 1u, kmax);
  let k2 = min(k + 2u, kmax);
  let k3 = min(k + 3u, kmax);
  return mat4x4<f32>(
    loadB4(baseB + k * p.ldb + n0), loadB4(baseB + k1 * p.ldb + n0),
    loadB4(baseB + k2 * p.ldb + n0), loadB4(baseB + k3 * p.ldb + n0));
}

// Zeroes lanes k ≥ K of every column (the K-tail step).
fn maskTail(ab: mat4x4<f32>, kv: vec4<bool>) -> mat4x4<f32> {
  let z = vec4<f32>(0.0);
  return mat4x4<f32>(select(z, ab[0], kv), select(z, ab[1], kv), select(z, ab[2], kv), select(z, ab[3], kv));
}

fn storeBlock(acc: mat4x4<f32>, m0: u32, n0: u32, cols: vec4<u32>, baseC: u32) {
  if (n0 >= p.N || m0 >= p.M) { return; }
  var bv = vec4<f32>(0.0);
  if (p.hasBias != 0u) {
    bv = vec4<f32>(bias[p.offBias + cols.x], bias[p.offBias + cols.y], bias[p.offBias + cols.z], bias[p.offBias + cols.w]);
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    let v = p.alpha * acc[i] + bv;
    let row = baseC + m * p.ldc;
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + j;
      if (n >= p.N) { break; }
      if (ACCUMULATE) { c[row + n] = c[row + n] + v[j]; } else { c[row + n] = v[j]; }
    }
  }
}

// Block of C per invocation: (TALL ? 8 : 4) rows × (WIDE ? 8 : 4) columns, as up to four 4×4
// accumulators; each loaded A block is reused across the column blocks and each B block across
// the row blocks. 4×4 is for tiny M (decode) and tiny N.
override TALL: bool = true;
override WIDE: bool = true;

// The first row and column of the block of C of the workgroup's invocation i (row-major in wgX).
fn blockOrigin(wid: vec3<u32>, i: u32) -> vec2<u32> {
  let x = wid.x * p.wgX + i % p.wgX;
  let y = wid.y * (INVOCATIONS / p.wgX) + i / p.wgX;
  return vec2<u32>(x * select(4u, 8u, WIDE), y * select(4u, 8u, TALL));
}

// The block of C at (n0, m0) of batch item z. Rows and columns past the product are clamped on
// load and skipped on store, so a lane past N may run it (matmul_shared_rows needs all its lanes).
fn registerBlock(z: u32, n0: u32, m0: u32, lane: u32) {
  let m1 = m0 + 4u;
  let n1 = n0 + 4u;
  let baseA = p.offA + z * p.strideA;
  let baseB = p.offB + z * p.strideB;
  let baseC = p.offC + z * p.strideC;
  let lastRow = vec4<u32>(p.M - 1u);
  let lastCol = vec4<u32>(p.N - 1u);
  let rows0 = min(vec4<u32>(m0, m0 + 1u, m0 + 2u, m0 + 3u), lastRow);
  let rows1 = min(vec4<u32>(m1, m1 + 1u, m1 + 2u, m1 + 3u), lastRow);
  let cols0 = min(vec4<u32>(n0, n0 + 1u, n0 + 2u, n0 + 3u), lastCol);
  let cols1 = min(vec4<u32>(n1, n1 + 1u, n1 + 2u, n1 + 3u), lastCol);
  // Contiguous reads of a second block start here, clamped in bounds (down to a multiple of 4 for
  // vector loads): transposed A reads along m, plain B along n.
  let m1c = select(min(m1, p.M - 1u), min(m1, (p.M - 1u) & ~3u), VEC_A);
  let n1c = select(min(n1, p.N - 1u), min(n1, (p.N - 1u) & ~3u), VEC_B);
  let kmax = p.K - 1u;

  // accRC = C[rows block R, cols block C]: with A block column i = A row i and B block column j =
  // B row k+j, acc[i] += Σ_j Bblk[j] · Ablk[i][j] = Bblk * Ablk[i].
  let zero = mat4x4<f32>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  var acc00 = zero;
  var acc01 = zero;
  var acc10 = zero;
  var acc11 = zero;
  let kFull = p.K & ~3u;
  for (var k = 0u; k < kFull; k += 4u) {
    let a0 = loadABlock(baseA, rows0, m0, k, kmax, lane);
    let b0 = loadBBlock(baseB, cols0, n0, k, kmax);
    acc00 = acc00 + b0 * a0;
    if (WIDE) {
      let b1 = loadBBlock(baseB, cols1, n1c, k, kmax);
      acc01 = acc01 + b1 * a0;
      if (TALL) {
        let a1 = loadABlock(baseA, rows1, m1c, k, kmax, lane);
        acc10 = acc10 + b0 * a1;
        acc11 = acc11 + b1 * a1;
      }
    } else if (TALL) {
      acc10 = acc10 + b0 * loadABlock(baseA, rows1, m1c, k, kmax, lane);
    }
  }
  if (K_TAIL && kFull < p.K) {
    // K tail: lanes k ≥ K are zeroed on both sides (select, not multiply, so garbage read past a
    // row cannot leak a NaN in). B block columns are k rows: zero whole columns j with k+j ≥ K.
    let kv = vec4<u32>(kFull, kFull + 1u, kFull + 2u, kFull + 3u) < vec4<u32>(p.K);
    let a0 = maskTail(loadABlock(baseA, rows0, m0, kFull, kmax, lane), kv);
    let a1 = maskTail(loadABlock(baseA, rows1, m1c, kFull, kmax, lane), kv);
    let b0 = transpose(maskTail(transpose(loadBBlock(baseB, cols0, n0, kFull, kmax)), kv));
    let b1 = transpose(maskTail(transpose(loadBBlock(baseB, cols1, n1c, kFull, kmax)), kv));
    acc00 = acc00 + b0 * a0;
    acc01 = acc01 + b1 * a0;
    acc10 = acc10 + b0 * a1;
    acc11 = acc11 + b1 * a1;
  }

  storeBlock(acc00, m0, n0, cols0, baseC);
  if (WIDE) { storeBlock(acc01, m0, n1, cols1, baseC); }
  if (TALL) {
    storeBlock(acc10, m1, n0, cols0, baseC);
    if (WIDE) { storeBlock(acc11, m1, n1, cols1, baseC); }
  }
}
