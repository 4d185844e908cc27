// The trainer on a real tiny model (Qwen3 architecture, vocab 97) on SwiftShader: losses fall, the
// SSB balance moves the way its gradient says, and a resumed run ends where an uninterrupted one does.
import { describe, expect, it } from 'vitest';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { loadEngineModel, type EngineModel } from '../../src/model/engineModel.ts';
import { dropoutBatchSeed, Trainer } from '../../src/train/trainer.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import type { TokenizedExample } from '../../src/train/batching.ts';
import { expectClose, seededRandom } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { createGpu, Recorder } from '../../src/gpu/index.ts';
import { readLoraParams } from '../../src/model/deviceLora.ts';

const tiny = generateTinyModel(tinyTestOptions('qwen3'));

/** Examples of a prompt, a cot span and a call span. A "learnable" span repeats a fixed pattern
 * keyed by the prompt's first token; a "noisy" span is fresh random tokens (irreducible loss). */
function dataset(n: number, cot: 'learnable' | 'noisy', call: 'learnable' | 'noisy', seed = 1): TokenizedExample[] {
  const r = seededRandom(seed);
  const tok = () => 10 + Math.floor(r() * 80);
  return Array.from({ length: n }, (_, i) => {
    const key = 10 + (i % 4);
    const prompt = [3, key, tok(), tok()];
    const cotSpan = Array.from({ length: 8 }, (_, j) => (cot === 'learnable' ? 20 + ((key + j) % 7) : tok()));
    const callSpan = Array.from({ length: 4 }, (_, j) => (call === 'learnable' ? 60 + ((key * 3 + j) % 5) : tok()));
    const ids = [...prompt, ...cotSpan, ...callSpan, 2];
    const segments = [...prompt.map(() => 0), ...cotSpan.map(() => 1), ...callSpan.map(() => 2), 2];
    return { id: `ex${i}`, inputIds: ids, segments };
  });
}

