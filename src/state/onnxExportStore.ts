// The model exports of a run, which hold the GPU one at a time: "ONNX" asks the worker to merge the
// run's adapter and write a transformers.js folder, downloads it as one .zip, and keeps the check
// report (also stored on the run row) to show; "GGUF" has it write one GGUF file for llama.cpp and
// Ollama, downloads it, and says how to run it.
// Which runs the worker holds an export of (the Playground's ONNX backend runs those) is kept apart
// from the report: dismissing the notice must not take the backend away.
import { create } from 'zustand';
import { hubRepoNameOf } from './hubRepoName.ts';
import { divergenceWords, OUT_OF_MEMORY_ADVICE, takesImportance, type ExportCheckFailure, type ExportCheckReport, type EngineCheckReport, type GgufImportance, type GgufTypeFallback, ggufFallbackText, type HubPushOutcome, readmeOutcomeText } from '../worker/protocol.ts';
import { readPref, writePref } from './localPrefs.ts';
import { engineClient } from './engine.ts';
import { formatBytesShort } from './formatBytesShort.ts';
import { downloadBytes } from './download.ts';
import { fileStem } from './fileStem.ts';
import { useModel } from './modelStore.ts';

/** `adapterStep` < `runStep`: the run failed after its newest checkpoint, which is what was exported. */
type ExportNotice = { runId: string; report: ExportCheckReport | null; checkError?: ExportCheckFailure | null; fileName: string; bytes: number; adapterStep?: number; runStep?: number };

/** A GGUF file saved: what it holds, for the notice that says how to run it. `kind`: the model
 * with the adapter merged (in `type`), or the adapter alone. */
export interface GgufSaved {
  kind: 'model' | 'adapter';
  runId: string;
  runName: string;
  fileName: string;
  bytes: number;
  type: GgufType;
  adapterStep: number;
  runStep: number;
  /** The model's file in each type, in bytes (the worker says, from the tensors' shapes), and of
   * the types whose fallbacks store some matrices otherwise than they meant, which and why. */
  bytesAs?: Record<GgufType, number>;
  fallbackAs?: Partial<Record<GgufType, GgufTypeFallback>>;
  /** The model's file as saved, kept while its notice shows so "Check it" can send it back to the
   * worker (a Blob: no copy). */
  file?: Blob;
  /** What "Check it" found: the file's weights run in the engine against the trained model
   * (`adapterStep`: the checkpoint it was compared with). */
  check?: EngineCheckReport & { adapterStep: number };
  /** The importance matrix a K-quant file was rounded with (its llama-imatrix file, to download). */
  importance?: GgufImportance;
}

/** The run's model with its adapter merged, saved as a Hugging Face folder (.zip). */
export interface MergedSaved {
  runId: string;
  runName: string;
  fileName: string;
  folder: string;
  bytes: number;
  dtype: 'bf16' | 'f16' | 'f32';
  weightFiles: number;
  merged: number;
  adapterStep: number;
  runStep: number;
}

/** A push to the Hub that landed, for its notice. */
export interface HubPushed extends HubPushOutcome {
  runId: string;
  runName: string;
  what: 'adapter' | 'merged' | 'gguf';
  /** The GGUF file's weight type, for a GGUF pushed. */
  ggufType?: GgufType;
  private: boolean;
}

/** The run whose Hub form is open. */
export interface PushForm {
  runId: string;
  runName: string;
  /** An HDR run's adapter is its last round's. */
  hdr: boolean;
  /** The GGUF file of this run the page saved last, which the form offers too (chosen first when
   * the form was opened from its notice). */
  gguf?: { fileName: string; type: GgufType; bytes: number };
  what?: 'adapter' | 'merged' | 'gguf';
}

export type GgufType = 'q8_0' | 'q6_k' | 'q5_k_m' | 'q4_k_m' | 'f16' | 'f32';

const IMPORTANCE_PREF = 'studio.ggufImportance';

