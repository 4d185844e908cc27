// Generation benchmark: decode tokens per second with the KV cache (greedy, fixed length, no stop
// tokens) for the embedded tiny model and the Qwen2.5-0.5B shape, at batch 1, 4 and 16, with and
// without a LoRA adapter (evaluation, HDR and the playground always decode with one), prefill timed
// apart from decoding. Each case also reports what a decode step costs the CPU: recording it through
// the ops, and replaying its captured program (gpu/recorder.ts), with its dispatch count; how many of
// the timed run's steps replayed (every one after the first two should: one that records again costs
// about ten times the CPU); and, where the adapter has timestamps, one replayed step's GPU time by
// kernel, so a rate the CPU cannot explain shows where the GPU spends it; which layout of
// lora_decode each LoRA case's step ran (the autotune's choice per shape class on a GPU); and the
// decode attention form that ran (split-K flash-decoding or one pass: see ops/attention.ts), which
// changes both the rate and the dispatch count.
import type { Gpu, ProgramCounts } from '../gpu/index.ts';
import { TINY_QWEN3_DEFAULT, type TinyModelOptions } from '../model/tiny-model.ts';
import { benchModel } from './benchModel.ts';
import { memoryModelFiles } from '../model/model-files.ts';
import { loadEngineModel } from '../model/engineModel.ts';
import { releaseAfter } from '../model/releaseAfter.ts';
import { generate, generationCachePositions } from '../model/generate.ts';
import { createGenerator, prefill, submitDecodeStep } from '../model/kvCache.ts';
import { loraDecodeVariantsRun } from '../ops/loraDecode.ts';
import { describeLoraDecodeVariant } from '../ops/loraDecodeChoice.ts';
import { DEFAULT_LORA } from '../model/lora.ts';
import type { ModelState } from '../model/transformer.ts';
import { attentionDecodeForm, DECODE_CHUNK, type AttentionDecodeForm } from '../ops/attention.ts';
import { QWEN25_05B_SHAPE } from './training.ts';
import { median } from './timing.ts';

export interface GenerationCase {
  name: string;
  model: TinyModelOptions;
  batch: number;
  promptTokens: number;
  newTokens: number;
  large: boolean;
  gpuOnly?: boolean;
  /** Decode with a rank-16 adapter on all seven targets (as after training with the defaults). */
  lora?: boolean;
  /** Prefill chunk in tokens (default: the whole batch's prompts in one): a longer prompt's later
   * chunks attend to the cache, as evaluation's prompts past 4,096 tokens do. */
  prefillChunk?: number;
  /** Tokens drawn as HDR samples them (sample_rows over the whole vocabulary each step), not greedy. */
  sampling?: { temperature: number; topP: number };
}

export const GENERATION_CASES: GenerationCase[] = [
  { name: 'generate: embedded tiny Qwen3, B=1', model: TINY_QWEN3_DEFAULT, batch: 1, promptTokens: 64, newTokens: 16, large: false },
  { name: 'generate: embedded tiny Qwen3, B=4', model: TINY_QWEN3_DEFAULT, batch: 4, promptTokens: 64, newTokens: 16, large: false },
  { name: 'generate: embedded tiny Qwen3, B=8, sampled (T 0.7, top-p 0.95)', model: TINY_QWEN3_DEFAULT, batch: 8, promptTokens: 64, newTokens: 16, large: false, sampling: { temperature: 0.7, topP: 0.95 } },
  { name: 'generate: embedded tiny Qwen3, B=1, LoRA r16', model: TINY_QWEN3_DEFAULT, batch: 1, promptTokens: 64, newTokens: 16, large: false, lora: true },
  { name: 'generate: Qwen2.5-0.5B shape, B=1', model: QWEN25_05B_SHAPE, batch: 1, promptTokens: 32, newTokens: 8, large: true },
  // GPU-sized: the batch sizes of the issue's targets, enough tokens for a steady rate.
  { name: 'generate: Qwen2.5-0.5B shape, B=1, 64 new', model: QWEN25_05B_SHAPE, batch: 1, promptTokens: 32, newTokens: 64, large: true, gpuOnly: true },
  { name: 'generate: Qwen2.5-0.5B shape, B=1, 64 new, LoRA r16', model: QWEN25_05B_SHAPE, batch: 1, promptTokens: 32, newTokens: 64, large: true, gpuOnly: true, lora: true },
  { name: 'generate: Qwen2.5-0.5B shape, B=4, 64 new', model: QWEN25_05B_SHAPE, batch: 4, promptTokens: 32, newTokens: 64, large: true, gpuOnly: true },
  { name: 'generate: Qwen2.5-0.5B shape, B=16, 64 new', model: QWEN25_05B_SHAPE, batch: 16, promptTokens: 32, newTokens: 64, large: true, gpuOnly: true },
  { name: 'generate: Qwen2.5-0.5B shape, B=16, 64 new, LoRA r16', model: QWEN25_05B_SHAPE, batch: 16, promptTokens: 32, newTokens: 64, large: true, gpuOnly: true, lora: true },
  { name: 'generate: Qwen2.5-0.5B shape, B=16, 64 new, LoRA r16, sampled (T 0.7, top-p 0.95)', model: QWEN25_05B_SHAPE, batch: 16, promptTokens: 32, newTokens: 64, large: true, gpuOnly: true, lora: true, sampling: { temperature: 0.7, topP: 0.95 } },
  // Time to first token of a long prompt (a many-tool BFCL prompt): two 4,096-token prefill chunks.
  { name: 'generate: Qwen2.5-0.5B shape, B=1, 6,000-token prompt', model: QWEN25_05B_SHAPE, batch: 1, promptTokens: 6000, newTokens: 16, large: true, gpuOnly: true, lora: true, prefillChunk: 4096 },
];

