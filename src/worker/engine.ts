// The worker-side engine: owns the GPU device and answers the protocol's requests. Jobs (training,
// evaluation, HDR, the playground, ONNX export) run through the job engine (src/jobs/engine.ts,
// the same one the CLI drives in-thread) with Dexie run stores; requests without a GPU are in
// dataRequests.ts. Also usable in-thread (tests) since it only needs a `GPU` object, a database
// and a way to post events. Never touches the DOM.
import { acquireGpu, estimateLargestModelParams, type GpuContext } from '../gpu/context.ts';
import { indexedDbTuningStore } from '../gpu/tuningStoreBrowser.ts';
import { kernelPaths } from '../ops/kernelPaths.ts';
import { matmulScratchKind } from '../ops/matmulKernels.ts';
import { createGpu, type Gpu } from '../gpu/index.ts';
import { runSelfTest } from '../ops/selfTest.ts';
import type { ModelSpec } from '../model/config.ts';
import { parameterCount } from '../model/config.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { planMemory } from '../model/memory-plan.ts';
import { exportPeftAdapter } from '../model/peft.ts';
import { plural } from '../data/plural.ts';
import type { DatasetRow, StudioDb } from '../data/db.ts';
import { editedAnswerCount, leftOutCount } from '../data/dataset-store.ts';
import type { Example } from '../data/example.ts';
import { tokenizerFingerprint } from '../data/tokenizer-load.ts';
import { DEFAULT_RUN_CONFIG, validateRunConfig, validateRunConfigFor, type RunConfig } from '../train/config.ts';
import { firstMinable, openHardCases, validateHdrSettings, type EvalRunRow, type HdrRunRow } from '../hdr/index.ts';
import { writeZip, writeZipParts } from '../snapshot/zip.ts';
import { readOnlyResumeProblem, type SnapshotRunRow } from '../snapshot/snapshot-db.ts';
import { holdingDataset, holdingGpu, holdingModel, withHdrLock, withRunLock } from './runLock.ts';
import { openLoadedModel } from '../jobs/context.ts';
import { defaultSeqLen, evaluationSample, heldOutLeftOutText, leftOutText } from '../jobs/data.ts';
import { whyNoneToMine } from '../jobs/noneToMine.ts';
import { JobEngine } from '../jobs/engine.ts';
import { evaluateJob } from '../jobs/evaluate.ts';
import { compareAnswers } from '../eval/compareAnswers.ts';
import { fitSamplesOnGpu, hdrJob, jobExamplesToMine } from '../jobs/hdr.ts';
import { hdrRetrainConfig } from '../jobs/hdrRetrain.ts';
import { trainJob, type TrainEvents } from '../jobs/train.ts';
import { ablationEndText, ablationJob } from '../jobs/ablate.ts';
import { ablationArms, uniqueAblationName, validateAblationConfig } from '../jobs/ablationConfig.ts';
import { ablationReportFiles } from '../jobs/ablationReport.ts';
import { runFolderName } from '../jobs/store/fileName.ts';
import { runInfoPatch } from '../jobs/store/runInfo.ts';
import { deleteRun, DexieRunStore, DexieWorkspace, newRunName, readRun, requireRun, requireTrainRun, storedExamples, updateRun, updateRunInfo } from '../jobs/store/dexie.ts';
import { derivedRunName } from '../jobs/store/runNames.ts';
import type { StoredRun, TrainRunRow } from '../jobs/store/schema.ts';
import { trainingSets } from '../train/prepareData.ts';
import { trainingSetDigest } from '../train/batching.ts';
import { trainingSetChange } from '../train/trainingSetChange.ts';
import { trainOnProblem } from '../train/runWords.ts';
import { promptKey } from '../data/prompt-key.ts';
import { baseModelOf, recipeFiles, recipeRefusal } from '../recipe/recipe.ts';
import { ModelLoadCancelledError, modelRef, openModelSource } from './modelSource.ts';
import { opfsModelCache, type ModelCache } from '../model/model-cache.ts';
import { runOnnxExport } from './onnxExportJob.ts';
import { runMergedExport } from './mergedExportJob.ts';
import { runHubPush } from './hubPushJob.ts';
import type { AdapterCardFacts, BesideEvaluation, CardEvaluation, GgufCardFacts } from '../export/hubCards.ts';
import { hubRepoId } from '../export/mergedExport.ts';
import type { GgufSources } from '../export/ggufSources.ts';
import type { ImportanceResult } from '../jobs/importance.ts';
import { datasetFingerprint } from '../data/fingerprint.ts';
import { ggufAdapterFile, runGgufCheck, runGgufExport, type GgufExportInput } from './ggufExportJob.ts';
import { takesImportance } from '../export/ggufExport.ts';
import { GgufOfAnotherModelError, openGgufWeights } from '../export/ggufReadBack.ts';
import { blobSource } from '../model/byte-source.ts';
import { runGenerateOnnx } from './onnxPlayground.ts';
import { HeldExports } from './heldExports.ts';
import { runGenerate } from './playground.ts';
import { dataRequests } from './dataRequests.ts';
import type { Capabilities, ModelInfo, ProgressInfo, RequestKind, RequestMap, WorkerEvent } from './protocol.ts';
import { trainedOnLoaded } from '../model/model-ref.ts';

export type Handler<K extends RequestKind> = (payload: RequestMap[K][0], progress: (p: ProgressInfo) => void) => Promise<RequestMap[K][1]>;

/** Runs `work` as the one HDR run (or ablation's HDR arm) on the dataset: refused in words while
 * another tab runs HDR on it. */
async function onlyHdrOn<T>(datasetId: string, work: () => Promise<T>): Promise<T> {
  const hdr = await withHdrLock(datasetId, work);
  if (hdr.refused) throw new Error('another tab of the studio is running HDR on this dataset (an HDR run, or an ablation’s HDR arm); wait for it to end there, or cancel it there first');
  return hdr.value;
}

/** The step of the run's newest checkpoint (undefined: it has none), read from the index alone: a
 * checkpoint row holds the LoRA and optimizer state. */
