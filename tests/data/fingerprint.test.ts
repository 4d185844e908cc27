// The dataset fingerprint: the same value as its definition computed with WebCrypto (runs made
// before keep resuming on their data), and kept exactly after edits and HDR samples while each change
// hashes only its own examples (a dataset's sorted digests are kept from its first change on).
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { deleteDataset, describeDatasetDeletion, saveDataset, saveExampleAnswer } from '../../src/data/dataset-store.ts';
import type { Example } from '../../src/data/example.ts';
import { datasetFingerprint, exampleHash, normalisedExampleContent } from '../../src/data/fingerprint.ts';
import { addHdrExamples } from '../../src/hdr/store.ts';

const idb = { indexedDB, IDBKeyRange };
let dbCounter = 0;
const freshDb = () => new StudioDb(`fingerprint-test-${++dbCounter}-${Date.now()}`, idb);

const example = (i: number, b = 1): Example => ({
  id: `ex-${i}`,
  tools: [{ name: 'add', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } }],
  messages: [{ role: 'user', content: `add ${i} and ${b} — “é” in NFD: e\u0301` }],
  target: { reasoning: 'Add them.', calls: [{ name: 'add', arguments: { a: i, b } }] },
  source: 'openai',
});

const hexOf = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/** The fingerprint's definition, computed with WebCrypto as the studio did before. */
async function webCryptoFingerprint(examples: Example[]): Promise<string> {
  const enc = new TextEncoder();
  const hashes = await Promise.all(examples.map(async (e) => hexOf(await crypto.subtle.digest('SHA-256', enc.encode(normalisedExampleContent(e))))));
  return 'sha256:' + hexOf(await crypto.subtle.digest('SHA-256', enc.encode(hashes.sort().join('\n'))));
}

const storedExamples = async (db: StudioDb, datasetId: string) => (await db.examples.where('datasetId').equals(datasetId).toArray()).map((r) => r.example);

describe('the dataset fingerprint', () => {
  it('is its definition’s value, whatever the order, and an example’s hash is WebCrypto’s SHA-256', async () => {
    const examples = Array.from({ length: 300 }, (_, i) => example(i, i % 7));
    expect(await datasetFingerprint(examples)).toBe(await webCryptoFingerprint(examples));
    expect(await datasetFingerprint([...examples].reverse())).toBe(await datasetFingerprint(examples));
    expect(await exampleHash(examples[5])).toBe(hexOf(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(normalisedExampleContent(examples[5])))));
    // Two equal examples count twice: a multiset, as before.
    expect(await datasetFingerprint([examples[0], examples[0]])).toBe(await webCryptoFingerprint([examples[0], examples[0]]));
  });

  it('follows edited answers and HDR samples exactly, hashing after the first change only the examples each changes', async () => {
    const db = freshDb();
    const d = await saveDataset(db, { name: 'adds', examples: Array.from({ length: 40 }, (_, i) => example(i)) });
    expect(await db.datasetDigests.get(d.id)).toBeUndefined();

    // The first change keeps the sorted digests, and its fingerprint is the whole data's.
    await saveExampleAnswer(db, d.id, 'ex-3', (e) => ({ ...e, target: { ...e.target, calls: [{ name: 'add', arguments: { a: 3, b: 2 } }] } }));
    const afterEdit = (await db.datasets.get(d.id))!.fingerprint;
    expect(afterEdit).not.toBe(d.fingerprint);
    expect(afterEdit).toBe(await webCryptoFingerprint(await storedExamples(db, d.id)));
    expect((await db.datasetDigests.get(d.id))!).toMatchObject({ fingerprint: afterEdit });
    expect((await db.datasetDigests.get(d.id))!.digests.length).toBe(40 * 32);

    // HDR's samples add theirs.
    const samples = [41, 42].map((i): Example => ({ ...example(i), id: `hdr-${i}`, source: 'hdr', hdrRound: 1 }));
    await addHdrExamples(db, d.id, samples);
    expect((await db.datasets.get(d.id))!.fingerprint).toBe(await webCryptoFingerprint(await storedExamples(db, d.id)));
    expect((await db.datasetDigests.get(d.id))!.digests.length).toBe(42 * 32);

    // Restoring the imported answer gives the imported data's fingerprint back, with the samples'.
    await saveExampleAnswer(db, d.id, 'ex-3', 'imported');
    expect((await db.datasets.get(d.id))!.fingerprint).toBe(await webCryptoFingerprint([...Array.from({ length: 40 }, (_, i) => example(i)), ...samples]));

    // A later change reads no other example: an example changed behind the store's back (which no
    // writer does) is not seen, because only the kept digests and the changed example are hashed.
    const row = (await db.examples.get([d.id, 'ex-9']))!;
    await db.examples.put({ ...row, example: example(9, 5) });
    await saveExampleAnswer(db, d.id, 'ex-4', (e) => ({ ...e, target: { ...e.target, reasoning: 'Sum them.' } }));
    const seen = await storedExamples(db, d.id);
    const asKept = seen.map((e) => (e.id === 'ex-9' ? example(9) : e));
    expect((await db.datasets.get(d.id))!.fingerprint).toBe(await webCryptoFingerprint(asKept));
    db.close();
  });

  it('rebuilds kept digests that no longer match the dataset (another fingerprint, another count)', async () => {
    const db = freshDb();
    const d = await saveDataset(db, { name: 'adds', examples: Array.from({ length: 10 }, (_, i) => example(i)) });
    const edit = (b: number) => saveExampleAnswer(db, d.id, 'ex-1', (e) => ({ ...e, target: { ...e.target, calls: [{ name: 'add', arguments: { a: 1, b } }] } }));
    await edit(2);
    // Digests of another fingerprint: not used.
    await db.datasetDigests.update(d.id, { fingerprint: 'sha256:other', digests: new Uint8Array(10 * 32) });
    await edit(3);
    expect((await db.datasets.get(d.id))!.fingerprint).toBe(await webCryptoFingerprint(await storedExamples(db, d.id)));
    // Digests of as many examples as some other count: not used.
    const kept = (await db.datasetDigests.get(d.id))!;
    await db.datasetDigests.put({ ...kept, digests: kept.digests.slice(32) });
    await edit(4);
    expect((await db.datasets.get(d.id))!.fingerprint).toBe(await webCryptoFingerprint(await storedExamples(db, d.id)));
    db.close();
  });

  it('goes with its dataset when the dataset is deleted', async () => {
    const db = freshDb();
    const d = await saveDataset(db, { name: 'adds', examples: [example(1), example(2)] });
    await saveExampleAnswer(db, d.id, 'ex-1', (e) => ({ ...e, target: { ...e.target, reasoning: 'Add.' } }));
    expect(await db.datasetDigests.get(d.id)).toBeDefined();
    await deleteDataset(db, d.id, (await describeDatasetDeletion(db, d.id)).confirmToken);
    expect(await db.datasetDigests.count()).toBe(0);
    db.close();
  });
});
