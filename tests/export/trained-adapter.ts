// A tiny model with an adapter trained by the real Trainer for a few steps (so B ≠ 0 and every
// target moved), shared by the export tests. Tests only.
import { generateTinyModel, tinyTestOptions, type TinyModelFiles } from '../../src/model/tiny-model.ts';
import { memoryModelFiles, type ModelFiles } from '../../src/model/model-files.ts';
import { loadEngineModel } from '../../src/model/engineModel.ts';
import { readLoraParams } from '../../src/model/deviceLora.ts';
import type { LoraAdapter } from '../../src/model/lora.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import type { TokenizedExample } from '../../src/train/batching.ts';
import type { Gpu } from '../../src/gpu/index.ts';
import { seededRandom } from '../helpers/compare.ts';

export interface TrainedTiny {
  tiny: TinyModelFiles;
  files: ModelFiles;
  adapter: LoraAdapter;
}

/** Examples whose call span is a pattern keyed by the prompt, so a few steps change the model. */
function examples(n: number): TokenizedExample[] {
  const r = seededRandom(17);
  return Array.from({ length: n }, (_, i) => {
    const key = 10 + (i % 4);
    const prompt = [1, key, 10 + Math.floor(r() * 80), 10 + Math.floor(r() * 80)];
    const cot = Array.from({ length: 6 }, (_, j) => 20 + ((key + j) % 7));
    const call = Array.from({ length: 4 }, (_, j) => 60 + ((key * 3 + j) % 5));
    return { id: `ex${i}`, inputIds: [...prompt, ...cot, ...call, 2], segments: [...prompt.map(() => 0), ...cot.map(() => 1), ...call.map(() => 2), 2] };
  });
}

const cache = new Map<string, Promise<TrainedTiny>>();

/** Trained once per family and test file (vitest runs each file in its own process). */
export function trainedTiny(gpu: Gpu, family: 'qwen2' | 'qwen3' | 'llama', steps = 6): Promise<TrainedTiny> {
  const key = `${family}:${steps}`;
  let t = cache.get(key);
  if (!t) cache.set(key, (t = train(gpu, family, steps)));
  return t;
}

async function train(gpu: Gpu, family: 'qwen2' | 'qwen3' | 'llama', steps: number): Promise<TrainedTiny> {
  const tiny = generateTinyModel(tinyTestOptions(family));
  const files = memoryModelFiles(tiny.files, `tiny-${family}`);
  const config: RunConfig = {
    ...DEFAULT_RUN_CONFIG,
    lora: { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
    lr: 3e-2, warmupSteps: 1, steps, batchSize: 4, seqLen: 16, schedule: 'constant', maxGradNorm: 1,
  };
  const model = await loadEngineModel(gpu, files, { lora: config.lora, seed: 1, maxTokens: config.batchSize * config.seqLen });
  const trainer = new Trainer(model.state, examples(16), config);
  for (let i = 0; i < steps; i++) await trainer.trainStep();
  const adapter = await readLoraParams(gpu, model.state.lora!);
  trainer.destroy();
  model.release();
  return { tiny, files, adapter };
}
