// One matmul test case run on the GPU and checked against the f64 reference, for every kernel variant:
// random operands laid out as the op reads them (offsets, strides, packed halves), the product
// recorded with the variant given (or the op's own choice), and the whole C buffer compared, so
// writes outside the product's rows and columns fail too. Tests only.
import { readF32, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import { matmul, type MatmulVariant, type WeightDtype } from '../../src/ops/matmul.ts';
import { chooseMatmulVariant } from '../../src/ops/matmulChoice.ts';
import { matmulOperands } from '../../src/ops/matmulOperands.ts';
import { matmulRef, type MatmulRefArgs } from '../reference/matmul.ts';
import { expectClose, randomArray } from './compare.ts';
import { f16BitsToF32, f32ToF16Bits, packHalves } from './halfPack.ts';

// f32 accumulation over K terms of size ≤ 1 against f64: error ≲ K·2⁻²⁴·Σ|aᵢbᵢ| ≈ 1e-5 for K ≤ 100.
export const F32_TOL = { atol: 2e-5, rtol: 1e-5 };

export interface MatmulCase extends Omit<MatmulRefArgs, 'a' | 'b' | 'c' | 'bias'> {
  bDtype?: WeightDtype;
  /** Elements in the B buffer (defaults to exactly what the product reads). */
  bElements?: number;
  withBias?: boolean;
  seed?: number;
  variant?: MatmulVariant;
  /** Scale of A's values (gradients are tiny: the tensor-core kernel must scale them per row). */
  aScale?: number;
}

/** Shapes that are not multiples of any tile, with tails of 1–3 in every dimension. */
export const MATMUL_SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [5, 7, 3],
  [64, 64, 64],
  [67, 33, 70], // past one 64×64 tile in M, odd N, K with a tail of 2
  [2, 130, 9], // M ≤ 4 selects the flat 64×4 workgroup; N past 2×64
  [17, 5, 1], // K = 1: only the masked tail step runs
  [12, 8, 8], // multiples of 4 (vector loads) where an 8-row invocation's second block starts past M
  [16, 12, 8], // vector loads where an 8-column invocation's second block starts past N
];

/** What the tensor-core kernel feeds its f16 inputs: each A row scaled by the power of two that puts
 * its largest magnitude in [2^14, 2^15), rounded to f16, scaled back (exact steps but the rounding). */
export function roundRowsLikeSubgroupMatrix(a: Float32Array, rows: number, cols: number, ld: number, offset: number): Float32Array {
  const out = Float32Array.from(a);
  for (let m = 0; m < rows; m++) {
    let max = 0;
    for (let k = 0; k < cols; k++) max = Math.max(max, Math.abs(a[offset + m * ld + k]));
    const e = max > 0 ? Math.floor(Math.log2(max)) + 1 : 0; // max < 2^e, as WGSL frexp
    const s = max > 0 ? 2 ** (15 - Math.max(-100, Math.min(100, e))) : 1;
    for (let k = 0; k < cols; k++) {
      const i = offset + m * ld + k;
      out[i] = f16BitsToF32(f32ToF16Bits(a[i] * s)) / s;
    }
  }
  return out;
}

/** Runs the case, checks it against the reference, and returns the whole C buffer as computed. */
export async function runMatmulCase(gpu: Gpu, k: MatmulCase, tol = F32_TOL): Promise<Float32Array> {
  const { M, N, K } = k;
  const batch = k.batch ?? 1;
  const seed = k.seed ?? M * 1000 + N * 10 + K;
  // Stored shapes and leading dimensions, as the op derives them.
  const [aRows, aCols] = k.transA ? [K, M] : [M, K];
  const [bRows, bCols] = k.transB ? [N, K] : [K, N];
  const lda = k.rowStrideA ?? aCols;
  const ldb = k.rowStrideB ?? bCols;
  const ldc = k.rowStrideC ?? N;
  const aLen = (k.offsetA ?? 0) + (batch - 1) * (k.strideA ?? aRows * lda) + (aRows - 1) * lda + aCols;
  const bLen = k.bElements ?? (k.offsetB ?? 0) + (batch - 1) * (k.strideB ?? bRows * ldb) + (bRows - 1) * ldb + bCols;
  const cLen = (k.offsetC ?? 0) + (batch - 1) * (k.strideC ?? M * ldc) + (M - 1) * ldc + N;
  const a = randomArray(aLen, seed, k.aScale ?? 1);
  const bRaw = randomArray(bLen, seed + 1);
  const c0 = randomArray(cLen, seed + 2);
  const bias = k.withBias ? randomArray(N, seed + 3) : undefined;
  const dtype = k.bDtype ?? 'f32';
  const half = dtype === 'f32' ? null : packHalves(bRaw, dtype);
  const bValues = half ? half.values : bRaw;
  const ga = uploadBuffer(gpu.ctx, a, 'A');
  const gb = uploadBuffer(gpu.ctx, half ? half.packed : bRaw, 'B');
  const gc = uploadBuffer(gpu.ctx, c0, 'C');
  const gbias = bias ? uploadBuffer(gpu.ctx, bias, 'bias') : undefined;
  const args = { ...k, a: ga, b: gb, c: gc, bias: gbias, bDtype: dtype };
  // What the kernel that runs sees: f16-rounded A rows on tensor cores (chosen or forced).
  const runs = k.variant ?? chooseMatmulVariant(gpu, matmulOperands(gpu, args)!);
  const aSeen = runs.kind === 'subgroupMatrix' ? roundRowsLikeSubgroupMatrix(a, M, K, lda, k.offsetA ?? 0) : a;
  await matmul(gpu, args);
  gpu.recorder.submit();
  const got = await readF32(gpu.ctx, gc, cLen);
  const want = matmulRef({ ...k, a: aSeen, b: bValues, c: c0, bias });
  const v = ` ${runs.kind}`;
  const label = `M=${M} N=${N} K=${K} tA=${!!k.transA} tB=${!!k.transB} ${dtype}${batch > 1 ? ` batch=${batch}` : ''}${v}`;
  // Tiny A (gradients) scales the product: compare relative to that scale.
  const s = k.aScale ?? 1;
  expectClose(got, want, { atol: tol.atol * s, rtol: tol.rtol }, label);
  [ga, gb, gc, gbias].forEach((b) => b?.destroy());
  return got;
}
