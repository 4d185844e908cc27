// Generation never runs a backward: a model loaded only to generate keeps one layer's activations,
// two layer inputs taken in turn and no gradient scratch. It used to allocate a training run's
// per-layer sets for the longest prompt (4,096 rows): 7.7 GiB on Qwen2.5-0.5B, 15.9 GiB on
// Qwen3-1.7B, for nothing; then one shared set but every layer's input and the whole gradient
// scratch (about 0.8 GB on Qwen3-0.6B).
import { describe, expect, it } from 'vitest';
import { loadForGeneration } from '../../src/jobs/context.ts';
import { DEFAULT_LORA } from '../../src/model/lora.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { tinyEngine, NARROW } from '../helpers/tinyEngine.ts';

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
