// The page's HDR with no training example to mine says why, in the page's terms, as studio hdr does
// in its flags (tests/hdr/cli.test.ts): every one left out, the split held all out, or only samples
// an earlier HDR run added. Refused before a run's row is written.
import 'fake-indexeddb/auto';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import type { Example } from '../../src/data/example.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/index.ts';
import { generateTinyModel } from '../../src/model/tiny-model.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { stubLocks } from '../helpers/locks.ts';
import { NARROW } from '../helpers/tinyEngine.ts';

const f = { name: 'f', parameters: { type: 'object', properties: {} } };
const good = (id: string, source?: Example['source']): Example => ({ id, ...(source && { source }), tools: [f], messages: [{ role: 'user', content: `question ${id}` }], target: { reasoning: 'call f', calls: [{ name: 'f', arguments: {} }] } });

let n = 0;
const opened: StudioDb[] = [];
async function engineOn(examples: Example[], split: { seed: number; evalFraction: number }) {
  vi.stubGlobal('navigator', { locks: stubLocks() });
  const db = new StudioDb(`hdr-none-to-mine-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
  opened.push(db);
  const dataset = await saveDataset(db, { name: 'tools.jsonl', examples, files: [], split });
  const engine = new StudioEngine(undefined, () => undefined, db);
  // The HDR job's slot without a GPU: the check comes before any answer.
  const spec = parseModelConfig(generateTinyModel(NARROW).files.get('config.json') as string);
  Object.assign(engine, { jobs: { requireModel: () => ({ ref: 'tiny', spec }), run: async (_what: string, work: (ctx: unknown) => Promise<unknown>) => work({}) } });
  const settings = { ...DEFAULT_HDR_SETTINGS, samplesPerCase: 1, maxRounds: 1, stepsPerRound: 1, maxNewTokens: 2, batchSize: 1 };
  const startHdr = () => engine.handlers.startHdr({ datasetId: dataset.id, settings, mineLimit: 5, evalLimit: 0 }, () => undefined);
  return { db, dataset, engine, startHdr };
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  vi.unstubAllGlobals();
});

describe('the page’s HDR with no training example to mine', () => {
  it('says every training example is left out, and where to include them', async () => {
    const { db, dataset, engine, startHdr } = await engineOn([good('a'), good('b')], { seed: 1, evalFraction: 0 });
    for (const id of ['a', 'b']) await engine.handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: id, included: false }, () => undefined);
    await expect(startHdr()).rejects.toThrow(
      'the dataset’s 2 training examples are all left out (flagged by the quality check, or left out by you), so there is nothing to mine hard cases from: include one or more in the Dataset panel’s examples table (its Show filter lists those left out)',
    );
    expect(await db.runs.count()).toBe(0);
  });

  it('says the split held every example out', async () => {
    // Seed 1 at 50% holds "x" out (src/data/split.ts).
    const { db, startHdr } = await engineOn([good('x')], { seed: 1, evalFraction: 0.5 });
    await expect(startHdr()).rejects.toThrow('the dataset has no training examples to mine hard cases from: its split (seed 1, holding out 50%) held out its only example; import more examples');
    expect(await db.runs.count()).toBe(0);
  });

  it('says the training side holds only samples an earlier HDR run added', async () => {
    const { db, startHdr } = await engineOn([good('q#hdr1.1', 'hdr'), good('q#hdr1.2', 'hdr')], { seed: 1, evalFraction: 0 });
    await expect(startHdr()).rejects.toThrow(
      'the dataset’s 2 training examples are all samples an earlier HDR run added, which are not mined again; run HDR on the dataset they were sampled from',
    );
    expect(await db.runs.count()).toBe(0);
  });
});
