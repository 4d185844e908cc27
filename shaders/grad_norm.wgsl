// Global gradient norm over many gradient buffers and the clip factor, without CPU readback.
//   ‖g‖ = gradScale·sqrt(Σ_tensors Σ_i g_i²);   clip = min(1, maxNorm/(‖g‖ + 1e-6))  (1 when maxNorm ≤ 0)
// Stage 1, partialSumSquares, once per gradient tensor: each workgroup grid-strides over the tensor,
// tree-reduces its sum of squares and writes one partial at partials[partialOffset + workgroup], so
// all tensors' partials land side by side in one buffer. Stage 2, finalize, one workgroup: sums every
// partial and writes result = [‖g‖, clip] for AdamW (shaders/adamw.wgsl) to read on the GPU.

struct Params {
  n: u32,              // stage 1: tensor length; stage 2: number of partials
  partialOffset: u32,  // stage 1: where this tensor's partials start
  maxNorm: f32,        // stage 2
  gradScale: f32,      // stage 2: the factor AdamW will apply to the raw gradients (e.g. 1/micro-batches)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
@group(0) @binding(3) var<storage, read_write> result: array<f32>;

override WG: u32 = 256; // a power of two (tree reduction)

var<workgroup> red: array<f32, WG>;

fn reduceSum(lid: u32) {
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn partialSumSquares(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = wid.x * WG + lid; i < p.n; i += nwg.x * WG) {
    let v = g[i];
    s += v * v;
  }
  red[lid] = s;
  reduceSum(lid);
  if (lid == 0u) { partials[p.partialOffset + wid.x] = red[0]; }
}

@compute @workgroup_size(WG)
fn finalize(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < p.n; i += WG) { s += partials[i]; }
  red[lid] = s;
  reduceSum(lid);
  if (lid == 0u) {
    let norm = p.gradScale * sqrt(red[0]);
    result[0] = norm;
    result[1] = select(1.0, min(1.0, p.maxNorm / (norm + 1e-6)), p.maxNorm > 0.0);
  }
}
