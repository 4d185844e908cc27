// Generation benchmark: decode tokens per second with the KV cache (greedy, fixed length, no stop
// tokens) for the embedded tiny model and the Qwen2.5-0.5B shape, at batch 1 and 4, prefill timed
// apart from decoding.
import type { Gpu } from '../gpu/index.ts';
import { TINY_QWEN3_DEFAULT, type TinyModelOptions } from '../model/tiny-model.ts';
import { benchModel } from './benchModel.ts';
import { memoryModelFiles } from '../model/model-files.ts';
import { loadEngineModel } from '../model/engineModel.ts';
import { generate } from '../model/generate.ts';
import { QWEN25_05B_SHAPE } from './training.ts';

export interface GenerationCase {
  name: string;
  model: TinyModelOptions;
  batch: number;
  promptTokens: number;
  newTokens: number;
  large: boolean;
  gpuOnly?: boolean;
}

export const GENERATION_CASES: GenerationCase[] = [
  { name: 'generate: embedded tiny Qwen3, B=1', model: TINY_QWEN3_DEFAULT, batch: 1, promptTokens: 64, newTokens: 16, large: false },
  { name: 'generate: embedded tiny Qwen3, B=4', model: TINY_QWEN3_DEFAULT, batch: 4, promptTokens: 64, newTokens: 16, large: false },
  { name: 'generate: Qwen2.5-0.5B shape, B=1', model: QWEN25_05B_SHAPE, batch: 1, promptTokens: 32, newTokens: 8, large: true },
  // GPU-sized: the batch sizes of the targets, enough tokens for a steady rate.
  { name: 'generate: Qwen2.5-0.5B shape, B=1, 64 new', model: QWEN25_05B_SHAPE, batch: 1, promptTokens: 32, newTokens: 64, large: true, gpuOnly: true },
  { name: 'generate: Qwen2.5-0.5B shape, B=4, 64 new', model: QWEN25_05B_SHAPE, batch: 4, promptTokens: 32, newTokens: 64, large: true, gpuOnly: true },
  { name: 'generate: Qwen2.5-0.5B shape, B=16, 64 new', model: QWEN25_05B_SHAPE, batch: 16, promptTokens: 32, newTokens: 64, large: true, gpuOnly: true },
];

export interface GenerationRow {
  name: string;
  /** New tokens per second over all sequences, decode only (the first token, from prefill, excluded). */
  decodeTokensPerSecond: number;
  /** Time to the first new token: the prefill and the first decode step. */
  prefillMillis: number;
}

export async function runGenerationCase(gpu: Gpu, c: GenerationCase): Promise<GenerationRow> {
  const { files } = benchModel(c.model);
  const model = await loadEngineModel(gpu, memoryModelFiles(files, c.name), { lora: null, maxTokens: c.batch * c.promptTokens });
  const prompts = Array.from({ length: c.batch }, (_, b) => Array.from({ length: c.promptTokens }, (_, t) => (b * 7919 + t * 104729) % 50000));
  const run = async () => {
    const t0 = performance.now();
    let firstTokenAt = 0;
    await generate(model.state, prompts, {
      maxNewTokens: c.newTokens,
      stopTokenIds: [],
      onToken: () => {
        if (!firstTokenAt) firstTokenAt = performance.now();
      },
    });
    return { prefill: firstTokenAt - t0, decode: performance.now() - firstTokenAt };
  };
  await run(); // pipeline compilation
  const { prefill, decode } = await run();
  model.release();
  return { name: c.name, decodeTokensPerSecond: (c.batch * (c.newTokens - 1)) / (decode / 1000), prefillMillis: prefill };
}

export function formatGenerationRows(rows: GenerationRow[]): string {
  return rows.map((r) => `${r.name}: ${r.decodeTokensPerSecond.toFixed(1)} tokens/s decoding with the KV cache (time to first token ${(r.prefillMillis / 1000).toFixed(3)} s)`).join('\n');
}