async function newestCheckpointStep(db: StudioDb, runId: string): Promise<number | undefined> {
  const key = await db.checkpoints.where('[runId+step]').between([runId, -Infinity], [runId, Infinity]).lastKey();
  return key === undefined ? undefined : (key as unknown as [string, number])[1];
}

export class StudioEngine {
  private gpu: Promise<Gpu> | null = null;
  readonly jobs = new JobEngine(() => this.device(), {
    onRows: (runIds) => this.emit({ type: 'job-rows', runIds }),
    onModelFilesGone: (modelRef, message) => this.emit({ type: 'model-files-gone', modelRef, message }),
    holdModel: holdingModel,
    holdGpu: holdingGpu,
  });
  /** The latest ONNX export (for the playground's ONNX backend), by run: one at most, since an
   * export of a real model is gigabytes. */
  private readonly onnxExports = new HeldExports(() => this.requireDb());
  /** The importance matrix of the last K-quant export, and what it was collected from (the model,
   * the run's adapter, its training examples and length): the next export of the same run in
   * another type rounds with it rather than running the model over the examples again (after a
   * reload, the one kept with the run's checkpoint: DexieRunStore.readImportance). */
  private lastImportance: { key: string; collected: ImportanceResult } | null = null;
  /** Cancels the model load on its way (cancelModelLoad); null while none is. */
  private loadCancel: AbortController | null = null;

  constructor(
    private readonly gpuApi: GPU | undefined,
    private readonly emit: (event: WorkerEvent) => void,
    private readonly db: StudioDb | null = null,
    /** Base URL the embedded model is served from (the app's origin in the browser). */
    private readonly appBaseUrl = typeof location !== 'undefined' ? location.origin + '/' : 'http://localhost/',
    /** Where hub downloads are kept (OPFS in the browser; a folder in tests). */
    private readonly modelCache: ModelCache = opfsModelCache(),
  ) {}

  /** The device, acquired on first use and again after a loss. */
  device(): Promise<Gpu> {
    if (!this.gpu) {
      this.gpu = acquireGpu(this.gpuApi, { tuningStore: indexedDbTuningStore() }).then((ctx) => {
        this.watch(ctx);
        return createGpu(ctx);
      });
      this.gpu.catch(() => (this.gpu = null));
    }
    return this.gpu;
  }

  private watch(ctx: GpuContext): void {
    this.emit({ type: 'device-ready' });
    ctx.lost.then((err) => {
      this.gpu = null;
      this.emit({ type: 'device-lost', message: err.message });
    });
    // One failing op repeats its error for every dispatch after it: the page hears each kind once.
    const told = new Set<string>();
    ctx.onUncapturedError((message) => {
      const first = message.split('\n')[0];
      if (told.size < 20 && !told.has(first)) {
        told.add(first);
        this.emit({ type: 'gpu-error', message: first });
      }
    });
  }

  /** Datasets the jobs under way work on (a count: a refused second job adds and removes its own).
   * Other tabs see them by their dataset locks. */
  private readonly datasetsInUse = new Map<string, number>();

  /** Runs a job's `work` on the dataset once its lock is granted (an include or a deletion another tab
   * is saving ends first). Called inside the job (jobs.run), so a Cancel pressed while it waits lands
   * on the job. */
  private async onDataset<T>(datasetId: string, work: () => Promise<T>): Promise<T> {
    this.datasetsInUse.set(datasetId, (this.datasetsInUse.get(datasetId) ?? 0) + 1);
    try {
      return await holdingDataset(datasetId, work);
    } finally {
      const n = this.datasetsInUse.get(datasetId)! - 1;
      if (n > 0) this.datasetsInUse.set(datasetId, n);
      else this.datasetsInUse.delete(datasetId);
    }
  }

  private requireDb(): StudioDb {
    if (!this.db) throw new Error('this engine has no database');
    return this.db;
  }

  /** A run trained on the loaded model (refused, naming both, where it was trained on another). */
  private async runOnLoadedModel(runId: string): Promise<StoredRun> {
    const model = this.jobs.requireModel();
    const run = await requireRun(this.requireDb(), runId);
    if (run.modelRef && !trainedOnLoaded(run.modelRef, model.ref)) throw new Error(`run “${run.name ?? runId}” was trained on ${run.modelRef}, but the loaded model is ${model.ref}; load that model first`);
    return run;
  }

  /** Where a run's exports come from, for the files that record it: the loaded model's Hub id and
   * the Hub dataset of the run's dataset. */
  private async runSources(run: StoredRun): Promise<GgufSources> {
    const baseModel = hubRepoId(this.jobs.model?.ref ?? '');
    const datasets = hubDatasetsOf(await this.requireDb().datasets.get(run.datasetId), run);
    return { ...(baseModel ? { baseModel } : {}), ...(datasets ? { datasets } : {}) };
  }

  /** A run's adapter for the loaded model (newest checkpoint, or PEFT files a snapshot or HDR left). */
  private async adapterOf(runId: string): Promise<{ adapter: LoraAdapter; spec: ModelSpec; baseRef: string; run: StoredRun }> {
    const model = this.jobs.requireModel();
    const run = await this.runOnLoadedModel(runId);
    const adapter = await new DexieRunStore(this.requireDb(), runId).readAdapter(model.spec);
    return { adapter, spec: model.spec, baseRef: run.modelRef ?? model.ref, run };
  }

  /** The run's sequence length (its config's), else the default rule's over `examples`. */
  private async runSeqLen(run: StoredRun, examples: Example[]): Promise<number> {
    const seqLen = (run.config as { seqLen?: unknown }).seqLen;
    if (typeof seqLen === 'number') return seqLen;
    const model = this.jobs.requireModel();
    return (await defaultSeqLen(model.tokenizer, examples, model.spec.maxPositionEmbeddings)).seqLen;
  }

  /** A training run's progress as worker events. */
  private runEvents(runId: string): TrainEvents {
    return {
      onStatus: (status, step, message) => this.emit({ type: 'run-status', runId, status, step, message }),
      onStep: (metric) => this.emit({ type: 'run-metric', runId, metric }),
      onEval: (metric) => this.emit({ type: 'run-eval', runId, metric }),
      onTokenLoss: (strip) => this.emit({ type: 'run-token-loss', runId, strip }),
    };
  }

