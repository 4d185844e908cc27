// Grouped-query attention for one new token per sequence against a KV cache (generation):
//   out_bh = Σ_{t < len_b} softmax_t(scale·q_bh·k_bt)·v_bt
// Layout: q/out [B, H, d], kCache/vCache [B, maxT, Hkv, d], lengths [B] u32; head h reads kv head
// h / (H/Hkv). No causal mask is needed: every cached position precedes the new query.
// One workgroup per (head, sequence). Keys are scored CH at a time into workgroup memory (all
// threads share the dot products), then the thread owning vec4 column c of the output folds the
// chunk in with an online-softmax rescale. Memory: CH scores per workgroup, never maxT.
// Requires head_dim % 4 == 0 and head_dim ≤ 128 (checked by src/ops/attention.ts).

struct Params {
  maxT: u32,
  H: u32,
  Hkv: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> kc: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> vc: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> lengths: array<u32>;
@group(0) @binding(5) var<storage, read_write> out: array<vec4<f32>>;

override WG: u32 = 64;   // threads per workgroup (≥ HD4)
override CH: u32 = 256;  // keys scored per chunk
override HD4: u32 = 16;  // head_dim / 4 (≤ MAX_D4), a constant so the dot products unroll

const MAX_D4 = 32u;

var<workgroup> qs: array<vec4<f32>, MAX_D4>;
var<workgroup> sc: array<f32, CH>;
var<workgroup> len: u32;

@compute @workgroup_size(WG)
fn attention_decode(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x;
  let b = wid.y;
  let hk = h / (p.H / p.Hkv);
  let qoff = (b * p.H + h) * HD4;
  if (lid < HD4) { qs[lid] = q[qoff + lid] * p.scale; }
  if (lid == 0u) { len = min(lengths[b], p.maxT); }
  let L = workgroupUniformLoad(&len); // also the barrier that publishes qs

  var m = -3.0e38;
  var l = 0.0;
  var o = vec4<f32>(0.0);
  for (var t0 = 0u; t0 < L; t0 += CH) {
    let cnt = min(CH, L - t0);
    for (var e = lid; e < cnt; e += WG) {
      let koff = ((b * p.maxT + t0 + e) * p.Hkv + hk) * HD4;
      var acc = vec4<f32>(0.0);
      for (var c = 0u; c < HD4; c++) { acc += qs[c] * kc[koff + c]; }
      sc[e] = acc.x + acc.y + acc.z + acc.w;
    }
    workgroupBarrier();
    if (lid < HD4) {
      var mt = m;
      for (var e = 0u; e < cnt; e++) { mt = max(mt, sc[e]); }
      let corr = exp(m - mt); // rescale what came before: e^(m_old − m_new)
      l *= corr;
      o *= corr;
      m = mt;
      for (var e = 0u; e < cnt; e++) {
        let pt = exp(sc[e] - m);
        l += pt;
        o += pt * vc[((b * p.maxT + t0 + e) * p.Hkv + hk) * HD4 + lid];
      }
    }
    workgroupBarrier(); // scores consumed before the next chunk overwrites them
  }
  if (lid < HD4) { out[qoff + lid] = select(vec4<f32>(0.0), o / l, L > 0u); }
}
