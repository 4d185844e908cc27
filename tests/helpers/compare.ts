// Tolerance checks in the form `|got − want| ≤ atol + rtol·|want|`, element by element. On failure
// the message gives the worst element, where it is, and the first values of both arrays.
import { seededUniform } from '../../src/model/random.ts';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
  return m;
}

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what = 'values'): void {
  if (got.length < want.length) throw new Error(`${what}: got ${got.length} values, want ${want.length}`);
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const allowed = tol.atol + tol.rtol * Math.abs(w);
    const diff = Math.abs(g - w);
    if (!(diff <= allowed)) {
      bad++;
      const excess = Number.isNaN(diff) ? Infinity : diff - allowed;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (bad > 0) {
    const head = (a: ArrayLike<number>) => Array.from({ length: Math.min(6, a.length) }, (_, i) => a[i].toPrecision(6)).join(', ');
    throw new Error(
      `${what}: ${bad}/${want.length} outside atol=${tol.atol} rtol=${tol.rtol}; worst at [${worst}]: got ${got[worst]}, want ${want[worst]} ` +
        `(max |diff| ${maxAbsDiff(got, want).toExponential(3)})\n  got:  ${head(got)}\n  want: ${head(want)}`,
    );
  }
}

/** Deterministic pseudo-random numbers for test inputs: the project's mulberry32. */
export const seededRandom = seededUniform;

export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * scale;
  return out;
}
