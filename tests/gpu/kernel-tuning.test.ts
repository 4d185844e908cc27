// What the per-adapter kernel choice rests on: GPU timing (timestamp queries, which SwiftShader has),
// the per-dispatch profile, compiling every pipeline of a job ahead of its first step, the tuning
// table kept per adapter and kernel source in a file, and the autotune racing variants on a call and
// keeping the fastest. Software adapters never tune, so the tuner runs here on the same device
// presented as a hardware adapter.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterKey, compileAhead, createGpu, createStorageBuffer, KernelTuning, readF32, sourceHash, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import { fileTuningStore } from '../../src/gpu/tuningStoreNode.ts';
import { matmul, seenMatmulClasses, type MatmulVariant } from '../../src/ops/matmul.ts';
import { checkKey, chooseMatmulVariant, defaultMatmulVariant, MATMUL_CHECK_HASH, MATMUL_CHECK_OP, MATMUL_SOURCE_HASH, MATMUL_TUNING_OP, matmulShapeClass, tunedChoice } from '../../src/ops/matmulChoice.ts';
import { matmulOperands } from '../../src/ops/matmulOperands.ts';
import { tuneMatmuls } from '../../src/ops/matmulTune.ts';
import { loraDecode, loraDecodeVariantsRun, seenLoraDecodeClasses } from '../../src/ops/loraDecode.ts';
import { chooseLoraDecodeVariant, defaultLoraDecodeVariant, LORA_DECODE_FIRST, LORA_DECODE_SOURCE_HASH, LORA_DECODE_TUNING_OP, loraDecodeShapeClass, type LoraDecodeVariant } from '../../src/ops/loraDecodeChoice.ts';
import { tuneLoraDecodes } from '../../src/ops/loraDecodeTune.ts';
import { kernelPaths } from '../../src/ops/kernelPaths.ts';
import { addForward } from '../../src/ops/elementwise.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { matmulRef } from '../reference/matmul.ts';
import { testGpu } from '../helpers/gpu.ts';

function asHardware(gpu: Gpu): Gpu {
  return { ...gpu, ctx: { ...gpu.ctx, adapter: { ...gpu.ctx.adapter, isSoftware: false } } };
}

/** A lora_decode call as Qwen2.5-0.5B's down makes it at one row and rank 16, narrowed: K past the
 * workgroups, an output past 64. */
function loraDownCall(gpu: Gpu) {
  const M = 1, K = 1200, r = 16, outF = 96;
  const x = uploadBuffer(gpu.ctx, randomArray(M * K, 7), 'x');
  const lora = uploadBuffer(gpu.ctx, randomArray(r * K + outF * r, 8, 0.5), 'lora');
  const y = createStorageBuffer(gpu.ctx, M * outF * 4, 'y');
  const shape = { M, K, r, outs: [outF] };
  return {
    args: { x, lora, scale: 2, M, K, r, targets: [{ offA: 0, offB: r * K, outF, y }] },
    shape,
    key: loraDecodeShapeClass(shape),
    destroy: () => [x, lora, y].forEach((b) => b.destroy()),
  };
}

describe('GPU timing and profiling', () => {
  it('times recorded work with timestamp queries and attributes a profile to kernels', async () => {
    const gpu = await testGpu();
    if (!gpu.ctx.features.has('timestamp-query')) {
      console.log('timing: not available on this adapter (no timestamp-query); the tuner falls back to wall-clock time');
      return;
    }
    const n = 1 << 16;
    const a = uploadBuffer(gpu.ctx, randomArray(n, 1), 'a');
    const b = uploadBuffer(gpu.ctx, randomArray(n, 2), 'b');
    const out = createStorageBuffer(gpu.ctx, n * 4, 'out');
    const t = await gpu.recorder.timed(async () => {
      for (let i = 0; i < 4; i++) await addForward(gpu, a, b, out, n);
    });
    expect(t.source).toBe('timestamps');
    expect(t.millis).toBeGreaterThan(0);

    expect(gpu.recorder.startProfile()).toBe(true);
    for (let i = 0; i < 3; i++) await addForward(gpu, a, b, out, n);
    await matmul(gpu, { a, b, c: out, M: 16, N: 16, K: 16 });
    const profile = await gpu.recorder.endProfile();
    const add = profile.find((p) => p.label.startsWith('elementwise.wgsl'));
    const mm = profile.find((p) => p.label.startsWith('matmul')); // whichever matmul kernel this adapter runs
    expect(add?.dispatches).toBe(3);
    expect(mm?.dispatches).toBe(1);
    expect(profile.every((p) => p.millis >= 0)).toBe(true);
    [a, b, out].forEach((x) => x.destroy());
  });
});

