// A written GGUF checked in the studio's own engine, where llama.cpp cannot run (the browser): the
// file's weights read back as llama.cpp reads them (ggufReadBack.ts) and run on the GPU beside the
// trained model (the base with its adapter unmerged), both over the same check texts, compared as
// the command line's llama.cpp check compares (nextTokenGaps.ts). It measures what the file's
// rounding did to the model; llama.cpp's own kernels (which also round the activations) are only
// run by `studio export-gguf`.
import type { Gpu } from '../gpu/index.ts';
import type { ByteSource } from '../model/byte-source.ts';
import type { ModelSpec } from '../model/config.ts';
import type { LoraAdapter } from '../model/lora.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { releaseAfter } from '../model/releaseAfter.ts';
import { openEngineRunner } from './engineLogits.ts';
import { ggufAsModelFiles } from './ggufReadBack.ts';
import { compareGaps, F32_GAP_TOLERANCE } from './nextTokenGaps.ts';

const TOP = 40;

export interface GgufEngineCheckReport {
  /** The check texts, and the positions compared in all of them. */
  texts: number;
  positions: number;
  /** Largest |log-probability gap difference| over the file's 40 most likely tokens at each position. */
  maxGapDiff: number;
  /** Positions whose most likely next token differs (near-ties aside). */
  topDisagreements: number;
  passed: boolean;
}

export interface GgufEngineCheckOptions {
  /** Token ids of each check text (our tokenizer's, as llama.cpp's check compares them). */
  texts: number[][];
  /** Whether the file is F32 (then it must agree to f32 rounding) or rounded (the top tokens must). */
  f32: boolean;
  signal?: AbortSignal;
}

export async function checkGgufInEngine(gpu: Gpu, source: ModelFiles, spec: ModelSpec, adapter: LoraAdapter | null, gguf: ByteSource, opts: GgufEngineCheckOptions): Promise<GgufEngineCheckReport> {
  if (opts.texts.length === 0 || opts.texts.some((t) => t.length === 0)) throw new Error('GGUF check: it needs check texts of at least one token each');
  const maxTokens = Math.max(...opts.texts.map((t) => t.length));
  // One model on the GPU at a time: the trained one's logits first, then the file's.
  const trained = await logitsOf(gpu, source, adapter, opts.texts, maxTokens, opts.signal);
  const files = await ggufAsModelFiles(source, spec, gguf);
  const fromFile = await logitsOf(gpu, files, null, opts.texts, maxTokens, opts.signal);
  const V = spec.vocabSize;
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
  return { texts: opts.texts.length, positions, maxGapDiff, topDisagreements, passed };
}

async function logitsOf(gpu: Gpu, files: ModelFiles, adapter: LoraAdapter | null, texts: number[][], maxTokens: number, signal?: AbortSignal): Promise<Float32Array[]> {
  signal?.throwIfAborted();
  const engine = await openEngineRunner(gpu, files, adapter, maxTokens);
  return releaseAfter(async () => {
    const out: Float32Array[] = [];
    for (const ids of texts) {
      signal?.throwIfAborted();
      out.push(await engine.logits(ids));
    }
    return out;
  }, () => engine.release());
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
