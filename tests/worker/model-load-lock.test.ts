// A model's cached files are not deleted (from this tab or another) while a tab loads the model: the
// load held no lock, so a deletion in another tab went through mid-load, under the files it read.
// A stand-in for Web Locks plays the tabs.
import { describe, expect, it, vi } from 'vitest';
import { tinyModelFiles } from '../helpers/tinyEngine.ts';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { unlessModelInUse } from '../../src/worker/runLock.ts';
import { stubLocks } from '../helpers/locks.ts';

describe('deleting a model’s files while a tab loads it', () => {
  it('is refused until the load ends', { timeout: 120_000 }, async () => {
    vi.stubGlobal('navigator', { locks: stubLocks() });
    try {
      const engine = new StudioEngine(await nodeGpu(), () => undefined, null);
      const deleted: string[] = [];
      const deletion = () => unlessModelInUse('local:tiny', async () => void deleted.push('local:tiny'));
      const load = engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
      expect(await deletion()).toBe(false);
      await load;
      expect(engine.jobs.model?.ref).toBe('local:tiny');
      expect(deleted).toEqual([]);
      expect(await deletion()).toBe(true);
      expect(deleted).toEqual(['local:tiny']);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
