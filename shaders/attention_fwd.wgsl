// Causal grouped-query attention, forward, flash-style (online softmax over key tiles).
//   s_ij = scale·q_i·k_j,  out_i = Σ_j softmax_j(s_ij)·v_j,  lse_i = log Σ_j exp(s_ij)
// over the keys j that query i may see: same sequence, j ≤ i, seg[j] = seg[i] ≠ 0.
// Layout: q/out [B·T, H, d], k/v [B·T, Hkv, d], seg [B·T] u32, lse [B·T, H]; head h reads kv head
// h / (H/Hkv). seg is one mechanism for padding and packing: 0 = padding (a padded key is never
// seen, a padded query writes zeros and lse 0), equal non-zero ids = one packed sequence, whose
// tokens are one contiguous run labelled at most 1 + the index of its first token; a plain
// attention mask (1/0) is already a valid seg, and packed batches label each sequence exactly so.
// The label's bound is what lets a row skip every key before its sequence (seg − 1).
// One workgroup = BR query rows of one head of one sequence, one row per thread with q and the
// running output in registers; it walks the keys from its first non-padded row's bound to its
// last row in tiles of BC (causal skip), none when all its rows are padding. Skipped keys are keys
// no row sees, so the outputs are those of the full walk, bit for bit.
// Memory: at most one K and one V tile of BC rows in workgroup memory, never T×T.
// SHARED_KV picks where a key tile is read from: staged in workgroup memory (real GPUs), or read
// straight from storage (CPU WebGPU, where barriers cost more than the loads they save).
// The head dimension is the override HD4 = head_dim/4 (≤ 32): a constant bound lets the compiler
// unroll the row loops and keep q and the accumulator in registers.

struct Params {
  T: u32,      // tokens per sequence
  H: u32,      // query heads
  Hkv: u32,    // key/value heads
  scale: f32,  // usually 1/√head_dim
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> seg: array<u32>;
@group(0) @binding(5) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

override BR: u32 = 64;            // query rows per workgroup (= threads)
override BC: u32 = 16;            // key rows per tile (≤ MAX_BC)
override HD4: u32 = 16;           // head_dim / 4 (≤ MAX_D4)
override SHARED_KV: bool = true;  // stage key tiles in workgroup memory

const MAX_D4 = 32u;   // head_dim ≤ 128
const MAX_BC = 64u;
const MASKED = -3.0e38;
const NONE = 0xffffffffu;

var<workgroup> kt: array<vec4<f32>, select(1u, BC * HD4, SHARED_KV)>;
var<workgroup> vt: array<vec4<f32>, select(1u, BC * HD4, SHARED_KV)>;
var<workgroup> blockLo: u32;

// The first key a row of [row0, end) may see: its first non-padded row's label less one (sequences
// are contiguous, so the later rows' sequences start no earlier); NONE when all are padding.
fn firstSeenKey(base: u32, row0: u32, end: u32) -> u32 {
  for (var r = row0; r < end; r++) {
    let s = seg[base + r];
    if (s != 0u) { return s - 1u; }
  }
  return NONE;
}

// Element c of key/value row `jj` of the current tile; `g` is its index in storage.
fn k_at(g: u32, jj: u32, c: u32) -> vec4<f32> { if (SHARED_KV) { return kt[jj * HD4 + c]; } return k[g + c]; }
fn v_at(g: u32, jj: u32, c: u32) -> vec4<f32> { if (SHARED_KV) { return vt[jj * HD4 + c]; } return v[g + c]; }

@compute @workgroup_size(BR)
fn attention_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.z;
  let h = wid.y;
  let hk = h / (p.H / p.Hkv);
  let base = b * p.T;
  let row0 = wid.x * BR;
  let i = row0 + lid;
  let live = i < p.T;
  let n = base + min(i, p.T - 1u); // clamped so dead threads still load in range
  let si = select(0u, seg[n], live);

  var qr: array<vec4<f32>, MAX_D4>;
  var o: array<vec4<f32>, MAX_D4>;
  let qoff = (n * p.H + h) * HD4;
  for (var c = 0u; c < HD4; c++) {
    qr[c] = q[qoff + c] * p.scale; // fold the scale into q once
    o[c] = vec4<f32>(0.0);
  }
  var m = MASKED; // running max of the scores seen
  var l = 0.0;    // running Σ_j exp(s_ij − m)
  var s: array<f32, MAX_BC>;

  let keyEnd = min(row0 + BR, p.T); // causal: no row of this block sees a key ≥ keyEnd
  if (lid == 0u) { blockLo = firstSeenKey(base, row0, keyEnd); }
  let lo = workgroupUniformLoad(&blockLo);
  let own = select(0u, si - 1u, si != 0u); // this row's bound: the keys before it are another sequence's
  for (var j0 = select((lo / BC) * BC, keyEnd, lo == NONE); j0 < keyEnd; j0 += BC) {
    if (SHARED_KV) {
      workgroupBarrier(); // everyone is done with the previous tile
      for (var e = lid; e < BC * HD4; e += BR) {
        let j = j0 + e / HD4;
        if (j < p.T) {
          let g = ((base + j) * p.Hkv + hk) * HD4 + e % HD4;
          kt[e] = k[g];
          vt[e] = v[g];
        }
      }
      workgroupBarrier();
    }

    if (si != 0u && i >= j0 && j0 + BC > own) {
      let cnt = min(BC, i + 1u - j0);
      let first = select(0u, own - j0, own > j0);
      var mt = m;
      for (var jj = first; jj < cnt; jj++) {
        s[jj] = MASKED;
        if (seg[base + j0 + jj] == si) {
          let g = ((base + j0 + jj) * p.Hkv + hk) * HD4;
          var acc = vec4<f32>(0.0);
          for (var c = 0u; c < HD4; c++) { acc += qr[c] * k_at(g, jj, c); }
          s[jj] = acc.x + acc.y + acc.z + acc.w;
          mt = max(mt, s[jj]);
        }
      }
      // One rescale per tile: o ← o·e^(m−mt), l ← l·e^(m−mt).
      if (mt > m) {
        let corr = exp(m - mt);
        l *= corr;
        for (var c = 0u; c < HD4; c++) { o[c] *= corr; }
        m = mt;
      }
      for (var jj = first; jj < cnt; jj++) {
        if (s[jj] != MASKED) {
          let pj = exp(s[jj] - m);
          l += pj;
          let g = ((base + j0 + jj) * p.Hkv + hk) * HD4;
          for (var c = 0u; c < HD4; c++) { o[c] += pj * v_at(g, jj, c); }
        }
      }
    }
  }

  if (live) {
    let inv = select(0.0, 1.0 / l, si != 0u); // a live non-padded row always sees itself: l ≥ 1
    for (var c = 0u; c < HD4; c++) { out[qoff + c] = o[c] * inv; }
    lse[n * p.H + h] = select(0.0, m + log(l), si != 0u);
  }
}
