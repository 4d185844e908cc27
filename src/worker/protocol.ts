// The typed message protocol between the page and the GPU worker, defined once and imported by
// both sides (WebLLM style): requests carry an id; the worker answers each with `return` or
// `throw`, may send `progress` for it, and sends `event`s (metrics, status) at any time.
import type { AdapterSummary, LimitName, OptionalFeature } from '../gpu/context.ts';
import type { MemoryPlan, TrainShape } from '../model/memory-plan.ts';
import type { ModelSpec } from '../model/config.ts';
import type { EvalMetrics, StepMetrics } from '../train/trainer.ts';
import type { RunRow } from '../data/db.ts';
import type { ExportCheckReport } from '../export/verifyExport.ts';
import type { ModelSource } from './modelSource.ts';
import type { EvaluateRequest, GenerateRequest, GenerateResult, HdrRequest } from './generationJobs.ts';
import type { EvalSummary } from '../eval/index.ts';
import type { TokenLossStrip } from './tokenLoss.ts';

export interface Capabilities {
  adapter: AdapterSummary;
  limits: Record<LimitName, number>;
  features: OptionalFeature[];
  /** Parameter count of the largest model the estimate says fits (bf16 weights + LoRA training). */
  largestModelParams: number;
  /** A small kernel run on this device and checked against the CPU. */
  selfTest: { ok: boolean; elements: number; maxAbsDiff: number; millis: number };
}

export interface ModelInfo {
  ref: string;
  architecture: string;
  family: string;
  parameters: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocabSize: number;
  dtype: string;
  tiedEmbeddings: boolean;
}

export interface AdapterFiles {
  configJson: string;
  /** adapter_model.safetensors bytes */
  weights: Uint8Array;
}

/** Request name → [payload, result]. */
export interface RequestMap {
  probe: [Record<string, never>, Capabilities];
  /** Opens (downloads if needed) and validates a model; the worker keeps it as the current model. */
  loadModel: [{ source: ModelSource }, ModelInfo];
  /** The current model's spec (plain data): the page needs it to describe an adapter in a snapshot. */
  modelSpec: [Record<string, never>, { ref: string; spec: ModelSpec }];
  /** The memory plan of the current model for a training shape, against this device's limits. */
  planMemory: [TrainShape, MemoryPlan];
  /** Trains run `runId` (its row and dataset are in IndexedDB) on the current model; resolves when
   * the run ends (done, paused, stopped or failed) with its final status. */
  startRun: [{ runId: string; resume: boolean }, { status: RunRow['status']; step: number; message?: string }];
  pauseRun: [{ runId: string }, void];
  stopRun: [{ runId: string }, void];
  /** The run's adapter from its newest checkpoint, in PEFT's file format. */
  exportAdapter: [{ runId: string }, AdapterFiles];
  /** The run's adapter merged into the loaded model, as a transformers.js ONNX folder (path → bytes),
   * with the check report (logits vs our engine on onnxruntime-web), also stored on the run row. */
  exportOnnx: [{ runId: string; dtype: 'fp32' | 'fp16' }, { files: Array<[string, Uint8Array]>; report: ExportCheckReport | null }];
  /** Answers the dataset's eval examples with a run's adapter (or the base model), checks them with
   * the AST checker and stores an eval run with every prediction. Progress: examples done. */
  evaluate: [EvaluateRequest, { evalRunId: string; summary: EvalSummary }];
  /** HDR: mine hard cases, then sample / gate / retrain round by round; rounds are stored as they end. */
  startHdr: [HdrRequest, { hdrRunId: string; stopReason: string; rounds: number; poolStart: number; added: number }];
  /** One answer to a playground query, streamed as `generation` events tagged with streamId. */
  generate: [GenerateRequest, GenerateResult];
  /** Aborts the running evaluation, HDR or generation (it ends with what it has). */
  cancelJob: [Record<string, never>, void];
}

export type RequestKind = keyof RequestMap;

export type WorkerRequest = {
  [K in RequestKind]: { kind: K; id: number; payload: RequestMap[K][0] };
}[RequestKind];

export interface SerializedError {
  name: string;
  message: string;
}

export interface ProgressInfo {
  label: string;
  done: number;
  total: number;
  /** Optional rate for downloads (bytes/s) or training (tokens/s). */
  rate?: number;
}

export type WorkerEvent =
  | { type: 'device-lost'; message: string }
  | { type: 'gpu-error'; message: string }
  | { type: 'run-metric'; runId: string; metric: StepMetrics }
  | { type: 'run-eval'; runId: string; metric: EvalMetrics }
  | { type: 'run-status'; runId: string; status: RunRow['status']; step: number; message?: string }
  | { type: 'generation'; streamId: string; text: string }
  | { type: 'run-token-loss'; runId: string; strip: TokenLossStrip };

export type WorkerResponse =
  | { kind: 'return'; id: number; result: unknown }
  | { kind: 'throw'; id: number; error: SerializedError }
  | { kind: 'progress'; id: number; progress: ProgressInfo }
  | { kind: 'event'; event: WorkerEvent };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
