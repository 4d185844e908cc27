// The model the worker holds: which source the user chose (embedded, a hub preset or repo id, or
// dropped files), loading progress with bytes and speed, the loaded model's facts, the memory plan
// for the current training shape, the models cached in OPFS, and the Hugging Face access token a
// gated or private repo needs (held in memory for this page only: never stored, sent only to the hub).
// Never reads model weights in the page: the worker downloads, verifies and keeps them.
import { useOnnxExport } from './onnxExportStore.ts';
import { askToKeepStorage } from './keepStorage.ts';
import { create } from 'zustand';
import { EMBEDDED_MODEL_REF, unlessModelInUse, type MemoryPlan, type ModelInfo, type ModelSource, type ProgressInfo, type RunConfig, type TrainShape } from '../worker/protocol.ts';
import { engineClient } from './engine.ts';
import { deleteCachedModel, listCachedModels, type CachedModel } from './cachedModels.ts';

/** How runs name the embedded model (one reference for the worker and the page). */
export const EMBEDDED_REF = EMBEDDED_MODEL_REF;

/** The shape the trainer allocates for these settings (LoRA dropout adds its scratch buffers), and
 * the accumulation a suggested smaller micro-batch keeps the optimizer batch with: the form's draft
 * for the plan the panels show, a stored run's config for its resume. */
export function trainShapeOf(config: Pick<RunConfig, 'batchSize' | 'gradAccum' | 'seqLen' | 'lora' | 'recompute'>): TrainShape {
  return { batch: config.batchSize, seqLen: config.seqLen, rank: config.lora.rank, targets: config.lora.targets, recompute: config.recompute, loraDropout: config.lora.dropout, gradAccum: config.gradAccum };
}

export interface ModelPreset {
  repo: string;
  label: string;
  /** Parameters and the approximate bf16 download, as published on the model card. */
  parameters: string;
  downloadBytes: number;
}

export const MODEL_PRESETS: ModelPreset[] = [
  { repo: 'HuggingFaceTB/SmolLM2-135M-Instruct', label: 'SmolLM2 135M Instruct', parameters: '135M', downloadBytes: 269e6 },
  { repo: 'Qwen/Qwen2.5-0.5B-Instruct', label: 'Qwen2.5 0.5B Instruct', parameters: '494M', downloadBytes: 988e6 },
  { repo: 'Qwen/Qwen3-0.6B', label: 'Qwen3 0.6B', parameters: '596M', downloadBytes: 1.5e9 },
  { repo: 'Qwen/Qwen2.5-1.5B-Instruct', label: 'Qwen2.5 1.5B Instruct', parameters: '1.5B', downloadBytes: 3.09e9 },
];

/** Whether two plan requests ask the same (a shape is plain data, built in one place: trainShapeOf). */
const sameShape = (a: TrainShape, b: TrainShape) => JSON.stringify(a) === JSON.stringify(b);

/** Beside a Start the memory plan's verdict holds, while that plan is on its way: pressed then, a
 * job could begin what the plan is about to refuse. */
export const PLAN_PENDING_REASON = 'Checking whether these settings fit in GPU memory…';

type PlanState = Pick<ModelState, 'info' | 'plan' | 'planError'>;

/** Why a Start the plan's verdict holds waits: the loaded model's plan for the settings on show has
 * not arrived. Null once it arrives or fails (a job checks this GPU's limits itself, so a plan the
 * worker cannot make holds nothing for good), and with no model (nothing is planned then). */
export function planPendingReason(s: PlanState): string | null {
  return s.info && !s.plan && !s.planError ? PLAN_PENDING_REASON : null;
}

/** A failed plan in words for the forms whose Start it would have held, which stay on. */
export function planFailedNote(s: PlanState): string | null {
  return s.info && s.planError ? `${s.planError} Starting still works: a job that does not fit this GPU stops, saying why.` : null;
}

