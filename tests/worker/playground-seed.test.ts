// The playground's engine backend samples from the request's seed: at temperature > 0 each request
// reaches generate() with its own seed (it used to get none, so every sample was sequenceRng(0, 0)'s
// and the same), the answer says which seed it was; a greedy request gets neither. The model and
// generate() are stand-ins here: what is checked is the options runGenerate passes.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { GenerateOptions } from '../../src/model/generate.ts';

const calls: GenerateOptions[] = [];
vi.mock('../../src/model/generate.ts', () => ({
  generate: async (_state: unknown, _prompts: number[][], opts: GenerateOptions) => {
    calls.push(opts);
    return [{ tokens: [5, 6], finishReason: 'eos', text: 'ok' }];
  },
}));
vi.mock('../../src/jobs/context.ts', () => ({
  loadForGeneration: async () => ({ model: { state: {}, release: () => undefined }, access: { stopTokenIds: [0], decode: () => 'ok' } }),
}));
vi.mock('../../src/data/render-prompt.ts', () => ({ renderPrompt: () => ({ ids: [1, 2, 3] }) }));

const { playgroundSampling, runGenerate } = await import('../../src/worker/playground.ts');
type Ctx = Parameters<typeof runGenerate>[0];
type Req = Parameters<typeof runGenerate>[1];

const ctx = { model: { tokenizer: {}, spec: { maxPositionEmbeddings: 512 } }, signal: new AbortController().signal, progress: () => undefined } as unknown as Ctx;
const request = (over: Partial<Req>): Req => ({ streamId: 's', tools: [], messages: [{ role: 'user', content: 'Weather?' }], maxNewTokens: 4, temperature: 0, adapter: null, emit: () => undefined, ...over });

beforeEach(() => {
  calls.length = 0;
});

describe('playground sampling seeds', () => {
  it('samples each request from its own seed and reports it', async () => {
    const a = await runGenerate(ctx, request({ temperature: 0.8, seed: 11 }));
    const b = await runGenerate(ctx, request({ temperature: 0.8, seed: 12 }));
    expect(calls.map((o) => [o.temperature, o.seed])).toEqual([
      [0.8, 11],
      [0.8, 12],
    ]);
    expect([a.seed, b.seed]).toEqual([11, 12]);
  });

  it('decodes greedily at temperature 0: no temperature, no seed, none reported', async () => {
    const r = await runGenerate(ctx, request({ temperature: 0, seed: 11 }));
    expect(calls[0].temperature).toBeUndefined();
    expect(calls[0].seed).toBeUndefined();
    expect(r.seed).toBeUndefined();
  });

  it('takes a seed the sampler can use, and says so when it cannot', () => {
    expect(playgroundSampling({ temperature: 0.7 })).toEqual({ temperature: 0.7, seed: 0 });
    expect(() => playgroundSampling({ temperature: 0.7, seed: 1.5 })).toThrow(/whole number/);
    expect(() => playgroundSampling({ temperature: 0.7, seed: -1 })).toThrow(/whole number/);
  });
});
