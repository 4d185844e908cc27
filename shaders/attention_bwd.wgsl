// Causal grouped-query attention, backward, flash-style: P is recomputed tile by tile from q, k and
// the forward's saved logsumexp, never stored (memory O(T·d), not T²). Three passes:
//   attention_delta:    D_i = rowsum(dO_i ∘ O_i); writes stats_i = (lse_i, D_i)
//   attention_bwd_dq:   dQ_i = scale · Σ_j P_ij (dO_i·v_j − D_i) k_j          (one thread per query row)
//   attention_bwd_dkv:  dV_j = Σ_{h in group} Σ_i P_ij dO_i,
//                       dK_j = scale · Σ_{h in group} Σ_i P_ij (dO_i·v_j − D_i) q_i   (one thread per key row)
// with P_ij = exp(scale·q_i·k_j − lse_i) on the visible pairs (same sequence, j ≤ i, seg equal and
// non-zero; see attention_fwd.wgsl). The dK/dV pass owns a kv head and loops over its query heads,
// so GQA needs no float atomics. Padded rows get zero gradients. As in the forward, the dQ pass
// starts at its first non-padded row's bound; the dK/dV pass stops where its keys' sequences end
// (sequences are contiguous: a later query of another label, or padding, ends a key's sequence).
// Layouts as in attention_fwd.wgsl;
// stats is a scratch [B·T, H] of vec2 (packing lse and D keeps every pass within 8 storage buffers).
// Tiling, SHARED_KV and HD4 as in attention_fwd.wgsl; here the staged tiles are K/V (dq pass) or
// Q/dO (dkv pass).

