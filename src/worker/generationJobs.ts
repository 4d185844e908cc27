// Jobs that generate text with the current model and a run's adapter, inside the worker:
// evaluation (answers checked by the AST checker, stored as an eval run), HDR (mine hard cases,
// sample, gate, retrain, round by round, stored through src/hdr's Dexie hooks) and the playground
// (one streamed answer). Each loads its own engine model and releases it when done; none may run
// while a training run holds the GPU (the engine checks that before calling in).
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { StudioDb } from '../data/db.ts';
import type { Example, FunctionSchema, Message } from '../data/example.ts';
import { evalExamples, trainingExamples } from '../data/dataset-store.ts';
import { renderPrompt } from '../data/render-prompt.ts';
import { tokenizeExample } from '../data/tokenize-example.ts';
import type { Gpu } from '../gpu/index.ts';
import type { ModelSpec } from '../model/config.ts';
import { loraLayout, unflattenLora } from '../model/deviceLora.ts';
import { loadEngineModel, type EngineModel } from '../model/engineModel.ts';
import { defaultStopTokenIds, generate } from '../model/generate.ts';
import type { LoraAdapter } from '../model/lora.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { memorySource } from '../model/byte-source.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, importPeftAdapter } from '../model/peft.ts';
import { decodeCheckpoint } from '../train/checkpointFile.ts';
import { DEFAULT_RUN_CONFIG, validateRunConfig, type RunConfig } from '../train/config.ts';
import { bindGenerator, evaluateExamples, parseGeneratedCalls, tokenizerModelAccess, type EvalSummary, type ModelAccess } from '../eval/index.ts';
import { createHdrRun, dexieHdrHooks, finishHdrRun, mineHardCases, runHdrRounds, saveEvalRun, trainerRetraining, validateHdrSettings, type HdrEngine, type HdrSettings } from '../hdr/index.ts';
import type { ProgressInfo, WorkerEvent } from './protocol.ts';

export interface GenerationContext {
  gpu: Gpu;
  db: StudioDb;
  files: ModelFiles;
  spec: ModelSpec;
  modelRef: string;
  tokenizer: PreTrainedTokenizer;
  emit: (e: WorkerEvent) => void;
  progress: (p: ProgressInfo) => void;
}

export interface AdapterChoice {
  /** Use this training run's newest checkpoint (or imported adapter); none: the base model. */
  runId?: string;
}

function newId(prefix: string): string {
  return `${prefix}-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** The adapter of a run: its newest trainer checkpoint, or the PEFT files an imported snapshot brought. */
export async function adapterOfRun(db: StudioDb, spec: ModelSpec, runId: string): Promise<{ adapter: LoraAdapter; config: RunConfig }> {
  const run = await db.runs.get(runId);
  if (!run) throw new Error(`run ${runId} does not exist`);
  const config = run.config as RunConfig;
  const newest = (await db.checkpoints.where('runId').equals(runId).sortBy('step')).at(-1);
  if (!newest) throw new Error(`run ${runId} has no checkpoint yet; train it for at least one checkpoint interval (or pause it) first`);
  const bytes = async (b: Blob | ArrayBuffer | undefined) => (b === undefined ? undefined : new Uint8Array(b instanceof Blob ? await b.arrayBuffer() : b));
  const checkpoint = await bytes(newest.blobs.checkpoint);
  if (checkpoint) {
    const { state } = await decodeCheckpoint(checkpoint, `checkpoint of run ${runId} at step ${newest.step}`);
    const layout = loraLayout(spec, config.lora);
    if (layout.size !== state.loraParams.length) throw new Error(`run ${runId}'s checkpoint does not fit the loaded model; load the model it was trained on`);
    return { adapter: { settings: config.lora, tensors: unflattenLora(layout.order, state.loraParams) }, config };
  }
  const cfg = await bytes(newest.blobs[ADAPTER_CONFIG_FILE]);
  const weights = await bytes(newest.blobs[ADAPTER_WEIGHTS_FILE]);
  if (!cfg || !weights) throw new Error(`run ${runId}'s newest checkpoint holds no adapter`);
  return { adapter: await importPeftAdapter(spec, new TextDecoder().decode(cfg), memorySource(weights, ADAPTER_WEIGHTS_FILE)), config };
}