describe('compiling ahead', () => {
  it('creates every pipeline a recording would use without running it, so the real run compiles nothing', async () => {
    const gpu = createGpu((await testGpu()).ctx); // an empty pipeline cache
    const a = uploadBuffer(gpu.ctx, randomArray(64 * 48, 3), 'a');
    const b = uploadBuffer(gpu.ctx, randomArray(48 * 40, 4), 'b');
    const c = createStorageBuffer(gpu.ctx, 64 * 40 * 4, 'c');
    const record = async () => {
      await matmul(gpu, { a, b, c, M: 64, N: 40, K: 48, alpha: 0.5 });
      await matmul(gpu, { a, b, c, M: 64, N: 40, K: 48, accumulate: true });
    };
    gpu.recorder.submit();
    const dispatched = gpu.recorder.dispatchCount;
    const before = gpu.pipelines.size;
    const created = await compileAhead(gpu, record);
    expect(created).toBe(2);
    expect(gpu.recorder.dispatchCount).toBe(dispatched); // nothing ran
    expect(gpu.pipelines.size).toBe(before + 2);
    await record();
    expect(gpu.pipelines.size).toBe(before + 2);
    expect(gpu.recorder.dispatchCount).toBe(dispatched + 2);
    gpu.recorder.submit();
    [a, b, c].forEach((x) => x.destroy());
  });
});

