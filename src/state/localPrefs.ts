// Small UI preferences kept in localStorage (selected dataset/run, theme). Reads tolerate a missing
// localStorage (Node tests, locked-down browsers): a preference is a convenience, never required.
export function readPref(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

export function writePref(key: string, value: string | null): void {
  try {
    if (value === null) globalThis.localStorage?.removeItem(key);
    else globalThis.localStorage?.setItem(key, value);
  } catch {
    // Storage full or blocked: the preference is simply not remembered.
  }
}
