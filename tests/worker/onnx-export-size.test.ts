// An ONNX export too large for the .zip the Runs panel downloads (fflate writes no ZIP64, so an
// archive past 4 GiB came out corrupt: its 32-bit sizes and offsets wrapped) is refused before any
// weight is merged, saying how to export it instead (so is a merged-model export); writeZip itself refuses such an archive.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/model/config.ts';
import { onnxWeightBytes } from '../../src/export/onnxExport.ts';
import { runOnnxExport } from '../../src/worker/onnxExportJob.ts';
import { runMergedExport } from '../../src/worker/mergedExportJob.ts';
import { writeZip, ZIP_MAX_BYTES } from '../../src/snapshot/zip.ts';
import type { JobContext } from '../../src/jobs/context.ts';

const qwen25 = JSON.parse(readFileSync('tests/fixtures/models/configs/Qwen2.5-1.5B-Instruct.json', 'utf8'));
// Qwen2.5-3B-Instruct's shapes: 3.09 B parameters, 6.2 GB in fp16.
const qwen25_3b = parseModelConfig({ ...qwen25, hidden_size: 2048, intermediate_size: 11008, num_hidden_layers: 36, num_attention_heads: 16, num_key_value_heads: 2 });

describe('an ONNX export past what a .zip holds', () => {
  it('is refused before the merge, naming its size and studio export-onnx', async () => {
    expect(onnxWeightBytes(qwen25_3b, 'fp16')).toBeGreaterThan(ZIP_MAX_BYTES);
    // No GPU is touched: the refusal comes first.
    const ctx = { model: { spec: qwen25_3b, files: null, tokenizer: null }, gpu: null } as unknown as JobContext;
    await expect(runOnnxExport(ctx, { db: null as never, runId: 'r', adapter: null as never, dtype: 'fp16' })).rejects.toThrow(
      "its fp16 weights alone are 5.75 GiB, more than a .zip download holds (4 GiB); export the run (Export: its .zip holds the PEFT adapter) and write the ONNX folder with studio export-onnx --model <this model> --adapter <that .zip unpacked> --dtype fp16",
    );
  });

  it('so is a merged-model export, by the model\'s own weights, naming studio export-merged', async () => {
    const ctx = { model: { spec: { ...qwen25_3b, dtype: 'BF16' }, files: null, tokenizer: null }, gpu: null } as unknown as JobContext;
    await expect(runMergedExport(ctx, { adapter: null as never, folder: 'r-merged', run: 'r' })).rejects.toThrow(
      'its weights are 5.75 GiB, more than a .zip download holds (4 GiB); export the run (Export: its .zip holds the PEFT adapter) and write the folder with studio export-merged --model <this model> --adapter <that .zip unpacked>',
    );
  });

  it('writeZip refuses an archive past 4 GiB instead of writing a corrupt one', () => {
    // Sizes only are read before the refusal: stand-ins for 3 GiB arrays.
    const big = { byteLength: 3 * 2 ** 30 } as Uint8Array;
    expect(() => writeZip([{ name: 'onnx/model_fp16.onnx', data: big, level: 0 }, { name: 'onnx/model_fp16.onnx_data', data: big, level: 0 }], new Date(2024, 0, 1))).toThrow(
      'a .zip holds at most 4 GiB, and these files make 6.0 GiB',
    );
  });
});
