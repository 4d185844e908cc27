// Grouped-query attention of query rows against a KV cache (generation):
//   out_rh = Σ_{t < len_r} softmax_t(scale·q_rh·k_ct)·v_ct        c = the cache row query r reads
// Layout: q/out [R, H, d], kCache/vCache [B, maxT, Hkv, d]; head h reads kv head h / (H/Hkv).
// attention_decode: one new token per sequence, query row b reads cache row b for lengths[b] keys.
// attention_cached_rows: the later chunks of a prompt longer than one prefill chunk; query row r
// reads cache row cacheRows[r] up to and including its own position (len = positions[r] + 1), its
// chunk's keys already appended. No causal mask is needed: a row sees only positions before its own.
// Single pass (attention_decode, attention_cached_rows): one workgroup per (head, query row). Keys
// are scored CH at a time into workgroup memory (all threads share the dot products), then the
// thread owning vec4 column c of the output folds the chunk in with an online-softmax rescale.
// Memory: CH scores per workgroup, never maxT. Its serial work grows with the cache: at B = 1 and
// 14 heads only 14 workgroups run, each walking every cached position.
// Split ("flash-decoding": attention_decode_split, then attention_decode_merge): the cache is cut
// into NC = ceil(maxT / CH) chunks of CH positions, one workgroup per (chunk, head, row) scores its
// chunk and writes the chunk's partial (m_s = max score, l_s = Σ e^(s_t − m_s), o_s = Σ e^(s_t − m_s)·v_t);
// the merge folds a row's partials with the log-sum-exp rule
//   M = max_s m_s,   out = Σ_s e^(m_s − M)·o_s / Σ_s e^(m_s − M)·l_s
// Partials [B, H, NC, HD4 + 1] vec4: (m_s, l_s, 0, 0) then o_s. Chunks at or past a row's length
// write nothing and the merge never reads them, so the dispatch is sized by the capacity maxT and one
// recorded step replays at every length.
// Requires head_dim % 4 == 0 and head_dim ≤ 128 (checked by src/ops/attention.ts), WG a power of two
// (the split's tree reductions) and WG ≥ HD4.

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
@group(0) @binding(8) var<storage, read_write> partials: array<vec4<f32>>;

override WG: u32 = 64;   // threads per workgroup (≥ HD4)
override CH: u32 = 256;  // keys scored per chunk
override HD4: u32 = 16;  // head_dim / 4 (≤ MAX_D4), a constant so the dot products unroll

const MAX_D4 = 32u;
override THREAD_HEADS: u32 = 4; // attention_decode_thread: heads of a row per workgroup
const MAX_CH = 256u; // CH's bound (attention_decode_thread keeps a chunk's scores)

var<workgroup> qs: array<vec4<f32>, MAX_D4>;
var<workgroup> sc: array<f32, CH>;
var<workgroup> len: u32;
var<workgroup> crow: u32;
var<workgroup> red: array<f32, WG>;        // split: the tree reductions' operands
var<workgroup> lanes_o: array<vec4<f32>, WG>; // split: each key lane's share of the chunk's o

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

// attention_decode_thread: attention_decode with one invocation per (head, row) (CPU adapters,
// where a workgroup's barriers cost more than its threads save). It does attend's arithmetic in
// attend's order for all HD4 columns at once, so it gives the same bits; its loops over the head
// dimension are written out by unrollLoops (attention.ts), keeping q and o in registers.
@compute @workgroup_size(THREAD_HEADS)
fn attention_decode_thread(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x * THREAD_HEADS + lid;
  let b = wid.y;
  if (h >= p.H) { return; }
  let hk = h / (p.H / p.Hkv);
  let qoff = (b * p.H + h) * HD4;
  let L = min(lengths[b], p.maxT);
  var qr: array<vec4<f32>, MAX_D4>;
  var o: array<vec4<f32>, MAX_D4>;
  for (var c = 0u; c < HD4; c++) {
    qr[c] = q[qoff + c] * p.scale;
    o[c] = vec4<f32>(0.0);
  }
  var st: array<f32, MAX_CH>; // this chunk's scores
  var m = -3.0e38;
  var l = 0.0;
  for (var t0 = 0u; t0 < L; t0 += CH) {
    let cnt = min(CH, L - t0);
    var mt = m;
    for (var e = 0u; e < cnt; e++) {
      let koff = ((b * p.maxT + t0 + e) * p.Hkv + hk) * HD4;
      var acc = vec4<f32>(0.0);
      for (var c = 0u; c < HD4; c++) { acc += qr[c] * kc[koff + c]; }
      st[e] = acc.x + acc.y + acc.z + acc.w;
      mt = max(mt, st[e]);
    }
    let corr = exp(m - mt);
    l *= corr;
    for (var c = 0u; c < HD4; c++) { o[c] *= corr; }
    m = mt;
    for (var e = 0u; e < cnt; e++) {
      let pt = exp(st[e] - m);
      l += pt;
      let voff = ((b * p.maxT + t0 + e) * p.Hkv + hk) * HD4;
      for (var c = 0u; c < HD4; c++) { o[c] += pt * vc[voff + c]; }
    }
  }
  for (var c = 0u; c < HD4; c++) { out[qoff + c] = select(vec4<f32>(0.0), o[c] / l, L > 0u); }
}

