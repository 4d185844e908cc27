// The small kernels that keep a decode step's choice on the GPU (RoPE and the KV-cache append are
// one dispatch in rope.wgsl, rotate_append):
//   argmax_rows  the greedy token of each row of logits [B, V]: the index of the largest value, ties to
//                the lowest index (src/model/sampling.ts argmax), so only B ids are read back, not B·V
//                logits. One workgroup per row; each thread scans a slice of the row, then a tree reduce.
//   argmax_compact  argmax_rows's token from a compact LM head's logits, without the whole row (below).
//   sample_rows  a temperature / top-p draw per row, also reading back only B ids (below).
//   scatter_columns  the logits of an LM head without its all-zero rows (src/model/compactHead.ts),
//                [B, C], into their columns of the [B, V] logits; the other columns stay the 0 the
//                buffer was made with, which is exactly what a row of zeros gives.

struct ArgmaxParams {
  V: u32,
  offset: u32,  // first logit of row 0 (rows are V apart)
}

@group(0) @binding(0) var<uniform> xp: ArgmaxParams;
@group(0) @binding(6) var<storage, read> logits: array<f32>;
@group(0) @binding(7) var<storage, read_write> chosen: array<u32>;

// The same logits read four at a time (ROW_CHUNKS, when a row starts on a multiple of 4).
@group(0) @binding(11) var<storage, read> logits4: array<vec4<f32>>;

override AWG: u32 = 256; // a power of two (the halving trees)
// How a thread's share of a row is laid out for the maximum. Strided (false): thread t reads t, t + AWG,
// …, so neighbouring threads read neighbouring logits, as a GPU's memory wants. Chunks (true, for CPU
// adapters): each thread scans one contiguous stretch, four logits a load and without branches.
// SwiftShader runs a workgroup's threads as SIMD lanes, loads each lane's address separately and
// takes both sides of a divergent branch: the strided scan ran 2.5–3× slower there. Either way the
// result is the first index of the maximum, so the choice changes no token.
override ROW_CHUNKS: bool = false;
const NONE = 0xffffffffu;
var<workgroup> bestValue: array<f32, AWG>;
var<workgroup> bestIndex: array<u32, AWG>;

// Keeps (bv, bi) or takes (x, i): x wins when it is a number and larger, or the first number seen.
fn better(x: f32, bv: f32, bi: u32) -> bool {
  return x == x && (bi == NONE || x > bv);
}

// The first index of the largest of the V values from `row` (NaN never wins), or NONE for a row of
// NaN only, as the CPU scan that keeps the first of equal values: −∞ everywhere gives index 0.
fn rowArgmax(lid: u32, row: u32, V: u32) -> u32 {
  var bv = 0.0;
  var bi = NONE;
  if (!ROW_CHUNKS) {
    for (var i = lid; i < V; i += AWG) {
      let x = logits[row + i];
      if (better(x, bv, bi)) { bv = x; bi = i; } // in index order: the first index wins in a thread
    }
  } else if ((row & 3u) == 0u && (V & 3u) == 0u) {
    let V4 = V / 4u;
    let L = (V4 + AWG - 1u) / AWG;
    let begin = min(lid * L, V4);
    let end = min(begin + L, V4);
    for (var j = begin; j < end; j++) {
      let x = logits4[row / 4u + j];
      // The vec4's own first maximum (a NaN loses to anything, and equal values keep the lower lane),
      // then against the thread's so far. NaN tests are !(x == x): SwiftShader's x != x is false for NaN.
      let yWins = x.y > x.x || !(x.x == x.x);
      let wWins = x.w > x.z || !(x.z == x.z);
      let m01 = select(x.x, x.y, yWins);
      let m23 = select(x.z, x.w, wWins);
      let hiWins = m23 > m01 || !(m01 == m01);
      let m = select(m01, m23, hiWins);
      let lane = select(select(0u, 1u, yWins), select(2u, 3u, wWins), hiWins);
      let take = better(m, bv, bi);
      bv = select(bv, m, take);
      bi = select(bi, 4u * j + lane, take);
    }
  } else {
    let L = (V + AWG - 1u) / AWG;
    let begin = min(lid * L, V);
    let end = min(begin + L, V);
    for (var i = begin; i < end; i++) {
      let x = logits[row + i];
      let take = better(x, bv, bi);
      bv = select(bv, x, take);
      bi = select(bi, i, take);
    }
  }
  bestValue[lid] = bv;
  bestIndex[lid] = bi;
  workgroupBarrier();
  for (var s = AWG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      let ov = bestValue[lid + s];
      let oi = bestIndex[lid + s];
      let mine = bestIndex[lid];
      if (oi != NONE && (mine == NONE || ov > bestValue[lid] || (ov == bestValue[lid] && oi < mine))) {
        bestValue[lid] = ov;
        bestIndex[lid] = oi;
      }
    }
    workgroupBarrier();
  }
  return bestIndex[0];
}