export interface GenerationRow {
  name: string;
  /** New tokens per second over all sequences, decode only (the first token, from prefill, excluded). */
  decodeTokensPerSecond: number;
  /** Time to the first new token: the prefill and the first decode step. */
  prefillMillis: number;
  /** CPU milliseconds to put one greedy decode step on the GPU's queue: recorded through the ops,
   * and replayed from its captured program (what every step after the first two does). */
  stepCpuMillis: { recorded: number; replayed: number };
  dispatchesPerStep: number;
  /** How each layer's decode attention walked the cache, and the cache's positions (its capacity,
   * which the form is chosen by). */
  decodeAttention: AttentionDecodeForm;
  cachePositions: number;
  /** Command buffers submitted per decode step (the readback's copy rides in the last). */
  submitsPerStep: number;
  /** Decode steps of the timed generation, and how many of them replayed a captured program. */
  replayedSteps: { replayed: number; steps: number };
  /** GPU milliseconds of one replayed step by kernel, largest first (adapters with timestamps). */
  stepGpuKernels: Array<{ label: string; millis: number; dispatches: number }> | null;
  /** The lora_decode layout each of the step's shape classes ran (empty without an adapter). */
  loraDecodeVariants: Array<{ shapeClass: string; variant: string }>;
}

/** Decode steps taken since `before` (each one capture or replay of its program), and the replays. */
function stepsSince(m: ModelState, before: ProgramCounts): GenerationRow['replayedSteps'] {
  const now = m.gpu.recorder.programCounts;
  const spoiled = (c: ProgramCounts) => Object.values(c.spoiled).reduce((n, k) => n + k, 0);
  const replayed = now.replayed - before.replayed;
  return { replayed, steps: replayed + now.kept - before.kept + spoiled(now) - spoiled(before) };
}

/** CPU time of submitting greedy decode steps, each awaited before the next so the GPU is idle, in
 * the attention form the timed generation ran. */
async function stepCpuCost(m: ModelState, prompts: number[][], attention: AttentionDecodeForm): Promise<Pick<GenerationRow, 'stepCpuMillis' | 'dispatchesPerStep' | 'submitsPerStep' | 'stepGpuKernels'>> {
  const steps = 12;
  const B = prompts.length;
  const g = createGenerator(m, B, prompts[0].length + steps + 1, { attention });
  try {
    await prefill(g, prompts.map((p, seq) => ({ seq, ids: p.slice(0, -1) })));
    const recorded: number[] = [];
    const replayed: number[] = [];
    let dispatches = 0;
    let submits = 0;
    for (let i = 0; i < steps; i++) {
      // Steps 0–1 make bind groups and capture; the even steps after them record again, the odd replay.
      const record = i >= 2 && i % 2 === 0;
      if (record) {
        g.programs.forEach((p) => p.release());
        g.programs.clear();
      }
      const before = m.gpu.recorder.dispatchCount;
      const submitsBefore = m.gpu.recorder.submitCount;
      const t0 = performance.now();
      const step = await submitDecodeStep(g, { ids: prompts.map((p) => p.at(-1)!), positions: prompts.map((p) => p.length - 1 + i), active: prompts.map(() => true), output: 'greedy', idsFromChosen: i > 0 });
      const ms = performance.now() - t0;
      dispatches = m.gpu.recorder.dispatchCount - before;
      submits = m.gpu.recorder.submitCount - submitsBefore;
      await step.output;
      if (i >= 2) (record ? recorded : replayed).push(ms);
    }
    // One more replayed step, each dispatch timed in its own pass (the profile costs the GPU a
    // little, so this says where a step's time goes, not how long it takes).
    let stepGpuKernels: GenerationRow['stepGpuKernels'] = null;
    if (m.gpu.recorder.startProfile()) {
      await releaseAfter(
        async () => {
          const step = await submitDecodeStep(g, { ids: prompts.map((p) => p.at(-1)!), positions: prompts.map((p) => p.length - 1 + steps), active: prompts.map(() => true), output: 'greedy', idsFromChosen: true });
          await step.output;
        },
        async () => (stepGpuKernels = await m.gpu.recorder.endProfile()),
      );
    }
    return { stepCpuMillis: { recorded: median(recorded), replayed: median(replayed) }, dispatchesPerStep: dispatches, submitsPerStep: submits, stepGpuKernels };
  } finally {
    g.destroy();
  }
}

