// An HDR run holds its run's Web Lock while it runs, as a training run does: another tab of the
// studio then shows it as running elsewhere (not interrupted) and refuses to delete it under the
// worker writing it. Without the lock another tab offered Delete on a running HDR run, and the run
// failed at its next round. Node has no Web Locks: a recording stand-in takes their place.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { RUN_LOCK_PREFIX } from '../../src/worker/runLock.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/index.ts';
import { tinyModelFiles } from '../helpers/tinyEngine.ts';



describe('an HDR run in the worker', () => {
  it('holds its run lock while it runs', { timeout: 300_000 }, async () => {
    /** Lock names held while each request's work ran. */
    const held = new Set<string>();
    const requested: string[] = [];
    vi.stubGlobal('navigator', {
      locks: {
        async request(name: string, _options: unknown, cb: (lock: unknown) => Promise<unknown>) {
          requested.push(name);
          held.add(name);
          try {
            return await cb({ name });
          } finally {
            held.delete(name);
          }
        },
        async query() {
          return { held: [...held].map((name) => ({ name })) };
        },
      },
    });
    try {
      const db = new StudioDb(`hdr-lock-${Date.now()}`, { indexedDB, IDBKeyRange });
      const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
      const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 40), files: imported.files });
      const engine = new StudioEngine(await nodeGpu(), () => undefined, db);
      await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
      let heldDuring = false;
      const settings = { ...DEFAULT_HDR_SETTINGS, samplesPerCase: 1, maxRounds: 1, stepsPerRound: 1, maxNewTokens: 2, batchSize: 2 };
      const r = await engine.handlers.startHdr({ datasetId: dataset.id, settings, mineLimit: 2, evalLimit: 0 }, () => {
        // Progress comes from inside the job: the run's lock is held there.
        heldDuring ||= [...held].some((n) => n.startsWith(RUN_LOCK_PREFIX));
      });
      expect(requested).toContain(RUN_LOCK_PREFIX + r.hdrRunId);
      expect(heldDuring).toBe(true);
      expect(held.size).toBe(0);
      db.close();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
