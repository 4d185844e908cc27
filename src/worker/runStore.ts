// The worker's writes for a training run: run status, metric rows (buffered and written in
// batches, so a reload loses at most the last second), and checkpoints (the latest two kept).
// Dexie works in a worker; the page reads the same tables.
import type { StudioDb, RunRow } from '../data/db.ts';
import type { EvalMetrics, StepMetrics, TrainerState } from '../train/trainer.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../train/checkpointFile.ts';

export type RunStatus = RunRow['status'];

const FLUSH_MS = 1000;
const CHECKPOINTS_KEPT = 2;

export class RunStore {
  private pending: Array<{ step: number; values: Record<string, number> }> = [];
  private lastFlush = 0;

  constructor(
    private readonly db: StudioDb,
    readonly runId: string,
  ) {}

  async setStatus(status: RunStatus, extra: Partial<RunRow> = {}): Promise<void> {
    await this.db.runs.update(this.runId, { ...extra, status, updatedAt: Date.now() });
  }

  async addMetric(m: StepMetrics): Promise<void> {
    this.pending.push({ step: m.step, values: { ...m } as unknown as Record<string, number> });
    if (Date.now() - this.lastFlush > FLUSH_MS) await this.flush();
  }

  /** Eval values join the row of their step (the metrics key is [runId+step]). */
  async addEval(m: EvalMetrics): Promise<void> {
    await this.flush();
    const key: [string, number] = [this.runId, m.step];
    const row = await this.db.metrics.get(key);
    const values = { ...(row?.values ?? {}), evalLoss: m.evalLoss, evalLossCot: m.evalLossCot, evalLossCall: m.evalLossCall };
    await this.db.metrics.put({ runId: this.runId, step: m.step, values });
  }

  async flush(): Promise<void> {
    this.lastFlush = Date.now();
    if (this.pending.length === 0) return;
    const rows = this.pending.splice(0).map((p) => ({ runId: this.runId, step: p.step, values: p.values }));
    await this.db.metrics.bulkPut(rows);
  }

  async saveCheckpoint(state: TrainerState): Promise<void> {
    await this.flush();
    const bytes = encodeCheckpoint(state, { run: this.runId });
    await this.db.transaction('rw', this.db.checkpoints, async () => {
      await this.db.checkpoints.put({ runId: this.runId, step: state.step, createdAt: Date.now(), blobs: { checkpoint: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer } });
      const all = await this.db.checkpoints.where('runId').equals(this.runId).sortBy('step');
      for (const old of all.slice(0, Math.max(0, all.length - CHECKPOINTS_KEPT))) await this.db.checkpoints.delete([old.runId, old.step]);
    });
  }

  /** The newest checkpoint, or null, without changing anything. */
  async latestCheckpointReadOnly(): Promise<TrainerState | null> {
    // Rows without trainer state (an imported snapshot's adapter-only row) cannot be resumed from.
    const all = (await this.db.checkpoints.where('runId').equals(this.runId).sortBy('step')).filter((r) => r.blobs.checkpoint !== undefined);
    const last = all.at(-1);
    if (!last) return null;
    const blob = last.blobs.checkpoint;
    const bytes = new Uint8Array(blob instanceof Blob ? await blob.arrayBuffer() : blob);
    return (await decodeCheckpoint(bytes, `checkpoint of run ${this.runId} at step ${last.step}`)).state;
  }

  /** The newest checkpoint for a resume; metric rows past its step are removed, since those steps
   * are trained again, so the resumed curve stays one line. */
  async latestCheckpoint(): Promise<TrainerState | null> {
    const state = await this.latestCheckpointReadOnly();
    if (state) await this.db.metrics.where('[runId+step]').between([this.runId, state.step + 1], [this.runId, Infinity]).delete();
    return state;
  }
}
