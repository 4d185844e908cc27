// Our engine's side of the export check: full-sequence logits from the GPU transformer with the
// LoRA adapter unmerged (base weights in file dtype + the LoRA path), and greedy decoding by
// repeated full forwards (no KV cache, so it is an independent path from the ONNX cache path).
// Owns nothing the trainer uses; one model load per call, released before returning.
import { createStorageBuffer, readF32, type Gpu } from '../gpu/index.ts';
import { matmul } from '../ops/matmul.ts';
import type { ModelFiles } from '../model/model-files.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { loadEngineModel } from '../model/engineModel.ts';
import { modelForward, type ModelState } from '../model/transformer.ts';
import { createBatchSlots, writeBatch, type BatchSlots } from '../model/batchBuffers.ts';

/** An engine model for inference-only forwards over sequences of up to `maxTokens`. */
export interface EngineRunner {
  state: ModelState;
  /** Logits [L, V] for every position of one sequence. */
  logits(ids: number[]): Promise<Float32Array>;
  /** The logits of positions `fromRow`..L − 1 recorded into the runner's own GPU buffer (as its
   * rows 0, 1, …), not submitted or read back: for a comparison that stays on the GPU. The next
   * call overwrites them. */
  logitsOnGpu(ids: ArrayLike<number>, fromRow?: number): Promise<GPUBuffer>;
  /** `steps` greedy tokens after `prompt` (stops early on an eos id when `eos` is given). */
  greedy(prompt: number[], steps: number, eos?: number[]): Promise<number[]>;
  release(): void;
}

export async function openEngineRunner(gpu: Gpu, files: ModelFiles, adapter: LoraAdapter | null, maxTokens: number): Promise<EngineRunner> {
  const model = await loadEngineModel(gpu, files, { lora: null, adapter: adapter ?? undefined, maxTokens, forwardOnly: true });
  const m = model.state;
  const V = m.spec.vocabSize;
  const slots: BatchSlots = createBatchSlots(gpu, maxTokens);
  const logitsBuf = createStorageBuffer(gpu.ctx, maxTokens * V * 4, 'export-check.logits');

  async function logitsOnGpu(ids: ArrayLike<number>, fromRow = 0): Promise<GPUBuffer> {
    const L = ids.length;
    if (L === 0 || L > maxTokens) throw new Error(`engine check: sequence of ${L} tokens (1..${maxTokens} allowed)`);
    if (!(Number.isInteger(fromRow) && fromRow >= 0 && fromRow < L)) throw new Error(`engine check: row ${fromRow} is outside the sequence of ${L} tokens`);
    for (let i = 0; i < L; i++) if (!(Number.isInteger(ids[i]) && ids[i] >= 0 && ids[i] < V)) throw new Error(`engine check: token id ${ids[i]} is outside the vocabulary (${V})`);
    writeBatch(gpu, slots, {
      B: 1,
      T: L,
      inputIds: Int32Array.from(ids),
      positions: Uint32Array.from(ids, (_, i) => i),
      attnSegments: new Uint32Array(L).fill(1),
    });
    await modelForward(m, slots);
    // The LM head in its row chunks: chunk c fills logit columns firstRow..firstRow+rows.
    for (const chunk of m.weights.lmHead) {
      await matmul(gpu, {
        a: m.acts.finalNormOut, b: chunk.buffer, c: logitsBuf, M: L - fromRow, N: chunk.rows, K: m.spec.hiddenSize,
        transB: true, bDtype: m.weights.dtype, offsetA: fromRow * m.spec.hiddenSize, offsetC: chunk.firstRow, rowStrideC: V,
      });
    }
    return logitsBuf;
  }

  async function logits(ids: number[]): Promise<Float32Array> {
    await logitsOnGpu(ids);
    gpu.recorder.submit();
    return readF32(gpu.ctx, logitsBuf, ids.length * V);
  }

  async function greedy(prompt: number[], steps: number, eos: number[] = []): Promise<number[]> {
    const seq = [...prompt];
    const out: number[] = [];
    for (let s = 0; s < steps; s++) {
      const all = await logits(seq);
      const next = argmax(all, (seq.length - 1) * V, V);
      out.push(next);
      seq.push(next);
      if (eos.includes(next)) break;
    }
    return out;
  }

  return {
    state: m,
    logits,
    logitsOnGpu,
    greedy,
    release() {
      slots.destroy();
      logitsBuf.destroy();
      model.release();
    },
  };
}

/** Index of the largest of v[offset..offset+n) (the first one on ties, like torch.argmax). */
export function argmax(v: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[offset + i] > v[offset + best]) best = i;
  return best;
}
