// A dataset's token counts are counted once and kept: the length chart, the truncation note and the
// reasoning note each tokenized the whole dataset again on every visit (a 60k-example set: about six
// minutes per view per visit in Chromium, with every token held only to be counted). Examples added
// later are counted alone; the worker's views read the kept counts.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { exampleRows, saveDataset } from '../../src/data/dataset-store.ts';
import { datasetTokenCounts } from '../../src/data/token-counts.ts';
import { exampleFit, exampleProfile, tokenizeExample } from '../../src/data/tokenize-example.ts';
import { renderPrompt } from '../../src/data/render-prompt.ts';
import { dataRequests, EMBEDDED_TOKENIZER_NAME } from '../../src/worker/dataRequests.ts';
import { DEFAULT_SPLIT, sideOf } from '../../src/data/split.ts';
import { minableExamples } from '../../src/hdr/rounds.ts';
import { EMBEDDED_MODEL_REF } from '../../src/worker/modelSource.ts';
import { qwen25Tokenizer, qwen3Tokenizer } from './qwen3-tokenizer.ts';
import type { LoadedModel } from '../../src/jobs/context.ts';
import { tokenizerFromModel } from '../../src/train/prepareData.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples.slice(0, 40);
/** A full collection, and the turns after it that clear WeakRefs (Node exposes gc() only when asked). */
async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) {
    await new Promise((ok) => setTimeout(ok, 0));
    gc();
  }
}
const freshDb = () => new StudioDb(`token-counts-${Date.now()}-${Math.random()}`, { indexedDB, IDBKeyRange });

describe('a dataset’s token counts', () => {
  it('are each example’s counts, kept, and not counted again', async () => {
    const db = freshDb();
    const tok = qwen3Tokenizer();
    const d = await saveDataset(db, { name: 'demo', examples: demo });
    const first: number[] = [];
    const counts = await datasetTokenCounts(db, d.id, tok, 'qwen3', { onProgress: (done) => first.push(done) });
    expect(counts.map((e) => e.id)).toEqual(demo.map((e) => e.id));
    for (const [i, e] of demo.entries()) {
      const whole = tokenizeExample(tok, e);
      expect(counts[i].counts).toEqual({ ...exampleFit(tok, e), ...whole.counts });
      expect(counts[i].counts!.total).toBe(whole.inputIds.length);
    }
    expect(first[0]).toBe(0);
    expect((await db.tokenizerCounts.get([d.id, 'qwen3']))?.ids).toHaveLength(40);
    // Asked again (another view, another visit): nothing left to count.
    const again: number[] = [];
    expect(await datasetTokenCounts(db, d.id, tok, 'qwen3', { onProgress: (done) => again.push(done) })).toEqual(counts);
    expect(again).toEqual([40, 40]);
    // Another tokenizer's counts are not these.
    const other: number[] = [];
    await datasetTokenCounts(db, d.id, tok, 'another', { onProgress: (done) => other.push(done) });
    expect(other[0]).toBe(0);
    db.close();
  });

  it('are kept for each tokenizer: switching back to a model counted before counts nothing again', async () => {
    // One row per dataset held one tokenizer's counts: a user comparing two models counted the
    // whole dataset again at every switch (minutes for a large dataset, each time).
    const db = freshDb();
    const tok = qwen3Tokenizer();
    const d = await saveDataset(db, { name: 'demo', examples: demo.slice(0, 10) });
    await datasetTokenCounts(db, d.id, tok, 'first');
    await datasetTokenCounts(db, d.id, tok, 'second');
    const back: number[] = [];
    await datasetTokenCounts(db, d.id, tok, 'first', { onProgress: (done) => back.push(done) });
    expect(back).toEqual([10, 10]);
    // A few tokenizers' counts are kept per dataset, the least recently counted dropped first.
    for (const key of ['third', 'fourth', 'fifth']) await datasetTokenCounts(db, d.id, tok, key);
    expect((await db.tokenizerCounts.where('datasetId').equals(d.id).toArray()).map((r) => r.tokenizer).sort()).toEqual(['fifth', 'first', 'fourth', 'third']);
    db.close();
  });

  it('count only the examples added since, and drop those gone; a deleted dataset keeps none', async () => {
    const db = freshDb();
    const tok = qwen3Tokenizer();
    const d = await saveDataset(db, { name: 'demo', examples: demo.slice(0, 30) });
    await datasetTokenCounts(db, d.id, tok, 'qwen3');
    // As HDR adds accepted samples: new rows after the last.
    await db.examples.bulkAdd(exampleRows(d.id, demo.slice(30).map((e) => ({ ...e, id: `hdr-${e.id}` })), d.split).map((r, i) => ({ ...r, ord: 30 + i })));
    await db.examples.delete([d.id, demo[0].id]);
    const progress: number[] = [];
    const counts = await datasetTokenCounts(db, d.id, tok, 'qwen3', { onProgress: (done) => progress.push(done) });
    expect(progress[0]).toBe(29); // 29 kept, 10 new
    expect(counts).toHaveLength(39);
    expect(counts.at(-1)).toEqual({ id: `hdr-${demo[39].id}`, counts: exampleProfile(tok, demo[39]) });
    expect(counts.some((e) => e.id === demo[0].id)).toBe(false);
    await db.datasets.delete(d.id);
    await datasetTokenCounts(db, d.id, tok, 'qwen3');
    expect(await db.tokenizerCounts.count()).toBe(1); // still the earlier row, not rewritten for a gone dataset
    db.close();
  });

  it('are counted again when kept with fewer numbers per example than they now hold', async () => {
    // Counts kept before `full` (what an example needs with every turn kept) had five numbers
    // each: read as six, every example's counts would be another's.
    const db = freshDb();
    const tok = qwen3Tokenizer();
    const d = await saveDataset(db, { name: 'demo', examples: demo.slice(0, 3) });
    await db.tokenizerCounts.put({ datasetId: d.id, tokenizer: 'qwen3', ids: demo.slice(0, 3).map((e) => e.id), counts: new Int32Array(15).fill(7), countedAt: 1 });
    const progress: number[] = [];
    const counts = await datasetTokenCounts(db, d.id, tok, 'qwen3', { onProgress: (done) => progress.push(done) });
    expect(progress[0]).toBe(0);
    expect(counts.map((e) => e.counts)).toEqual(demo.slice(0, 3).map((e) => exampleProfile(tok, e)));
    expect((await db.tokenizerCounts.get([d.id, 'qwen3']))?.counts).toHaveLength(18);
    db.close();
  });
});

