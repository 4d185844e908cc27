// A studio engine on the tiny model, with no GPU, over a fresh database holding the demo data's
// first 20 examples: for worker tests of what an HDR run starts from (the HDR job mocked by the test).
import { readFileSync } from 'node:fs';
import { vi } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/index.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { stubLocks } from './locks.ts';
import { tinyModelFiles, withoutGpu } from './tinyEngine.ts';

/** The studio, its database and dataset, and `startHdr`: an HDR run mining the first two training examples. */
export async function studioForHdr(name: string): Promise<{ db: StudioDb; datasetId: string; startHdr: () => Promise<unknown> }> {
  vi.stubGlobal('navigator', { locks: stubLocks() });
  const db = new StudioDb(`${name}-${Date.now()}-${Math.random()}`, { indexedDB, IDBKeyRange });
  const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
  const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 20), files: imported.files });
  const engine = new StudioEngine(undefined, () => undefined, db);
  await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
  withoutGpu(engine);
  const settings = { ...DEFAULT_HDR_SETTINGS, samplesPerCase: 1, maxRounds: 1, stepsPerRound: 1, maxNewTokens: 2, batchSize: 1 };
  return { db, datasetId: dataset.id, startHdr: () => engine.handlers.startHdr({ datasetId: dataset.id, settings, mineLimit: 2, evalLimit: 0 }, () => undefined) };
}