@compute @workgroup_size(AWG)
fn argmax_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let best = rowArgmax(lid, xp.offset + wid.x * xp.V, xp.V);
  // A row of NaN only: token 0, as the CPU argmax gives.
  if (lid == 0u) { chosen[wid.x] = select(best, 0u, best == NONE); }
}

// argmax_compact: argmax_rows's token for a compact LM head (src/model/compactHead.ts) without the
// whole row: its logits [B, C] (bound as logits), their vocabulary ids (columns, ascending), and
// the first id of an all-zero row, whose logit is exactly 0 as every other zero row's. The first
// maximum of the whole row is the kept one if it is above 0; the first zero row if the kept are
// below 0 (or NaN only); if it is 0, whichever id of the two is lower. Same token as argmax_rows
// over the scattered row, for a fraction of its reads.

struct CompactArgmaxParams {
  C: u32,
  firstZero: u32, // NONE: every row of the head is kept
}

@group(0) @binding(0) var<uniform> cp: CompactArgmaxParams;

@compute @workgroup_size(AWG)
fn argmax_compact(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x * cp.C;
  let j = rowArgmax(lid, row, cp.C);
  if (lid != 0u) { return; }
  var token = select(0u, cp.firstZero, cp.firstZero != NONE); // no number kept
  if (j != NONE) {
    let v = logits[row + j];
    let kept = columns[j];
    if (cp.firstZero == NONE || v > 0.0) { token = kept; } else if (v == 0.0) { token = min(kept, cp.firstZero); }
  }
  chosen[wid.x] = token;
}

// sample_rows: temperature and top-p (nucleus) sampling of one token per row of logits [B, V], one
// workgroup (AWG threads) per row. The CPU sampler (src/model/sampling.ts sampleRowExact) repeats every operation below in the same order with f32
// rounding, and the two must pick the same token for the same logits and draw, so only operations
// whose f32 result WGSL defines exactly are used: +, −, × (correctly rounded), comparisons, integer
// ops, bitcasts and table lookups. No exp() (its precision is the implementation's), no division,
// and no sum of a rounded product (a driver may fuse x·y + z into one fma): a weight's last step is
// a scaling by a power of two, exact for the normal weights there are, so a sum that takes the
// weight as it is made adds the same value, fused or not.
//
//   z' = z with |z| < 2^-126 taken as 0 (subnormals: a GPU may flush them, the CPU does not)
//   m  = (max z)' (NaN skipped; = max z', as z ↦ z' never decreases); d = (z' − m), subnormal d as 0
//   w  = 0 if !(d > dCut), else 2^y with y = d·scale (scale = log2(e)/T, dCut = −125/scale: w ≥ 2^-126
//        stays normal), as 2^y = 2^-n · Thi[j] · Tlo[k] for −y = n + j/2^10 + k/2^20 (−y·2^20 truncated)
//   top-p: mass(t) = Σ_{w_i ≥ t, w_i > 0} w_i (each thread sums i = lid, lid + AWG, … in order, then a
//          halving tree); t* = the largest f32 t with mass(t) ≥ f32(topP · mass(0)), found by a
//          binary search over t's bit pattern (positive floats order as their bits; mass(t) never
//          rises with t, since rounding is monotone); kept = {i : w_i ≥ t*, w_i > 0}. Tokens tied
//          at t* are all kept. topP ≥ 1 keeps every w_i > 0 without a search.
//   draw: the row is cut into AWG contiguous chunks of L = ⌈V/AWG⌉; s_c = kept weights of chunk c
//          summed in index order; P_0 = 0, P_{c+1} = P_c + s_c; r = u·P_AWG; the token is the first
//          kept i (index order) with r < P_c + (chunk c's kept weights up to i), which is monotone in
//          i, so the chunk is the first with r < P_{c+1}. When rounding leaves r ≥ P_AWG: the last
//          kept token. A row with nothing kept (only NaN/±∞ logits): its first maximum (argmax).

