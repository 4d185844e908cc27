// Inverted dropout with a counter-based mask (no mask buffer: the backward regenerates it from the
// same seed). keep(i) = hash(i, seed) ≥ threshold, threshold = p·2³²; kept values are scaled by
// 1/(1 − p) so the expectation is unchanged.
//   apply:       dst[i]  = keep(i) ? scale·src[i] : 0
//   accumulate:  dst[i] += keep(i) ? scale·src[i] : 0      (the backward of `apply` into a gradient)

struct Params {
  n: u32,
  seed: u32,
  threshold: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

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

fn kept(i: u32) -> f32 {
  return select(0.0, p.scale, hash2(i, p.seed) >= p.threshold);
}

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

@compute @workgroup_size(WG)
fn apply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i < p.n) { dst[i] = kept(i) * src[i]; }
}

@compute @workgroup_size(WG)
fn accumulate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat(gid, nwg);
  if (i < p.n) { dst[i] = dst[i] + kept(i) * src[i]; }
}
