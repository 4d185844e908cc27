// The playground's answer from our engine: one question rendered with the model's chat template as
// the evaluation renders an example (a held-out one arrives as itself: its turns, tools and syntax),
// generated with the KV cache (greedy, or sampled from the request's seed) with the run's adapter,
// the text streamed as `generation` events a few times a second, and the calls parsed out of it.
// Worker only (the CLI's `studio generate` streams to a terminal instead).
import type { CallSyntax, Example, FunctionSchema, Message, Target } from '../data/example.ts';
import { renderPrompt } from '../data/render-prompt.ts';
import { generate } from '../model/generate.ts';
import { kvCachePositionLimit, PREFILL_CHUNK_TOKENS } from '../model/kvCache.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { seedProblem } from '../model/random.ts';
import { checkPrediction, readAnswer, stableText, type FinishReason } from '../eval/index.ts';
import { DEFAULT_RUN_CONFIG } from '../train/config.ts';
import { loadForGeneration, type JobContext } from '../jobs/context.ts';
import type { WorkerEvent } from './protocol.ts';

export interface GenerateRequest {
  /** Use this run's adapter (newest checkpoint or imported PEFT files); none: the base model. */
  runId?: string;
  /** Tag for the streamed `generation` events of this request. */
  streamId: string;
  /** In the order the prompt lists them. */
  tools: FunctionSchema[];
  /** The question (a held-out example's own turns, its system turn included). */
  messages: Message[];
  /** 'python': the BFCL system prompt lists the tools and the model is to answer `[f(a=1)]`, as the
   * dataset's examples were rendered for training and evaluation; absent: the template's JSON calls. */
  callSyntax?: CallSyntax;
  maxNewTokens: number;
  /** 0: greedy. */
  temperature: number;
  /** The sampler's seed when temperature > 0: the page picks a fresh one per request (and shows it),
   * so two answers at the same settings differ and one can be told from another; absent: 0. */
  seed?: number;
  /** Our WebGPU engine (default), or the run's exported ONNX model through transformers.js (greedy). */
  backend?: 'engine' | 'onnx';
  /** The dataset example the query was taken from: the answer is then checked against it. */
  expectation?: Pick<Example, 'id' | 'tools' | 'target' | 'possibleAnswer' | 'category'>;
}

export interface GenerateResult {
  text: string;
  reasoning?: string;
  calls: Array<{ name: string; arguments: Record<string, unknown> }>;
  /** Where the calls held a whole float the model wrote (`5.0`; Target.wholeFloats). */
  wholeFloats?: Target['wholeFloats'];
  parseError?: string;
  finishReason: string;
  tokens: number;
  /** Wall time of the generation itself (the prompt and every new token), model loading excluded. */
  millis: number;
  /** When the first new token came, from the same start (both backends stream). */
  firstTokenMillis?: number;
  /** With an expectation: whether the answer passes the evaluation's AST check against the example,
   * and the checker's first complaint when it does not. */
  check?: { exampleId: string; correct: boolean; why?: string };
  /** Functions the answer calls that were not among the tools offered with the question. */
  notOffered?: string[];
  /** The seed the answer was sampled with; absent when it was decoded greedily (temperature 0, or
   * the ONNX backend, which only decodes greedily). */
  seed?: number;
}

/** How our engine chooses the answer's tokens: greedy (no temperature), or sampled at the request's
 * temperature from sequenceRng(seed, 0), so a seed reproduces a sample and a new seed gives another. */
export function playgroundSampling(req: Pick<GenerateRequest, 'temperature' | 'seed'>): { temperature?: number; seed?: number } {
  if (!(req.temperature > 0)) return {};
  const seed = req.seed ?? 0;
  const problem = seedProblem(seed);
  if (problem) throw new RangeError(`the sampling seed ${problem}`);
  return { temperature: req.temperature, seed };
}

/** A backend's own bound on question + answer, below the model's context, and what it is in words. */
export interface PromptBound {
  tokens: number;
  /** Completes "over the N tokens …". */
  what: string;
}

/** The query as the example the prompt renderer takes (no target: the model writes it; its call
 * syntax picks the prompt), refused before any work past the model's context or the backend's `bound`.
 * A held-out example's messages, tools and call syntax render to the evaluation's own prompt. */
