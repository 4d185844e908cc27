// Generation with the KV cache on tiny vocab-97 models of each family, against the f64 reference
// transformer (tests/reference/transformer.ts) run on the growing sequence: greedy tokens equal the
// reference argmax step by step and the decode logits match the reference's last row, for a batch
// of prompts of different lengths, with and without LoRA, through the packed prefill and through
// the later chunks of prompts longer than one prefill chunk. Then the sampling and
// stopping contract (seeded temperature, top-p, stop ids, stop strings, max tokens, abort), the GPU
// sampler giving the CPU sampler's tokens, seeded sampling on the embedded model (full Qwen
// vocabulary), and the CPU sampler's distribution.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { openModel } from '../../src/model/checkpoint.ts';
import { loadEngineModel, type EngineModel } from '../../src/model/engineModel.ts';
import { initLoraAdapter, type LoraAdapter, type LoraSettings } from '../../src/model/lora.ts';
import { defaultStopTokenIds, generate, type GenerationResult } from '../../src/model/generate.ts';
import { argmax, nucleusThreshold, sampleToken, sequenceRng } from '../../src/model/sampling.ts';
import { nodeDirectoryModelFiles } from '../../src/model/model-files-node.ts';
import { createGenerator, kvCacheBytes, prefill, submitDecodeStep } from '../../src/model/kvCache.ts';
import type { ModelSpec } from '../../src/model/config.ts';
import { loadReferenceWeights, referenceForward, refLoraFromAdapter, type RefLora, type RefWeights } from '../reference/transformer.ts';
import { expectClose, maxAbsDiff, seededRandom } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { KernelTuning, type Gpu } from '../../src/gpu/index.ts';
import { MATMUL_SOURCE_HASH, MATMUL_TUNING_OP } from '../../src/ops/matmulChoice.ts';
import { LORA_DECODE_SOURCE_HASH, LORA_DECODE_TUNING_OP } from '../../src/ops/loraDecodeChoice.ts';

const LORA: LoraSettings = { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] };
// f32 GPU vs f64 reference through 2 layers, as in gpu-parity.test.ts: logits O(1), errors ~1e-5.
const LOGIT_TOL = { atol: 2e-4, rtol: 1e-3 };

function randomAdapter(spec: ModelSpec, seed: number): LoraAdapter {
  // PEFT init leaves B = 0 (a no-op adapter); a random B makes the LoRA path change the logits.
  const adapter = initLoraAdapter(spec, LORA, seed);
  const rand = seededRandom(seed + 1);
  for (const [k, t] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < t.length; i++) t[i] = (rand() * 2 - 1) * 0.3;
  return adapter;
}

function randomPrompt(V: number, n: number, seed: number): number[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () => 3 + Math.floor(rand() * (V - 3))); // avoid bos/eos ids 1, 2
}

/** Checks each sequence's greedy tokens and logits against the reference on the growing sequence. */
function expectMatchesReference(spec: ModelSpec, refW: RefWeights, refLora: RefLora | null, prompts: number[][], results: GenerationResult[], logits: Float32Array[][], what: string): void {
  const V = spec.vocabSize;
  prompts.forEach((prompt, b) => {
    const { tokens } = results[b];
    expect(logits[b].length, `${what} seq ${b}: one logits row per chosen token`).toBe(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const seq = [...prompt, ...tokens.slice(0, i)];
      const ref = referenceForward(spec, refW, refLora, seq).logits.subarray((seq.length - 1) * V, seq.length * V);
      expectClose(logits[b][i], ref, LOGIT_TOL, `${what} seq ${b} step ${i} logits`);
      const sorted = Array.from(ref).sort((x, y) => y - x);
      // The choice is only meaningful if the reference's top two are further apart than the tolerance.
      expect(sorted[0] - sorted[1], `${what} seq ${b} step ${i}: reference top-2 gap`).toBeGreaterThan(1e-3);
      expect(tokens[i], `${what} seq ${b} step ${i}: greedy token vs reference argmax`).toBe(argmax(ref));
    }
  });
}

async function greedyWithLogits(m: EngineModel, prompts: number[][], maxNewTokens: number) {
  const logits: Float32Array[][] = prompts.map(() => []);
  const results = await generate(m.state, prompts, {
    maxNewTokens,
    stopTokenIds: [], // run to the length limit so every step is compared
    onLogits: (b, row) => logits[b].push(row.slice()),
  });
  return { results, logits };
}

