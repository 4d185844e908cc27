// Inverted dropout with a counter-based mask (no mask buffer: the backward regenerates it from the
// same seed). keep(i) = hash(i, seed) ≥ threshold, threshold = p·2³²; kept values are scaled by
// 1/(1 − p) so the expectation is unchanged.
//   apply:       dst[i]  = keep(i) ? scale·src[i] : 0
//   accumulate:  dst[i] += keep(i) ? scale·src[i] : 0      (the backward of `apply` into a gradient)
// The `_module` entry points take the seed of one LoRA module in one micro-batch, derived here from
// the micro-batch's seed (a buffer the step writes) and the module's number (layer·8 + target + 1,
// in the uniform) as model/lora.ts loraDropoutSeed does: the uniforms stay the same from step to
// step, so a training step reuses its bind groups instead of making one per module and micro-batch.

struct Params {
  n: u32,
  seed: u32,      // the mask seed; for the _module entry points, the module number
  threshold: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> batchSeed: array<u32>;

override WG: u32 = 256;

// PCG-style integer hash of (index, seed): good avalanche, cheap, identical on every adapter.
fn hash2(i: u32, seed: u32) -> u32 {
  var x = i * 747796405u + seed * 2891336453u + 1u;
  x = ((x >> ((x >> 28u) + 4u)) ^ x) * 277803737u;
  x = (x >> 22u) ^ x;
  x = (x * 2654435769u) ^ seed;
  x = ((x >> 16u) ^ x) * 0x45d9f3bu;
  return (x >> 16u) ^ x;
}

fn keptWith(i: u32, seed: u32) -> f32 {
  return select(0.0, p.scale, hash2(i, seed) >= p.threshold);
}

// model/lora.ts loraDropoutSeed(batchSeed, layer, target), with module = layer·8 + target + 1.
fn moduleSeed() -> u32 {
  var x = batchSeed[0] ^ (p.seed * 0x9e3779b1u);
  x = (x ^ (x >> 16u)) * 0x85ebca6bu;
  return x ^ (x >> 13u);
}

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

@compute @workgroup_size(WG)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i < p.n) { dst[i] = keptWith(i, p.seed) * src[i]; }
}

@compute @workgroup_size(WG)
fn accumulate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i < p.n) { dst[i] = dst[i] + keptWith(i, p.seed) * src[i]; }
}

@compute @workgroup_size(WG)
fn apply_module(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i < p.n) { dst[i] = keptWith(i, moduleSeed()) * src[i]; }
}

@compute @workgroup_size(WG)
fn accumulate_module(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i < p.n) { dst[i] = dst[i] + keptWith(i, moduleSeed()) * src[i]; }
}