/** What each GGUF type is for, beside its size. Q4_K_M is what Ollama and LM Studio download by
 * default: 4-bit blocks, written by llama.cpp's own rules and rounding on the CPU (minutes for a
 * model of half a billion weights), as Q5_K_M and Q6_K are; small models lose more to 4 bits than
 * large ones, so those two are offered between it and Q8_0. A model whose rows are not whole
 * 256-value blocks (the embedded one's are 64) keeps most of it in 5- and 8-bit types: that is said
 * beside the type (ggufFallbackNote). */
const GGUF_TYPE_USE: Record<GgufType, string> = {
  q8_0: 'close to the trained model',
  q6_k: 'nearly as close as Q8_0',
  q5_k_m: 'between Q6_K and Q4_K_M',
  q4_k_m: 'what Ollama and LM Studio download by default',
  f16: 'closer to the trained model',
  f32: 'the trained model exactly',
};

/** What llama-quantize's fallbacks make of `type` for this model (ggufFallbackText), or null where
 * every matrix is stored as the type means. A Q4_K_M file as large as the Q8_0 one (the embedded
 * model's rows are 64 and 128 values long, not whole 256-value blocks) read as a mistake unsaid. */
export function ggufFallbackNote(g: Pick<GgufSaved, 'bytesAs' | 'fallbackAs'>, type: GgufType): string | null {
  const f = g.fallbackAs?.[type];
  return f && g.bytesAs ? ggufFallbackText(type, f, g.bytesAs) : null;
}

/** The other types a saved GGUF can be exported in, each with its file's size and use, and what
 * the fallbacks make of it (`note`, said beside its button). */
export function ggufAlternatives(g: GgufSaved): Array<{ type: GgufType; size: string | null; use: string; note: string | null }> {
  return (Object.keys(GGUF_TYPE_USE) as GgufType[])
    .filter((t) => t !== g.type)
    .map((type) => ({ type, size: g.bytesAs ? formatBytesShort(g.bytesAs[type]) : null, use: GGUF_TYPE_USE[type], note: ggufFallbackNote(g, type) }));
}

interface OnnxExportState {
  /** `runName`: the run as the Runs panel names it (its id only when it has no name). */
  busy: { kind: 'ONNX' | 'GGUF' | 'GGUF check' | 'Merged model' | 'Hub push'; runId: string; runName: string; label: string; done: number; total: number; cancellable?: boolean } | null;
  /** An export is running: it holds the GPU (other jobs are refused). A model export can be
   * cancelled (`cancelExport`: a K-quant GGUF of a larger model takes minutes on the CPU, an ONNX
   * one's check runs the model in WebAssembly). */
  exporting: boolean;
  /** The run whose latest export the worker keeps in memory for the Playground (one at most). */
  exportedRunIds: string[];
  /** What that export's check said, for the Playground to say beside its answers (kept when the
   * notice is dismissed): a failed or unchecked export may answer otherwise than the engine. */
  exportedCheck: 'passed' | 'failed' | 'unchecked' | null;
  /** The last export's notice (its ✕ sets this to null); `checkError`: why its check could not run,
   * and on which side (our engine or onnxruntime-web). */
  report: ExportNotice | null;
  error: string | null;
  /** The fp16 export `error` tells of stopped at a weight fp16 cannot hold: the run its Export in
   * fp32 button exports (fp32 holds every weight, at twice the size). */
  fp32Instead: { runId: string; runName: string } | null;
  exportOnnx(runId: string, runName: string, dtype: 'fp32' | 'fp16'): Promise<void>;
  /** The last GGUF file saved (its ✕ sets this to null). */
  gguf: GgufSaved | null;
  /** The export cancelled last, by the run's name (its notice's ✕ sets this to null). */
  cancelled: { kind: 'ONNX' | 'GGUF' | 'Merged model' | 'Hub push'; runName: string } | null;
  /** The last merged folder saved (its ✕ sets this to null). */
  merged: MergedSaved | null;
  exportMerged(runId: string, runName: string): Promise<void>;
  /** The run whose Hub form shows (one at a time), and the last push that landed (its ✕ sets it to null). */
  pushForm: PushForm | null;
  pushed: HubPushed | null;
  /** Opens the run's Hub form (null closes it), offering the GGUF file of the run the page saved last. */
  openPushForm(form: Omit<PushForm, 'gguf'> | null): void;
  /** Pushes the run's adapter (with a model card), its merged model or its saved GGUF file to a
   * Hugging Face model repo, with the access token the Model panel holds (one token for the page,
   * kept in memory only). */
  pushToHub(runId: string, runName: string, push: { what: 'adapter' | 'merged' | 'gguf'; repo: string; private: boolean }): Promise<void>;
  exportGguf(runId: string, runName: string, type: GgufType): Promise<void>;
  /** Whether a K-quant export is rounded with an importance matrix of the run's training examples
   * (llama-quantize --imatrix's rounding; on unless the user turned it off, remembered). */
  ggufImportance: boolean;
  setGgufImportance(on: boolean): void;
  /** Downloads the importance matrix the saved GGUF was rounded with (llama-imatrix's file). */
  saveImportanceMatrix(): void;
  /** Asks the worker to stop the export running (a GGUF one at its next block of rows, an ONNX one
   * at its next tensor or check prompt): nothing is saved. */
  cancelExport(): Promise<void>;
  exportGgufAdapter(runId: string, runName: string): Promise<void>;
  /** Runs the saved GGUF's weights in the engine against the trained model (the browser has no
   * llama.cpp to run it in); the result joins its notice. */
  checkGguf(): Promise<void>;
}

