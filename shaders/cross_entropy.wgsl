// Cross-entropy over the LM head, one vocabulary chunk at a time (src/ops/crossEntropy.ts drives it;
// the chunk's logits [T, C] come from matmul.wgsl). Never sees the whole [T, V] logits.
//   forward   lse[t] = log Σ_v exp(z[t,v])     nll[t] = lse[t] − z[t, target[t]]   (0 if ignored)
//   gradient  dH[t] = w[t] · (Σ_v softmax(z[t])_v · W[v] − W[target[t]])            (0 if ignored)
// A target is ignored when it is outside [0, V) (−1 by convention: prompt, padding). With the LM
// head's all-zero rows left out of W (ce_fold_zero_rows), V is W's rows + 1 and target V − 1 is
// one of those rows.
// Per chunk, `ce_chunk_stats` folds the chunk into a running (max m, Σ exp(z − m), target logit) per
// token: m' = max(m, m_c), s' = s·e^(m−m') + s_c·e^(m_c−m'). `ce_finalize` turns those into lse, nll
// and the per-segment NLL sums and token counts (segment 0 prompt, 1 cot, 2 call).
// Training needs the gradient too, and takes it in the same pass over the vocabulary, as flash
// attention does its output: `ce_chunk_softmax` folds the chunk into the stats, turns its logits into
// e^(z − m') in place and rescales the row's running Σ e^(z − m)·W by e^(m − m'); the driver then adds
// the chunk's e^(z − m')·W_chunk with a matmul. `ce_grad_finalize` divides by Σ e^(z − m) and takes
// away the target's row. Two products per chunk instead of three (no recomputed logits).

// One parameter block for every entry point (each uses the fields it needs).
struct Params {
  T: u32,
  C: u32,     // columns in this chunk (row stride of the logits buffer)
  v0: u32,    // vocabulary index of column 0
  V: u32,
  flag: u32,  // stats, softmax: 1 on the first chunk (start instead of fold); finalize: 1 to accumulate segment sums
  H: u32,     // hidden size (softmax, grad_finalize)
}

// Bindings (layout 'auto': each entry point's layout holds only what it uses).
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;          // [T, C]        stats
@group(0) @binding(2) var<storage, read> targets: array<i32>;         // [T]           all
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;     // [T, 3] m, s, target logit
@group(0) @binding(4) var<storage, read> segments: array<u32>;        // [T]           finalize
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;       // [T]           finalize (w), dlogits (r)
@group(0) @binding(6) var<storage, read_write> nll: array<f32>;       // [T]           finalize
@group(0) @binding(7) var<storage, read_write> segNll: array<f32>;    // [3]           finalize
@group(0) @binding(8) var<storage, read_write> segCount: array<u32>;  // [3]           finalize
@group(0) @binding(9) var<storage, read_write> dz: array<f32>;        // [T, C]        softmax: logits in, e^(z − m') out
@group(0) @binding(10) var<storage, read> tokenWeight: array<f32>;    // [T]           grad_finalize
@group(0) @binding(11) var<storage, read_write> acc: array<f32>;      // [T, H]        softmax (rescaled), grad_finalize: Σ e^(z − m)·W in, dH out
@group(0) @binding(12) var<storage, read> targetRows: array<f32>;     // [T, H]        grad_finalize: W[target[t]]
// 16-byte views of logits and dz for the *4 entry points (chunks of a multiple of 4 columns).
@group(0) @binding(13) var<storage, read> logits4: array<vec4<f32>>;
@group(0) @binding(14) var<storage, read_write> dz4: array<vec4<f32>>;

override WG: u32 = 64;
const LOWEST: f32 = -3.402823e38; // finite stand-in for −∞: e^(LOWEST−LOWEST) stays 1, never NaN

fn isTarget(tgt: i32, V: u32) -> bool {
  return tgt >= 0 && u32(tgt) < V;
}

// ---- ce_chunk_stats: one workgroup per token row (rows folded over x and y) ----

var<workgroup> redM: array<f32, WG>;
var<workgroup> redS: array<f32, WG>;