struct SampleParams {
  V: u32,
  scale: f32, // f32(log2(e) / T)
  dCut: f32,  // f32(−125 / scale)
  topP: f32,  // f32(topP); ≥ 1: no nucleus
}

// logits (6, [B, V]) and chosen (7, [B]) as argmax_rows.
@group(0) @binding(0) var<uniform> sp: SampleParams;
@group(0) @binding(8) var<storage, read> draws: array<f32>;           // [B] u in [0, 1)
@group(0) @binding(9) var<storage, read> exp2Table: array<f32>;       // [2^10 + 2^10]: 2^(−j/2^10), 2^(−k/2^20)
@group(0) @binding(10) var<storage, read_write> weights: array<f32>;  // [B, V] scratch

const MIN_NORMAL = 1.17549435e-38; // 2^-126
const ONE_BITS = 0x3f800000u; // bits of 1.0, the largest weight
const SEARCH_STEPS = 30u; // ⌈log2(ONE_BITS + 1)⌉: the bisection of [0, ONE_BITS + 1) ends at width 1

fn flushSubnormal(x: f32) -> f32 {
  return select(x, 0.0, abs(x) < MIN_NORMAL);
}

fn weightOf(z: f32, zMax: f32) -> f32 {
  let d = flushSubnormal(flushSubnormal(z) - zMax);
  if (!(d > sp.dCut)) { return 0.0; } // also NaN and −∞
  let y = d * sp.scale; // in (−125·(1 + 2^-23), 0]
  let a = u32(-y * 1048576.0);
  let n = a >> 20u; // ≤ 125
  let m = exp2Table[(a >> 10u) & 1023u] * exp2Table[1024u + (a & 1023u)];
  return m * bitcast<f32>((127u - n) << 23u);
}

// Σ x over the workgroup by the halving tree; every thread gets the sum.
fn sumAll(lid: u32, x: f32) -> f32 {
  workgroupBarrier(); // everyone has read the previous bestValue[0]
  bestValue[lid] = x;
  workgroupBarrier();
  for (var s = AWG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { bestValue[lid] = bestValue[lid] + bestValue[lid + s]; }
    workgroupBarrier();
  }
  return bestValue[0];
}

// mass(t): kept weights at threshold t, strided partial sums then the tree. A thread's weights are
// its own entries row + lid + AWG·j, j < *n, in index order, all above 0. `*above` is set to how
// many are at least t. With `compact`, those below `keep` are dropped as it goes and the rest moved
// up in order. Only a bound the search has already reached is passed as `keep`, so every later t is
// at least it: a weight dropped adds nothing to any later sum, and the sums are those of the whole
// row, in the same order.
fn massAbove(lid: u32, row: u32, t: f32, keep: f32, compact: bool, n: ptr<function, u32>, above: ptr<function, u32>) -> f32 {
  // Branch-free sums: a weight below t adds +0, which leaves the sum as it is.
  var acc = 0.0;
  var count = 0u;
  let m = *n;
  if (compact) {
    var kept = 0u;
    for (var j = 0u; j < m; j++) {
      let w = weights[row + lid + AWG * j];
      acc = acc + select(0.0, w, w >= t);
      count += select(0u, 1u, w >= t);
      if (w >= keep) {
        if (kept != j) { weights[row + lid + AWG * kept] = w; }
        kept++;
      }
    }
    *n = kept;
  } else {
    for (var j = 0u; j < m; j++) {
      let w = weights[row + lid + AWG * j];
      acc = acc + select(0.0, w, w >= t);
      count += select(0u, 1u, w >= t);
    }
  }
  *above = count;
  return sumAll(lid, acc);
}