/** The worker's error when a merged weight is past fp16's range (export/mergeLora.ts), by name:
 * the page does not load the export code to know it. */
const FP16_OVERFLOW_ERROR = 'Fp16OverflowError';

/** Why a job cannot start while an export runs. */
export const EXPORTING_REASON = 'A model export (ONNX, GGUF or merged), a GGUF check or a push to the Hub is running (Runs panel); wait for it to finish.';

/** A run's name as a Hub repo's name. */
export const repoNameOf = (runName: string): string => hubRepoNameOf(runName, 'balancesft-adapter');

/** A run's name as a file name. */

export const useOnnxExport = create<OnnxExportState>((set, get) => ({
  busy: null,
  exporting: false,
  exportedRunIds: [],
  exportedCheck: null,
  report: null,
  error: null,
  fp32Instead: null,
  gguf: null,
  merged: null,
  cancelled: null,
  ggufImportance: readPref(IMPORTANCE_PREF) !== 'off',
  setGgufImportance(on) {
    writePref(IMPORTANCE_PREF, on ? null : 'off');
    set({ ggufImportance: on });
  },
  saveImportanceMatrix() {
    const m = get().gguf?.importance;
    if (m) downloadBytes(m.file, m.fileName, 'application/octet-stream');
  },
  async exportOnnx(runId, runName, dtype) {
    if (get().busy) return;
    set({ busy: { kind: 'ONNX', runId, runName, label: 'starting', done: 0, total: 1, cancellable: true }, exporting: true, report: null, error: null, fp32Instead: null, cancelled: null });
    try {
      const { zip, report, checkError, adapterStep, runStep, held } = await engineClient().request('exportOnnx', { runId, dtype }, (p) => set({ busy: { kind: 'ONNX', runId, runName, label: p.label, done: p.done, total: p.total, cancellable: true } }));
      const fileName = `${fileStem(runName)}-onnx-${dtype}.zip`;
      // The worker holds the export from here on, whether or not the download goes through, and
      // only this one (an earlier export is let go: a real model's is gigabytes); none when the run
      // was deleted while it exported.
      set(held ? { exportedRunIds: [runId], exportedCheck: checkError || !report ? 'unchecked' : report.passed ? 'passed' : 'failed' } : { exportedRunIds: [], exportedCheck: null });
      downloadBytes(zip, fileName);
      set({ report: { runId, report, checkError, fileName, bytes: zip.size, adapterStep, runStep } });
    } catch (err) {
      // The worker's message says what is missing and what to do (no model, another model, no
      // checkpoint yet); a fixed hint after it would point a GPU or memory failure at a checkpoint.
      if ((err as Error).name === 'AbortError') set({ cancelled: { kind: 'ONNX', runName } });
      else set({ error: `Could not export ${runName} to ONNX: ${(err as Error).message}.`, fp32Instead: (err as Error).name === FP16_OVERFLOW_ERROR && dtype === 'fp16' ? { runId, runName } : null });
      // The worker lets the earlier export go once a new one starts, not when it is refused before
      // (a job holds the GPU, no checkpoint): ask it which it holds (none if it cannot say).
      const held = await engineClient().request('heldOnnxExports', {}).catch((): string[] => []);
      set(held.length ? { exportedRunIds: held } : { exportedRunIds: [], exportedCheck: null });
    } finally {
      set({ busy: null, exporting: false });
    }
  },
  async exportGguf(runId, runName, type) {
    if (get().busy) return;
    set({ busy: { kind: 'GGUF', runId, runName, label: 'starting', done: 0, total: 1, cancellable: true }, exporting: true, error: null, fp32Instead: null, gguf: null, cancelled: null });
    try {
      // The K-quant mixes only (Q8_0 has no weighted form).
      const importance = takesImportance(type) && get().ggufImportance;
      const out = await engineClient().request('exportGguf', { runId, type, importance }, (p) => set({ busy: { kind: 'GGUF', runId, runName, label: p.label, done: p.done, total: p.total, cancellable: true } }));
      const fileName = `${fileStem(runName)}-${type}.gguf`;
      downloadBytes(out.file, fileName, 'application/octet-stream');
      set({ gguf: { kind: 'model', runId, runName, fileName, bytes: out.bytes, type, adapterStep: out.adapterStep, runStep: out.runStep, bytesAs: out.bytesAs, fallbackAs: out.fallbackAs, file: out.file, ...(out.importance ? { importance: out.importance } : {}) } });
    } catch (err) {
      if ((err as Error).name === 'AbortError') set({ cancelled: { kind: 'GGUF', runName } });
      else set({ error: `Could not export ${runName} as GGUF: ${(err as Error).message}.` });
    } finally {
      set({ busy: null, exporting: false });
    }
  },
  async exportMerged(runId, runName) {
    if (get().busy) return;
    const busy = (label: string, done: number, total: number) => ({ kind: 'Merged model' as const, runId, runName, label, done, total, cancellable: true });
    set({ busy: busy('starting', 0, 1), exporting: true, error: null, fp32Instead: null, merged: null, cancelled: null });
    try {
      const out = await engineClient().request('exportMerged', { runId }, (p) => set({ busy: busy(p.label, p.done, p.total) }));
      const fileName = `${out.folder}.zip`;
      downloadBytes(out.zip, fileName);
      set({ merged: { runId, runName, fileName, folder: out.folder, bytes: out.zip.size, dtype: out.dtype, weightFiles: out.weightFiles, merged: out.merged, adapterStep: out.adapterStep, runStep: out.runStep } });
    } catch (err) {
      if ((err as Error).name === 'AbortError') set({ cancelled: { kind: 'Merged model', runName } });
      else set({ error: `Could not export ${runName} as a merged model: ${(err as Error).message}.` });
    } finally {
      set({ busy: null, exporting: false });
    }
  },
  pushForm: null,
  pushed: null,
  openPushForm(form) {
    const g = get().gguf;
    const gguf = form && g?.kind === 'model' && g.file && g.runId === form.runId ? { fileName: g.fileName, type: g.type, bytes: g.bytes } : undefined;
    set({ pushForm: form && { ...form, ...(gguf ? { gguf } : {}), ...(form.what === 'gguf' && !gguf ? { what: undefined } : {}) } });
  },
  async pushToHub(runId, runName, push) {
    if (get().busy) return;
    const token = useModel.getState().hubToken;
    const g = get().gguf;
    const gguf = push.what === 'gguf' && g?.file && g.runId === runId ? { file: g.file, type: g.type } : undefined;
    if (push.what === 'gguf' && !gguf) {
      set({ error: `Could not push the GGUF file of ${runName} to the Hub: it is no longer held here (its notice was closed, or another export replaced it); export it again.` });
      return;
    }
    const busy = (label: string, done: number, total: number) => ({ kind: 'Hub push' as const, runId, runName, label, done, total, cancellable: true });
    set({ busy: busy('starting', 0, 1), exporting: true, error: null, fp32Instead: null, pushed: null, cancelled: null });
    try {
      const out = await engineClient().request('pushToHub', { runId, what: push.what, ...(gguf ? { gguf } : {}), repo: push.repo.trim(), token, private: push.private }, (p) => set({ busy: busy(p.label, p.done, p.total) }));
      set({ pushed: { ...out, runId, runName, what: push.what, ...(gguf ? { ggufType: gguf.type } : {}), private: push.private }, pushForm: null });
    } catch (err) {
      if ((err as Error).name === 'AbortError') set({ cancelled: { kind: 'Hub push', runName } });
      else set({ error: `Could not push ${runName} to the Hub: ${(err as Error).message}.` });
    } finally {
      set({ busy: null, exporting: false });
    }
  },
  async cancelExport() {
    if (!get().busy?.cancellable) return;
    await engineClient()
      .request('cancelJob', {})
      .catch((err) => set({ error: `Cancel failed: ${(err as Error).message}.` }));
  },
  async checkGguf() {
    const g = get().gguf;
    if (get().busy || !g?.file) return;
    const busy = (label: string, done: number, total: number) => ({ kind: 'GGUF check' as const, runId: g.runId, runName: g.runName, label, done, total, cancellable: true });
    set({ busy: busy('starting', 0, 1), exporting: true, error: null, cancelled: null });
    try {
      const { report, adapterStep } = await engineClient().request('checkGguf', { runId: g.runId, file: g.file, fileName: g.fileName, type: g.type }, (p) => set({ busy: busy(p.label, p.done, p.total) }));
      // The notice may have been dismissed or replaced meanwhile: the result goes with its own file.
      if (get().gguf === g) set({ gguf: { ...g, check: { ...report, adapterStep } } });
    } catch (err) {
      // Cancelled: the notice stays as it was, its Check it still there.
      if ((err as Error).name !== 'AbortError') set({ error: `Could not check ${g.fileName}: ${(err as Error).message}.` });
    } finally {
      set({ busy: null, exporting: false });
    }
  },
  async exportGgufAdapter(runId, runName) {
    if (get().busy) return;
    // No GPU: the adapter's own tensors are written as they are, in a moment.
    set({ busy: { kind: 'GGUF', runId, runName, label: 'writing the adapter', done: 0, total: 1 }, error: null, fp32Instead: null, gguf: null, cancelled: null });
    try {
      const out = await engineClient().request('exportGgufAdapter', { runId });
      const fileName = `${fileStem(runName)}-lora.gguf`;
      downloadBytes(out.file, fileName, 'application/octet-stream');
      set({ gguf: { kind: 'adapter', runId, runName, fileName, bytes: out.bytes, type: 'f32', adapterStep: out.adapterStep, runStep: out.runStep } });
    } catch (err) {
      set({ error: `Could not export ${runName}'s adapter as GGUF: ${(err as Error).message}.` });
    } finally {
      set({ busy: null });
    }
  },
}));

