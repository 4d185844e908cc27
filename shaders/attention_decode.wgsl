// Grouped-query attention of query rows against a KV cache (generation):
//   out_rh = Σ_{t < len_r} softmax_t(scale·q_rh·k_ct)·v_ct        c = the cache row query r reads
// Layout: q/out [R, H, d], kCache/vCache [B, maxT, Hkv, d]; head h reads kv head h / (H/Hkv).
// attention_decode: one new token per sequence, query row b reads cache row b for lengths[b] keys.
// attention_cached_rows: the later chunks of a prompt longer than one prefill chunk; query row r
// reads cache row cacheRows[r] up to and including its own position (len = positions[r] + 1), its
// chunk's keys already appended. No causal mask is needed: a row sees only positions before its own.
// One workgroup per (head, query row). Keys are scored CH at a time into workgroup memory (all
// threads share the dot products), then the thread owning vec4 column c of the output folds the
// chunk in with an online-softmax rescale. Memory: CH scores per workgroup, never maxT.
// Requires head_dim % 4 == 0 and head_dim ≤ 128 (checked by src/ops/attention.ts).

struct Params {
  maxT: u32,
  H: u32,
  Hkv: u32,
  scale: f32,
  firstRow: u32, // attention_cached_rows: the dispatch's first query row (rows past the workgroup-count limit)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> kc: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> vc: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> lengths: array<u32>;
@group(0) @binding(5) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> positions: array<u32>;
@group(0) @binding(7) var<storage, read> cacheRows: array<u32>;

override WG: u32 = 64;   // threads per workgroup (≥ HD4)
override CH: u32 = 256;  // keys scored per chunk
override HD4: u32 = 16;  // head_dim / 4 (≤ MAX_D4), a constant so the dot products unroll

const MAX_D4 = 32u;

var<workgroup> qs: array<vec4<f32>, MAX_D4>;
var<workgroup> sc: array<f32, CH>;
var<workgroup> len: u32;
var<workgroup> crow: u32;

@compute @workgroup_size(WG)
fn attention_decode(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x;
  let b = wid.y;
  let qoff = (b * p.H + h) * HD4;
  if (lid < HD4) { qs[lid] = q[qoff + lid] * p.scale; }
  if (lid == 0u) { len = min(lengths[b], p.maxT); }
  let L = workgroupUniformLoad(&len); // also the barrier that publishes qs
  attend(qoff, b, h / (p.H / p.Hkv), L, lid);
}

@compute @workgroup_size(WG)
fn attention_cached_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x;
  let r = p.firstRow + wid.y;
  let qoff = (r * p.H + h) * HD4;
  if (lid < HD4) { qs[lid] = q[qoff + lid] * p.scale; }
  if (lid == 0u) {
    len = min(positions[r] + 1u, p.maxT);
    crow = cacheRows[r];
  }
  let L = workgroupUniformLoad(&len);
  let c = workgroupUniformLoad(&crow);
  attend(qoff, c, h / (p.H / p.Hkv), L, lid);
}

// Query qs (scaled, in workgroup memory) against cache row c's first L keys of kv head hk, into out[qoff..].
fn attend(qoff: u32, c: u32, hk: u32, L: u32, lid: u32) {
  var m = -3.0e38;
  var l = 0.0;
  var o = vec4<f32>(0.0);
  for (var t0 = 0u; t0 < L; t0 += CH) {
    let cnt = min(CH, L - t0);
    for (var e = lid; e < cnt; e += WG) {
      let koff = ((c * p.maxT + t0 + e) * p.Hkv + hk) * HD4;
      var acc = vec4<f32>(0.0);
      for (var d = 0u; d < HD4; d++) { acc += qs[d] * kc[koff + d]; }
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
        o += pt * vc[((c * p.maxT + t0 + e) * p.Hkv + hk) * HD4 + lid];
      }
    }
    workgroupBarrier(); // scores consumed before the next chunk overwrites them
  }
  if (lid < HD4) { out[qoff + lid] = select(vec4<f32>(0.0), o / l, L > 0u); }
}
