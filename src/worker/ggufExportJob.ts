// "GGUF" for a run: its adapter merged into the loaded base model on the GPU and written as one
// GGUF file (export/ggufExport.ts) for llama.cpp, Ollama and LM Studio, gathered as a Blob
// (gatheredBlob.ts) while the next tensors are merged.
import type { LoraAdapter } from '../model/lora.ts';
import { exportGgufAdapter, exportGgufModel, isQuantizedExport, takesImportance, type GgufExportResult, type GgufExportType } from '../export/ggufExport.ts';
import type { GgufSources } from '../export/ggufSources.ts';
import { importanceMatrixFile } from '../export/importanceMatrix.ts';
import { importanceFromExamples, type ImportanceResult } from '../jobs/importance.ts';
import type { Example } from '../data/example.ts';
import { heldOutAnswers } from '../jobs/heldOutAnswers.ts';
import type { ModelSpec } from '../model/config.ts';
import type { JobContext } from '../jobs/context.ts';
import { QuantPool, type QuantReply, type QuantRequest } from '../export/quantPool.ts';
import { workerPort } from './workerPort.ts';
import { checkGgufInEngine, type EngineCheckReport } from '../export/engineCheck.ts';
import { blobSource } from '../model/byte-source.ts';
import { ONNX_CHECK_PROMPTS } from './onnxExportJob.ts';
import { GatheredBlob } from './gatheredBlob.ts';

export interface GgufExportInput {
  adapter: LoraAdapter;
  type: GgufExportType;
  /** general.name: the run as the Runs panel names it. */
  name: string;
  /** The run's training examples an importance matrix is collected over (a K-quant mix only), at
   * the run's sequence length; `fileName`: what the matrix's file is called (the GGUF records it). */
  importance?: { examples: Example[]; seqLen: number; datasetName: string; fileName: string; collected?: ImportanceResult };
  /** The run's Hub base model and dataset, recorded in the file (general.base_model.*, general.dataset.*). */
  sources?: GgufSources;
}

/** The importance matrix a GGUF was rounded with: llama-imatrix's file of it, and what it was collected over. */
export interface GgufImportance {
  file: Blob;
  fileName: string;
  examples: number;
  tokens: number;
  datasetName: string;
}

/** Quantization workers for a quantized export, a core each (up to 8: this worker waits on them
 * while they work), where this runs in a browser's worker. Node's tests run it on this thread (a
 * package there may have put a Worker global of its own, which cannot load this TypeScript), as
 * does a browser that refuses to start them. */
function pagePool(type: GgufExportType): QuantPool | null {
  const inBrowserWorker = typeof WorkerGlobalScope !== 'undefined' && typeof Worker !== 'undefined';
  if (!isQuantizedExport(type) || !inBrowserWorker) return null;
  const size = Math.min(8, Math.max(1, navigator.hardwareConcurrency || 2));
  try {
    return new QuantPool(() => workerPort<QuantRequest, QuantReply>(new Worker(new URL('./quantWorker.ts', import.meta.url), { type: 'module', name: 'gguf-quantize' })), size);
  } catch {
    return null;
  }
}

/** `collected`: the importance matrix the file was rounded with, for the next K-quant export of the same run to reuse. */
export type GgufExportOutput = Pick<GgufExportResult, 'preTokenizer' | 'bytesAs' | 'fallbackAs'> & { file: Blob; importance?: GgufImportance; collected?: ImportanceResult };

export async function runGgufExport(ctx: JobContext, job: GgufExportInput): Promise<GgufExportOutput> {
  const pool = pagePool(job.type);
  try {
    return await gatherGguf(ctx, job, pool);
  } finally {
    pool?.close();
  }
}

