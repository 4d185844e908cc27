// Seeded random numbers for weight initialisation (LoRA A, the tiny model). Deterministic across
// runs and platforms so a seed reproduces an adapter bit for bit. Not cryptographic, never global.

/** The largest seed: generators keep 32 bits of it, so a larger one would repeat a smaller one's
 * run (2^32 + 1 trains as 1) while looking different. */
export const MAX_SEED = 2 ** 32 - 1;

/** Why `seed` is no seed (a whole number from 0 to MAX_SEED), or null. `stored`: a seed a run kept
 * from before that limit (a run to resume, a snapshot) may be larger: its generators kept 32 bits
 * of it then as now, so it is taken as it was trained. */
export function seedProblem(seed: number, stored = false): string | null {
  return Number.isInteger(seed) && seed >= 0 && (stored || seed <= MAX_SEED) ? null : `must be a whole number from 0 to ${MAX_SEED.toLocaleString('en-US')}, got ${seed}`;
}

/** mulberry32: 32-bit state, uniform in [0, 1). */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box–Muller over `seededUniform`. */
export function seededNormal(seed: number): () => number {
  const u = seededUniform(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u1 = 1 - u(); // (0, 1], so log is finite
    const u2 = u();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

/** A stable 32-bit hash of a string, to derive per-tensor seeds from one run seed. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