struct Params {
  T: u32,      // tokens per sequence
  H: u32,      // query heads
  Hkv: u32,    // key/value heads
  scale: f32,
  rows: u32,   // B·T·H (attention_delta only)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> seg: array<u32>;
@group(0) @binding(5) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> out: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> lse: array<f32>;
@group(0) @binding(8) var<storage, read_write> stats: array<vec2<f32>>;
@group(0) @binding(9) var<storage, read> statsIn: array<vec2<f32>>;
@group(0) @binding(10) var<storage, read_write> dq: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read_write> dk: array<vec4<f32>>;
@group(0) @binding(12) var<storage, read_write> dv: array<vec4<f32>>;

override WG: u32 = 256;           // attention_delta threads per workgroup
override BR: u32 = 64;            // rows owned per workgroup (= threads) in the dq / dkv passes
override BC: u32 = 16;            // rows per tile
override HD4: u32 = 16;           // head_dim / 4 (≤ MAX_D4)
override SHARED_KV: bool = true;  // stage tiles in workgroup memory

const MAX_D4 = 32u; // head_dim ≤ 128
const NONE = 0xffffffffu;

var<workgroup> ta: array<vec4<f32>, select(1u, BC * HD4, SHARED_KV)>; // K tile (dq) or Q tile (dkv)
var<workgroup> tb: array<vec4<f32>, select(1u, BC * HD4, SHARED_KV)>; // V tile (dq) or dO tile (dkv)
var<workgroup> blockLo: u32;          // dq: attention_fwd.wgsl's firstSeenKey
var<workgroup> blockLast: vec2<u32>;  // dkv: the block's last non-padded key and its label
var<workgroup> tileAfter: u32;        // dkv: 1 once a query tile starts past the block's sequences

// As attention_fwd.wgsl's: the first key a row of [row0, end) may see, NONE when all are padding.
fn firstSeenKey(base: u32, row0: u32, end: u32) -> u32 {
  for (var r = row0; r < end; r++) {
    let s = seg[base + r];
    if (s != 0u) { return s - 1u; }
  }
  return NONE;
}

// The last non-padded row of [row0, end) and its label; (NONE, 0) when all are padding.
fn lastSeenKey(base: u32, row0: u32, end: u32) -> vec2<u32> {
  for (var r = end; r > row0; r--) {
    let s = seg[base + r - 1u];
    if (s != 0u) { return vec2<u32>(r - 1u, s); }
  }
  return vec2<u32>(NONE, 0u);
}

// Element c of row `r` of the current tile; `g` is the row's index in storage.
fn k_at(g: u32, r: u32, c: u32) -> vec4<f32> { if (SHARED_KV) { return ta[r * HD4 + c]; } return k[g + c]; }
fn v_at(g: u32, r: u32, c: u32) -> vec4<f32> { if (SHARED_KV) { return tb[r * HD4 + c]; } return v[g + c]; }
fn q_at(g: u32, r: u32, c: u32) -> vec4<f32> { if (SHARED_KV) { return ta[r * HD4 + c]; } return q[g + c]; }
fn do_at(g: u32, r: u32, c: u32) -> vec4<f32> { if (SHARED_KV) { return tb[r * HD4 + c]; } return dout[g + c]; }

// ---- D = rowsum(dO ∘ O), one thread per (token, head); flat index folded over x and y.
@compute @workgroup_size(WG)
fn attention_delta(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * WG; // r = token·H + head
  if (r >= p.rows) { return; }
  var acc = vec4<f32>(0.0);
  for (var c = 0u; c < HD4; c++) { acc += dout[r * HD4 + c] * out[r * HD4 + c]; }
  stats[r] = vec2<f32>(lse[r], acc.x + acc.y + acc.z + acc.w);
}

// ---- dQ: the forward's structure (BR query rows, K/V tiles), recomputing P from the saved lse.
@compute @workgroup_size(BR)
fn attention_bwd_dq(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.z;
  let h = wid.y;
  let hk = h / (p.H / p.Hkv);
  let row0 = wid.x * BR;
  let i = row0 + lid;
  let live = i < p.T;
  let base = b * p.T;
  let n = base + min(i, p.T - 1u);
  let si = select(0u, seg[n], live);

  var qr: array<vec4<f32>, MAX_D4>;
  var dor: array<vec4<f32>, MAX_D4>;
  var gq: array<vec4<f32>, MAX_D4>;
  let qoff = (n * p.H + h) * HD4;
  for (var c = 0u; c < HD4; c++) {
    qr[c] = q[qoff + c] * p.scale;
    dor[c] = dout[qoff + c];
    gq[c] = vec4<f32>(0.0);
  }
  let st = statsIn[n * p.H + h]; // (lse, D)

  let keyEnd = min(row0 + BR, p.T);
  if (lid == 0u) { blockLo = firstSeenKey(base, row0, keyEnd); }
  let lo = workgroupUniformLoad(&blockLo);
  let own = select(0u, si - 1u, si != 0u);
  for (var j0 = select((lo / BC) * BC, keyEnd, lo == NONE); j0 < keyEnd; j0 += BC) {
    if (SHARED_KV) {
      workgroupBarrier();
      for (var e = lid; e < BC * HD4; e += BR) {
        let j = j0 + e / HD4;
        if (j < p.T) {
          let g = ((base + j) * p.Hkv + hk) * HD4 + e % HD4;
          ta[e] = k[g];
          tb[e] = v[g];
        }
      }
      workgroupBarrier();
    }

    if (si != 0u && i >= j0 && j0 + BC > own) {
      let cnt = min(BC, i + 1u - j0);
      for (var jj = select(0u, own - j0, own > j0); jj < cnt; jj++) {
        if (seg[base + j0 + jj] != si) { continue; }
        let g = ((base + j0 + jj) * p.Hkv + hk) * HD4;
        var xs = vec4<f32>(0.0);
        var dps = vec4<f32>(0.0);
        for (var c = 0u; c < HD4; c++) {
          xs += qr[c] * k_at(g, jj, c);
          dps += dor[c] * v_at(g, jj, c);
        }
        let pij = exp(xs.x + xs.y + xs.z + xs.w - st.x);
        let ds = pij * (dps.x + dps.y + dps.z + dps.w - st.y);
        for (var c = 0u; c < HD4; c++) { gq[c] += ds * k_at(g, jj, c); }
      }
    }
  }

  if (live) {
    let sc = select(0.0, p.scale, si != 0u);
    for (var c = 0u; c < HD4; c++) { dq[qoff + c] = gq[c] * sc; }
  }
}

// ---- dK, dV: BR key rows of one kv head per workgroup; Q/dO tiles of every query head in the group.
@compute @workgroup_size(BR)
fn attention_bwd_dkv(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.z;
  let hk = wid.y;
  let group = p.H / p.Hkv;
  let row0 = wid.x * BR;
  let j = row0 + lid;
  let live = j < p.T;
  let base = b * p.T;
  let n = base + min(j, p.T - 1u);
  let sj = select(0u, seg[n], live);

  var kr: array<vec4<f32>, MAX_D4>;
  var vr: array<vec4<f32>, MAX_D4>;
  var gk: array<vec4<f32>, MAX_D4>;
  var gv: array<vec4<f32>, MAX_D4>;
  let koff = (n * p.Hkv + hk) * HD4;
  for (var c = 0u; c < HD4; c++) {
    kr[c] = k[koff + c] * p.scale; // scale·q·k = q·(scale·k)
    vr[c] = v[koff + c];
    gk[c] = vec4<f32>(0.0);
    gv[c] = vec4<f32>(0.0);
  }

  if (lid == 0u) { blockLast = lastSeenKey(base, row0, min(row0 + BR, p.T)); }
  let last = workgroupUniformLoad(&blockLast);
  for (var h = hk * group; h < (hk + 1u) * group; h++) {
    var ended = false; // this key's sequence has no more queries
    // causal: queries before row0 see none of this block's keys
    for (var i0 = select(row0, p.T, last.x == NONE); i0 < p.T; i0 += BC) {
      if (SHARED_KV) {
        // A tile past the block's last key that starts outside its sequence sees none of the
        // block's keys, nor does any later one: the block is done (a barrier, so staged GPU
        // tiles only; a CPU adapter's rows end on their own below). The load's barrier is also
        // the one that keeps the tiles below from being overwritten while they are read.
        if (lid == 0u) { tileAfter = select(0u, 1u, i0 > last.x && seg[base + i0] != last.y); }
        if (workgroupUniformLoad(&tileAfter) != 0u) { break; }
        for (var e = lid; e < BC * HD4; e += BR) {
          let i = i0 + e / HD4;
          if (i < p.T) {
            let g = ((base + i) * p.H + h) * HD4 + e % HD4;
            ta[e] = q[g];
            tb[e] = dout[g];
          }
        }
        workgroupBarrier();
      }

      if (sj != 0u && !ended) {
        let cnt = min(BC, p.T - i0);
        for (var ii = select(0u, j - i0, j > i0); ii < cnt; ii++) { // i ≥ j
          let ni = base + i0 + ii;
          // The first query after j of another label (or padding) is past j's sequence, and so is every later one.
          if (seg[ni] != sj) {
            ended = true;
            break;
          }
          let st = statsIn[ni * p.H + h];
          let g = (ni * p.H + h) * HD4;
          var xs = vec4<f32>(0.0);
          var dps = vec4<f32>(0.0);
          for (var c = 0u; c < HD4; c++) {
            xs += kr[c] * q_at(g, ii, c);
            dps += vr[c] * do_at(g, ii, c);
          }
          let pij = exp(xs.x + xs.y + xs.z + xs.w - st.x);
          let ds = pij * (dps.x + dps.y + dps.z + dps.w - st.y);
          for (var c = 0u; c < HD4; c++) {
            gv[c] += pij * do_at(g, ii, c);
            gk[c] += ds * q_at(g, ii, c);
          }
        }
      }
    }
  }

  if (live) {
    let sc = select(0.0, p.scale, sj != 0u);
    let on = select(0.0, 1.0, sj != 0u);
    for (var c = 0u; c < HD4; c++) {
      dk[koff + c] = gk[c] * sc;
      dv[koff + c] = gv[c] * on;
    }
  }
}