@compute @workgroup_size(WG)
fn ce_chunk_stats(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
  let t = wid.x + wid.y * nwg.x;
  if (t >= p.T) { return; } // uniform per workgroup, so the barriers below stay uniform
  let row = t * p.C;
  var m = LOWEST;
  var s = 0.0;
  for (var j = lid; j < p.C; j += WG) {
    let z = logits[row + j];
    let mNew = max(m, z);
    s = s * exp(m - mNew) + exp(z - mNew);
    m = mNew;
  }
  redM[lid] = m;
  redS[lid] = s;
  for (var half = WG / 2u; half > 0u; half >>= 1u) {
    workgroupBarrier();
    if (lid < half) {
      let f = foldPartial(redM[lid], redS[lid], redM[lid + half], redS[lid + half]);
      redM[lid] = f.x;
      redS[lid] = f.y;
    }
  }
  if (lid == 0u) { foldChunkStats(t, redM[0], redS[0]); }
}

// Row t's running (max, Σ e^(z − max), target logit) before this chunk; the first chunk starts them.
fn priorStats(t: u32) -> vec3<f32> {
  if (p.flag == 0u) { return vec3<f32>(stats[t * 3u], stats[t * 3u + 1u], stats[t * 3u + 2u]); }
  return vec3<f32>(LOWEST, 0.0, 0.0);
}

fn storeStats(t: u32, m: f32, s: f32, tl: f32) {
  stats[t * 3u] = m;
  stats[t * 3u + 1u] = s;
  stats[t * 3u + 2u] = tl;
}

// Folds row t's chunk max mc and Σ e^(z − mc) into its running stats, and takes its target logit.
fn foldChunkStats(t: u32, mc: f32, sc: f32) {
  let old = priorStats(t);
  let mNew = max(old.x, mc);
  var tl = old.z;
  let tgt = targets[t];
  if (isTarget(tgt, p.V) && u32(tgt) >= p.v0 && u32(tgt) < p.v0 + p.C) {
    tl = logits[t * p.C + u32(tgt) - p.v0];
  }
  storeStats(t, mNew, old.y * exp(old.x - mNew) + sc * exp(mc - mNew), tl);
}

// The softmax entry points' last step for row t: the running Σ e^(z − m)·W rescaled to the new max
// (its first chunk's product overwrites it; before that it holds anything).
fn rescaleRunningSum(t: u32, lid: u32, scale: f32) {
  if (p.flag == 0u) {
    for (var h = lid; h < p.H; h += WG) {
      acc[t * p.H + h] *= scale;
    }
  }
}

// ---- ce_chunk_stats4 and ce_chunk_softmax4: the same, four logits a load (CPU adapters) ----
// SwiftShader runs an invocation's scalar loads lane by lane and a barrier as a switch between the
// workgroup's SIMD groups, so a row is read as vec4s by WG = 16 invocations, each standing for four
// of the 64 the scalar entry points run: component c of invocation u is invocation 4u + c there. It
// reads the same logits in the same order (4u + c, then + 64, …) and the tree adds the same pairs:
// levels of 8 or more lanes pair whole vec4s, the last two pair components. Same bits as WG = 64.
// Needs C a multiple of 4 (every row starts on a 16-byte boundary).

var<workgroup> redM4: array<vec4<f32>, WG>;
var<workgroup> redS4: array<vec4<f32>, WG>;

// Combines two (max, Σ e^(z − max)) partials (the stats trees; the vec4 one inlines it per lane).
fn foldPartial(m1: f32, s1: f32, m2: f32, s2: f32) -> vec2<f32> {
  let mm = max(m1, m2);
  return vec2<f32>(mm, s1 * exp(m1 - mm) + s2 * exp(m2 - mm));
}