const TORCH_DTYPE = { bf16: 'bfloat16', f16: 'float16', f32: 'float32' } as const;

/** What a saved merged folder is and what loads it. */
export function describeMerged(m: MergedSaved): string {
  const behind = m.adapterStep < m.runStep ? ` It holds the adapter of step ${m.adapterStep}, the run's newest checkpoint, not of step ${m.runStep} where the run stopped.` : '';
  const shards = m.weightFiles > 1 ? ` in ${m.weightFiles} shards as the model's own` : '';
  return (
    `Saved ${m.fileName} (${formatBytesShort(m.bytes)}): the folder ${m.folder}, the model with the adapter merged into ${m.merged} of its weights (W + scale·B·A rounded once to ${TORCH_DTYPE[m.dtype]}, as PEFT's merge_and_unload() rounds it), as safetensors${shards}, with the model's config, tokenizer and a model card.${behind} ` +
    `Unzipped, it loads without PEFT: AutoModelForCausalLM.from_pretrained("${m.folder}") in transformers, vllm serve ${m.folder}, mlx_lm.convert --hf-path ${m.folder}, or llama.cpp's convert_hf_to_gguf.py ${m.folder}.`
  );
}

/** What a push put on the Hub and how to load it from there. */
export function describePushed(p: HubPushed): string {
  const bytes = p.files.reduce((n, f) => n + f.bytes, 0);
  const had = p.files.filter((f) => !f.sent).length;
  const type = p.ggufType?.toUpperCase();
  const what = p.what === 'adapter' ? `the adapter of ${p.runName} (PEFT, with a model card)` : p.what === 'gguf' ? `the ${type} GGUF file of ${p.runName} (the adapter merged, with a model card)` : `${p.runName} with its adapter merged (safetensors, config, tokenizer and a model card)`;
  const repo = p.created ? `${p.repo}, a new ${p.private ? 'private' : 'public'} repo` : p.repo;
  const files = `${p.files.length === 1 ? 'one file' : `${p.files.length} files`}, ${formatBytesShort(bytes)}${had ? `; ${had === 1 ? 'one' : had} the repo had already, not sent again` : ''}`;
  const behind = p.adapterStep < p.runStep ? ` It holds the adapter of step ${p.adapterStep}, the run's newest checkpoint, not of step ${p.runStep} where the run stopped.` : '';
  const load =
    p.what === 'adapter'
      ? `Load it with AutoPeftModelForCausalLM.from_pretrained("${p.repo}") in PEFT`
      : p.what === 'gguf'
        ? `Run it with ollama run hf.co/${p.repo}:${type}, or llama-server -hf ${p.repo}:${type} --jinja`
        : `Load it with AutoModelForCausalLM.from_pretrained("${p.repo}") in transformers, or vllm serve ${p.repo}`;
  const readme = readmeOutcomeText(p.readme);
  return `Pushed ${what} to ${repo} (${files}) as one commit: ${p.commitUrl}.${behind} ${load}.${readme ? ` ${readme}` : ''}`;
}

