// KV-cache generation in Chromium: the same engine through Chrome's WebGPU (Tint), on the tiny
// vocab-97 Qwen3 with a random LoRA adapter. Greedy tokens must equal the f64 reference's argmax
// on the growing sequence and the decode logits must match it (tolerance as in
// tests/model/generate.test.ts), for two prompts of different lengths; seeded sampling repeats.
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { openModel } from '../../src/model/checkpoint.ts';
import { loadEngineModel } from '../../src/model/engineModel.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { generate } from '../../src/model/generate.ts';
import { argmax } from '../../src/model/sampling.ts';
import { loadReferenceWeights, referenceForward, refLoraFromAdapter } from '../reference/transformer.ts';
import { expectClose, seededRandom } from '../helpers/compare.ts';
import { browserGpu } from './browser-gpu.ts';

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

async function greedyMatchesReference(): Promise<void> {
  const gpu = await browserGpu();
  const tiny = generateTinyModel(tinyTestOptions('qwen3'));
  const files = memoryModelFiles(tiny.files, 'tiny-qwen3');
  const spec = tiny.spec;
  const V = spec.vocabSize;
  const adapter = initLoraAdapter(spec, { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }, 21);
  const rand = seededRandom(22);
  for (const [k, t] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < t.length; i++) t[i] = (rand() * 2 - 1) * 0.3;
  const prompts = [[5, 17, 40, 88, 23, 61], [9, 71, 33]];
  const model = await loadEngineModel(gpu, files, { lora: null, adapter, maxTokens: 16 });
  try {
    const logits: Float32Array[][] = [[], []];
    const out = await generate(model.state, prompts, { maxNewTokens: 4, stopTokenIds: [], onLogits: (b, row) => logits[b].push(row.slice()) });
    const { checkpoint } = await openModel(files);
    const refW = await loadReferenceWeights(spec, checkpoint);
    await checkpoint.close();
    const refLora = refLoraFromAdapter(adapter);
    prompts.forEach((prompt, b) => {
      check(out[b].tokens.length === 4 && out[b].finishReason === 'length', `seq ${b}: ${JSON.stringify(out[b])}`);
      out[b].tokens.forEach((tok, i) => {
        const seq = [...prompt, ...out[b].tokens.slice(0, i)];
        const ref = referenceForward(spec, refW, refLora, seq).logits.subarray((seq.length - 1) * V, seq.length * V);
        expectClose(logits[b][i], ref, { atol: 2e-4, rtol: 1e-3 }, `seq ${b} step ${i} logits`);
        check(tok === argmax(ref), `seq ${b} step ${i}: got token ${tok}, reference argmax ${argmax(ref)}`);
      });
    });
    const opts = { maxNewTokens: 4, stopTokenIds: [], temperature: 2, seed: 3 };
    const a = JSON.stringify(await generate(model.state, prompts, opts));
    const b = JSON.stringify(await generate(model.state, prompts, opts));
    check(a === b, `seeded sampling differs between runs:\n${a}\n${b}`);
    // The GPU's draw (Chromium's shader compiler) equals the CPU sampler on the read-back logits.
    const c = JSON.stringify(await generate(model.state, prompts, { ...opts, topP: 0.9, onLogits: () => undefined }));
    const d = JSON.stringify(await generate(model.state, prompts, { ...opts, topP: 0.9 }));
    check(c === d, `GPU sampling differs from the CPU sampler:\n${d}\n${c}`);
  } finally {
    model.release();
  }
}

export const tests = {
  'greedy generation with a KV cache matches the reference; seeded sampling repeats and the GPU draw equals the CPU sampler': greedyMatchesReference,
};
