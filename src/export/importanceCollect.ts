// An importance matrix collected on the GPU, as llama-imatrix collects one: the model (its LoRA
// adapter applied, so the activations are the merged model's) runs forward over token sequences,
// and each layer's weight matrices get the column sums of squares of the activations they multiply
// (q, k and v the attention norm's output, o the attention's, gate and up the MLP norm's, down
// the SwiGLU's). Like llama-imatrix by default, only the layers' matrices: not the output matrix.
// Sequences are packed into micro-batches, each its own attention segment.
import { createStorageBuffer, readF32, type Gpu } from '../gpu/index.ts';
import type { ModelFiles } from '../model/model-files.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { loadEngineModel } from '../model/engineModel.ts';
import { modelForward } from '../model/transformer.ts';
import { createBatchSlots, writeBatch } from '../model/batchBuffers.ts';
import { qDim, type ModelSpec } from '../model/config.ts';
import type { LayerActivations } from '../model/activations.ts';
import { columnSumSquares } from '../ops/columnSumSquares.ts';
import { ggufTensorName } from './ggufExport.ts';
import type { ImportanceMatrix } from './importanceMatrix.ts';

/** Tokens run in one forward: sequences are packed up to this (a longer one runs alone). */
const BATCH_TOKENS = 2048;

type Input = 'h1' | 'att' | 'h2' | 'act';
/** Each layer weight's input, by its Hugging Face name within the layer. */
const INPUT_OF: Array<[string, Input]> = [
  ['self_attn.q_proj', 'h1'], ['self_attn.k_proj', 'h1'], ['self_attn.v_proj', 'h1'], ['self_attn.o_proj', 'att'],
  ['mlp.gate_proj', 'h2'], ['mlp.up_proj', 'h2'], ['mlp.down_proj', 'act'],
];

function inputWidth(spec: ModelSpec, input: Input): number {
  return input === 'att' ? qDim(spec) : input === 'act' ? spec.intermediateSize : spec.hiddenSize;
}

export interface ImportanceOptions {
  /** Recorded as the matrix's imatrix.datasets. */
  datasets: string[];
  signal?: AbortSignal;
  onProgress?: (sequencesDone: number, total: number) => void;
}

export async function collectImportance(gpu: Gpu, files: ModelFiles, adapter: LoraAdapter | null, sequences: ArrayLike<number>[], opts: ImportanceOptions): Promise<ImportanceMatrix> {
  const seqs = sequences.filter((s) => s.length > 0);
  if (seqs.length === 0) throw new Error('an importance matrix needs at least one example to run the model on');
  const longest = Math.max(...seqs.map((s) => s.length));
  const capacity = Math.max(longest, Math.min(BATCH_TOKENS, seqs.reduce((n, s) => n + s.length, 0)));
  const model = await loadEngineModel(gpu, files, { lora: null, adapter: adapter ?? undefined, maxTokens: capacity, forwardOnly: true });
  const m = model.state;
  const spec = m.spec;
  for (const s of seqs) for (let i = 0; i < s.length; i++) if (!(Number.isInteger(s[i]) && s[i] >= 0 && s[i] < spec.vocabSize)) throw new Error(`importance matrix: token id ${s[i]} is outside the vocabulary (${spec.vocabSize})`);
  if (longest > spec.maxPositionEmbeddings) throw new Error(`importance matrix: a sequence of ${longest} tokens is past the model's ${spec.maxPositionEmbeddings}-token context`);
  const slots = createBatchSlots(gpu, capacity);
  const sums: Array<Record<Input, GPUBuffer>> = [];
  try {
    for (let l = 0; l < spec.numLayers; l++) {
      const layer = {} as Record<Input, GPUBuffer>;
      for (const input of ['h1', 'att', 'h2', 'act'] as const) {
        layer[input] = createStorageBuffer(gpu.ctx, inputWidth(spec, input) * 4, `imatrix.${l}.${input}`);
        gpu.recorder.clear(layer[input], 0, inputWidth(spec, input) * 4);
      }
      sums.push(layer);
    }
    let tokens = 0;
    let done = 0;
    for (let i = 0; i < seqs.length; ) {
      opts.signal?.throwIfAborted();
      // As many whole sequences as fit one forward; each attends to itself alone.
      let T = 0;
      const batch: ArrayLike<number>[] = [];
      while (i < seqs.length && (batch.length === 0 || T + seqs[i].length <= capacity)) {
        batch.push(seqs[i]);
        T += seqs[i].length;
        i++;
      }
      const inputIds = new Int32Array(T);
      const positions = new Uint32Array(T);
      const attnSegments = new Uint32Array(T);
      let at = 0;
      for (const s of batch) {
        for (let j = 0; j < s.length; j++) {
          inputIds[at + j] = s[j];
          positions[at + j] = j;
          attnSegments[at + j] = at + 1;
        }
        at += s.length;
      }
      writeBatch(gpu, slots, { B: 1, T, inputIds, positions, attnSegments });
      await modelForward(m, slots, async (l: number, a: LayerActivations) => {
        const into = sums[l];
        await columnSumSquares(gpu, { x: a.h1, acc: into.h1, rows: T, cols: spec.hiddenSize });
        await columnSumSquares(gpu, { x: a.att, acc: into.att, rows: T, cols: qDim(spec) });
        await columnSumSquares(gpu, { x: a.h2, acc: into.h2, rows: T, cols: spec.hiddenSize });
        await columnSumSquares(gpu, { x: a.act, acc: into.act, rows: T, cols: spec.intermediateSize });
      });
      gpu.recorder.submit();
      // One forward in flight at a time: progress and Cancel follow the GPU, not the recording.
      await gpu.ctx.device.queue.onSubmittedWorkDone();
      tokens += T;
      done += batch.length;
      opts.onProgress?.(done, seqs.length);
    }
    const entries: ImportanceMatrix['entries'] = new Map();
    for (let l = 0; l < spec.numLayers; l++) {
      const read = {} as Record<Input, Float32Array>;
      for (const input of ['h1', 'att', 'h2', 'act'] as const) read[input] = await readF32(gpu.ctx, sums[l][input], inputWidth(spec, input));
      for (const [weight, input] of INPUT_OF) {
        // Each weight its own copy: the file and the export treat them apart.
        entries.set(ggufTensorName(`model.layers.${l}.${weight}.weight`), { sums: read[input].slice(), count: tokens });
      }
    }
    return { entries, datasets: opts.datasets, chunkCount: seqs.length, chunkSize: longest };
  } finally {
    for (const layer of sums) for (const b of Object.values(layer)) b.destroy();
    slots.destroy();
    model.release();
  }
}