@compute @workgroup_size(AWG)
fn sample_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x * sp.V;
  let best = rowArgmax(lid, row, sp.V);
  let fallback = select(best, 0u, best == NONE);
  let zMax = flushSubnormal(select(logits[row + fallback], 0.0, best == NONE));

  var t = 0.0;
  if (sp.topP < 1.0) {
    // The weights above 0, each thread's own at its entries in index order (massAbove), summed as
    // they are made: mass(0).
    var n = 0u;
    var acc = 0.0;
    for (var i = lid; i < sp.V; i += AWG) {
      let w = weightOf(logits[row + i], zMax);
      if (w > 0.0) {
        weights[row + lid + AWG * n] = w;
        n++;
        acc = acc + w;
      }
    }
    let goal = sp.topP * sumAll(lid, acc);
    var lo = 0u; // mass(lo) ≥ goal (lo = 0: every kept weight)
    var hi = ONE_BITS + 1u; // mass(hi) < goal (no weight exceeds 1)
    // A thread drops its weights below lo once that at least halves them (atLo: how many are ≥ lo),
    // so it moves each weight a few times at most: a peaked row's search soon reads the few weights
    // near the nucleus, not 151,936 a step, and a flat row's reads the row as it did.
    var atLo = n;
    var above = 0u;
    for (var step = 0u; step < SEARCH_STEPS; step++) {
      let mid = lo + (hi - lo) / 2u;
      if (massAbove(lid, row, bitcast<f32>(mid), bitcast<f32>(lo), 2u * atLo <= n, &n, &above) >= goal) {
        lo = mid;
        atLo = above;
      } else {
        hi = mid;
      }
    }
    t = bitcast<f32>(lo);
  }

  // The draw makes each weight again where it reads it (the search left the scratch reordered, and
  // without a nucleus no pass wrote them).
  let L = (sp.V + AWG - 1u) / AWG;
  let begin = min(lid * L, sp.V);
  let end = min(begin + L, sp.V);
  var sum = 0.0;
  var last = NONE;
  for (var i = begin; i < end; i++) {
    let w = weightOf(logits[row + i], zMax);
    if (w >= t && w > 0.0) { sum = sum + w; last = i; }
  }
  workgroupBarrier(); // the reductions' last reads of bestValue are done
  bestValue[lid] = sum;
  bestIndex[lid] = last;
  workgroupBarrier();
  if (lid != 0u) { return; }
  var total = 0.0;
  var lastKept = NONE;
  for (var c = 0u; c < AWG; c++) {
    total = total + bestValue[c];
    if (bestIndex[c] != NONE) { lastKept = bestIndex[c]; }
  }
  if (lastKept == NONE) { chosen[wid.x] = fallback; return; }
  let r = draws[wid.x] * total;
  var p = 0.0;
  for (var c = 0u; c < AWG; c++) {
    let next = p + bestValue[c];
    if (r < next) {
      var local = 0.0;
      let cEnd = min(c * L + L, sp.V);
      for (var i = c * L; i < cEnd; i++) {
        let w = weightOf(logits[row + i], zMax);
        if (w >= t && w > 0.0) {
          local = local + w;
          if (r < p + local) { chosen[wid.x] = i; return; }
        }
      }
    }
    p = next;
  }
  chosen[wid.x] = lastKept;
}

// ---- scatter_columns: one thread per compact logit, workgroups (C / SWG) × rows ----

struct ScatterParams {
  V: u32,  // row length of the whole logits
  C: u32,  // row length of the compact ones
}

@group(0) @binding(0) var<uniform> scatter: ScatterParams;
@group(0) @binding(12) var<storage, read> compactLogits: array<f32>;  // [B, C]
@group(0) @binding(13) var<storage, read> columns: array<u32>;        // [C] each one's vocabulary id
@group(0) @binding(14) var<storage, read_write> allLogits: array<f32>; // [B, V]

override SWG: u32 = 64;

@compute @workgroup_size(SWG)
fn scatter_columns(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let j = wid.x * SWG + lid;
  if (j >= scatter.C) { return; }
  let row = wid.y;
  allLogits[row * scatter.V + columns[j]] = compactLogits[row * scatter.C + j];
}