/** What a saved GGUF is and how to run it, in the words of the tools that load it. */
export function describeGguf(g: GgufSaved): string {
  const behind = g.adapterStep < g.runStep ? ` It holds the adapter of step ${g.adapterStep}, the run's newest checkpoint, not of step ${g.runStep} where the run stopped.` : '';
  const stem = g.fileName.replace(/\.gguf$/, '');
  if (g.kind === 'adapter') {
    return (
      `Saved ${g.fileName} (${formatBytesShort(g.bytes)}, the LoRA adapter alone, f32 as trained).${behind} It applies over the same base model the run trained on: ` +
      `llama-server -m <that model>.gguf --lora ${g.fileName} --jinja; or in Ollama, a Modelfile holding FROM <that model> and ADAPTER ./${g.fileName}.`
    );
  }
  const m = g.importance;
  const rounded = m ? ` Rounded with an importance matrix of ${m.examples === 1 ? 'one training example' : `${m.examples} training examples`} of ${m.datasetName} (${m.tokens.toLocaleString('en-US')} tokens), as llama-quantize --imatrix rounds: the weights these conversations use most keep the most precision.` : '';
  const fallback = ggufFallbackNote(g, g.type);
  return (
    `Saved ${g.fileName} (${formatBytesShort(g.bytes)}, ${g.type.toUpperCase()} weights, the adapter merged, with the model's tokenizer and chat template).${fallback ? ` ${fallback}` : ''}${rounded}${behind} ` +
    `Run it with llama.cpp: llama-server -m ${g.fileName} --jinja; or with Ollama: a Modelfile holding FROM ./${g.fileName}, then ollama create ${stem.toLowerCase()} -f Modelfile. ` +
    (g.check ? describeGgufCheck(g, g.check) : `The command line's studio export-gguf writes the same file and checks it in llama.cpp against this engine; Check it runs its weights here.`)
  );
}