  readonly handlers: { [K in RequestKind]: Handler<K> } = {
    probe: async () => probe(await this.device()),

    loadModel: async ({ source }, progress) => {
      // Asked again by useModel: a job may have started while the model downloaded.
      this.jobs.refuseModelChange();
      const ref = modelRef(source);
      // Another model, or the same files read again (a dropped folder's may differ): its matrix is collected anew.
      this.lastImportance = null;
      // One load at a time: the page asks for no second while one is on its way (modelStore).
      const cancel = new AbortController();
      this.loadCancel = cancel;
      let model;
      try {
        // Read under the model's lock: another tab's deletion of its files is refused meanwhile, and
        // one under way ends before the load reads them.
        const access = { appBaseUrl: this.appBaseUrl, cache: this.modelCache, signal: cancel.signal };
        model = await holdingModel(ref, async () => openLoadedModel(await openModelSource(source, access, (p) => progress({ label: p.label, done: p.bytesDone, total: p.bytesTotal, rate: p.bytesPerSecond })), ref));
      } finally {
        if (this.loadCancel === cancel) this.loadCancel = null;
      }
      // Cancelled while its files were read (after the download): the model loaded before stays,
      // as it does through any load until the new model is open.
      if (cancel.signal.aborted) throw new ModelLoadCancelledError(source);
      this.jobs.useModel(model);
      // An export was of the previous model's run.
      this.onnxExports.clear();
      return modelInfo(model.ref, model.spec, tokenizerFingerprint(model.tokenizer));
    },

    modelSpec: async () => {
      const model = this.jobs.requireModel();
      return { ref: model.ref, spec: model.spec };
    },

    planMemory: async (shape) => {
      const gpu = await this.device();
      return planMemory(this.jobs.requireModel().spec, shape, { maxBufferSize: gpu.ctx.limits.maxBufferSize, maxStorageBufferBindingSize: gpu.ctx.limits.maxStorageBufferBindingSize, matmulScratch: matmulScratchKind(gpu) });
    },

    createRun: async ({ datasetId, config: asked, name, startFrom }) => {
      const model = this.jobs.requireModel();
      const db = this.requireDb();
      // Read now, so a start from a run without an adapter (or of another model) is refused before a row is made.
      const from = startFrom ? await this.adapterOf(startFrom) : null;
      const config = from ? { ...asked, lora: from.adapter.settings } : asked;
      validateRunConfigFor(config, model.spec);
      await requireDataset(db, datasetId);
      // A name the user gave is theirs (the guide finds its run by it); one made up here is told apart.
      const named = name || (await newRunName(db, `${config.loss} r${config.lora.rank} lr ${config.lr}${from ? ` from ${from.run.name ?? startFrom}` : ''}`));
      const store = await new DexieWorkspace(db, { datasetId, modelRef: model.ref }).createRun({ kind: 'train', config, name: named });
      if (from) {
        // The step of the adapter read: its newest checkpoint's (a run keeping its best step keeps that one), not its last step's.
        const step = (await newestCheckpointStep(db, startFrom!)) ?? from.run.lastStep ?? 0;
        await updateRun<TrainRunRow>(db, store.runId, { startedFrom: { runId: startFrom!, name: from.run.name ?? startFrom!, step, ...(from.run.kind === 'hdr' && { hdr: true as const }) } });
      }
      return { runId: store.runId };
    },

    startRun: async ({ runId, resume, steps }, progress) => {
      const db = this.requireDb();
      const run = await requireTrainRun(db, runId);
      if (steps !== undefined) {
        const newest = await db.checkpoints.where('[runId+step]').between([runId, -Infinity], [runId, Infinity]).last();
        const problem = !resume ? 'training on resumes the run' : trainOnProblem(run, newest && { step: newest.step, adapterOnly: !!(newest.meta as { adapterOnly?: boolean } | undefined)?.adapterOnly }, steps);
        if (problem) throw new Error(`“${run.name ?? runId}” cannot train on to ${steps} steps: ${problem}`);
      }
      const config = steps === undefined ? run.config : { ...run.config, steps };
      if (run.readOnly && resume) {
        const problem = await readOnlyResumeProblem(db, run);
        if (problem) throw new Error(problem);
      }
      const model = this.jobs.requireModel();
      // A row this worker's job writes (an ablation's arm) holds its lock here too: say whose it is.
      const by = this.jobs.writing(run);
      if (by) throw new Error(`“${run.name ?? runId}” is being written by ${by}; wait for it or cancel it first`);
      if (run.readOnly && !resume) throw new Error(`run ${runId} was opened read-only from a snapshot; resume it explicitly to train further`);
      if (run.modelRef && !trainedOnLoaded(run.modelRef, model.ref)) throw new Error(`run ${runId} was trained on ${run.modelRef}, but the loaded model is ${model.ref}; load that model first`);
      await requireDataset(db, run.datasetId, run);
      const job = { store: new DexieRunStore(db, runId), config, resume, events: this.runEvents(runId) };
      const locked = await withRunLock(runId, () => this.jobs.run(
        // Named: a model load refused meanwhile says which run holds the model.
        `the training run “${run.name ?? runId}”`,
        async (ctx, input: typeof job) => this.onDataset(run.datasetId, async () => {
          // Read under the run's and the dataset's locks: read before them, an example included, a
          // re-split or a deletion in another tab meanwhile went through there and was not trained on
          // here (a deleted run trained on, writing metrics and checkpoints for a row nothing lists).
          if (!(await db.runs.get(runId))) throw new Error(`“${run.name ?? runId}” was deleted (perhaps in another tab of the studio); nothing was trained`);
          await requireDataset(db, run.datasetId, run);
          const examples = await storedExamples(db, run.datasetId);
          // A run started from another's adapter trains on from it; a resume's checkpoint holds its own
          // LoRA, and needs the other run only where it saved none yet.
          const ownCheckpoint = resume && (await newestCheckpointStep(db, runId)) !== undefined;
          const startedFrom = ownCheckpoint ? null : (run.startedFrom ?? null);
          const adapter = startedFrom
            ? (await this.adapterOf(startedFrom.runId).catch((err: unknown) => {
                throw new Error(`“${run.name ?? runId}” starts from the adapter of “${startedFrom.name}”, which cannot be read any more (${(err as Error).message}); start a new run`);
              })).adapter
            : undefined;
          // Resuming a read-only snapshot on purpose makes it an ordinary run.
          if (run.readOnly) await updateRun<TrainRunRow>(db, runId, { readOnly: false });
          // Trained on: the run's length is its new total from here (its steps so far keep theirs).
          if (steps !== undefined) await updateRun<TrainRunRow>(db, runId, { config });
          return trainJob(ctx, { ...input, examples, ...(adapter && { adapter }) });
        }),
        job,
        progress,
        runId,
      ));
      if (locked.refused) throw new Error(`“${run.name ?? runId}” is training in another tab of the studio; pause or stop it there first`);
      const outcome = locked.value;
      return { status: outcome.status, step: outcome.step, message: outcome.message, ...(outcome.nothingToTrain ? { nothingToTrain: outcome.nothingToTrain } : {}) };
    },

    pauseRun: async ({ runId }) => this.jobs.interrupt(runId, 'pause'),

    stopRun: async ({ runId }) => this.jobs.interrupt(runId, 'stop'),

    updateRunInfo: async ({ runId, name, tags, notes }) => {
      const db = this.requireDb();
      await requireRun(db, runId);
      await updateRunInfo(db, runId, runInfoPatch({ name, tags, notes }));
    },

    deleteRun: async ({ runId }) => {
      const db = this.requireDb();
      const row = await requireRun(db, runId);
      const by = this.jobs.writing(row);
      // Its job would go on writing metrics and checkpoints under an id nothing lists any more.
      if (by) throw new Error(`“${row.name ?? runId}” is being written by ${by}; delete it once that ends, or cancel it first`);
      // Under the run's lock, not after a look at the locks: a run another tab starts training in
      // between would train on, deleted under it.
      const deleted = await withRunLock(runId, () => deleteRun(db, runId));
      if (deleted.refused) throw new Error(`“${row.name ?? runId}” is training in another tab of the studio; stop it there before deleting it`);
      this.onnxExports.delete(runId);
    },

    evaluate: async ({ datasetId, runId, limit, maxNewTokens, batchSize, gguf }, progress) => {
      const db = this.requireDb();
      const model = this.jobs.requireModel();
      // Read inside the job, so a Cancel pressed while it reads lands on it (not on nothing).
      return this.jobs.run(
        'an evaluation',
        async (ctx) => this.onDataset(datasetId, async () => {
          await requireDataset(db, datasetId);
          const stored = await storedExamples(db, datasetId);
          const examples = evaluationSample(stored.eval, limit);
          // A held-out question also asked in training is counted apart (its answer was trained on).
          const trainedAsks = new Set(stored.train.map(promptKey));
          if (examples.length === 0) throw new Error(await noHeldOutText(db, datasetId, 'the dataset has no eval examples', 'evaluate'));
          // A GGUF file holds the run's adapter merged into its weights: the run is only checked to
          // be the loaded model's, and its adapter is neither read nor applied again. A file whose
          // run was deleted since is evaluated as a file of the user's own, tied to no run.
          const fileRun = gguf && runId && !(await db.runs.get(runId)) ? null : (runId ?? null);
          if (gguf && fileRun) await this.runOnLoadedModel(fileRun);
          const from = runId && !gguf ? await this.adapterOf(runId) : null;
          const file = gguf ? await openGgufWeights(ctx.model.files, ctx.model.spec, blobSource(gguf.file, gguf.fileName)).catch((err: unknown) => {
            if (err instanceof GgufOfAnotherModelError) throw new Error(`${err.message}: it is not a GGUF file of the loaded model, ${ctx.model.ref}`);
            throw err;
          }) : null;
          const adapter = from?.adapter ?? null;
          const source = file ? file.gguf.fileName : from ? (from.run.name ?? runId!) : null;
          // The run's row is written once the GPU is ours, so a refused request leaves nothing behind.
          const store = await new DexieWorkspace(db, { datasetId, modelRef: model.ref }).createRun({
            kind: 'eval',
            name: derivedRunName('eval', source, examples.length),
            config: { adapterRunId: fileRun, limit, maxNewTokens, lora: adapter?.settings ?? null, ...(file && { gguf: file.gguf }) },
          });
          const namedByScored = (total: number) => updateRun(db, store.runId, { name: derivedRunName('eval', source, total) });
          let report;
          try {
            report = await evaluateJob(ctx, { store, examples, adapter, weights: file?.files, decoding: { maxNewTokens, batchSize }, trainedAsks });
          } catch (err) {
            // A failed evaluation keeps what it scored (evaluateJob saves it), named by that as a cancelled one is.
            const kept = await readRun(db, store.runId);
            if (kept?.kind === 'eval') await namedByScored(kept.summary.total);
            throw err;
          }
          const { predictions: _p, aborted, ...summary } = report;
          // A cancelled evaluation is named by what it scored; one cancelled before its first answer
          // scored nothing, and keeps no row ("failed, 0 examples" would say nothing true).
          if (aborted && summary.total === 0) await deleteRun(db, store.runId);
          else if (aborted) await namedByScored(summary.total);
          return { evalRunId: store.runId, summary, aborted, requested: examples.length };
        }),
        null,
        progress,
      );
    },

    startHdr: async ({ datasetId, runId, settings, mineLimit, evalLimit }, progress) => {
      const db = this.requireDb();
      const model = this.jobs.requireModel();
      validateHdrSettings(settings);
      // Read inside the job, so a Cancel pressed while it reads lands on it (not on nothing).
      return this.jobs.run(
        'an HDR run',
        // The dataset is read once the HDR lock is ours: read before, the samples of another tab's HDR
        // run that ended meanwhile were missed, and this run's first round took that run's round
        // number again, its samples that run's ids (failing to add them after the mining).
        async (ctx) => this.onDataset(datasetId, () => onlyHdrOn(datasetId, async () => {
          await requireDataset(db, datasetId);
          const data = await storedExamples(db, datasetId);
          const mineSet = firstMinable(data.train, mineLimit);
          if (mineSet.length === 0) throw new Error(await noneToMineText(db, datasetId, data.train));
          // The dataset's open hard cases, whichever run left them: this run asks them again.
          const openCases = (await openHardCases(db, datasetId)).map(({ exampleId, round, failedOutputs }) => ({ exampleId, round, failedOutputs }));
          const from = runId ? await this.adapterOf(runId) : null;
          // With the sequence length the job retrains at (fitSamples), so the run's row shows it.
          // Refused here where this GPU cannot bind HDR's buffers at that length, before its row is written.
          const toMine = jobExamplesToMine({ mineSet, replayPool: data.train, openCases }).examples;
          const config = fitSamplesOnGpu(ctx, hdrRetrainConfig(from?.run, settings, from?.adapter.settings), settings, toMine);
          validateRunConfigFor(config, model.spec);
          // Retraining continues the run's α: its balance state (the newest checkpoint's, or an HDR run's).
          const balance = runId ? await new DexieRunStore(db, runId).readBalance() : null;
          const job = { settings, config, mineSet, openCases, evalSet: evaluationSample(data.eval, evalLimit), replayPool: data.train, heldOutSamples: data.heldOutSamples, excludedSamples: data.excludedSamples, adapter: from?.adapter ?? null, balance };
          // The run's row is written once the GPU is ours, so a refused request leaves nothing behind.
          // Told apart as a training run's made-up name is: a second HDR run from one adapter read as the first.
          const name = await newRunName(db, derivedRunName('hdr', from ? (from.run.name ?? runId!) : null));
          const store = await new DexieWorkspace(db, { datasetId, modelRef: model.ref }).createRun({ kind: 'hdr', name, settings, config, fromRunId: runId });
          // Held as a training run's is: another tab shows the HDR run as running elsewhere, not
          // interrupted, and refuses to delete it under this worker (a new id: never refused).
          const locked = await withRunLock(store.runId, () => hdrJob(ctx, { ...job, store }));
          if (locked.refused) throw new Error(`HDR run ${store.runId} is held by another tab of the studio`);
          const r = locked.value;
          return { hdrRunId: store.runId, stopReason: r.stopReason, rounds: r.rounds, poolStart: r.poolStart, added: r.added, ...(r.cutShort ? { cutShort: r.cutShort } : {}) };
        })),
        null,
        progress,
      );
    },

    startAblation: async ({ datasetId, name, config }, progress) => {
      const db = this.requireDb();
      const model = this.jobs.requireModel();
      validateAblationConfig(config, model.spec);
      // Read inside the job, so a Cancel pressed while it reads lands on it (not on nothing).
      return this.jobs.run(
        'an ablation',
        async (ctx) => this.onDataset(datasetId, () => {
          const ablate = async () => {
            // Read once the HDR lock is ours (with an HDR arm), as an HDR run reads it.
            await requireDataset(db, datasetId);
            const examples = await storedExamples(db, datasetId);
            if (examples.eval.length === 0) throw new Error(await noHeldOutText(db, datasetId, 'the data has no held-out examples to evaluate the arms on', 'evaluate the arms on'));
            // Named in the result by the row's fingerprint and inclusion edits, which the panel compares
            // with the row's later.
            const row = (await db.datasets.get(datasetId))!;
            // Rows are written once the GPU is ours, so a refused request leaves nothing behind.
            const workspace = new DexieWorkspace(db, { datasetId, modelRef: model.ref });
            const unique = uniqueAblationName(name, (await db.runs.toArray()).map((r) => r.name));
            const store = await workspace.createRun({ kind: 'ablation', name: unique, config });
            const r = await ablationJob(ctx, { store, workspace, name: unique, config, examples, dataset: { name: row.name, fingerprint: row.fingerprint, inclusionEdits: row.inclusionEdits ?? 0, split: row.split }, lockRun: withRunLock });
            return { ablationId: store.runId, arms: r.arms.length, stopped: r.stopped, ending: ablationEndText(r, ablationArms(config).length) };
          };
          // Its HDR arm adds samples to the dataset as an HDR run does.
          return config.hdrRule === null ? ablate() : onlyHdrOn(datasetId, ablate);
        }),
        null,
        progress,
      );
    },

    ablationReport: async ({ runId }) => {
      const row = await requireRun(this.requireDb(), runId);
      if (row.kind !== 'ablation') throw new Error(`run ${runId} is an ${row.kind} run, not an ablation`);
      if (!row.result) throw new Error(`ablation ${row.name ?? runId} has no finished arm yet`);
      // PNGs do not compress; store them so the zip is written quickly.
      const files = ablationReportFiles(row.result).map((f) => ({ name: f.name, data: f.bytes, level: f.name.endsWith('.png') ? (0 as const) : (6 as const) }));
      return { zip: writeZip(files, new Date()), fileName: `${runFolderName(row.name ?? runId)}-ablation.zip` };
    },

    exportRecipe: async ({ runId }) => {
      const db = this.requireDb();
      const row = await requireTrainRun(db, runId);
      const model = this.jobs.requireModel();
      // The recipe's token ids are the run's tokenizer's: tokenize with the run's own model.
      if (row.modelRef && !trainedOnLoaded(row.modelRef, model.ref)) throw new Error(`run ${runId} was trained on ${row.modelRef}, but the loaded model is ${model.ref}; load that model first`);
      const refusal = recipeRefusal(row.config);
      if (refusal) throw new Error(`run “${row.name ?? runId}” cannot be exported as a recipe: ${refusal}`);
      await requireDataset(db, row.datasetId, row, 'export the run as a recipe');
      const now = await trainingSets(model.tokenizer, await storedExamples(db, row.datasetId), row.config);
      // HDR's samples come after the run's examples: the recipe reproduces the run, without them.
      const sets = { ...now, train: (await new DexieRunStore(db, runId).ownTrainingSet(now.train)) ?? now.train };
      const notes: string[] = [];
      const added = now.train.length - sets.train.length;
      // HDR's samples, or examples included since that come after the run's own.
      if (added > 0) notes.push(`${plural(added, 'training example')} added to or included in the dataset after the run’s ${added === 1 ? 'is' : 'are'} left out: the recipe trains on the run’s own ${sets.train.length}, as the run did`);
      const was = row.setup?.examples;
      // Tokenized with the run's own model (checked above) at its own length: where the run kept a
      // digest, it tells as many examples from the same ones.
      const change = was && trainingSetChange(was, { train: sets.train.length, digest: trainingSetDigest(sets.train) }, row.modelRef !== undefined);
      if (was && (change === 'count' || was.eval !== sets.held.length)) {
        notes.push(`the dataset now gives ${sets.train.length} training and ${sets.held.length} held-out examples; the run started with ${was.train} and ${was.eval} (examples were added, included, excluded or re-split since)`);
      } else if (change === 'examples') {
        notes.push(`the dataset now gives ${sets.train.length} training and ${sets.held.length} held-out examples, as many as the run started with, but other training examples (examples were included and left out, or re-split, since)`);
      }
      const name = row.name ?? runId;
      const folder = `${runFolderName(name)}-recipe`;
      const files = recipeFiles({ run: { name, from: `studio run ${runId}`, model: model.ref }, baseModel: baseModelOf(model.ref), config: row.config, ...sets });
      const zip = writeZip(files.map((f) => ({ name: `${folder}/${f.name}`, data: f.bytes, level: 6 as const })), new Date());
      return { zip, fileName: `${folder}.zip`, trainExamples: sets.train.length, evalExamples: sets.held.length, notes };
    },

    generate: async (req, progress) => {
      if (req.backend !== 'onnx') {
        // The adapter is read inside the job, so a Cancel pressed meanwhile lands on it.
        return this.jobs.run(
          'a playground answer',
          async (ctx) => runGenerate(ctx, { ...req, adapter: req.runId ? (await this.adapterOf(req.runId)).adapter : null, emit: this.emit }),
          null,
          progress,
        );
      }
      const held = req.runId ? this.onnxExports.get(req.runId) : undefined;
      if (!held) throw new Error('export this run to ONNX first (Runs panel, "ONNX"); the playground runs the export it just made');
      return this.jobs.run('a playground answer (ONNX)', runGenerateOnnx, { ...req, held, emit: this.emit }, progress);
    },

    cancelJob: async () => this.jobs.cancel(),

    cancelModelLoad: async () => {
      if (!this.loadCancel) return false;
      this.loadCancel.abort();
      return true;
    },

    exportAdapter: async ({ runId }) => {
      const { adapter, spec, baseRef } = await this.adapterOf(runId);
      const peft = exportPeftAdapter(spec, adapter, baseRef);
      return { configJson: peft.adapterConfigJson, weights: peft.adapterSafetensors };
    },

    exportOnnx: async ({ runId, dtype }, progress) => {
      const db = this.requireDb();
      const { adapter, run } = await this.adapterOf(runId);
      // A run that failed after its newest checkpoint reached further than the adapter merged here.
      const adapterStep = (await new DexieRunStore(db, runId).adapterStep()) ?? 0;
      // Kept for the playground's ONNX backend: this export only. The earlier one goes as this one
      // starts (the GPU ours): held through it, a real model's gigabytes were in memory twice while
      // this one was merged and checked.
      const out = await this.jobs.run('an ONNX export', (ctx, input) => (this.onnxExports.clear(), runOnnxExport(ctx, input)), { db, runId, adapter, dtype }, progress);
      // A run deleted while it exported, or later (here or in another tab), has nothing to answer for
      // in the playground: its gigabytes are not kept until the next export or model load.
      const held = await this.onnxExports.hold(runId, { files: new Map(out.files), dtype });
      // Weights do not compress; store them so the zip is written quickly. A Blob of the zip's
      // parts, not one array: the weights (kept above) are not copied into it, and the page gets it
      // by reference, so the tab never holds the export two or three times over.
      const zip = new Blob(writeZipParts(out.files.map(([name, data]) => ({ name, data, level: name.startsWith('onnx/') ? 0 : 6 })), new Date()) as BlobPart[], { type: 'application/zip' });
      return { zip, files: out.files.map(([name]) => name), report: out.report, checkError: out.checkError, adapterStep, runStep: runStepOf(run, adapterStep), held };
    },

    heldOnnxExports: async () => this.onnxExports.keys(),

    exportGguf: async ({ runId, type, importance }, progress) => {
      const db = this.requireDb();
      const { adapter, run } = await this.adapterOf(runId);
      const store = new DexieRunStore(db, runId);
      const adapterStep = (await store.adapterStep()) ?? 0;
      // An importance matrix is kept with the run's checkpoint for a model whose name names its weights.
      const keepMatrix = keepsImportance(this.jobs.model?.ref);
      const name = run.name ?? runId;
      // The matrix is collected over the run's dataset's training side, as it is now.
      let examples: (GgufExportInput['importance'] & { key: string }) | undefined;
      if (importance && takesImportance(type)) {
        await requireDataset(db, run.datasetId, run, 'round the export with an importance matrix of its training examples (or untick the importance matrix)');
        const dataset = (await db.datasets.get(run.datasetId))!;
        const train = (await storedExamples(db, run.datasetId)).train;
        const seqLen = await this.runSeqLen(run, train);
        const key = JSON.stringify([this.jobs.model?.ref, runId, adapterStep, seqLen, await datasetFingerprint(train)]);
        // This session's, else the one kept with the run's checkpoint (collected before a reload).
        const collected = (this.lastImportance?.key === key ? this.lastImportance.collected : undefined) ?? (keepMatrix ? await store.readImportance(adapterStep, key) : undefined);
        examples = { examples: train, datasetName: dataset.name, fileName: `${runFolderName(name)}.imatrix.gguf`, seqLen, key, ...(collected ? { collected } : {}) };
      }
      const sources = await this.runSources(run);
      const out = await this.jobs.run('a GGUF export', runGgufExport, { adapter, type, name, sources, ...(examples ? { importance: examples } : {}) }, progress);
      if (examples && out.collected) {
        this.lastImportance = { key: examples.key, collected: out.collected };
        if (!examples.collected && keepMatrix) await store.keepImportance(adapterStep, examples.key, out.collected);
      }
      return { file: out.file, bytes: out.file.size, preTokenizer: out.preTokenizer, adapterStep, runStep: runStepOf(run, adapterStep), bytesAs: out.bytesAs, fallbackAs: out.fallbackAs, ...(out.importance ? { importance: out.importance } : {}) };
    },

    checkGguf: async ({ runId, file, fileName, type }, progress) => {
      const db = this.requireDb();
      const { adapter, run } = await this.adapterOf(runId);
      const adapterStep = (await new DexieRunStore(db, runId).adapterStep()) ?? 0;
      // The run's held-out side, as it is now; a run whose dataset is gone is checked on the prompts alone.
      const heldOutSide = (await db.datasets.get(run.datasetId)) ? (await storedExamples(db, run.datasetId)).eval : [];
      const heldOut = heldOutSide.length ? { examples: heldOutSide, seqLen: await this.runSeqLen(run, heldOutSide) } : undefined;
      const report = await this.jobs.run('a GGUF check', runGgufCheck, { adapter, file, fileName, type, ...(heldOut ? { heldOut } : {}) }, progress);
      return { report, adapterStep };
    },

    exportMerged: async ({ runId }, progress) => {
      const { adapter, run } = await this.adapterOf(runId);
      const adapterStep = (await new DexieRunStore(this.requireDb(), runId).adapterStep()) ?? 0;
      const name = run.name ?? runId;
      const folder = `${runFolderName(name)}-merged`;
      const out = await this.jobs.run('a merged-model export', runMergedExport, { adapter, folder, run: name, ...(await this.runSources(run)) }, progress);
      return { ...out, folder, adapterStep, runStep: runStepOf(run, adapterStep) };
    },

    pushToHub: async ({ runId, what, gguf, repo, token, private: isPrivate, baseUrl }, progress) => {
      const db = this.requireDb();
      const { adapter, run, baseRef } = await this.adapterOf(runId);
      const adapterStep = (await new DexieRunStore(db, runId).adapterStep()) ?? 0;
      const { baseModel, datasets } = await this.runSources(run);
      const dataset = (await db.datasets.get(run.datasetId))?.name;
      const editedAnswers = await editedAnswerCount(db, run.datasetId);
      const hdrRounds = run.kind === 'hdr' ? ((run as HdrRunRow).rounds?.length ?? 0) : undefined;
      const evaluation = await adapterEvaluation(db, run);
      const fileEvaluation = what === 'gguf' && gguf ? await ggufEvaluation(db, run, gguf) : undefined;
      const input = { what, ...(gguf ? { gguf } : {}), repo, token, private: isPrivate, ...(baseUrl ? { baseUrl } : {}), adapter, baseRef, run: run.name ?? runId, config: run.config as RunConfig, adapterStep, ...(hdrRounds !== undefined ? { hdrRounds } : {}), ...(baseModel ? { baseModel } : {}), ...(dataset ? { dataset } : {}), ...(datasets ? { datasets } : {}), ...(editedAnswers ? { editedAnswers } : {}), ...(evaluation ? { evaluation } : {}), ...(fileEvaluation ? { ggufEvaluation: fileEvaluation } : {}) };
      const out = await this.jobs.run(what === 'merged' ? 'a merged model’s push to the Hub' : 'a push to the Hub', runHubPush, input, progress);
      return { ...out, adapterStep, runStep: runStepOf(run, adapterStep) };
    },

    exportGgufAdapter: async ({ runId }) => {
      const { adapter, spec, run } = await this.adapterOf(runId);
      const adapterStep = (await new DexieRunStore(this.requireDb(), runId).adapterStep()) ?? 0;
      const file = await ggufAdapterFile(spec, adapter, run.name ?? runId, await this.runSources(run));
      return { file, bytes: file.size, adapterStep, runStep: runStepOf(run, adapterStep) };
    },

    ...dataRequests({ db: () => this.requireDb(), model: () => this.jobs.model, appBaseUrl: () => this.appBaseUrl, datasetInUse: (id) => ((this.datasetsInUse.get(id) ?? 0) > 0 ? (this.jobs.runningLabel ?? 'a job') : null) }),
  };
}

