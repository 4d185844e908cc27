// The typed message protocol between the page and the GPU worker, defined once and imported by
// both sides (WebLLM style): requests carry an id; the worker answers each with `return` or
// `throw`, and may send `progress` for it and `event`s at any time.
import type { AdapterSummary, LimitName, OptionalFeature } from '../gpu/context.ts';

export interface Capabilities {
  adapter: AdapterSummary;
  limits: Record<LimitName, number>;
  features: OptionalFeature[];
  /** Parameter count of the largest model the estimate says fits (bf16 weights + LoRA training). */
  largestModelParams: number;
  /** A small kernel run on this device and checked against the CPU. */
  selfTest: { ok: boolean; elements: number; maxAbsDiff: number; millis: number };
}

/** Request name → [payload, result]. Later issues add training, evaluation and HDR jobs here. */
export interface RequestMap {
  probe: [Record<string, never>, Capabilities];
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
}

export type WorkerEvent = { type: 'device-lost'; message: string } | { type: 'gpu-error'; message: string };

export type WorkerResponse =
  | { kind: 'return'; id: number; result: unknown }
  | { kind: 'throw'; id: number; error: SerializedError }
  | { kind: 'progress'; id: number; progress: ProgressInfo }
  | { kind: 'event'; event: WorkerEvent };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