@compute @workgroup_size(WG)
fn ce_chunk_stats4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
  let t = wid.x + wid.y * nwg.x;
  if (t >= p.T) { return; } // uniform per workgroup, so the barriers below stay uniform
  let row4 = t * (p.C >> 2u);
  var m = vec4<f32>(LOWEST);
  var s = vec4<f32>(0.0);
  for (var q = lid; q < (p.C >> 2u); q += WG) {
    let z = logits4[row4 + q];
    let mNew = max(m, z);
    s = s * exp(m - mNew) + exp(z - mNew);
    m = mNew;
  }
  redM4[lid] = m;
  redS4[lid] = s;
  for (var half = WG / 2u; half > 0u; half >>= 1u) {
    workgroupBarrier();
    if (lid < half) {
      let m1 = redM4[lid];
      let m2 = redM4[lid + half];
      let mm = max(m1, m2);
      redS4[lid] = redS4[lid] * exp(m1 - mm) + redS4[lid + half] * exp(m2 - mm);
      redM4[lid] = mm;
    }
  }
  if (lid == 0u) {
    let m4 = redM4[0];
    let s4 = redS4[0];
    let a = foldPartial(m4.x, s4.x, m4.z, s4.z);
    let b = foldPartial(m4.y, s4.y, m4.w, s4.w);
    let c = foldPartial(a.x, a.y, b.x, b.y);
    foldChunkStats(t, c.x, c.y);
  }
}

@compute @workgroup_size(WG)
fn ce_chunk_softmax4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
  let t = wid.x + wid.y * nwg.x;
  if (t >= p.T) { return; } // uniform per workgroup, so the barriers below stay uniform
  let C4 = p.C >> 2u;
  let row4 = t * C4;
  let old = priorStats(t);
  var tl = old.z;
  let tgt = targets[t];
  let isTgt = isTarget(tgt, p.V);
  // Read before any lane overwrites the row (the barriers below order it).
  if (isTgt && u32(tgt) >= p.v0 && u32(tgt) < p.v0 + p.C) {
    let j = u32(tgt) - p.v0;
    tl = dz4[row4 + (j >> 2u)][j & 3u];
  }
  var mc = vec4<f32>(LOWEST);
  for (var q = lid; q < C4; q += WG) {
    mc = max(mc, dz4[row4 + q]);
  }
  redM4[lid] = mc;
  for (var half = WG / 2u; half > 0u; half >>= 1u) {
    workgroupBarrier();
    if (lid < half) {
      redM4[lid] = max(redM4[lid], redM4[lid + half]);
    }
  }
  workgroupBarrier();
  let m4 = redM4[0];
  let m2 = max(m4.xy, m4.zw);
  let mNew = max(old.x, max(m2.x, m2.y));
  let keep = select(0.0, 1.0, isTgt);
  var s = vec4<f32>(0.0);
  for (var q = lid; q < C4; q += WG) {
    let e = exp(dz4[row4 + q] - mNew);
    s += e;
    dz4[row4 + q] = e * keep;
  }
  redS4[lid] = s;
  for (var half = WG / 2u; half > 0u; half >>= 1u) {
    workgroupBarrier();
    if (lid < half) {
      redS4[lid] += redS4[lid + half];
    }
  }
  let scale = exp(old.x - mNew);
  rescaleRunningSum(t, lid, scale);
  if (lid == 0u) {
    let s4 = redS4[0];
    let s2 = s4.xy + s4.zw;
    storeStats(t, mNew, old.y * scale + (s2.x + s2.y), tl);
  }
}

// ---- ce_finalize: one workgroup for the whole batch (T is at most a few thousand tokens) ----

var<workgroup> redSeg: array<vec3<f32>, WG>;
var<workgroup> redCnt: array<vec3<u32>, WG>;

@compute @workgroup_size(WG)
fn ce_finalize(@builtin(local_invocation_index) lid: u32) {
  var sums = vec3<f32>(0.0);
  var counts = vec3<u32>(0u);
  for (var t = lid; t < p.T; t += WG) {
    let l = stats[t * 3u] + log(stats[t * 3u + 1u]);
    var n = 0.0;
    if (isTarget(targets[t], p.V)) {
      n = l - stats[t * 3u + 2u];
      let seg = segments[t];
      let hit = vec3<bool>(seg == 0u, seg == 1u, seg == 2u);
      sums += select(vec3<f32>(0.0), vec3<f32>(n), hit);
      counts += select(vec3<u32>(0u), vec3<u32>(1u), hit);
    }
    lse[t] = l;
    nll[t] = n;
  }
  redSeg[lid] = sums;
  redCnt[lid] = counts;
  for (var half = WG / 2u; half > 0u; half >>= 1u) {
    workgroupBarrier();
    if (lid < half) {
      redSeg[lid] += redSeg[lid + half];
      redCnt[lid] += redCnt[lid + half];
    }
  }
  workgroupBarrier(); // lanes 1 and 2 read what lane 0 wrote in the last step
  if (lid < 3u) {
    let s = redSeg[0][lid];
    let c = redCnt[0][lid];
    if (p.flag == 1u) {
      segNll[lid] += s;
      segCount[lid] += c;
    } else {
      segNll[lid] = s;
      segCount[lid] = c;
    }
  }
}