/** Whether an importance matrix collected with this model is kept with the run's checkpoint: its
 * name names its weights (the embedded model, a Hub repo), where a dropped folder's does not. */
function keepsImportance(ref: string | undefined): boolean {
  return ref !== undefined && !ref.startsWith('local:');
}

/** The step an export says the run reached, beside the step of the adapter it holds: a run that
 * failed after its newest checkpoint reached further than its adapter; one that kept its best step
 * (keepBest) ended with that step's adapter, which is the run's. */
function runStepOf(run: StoredRun, adapterStep: number): number {
  return (run.config as Partial<RunConfig>).keepBest && run.status === 'done' ? adapterStep : (run.lastStep ?? adapterStep);
}

/** The Hub dataset a run's dataset came from or was pushed to, for its model cards: the stored
 * dataset's, else (a run opened from a snapshot without its dataset, or whose dataset was deleted)
 * the one its summary names. */
export function hubDatasetsOf(dataset: DatasetRow | undefined, run: StoredRun): string[] | undefined {
  const repo = dataset?.hubRepo ?? (run as SnapshotRunRow).datasetSummary?.hubRepo;
  return repo ? [repo] : undefined;
}

/** Finished evaluations of a run's dataset on its model, newest first (stopped ones left out). */
async function finishedEvaluations(db: StudioDb, run: StoredRun): Promise<EvalRunRow[]> {
  return (await db.runs.where('datasetId').equals(run.datasetId).toArray())
    .filter((r): r is EvalRunRow => r.kind === 'eval' && r.status === 'done' && !(r as EvalRunRow).stopped && r.modelRef === run.modelRef)
    .sort((a, b) => b.createdAt - a.createdAt);
}