describe.each(['qwen3', 'qwen2', 'llama'] as const)('greedy generation matches the reference: %s', (family) => {
  it('token by token, batch of 2 prompts of different lengths, with and without LoRA', async () => {
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions(family));
    const files = memoryModelFiles(tiny.files, `tiny-${family}`);
    const spec = tiny.spec;
    const { checkpoint } = await openModel(files);
    const refW = await loadReferenceWeights(spec, checkpoint);
    await checkpoint.close();
    const prompts = [randomPrompt(spec.vocabSize, 6, 101), randomPrompt(spec.vocabSize, 3, 102)];
    const steps = 5;

    const adapter = randomAdapter(spec, 21);
    const withLora = await loadEngineModel(gpu, files, { lora: null, adapter, maxTokens: 16 });
    const a = await greedyWithLogits(withLora, prompts, steps);
    expect(a.results.map((r) => r.finishReason)).toEqual(['length', 'length']);
    expect(a.results.map((r) => r.tokens.length)).toEqual([steps, steps]);
    expectMatchesReference(spec, refW, refLoraFromAdapter(adapter), prompts, a.results, a.logits, `${family} LoRA`);
    // Without a logits callback greedy picks on the GPU (only ids come back): the same tokens.
    const onGpu = await generate(withLora.state, prompts, { maxNewTokens: steps, stopTokenIds: [] });
    expect(onGpu.map((r) => r.tokens)).toEqual(a.results.map((r) => r.tokens));
    withLora.release();

    // No adapter, forward-only activations (one shared set the prefill copies K/V out of layer by
    // layer, two layer inputs in turn), and a prefill chunk (maxTokens 4) smaller than two prompts:
    // their later pieces (4 + 1 and 4 + 4 + 2 tokens) attend to the cache, two packed in one chunk.
    // The 11-token prompt twice (as HDR asks k samples of one case): prefilled once, cached in both rows.
    const plain = await loadEngineModel(gpu, files, { lora: null, maxTokens: 4, forwardOnly: true });
    const eleven = randomPrompt(spec.vocabSize, 11, 104);
    const longPrompts = [...prompts, randomPrompt(spec.vocabSize, 1, 103), eleven, [...eleven]];
    const p = await greedyWithLogits(plain, longPrompts, steps);
    expectMatchesReference(spec, refW, null, longPrompts, p.results, p.logits, `${family} base`);
    // The adapter changes the output: otherwise the LoRA comparison above proves nothing about LoRA.
    expect(maxAbsDiff(a.logits[0][0], p.logits[0][0])).toBeGreaterThan(1e-2);
    plain.release();
  });
});

