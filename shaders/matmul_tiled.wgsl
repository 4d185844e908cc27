// Matrix multiply for hardware GPUs, the same contract as shaders/matmul.wgsl:
//   C[M,N] (+)= alpha · op(A)[M,K] · op(B)[K,N] (+ bias[N])
// with the same transpose flags, packed bf16/f16 B, batches, offsets and row strides, plus split-K.
// Owns only the arithmetic: never allocates, never reads shapes from anywhere but the uniform.
//
// Design (why this shape, and why it is not the software kernel):
// - Workgroup-memory tiles: a workgroup owns a BM×BN block of C and walks K in steps of BK; each step
//   stages a BM×BK tile of op(A) and a BK×BN tile of op(B) in workgroup memory, k-major ([k][m] and
//   [k][n]), so the inner loop reads both as vec4s along m and n. Each global value is loaded once per
//   workgroup instead of once per thread block: on GPUs this is the main unlock (a register-tiled kernel
//   relying on L1 reached 0.4–0.8× tfjs-webgpu on an H200; see ../shared/gpu/KERNELS.md). On a CPU
//   (SwiftShader) every barrier is a coroutine switch, so software adapters keep matmul.wgsl.
// - PREFETCH: double-buffered K tiles, one barrier per step: tile t+1 is read from global memory into
//   registers before the math on tile t and written to the other buffer after it; the barrier at the end
//   of a step both publishes tile t+1 and retires tile t (nobody reads buffer t%2 again until step t+2
//   rewrites it, which is after the next barrier). Without PREFETCH: one buffer, load-barrier-math-
//   barrier, fewer registers and half the workgroup memory (more workgroups per compute unit); which
//   wins depends on the GPU and the shape, so the autotune tries both.
// - Each thread owns TM×TN outputs as TM/4 × TN/4 sub-blocks of 4×4 spread WY·4 rows and WX·4 columns
//   apart: neighbouring threads read neighbouring vec4s of the staged tiles (no bank conflicts) and write
//   neighbouring columns of C.
// - Global loads go along whichever axis of the stored operand is contiguous, 4 elements at a time
//   (one vec4, or one vec2<u32> of packed halves), and the ones that run along k are scattered into the
//   k-major tile as scalars.
// - CHECKED=false (M, N, K multiples of the tile, set by the op) drops every clamp and mask.
//   CHECKED=true clamps rows/columns past M/N to a valid address (their results are never stored) and
//   zeroes k ≥ K on both operands (select, not multiply, so garbage past a row cannot leak a NaN in).
// - SPLIT: workgroup z is a slice of K (kPerSplit, a multiple of BK) instead of a batch item, and the
//   raw sums go to a partial buffer [z][M][N] (offset offC, batch stride strideC, no epilogue);
//   matmul_reduce adds the slices and applies alpha, bias and accumulate. Skinny products (LoRA's
//   rank-r gradients summed over every token) otherwise have a handful of output tiles and idle the GPU.

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
  kPerSplit: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> bw: array<u32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> b4: array<vec4<u32>>;
@group(0) @binding(7) var<storage, read> b2: array<vec2<u32>>;

override BM: u32 = 64;
override BN: u32 = 64;
override BK: u32 = 16;
override TM: u32 = 4;   // 4 or 8
override TN: u32 = 4;   // 4 or 8
override WG: u32 = 256; // (BM/TM)·(BN/TN), set by the op
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override B_DTYPE: u32 = 0u;  // 0 f32, 1 bf16, 2 f16
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;
override B_PAIR_ALIGNED: bool = false;
override VEC_A: bool = false;
override VEC_B: bool = false;
override CHECKED: bool = true;
override SPLIT: bool = false;
override PREFETCH: bool = true;

override WX: u32 = BN / TN;  // threads along n
override WY: u32 = BM / TM;  // threads along m
override UNITS_A: u32 = BM * BK / 4u;
override UNITS_B: u32 = BN * BK / 4u;
override PER_A: u32 = (UNITS_A + WG - 1u) / WG;  // staged vec4s per thread and step (≤ PER_MAX)
override PER_B: u32 = (UNITS_B + WG - 1u) / WG;

// k-major staged tiles, two buffers each: [buf][k][m/4] and [buf][k][n/4].
var<workgroup> As: array<vec4<f32>, select(1u, 2u, PREFETCH) * BK * BM / 4u>;
var<workgroup> Bs: array<vec4<f32>, select(1u, 2u, PREFETCH) * BK * BN / 4u>;

fn loadA4(e: u32) -> vec4<f32> {
  if (VEC_A) { return a4[e >> 2u]; }
  return vec4<f32>(a[e], a[e + 1u], a[e + 2u], a[e + 3u]);
}

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

// Four elements of a stored row starting at column `col`, with the start clamped so the read stays
// inside the row (vector reads: down to a multiple of 4), and lanes at or past `limit` zeroed when
// `maskLanes` (the k axis). Rows are clamped by the caller.
fn clampStart(col: u32, cols: u32, vec: bool) -> u32 {
  if (!CHECKED || col < cols) { return col; }
  return select(cols - 1u, (cols - 1u) & ~3u, vec);
}

