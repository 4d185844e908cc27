// A stored dataset downloaded as JSONL (snapshot/dataset-export.ts, what the Dataset panel's Download
// asks the worker for), on fake-indexeddb; the real-IndexedDB run through the worker is
// tests/browser/dataset-export.browser.ts. Protects: every example in its order across chunks, HDR's
// added ones included, each line with the user's choice, whole floats kept; imported again it is the
// same dataset (same fingerprint), and into another browser it is stored with the same choices.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { listDatasets, loadExampleRows, setExampleIncluded } from '../../src/data/dataset-store.ts';
import { importDatasetIntoDb } from '../../src/data/import-into-db.ts';
import { addHdrExamples } from '../../src/hdr/store.ts';
import { exportDatasetJsonl } from '../../src/snapshot/dataset-export.ts';
import { parseDatasetJsonl } from '../../src/snapshot/dataset-jsonl.ts';

const idb = { indexedDB, IDBKeyRange };
let n = 0;
const freshDb = () => new StudioDb(`dataset-export-${++n}-${Date.now()}`, idb);
const tool = { type: 'function', function: { name: 'weighted_avg', description: 'Average.', parameters: { type: 'object', properties: { scores: { type: 'array', items: { type: 'number' } }, n: { type: 'integer' } }, required: ['scores'] } } };
/** `count` OpenAI lines; the first's call carries whole floats, the second calls a tool it was not given (flagged, left out). */
const lines = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      id: `e${i}`,
      tools: [tool],
      messages: [
        { role: 'user', content: `Average ${i} and 80.` },
        { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: i === 1 ? 'nope' : 'weighted_avg', arguments: i === 0 ? '{"scores": [90.0, 80.5], "n": 2}' : `{"scores": [${i}, 80]}` } }] },
      ],
    }),
  ).join('\n');

describe('a stored dataset downloaded as JSONL', () => {
  it('holds every example in order with its use, HDR samples too, and imports back as the same dataset', async () => {
    const db = freshDb();
    const stored = (await importDatasetIntoDb(db, [{ name: 'avg.jsonl', blob: new Blob([lines(30)]) }], { name: 'avg / scores: v2' })).row!;
    // The user trains on the flagged one after all, and leaves a passing one out.
    await setExampleIncluded(db, stored.id, 'e1', true);
    await setExampleIncluded(db, stored.id, 'e2', false);
    const [first] = await loadExampleRows(db, stored.id);
    await addHdrExamples(db, stored.id, [{ ...first.example, id: 'e0~hdr1-0', source: 'hdr', hdrRound: 1, target: { ...first.example.target, reasoning: 'Two scores, averaged.' } }]);
    const rows = await loadExampleRows(db, stored.id);
    const { fingerprint } = (await db.datasets.get(stored.id))!;

    const progress: Array<[number, number]> = [];
    const out = await exportDatasetJsonl(db, stored.id, (done, total) => progress.push([done, total]), 12);
    expect(out.name).toBe('avg - scores- v2.jsonl');
    expect(out.examples).toBe(31);
    expect(progress).toEqual([[12, 31], [24, 31], [31, 31]]);
    const text = await out.file.text();
    const parsed = parseDatasetJsonl(new TextEncoder().encode(text));
    expect(parsed.examples.map((e) => e.id)).toEqual(rows.map((r) => r.id));
    expect(parsed.examples).toEqual(rows.map((r) => r.example));
    expect(parsed.examples[0].target.wholeFloats).toEqual([[0, 'scores', 0]]);
    expect([...parsed.inclusion].filter(([, used]) => !used).map(([id]) => id)).toEqual(['e2']);
    expect(parsed.inclusion.get('e0~hdr1-0')).toBe(true);

    // Imported again: the very dataset, nothing new stored, its choices the same.
    const again = await importDatasetIntoDb(db, [{ name: out.name, blob: out.file }], { name: 'again' });
    expect(again).toMatchObject({ alreadyStored: true, row: { id: stored.id } });
    expect(again.choicesKept).toBeUndefined();
    // Into another browser: the same examples, fingerprint and choices.
    const other = freshDb();
    const copy = (await importDatasetIntoDb(other, [{ name: out.name, blob: out.file }], { name: 'copy' })).row!;
    expect(copy.fingerprint).toBe(fingerprint);
    expect((await loadExampleRows(other, copy.id)).map((r) => [r.id, r.included])).toEqual(rows.map((r) => [r.id, r.included]));
    db.close();
    other.close();
  });

  it('says so for a dataset deleted meanwhile, and names an unnamed one "dataset"', async () => {
    const db = freshDb();
    await expect(exportDatasetJsonl(db, 'gone')).rejects.toThrow('this dataset is no longer stored (deleted in another tab?)');
    const stored = (await importDatasetIntoDb(db, [{ name: 'x.jsonl', blob: new Blob([lines(3)]) }], { name: '...' })).row!;
    expect((await exportDatasetJsonl(db, stored.id)).name).toBe('dataset.jsonl');
    expect((await listDatasets(db)).length).toBe(1);
    db.close();
  });
});
