// One GPU job at a time across the tabs of the studio. Each tab has its own worker and device, and
// its job engine keeps only its own jobs apart: a run training in one tab and another started in a
// second trained at once on the same GPU (each planned its memory as if alone; on a software GPU
// each ran at half speed). Node has no Web Locks: a stand-in takes their place, and two engines
// are the two tabs (with a stand-in device: the refusal comes before any GPU work).
import { describe, expect, it, vi } from 'vitest';
import { StudioEngine } from '../../src/worker/engine.ts';
import { modelWithTinyFiles } from '../helpers/tinyEngine.ts';
import type { Gpu } from '../../src/gpu/index.ts';
import { stubLocks } from '../helpers/locks.ts';

function tab(): StudioEngine {
  const engine = new StudioEngine(undefined, () => undefined, null);
  const gpu = { ctx: { clearRefusal: () => undefined, lostError: null }, recorder: { forgetBindGroups: () => undefined } } as unknown as Gpu;
  Object.assign(engine, { device: async () => gpu });
  engine.jobs.useModel(modelWithTinyFiles('tiny').model);
  return engine;
}

describe('a GPU job while another tab’s job holds the GPU', () => {
  it('is refused, saying so, and runs once that job ended', async () => {
    vi.stubGlobal('navigator', { locks: stubLocks() });
    try {
      const [here, there] = [tab(), tab()];
      let end!: () => void;
      const ended = new Promise<void>((r) => (end = r));
      let started!: () => void;
      const running = new Promise<void>((r) => (started = r));
      const training = there.jobs.run('a training run', async () => (started(), ended), null, undefined, 'run-1');
      await running;
      let ran = false;
      const evaluate = () => here.jobs.run('an evaluation', async () => void (ran = true), null);
      await expect(evaluate()).rejects.toThrow('another tab of the studio is using the GPU (training, or running a job); wait for it to end there, or pause or cancel it there first');
      expect(ran).toBe(false);
      // Refused before it held this tab's job slot: the tab is free for the next try.
      expect(() => here.jobs.refuseModelChange()).not.toThrow();
      end();
      await training;
      await evaluate();
      expect(ran).toBe(true);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
