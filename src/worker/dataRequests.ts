// The worker's requests that need no GPU: dataset import (dropped files, or a Hugging Face dataset
// downloaded here) and deletion, run snapshots (export, import, share links), and tokens for the
// dataset views with the loaded model's tokenizer (the embedded model's before any is loaded). They run here, off the page's thread, so the page only
// reads the tables and renders.
// Never trains or generates (engine.ts does, through the job engine).
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { StudioDb } from '../data/db.ts';
import { deleteDataset, describeDatasetDeletion, resplitDataset, saveExampleAnswer, setExampleIncluded, setExamplesIncluded } from '../data/dataset-store.ts';
import { editedExample, editedTarget } from '../data/answer-edit.ts';
import { judgeEvaluationAgain } from '../jobs/judgeAgain.ts';
import { detectDatasetFileFormat, ImportCancelledError, type DatasetFile } from '../data/import-dataset.ts';
import { downloadHubDataset, hubDatasetId, listHubDataset } from '../data/hub-dataset.ts';
import { opfsModelCache, type ModelCache } from '../model/model-cache.ts';
import type { SourceFormat } from '../data/example.ts';
import { importDatasetIntoDb } from '../data/import-into-db.ts';
import { lengthStats, skippedAtLength, suggestSeqLen, type ExampleFit } from '../data/length-stats.ts';
import { formatIssue } from '../data/record-error.ts';
import { hardCaseRootId } from '../data/split.ts';
import { loadTokenizer, tokenizerFingerprint } from '../data/tokenizer-load.ts';
import { tokenizeExample, type ExampleProfile } from '../data/tokenize-example.ts';
import { datasetTokenCounts, type DatasetTokenCounts } from '../data/token-counts.ts';
import { tokenTexts } from '../data/token-segments.ts';
import type { ModelSpec } from '../model/config.ts';
import { encodeShareLink, exportSnapshot, importSnapshot, openedBefore, RUN_SCHEMA, saveImportedSnapshot, shareSummaryFromRun, snapshotFromDb, type RunJson } from '../snapshot/index.ts';
import type { LoadedModel } from '../jobs/context.ts';
import { requireSnapshotRun } from '../jobs/store/dexie.ts';
import { ablationOfArm } from '../jobs/ablationConfig.ts';
import type { Handler } from './engine.ts';
import { datasetBrowse, sameDatasetRow, type DatasetBrowseRequest } from './datasetBrowse.ts';
import { plural } from '../data/plural.ts';
import { datasetFileStem } from '../data/fileKinds.ts';
import { exportDatasetJsonl } from '../snapshot/dataset-export.ts';
import { pushDatasetToHub } from './datasetHubPush.ts';
import { sharedWork } from './sharedWork.ts';
import { changeReachesOwn } from '../train/ownExamples.ts';
import type { TrainRunRow } from '../jobs/store/schema.ts';
import { datasetBeingChanged, holdingHubDataset, hubDatasetsInUse, runsTrainingNow, unlessDatasetInUse } from './runLock.ts';
import type { DatasetDownload, DatasetImportResult, ProgressInfo, RequestKind } from './protocol.ts';
import { trainedOnLoaded } from '../model/model-ref.ts';
import { EMBEDDED_MODEL_REF } from './modelSource.ts';
import { COVERAGE_EXAMPLES, unseenTokens } from '../model/tokenCoverage.ts';

/** The tokenizer the dataset views count with while no model (or the embedded one) is loaded. */
export const EMBEDDED_TOKENIZER_NAME = 'Qwen3 tokenizer (embedded model)';

type DataRequest = 'detectFormats' | 'importDataset' | 'importHubDataset' | 'listHubDataset' | 'datasetDownloads' | 'clearDatasetDownloads' | 'cancelImport' | 'exportDataset' | 'pushDatasetToHub' | 'cancelDatasetPush' | 'describeDatasetDeletion' | 'deleteDataset' | 'setExampleIncluded' | 'saveExampleAnswer' | 'judgeEvaluationAgain' | 'setExamplesIncluded' | 'resplitDataset' | 'runsReached' | 'exportSnapshot' | 'importSnapshot' | 'shareLink' | 'exampleTokens' | 'datasetLengths' | 'datasetFits' | 'datasetUnseenTokens' | DatasetBrowseRequest;

