// Token embedding: gather rows of a [vocab, C] table into [T, C] f32, and the backward scatter-add of
// dy [T, C] into an f32 gradient table.
//   forward:  out[t, j] = table[ids[t], j]            (ids ≥ vocab give a zero row)
//   backward: dTable[v, j] += Σ_{t: ids[t] = v} dy[t, j]
// A table may be split into row chunks (a 151,936 × 896 table is larger than one storage binding):
// every dispatch sees one chunk [rowStart, rowStart + rowCount) and touches only the ids inside it.
// The backward is atomic-free: the CPU (which built the ids) groups token indices by id, and one
// thread per (distinct id, feature) sums its group's dy in token order — deterministic, O(T·C), and a
// token repeated a thousand times (padding, "\n") costs one thread a longer loop instead of a
// thousand-way CAS fight over one address.
// The forward table is bound as u32 words: f32 bits, or bf16/f16 packed two per word (element 2i in
// the low half), chosen by the TABLE_DTYPE override.

struct Params {
  n: u32,         // threads wanted: T·C (gather) or groups·C (scatter)
  C: u32,
  vocab: u32,
  rowStart: u32,  // first table row held by this chunk
  rowCount: u32,  // rows held by this chunk
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> groupIds: array<u32>;    // [G] distinct ids, ascending
@group(0) @binding(5) var<storage, read> groupStart: array<u32>;  // [G + 1] offsets into tokenOrder
@group(0) @binding(6) var<storage, read> tokenOrder: array<u32>;  // [T] token indices grouped by id
@group(0) @binding(7) var<storage, read> dy: array<f32>;
@group(0) @binding(8) var<storage, read_write> dTable: array<f32>;

override WG: u32 = 256;
override TABLE_DTYPE: u32 = 0u; // 0 f32, 1 bf16, 2 f16

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// Element k of this chunk (row-major from rowStart); half-precision chunks start on a whole word.
fn tableValue(k: u32) -> f32 {
  if (TABLE_DTYPE == 0u) { return bitcast<f32>(table[k]); }
  let word = table[k >> 1u];
  if (TABLE_DTYPE == 1u) {
    return select(bitcast<f32>(word << 16u), bitcast<f32>(word & 0xffff0000u), (k & 1u) == 1u);
  }
  return unpack2x16float(word)[k & 1u];
}

@compute @workgroup_size(WG)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flat(gid, nwg);
  if (e >= p.n) { return; }
  let t = e / p.C;
  let j = e - t * p.C;
  let id = ids[t];
  if (id >= p.vocab) {
    if (p.rowStart == 0u) { out[e] = 0.0; } // exactly one chunk starts at row 0: it writes the zeros
    return;
  }
  if (id < p.rowStart || id - p.rowStart >= p.rowCount) { return; }
  out[e] = tableValue((id - p.rowStart) * p.C + j);
}

@compute @workgroup_size(WG)
fn scatterAdd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flat(gid, nwg);
  if (e >= p.n) { return; }
  let g = e / p.C;
  let j = e - g * p.C;
  let id = groupIds[g];
  if (id < p.rowStart || id - p.rowStart >= p.rowCount) { return; }
  var s = 0.0;
  for (var k = groupStart[g]; k < groupStart[g + 1u]; k++) {
    s += dy[tokenOrder[k] * p.C + j];
  }
  let at = (id - p.rowStart) * p.C + j;
  dTable[at] = dTable[at] + s;
}
