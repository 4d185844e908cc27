// The register kernel for CPU adapters with `subgroups` (compiled as enable subgroups + matmul.wgsl
// + this file): the lanes of a subgroup own neighbouring blocks of one row of blocks, so they need
// the same rows of A; each lane reads one of a block's four 4-wide runs and the others take it by
// subgroupBroadcast. SwiftShader runs a subgroup as the lanes of one SIMD register and reads storage
// lane by lane (a gather, even where every lane reads the same address), so this reads A a quarter
// as often; a broadcast is a register shuffle. Every value is the one the plain kernel reads and
// the arithmetic is the same, so both kernels give the same bits.
//
// Needs 4 ≤ subgroup size and wgX a multiple of it (invocations are numbered by subgroup, so a
// subgroup's lanes share y). Lanes past 4 read the clamped runs again and take lanes 0–3's.

fn fourA4(e: vec4<u32>, lane: u32) -> mat4x4<f32> {
  let mine = loadA4(e[min(lane, 3u)]);
  return mat4x4<f32>(subgroupBroadcast(mine, 0u), subgroupBroadcast(mine, 1u), subgroupBroadcast(mine, 2u), subgroupBroadcast(mine, 3u));
}

@compute @workgroup_size(INVOCATIONS)
fn matmul_shared_rows(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(subgroup_id) sg: u32,
  @builtin(subgroup_size) sgSize: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let i = sg * sgSize + lane;
  let o = blockOrigin(wid, i);
  // A whole subgroup leaves or none of it (the broadcasts need every lane): its first lane's block
  // decides; lanes whose own columns are past N compute clamped ones and store nothing.
  let first = blockOrigin(wid, i - lane);
  if (first.x >= p.N || o.y >= p.M) { return; }
  registerBlock(wid.z, o.x, o.y, lane);
}