function describeGgufCheck(g: GgufSaved, c: NonNullable<GgufSaved['check']>): string {
  return gapWords(g, c) + heldOutWords(c.heldOut);
}

function gapWords(g: GgufSaved, c: NonNullable<GgufSaved['check']>): string {
  const where = `${c.positions} positions of ${c.texts} check prompts`;
  const against = c.adapterStep !== g.adapterStep ? ` (the run's checkpoint of step ${c.adapterStep}, newer than the file's)` : '';
  const gap = c.maxGapDiff.toPrecision(2);
  const head = `Checked in this engine: ${g.fileName}'s weights, read back as llama.cpp reads them, against the trained model${against}: `;
  if (!c.passed && c.topDisagreements > 0) {
    return `${head}at ${c.topDisagreements} of ${where} its most likely next token is not the trained model's (largest log-probability gap difference ${gap}). ${g.type.toUpperCase()} rounds this model too coarsely; a type with more bits keeps closer to it.`;
  }
  if (!c.passed) return `${head}the same most likely next tokens at all ${where}, but the gaps differ by up to ${gap}, more than F32 should (1e-4).`;
  return g.type === 'f32'
    ? `${head}the same next-token distribution at all ${where}, to f32 rounding (largest log-probability gap difference ${gap}).`
    : `${head}the same most likely next token at all ${where}; its ${g.type.toUpperCase()} rounding moves the log-probability gaps by up to ${gap}.`;
}

