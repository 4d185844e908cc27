// Tensor-core matrix multiply, workgroup-memory variant of mma_direct (matmul_subgroup_matrix.wgsl,
// whose a_to_f16 pass prepares A the same way; see there for the math and the epilogue). Each K step
// of BK stages the workgroup's BM×BK A tile and BK×BN B tile in workgroup memory with 16-byte copies
// (8 halves a thread and instruction: a `buffer` seen as vec4<u32> for the copies and as f16 for the
// fragment loads, which needs the buffer_view language feature), double-buffered with one barrier a
// step; the subgroups then read their fragments from there. Rows are padded by 8 halves so
// neighbouring rows start in different banks. A is [Mp][Kp] f16, B is read in 8-half runs, so the op
// uses this kernel only where B's offset and row stride are multiples of 8.
requires buffer_view;
enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;

struct Params {
  M: u32,
  N: u32,
  Kp: u32,
  offB: u32,
  ldb: u32,
  offC: u32,
  ldc: u32,
  offBias: u32,
  alpha: f32,
  K: u32,  // B's real extent along k (rows past it are read as zeros)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> b8: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(8) var<storage, read> a8: array<vec4<u32>>;
@group(0) @binding(9) var<storage, read> rowScale: array<f32>;

override SG_SIZE: u32 = 32;
override SGM: u32 = 2;
override SGN: u32 = 2;
override FM: u32 = 2;
override FN: u32 = 2;
override BK: u32 = 32;  // multiple of 16
override WG: u32 = 128;
override TRANS_B: bool = true;
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false;

override BM: u32 = SGM * FM * 16u;
override BN: u32 = SGN * FN * 16u;
override AP: u32 = BK + 8u;                        // A tile row length (halves), [BM][AP]
override BROWS: u32 = select(BK, BN, TRANS_B);     // B tile: [BN][BK+8] if TRANS_B, else [BK][BN+8]
override BP: u32 = select(BN + 8u, BK + 8u, TRANS_B);
override A_HALVES: u32 = BM * AP;
override B_HALVES: u32 = BROWS * BP;
override STAGE: u32 = A_HALVES + B_HALVES;         // halves per buffer
override A_UNITS: u32 = BM * BK / 8u;
override B_UNITS: u32 = BN * BK / 8u;

const MAX_BYTES = 40960u;
var<workgroup> tiles: buffer<MAX_BYTES>;
var<workgroup> Cs: array<f32, SGM * SGN * 256u>;

struct Stage { v: array<vec4<u32>, 4>, }

fn loadStage(m0: u32, n0: u32, k0: u32, lid: u32) -> Stage {
  var s: Stage;
  var i = 0u;
  for (var u = lid; u < A_UNITS + B_UNITS; u += WG) {
    if (u < A_UNITS) {
      let r = u / (BK / 8u);
      let kq = u % (BK / 8u);
      s.v[i] = a8[((m0 + r) * p.Kp + k0) / 8u + kq];
    } else {
      let w = u - A_UNITS;
      if (TRANS_B) {
        let n = min(n0 + w / (BK / 8u), p.N - 1u);
        let k = k0 + (w % (BK / 8u)) * 8u;
        s.v[i] = b8[(p.offB + n * p.ldb + k) / 8u];
      } else {
        let k = k0 + w / (BN / 8u);
        let n = n0 + (w % (BN / 8u)) * 8u;
        // Rows past K would be another matrix's or nothing: zeros (A's padding is zero too).
        s.v[i] = select(vec4<u32>(0u), b8[(p.offB + min(k, p.K - 1u) * p.ldb + n) / 8u], k < p.K);
      }
    }
    i++;
  }
  return s;
}

fn storeStage(s: Stage, buf: u32, lid: u32) {
  let t = bufferView<array<vec4<u32>>>(&tiles, 0);
  let base = buf * STAGE;
  var i = 0u;
  for (var u = lid; u < A_UNITS + B_UNITS; u += WG) {
    var h: u32;
    if (u < A_UNITS) {
      h = base + (u / (BK / 8u)) * AP + (u % (BK / 8u)) * 8u;
    } else {
      let w = u - A_UNITS;
      if (TRANS_B) { h = base + A_HALVES + (w / (BK / 8u)) * BP + (w % (BK / 8u)) * 8u; }
      else { h = base + A_HALVES + (w / (BN / 8u)) * BP + (w % (BN / 8u)) * 8u; }
    }
    t[h / 8u] = s.v[i];
    i++;
  }
}

fn storeFragment(acc: subgroup_matrix_result<f32, 16, 16>, square: u32, lane: u32, m0: u32, n0: u32) {
  subgroupMatrixStore<row_major>(&Cs, square, acc, 16u);
  workgroupBarrier();
  for (var e = lane; e < 256u; e += SG_SIZE) {
    let m = m0 + e / 16u;
    let n = n0 + e % 16u;
    if (m < p.M && n < p.N) {
      var v = Cs[square + e] * (p.alpha / rowScale[m]);
      if (HAS_BIAS) { v += bias[p.offBias + n]; }
      let o = p.offC + m * p.ldc + n;
      if (ACCUMULATE) { c[o] = c[o] + v; } else { c[o] = v; }
    }
  }
  workgroupBarrier();
}

@compute @workgroup_size(WG)
fn mma_staged(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_id) sg: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  let sm = (sg / SGN) * FM * 16u;  // this subgroup's first row and column inside the tile
  let sn = (sg % SGN) * FN * 16u;
  let t = bufferView<array<f16>>(&tiles, 0);
  var acc: array<subgroup_matrix_result<f32, 16, 16>, 16>;
  var left: array<subgroup_matrix_left<f16, 16, 16>, 4>;
  var right: array<subgroup_matrix_right<f16, 16, 16>, 4>;

  let steps = p.Kp / BK;
  storeStage(loadStage(m0, n0, 0u, lid), 0u, lid);
  workgroupBarrier();
  for (var st = 0u; st < steps; st++) {
    let cur = st % 2u;
    let more = st + 1u < steps;
    var next: Stage;
    if (more) { next = loadStage(m0, n0, (st + 1u) * BK, lid); }
    let aBase = cur * STAGE;
    let bBase = cur * STAGE + A_HALVES;
    for (var kk = 0u; kk < BK; kk += 16u) {
      for (var i = 0u; i < FM; i++) {
        left[i] = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(t, aBase + (sm + i * 16u) * AP + kk, AP);
      }
      for (var j = 0u; j < FN; j++) {
        if (TRANS_B) {
          right[j] = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, col_major>(t, bBase + (sn + j * 16u) * BP + kk, BP);
        } else {
          right[j] = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, row_major>(t, bBase + kk * BP + sn + j * 16u, BP);
        }
      }
      for (var i = 0u; i < FM; i++) {
        for (var j = 0u; j < FN; j++) {
          acc[i * FN + j] = subgroupMatrixMultiplyAccumulate(left[i], right[j], acc[i * FN + j]);
        }
      }
    }
    if (more) { storeStage(next, 1u - cur, lid); }
    workgroupBarrier();
  }
  for (var i = 0u; i < FM; i++) {
    for (var j = 0u; j < FN; j++) { storeFragment(acc[i * FN + j], sg * 256u, lane, m0 + sm + i * 16u, n0 + sn + j * 16u); }
  }
}
