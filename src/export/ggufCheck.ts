// A written GGUF checked by running it in llama.cpp (node-llama-cpp's CPU build, Node only): the
// file's tokenizer must split the check texts into our tokenizer's ids, and at every position of
// each text llama.cpp's next-token distribution must be our engine's (adapter unmerged, on the
// GPU). Compared as log-probability gaps to the position's most likely token over llama.cpp's 40
// most likely: a gap is a logit difference, free of the softmax's normalisation over a cut list.
// Its KV cache is f32, so an f32 export agrees to f32 rounding; f16 and Q8_0 carry their rounding,
// so for them the most likely tokens must agree (up to near-ties) and the gap is reported.
import type { Gpu } from '../gpu/index.ts';
import type { ModelFiles } from '../model/model-files.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { releaseAfter } from '../model/releaseAfter.ts';
import { openEngineRunner } from './engineLogits.ts';
import { compareGaps, F32_GAP_TOLERANCE } from './nextTokenGaps.ts';
import type { GgufExportType } from './ggufExport.ts';

export { F32_GAP_TOLERANCE };

const TOP = 40;

export interface GgufCheckText {
  text: string;
  /** The ids compared (our tokenizer's, cut to the check's length). */
  ids: number[];
  /** llama.cpp's ids of the whole text, and whether they are ours. */
  llamaCppIds: number[];
  tokensEqual: boolean;
  /** Largest |gap difference| over its positions, and the positions whose top tokens differ by
   * more than that allows (a near-tie is not a disagreement). */
  maxGapDiff: number;
  topDisagreements: number;
}

export interface GgufCheckReport {
  type: GgufExportType;
  texts: GgufCheckText[];
  tokenizerEqual: boolean;
  maxGapDiff: number;
  topDisagreements: number;
  passed: boolean;
}

export class LlamaCppMissingError extends Error {
  constructor(cause: unknown) {
    super(`the check runs the file in llama.cpp through the node-llama-cpp package, which could not be loaded (${(cause as Error).message.split('\n')[0]}); install the studio's packages with npm ci, or pass --no-check`);
    this.name = 'LlamaCppMissingError';
  }
}

export interface GgufCheckOptions {
  /** The GGUF file, and how its matrices are stored. */
  path: string;
  type: GgufExportType;
  /** Texts with our tokenizer's ids; `maxTokens` of each are compared. */
  texts: Array<{ text: string; ids: number[] }>;
  maxTokens: number;
  /** A GGUF adapter file llama.cpp applies over `path` (then a file of the base model alone). */
  loraPath?: string;
  /** llama.cpp's threads (default: its own choice, every core). */
  threads?: number;
}

let llama: ReturnType<typeof loadLlama> | null = null;

async function loadLlama() {
  const { getLlama } = await import('node-llama-cpp').catch((err: unknown) => {
    throw new LlamaCppMissingError(err);
  });
  return getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
}

/** llama.cpp's CPU build, loaded once a process (a second load of its binding took a second). */
function cpuLlama(): ReturnType<typeof loadLlama> {
  if (!llama) {
    const loading = loadLlama();
    llama = loading;
    loading.catch(() => {
      if (llama === loading) llama = null;
    });
  }
  return llama;
}

export async function checkGgufWithLlamaCpp(gpu: Gpu, source: ModelFiles, adapter: LoraAdapter | null, opts: GgufCheckOptions): Promise<GgufCheckReport> {
  const { path: ggufPath, type, texts, maxTokens, loraPath } = opts;
  if (texts.length === 0 || texts.some((t) => t.ids.length === 0)) throw new Error('GGUF check: it needs check texts of at least one token each');
  const model = await (await cpuLlama()).loadModel({ modelPath: ggufPath });
  return releaseAfter(async () => {
    const engine = await openEngineRunner(gpu, source, adapter, maxTokens);
    return releaseAfter(async () => {
      const V = engine.state.spec.vocabSize;
      const checked: GgufCheckText[] = [];
      for (const { text, ids: all } of texts) {
        const ids = all.slice(0, maxTokens);
        const llamaCppIds = [...model.tokenize(text, true)].map(Number);
        const context = await model.createContext({
          contextSize: Math.max(32, ids.length),
          experimentalKvCacheKeyType: 'F32',
          experimentalKvCacheValueType: 'F32',
          flashAttention: false,
          ...(opts.threads ? { threads: opts.threads } : {}),
          ...(loraPath ? { lora: { adapters: [{ filePath: loraPath, scale: 1 }] } } : {}),
        });
        const out = await releaseAfter(
          () => context.getSequence().controlledEvaluate(ids.map((id) => [id as never, { generateNext: { probabilities: true, options: { temperature: 1, topK: TOP, topP: 1, minP: 0 } } }])),
          () => context.dispose(),
        );
        const logits = await engine.logits(ids);
        const { maxGapDiff, topDisagreements } = compareGaps(
          logits,
          V,
          ids.map((_, p) => {
            const probs = out[p]?.next?.probabilities;
            if (!probs?.size) throw new Error(`GGUF check: llama.cpp gave no probabilities at position ${p}`);
            const [topId, topP] = [...probs.entries()][0] as [number, number];
            return { top: topId, gaps: [...(probs as Map<number, number>)].map(([id, prob]) => [id, Math.log(prob) - Math.log(topP)] as [number, number]) };
          }),
        );
        checked.push({ text, ids, llamaCppIds, tokensEqual: sameIds(llamaCppIds, all), maxGapDiff, topDisagreements });
      }
      const tokenizerEqual = checked.every((t) => t.tokensEqual);
      const maxGapDiff = Math.max(...checked.map((t) => t.maxGapDiff));
      const topDisagreements = checked.reduce((n, t) => n + t.topDisagreements, 0);
      const passed = tokenizerEqual && topDisagreements === 0 && (type !== 'f32' || maxGapDiff <= F32_GAP_TOLERANCE);
      return { type, texts: checked, tokenizerEqual, maxGapDiff, topDisagreements, passed };
    }, () => engine.release());
  }, () => model.dispose());
}

function sameIds(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
