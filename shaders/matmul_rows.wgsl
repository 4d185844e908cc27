// The register kernel's entry point and its A reads (compiled as matmul.wgsl + this file): each
// invocation reads its own rows of A.

fn fourA4(e: vec4<u32>, lane: u32) -> mat4x4<f32> {
  return mat4x4<f32>(loadA4(e.x), loadA4(e.y), loadA4(e.z), loadA4(e.w));
}

@compute @workgroup_size(INVOCATIONS)
fn matmul(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) i: u32) {
  let o = blockOrigin(wid, i);
  if (o.x >= p.N || o.y >= p.M) { return; }
  registerBlock(wid.z, o.x, o.y, 0u);
}
