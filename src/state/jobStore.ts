// Evaluation, HDR and playground jobs: at most one holds the GPU at a time (the worker enforces it
// too). Starts them, shows their progress, cancels them, and streams the playground's answer.
// Results live in IndexedDB (eval and HDR runs in the runs table); this store keeps only what is
// in flight and the last playground answer.
import { create } from 'zustand';
import { DEFAULT_HDR_SETTINGS, type EvalSummary, type FunctionSchema, type GenerateResult, type HdrSettings, type ProgressInfo } from '../worker/protocol.ts';
import { engineClient } from './engine.ts';
import { useModel } from './modelStore.ts';
import { resolveAdapterRun, useRuns, type AdapterChoice } from './runStore.ts';

export type JobKind = 'evaluate' | 'hdr' | 'generate';

export interface EvalDraft {
  /** null: the latest trained run; '': the base model. */
  adapterRunId: AdapterChoice;
  limit: number;
  maxNewTokens: number;
  batchSize: number;
}

export interface HdrDraft {
  adapterRunId: AdapterChoice;
  mineLimit: number;
  evalLimit: number;
  settings: HdrSettings;
}

/** Few examples, so a software GPU finishes in minutes (raise them on real hardware); room for the
 * reasoning before the call (max new tokens ≥ 512: a cut-off <think> scores as a decode failure). */
export const DEFAULT_EVAL_DRAFT: EvalDraft = { adapterRunId: null, limit: 8, maxNewTokens: 512, batchSize: 4 };
export const DEFAULT_HDR_DRAFT: HdrDraft = { adapterRunId: null, mineLimit: 8, evalLimit: 4, settings: { ...DEFAULT_HDR_SETTINGS, maxRounds: 2, stepsPerRound: 2, batchSize: 4 } };

interface JobState {
  running: { kind: JobKind; progress: ProgressInfo | null } | null;
  error: string | null;
  notice: string | null;
  evalDraft: EvalDraft;
  hdrDraft: HdrDraft;
  lastEval: { evalRunId: string; summary: EvalSummary } | null;
  /** The playground's answer: streamed text while generating, then the parsed result. */
  streamId: string | null;
  streamText: string;
  answer: GenerateResult | null;
  setEvalDraft(p: Partial<EvalDraft>): void;
  setHdrDraft(p: Partial<HdrDraft>): void;
  /** Evaluates with the draft's settings (or these); `adapterRunId` '' is the base model. */
  runEvaluation(datasetId: string, draft?: EvalDraft): Promise<void>;
  startHdr(datasetId: string, draft?: HdrDraft): Promise<void>;
  generateAnswer(input: { adapterRunId: string; tools: FunctionSchema[]; query: string; maxNewTokens: number; temperature: number; backend?: 'engine' | 'onnx' }): Promise<void>;
  cancelJob(): Promise<void>;
  /** From the worker-event adapter. */
  noteGeneration(streamId: string, text: string): void;
  dismiss(): void;
}

/** "1 round", "2 rounds". */
export function plural(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
}

/** Why HDR stopped, in words (the run row keeps the reason's code). */
export function hdrStopText(reason: string | undefined): string {
  const words: Record<string, string> = {
    pool_empty: 'every hard case was solved',
    pool_stopped_shrinking: 'the pool stopped shrinking',
    round_limit: 'the round limit was reached',
    aborted: 'cancelled',
  };
  return reason ? (words[reason] ?? reason) : 'not stopped yet';
}

export const useJobs = create<JobState>((set, get) => {
  /** Common guard and bookkeeping for a job; the work returns a notice for the user. */
  async function job(kind: JobKind, what: string, work: (onProgress: (p: ProgressInfo) => void) => Promise<string>): Promise<void> {
    if (get().running) return set({ error: `Another job is running (${get().running!.kind}); wait for it or cancel it first.` });
    if (useRuns.getState().active) return set({ error: `A training run is using the GPU; pause it before ${what}.` });
    if (!useModel.getState().info) return set({ error: `Load a model first (Model panel), then try ${what} again.` });
    set({ running: { kind, progress: null }, error: null, notice: null });
    try {
      const notice = await work((progress) => set({ running: { kind, progress } }));
      set({ notice });
    } catch (err) {
      set({ error: `${what[0].toUpperCase()}${what.slice(1)} failed: ${(err as Error).message}.` });
    } finally {
      set({ running: null });
      await useRuns.getState().refreshRuns();
    }
  }

  return {
    running: null,
    error: null,
    notice: null,
    evalDraft: DEFAULT_EVAL_DRAFT,
    hdrDraft: DEFAULT_HDR_DRAFT,
    lastEval: null,
    streamId: null,
    streamText: '',
    answer: null,

    setEvalDraft(p) {
      set({ evalDraft: { ...get().evalDraft, ...p } });
    },
    setHdrDraft(p) {
      set({ hdrDraft: { ...get().hdrDraft, ...p } });
    },

    runEvaluation(datasetId, d = get().evalDraft) {
      const runId = resolveAdapterRun(d.adapterRunId, useRuns.getState().runs);
      return job('evaluate', 'the evaluation', async (onProgress) => {
        const result = await engineClient().request('evaluate', { datasetId, runId: runId || undefined, limit: d.limit, maxNewTokens: d.maxNewTokens, batchSize: d.batchSize }, onProgress);
        set({ lastEval: result });
        return `Evaluated ${plural(result.summary.total, 'example')}: ${(result.summary.accuracy * 100).toFixed(1)}% correct.`;
      });
    },

    startHdr(datasetId, d = get().hdrDraft) {
      const runId = resolveAdapterRun(d.adapterRunId, useRuns.getState().runs);
      return job('hdr', 'the HDR run', async (onProgress) => {
        // Rounds are written to the run row as they end; re-reading the runs every few seconds
        // lets the rounds table fill in while HDR is still running.
        let lastRefresh = 0;
        const progress = (p: ProgressInfo) => {
          onProgress(p);
          if (Date.now() - lastRefresh > 2000) {
            lastRefresh = Date.now();
            void useRuns.getState().refreshRuns();
          }
        };
        const r = await engineClient().request('startHdr', { datasetId, runId: runId || undefined, settings: d.settings, mineLimit: d.mineLimit, evalLimit: d.evalLimit }, progress);
        return `HDR stopped after ${plural(r.rounds, 'round')} (${hdrStopText(r.stopReason)}): ${plural(r.poolStart, 'hard case')} mined, ${plural(r.added, 'example')} added to the dataset.`;
      });
    },

    generateAnswer({ adapterRunId, tools, query, maxNewTokens, temperature, backend = 'engine' }) {
      const streamId = `gen-${Date.now()}`;
      set({ streamId, streamText: '', answer: null });
      return job('generate', 'the playground answer', async (onProgress) => {
        const answer = await engineClient().request('generate', { streamId, runId: adapterRunId || undefined, tools, messages: [{ role: 'user', content: query }], maxNewTokens, temperature, backend }, onProgress);
        set({ answer, streamText: answer.text });
        return `${answer.tokens} tokens (${answer.finishReason})${backend === 'onnx' ? ' from the exported ONNX model via transformers.js' : ''}.`;
      });
    },

    async cancelJob() {
      await engineClient().request('cancelJob', {}).catch((err) => set({ error: `Cancel failed: ${(err as Error).message}.` }));
    },

    noteGeneration(streamId, text) {
      if (streamId === get().streamId) set({ streamText: text });
    },

    dismiss() {
      set({ error: null, notice: null });
    },
  };
});
