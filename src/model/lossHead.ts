// The LM head + cross-entropy for a micro-batch, on the final-norm output: per-token NLL, per-
// segment NLL sums and counts accumulated over the optimizer batch on the GPU, and the backward
// that writes ∂L/∂(final norm output) into grads.dH from per-token loss weights.
import { createStorageBuffer, writeBuffer, type Gpu } from '../gpu/index.ts';
import { createCrossEntropyScratch, crossEntropyBackward, crossEntropyChunk, crossEntropyForward, SEGMENT_COUNT, type CrossEntropyScratch } from '../ops/crossEntropy.ts';
import type { ModelState } from './transformer.ts';

export interface LossInputs {
  /** [N] i32 next-token targets, −1 = no loss */
  targets: Int32Array;
  /** [N] u32 segment of each target (0 prompt/pad, 1 cot, 2 call) */
  targetSegments: Uint32Array;
  /** [N] f32 ∂L/∂nll per position */
  weights: Float32Array;
}

export interface LossHead {
  targets: GPUBuffer;
  segments: GPUBuffer;
  tokenWeights: GPUBuffer;
  nll: GPUBuffer; // [N]
  lse: GPUBuffer; // [N]
  /** [3] f32 NLL sums and [3] u32 counts per segment, summed over the optimizer batch */
  segmentNll: GPUBuffer;
  segmentCount: GPUBuffer;
  scratch: CrossEntropyScratch;
  chunk: number;
  bytes: number;
  destroy(): void;
}

export function createLossHead(gpu: Gpu, m: ModelState, maxTokens: number): LossHead {
  const chunk = crossEntropyChunk(gpu, maxTokens, m.spec.vocabSize);
  const bufs = {
    targets: createStorageBuffer(gpu.ctx, maxTokens * 4, 'loss.targets'),
    segments: createStorageBuffer(gpu.ctx, maxTokens * 4, 'loss.segments'),
    tokenWeights: createStorageBuffer(gpu.ctx, maxTokens * 4, 'loss.weights'),
    nll: createStorageBuffer(gpu.ctx, maxTokens * 4, 'loss.nll'),
    lse: createStorageBuffer(gpu.ctx, maxTokens * 4, 'loss.lse'),
    segmentNll: createStorageBuffer(gpu.ctx, SEGMENT_COUNT * 4, 'loss.segmentNll'),
    segmentCount: createStorageBuffer(gpu.ctx, SEGMENT_COUNT * 4, 'loss.segmentCount'),
  };
  const scratch = createCrossEntropyScratch(gpu, maxTokens, chunk);
  const all = [...Object.values(bufs), scratch.logits, scratch.stats];
  return {
    ...bufs,
    scratch,
    chunk,
    bytes: all.reduce((n, b) => n + b.size, 0),
    destroy: () => all.forEach((b) => b.destroy()),
  };
}

function lmHead(m: ModelState): GPUBuffer {
  if (m.weights.lmHead.length !== 1) {
    throw new Error(`the LM head is split into ${m.weights.lmHead.length} buffers (larger than one storage binding); the fused cross-entropy needs it whole`);
  }
  return m.weights.lmHead[0].buffer;
}

/** Uploads targets, their segments and loss weights for a micro-batch of N tokens. */
export function writeLossInputs(gpu: Gpu, head: LossHead, inputs: LossInputs): void {
  writeBuffer(gpu.ctx, head.targets, inputs.targets);
  writeBuffer(gpu.ctx, head.segments, inputs.targetSegments);
  writeBuffer(gpu.ctx, head.tokenWeights, inputs.weights);
}

/** Clears the per-segment sums at the start of an optimizer batch (or an evaluation). */
export function resetSegmentSums(gpu: Gpu, head: LossHead): void {
  gpu.recorder.clear(head.segmentNll);
  gpu.recorder.clear(head.segmentCount);
}

export async function lossForward(m: ModelState, head: LossHead, N: number): Promise<void> {
  await crossEntropyForward(m.gpu, { T: N, H: m.spec.hiddenSize, V: m.spec.vocabSize, chunk: head.chunk }, {
    hidden: m.acts.finalNormOut,
    weight: lmHead(m),
    weightDtype: m.weights.dtype,
    targets: head.targets,
    segments: head.segments,
    nll: head.nll,
    lse: head.lse,
    segmentNll: head.segmentNll,
    segmentCount: head.segmentCount,
    scratch: head.scratch,
    accumulateSegments: true,
  });
}

/** Writes ∂L/∂(final norm output) into grads.dH (overwriting it). */
export async function lossBackward(m: ModelState, head: LossHead, N: number): Promise<void> {
  await crossEntropyBackward(m.gpu, { T: N, H: m.spec.hiddenSize, V: m.spec.vocabSize, chunk: head.chunk }, {
    hidden: m.acts.finalNormOut,
    weight: lmHead(m),
    weightDtype: m.weights.dtype,
    targets: head.targets,
    lse: head.lse,
    tokenWeight: head.tokenWeights,
    dHidden: m.acts.grads.dH,
    scratch: head.scratch,
    accumulate: false,
  });
}