describe('sampling and stopping contract (tiny Qwen3 with LoRA)', () => {
  let model: EngineModel;
  let spec: ModelSpec;
  let files: ReturnType<typeof memoryModelFiles>;
  let prompts: number[][];
  let greedy: GenerationResult[];
  const N = 8;
  const decode = (ids: number[]) => ids.map((i) => `<${i}>`).join('');

  beforeAll(async () => {
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions('qwen3'));
    spec = tiny.spec;
    files = memoryModelFiles(tiny.files, 'tiny-qwen3');
    model = await loadEngineModel(gpu, files, { lora: null, adapter: randomAdapter(spec, 31), maxTokens: 32 });
    prompts = [randomPrompt(spec.vocabSize, 5, 201), randomPrompt(spec.vocabSize, 9, 202)];
    greedy = await generate(model.state, prompts, { maxNewTokens: N, stopTokenIds: [] });
  });
  afterAll(() => model?.release());

  it('greedy decoding is deterministic across runs and respects maxNewTokens', async () => {
    const again = await generate(model.state, prompts, { maxNewTokens: N, stopTokenIds: [] });
    expect(again).toEqual(greedy);
    expect(greedy.map((r) => [r.tokens.length, r.finishReason])).toEqual([[N, 'length'], [N, 'length']]);
    const short = await generate(model.state, prompts, { maxNewTokens: 3, stopTokenIds: [] });
    expect(short.map((r) => r.tokens)).toEqual(greedy.map((r) => r.tokens.slice(0, 3)));
    const none = await generate(model.state, prompts, { maxNewTokens: 0 });
    expect(none).toEqual([{ tokens: [], finishReason: 'length' }, { tokens: [], finishReason: 'length' }]);
  });

  it('on a GPU the first generation tunes its products, and the tuned kernels give the same tokens', async () => {
    // The same device presented as a hardware adapter (software ones are never tuned), with a table of its own.
    const gpu = model.state.gpu;
    const hw: Gpu = { ...gpu, ctx: { ...gpu.ctx, adapter: { ...gpu.ctx.adapter, isSoftware: false } }, tuning: new KernelTuning('generation-test', null) };
    const state = { ...model.state, gpu: hw };
    const loraTunings = vi.spyOn(hw.tuning, 'set');
    const loraSets = () => loraTunings.mock.calls.filter(([op]) => op === LORA_DECODE_TUNING_OP).length;
    const tuned = await generate(state, prompts, { maxNewTokens: N, stopTokenIds: [] });
    expect(tuned).toEqual(greedy);
    const classes = Object.keys(hw.tuning.choices(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH));
    // Decode rows (M = 2 sequences) against every weight, the LM head among them, and the prefill's.
    expect(classes.filter((c) => c.includes(' M2 ')).length).toBeGreaterThanOrEqual(3);
    expect(classes.some((c) => c.includes(`N${spec.vocabSize < 16 ? spec.vocabSize : `2^${Math.ceil(Math.log2(spec.vocabSize))}`} `))).toBe(true);
    // The adapter's fused shares of the decode step, each class once: q/k/v, o, gate/up and down
    // (o and down may share a class where their widths fall in one octave).
    const loraClasses = Object.keys(hw.tuning.choices(LORA_DECODE_TUNING_OP, LORA_DECODE_SOURCE_HASH));
    expect(loraClasses.filter((c) => c.startsWith('M2 r4 ')).map((c) => c.split(' ').at(-1)).sort()).toEqual(expect.arrayContaining(['t1', 't2', 't3']));
    expect(loraSets()).toBe(loraClasses.length);
    // Sampling too, and a second generation finds everything tuned: nothing raced again.
    const hot = { maxNewTokens: N, stopTokenIds: [], temperature: 1.3, topP: 0.9, seed: 5 };
    expect(await generate(state, prompts, hot)).toEqual(await generate(model.state, prompts, hot));
    expect(Object.keys(hw.tuning.choices(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH))).toEqual(classes);
    expect(Object.keys(hw.tuning.choices(LORA_DECODE_TUNING_OP, LORA_DECODE_SOURCE_HASH))).toEqual(loraClasses);
    expect(loraSets()).toBe(loraClasses.length);
    // A first generation on a "GPU" compiles and races every layout of matmul and lora_decode, each
    // pipeline seconds on SwiftShader: about 50 s for the matmuls and 45 for lora_decode on 2 cores.
  }, 300_000);

  it('a batched sequence gets the same tokens as when generated alone', async () => {
    const alone = await generate(model.state, [prompts[1]], { maxNewTokens: N, stopTokenIds: [] });
    expect(alone[0]).toEqual(greedy[1]);
  });

  it('continuous batching: with more prompts than rows, a row whose sequence ends takes the next prompt, and every answer is the one it gets with a row of its own', async () => {
    // Two prompts past the 32-token prefill chunk (their later pieces attend to the cache). A stop id
    // one answer meets at its third token ends sequences at different steps: rows free up one at a
    // time, while the other row's next step is in flight.
    const many = [5, 40, 9, 3, 36].map((n, i) => randomPrompt(spec.vocabSize, n, 300 + i));
    const stopTokenIds = [(await generate(model.state, [many[1]], { maxNewTokens: 3, stopTokenIds: [] }))[0].tokens[2]];
    const own = await generate(model.state, many, { maxNewTokens: N, stopTokenIds });
    expect(new Set(own.map((r) => r.tokens.length)).size, 'answers of different lengths').toBeGreaterThan(1);
    const finished: Array<[number, GenerationResult]> = [];
    const two = await generate(model.state, many, { maxNewTokens: N, stopTokenIds, batchSize: 2, onFinish: (i, res) => finished.push([i, res]) });
    expect(two).toEqual(own);
    expect(finished.map(([i]) => i).sort((a, b) => a - b), 'each sequence reported once').toEqual(many.map((_, i) => i));
    for (const [i, res] of finished) expect(res).toEqual(two[i]);
    // Sampling: each sequence draws from its own stream, whichever row it lands in and when.
    const hot = { maxNewTokens: N, stopTokenIds: [], temperature: 1.5, seeds: many.map((_, i) => 50 + i) };
    expect(await generate(model.state, many, { ...hot, batchSize: 2 })).toEqual(await generate(model.state, many, hot));
    // An abort leaves the prompts still waiting unasked.
    const ctrl = new AbortController();
    const cut = await generate(model.state, many.slice(0, 3), { maxNewTokens: N, stopTokenIds: [], batchSize: 1, signal: ctrl.signal, onFinish: () => ctrl.abort() });
    expect(cut.map((x) => x.finishReason)).toEqual(['length', 'aborted', 'aborted']);
    expect(cut[0]).toEqual(own[0]);
    expect(cut.slice(1).map((x) => x.tokens)).toEqual([[], []]);
    await expect(generate(model.state, many, { maxNewTokens: N, batchSize: 0 })).rejects.toThrow(/batchSize/);
  });

  it('takes fewer rows when one layer\'s cache for all of them would pass the GPU\'s largest buffer, with the same answers', async () => {
    const gpu = await testGpu();
    // Long enough that a row's cache passes every other binding the forward makes.
    const many = [5, 300, 9, 3].map((n, i) => randomPrompt(spec.vocabSize, n, 400 + i));
    const own = await generate(model.state, many, { maxNewTokens: N, stopTokenIds: [] });
    const maxSeq = 300 + N - 1;
    const perRow = maxSeq * spec.numKvHeads * spec.headDim * 4;
    const limited = (bytes: number) => ({ ...model.state, gpu: { ...gpu, ctx: { ...gpu.ctx, limits: { ...gpu.ctx.limits, maxStorageBufferBindingSize: bytes } } } });
    const kvSizes: number[] = [];
    const createBuffer = gpu.ctx.device.createBuffer;
    const spy = vi.spyOn(gpu.ctx.device, 'createBuffer').mockImplementation((desc) => {
      if (desc.label === 'kv.0.k') kvSizes.push(desc.size);
      return createBuffer.call(gpu.ctx.device, desc);
    });
    try {
      expect(await generate(limited(2 * perRow + perRow / 2), many, { maxNewTokens: N, stopTokenIds: [], batchSize: 4 })).toEqual(own);
    } finally {
      spy.mockRestore();
    }
    expect(kvSizes).toEqual([2 * perRow]);
    await expect(generate(limited(perRow - 4), many, { maxNewTokens: N, stopTokenIds: [] })).rejects.toThrow(
      `a prompt of 300 tokens with ${N} new tokens needs ${maxSeq} positions of KV cache, more than the ${maxSeq - 1} this GPU's largest buffer holds for one layer: shorten the prompt or ask for fewer new tokens`,
    );
  });

  it('seeded temperature sampling is reproducible, differs from greedy when hot, and per-sequence streams do not depend on the batch', async () => {
    const opts = { maxNewTokens: N, stopTokenIds: [], temperature: 5, seed: 1234 };
    const a = await generate(model.state, prompts, opts);
    const b = await generate(model.state, prompts, opts);
    expect(a).toEqual(b);
    // At T = 5 on 97 tokens the distribution is near uniform: 8 greedy picks in a row would be ~1e-15.
    expect(a[0].tokens).not.toEqual(greedy[0].tokens);
    expect(a[1].tokens).not.toEqual(greedy[1].tokens);
    const otherSeed = await generate(model.state, prompts, { ...opts, seed: 99 });
    expect(otherSeed[0].tokens).not.toEqual(a[0].tokens);
    const alone = await generate(model.state, [prompts[0]], opts);
    expect(alone[0]).toEqual(a[0]);
  });

  it('sampling on the GPU gives the tokens the CPU sampler picks from the read-back logits, same seed', async () => {
    for (const [temperature, topP] of [[0.8, 1], [1.5, 0.9], [1, 0.5]] as const) {
      const opts = { maxNewTokens: N, stopTokenIds: [], temperature, topP, seed: 77 };
      const onGpu = await generate(model.state, prompts, opts);
      // onLogits reads every row back and samples on the CPU (the fallback path), same draws.
      const onCpu = await generate(model.state, prompts, { ...opts, onLogits: () => undefined });
      expect(onGpu, `T=${temperature} top-p=${topP}`).toEqual(onCpu);
    }
  });

  it('per-sequence seeds: each sample is the same alone as in a batch (HDR batches a case\'s k samples)', async () => {
    const opts = { maxNewTokens: N, stopTokenIds: [], temperature: 1.5, topP: 0.9 };
    // The same prompt with different seeds, beside another prompt; 12 rows are past the 8 the
    // matrix–vector kernel takes, so the batch may run other matmul variants than a lone row.
    const batch = Array.from({ length: 12 }, (_, i) => prompts[i % 4 === 3 ? 1 : 0]);
    const seeds = batch.map((_, i) => 1000 + i);
    const together = await generate(model.state, batch, { ...opts, seeds });
    expect(new Set(together.slice(0, 3).map((r) => r.tokens.join())).size, 'three seeds, three samples of one prompt').toBe(3);
    for (const i of [0, 1, 2, 3, 11]) {
      const [alone] = await generate(model.state, [batch[i]], { ...opts, seeds: [seeds[i]] });
      expect(alone, `sample ${i}`).toEqual(together[i]);
    }
    await expect(generate(model.state, prompts, { ...opts, seeds: [1] })).rejects.toThrow(/seeds/);
  });

  it('top-p with a tiny p keeps only the most likely token, i.e. equals greedy', async () => {
    const r = await generate(model.state, prompts, { maxNewTokens: N, stopTokenIds: [], temperature: 1, topP: 1e-6, seed: 5 });
    expect(r).toEqual(greedy);
  });

  it('stop token ids end a sequence without emitting the stop id; the default is the model eos', async () => {
    // Stop on the first token of sequence 1 (the one that does not repeat itself) not seen earlier in it.
    const g1 = greedy[1].tokens;
    const k = g1.findIndex((t, i) => i >= 2 && !g1.slice(0, i).includes(t));
    expect(k, 'greedy output has a fresh token after index 2').toBeGreaterThan(0);
    const r = await generate(model.state, prompts, { maxNewTokens: N, stopTokenIds: [g1[k]] });
    expect(r[1]).toEqual({ tokens: g1.slice(0, k), finishReason: 'eos' });
    expect(greedy[0].tokens).not.toContain(g1[k]);
    expect(r[0]).toEqual(greedy[0]);
    expect(await defaultStopTokenIds(files, spec)).toEqual(spec.eosTokenIds);
    const withDefault = await generate(model.state, prompts, { maxNewTokens: N });
    prompts.forEach((_, b) => {
      const eosAt = greedy[b].tokens.findIndex((t) => spec.eosTokenIds.includes(t));
      const want = eosAt < 0 ? greedy[b] : { tokens: greedy[b].tokens.slice(0, eosAt), finishReason: 'eos' };
      expect(withDefault[b]).toEqual(want);
    });
  });

  it('stop strings end a sequence; the returned text stops before the stop string', async () => {
    const g1 = greedy[1].tokens;
    const stop = decode(g1.slice(2, 4)); // spans two tokens
    const first = decode(g1).indexOf(stop);
    const r = await generate(model.state, prompts, { maxNewTokens: N, stopTokenIds: [], stopStrings: [stop], decode });
    const endTok = g1.findIndex((_, i) => decode(g1.slice(0, i + 1)).includes(stop));
    expect(r[1].finishReason).toBe('stop');
    expect(r[1].tokens).toEqual(g1.slice(0, endTok + 1));
    expect(r[1].text).toBe(decode(g1).slice(0, first));
    expect(r[0].text).toBe(decode(r[0].tokens));
    await expect(generate(model.state, prompts, { maxNewTokens: N, stopStrings: ['x'] })).rejects.toThrow(/decode/);
  });

  it('steps fed on the GPU with the previous step\'s tokens, submitted before those are read back, give the greedy tokens', async () => {
    // What generate does (step N+1 in flight while step N's ids come back), here six steps deep.
    const g = createGenerator(model.state, 2, 16);
    const replay = vi.spyOn(model.state.gpu.recorder, 'replay');
    try {
      await prefill(g, prompts.map((p, seq) => ({ seq, ids: p.slice(0, -1) })));
      const steps = [];
      for (let i = 0; i < 6; i++) {
        // The CPU-side ids are wrong on purpose after the first step: only the GPU's may be used.
        const ids = i === 0 ? prompts.map((p) => p.at(-1)!) : [1, 1];
        steps.push(await submitDecodeStep(g, { ids, positions: prompts.map((p) => p.length - 1 + i), active: [true, true], output: 'greedy', idsFromChosen: i > 0 }));
      }
      const chosen = (await Promise.all(steps.map((s) => s.output))) as Array<{ chosen: Uint32Array }>;
      expect([0, 1].map((b) => chosen.map((c) => c.chosen[b]))).toEqual(greedy.map((r) => r.tokens.slice(0, 6)));
      // Step 1 (the first fed on the GPU) made no bind group and was kept; steps 2–5 replayed it.
      expect(replay.mock.results.map((r) => r.value)).toEqual([true, true, true, true]);
      expect([...g.programs.keys()]).toEqual(['greedy|chosen|']);
    } finally {
      g.destroy();
      replay.mockRestore();
    }
    expect(g.programs.size).toBe(0);
  });

  it('a cache of three chunks decoded in the split form gives the single pass\'s greedy tokens and logits, and its step replays', async () => {
    // Rows of 530 positions (two 256-position chunks and a partial third) and of 40 (one partial
    // chunk): the split form's chunk borders, rows of different lengths, GQA (4 heads on 2).
    const long = [randomPrompt(spec.vocabSize, 530, 203), randomPrompt(spec.vocabSize, 40, 204)];
    const maxSeq = 540;
    const run = async (g: ReturnType<typeof createGenerator>) => {
      const replay = vi.spyOn(model.state.gpu.recorder, 'replay');
      try {
        await prefill(g, long.map((p, seq) => ({ seq, ids: p.slice(0, -1) })));
        const steps = [];
        for (let i = 0; i < 6; i++) {
          steps.push(await submitDecodeStep(g, { ids: long.map((p) => p.at(-1)!), positions: long.map((p) => p.length - 1 + i), active: [true, true], output: 'greedy', idsFromChosen: i > 0 }));
        }
        const chosen = (await Promise.all(steps.map((s) => s.output))) as Array<{ chosen: Uint32Array }>;
        const replayed = replay.mock.results.map((r) => r.value);
        // One more step, reading back the logits of the last chosen tokens.
        const last = chosen[5].chosen;
        const out = await (await submitDecodeStep(g, { ids: last, positions: long.map((p) => p.length + 5), active: [true, true], output: 'logits' })).output;
        return { tokens: [0, 1].map((b) => chosen.map((c) => c.chosen[b])), replayed, logits: (out as { logits: Float32Array }).logits };
      } finally {
        replay.mockRestore();
        g.destroy();
      }
    };
    expect(createGenerator(model.state, 2, maxSeq).attention).toBe('thread'); // a software adapter's own form
    const single = createGenerator(model.state, 2, maxSeq, { attention: 'single-pass' });
    const split = createGenerator(model.state, 2, maxSeq, { attention: 'split' });
    expect(split.buffers.attentionPartials).not.toBeNull();
    const a = await run(single);
    const b = await run(split);
    expect(b.tokens).toEqual(a.tokens);
    // f32 on both sides, the same sums in another order: ~1e-6 apart; a wrong chunk moves logits by ~1e-2.
    expectClose(b.logits, a.logits, { atol: 1e-4, rtol: 1e-4 }, 'split vs single-pass logits');
    // Steps 2–5 replayed step 1's captured program: the split adds no per-step bind group or buffer.
    expect(b.replayed).toEqual([true, true, true, true]);
  });

  it('a decode step of a deep model with LoRA on every target is one submit, however many dispatches, and every step after the first two replays', async () => {
    // 24 layers (Qwen2.5-0.5B's count) at toy width: past the recorder's 256-dispatch split, and the
    // LoRA dispatches of the 0.5B shape (four a layer), all sharing one adapter buffer.
    const deep = generateTinyModel({ ...tinyTestOptions('qwen2'), numLayers: 24 });
    const gpu = await testGpu();
    const lora: LoraSettings = { ...LORA, rank: 4 };
    const m = await loadEngineModel(gpu, memoryModelFiles(deep.files, 'deep'), { lora: null, adapter: initLoraAdapter(deep.spec, lora, 3), maxTokens: 8 });
    const counts = gpu.recorder.programCounts;
    const since = (before: typeof counts) => ({
      kept: counts.kept - before.kept,
      spoiled: Object.values(counts.spoiled).reduce((a, b) => a + b, 0) - Object.values(before.spoiled).reduce((a, b) => a + b, 0),
      replayed: counts.replayed - before.replayed,
      refused: counts.refused - before.refused,
    });
    const snapshot = () => ({ ...counts, spoiled: { ...counts.spoiled } });
    const g = createGenerator(m.state, 2, 8);
    try {
      await prefill(g, [{ seq: 0, ids: [1, 2] }, { seq: 1, ids: [3] }]);
      const before = snapshot();
      for (let i = 0; i < 5; i++) {
        const d0 = gpu.recorder.dispatchCount;
        const s0 = gpu.recorder.submitCount;
        const step = await submitDecodeStep(g, { ids: [4, 5], positions: [2 + i, 1 + i], active: [true, true], output: 'greedy', idsFromChosen: i > 0 });
        expect(gpu.recorder.dispatchCount - d0).toBeGreaterThan(256);
        expect(gpu.recorder.submitCount - s0).toBe(1);
        await step.output;
      }
      expect(gpu.recorder.splitLongRecordings).toBe(true);
      // Step 0 (fed from the CPU) makes the bind groups; step 1 (fed on the GPU) is kept; 2–4 replay.
      expect(since(before)).toEqual({ kept: 1, spoiled: 1, replayed: 3, refused: 0 });
    } finally {
      g.destroy();
    }
    try {
      // The same through generate's pipelined loop (step N+1 submitted before N is read back), with a
      // fresh generator: eight tokens, eight steps, all but the first two replayed.
      const before = snapshot();
      await generate(m.state, [[1, 2, 4], [3, 5]], { maxNewTokens: 8, stopTokenIds: [] });
      expect(since(before)).toEqual({ kept: 1, spoiled: 1, replayed: 6, refused: 0 });
    } finally {
      m.release();
    }
  });

  it('the generation benchmark reports its rate, and a step\'s dispatches in one submit, recorded and replayed', async () => {
    const { GENERATION_CASES, runGenerationCase, formatGenerationRows } = await import('../../src/bench/generation.ts');
    const c = GENERATION_CASES.find((x) => x.lora && !x.large)!;
    // Prompts of 8 in prefill chunks of 5: the long-prompt cases' path.
    const row = await runGenerationCase(await testGpu(), { ...c, promptTokens: 8, newTokens: 4, prefillChunk: 5 });
    expect(row.decodeTokensPerSecond).toBeGreaterThan(0);
    expect(row.stepCpuMillis.recorded).toBeGreaterThan(0);
    expect(row.stepCpuMillis.replayed).toBeGreaterThan(0);
    expect(row.submitsPerStep).toBe(1);
    expect(row.dispatchesPerStep).toBeGreaterThan(20);
    // Four new tokens, four steps: the first makes the generator's bind groups, the second is kept.
    expect(row.replayedSteps).toEqual({ replayed: 2, steps: 4 });
    expect(formatGenerationRows([row])).toMatch(/LoRA r16: [\d.]+ tokens\/s .*CPU per step [\d.]+ ms recorded, [\d.]+ ms replayed, \d+ dispatches in 1 submit; 2 of 4 steps replayed; decode attention in one pass over the cache of 11 positions, an invocation per head\)/);
    // Which lora_decode layout each of the step's fused shares ran (SwiftShader: the first, untuned),
    // so a GPU run's report says what the autotune picked.
    expect(row.loraDecodeVariants.map((l) => l.shapeClass.split(' ').at(-1)).sort()).toEqual(expect.arrayContaining(['t1', 't2', 't3']));
    expect(new Set(row.loraDecodeVariants.map((l) => l.variant))).toEqual(new Set(['wg64 one sum']));
    expect(formatGenerationRows([row])).toMatch(/\n  lora_decode layouts: M1 r16 K\S+ N\S+ t\d → wg64 one sum/);
  });

  it('streams every token once, in order, per sequence', async () => {
    const streamed: number[][] = [[], []];
    const r = await generate(model.state, prompts, { maxNewTokens: N, stopTokenIds: [], onToken: (b, t) => streamed[b].push(t) });
    expect(streamed).toEqual(r.map((x) => x.tokens));
  });

  it('abort stops after the current step and reports aborted, with no read-back left in flight', async () => {
    // The step planned ahead is in flight when the abort lands; a process that exited under its
    // pending map crashed in Dawn (a Ctrl-C'd `studio eval`, one run in three).
    const gpu = await testGpu();
    const created: GPUBuffer[] = [];
    const createBuffer = gpu.ctx.device.createBuffer;
    const spy = vi.spyOn(gpu.ctx.device, 'createBuffer').mockImplementation((desc) => {
      const buffer = createBuffer.call(gpu.ctx.device, desc);
      created.push(buffer);
      return buffer;
    });
    const ctrl = new AbortController();
    const r = await generate(model.state, prompts, {
      maxNewTokens: N,
      stopTokenIds: [],
      signal: ctrl.signal,
      onToken: (b, _t) => {
        if (b === 1 && greedy[1].tokens.length > 0) ctrl.abort();
      },
    });
    spy.mockRestore();
    expect(r.map((x) => x.finishReason)).toEqual(['aborted', 'aborted']);
    expect(r.map((x) => x.tokens)).toEqual(greedy.map((x) => x.tokens.slice(0, 1)));
    expect(created.filter((b) => b.usage & GPUBufferUsage.MAP_READ).length).toBeGreaterThan(0);
    expect(created.filter((b) => b.mapState === 'pending')).toEqual([]);
    const pre = await generate(model.state, prompts, { maxNewTokens: N, signal: AbortSignal.abort() });
    expect(pre).toEqual([{ tokens: [], finishReason: 'aborted' }, { tokens: [], finishReason: 'aborted' }]);
  });

  it('the KV cache plan equals what is allocated', () => {
    const g = createGenerator(model.state, 3, 11);
    const allocated = [...g.cache.k, ...g.cache.v].reduce((n, b) => n + b.size, 0);
    expect(g.cache.bytes).toBe(kvCacheBytes(spec, 3, 11));
    expect(allocated).toBe(kvCacheBytes(spec, 3, 11));
    g.destroy();
  });

  it('rejects bad prompts and settings with clear errors', async () => {
    await expect(generate(model.state, [[]], { maxNewTokens: 2 })).rejects.toThrow(/empty/);
    await expect(generate(model.state, [[spec.vocabSize]], { maxNewTokens: 2 })).rejects.toThrow(/outside the vocabulary/);
    await expect(generate(model.state, prompts, { maxNewTokens: 2, topP: 0 })).rejects.toThrow(/topP/);
    await expect(generate(model.state, prompts, { maxNewTokens: -1 })).rejects.toThrow(/maxNewTokens/);
  });
});

