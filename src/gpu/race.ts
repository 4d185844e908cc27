// Times kernel variants against each other on this adapter: the measuring half of every autotune
// (ops/matmulTune.ts, ops/loraDecodeTune.ts). Submits and waits, so it runs before a job's first
// step, never inside one; what the variants write is overwritten (callers race on scratch).
import type { Gpu } from './index.ts';

/** Aim for about this much GPU time per measurement, so timer resolution and submit cost vanish. */
const TARGET_MS = 2;
const MAX_REPS = 64;
const WARM_MS = 300;

/** Milliseconds per call of `record`, over `reps` calls timed together. */
async function perCall(gpu: Gpu, record: () => Promise<void>, reps: number): Promise<number> {
  const { millis } = await gpu.recorder.timed(async () => {
    for (let i = 0; i < reps; i++) await record();
  });
  return millis / reps;
}

/** An idle GPU runs at low clocks for a while: keep it busy first, or the first variants timed look
 * slower than they are and may lose a race they should win. */
export async function warmGpu(gpu: Gpu, record: () => Promise<void>): Promise<void> {
  const until = performance.now() + WARM_MS;
  while (performance.now() < until) await perCall(gpu, record, 8);
}

/**
 * Milliseconds per call of each candidate, fastest first: one warm-up call (and a first estimate),
 * then enough repetitions for ~2 ms, best of two. `extraMillis` charges a variant a CPU cost the GPU
 * timer does not see (another dispatch to record, say).
 */
export async function raceVariants<V>(gpu: Gpu, candidates: V[], record: (v: V) => Promise<void>, extraMillis: (v: V) => number = () => 0): Promise<Array<{ variant: V; millis: number }>> {
  const timings: Array<{ variant: V; millis: number }> = [];
  for (const v of candidates) {
    const run = () => record(v);
    const first = await perCall(gpu, run, 1);
    const reps = Math.max(1, Math.min(MAX_REPS, Math.ceil(TARGET_MS / Math.max(first, 1e-3))));
    const a = await perCall(gpu, run, reps);
    const b = await perCall(gpu, run, reps);
    timings.push({ variant: v, millis: Math.min(a, b) + extraMillis(v) });
  }
  return timings.sort((x, y) => x.millis - y.millis);
}
