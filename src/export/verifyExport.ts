// Checks an ONNX export by running it: onnxruntime-web (WASM, or WebGPU in a browser) against our
// GPU engine with the adapter unmerged, on a few prompts. Per prompt: the largest |logit difference|
// over every position, greedy tokens from both (the ONNX side decodes through its KV cache, the
// engine by full forwards), and the KV-cache path against ONNX's own no-cache logits at the last
// step. The report is plain JSON so the UI can show it and store it with the run.
// Never changes the export; loads one engine model and one ORT session, both released at the end
// (a release that fails after a failed check never replaces why the check failed).
// A check that cannot run throws ExportCheckError, naming the runtime that failed.
import type { Gpu } from '../gpu/index.ts';
import { GpuRefusedWorkError, REFUSED_WORK_NOT_KEPT } from '../gpu/errors.ts';
import type { ModelFiles } from '../model/model-files.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { argmax, openEngineRunner, type EngineRunner } from './engineLogits.ts';
import { openOrtDecoder, runDecoderStep, type OrtDecoder, type OrtExecutionProvider } from './onnxRuntime.ts';
import type { OnnxExportDtype, OnnxExportResult } from './onnxExport.ts';
import { releaseAfter } from '../model/releaseAfter.ts';

/** Allowed max |logit diff| per unit of logit scale (max(1, largest |logit|)) at two layers.
 * fp32: the merged weight W + s·B·A is rounded once to f32 and the two runtimes sum in different
 * orders; fp16: every weight is rounded to 11 significant bits (~5e-4 relative). Rounding errors
 * grow with the logits' size and with depth (about as √layers): measured 7.5e-6 (fp32) and 8e-3
 * (fp16) on the 2-layer tiny models, and 1.2e-4 and 6.1e-2 at 16 layers, hidden 768, logits up
 * to 11.3 (an absolute bound failed such exports although their greedy tokens were equal). */
export const LOGIT_TOLERANCE_PER_UNIT: Record<OnnxExportDtype, number> = { fp32: 1e-5, fp16: 4e-3 };

/** The logit difference an export of this depth and logit scale may show. */
export function logitTolerance(dtype: OnnxExportDtype, numLayers: number, maxAbsLogit: number): number {
  return LOGIT_TOLERANCE_PER_UNIT[dtype] * Math.max(1, maxAbsLogit) * Math.sqrt(Math.max(1, numLayers / 2));
}

export interface PromptCheck {
  promptIds: number[];
  maxAbsDiff: number;
  /** The engine's largest |logit| on this prompt: the scale the difference is judged against. */
  maxAbsLogit: number;
  engineTokens: number[];
  onnxTokens: number[];
  greedyEqual: boolean;
  /** Where the greedy tokens part: the engine's logit margin between its token and ONNX's at the
   * first difference (null when equal). Within the tolerance it is a near-tie that rounding may
   * break either way; the tokens after it continue different texts and say nothing more. */
  greedyTieGap: number | null;
  /** max |diff| between ONNX logits of the last cached step and a no-cache ONNX run of the same sequence. */
  kvCacheMaxAbsDiff: number;
  /** Steps decoded through the KV cache before that comparison: at least 1. */
  kvCacheSteps: number;
}

export interface ExportCheckReport {
  dtype: OnnxExportDtype;
  executionProvider: OrtExecutionProvider;
  prompts: PromptCheck[];
  maxAbsDiff: number;
  kvCacheMaxAbsDiff: number;
  tolerance: number;
  greedyEqual: boolean;
  /** Greedy tokens differ on some prompt, but each first difference is a near-tie (greedyTieGap ≤ tolerance). */
  greedyNearTie: boolean;
  /** Logits within tolerance, greedy tokens equal up to near-ties, and the KV-cache path within tolerance. */
  passed: boolean;
  checkedAt: string;
}

/** The runtime a check that could not run failed in: our engine (the GPU: its memory, a lost device,
 * a limit) or onnxruntime-web (its WebAssembly heap, a missing backend). What the user can do differs
 * (lower what the engine holds, or run the export elsewhere), so the CLI and the page word it apart. */
export type ExportCheckSide = 'engine' | 'onnxruntime-web';

