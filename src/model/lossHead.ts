// The LM head + cross-entropy for a micro-batch, on the final-norm output: per-token NLL, per-
// segment NLL sums and counts accumulated over the optimizer batch on the GPU, and, when training,
// ∂L/∂(final norm output) into grads.dH from per-token loss weights, taken in the same pass.
// Only positions with a target go through the LM head: their hidden rows are gathered into a
// compact [M, H] block first (prompt tokens carry no loss, and with a 150k vocabulary the head
// dominates a small model's step), and the backward scatters the gradient rows back. Where the
// model's LM head is almost all zero rows (compactHead.ts: the embedded model), the products run
// against its other rows only, the targets renumbered to them on the CPU.
import { createStorageBuffer, writeBuffer, type Gpu } from '../gpu/index.ts';
import { embeddingBackward, embeddingForward, uploadEmbeddingBackwardPlan, type EmbeddingGradPlanBuffers } from '../ops/embedding.ts';
import { createCrossEntropyScratch, crossEntropyChunk, crossEntropyForward, crossEntropyWithGradient, SEGMENT_COUNT, type CrossEntropyScratch, type CrossEntropyShape } from '../ops/crossEntropy.ts';
import { compactTarget, type CompactHead } from './compactHead.ts';
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
  /** [M] u32 positions (rows of the micro-batch) that carry a loss, and M itself. */
  rows: GPUBuffer;
  lossRows: Uint32Array;
  /** [M, H] gathered final-norm rows and their gradient. */
  compactHidden: GPUBuffer;
  compactGrad: GPUBuffer;
  /** The scatter plan of the current micro-batch (destroyed when the next one is written). */
  plan: EmbeddingGradPlanBuffers | null;
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
  /** The model's LM head without its zero rows, when it has one: targets are written as its rows. */
  compact: CompactHead | null;
  bytes: number;
  destroy(): void;
}

export function createLossHead(gpu: Gpu, m: ModelState, maxTokens: number): LossHead {
  const chunk = crossEntropyChunk(gpu, maxTokens, m.spec.vocabSize);
  const H = m.spec.hiddenSize;
  const bufs = {
    rows: createStorageBuffer(gpu.ctx, maxTokens * 4, 'loss.rows'),
    compactHidden: createStorageBuffer(gpu.ctx, maxTokens * H * 4, 'loss.compactHidden'),
    compactGrad: createStorageBuffer(gpu.ctx, maxTokens * H * 4, 'loss.compactGrad'),
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
  const head: LossHead = {
    ...bufs,
    lossRows: new Uint32Array(0),
    plan: null,
    scratch,
    chunk,
    compact: m.weights.compactHead,
    bytes: all.reduce((n, b) => n + b.size, 0),
    destroy: () => {
      all.forEach((b) => b.destroy());
      head.plan?.destroy();
    },
  };
  return head;
}

/** Uploads the loss positions of a micro-batch of N tokens with their targets, segments and loss
 * weights, compacted to the M positions that have a target. Call after the previous micro-batch
 * was submitted. Returns M. */
export function writeLossInputs(gpu: Gpu, head: LossHead, inputs: LossInputs): number {
  const rows: number[] = [];
  for (let i = 0; i < inputs.targets.length; i++) if (inputs.targets[i] >= 0) rows.push(i);
  const M = rows.length;
  head.lossRows = Uint32Array.from(rows);
  head.plan?.destroy();
  head.plan = M > 0 ? uploadEmbeddingBackwardPlan(gpu.ctx, head.lossRows) : null;
  if (M === 0) return 0;
  writeBuffer(gpu.ctx, head.rows, head.lossRows);
  const compact = head.compact;
  writeBuffer(gpu.ctx, head.targets, Int32Array.from(rows, (i) => (compact ? compactTarget(compact, inputs.targets[i]) : inputs.targets[i])));
  writeBuffer(gpu.ctx, head.segments, Uint32Array.from(rows, (i) => inputs.targetSegments[i]));
  writeBuffer(gpu.ctx, head.tokenWeights, Float32Array.from(rows, (i) => inputs.weights[i]));
  return M;
}

/** Clears the per-segment sums at the start of an optimizer batch (or an evaluation). */
export function resetSegmentSums(gpu: Gpu, head: LossHead): void {
  gpu.recorder.clear(head.segmentNll);
  gpu.recorder.clear(head.segmentCount);
}

/** NLL of the loss positions (head.nll holds them in head.lossRows order). N: micro-batch tokens. */
export async function lossForward(m: ModelState, head: LossHead, N: number): Promise<void> {
  const M = head.lossRows.length;
  if (M === 0) return;
  await gatherLossRows(m, head, N);
  await crossEntropyForward(m.gpu, lossShape(m, head, M), lossBuffers(m, head));
}

/** The NLL as lossForward, and ∂L/∂(final norm output) written into grads.dH (rows without a loss
 * get 0), in one pass over the vocabulary. */
export async function lossForwardBackward(m: ModelState, head: LossHead, N: number): Promise<void> {
  const M = head.lossRows.length;
  const H = m.spec.hiddenSize;
  m.gpu.recorder.clear(m.acts.grads.dH, 0, N * H * 4);
  if (M === 0) return;
  await gatherLossRows(m, head, N);
  await crossEntropyWithGradient(m.gpu, lossShape(m, head, M), {
    ...lossBuffers(m, head),
    tokenWeight: head.tokenWeights,
    dHidden: head.compactGrad,
    // The gathered rows are read for the last time by the last chunk's logits.
    targetRows: head.compactHidden,
  });
  await embeddingBackward(m.gpu, { plan: head.plan!, dy: head.compactGrad, dTable: [{ buffer: m.acts.grads.dH, firstRow: 0, rows: N }], C: H, vocab: N });
}

async function gatherLossRows(m: ModelState, head: LossHead, N: number): Promise<void> {
  const H = m.spec.hiddenSize;
  await embeddingForward(m.gpu, { ids: head.rows, table: [{ buffer: m.acts.finalNormOut, firstRow: 0, rows: N }], out: head.compactHidden, tokens: head.lossRows.length, C: H, vocab: N });
}

function lossShape(m: ModelState, head: LossHead, M: number): CrossEntropyShape {
  const H = m.spec.hiddenSize;
  if (!head.compact) return { T: M, H, V: m.spec.vocabSize, chunk: head.chunk };
  return { T: M, H, V: head.compact.rows, chunk: head.chunk, zeroRows: head.compact.zeroRows };
}

function lossBuffers(m: ModelState, head: LossHead) {
  return {
    hidden: head.compactHidden,
    weight: head.compact ? head.compact.buffer : m.weights.lmHead,
    weightDtype: head.compact ? ('f32' as const) : m.weights.dtype,
    targets: head.targets,
    segments: head.segments,
    nll: head.nll,
    lse: head.lse,
    segmentNll: head.segmentNll,
    segmentCount: head.segmentCount,
    scratch: head.scratch,
    accumulateSegments: true,
  };
}
