// Whether a run's stored model reference names the loaded model. One rule for the worker's checks
// and the page's, so a run the page offers to resume is one the worker then accepts. And a
// reference as a user reads it.

/** How runs name the embedded default model. */
export const EMBEDDED_MODEL_REF = 'embedded:tiny-qwen3';

/** Drops used to be named "local:" whatever their folder (a dropped File has no relative path):
 * a run stored with that name was trained on some dropped model, and takes any dropped model. */
const LEGACY_DROPPED = 'local:';

export function trainedOnLoaded(stored: string, loaded: string | null | undefined): boolean {
  if (loaded === null || loaded === undefined) return false;
  return stored === loaded || (stored === LEGACY_DROPPED && loaded.startsWith(LEGACY_DROPPED));
}

/** A model reference as a user names the model: the embedded one in words, a dropped folder by its
 * name, a hub model by its repo id. */
export function modelRefWords(ref: string): string {
  if (ref === EMBEDDED_MODEL_REF) return 'the embedded tiny Qwen3';
  if (!ref.startsWith(LEGACY_DROPPED)) return ref;
  const name = ref.slice(LEGACY_DROPPED.length);
  return name ? `${name} (a dropped model)` : 'a dropped model';
}
