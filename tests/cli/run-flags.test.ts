// The training flags as studio train, hdr and ablate read them: what a run gets when a flag is not
// given. A default taken from the data once asked for more positions than the model has.
import { describe, expect, it, vi } from 'vitest';
import { seqLenFromData } from '../../src/cli/runFlags.ts';
import { resolveModel } from '../../src/cli/modelSource.ts';
import { openLoadedModel } from '../../src/jobs/context.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { Example } from '../../src/data/example.ts';

const MODEL = 'public/models/tiny-qwen3';

function example(id: string, words: number): Example {
  return { id, tools: [], messages: [{ role: 'user', content: 'word '.repeat(words) }], target: { calls: [{ name: 'f', arguments: {} }] } };
}

describe('seqLenFromData', () => {
  it('takes the sequence length from the data, within the model’s positions', async () => {
    const model = await openLoadedModel(await resolveModel(MODEL), MODEL);
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const config = { ...DEFAULT_RUN_CONFIG };
      seqLenFromData(config, {}, model, [example('a', 40)]);
      expect(config.seqLen % 64).toBe(0);
      expect(config.seqLen).toBeLessThan(model.spec.maxPositionEmbeddings);
      // Examples past the 4096 positions: the 95th percentile (over 5000) trained past the context.
      seqLenFromData(config, {}, model, [example('b', 5000), example('c', 5000)]);
      expect(config.seqLen).toBe(model.spec.maxPositionEmbeddings);
      expect(said.mock.calls.at(-1)?.[0]).toBe(`sequence length 4096 (95th percentile of the training examples' tokens, rounded up to 64, at most the model's 4096-token context; --seq to choose): 0 of 2 fit whole, 2 do not fit and are skipped`);
      // --seq given: the flag's value stands (validateRunConfigFor refuses it past the context).
      const given = { ...DEFAULT_RUN_CONFIG, seqLen: 512 };
      seqLenFromData(given, { seq: 512 }, model, [example('b', 5000)]);
      expect(given.seqLen).toBe(512);
    } finally {
      said.mockRestore();
    }
  });
});