function config(over: Partial<RunConfig> = {}): RunConfig {
  return {
    ...DEFAULT_RUN_CONFIG,
    lora: { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
    lr: 2e-2, warmupSteps: 2, steps: 30, batchSize: 4, seqLen: 20, schedule: 'constant', maxGradNorm: 1, ...over,
  };
}

async function model(c: RunConfig): Promise<EngineModel> {
  const gpu = await testGpu();
  return loadEngineModel(gpu, memoryModelFiles(tiny.files, 'tiny-qwen3'), { lora: c.lora, seed: c.seed, maxTokens: c.batchSize * c.seqLen });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('LoRA dropout seeds', () => {
  it('differ for every micro-batch of every step, also with more than 64 micro-batches a step', () => {
    for (const gradAccum of [1, 4, 64, 65, 100]) {
      const seeds = new Set<number>();
      for (let step = 0; step < 5; step++) for (let i = 0; i < gradAccum; i++) seeds.add(dropoutBatchSeed(42, step, i, gradAccum));
      expect(seeds.size, `grad accumulation ${gradAccum}`).toBe(5 * gradAccum);
    }
    // Runs of up to 64 micro-batches a step keep their seeds: a resume continues their masks.
    expect(dropoutBatchSeed(42, 3, 2, 4)).toBe((Math.imul(43, 0x9e3779b1) ^ Math.imul(3 * 64 + 2 + 1, 0x85ebca6b)) >>> 0);
  });
});

describe('trainer', () => {
  it('lowers the total, reasoning and call losses under SSB', async () => {
    const c = config();
    const m = await model(c);
    const t = new Trainer(m.state, dataset(32, 'learnable', 'learnable'), c);
    const steps = [];
    for (let i = 0; i < c.steps; i++) steps.push(await t.trainStep());
    const first = steps.slice(0, 3);
    const last = steps.slice(-3);
    expect(mean(last.map((s) => s.loss))).toBeLessThan(0.7 * mean(first.map((s) => s.loss)));
    expect(mean(last.map((s) => s.lossCot))).toBeLessThan(0.7 * mean(first.map((s) => s.lossCot)));
    expect(mean(last.map((s) => s.lossCall))).toBeLessThan(0.7 * mean(first.map((s) => s.lossCall)));
    for (const s of steps) {
      expect(Number.isFinite(s.gradNorm) && s.gradNorm > 0).toBe(true);
      expect(s.cotTokens).toBe(4 * 8);
      expect(s.callTokens).toBe(4 * 5);
    }
    const evalM = await t.evalLoss(dataset(8, 'learnable', 'learnable', 99));
    expect(evalM.evalLoss).toBeLessThan(first[0].loss);
    t.destroy();
    m.release();
  });

  it('a steady step reuses its bind groups: new ones only for its own data (a gather plan per micro-batch, the step size)', async () => {
    // With LoRA dropout on: its masks change every micro-batch, but through a seed buffer, not uniforms.
    const c = config({ lora: { rank: 4, alpha: 8, useRsLora: false, dropout: 0.1, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }, gradAccum: 2, steps: 4 });
    const m = await model(c);
    const t = new Trainer(m.state, dataset(32, 'learnable', 'learnable'), c);
    const device = m.state.gpu.ctx.device;
    const made: string[] = [];
    const create = device.createBindGroup.bind(device);
    device.createBindGroup = (d: GPUBindGroupDescriptor) => {
      made.push(d.label ?? '');
      return create(d);
    };
    try {
      await t.trainStep();
      expect(made.length).toBeGreaterThan(100); // the first step makes them all
      for (let i = 0; i < 2; i++) {
        made.length = 0;
        const s = await t.trainStep();
        expect(Number.isFinite(s.loss)).toBe(true);
        // AdamW's step count changes every step: its group's uniform is rewritten, not remade.
        expect(made.sort()).toEqual(['embedding.wgsl:scatterAdd', 'embedding.wgsl:scatterAdd']);
      }
    } finally {
      device.createBindGroup = create;
      t.destroy();
      m.release();
    }
  });

  it('a micro-batch of a new length reuses the bind groups of other lengths, and trains exactly as freshly made ones do', async () => {
    const c = config({ steps: 5, batchSize: 2, seqLen: 28 });
    // Every example a different length, so every micro-batch has a length not seen before.
    const data = dataset(10, 'learnable', 'noisy').map((ex, i) => ({
      id: ex.id,
      inputIds: [...Array.from({ length: i }, () => 3), ...Array.from(ex.inputIds)],
      segments: [...Array.from({ length: i }, () => 0), ...Array.from(ex.segments)],
    }));
    const losses: number[][] = [];
    for (const bindGroupLimit of [undefined, 1]) {
      // A cache of one: every dispatch gets a new group and uniform, as before any reuse.
      const shared = await testGpu();
      shared.recorder.submit();
      const gpu = { ...shared, recorder: new Recorder(shared.ctx, { bindGroupLimit }) };
      const m = await loadEngineModel(gpu, memoryModelFiles(tiny.files, 'tiny-qwen3'), { lora: c.lora, seed: c.seed, maxTokens: c.batchSize * c.seqLen });
      const t = new Trainer(m.state, data, c);
      const device = gpu.ctx.device;
      const made: string[] = [];
      const create = device.createBindGroup.bind(device);
      const run: number[] = [];
      try {
        run.push((await t.trainStep()).loss);
        device.createBindGroup = (d: GPUBindGroupDescriptor) => {
          made.push(d.label ?? '');
          return create(d);
        };
        for (let i = 1; i < c.steps; i++) {
          made.length = 0;
          run.push((await t.trainStep()).loss);
          if (bindGroupLimit === undefined) expect(made).toEqual(['embedding.wgsl:scatterAdd']);
        }
      } finally {
        device.createBindGroup = create;
        t.destroy();
        m.release();
      }
      losses.push(run);
    }
    expect(losses[0]).toEqual(losses[1]);
  });

  it('moves α toward the call when reasoning is the harder segment, and away when the call is', async () => {
    for (const [cot, call, direction] of [['noisy', 'learnable', -1], ['learnable', 'noisy', 1]] as const) {
      const c = config({ steps: 12, lr: 1e-2, balanceLr: 0.05 });
      const m = await model(c);
      const t = new Trainer(m.state, dataset(32, cot, call), c);
      const steps = [];
      for (let i = 0; i < c.steps; i++) steps.push(await t.trainStep());
      // ∂L/∂α = L_cot − L_call: its sign is the harder segment; descent moves α the other way.
      for (const s of steps) expect(Math.sign(s.gradAlpha)).toBe(-direction);
      expect(Math.sign(steps.at(-1)!.alpha - steps[0].alpha)).toBe(direction);
      expect(steps[0].alpha).toBeCloseTo(0.7, 6);
      t.destroy();
      m.release();
    }
  });

  it('packs short examples into shared rows without changing the step’s losses or gradient', async () => {
    // Examples of 10 to 14 tokens, and every fourth of 23: within 24, two short ones share a row as
    // long as the longest. Without the long ones, within 64: rows longer than any example.
    const r = seededRandom(5);
    const example = (i: number, withLong: boolean): TokenizedExample => {
      const cot = Array.from({ length: withLong && i % 4 === 0 ? 14 : 1 + Math.floor(r() * 5) }, () => 20 + Math.floor(r() * 7));
      const prompt = [3, 10 + (i % 4), 40, 41];
      const call = [60, 61 + (i % 3), 62, 63];
      return { id: `ex${i}`, inputIds: [...prompt, ...cot, ...call, 2], segments: [0, 0, 0, 0, ...cot.map(() => 1), 2, 2, 2, 2, 2] };
    };
    for (const seqLen of [24, 64]) {
      const data = Array.from({ length: 12 }, (_, i) => example(i, seqLen === 24));
      const c = config({ batchSize: 6, gradAccum: 2, seqLen });
      const m = await model(c);
      const t = new Trainer(m.state, data, c);
      const alone = await t.dumpNextStep();
      const packed = await t.dumpNextStep({ pack: true });
      const rows = (d: typeof alone) => d.batches.reduce((n, b) => n + b.B, 0);
      expect(rows(alone)).toBe(12);
      expect(rows(packed)).toBeLessThan(seqLen === 24 ? 12 : 6);
      const longestRow = Math.max(...packed.batches.map((b) => b.T));
      if (seqLen === 24) expect(longestRow).toBe(23);
      else expect(longestRow).toBeGreaterThan(14);
      for (const k of ['loss', 'lossCot', 'lossCall', 'gradAlpha'] as const) expect(packed[k], `${k} at ${seqLen}`).toBeCloseTo(alone[k], 5);
      const want = new Map(alone.grads);
      for (const [key, g] of packed.grads) expectClose(g, want.get(key)!, { atol: 1e-6, rtol: 1e-4 }, `${key} at ${seqLen}`);
      // A training step packs too, and counts only real tokens.
      const step = await t.trainStep();
      expect(step.tokens).toBe(alone.batches.reduce((n, b) => n + b.attnSegments.filter((x) => x > 0).length, 0));
      t.destroy();
      m.release();
    }
  });

  it('a run resumed from saved state ends with the same adapter as an uninterrupted run', async () => {
    const c = config({ steps: 6, gradAccum: 2, batchSize: 2 });
    const data = dataset(10, 'learnable', 'noisy');
    const a = await model(c);
    const straight = new Trainer(a.state, data, c);
    const straightLoss = [];
    for (let i = 0; i < 6; i++) straightLoss.push((await straight.trainStep()).loss);
    const want = await straight.saveState();
    straight.destroy();
    a.release();

    const b = await model(c);
    const first = new Trainer(b.state, data, c);
    const resumedLoss = [];
    for (let i = 0; i < 3; i++) resumedLoss.push((await first.trainStep()).loss);
    const saved = await first.saveState();
    first.destroy();
    b.release(); // the "crash": everything on the GPU is gone

    const c2 = await model(c);
    const second = new Trainer(c2.state, data, c);
    second.restoreState(saved);
    for (let i = 0; i < 3; i++) resumedLoss.push((await second.trainStep()).loss);
    const got = await second.saveState();
    second.destroy();
    c2.release();

    expect(got.step).toBe(6);
    expect(got.cursor).toEqual(want.cursor);
    expect(got.balance).toEqual(want.balance);
    // Same kernels, same inputs, same order: the replay is bitwise identical on one adapter.
    expect(Array.from(got.loraParams)).toEqual(Array.from(want.loraParams));
    expect(resumedLoss).toEqual(straightLoss);
  });

  it('refuses to resume over a training set of another size (HDR samples added since), naming both counts', async () => {
    // The cursor indexes a seeded permutation of the training set: over more (or fewer) examples the
    // same cursor names other examples, and the resumed run would silently train on another order.
    const c = config({ steps: 4 });
    const m = await model(c);
    const first = new Trainer(m.state, dataset(10, 'learnable', 'noisy'), c);
    await first.trainStep();
    const saved = await first.saveState();
    first.destroy();
    const grown = new Trainer(m.state, dataset(13, 'learnable', 'noisy'), c);
    expect(() => grown.restoreState(saved)).toThrow("the checkpoint's data order runs over 10 training examples, but the training set now has 13");
    // Its advice is one the user can follow: a run with a checkpoint is never trained over from
    // step 0 (the studio offers only to resume it, the CLI only continues a folder with --resume).
    expect(() => grown.restoreState(saved)).toThrow(/: restore those .*, or start a new run to train on these$/);
    expect(grown.step).toBe(0);
    grown.destroy();
    const same = new Trainer(m.state, dataset(10, 'learnable', 'noisy'), c);
    same.restoreState(saved);
    expect(same.step).toBe(1);
    same.destroy();
    m.release();
  });

  it('a second trainer on the same model (an HDR round) starts from zero moments and updates as on a fresh model', async () => {
    const c = config({ steps: 4, warmupSteps: 0 });
    const m = await model(c);
    const first = new Trainer(m.state, dataset(8, 'learnable', 'noisy', 1), c);
    for (let i = 0; i < 4; i++) await first.trainStep();
    first.destroy();
    const adapter = await readLoraParams(m.state.gpu, m.state.lora!);

    const next = new Trainer(m.state, dataset(8, 'noisy', 'learnable', 2), c);
    const fresh = await next.saveState();
    expect(fresh.step).toBe(0);
    expect(fresh.adamM.every((x) => x === 0) && fresh.adamV.every((x) => x === 0)).toBe(true);
    await next.trainStep();
    const after = (await next.saveState()).loraParams;
    next.destroy();

    const gpu = await testGpu();
    const other = await loadEngineModel(gpu, memoryModelFiles(tiny.files, 'tiny-qwen3'), { lora: c.lora, adapter, seed: c.seed, maxTokens: c.batchSize * c.seqLen });
    const reference = new Trainer(other.state, dataset(8, 'noisy', 'learnable', 2), c);
    await reference.trainStep();
    const want = (await reference.saveState()).loraParams;
    reference.destroy();
    other.release();
    m.release();
    expect(Array.from(after)).toEqual(Array.from(want));
  });
});

describe('compiling ahead', () => {
  // On a software GPU a pipeline compiled on first use costs seconds, one after another: a held-out
  // loss measured before the first step (a run's baseline) or first in a fresh worker (a resumed
  // run's first eval step) paid the whole forward pass's compiles in series.
  it('a held-out loss before the first step compiles ahead first, and nothing a step or held-out loss uses is compiled later', async () => {
    const c = config({ steps: 3, batchSize: 2, seqLen: 20 });
    const shared = await testGpu();
    // Its own pipeline cache on the shared device: what other tests compiled does not count here.
    const gpu = createGpu(shared.ctx);
    const m = await loadEngineModel(gpu, memoryModelFiles(tiny.files, 'tiny-qwen3'), { lora: c.lora, seed: c.seed, maxTokens: c.batchSize * c.seqLen });
    const t = new Trainer(m.state, dataset(8, 'learnable', 'learnable'), c);
    const held = dataset(5, 'learnable', 'noisy', 7);
    try {
      await t.evalLoss(held);
      expect(t.prepared, 'prepared by the held-out loss').not.toBeNull();
      const ahead = gpu.pipelines.size;
      await t.trainStep();
      await t.evalLoss(held);
      expect(gpu.pipelines.size, 'pipelines created after prepare').toBe(ahead);
    } finally {
      t.destroy();
      m.release();
    }
  });
});
