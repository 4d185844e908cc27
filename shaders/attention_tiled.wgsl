// Causal grouped-query attention for hardware GPUs, forward and backward, as small matrix products in
// workgroup memory (FlashAttention-2's structure, f32): the same math, layouts, visibility rule and
// outputs as attention_fwd.wgsl / attention_bwd.wgsl (see those for the formulas), which stay the
// kernels of software adapters. Those hold one query row per thread with a whole head in registers:
// fine on a CPU, but on a GPU each key costs one workgroup-memory read per multiply and the register
// arrays spill. Here a workgroup of 128 threads owns a 64-row block; every tile product is split into
// 4×4 register blocks per thread (16 multiplies per two vec4 reads), like a matmul:
//   attn_fwd_tiled   per query block: S = Q·Kᵀ over key tiles of 32 (Q and K staged 16 dims at a time),
//                    online softmax across tiles (row maxima shared through workgroup memory, row sums
//                    kept per thread and added once at the end), O += P·V with P staged.
//   attn_dq_tiled    per query block: S and dP = dO·Vᵀ per key tile, dS = P∘(dP − D), dQ += dS·K.
//   attn_dkv_tiled   per key block of one kv head: for each query head of its group and query tile,
//                    Sᵀ = K·Qᵀ and dPᵀ = V·dOᵀ, dV += Pᵀ·dO, dK += dSᵀ·Q (no float atomics needed).
// Thread (tx, ty) = (lid % 8, lid / 8) owns block rows ty·4..ty·4+3 and tile columns tx·4..tx·4+3 of
// every BR×32 tile product, and output columns {cc·32 + tx·4 .. +3} of the head dimension, so the
// rows of its scores and of its outputs are the same: per-row softmax factors never leave the thread.
// head_dim must be a multiple of 32 (HD4 = head_dim/4; ≤ 32 forward, ≤ 16 backward, for workgroup memory).
// Skipped tiles, as in the rows kernels (attention_fwd.wgsl's segment rule): the forward and dQ start
// at the key tile of their first non-padded row's bound (none when the block is all padding), the
// dK/dV pass stops at the first query tile past the block's last sequence. A skipped tile is one no
// pair of the block sees, so the outputs are those of the full walk. What the block's bounds are
// travels through a workgroup array the entry point already holds, as an f32 (exact below 2^24):
// its workgroup memory is counted to the byte (tiledWorkgroupBytes), 32 KiB at head_dim 128.

