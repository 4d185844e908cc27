// What the worker tidies as it starts: rows nothing lists any more. Metrics, checkpoints, predictions,
// hard cases and token counts of runs and datasets that are gone, and example rows of an import whose tab closed (or
// reloaded) before it finished: tens of megabytes a user can neither see nor delete, which used to
// stay until the next import happened to sweep them. Imports running in another tab hold a lock and
// are left alone. And the adapters of HDR rounds before each HDR run's last, which older versions
// kept (one per round, megabytes each) though nothing reads them.
import type { StudioDb } from '../data/db.ts';
import { removeAbandonedImportRows } from '../data/import-into-db.ts';
import { removeOrphanRows, removeSupersededHdrAdapters } from '../jobs/store/dexie.ts';

export async function tidyStorage(db: StudioDb): Promise<{ metrics: number; checkpoints: number; hardCases: number; tokenCounts: number; predictions: number; examples: number; hdrAdapters: number }> {
  const removed = await removeOrphanRows(db);
  return { ...removed, examples: await removeAbandonedImportRows(db), hdrAdapters: await removeSupersededHdrAdapters(db) };
}
