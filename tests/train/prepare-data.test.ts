// The sets a training run tokenizes: the held-out loss set is the first `evalExamples` of the eval
// side that fit the sequence length, so a long example early in the eval side does not shrink it.
import { describe, expect, it, vi } from 'vitest';
import { tokenizeForTraining, trainingSets } from '../../src/train/prepareData.ts';
import type { Example } from '../../src/data/example.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { QWEN3_TOKENIZER_DIR, qwen3Tokenizer } from '../data/qwen3-tokenizer.ts';

const tool = { name: 'get_weather', description: 'Get the weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const example = (id: string, padding: number): Example => ({
  id,
  tools: [tool],
  messages: [{ role: 'user', content: 'Weather in Paris? ' + 'please '.repeat(padding) }],
  target: { reasoning: 'One call.', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
});

describe('trainingSets', () => {
  it('fills the held-out loss set with the first examples that fit, skipping too-long ones', async () => {
    const tokenizer = qwen3Tokenizer();
    const evalSide = [example('e1', 400), example('e2', 400), example('e3', 0), example('e4', 0), example('e5', 0), example('e6', 0)];
    const progress: Array<[number, number]> = [];
    const sets = await trainingSets(tokenizer, { train: [example('t1', 0), example('t2', 400)], eval: evalSide }, { seqLen: 320, evalExamples: 3 }, { onProgress: (d, t) => progress.push([d, t]) });
    expect(sets.held.map((h) => h.id)).toEqual(['e3', 'e4', 'e5']);
    expect(sets.train.map((t) => t.id)).toEqual(['t1']);
    expect(sets.tooLong).toHaveLength(1);
    expect(sets.tooLong[0]).toMatch(/t2/);
    expect(progress.at(-1)).toEqual([5, 5]);
  });

  it('holds fewer only when fewer fit', async () => {
    const sets = await trainingSets(qwen3Tokenizer(), { train: [example('t1', 0)], eval: [example('e1', 400), example('e2', 0)] }, { seqLen: 320, evalExamples: 3 });
    expect(sets.held.map((h) => h.id)).toEqual(['e2']);
  });

  it('skips an example the chat template cannot render, naming it once, and keeps the rest', async () => {
    // Qwen3's template writes no <think> for an answer with no user message before it.
    const unrenderable: Example = { ...example('no-user', 0), messages: [{ role: 'system', content: 'You call functions.' }] };
    const sets = await trainingSets(qwen3Tokenizer(), { train: [example('t1', 0), unrenderable, example('t2', 0)], eval: [] }, { seqLen: 320, evalExamples: 0 });
    expect(sets.train.map((t) => t.id)).toEqual(['t1', 't2']);
    expect(sets.unrendered).toHaveLength(1);
    expect(sets.unrendered[0]).toMatch(/^example "no-user": the model's chat template does not write the reasoning/);
    expect(sets.tooLong).toEqual([]);
  });

  it('names the held-out examples it passes over, too long or not renderable, apart from the training ones', async () => {
    // They used to be dropped without a word: the held-out loss was on fewer examples than asked.
    const unrenderable: Example = { ...example('no-user', 0), messages: [{ role: 'system', content: 'You call functions.' }] };
    const sets = await trainingSets(qwen3Tokenizer(), { train: [example('t1', 0)], eval: [example('e1', 400), unrenderable, example('e2', 0)] }, { seqLen: 320, evalExamples: 3 });
    expect(sets.held.map((h) => h.id)).toEqual(['e2']);
    expect(sets.tooLong).toEqual([]);
    expect(sets.unrendered).toEqual([]);
    expect(sets.heldSkipped).toEqual([expect.stringMatching(/^held-out example "e1": \d+ tokens .* over the 320-token limit/), expect.stringMatching(/^held-out example "no-user": the model's chat template/)]);
  });

  it('tokenizes an example object once per tokenizer and length: an ablation’s arms and HDR’s rounds take it again as it was', async () => {
    const tokenizer = qwen3Tokenizer();
    const encode = vi.spyOn(tokenizer, 'encode');
    const unrenderable: Example = { ...example('no-user', 0), messages: [{ role: 'system', content: 'You call functions.' }] };
    const data = { train: [example('t1', 0), example('t2', 400), unrenderable], eval: [example('e1', 0)] };
    const first = await trainingSets(tokenizer, data, { seqLen: 320, evalExamples: 1 });
    expect(encode).toHaveBeenCalled();
    encode.mockClear();
    const again = await trainingSets(tokenizer, data, { seqLen: 320, evalExamples: 1 });
    expect(encode).not.toHaveBeenCalled();
    expect(again.train[0]).toBe(first.train[0]);
    expect(again.held[0]).toBe(first.held[0]);
    // Skipped again for the same reasons, in the same words.
    expect([again.tooLong, again.unrendered]).toEqual([first.tooLong, first.unrendered]);
    // Another length, another tokenizer, or an equal example that is another object: tokenized anew.
    const longer = tokenizeForTraining(tokenizer, data.train[1], 1024);
    expect(encode).toHaveBeenCalled();
    expect(longer.inputIds.length).toBeGreaterThan(320);
    encode.mockClear();
    tokenizeForTraining(tokenizer, { ...data.train[0] }, 320);
    expect(encode).toHaveBeenCalled();
    // Another model's tokenizer (here the same files, built apart from the shared one).
    const other = new PreTrainedTokenizer(JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')));
    expect(tokenizeForTraining(other, data.train[0], 320)).not.toBe(first.train[0]);
    expect(tokenizeForTraining(other, data.train[0], 320).inputIds).toEqual(first.train[0].inputIds);
  });
});
