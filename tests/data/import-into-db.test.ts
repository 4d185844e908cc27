// The studio's import path into IndexedDB (data/import-into-db.ts, what the worker runs for a
// dropped file) on fake-indexeddb; the same in real Chromium is tests/browser/hostile-import.browser.ts.
// Protects: the hostile corpus stores its good records with the names "__proto__"/"constructor"
// intact after structured clone, a dataset stored before is never touched, the fingerprint equals
// the one computed over all examples at once, a failing import leaves nothing behind, rows left by
// an import that died are swept (never those of one still running).
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { listDatasets, loadExampleRows, saveDataset } from '../../src/data/dataset-store.ts';
import { datasetFingerprint } from '../../src/data/fingerprint.ts';
import { importDatasetIntoDb, removeAbandonedImportRows } from '../../src/data/import-into-db.ts';
import { ImportCancelledError } from '../../src/data/import-dataset.ts';
import { encodeDatasetJsonl } from '../../src/snapshot/dataset-jsonl.ts';
import { tidyStorage } from '../../src/worker/tidyStorage.ts';
import { hostileCorpus } from './hostile-corpus.ts';
import { expectPrototypeNamesKept } from './hostile-checks.ts';

const idb = { indexedDB, IDBKeyRange };
let n = 0;
const freshDb = () => new StudioDb(`studio-import-db-${++n}-${Date.now()}`, idb);
const corpus = hostileCorpus();
const asFiles = () => corpus.map((f) => ({ name: f.name, blob: new Blob([f.text]) }));
const before = {
  id: 'mine',
  tools: [{ name: 'add', parameters: { type: 'object', properties: { a: { type: 'number' } } } }],
  messages: [{ role: 'user' as const, content: 'add' }],
  target: { calls: [{ name: 'add', arguments: { a: 1 } }] },
};

