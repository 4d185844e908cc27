// Measures one training step of a model shape on the current adapter: wall time of forward +
// backward + optimizer, the matmul FLOPs the step performs, the memory plan and the bytes really
// allocated. `npm run bench` reports it next to the adapter's best matmul rate (our MFU).
import type { Gpu } from '../gpu/index.ts';
import { kvDim, qDim, type ModelSpec } from '../model/config.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { loadEngineModel } from '../model/engineModel.ts';
import { releaseAfter } from '../model/releaseAfter.ts';
import { planMemory, type MemoryPlan } from '../model/memory-plan.ts';
import { LORA_TARGETS, type LoraTarget } from '../model/lora.ts';
import { targetShape } from '../model/lora.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from './config.ts';
import { Trainer, type PrepareReport } from './trainer.ts';
import { matmulScratchKind } from '../ops/matmulKernels.ts';
import { buildMicroBatch, type TokenizedExample } from './batching.ts';
import { median } from '../bench/timing.ts';

export interface StepBenchResult {
  /** Median wall time of the measured steps (ms), the first (pipeline compilation) excluded. */
  stepMillis: number;
  firstStepMillis: number;
  loadMillis: number;
  /** Matmul FLOPs of one step (frozen base: no weight gradients), and attention FLOPs. */
  matmulFlops: number;
  attentionFlops: number;
  /** Tokens of the examples a step trains on, and as its micro-batches lay them out (with padding). */
  tokens: number;
  laidOutTokens: number;
  lossTokens: number;
  plan: MemoryPlan;
  /** Bytes the engine allocated for the step (weights, adapter + moments, activations, loss head, inputs). */
  measuredBytes: number;
  /** Pipelines compiled and matmul shapes tuned before the first step. */
  prepare: PrepareReport;
  dispatchesPerStep: number;
  /** Frozen weights as held on the GPU ('f16' where tensor cores read them), and why not, if not. */
  weightDtype: string;
  weightNote: string | null;
  /** Kernel scratch (split-K partials, f16 copies of A, row scales) held after the steps. */
  scratchBytes: number;
  /** GPU milliseconds by kernel over one more step, each dispatch timed alone (null without timestamps). */
  profile: Array<{ label: string; millis: number; dispatches: number }> | null;
}

/** FLOPs of the linear layers of one forward over T tokens with M loss rows (2·in·out per token). */
export function stepMatmulFlops(spec: ModelSpec, T: number, M: number, rank: number, targets: LoraTarget[]): number {
  const H = spec.hiddenSize;
  const I = spec.intermediateSize;
  const perToken = 2 * (H * qDim(spec) + 2 * H * kvDim(spec) + qDim(spec) * H + 3 * H * I);
  let lora = 0;
  for (const t of targets) {
    const { inFeatures, outFeatures } = targetShape(spec, t);
    lora += 2 * rank * (inFeatures + outFeatures);
  }
  const layersForward = spec.numLayers * T * (perToken + lora);
  // Backward: the input gradient of every frozen linear (same FLOPs as its forward) plus LoRA's
  // dA, dB, du and its input gradient (about 2× its forward).
  const layersBackward = spec.numLayers * T * (perToken + 2 * lora);
  const head = 2 * spec.vocabSize * H * M;
  // LM head: the logits and dH, taken in one pass over the vocabulary (nothing recomputed).
  return layersForward + layersBackward + 2 * head;
}

export function stepAttentionFlops(spec: ModelSpec, batch: number, seqLen: number): number {
  // Causal: about half of the T×T scores; QKᵀ and PV are 2·d each; backward about 2.5× forward.
  const perHead = batch * seqLen * seqLen * 0.5 * 4 * spec.headDim;
  return spec.numLayers * spec.numHeads * perHead * 3.5;
}

