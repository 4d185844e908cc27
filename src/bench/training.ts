// Training-step benchmark: wall time of one optimizer step (forward, fused LM head, backward,
// clipping, AdamW) for the embedded tiny model and a Qwen2.5-0.5B-shaped model with random
// weights, the matmul FLOPs it performs, and the share of the adapter's best matmul rate that
// represents (MFU against our own kernel's peak on this adapter), plus plan vs allocated bytes.
import type { Gpu } from '../gpu/index.ts';
import { TINY_QWEN3_DEFAULT, type TinyModelOptions } from '../model/tiny-model.ts';
import { benchModel } from './benchModel.ts';
import { memoryModelFiles } from '../model/model-files.ts';
import { formatBytes } from '../model/memory-plan.ts';
import { benchTrainingStep, type StepBenchResult } from '../train/stepBench.ts';

export interface TrainingCase {
  name: string;
  model: TinyModelOptions;
  batch: number;
  seqLen: number;
  rank: number;
  steps: number;
  /** Minutes on a software adapter; skipped by --quick. */
  large: boolean;
  /** Hardware adapters only (hours on a software adapter). */
  gpuOnly?: boolean;
  /** One example per length, the batch's size (a step trains on them all); default all seqLen. */
  lengths?: number[];
  /** false: a row per example, the layout before packing, to compare with. */
  packRows?: boolean;
}

/** Eight lengths from an eighth of the longest to all of it (mean 0.47 of it), like a tool-use set's
 * spread: a row each lays out 2.1 tokens per real one, packed 1.06. */
const MIXED = [1, 0.125, 0.5625, 0.28125, 0.8125, 0.1875, 0.4375, 0.375];
const mixed = (seqLen: number) => MIXED.map((f) => Math.round(f * seqLen));

export const QWEN25_05B_SHAPE: TinyModelOptions = {
  ...TINY_QWEN3_DEFAULT,
  family: 'qwen2',
  hiddenSize: 896,
  numLayers: 24,
  numHeads: 14,
  numKvHeads: 2,
  headDim: 64,
  intermediateSize: 4864,
  tieWordEmbeddings: true,
  initStd: 0.02,
};

export const TRAINING_CASES: TrainingCase[] = [
  { name: 'train step: embedded tiny Qwen3 (vocab 151,936), B=2 T=128, r=8', model: TINY_QWEN3_DEFAULT, batch: 2, seqLen: 128, rank: 8, steps: 3, large: false },
  { name: 'train step: Qwen2.5-0.5B shape (bf16, random), B=1 T=64, r=16', model: QWEN25_05B_SHAPE, batch: 1, seqLen: 64, rank: 16, steps: 2, large: true },
  // The shapes PyTorch + PEFT was measured at on the same GPU (../shared/gpu/README.md).
  { name: 'train step: Qwen2.5-0.5B shape (bf16, random), B=4 T=512, r=16', model: QWEN25_05B_SHAPE, batch: 4, seqLen: 512, rank: 16, steps: 3, large: true, gpuOnly: true },
  { name: 'train step: Qwen2.5-0.5B shape (bf16, random), B=8 T=1024, r=16', model: QWEN25_05B_SHAPE, batch: 8, seqLen: 1024, rank: 16, steps: 3, large: true, gpuOnly: true },
  // Examples of mixed lengths, packed (what training does) and a row each (what it did before). Not
  // at the embedded shape: its random LM head (no zero rows to leave out) is 85% of such a step.
  { name: 'train step: Qwen2.5-0.5B shape (bf16, random), 8 mixed lengths ≤ 1024, packed, r=16', model: QWEN25_05B_SHAPE, batch: 8, seqLen: 1024, rank: 16, steps: 3, large: true, gpuOnly: true, lengths: mixed(1024) },
  { name: 'train step: Qwen2.5-0.5B shape (bf16, random), 8 mixed lengths ≤ 1024, a row each, r=16', model: QWEN25_05B_SHAPE, batch: 8, seqLen: 1024, rank: 16, steps: 3, large: true, gpuOnly: true, lengths: mixed(1024), packRows: false },
];

export interface TrainingRow {
  name: string;
  result: StepBenchResult;
  matmulGflops: number;
  /** matmul rate in the step ÷ the best matmul rate measured in this run. */
  mfu: number | null;
}

export async function runTrainingCase(gpu: Gpu, c: TrainingCase, bestMatmulGflops: number | null): Promise<TrainingRow> {
  const { spec, files } = benchModel(c.model);
  const result = await benchTrainingStep(gpu, memoryModelFiles(files, c.name), spec, { batch: c.batch, seqLen: c.seqLen, rank: c.rank, steps: c.steps, lengths: c.lengths, packRows: c.packRows });
  const matmulGflops = result.matmulFlops / (result.stepMillis * 1e6);
  return { name: c.name, result, matmulGflops, mfu: bestMatmulGflops ? matmulGflops / bestMatmulGflops : null };
}

export function formatTrainingRows(rows: TrainingRow[]): string {
  const lines: string[] = [];
  for (const r of rows) {
    const x = r.result;
    const planned = x.plan.trainingBytes;
    lines.push(
      `${r.name}`,
      `  step ${(x.stepMillis / 1000).toFixed(3)} s  ${(x.tokens / (x.stepMillis / 1000)).toFixed(1)} tokens/s  (first step ${(x.firstStepMillis / 1000).toFixed(3)} s;` +
        ` before it: load ${(x.loadMillis / 1000).toFixed(1)} s, ${x.prepare.pipelines} pipelines + ${x.prepare.tuned.length} matmul shapes tuned in ${(x.prepare.millis / 1000).toFixed(1)} s)`,
      `  ${x.dispatchesPerStep} dispatches per step; weights ${x.weightDtype}${x.weightNote ? ` (${x.weightNote})` : ''}` +
        (x.laidOutTokens !== x.tokens ? `; ${x.tokens} tokens laid out as ${x.laidOutTokens} (${(x.laidOutTokens / x.tokens).toFixed(2)} per token)` : ''),
      `  matmul work ${(x.matmulFlops / 1e9).toFixed(2)} GFLOP/step → ${r.matmulGflops.toFixed(3)} GFLOP/s` +
        (r.mfu === null ? '' : `, ${(r.mfu * 100).toFixed(1)}% of this adapter's best matmul rate (MFU)`),
      `  memory: planned ${formatBytes(planned)}, allocated ${formatBytes(x.measuredBytes)} (${(((x.measuredBytes - planned) / planned) * 100).toFixed(2)}%)` +
        (x.scratchBytes ? `, kernel scratch ${formatBytes(x.scratchBytes)}` : ''),
    );
    if (x.profile?.length) {
      const total = x.profile.reduce((n, k) => n + k.millis, 0);
      lines.push(`  GPU time by kernel (one step, each dispatch timed alone: ${total.toFixed(1)} ms):`);
      for (const k of x.profile.slice(0, 10)) lines.push(`    ${k.label.padEnd(48)} ${k.millis.toFixed(2).padStart(9)} ms  ${((k.millis / total) * 100).toFixed(1).padStart(5)}%  ×${k.dispatches}`);
    }
  }
  return lines.join('\n');
}