struct Params {
  T: u32,
  H: u32,
  Hkv: u32,
  scale: f32,
  rows: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> seg: array<u32>;
@group(0) @binding(5) var<storage, read_write> outW: array<vec4<f32>>;   // forward output
@group(0) @binding(6) var<storage, read_write> lseW: array<f32>;         // forward logsumexp
@group(0) @binding(7) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read> statsIn: array<vec2<f32>>;      // (lse, D) per (token, head)
@group(0) @binding(10) var<storage, read_write> dq: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read_write> dk: array<vec4<f32>>;
@group(0) @binding(12) var<storage, read_write> dv: array<vec4<f32>>;

override HD4: u32 = 16;
override NCC: u32 = HD4 / 8u;  // vec4 output columns per thread per row (head_dim / 32)

// Block rows (queries, or keys in attn_dkv_tiled) and threads, 8 per 4 rows: 64 and 128, except in
// attn_dkv_tiled, whose eight staged arrays fit 32 KiB of workgroup memory only at 32 rows and 64 threads
// (32 KiB is what most adapters offer).
override BR: u32 = 64u;
override WG: u32 = BR * 2u;
const BC = 32u;   // tile columns (keys, or queries in attn_dkv_tiled)
const DC = 16u;   // head dims staged per chunk of the score products
const MASKED = -3.0e38;

// Chunks of the score products, k-major: [16 dims][64 rows / 4] and [16 dims][32 columns / 4].
var<workgroup> rowsA: array<vec4<f32>, DC * BR / 4u>;
var<workgroup> colsA: array<vec4<f32>, DC * BC / 4u>;
var<workgroup> rowsB: array<vec4<f32>, DC * BR / 4u>;
var<workgroup> colsB: array<vec4<f32>, DC * BC / 4u>;
// Whole tiles [32 columns][head_dim / 4] for the output products, and P / dS [32 columns][64 rows / 4].
var<workgroup> tileA: array<vec4<f32>, BC * HD4>;
var<workgroup> tileB: array<vec4<f32>, BC * HD4>;
var<workgroup> probs: array<vec4<f32>, BC * BR / 4u>;
var<workgroup> dprobs: array<vec4<f32>, BC * BR / 4u>;
var<workgroup> red: array<f32, BR * 8u>;

// Stores 4 consecutive dims of one row (or column) into a k-major chunk of `width` rows.
fn putRows(val: vec4<f32>, d: u32, r: u32) {
  for (var e = 0u; e < 4u; e++) { rowsA[((d + e) * BR + r) / 4u][r % 4u] = val[e]; }
}
fn putRowsB(val: vec4<f32>, d: u32, r: u32) {
  for (var e = 0u; e < 4u; e++) { rowsB[((d + e) * BR + r) / 4u][r % 4u] = val[e]; }
}
fn putCols(val: vec4<f32>, d: u32, c: u32) {
  for (var e = 0u; e < 4u; e++) { colsA[((d + e) * BC + c) / 4u][c % 4u] = val[e]; }
}
fn putColsB(val: vec4<f32>, d: u32, c: u32) {
  for (var e = 0u; e < 4u; e++) { colsB[((d + e) * BC + c) / 4u][c % 4u] = val[e]; }
}

// One head's 16-dim chunk (from vec4 d0) of a block's rows and of a tile's columns, each of a pair of
// tensors: (q·scale, dO) of query head `head`, or (k·scale, v) of kv head `head` when fromKv. The
// first of a pair goes to rowsA/colsA (scores), the second to rowsB/colsB (dP).
fn pairAt(fromKv: bool, n: u32, head: u32, d: u32, scale: f32) -> array<vec4<f32>, 2> {
  if (fromKv) {
    let e = (n * p.Hkv + head) * HD4 + d;
    return array<vec4<f32>, 2>(k[e] * scale, v[e]);
  }
  let e = (n * p.H + head) * HD4 + d;
  return array<vec4<f32>, 2>(q[e] * scale, dout[e]);
}

fn stageRowPairs(fromKv: bool, head: u32, first: u32, base: u32, d0: u32, scale: f32, lid: u32) {
  for (var u = lid; u < BR * (DC / 4u); u += WG) {
    let r = u / (DC / 4u);
    let dq4 = u % (DC / 4u);
    let pair = pairAt(fromKv, base + min(first + r, p.T - 1u), head, d0 + dq4, scale);
    putRows(pair[0], dq4 * 4u, r);
    putRowsB(pair[1], dq4 * 4u, r);
  }
}

fn stageColPairs(fromKv: bool, head: u32, first: u32, base: u32, d0: u32, scale: f32, lid: u32) {
  for (var u = lid; u < BC * (DC / 4u); u += WG) {
    let c = u / (DC / 4u);
    let dq4 = u % (DC / 4u);
    let pair = pairAt(fromKv, base + min(first + c, p.T - 1u), head, d0 + dq4, scale);
    putCols(pair[0], dq4 * 4u, c);
    putColsB(pair[1], dq4 * 4u, c);
  }
}

struct Block { v: array<vec4<f32>, 4>, }  // 4 rows × 4 columns

// Declared with a value, not left to implicit zeroing: a `var` in a loop body must restart at zero
// on every tile, which an initializer guarantees.
fn zeroBlock() -> Block {
  return Block(array<vec4<f32>, 4>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0)));
}

// acc[i] += Σ_dd rowsA[dd][rows i] · colsA[dd][columns] over the staged chunk.
fn chunkProduct(acc: Block, tx: u32, ty: u32) -> Block {
  var s = acc;
  for (var dd = 0u; dd < DC; dd++) {
    let a = rowsA[dd * (BR / 4u) + ty];
    let b = colsA[dd * (BC / 4u) + tx];
    for (var i = 0u; i < 4u; i++) { s.v[i] = fma(vec4<f32>(a[i]), b, s.v[i]); }
  }
  return s;
}

