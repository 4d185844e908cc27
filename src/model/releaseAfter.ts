// Work that holds a resource (an engine model, an ORT session, an open file), then its release,
// whatever the work met. Why the work stopped is what the user must hear: a release that fails
// after a failed work (a runtime half torn down by the same failure) must not replace that error.
// Never hides a failed release after work that succeeded: nothing else would tell of it.
// In src/model, the lowest layer that opens such resources (model files, checkpoints): every layer
// that reads a model (train, eval, export, the jobs) may import it from here.

/** `work`'s result, once `release` has run; `work`'s error when it failed, even if `release` then throws. */
export async function releaseAfter<T>(work: () => Promise<T>, release: () => unknown): Promise<T> {
  const result = await releaseOnFailure(work, release);
  await release();
  return result;
}

/** `work`'s result, the resource kept for the caller; when `work` fails, `release` runs and
 * `work`'s error is thrown, even if `release` throws too. */
export async function releaseOnFailure<T>(work: () => Promise<T>, release: () => unknown): Promise<T> {
  try {
    return await work();
  } catch (err) {
    try {
      await release();
    } catch {
      // The work's failure is the one to tell; this one most likely follows from it.
    }
    throw err;
  }
}
