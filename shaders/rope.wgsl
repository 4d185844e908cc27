// Rotary position embedding, half-split layout as HF Llama/Qwen (rotate_half pairs element i with
// i + D/2), on x [T, H, D] f32 with a position per token (packed sequences restart their positions)
// and inverse frequencies invFreq [D/2] computed on the CPU (so Llama-3 or linear scaling needs no
// kernel change).
//   θ = pos[t]·invFreq[i];  out[i] = x[i]·cos θ − x[i+D/2]·sin θ;  out[i+D/2] = x[i+D/2]·cos θ + x[i]·sin θ
// The backward is the transpose of that rotation, i.e. the same rotation by −θ: `sign` = −1.
// One thread per (token, head, pair); the flat index is folded over x and y of the dispatch.

struct Params {
  n: u32,     // T·H·(D/2) pairs
  H: u32,
  D: u32,
  sign: f32,  // +1 forward, −1 backward
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pos: array<u32>;
@group(0) @binding(2) var<storage, read> invFreq: array<f32>;
@group(0) @binding(3) var<storage, read> src: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;

override WG: u32 = 256;

// (sin θ, cos θ) to ~1e-7 absolute. WGSL's sin/cos only promise 2⁻¹¹ absolute error on [−π, π]
// (SwiftShader really is that coarse: 4e-4 off in a rotation), which is far above what HF's f32
// cos/sin give, so we reduce and evaluate ourselves (Cephes sinf/cosf):
//   q = round(θ·2/π), r = θ − q·π/2 ∈ [−π/4, π/4] with π/2 split in three (Cody–Waite; the first part
//   has 8 significant bits so q·P1 is exact for q < 2¹⁶, i.e. θ < 10⁵), then minimax polynomials,
//   and the quadrant q mod 4 picks (±sin r, ±cos r).
fn sinCos(theta: f32) -> vec2<f32> {
  let q = round(theta * 0.6366197723675814);
  let r = ((theta - q * 1.5703125) - q * 4.837512969970703125e-4) - q * 7.54978995489188216e-8;
  let z = r * r;
  let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  switch (i32(q) & 3) {
    case 0: { return vec2<f32>(s, c); }
    case 1: { return vec2<f32>(c, -s); }
    case 2: { return vec2<f32>(-s, -c); }
    default: { return vec2<f32>(-c, s); }
  }
}

// Pair j's element indices (first half, second half) and its rotation (cos θ, sign·sin θ).
struct Pair {
  a: u32,
  b: u32,
  c: f32,
  s: f32,
}

fn pairAt(j: u32) -> Pair {
  let half = p.D / 2u;
  let i = j % half;
  let t = j / (half * p.H);
  let sc = sinCos(f32(pos[t]) * invFreq[i]); // θ rounded to f32 as HF does (inv_freq @ positions)
  let a = (j / half) * p.D + i; // (t·H + h)·D + i
  return Pair(a, a + half, sc.y, p.sign * sc.x);
}

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

@compute @workgroup_size(WG)
fn rotate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = flat(gid, nwg);
  if (j >= p.n) { return; }
  let r = pairAt(j);
  let x1 = src[r.a];
  let x2 = src[r.b];
  dst[r.a] = x1 * r.c - x2 * r.s;
  dst[r.b] = x2 * r.c + x1 * r.s;
}

@compute @workgroup_size(WG)
fn rotateInPlace(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = flat(gid, nwg);
  if (j >= p.n) { return; }
  let r = pairAt(j);
  let x1 = dst[r.a];
  let x2 = dst[r.b];
  dst[r.a] = x1 * r.c - x2 * r.s;
  dst[r.b] = x2 * r.c + x1 * r.s;
}

// ---------------------------------------------------------------- rotate_append (decode)
// A decode step's q and k rotated and its K and V rows put in the cache, in one dispatch: for B rows
// (one new token each, at position lengths[b] − 1) of q [B, HQ, D] (rotated in place) and
// k, v [B, HK, D]: cache[b, lengths[b] − 1, h] = rope(k[b, h]) and v[b, h]. Inactive rows
// (lengths[b] = 0) write no cache entry. One thread per (row, head, pair), q heads first.
struct AppendParams {
  B: u32,
  HQ: u32,
  HK: u32,
  D: u32,
  maxT: u32,
}

@group(0) @binding(0) var<uniform> ap: AppendParams;
@group(0) @binding(5) var<storage, read_write> q: array<f32>;
@group(0) @binding(6) var<storage, read> kNew: array<f32>;
@group(0) @binding(7) var<storage, read> vNew: array<f32>;
@group(0) @binding(8) var<storage, read> lengths: array<u32>;
@group(0) @binding(9) var<storage, read_write> kCache: array<f32>;
@group(0) @binding(10) var<storage, read_write> vCache: array<f32>;

@compute @workgroup_size(WG)
fn rotate_append(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = flat(gid, nwg);
  let half = ap.D / 2u;
  let perRow = (ap.HQ + ap.HK) * half;
  if (j >= ap.B * perRow) { return; }
  let b = j / perRow;
  let hh = (j % perRow) / half;
  let i = j % half;
  let len = lengths[b];
  let pos = select(0u, len - 1u, len > 0u); // an inactive row's q is rotated as at 0 and never read
  let sc = sinCos(f32(pos) * invFreq[i]); // θ rounded to f32 as HF does, as in pairAt
  if (hh < ap.HQ) {
    let a = (b * ap.HQ + hh) * ap.D + i;
    let x1 = q[a];
    let x2 = q[a + half];
    q[a] = x1 * sc.y - x2 * sc.x;
    q[a + half] = x2 * sc.y + x1 * sc.x;
    return;
  }
  if (len == 0u) { return; }
  let h = hh - ap.HQ;
  let a = (b * ap.HK + h) * ap.D + i;
  let x1 = kNew[a];
  let x2 = kNew[a + half];
  let c = ((b * ap.maxT + pos) * ap.HK + h) * ap.D + i;
  kCache[c] = x1 * sc.y - x2 * sc.x;
  kCache[c + half] = x2 * sc.y + x1 * sc.x;
  vCache[c] = vNew[a];
  vCache[c + half] = vNew[a + half];
}