describe('importing into IndexedDB a batch at a time', () => {
  it('stores the hostile corpus: good records, named rejections, names kept, earlier data untouched', async () => {
    const db = freshDb();
    const earlier = await saveDataset(db, { name: 'earlier', examples: [before] });
    const earlierRows = await loadExampleRows(db, earlier.id);

    const r = await importDatasetIntoDb(db, asFiles(), { name: 'hostile' });
    expect(r.row).not.toBeNull();
    const rows = await loadExampleRows(db, r.row!.id);
    const expected = corpus.flatMap((f) => f.imported);
    expect(rows.map((x) => x.id)).toEqual(expected);
    expect(rows.map((x) => x.ord)).toEqual(expected.map((_, i) => i));
    expect(r.imported).toBe(expected.length);
    expectPrototypeNamesKept(rows.map((x) => x.example));
    // Flagged examples are stored but left out of training until the user includes them.
    expect(rows.find((x) => x.id === 'o-type-constructor')).toMatchObject({ included: 0, quality: { passed: false } });
    expect(rows.find((x) => x.id === 'o-proto-args')).toMatchObject({ included: 1, quality: { passed: true } });
    expect(r.row!.fingerprint).toBe(await datasetFingerprint(rows.map((x) => x.example)));
    // 300,000+ rejections: counted in full, stored capped, each one named.
    expect(r.issueCount).toBe(corpus.reduce((s, f) => s + (f.name.includes('many-tiny') ? 300_000 : f.rejected.length), 0));
    expect(r.row!.issues).toHaveLength(1000);
    expect(r.row!.issues[0]).toMatchObject({ file: 'hostile-openai.jsonl', index: 1, id: 'o-deep-args' });

    expect(await loadExampleRows(db, earlier.id)).toEqual(earlierRows);
    expect((await listDatasets(db)).map((d) => d.name)).toEqual(['earlier', 'hostile']);
    db.close();
  });

  it('saves nothing for a file with no usable record', async () => {
    const db = freshDb();
    const r = await importDatasetIntoDb(db, [{ name: 'bad.jsonl', blob: new Blob(['{"messages": 1}\nnot json\n']) }], { name: 'bad' });
    expect(r).toMatchObject({ row: null, imported: 0, issueCount: 2 });
    expect(await db.examples.count()).toBe(0);
    expect(await listDatasets(db)).toEqual([]);
    db.close();
  });

  it('a read that fails part-way leaves no rows and no dataset behind', async () => {
    const db = freshDb();
    const earlier = await saveDataset(db, { name: 'earlier', examples: [before] });
    const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ id: `r${i}`, query: `q${i}`, tools: '[]', answers: '[]' })).join('\n');
    const good = new Blob([lines]);
    // A file that goes away after its first 512 KiB (a removed USB stick, a revoked permission),
    // when ~8,000 rows (four write batches) are already stored.
    let rowsBeforeFailure = -1;
    const failing = {
      size: good.size,
      slice: (start: number, end: number) => {
        if (start >= 1 << 19) return {
          arrayBuffer: async () => {
            rowsBeforeFailure = await db.examples.count();
            throw new Error('NotReadableError: the file could not be read');
          },
        };
        return good.slice(start, end);
      },
    } as unknown as Blob;
    await expect(importDatasetIntoDb(db, [{ name: 'gone.jsonl', blob: failing }], { name: 'gone', chunkBytes: 64 << 10 })).rejects.toThrow('could not be read');
    expect(rowsBeforeFailure).toBeGreaterThan(4000);
    expect(await db.examples.count()).toBe(1);
    expect((await listDatasets(db)).map((d) => d.id)).toEqual([earlier.id]);
    db.close();
  });

  it('a cancelled import stops at its next chunk and leaves no rows and no dataset behind, however late the cancel', async () => {
    const db = freshDb();
    const earlier = await saveDataset(db, { name: 'earlier', examples: [before] });
    const file = (n: number) => [{ name: 'big.jsonl', blob: new Blob([Array.from({ length: n }, (_, i) => JSON.stringify({ id: `r${i}`, query: `q${i}`, tools: '[]', answers: '[]' })).join('\n')]) }];
    // Cancelled once ~4,000 rows (two write batches) are read: the chunks after it are never read.
    const mid = new AbortController();
    let rowsAtCancel = -1;
    let chunksAfter = 0;
    const cancelled = importDatasetIntoDb(db, file(8_000), {
      name: 'big',
      chunkBytes: 16 << 10,
      signal: mid.signal,
      onProgress: (p) => {
        if (mid.signal.aborted) chunksAfter++;
        else if (p.recordsDone > 4_000) void db.examples.count().then((n) => ((rowsAtCancel = n), mid.abort()));
      },
    });
    await expect(cancelled).rejects.toThrow(ImportCancelledError);
    await expect(cancelled).rejects.toThrow('the import was cancelled; nothing was saved');
    expect(rowsAtCancel).toBeGreaterThanOrEqual(2000);
    expect(chunksAfter).toBeLessThanOrEqual(1);
    expect(await db.examples.count()).toBe(1);
    expect((await listDatasets(db)).map((d) => d.id)).toEqual([earlier.id]);
    // Cancelled with the last chunk read, every row written but the dataset row: still nothing.
    const late = new AbortController();
    await expect(importDatasetIntoDb(db, file(300), { name: 'big', signal: late.signal, onProgress: (p) => p.bytesDone === p.bytesTotal && late.abort() })).rejects.toThrow(ImportCancelledError);
    expect(await db.examples.count()).toBe(1);
    expect((await listDatasets(db)).map((d) => d.id)).toEqual([earlier.id]);
    // The same file, not cancelled, is stored whole.
    expect((await importDatasetIntoDb(db, file(300), { name: 'big', signal: new AbortController().signal })).imported).toBe(300);
    db.close();
  });

  it('stores a file imported again once: the second import names the stored dataset and adds nothing', async () => {
    const db = freshDb();
    const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `r${i}`, query: `q${i}`, tools: '[]', answers: '[]' })).join('\n');
    const first = await importDatasetIntoDb(db, [{ name: 'a.jsonl', blob: new Blob([lines]) }], { name: 'a' });
    const again = await importDatasetIntoDb(db, [{ name: 'a copy.jsonl', blob: new Blob([lines]) }], { name: 'a copy' });
    expect(again).toMatchObject({ alreadyStored: true, imported: 30, row: { id: first.row!.id, name: 'a' } });
    expect((await listDatasets(db)).map((d) => d.name)).toEqual(['a']);
    expect(await db.examples.count()).toBe(30);
    // Held out otherwise, the same examples are another dataset.
    const resplit = await importDatasetIntoDb(db, [{ name: 'a.jsonl', blob: new Blob([lines]) }], { name: 'a 20%', split: { seed: 1234, evalFraction: 0.2 } });
    expect(resplit.alreadyStored).toBeUndefined();
    expect(await db.examples.count()).toBe(60);
    // One example more is another dataset too.
    const longer = await importDatasetIntoDb(db, [{ name: 'b.jsonl', blob: new Blob([lines + '\n' + JSON.stringify({ id: 'r30', query: 'q30', tools: '[]', answers: '[]' })]) }], { name: 'b' });
    expect(longer.alreadyStored).toBeUndefined();
    expect((await listDatasets(db)).length).toBe(3);
    expect(longer.storedOneByOneAs).toBeUndefined();
    db.close();
  });

  it('names a stored copy of the same examples split one by one (before splits went by question), and stores a copy split by question', async () => {
    const db = freshDb();
    const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `r${i}`, query: `q${i % 10}`, tools: '[]', answers: '[]' })).join('\n');
    const before = await importDatasetIntoDb(db, [{ name: 'a.jsonl', blob: new Blob([lines]) }], { name: 'a (2025)', split: { seed: 1234, evalFraction: 0.1 } });
    expect(before.storedOneByOneAs).toBeUndefined();
    const now = await importDatasetIntoDb(db, [{ name: 'a.jsonl', blob: new Blob([lines]) }], { name: 'a' });
    expect(now).toMatchObject({ storedOneByOneAs: 'a (2025)', row: { name: 'a', split: { by: 'question' } } });
    expect(now.alreadyStored).toBeUndefined();
    // Imported again, it is the copy split by question: nothing new, and nothing more to say.
    const again = await importDatasetIntoDb(db, [{ name: 'a.jsonl', blob: new Blob([lines]) }], { name: 'a' });
    expect(again).toMatchObject({ alreadyStored: true, row: { id: now.row!.id } });
    expect((await listDatasets(db)).length).toBe(2);
    db.close();
  });

  it('says how many examples the stored copy uses otherwise than the file’s lines say, as it keeps its own', async () => {
    const db = freshDb();
    const lines = Array.from({ length: 4 }, (_, i) => JSON.stringify({ id: `r${i}`, query: `q${i}`, tools: '[]', answers: '[]' })).join('\n');
    const first = await importDatasetIntoDb(db, [{ name: 'a.jsonl', blob: new Blob([lines]) }], { name: 'a' });
    const rows = await loadExampleRows(db, first.row!.id);
    // A snapshot's dataset.jsonl of the same examples, one of them left out there.
    const snapshot = new TextDecoder().decode(encodeDatasetJsonl(rows.map((r) => r.example), new Map(rows.map((r, i) => [r.id, i !== 1]))));
    const again = await importDatasetIntoDb(db, [{ name: 'dataset.jsonl', blob: new Blob([snapshot]) }], { name: 'dataset' });
    expect(again).toMatchObject({ alreadyStored: true, row: { id: first.row!.id }, choicesKept: 1 });
    // The stored choice is kept (the page says so), not changed behind the user's back.
    expect((await db.examples.get([first.row!.id, rows[1].id]))!.included).toBe(rows[1].included);
    db.close();
  });

  it('keeps the choice a snapshot\'s dataset.jsonl line carries: a passing example left out stays out', async () => {
    // As `studio train --data dataset.jsonl` now reads it (tests/data/studio-format.test.ts).
    const db = freshDb();
    const text = new TextDecoder().decode(encodeDatasetJsonl([before, { ...before, id: 'other' }], new Map([['other', false]])));
    const r = await importDatasetIntoDb(db, [{ name: 'dataset.jsonl', blob: new Blob([text]) }], { name: 'snap', split: { seed: 1, evalFraction: 0 } });
    expect((await loadExampleRows(db, r.row!.id)).map((x) => [x.id, x.included])).toEqual([['mine', 1], ['other', 0]]);
    db.close();
  });

  it('the worker sweeps rows an import left when its tab closed as soon as it starts', async () => {
    const db = freshDb();
    const earlier = await saveDataset(db, { name: 'earlier', examples: [before] });
    await db.examples.bulkAdd([0, 1, 2].map((ord) => ({ datasetId: 'reloaded-mid-import', id: `x${ord}`, ord, example: before, quality: { passed: true, failures: [] }, split: 'train' as const, included: 1 })));
    expect(await tidyStorage(db)).toMatchObject({ examples: 3 });
    expect(await db.examples.count()).toBe(1);
    expect((await loadExampleRows(db, earlier.id)).length).toBe(1);
    db.close();
  });

  it('sweeps rows an import left when its tab died, but not an import that is still running', async () => {
    const db = freshDb();
    await saveDataset(db, { name: 'earlier', examples: [before] });
    await db.examples.bulkAdd([{ datasetId: 'died', id: 'x', ord: 0, example: before, quality: { passed: true, failures: [] }, split: 'train', included: 1 }]);
    const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ id: `r${i}`, query: `q${i}`, tools: '[]', answers: '[]' })).join('\n');
    const running = importDatasetIntoDb(db, [{ name: 'a.jsonl', blob: new Blob([lines]) }], { name: 'a', chunkBytes: 16 << 10 });
    // Wait until the running import has written its first batch (rows under an id no dataset names yet).
    while ((await db.examples.count()) < 2 + 2000) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await db.examples.where('datasetId').equals('died').count()).toBe(0); // swept when the import began
    const written = await db.examples.count();
    expect(await removeAbandonedImportRows(db)).toBe(0); // the running import's rows stay
    expect(await db.examples.count()).toBeGreaterThanOrEqual(written);
    const r = await running;
    expect((await loadExampleRows(db, r.row!.id)).length).toBe(5000);
    db.close();
  });
});