/** `other`'s tally for a card, beside `own`'s, with the split of the answers whose verdicts differ
 * where both evaluations' answers are kept (`right`: own right where other is wrong). */
async function besideEvaluation(db: StudioDb, own: EvalRunRow, other: EvalRunRow): Promise<BesideEvaluation> {
  const [mine, theirs] = await Promise.all([db.predictions.get(own.id), db.predictions.get(other.id)]);
  const c = mine && theirs ? compareAnswers(mine.predictions, theirs.predictions) : null;
  return { correct: other.summary.correct, total: other.summary.total, ...(c && c.shared > 0 ? { split: { right: c.nowRight.length, wrong: c.nowWrong.length }, ...(c.relabeled.length > 0 && { relabeled: c.relabeled.length }) } : {}) };
}

/** An evaluation as a card states it: its tally, answer length, later steps (EvalSummary.byStep) and
 * questions also asked in training (EvalSummary.asked). */
function cardTally(own: EvalRunRow): CardEvaluation {
  const later = own.summary.byStep?.afterCalls;
  const asked = own.summary.asked?.inTraining;
  return { correct: own.summary.correct, total: own.summary.total, maxNewTokens: own.config.maxNewTokens, ...(later && { laterSteps: { correct: later.correct, total: later.total } }), ...(asked?.total && { askedInTraining: { correct: asked.correct, total: asked.total } }) };
}

