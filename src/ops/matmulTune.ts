// The matmul autotune: for each shape class met while recording (ops/matmul.ts keeps one call of
// each), time every candidate variant on that call's own buffers and keep the fastest for this
// adapter (gpu.tuning, saved to its store). Runs once per class per adapter and kernel source, before
// a job's first step (Trainer.prepare, the benchmark), never inside one: it submits and waits.
// Overwrites the output buffers of the calls it times; callers tune before those buffers hold data.
import type { Gpu } from '../gpu/index.ts';
import { compileAhead, takeUntunedClasses } from '../gpu/index.ts';
import { raceVariants, warmGpu } from '../gpu/race.ts';
import { matmul, seenMatmulClasses, type MatmulArgs } from './matmul.ts';
import { describeVariant, type MatmulVariant } from './matmulKernels.ts';
import { matmulCandidates, MATMUL_SOURCE_HASH, MATMUL_TUNING_OP, passedCheck, tunedChoice } from './matmulChoice.ts';
import { checkMatmulVariants } from './matmulCheck.ts';
import { matmulOperands } from './matmulOperands.ts';

export interface TunedClass {
  shapeClass: string;
  /** The call it was measured on. */
  M: number;
  N: number;
  K: number;
  chosen: MatmulVariant;
  /** Milliseconds per product for every candidate, fastest first. */
  timings: Array<{ variant: string; millis: number }>;
}

/** CPU cost of recording one more dispatch (bind group, uniforms), charged to variants that use
 * two (split-K, tensor cores): GPU time alone would favour them for products of a few microseconds. */
const DISPATCH_COST_MS = 0.006;

function dispatches(v: MatmulVariant): number {
  return v.kind === 'subgroupMatrix' || (v.kind === 'tiled' && v.splitK > 1) ? 2 : 1;
}

/**
 * Tunes every shape class recorded since the last call that this adapter has no usable choice for
 * yet (none stored, or one it cannot run: damaged, or a tensor-core winner without a current pass).
 * Pipelines of all candidates are compiled first, together (creating pipelines between readbacks
 * has been seen to destabilise Dawn), then each candidate is timed (gpu/race.ts).
 */
export interface TuneOptions {
  onProgress?: (done: number, total: number) => void;
  /** The variants to race (default: matmulCandidates, every configuration the adapter can run). */
  candidates?: (gpu: Gpu, args: MatmulArgs) => MatmulVariant[];
}

export async function tuneMatmuls(gpu: Gpu, opts: TuneOptions = {}): Promise<TunedClass[]> {
  const untuned = takeUntunedClasses(seenMatmulClasses(gpu), (_, args) => tunedChoice(gpu, matmulOperands(gpu, args)!));
  if (gpu.ctx.adapter.isSoftware || untuned.length === 0) return [];
  const candidatesOf = opts.candidates ?? ((g: Gpu, args: MatmulArgs) => matmulCandidates(g, matmulOperands(g, args)!));
  const plans = untuned.map(([shapeClass, args]) => ({ shapeClass, args, candidates: candidatesOf(gpu, args) }));
  try {
    await compileAhead(gpu, async () => {
      for (const p of plans) for (const v of p.candidates) await matmul(gpu, { ...p.args, variant: v });
    });
  } catch {
    // A variant the driver refuses (an experimental feature, say) drops out of the race; the rest run.
    for (const p of plans) {
      const ok: MatmulVariant[] = [];
      for (const v of p.candidates) {
        const compiled = await compileAhead(gpu, () => matmul(gpu, { ...p.args, variant: v })).then(() => true, () => false);
        if (compiled) ok.push(v);
      }
      p.candidates = ok.length ? ok : [{ kind: 'register' }];
    }
  }
  // Tensor-core variants race only once they have computed an exact product on this adapter. Checked
  // after every racer is compiled: the check reads results back, and no pipeline is made after that.
  const tensorCore = new Map(plans.flatMap((p) => p.candidates.filter((v) => v.kind === 'subgroupMatrix').map((v) => [describeVariant(v), v] as const)));
  await checkMatmulVariants(gpu, [...tensorCore.values()]);
  for (const p of plans) p.candidates = p.candidates.filter((v) => passedCheck(gpu, v, p.args.transB === true));
  const last = plans[0].candidates[plans[0].candidates.length - 1];
  await warmGpu(gpu, () => matmul(gpu, { ...plans[0].args, variant: last }));
  const out: TunedClass[] = [];
  for (const [i, p] of plans.entries()) {
    const timings = await raceVariants(gpu, p.candidates, (v) => matmul(gpu, { ...p.args, variant: v }), (v) => DISPATCH_COST_MS * dispatches(v));
    const chosen = timings[0].variant;
    gpu.tuning.set(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, p.shapeClass, chosen);
    out.push({
      shapeClass: p.shapeClass,
      M: p.args.M,
      N: p.args.N,
      K: p.args.K,
      chosen,
      timings: timings.map((t) => ({ variant: describeVariant(t.variant), millis: t.millis })),
    });
    opts.onProgress?.(i + 1, plans.length);
  }
  // Scratch of kernels that raced but lost (an f16 copy of A, say) need not stay allocated.
  gpu.scratch.release();
  await gpu.tuning.save();
  return out;
}
