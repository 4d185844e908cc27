// The contract evaluation runs and HDR use to get text out of a model: a batch of prompt token
// ids in, one token sequence per prompt out. The engine's `generate(model, prompts, opts)` in
// src/model/generate.ts fits it once bound to a model (`bindGenerator`); pure-logic tests pass a
// scripted function of the same type. Owns only these types and the binding; never generates.
import type { ModelState } from '../model/transformer.ts';

export interface SamplingSettings {
  maxNewTokens: number;
  /** Omitted (or 0): greedy decoding. */
  temperature?: number;
  topP?: number;
  seed?: number;
  /** One seed per prompt, so each sequence's draws do not depend on its batch (overrides `seed`). */
  seeds?: number[];
  stopTokenIds?: number[];
  signal?: AbortSignal;
  /** Sequences decoded at once; a row whose sequence ends takes the next prompt (default: all). */
  batchSize?: number;
  /** Each sequence as it ends, in the order they end (none for those an abort cuts off). */
  onFinish?: (sequence: number, result: GeneratedSequence) => void;
}

export type FinishReason = 'stop' | 'eos' | 'length' | 'aborted';

export interface GeneratedSequence {
  tokens: number[];
  finishReason: FinishReason;
}

/** Generates one continuation per prompt, in prompt order. */
export type GenerateFn = (prompts: number[][], settings: SamplingSettings) => Promise<GeneratedSequence[]>;

/** The engine's generator signature (src/model/generate.ts), structurally. */
export type ModelGenerate = (m: ModelState, prompts: number[][], opts: SamplingSettings) => Promise<GeneratedSequence[]>;

export function bindGenerator(generate: ModelGenerate, model: ModelState): GenerateFn {
  return (prompts, settings) => generate(model, prompts, settings);
}
