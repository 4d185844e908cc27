// A generate row of the benchmark names the decode attention form that ran: split-K
// flash-decoding (chunks of the cache in workgroups of their own, merged after) for caches past
// SPLIT_DECODE_MIN_POSITIONS on a hardware adapter, else one pass (by an invocation per head on a
// software adapter). Only its dispatch count hinted at it, so a rate measured on one form read as
// the other's.
import { describe, expect, it } from 'vitest';
import { GENERATION_CASES, formatGenerationRows, runGenerationCase } from '../../src/bench/generation.ts';
import { KernelTuning, type Gpu } from '../../src/gpu/index.ts';
import { SPLIT_DECODE_MIN_POSITIONS } from '../../src/ops/attention.ts';
import { MATMUL_TUNING_OP } from '../../src/ops/matmulChoice.ts';
import { testGpu } from '../helpers/gpu.ts';

class RegisterTuned extends KernelTuning {
  override get<T>(op: string, hash: string, shapeClass: string): T | undefined {
    return op === MATMUL_TUNING_OP ? ({ kind: 'register' } as T) : super.get<T>(op, hash, shapeClass);
  }
}

const tiny = GENERATION_CASES.find((c) => !c.large && !c.lora && c.batch === 1)!;

describe('a generate row of the benchmark', () => {
  it('names the one-pass decode attention where it ran (on a software adapter, an invocation per head)', async () => {
    const row = await runGenerationCase(await testGpu(), { ...tiny, promptTokens: 8, newTokens: 3 });
    expect(row.decodeAttention).toBe('thread');
    expect(formatGenerationRows([row])).toMatch(/; decode attention in one pass over the cache of 10 positions, an invocation per head[;)]/);
  });

  it('names split-K flash-decoding where a hardware adapter runs it for a long cache, with its extra dispatches', { timeout: 300_000 }, async () => {
    const base = await testGpu();
    // The same device presented as a hardware adapter (the split form's rule), its matmuls all tuned
    // to the register kernel already: racing every variant at a 513-token prefill on SwiftShader
    // takes many minutes and is not what this test is about.
    const gpu: Gpu = { ...base, ctx: { ...base.ctx, adapter: { ...base.ctx.adapter, isSoftware: false } }, tuning: new RegisterTuned('bench-attention-form', null) };
    const promptTokens = SPLIT_DECODE_MIN_POSITIONS + 1;
    const split = await runGenerationCase(gpu, { ...tiny, promptTokens, newTokens: 2 });
    expect(split.decodeAttention).toBe('split');
    expect(formatGenerationRows([split])).toMatch(new RegExp(`; decode attention split-K over the cache of ${promptTokens + 1} positions \\(flash-decoding: chunks of \\d+, merged after\\)[;)]`));
    const onePass = await runGenerationCase(gpu, { ...tiny, promptTokens: 8, newTokens: 2 });
    expect(onePass.decodeAttention).toBe('single-pass');
    expect(split.dispatchesPerStep).toBeGreaterThan(onePass.dispatchesPerStep);
  });
});
