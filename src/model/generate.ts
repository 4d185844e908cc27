// Batched text generation with a KV cache: prefill the prompts, then one decode step per new token
// for every unfinished sequence (one submit and one readback per step; step N+1 is submitted, fed
// with step N's tokens on the GPU, before those tokens are read back). With more prompts than rows
// (`batchSize`), a row whose sequence ends takes the next waiting prompt at once (continuous
// batching): no row idles until the batch's longest answer ends. Greedy, temperature and
// top-p choose the tokens on the GPU and read back only their ids (each sequence's seeded RNG
// supplies the draw), unless the caller asks for the logits (`onLogits`), when the same choice is
// made on the CPU from the step's [B, V] logits; stopping on eos ids, stop strings, max tokens or abort,
// and streaming each token as it is chosen. Token ids in, token ids out: rendering prompts with
// the chat template and decoding text belong to the caller (its tokenizer), except that stop
// strings need the caller's `decode`. Never changes weights, LoRA parameters or optimizer state;
// overwrites the model's activation scratch (m.acts) during the prefill.
import type { ModelFiles } from './model-files.ts';
import { readModelJson } from './model-files.ts';
import type { ModelSpec } from './config.ts';
import type { ModelState } from './transformer.ts';
import { createGenerator, kvCachePositionLimit, prefill, prepareGenerator, submitDecodeStep, type DecodeStepOutput, type PrefillItem } from './kvCache.ts';
import { sampleToken, sequenceRng, validateSampling } from './sampling.ts';
import { drawToF32, samplingParams } from '../ops/sampling.ts';

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 or undefined = greedy */
  temperature?: number;
  topP?: number;
  /** stop when the decoded text of a sequence ends with one of these (the stop string is kept out of `text`).
   * Checked after every token against the whole decoded text, so a token that carries the stop
   * string and more (`")]\n"` for `"]"`) also stops; `text` is cut at the first occurrence. */
  stopStrings?: string[];
  /** stop on these token ids (default: the model's eos ids from config/generation_config) */
  stopTokenIds?: number[];
  seed?: number;
  /** One seed per prompt: sequence i draws from its own stream, sequenceRng(seeds[i], 0), whatever
   * else the batch holds, so a sample is reproducible alone or batched (HDR's k samples of a case).
   * Overrides `seed`. */
  seeds?: number[];
  /** Sequences decoded at once (rows of the KV cache); more prompts wait for a row to free up.
   * Default: all of them. Fewer when one layer's cache for this many rows of the longest prompt
   * and answer would pass the GPU's largest buffer. */
  batchSize?: number;
  /** streaming: called for each new token of each sequence */
  onToken?: (sequence: number, tokenId: number) => void;
  /** Called once per sequence as it ends (not for those an abort cuts off), in the order they end. */
  onFinish?: (sequence: number, result: GenerationResult) => void;
  signal?: AbortSignal;
  /** Text of token ids (the tokenizer's decode); needed for stop strings, and fills `text`. */
  decode?: (ids: number[]) => string;
  /** The raw next-token logits [V] of a sequence, each time a token is chosen for it (tests, log-probs).
   * A view into the step's readback of all rows: copy what you keep. */
  onLogits?: (sequence: number, logits: Float32Array) => void;
}

export interface GenerationResult {
  /** Generated ids, without the prompt and without the stop token id that ended it (if any). A stop
   * string's tokens stay in `tokens` (a token may hold more than the stop string); `text` is cut. */
  tokens: number[];
  finishReason: 'stop' | 'eos' | 'length' | 'aborted';
  /** decode(tokens), cut before the stop string; present when `decode` was given. */
  text?: string;
}

interface SequenceState {
  prompt: readonly number[];
  /** Tokens already in this sequence's cache. */
  cached: number;
  /** The token to feed next: the prompt's last (the prefill caches the rest), then the last one chosen. */
  next: number;
  tokens: number[];
  finish: GenerationResult['finishReason'] | null;
  /** Where the stop string starts in the decoded text (only for finish = 'stop'). */
  stopAt?: number;
  rand: () => number;
}

