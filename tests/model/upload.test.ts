// Streaming weights to a real WebGPU device (Dawn): every buffer holds exactly the file bytes
// (packed bf16, no conversion), tensors over the binding limit are split by rows, and reads happen
// in chunks no larger than asked.
import { describe, expect, it } from 'vitest';
import { readBuffer } from '../../src/gpu/buffers.ts';
import type { GpuContext } from '../../src/gpu/context.ts';
import { GpuLimitError } from '../../src/gpu/errors.ts';
import type { ByteSource } from '../../src/model/byte-source.ts';
import { openModel } from '../../src/model/checkpoint.ts';
import { weightManifest } from '../../src/model/config.ts';
import { memoryModelFiles, type ModelFiles } from '../../src/model/model-files.ts';
import { readTensorRange } from '../../src/model/safetensors.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { destroyWeights, uploadModelWeights, type UploadProgress } from '../../src/model/upload.ts';
import { testGpu } from '../helpers/gpu.ts';

/** Wraps ModelFiles so every read's length is recorded. */
function recordingFiles(inner: ModelFiles, reads: number[]): ModelFiles {
  return {
    label: inner.label,
    async open(name) {
      const src = await inner.open(name);
      if (!src) return null;
      const wrapped: ByteSource = { name: src.name, size: src.size, close: () => src.close(), read: (o, l) => (reads.push(l), src.read(o, l)) };
      return wrapped;
    },
  };
}

describe('weight upload', () => {
  it('writes each tensor’s file bytes into GPU buffers, splitting by rows at the binding limit', async () => {
    const gpu = await testGpu();
    // hidden 65: rows of 130 bytes, so part sizes are not multiples of 4 (tests the padding path).
    const { files } = generateTinyModel(tinyTestOptions('qwen2', { hiddenSize: 65 }));
    const reads: number[] = [];
    const { spec, checkpoint } = await openModel(recordingFiles(memoryModelFiles(files), reads));
    // A real device with a tighter binding limit than its own: 4096 bytes → 31 embedding rows per part.
    const ctx: GpuContext = { ...gpu.ctx, limits: { ...gpu.ctx.limits, maxStorageBufferBindingSize: 4096 } };
    const progress: UploadProgress[] = [];
    reads.length = 0;
    const weights = await uploadModelWeights(ctx, spec, checkpoint, { chunkBytes: 1000, onProgress: (p) => progress.push(p) });
    try {
      expect(Math.max(...reads)).toBeLessThanOrEqual(1000);
      expect([...weights.keys()]).toEqual(weightManifest(spec).map((w) => w.name));
      const embed = weights.get('model.embed_tokens.weight')!;
      expect(embed.parts.map((p) => [p.firstRow, p.rows])).toEqual([[0, 31], [31, 31], [62, 31], [93, 4]]);
      expect(weights.get('lm_head.weight')!.parts).toHaveLength(4);
      expect(weights.get('model.layers.0.self_attn.q_proj.bias')!.parts).toHaveLength(1);
      for (const w of weights.values()) {
        const t = checkpoint.tensors.get(w.name)!;
        const rowBytes = t.byteLength / (w.shape.length > 1 ? w.shape[0] : 1);
        for (const part of w.parts) {
          const bytes = part.rows * (w.shape.length > 1 ? rowBytes : t.byteLength);
          expect(part.buffer.size).toBeLessThanOrEqual(4096);
          const got = new Uint8Array(await readBuffer(ctx, part.buffer, bytes));
          const want = await readTensorRange(t.source, t, part.firstRow * rowBytes, bytes);
          expect(Buffer.compare(Buffer.from(got), Buffer.from(want))).toBe(0);
        }
      }
      expect(progress.at(-1)).toMatchObject({ tensorsDone: weights.size, tensorsTotal: weights.size });
      expect(progress.at(-1)!.bytesDone).toBe(progress.at(-1)!.bytesTotal);
    } finally {
      destroyWeights(weights);
      await checkpoint.close();
    }
  });

  it('refuses a tensor whose single row exceeds the binding limit, naming it', async () => {
    const gpu = await testGpu();
    const { files } = generateTinyModel(tinyTestOptions('qwen3'));
    const { spec, checkpoint } = await openModel(memoryModelFiles(files));
    const ctx: GpuContext = { ...gpu.ctx, limits: { ...gpu.ctx.limits, maxStorageBufferBindingSize: 64 } };
    await expect(uploadModelWeights(ctx, spec, checkpoint)).rejects.toThrow(GpuLimitError);
    await expect(uploadModelWeights(ctx, spec, checkpoint)).rejects.toThrow(/one row of weight "model\.embed_tokens\.weight" needs maxStorageBufferBindingSize = 128, but this GPU allows 64/);
    await checkpoint.close();
  });
});