// Chunks per cache row: the partials' stride.
fn chunksPerRow() -> u32 { return (p.maxT + CH - 1u) / CH; }

// One chunk (wid.x) of row b's cache for head h: its partial (m_s, l_s, o_s). All WG threads score,
// then WG / HD4 lanes of HD4 threads each fold every lanes-th key into their vec4 column, so a
// thread's serial work is CH / WG dot products and CH·HD4 / WG value rows, whatever the cache length.
@compute @workgroup_size(WG)
fn attention_decode_split(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let s = wid.x;
  let h = wid.y;
  let b = wid.z;
  let qoff = (b * p.H + h) * HD4;
  if (lid < HD4) { qs[lid] = q[qoff + lid] * p.scale; }
  if (lid == 0u) { len = min(lengths[b], p.maxT); }
  let L = workgroupUniformLoad(&len);
  let t0 = s * CH;
  if (t0 >= L) { return; } // past the row's length: the merge does not read this chunk
  let cnt = min(CH, L - t0);
  let hk = h / (p.H / p.Hkv);
  let row0 = b * p.maxT + t0;
  var mt = -3.0e38;
  for (var e = lid; e < cnt; e += WG) {
    let koff = ((row0 + e) * p.Hkv + hk) * HD4;
    var acc = vec4<f32>(0.0);
    for (var d = 0u; d < HD4; d++) { acc += qs[d] * kc[koff + d]; }
    let x = acc.x + acc.y + acc.z + acc.w;
    sc[e] = x;
    mt = max(mt, x);
  }
  let m = workgroupReduce(mt, lid, true);
  var lt = 0.0;
  for (var e = lid; e < cnt; e += WG) {
    let pt = exp(sc[e] - m);
    sc[e] = pt;
    lt += pt;
  }
  let l = workgroupReduce(lt, lid, false); // its barriers also publish the sc[e] = e^(s − m) writes
  let lanes = WG / HD4;
  let c = lid % HD4;
  let j = lid / HD4;
  var o = vec4<f32>(0.0);
  if (j < lanes) {
    for (var e = j; e < cnt; e += lanes) { o += sc[e] * vc[((row0 + e) * p.Hkv + hk) * HD4 + c]; }
  }
  lanes_o[lid] = o;
  workgroupBarrier();
  if (lid < HD4) {
    var sum = lanes_o[lid];
    for (var k = 1u; k < lanes; k++) { sum += lanes_o[k * HD4 + lid]; }
    let poff = ((b * p.H + h) * chunksPerRow() + s) * (HD4 + 1u);
    partials[poff + 1u + lid] = sum;
    if (lid == 0u) { partials[poff] = vec4<f32>(m, l, 0.0, 0.0); }
  }
}

// Row b, head h (wid.x, wid.y): its chunks' partials folded into out; zeros for a row of length 0.
@compute @workgroup_size(WG)
fn attention_decode_merge(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x;
  let b = wid.y;
  if (lid >= HD4) { return; }
  let L = min(lengths[b], p.maxT);
  let n = (L + CH - 1u) / CH;
  let first = (b * p.H + h) * chunksPerRow();
  var M = -3.0e38;
  for (var s = 0u; s < n; s++) { M = max(M, partials[(first + s) * (HD4 + 1u)].x); }
  var l = 0.0;
  var o = vec4<f32>(0.0);
  for (var s = 0u; s < n; s++) {
    let poff = (first + s) * (HD4 + 1u);
    let stats = partials[poff];
    let w = exp(stats.x - M); // e^(m_s − M)
    l += w * stats.y;
    o += w * partials[poff + 1u + lid];
  }
  out[(b * p.H + h) * HD4 + lid] = select(vec4<f32>(0.0), o / l, L > 0u);
}

// The max (takeMax) or the sum of every thread's x, returned to all; red is free again on return.
fn workgroupReduce(x: f32, lid: u32, takeMax: bool) -> f32 {
  red[lid] = x;
  for (var w = WG / 2u; w > 0u; w >>= 1u) {
    workgroupBarrier();
    if (lid < w) {
      let a = red[lid];
      let b = red[lid + w];
      red[lid] = select(a + b, max(a, b), takeMax);
    }
  }
  workgroupBarrier();
  let r = red[0];
  workgroupBarrier(); // read by all before red is written again
  return r;
}
