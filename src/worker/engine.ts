// The worker-side engine: owns the GPU device, the current model and the running job, and answers
// requests. Also usable in-thread (tests, CLI) since it only needs a `GPU` object, a database and a
// way to post events. Never touches the DOM.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { acquireGpu, estimateLargestModelParams, type GpuContext } from '../gpu/context.ts';
import { createGpu, readF32, uploadBuffer, createStorageBuffer, type Gpu } from '../gpu/index.ts';
import { addForward } from '../ops/elementwise.ts';
import { openModel } from '../model/checkpoint.ts';
import type { ModelSpec } from '../model/config.ts';
import { parameterCount } from '../model/config.ts';
import type { ModelFiles } from '../model/model-files.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { planMemory } from '../model/memory-plan.ts';
import { exportPeftAdapter } from '../model/peft.ts';
import type { StudioDb } from '../data/db.ts';
import { tokenizerFromModel } from '../train/prepareData.ts';
import { modelRef, openModelSource } from './modelSource.ts';
import { runOnnxExport } from './onnxExportJob.ts';
import { runGenerateOnnx, type HeldExport } from './onnxPlayground.ts';
import { runTraining, type RunControl } from './trainRun.ts';
import { adapterOfRun, runEvaluation, runGenerate, runHdr, type GenerationContext } from './generationJobs.ts';
import type { Capabilities, ModelInfo, ProgressInfo, RequestKind, RequestMap, WorkerEvent } from './protocol.ts';

export type Handler<K extends RequestKind> = (payload: RequestMap[K][0], progress: (p: ProgressInfo) => void) => Promise<RequestMap[K][1]>;

interface CurrentModel {
  ref: string;
  files: ModelFiles;
  spec: ModelSpec;
  tokenizer: PreTrainedTokenizer;
}

export class StudioEngine {
  private gpu: Promise<Gpu> | null = null;
  private model: CurrentModel | null = null;
  private readonly runs = new Map<string, RunControl>();
  private readonly onnxExports = new Map<string, HeldExport>();
  /** The evaluation / HDR / generation job holding the GPU, if any (one at a time, never beside training). */
  private job: { label: string; abort: AbortController } | null = null;

  constructor(
    private readonly gpuApi: GPU | undefined,
    private readonly emit: (event: WorkerEvent) => void,
    private readonly db: StudioDb | null = null,
    /** Base URL the embedded model is served from (the app's origin in the browser). */
    private readonly appBaseUrl = typeof location !== 'undefined' ? location.origin + '/' : 'http://localhost/',
  ) {}

  /** The device, acquired on first use and again after a loss. */
  device(): Promise<Gpu> {
    if (!this.gpu) {
      this.gpu = acquireGpu(this.gpuApi).then((ctx) => {
        this.watch(ctx);
        return createGpu(ctx);
      });
      this.gpu.catch(() => (this.gpu = null));
    }
    return this.gpu;
  }

  private watch(ctx: GpuContext): void {
    ctx.lost.then((err) => {
      this.gpu = null;
      this.emit({ type: 'device-lost', message: err.message });
    });
    ctx.onUncapturedError((message) => this.emit({ type: 'gpu-error', message }));
  }

  private requireDb(): StudioDb {
    if (!this.db) throw new Error('this engine has no database');
    return this.db;
  }

  private requireModel(): CurrentModel {
    if (!this.model) throw new Error('no model is loaded; choose a model first');
    return this.model;
  }

  /** Runs a generation job exclusively: not beside training, not beside another job. */
  private async exclusiveJob<T>(label: string, progress: (p: ProgressInfo) => void, work: (ctx: GenerationContext, signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.runs.size > 0) throw new Error(`a training run is using the GPU; pause it before starting ${label}`);
    if (this.job) throw new Error(`${this.job.label} is running; wait for it or cancel it first`);
    const model = this.requireModel();
    const abort = new AbortController();
    this.job = { label, abort };
    try {
      const ctx: GenerationContext = { gpu: await this.device(), db: this.requireDb(), files: model.files, spec: model.spec, modelRef: model.ref, tokenizer: model.tokenizer, emit: this.emit, progress };
      return await work(ctx, abort.signal);
    } finally {
      this.job = null;
    }
  }

  /** A run's adapter (newest checkpoint, or an imported snapshot's PEFT files) for the loaded model. */
  private async runAdapter(runId: string): Promise<{ adapter: LoraAdapter; spec: ModelSpec; baseRef: string }> {
    const db = this.requireDb();
    const model = this.requireModel();
    const run = await db.runs.get(runId);
    if (run?.modelRef && run.modelRef !== model.ref) throw new Error(`run ${runId} was trained on ${run.modelRef}, but the loaded model is ${model.ref}; load that model first`);
    const { adapter } = await adapterOfRun(db, model.spec, runId);
    return { adapter, spec: model.spec, baseRef: run?.modelRef ?? model.ref };
  }

