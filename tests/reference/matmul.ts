// Slow, obvious CPU reference for shaders/matmul.wgsl, in f64: used only by tests and the bench's
// correctness check. C[M,N] (+)= alpha·op(A)[M,K]·op(B)[K,N] (+ bias[N]), batched by strides.
export interface MatmulRefArgs {
  a: ArrayLike<number>; // [M,K], or [K,M] when transA (per batch item)
  b: ArrayLike<number>; // [K,N], or [N,K] when transB (already decoded to f32 values)
  c?: ArrayLike<number>; // initial C when accumulate
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  bias?: ArrayLike<number>; // [N]
  accumulate?: boolean;
  alpha?: number;
  batch?: number;
  offsetA?: number;
  offsetB?: number;
  offsetC?: number;
  offsetBias?: number;
  strideA?: number;
  strideB?: number;
  strideC?: number;
  rowStrideA?: number; // leading dimensions; default dense
  rowStrideB?: number;
  rowStrideC?: number;
}

/** Returns the full output array: a copy of `c` (or zeros sized to the last written element) with
 * the product written in place. */
export function matmulRef(r: MatmulRefArgs): Float64Array {
  const { M, N, K } = r;
  const batch = r.batch ?? 1;
  const lda = r.rowStrideA ?? (r.transA ? M : K);
  const ldb = r.rowStrideB ?? (r.transB ? K : N);
  const ldc = r.rowStrideC ?? N;
  const sA = r.strideA ?? (r.transA ? K : M) * lda;
  const sB = r.strideB ?? (r.transB ? N : K) * ldb;
  const sC = r.strideC ?? M * ldc;
  const oC = r.offsetC ?? 0;
  const size = Math.max(r.c?.length ?? 0, oC + (batch - 1) * sC + (M - 1) * ldc + N);
  const out = new Float64Array(size);
  if (r.c) for (let i = 0; i < r.c.length; i++) out[i] = r.c[i];
  const alpha = r.alpha ?? 1;
  for (let z = 0; z < batch; z++) {
    const oA = (r.offsetA ?? 0) + z * sA;
    const oB = (r.offsetB ?? 0) + z * sB;
    const base = oC + z * sC;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = r.transA ? r.a[oA + k * lda + m] : r.a[oA + m * lda + k];
          const bv = r.transB ? r.b[oB + n * ldb + k] : r.b[oB + k * ldb + n];
          s += av * bv;
        }
        let v = alpha * s + (r.bias ? r.bias[(r.offsetBias ?? 0) + n] : 0);
        if (r.accumulate) v += out[base + m * ldc + n];
        out[base + m * ldc + n] = v;
      }
    }
  }
  return out;
}
