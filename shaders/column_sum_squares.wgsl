// Each column's sum of squares over the rows of a row-major f32 [rows, cols] matrix, added to an
// accumulator: acc[c] += Σ_r x[r, c]². What llama.cpp's importance matrix keeps for each weight
// matrix's input (the activations that multiply it), summed over the tokens of many forwards.
// A workgroup takes COLS adjacent columns (reads across a row are contiguous) and LANES threads per
// column, lane l summing rows l, l + LANES, …; the lanes' sums meet in workgroup memory.

struct Params {
  rows: u32,
  cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> acc: array<f32>;

override COLS: u32 = 64;
override LANES: u32 = 4;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(COLS, LANES)
fn accumulate(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = wid.x * COLS + lid.x;
  var s = 0.0;
  if (c < p.cols) {
    for (var r = lid.y; r < p.rows; r += LANES) {
      let v = x[r * p.cols + c];
      s += v * v;
    }
  }
  partial[lid.y * COLS + lid.x] = s;
  workgroupBarrier();
  if (lid.y == 0u && c < p.cols) {
    var total = 0.0;
    for (var l = 0u; l < LANES; l++) { total += partial[l * COLS + lid.x]; }
    acc[c] += total;
  }
}