export interface DataRequestContext {
  db(): StudioDb;
  /** The model the worker holds now, if any (snapshots of runs without a stored spec need it). */
  model(): LoadedModel | null;
  /** Where the app (and its embedded model) is served from. */
  appBaseUrl(): string;
  /** The job of this worker working on the dataset now, as messages name it ("the training run
   * “sft”", "an evaluation"); null when none is (its rows must stay as they are while one is). */
  datasetInUse(datasetId: string): string | null;
  /** Where Hub datasets are downloaded to (default: OPFS, `datasets/`). */
  datasetCache?(): ModelCache;
}

export function dataRequests(ctx: DataRequestContext): { [K in DataRequest]: Handler<K> } & Partial<Record<Exclude<RequestKind, DataRequest>, never>> {
  let embeddedTokenizer: Promise<PreTrainedTokenizer> | null = null;
  const embedded = () => {
    embeddedTokenizer ??= (async () => {
      const text = async (name: string) => {
        const res = await fetch(new URL(`models/tiny-qwen3/${name}`, ctx.appBaseUrl()));
        if (!res.ok) throw new Error(`${name} could not be fetched (HTTP ${res.status}); rebuild the app with npm run build`);
        return res.text();
      };
      return loadTokenizer(await text('tokenizer.json'), JSON.parse(await text('tokenizer_config.json')));
    })();
    embeddedTokenizer.catch(() => (embeddedTokenizer = null));
    return embeddedTokenizer;
  };
  /** The loaded model's tokenizer and template, which training renders with (another model's counts
   * differ, and so would every length and "too long" count); the embedded one while none is loaded.
   * The embedded model's own once it is loaded: building it again from the same files made the
   * first view wait about half a second and held the vocabulary twice. */
  const tokenizer = async (): Promise<{ tokenizer: PreTrainedTokenizer; name: string }> => {
    const model = ctx.model();
    // Let go of the one built for the views: kept, it held 46 MiB for the worker's life under
    // another model's tokenizer (the embedded model's own is the loaded model's, held there).
    if (model) {
      embeddedTokenizer = null;
      return { tokenizer: model.tokenizer, name: model.ref === EMBEDDED_MODEL_REF ? EMBEDDED_TOKENIZER_NAME : `${model.ref} tokenizer` };
    }
    return { tokenizer: await embedded(), name: EMBEDDED_TOKENIZER_NAME };
  };

  // One count of a dataset with a tokenizer at a time, whichever views ask: each asker hears its progress.
  const counting = sharedWork<DatasetTokenCounts>();
  const countsOf = async (datasetId: string, progress: (p: ProgressInfo) => void): Promise<{ counts: DatasetTokenCounts; tokenizer: string }> => {
    const { tokenizer: tok, name } = await tokenizer();
    // Kept and shared by what counts (the tokenizer's files), not by the model's name: a folder
    // dropped again under the same name may hold another template.
    const key = tokenizerFingerprint(tok);
    const counts = await counting.run(
      `${datasetId}\n${key}`,
      (report) => datasetTokenCounts(ctx.db(), datasetId, tok, key, { onProgress: (done, total) => report({ label: 'counting tokens', done, total }) }),
      progress,
    );
    return { counts, tokenizer: name };
  };

  /** The spec a snapshot describes the adapter with: the stored summary of the training run it
   * holds (an HDR run travels as the run it continued), or the loaded model. The page names the
   * run in front of these errors. */
  const snapshotSpec = async (row: Awaited<ReturnType<typeof requireSnapshotRun>>): Promise<ModelSpec | undefined> => {
    const trained = row.kind === 'hdr' && row.fromRunId ? await ctx.db().runs.get(row.fromRunId) : row;
    if ((trained as { modelSpec?: unknown } | undefined)?.modelSpec) return undefined;
    if (!row.modelRef) throw new Error('it does not say which model it was trained on; load that model first');
    const model = ctx.model();
    if (!model || !trainedOnLoaded(row.modelRef, model.ref)) throw new Error(`it was trained on ${row.modelRef}, but the loaded model is ${model?.ref ?? 'none'}; load that model first`);
    return model.spec;
  };

  const browse = datasetBrowse({ db: () => ctx.db() });

  /** Runs an inclusion change unless a job works on the dataset, here or in another tab (refused
   * naming it). A job reads the dataset's examples when it starts and HDR adds to them: a change
   * under it would be trained or evaluated by one part of the job and not another. */
  const unlessJobOn = async <T,>(datasetId: string, work: () => Promise<T>, change = 'include or leave out examples'): Promise<T> => {
    const job = ctx.datasetInUse(datasetId);
    if (job) throw new Error(`${job} is working on this dataset; ${change} once it ends, or pause, stop or cancel it first`);
    let value!: T;
    if (!(await unlessDatasetInUse(datasetId, async () => void (value = await work())))) {
      if (await datasetBeingChanged(datasetId)) throw new Error(`${BEING_CHANGED}: try again once it is`);
      const { what, act } = await jobElsewhereOn(ctx.db(), datasetId);
      throw new Error(`${what} is working on this dataset; ${change} once it ends there, or ${act} it there first`);
    }
    return value;
  };

  /** The import under way (its download first, for a Hub dataset), for cancelImport. One at a time:
   * the page asks for no second while one runs. */
  let importing: AbortController | null = null;
  /** The dataset push under way, for cancelDatasetPush. */
  let pushingDataset: AbortController | null = null;
  let datasetCache: ModelCache | null = null;
  const downloads = () => (datasetCache ??= ctx.datasetCache?.() ?? opfsModelCache(undefined, 'datasets'));
  const listDownloads = async (): Promise<DatasetDownload[]> => {
    const inUse = await hubDatasetsInUse();
    return (await downloads().repos()).map((r) => ({ ...r, inUse: inUse.has(r.repo) }));
  };
  const cancellable = async <T,>(work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const cancel = new AbortController();
    importing = cancel;
    try {
      return await work(cancel.signal);
    } finally {
      if (importing === cancel) importing = null;
    }
  };

  /** Dataset files into the database a batch at a time (memory stays flat with file size); a file
   * with no usable record, or an import cancelled, saves nothing, and the stored datasets stay as they were. */
  async function importFiles(files: DatasetFile[], opts: { name: string; format?: SourceFormat; bfclPromptMode?: boolean; everyCallTurn?: boolean }, signal: AbortSignal, progress: (p: ProgressInfo) => void): Promise<DatasetImportResult> {
    let result;
    try {
      result = await importDatasetIntoDb(ctx.db(), files, {
        ...opts,
        signal,
        onProgress: (p) => progress({ label: p.file, done: p.bytesDone, total: p.bytesTotal, items: p.recordsDone }),
      });
    } catch (err) {
      if (err instanceof ImportCancelledError) throw new ImportCancelledError(`the import of ${opts.name}`);
      throw err;
    }
    return {
      datasetId: result.row?.id ?? null,
      files: result.files,
      issues: result.issues.map(formatIssue),
      issueCount: result.issueCount,
      imported: result.imported,
      ...(result.alreadyStored ? { alreadyStoredAs: result.row!.name, ...(result.choicesKept ? { choicesKept: result.choicesKept } : {}) } : {}),
      ...(result.storedOneByOneAs !== undefined && { storedOneByOneAs: result.storedOneByOneAs }),
    };
  }

  return {
    detectFormats: async ({ files }) => {
      const detected: Record<string, string> = {};
      for (const f of files) detected[f.name] = (await detectDatasetFileFormat({ name: f.name, blob: f })) ?? 'not recognised';
      return detected;
    },

    importDataset: ({ files, name, format, bfclPromptMode, everyCallTurn }, progress) =>
      cancellable((signal) => importFiles(files.map((f) => ({ name: f.name, blob: f })), { name, format, bfclPromptMode, everyCallTurn }, signal, progress)),

    listHubDataset: ({ repo, token, baseUrl }) => listHubDataset(repo, { token, baseUrl }),
    datasetDownloads: () => listDownloads(),
    clearDatasetDownloads: async () => {
      const inUse = await hubDatasetsInUse();
      await downloads().clear((repo) => inUse.has(repo));
      return listDownloads();
    },

    // The download stays in the cache until its examples are stored: importing again after a cut
    // connection, a cancel or with another format chosen does not download it again. Another
    // dataset's download left there (never imported) goes when the next import starts, unless an
    // import in another tab holds it (the dataset's lock, held from download to stored examples).
    importHubDataset: ({ repo, token, baseUrl, files, format, bfclPromptMode, everyCallTurn }, progress) =>
      cancellable((signal) => {
        const id = hubDatasetId(repo);
        // Cancelled while another tab's import of it holds the lock, or while the files come in.
        const downloadCancelled = (err: unknown) => {
          throw signal.aborted && !(err instanceof ImportCancelledError) ? new ImportCancelledError(`the download of ${id}`) : err;
        };
        return holdingHubDataset(id, signal, async () => {
          const cache = downloads();
          const inUse = await hubDatasetsInUse();
          await cache.clear((other) => other === id || inUse.has(other));
          const hub = await downloadHubDataset(id, { cache, files, token, baseUrl, signal, onProgress: (p) => progress({ label: p.file, done: p.bytesDone, total: p.bytesTotal, unit: 'bytes' }) });
          // Files the user chose are one dataset of the repo among others: named by them too.
          const name = files ? `${hub.repo} · ${datasetFileStem(hub.files[0].name)}${hub.files.length > 1 ? ` (+${plural(hub.files.length - 1, 'file')})` : ''}` : hub.repo;
          const result = await importFiles(hub.files, { name, format, bfclPromptMode, everyCallTurn }, signal, progress);
          if (result.datasetId !== null) {
            for (const f of hub.files) await cache.remove(hub.repo, hub.revision, f.name).catch(() => undefined);
            await ctx.db().datasets.update(result.datasetId, { hubRepo: hub.repo });
          }
          return { ...result, hub: { repo: hub.repo, revision: hub.revision, files: hub.files.map((f) => f.name), leftOut: hub.leftOut, ...(files ? { chosen: true } : {}), ...(hub.reused.length ? { reused: hub.reused } : {}) } };
        }).catch(downloadCancelled);
      }),

    cancelImport: async () => {
      if (!importing) return false;
      importing.abort();
      return true;
    },

    exportDataset: ({ datasetId }, progress) => exportDatasetJsonl(ctx.db(), datasetId, (done, total) => progress({ label: 'examples', done, total })),

    pushDatasetToHub: async (push, progress) => {
      if (pushingDataset) throw new Error('a dataset is being pushed to the Hub already; wait for it to finish');
      const cancel = new AbortController();
      pushingDataset = cancel;
      try {
        return await pushDatasetToHub(ctx.db(), push, cancel.signal, progress);
      } finally {
        pushingDataset = null;
      }
    },

    cancelDatasetPush: async () => {
      if (!pushingDataset) return false;
      pushingDataset.abort(new DOMException('the push was cancelled; nothing was committed', 'AbortError'));
      return true;
    },

    describeDatasetDeletion: ({ datasetId }) => describeDatasetDeletion(ctx.db(), datasetId),

    deleteDataset: async ({ datasetId, confirmToken }) => {
      // The job would go on writing hard cases and examples for a dataset nothing lists any more.
      if (ctx.datasetInUse(datasetId)) throw new Error('a job is working on this dataset (training, evaluating or HDR); delete it once that ends, or cancel it first');
      if (!(await unlessDatasetInUse(datasetId, () => deleteDataset(ctx.db(), datasetId, confirmToken)))) {
        if (await datasetBeingChanged(datasetId)) throw new Error(`${BEING_CHANGED}: delete it once it is`);
        throw new Error('a job in another tab of the studio is working on this dataset (training, evaluating or HDR); delete it once that ends there, or cancel it there first');
      }
    },

    setExampleIncluded: ({ datasetId, exampleId, included }) => unlessJobOn(datasetId, () => setExampleIncluded(ctx.db(), datasetId, exampleId, included)),

    saveExampleAnswer: ({ datasetId, exampleId, answer }) =>
      unlessJobOn(
        datasetId,
        async () => {
          const { row, samples } = await saveExampleAnswer(ctx.db(), datasetId, exampleId, answer === 'imported' ? answer : (now) => editedExample(now, editedTarget(now.target, answer)));
          return { included: row.included === 1, edited: row.original !== undefined, samples };
        },
        'edit its examples',
      ),

    judgeEvaluationAgain: async ({ runId }) => {
      const { row, accuracyBefore, changed, gone } = await judgeEvaluationAgain(ctx.db(), runId);
      return { runId: row.id, accuracy: row.summary.accuracy, accuracyBefore, total: row.summary.total, changed, gone };
    },

    setExamplesIncluded: async ({ datasetId, selection, included, expect }, progress) => {
      const chosen = await browse.select(datasetId, { selection }, included, progress);
      // The page asked for the N it showed: another number means the dataset changed under it (an
      // example included in another tab, HDR's samples), and the user confirmed something else.
      if (chosen.ids.length !== expect) throw new Error(`the examples chosen changed since they were counted (${expect} then, ${chosen.ids.length} now): look at the new count and try again`);
      const changed = await unlessJobOn(datasetId, () =>
        setExamplesIncluded(ctx.db(), datasetId, chosen.ids, included, {
          // A change saved since they were chosen (in another tab): how many they are now is not known.
          check: (d) => {
            if (!sameDatasetRow(d, chosen.signature)) throw new Error('the dataset’s examples changed since they were counted (another change to them was saved meanwhile): look at the new count and try again');
          },
          onProgress: (done, total) => progress({ label: `saving ${plural(total, 'example')}`, done, total }),
        }),
      );
      return { changed };
    },

    resplitDataset: ({ datasetId, split }) => unlessJobOn(datasetId, () => resplitDataset(ctx.db(), datasetId, split), 'split it again'),

    runsReached: async ({ datasetId, change, included }, progress) => {
      const chosen = await browse.select(datasetId, change, included);
      const runs = await ctx.db().runs.where('datasetId').equals(datasetId).toArray();
      const loadedRef = ctx.model()?.ref;
      // Counted only for a change that reaches a run by its place, and kept (the dataset views share them).
      let fits: Map<string, ExampleProfile | null> | undefined;
      const trainedPlaces = async (seqLen: number): Promise<number[]> => {
        fits ??= new Map((await countsOf(datasetId, progress)).counts.map((e) => [e.id, e.counts]));
        const trainSide = new Set(chosen.trainPlaces);
        return chosen.ids.flatMap((id) => {
          const at = chosen.placeOf(id)!;
          const fit = fits!.get(id);
          return trainSide.has(at) && (fit === undefined || !skippedAtLength(fit, seqLen)) ? [at] : [];
        });
      };
      const reached: string[] = [];
      for (const row of runs) {
        if (row.kind !== 'train') continue;
        const r = row as TrainRunRow;
        const last = r.setup?.examples.lastTrainId;
        const lastAt = last === undefined ? undefined : chosen.placeOf(last);
        // A run that kept no last example (recorded before it was kept), or one the dataset no
        // longer has: its own examples are not known here, so any change may reach them.
        if (lastAt === undefined) {
          if (chosen.trainPlaces.length > 0) reached.push(r.id);
          continue;
        }
        if (!changeReachesOwn(chosen.trainPlaces, lastAt)) continue;
        // An example the run skipped (too long for its sequence length, or not renderable) was never
        // one of its own: told apart only with the run's own model loaded, which renders as it did.
        if (trainedOnLoaded(r.modelRef ?? '', loadedRef) && !changeReachesOwn(await trainedPlaces(r.config.seqLen), lastAt)) continue;
        reached.push(r.id);
      }
      return { runIds: reached };
    },

    exportSnapshot: async ({ runId, includeDataset }) => {
      const row = await requireSnapshotRun(ctx.db(), runId);
      const input = await snapshotFromDb(ctx.db(), runId, { spec: await snapshotSpec(row), includeDataset, trainingNow: await runsTrainingNow() });
      // A run that saved no checkpoint yet has no adapter: the page must not say the zip holds one.
      return { zip: exportSnapshot(input), holds: { adapter: !!input.adapter, checkpoint: !!input.checkpoint, dataset: !!input.dataset } };
    },

    importSnapshot: async ({ bytes, label, mode }) => {
      const snapshot = await importSnapshot(bytes, { label });
      const earlier = await openedBefore(ctx.db(), snapshot, mode);
      const row = earlier ?? (await saveImportedSnapshot(ctx.db(), snapshot, mode));
      return { runId: row.id, name: row.name ?? row.id, metricSteps: snapshot.run.metrics.length, alreadyOpen: !!earlier };
    },

    shareLink: async ({ runId }) => {
      const row = await requireSnapshotRun(ctx.db(), runId);
      // A link carries neither the adapter nor the checkpoint: reading them (a large model's checkpoint
      // is hundreds of MB) would only slow the link down, or fail it on a file it has no use for.
      const input = await snapshotFromDb(ctx.db(), runId, { spec: await snapshotSpec(row), includeAdapter: false, includeCheckpoint: false, trainingNow: await runsTrainingNow() });
      const run: RunJson = { ...input.run, schema: RUN_SCHEMA, exportedAt: Date.now() };
      return { fragment: encodeShareLink(shareSummaryFromRun(run)) };
    },

    exampleTokens: async ({ example }) => {
      const { tokenizer: tok, name } = await tokenizer();
      const t = tokenizeExample(tok, example);
      const texts = tokenTexts(tok, t.inputIds);
      return { tokenizer: name, pieces: texts.map((text, i) => ({ text, segment: t.segments[i] })), counts: t.counts };
    },

    datasetFits: async ({ datasetId }, progress) => {
      const { counts, tokenizer } = await countsOf(datasetId, progress);
      // Jobs take the included examples of a side (their flags may change after counting).
      const included = async (side: 'train' | 'eval') => ((await ctx.db().examples.where('[datasetId+split+included]').equals([datasetId, side, 1]).primaryKeys()) as Array<[string, string]>).map((k) => k[1]);
      const train = new Set(await included('train'));
      const decoded = new Set([...train, ...(await included('eval'))]);
      const trained = counts.flatMap((e) => (train.has(e.id) && e.counts ? [e.counts] : []));
      const fits: ExampleFit[] = trained.map((c) => ({ total: c.total, full: c.full, minimum: c.minimum }));
      // Whether SSB has reasoning to balance is a question of what training takes, not of the
      // held-out side or of examples left out.
      const { meanCotPerExample, meanCallPerExample, callShare } = lengthStats(trained, 1);
      // Evaluation (the held-out side) and HDR (the training side) render each prompt whole: the
      // memory plan sizes their cache for the longest. A profile's prompt tokens hold the template's
      // tail after the target's end (total − full), which a generation prompt does not. An example
      // left out of both sides is decoded by no job.
      const promptOf = (c: { prompt: number; total: number; full: number }) => c.prompt - (c.total - c.full);
      const longestPrompt = Math.max(0, ...counts.map((e) => (e.counts && decoded.has(e.id) ? promptOf(e.counts) : 0)));
      // HDR mines the training side's own examples in their order (firstMinable), not the held-out
      // side nor earlier HDR samples (`<question>#hdr…`, whose prompt is their question's anyway):
      // the plan takes its retraining length from these, as the job does.
      const minedPrompts = counts.flatMap((e) => (e.counts && train.has(e.id) && hardCaseRootId(e.id) === e.id ? [promptOf(e.counts)] : []));
      return { tokenizer, fits, suggestedSeqLen: suggestSeqLen(fits.map((f) => f.full)), longestPrompt, minedPrompts, reasoning: { meanCotPerExample, meanCallPerExample, callShare } };
    },

    datasetUnseenTokens: async ({ datasetId }) => {
      const model = ctx.model();
      if (!model?.tokensWithEmbedding) return null;
      // What training takes: the included training side (the first ones stored; a share, not a list).
      const rows = await ctx.db().examples.where('[datasetId+split+included]').equals([datasetId, 'train', 1]).limit(COVERAGE_EXAMPLES).toArray();
      return unseenTokens(model.tokenizer, rows.map((r) => r.example), model.tokensWithEmbedding, model.spec.vocabSize);
    },

    datasetLengths: async ({ datasetId, bins }, progress) => {
      const { counts, tokenizer } = await countsOf(datasetId, progress);
      const lengths = counts.flatMap((e) => (e.counts ? [e.counts] : []));
      return { tokenizer, stats: lengthStats(lengths, bins), cot: lengths.map((l) => l.cot), call: lengths.map((l) => l.call), failed: counts.length - lengths.length };
    },

    // The Dataset and Playground panels' reads (datasetBrowse.ts): never the whole dataset to the page.
    ...browse.handlers,
  };
}