/** For a pushed adapter's card: the newest finished evaluation of the run's adapter (not of a GGUF
 * file of it), and the newest of the base model on the same dataset, model and answer length. */
async function adapterEvaluation(db: StudioDb, run: StoredRun): Promise<AdapterCardFacts['evaluation']> {
  const evals = (await finishedEvaluations(db, run)).filter((r) => !r.config.gguf);
  const own = evals.find((r) => r.config.adapterRunId === run.id);
  if (!own || own.summary.total === 0) return undefined;
  const base = evals.find((r) => r.config.adapterRunId === null && r.config.maxNewTokens === own.config.maxNewTokens && r.config.limit === own.config.limit);
  const tally = cardTally(own);
  return base && base.summary.total ? { ...tally, base: await besideEvaluation(db, own, base) } : tally;
}

/** For a pushed GGUF file's card: the newest finished evaluation of a file of this run's of the
 * same type and size (the export is deterministic: the same bytes), beside the newest of the run's
 * adapter itself on the same examples and answer length. */
async function ggufEvaluation(db: StudioDb, run: StoredRun, gguf: { file: Blob; type: string }): Promise<GgufCardFacts['evaluation']> {
  const evals = (await finishedEvaluations(db, run)).filter((r) => r.config.adapterRunId === run.id);
  const own = evals.find((r) => r.config.gguf && r.config.gguf.bytes === gguf.file.size && (r.config.gguf.fileType ?? '').toUpperCase() === gguf.type.toUpperCase());
  if (!own || own.summary.total === 0) return undefined;
  const adapter = evals.find((r) => !r.config.gguf && r.config.maxNewTokens === own.config.maxNewTokens && r.config.limit === own.config.limit);
  const tally = cardTally(own);
  return adapter && adapter.summary.total ? { ...tally, adapter: await besideEvaluation(db, own, adapter) } : tally;
}

