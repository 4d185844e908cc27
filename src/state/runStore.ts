// Training runs as the page sees them: the stored runs, the draft configuration, the selected run,
// and the one active run with its progress and ETA. Starting creates the run row (the worker reads
// it from IndexedDB) and asks the worker to train; pause/resume/stop are requests to the same worker.
// Never computes metrics: they come from the worker (events and Dexie), see runSeries.ts.
import { create } from 'zustand';
import type { RunRow } from '../data/db.ts';
import { DEFAULT_RUN_CONFIG, validateRunConfig, type RunConfig } from '../train/config.ts';
import type { ProgressInfo } from '../worker/protocol.ts';
import { studioDb } from './db.ts';
import { engineClient } from './engine.ts';
import { readPref, writePref } from './localPrefs.ts';
import { sourceForRef, useModel } from './modelStore.ts';

/** Defaults for the embedded model on a software GPU: short sequences of the demo fit in 320
 * tokens, batch 1 keeps a step to seconds. */
export const STUDIO_DEFAULT_CONFIG: RunConfig = {
  ...DEFAULT_RUN_CONFIG,
  steps: 20,
  batchSize: 1,
  seqLen: 320,
  warmupSteps: 2,
  evalEvery: 5,
  evalExamples: 4,
  checkpointEvery: 5,
  lr: 1e-3,
  lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 4, alpha: 8 },
};

export interface ActiveRun {
  runId: string;
  progress: ProgressInfo | null;
  /** Training-step timestamps (ms) for the ETA: the recent pace, not the tokenizing phase. */
  stepTimes: Array<{ step: number; at: number }>;
  pausing: boolean;
  stopping: boolean;
}

/** Seconds left, from the pace of the last steps (null until two steps are seen). */
export function etaSeconds(stepTimes: ActiveRun['stepTimes'], totalSteps: number): number | null {
  const recent = stepTimes.slice(-10);
  if (recent.length < 2) return null;
  const first = recent[0];
  const last = recent.at(-1)!;
  const perStep = (last.at - first.at) / Math.max(1, last.step - first.step);
  return Math.max(0, ((totalSteps - last.step) * perStep) / 1000);
}

/** Evaluation and HDR runs share the runs table (src/hdr/store.ts marks them with `kind`). */
export function runKind(run: RunRow): 'train' | 'eval' | 'hdr' {
  const kind = (run as RunRow & { kind?: string }).kind;
  return kind === 'eval' || kind === 'hdr' ? kind : 'train';
}

export function isTrainingRun(run: RunRow): boolean {
  return runKind(run) === 'train';
}

export function runConfigOf(run: RunRow): RunConfig {
  return run.config as RunConfig;
}

/** A run row left as `running` by a closed page is not training: it can be resumed. */
export function effectiveStatus(run: RunRow, activeRunId: string | null): RunRow['status'] | 'interrupted' {
  if (run.status === 'running' && run.id !== activeRunId) return 'interrupted';
  return run.status;
}

/** Whether resuming would train anything: a run that is not training and has steps left. */
export function canResume(run: RunRow, activeRunId: string | null): boolean {
  if (!isTrainingRun(run) || activeRunId !== null) return false;
  const status = effectiveStatus(run, activeRunId);
  const steps = (run.config as RunConfig | undefined)?.steps ?? 0;
  const left = (run.lastStep ?? 0) < steps;
  return left && (status === 'paused' || status === 'interrupted' || status === 'failed' || status === 'created' || (status === 'done' && !!run.readOnly));
}

function newRunId(): string {
  return `run-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 6)}`;
}

interface RunState {
  runs: RunRow[];
  selectedRunId: string | null;
  draft: RunConfig;
  active: ActiveRun | null;
  error: string | null;
  notice: string | null;
  refreshRuns(): Promise<void>;
  selectRun(id: string | null): void;
  updateDraft(patch: Partial<RunConfig>): void;
  startRun(datasetId: string, name?: string): Promise<void>;
  resumeRun(runId: string): Promise<void>;
  pauseRun(): Promise<void>;
  stopRun(): Promise<void>;
  deleteRun(runId: string): Promise<void>;
  /** Called by the event adapter on `run-status`. */
  noteStatus(runId: string, status: RunRow['status'], message?: string): void;
  dismissError(): void;
}

const SELECTED_RUN_KEY = 'studio.selectedRun';

