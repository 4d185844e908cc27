// Generation never runs a backward: a model loaded only to generate keeps one layer's activations,
// two layer inputs taken in turn and no gradient scratch. It used to allocate a training run's
// per-layer sets for the longest prompt (4,096 rows): 7.7 GiB on Qwen2.5-0.5B, 15.9 GiB on
// Qwen3-1.7B, for nothing; then one shared set but every layer's input and the whole gradient
// scratch (about 0.8 GB on Qwen3-0.6B).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadForGeneration, openLoadedModel } from '../../src/jobs/context.ts';
import { JobEngine } from '../../src/jobs/engine.ts';
import { acquireNodeGpu } from '../../src/gpu/nodeGpu.ts';
import { createGpu } from '../../src/gpu/index.ts';
import { generate } from '../../src/model/generate.ts';
import { PREFILL_CHUNK_TOKENS } from '../../src/model/kvCache.ts';
import { generateTinyModel } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { DEFAULT_LORA } from '../../src/model/lora.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { tinyEngine, NARROW, TOKENIZER_DIR } from '../helpers/tinyEngine.ts';

describe('a model loaded for generation', () => {
  it('holds the forward alone, unless it also trains (HDR: shared or per-layer sets as the run has them)', async () => {
    const engine = await tinyEngine();
    const probe = (trains: boolean, recompute = true) =>
      engine.run('a probe', async (ctx) => {
        const { model } = await loadForGeneration(ctx, { adapter: null, lora: null, seed: 1, maxTokens: 512, trains: trains ? { recompute } : undefined });
        const { layers, layerInputs, grads, forwardOnly } = model.state.acts;
        const bytes = model.bytes.activations;
        const out = { forwardOnly, layers: layers.length, inputs: new Set(layerInputs).size, dRes: grads.dRes.size, bytes };
        model.release();
        return out;
      }, null);
    const generating = await probe(false);
    expect(generating).toMatchObject({ forwardOnly: true, layers: 1, inputs: 2, dRes: 4 });
    const shared = await probe(true);
    expect(shared).toMatchObject({ forwardOnly: false, layers: 1, inputs: NARROW.numLayers + 1, dRes: 512 * NARROW.hiddenSize * 4 });
    const perLayer = await probe(true, false);
    expect(perLayer.layers).toBe(NARROW.numLayers);
    expect(generating.bytes).toBeLessThan(shared.bytes);
    expect(shared.bytes).toBeLessThan(perLayer.bytes);
  });

  it('cannot be trained: the trainer says it was loaded for generation only', async () => {
    const engine = await tinyEngine();
    const message = await engine.run('a probe', async (ctx) => {
      const { model } = await loadForGeneration(ctx, { adapter: null, lora: DEFAULT_LORA, seed: 1, maxTokens: 64 });
      try {
        new Trainer(model.state, [], DEFAULT_RUN_CONFIG);
        return 'trained';
      } catch (err) {
        return (err as Error).message;
      } finally {
        model.release();
      }
    }, null);
    expect(message).toMatch(/loaded for generation only/);
  });
});

// A prompt longer than one prefill chunk is read in several: the chunk is the activations' rows, so it
// must also fit one storage binding. On a GPU with WebGPU's default 128 MiB binding, Qwen2.5-1.5B's
// MLP rows [4,096, 8,960] f32 are 146.8 MB: an evaluation of a long BFCL prompt failed to load
// ("buffer act.shared.gate needs maxStorageBufferBindingSize = 146800640") where a smaller chunk reads it.
describe('a long prompt on a GPU with the default 128 MiB storage binding', () => {
  it('is read in prefill chunks that fit the binding (Qwen2.5-1.5B MLP width)', { timeout: 300_000 }, async () => {
    const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };
    const gpu = acquireNodeGpu({ limitOverrides: limits }).then(createGpu);
    const wide = { ...NARROW, numLayers: 1, intermediateSize: 8960 };
    const files = new Map(generateTinyModel(wide).files);
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) files.set(name, new Uint8Array(readFileSync(`${TOKENIZER_DIR}/${name}`)));
    const engine = new JobEngine(() => gpu);
    engine.useModel(await openLoadedModel(memoryModelFiles(files, 'wide'), 'wide'));
    const prompt = Array.from({ length: 4000 }, (_, i) => 100 + ((i * 7919) % 150000));
    const out = await engine.run('a probe', async (ctx) => {
      // What an evaluation (or the playground) asks for a prompt of 4,000 tokens: one whole prefill chunk.
      const { model } = await loadForGeneration(ctx, { adapter: null, lora: null, seed: 1, maxTokens: PREFILL_CHUNK_TOKENS });
      try {
        const [r] = await generate(model.state, [prompt], { maxNewTokens: 1 });
        return { rows: model.state.acts.maxTokens, tokens: r.tokens.length, gate: model.state.acts.layers[0].gate.size };
      } finally {
        model.release();
      }
    }, null);
    expect(out.tokens).toBe(1);
    expect(out.rows).toBe(Math.floor(limits.maxStorageBufferBindingSize / (8960 * 4)));
    expect(out.gate).toBeLessThanOrEqual(limits.maxStorageBufferBindingSize);
  });
});
