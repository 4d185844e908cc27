// RMSNorm over the last axis of a row-major [rows, C] f32 tensor (Llama/Qwen, and Qwen3's per-head
// q/k norm with rows = T·n_heads, C = head_dim), forward and backward.
//   forward:  rstd_r = 1/sqrt(mean_i x[r,i]² + eps);  y[r,i] = x[r,i]·rstd_r·w[i]
//   backward: g = dy⊙w;  dx[r,i] = rstd_r·g[i] − x[r,i]·rstd_r³·(Σ_j g[j]·x[r,j])/C
//   weight:   dw[i] = Σ_r dy[r,i]·x[r,i]·rstd_r
// forward/backward: one workgroup per row; WG threads stride over C and tree-reduce in workgroup
// memory (a row is contiguous, so consecutive threads read consecutive words). The forward saves
// rstd [rows] for the backward. weightGrad: one thread per feature looping over rows (a column
// reduction with no atomics, deterministic order). forward4/backward4 and forward_thread/
// backward_thread are CPU adapters' forms of forward/backward with the same bits (below).
// The norm weight is bound as u32 words: f32 bits, or bf16/f16 packed two per word (element 2i in the
// low half), chosen by the WEIGHT_DTYPE override; arithmetic is f32 throughout.

struct Params {
  rows: u32,
  C: u32,
  eps: f32,
  accumulate: u32, // backward only: 1 → dx += …, dw += … (gradient accumulation); 0 → overwrite
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(5) var<storage, read> rstdSaved: array<f32>;
@group(0) @binding(6) var<storage, read> dy: array<f32>;
@group(0) @binding(7) var<storage, read_write> dx: array<f32>;
@group(0) @binding(8) var<storage, read_write> dw: array<f32>;
// 16-byte views for forward4/backward4 (C a multiple of 4): of x, y, dy, dx; and an 8-byte one of
// the weight (two f32 words or four halves a load; a bf16 weight of 4 elements is 8 bytes).
@group(0) @binding(9) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read_write> y4: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read> dy4: array<vec4<f32>>;
@group(0) @binding(12) var<storage, read_write> dx4: array<vec4<f32>>;
@group(0) @binding(13) var<storage, read> w2: array<vec2<u32>>;

override WG: u32 = 64;            // threads per row (weightGrad: per workgroup); a power of two
override WEIGHT_DTYPE: u32 = 0u;  // 0 f32, 1 bf16, 2 f16

var<workgroup> red: array<f32, WG>;

// Elements 2i and 2i+1 of a 16-bit weight from their word.
fn unpackPair(word: u32) -> vec2<f32> {
  if (WEIGHT_DTYPE == 2u) { return unpack2x16float(word); }
  // bf16 is the top half of an f32: shift the low half up, mask the high half in place.
  return vec2<f32>(bitcast<f32>(word << 16u), bitcast<f32>(word & 0xffff0000u));
}

fn weight(i: u32) -> f32 {
  if (WEIGHT_DTYPE == 0u) { return bitcast<f32>(w[i]); }
  return unpackPair(w[i >> 1u])[i & 1u];
}

// Sums red[0..WG) into red[0]; every thread sees the total after the last barrier.
fn reduceSum(lid: u32) {
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x; // uniform per workgroup, so the early return keeps barriers uniform
  if (row >= p.rows) { return; }
  let base = row * p.C;
  var ss = 0.0;
  for (var i = lid; i < p.C; i += WG) {
    let v = x[base + i];
    ss += v * v;
  }
  red[lid] = ss;
  reduceSum(lid);
  let r = inverseSqrt(red[0] / f32(p.C) + p.eps);
  for (var i = lid; i < p.C; i += WG) {
    y[base + i] = x[base + i] * r * weight(i);
  }
  if (lid == 0u) { rstd[row] = r; }
}

@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let base = row * p.C;
  var gx = 0.0;
  for (var i = lid; i < p.C; i += WG) {
    gx += dy[base + i] * weight(i) * x[base + i];
  }
  red[lid] = gx;
  reduceSum(lid);
  let r = rstdSaved[row];
  let k = r * r * r * red[0] / f32(p.C); // rstd³·(Σ g·x)/C
  for (var i = lid; i < p.C; i += WG) {
    let d = r * dy[base + i] * weight(i) - x[base + i] * k;
    dx[base + i] = select(d, dx[base + i] + d, p.accumulate == 1u);
  }
}

@compute @workgroup_size(WG)
fn weightGrad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= p.C) { return; }
  var s = 0.0;
  for (var r = 0u; r < p.rows; r++) {
    s += dy[r * p.C + i] * x[r * p.C + i] * rstdSaved[r];
  }
  dw[i] = select(s, dw[i] + s, p.accumulate == 1u);
}

// ---- forward4, backward4: the same, four elements a load (CPU adapters; src/ops/rowLoads.ts) ----
// WG invocations stand for the 4·WG of forward/backward: component c of invocation u is invocation
// 4u + c there, reading the same elements (4u + c, then + 4·WG, …) in the same order; the tree's
// levels of 8 or more lanes pair whole vec4s, its last two pair components. Same bits. Needs C a
// multiple of 4 (rows and the weight start on 16-byte boundaries).

var<workgroup> red4: array<vec4<f32>, WG>;

