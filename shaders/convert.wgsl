// Element type conversion of a flat tensor: src (f32, or bf16/f16 packed two per u32, element 2i in
// the low half) → dst (f32, or bf16/f16 packed the same way). Used by the ONNX export to unpack a
// frozen weight to f32 before the LoRA merge, and to pack the merged f32 result into the export dtype.
// Rounding is done in integer arithmetic, round to nearest even, so the result is bit-identical to
// src/model/dtype.ts (f32ToBf16Bits / f32ToF16Bits); WGSL's pack2x16float leaves rounding to the
// implementation, so it is not used.
// One invocation per output u32 word; the flat index is folded over x and y of the dispatch.

struct Params {
  n: u32,         // elements to convert
  srcOffset: u32, // first source element
  dstOffset: u32, // first destination element (even when dst is packed)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

override WG: u32 = 256;
// 0 f32, 1 bf16, 2 f16 (the codes of src/ops/matmul.ts)
override SRC_DTYPE: u32 = 0;
override DST_DTYPE: u32 = 0;

fn f16ToF32(h: u32) -> f32 {
  return unpack2x16float(h & 0xffffu).x; // f16 → f32 is exact
}

fn loadElement(e: u32) -> f32 {
  if (SRC_DTYPE == 0u) { return bitcast<f32>(src[e]); }
  let half = (src[e >> 1u] >> ((e & 1u) * 16u)) & 0xffffu;
  if (SRC_DTYPE == 1u) { return bitcast<f32>(half << 16u); }
  return f16ToF32(half);
}

// f32 → bf16 bits: add 0x7fff + lsb and truncate (ties to even); NaN stays a quiet NaN.
fn toBf16(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) != 0u) { return ((b >> 16u) | 0x40u) & 0xffffu; }
  let lsb = (b >> 16u) & 1u;
  return ((b + 0x7fffu + lsb) >> 16u) & 0xffffu;
}

// f32 → IEEE half bits with subnormals, overflow to ±inf, ties to even (mirrors f32ToF16Bits).
fn toF16(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  let sign = (b >> 16u) & 0x8000u;
  let exp = i32((b >> 23u) & 0xffu);
  var mant = b & 0x7fffffu;
  if (exp == 255) {
    if (mant != 0u) { return sign | 0x7e00u; }
    return sign | 0x7c00u;
  }
  let e = exp - 127 + 15;
  if (e >= 31) { return sign | 0x7c00u; }
  if (e <= 0) {
    if (e < -10) { return sign; }
    mant = mant | 0x800000u;
    let shift = u32(14 - e);
    let halfway = 1u << (shift - 1u);
    let rest = mant & ((1u << shift) - 1u);
    var m = mant >> shift;
    if (rest > halfway || (rest == halfway && (m & 1u) == 1u)) { m = m + 1u; }
    return sign | m;
  }
  var h = sign | (u32(e) << 10u) | (mant >> 13u);
  let rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u) == 1u)) { h = h + 1u; } // a carry into the exponent is correct rounding
  return h;
}

fn packHalf(x: f32) -> u32 {
  if (DST_DTYPE == 1u) { return toBf16(x); }
  return toF16(x);
}

@compute @workgroup_size(WG)
fn convert(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let w = gid.x + gid.y * nwg.x * WG; // output word within this launch
  if (DST_DTYPE == 0u) {
    if (w >= p.n) { return; }
    dst[p.dstOffset + w] = bitcast<u32>(loadElement(p.srcOffset + w));
    return;
  }
  let e = 2u * w;
  if (e >= p.n) { return; }
  let lo = packHalf(loadElement(p.srcOffset + e));
  var hi = 0u;
  if (e + 1u < p.n) { hi = packHalf(loadElement(p.srcOffset + e + 1u)); }
  dst[(p.dstOffset >> 1u) + w] = lo | (hi << 16u);
}
