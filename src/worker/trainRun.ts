// One training run inside the worker: reads the run and its dataset from IndexedDB, tokenizes
// with the current model's template, trains step by step, streams metrics as events and into
// Dexie, checkpoints every N steps and on pause/stop, and resumes from the newest checkpoint.
// A lost GPU device ends the run as `failed` with a message; the checkpoint stays for a resume.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { RunRow, StudioDb } from '../data/db.ts';
import { trainingExamples, evalExamples } from '../data/dataset-store.ts';
import { ExampleTooLongError, tokenizeExample } from '../data/tokenize-example.ts';
import type { Example } from '../data/example.ts';
import type { Gpu } from '../gpu/index.ts';
import { GpuDeviceLostError } from '../gpu/errors.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { loadEngineModel } from '../model/engineModel.ts';
import { Trainer } from '../train/trainer.ts';
import { validateRunConfig, type RunConfig } from '../train/config.ts';
import type { TokenizedExample } from '../train/batching.ts';
import { RunStore } from './runStore.ts';
import type { ProgressInfo, RequestMap, WorkerEvent } from './protocol.ts';
import { tokenLossStrip, type TokenLossStrip } from './tokenLoss.ts';

export interface RunControl {
  pause: boolean;
  stop: boolean;
}

export interface RunContext {
  gpu: Gpu;
  db: StudioDb;
  files: ModelFiles;
  modelRef: string;
  tokenizer: PreTrainedTokenizer;
  emit: (e: WorkerEvent) => void;
  progress: (p: ProgressInfo) => void;
}

type RunResult = RequestMap['startRun'][1];

/** The run row with the latest per-token loss strip (an unindexed extra property). */
export type RunRowWithStrip = RunRow & { tokenLoss?: TokenLossStrip };

function tokenizeAll(tokenizer: PreTrainedTokenizer, examples: Example[], seqLen: number): { out: TokenizedExample[]; tooLong: number } {
  const out: TokenizedExample[] = [];
  let tooLong = 0;
  for (const ex of examples) {
    try {
      const t = tokenizeExample(tokenizer, ex, { maxLen: seqLen });
      out.push({ id: t.id, inputIds: t.inputIds, segments: t.segments });
    } catch (err) {
      if (err instanceof ExampleTooLongError) tooLong++;
      else throw err;
    }
  }
  return { out, tooLong };
}

export async function runTraining(ctx: RunContext, runId: string, resume: boolean, control: RunControl): Promise<RunResult> {
  const { db, gpu, emit } = ctx;
  const run = await db.runs.get(runId);
  if (!run) throw new Error(`run ${runId} does not exist`);
  if (run.readOnly && !resume) throw new Error(`run ${runId} was opened read-only from a snapshot; resume it explicitly to train further`);
  if (run.modelRef && run.modelRef !== ctx.modelRef) {
    throw new Error(`run ${runId} was trained on ${run.modelRef}, but the loaded model is ${ctx.modelRef}; load that model first`);
  }
  const config = run.config as RunConfig;
  validateRunConfig(config);
  const store = new RunStore(db, runId);
  const status = async (s: RunResult['status'], step: number, message?: string): Promise<RunResult> => {
    await store.setStatus(s, { lastStep: step, message, modelRef: ctx.modelRef });
    emit({ type: 'run-status', runId, status: s, step, message });
    return { status: s, step, message };
  };

  ctx.progress({ label: 'tokenizing', done: 0, total: 1 });
  const train = tokenizeAll(ctx.tokenizer, await trainingExamples(db, run.datasetId), config.seqLen);
  const held = tokenizeAll(ctx.tokenizer, (await evalExamples(db, run.datasetId)).slice(0, config.evalExamples), config.seqLen);
  if (train.out.length === 0) {
    return status('failed', 0, `no training examples fit the sequence length ${config.seqLen} (${train.tooLong} too long); raise it or check the dataset`);
  }

  const model = await loadEngineModel(gpu, ctx.files, { lora: config.lora, seed: config.seed, maxTokens: config.batchSize * config.seqLen, recompute: config.recompute });
  const trainer = new Trainer(model.state, train.out, config);
  try {
    if (resume) {
      const state = await store.latestCheckpoint();
      if (state) trainer.restoreState(state);
    }
    await status('running', trainer.step, train.tooLong ? `${train.tooLong} examples longer than ${config.seqLen} tokens were skipped` : undefined);
    while (trainer.step < config.steps) {
      if (control.pause || control.stop) {
        await store.saveCheckpoint(await trainer.saveState());
        return await status(control.pause ? 'paused' : 'done', trainer.step, control.stop ? 'stopped by the user' : undefined);
      }
      const m = await trainer.trainStep();
      await store.addMetric(m);
      emit({ type: 'run-metric', runId, metric: m });
      ctx.progress({ label: 'training', done: m.step, total: config.steps, rate: m.tokensPerSecond });
      if (config.evalEvery > 0 && held.out.length > 0 && (m.step % config.evalEvery === 0 || m.step === config.steps)) {
        const e = await trainer.evalLoss(held.out);
        await store.addEval(e);
        emit({ type: 'run-eval', runId, metric: e });
        // The dashboard's per-token strip: the first held-out example, kept on the run row (latest only).
        const strip = await tokenLossStrip(gpu, model.state, held.out[0], config.seqLen, m.step, (ids) => ctx.tokenizer.decode(ids, { skip_special_tokens: false }));
        await db.runs.update(runId, { tokenLoss: strip } as Partial<RunRowWithStrip>);
        emit({ type: 'run-token-loss', runId, strip });
      }
      if (config.checkpointEvery > 0 && m.step % config.checkpointEvery === 0) await store.saveCheckpoint(await trainer.saveState());
    }
    await store.saveCheckpoint(await trainer.saveState());
    return await status('done', trainer.step);
  } catch (err) {
    await store.flush().catch(() => undefined);
    const lost = err instanceof GpuDeviceLostError || gpu.ctx.lostError;
    const message = lost
      ? `${(err as Error).message} Resume the run to continue from its last checkpoint.`
      : `${(err as Error).name}: ${(err as Error).message}`;
    return await status('failed', trainer.step, message);
  } finally {
    trainer.destroy();
    if (!gpu.ctx.lostError) model.release();
  }
}
