// An exported model checked in the studio's own engine: its weights (a written GGUF's read back as
// llama.cpp reads them, ggufReadBack.ts, where llama.cpp cannot run: the browser; a merged
// Hugging Face folder's as they are) run on the GPU beside the trained model (the base with its
// adapter unmerged), both over the same check texts, compared as the command line's llama.cpp check
// compares (nextTokenGaps.ts); and, over held-out conversations, how far the export's next-token
// distribution is from the trained model's at every position (mean KL divergence, as llama.cpp's
// perplexity tool measures a quantized file; the logits stay on the GPU). It measures what the
// export's rounding did to the model; llama.cpp's own kernels (which also round the activations)
// are only run by `studio export-gguf`.
import type { Gpu } from '../gpu/index.ts';
import type { ByteSource } from '../model/byte-source.ts';
import type { ModelSpec } from '../model/config.ts';
import type { LoraAdapter } from '../model/lora.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { releaseOnFailure } from '../model/releaseAfter.ts';
import { createStorageBuffer, readF32, readU32 } from '../gpu/index.ts';
import { nextTokenKl } from '../ops/nextTokenKl.ts';
import { openEngineRunner, type EngineRunner } from './engineLogits.ts';
import type { HeldOutDivergence } from './heldOutDivergence.ts';
import { ggufAsModelFiles } from './ggufReadBack.ts';
import { compareGaps, F32_GAP_TOLERANCE } from './nextTokenGaps.ts';

const TOP = 40;

export interface EngineCheckReport {
  /** The check texts, and the positions compared in all of them. */
  texts: number;
  positions: number;
  /** Largest |log-probability gap difference| over the file's 40 most likely tokens at each position. */
  maxGapDiff: number;
  /** Positions whose most likely next token differs (near-ties aside). */
  topDisagreements: number;
  passed: boolean;
  /** Over the held-out conversations given, from each one's first answer on. */
  heldOut?: HeldOutDivergence;
}

export type { HeldOutDivergence };

export interface EngineCheckOptions {
  /** Token ids of each check text (our tokenizer's, as llama.cpp's check compares them). */
  texts: number[][];
  /** Whether the export is F32 (then it must agree to f32 rounding) or rounded (the top tokens must). */
  f32: boolean;
  /** Held-out conversations the divergence is measured over (none: not measured): their token ids,
   * and the index of each one's first answer token (the positions before it only read the prompt). */
  heldOut?: Array<{ ids: ArrayLike<number>; firstAnswer: number }>;
  signal?: AbortSignal;
  onProgress?: (label: string, done: number, total: number) => void;
}

/** A GGUF's weights (of `source`'s model) against the trained model. */
export async function checkGgufInEngine(gpu: Gpu, source: ModelFiles, spec: ModelSpec, adapter: LoraAdapter | null, gguf: ByteSource, opts: EngineCheckOptions): Promise<EngineCheckReport> {
  checkInputs(opts);
  return checkInEngine(gpu, source, adapter, await ggufAsModelFiles(source, spec, gguf), opts);
}

/** `files` (a model of `source`'s shape, no adapter) against `source` with `adapter`. */
export async function checkInEngine(gpu: Gpu, source: ModelFiles, adapter: LoraAdapter | null, files: ModelFiles, opts: EngineCheckOptions): Promise<EngineCheckReport> {
  checkInputs(opts);
  const heldOut = opts.heldOut ?? [];
  const maxTokens = Math.max(...opts.texts.map((t) => t.length), ...heldOut.map((h) => h.ids.length));
  // Both models on the GPU together: the held-out comparison takes each position's logits of both.
  const trainedRunner = await openEngineRunner(gpu, source, adapter, maxTokens);
  const fileRunner = await releaseOnFailure(() => openEngineRunner(gpu, files, null, maxTokens), () => trainedRunner.release());
  let trained: Float32Array[];
  let fromFile: Float32Array[];
  let divergence: HeldOutDivergence | undefined;
  try {
    trained = await logitsOf(trainedRunner, opts.texts, opts.signal);
    fromFile = await logitsOf(fileRunner, opts.texts, opts.signal);
    if (heldOut.length) divergence = await heldOutDivergence(gpu, trainedRunner, fileRunner, heldOut, trainedRunner.state.spec.vocabSize, opts);
  } finally {
    fileRunner.release();
    trainedRunner.release();
  }
  const V = trainedRunner.state.spec.vocabSize;
  let maxGapDiff = 0;
  let topDisagreements = 0;
  opts.texts.forEach((ids, i) => {
    const theirs = ids.map((_, p) => topGaps(fromFile[i], p * V, V));
    const c = compareGaps(trained[i], V, theirs);
    maxGapDiff = Math.max(maxGapDiff, c.maxGapDiff);
    topDisagreements += c.topDisagreements;
  });
  const positions = opts.texts.reduce((n, t) => n + t.length, 0);
  const passed = topDisagreements === 0 && (!opts.f32 || maxGapDiff <= F32_GAP_TOLERANCE);
  return { texts: opts.texts.length, positions, maxGapDiff, topDisagreements, passed, ...(divergence ? { heldOut: divergence } : {}) };
}

