// The playground's engine backend samples from the request's seed: at temperature > 0 each request
// reaches generate() with its own seed (it used to get none, so every sample was sequenceRng(0, 0)'s
// and the same), the answer says which seed it was; a greedy request gets neither. It reads a
// question up to the model's context in prefill chunks (it stopped at 4,096 tokens). The model and
// generate() are stand-ins here: what is checked is what runGenerate passes them.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { GenerateOptions } from '../../src/model/generate.ts';

const calls: GenerateOptions[] = [];
const prompts: number[][][] = [];
const loads: Array<{ maxTokens: number }> = [];
let promptLength = 3;
/** The tokens the stand-in generate() streams, and the text the stand-in tokenizer decodes. */
let streamed: number[] = [];
let decode = (_ids: number[]) => 'ok';
vi.mock('../../src/model/generate.ts', () => ({
  generate: async (_state: unknown, asked: number[][], opts: GenerateOptions) => {
    calls.push(opts);
    prompts.push(asked);
    for (const id of streamed) opts.onToken?.(0, id);
    return [{ tokens: streamed.length ? streamed : [5, 6], finishReason: 'eos', text: streamed.length ? decode(streamed) : 'ok' }];
  },
}));
vi.mock('../../src/jobs/context.ts', () => ({
  loadForGeneration: async (_ctx: unknown, opts: { maxTokens: number }) => (loads.push(opts), { model: { state: {}, release: () => undefined }, access: { stopTokenIds: [0], decode: (ids: number[]) => decode(ids) } }),
}));
vi.mock('../../src/data/render-prompt.ts', () => ({ renderPrompt: () => ({ ids: Array.from({ length: promptLength }, (_, i) => i + 1) }) }));

const { playgroundSampling, runGenerate } = await import('../../src/worker/playground.ts');
const { PREFILL_CHUNK_TOKENS } = await import('../../src/model/kvCache.ts');
const { playgroundPrompt } = await import('../../src/worker/playground.ts');
const { ONNX_PLAYGROUND_BOUND } = await import('../../src/worker/onnxPlayground.ts');
type Ctx = Parameters<typeof runGenerate>[0];
type Req = Parameters<typeof runGenerate>[1];

const GIB = 2 ** 30;
const withModel = (maxPositionEmbeddings: number, limits = { maxStorageBufferBindingSize: 2 * GIB, maxBufferSize: 4 * GIB }) =>
  ({
    model: { tokenizer: {}, spec: { maxPositionEmbeddings, numKvHeads: 8, headDim: 128 } },
    gpu: { ctx: { limits } },
    signal: new AbortController().signal,
    progress: () => undefined,
  }) as unknown as Ctx;
const ctx = withModel(512);
const request = (over: Partial<Req>): Req => ({ streamId: 's', tools: [], messages: [{ role: 'user', content: 'Weather?' }], maxNewTokens: 4, temperature: 0, adapter: null, emit: () => undefined, ...over });

beforeEach(() => {
  calls.length = 0;
  prompts.length = 0;
  loads.length = 0;
  promptLength = 3;
  streamed = [];
  decode = () => 'ok';
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
    // The sampler keeps 32 bits: 2^32 + 11 would sample as 11 while the answer said another seed.
    expect(() => playgroundSampling({ temperature: 0.7, seed: 2 ** 32 + 11 })).toThrow('the sampling seed must be a whole number from 0 to 4,294,967,295, got 4294967307');
  });
});

describe('the playground answer as it streams', () => {
  it('never shows half a character: a token that ends inside one (é in two tokens) waits for the rest, as `studio generate` prints it', async () => {
    // "café": 'caf' + the first byte of é in token 5, its second byte in token 6.
    streamed = [5, 6];
    decode = (ids) => (ids.length === 1 ? 'caf\uFFFD' : 'café');
    const texts: string[] = [];
    const now = vi.spyOn(performance, 'now');
    let t = 1_000;
    now.mockImplementation(() => (t += 200)); // every token past the stream's 150 ms spacing
    try {
      await runGenerate(ctx, request({ emit: (e) => void (e.type === 'generation' && texts.push(e.text)) }));
    } finally {
      now.mockRestore();
    }
    expect(texts).toEqual(['caf', 'café', 'café']);
  });
});

describe('playground questions longer than a prefill chunk', () => {
  it('are read whole, up to the model context, with activations for one chunk', async () => {
    promptLength = 6_000; // a multi-turn BFCL question with its tools, say
    await runGenerate(withModel(40_960), request({ maxNewTokens: 256 }));
    expect(prompts[0][0]).toHaveLength(6_000);
    expect(loads[0].maxTokens).toBe(PREFILL_CHUNK_TOKENS);
    promptLength = 200;
    await runGenerate(withModel(40_960), request({}));
    expect(loads[1].maxTokens).toBe(200);
  });

  it('are refused past the model context, or past what the GPU can hold of the KV cache, naming which', async () => {
    promptLength = 40_900;
    await expect(runGenerate(withModel(40_960), request({ maxNewTokens: 256 }))).rejects.toThrow(
      'the question with its 0 tools is 40900 tokens; with 256 new tokens that is over the 40960 tokens the model reads at once: shorten the question',
    );
    // One layer's K for 6,256 positions of 8 heads × 128 is 25.6 MB, over a 16 MiB buffer limit (4,096 positions).
    promptLength = 6_000;
    await expect(runGenerate(withModel(40_960, { maxStorageBufferBindingSize: 16 * 2 ** 20, maxBufferSize: GIB }), request({ maxNewTokens: 256 }))).rejects.toThrow(
      "with 256 new tokens that is over the 4096 tokens this GPU's largest buffer holds in the model's KV cache: shorten the question",
    );
    expect(loads).toEqual([]);
  });

  it('the ONNX backend keeps its own bound (its attention holds every score of the question), named as such', () => {
    promptLength = 3_000;
    expect(playgroundPrompt(withModel(40_960), request({ maxNewTokens: 256 }), ONNX_PLAYGROUND_BOUND)).toHaveLength(3_000);
    promptLength = 6_000;
    expect(() => playgroundPrompt(withModel(40_960), request({ maxNewTokens: 256 }), ONNX_PLAYGROUND_BOUND)).toThrow(
      'with 256 new tokens that is over the 4096 tokens the ONNX backend reads at once (its attention holds every score of the question in memory; our engine reads longer ones): shorten the question',
    );
    // A model whose context is shorter than the bound is named by its context.
    expect(() => playgroundPrompt(withModel(2_048), request({ maxNewTokens: 256 }), ONNX_PLAYGROUND_BOUND)).toThrow('over the 2048 tokens the model reads at once');
  });
});