fn laneMask(col: u32, limit: u32) -> vec4<bool> {
  return vec4<u32>(col, col + 1u, col + 2u, col + 3u) < vec4<u32>(limit);
}

// This thread's share of one staged tile, held in registers between the global read and the store.
const PER_MAX = 8u;
struct Stage { v: array<vec4<f32>, PER_MAX>, }

fn loadTileA(baseA: u32, m0: u32, k0: u32, kEnd: u32, lid: u32) -> Stage {
  var s: Stage;
  for (var i = 0u; i < PER_A; i++) {
    let u = lid + i * WG;
    if (u >= UNITS_A) { break; }
    if (TRANS_A) {
      // A stored [K, M]: unit = 4 consecutive m of one k.
      let k = k0 + u / (BM / 4u);
      let m = m0 + (u % (BM / 4u)) * 4u;
      var kc = k;
      var mc = m;
      if (CHECKED) { kc = min(k, p.K - 1u); mc = clampStart(m, p.M, VEC_A); }
      var v = loadA4(baseA + kc * p.lda + mc);
      if (CHECKED && k >= kEnd) { v = vec4<f32>(0.0); }
      s.v[i] = v;
    } else {
      // A stored [M, K]: unit = 4 consecutive k of one m.
      let m = m0 + u / (BK / 4u);
      let k = k0 + (u % (BK / 4u)) * 4u;
      var mc = m;
      var kc = k;
      if (CHECKED) { mc = min(m, p.M - 1u); kc = clampStart(k, p.K, VEC_A); }
      var v = loadA4(baseA + mc * p.lda + kc);
      if (CHECKED) { v = select(vec4<f32>(0.0), v, laneMask(k, kEnd)); }
      s.v[i] = v;
    }
  }
  return s;
}

fn storeTileA(s: Stage, buf: u32, lid: u32) {
  let base = buf * BK * (BM / 4u);
  for (var i = 0u; i < PER_A; i++) {
    let u = lid + i * WG;
    if (u >= UNITS_A) { break; }
    if (TRANS_A) {
      let k = u / (BM / 4u);
      let mq = u % (BM / 4u);
      As[base + k * (BM / 4u) + mq] = s.v[i];
    } else {
      let m = u / (BK / 4u);
      let k = (u % (BK / 4u)) * 4u;
      let v = s.v[i];
      for (var j = 0u; j < 4u; j++) {
        As[base + (k + j) * (BM / 4u) + m / 4u][m % 4u] = v[j];
      }
    }
  }
}

fn loadTileB(baseB: u32, n0: u32, k0: u32, kEnd: u32, lid: u32) -> Stage {
  var s: Stage;
  for (var i = 0u; i < PER_B; i++) {
    let u = lid + i * WG;
    if (u >= UNITS_B) { break; }
    if (TRANS_B) {
      // B stored [N, K] (a HF weight): unit = 4 consecutive k of one n.
      let n = n0 + u / (BK / 4u);
      let k = k0 + (u % (BK / 4u)) * 4u;
      var nc = n;
      var kc = k;
      if (CHECKED) { nc = min(n, p.N - 1u); kc = clampStart(k, p.K, VEC_B); }
      var v = loadB4(baseB + nc * p.ldb + kc);
      if (CHECKED) { v = select(vec4<f32>(0.0), v, laneMask(k, kEnd)); }
      s.v[i] = v;
    } else {
      // B stored [K, N]: unit = 4 consecutive n of one k.
      let k = k0 + u / (BN / 4u);
      let n = n0 + (u % (BN / 4u)) * 4u;
      var kc = k;
      var nc = n;
      if (CHECKED) { kc = min(k, p.K - 1u); nc = clampStart(n, p.N, VEC_B); }
      var v = loadB4(baseB + kc * p.ldb + nc);
      if (CHECKED && k >= kEnd) { v = vec4<f32>(0.0); }
      s.v[i] = v;
    }
  }
  return s;
}

fn storeTileB(s: Stage, buf: u32, lid: u32) {
  let base = buf * BK * (BN / 4u);
  for (var i = 0u; i < PER_B; i++) {
    let u = lid + i * WG;
    if (u >= UNITS_B) { break; }
    if (TRANS_B) {
      let n = u / (BK / 4u);
      let k = (u % (BK / 4u)) * 4u;
      let v = s.v[i];
      for (var j = 0u; j < 4u; j++) {
        Bs[base + (k + j) * (BN / 4u) + n / 4u][n % 4u] = v[j];
      }
    } else {
      let k = u / (BN / 4u);
      let nq = u % (BN / 4u);
      Bs[base + k * (BN / 4u) + nq] = s.v[i];
    }
  }
}