fn weight4(i: u32) -> vec4<f32> {
  if (WEIGHT_DTYPE == 0u) { return bitcast<vec4<f32>>(vec4<u32>(w2[i >> 1u], w2[(i >> 1u) + 1u])); }
  let pair = w2[i >> 2u];
  return vec4<f32>(unpackPair(pair.x), unpackPair(pair.y));
}

// The row's sum of the 4·WG partials, as reduceSum adds them; every invocation gets it.
fn reduceSum4(lid: u32) -> f32 {
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red4[lid] = red4[lid] + red4[lid + s]; }
    workgroupBarrier();
  }
  let r = red4[0];
  let h = r.xy + r.zw;
  return h.x + h.y;
}

@compute @workgroup_size(WG)
fn forward4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let base4 = row * (p.C >> 2u);
  var ss = vec4<f32>(0.0);
  for (var q = lid; q < (p.C >> 2u); q += WG) {
    let v = x4[base4 + q];
    ss += v * v;
  }
  red4[lid] = ss;
  let r = inverseSqrt(reduceSum4(lid) / f32(p.C) + p.eps);
  for (var q = lid; q < (p.C >> 2u); q += WG) {
    y4[base4 + q] = x4[base4 + q] * r * weight4(q * 4u);
  }
  if (lid == 0u) { rstd[row] = r; }
}

@compute @workgroup_size(WG)
fn backward4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let base4 = row * (p.C >> 2u);
  var gx = vec4<f32>(0.0);
  for (var q = lid; q < (p.C >> 2u); q += WG) {
    gx += dy4[base4 + q] * weight4(q * 4u) * x4[base4 + q];
  }
  red4[lid] = gx;
  let total = reduceSum4(lid);
  let r = rstdSaved[row];
  let k = r * r * r * total / f32(p.C);
  for (var q = lid; q < (p.C >> 2u); q += WG) {
    let d = r * dy4[base4 + q] * weight4(q * 4u) - x4[base4 + q] * k;
    dx4[base4 + q] = select(d, dx4[base4 + q] + d, p.accumulate == 1u);
  }
}

// ---- forward_thread, backward_thread: a row per invocation (CPU adapters; rmsNorm.ts rowWalk) ----
// Part l sums what invocation l of forward4/backward4 sums, in the same order, and the
// tree pairs parts as reduceSum4 pairs red4: the same bits, without workgroup memory or barriers
// (SwiftShader runs a barrier as a switch between SIMD groups, several per row at these widths).
// Written out by unrollLoops (WG, WG_LEVELS), every index is a literal and the parts stay in
// registers. WG is forward4's invocation count (a power of two, ≤ 64).

override ROWS: u32 = 64;     // rows per workgroup (one per invocation)
override WG_LEVELS: u32 = 3; // log2(WG)

// Σ of the parts as reduceSum4 adds red4's.
fn treeTotal(part: ptr<function, array<vec4<f32>, 64>>) -> f32 {
  for (var t = 0u; t < WG_LEVELS; t++) {
    for (var l = 0u; l < WG; l++) {
      // min(…): the index of a pair not taken must still be in bounds once it is a literal.
      if (l < (WG >> (t + 1u))) { (*part)[l] = (*part)[l] + (*part)[min(l + (WG >> (t + 1u)), 63u)]; }
    }
  }
  let h = (*part)[0].xy + (*part)[0].zw;
  return h.x + h.y;
}

@compute @workgroup_size(ROWS)
fn forward_thread(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
  let row = (wid.x + wid.y * nwg.x) * ROWS + lid;
  if (row >= p.rows) { return; }
  let base4 = row * (p.C >> 2u);
  var part: array<vec4<f32>, 64>; // zeros
  for (var q0 = 0u; q0 < (p.C >> 2u); q0 += WG) {
    for (var l = 0u; l < WG; l++) {
      if (q0 + l < (p.C >> 2u)) { let v = x4[base4 + q0 + l]; part[l] += v * v; }
    }
  }
  let r = inverseSqrt(treeTotal(&part) / f32(p.C) + p.eps);
  for (var q = 0u; q < (p.C >> 2u); q++) {
    y4[base4 + q] = x4[base4 + q] * r * weight4(q * 4u);
  }
  rstd[row] = r;
}

@compute @workgroup_size(ROWS)
fn backward_thread(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
  let row = (wid.x + wid.y * nwg.x) * ROWS + lid;
  if (row >= p.rows) { return; }
  let base4 = row * (p.C >> 2u);
  var part: array<vec4<f32>, 64>; // zeros
  for (var q0 = 0u; q0 < (p.C >> 2u); q0 += WG) {
    for (var l = 0u; l < WG; l++) {
      let q = q0 + l;
      if (q < (p.C >> 2u)) { part[l] += dy4[base4 + q] * weight4(q * 4u) * x4[base4 + q]; }
    }
  }
  let r = rstdSaved[row];
  let k = r * r * r * treeTotal(&part) / f32(p.C);
  for (var q = 0u; q < (p.C >> 2u); q++) {
    let d = r * dy4[base4 + q] * weight4(q * 4u) - x4[base4 + q] * k;
    dx4[base4 + q] = select(d, dx4[base4 + q] + d, p.accumulate == 1u);
  }
}
