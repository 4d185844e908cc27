// A job's examples are read from the dataset as one set: a change from the Dataset panel (an HDR
// sample left out, an example included) that lands while a job starts is either wholly before the
// read or wholly after it. Read in three transactions, a sample left out between the first and the
// last was both trained on and counted among the samples left out.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { saveDataset, setExampleIncluded } from '../../src/data/dataset-store.ts';
import type { Example } from '../../src/data/example.ts';
import { storedExamples } from '../../src/jobs/store/dexie.ts';

describe('a job’s stored examples', () => {
  it('are one set when an HDR sample is left out while they are read', async () => {
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const [a, b] = imported.examples.filter((e) => e.target.calls.length > 0);
    const sample: Example = { ...a, id: `${a.id}#hdr1.0`, source: 'hdr', hdrRound: 1 };
    const db = new StudioDb(`stored-examples-read-${Date.now()}`, { indexedDB, IDBKeyRange });
    const d = await saveDataset(db, { name: 'demo', examples: [a, b, sample], files: [], split: { seed: 1, evalFraction: 0 } });
    expect((await storedExamples(db, d.id)).train.map((e) => e.id)).toContain(sample.id);
    const [read] = await Promise.all([storedExamples(db, d.id), setExampleIncluded(db, d.id, sample.id, false)]);
    const where = [...(read.train.some((e) => e.id === sample.id) ? ['trained on'] : []), ...((read.excludedSamples ?? []).some((e) => e.id === sample.id) ? ['left out'] : [])];
    expect(where).toHaveLength(1);
    db.close();
  });
});
