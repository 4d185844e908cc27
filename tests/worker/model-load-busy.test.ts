// Loading a model while a job holds the GPU is refused, naming the job: the job would go on with the
// model it started with while the panels, the memory plan and the next job used the new one.
import { describe, expect, it } from 'vitest';
import { tinyModelFiles } from '../helpers/tinyEngine.ts';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';

describe('worker engine: a model load while a job runs', () => {
  it('is refused during a training run and another job, and goes through once the GPU is free', { timeout: 120_000 }, async () => {
    const engine = new StudioEngine(await nodeGpu(), () => undefined, null);
    const load = (label: string) => engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label } }, () => undefined);
    await load('tiny');
    const first = engine.jobs.model;
    expect(first?.ref).toBeTruthy();

    // The job's function runs once the device is acquired: release waits for it to be there.
    let release!: () => void;
    let started!: () => void;
    const held = () => new Promise<void>((resolve) => ((release = resolve), started()));
    const start = () => new Promise<void>((resolve) => (started = resolve));
    let running = start();
    const training = engine.jobs.run('a training run', held, null, undefined, 'run-1');
    await expect(load('other')).rejects.toMatchObject({ name: 'ModelInUseError', message: expect.stringMatching(/^a training run is using the GPU with .+; pause or stop it first, then load the other model$/) });
    expect(engine.jobs.model).toBe(first);
    await running;
    release();
    await training;

    running = start();
    const evaluation = engine.jobs.run('an evaluation', held, null);
    await expect(load('other')).rejects.toThrow(/^an evaluation is using the GPU with .+; wait for it or cancel it first/);
    await running;
    release();
    await evaluation;

    await load('other');
    expect(engine.jobs.model).not.toBe(first);
  });

  it('is refused by the job engine itself, for a job that started while the model downloaded', { timeout: 120_000 }, async () => {
    const engine = new StudioEngine(await nodeGpu(), () => undefined, null);
    await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
    const first = engine.jobs.model!;
    let release!: () => void;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const hdr = engine.jobs.run('an HDR run', () => new Promise<void>((resolve) => ((release = resolve), started())), null);
    expect(() => engine.jobs.useModel({ ...first, ref: 'local:other' })).toThrow(/^an HDR run is using the GPU with local:tiny; wait for it or cancel it first/);
    expect(engine.jobs.model).toBe(first);
    await running;
    release();
    await hdr;
  });
});