@compute @workgroup_size(WG)
fn matmul_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tx = lid % WX;
  let ty = lid / WX;
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  var baseA = p.offA;
  var baseB = p.offB;
  var kBegin = 0u;
  var kEnd = p.K;
  if (SPLIT) {
    kBegin = wid.z * p.kPerSplit;
    kEnd = min(p.K, kBegin + p.kPerSplit);
  } else {
    baseA += wid.z * p.strideA;
    baseB += wid.z * p.strideB;
  }

  // acc[i·(TN/4) + j] = C rows (row block i/4, row i%4), columns block j (4 wide).
  var acc: array<vec4<f32>, 16>;
  for (var i = 0u; i < TM * TN / 4u; i++) { acc[i] = vec4<f32>(0.0); }

  let steps = (kEnd - min(kBegin, kEnd) + BK - 1u) / BK;
  if (steps > 0u) {
    storeTileA(loadTileA(baseA, m0, kBegin, kEnd, lid), 0u, lid);
    storeTileB(loadTileB(baseB, n0, kBegin, kEnd, lid), 0u, lid);
  }
  workgroupBarrier();
  for (var t = 0u; t < steps; t++) {
    var cur = t % 2u;
    if (!PREFETCH) {
      cur = 0u;
      if (t > 0u) {
        workgroupBarrier(); // everyone is done with tile t-1
        let kt = kBegin + t * BK;
        storeTileA(loadTileA(baseA, m0, kt, kEnd, lid), 0u, lid);
        storeTileB(loadTileB(baseB, n0, kt, kEnd, lid), 0u, lid);
        workgroupBarrier();
      }
    }
    let more = PREFETCH && t + 1u < steps;
    var nextA: Stage;
    var nextB: Stage;
    if (more) {
      let k1 = kBegin + (t + 1u) * BK;
      nextA = loadTileA(baseA, m0, k1, kEnd, lid);
      nextB = loadTileB(baseB, n0, k1, kEnd, lid);
    }
    let aBase = cur * BK * (BM / 4u);
    let bBase = cur * BK * (BN / 4u);
    for (var kk = 0u; kk < BK; kk++) {
      var av: array<vec4<f32>, 2>;
      var bv: array<vec4<f32>, 2>;
      for (var i = 0u; i < TM / 4u; i++) { av[i] = As[aBase + kk * (BM / 4u) + i * WY + ty]; }
      for (var j = 0u; j < TN / 4u; j++) { bv[j] = Bs[bBase + kk * (BN / 4u) + j * WX + tx]; }
      for (var i = 0u; i < TM / 4u; i++) {
        for (var r = 0u; r < 4u; r++) {
          for (var j = 0u; j < TN / 4u; j++) {
            let idx = (i * 4u + r) * (TN / 4u) + j;
            acc[idx] = fma(vec4<f32>(av[i][r]), bv[j], acc[idx]);
          }
        }
      }
    }
    if (more) {
      storeTileA(nextA, 1u - cur, lid);
      storeTileB(nextB, 1u - cur, lid);
    }
    if (PREFETCH) { workgroupBarrier(); }
  }

  let baseC = p.offC + wid.z * p.strideC;
  for (var i = 0u; i < TM / 4u; i++) {
    for (var r = 0u; r < 4u; r++) {
      let m = m0 + (i * WY + ty) * 4u + r;
      if (CHECKED && m >= p.M) { continue; }
      let row = baseC + m * p.ldc;
      for (var j = 0u; j < TN / 4u; j++) {
        let n = n0 + (j * WX + tx) * 4u;
        let sum = acc[(i * 4u + r) * (TN / 4u) + j];
        var v = sum;
        if (!SPLIT) {
          v = p.alpha * sum;
          if (HAS_BIAS) {
            let nb = p.offBias + n;
            if (!CHECKED || n + 3u < p.N) {
              v += vec4<f32>(bias[nb], bias[nb + 1u], bias[nb + 2u], bias[nb + 3u]);
            } else {
              for (var q = 0u; q < 4u; q++) { if (n + q < p.N) { v[q] += bias[nb + q]; } }
            }
          }
        }
        for (var q = 0u; q < 4u; q++) {
          if (CHECKED && n + q >= p.N) { break; }
          let e = row + n + q;
          if (ACCUMULATE && !SPLIT) { c[e] = c[e] + v[q]; } else { c[e] = v[q]; }
        }
      }
    }
  }
}

// Split-K epilogue: C[m,n] (+)= alpha · Σ_s partial[s][m][n] (+ bias[n]). One thread per element.
struct ReduceParams {
  M: u32,
  N: u32,
  splits: u32,
  offC: u32,
  ldc: u32,
  offBias: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> rp: ReduceParams;
@group(0) @binding(8) var<storage, read> partial: array<f32>;

override RWG: u32 = 256;

@compute @workgroup_size(RWG)
fn matmul_reduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * RWG;
  let MN = rp.M * rp.N;
  if (e >= MN) { return; }
  var s = 0.0;
  for (var z = 0u; z < rp.splits; z++) { s += partial[z * MN + e]; }
  let m = e / rp.N;
  let n = e % rp.N;
  var v = rp.alpha * s;
  if (HAS_BIAS) { v += bias[rp.offBias + n]; }
  let o = rp.offC + m * rp.ldc + n;
  if (ACCUMULATE) { c[o] = c[o] + v; } else { c[o] = v; }
}