export const useRuns = create<RunState>((set, get) => {
  /** Trains a run in the worker until it ends, keeping `active` up to date. */
  async function train(runId: string, resume: boolean): Promise<void> {
    set({ active: { runId, progress: null, stepTimes: [], pausing: false, stopping: false }, error: null, notice: null, selectedRunId: runId });
    writePref(SELECTED_RUN_KEY, runId);
    try {
      const result = await engineClient().request('startRun', { runId, resume }, (progress) => {
        const a = get().active;
        if (!a || a.runId !== runId) return;
        const stepTimes = progress.label === 'training' ? [...a.stepTimes.slice(-20), { step: progress.done, at: performance.now() }] : a.stepTimes;
        set({ active: { ...a, progress, stepTimes } });
      });
      if (result.status === 'failed') set({ error: `Run ${runId} failed at step ${result.step}: ${result.message ?? 'no reason given'}. Resume it to continue from its last checkpoint.` });
      else if (result.message) set({ notice: result.message });
    } catch (err) {
      set({ error: `Training run ${runId} could not run: ${(err as Error).message}.` });
    } finally {
      set({ active: null });
      await get().refreshRuns();
    }
  }

  return {
    runs: [],
    selectedRunId: readPref(SELECTED_RUN_KEY),
    draft: STUDIO_DEFAULT_CONFIG,
    active: null,
    error: null,
    notice: null,

    async refreshRuns() {
      const runs = await studioDb().runs.orderBy('createdAt').reverse().toArray();
      const sel = get().selectedRunId;
      set({ runs, selectedRunId: runs.some((r) => r.id === sel) ? sel : (runs[0]?.id ?? null) });
    },

    selectRun(id) {
      writePref(SELECTED_RUN_KEY, id);
      set({ selectedRunId: id });
    },

    updateDraft(patch) {
      set({ draft: { ...get().draft, ...patch } });
    },

    async startRun(datasetId, name) {
      if (get().active) return set({ error: 'A run is already training; pause or stop it before starting another.' });
      const model = useModel.getState().info;
      if (!model) return set({ error: 'No model is loaded. Choose one in the Model panel (the embedded model works offline), then start again.' });
      const config = get().draft;
      try {
        validateRunConfig(config);
      } catch (err) {
        return set({ error: `The configuration is not valid: ${(err as Error).message}. Fix it in the Training panel.` });
      }
      const id = newRunId();
      const now = Date.now();
      await studioDb().runs.put({ id, datasetId, status: 'created', createdAt: now, updatedAt: now, config, name: name || `${config.loss} r${config.lora.rank} lr ${config.lr}`, modelRef: model.ref });
      await get().refreshRuns();
      await train(id, false);
    },

    async resumeRun(runId) {
      if (get().active) return set({ error: 'A run is already training; pause or stop it before resuming another.' });
      const run = await studioDb().runs.get(runId);
      if (!run) return set({ error: `Run ${runId} no longer exists. Pick another run in the Runs panel.` });
      const model = useModel.getState();
      if (run.modelRef && model.info?.ref !== run.modelRef) {
        const source = sourceForRef(run.modelRef);
        if (!source) return set({ error: `Run ${runId} was trained on ${run.modelRef}. Drop that model's folder in the Model panel, then resume.` });
        const loaded = await model.loadModel(source);
        if (!loaded) return set({ error: `Run ${runId} needs ${run.modelRef}, which could not be loaded (see the Model panel).` });
      }
      if (run.readOnly) await studioDb().runs.update(runId, { readOnly: false });
      await train(runId, true);
    },

    async pauseRun() {
      const a = get().active;
      if (!a) return;
      set({ active: { ...a, pausing: true } });
      await engineClient().request('pauseRun', { runId: a.runId }).catch((err) => set({ error: `Pause failed: ${(err as Error).message}.` }));
    },

    async stopRun() {
      const a = get().active;
      if (!a) return;
      set({ active: { ...a, stopping: true } });
      await engineClient().request('stopRun', { runId: a.runId }).catch((err) => set({ error: `Stop failed: ${(err as Error).message}.` }));
    },

    async deleteRun(runId) {
      if (get().active?.runId === runId) return set({ error: 'This run is training; stop it before deleting it.' });
      const db = studioDb();
      await db.transaction('rw', db.runs, db.metrics, db.checkpoints, async () => {
        await db.metrics.where('runId').equals(runId).delete();
        await db.checkpoints.where('runId').equals(runId).delete();
        await db.runs.delete(runId);
      });
      if (get().selectedRunId === runId) get().selectRun(null);
      await get().refreshRuns();
    },

    noteStatus(runId, status) {
      set({ runs: get().runs.map((r) => (r.id === runId ? { ...r, status, updatedAt: Date.now() } : r)) });
    },

    dismissError() {
      set({ error: null, notice: null });
    },
  };
});