export async function benchTrainingStep(
  gpu: Gpu,
  files: ModelFiles,
  spec: ModelSpec,
  opts: {
    batch: number; seqLen: number; rank: number; steps: number; recompute?: boolean; targets?: LoraTarget[];
    /** One example per length (as many as the batch, so every step holds them all); default: `batch × 4` of seqLen. */
    lengths?: number[];
    /** false: a row per example, as before packing (the comparison). */
    packRows?: boolean;
  },
): Promise<StepBenchResult> {
  if (opts.lengths && (opts.lengths.length !== opts.batch || opts.lengths.some((n) => n < 4 || n > opts.seqLen))) {
    throw new Error(`bench: give one length per example of the batch (${opts.batch}), each 4 to ${opts.seqLen} tokens`);
  }
  const targets = opts.targets ?? [...LORA_TARGETS];
  const config: RunConfig = {
    ...DEFAULT_RUN_CONFIG,
    lora: { rank: opts.rank, alpha: 2 * opts.rank, useRsLora: false, dropout: 0, targets },
    batchSize: opts.batch,
    seqLen: opts.seqLen,
    steps: opts.steps + 1,
    warmupSteps: 0,
    recompute: opts.recompute ?? false,
  };
  const t0 = performance.now();
  const model = await loadEngineModel(gpu, files, { lora: config.lora, seed: 1, maxTokens: opts.batch * opts.seqLen, recompute: config.recompute });
  const loadMillis = performance.now() - t0;
  // Synthetic sequences (of the full length unless given): the first quarter prompt, then reasoning, then the call.
  const lengths = opts.lengths ?? Array.from({ length: opts.batch * 4 }, () => opts.seqLen);
  const examples: TokenizedExample[] = lengths.map((n, e) => {
    const ids = Array.from({ length: n }, (_, t) => (e * 7919 + t * 104729) % Math.min(spec.vocabSize, 50000));
    const segments = ids.map((_, t) => (t < n / 4 ? 0 : t < (n * 3) / 4 ? 1 : 2));
    return { id: `bench-${e}`, inputIds: ids, segments };
  });
  const trainer = new Trainer(model.state, examples, config, { packRows: opts.packRows });
  const layout = buildMicroBatch(examples.slice(0, opts.batch), opts.seqLen, { pack: opts.packRows ?? true });
  const prepare = await trainer.prepare();
  const times: number[] = [];
  let first = 0;
  let dispatchesPerStep = 0;
  for (let i = 0; i < opts.steps + 1; i++) {
    const s = performance.now();
    const d0 = gpu.recorder.dispatchCount;
    await trainer.trainStep();
    const ms = performance.now() - s;
    dispatchesPerStep = gpu.recorder.dispatchCount - d0;
    if (i === 0) first = ms;
    else times.push(ms);
  }
  let profile: StepBenchResult['profile'] = null;
  if (gpu.recorder.startProfile()) {
    // A failed step's error is the one to report, not the profile's readback that follows from it.
    await releaseAfter(() => trainer.trainStep(), async () => (profile = await gpu.recorder.endProfile()));
  }
  const T = opts.batch * opts.seqLen;
  const stepLengths = lengths.slice(0, opts.batch);
  const tokens = stepLengths.reduce((a, n) => a + n, 0);
  const lossTokens = stepLengths.reduce((a, n) => a + n - Math.ceil(n / 4), 0);
  const plan = planMemory(spec, { batch: opts.batch, seqLen: opts.seqLen, rank: opts.rank, targets, recompute: config.recompute }, { ...gpu.ctx.limits, matmulScratch: matmulScratchKind(gpu) });
  const measuredBytes = model.bytes.weights + model.bytes.lora + model.bytes.activations + trainer.lossHeadBytes + 3 * T * 4 + gpu.scratch.bytes;
  trainer.destroy();
  model.release();
  return {
    stepMillis: times.length ? median(times) : first,
    firstStepMillis: first,
    loadMillis,
    // The work the step does: its laid-out rows (padding included) through the layers.
    matmulFlops: stepMatmulFlops(spec, layout.B * layout.T, lossTokens, opts.rank, targets),
    attentionFlops: stepAttentionFlops(spec, layout.B, layout.T),
    tokens,
    laidOutTokens: layout.B * layout.T,
    lossTokens,
    plan,
    measuredBytes,
    prepare,
    dispatchesPerStep,
    weightDtype: model.state.weights.dtype,
    weightNote: model.weightNote,
    scratchBytes: gpu.scratch.bytes,
    profile,
  };
}