function modelInfo(ref: string, spec: ModelSpec, tokenizer: string): ModelInfo {
  return {
    ref,
    tokenizer,
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
    maxPositionEmbeddings: spec.maxPositionEmbeddings,
  };
}

async function probe(gpu: Gpu): Promise<Capabilities> {
  return {
    adapter: gpu.ctx.adapter,
    limits: gpu.ctx.limits,
    features: [...gpu.ctx.features],
    largestModelParams: estimateLargestModelParams(),
    selfTest: await runSelfTest(gpu),
    kernels: kernelPaths(gpu),
  };
}

/** Refuses work on a dataset that is gone: deleted in another tab while this one still listed it,
 * or never here (a run from a snapshot). `run` names it by the summary the run kept; with a
 * `purpose`, the message is about that run's dataset and what it is needed for. */
async function requireDataset(db: StudioDb, datasetId: string, run?: { id: string; name?: string }, purpose?: string): Promise<void> {
  if (await db.datasets.get(datasetId)) return;
  const name = (run as SnapshotRunRow | undefined)?.datasetSummary?.name;
  const dataset = `the dataset${name ? ` “${name}”` : ''}`;
  if (run && purpose) throw new Error(`${dataset} run “${run.name ?? run.id}” trained on is not in the studio (deleted, or the run came from a snapshot); import it to ${purpose}`);
  throw new Error(`${dataset} is not in the studio any more (deleted, perhaps in another tab); pick another dataset, or import it again`);
}