fn chunkProductB(acc: Block, tx: u32, ty: u32) -> Block {
  var s = acc;
  for (var dd = 0u; dd < DC; dd++) {
    let a = rowsB[dd * (BR / 4u) + ty];
    let b = colsB[dd * (BC / 4u) + tx];
    for (var i = 0u; i < 4u; i++) { s.v[i] = fma(vec4<f32>(a[i]), b, s.v[i]); }
  }
  return s;
}

// The first key a row of [row0, end) may see (attention_fwd.wgsl's firstSeenKey), −1 when all are padding.
fn firstSeenKeyF(base: u32, row0: u32, end: u32) -> f32 {
  for (var r = row0; r < end; r++) {
    let s = seg[base + r];
    if (s != 0u) { return f32(s - 1u); }
  }
  return -1.0;
}

// The first key tile a block walks from the bound above (in a workgroup slot); `keyEnd` (none) for −1.
fn firstKeyTile(lo: f32, keyEnd: u32) -> u32 {
  if (lo < 0.0) { return keyEnd; }
  return (u32(lo) / BC) * BC;
}

fn visible(query: u32, key: u32, segQ: u32, segK: u32) -> bool {
  return key <= query && key < p.T && query < p.T && segQ != 0u && segQ == segK;
}

// ---------------------------------------------------------------- forward