/** Why a check could not run, as plain data that crosses the worker boundary. `side` null: neither
 * runtime failed, the check refused its own input (no prompt, an empty one, one whose logits are all 0). */
export interface ExportCheckFailure {
  side: ExportCheckSide | null;
  message: string;
}

/** An error out of one runtime of the check, named by its side (the original is its `cause`). */
export class ExportCheckError extends Error {
  constructor(
    readonly side: ExportCheckSide,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'ExportCheckError';
  }
}

/** What a GPU refusal (out of memory) of the engine's side did, in place of REFUSED_WORK_NOT_KEPT:
 * the export was written before the check ran, so only the check lost its results. */
const CHECK_STOPPED_EXPORT_KEPT = 'only the check stopped: the export was written before it and is kept as it is';

/** Why a check that threw `err` could not run, and on which side: read so by exportAndCheck (the
 * worker, for the page) and by studio export-onnx alike. */
export function checkFailure(err: unknown): ExportCheckFailure {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof ExportCheckError)) return { side: null, message };
  const refused = err.cause instanceof GpuRefusedWorkError;
  return { side: err.side, message: refused ? message.replace(REFUSED_WORK_NOT_KEPT, CHECK_STOPPED_EXPORT_KEPT) : message };
}

/** `work` as one side of the check: what it throws is said as that side's. */
async function onSide<T>(side: ExportCheckSide, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw err instanceof ExportCheckError ? err : new ExportCheckError(side, err);
  }
}

export interface VerifyOptions {
  /** Token id sequences (already tokenized prompts). */
  prompts: number[][];
  /** Greedy tokens per prompt (default 6). */
  steps?: number;
  executionProvider?: OrtExecutionProvider;
  /** Absolute max |logit diff| (default: logitTolerance for the export's depth and logit scale). */
  tolerance?: number;
  /** Stop greedy decoding at these ids on both sides. */
  eosTokenIds?: number[];
  /** Stops the check before its next prompt (throwing the signal's reason). */
  signal?: AbortSignal;
}

// Each runtime's calls go through its side, so a failure says which one it was (an engine
// out-of-memory is not onnxruntime-web's to fix).
const onEngine = <T>(work: () => Promise<T>) => onSide('engine', work);
const onOrt = <T>(work: () => Promise<T>) => onSide('onnxruntime-web', work);

/** What to change when a check prompt compares nothing, in the studio's words; studio export-onnx
 * names its flag in their place (its formFlags). */
export const CHECK_PROMPT_ADVICE = 'check with prompts in words the model was trained on';

/** Why a prompt whose engine logits are all exactly 0 cannot check the export. No trained model
 * gives exactly 0 everywhere: the prompt's tokens have zero embedding rows (the embedded tiny model
 * keeps rows only for the tokens it was pre-trained on), so every layer sees zeros, both runtimes
 * give 0 everywhere, and "equal" would say nothing about the export. */
function zeroLogitsMessage(prompt: number, tokens: number): string {
  return `check prompt ${prompt} (${tokens} tokens) gets logit 0 for every token at every position from the model itself: it has no trained embedding for those tokens, so the two runtimes would be compared on nothing; ${CHECK_PROMPT_ADVICE}`;
}