describe('the tuning table', () => {
  it('keys an adapter by what its shaders may use: another WGSL language feature (buffer_view) or device feature is another key', async () => {
    const gpu = await testGpu();
    const key = (features: string[], wgsl: string[]) => adapterKey(gpu.ctx.adapter, features, wgsl);
    expect(key(['subgroups', 'shader-f16'], ['packed_4x8_integer_dot_product'])).toBe(key(['shader-f16', 'subgroups'], ['packed_4x8_integer_dot_product']));
    expect(key(['subgroups'], ['buffer_view'])).not.toBe(key(['subgroups'], []));
    expect(key(['subgroups', 'shader-f16'], [])).not.toBe(key(['subgroups'], []));
    // The engine's table is under the device's key, WGSL's features included.
    expect(gpu.tuning.adapterKey).toBe(adapterKey(gpu.ctx.adapter, gpu.ctx.features, gpu.ctx.wgslFeatures));
  });

  it('keeps choices per adapter in a file and forgets them when the kernel source changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tuning-'));
    try {
      const path = join(dir, 'kernel-tuning.json');
      const store = fileTuningStore(path);
      const t = new KernelTuning('adapter-A', store);
      await t.load();
      t.set('matmul', 'hash1', 'M2^10 N2^10', { kind: 'register' });
      await t.save();
      expect(JSON.parse(await readFile(path, 'utf8'))['adapter-A'].ops.matmul.choices['M2^10 N2^10']).toEqual({ kind: 'register' });
      const again = new KernelTuning('adapter-A', fileTuningStore(path));
      await again.load();
      expect(again.get('matmul', 'hash1', 'M2^10 N2^10')).toEqual({ kind: 'register' });
      expect(again.get('matmul', 'hash2', 'M2^10 N2^10')).toBeUndefined(); // edited kernel: retune
      const other = new KernelTuning('adapter-B', fileTuningStore(path));
      await other.load();
      expect(other.get('matmul', 'hash1', 'M2^10 N2^10')).toBeUndefined();
      // A corrupt file is a cache miss, not an error.
      await (await import('node:fs/promises')).writeFile(path, '{not json');
      const fresh = new KernelTuning('adapter-A', fileTuningStore(path));
      await fresh.load();
      expect(fresh.get('matmul', 'hash1', 'M2^10 N2^10')).toBeUndefined();
      // A damaged entry is dropped and the good ones kept; get and set work on either.
      const table = { version: 1, runtime: store.runtime, ops: { matmul: { sourceHash: 'hash1' }, attention: { sourceHash: 'h', choices: { c: 1 } }, norm: null, softmax: { sourceHash: 'h', choices: [] } } };
      await (await import('node:fs/promises')).writeFile(path, JSON.stringify({ 'adapter-A': table }));
      const damaged = new KernelTuning('adapter-A', fileTuningStore(path));
      await damaged.load();
      expect(damaged.get('matmul', 'hash1', 'M2^10 N2^10')).toBeUndefined();
      expect(damaged.get('attention', 'h', 'c')).toBe(1);
      for (const op of ['matmul', 'norm', 'softmax']) damaged.set(op, 'hash1', 'k', 2);
      expect(damaged.get('norm', 'hash1', 'k')).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(sourceHash('a', 'b')).not.toBe(sourceHash('ab', 'c'));
  });

  it('forgets the choices measured under another browser or Dawn version (an update), or an unrecorded one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tuning-'));
    try {
      const path = join(dir, 'kernel-tuning.json');
      const measured = new KernelTuning('adapter-A', fileTuningStore(path, 'Chrome/130'));
      await measured.load();
      measured.set('matmul', 'hash1', 'M2^10 N2^10', { kind: 'register' });
      await measured.save();
      const same = new KernelTuning('adapter-A', fileTuningStore(path, 'Chrome/130'));
      await same.load();
      expect(same.get('matmul', 'hash1', 'M2^10 N2^10')).toEqual({ kind: 'register' });
      // The adapter reads the same after a browser update; its kernels may now compile differently.
      const updated = new KernelTuning('adapter-A', fileTuningStore(path, 'Chrome/131'));
      await updated.load();
      expect(updated.get('matmul', 'hash1', 'M2^10 N2^10')).toBeUndefined();
      // A table saved before the runtime was recorded: measured on an unknown one, retuned once.
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path, JSON.stringify({ 'adapter-A': { version: 1, ops: { matmul: { sourceHash: 'hash1', choices: { 'M2^10 N2^10': { kind: 'register' } } } } } }));
      const unrecorded = new KernelTuning('adapter-A', fileTuningStore(path, 'Chrome/131'));
      await unrecorded.load();
      expect(unrecorded.get('matmul', 'hash1', 'M2^10 N2^10')).toBeUndefined();
      // Node's runtime is the Dawn build of the webgpu package.
      expect(fileTuningStore(path).runtime).toMatch(/^webgpu \d+\.\d+/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a stored choice no kernel can run (hand-edited, or an older format) is ignored: the product runs the default, right', async () => {
    const gpu = asHardware(await testGpu());
    gpu.tuning = new KernelTuning('test-hardware', null);
    const M = 96, N = 80, K = 64;
    const x = randomArray(M * K, 7);
    const w = randomArray(N * K, 8);
    const a = uploadBuffer(gpu.ctx, x, 'a');
    const b = uploadBuffer(gpu.ctx, w, 'b');
    const c = createStorageBuffer(gpu.ctx, M * N * 4, 'c');
    const args = { a, b, c, M, N, K, transB: true };
    const o = matmulOperands(gpu, args)!;
    const key = matmulShapeClass(o);
    const damaged: unknown[] = [
      { kind: 'tiled', BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 }, // no splitK: crashed allocating the split
      { kind: 'tiled', BM: 64, BN: 64, BK: 2, TM: 4, TN: 4, splitK: 1 }, // BK not whole vec4s: WGSL failed
      { kind: 'tiled', BM: 64, BN: 64, BK: 16, TM: 4, TN: 4, splitK: 1.5 },
      { kind: 'tiled', BM: '64', BN: 64, BK: 16, TM: 4, TN: 4, splitK: 1 },
      { kind: 'register', sharedRows: true }, // needs subgroups this device was not given
    ];
    // This device without `subgroups` (a copy of the features: the shared test device keeps them).
    gpu.ctx.features = new Set([...gpu.ctx.features].filter((f) => f !== 'subgroups'));
    try {
      for (const bad of damaged) {
        gpu.tuning.set(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, key, bad);
        expect(chooseMatmulVariant(gpu, o), JSON.stringify(bad)).toEqual(defaultMatmulVariant(gpu, o));
      }
      await matmul(gpu, args);
      gpu.recorder.submit();
      // f32 products of K = 64 terms in [-1, 1): rounding stays far below 1e-4.
      expectClose(await readF32(gpu.ctx, c, M * N), matmulRef({ a: x, b: w, M, N, K, transB: true }), { atol: 1e-4, rtol: 1e-4 });
      // The tensor-core kernels' tiles alike, on this device presented as one that has them (chosen, not run).
      const tc = { ...gpu, ctx: { ...gpu.ctx, features: new Set([...gpu.ctx.features, 'subgroups', 'shader-f16', 'chromium-experimental-subgroup-matrix'] as const) } } as Gpu;
      tc.ctx.adapter = { ...tc.ctx.adapter, subgroupMinSize: 32, subgroupMaxSize: 32, subgroupMatrixConfigs: [{ componentType: 'f16', resultComponentType: 'f32', M: 16, N: 16, K: 16 }] };
      const f16 = { ...o, dtype: 'f16' as const };
      tc.tuning.set(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, matmulShapeClass(f16), { kind: 'subgroupMatrix', SGM: 2, SGN: 2, FM: 0, FN: 2, staged: false, BK: 16 });
      expect(chooseMatmulVariant(tc, f16)).toEqual(defaultMatmulVariant(tc, f16));
      // A staged tile that won and passed the check where WGSL had buffer_view, stored under an adapter
      // key that does not name WGSL's features: where buffer_view is gone the choice is damaged (its
      // class is raced again), not kept and passed over product by product.
      const staged: MatmulVariant = { kind: 'subgroupMatrix', SGM: 2, SGN: 2, FM: 2, FN: 2, staged: true, BK: 32 };
      tc.ctx.limits = { ...tc.ctx.limits, maxComputeWorkgroupStorageSize: 49152, maxComputeInvocationsPerWorkgroup: 256 };
      tc.tuning.set(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, matmulShapeClass(f16), staged);
      tc.tuning.set(MATMUL_CHECK_OP, MATMUL_CHECK_HASH, checkKey(staged, f16.transB), { ok: true, worst: 0 });
      tc.ctx.wgslFeatures = new Set([...gpu.ctx.wgslFeatures, 'buffer_view']);
      expect(tunedChoice(tc, f16)).toEqual(staged);
      tc.ctx.wgslFeatures = new Set([...gpu.ctx.wgslFeatures].filter((f) => f !== 'buffer_view'));
      expect(tunedChoice(tc, f16)).toBeUndefined();
    } finally {
      [a, b, c].forEach((t) => t.destroy());
    }
  });

  it('the autotune races the variants on a recorded call, keeps the fastest, and the product then runs it', async () => {
    const gpu = asHardware(await testGpu());
    gpu.tuning = new KernelTuning('test-hardware', null);
    const M = 96, N = 80, K = 64;
    const a = uploadBuffer(gpu.ctx, randomArray(M * K, 5), 'a');
    const b = uploadBuffer(gpu.ctx, randomArray(N * K, 6), 'b');
    const c = createStorageBuffer(gpu.ctx, M * N * 4, 'c');
    const args = { a, b, c, M, N, K, transB: true };
    seenMatmulClasses(gpu).clear();
    await compileAhead(gpu, () => matmul(gpu, args)); // records the class, as a job's dry run does
    const racers: MatmulVariant[] = [{ kind: 'register' }, { kind: 'tiled', BM: 32, BN: 32, BK: 8, TM: 4, TN: 4, splitK: 1 }];
    const tuned = await tuneMatmuls(gpu, { candidates: () => racers });
    expect(tuned).toHaveLength(1);
    const key = matmulShapeClass(matmulOperands(gpu, args)!);
    expect(tuned[0].shapeClass).toBe(key);
    expect(tuned[0].timings.map((t) => t.millis)).toEqual([...tuned[0].timings.map((t) => t.millis)].sort((x, y) => x - y));
    expect(gpu.tuning.get(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, key)).toEqual(tuned[0].chosen);
    expect(chooseMatmulVariant(gpu, matmulOperands(gpu, args)!)).toEqual(tuned[0].chosen);
    // Tuned classes are not raced again.
    await compileAhead(gpu, () => matmul(gpu, args));
    expect(await tuneMatmuls(gpu, { candidates: () => racers })).toEqual([]);
    // A tensor-core winner without a pass of the check as it is now (a verdict of an earlier check)
    // is raced again: the racers it beat may be faster than what the rule of thumb would run.
    gpu.tuning.set(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, key, { kind: 'subgroupMatrix', SGM: 2, SGN: 2, FM: 2, FN: 2, staged: false, BK: 16 });
    await compileAhead(gpu, () => matmul(gpu, args));
    expect((await tuneMatmuls(gpu, { candidates: () => racers })).map((t) => t.shapeClass)).toEqual([key]);
    expect(racers).toContainEqual(gpu.tuning.get(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, key));
    [a, b, c].forEach((x) => x.destroy());
  });

  it('a damaged stored matmul choice counts as untuned: the next autotune races its class and stores a good one', async () => {
    const gpu = asHardware(await testGpu());
    gpu.tuning = new KernelTuning('test-hardware-damaged', null);
    // This device without `subgroups` (a copy of the features: the shared test device keeps them).
    gpu.ctx.features = new Set([...gpu.ctx.features].filter((f) => f !== 'subgroups'));
    const M = 96, N = 80, K = 64;
    const a = uploadBuffer(gpu.ctx, randomArray(M * K, 5), 'a');
    const b = uploadBuffer(gpu.ctx, randomArray(N * K, 6), 'b');
    const c = createStorageBuffer(gpu.ctx, M * N * 4, 'c');
    const args = { a, b, c, M, N, K, transB: true };
    const key = matmulShapeClass(matmulOperands(gpu, args)!);
    const racers: MatmulVariant[] = [{ kind: 'register' }, { kind: 'tiled', BM: 32, BN: 32, BK: 8, TM: 4, TN: 4, splitK: 1 }];
    const damaged: unknown[] = [
      { kind: 'tiled', BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 }, // no splitK
      { kind: 'register', sharedRows: true }, // needs subgroups this device was not given
      { kind: 'mystery' },
      'register',
    ];
    try {
      for (const bad of damaged) {
        gpu.tuning.set(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, key, bad);
        seenMatmulClasses(gpu).clear();
        await compileAhead(gpu, () => matmul(gpu, args));
        const tuned = await tuneMatmuls(gpu, { candidates: () => racers });
        expect(tuned.map((t) => t.shapeClass), JSON.stringify(bad)).toEqual([key]);
        expect(racers).toContainEqual(gpu.tuning.get(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, key));
        expect(chooseMatmulVariant(gpu, matmulOperands(gpu, args)!)).toEqual(tuned[0].chosen);
      }
    } finally {
      [a, b, c].forEach((x) => x.destroy());
    }
  });

  it('a damaged stored lora_decode choice counts as untuned: the next autotune races its class and stores a good one', async () => {
    const gpu = asHardware(await testGpu());
    gpu.tuning = new KernelTuning('test-hardware-lora-damaged', null);
    const { args, shape, key, destroy } = loraDownCall(gpu);
    const racers: LoraDecodeVariant[] = [{ WG: 64, u: 'oneSum' }, { WG: 256, u: 'split' }];
    try {
      for (const bad of [{ WG: 128, u: 'split' }, { WG: 256 }, 'split', null]) {
        gpu.tuning.set(LORA_DECODE_TUNING_OP, LORA_DECODE_SOURCE_HASH, key, bad);
        seenLoraDecodeClasses(gpu).clear();
        await compileAhead(gpu, () => loraDecode(gpu, args));
        const tuned = await tuneLoraDecodes(gpu, () => racers);
        expect(tuned.map((t) => t.shapeClass), JSON.stringify(bad)).toEqual([key]);
        expect(racers).toContainEqual(gpu.tuning.get(LORA_DECODE_TUNING_OP, LORA_DECODE_SOURCE_HASH, key));
        expect(chooseLoraDecodeVariant(gpu, shape)).toEqual(tuned[0].chosen);
      }
    } finally {
      destroy();
    }
  });

  it('the lora_decode autotune races its layouts on a recorded call, keeps the fastest, and the call then runs it; software adapters keep the first layout untuned', async () => {
    const shared = await testGpu();
    const gpu = asHardware(shared);
    gpu.tuning = new KernelTuning('test-hardware-lora', null);
    const soft: Gpu = { ...shared, tuning: new KernelTuning('test-software-lora', null) };
    const { args, shape, key, destroy } = loraDownCall(gpu);
    try {
      // Untuned on a GPU: the rule of thumb (256 threads for an output past 64), and the class is kept to tune.
      seenLoraDecodeClasses(gpu).clear();
      expect(chooseLoraDecodeVariant(gpu, shape)).toEqual(defaultLoraDecodeVariant(gpu, shape));
      expect(defaultLoraDecodeVariant(gpu, shape)).toEqual({ WG: 256, u: 'fourSums' });
      await compileAhead(gpu, () => loraDecode(gpu, args));
      expect([...seenLoraDecodeClasses(gpu).keys()]).toEqual([key]);
      const racers: LoraDecodeVariant[] = [{ WG: 64, u: 'oneSum' }, { WG: 256, u: 'split' }];
      const tuned = await tuneLoraDecodes(gpu, () => racers);
      expect(tuned.map((t) => t.shapeClass)).toEqual([key]);
      expect(tuned[0].timings.map((t) => t.millis)).toEqual([...tuned[0].timings.map((t) => t.millis)].sort((p, q) => p - q));
      expect(tuned[0].timings).toHaveLength(2);
      expect(gpu.tuning.get(LORA_DECODE_TUNING_OP, LORA_DECODE_SOURCE_HASH, key)).toEqual(tuned[0].chosen);
      expect(chooseLoraDecodeVariant(gpu, shape)).toEqual(tuned[0].chosen);
      await loraDecode(gpu, args);
      expect(loraDecodeVariantsRun(gpu).get(key)).toEqual(tuned[0].chosen);
      // `studio gpu` and the GPU panel say the layout is measured, and how many classes are.
      expect(kernelPaths(gpu).find((k) => k.op === 'generation')?.path).toMatch(/LoRA shares[^;]*measured fastest per shape[^;]*\(1 shape classes tuned so far\)/);
      // Tuned classes are not raced again; a damaged stored choice falls back to the rule.
      await compileAhead(gpu, () => loraDecode(gpu, args));
      expect(await tuneLoraDecodes(gpu, () => racers)).toEqual([]);
      for (const bad of [{ WG: 128, u: 'split' }, { WG: 256 }, 'split', null]) {
        gpu.tuning.set(LORA_DECODE_TUNING_OP, LORA_DECODE_SOURCE_HASH, key, bad);
        expect(chooseLoraDecodeVariant(gpu, shape), JSON.stringify(bad)).toEqual(defaultLoraDecodeVariant(gpu, shape));
      }
      // The software adapter: the first layout, whatever its table says, and nothing kept to tune.
      soft.tuning.set(LORA_DECODE_TUNING_OP, LORA_DECODE_SOURCE_HASH, key, { WG: 256, u: 'split' });
      seenLoraDecodeClasses(soft).clear();
      expect(chooseLoraDecodeVariant(soft, shape)).toEqual(LORA_DECODE_FIRST);
      await loraDecode(soft, args);
      expect(seenLoraDecodeClasses(soft).size).toBe(0);
      expect(await tuneLoraDecodes(soft)).toEqual([]);
      soft.recorder.submit();
    } finally {
      destroy();
    }
  });
});