@compute @workgroup_size(WG)
fn attn_fwd_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.y;
  let hk = h / (p.H / p.Hkv);
  let base = wid.z * p.T;
  let row0 = wid.x * BR;
  let tx = lid % 8u;
  let ty = lid / 8u;
  var segR: vec4<u32>;
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + ty * 4u + i;
    segR[i] = select(0u, seg[base + min(r, p.T - 1u)], r < p.T);
  }
  var m = vec4<f32>(MASKED);
  var l = vec4<f32>(0.0);
  var o: array<vec4<f32>, 16>;
  for (var e = 0u; e < 4u * NCC; e++) { o[e] = vec4<f32>(0.0); }

  let keyEnd = min(row0 + BR, p.T);
  if (lid == 0u) { red[0] = firstSeenKeyF(base, row0, keyEnd); }
  let lo = workgroupUniformLoad(&red[0]); // read by all before the loop's first barrier lets red be written
  for (var j0 = firstKeyTile(lo, keyEnd); j0 < keyEnd; j0 += BC) {
    var s = zeroBlock();
    for (var d0 = 0u; d0 < HD4; d0 += DC / 4u) {
      workgroupBarrier();
      for (var u = lid; u < BR * (DC / 4u); u += WG) {
        let r = u / (DC / 4u);
        let dq4 = u % (DC / 4u);
        let n = base + min(row0 + r, p.T - 1u);
        putRows(q[(n * p.H + h) * HD4 + d0 + dq4] * p.scale, dq4 * 4u, r);
      }
      for (var u = lid; u < BC * (DC / 4u); u += WG) {
        let c = u / (DC / 4u);
        let dq4 = u % (DC / 4u);
        let n = base + min(j0 + c, p.T - 1u);
        putCols(k[(n * p.Hkv + hk) * HD4 + d0 + dq4], dq4 * 4u, c);
      }
      if (d0 == 0u) {
        for (var u = lid; u < BC * HD4; u += WG) {
          let n = base + min(j0 + u / HD4, p.T - 1u);
          tileA[u] = v[(n * p.Hkv + hk) * HD4 + u % HD4];
        }
      }
      workgroupBarrier();
      s = chunkProduct(s, tx, ty);
    }

    // Online softmax: the tile's row maxima through `red`, then rescale what was summed so far.
    var segC: vec4<u32>;
    for (var j = 0u; j < 4u; j++) { segC[j] = seg[base + min(j0 + tx * 4u + j, p.T - 1u)]; }
    var vis: array<vec4<bool>, 4>;
    for (var i = 0u; i < 4u; i++) {
      let r = row0 + ty * 4u + i;
      for (var j = 0u; j < 4u; j++) { vis[i][j] = visible(r, j0 + tx * 4u + j, segR[i], segC[j]); }
      let sm = select(vec4<f32>(MASKED), s.v[i], vis[i]);
      red[(ty * 4u + i) * 8u + tx] = max(max(sm.x, sm.y), max(sm.z, sm.w));
    }
    workgroupBarrier();
    var mNew = m;
    for (var i = 0u; i < 4u; i++) {
      for (var t = 0u; t < 8u; t++) { mNew[i] = max(mNew[i], red[(ty * 4u + i) * 8u + t]); }
    }
    let corr = exp(m - mNew);
    for (var i = 0u; i < 4u; i++) {
      let pr = select(vec4<f32>(0.0), exp(s.v[i] - vec4<f32>(mNew[i])), vis[i]);
      s.v[i] = pr;
      l[i] = l[i] * corr[i] + pr.x + pr.y + pr.z + pr.w;
      for (var cc = 0u; cc < NCC; cc++) { o[i * NCC + cc] *= corr[i]; }
    }
    m = mNew;
    for (var j = 0u; j < 4u; j++) {
      probs[(tx * 4u + j) * (BR / 4u) + ty] = vec4<f32>(s.v[0][j], s.v[1][j], s.v[2][j], s.v[3][j]);
    }
    workgroupBarrier();
    let keys = min(BC, keyEnd - j0);
    for (var c = 0u; c < keys; c++) {
      let pr = probs[c * (BR / 4u) + ty];
      for (var cc = 0u; cc < NCC; cc++) {
        let vv = tileA[c * HD4 + cc * 8u + tx];
        for (var i = 0u; i < 4u; i++) { o[i * NCC + cc] = fma(vec4<f32>(pr[i]), vv, o[i * NCC + cc]); }
      }
    }
  }

  workgroupBarrier();
  for (var i = 0u; i < 4u; i++) { red[(ty * 4u + i) * 8u + tx] = l[i]; }
  workgroupBarrier();
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + ty * 4u + i;
    if (r >= p.T) { continue; }
    var lt = 0.0;
    for (var t = 0u; t < 8u; t++) { lt += red[(ty * 4u + i) * 8u + t]; }
    let n = base + r;
    let ok = segR[i] != 0u; // a live, non-padded row always sees itself: lt ≥ 1
    let inv = select(0.0, 1.0 / lt, ok);
    for (var cc = 0u; cc < NCC; cc++) { outW[(n * p.H + h) * HD4 + cc * 8u + tx] = o[i * NCC + cc] * inv; }
    if (tx == 0u) { lseW[n * p.H + h] = select(0.0, m[i] + log(lt), ok); }
  }
}

// ---------------------------------------------------------------- backward: dQ