/** Why a job finds no held-out examples to evaluate (`none`: the split held none out): where the split
 * holds some out but every one is left out (flagged, or by the user), that, and how to include them. */
async function noHeldOutText(db: StudioDb, datasetId: string, none: string, what: string): Promise<string> {
  const heldOut = await db.examples.where('[datasetId+split+included]').between([datasetId, 'eval', 0], [datasetId, 'eval', 1], true, true).count();
  if (heldOut === 0) return `${none} (its split put every example on the train side)`;
  return `the dataset’s ${heldOutLeftOutText(heldOut, what)}: ${INCLUDE_LEFT_OUT}`;
}

/** Where the page includes examples left out. */
const INCLUDE_LEFT_OUT = 'include one or more in the Dataset panel’s examples table (its Show filter lists those left out)';

/** Why a dataset whose used training examples are `train` has none HDR can mine (jobs/noneToMine.ts),
 * in the page's terms: studio hdr says the same in its flags. */
async function noneToMineText(db: StudioDb, datasetId: string, train: Example[]): Promise<string> {
  const why = whyNoneToMine({ used: train, leftOut: await leftOutCount(db, datasetId, 'train') });
  if (why?.reason === 'left-out') return `the dataset’s ${leftOutText(why.count, 'train', 'mine hard cases from')}: ${INCLUDE_LEFT_OUT}`;
  if (why?.reason === 'only-samples') return `the dataset’s ${plural(why.count, 'training example')} ${why.count === 1 ? 'is a sample' : 'are all samples'} an earlier HDR run added, which are not mined again; run HDR on the dataset they were sampled from`;
  const { split, exampleCount } = (await db.datasets.get(datasetId))!;
  const heldOut = exampleCount === 1 ? 'its only example' : `all ${exampleCount} of its examples`;
  return `the dataset has no training examples to mine hard cases from: its split (seed ${split.seed}, holding out ${+(100 * split.evalFraction).toFixed(1)}%) held out ${heldOut}; import more examples`;
}