export function playgroundPrompt(ctx: JobContext, req: GenerateRequest, bound?: PromptBound): number[] {
  if (!req.messages.some((m) => m.role === 'user' && m.content.trim())) throw new Error('type a question first');
  const example: Example = { id: 'playground', tools: req.tools, messages: req.messages, target: { calls: [], ...(req.callSyntax && { callSyntax: req.callSyntax }) } };
  const ids = renderPrompt(ctx.model.tokenizer, example).ids;
  // Past its context the model reads positions it was never trained on and writes nonsense.
  const context = ctx.model.spec.maxPositionEmbeddings;
  const limit = bound && bound.tokens < context ? `the ${bound.tokens} tokens ${bound.what}` : `the ${context} tokens the model reads at once`;
  if (ids.length + req.maxNewTokens > Math.min(context, bound?.tokens ?? Infinity)) {
    throw new Error(`the question with its ${req.tools.length} tools is ${ids.length} tokens; with ${req.maxNewTokens} new tokens that is over ${limit}: shorten the question, offer fewer tools or ask for fewer new tokens`);
  }
  return ids;
}

/** Our engine reads a question in prefill chunks, however long: its bound is the KV cache's buffer. */
function engineBound(ctx: JobContext): PromptBound {
  return { tokens: kvCachePositionLimit(ctx.model.spec, ctx.gpu.ctx.limits, 1), what: "this GPU's largest buffer holds in the model's KV cache" };
}

/** The answer's parsed calls and reasoning, as both backends return them, checked against the
 * example it was asked from (the evaluation's own check) when there is one and the answer ended on
 * its own: a cancelled answer was never finished, so no verdict is given on it. */
export function playgroundResult(
  text: string,
  finishReason: FinishReason,
  tokens: number,
  timing: Pick<GenerateResult, 'millis' | 'firstTokenMillis'>,
  offered: FunctionSchema[],
  expectation?: GenerateRequest['expectation'],
): GenerateResult {
  // The answer shows `5.0` where the model wrote it; the result crosses to the page as plain data.
  const { reasoning, calls, wholeFloats, parseError } = readAnswer(text, finishReason);
  const result: GenerateResult = { text, reasoning, calls, parseError, finishReason, tokens, ...timing };
  if (wholeFloats) result.wholeFloats = wholeFloats;
  const names = new Set(offered.map((f) => f.name));
  const notOffered = [...new Set(calls.map((c) => c.name).filter((n) => !names.has(n)))];
  if (notOffered.length) result.notOffered = notOffered;
  if (expectation && finishReason !== 'aborted') {
    // The evaluation's own verdict, its rule for an answer the token limit cut off included.
    const checked = checkPrediction(expectation, text, finishReason, tokens);
    result.check = { exampleId: expectation.id, correct: checked.valid, why: checked.valid ? undefined : checked.errors[0]?.message || undefined };
  }
  return result;
}

export async function runGenerate(ctx: JobContext, req: GenerateRequest & { adapter: LoraAdapter | null; emit: (e: WorkerEvent) => void }): Promise<GenerateResult> {
  const prompt = playgroundPrompt(ctx, req, engineBound(ctx));
  const sampling = playgroundSampling(req);
  const { model, access } = await loadForGeneration(ctx, { adapter: req.adapter, lora: null, seed: DEFAULT_RUN_CONFIG.seed, maxTokens: Math.min(PREFILL_CHUNK_TOKENS, prompt.length) });
  try {
    const ids: number[] = [];
    let lastSent = 0;
    const t0 = performance.now();
    let firstTokenMillis: number | undefined;
    const [out] = await generate(model.state, [prompt], {
      maxNewTokens: req.maxNewTokens,
      ...sampling,
      stopTokenIds: access.stopTokenIds,
      signal: ctx.signal,
      decode: access.decode,
      onToken: (_seq, id) => {
        firstTokenMillis ??= performance.now() - t0;
        ids.push(id);
        // Stream the decoded text a few times a second, not per token: decoding is cheap, messages are not.
        if (performance.now() - lastSent > 150) {
          lastSent = performance.now();
          req.emit({ type: 'generation', streamId: req.streamId, text: stableText(access.decode, ids) });
          ctx.progress({ label: 'generating', done: ids.length, total: req.maxNewTokens });
        }
      },
    });
    const millis = performance.now() - t0;
    const text = out.text ?? access.decode(out.tokens);
    req.emit({ type: 'generation', streamId: req.streamId, text });
    const result = playgroundResult(text, out.finishReason, out.tokens.length, { millis, firstTokenMillis }, req.tools, req.expectation);
    return sampling.seed === undefined ? result : { ...result, seed: sampling.seed };
  } finally {
    model.release();
  }
}