/** Why the dataset's lock is held alone (datasetBeingChanged): the refusal would otherwise name a job. */
const BEING_CHANGED = 'another change to this dataset is being saved (examples included, left out or edited, in this tab or another of the studio)';

/** Another tab's job on the dataset, named by its run where one trains there (a training, HDR or
 * ablation run holds its run's lock; an arm is named by its ablation, which cannot be paused), and
 * what the user can do to it there; an evaluation holds none, and is named by what it may be. */
async function jobElsewhereOn(db: StudioDb, datasetId: string): Promise<{ what: string; act: string }> {
  const training = await runsTrainingNow();
  const onDataset = await db.runs.where('datasetId').equals(datasetId).toArray();
  const runs = onDataset.filter((r) => training.has(r.id));
  const named = runs.find((r) => r.kind === 'train') ?? runs[0];
  const ablation = ablationOfArm(onDataset, named);
  const where = 'in another tab of the studio';
  if (ablation) return { what: `the ablation “${ablation.name}” ${where}`, act: 'cancel' };
  if (!named) return { what: `a job ${where} (training, evaluating or HDR)`, act: 'pause, stop or cancel' };
  return { what: `the ${named.kind === 'train' ? 'training' : named.kind === 'hdr' ? 'HDR' : named.kind} run “${named.name ?? named.id}” ${where}`, act: named.kind === 'train' ? 'pause, stop or cancel' : 'cancel' };
}
