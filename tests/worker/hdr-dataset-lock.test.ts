// One HDR run per dataset across the studio's tabs. Two at once (an HDR run in one tab, another or an
// ablation's HDR arm in the other) started at the same round, gave their samples the same ids, and the
// second failed adding them ("dataset … already has an example …; start HDR at nextHdrRound()").
// Each tab's job engine keeps its own jobs apart; a stand-in for Web Locks plays the other tab.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/index.ts';
import { defaultAblationConfig } from '../../src/jobs/ablationConfig.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { withHdrLock } from '../../src/worker/runLock.ts';
import { stubLocks } from '../helpers/locks.ts';
import { tinyModelFiles, withoutGpu } from '../helpers/tinyEngine.ts';

const ELSEWHERE = 'another tab of the studio is running HDR on this dataset (an HDR run, or an ablation’s HDR arm); wait for it to end there, or cancel it there first';

describe('HDR on a dataset another tab runs HDR on', () => {
  it('is refused before it writes a row, for an HDR run and for an ablation with an HDR arm', async () => {
    vi.stubGlobal('navigator', { locks: stubLocks() });
    try {
      const db = new StudioDb(`hdr-dataset-lock-${Date.now()}`, { indexedDB, IDBKeyRange });
      const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
      const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 20), files: imported.files });
      const engine = new StudioEngine(undefined, () => undefined, db);
      await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
      // A refused request never reaches a GPU.
      withoutGpu(engine);
      // The other tab's HDR run on the same dataset, until `end`.
      let end!: () => void;
      const elsewhere = withHdrLock(dataset.id, () => new Promise<void>((r) => (end = r)));

      const settings = { ...DEFAULT_HDR_SETTINGS, samplesPerCase: 1, maxRounds: 1, stepsPerRound: 1, maxNewTokens: 2, batchSize: 1 };
      await expect(engine.handlers.startHdr({ datasetId: dataset.id, settings, mineLimit: 2, evalLimit: 0 }, () => undefined)).rejects.toThrow(ELSEWHERE);
      const config = defaultAblationConfig(
        { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 0, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } },
        { rules: ['grad'], hdrRule: 'grad', evalLimit: 1, decoding: { maxNewTokens: 2, batchSize: 1, seed: 1 } },
      );
      await expect(engine.handlers.startAblation({ datasetId: dataset.id, name: 'with HDR', config }, () => undefined)).rejects.toThrow(ELSEWHERE);
      expect(await db.runs.count()).toBe(0);
      end();
      await elsewhere;
      db.close();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
