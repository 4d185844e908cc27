// The ONNX exports the worker keeps for the playground's ONNX backend, by run (one at most: a real
// model's is gigabytes). One is let go as soon as its run's row is gone, deleted in this tab or in
// another: the other tab's worker cannot reach this one's memory, but Dexie reports every tab's
// committed writes here (by BroadcastChannel), so a write to the runs table has the held runs looked up
// again. Never exports anything itself (engine.ts does, through onnxExportJob.ts).
import Dexie, { type ObservabilitySet } from 'dexie';
import type { StudioDb } from '../data/db.ts';
import type { HeldExport } from './onnxPlayground.ts';

export class HeldExports {
  private readonly byRun = new Map<string, HeldExport>();
  /** Listening to Dexie's writes while anything is held (a listener per engine otherwise stays for good). */
  private watching = false;

  constructor(private readonly db: () => StudioDb) {}

  private readonly onMutated = (parts: ObservabilitySet) => {
    if (parts[`idb://${this.db().name}/runs/`]) void this.dropDeleted().catch(() => undefined);
  };

  /** Keeps `held` for the run, unless its row is gone (deleted while it exported); whether it is kept. */
  async hold(runId: string, held: HeldExport): Promise<boolean> {
    // Held before the row is read: a deletion after the read is then heard by onMutated.
    this.byRun.set(runId, held);
    this.watch();
    await this.dropDeleted();
    return this.byRun.has(runId);
  }

  get(runId: string): HeldExport | undefined {
    return this.byRun.get(runId);
  }

  get size(): number {
    return this.byRun.size;
  }

  keys(): string[] {
    return [...this.byRun.keys()];
  }

  delete(runId: string): void {
    this.byRun.delete(runId);
    this.watch();
  }

  clear(): void {
    this.byRun.clear();
    this.watch();
  }

  private async dropDeleted(): Promise<void> {
    for (const runId of this.keys()) {
      if (!(await this.db().runs.get(runId))) this.delete(runId);
    }
  }

  private watch(): void {
    const want = this.byRun.size > 0;
    if (want === this.watching) return;
    this.watching = want;
    if (want) Dexie.on('storagemutated', this.onMutated);
    else Dexie.on('storagemutated').unsubscribe(this.onMutated);
  }
}