/** One decode step's inputs per row. */
interface StepPlan {
  /** The sequence each row feeds, −1 for a row that takes no part. */
  seq: number[];
  /** Fed tokens (unused when `fromChosen`). */
  ids: number[];
  positions: number[];
  draws: Float32Array;
  /** Feed the tokens the previous step chose on the GPU. */
  fromChosen: boolean;
}

function emptyPlan(B: number): StepPlan {
  return { seq: new Array<number>(B).fill(-1), ids: new Array<number>(B).fill(0), positions: new Array<number>(B).fill(0), draws: new Float32Array(B), fromChosen: false };
}

/** Where the first stop string starts in `text`, or −1. */
function findStopString(text: string, stops: readonly string[]): number {
  let at = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

/** Positions of KV cache a row of `generate` holds for these prompts: the last generated token is
 * never fed back, so the longest prompt + maxNewTokens − 1. */
export function generationCachePositions(prompts: number[][], maxNewTokens: number): number {
  return Math.max(...prompts.map((p) => p.length)) + maxNewTokens - 1;
}

/** Generates for every prompt (token ids, already rendered with the chat template), batched. */
export async function generate(m: ModelState, prompts: number[][], opts: GenerateOptions): Promise<GenerationResult[]> {
  const { spec } = m;
  if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 0) throw new RangeError(`maxNewTokens must be an integer ≥ 0, got ${opts.maxNewTokens}`);
  validateSampling(opts);
  const stopStrings = (opts.stopStrings ?? []).filter((s) => s.length > 0);
  if (stopStrings.length > 0 && !opts.decode) throw new Error('stop strings need a decode function (token ids → text) in GenerateOptions.decode');
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new RangeError(`prompt ${i} is empty; generation needs at least one token to condition on`);
    for (const id of p) if (!Number.isInteger(id) || id < 0 || id >= spec.vocabSize) throw new RangeError(`prompt ${i} has token id ${id}, outside the vocabulary [0, ${spec.vocabSize})`);
  });
  if (opts.batchSize !== undefined && !(Number.isInteger(opts.batchSize) && opts.batchSize >= 1)) throw new RangeError(`batchSize must be a whole number ≥ 1, got ${opts.batchSize}`);
  if (opts.seeds && (opts.seeds.length !== prompts.length || !opts.seeds.every(Number.isInteger))) {
    throw new RangeError(`seeds must hold one whole number per prompt (${prompts.length}), got ${opts.seeds.length}`);
  }
  const stopIds = new Set(opts.stopTokenIds ?? spec.eosTokenIds);
  const seqs: SequenceState[] = prompts.map((prompt, i) => ({
    prompt,
    cached: 0,
    next: prompt[0],
    tokens: [],
    finish: null,
    rand: opts.seeds ? sequenceRng(opts.seeds[i], 0) : sequenceRng(opts.seed ?? 0, i),
  }));
  const resultOf = (s: SequenceState): GenerationResult => {
    const r: GenerationResult = { tokens: s.tokens, finishReason: s.finish ?? 'aborted' };
    if (opts.decode) {
      const text = opts.decode(s.tokens);
      r.text = s.stopAt !== undefined ? text.slice(0, s.stopAt) : text;
    }
    return r;
  };
  const results = () => seqs.map(resultOf);
  if (prompts.length === 0) return [];
  if (opts.maxNewTokens === 0) {
    seqs.forEach((s, i) => {
      s.finish = 'length';
      opts.onFinish?.(i, resultOf(s));
    });
    return results();
  }
  if (opts.signal?.aborted) return results();

  const maxSeq = generationCachePositions(prompts, opts.maxNewTokens);
  const fits = kvCachePositionLimit(spec, m.gpu.ctx.limits, 1);
  if (maxSeq > fits) {
    throw new RangeError(`a prompt of ${maxSeq + 1 - opts.maxNewTokens} tokens with ${opts.maxNewTokens} new tokens needs ${maxSeq} positions of KV cache, more than the ${fits} this GPU's largest buffer holds for one layer: shorten the prompt or ask for fewer new tokens`);
  }
  // Long prompts take fewer rows at once rather than failing: continuous batching serves them all.
  const B = Math.min(prompts.length, opts.batchSize ?? prompts.length, Math.floor(fits / maxSeq));
  const g = createGenerator(m, B, maxSeq);
  /** The sequence in each row, −1 for a free row. */
  const rowSeq = new Array<number>(B).fill(-1);
  let waiting = 0; // the next prompt to take a row
  const finish = (i: number, b: number, reason: NonNullable<SequenceState['finish']>) => {
    seqs[i].finish = reason;
    if (rowSeq[b] === i) rowSeq[b] = -1;
    opts.onFinish?.(i, resultOf(seqs[i]));
  };
  /** Every step's readback still in flight: a step planned ahead and then dropped (its rows ended,
   * or the run was aborted) may still be mapping when generation returns, and a process that exited
   * under that pending map crashed in Dawn (a Ctrl-C'd `studio eval`, one run in three). */
  const readbacks = new Set<Promise<unknown>>();
  try {
    const params = samplingParams(opts.temperature, opts.topP);
    const onGpu: 'greedy' | 'sample' | null = opts.onLogits ? null : params ? 'sample' : 'greedy';

    /** Gives free rows the next waiting prompts and prefills them together; false if none was free.
     * All but the last prompt token go through the batched prefill (in chunks, however long);
     * the last one is fed by the first decode step, which yields the first new token's logits. */
    const admit = async (first: boolean): Promise<boolean> => {
      const items: PrefillItem[] = [];
      for (let b = 0; b < B && waiting < seqs.length; b++) {
        if (rowSeq[b] >= 0) continue;
        const s = seqs[waiting];
        rowSeq[b] = waiting++;
        items.push({ seq: b, ids: s.prompt.slice(0, s.prompt.length - 1) });
        s.cached = items.at(-1)!.ids.length;
        s.next = s.prompt[s.cached];
      }
      if (items.length === 0) return false;
      if (first) await prepareGenerator(g, items, { output: onGpu ?? 'logits', sample: params ? { params, draws: new Float32Array(B) } : undefined });
      await prefill(g, items);
      return true;
    };
    await admit(true);

    // The GPU picks each row's token (argmax, or a draw with the CPU sampler's exact arithmetic);
    // logits come back only for a caller that asked to see them.
    const sample = (plan: StepPlan) => (params ? { params, draws: plan.draws } : undefined);

    /** The next step from what the CPU knows: each row's unfinished sequence feeds its next token. */
    const planFromState = (): StepPlan | null => {
      const plan = emptyPlan(B);
      let any = false;
      for (let b = 0; b < B; b++) {
        const i = rowSeq[b];
        if (i < 0) continue;
        const s = seqs[i];
        any = true;
        plan.seq[b] = i;
        plan.ids[b] = s.next;
        plan.positions[b] = s.cached;
        // One draw per sampled token, as the CPU sampler takes it, so both paths use the same stream.
        if (onGpu === 'sample') plan.draws[b] = drawToF32(s.rand());
      }
      return any ? plan : null;
    };

    /** The step after `prev`, fed on the GPU with the tokens `prev` chooses, submitted before they
     * are read back; for rows that end on one of them (a stop id or stop string) it is wasted work,
     * and its result is dropped. Only when the GPU chooses the tokens. */
    const planAhead = (prev: StepPlan): StepPlan | null => {
      if (!onGpu) return null;
      const plan = emptyPlan(B);
      plan.fromChosen = true;
      let any = false;
      for (let b = 0; b < B; b++) {
        const i = prev.seq[b];
        // A row that reaches maxNewTokens with prev's token ends there, whatever it is; one that
        // ended before prev (prev was planned ahead too) feeds nothing more.
        if (i < 0 || rowSeq[b] !== i || seqs[i].finish !== null || seqs[i].tokens.length + 1 >= opts.maxNewTokens) continue;
        any = true;
        plan.seq[b] = i;
        plan.positions[b] = prev.positions[b] + 1;
        if (onGpu === 'sample') plan.draws[b] = drawToF32(seqs[i].rand());
      }
      return any ? plan : null;
    };

    const submit = async (plan: StepPlan) => {
      const step = await submitDecodeStep(g, { ids: plan.ids, positions: plan.positions, active: plan.seq.map((i) => i >= 0), output: onGpu ?? 'logits', sample: sample(plan), idsFromChosen: plan.fromChosen });
      // Held only while pending: a step's logits are a whole vocabulary per row.
      const pending = step.output.then(() => undefined, () => undefined);
      readbacks.add(pending);
      void pending.then(() => readbacks.delete(pending));
      return step;
    };

    /** Takes a step's result into the sequences: a sequence that ended meanwhile is left alone. */
    const apply = (plan: StepPlan, out: DecodeStepOutput) => {
      const V = spec.vocabSize;
      for (let b = 0; b < B; b++) {
        const i = plan.seq[b];
        if (i < 0 || seqs[i].finish !== null) continue;
        const s = seqs[i];
        s.cached++;
        let tok: number;
        if ('chosen' in out) {
          tok = out.chosen[b];
        } else {
          const row = out.logits.subarray(b * V, (b + 1) * V);
          opts.onLogits?.(i, row);
          tok = sampleToken(row, opts, s.rand);
        }
        if (stopIds.has(tok)) {
          finish(i, b, 'eos');
          continue;
        }
        s.tokens.push(tok);
        s.next = tok;
        opts.onToken?.(i, tok);
        if (stopStrings.length > 0) {
          const at = findStopString(opts.decode!(s.tokens), stopStrings);
          if (at >= 0) {
            s.stopAt = at;
            finish(i, b, 'stop');
            continue;
          }
        }
        if (s.tokens.length >= opts.maxNewTokens) finish(i, b, 'length');
      }
    };

    // Step N+1 is recorded and submitted while step N runs and its tokens come back. A row that
    // frees up takes a waiting prompt at once; its prefill is queued after the step in flight, and
    // the step after that is planned from what the CPU knows, with the new sequence in it.
    let plan = opts.signal?.aborted ? null : planFromState();
    let step = plan && (await submit(plan));
    while (plan && step) {
      const ahead = opts.signal?.aborted ? null : planAhead(plan);
      const aheadStep = ahead && (await submit(ahead));
      apply(plan, await step.output);
      if (opts.signal?.aborted) break; // unfinished sequences report 'aborted'
      const admitted = await admit(false);
      if (!admitted && ahead && aheadStep && ahead.seq.some((i) => i >= 0 && seqs[i].finish === null)) {
        plan = ahead;
        step = aheadStep;
      } else {
        if (admitted && ahead && aheadStep) apply(ahead, await aheadStep.output);
        plan = planFromState();
        step = plan && (await submit(plan));
      }
    }
    return results();
  } finally {
    await Promise.all(readbacks);
    g.destroy();
  }
}

/**
 * The ids that end a generation by default: config.json's eos ids plus generation_config.json's
 * (instruct models often list the end-of-turn token only there, e.g. Qwen's <|im_end|>).
 */
export async function defaultStopTokenIds(files: ModelFiles, spec: ModelSpec): Promise<number[]> {
  const ids = new Set(spec.eosTokenIds);
  const config = await readModelJson(files, 'generation_config.json', true);
  if (config !== null) {
    const eos = (config as { eos_token_id?: unknown }).eos_token_id;
    for (const id of Array.isArray(eos) ? eos : [eos]) if (typeof id === 'number') ids.add(id);
  }
  return [...ids];
}
