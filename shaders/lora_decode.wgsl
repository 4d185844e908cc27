// The LoRA path of a decode step, for every target that reads the same input, in ONE dispatch:
//   u_t[m, j] = Σ_k x[m, k] · A_t[j, k]                 A_t [r, K], rows m < M ≤ 8, j < r ≤ 64
//   y_t[m, n] += s · Σ_j u_t[m, j] · B_t[n, j]          B_t [outF_t, r], y_t [M, outF_t]
// for up to three targets t (q, k, v read h1; gate, up read h2; o and down alone). The base products
// y_t = x·W_tᵀ (+ bias) are recorded before this; here the adapter's share is added.
// Why: unfused, each target is two dispatches (x·Aᵀ into u, then u·Bᵀ added to y), fourteen a layer
// with all seven targets; decoding then costs more in dispatches than in arithmetic. Each workgroup
// recomputes its target's u (M·r·K multiply-adds, small at decode's M) instead of waiting for
// another dispatch to write it: two barriers, no second pass.
// That u is the kernel's critical path: a thread's share of M·r·K products, in order, before its
// column's work (1,216 long at Qwen2.5-0.5B's down, K 4,864, with 64 threads at M 1, rank 16). How
// the loop is laid out is a variant the autotune races per adapter (ops/loraDecodeChoice.ts):
//   SPLIT 0: each u value's K loop over threadsPerU threads, SUMS (1 or 4) sums in flight a thread;
//   SPLIT 1: four u values at a time, each K loop over the whole workgroup, then a tree reduction.
// Software adapters run WG 64, SUMS 1, SPLIT 0 (the kernel as first written) and are never tuned.
// Layout: A_t and B_t live in the adapter's one flat f32 buffer at element offsets (deviceLora.ts);
// workgroups [firstGroup_t, firstGroup_t + ⌈outF_t / WG⌉) serve target t, one output column a thread.

struct Target {
  offA: u32,
  offB: u32,
  outF: u32,
  firstGroup: u32,
}