/** The source a stored run reference can be reopened from without asking the user for files. */
export function sourceForRef(ref: string): ModelSource | null {
  if (ref === EMBEDDED_REF) return { kind: 'embedded' };
  if (ref.startsWith('local:')) return null;
  if (/^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(ref)) return { kind: 'hub', repo: ref };
  return null;
}

interface ModelState {
  info: ModelInfo | null;
  /** `cancelling`: the user cancelled it, and the worker has not answered yet. */
  loading: { source: string; progress: ProgressInfo | null; startedAt: number; cancelling?: boolean } | null;
  error: string | null;
  /** How the last load ended where that was no failure (the user cancelled it). */
  notice: string | null;
  /** The plan of `planShape`, or null while that shape's plan is on its way: a verdict never reads
   * one shape's plan beside another shape. */
  plan: MemoryPlan | null;
  /** The shape asked for last (the panel on show's). */
  planShape: TrainShape | null;
  /** The shape the last plan that arrived was made for (`plan` is it while it is `planShape`'s). */
  planFor: TrainShape | null;
  planError: string | null;
  cached: CachedModel[];
  cacheError: string | null;
  /** Sent with every hub download of this page (presets, a repo id, a run's own model); '' for none. */
  hubToken: string;
  setHubToken(token: string): void;
  /** `onProgress`: the load's progress for whoever waits on it too (a resume loading its run's model).
   * `cancelled`: the caller's Cancel, which stops the load where this call began it; a call that
   * joined a load on its way (the same model, asked for meanwhile) leaves that load alone. */
  loadModel(source: ModelSource, onProgress?: (p: ProgressInfo) => void, cancelled?: AbortSignal): Promise<ModelInfo | null>;
  /** Stops the load on its way (the Model panel's Cancel): it ends with a notice, not an error. */
  cancelLoad(): Promise<void>;
  planMemory(shape: TrainShape): Promise<void>;
  refreshCachedModels(): Promise<void>;
  deleteCachedModel(repo: string): Promise<void>;
  /** The worker let the model go, its files deleted (`message`: the refused job's words). */
  noteModelFilesGone(modelRef: string, message: string): void;
}

/** Why a cached model's files may not be deleted now: the worker reads them while the model is
 * loaded (a run's first step, a reload), and writes them while it downloads. */
export function cachedModelInUse(repo: string, loadedRef: string | null, loadingLabel: string | null): 'loaded' | 'loading' | null {
  if (loadedRef === repo) return 'loaded';
  // A hub load is labelled with its repo id (describeSource).
  if (loadingLabel === repo) return 'loading';
  return null;
}

/** A model source as the Model panel names it while it loads. */
export function describeSource(source: ModelSource): string {
  if (source.kind === 'embedded') return 'the embedded tiny Qwen3';
  if (source.kind === 'hub') return source.repo;
  return `${source.files.length} dropped files`;
}

/** What a cancelled load of `source` leaves: its download where it stopped, for the next load. */
export function downloadKeptText(source: ModelSource): string {
  return source.kind === 'hub' ? 'what was downloaded is kept, and loading it again resumes the download' : '';
}

/** The Model panel's notice once a load of `source` was cancelled; `kept`: the model still loaded. */
function loadCancelledText(source: ModelSource, kept: ModelInfo | null): string {
  const download = downloadKeptText(source);
  return `Loading ${describeSource(source)} was cancelled${download ? `: ${download}` : ''}.${kept ? ` ${kept.ref} stays loaded.` : ''}`;
}

/** The model (as `loading` names it) whose load the user cancelled last, until another load begins:
 * a start's Cancel that stopped its load says so after the worker answered too. */
let lastCancelled: string | null = null;

/** Whether the load of `source` was cancelled: it is being stopped, or the last load ended so. */
export function loadCancelled(source: ModelSource): boolean {
  const label = describeSource(source);
  const loading = useModel.getState().loading;
  return loading ? loading.source === label && !!loading.cancelling : lastCancelled === label;
}

