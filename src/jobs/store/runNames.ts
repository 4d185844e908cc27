// The names the studio gives the runs it derives from another run (an evaluation of its adapter,
// HDR from it), and the same names after that run is renamed: a derived name that still reads as
// the studio wrote it follows the rename; one the user edited is theirs and stays.

/** `eval of “<run>” on N examples` / `HDR from “<run>”`; null `from`: the base model. */
export function derivedRunName(kind: 'eval' | 'hdr', from: string | null, examples = 0): string {
  const source = from === null ? 'the base model' : `“${from}”`;
  return kind === 'eval' ? `eval of ${source} on ${examples} examples` : `HDR from ${source}`;
}

/** A derived run's name once its source is renamed from `before` to `after`; null when the name is
 * not the one the studio gave it (the user's own, or another source's). An HDR run's " (2)", which
 * told it from an earlier HDR run of the same source (uniqueRunName), stays with it. */
export function renamedDerivedName(kind: 'eval' | 'hdr', name: string | undefined, before: string, after: string): string | null {
  if (name === undefined) return null;
  if (kind === 'hdr') {
    const told = / \(\d+\)$/.exec(name);
    const base = told ? name.slice(0, told.index) : name;
    return base === derivedRunName('hdr', before) ? derivedRunName('hdr', after) + (told?.[0] ?? '') : null;
  }
  const m = /^eval of “(.*)” on (\d+) examples$/s.exec(name);
  return m && m[1] === before ? derivedRunName('eval', after, Number(m[2])) : null;
}

/** A name the studio makes up for a new run, told apart from the runs already named so ("… (2)"):
 * two runs with the same settings are otherwise two identical rows in every list. */
export function uniqueRunName(base: string, taken: Iterable<string | undefined>): string {
  const names = new Set(taken);
  if (!names.has(base)) return base;
  for (let k = 2; ; k++) if (!names.has(`${base} (${k})`)) return `${base} (${k})`;
}
