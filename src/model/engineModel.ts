// Loads a model for the engine: config → spec, streamed weight upload in file dtype, the LoRA
// adapter (new, PEFT-initialised, or imported), activations planned for the largest micro-batch,
// and the RoPE table. Returns everything the transformer and the loss head need, and a `release`.
import { uploadBuffer, type Gpu } from '../gpu/index.ts';
import { openModel } from './checkpoint.ts';
import { lmHeadTensor } from './config.ts';
import { releaseAfter } from './releaseAfter.ts';
import type { ModelFiles } from './model-files.ts';
import { uploadModelWeights, destroyWeights, type UploadProgress } from './upload.ts';
import { arrangeWeights } from './deviceWeights.ts';
import { createDeviceLora, destroyDeviceLora, deviceLoraBytes } from './deviceLora.ts';
import { createActivations, destroyActivations } from './activations.ts';
import { initLoraAdapter, validateLoraSettings, type LoraAdapter, type LoraSettings } from './lora.ts';
import { ropeInverseFrequencies } from './rope.ts';
import type { ModelState } from './transformer.ts';
import { F16RangeError } from './f16Weights.ts';
import { subgroupMatrixLanes } from '../ops/matmulKernels.ts';

export interface EngineModelOptions {
  /** LoRA settings for a new adapter; ignored when `adapter` is given. Null: no adapter. */
  lora: LoraSettings | null;
  adapter?: LoraAdapter;
  seed?: number;
  /** Largest micro-batch in tokens (batch × sequence length). */
  maxTokens: number;
  recompute?: boolean;
  /** The model never trains (evaluation, the playground, an export check): activations for the
   * forward alone (one layer's set, two layer inputs in turn, no gradient scratch); a Trainer refuses it. */
  forwardOnly?: boolean;
  onProgress?: (p: UploadProgress) => void;
  /** 'auto' (default): bf16 weights become f16 where the adapter multiplies f16 on tensor cores;
   * 'file': keep the checkpoint's dtype. */
  weightPrecision?: 'auto' | 'file';
}

export interface EngineModel {
  state: ModelState;
  /** Bytes of GPU memory this model allocated, by category (measured, not planned). */
  bytes: { weights: number; lora: number; activations: number };
  /** Why the weights are not in the dtype 'auto' wanted (e.g. a weight beyond f16's range), if so. */
  weightNote: string | null;
  release(): void;
}

export async function loadEngineModel(gpu: Gpu, files: ModelFiles, opts: EngineModelOptions): Promise<EngineModel> {
  const { spec, checkpoint } = await openModel(files);
  let weightNote: string | null = null;
  const uploaded = await releaseAfter(async () => {
    const toF16 = (opts.weightPrecision ?? 'auto') === 'auto' && subgroupMatrixLanes(gpu) > 0;
    try {
      return await uploadModelWeights(gpu.ctx, spec, checkpoint, { onProgress: opts.onProgress, bf16AsF16: toF16, findNonzeroRows: lmHeadTensor(spec) });
    } catch (err) {
      if (!(err instanceof F16RangeError)) throw err;
      // Tensor cores need f16; a weight f16 cannot hold keeps the whole model in bf16 (f32 math).
      weightNote = `${err.message}; the model stays in bf16 and its products run without tensor cores`;
      return uploadModelWeights(gpu.ctx, spec, checkpoint, { onProgress: opts.onProgress, findNonzeroRows: lmHeadTensor(spec) });
    }
  }, () => checkpoint.close());
  // What is made below is freed again when a later part throws (an adapter that does not fit, a
  // batch over the adapter's limits): the worker lives on, and so would the memory.
  let weights: Awaited<ReturnType<typeof arrangeWeights>> | undefined;
  let lora: ReturnType<typeof createDeviceLora> | null = null;
  let acts: ReturnType<typeof createActivations>;
  let invFreq: GPUBuffer;
  let adapter: LoraAdapter | null;
  try {
    weights = await arrangeWeights(gpu, spec, uploaded);
    adapter = opts.adapter ?? (opts.lora ? initLoraAdapter(spec, opts.lora, opts.seed ?? 0) : null);
    if (adapter) validateLoraSettings(spec, adapter.settings);
    lora = adapter ? createDeviceLora(gpu, spec, adapter, opts.forwardOnly ?? false) : null;
    acts = createActivations(gpu, spec, opts.maxTokens, adapter?.settings.rank ?? 0, adapter?.settings.targets ?? [], opts.recompute ?? false, adapter?.settings.dropout ?? 0, opts.forwardOnly ?? false);
    invFreq = uploadBuffer(gpu.ctx, Float32Array.from(ropeInverseFrequencies(spec)), 'rope.invFreq');
  } catch (err) {
    destroyWeights(uploaded);
    weights?.owned.forEach((b) => b.destroy());
    weights?.temporary.forEach((b) => b.destroy());
    if (lora) destroyDeviceLora(lora);
    throw err;
  }
  gpu.recorder.submit();
  weights.temporary.forEach((b) => b.destroy());
  let weightBytes = 0;
  for (const w of uploaded.values()) for (const p of w.parts) weightBytes += p.buffer.size;
  for (const b of weights.owned) weightBytes += b.size;
  return {
    state: { gpu, spec, weights, lora, acts, invFreq },
    bytes: { weights: weightBytes, lora: lora ? deviceLoraBytes(lora) : 0, activations: acts.bytes },
    weightNote,
    release() {
      destroyWeights(uploaded);
      weights.owned.forEach((b) => b.destroy());
      if (lora) destroyDeviceLora(lora);
      destroyActivations(acts);
      invFreq.destroy();
    },
  };
}