@compute @workgroup_size(WG)
fn attn_dq_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.y;
  let hk = h / (p.H / p.Hkv);
  let base = wid.z * p.T;
  let row0 = wid.x * BR;
  let tx = lid % 8u;
  let ty = lid / 8u;
  var segR: vec4<u32>;
  var st: array<vec2<f32>, 4>;
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + ty * 4u + i;
    let n = base + min(r, p.T - 1u);
    segR[i] = select(0u, seg[n], r < p.T);
    st[i] = statsIn[n * p.H + h];
  }
  var g: array<vec4<f32>, 16>;
  for (var e = 0u; e < 4u * NCC; e++) { g[e] = vec4<f32>(0.0); }

  let keyEnd = min(row0 + BR, p.T);
  if (lid == 0u) { dprobs[0].x = firstSeenKeyF(base, row0, keyEnd); }
  let lo = workgroupUniformLoad(&dprobs[0]).x;
  for (var j0 = firstKeyTile(lo, keyEnd); j0 < keyEnd; j0 += BC) {
    var s = zeroBlock();
    var dp = zeroBlock();
    for (var d0 = 0u; d0 < HD4; d0 += DC / 4u) {
      workgroupBarrier();
      stageRowPairs(false, h, row0, base, d0, p.scale, lid);
      stageColPairs(true, hk, j0, base, d0, 1.0, lid);
      if (d0 == 0u) {
        for (var u = lid; u < BC * HD4; u += WG) {
          let n = base + min(j0 + u / HD4, p.T - 1u);
          tileA[u] = k[(n * p.Hkv + hk) * HD4 + u % HD4];
        }
      }
      workgroupBarrier();
      s = chunkProduct(s, tx, ty);
      dp = chunkProductB(dp, tx, ty);
    }
    var segC: vec4<u32>;
    for (var j = 0u; j < 4u; j++) { segC[j] = seg[base + min(j0 + tx * 4u + j, p.T - 1u)]; }
    for (var i = 0u; i < 4u; i++) {
      let r = row0 + ty * 4u + i;
      var vis: vec4<bool>;
      for (var j = 0u; j < 4u; j++) { vis[j] = visible(r, j0 + tx * 4u + j, segR[i], segC[j]); }
      let pr = select(vec4<f32>(0.0), exp(s.v[i] - vec4<f32>(st[i].x)), vis);
      s.v[i] = pr * (dp.v[i] - vec4<f32>(st[i].y)); // dS
    }
    for (var j = 0u; j < 4u; j++) {
      dprobs[(tx * 4u + j) * (BR / 4u) + ty] = vec4<f32>(s.v[0][j], s.v[1][j], s.v[2][j], s.v[3][j]);
    }
    workgroupBarrier();
    let keys = min(BC, keyEnd - j0);
    for (var c = 0u; c < keys; c++) {
      let ds = dprobs[c * (BR / 4u) + ty];
      for (var cc = 0u; cc < NCC; cc++) {
        let kk = tileA[c * HD4 + cc * 8u + tx];
        for (var i = 0u; i < 4u; i++) { g[i * NCC + cc] = fma(vec4<f32>(ds[i]), kk, g[i * NCC + cc]); }
      }
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + ty * 4u + i;
    if (r >= p.T) { continue; }
    let n = base + r;
    let sc = select(0.0, p.scale, segR[i] != 0u);
    for (var cc = 0u; cc < NCC; cc++) { dq[(n * p.H + h) * HD4 + cc * 8u + tx] = g[i * NCC + cc] * sc; }
  }
}

// ---------------------------------------------------------------- backward: dK, dV