// ---- ce_chunk_softmax: one workgroup per token row (rows folded over x and y) ----

@compute @workgroup_size(WG)
fn ce_chunk_softmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
  let t = wid.x + wid.y * nwg.x;
  if (t >= p.T) { return; } // uniform per workgroup, so the barriers below stay uniform
  let row = t * p.C;
  let old = priorStats(t);
  var tl = old.z;
  let tgt = targets[t];
  let isTgt = isTarget(tgt, p.V);
  // Read before any lane overwrites the row (the barriers below order it).
  if (isTgt && u32(tgt) >= p.v0 && u32(tgt) < p.v0 + p.C) {
    tl = dz[row + u32(tgt) - p.v0];
  }
  var mc = LOWEST;
  for (var j = lid; j < p.C; j += WG) {
    mc = max(mc, dz[row + j]);
  }
  redM[lid] = mc;
  for (var half = WG / 2u; half > 0u; half >>= 1u) {
    workgroupBarrier();
    if (lid < half) {
      redM[lid] = max(redM[lid], redM[lid + half]);
    }
  }
  workgroupBarrier();
  let mNew = max(old.x, redM[0]);
  // An ignored row adds nothing to the running sum of rows: its gradient stays 0.
  let keep = select(0.0, 1.0, isTgt);
  var s = 0.0;
  for (var j = lid; j < p.C; j += WG) {
    let e = exp(dz[row + j] - mNew);
    s += e;
    dz[row + j] = e * keep;
  }
  redS[lid] = s;
  for (var half = WG / 2u; half > 0u; half >>= 1u) {
    workgroupBarrier();
    if (lid < half) {
      redS[lid] += redS[lid + half];
    }
  }
  let scale = exp(old.x - mNew);
  rescaleRunningSum(t, lid, scale);
  if (lid == 0u) { storeStats(t, mNew, old.y * scale + redS[0], tl); }
}

// ---- ce_fold_zero_rows: one invocation per token row ----
// The LM head's rows that are all zero (src/model/compactHead.ts leaves them out of W) have logit
// exactly 0 for every token: p.C of them fold into the running stats at once, as a chunk whose max
// is 0 and whose Σ e^(z − 0) is p.C would. A target among them has logit 0, the stats' start value.
// Training (p.flag 1) rescales the row's running Σ e^(z − m)·W to the new max; the zero rows add
// nothing to it. Runs once, after the last chunk of W.
@compute @workgroup_size(WG)
fn ce_fold_zero_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * WG;
  if (t >= p.T) { return; }
  let old = vec3<f32>(stats[t * 3u], stats[t * 3u + 1u], stats[t * 3u + 2u]);
  let mNew = max(old.x, 0.0);
  let scale = exp(old.x - mNew);
  storeStats(t, mNew, old.y * scale + f32(p.C) * exp(-mNew), old.z);
  if (p.flag == 1u) {
    for (var h = 0u; h < p.H; h++) {
      acc[t * p.H + h] *= scale;
    }
  }
}

// ---- ce_grad_finalize: one invocation per element of dH [T, H] (folded 1-D), in place ----

@compute @workgroup_size(WG)
fn ce_grad_finalize(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.T * p.H) { return; }
  let t = i / p.H;
  var g = 0.0;
  if (isTarget(targets[t], p.V)) {
    g = (acc[i] / stats[t * 3u + 1u] - targetRows[i]) * tokenWeight[t];
  }
  acc[i] = g;
}
