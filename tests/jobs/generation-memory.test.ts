// Generation keeps one layer's activations, shared across layers: it never runs a backward. It used
// to allocate a training run's per-layer sets for the longest prompt (4,096 rows): 7.7 GiB on
// Qwen2.5-0.5B, 15.9 GiB on Qwen3-1.7B, for nothing.
import { describe, expect, it } from 'vitest';
import { loadForGeneration } from '../../src/jobs/context.ts';
import { tinyEngine, NARROW } from '../helpers/tinyEngine.ts';

describe('a model loaded for generation', () => {
  it('shares one layer’s activations, unless it also trains them (HDR with per-layer runs)', async () => {
    const engine = await tinyEngine();
    const probe = (recompute?: boolean) =>
      engine.run('a probe', async (ctx) => {
        const { model } = await loadForGeneration(ctx, { adapter: null, lora: null, seed: 1, maxTokens: 512, recompute });
        const { layers } = model.state.acts;
        const bytes = model.bytes.activations;
        model.release();
        return { layers: layers.length, bytes };
      }, null);
    const shared = await probe();
    expect(shared.layers).toBe(1);
    const perLayer = await probe(false);
    expect(perLayer.layers).toBe(NARROW.numLayers);
    expect(shared.bytes).toBeLessThan(perLayer.bytes);
  });
});