/** What the file's rounding does over the run's held-out conversations, as llama.cpp's perplexity
 * tool measures a quantized file (mean KL divergence from the model it came from). */
function heldOutWords(h: EngineCheckReport['heldOut']): string {
  if (!h) return '';
  const conversations = h.examples === 1 ? 'one held-out conversation' : `${h.examples} held-out conversations`;
  return ` Over the answers of ${conversations} of the run's dataset (${h.positions.toLocaleString('en-US')} positions): ${divergenceWords(h)}.`;
}

export function describeReport(r: Omit<ExportNotice, 'runId'>): string {
  const behind = r.adapterStep !== undefined && r.runStep !== undefined && r.adapterStep < r.runStep;
  const step = behind ? ` It holds the adapter of step ${r.adapterStep}, the run's newest checkpoint, not of step ${r.runStep} where the run stopped.` : '';
  return describeCheck(r, formatBytesShort(r.bytes)) + step;
}

function describeCheck(r: Omit<ExportNotice, 'runId'>, size: string): string {
  if (r.checkError) return `Saved ${r.fileName} (${size}), but ${checkErrorWords(r.checkError)}.`;
  if (!r.report) return `Saved ${r.fileName} (${size}); the export was not checked.`;
  const x = r.report;
  return `Saved ${r.fileName} (${size}). Check on onnxruntime-web (${x.executionProvider}, ${x.dtype}): max |logit difference| ${x.maxAbsDiff.toExponential(1)} (tolerance ${x.tolerance.toExponential(1)}), KV-cache step ${x.kvCacheMaxAbsDiff.toExponential(1)}, greedy tokens ${x.greedyEqual ? 'equal' : x.greedyNearTie ? 'equal up to a near-tie' : 'differ'}: ${x.passed ? 'passed' : 'FAILED'}.`;
}

/** What frees GPU memory for the check in the page: none of the forms' fields (Batch, Max new
 * tokens) sizes it; it runs the model on three short prompts beside whatever else uses the GPU. */
const CHECK_OUT_OF_MEMORY_ADVICE = 'Close other tabs that use the GPU, and press ONNX again to check the export';

/** Why the check did not run, said as the side that failed: an engine out-of-memory sent to
 * onnxruntime-web would have the user chase the wrong runtime. */
function checkErrorWords(e: ExportCheckFailure): string {
  if (e.side === 'engine') return `its check could not run our engine: ${e.message.replace(OUT_OF_MEMORY_ADVICE, CHECK_OUT_OF_MEMORY_ADVICE)}`;
  if (e.side === 'onnxruntime-web') return `its check could not run on onnxruntime-web: ${e.message}`;
  return `its check could not run: ${e.message}`;
}
