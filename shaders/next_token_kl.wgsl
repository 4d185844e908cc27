// Two models' next-token distributions compared row by row, from their logits over the same
// positions (row-major [rows, V] each): the KL divergence KL(P ‖ Q) of the second's softmax from the
// first's, and each one's most likely token. What llama.cpp's perplexity tool reports for a quantized
// file against its source model, here for a GGUF's weights against the trained model.
// One workgroup per row (rows folded over x and y), three passes over the vocabulary:
//   1. max and argmax of p and of q (the first index on ties);
//   2. Σ e^(p − max p) and Σ e^(q − max q), hence lse_p and lse_q;
//   3. KL = Σ_v e^(p_v − lse_p) · ((p_v − q_v) − (lse_p − lse_q)): each term is small where the two
//      are close, so the sum keeps its precision (no difference of two large sums).

struct Params {
  rows: u32,
  V: u32,
}

@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> p: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read_write> kl: array<f32>;   // [rows]
@group(0) @binding(4) var<storage, read_write> tops: array<u32>; // [rows, 2]: argmax p, argmax q

override WG: u32 = 256;
const LOWEST: f32 = -3.402823e38;

var<workgroup> redA: array<f32, WG>;
var<workgroup> redB: array<f32, WG>;
var<workgroup> idxA: array<u32, WG>;
var<workgroup> idxB: array<u32, WG>;

@compute @workgroup_size(WG)
fn compare(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= prm.rows) { return; }
  let base = row * prm.V;

  var mp = LOWEST;
  var mq = LOWEST;
  var ip = 0xffffffffu;
  var iq = 0xffffffffu;
  for (var v = lid; v < prm.V; v += WG) {
    let a = p[base + v];
    let b = q[base + v];
    if (a > mp) { mp = a; ip = v; }
    if (b > mq) { mq = b; iq = v; }
  }
  redA[lid] = mp;
  redB[lid] = mq;
  idxA[lid] = ip;
  idxB[lid] = iq;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      let oa = redA[lid + s];
      let oi = idxA[lid + s];
      if (oa > redA[lid] || (oa == redA[lid] && oi < idxA[lid])) { redA[lid] = oa; idxA[lid] = oi; }
      let ob = redB[lid + s];
      let oj = idxB[lid + s];
      if (ob > redB[lid] || (ob == redB[lid] && oj < idxB[lid])) { redB[lid] = ob; idxB[lid] = oj; }
    }
    workgroupBarrier();
  }
  let maxP = redA[0];
  let maxQ = redB[0];
  if (lid == 0u) {
    tops[2u * row] = idxA[0];
    tops[2u * row + 1u] = idxB[0];
  }
  workgroupBarrier();

  var sp = 0.0;
  var sq = 0.0;
  for (var v = lid; v < prm.V; v += WG) {
    sp += exp(p[base + v] - maxP);
    sq += exp(q[base + v] - maxQ);
  }
  redA[lid] = sp;
  redB[lid] = sq;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      redA[lid] += redA[lid + s];
      redB[lid] += redB[lid + s];
    }
    workgroupBarrier();
  }
  let lseP = maxP + log(redA[0]);
  let lseQ = maxQ + log(redB[0]);
  let d = lseP - lseQ;
  workgroupBarrier();

  var acc = 0.0;
  for (var v = lid; v < prm.V; v += WG) {
    let a = p[base + v];
    acc += exp(a - lseP) * ((a - q[base + v]) - d);
  }
  redA[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { redA[lid] += redA[lid + s]; }
    workgroupBarrier();
  }
  // KL ≥ 0; a rounding below it (two equal distributions) is 0.
  if (lid == 0u) { kl[row] = max(redA[0], 0.0); }
}
