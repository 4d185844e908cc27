// The small kernels that keep a decode step on the GPU:
//   kv_append    every active sequence's new K and V row into its cache at its position, in one
//                dispatch (instead of 2·B buffer copies per layer, each of which also splits the pass):
//                cache[b, pos_b, :] = new[b, :] for b with lengths[b] > 0 (lengths = pos_b + 1).
//   argmax_rows  the greedy token of each row of logits [B, V]: the index of the largest value, ties to
//                the lowest index (src/model/sampling.ts argmax), so only B ids are read back, not B·V
//                logits. One workgroup per row; each thread scans a strided slice, then a tree reduce.
// Layouts: new rows [B, W] and caches [B, maxT, W] as vec4 (W = nKv·headDim, a multiple of 4).

struct AppendParams {
  B: u32,
  maxT: u32,
  W4: u32,  // row width in vec4s
}

@group(0) @binding(0) var<uniform> ap: AppendParams;
@group(0) @binding(1) var<storage, read> kNew: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> vNew: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> lengths: array<u32>;
@group(0) @binding(4) var<storage, read_write> kCache: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> vCache: array<vec4<f32>>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn kv_append(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  if (e >= ap.B * ap.W4) { return; }
  let b = e / ap.W4;
  let c = e % ap.W4;
  let len = lengths[b];
  if (len == 0u) { return; } // inactive row: its cache is left as it is
  let dst = (b * ap.maxT + len - 1u) * ap.W4 + c;
  kCache[dst] = kNew[e];
  vCache[dst] = vNew[e];
}

struct ArgmaxParams {
  V: u32,
  offset: u32,  // first logit of row 0 (rows are V apart)
}

@group(0) @binding(0) var<uniform> xp: ArgmaxParams;
@group(0) @binding(6) var<storage, read> logits: array<f32>;
@group(0) @binding(7) var<storage, read_write> chosen: array<u32>;

override AWG: u32 = 256;
const NONE = 0xffffffffu;
var<workgroup> bestValue: array<f32, AWG>;
var<workgroup> bestIndex: array<u32, AWG>;

@compute @workgroup_size(AWG)
fn argmax_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = xp.offset + wid.x * xp.V;
  // NONE until a non-NaN value is seen (as the CPU scan, which never takes a NaN and keeps the
  // first of equal values: −∞ everywhere gives index 0).
  var bv = 0.0;
  var bi = NONE;
  for (var i = lid; i < xp.V; i += AWG) {
    let x = logits[row + i];
    if (x == x && (bi == NONE || x > bv)) { bv = x; bi = i; } // strided: the first index wins in a thread
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
  // A row of NaN only: token 0, as the CPU argmax gives.
  if (lid == 0u) { chosen[wid.x] = select(bestIndex[0], 0u, bestIndex[0] == NONE); }
}