/** Activation rows for generation: the longest prompt (bounded), so one prefill chunk holds it. */
function promptTokens(tokenizer: PreTrainedTokenizer, examples: Example[]): number {
  let longest = 16;
  for (const e of examples) longest = Math.max(longest, renderPrompt(tokenizer, e).ids.length);
  return Math.min(longest, 4096);
}

async function loadForGeneration(ctx: GenerationContext, choice: AdapterChoice, maxTokens: number, trainLora?: RunConfig['lora']): Promise<{ model: EngineModel; access: ModelAccess; config: RunConfig | null }> {
  const fromRun = choice.runId ? await adapterOfRun(ctx.db, ctx.spec, choice.runId) : null;
  ctx.progress({ label: 'loading the model onto the GPU', done: 0, total: 1 });
  const model = await loadEngineModel(ctx.gpu, ctx.files, { lora: fromRun ? null : (trainLora ?? null), adapter: fromRun?.adapter, seed: fromRun?.config.seed ?? DEFAULT_RUN_CONFIG.seed, maxTokens });
  const access = tokenizerModelAccess(ctx.tokenizer, bindGenerator(generate, model.state), await defaultStopTokenIds(ctx.files, ctx.spec));
  return { model, access, config: fromRun?.config ?? null };
}

export interface EvaluateRequest extends AdapterChoice {
  datasetId: string;
  /** Examples of the dataset's eval split to answer (the first N). */
  limit: number;
  maxNewTokens: number;
  batchSize: number;
}

export async function runEvaluation(ctx: GenerationContext, req: EvaluateRequest, signal: AbortSignal): Promise<{ evalRunId: string; summary: EvalSummary }> {
  const examples = (await evalExamples(ctx.db, req.datasetId)).slice(0, req.limit);
  if (examples.length === 0) throw new Error('the dataset has no eval examples (its split put every example on the train side)');
  const { model, access, config } = await loadForGeneration(ctx, req, promptTokens(ctx.tokenizer, examples));
  try {
    const report = await evaluateExamples(examples, access, {
      maxNewTokens: req.maxNewTokens,
      batchSize: req.batchSize,
      signal,
      onProgress: (p) => ctx.progress({ label: `evaluating (${p.correct} correct so far)`, done: p.done, total: p.total }),
    });
    const evalRunId = newId('eval');
    const name = `eval of ${req.runId ?? 'the base model'} on ${examples.length} examples`;
    await saveEvalRun(ctx.db, { id: evalRunId, datasetId: req.datasetId, modelRef: ctx.modelRef, config: { adapterRunId: req.runId ?? null, limit: req.limit, maxNewTokens: req.maxNewTokens, lora: config?.lora ?? null }, report });
    await ctx.db.runs.update(evalRunId, { name });
    const { predictions: _p, aborted: _a, ...summary } = report;
    return { evalRunId, summary };
  } finally {
    model.release();
  }
}

export interface HdrRequest extends AdapterChoice {
  datasetId: string;
  settings: HdrSettings;
  /** Train-split examples to mine hard cases from (the first N). */
  mineLimit: number;
  /** Eval-split examples for accuracy before/after each round (the first N; 0 skips it). */
  evalLimit: number;
}