describe('the worker’s length views', () => {
  // The worker fetches the embedded model's tokenizer from the app's base URL.
  const served: string[] = [];
  const server = createServer(async (req, res) => {
    served.push(new URL(req.url ?? '/', 'http://x').pathname);
    try {
      res.end(await readFile(join('public', new URL(req.url ?? '/', 'http://x').pathname)));
    } catch {
      res.writeHead(404).end();
    }
  });
  const listening = new Promise<string>((ok) => server.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)));
  afterAll(() => server.close());

  it('the chart and the truncation note share one count, and read the kept counts afterwards', async () => {
    const db = freshDb();
    const d = await saveDataset(db, { name: 'demo', examples: demo });
    const base = await listening;
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => base, datasetInUse: () => null });
    const progress: Array<{ who: string; done: number }> = [];
    const [lengths, fits] = await Promise.all([
      handlers.datasetLengths({ datasetId: d.id, bins: 8 }, (p) => progress.push({ who: 'chart', done: p.done })),
      handlers.datasetFits({ datasetId: d.id }, (p) => progress.push({ who: 'note', done: p.done })),
    ]);
    // One count: both views heard the same progress, and the examples were tokenized once.
    expect(progress.filter((p) => p.who === 'chart').map((p) => p.done)).toEqual(progress.filter((p) => p.who === 'note').map((p) => p.done));
    const tok = qwen3Tokenizer();
    const profiles = demo.map((e) => exampleProfile(tok, e));
    expect(lengths.stats.examples).toBe(40);
    expect(lengths.cot).toEqual(profiles.map((p) => p.cot));
    expect(lengths.failed).toBe(0);
    const trainIds = new Set((await db.examples.where('[datasetId+split+included]').equals([d.id, 'train', 1]).toArray()).map((r) => r.id));
    expect(fits.fits).toEqual(demo.filter((e) => trainIds.has(e.id)).map((e) => exampleFit(tok, e)));
    // Excluding an example changes what training takes, not the counts.
    await db.examples.update([d.id, [...trainIds][0]], { included: 0 });
    const later: number[] = [];
    const fewer = await handlers.datasetFits({ datasetId: d.id }, (p) => later.push(p.done));
    expect(fewer.fits).toHaveLength(fits.fits.length - 1);
    expect(later[0]).toBe(40);
    db.close();
  });

  it('the reasoning share the Training panel weighs SSB by is of the examples training takes', async () => {
    // The "little reasoning" note averaged every example, the held-out side and left-out ones
    // included: a training side without reasoning was called fine for SSB because the held-out
    // examples carried plenty, and the other way round.
    const db = freshDb();
    const sides = await saveDataset(db, { name: 'sides', examples: demo });
    const trainIds = new Set((await db.examples.where('[datasetId+split+included]').equals([sides.id, 'train', 1]).toArray()).map((r) => r.id));
    // The same examples (ids, so the same split), the training side's without reasoning.
    const examples = demo.map((e) => (trainIds.has(e.id) ? { ...e, target: { ...e.target, reasoning: undefined } } : e));
    const d = await saveDataset(db, { name: 'no reasoning to train', examples });
    const base = await listening;
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => base, datasetInUse: () => null });
    const fits = await handlers.datasetFits({ datasetId: d.id }, () => undefined);
    const tok = qwen3Tokenizer();
    const trained = examples.filter((e) => trainIds.has(e.id)).map((e) => exampleProfile(tok, e));
    const cot = trained.reduce((s, p) => s + p.cot, 0);
    const call = trained.reduce((s, p) => s + p.call, 0);
    expect(cot).toBe(0);
    expect(fits.reasoning).toEqual({ meanCotPerExample: 0, meanCallPerExample: call / trained.length, callShare: 1 });
    // The whole dataset's (the Dataset panel's chart) still has the held-out side's reasoning.
    expect((await handlers.datasetLengths({ datasetId: d.id, bins: 4 }, () => undefined)).stats.callShare).toBeLessThan(1);
    db.close();
  });

  it('the truncation note’s answer names the longest prompt evaluation and HDR will decode', async () => {
    // Evaluation and HDR render prompts whole, whatever the training length: the memory plan sized
    // their cache for prompts up to the training length, and nothing told it the data's longest.
    const db = freshDb();
    const long = { ...demo[1], id: 'long', messages: [{ role: 'user' as const, content: `${'Please check the weather in every town. '.repeat(60)}` }] };
    const d = await saveDataset(db, { name: 'demo', examples: [...demo.slice(0, 10), long] });
    const base = await listening;
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => base, datasetInUse: () => null });
    const fits = await handlers.datasetFits({ datasetId: d.id }, () => undefined);
    const tok = qwen3Tokenizer();
    // Every example, the held-out side included (evaluation takes that side, HDR mines the other).
    expect(fits.longestPrompt).toBe(Math.max(...[...demo.slice(0, 10), long].map((e) => renderPrompt(tok, e).ids.length)));
    expect(fits.longestPrompt).toBe(renderPrompt(tok, long).ids.length);
    db.close();
  });

  it('the longest prompt is of the examples a job may decode: one left out of both sides is not', async () => {
    // An example the user left out (or one the quality check flagged) is never evaluated nor mined,
    // yet its prompt sized the memory plan's generation cache: one over-long broken record made the
    // plan say a setup did not fit.
    const db = freshDb();
    const long = { ...demo[1], id: 'long', messages: [{ role: 'user' as const, content: `${'Please check the weather in every town. '.repeat(60)}` }] };
    const d = await saveDataset(db, { name: 'demo', examples: [...demo.slice(0, 10), long] });
    const base = await listening;
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => base, datasetInUse: () => null });
    const tok = qwen3Tokenizer();
    const longest = renderPrompt(tok, long).ids.length;
    expect((await handlers.datasetFits({ datasetId: d.id }, () => undefined)).longestPrompt).toBe(longest);
    // Left out from the Dataset panel (the worker request): the kept counts answer, without it.
    await handlers.setExampleIncluded({ datasetId: d.id, exampleId: 'long', included: false }, () => undefined);
    const fits = await handlers.datasetFits({ datasetId: d.id }, () => undefined);
    expect(fits.longestPrompt).toBe(Math.max(...demo.slice(0, 10).map((e) => renderPrompt(tok, e).ids.length)));
    expect(fits.longestPrompt).toBeLessThan(longest);
    // Included again: counted again at once.
    await handlers.setExampleIncluded({ datasetId: d.id, exampleId: 'long', included: true }, () => undefined);
    expect((await handlers.datasetFits({ datasetId: d.id }, () => undefined)).longestPrompt).toBe(longest);
    db.close();
  });

  it('names the prompts HDR mines, in its order: the training side\'s own, not the held-out side\'s, left-out ones or HDR samples', async () => {
    // The memory plan took HDR's retraining length from the longest prompt of either side: a long
    // held-out question (never mined) made the page plan an HDR longer than the one that runs.
    const db = freshDb();
    const content = `${'Please check the weather in every town. '.repeat(60)}`;
    const heldOut = Array.from({ length: 200 }, (_, i) => ({ ...demo[1], id: `long-${i}`, messages: [{ role: 'user' as const, content: `${content}(${i})` }] })).find((e) => sideOf(e, DEFAULT_SPLIT) === 'eval')!;
    const sample = { ...demo[0], id: `${demo[0].id}#hdr1.0`, source: 'hdr' as const, hdrRound: 1 };
    const d = await saveDataset(db, { name: 'demo', examples: [...demo.slice(0, 10), heldOut, sample] });
    const base = await listening;
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => base, datasetInUse: () => null });
    const tok = qwen3Tokenizer();
    const train = (await db.examples.where('[datasetId+split+included]').equals([d.id, 'train', 1]).toArray()).sort((a, b) => a.ord - b.ord).map((r) => r.example);
    expect(train.map((e) => e.id)).toContain(sample.id);
    const fits = await handlers.datasetFits({ datasetId: d.id }, () => undefined);
    // The cache still holds the held-out prompt; HDR mines only the training side's own examples.
    expect(fits.longestPrompt).toBe(renderPrompt(tok, heldOut).ids.length);
    expect(fits.minedPrompts).toEqual(minableExamples(train).map((e) => renderPrompt(tok, e).ids.length));
    expect(Math.max(...fits.minedPrompts)).toBeLessThan(fits.longestPrompt);
    // One left out from the Dataset panel is not mined either.
    await handlers.setExampleIncluded({ datasetId: d.id, exampleId: train[0].id, included: false }, () => undefined);
    expect((await handlers.datasetFits({ datasetId: d.id }, () => undefined)).minedPrompts).toEqual(fits.minedPrompts.slice(1));
    db.close();
  });

  it('count with the loaded model’s tokenizer, which training uses, and with the embedded one when none is loaded', async () => {
    // The views counted with the embedded Qwen3 tokenizer whatever model was loaded: a user with
    // another model (another template, another vocabulary) saw lengths and "too long" counts that
    // training, which tokenizes with the model's own tokenizer, did not bear out.
    const db = freshDb();
    const d = await saveDataset(db, { name: 'demo', examples: demo.slice(0, 12) });
    const base = await listening;
    const other = qwen25Tokenizer("<|im_start|>system\nCutting Knowledge Date: December 2023, a preamble of this template's own{% for t in tools %}\n{{ t | tojson }}{% endfor %}<|im_end|>\n{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
    let model: LoadedModel | null = { ref: 'meta-llama/Llama-3.2-1B-Instruct', tokenizer: other } as LoadedModel;
    const handlers = dataRequests({ db: () => db, model: () => model, appBaseUrl: () => base, datasetInUse: () => null });
    const trainIds = new Set((await db.examples.where('[datasetId+split+included]').equals([d.id, 'train', 1]).toArray()).map((r) => r.id));
    const train = demo.slice(0, 12).filter((e) => trainIds.has(e.id));
    const withModel = await handlers.datasetFits({ datasetId: d.id }, () => undefined);
    expect(withModel.fits).toEqual(train.map((e) => exampleFit(other, e)));
    expect(withModel.tokenizer).toContain('meta-llama/Llama-3.2-1B-Instruct');
    const lengths = await handlers.datasetLengths({ datasetId: d.id, bins: 4 }, () => undefined);
    expect(lengths.cot).toEqual(demo.slice(0, 12).map((e) => exampleProfile(other, e).cot));
    const view = await handlers.exampleTokens({ example: demo[0] }, () => undefined);
    expect(view.counts).toEqual(tokenizeExample(other, demo[0]).counts);
    expect(view.tokenizer).toBe(withModel.tokenizer);
    // Unloaded: the embedded tokenizer's counts again, not the kept counts of the other one.
    model = null;
    const embedded = await handlers.datasetFits({ datasetId: d.id }, () => undefined);
    expect(embedded.fits).toEqual(train.map((e) => exampleFit(qwen3Tokenizer(), e)));
    expect(embedded.fits).not.toEqual(withModel.fits);
    db.close();
  });

  it('count with the embedded model’s own tokenizer once it is loaded, not one built again from the same files', async () => {
    // With the embedded model loaded (the guided demo loads it), the first view fetched its 11 MB
    // tokenizer.json again and built a second tokenizer from it: about half a second the view
    // waited, and a second copy of the vocabulary held for as long as the worker lives.
    const db = freshDb();
    const d = await saveDataset(db, { name: 'demo', examples: demo.slice(0, 6) });
    const base = await listening;
    const tok = qwen3Tokenizer();
    const handlers = dataRequests({ db: () => db, model: () => ({ ref: EMBEDDED_MODEL_REF, tokenizer: tok }) as LoadedModel, appBaseUrl: () => base, datasetInUse: () => null });
    served.length = 0;
    const lengths = await handlers.datasetLengths({ datasetId: d.id, bins: 4 }, () => undefined);
    expect(served).toEqual([]);
    expect(lengths.tokenizer).toBe(EMBEDDED_TOKENIZER_NAME);
    expect(lengths.cot).toEqual(demo.slice(0, 6).map((e) => exampleProfile(tok, e).cot));
    db.close();
  });

  it('built the embedded tokenizer for the views: loading the embedded model afterwards builds no second one', async () => {
    // The views (a dataset shown before any model is loaded) built the embedded tokenizer, and
    // loading the embedded model then parsed its 11 MB tokenizer.json and built it all again:
    // about 0.4 s more of the load, and 46 MiB more held while both lived.
    const db = freshDb();
    const d = await saveDataset(db, { name: 'demo', examples: demo.slice(0, 4) });
    const base = await listening;
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => base, datasetInUse: () => null });
    await handlers.datasetLengths({ datasetId: d.id, bins: 4 }, () => undefined);
    const files = new Map(['tokenizer.json', 'tokenizer_config.json'].map((name) => [name, new Uint8Array(readFileSync(join('public/models/tiny-qwen3', name)))]));
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const tokenizer = await tokenizerFromModel(memoryModelFiles(files, EMBEDDED_MODEL_REF));
      expect(parse.mock.calls.filter(([text]) => text.length > 1e6)).toEqual([]);
      expect(tokenizer.encode('hello').length).toBeGreaterThan(0);
    } finally {
      parse.mockRestore();
    }
    db.close();
  });

  it('let go of the embedded tokenizer built for the views once another model is loaded', async () => {
    // Built for a dataset shown before any model was loaded, it stayed held (46 MiB) for the
    // worker's life while the views counted with the loaded model's tokenizer.
    const db = freshDb();
    const d = await saveDataset(db, { name: 'demo', examples: demo.slice(0, 4) });
    // Served with a config of its own: the same files as this file's other tokenizers would give
    // the one they hold (the same files give the same tokenizer while something holds it).
    const files: Record<string, string> = {
      'tokenizer.json': readFileSync(join('public/models/tiny-qwen3/tokenizer.json'), 'utf8'),
      'tokenizer_config.json': JSON.stringify({ ...JSON.parse(readFileSync(join('public/models/tiny-qwen3/tokenizer_config.json'), 'utf8')), model_max_length: 4321 }),
    };
    const fetched = vi.spyOn(globalThis, 'fetch').mockImplementation(async (url) => new Response(files[String(url).split('/').pop()!]));
    let model: LoadedModel | null = null;
    const handlers = dataRequests({ db: () => db, model: () => model, appBaseUrl: () => 'http://studio.test/', datasetInUse: () => null });
    try {
      await handlers.datasetLengths({ datasetId: d.id, bins: 4 }, () => undefined);
    } finally {
      fetched.mockRestore();
    }
    const viewsTokenizer = new WeakRef(loadTokenizer(files['tokenizer.json'], JSON.parse(files['tokenizer_config.json'])));
    model = { ref: 'meta-llama/Llama-3.2-1B-Instruct', tokenizer: qwen3Tokenizer() } as LoadedModel;
    await handlers.datasetLengths({ datasetId: d.id, bins: 4 }, () => undefined);
    await collectGarbage();
    expect(viewsTokenizer.deref()).toBeUndefined();
    db.close();
  });

  it('count again when the loaded tokenizer or template changes under the same model name, and not when only the name does', async () => {
    // Kept counts were keyed by the model's name: a dropped folder dropped again with its chat
    // template edited (`local:model` both times) kept the first template's counts, so the suggested
    // length, the chart and the memory plan showed numbers training no longer bore out; and a second
    // model with the very same tokenizer and template counted the whole dataset again.
    const db = freshDb();
    const d = await saveDataset(db, { name: 'demo', examples: demo.slice(0, 12) });
    const base = await listening;
    const template = (preamble: string) => `<|im_start|>system\n${preamble}{% for t in tools %}\n{{ t | tojson }}{% endfor %}<|im_end|>\n{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}`;
    const before = qwen25Tokenizer(template('short'));
    const edited = qwen25Tokenizer(template('a much longer preamble that the edited template now prints before every tool list'));
    let model = { ref: 'local:model', tokenizer: before } as LoadedModel;
    const handlers = dataRequests({ db: () => db, model: () => model, appBaseUrl: () => base, datasetInUse: () => null });
    const first = await handlers.datasetLengths({ datasetId: d.id, bins: 4 }, () => undefined);
    expect(first.stats.examples).toBe(12);
    model = { ref: 'local:model', tokenizer: edited } as LoadedModel;
    const again = await handlers.datasetFits({ datasetId: d.id }, () => undefined);
    const trainIds = new Set((await db.examples.where('[datasetId+split+included]').equals([d.id, 'train', 1]).primaryKeys()).map((k) => (k as [string, string])[1]));
    expect(again.fits).toEqual(demo.slice(0, 12).filter((e) => trainIds.has(e.id)).map((e) => exampleFit(edited, e)));
    // Another name, the same tokenizer and template (the same files): the kept counts serve.
    model = { ref: 'local:copy of model', tokenizer: qwen25Tokenizer(template('a much longer preamble that the edited template now prints before every tool list')) } as LoadedModel;
    const progress: number[] = [];
    const same = await handlers.datasetFits({ datasetId: d.id }, (p) => progress.push(p.done));
    expect(progress[0]).toBe(12);
    expect(same.fits).toEqual(again.fits);
    expect(same.tokenizer).toContain('local:copy of model');
    db.close();
  });

  it('the token view shows each token’s text as the example says it, with the segment training gives it', async () => {
    const base = await listening;
    const handlers = dataRequests({ db: freshDb, model: () => null, appBaseUrl: () => base, datasetInUse: () => null });
    // Greek, Devanagari and an emoji: characters split over byte tokens, which alone decode as U+FFFD.
    const example = { id: 'e', tools: [], messages: [{ role: 'user' as const, content: 'Καλημέρα, नमस्ते 🦜' }], target: { calls: [], reasoning: 'Ελληνικά 🫠', content: 'हिन्दी' } };
    const view = await handlers.exampleTokens({ example }, () => undefined);
    const tok = qwen3Tokenizer();
    const t = tokenizeExample(tok, example);
    expect(view.pieces.map((p) => p.segment)).toEqual(t.segments);
    const text = view.pieces.map((p) => p.text).join('');
    expect(text).toBe(tok.decode(t.inputIds, { skip_special_tokens: false, clean_up_tokenization_spaces: false }));
    expect(text).toContain('Ελληνικά 🫠');
    expect(text).not.toContain('\uFFFD');
  });
});
