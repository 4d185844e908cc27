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

/** A preference of this tab (sessionStorage: it survives a reload, and another tab keeps its own),
 * falling back to the last one any tab wrote for a new tab. */
export function readTabPref(key: string): string | null {
  try {
    return globalThis.sessionStorage?.getItem(key) ?? readPref(key);
  } catch {
    return readPref(key);
  }
}

export function writeTabPref(key: string, value: string): void {
  try {
    globalThis.sessionStorage?.setItem(key, value);
  } catch {
    // Blocked: a reload opens the panel any tab showed last.
  }
  writePref(key, value);
}
