// matvec (shaders/matvec.wgsl) with the column's G partial sums added by subgroup shuffles instead of
// a tree in workgroup memory: no barriers and no workgroup-memory traffic, for adapters with the
// `subgroups` feature and subgroups of at least G lanes. Compiled as `enable subgroups;` +
// matvec.wgsl + this file (src/ops/matmulKernels.ts), so the K loop and the store are matvec's own.
//
// Threads are numbered by subgroup (subgroup_id · subgroup_size + lane), so a column's G threads are
// G neighbouring lanes of one subgroup (G and the subgroup size are powers of two, G ≤ the size).
// The butterfly adds lane t's partial to lane t ^ s for s = G/2, …, 1; lane 0 of a column ends with
// exactly the tree's sum: at each level it adds the same two values the tree adds, in the same
// order up to commutation, which IEEE addition does not notice. So both kernels give the same bits.

@compute @workgroup_size(WG)
fn matvec_subgroups(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(subgroup_id) sg: u32,
  @builtin(subgroup_size) sgSize: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let i = sg * sgSize + lane;
  let col = i / G;
  let t = i % G;
  let n = wid.x * COLS + col;
  var sums = columnPartials(n, t);
  // Every lane takes part in every shuffle (rows past M hold zeros), as subgroup operations require.
  for (var s = G / 2u; s > 0u; s >>= 1u) {
    for (var m = 0u; m < MAX_ROWS; m++) { sums[m] += subgroupShuffleXor(sums[m], s); }
  }
  if (t == 0u && n < p.N) { storeColumn(n, sums); }
}