export async function runGenerationCase(gpu: Gpu, c: GenerationCase): Promise<GenerationRow> {
  const { files } = benchModel(c.model);
  const lora = c.lora ? { ...DEFAULT_LORA, dropout: 0 } : null;
  const model = await loadEngineModel(gpu, memoryModelFiles(files, c.name), { lora, maxTokens: c.prefillChunk ?? c.batch * c.promptTokens, forwardOnly: true });
  try {
    const prompts = Array.from({ length: c.batch }, (_, b) => Array.from({ length: c.promptTokens }, (_, t) => (b * 7919 + t * 104729) % 50000));
    const run = async () => {
      const t0 = performance.now();
      let firstTokenAt = 0;
      await generate(model.state, prompts, {
        maxNewTokens: c.newTokens,
        stopTokenIds: [],
        ...(c.sampling && { ...c.sampling, seed: 1 }),
        onToken: () => {
          if (!firstTokenAt) firstTokenAt = performance.now();
        },
      });
      return { prefill: firstTokenAt - t0, decode: performance.now() - firstTokenAt };
    };
    const ran = loraDecodeVariantsRun(model.state.gpu);
    ran.clear();
    await run(); // pipeline compilation (and on a GPU, tuning)
    const before = structuredClone(model.state.gpu.recorder.programCounts);
    const { prefill, decode } = await run();
    const replayedSteps = stepsSince(model.state, before);
    // As generate chose it, by its cache's capacity.
    const cachePositions = generationCachePositions(prompts, c.newTokens);
    const decodeAttention = attentionDecodeForm(gpu, cachePositions);
    const cpu = await stepCpuCost(model.state, prompts, decodeAttention);
    const loraDecodeVariants = [...ran].map(([shapeClass, v]) => ({ shapeClass, variant: describeLoraDecodeVariant(v) }));
    return { name: c.name, decodeTokensPerSecond: (c.batch * (c.newTokens - 1)) / (decode / 1000), prefillMillis: prefill, replayedSteps, decodeAttention, cachePositions, ...cpu, loraDecodeVariants };
  } finally {
    model.release();
  }
}

export function formatGenerationRows(rows: GenerationRow[]): string {
  return rows
    .map((r) => {
      const cpu = `CPU per step ${r.stepCpuMillis.recorded.toFixed(2)} ms recorded, ${r.stepCpuMillis.replayed.toFixed(2)} ms replayed, ${r.dispatchesPerStep} dispatches in ${r.submitsPerStep} submit${r.submitsPerStep === 1 ? '' : 's'}`;
      const replays = `${r.replayedSteps.replayed} of ${r.replayedSteps.steps} steps replayed`;
      const attention = r.decodeAttention === 'split'
        ? `decode attention split-K over the cache of ${r.cachePositions} positions (flash-decoding: chunks of ${DECODE_CHUNK}, merged after)`
        : `decode attention in one pass over the cache of ${r.cachePositions} positions${r.decodeAttention === 'thread' ? ', an invocation per head' : ''}`;
      let line = `${r.name}: ${r.decodeTokensPerSecond.toFixed(1)} tokens/s decoding with the KV cache (time to first token ${(r.prefillMillis / 1000).toFixed(3)} s; ${cpu}; ${replays}; ${attention})`;
      if (r.stepGpuKernels?.length) {
        const total = r.stepGpuKernels.reduce((n, k) => n + k.millis, 0);
        const top = r.stepGpuKernels.slice(0, 4).map((k) => `${k.label} ${k.millis.toFixed(2)} ms ×${k.dispatches}`).join(', ');
        line += `\n  GPU per replayed step, kernels alone: ${total.toFixed(2)} ms (${top})`;
      }
      if (r.loraDecodeVariants.length) line += `\n  lora_decode layouts: ${r.loraDecodeVariants.map((l) => `${l.shapeClass} → ${l.variant}`).join(', ')}`;
      return line;
    })
    .join('\n');
}