@compute @workgroup_size(WG)
fn attn_dkv_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let hk = wid.y;
  let group = p.H / p.Hkv;
  let base = wid.z * p.T;
  let key0 = wid.x * BR;
  let tx = lid % 8u;
  let ty = lid / 8u;
  var segK: vec4<u32>;
  for (var i = 0u; i < 4u; i++) {
    let r = key0 + ty * 4u + i;
    segK[i] = select(0u, seg[base + min(r, p.T - 1u)], r < p.T);
  }
  var gk: array<vec4<f32>, 8>;
  var gv: array<vec4<f32>, 8>;
  for (var e = 0u; e < 4u * NCC; e++) {
    gk[e] = vec4<f32>(0.0);
    gv[e] = vec4<f32>(0.0);
  }

  // The block's last non-padded key and its label (−1: all padding; the rows kernels' lastSeenKey).
  if (lid == 0u) {
    var last = vec4<f32>(-1.0, 0.0, 0.0, 0.0);
    for (var r = min(key0 + BR, p.T); r > key0; r--) {
      let sk = seg[base + r - 1u];
      if (sk != 0u) {
        last = vec4<f32>(f32(r - 1u), f32(sk), 0.0, 0.0);
        break;
      }
    }
    probs[0] = last;
  }
  let last = workgroupUniformLoad(&probs[0]);
  let iStart = select(key0, p.T, last.x < 0.0);
  for (var h = hk * group; h < (hk + 1u) * group; h++) {
    // Causal: queries before key0 see none of this block's keys.
    for (var i0 = iStart; i0 < p.T; i0 += BC) {
      // A tile past the block's last key that starts outside its sequence sees none of the block's
      // keys (sequences are contiguous), nor does any later one. The barrier: the last tile's
      // readers of probs are done before its first slot carries the answer.
      workgroupBarrier();
      if (lid == 0u) { probs[0].x = select(0.0, 1.0, f32(i0) > last.x && f32(seg[base + i0]) != last.y); }
      if (workgroupUniformLoad(&probs[0]).x != 0.0) { break; }
      var s = zeroBlock();   // Sᵀ: rows = keys, columns = queries
      var dp = zeroBlock();  // dPᵀ
      for (var d0 = 0u; d0 < HD4; d0 += DC / 4u) {
        workgroupBarrier();
        stageRowPairs(true, hk, key0, base, d0, p.scale, lid);
        stageColPairs(false, h, i0, base, d0, 1.0, lid);
        if (d0 == 0u) {
          for (var u = lid; u < BC * HD4; u += WG) {
            let n = base + min(i0 + u / HD4, p.T - 1u);
            let e = (n * p.H + h) * HD4 + u % HD4;
            tileA[u] = q[e];
            tileB[u] = dout[e];
          }
        }
        workgroupBarrier();
        s = chunkProduct(s, tx, ty);
        dp = chunkProductB(dp, tx, ty);
      }
      var segC: vec4<u32>;
      var stC: array<vec2<f32>, 4>;
      for (var j = 0u; j < 4u; j++) {
        let n = base + min(i0 + tx * 4u + j, p.T - 1u);
        segC[j] = seg[n];
        stC[j] = statsIn[n * p.H + h];
      }
      let lseC = vec4<f32>(stC[0].x, stC[1].x, stC[2].x, stC[3].x);
      let dC = vec4<f32>(stC[0].y, stC[1].y, stC[2].y, stC[3].y);
      var ds = zeroBlock();
      for (var i = 0u; i < 4u; i++) {
        let key = key0 + ty * 4u + i;
        var vis: vec4<bool>;
        for (var j = 0u; j < 4u; j++) { vis[j] = visible(i0 + tx * 4u + j, key, segC[j], segK[i]); }
        let pr = select(vec4<f32>(0.0), exp(s.v[i] - lseC), vis);
        s.v[i] = pr;
        ds.v[i] = pr * (dp.v[i] - dC);
      }
      for (var j = 0u; j < 4u; j++) {
        probs[(tx * 4u + j) * (BR / 4u) + ty] = vec4<f32>(s.v[0][j], s.v[1][j], s.v[2][j], s.v[3][j]);
        dprobs[(tx * 4u + j) * (BR / 4u) + ty] = vec4<f32>(ds.v[0][j], ds.v[1][j], ds.v[2][j], ds.v[3][j]);
      }
      workgroupBarrier();
      let queries = min(BC, p.T - i0);
      for (var c = 0u; c < queries; c++) {
        let pr = probs[c * (BR / 4u) + ty];
        let dsr = dprobs[c * (BR / 4u) + ty];
        for (var cc = 0u; cc < NCC; cc++) {
          let qv = tileA[c * HD4 + cc * 8u + tx];
          let dov = tileB[c * HD4 + cc * 8u + tx];
          for (var i = 0u; i < 4u; i++) {
            gv[i * NCC + cc] = fma(vec4<f32>(pr[i]), dov, gv[i * NCC + cc]);
            gk[i * NCC + cc] = fma(vec4<f32>(dsr[i]), qv, gk[i * NCC + cc]);
          }
        }
      }
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let r = key0 + ty * 4u + i;
    if (r >= p.T) { continue; }
    let n = base + r;
    let on = segK[i] != 0u;
    for (var cc = 0u; cc < NCC; cc++) {
      let e = (n * p.Hkv + hk) * HD4 + cc * 8u + tx;
      dk[e] = select(vec4<f32>(0.0), gk[i * NCC + cc] * p.scale, on);
      dv[e] = select(vec4<f32>(0.0), gv[i * NCC + cc], on);
    }
  }
}
