// The benchmark's rows as `studio bench --json` writes them: a kernel whose output disagrees with the
// peer's must say so in the JSON too, where GPU runs are read (scripts/gpu-check.sh).
import { describe, expect, it } from 'vitest';
import { benchJson, runCase } from '../../src/bench/run.ts';
import type { BenchCase, Runner } from '../../src/bench/cases.ts';
import type { TfjsPeer } from '../../src/bench/tfjsPeer.ts';
import { testGpu } from '../helpers/gpu.ts';

/** A case whose two sides return fixed outputs (nothing runs on the GPU). */
function fixedCase(ours: number[], theirs: number[]): BenchCase {
  const runner = (values: number[]): Runner => ({ launch: () => undefined, read: async () => Float32Array.from(values), dispose: () => undefined });
  return { name: 'fixed', group: 'matmul', flop: 1e6, ours: async () => runner(ours), tfjs: () => runner(theirs) };
}
const peer = { tf: null as never, drain: async () => undefined } satisfies TfjsPeer;
const once = { warmup: 0, reps: 1, inner: 1 };

describe('benchmark rows as JSON', () => {
  it('a kernel that returns NaN or ∞ reads as such, not as null (no peer to compare with)', async () => {
    const gpu = await testGpu();
    const nan = await runCase(gpu, peer, fixedCase([1, Number.NaN, 3], [1, 2, 3]), once);
    expect(nan.maxRelDiff).toBeNaN();
    expect(JSON.parse(benchJson(nan)).maxRelDiff).toBe('NaN');
    const inf = await runCase(gpu, peer, fixedCase([1, Number.POSITIVE_INFINITY, 3], [1, 2, 3]), once);
    expect(JSON.parse(benchJson(inf)).maxRelDiff).toBe('Infinity');
    // Finite figures stay numbers; a side that was not run stays null.
    const ok = await runCase(gpu, null, fixedCase([1, 2, 3], [1, 2, 3]), once);
    const row = JSON.parse(benchJson({ ...ok, adapter: 'x' }));
    expect(row.maxRelDiff).toBeNull();
    expect(typeof row.oursGflops).toBe('number');
    expect(row.adapter).toBe('x');
  });
});