export async function verifyOnnxExport(gpu: Gpu, source: ModelFiles, adapter: LoraAdapter | null, exported: OnnxExportResult, opts: VerifyOptions): Promise<ExportCheckReport> {
  if (opts.prompts.length === 0 || opts.prompts.some((p) => p.length === 0)) throw new Error('export check needs at least one non-empty prompt');
  const steps = opts.steps ?? 6;
  const eos = opts.eosTokenIds ?? [];
  const maxTokens = Math.max(...opts.prompts.map((p) => p.length)) + steps;
  const executionProvider = opts.executionProvider ?? 'wasm';
  // Both runtimes are released whatever the check met; when it failed, that failure is what is
  // said, not a release that failed after it.
  const engine = await onEngine(() => openEngineRunner(gpu, source, adapter, maxTokens));
  const prompts = await releaseAfter(async () => {
    const dec = await onOrt(() => openOrtDecoder(exported.spec, exported.files, exported.modelPath, executionProvider));
    return releaseAfter(async () => {
      const checks: PromptCheck[] = [];
      for (const [p, ids] of opts.prompts.entries()) {
        opts.signal?.throwIfAborted();
        checks.push(await checkPrompt(engine, dec, ids, p + 1, steps, eos));
      }
      return checks;
    }, () => onOrt(() => dec.release()));
  }, () => onEngine(async () => engine.release()));
  const maxAbsDiff = Math.max(...prompts.map((p) => p.maxAbsDiff));
  const kvCacheMaxAbsDiff = Math.max(...prompts.map((p) => p.kvCacheMaxAbsDiff));
  const greedyEqual = prompts.every((p) => p.greedyEqual);
  const tolerance = opts.tolerance ?? logitTolerance(exported.dtype, exported.spec.numLayers, Math.max(...prompts.map((p) => p.maxAbsLogit)));
  const greedyNearTie = !greedyEqual && prompts.every((p) => p.greedyEqual || p.greedyTieGap! <= tolerance);
  return {
    dtype: exported.dtype,
    executionProvider,
    prompts,
    maxAbsDiff,
    kvCacheMaxAbsDiff,
    tolerance,
    greedyEqual,
    greedyNearTie,
    passed: maxAbsDiff <= tolerance && kvCacheMaxAbsDiff <= tolerance && (greedyEqual || greedyNearTie),
    checkedAt: new Date().toISOString(),
  };
}

/** One prompt through both runtimes: logits, greedy tokens, and the ONNX KV-cache path. */
async function checkPrompt(engine: EngineRunner, dec: OrtDecoder, ids: number[], prompt: number, steps: number, eos: number[]): Promise<PromptCheck> {
  const V = dec.spec.vocabSize;
  const want = await onEngine(() => engine.logits(ids));
  const maxAbsLogit = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  // Thrown outside both sides: neither runtime failed, the prompt cannot check anything.
  if (maxAbsLogit === 0) throw new Error(zeroLogitsMessage(prompt, ids.length));
  const first = await onOrt(() => runDecoderStep(dec, [ids], null));
  const maxAbsDiff = maxAbs(first.logits, want);
  const engineTokens = await onEngine(() => engine.greedy(ids, steps, eos));

  // ONNX greedy through the KV cache: one token per step after the prompt.
  const onnxTokens: number[] = [];
  let step = first;
  let seq = [...ids];
  let lastLogits = first.logits.subarray((ids.length - 1) * V, ids.length * V);
  for (let s = 0; s < steps; s++) {
    const next = argmax(lastLogits, 0, V);
    onnxTokens.push(next);
    if (eos.includes(next) || s === steps - 1) break;
    seq = [...seq, next];
    step = await onOrt(() => runDecoderStep(dec, [[next]], step.present));
    lastLogits = step.logits;
  }
  // The cache is what transformers.js decodes through: when greedy decoding stopped at its first
  // token (end of sequence, or one step asked), one step still goes through it to be compared.
  if (seq.length === ids.length) {
    seq = [...ids, onnxTokens[0]];
    step = await onOrt(() => runDecoderStep(dec, [[onnxTokens[0]]], first.present));
    lastLogits = step.logits;
  }
  const kvCacheSteps = seq.length - ids.length;
  // The cached last step against a full no-cache run of the same sequence.
  const full = await onOrt(() => runDecoderStep(dec, [seq], null));
  const kvCacheMaxAbsDiff = maxAbs(lastLogits, full.logits.subarray((seq.length - 1) * V, seq.length * V));
  const greedyEqual = sameTokens(engineTokens, onnxTokens);
  let greedyTieGap: number | null = null;
  if (!greedyEqual) {
    // Both sides decoded the same prefix up to the first difference d: the engine's logits there.
    const d = engineTokens.findIndex((t, i) => t !== onnxTokens[i]);
    const at = await onEngine(() => engine.logits([...ids, ...engineTokens.slice(0, d)]));
    const row = (ids.length + d - 1) * V;
    greedyTieGap = at[row + engineTokens[d]] - at[row + onnxTokens[d]];
  }
  return { promptIds: ids, maxAbsDiff, maxAbsLogit, engineTokens, onnxTokens, greedyEqual, greedyTieGap, kvCacheMaxAbsDiff, kvCacheSteps };
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`export check: logits of different sizes (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

function sameTokens(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}
