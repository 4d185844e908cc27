// AdamW over a flat f32 parameter buffer with its gradient and moments (PyTorch's torch.optim.AdamW):
//   g = grad·gradScale·clip;  param ← param·(1 − lr·wd)
//   m ← β1·m + (1 − β1)·g;    v ← β2·v + (1 − β2)·g²
//   param ← param − (lr/bc1)·m / (sqrt(v)/sqrt(bc2) + eps),   bc_k = 1 − β_k^step
// The bias corrections and lr products come from the CPU in f64 (β2^step in f32 drifts at large step).
// `updateClipped` reads the clip factor written on the GPU by shaders/grad_norm.wgsl (result[1]), so
// gradient clipping needs no readback; `update` is the same step without clipping.

struct Params {
  n: u32,
  stepSize: f32,       // lr / bc1
  invSqrtBc2: f32,     // 1 / sqrt(bc2)
  decay: f32,          // 1 − lr·weight_decay
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  eps: f32,
  gradScale: f32,      // e.g. 1/micro-batches when gradients were summed
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> gradNorm: array<f32>; // [‖g‖, clip factor]

override WG: u32 = 256;

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

fn adamStep(i: u32, scale: f32) {
  let g = grad[i] * scale;
  let mi = p.beta1 * m[i] + p.oneMinusBeta1 * g;
  let vi = p.beta2 * v[i] + p.oneMinusBeta2 * g * g;
  m[i] = mi;
  v[i] = vi;
  param[i] = param[i] * p.decay - p.stepSize * mi / (sqrt(vi) * p.invSqrtBc2 + p.eps);
}

@compute @workgroup_size(WG)
fn update(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i >= p.n) { return; }
  adamStep(i, p.gradScale);
}

@compute @workgroup_size(WG)
fn updateClipped(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i >= p.n) { return; }
  adamStep(i, p.gradScale * gradNorm[1]);
}
