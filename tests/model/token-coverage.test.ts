// The tokens a model has an embedding for, and how much of a dataset is made of the others
// (src/model/tokenCoverage.ts): the embedded tiny model has rows for the 547 tokens of its
// pre-training, and a user's own data trained on it teaches nothing it can read. The count the
// Training panel's note and `studio train` say, against a plain count; the words, and when they are
// not said.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import type { Example } from '../../src/data/example.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { tokenizeExample } from '../../src/data/tokenize-example.ts';
import { openLoadedModel, withWeights } from '../../src/jobs/context.ts';
import { openModel, type Checkpoint } from '../../src/model/checkpoint.ts';
import { COMPACT_MAX_SHARE } from '../../src/model/compactHead.ts';
import { nodeDirectoryModelFiles } from '../../src/model/model-files-node.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { readTensorRange } from '../../src/model/safetensors.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { COVERAGE_EXAMPLES, tokensWithEmbedding, unseenTokens } from '../../src/model/tokenCoverage.ts';
import { UNSEEN_SHARE_NOTED, unseenTokensText } from '../../src/model/unseenTokens.ts';
import { unseenTokensNote } from '../../src/cli/runSummary.ts';
import { dataRequests } from '../../src/worker/dataRequests.ts';
import { EMBEDDED_MODEL_REF } from '../../src/worker/modelSource.ts';

const EMBEDDED = 'public/models/tiny-qwen3';
const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;
const embedded = await openLoadedModel(nodeDirectoryModelFiles(EMBEDDED), EMBEDDED_MODEL_REF);

/** Requests in words the tiny model never saw, asking the demo's tools (as a user's own data would). */
const foreign = (n: number): Example[] =>
  demo.slice(0, n).map((e, i) => ({
    ...e,
    id: `f-${i}`,
    messages: e.messages.map((m) => (m.role === 'user' ? { ...m, content: `Bitte prüfe zuerst die Wettervorhersage für Reykjavík, Ulaanbaatar und Ouagadougou (Anfrage ${i}).` } : m)),
  }));

/** Every row of the embedding read whole: the ids with any element not ±0. */
async function rowsByHand(checkpoint: Checkpoint): Promise<number[]> {
  const t = checkpoint.tensors.get('model.embed_tokens.weight')!;
  const [V, H] = t.shape;
  const bytes = await readTensorRange(t.source, t);
  const u16 = new Uint16Array(bytes.buffer, bytes.byteOffset, V * H);
  const rows: number[] = [];
  for (let r = 0; r < V; r++) if (u16.subarray(r * H, (r + 1) * H).some((x) => (x & 0x7fff) !== 0)) rows.push(r);
  return rows;
}

/** The share by hand: each example tokenized whole, each id looked up. */
function unseenByHand(examples: Example[], known: ArrayLike<number>) {
  const has = new Set(Array.from(known));
  let tokens = 0;
  let unseen = 0;
  for (const e of examples.slice(0, COVERAGE_EXAMPLES)) {
    const ids = tokenizeExample(embedded.tokenizer, e).inputIds;
    tokens += ids.length;
    unseen += ids.filter((id) => !has.has(id)).length;
  }
  return { tokens, unseen };
}

describe('the tokens a model has an embedding for', () => {
  it('the embedded model: the 547 rows that are not zero, found as the model loads', async () => {
    const { spec, checkpoint } = await openModel(nodeDirectoryModelFiles(EMBEDDED));
    const byHand = await rowsByHand(checkpoint);
    // Any slicing of the reads finds the same rows.
    expect(Array.from((await tokensWithEmbedding(checkpoint, spec, 1000))!)).toEqual(byHand);
    await checkpoint.close();
    expect(byHand).toHaveLength(547);
    expect(Array.from(embedded.tokensWithEmbedding!)).toEqual(byHand);
  });

  it('a model with an embedding for every token: none kept, after reading only the first rows', async () => {
    const { files, spec } = generateTinyModel(tinyTestOptions('qwen3', { vocabSize: 4096 }));
    const { checkpoint } = await openModel(memoryModelFiles(files));
    const t = checkpoint.tensors.get('model.embed_tokens.weight')!;
    let read = 0;
    const counting: Checkpoint = { ...checkpoint, tensors: new Map([['model.embed_tokens.weight', { ...t, source: { ...t.source, name: t.source.name, size: t.source.size, read: (o: number, n: number) => ((read += n), t.source.read(o, n)) } }]]) };
    const rowBytes = t.byteLength / t.shape[0];
    expect(await tokensWithEmbedding(counting, spec, rowBytes)).toBeNull();
    // It gives up one row past the share a compact head may keep.
    expect(read).toBe((Math.floor(t.shape[0] * COMPACT_MAX_SHARE) + 1) * rowBytes);
    const loaded = await withWeights({ ...embedded, spec }, memoryModelFiles(files));
    expect(loaded.tokensWithEmbedding).toBeUndefined();
    await checkpoint.close();
  });
});