/** The model whose load on its way keeps `source` from loading now (null: none does). The worker
 * holds one model: a second load would race the first, and whichever ended last would be the model,
 * whatever the page said (a folder dropped mid-download lost to the download). The same model asked
 * for again (a resume pressed again after its Cancel, an export of a run on it) joins the load on
 * its way instead, and one being cancelled is waited for; dropped files are never the same load:
 * two folders may hold as many files. */
export function otherLoadOnItsWay(source: ModelSource): string | null {
  const busy = useModel.getState().loading;
  if (!busy || (busy.cancelling && inFlight)) return null;
  return inFlight && busy.source === describeSource(source) && source.kind !== 'files' ? null : busy.source;
}

/** The one load on its way (`loading` names it): whoever asks for the same model meanwhile waits
 * for it (joinLoad), each told its progress. */
let inFlight: { listeners: Set<(p: ProgressInfo) => void>; loaded: Promise<ModelInfo | null> } | null = null;

async function joinLoad(load: NonNullable<typeof inFlight>, progress: ProgressInfo | null, onProgress?: (p: ProgressInfo) => void): Promise<ModelInfo | null> {
  if (!onProgress) return load.loaded;
  // Where it is now: the worker says nothing more until its next chunk.
  if (progress) onProgress(progress);
  load.listeners.add(onProgress);
  try {
    return await load.loaded;
  } finally {
    load.listeners.delete(onProgress);
  }
}