async function gatherGguf(ctx: JobContext, job: GgufExportInput, pool: QuantPool | null): Promise<GgufExportOutput> {
  const { tokenizer, files } = ctx.model;
  // The matrix first: the model runs over the examples on the GPU (unless this run's matrix of these
  // examples is at hand from its last K-quant export), then the export merges there.
  const collected = job.importance && takesImportance(job.type)
    ? job.importance.collected ?? await importanceFromExamples({
      gpu: ctx.gpu, files, tokenizer, adapter: job.adapter, examples: job.importance.examples, seqLen: job.importance.seqLen, datasetName: job.importance.datasetName,
      signal: ctx.signal, onProgress: (label, done, total) => ctx.progress({ label, done, total }),
    })
    : null;
  const importance: GgufImportance | undefined = collected && job.importance
    ? { file: new Blob([importanceMatrixFile(collected.matrix) as BlobPart], { type: 'application/octet-stream' }), fileName: job.importance.fileName, examples: collected.examples, tokens: collected.tokens, datasetName: job.importance.datasetName }
    : undefined;
  const gathered = new GatheredBlob();
  const result = await exportGgufModel(ctx.gpu, files, {
    type: job.type,
    adapter: job.adapter,
    name: job.name,
    encode: (t) => tokenizer.encode(t),
    write: (bytes) => gathered.push(bytes),
    onProgress: (p) => ctx.progress({ label: `writing the GGUF file (${p.tensor})`, done: p.bytesDone, total: p.bytesTotal }),
    // The page's Cancel (cancelJob): the export stops before its next block of rows.
    signal: ctx.signal,
    ...(pool ? { quantPool: pool } : {}),
    ...(collected && importance ? { importance: { matrix: collected.matrix, fileName: importance.fileName } } : {}),
    ...(job.sources ? { sources: job.sources } : {}),
  });
  const file = gathered.done('application/octet-stream');
  if (file.size !== result.bytes) throw new Error(`GGUF export: gathered ${file.size} bytes, the file has ${result.bytes}`);
  return { file, preTokenizer: result.preTokenizer, bytesAs: result.bytesAs, fallbackAs: result.fallbackAs, ...(importance && collected ? { importance, collected } : {}) };
}

export interface GgufCheckInput {
  adapter: LoraAdapter;
  /** The saved file (the page sends back the Blob it downloaded: no copy). */
  file: Blob;
  fileName: string;
  type: GgufExportType;
  /** Held-out conversations of the run's dataset the divergence is measured over, and the run's
   * sequence length (longer ones are passed over); none where the dataset is gone. */
  heldOut?: { examples: Example[]; seqLen: number };
}


/** "Check it": the saved file's weights, read back as llama.cpp reads them, run in this engine
 * against the loaded model with the run's adapter on the export's check prompts, and over the
 * answers of held-out conversations of the run's dataset (jobs/heldOutAnswers.ts). */
export async function runGgufCheck(ctx: JobContext, job: GgufCheckInput): Promise<EngineCheckReport> {
  const { tokenizer, files, spec } = ctx.model;
  const heldOut = job.heldOut ? await heldOutAnswers(tokenizer, job.heldOut.examples, job.heldOut.seqLen, ctx.signal) : [];
  ctx.progress({ label: `running ${job.fileName}'s weights and the trained model on ${ONNX_CHECK_PROMPTS.length} prompts${heldOut.length ? ` and ${heldOut.length} held-out conversations` : ''}`, done: 0, total: 1 });
  return checkGgufInEngine(ctx.gpu, files, spec, job.adapter, blobSource(job.file, job.fileName), {
    texts: ONNX_CHECK_PROMPTS.map((t) => tokenizer.encode(t)),
    f32: job.type === 'f32',
    heldOut,
    signal: ctx.signal,
    onProgress: (label, done, total) => ctx.progress({ label, done, total }),
  });
}

/** The adapter alone as a GGUF adapter file (small: no weights of the model, no GPU). */
export async function ggufAdapterFile(spec: ModelSpec, adapter: LoraAdapter, name: string, sources?: GgufSources): Promise<Blob> {
  const parts: Uint8Array[] = [];
  await exportGgufAdapter(spec, adapter, { name, write: (bytes) => void parts.push(bytes), ...(sources ? { sources } : {}) });
  return new Blob(parts as BlobPart[], { type: 'application/octet-stream' });
}
