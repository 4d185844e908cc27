// Matrix multiply launches: C[M,N] (+)= alpha·op(A)·op(B) (+ bias[N]), with transpose flags instead
// of materialised transposes, a frozen B operand in f32 or packed bf16/f16, batches with element
// strides, and element offsets so a slice of a big weight (rows v0..v1 of the LM head) is used in
// place. Records into gpu.recorder only: never submits, never reads back.
//
// Linear layer with weight W [out,in] (HF layout), x [T,in], y [T,out]:
//   forward   y  = x·Wᵀ            matmul({ a: x,  b: W,  M: T,   N: out, K: in,  transB: true })
//   input grad dx = dy·W           matmul({ a: dy, b: W,  M: T,   N: in,  K: out })
//   weight grad dW += dyᵀ·x        matmul({ a: dy, b: x,  M: out, N: in,  K: T, transA: true, accumulate: true })
// Per-head products on [T, heads, d] activations use batch = heads, strideX = d, rowStrideX = heads·d.
//
// Which kernel runs (matmulKernels.ts) is chosen per adapter and shape class (matmulChoice.ts): the
// register-tiled kernel on software adapters, workgroup-tiled f32 / split-K / tensor cores on GPUs,
// as the autotune (matmulTune.ts) measured. `variant` forces one (tests and the tuner).
import { perGpu, type Gpu } from '../gpu/index.ts';
import { matmulOperands, type MatmulArgs } from './matmulOperands.ts';
import { recordMatmul, type MatmulVariant } from './matmulKernels.ts';
import { chooseMatmulVariant, matmulShapeClass, variantApplies } from './matmulChoice.ts';

export { bindWindow, type MatmulArgs, type WeightDtype } from './matmulOperands.ts';
export { MATMUL, matmulWorkgroup, describeVariant, type MatmulVariant } from './matmulKernels.ts';

/** Shape classes met while recording, with one call of each (what a tuning pass measures). */
export const seenMatmulClasses = perGpu(() => new Map<string, MatmulArgs>());

/** Records C (+)= alpha·op(A)·op(B) (+ bias). */
export async function matmul(gpu: Gpu, args: MatmulArgs & { variant?: MatmulVariant }): Promise<void> {
  const o = matmulOperands(gpu, args);
  if (!o) return;
  let v = args.variant;
  if (v) {
    if (!variantApplies(gpu, o, v)) throw new Error(`matmul: the ${v.kind} kernel cannot run this product on this adapter`);
  } else {
    v = chooseMatmulVariant(gpu, o);
    if (!gpu.ctx.adapter.isSoftware) {
      const classes = seenMatmulClasses(gpu);
      const key = matmulShapeClass(o);
      if (!classes.has(key)) classes.set(key, { ...args });
    }
  }
  await recordMatmul(gpu, o, v);
}