describe('seeded sampling on the embedded model (151,936-token vocabulary)', () => {
  it('reproduces with the same seed, differs with another, and the GPU equals the CPU sampler', async () => {
    const gpu = await testGpu();
    const model = await loadEngineModel(gpu, nodeDirectoryModelFiles('public/models/tiny-qwen3'), { lora: null, maxTokens: 32 });
    try {
      const prompts = [randomPrompt(1000, 7, 301), randomPrompt(1000, 4, 302)];
      const opts = { maxNewTokens: 6, stopTokenIds: [], temperature: 1, topP: 0.95, seed: 2024 };
      const a = await generate(model.state, prompts, opts);
      expect(await generate(model.state, prompts, opts)).toEqual(a);
      expect(await generate(model.state, prompts, { ...opts, onLogits: () => undefined })).toEqual(a);
      const other = await generate(model.state, prompts, { ...opts, seed: 2025 });
      expect(other.map((r) => r.tokens)).not.toEqual(a.map((r) => r.tokens));
    } finally {
      model.release();
    }
  });
});

describe('CPU sampler', () => {
  const logits = Float32Array.from([1.0, 3.0, 2.5, -1.0, 3.0, 0.0]);

  it('greedy is the argmax with ties to the lowest index', () => {
    expect(argmax(logits)).toBe(1);
    expect(sampleToken(logits, {}, () => 0.99)).toBe(1);
    expect(sampleToken(logits, { temperature: 0 }, () => 0.99)).toBe(1);
  });

  it('temperature sampling follows softmax(l / T)', () => {
    const T = 0.7;
    const w = Array.from(logits, (l) => Math.exp(l / T));
    const Z = w.reduce((a, b) => a + b, 0);
    const n = 40000;
    const counts = new Array(logits.length).fill(0);
    const rand = sequenceRng(7, 0);
    for (let i = 0; i < n; i++) counts[sampleToken(logits, { temperature: T }, rand)]++;
    for (let i = 0; i < logits.length; i++) {
      const p = w[i] / Z;
      // 5 binomial standard deviations (+ a floor for p ≈ 0): a correct sampler fails ~1e-6 of the time.
      expect(Math.abs(counts[i] / n - p), `token ${i}`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n) + 1e-3);
    }
  });

  it('top-p keeps the smallest most-likely prefix reaching p (all ties at the cut) and renormalises', () => {
    const kept = (w: Float32Array, p: number) => {
      const t = nucleusThreshold(w, Math.fround(p));
      return [...w.keys()].filter((i) => w[i] >= t && w[i] > 0).sort((a, b) => w[b] - w[a] || a - b);
    };
    // p away from the prefix masses (0.4, 0.7, 0.85, 0.95, 1) so f32 rounding cannot move the cut.
    const w = Float32Array.from([0.1, 0.4, 0.05, 0.3, 0.15]);
    expect(kept(w, 0.35)).toEqual([1]);
    expect(kept(w, 0.5)).toEqual([1, 3]);
    expect(kept(w, 0.8)).toEqual([1, 3, 4]);
    expect(kept(w, 0.9)).toEqual([1, 3, 4, 0]);
    expect(kept(w, 1)).toEqual([1, 3, 4, 0, 2]);
    // Most mass in many tiny, distinct weights: the cut lands deep in the tail, exactly where the
    // sorted prefix first reaches p·Σw (f64, checked away from the boundary).
    const r = sequenceRng(11, 0);
    const tail = Float32Array.from({ length: 1000 }, (_, i) => (i === 0 ? 1 : 1e-3 * (0.5 + r())));
    const order = [...tail.keys()].sort((a, b) => tail[b] - tail[a]);
    const total = tail.reduce((a, b) => a + b, 0);
    for (const p of [0.3, 0.6, 0.75, 0.97]) {
      let n = 0;
      let mass = 0;
      while (mass < p * total) mass += tail[order[n++]];
      expect(mass - p * total, 'the f64 prefix is not at the boundary').toBeGreaterThan(1e-6);
      expect(kept(tail, p), `p=${p}`).toEqual(order.slice(0, n));
    }
    // Tied weights at the cut are all kept (the GPU cannot order ties without a sort).
    const tied = Float32Array.from([0.5, 0.25, 0.25]);
    expect(kept(tied, 0.6)).toEqual([0, 1, 2]);
    const rand = sequenceRng(3, 1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(sampleToken(logits, { temperature: 1, topP: 0.8 }, rand));
    // softmax: tokens 1 and 4 (e^3 each) hold ~0.62, with token 2 (e^2.5) ~0.81 ≥ 0.8.
    expect([...seen].sort()).toEqual([1, 2, 4]);
  });

  it('sequence RNG streams are reproducible and distinct', () => {
    const a = sequenceRng(42, 0);
    const b = sequenceRng(42, 0);
    const c = sequenceRng(42, 1);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect([c(), c(), c()]).not.toEqual(xs);
  });
});