export async function runHdr(ctx: GenerationContext, req: HdrRequest, signal: AbortSignal): Promise<{ hdrRunId: string; stopReason: string; rounds: number; poolStart: number; added: number }> {
  validateHdrSettings(req.settings);
  const train = await trainingExamples(ctx.db, req.datasetId);
  const mineSet = train.slice(0, req.mineLimit);
  const evalSet = (await evalExamples(ctx.db, req.datasetId)).slice(0, req.evalLimit);
  if (mineSet.length === 0) throw new Error('the dataset has no training examples to mine hard cases from');
  const base = req.runId ? ((await ctx.db.runs.get(req.runId))?.config as RunConfig | undefined) : undefined;
  const config: RunConfig = { ...(base ?? DEFAULT_RUN_CONFIG), steps: req.settings.stepsPerRound, warmupSteps: Math.min(2, req.settings.stepsPerRound - 1), seed: req.settings.seed, batchSize: base?.batchSize ?? 1, seqLen: base?.seqLen ?? 320 };
  validateRunConfig(config);
  const maxTokens = Math.max(config.batchSize * config.seqLen, promptTokens(ctx.tokenizer, [...mineSet, ...evalSet]));
  const { model, access } = await loadForGeneration(ctx, req, maxTokens, config.lora);
  const hdrRunId = newId('hdr');
  await createHdrRun(ctx.db, { id: hdrRunId, datasetId: req.datasetId, modelRef: ctx.modelRef, settings: req.settings, config });
  await ctx.db.runs.update(hdrRunId, { name: `HDR from ${req.runId ?? 'the base model'}` });
  try {
    const retrain = trainerRetraining(model.state, {
      config,
      stepsPerRound: req.settings.stepsPerRound,
      tokenize: (e) => {
        const t = tokenizeExample(ctx.tokenizer, e, { maxLen: config.seqLen });
        return { id: t.id, inputIds: t.inputIds, segments: t.segments };
      },
      onStep: (round, m) => ctx.progress({ label: `round ${round}: retraining`, done: m.step, total: req.settings.stepsPerRound }),
    });
    const engine: HdrEngine = { ...access, train: (examples, round) => retrain.train(examples, round) };
    ctx.progress({ label: `mining hard cases from ${mineSet.length} examples`, done: 0, total: mineSet.length });
    const mined = await mineHardCases(mineSet, engine, req.settings, signal);
    const hooks = dexieHdrHooks(ctx.db, req.datasetId, hdrRunId, req.settings.maxFailedOutputs);
    await hooks.onHardCases?.(0, mined.pool);
    const result = await runHdrRounds({
      pool: mined.pool,
      evalSet,
      replayPool: train,
      engine,
      settings: req.settings,
      signal,
      hooks: { ...hooks, onProgress: (text) => ctx.progress({ label: text, done: 0, total: 0 }) },
    });
    await finishHdrRun(ctx.db, hdrRunId, result.stopReason);
    return { hdrRunId, stopReason: result.stopReason, rounds: result.rounds.length, poolStart: mined.pool.length, added: result.added.length };
  } catch (err) {
    await finishHdrRun(ctx.db, hdrRunId, `${(err as Error).message}`, true).catch(() => undefined);
    throw err;
  } finally {
    model.release();
  }
}

export interface GenerateRequest extends AdapterChoice {
  /** Tag for the streamed `generation` events of this request. */
  streamId: string;
  tools: FunctionSchema[];
  messages: Message[];
  maxNewTokens: number;
  /** 0: greedy. */
  temperature: number;
  /** Our WebGPU engine (default), or the run's exported ONNX model through transformers.js (greedy). */
  backend?: 'engine' | 'onnx';
}

export interface GenerateResult {
  text: string;
  reasoning?: string;
  calls: Array<{ name: string; arguments: Record<string, unknown> }>;
  parseError?: string;
  finishReason: string;
  tokens: number;
}

export async function runGenerate(ctx: GenerationContext, req: GenerateRequest, signal: AbortSignal): Promise<GenerateResult> {
  if (!req.messages.some((m) => m.role === 'user' && m.content.trim())) throw new Error('type a question first');
  const example: Example = { id: 'playground', tools: req.tools, messages: req.messages, target: { calls: [] } };
  const prompt = renderPrompt(ctx.tokenizer, example).ids;
  const { model, access } = await loadForGeneration(ctx, req, Math.min(4096, prompt.length + 16));
  try {
    const ids: number[] = [];
    let lastSent = 0;
    const [out] = await generate(model.state, [prompt], {
      maxNewTokens: req.maxNewTokens,
      temperature: req.temperature > 0 ? req.temperature : undefined,
      stopTokenIds: access.stopTokenIds,
      signal,
      decode: access.decode,
      onToken: (_seq, id) => {
        ids.push(id);
        // Stream the decoded text a few times a second, not per token: decoding is cheap, messages are not.
        if (performance.now() - lastSent > 150) {
          lastSent = performance.now();
          ctx.emit({ type: 'generation', streamId: req.streamId, text: access.decode(ids) });
        }
      },
    });
    const text = out.text ?? access.decode(out.tokens);
    ctx.emit({ type: 'generation', streamId: req.streamId, text });
    const parsed = parseGeneratedCalls(text);
    return { text, reasoning: parsed.reasoning, calls: parsed.calls, parseError: parsed.error?.message, finishReason: out.finishReason, tokens: out.tokens.length };
  } finally {
    model.release();
  }
}