  readonly handlers: { [K in RequestKind]: Handler<K> } = {
    probe: async () => probe(await this.device()),

    loadModel: async ({ source }, progress) => {
      const files = await openModelSource(source, this.appBaseUrl, (p) => progress({ label: p.label, done: p.bytesDone, total: p.bytesTotal, rate: p.bytesPerSecond }));
      const { spec, checkpoint } = await openModel(files);
      await checkpoint.close();
      const tokenizer = await tokenizerFromModel(files);
      this.model = { ref: modelRef(source), files, spec, tokenizer };
      return modelInfo(this.model.ref, spec);
    },

    modelSpec: async () => {
      const model = this.requireModel();
      return { ref: model.ref, spec: model.spec };
    },

    planMemory: async (shape) => {
      const gpu = await this.device();
      return planMemory(this.requireModel().spec, shape, { maxBufferSize: gpu.ctx.limits.maxBufferSize, maxStorageBufferBindingSize: gpu.ctx.limits.maxStorageBufferBindingSize });
    },

    startRun: async ({ runId, resume }, progress) => {
      if (this.runs.size > 0) throw new Error('another run is training; pause or stop it first');
      if (this.job) throw new Error(`${this.job.label} is using the GPU; wait for it or cancel it first`);
      const model = this.requireModel();
      const control: RunControl = { pause: false, stop: false };
      this.runs.set(runId, control);
      try {
        return await runTraining(
          { gpu: await this.device(), db: this.requireDb(), files: model.files, modelRef: model.ref, tokenizer: model.tokenizer, emit: this.emit, progress },
          runId,
          resume,
          control,
        );
      } finally {
        this.runs.delete(runId);
      }
    },

    pauseRun: async ({ runId }) => {
      const c = this.runs.get(runId);
      if (!c) throw new Error(`run ${runId} is not training`);
      c.pause = true;
    },

    stopRun: async ({ runId }) => {
      const c = this.runs.get(runId);
      if (!c) throw new Error(`run ${runId} is not training`);
      c.stop = true;
    },

    evaluate: (req, progress) => this.exclusiveJob('an evaluation', progress, (ctx, signal) => runEvaluation(ctx, req, signal)),

    startHdr: (req, progress) => this.exclusiveJob('an HDR run', progress, (ctx, signal) => runHdr(ctx, req, signal)),

    generate: (req, progress) => {
      if (req.backend !== 'onnx') return this.exclusiveJob('a playground answer', progress, (ctx, signal) => runGenerate(ctx, req, signal));
      const held = req.runId ? this.onnxExports.get(req.runId) : undefined;
      if (!held) return Promise.reject(new Error('export this run to ONNX first (Runs panel, "ONNX"); the playground runs the export it just made'));
      return this.exclusiveJob('a playground answer (ONNX)', progress, (ctx) => runGenerateOnnx(ctx, req, held));
    },

    cancelJob: async () => {
      this.job?.abort.abort();
    },

    exportAdapter: async ({ runId }) => {
      const { adapter, spec, baseRef } = await this.runAdapter(runId);
      const peft = exportPeftAdapter(spec, adapter, baseRef);
      return { configJson: peft.adapterConfigJson, weights: peft.adapterSafetensors };
    },

    exportOnnx: ({ runId, dtype }, progress) =>
      this.exclusiveJob('an ONNX export', progress, async (ctx) => {
        const { adapter } = await this.runAdapter(runId);
        const out = await runOnnxExport({ gpu: ctx.gpu, db: ctx.db, files: ctx.files, spec: ctx.spec, encode: (t) => ctx.tokenizer.encode(t), progress }, runId, adapter, dtype);
        // Kept for the playground's ONNX backend (the latest export of each run, this session).
        this.onnxExports.set(runId, { files: new Map(out.files), dtype });
        return out;
      }),
  };
}

function modelInfo(ref: string, spec: ModelSpec): ModelInfo {
  return {
    ref,
    architecture: spec.architecture,
    family: spec.family,
    parameters: parameterCount(spec),
    hiddenSize: spec.hiddenSize,
    layers: spec.numLayers,
    heads: spec.numHeads,
    kvHeads: spec.numKvHeads,
    vocabSize: spec.vocabSize,
    dtype: spec.dtype,
    tiedEmbeddings: spec.tieWordEmbeddings,
  };
}

async function probe(gpu: Gpu): Promise<Capabilities> {
  const n = 4099; // not a multiple of the workgroup size, so the bounds check is exercised too
  const a = new Float32Array(n).map((_, i) => Math.sin(i));
  const b = new Float32Array(n).map((_, i) => Math.cos(i * 0.5));
  const t0 = performance.now();
  const ga = uploadBuffer(gpu.ctx, a, 'probe-a');
  const gb = uploadBuffer(gpu.ctx, b, 'probe-b');
  const out = createStorageBuffer(gpu.ctx, n * 4, 'probe-out');
  await addForward(gpu, ga, gb, out, n);
  gpu.recorder.submit();
  const got = await readF32(gpu.ctx, out, n);
  const millis = performance.now() - t0;
  let maxAbsDiff = 0;
  for (let i = 0; i < n; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i] - (a[i] + b[i])));
  [ga, gb, out].forEach((x) => x.destroy());
  return {
    adapter: gpu.ctx.adapter,
    limits: gpu.ctx.limits,
    features: [...gpu.ctx.features],
    largestModelParams: estimateLargestModelParams(),
    selfTest: { ok: maxAbsDiff <= 1e-6, elements: n, maxAbsDiff, millis },
  };
}
