// A training run's Web Lock (an HDR run's and an ablation arm's too), held by the worker that trains
// it for as long as it trains, and a dataset's, shared by the jobs that work on it. Each tab of the
// studio has its own worker and knows only its own job: the locks are how another tab sees the run
// as training (not interrupted) and refuses to resume or delete it, or its dataset, under that worker.
// Runtimes without Web Locks (Node: the CLI and tests) have one engine, whose own job checks do.

export const RUN_LOCK_PREFIX = 'balancesft-run:';

type LockCallback = (lock: unknown) => Promise<unknown>;
interface Locks {
  request(name: string, options: { ifAvailable?: boolean; mode?: 'shared' | 'exclusive'; signal?: AbortSignal }, cb: LockCallback): Promise<unknown>;
  query(): Promise<{ held?: Array<{ name?: string; mode?: 'shared' | 'exclusive' }> }>;
}
const webLocks = (): Locks | undefined => (globalThis.navigator as { locks?: Locks } | undefined)?.locks;

/** Runs `work` holding the lock `name` alone; `{ refused: true }` without running it when it is
 * held (by another tab's worker: this one's own jobs are kept apart by its job engine). */
async function whenFree<T>(name: string, work: () => Promise<T>): Promise<{ refused: false; value: T } | { refused: true }> {
  const locks = webLocks();
  if (!locks) return { refused: false, value: await work() };
  let out: { refused: false; value: T } | { refused: true } = { refused: true };
  await locks.request(name, { ifAvailable: true }, async (lock) => {
    if (lock) out = { refused: false, value: await work() };
  });
  return out;
}

/** Runs `work` holding the run's lock; refused when another tab's worker is training the run. */
export function withRunLock<T>(runId: string, work: () => Promise<T>): Promise<{ refused: false; value: T } | { refused: true }> {
  return whenFree(RUN_LOCK_PREFIX + runId, work);
}

const HDR_LOCK_PREFIX = 'balancesft-hdr:';

/** Runs `work` as the one HDR run on the dataset: refused when another tab runs HDR on it. Two at
 * once would start at the same round, give their samples the same ids, and fail adding them. */
export function withHdrLock<T>(datasetId: string, work: () => Promise<T>): Promise<{ refused: false; value: T } | { refused: true }> {
  return whenFree(HDR_LOCK_PREFIX + datasetId, work);
}

/** The runs some tab of this studio is training now (empty where there are no Web Locks). A worker
 * holds a run's lock alone; a shared hold is a page waiting for its release (runLockReleased). */
export async function runsTrainingNow(): Promise<Set<string>> {
  const held = (await webLocks()?.query())?.held ?? [];
  return new Set(held.filter((l) => l.mode !== 'shared').map((l) => l.name ?? '').filter((n) => n.startsWith(RUN_LOCK_PREFIX)).map((n) => n.slice(RUN_LOCK_PREFIX.length)));
}

/** Settles once no worker trains the run (at once where there are no Web Locks). A tab closed
 * mid-run or an HDR run ending sends no run event: the page learns of it only by its lock. Asked
 * shared, the request waits behind the training worker's lock and holds it for no time after. */
export async function runLockReleased(runId: string): Promise<void> {
  await webLocks()?.request(RUN_LOCK_PREFIX + runId, { mode: 'shared' }, async () => undefined);
}

// The GPU's lock, held by whichever tab's worker runs a job (training included). Each tab has its own
// device and its job engine keeps only its own jobs apart: two tabs' runs trained at once on one GPU,
// each planned as if it had the GPU's memory alone (and on a software GPU each at half speed).
const GPU_LOCK = 'balancesft-gpu';

/** Runs `work` holding the GPU's lock; throws without running it when another tab's job holds it. */
export async function holdingGpu<T>(work: () => Promise<T>): Promise<T> {
  const held = await whenFree(GPU_LOCK, work);
  if (held.refused) throw new Error('another tab of the studio is using the GPU (training, or running a job); wait for it to end there, or pause or cancel it there first');
  return held.value;
}

// A dataset's lock: shared by the jobs working on it (in any tab), taken alone by its deletion, so
// one tab does not delete a dataset under another tab's job (HDR adds its samples to it).
const DATASET_LOCK_PREFIX = 'balancesft-dataset:';

/** Runs `work` once the shared lock `name` is granted, holding it until the work settles. A writer
 * holding it alone (an include, a leave-out or a deletion, in any tab) ends before the work reads. */
async function holdingShared<T>(name: string, work: () => Promise<T>): Promise<T> {
  const locks = webLocks();
  if (!locks) return work();
  return (await locks.request(name, { mode: 'shared' }, () => work())) as T;
}

/** Runs `work` holding the dataset's shared lock (a job working on it). */
export function holdingDataset<T>(datasetId: string, work: () => Promise<T>): Promise<T> {
  return holdingShared(DATASET_LOCK_PREFIX + datasetId, work);
}

/** Runs `work` holding the dataset's lock alone; false without running it when a job of some tab
 * works on the dataset. */
export async function unlessDatasetInUse(datasetId: string, work: () => Promise<void>): Promise<boolean> {
  return !(await whenFree(DATASET_LOCK_PREFIX + datasetId, work)).refused;
}

/** Whether some tab (this one too) holds the dataset's lock alone: it is saving examples included or
 * left out, or deleting the dataset, not running a job on it (jobs share the lock). */
export async function datasetBeingChanged(datasetId: string): Promise<boolean> {
  const held = (await webLocks()?.query())?.held ?? [];
  return held.some((l) => l.name === DATASET_LOCK_PREFIX + datasetId && l.mode === 'exclusive');
}

// A Hub dataset's download: held by the import downloading and reading its files, in whichever tab.
// Another tab's import of the same dataset waits for it (then finds the files downloaded), and a sweep
// of the download cache (another dataset's import starting) leaves its files alone.
const HUB_DATASET_LOCK_PREFIX = 'balancesft-hub-dataset:';

/** Runs `work` holding the Hub dataset's lock alone, once no other tab's import of it holds it; the
 * wait ends (rejected) when `signal` aborts. */
export async function holdingHubDataset<T>(repo: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const locks = webLocks();
  if (!locks) return work();
  return (await locks.request(HUB_DATASET_LOCK_PREFIX + repo, { signal }, () => work())) as T;
}

/** The Hub datasets (`owner/name`) some tab's import downloads or reads now. */
export async function hubDatasetsInUse(): Promise<Set<string>> {
  const held = (await webLocks()?.query())?.held ?? [];
  return new Set(held.map((l) => l.name ?? '').filter((n) => n.startsWith(HUB_DATASET_LOCK_PREFIX)).map((n) => n.slice(HUB_DATASET_LOCK_PREFIX.length)));
}

// A model's lock: shared by the jobs reading its files (an ablation loads them again for every arm)
// and by a load of the model, taken alone by deleting its cached files, in whichever tab.
const MODEL_LOCK_PREFIX = 'balancesft-model:';

/** Runs `work` holding the model's shared lock (a job running with it, or a load reading its files). */
export function holdingModel<T>(modelRef: string, work: () => Promise<T>): Promise<T> {
  return holdingShared(MODEL_LOCK_PREFIX + modelRef, work);
}

/** Runs `work` (deleting the model's cached files) unless a job of some tab runs with the model or
 * a tab loads it: false without running it. */
export async function unlessModelInUse(modelRef: string, work: () => Promise<void>): Promise<boolean> {
  return !(await whenFree(MODEL_LOCK_PREFIX + modelRef, work)).refused;
}
