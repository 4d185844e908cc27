// Captured programs (Recorder.capture / replay): a steady recording replays to the same GPU results,
// and a program is never replayed once a buffer it may use can be gone.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, Recorder, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import { axpy } from '../../src/ops/elementwise.ts';
import { testGpu } from '../helpers/gpu.ts';
import { expectClose } from '../helpers/compare.ts';

/** The shared device with a recorder of its own (and a small bind-group cache when asked). */
async function gpuWithRecorder(bindGroupLimit?: number): Promise<Gpu> {
  const gpu = await testGpu();
  gpu.recorder.submit();
  return { ...gpu, recorder: new Recorder(gpu.ctx, { bindGroupLimit }) };
}

const n = 300;
const a = Float32Array.from({ length: n }, (_, i) => (i % 17) - 8);

/** One "step": out += 0.5·a; then a copy of out into mirror; then mirror += 2·a. */
function stepOn(gpu: Gpu, bufs: { a: GPUBuffer; out: GPUBuffer; mirror: GPUBuffer }) {
  return async () => {
    await axpy(gpu, bufs.a, bufs.out, n, 0.5);
    gpu.recorder.copy(bufs.out, 0, bufs.mirror, 0, n * 4);
    await axpy(gpu, bufs.a, bufs.mirror, n, 2);
  };
}

function buffers(gpu: Gpu) {
  return { a: uploadBuffer(gpu.ctx, a, 'a'), out: createStorageBuffer(gpu.ctx, n * 4, 'out'), mirror: createStorageBuffer(gpu.ctx, n * 4, 'mirror') };
}

describe('recorded programs', () => {
  it('keeps no program from a recording that made bind groups, keeps one from a steady recording, and its replay computes what recording did', async () => {
    const gpu = await gpuWithRecorder();
    const bufs = buffers(gpu);
    const step = stepOn(gpu, bufs);
    expect(await gpu.recorder.capture(step)).toBeNull(); // first time: new bind groups
    const program = await gpu.recorder.capture(step);
    expect(program).not.toBeNull();
    expect(program!.dispatches).toBe(2);
    const before = gpu.recorder.dispatchCount;
    for (let i = 0; i < 3; i++) expect(gpu.recorder.replay(program!)).toBe(true);
    expect(gpu.recorder.dispatchCount - before).toBe(6);
    gpu.recorder.submit();
    // Five steps in all (two recorded, three replayed): out = 2.5·a, mirror = out + 2·a.
    expectClose(await readF32(gpu.ctx, bufs.out, n), a.map((v) => 2.5 * v), { atol: 1e-5, rtol: 1e-6 }, 'out');
    expectClose(await readF32(gpu.ctx, bufs.mirror, n), a.map((v) => 4.5 * v), { atol: 1e-5, rtol: 1e-6 }, 'mirror (the copy replayed too)');
    program!.release();
    expect(gpu.recorder.replay(program!)).toBe(false);
    expect(gpu.recorder.programCounts).toEqual({ kept: 1, spoiled: { 'bind group made': 1 }, replayed: 3, refused: 1 });
    Object.values(bufs).forEach((b) => b.destroy());
  });

  it('refuses to replay once a buffer was retired since the capture (scratch that grew), and never keeps a timed or discarded recording', async () => {
    const gpu = await gpuWithRecorder();
    const bufs = buffers(gpu);
    const step = stepOn(gpu, bufs);
    await gpu.recorder.capture(step);
    const program = (await gpu.recorder.capture(step))!;
    expect(program).not.toBeNull();
    gpu.recorder.retire(createStorageBuffer(gpu.ctx, 16, 'grown-scratch'));
    expect(gpu.recorder.replay(program)).toBe(false);
    // A recording that retires a buffer itself is not kept either.
    expect(await gpu.recorder.capture(async () => {
      await step();
      gpu.recorder.retire(createStorageBuffer(gpu.ctx, 16, 'grown-scratch'));
    })).toBeNull();
    expect(await gpu.recorder.capture(async () => void (await gpu.recorder.timed(step)))).toBeNull();
    gpu.recorder.discarding = true;
    expect(await gpu.recorder.capture(step)).toBeNull();
    gpu.recorder.discarding = false;
    // Each refusal counted, with why: the first capture made bind groups.
    expect(gpu.recorder.programCounts).toEqual({ kept: 1, spoiled: { 'bind group made': 1, 'buffer retired': 1, 'timed, profiled or discarded': 2 }, replayed: 0, refused: 1 });
    await expect(gpu.recorder.capture(() => gpu.recorder.capture(step).then(() => undefined))).rejects.toThrow(/already running/);
    gpu.recorder.submit();
    Object.values(bufs).forEach((b) => b.destroy());
  });

  it('keeps a live program valid while other work churns the bind-group cache past its limit', async () => {
    const gpu = await gpuWithRecorder(4);
    const bufs = buffers(gpu);
    const step = stepOn(gpu, bufs);
    await gpu.recorder.capture(step);
    const program = (await gpu.recorder.capture(step))!;
    expect(program).not.toBeNull();
    // Twenty other bind groups through a cache of four: the program's two are pinned, the rest go.
    const other = createStorageBuffer(gpu.ctx, n * 4, 'other');
    for (let i = 1; i <= 20; i++) await axpy(gpu, bufs.a, other, n, i);
    // Evicted uniforms are destroyed once the work before them is done: let that happen first.
    gpu.recorder.submit();
    await gpu.ctx.device.queue.onSubmittedWorkDone();
    expect(gpu.recorder.replay(program)).toBe(true);
    gpu.recorder.submit();
    expectClose(await readF32(gpu.ctx, bufs.out, n), a.map((v) => 1.5 * v), { atol: 1e-5, rtol: 1e-6 }, 'out after churn');
    expectClose(await readF32(gpu.ctx, other, n), a.map((v) => 210 * v), { atol: 1e-3, rtol: 1e-6 }, 'the churning work itself');
    program.release();
    [...Object.values(bufs), other].forEach((b) => b.destroy());
  });
});
