// Whether a run's stored model reference names the loaded model. One rule for the worker's checks
// and the page's, so a run the page offers to resume is one the worker then accepts.

/** Drops used to be named "local:" whatever their folder (a dropped File has no relative path):
 * a run stored with that name was trained on some dropped model, and takes any dropped model. */
const LEGACY_DROPPED = 'local:';

export function trainedOnLoaded(stored: string, loaded: string | null | undefined): boolean {
  if (loaded === null || loaded === undefined) return false;
  return stored === loaded || (stored === LEGACY_DROPPED && loaded.startsWith(LEGACY_DROPPED));
}
