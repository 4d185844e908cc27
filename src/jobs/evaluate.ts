// The evaluation job, one for the studio and the CLI: load the model with an adapter (or none, or
// a GGUF file's weights in place of its own), answer every example, check each answer with the AST
// checker, and keep the report (every prediction and the summary) in the run's store. Decoding is
// greedy unless a temperature is given. An aborted evaluation is kept as what it has (the report
// says `aborted`).
import type { Example } from '../data/example.ts';
import { evaluateExamples, summarizePredictions, type EvalReport } from '../eval/index.ts';
import type { LoraAdapter } from '../model/lora.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { DEFAULT_RUN_CONFIG } from '../train/config.ts';
import { loadForGeneration, promptTokens, type JobContext } from './context.ts';
import type { RunStore } from './store/runStore.ts';

export interface Decoding {
  maxNewTokens: number;
  /** Prompts generated together. */
  batchSize: number;
  /** Default greedy. */
  temperature?: number;
  topP?: number;
  seed?: number;
}

export interface EvalJob {
  store: RunStore;
  examples: Example[];
  adapter: LoraAdapter | null;
  /** Answer with these weights instead of the model's (a GGUF export read back, its adapter merged
   * in): `adapter` is then null. */
  weights?: ModelFiles;
  decoding: Decoding;
  /** What the training examples ask (data/prompt-key.ts): an answer to the same question is counted apart. */
  trainedAsks?: ReadonlySet<string>;
  onProgress?(p: { done: number; total: number; correct: number }): void;
}

export async function evaluateJob(ctx: JobContext, job: EvalJob): Promise<EvalReport> {
  if (job.examples.length === 0) throw new Error('there are no examples to evaluate');
  // Cancelled before the model was loaded: nothing to load it for.
  if (ctx.signal.aborted) {
    const report: EvalReport = { ...summarizePredictions([]), predictions: [], aborted: true };
    await job.store.saveEvaluation(report);
    return report;
  }
  const seed = job.decoding.seed ?? DEFAULT_RUN_CONFIG.seed;
  const { model, access } = await loadForGeneration(ctx, { adapter: job.adapter, lora: null, seed, weights: job.weights, maxTokens: promptTokens(ctx.model.tokenizer, job.examples) });
  let partial: EvalReport | undefined;
  try {
    const report = await evaluateExamples(job.examples, access, {
      ...job.decoding,
      seed,
      ...(job.trainedAsks && { trainedAsks: job.trainedAsks }),
      signal: ctx.signal,
      onProgress: (p) => {
        ctx.progress({ label: `evaluating (${p.correct} correct so far)`, done: p.done, total: p.total });
        job.onProgress?.(p);
      },
      onFailure: (report) => (partial = report),
    });
    await job.store.saveEvaluation(report);
    return report;
  } catch (err) {
    // The answers checked before the failure are kept, as a failed run saying why.
    if (partial && partial.predictions.length > 0) await job.store.saveEvaluation(partial).catch(() => undefined);
    throw err;
  } finally {
    model.release();
  }
}
