// The memory plan: exact bytes for known shapes, the recompute trade, and refusals that say what
// does not fit and what would.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parameterCount, parseModelConfig } from '../../src/model/config.ts';
import { loraParameterCount, LORA_TARGETS, type LoraTarget } from '../../src/model/lora.ts';
import { planMemory } from '../../src/model/memory-plan.ts';
import { DEFAULT_DECODE } from '../../src/model/decoding.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/settings.ts';
import { defaultAblationConfig } from '../../src/jobs/ablationConfig.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { tinyModelSpec, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';

const spec = (name: string) => parseModelConfig(readFileSync(new URL(`../fixtures/models/configs/${name}.json`, import.meta.url), 'utf8'));
const GiB = 2 ** 30;
const roomy = { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB - 4, memoryBytes: 16 * GiB };

describe('memory plan', () => {
  it('counts the weights in file dtype and PEFT’s trainable-parameter number for LoRA', () => {
    const s = spec('Qwen2.5-0.5B-Instruct');
    // PEFT prints "trainable params: 8,798,208" for Qwen2.5-0.5B, r=16, all seven projections.
    expect(loraParameterCount(s, { rank: 16, alpha: 32, useRsLora: false, dropout: 0, targets: [...LORA_TARGETS] })).toBe(8_798_208);
    const plan = planMemory(s, { batch: 1, seqLen: 512, rank: 16, targets: [...LORA_TARGETS], recompute: false }, roomy);
    // bf16 weights, plus Qwen2's q/k/v biases widened to f32 for the matmul's fused bias.
    expect(plan.categories.weights).toBe(parameterCount(s) * 2 + 24 * (896 + 2 * 128) * 4);
    expect(plan.categories.loraParams).toBe(8_798_208 * 4);
    expect(plan.categories.loraGrads).toBe(8_798_208 * 4);
    expect(plan.categories.optimizer).toBe(2 * 8_798_208 * 4);
    expect(plan.fits).toBe(true);
    expect(plan.suggestions).toEqual([]);
  });

  it('keeps every per-layer activation without recompute and only layer inputs with it', () => {
    const tiny = tinyModelSpec(TINY_QWEN3_DEFAULT); // H 64, 2 layers, 4 heads, 2 KV heads, d 16, I 128
    const shape = { batch: 2, seqLen: 8, rank: 4, targets: ['q', 'v'] as const, recompute: false };
    const T = 16;
    // floats per layer: x, rms1, q, q before norm, attnOut, residual, rms2 (T·64 each) + rstd1, rstd2 (T)
    // + k, v, k before norm (T·32) + q/k-norm rstd (T·6) + logsumexp (T·4) + gate, up, swiglu (T·128)
    // + x·Aᵀ for q and v (T·4 each)
    const perLayer = 4 * (7 * T * 64 + 2 * T + 3 * T * 32 + T * 6 + T * 4 + 3 * T * 128 + 2 * T * 4);
    expect(perLayer).toBe(60_672);
    const full = planMemory(tiny, { ...shape, targets: [...shape.targets] }, roomy);
    expect(full.layerActivations.reduce((a, b) => a + b.bytes, 0)).toBe(perLayer);
    expect(full.categories.activations).toBe(2 * perLayer + T * 64 * 4); // + the final hidden state
    const re = planMemory(tiny, { ...shape, targets: [...shape.targets], recompute: true }, roomy);
    expect(re.categories.activations).toBe(3 * T * 64 * 4);
    expect(re.categories.scratch - full.categories.scratch).toBe(perLayer - T * 64 * 4); // one layer (but its input) refilled in backward
    // K and V, 2 layers, the default decoding (8 answers of a prompt up to 8 tokens + 512 new, less the last), kvDim 32, f32.
    expect(re.categories.kvCache).toBe(2 * 2 * 8 * (8 + 512 - 1) * 32 * 4);
  });

  it('sizes the generation cache by the decoding batch and prompt + new tokens, not the training batch', () => {
    // Qwen3-0.6B trained at batch 1 × 1,024 was planned a 224 MiB cache; evaluating 8 answers of
    // up to 512 new tokens allocates 8 × 1,535 positions: 12× that, 2.6 GiB.
    const s = spec('Qwen3-0.6B');
    const shape = { batch: 1, seqLen: 1024, rank: 16, targets: [...LORA_TARGETS], recompute: true };
    const plan = planMemory(s, shape, roomy);
    expect(plan.categories.kvCache).toBe(2 * 28 * 8 * (1024 + 511) * 1024 * 4);
    expect(plan.generationBytes).toBeGreaterThan(plan.categories.weights + plan.categories.kvCache);
    // The form's own decoding: 4 answers of 96 new tokens.
    const small = planMemory(s, { ...shape, decode: { batch: 4, maxNewTokens: 96 } }, roomy);
    expect(small.categories.kvCache).toBe(2 * 28 * 4 * (1024 + 95) * 1024 * 4);
    // HDR samples with the model it trains: its peak holds both, so an 8 GiB GPU is too small here.
    const c = plan.categories;
    expect(plan.hdrBytes).toBeGreaterThan(c.weights + 4 * c.loraParams + c.activations + c.scratch + c.kvCache);
    expect(plan.peakBytes).toBe(plan.hdrBytes);
    const tight = planMemory(s, shape, { ...roomy, memoryBytes: Math.max(plan.trainingBytes, plan.generationBytes) });
    expect(tight.fits).toBe(false);
    expect(tight.problems.join(' ')).toMatch(/HDR/);
    // Fewer answers at once shrinks the cache; no training setting alone need change.
    expect(tight.suggestions.join('\n')).toMatch(/generate [1-4] answers? at once in evaluation and HDR/);
    // Without a decoding shape the plan assumes HDR's defaults (evaluation's default batch is the same).
    expect(DEFAULT_DECODE).toEqual({ batch: DEFAULT_HDR_SETTINGS.batchSize, maxNewTokens: DEFAULT_HDR_SETTINGS.maxNewTokens });
  });

  it('splits weights larger than one binding and reports the largest single buffer', () => {
    const s = spec('Qwen3-1.7B'); // embedding 151936 × 2048 bf16 = 594 MiB
    const limits = { maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 };
    const plan = planMemory(s, { batch: 1, seqLen: 256, rank: 8, targets: ['q', 'v'], recompute: true }, limits);
    expect(plan.largestBuffer.bytes).toBeLessThanOrEqual(128 * 2 ** 20);
    expect(plan.largestBuffer.label).toBe('model.embed_tokens.weight');
    expect(plan.largestBuffer.bytes).toBe(Math.floor((128 * 2 ** 20) / 4096) * 4096);
    expect(plan.fits).toBe(true); // memory unknown: only per-buffer limits are checked
  });

  it('checks the adapter’s flat LoRA buffers against the binding limit, and suggests the rank that fits', () => {
    // Qwen2.5-1.5B, r=32 on all seven projections: 36,929,536 parameters, 141 MiB per flat buffer
    // (parameters, gradients, two moments). Planned as fitting a 128 MiB binding, the model then
    // failed to load with a bare limit error.
    const s = spec('Qwen2.5-1.5B-Instruct');
    const limits = { maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 };
    const plan = planMemory(s, { batch: 1, seqLen: 256, rank: 32, targets: [...LORA_TARGETS], recompute: true }, limits);
    expect(plan.fits).toBe(false);
    expect(plan.problems).toEqual(["LoRA parameters (and their gradients and AdamW moments, each as large) needs 141 MiB in one buffer, over this GPU's 128 MiB binding limit"]);
    expect(plan.suggestions).toEqual(['use a smaller LoRA rank (16)']);
    expect(planMemory(s, { batch: 1, seqLen: 256, rank: 16, targets: [...LORA_TARGETS], recompute: true }, limits).fits).toBe(true);
  });

  it('plans every weight but the embedding and LM head whole, as the engine binds them', () => {
    // Qwen2.5-1.5B's gate_proj is 8960 × 1536 bf16 = 26.25 MiB: over a 16 MiB binding it cannot be
    // split (only the table is), so the plan refuses instead of failing after the upload.
    const s = spec('Qwen2.5-1.5B-Instruct');
    const limits = { maxBufferSize: 16 * 2 ** 20, maxStorageBufferBindingSize: 16 * 2 ** 20 };
    const plan = planMemory(s, { batch: 1, seqLen: 64, rank: 8, targets: ['q', 'v'], recompute: true }, limits);
    expect(plan.fits).toBe(false);
    expect(plan.problems).toContain('model.layers.0.mlp.gate_proj.weight needs 26.3 MiB in one buffer, over this GPU\'s 16.0 MiB binding limit');
    expect(plan.problems.some((p) => p.startsWith('model.embed_tokens.weight'))).toBe(false);
    // No setting helps a weight over the binding limit: the advice names the limit and the weight
    // (it said "even recompute, sequence 64, batch 1 and rank 1 do not fit").
    expect(plan.suggestions).toEqual(["this GPU binds at most 16.0 MiB per buffer, less than the model's model.layers.0.mlp.gate_proj.weight alone: use a GPU (or browser) that offers a larger maxStorageBufferBindingSize, or a smaller model"]);
  });

  it('says whether it compared the total with the GPU’s memory: a browser cannot know it', () => {
    const s = spec('Qwen2.5-1.5B-Instruct');
    const shape = { batch: 1, seqLen: 320, rank: 4, targets: [...LORA_TARGETS], recompute: true };
    expect(planMemory(s, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB }).memoryChecked).toBe(false);
    expect(planMemory(s, shape, roomy).memoryChecked).toBe(true);
  });

  it('refuses a setting that does not fit, saying why and what would fit', () => {
    const s = spec('Qwen2.5-1.5B-Instruct');
    const limits = { maxBufferSize: 1 * GiB, maxStorageBufferBindingSize: 1 * GiB, memoryBytes: 8 * GiB };
    // Prompts of up to 1,024 tokens: HDR retrains at the run's 2,048 (its samples fit it).
    const decode = { ...DEFAULT_DECODE, promptTokens: 1024 };
    const plan = planMemory(s, { batch: 4, seqLen: 2048, rank: 16, targets: [...LORA_TARGETS], recompute: false, decode }, limits);
    expect(plan.fits).toBe(false);
    expect(plan.problems.join('\n')).toMatch(/needs [\d.]+ GiB in total, over the 8.00 GiB of GPU memory available/);
    expect(plan.suggestions[0]).toMatch(/turn recompute on/);
    for (const text of plan.suggestions) expect(text).toMatch(/recompute|sequence to \d+|micro-batch \d+|rank \(\d+\)/);
    // Each suggestion really fits: recompute on.
    expect(planMemory(s, { batch: 4, seqLen: 2048, rank: 16, targets: [...LORA_TARGETS], recompute: true, decode }, limits).fits).toBe(true);
  });

  it('names every job over the GPU memory, not only the largest, and says when a training step alone fits', () => {
    // Over the memory in training and in HDR, it named HDR alone (the peak): as if training fitted.
    const s = spec('Qwen2.5-0.5B-Instruct');
    const shape = { batch: 1, seqLen: 1024, rank: 8, targets: [...LORA_TARGETS], recompute: false };
    const sized = planMemory(s, shape, roomy);
    expect(sized.hdrBytes).toBeGreaterThan(sized.trainingBytes);
    const both = planMemory(s, shape, { ...roomy, memoryBytes: sized.trainingBytes - 1 });
    expect(both.problems.filter((p) => /in total, over/.test(p)).map((p) => p.split(' needs')[0])).toEqual(['a training step', 'HDR (sampling beside the model it retrains)']);
    // Training fits: the one that does not says so, for the user who only trains.
    const hdrOnly = planMemory(s, shape, { ...roomy, memoryBytes: sized.trainingBytes });
    expect(hdrOnly.fits).toBe(false);
    expect(hdrOnly.problems).toEqual([expect.stringMatching(/^HDR \(sampling beside the model it retrains\) needs [\d.]+ [MG]iB in total, over the [\d.]+ [MG]iB of GPU memory available \(a training step alone fits in [\d.]+ [MG]iB\)$/)]);
  });

  it('refuses an activation buffer over the binding limit and suggests a shorter sequence', () => {
    const s = spec('SmolLM2-135M-Instruct');
    const limits = { maxBufferSize: 128 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 };
    // gate [T, 1536] f32 at T = 32768 is 192 MiB.
    const plan = planMemory(s, { batch: 8, seqLen: 4096, rank: 8, targets: ['q', 'v'], recompute: true }, limits);
    expect(plan.fits).toBe(false);
    expect(plan.problems.some((p) => /layer activation gate needs 192 MiB in one buffer, over this GPU's 128 MiB binding limit/.test(p))).toBe(true);
    expect(plan.suggestions.some((t) => /shorten the sequence to 2048 tokens/.test(t))).toBe(true);
  });

  it('gives HDR its own verdict on the buffer limits at the longer length it retrains at', () => {
    // Checked at the run's length only, the plan said "fits" and HDR then failed on the GPU: its
    // retraining holds the longest prompt plus an answer of max new tokens (300 + 512 → 832 rows),
    // and its gate [832, 128] f32 (416 KiB) is over a 256 KiB binding that the run's 320 rows fit.
    const tiny = tinyModelSpec(TINY_QWEN3_DEFAULT); // I 128
    const limits = { maxBufferSize: 256 * 1024, maxStorageBufferBindingSize: 256 * 1024 };
    const shape = { batch: 1, seqLen: 320, rank: 4, targets: ['q', 'v'] as LoraTarget[], recompute: true, decode: { ...DEFAULT_DECODE, promptTokens: 300 } };
    const plan = planMemory(tiny, shape, limits);
    expect(plan.hdrSeqLen).toBe(832);
    // Training fits: a user who only trains is not refused for HDR.
    expect(plan.fits).toBe(true);
    expect(plan.hdrProblems).toContain("layer activation gate needs 416 KiB in one buffer, over this GPU's 256 KiB binding limit");
    // Answers of up to 64 tokens: HDR retrains at 384 rows, which fit.
    expect(planMemory(tiny, { ...shape, decode: { ...shape.decode, maxNewTokens: 64 } }, limits).hdrProblems).toEqual([]);
    // Where training's own buffers do not fit, the verdict says so once.
    const both = planMemory(tiny, { ...shape, seqLen: 640 }, limits);
    expect(both.fits).toBe(false);
    expect(both.hdrProblems).toEqual([]);
  });

  it('sizes HDR by the run it retrains with, not by the training settings', () => {
    // The page planned HDR with the Training form's batch and rank, while HDR retrains with the run
    // it starts from: a picked run of batch 2 retrains [768, 128] gates (384 KiB), over a 256 KiB
    // binding the Training form's batch 1 (192 KiB) fits, and the plan said HDR fits.
    const tiny = tinyModelSpec(TINY_QWEN3_DEFAULT); // I 128
    const limits = { maxBufferSize: 256 * 1024, maxStorageBufferBindingSize: 256 * 1024 };
    const shape = { batch: 1, seqLen: 320, rank: 4, targets: ['q', 'v'] as LoraTarget[], recompute: true, decode: { ...DEFAULT_DECODE, maxNewTokens: 64, promptTokens: 300 } };
    expect(planMemory(tiny, shape, limits).hdrProblems).toEqual([]);
    const plan = planMemory(tiny, { ...shape, hdr: { batch: 2, seqLen: 320, rank: 16, targets: ['q', 'k', 'v', 'o'], recompute: true } }, limits);
    expect(plan.fits).toBe(true);
    expect(plan.hdrSeqLen).toBe(384);
    expect(plan.hdrProblems).toContain("layer activation gate needs 384 KiB in one buffer, over this GPU's 256 KiB binding limit");
    // Judged also where the Training form's own settings do not fit: HDR does not retrain with them.
    const trainingOver = planMemory(tiny, { ...shape, seqLen: 1024, hdr: { batch: 2, seqLen: 320, rank: 16, targets: ['q', 'v'], recompute: true } }, limits);
    expect(trainingOver.fits).toBe(false);
    expect(trainingOver.hdrProblems).toContain("layer activation gate needs 384 KiB in one buffer, over this GPU's 256 KiB binding limit");
    // Its adapter's rank and targets, not training's: more LoRA state beside the same cache.
    const sameBatch = planMemory(tiny, { ...shape, hdr: { ...shape, rank: 16, targets: ['q', 'k', 'v', 'o'] } }, roomy);
    expect(sameBatch.hdrBytes).toBeGreaterThan(planMemory(tiny, shape, roomy).hdrBytes);
  });

  it('assumes HDR\'s prompts up to its own run\'s length where none are known, not the training settings\'', () => {
    // With no prompt lengths counted yet, HDR's prompt was taken as the Training form's sequence
    // (1,024): the HDR form's run of 320 was judged at 1,024 + 64 → 1,152 rows, a verdict mixing
    // two forms' settings. Its own 320 + 64 (+ 8 of render slack) is 448 after rounding up to 64.
    const tiny = tinyModelSpec(TINY_QWEN3_DEFAULT);
    const shape = { batch: 1, seqLen: 1024, rank: 4, targets: ['q', 'v'] as LoraTarget[], recompute: true, decode: { ...DEFAULT_DECODE, maxNewTokens: 64 } };
    expect(planMemory(tiny, { ...shape, hdr: { ...shape, seqLen: 320 } }, roomy).hdrSeqLen).toBe(448);
    // No HDR run of its own (the ablation's arm, the CLI): training's length, as before.
    expect(planMemory(tiny, shape, roomy).hdrSeqLen).toBe(1152);
  });

  it('takes HDR\'s length from the prompts it mines, not the held-out side\'s or those mining skips', () => {
    // The page planned HDR's retraining at the dataset's longest prompt (1,000 tokens, a held-out
    // one) while the job retrains at the longest it mines (300): its verdict was for a longer HDR.
    const qwen = spec('Qwen3-0.6B'); // context 40,960
    const shape = { batch: 1, seqLen: 320, rank: 4, targets: ['q', 'v'] as LoraTarget[], recompute: true };
    const decode = { ...DEFAULT_DECODE, promptTokens: 1000, minedPrompts: [200, 300, 40_500] };
    const plan = planMemory(qwen, { ...shape, decode }, roomy);
    // 300 + 512 + 8 rounded up to 64; the 40,500-token prompt leaves no room for an answer, so mining skips it.
    expect(plan.hdrSeqLen).toBe(832);
    // The cache still holds the longest prompt evaluation decodes.
    expect(plan.categories.kvCache).toBe(planMemory(qwen, { ...shape, decode: { ...DEFAULT_DECODE, promptTokens: 1000 } }, roomy).categories.kvCache);
  });

  it('suggests only a micro-batch that divides the batch, so the optimizer step keeps its examples', () => {
    // Batch 5 does not fit, 2 would: "micro-batch 2 with gradient accumulation ×3" trained 6 examples a
    // step, not 5 (and changed the schedule's meaning). Only 1 divides 5.
    const s = spec('Qwen2.5-0.5B-Instruct');
    const shape = { batch: 5, seqLen: 1024, rank: 8, targets: [...LORA_TARGETS], recompute: true, gradAccum: 2 };
    const limits = { ...roomy, memoryBytes: planMemory(s, { ...shape, batch: 2 }, roomy).peakBytes };
    const plan = planMemory(s, shape, limits);
    expect(plan.fits).toBe(false);
    const micro = plan.suggestions.filter((t) => /micro-batch/.test(t));
    expect(micro).toEqual(['use micro-batch 1 with gradient accumulation ×10']);
  });

  it('suggests changes together when no one of them fits alone, rather than another model', () => {
    // Qwen2.5-1.5B, r=32 on every projection: the adapter's flat buffer (141 MiB) and, at 8 × 4096
    // tokens, the activations are over a 128 MiB binding. No single change fits, and the plan said
    // "choose a smaller model" while rank 16 at a shorter sequence fits.
    const s = spec('Qwen2.5-1.5B-Instruct');
    const limits = { maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 };
    const shape = { batch: 8, seqLen: 4096, rank: 32, targets: [...LORA_TARGETS], recompute: false };
    const plan = planMemory(s, shape, limits);
    expect(plan.fits).toBe(false);
    expect(plan.suggestions).toEqual(['shorten the sequence to 2048 tokens, use micro-batch 1 with gradient accumulation ×8 and use a smaller LoRA rank (16), together (no one of them fits alone)']);
    expect(planMemory(s, { ...shape, seqLen: 2048, batch: 1, rank: 16 }, limits).fits).toBe(true);
  });

  it('the ablation decodes by default as the plan assumes (one source of those defaults)', () => {
    // (HDR's own defaults are checked with the generation cache above.)
    const ablation = defaultAblationConfig(DEFAULT_RUN_CONFIG);
    expect({ batch: ablation.decoding.batchSize, maxNewTokens: ablation.decoding.maxNewTokens }).toEqual(DEFAULT_DECODE);
    expect({ batch: ablation.hdr.batchSize, maxNewTokens: ablation.hdr.maxNewTokens }).toEqual(DEFAULT_DECODE);
  });

  it('rejects nonsense settings', () => {
    expect(() => planMemory(spec('Qwen3-0.6B'), { batch: 0, seqLen: 8, rank: 4, targets: ['q'], recompute: false }, roomy)).toThrow(/batch must be a positive integer/);
  });
});

describe('memory plan verdict', () => {
  // HDR's retraining step with prompt-sized rows (prompts longer than a training batch) can be its
  // peak: the plan said "fits" while its own peak was over the memory, naming no job.
  it('fits exactly when its peak fits, whichever job the peak is', () => {
    // One one-token answer at a time from 700-token prompts: HDR's retraining step at the 768 tokens
    // that hold them (its LM head over 151,936 words) outweighs the sampler's cache.
    const qwen = spec('Qwen2.5-0.5B-Instruct');
    const shape = { batch: 2, seqLen: 320, rank: 16, targets: [...LORA_TARGETS], recompute: true, decode: { batch: 1, maxNewTokens: 1, promptTokens: 700 } };
    const open = planMemory(qwen, shape, roomy);
    expect(open.hdrBytes).toBe(open.peakBytes);
    expect(open.hdrBytes).toBeGreaterThan(Math.max(open.trainingBytes, open.generationBytes));
    for (const memoryBytes of [open.trainingBytes, open.generationBytes, open.peakBytes - 1, open.peakBytes]) {
      const plan = planMemory(qwen, shape, { ...roomy, memoryBytes });
      expect(plan.fits, `memory ${memoryBytes}`).toBe(plan.peakBytes <= memoryBytes);
      if (!plan.fits) expect(plan.problems.join('\n')).toMatch(/needs .* in total, over the .* of GPU memory available/);
    }
    expect(planMemory(qwen, shape, { ...roomy, memoryBytes: open.peakBytes - 1 }).problems).toEqual([expect.stringMatching(/^HDR \(retraining at sequence 768, which holds its longest prompt and answer\) needs /)]);
  });
});