describe('how much of a dataset the model cannot read', () => {
  it('none of the demo’s tokens; a quarter and more of requests in other words, as a plain count finds', () => {
    const known = embedded.tokensWithEmbedding!;
    const vocab = embedded.spec.vocabSize;
    expect(unseenTokens(embedded.tokenizer, demo, known, vocab)).toMatchObject({ examples: COVERAGE_EXAMPLES, unseen: 0, known: 547, vocab: 151_936 });
    const theirs = foreign(40);
    const u = unseenTokens(embedded.tokenizer, theirs, known, vocab);
    expect({ tokens: u.tokens, unseen: u.unseen }).toEqual(unseenByHand(theirs, known));
    expect(u.examples).toBe(40);
    expect(u.unseen / u.tokens).toBeGreaterThan(0.05);
    // Only the first COVERAGE_EXAMPLES are read.
    const many = [...demo, ...foreign(100)];
    expect(many.length).toBeGreaterThan(COVERAGE_EXAMPLES);
    expect(unseenTokens(embedded.tokenizer, many, known, vocab).unseen).toBe(0);
  });

  it('says it past one token in a hundred, with the count and what the model holds', () => {
    const u = { examples: 200, tokens: 10_000, unseen: 2_800, known: 547, vocab: 151_936 };
    expect(unseenTokensText(u, 'the embedded tiny Qwen3')).toBe(
      '28% of this data’s tokens (counted in 200 of its training examples) are ones the embedded tiny Qwen3 has no embedding for: it holds embeddings for only 547 of its 151,936 tokens (every other row is zero), so every other token reaches it as the same zero vector: it cannot tell them apart, nor write any of them, and LoRA leaves the embeddings as they are. Trained on this data it will lower its loss on what it can read, and not learn to answer these requests.',
    );
    expect(unseenTokensText({ ...u, unseen: u.tokens * UNSEEN_SHARE_NOTED }, 'm')).toBeNull();
    expect(unseenTokensText({ ...u, unseen: u.tokens * UNSEEN_SHARE_NOTED + 1 }, 'm')).toMatch(/^1% of this data’s tokens/);
    expect(unseenTokensText({ ...u, tokens: 0, unseen: 0 }, 'm')).toBeNull();
  });

  it('studio train’s note names --model and a model that can, studio eval’s what its accuracy is worth; none for the demo', () => {
    expect(unseenTokensNote(embedded, demo, EMBEDDED)).toBeNull();
    const note = unseenTokensNote(embedded, foreign(40), EMBEDDED);
    expect(note).toMatch(/^\d+% of this data’s tokens \(counted in 40 of its training examples\) are ones --model public\/models\/tiny-qwen3 has no embedding for: /);
    expect(note).toMatch(/ A released model \(--model Qwen\/Qwen2\.5-0\.5B-Instruct\) has an embedding for every token\.$/);
    expect(unseenTokensNote({ ...embedded, tokensWithEmbedding: undefined }, foreign(40), EMBEDDED)).toBeNull();
    // studio eval's: of the held-out examples it asks, and what an accuracy on them is worth.
    expect(unseenTokensNote(embedded, foreign(40), EMBEDDED, true)).toMatch(/^\d+% of this data’s tokens \(counted in 40 of its held-out examples\) .* It cannot read these requests: its accuracy on them says nothing of what it would learn on data it can read\. A released model/);
  });

  it('the worker counts the included training side of a stored dataset with the loaded model; nothing without one', async () => {
    const db = new StudioDb(`coverage-${Date.now()}-${Math.random()}`, { indexedDB, IDBKeyRange });
    const theirs = foreign(60);
    const d = await saveDataset(db, { name: 'theirs', examples: theirs });
    let model: typeof embedded | null = null;
    const handlers = dataRequests({ db: () => db, model: () => model, appBaseUrl: () => 'http://127.0.0.1:1/', datasetInUse: () => null });
    expect(await handlers.datasetUnseenTokens({ datasetId: d.id }, () => undefined)).toBeNull();
    model = embedded;
    const rows = await db.examples.where('[datasetId+split+included]').equals([d.id, 'train', 1]).toArray();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(theirs.length);
    const counted = await handlers.datasetUnseenTokens({ datasetId: d.id }, () => undefined);
    expect(counted).toEqual({ ...unseenByHand(rows.map((r) => r.example), embedded.tokensWithEmbedding!), examples: rows.length, known: 547, vocab: 151_936 });
    // A model with an embedding for every token has nothing to say.
    model = { ...embedded, tokensWithEmbedding: undefined };
    expect(await handlers.datasetUnseenTokens({ datasetId: d.id }, () => undefined)).toBeNull();
    db.close();
  });
});