struct Params {
  M: u32,
  K: u32,
  r: u32,
  targets: u32,
  scale: f32,
  threadsPerU: u32,  // threads that share one u value's K loop (a power of two)
  _pad0: u32,
  _pad1: u32,
  t: array<Target, 3>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> lora: array<f32>;
@group(0) @binding(3) var<storage, read_write> y0: array<f32>;
@group(0) @binding(4) var<storage, read_write> y1: array<f32>;
@group(0) @binding(5) var<storage, read_write> y2: array<f32>;

override WG: u32 = 64;   // a power of two (the split layout halves it to a tree)
override SUMS: u32 = 1;  // independent sums a thread keeps in u's K loop (1 or 4), SPLIT 0 only
override SPLIT: u32 = 0; // 1: every K loop over the whole workgroup, four u values at a time
const MAX_U = 512u; // M·r ≤ 8·64
const SPLIT_VALUES = 4u; // u values a split pass computes at once (the four sums in flight)

var<workgroup> partial: array<f32, 4u * WG>;
var<workgroup> u: array<f32, MAX_U>;

struct Column {
  t: u32,   // the target this workgroup serves
  n: u32,   // this thread's output column
  live: bool,
}

// Fills u with x·A_tᵀ for this workgroup's target and says which output column this thread adds to.
fn prologue(group: u32, lid: u32) -> Column {
  var t = 0u;
  for (var i = 1u; i < p.targets; i++) {
    if (group >= p.t[i].firstGroup) { t = i; }
  }
  let tg = p.t[t];
  if (SPLIT == 1u) { fillUSplit(tg.offA, lid); } else { fillUGroups(tg.offA, lid); }
  let n = (group - tg.firstGroup) * WG + lid;
  return Column(t, n, n < tg.outF);
}

// Σ_k x[m, k]·A[j, k] over this thread's k (k ≡ first mod stride), SUMS sums in flight: with four,
// the loop waits one memory latency per four products rather than per product.
fn dotStrided(xa: u32, aa: u32, first: u32, stride: u32) -> f32 {
  if (SUMS == 1u) {
    var acc = 0.0;
    for (var k = first; k < p.K; k += stride) { acc += x[xa + k] * lora[aa + k]; }
    return acc;
  }
  var a0 = 0.0;
  var a1 = 0.0;
  var a2 = 0.0;
  var a3 = 0.0;
  var k = first;
  while (k + 3u * stride < p.K) {
    a0 += x[xa + k] * lora[aa + k];
    a1 += x[xa + k + stride] * lora[aa + k + stride];
    a2 += x[xa + k + 2u * stride] * lora[aa + k + 2u * stride];
    a3 += x[xa + k + 3u * stride] * lora[aa + k + 3u * stride];
    k += 4u * stride;
  }
  while (k < p.K) {
    a0 += x[xa + k] * lora[aa + k];
    k += stride;
  }
  return (a0 + a1) + (a2 + a3);
}

// Each of the M·r values of u is a K-long dot product split over P threads (partials in workgroup
// memory, then one thread adds its value's P partials in order).
fn fillUGroups(offA: u32, lid: u32) {
  let nU = p.M * p.r;
  let P = p.threadsPerU;
  let perPass = WG / P;
  let part = lid % P;
  for (var base = 0u; base < nU; base += perPass) {
    let o = base + lid / P;
    var acc = 0.0;
    if (o < nU) { acc = dotStrided((o / p.r) * p.K, offA + (o % p.r) * p.K, part, P); }
    partial[lid] = acc;
    workgroupBarrier();
    if (part == 0u && o < nU) {
      var s = 0.0;
      for (var q = 0u; q < P; q++) { s += partial[lid + q]; }
      u[o] = s;
    }
    workgroupBarrier();
  }
}

// Four u values a pass, each K loop over all WG threads (K/WG products a thread), then the WG
// partials of each value summed by a tree: log2(WG) barriers a pass instead of a long serial loop.
fn fillUSplit(offA: u32, lid: u32) {
  let nU = p.M * p.r;
  for (var base = 0u; base < nU; base += SPLIT_VALUES) {
    for (var c = 0u; c < SPLIT_VALUES; c++) {
      let o = base + c;
      var acc = 0.0;
      if (o < nU) {
        let xa = (o / p.r) * p.K;
        let aa = offA + (o % p.r) * p.K;
        for (var k = lid; k < p.K; k += WG) { acc += x[xa + k] * lora[aa + k]; }
      }
      partial[c * WG + lid] = acc;
    }
    workgroupBarrier();
    for (var half = WG / 2u; half > 0u; half = half / 2u) {
      if (lid < half) {
        for (var c = 0u; c < SPLIT_VALUES; c++) { partial[c * WG + lid] += partial[c * WG + lid + half]; }
      }
      workgroupBarrier();
    }
    if (lid < SPLIT_VALUES && base + lid < nU) { u[base + lid] = partial[lid * WG]; }
    workgroupBarrier();
  }
}

// s · Σ_j u[m, j] · B_t[n, j]
fn share(c: Column, m: u32) -> f32 {
  let bRow = p.t[c.t].offB + c.n * p.r;
  var acc = 0.0;
  for (var j = 0u; j < p.r; j++) { acc += u[m * p.r + j] * lora[bRow + j]; }
  return p.scale * acc;
}

// One entry point per target count: a binding the kernel does not use must not be bound, and WebGPU
// forbids binding one buffer to two writable bindings of a dispatch.
@compute @workgroup_size(WG)
fn lora_decode_1(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let c = prologue(wid.x, lid);
  if (!c.live) { return; }
  for (var m = 0u; m < p.M; m++) {
    let e = m * p.t[0].outF + c.n;
    y0[e] = y0[e] + share(c, m);
  }
}

@compute @workgroup_size(WG)
fn lora_decode_2(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let c = prologue(wid.x, lid);
  if (!c.live) { return; }
  for (var m = 0u; m < p.M; m++) {
    let e = m * p.t[c.t].outF + c.n;
    if (c.t == 0u) { y0[e] = y0[e] + share(c, m); } else { y1[e] = y1[e] + share(c, m); }
  }
}

@compute @workgroup_size(WG)
fn lora_decode_3(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let c = prologue(wid.x, lid);
  if (!c.live) { return; }
  for (var m = 0u; m < p.M; m++) {
    let e = m * p.t[c.t].outF + c.n;
    if (c.t == 0u) { y0[e] = y0[e] + share(c, m); } else if (c.t == 1u) { y1[e] = y1[e] + share(c, m); } else { y2[e] = y2[e] + share(c, m); }
  }
}
