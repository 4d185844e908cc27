// Wall-clock timing of GPU work for the benchmark: warm up, then time repetitions of `inner` launches
// each followed by a full queue drain, and report the median per launch. Owns no GPU state.

export interface TimingOptions {
  warmup: number;
  reps: number;
  /** Launches recorded back to back per timed repetition (amortises the submit + drain). */
  inner: number;
}

export interface Timing {
  medianMs: number;
  minMs: number;
  samplesMs: number[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface Side {
  launch: () => Promise<void> | void;
  drain: () => Promise<void>;
}

/** Times several implementations with their repetitions interleaved (A, B, A, B, …) so that load
 * from other processes on a shared machine hits all of them alike; one Timing per side. */
export async function timeInterleaved(sides: Side[], opts: TimingOptions): Promise<Timing[]> {
  for (const side of sides) {
    for (let i = 0; i < opts.warmup; i++) {
      await side.launch();
      await side.drain();
    }
  }
  const samples: number[][] = sides.map(() => []);
  for (let r = 0; r < opts.reps; r++) {
    for (let s = 0; s < sides.length; s++) {
      const t0 = performance.now();
      for (let i = 0; i < opts.inner; i++) await sides[s].launch();
      await sides[s].drain();
      samples[s].push((performance.now() - t0) / opts.inner);
    }
  }
  return samples.map((xs) => ({ medianMs: median(xs), minMs: Math.min(...xs), samplesMs: xs }));
}

/** GFLOP/s from a FLOP count and milliseconds. */
export function gflops(flop: number, ms: number): number {
  return flop / (ms * 1e6);
}