export const useModel = create<ModelState>((set, get) => ({
  info: null,
  loading: null,
  error: null,
  notice: null,
  plan: null,
  planShape: null,
  planFor: null,
  planError: null,
  cached: [],
  cacheError: null,
  hubToken: '',

  setHubToken(token) {
    set({ hubToken: token.trim() });
  },

  async loadModel(given, onProgress, cancelled) {
    const token = get().hubToken;
    const source: ModelSource = given.kind === 'hub' && !given.token && token ? { ...given, token } : given;
    const label = describeSource(source);
    // A load being cancelled ends in a moment: asked for now (a resume pressed again at once), this
    // one begins after it, and resumes what it downloaded.
    if (get().loading?.cancelling && inFlight) {
      await inFlight.loaded;
      return cancelled?.aborted ? null : get().loadModel(given, onProgress, cancelled);
    }
    const busy = get().loading;
    const other = otherLoadOnItsWay(source);
    if (other) {
      set({ error: `Could not load ${label}: ${other} is still loading. Wait for it to finish, then load ${label} again.` });
      return null;
    }
    if (busy && inFlight) return joinLoad(inFlight, busy.progress, onProgress);
    // The plan shown stays the loaded model's until another replaces it: the worker keeps that model
    // while this one loads, and for good if this one fails.
    lastCancelled = null;
    set({ loading: { source: label, progress: null, startedAt: performance.now() }, error: null, notice: null });
    const listeners = new Set(onProgress ? [onProgress] : []);
    // This call began the load: its caller's Cancel is the load's.
    const cancelOwn = () => void get().cancelLoad();
    cancelled?.addEventListener('abort', cancelOwn, { once: true });
    const loaded = (async () => {
      try {
        const info = await engineClient().request('loadModel', { source }, (progress) => {
          const was = get().loading;
          set({ loading: { source: label, progress, startedAt: was?.startedAt ?? performance.now(), cancelling: was?.cancelling } });
          for (const listener of listeners) listener(progress);
        });
        set({ info, plan: null, planFor: null, planError: null });
        // The worker let the previous model's ONNX export go.
        useOnnxExport.setState({ exportedRunIds: [] });
        // A downloaded model lives in OPFS: worth keeping.
        if (source.kind === 'hub') askToKeepStorage();
        if (source.kind === 'hub') void get().refreshCachedModels();
        const shape = get().planShape;
        if (shape) void get().planMemory(shape);
        return info;
      } catch (err) {
        const { name } = err as Error;
        // The user's own Cancel: nothing is wrong; the model loaded before (if any) stays.
        if (name === 'ModelLoadCancelledError') {
          lastCancelled = label;
          set({ notice: loadCancelledText(source, get().info) });
          return null;
        }
        const storage = name === 'HubStorageError';
        const refused = name === 'HubAccessError';
        // Its message says to check the repo id; the connection is fine. A load refused while a job
        // holds the GPU says what to wait for; nothing is wrong with the model's files. A configuration
        // the engine refuses names its file and what is wrong there: every file arrived.
        const hint = storage || name === 'HubRepoNotFoundError' || name === 'ModelInUseError' || name === 'ModelConfigError' ? '' : refused ? (source.kind === 'hub' && source.token ? '' : ' Paste an access token (huggingface.co/settings/tokens) under “Access token” and load again.') : source.kind === 'hub' ? ' Check the repo id and your connection; a partial download resumes when you try again.' : source.kind === 'files' ? ' Drop a folder with config.json, model.safetensors (or shards), tokenizer.json and tokenizer_config.json.' : ' Reload the page; if it persists, rebuild the app (npm run build).';
        set({ error: `Could not load ${label}: ${(err as Error).message}.${hint}` });
        return null;
      } finally {
        cancelled?.removeEventListener('abort', cancelOwn);
        set({ loading: null });
        inFlight = null;
      }
    })();
    inFlight = { listeners, loaded };
    return loaded;
  },

  async cancelLoad() {
    const busy = get().loading;
    if (!busy || busy.cancelling) return;
    set({ loading: { ...busy, cancelling: true } });
    try {
      await engineClient().request('cancelModelLoad', {});
    } catch (err) {
      const now = get().loading;
      if (now) set({ loading: { ...now, cancelling: false } });
      set({ error: `Could not cancel loading ${busy.source}: ${(err as Error).message}. It goes on loading; reload the page to stop it.` });
    }
  },

  async planMemory(shape) {
    // Another shape than the plan shown was made for: no verdict until its own plan arrives. The
    // same one asked again (a model loaded, an effect run twice) keeps it meanwhile, and so keeps
    // the failure of the shape asked last: another shape's would read as this one's.
    const { plan, planFor, planShape, planError } = get();
    set({ planShape: shape, plan: planFor && sameShape(planFor, shape) ? plan : null, planError: planShape && sameShape(planShape, shape) ? planError : null });
    if (!get().info) return;
    // An answer for a shape asked before the current one is dropped: it would show under the newer shape.
    const current = () => get().planShape === shape;
    try {
      const planned = await engineClient().request('planMemory', shape);
      if (current()) set({ plan: planned, planFor: shape, planError: null });
    } catch (err) {
      if (current()) set({ plan: null, planFor: null, planError: `The memory plan failed: ${(err as Error).message}. Check the training settings.` });
    }
  },

  async refreshCachedModels() {
    try {
      set({ cached: await listCachedModels(), cacheError: null });
    } catch (err) {
      set({ cacheError: `Could not list cached models: ${(err as Error).message}. The browser may block storage for this site.` });
    }
  },

  noteModelFilesGone(modelRef, message) {
    if (get().info?.ref !== modelRef) return;
    set({ info: null, error: message, plan: null, planFor: null, planError: null });
  },

  async deleteCachedModel(repo) {
    const inUse = cachedModelInUse(repo, get().info?.ref ?? null, get().loading?.source ?? null);
    if (inUse) {
      set({ cacheError: inUse === 'loaded' ? `${repo} is the loaded model: load another model before deleting its files.` : `${repo} is downloading now: wait for its load to end before deleting its files.` });
      return;
    }
    try {
      // A job (here or in another tab) may have started with it and still read its files, or another tab may be loading it.
      if (!(await unlessModelInUse(repo, () => deleteCachedModel(repo)))) {
        set({ cacheError: `${repo} is in use by a job (training, evaluating, HDR or an ablation, in this tab or another) or being loaded in another tab: delete its files once that ends.` });
        return;
      }
    } catch (err) {
      set({ cacheError: `Could not delete ${repo}: ${(err as Error).message}. Close other tabs of the studio and try again.` });
    }
    await get().refreshCachedModels();
  },
}));