function checkInputs(opts: EngineCheckOptions): void {
  if (opts.texts.length === 0 || opts.texts.some((t) => t.length === 0)) throw new Error('export check: it needs check texts of at least one token each');
  for (const h of opts.heldOut ?? []) if (!(Number.isInteger(h.firstAnswer) && h.firstAnswer >= 1 && h.firstAnswer < h.ids.length)) throw new Error(`export check: a held-out conversation of ${h.ids.length} tokens has its first answer token at ${h.firstAnswer}`);
}

async function logitsOf(engine: EngineRunner, texts: number[][], signal?: AbortSignal): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const ids of texts) {
    signal?.throwIfAborted();
    out.push(await engine.logits(ids));
  }
  return out;
}

/** Each held-out conversation through both models, their logits compared on the GPU position by
 * position (ops/nextTokenKl.ts): only the KL and the two most likely tokens come back. */
async function heldOutDivergence(gpu: Gpu, trained: EngineRunner, file: EngineRunner, seqs: NonNullable<EngineCheckOptions['heldOut']>, V: number, opts: EngineCheckOptions): Promise<HeldOutDivergence> {
  const rows = Math.max(...seqs.map((s) => s.ids.length));
  const kl = createStorageBuffer(gpu.ctx, rows * 4, 'export-check.kl');
  const tops = createStorageBuffer(gpu.ctx, rows * 8, 'export-check.tops');
  try {
    let sum = 0;
    let positions = 0;
    let topSame = 0;
    for (const [i, { ids, firstAnswer }] of seqs.entries()) {
      opts.signal?.throwIfAborted();
      opts.onProgress?.('comparing the next-token distributions on held-out conversations', i, seqs.length);
      // Positions firstAnswer − 1 … L − 2: each predicts a token of the conversation from its first answer on.
      const from = firstAnswer - 1;
      const n = ids.length - 1 - from;
      const p = await trained.logitsOnGpu(ids, from);
      const q = await file.logitsOnGpu(ids, from);
      await nextTokenKl(gpu, { p, q, kl, tops, rows: n, V });
      gpu.recorder.submit();
      const k = await readF32(gpu.ctx, kl, n);
      const t = await readU32(gpu.ctx, tops, n * 2);
      for (let r = 0; r < n; r++) {
        sum += k[r];
        if (t[2 * r] === t[2 * r + 1]) topSame++;
      }
      positions += n;
    }
    opts.onProgress?.('comparing the next-token distributions on held-out conversations', seqs.length, seqs.length);
    return { examples: seqs.length, positions, meanKl: sum / positions, topSame };
  } finally {
    kl.destroy();
    tops.destroy();
  }
}

/** The position's most likely token and the logit gaps to it of the TOP most likely. */
function topGaps(logits: Float32Array, at: number, V: number): { top: number; gaps: Array<[number, number]> } {
  const best: Array<[number, number]> = [];
  for (let id = 0; id < V; id++) {
    const v = logits[at + id];
    if (best.length === TOP && v <= best[TOP - 1][1]) continue;
    let k = best.length === TOP ? TOP - 1 : best.length;
    if (best.length < TOP) best.push([id, v]);
    while (k > 0 && best[k - 1][1] < v) {
      best[k] = best[k - 1];
      k--;
    }
    best[k] = [id, v];
  }
  const top = best[0];
  return { top: top[0], gaps: best.map(([id, v]) => [id, v - top[1]]) };
}
