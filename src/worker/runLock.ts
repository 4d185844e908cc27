// A training run's Web Lock (an HDR run's and an ablation arm's too), held by the worker that trains it for as long as it trains. Each tab
// of the studio has its own worker and knows only its own job: the lock is how another tab sees the
// run as training (not interrupted) and refuses to resume or delete it under the worker writing it.
// Runtimes without Web Locks (Node: the CLI and tests) have one engine, whose own job checks do.

export const RUN_LOCK_PREFIX = 'balancesft-run:';

type LockCallback = (lock: unknown) => Promise<unknown>;
interface Locks {
  request(name: string, options: { ifAvailable: boolean }, cb: LockCallback): Promise<unknown>;
  query(): Promise<{ held?: Array<{ name?: string }> }>;
}
const webLocks = (): Locks | undefined => (globalThis.navigator as { locks?: Locks } | undefined)?.locks;

/** Runs `work` holding the run's lock; returns `{ refused: true }` without running it when another
 * tab holds it (that tab's worker is training the run). */
export async function withRunLock<T>(runId: string, work: () => Promise<T>): Promise<{ refused: false; value: T } | { refused: true }> {
  const locks = webLocks();
  if (!locks) return { refused: false, value: await work() };
  let out: { refused: false; value: T } | { refused: true } = { refused: true };
  await locks.request(RUN_LOCK_PREFIX + runId, { ifAvailable: true }, async (lock) => {
    if (lock) out = { refused: false, value: await work() };
  });
  return out;
}

/** The runs some tab of this studio is training now (empty where there are no Web Locks). */
export async function runsTrainingNow(): Promise<Set<string>> {
  const held = (await webLocks()?.query())?.held ?? [];
  return new Set(held.map((l) => l.name ?? '').filter((n) => n.startsWith(RUN_LOCK_PREFIX)).map((n) => n.slice(RUN_LOCK_PREFIX.length)));
}
