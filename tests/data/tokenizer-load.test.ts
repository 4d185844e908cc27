// A tokenizer's fingerprint names what it counts with (token counts kept in IndexedDB are keyed by
// it): it must tell apart tokenizers that differ in any file content, cost little at every load,
// and never take counts kept under the form of before for this tokenizer's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadTokenizer, tokenizerFingerprint } from '../../src/data/tokenizer-load.ts';
import { hash53 } from '../../src/data/split.ts';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { datasetTokenCounts } from '../../src/data/token-counts.ts';
import { exampleProfile } from '../../src/data/tokenize-example.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { QWEN3_TOKENIZER_DIR } from './qwen3-tokenizer.ts';

const tokenizerText = readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8');
const configText = readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8');
const config = () => JSON.parse(configText) as Record<string, unknown>;

afterEach(() => vi.restoreAllMocks());

describe('a tokenizer’s fingerprint', () => {
  it('is computed without serialising the parsed tokenizer.json again at every load', () => {
    // JSON.stringify of Qwen3's parsed tokenizer.json (4.6 million characters) took 70–120 ms of
    // every model load and every CLI command, which never asks for the fingerprint.
    const stringify = vi.spyOn(JSON, 'stringify');
    const tokenizer = loadTokenizer(tokenizerText, config());
    // The longest text serialised: the config (about 8 KB with its chat template) may be, the
    // vocabulary file must not (transformers.js itself serialises each merge pair, a few bytes each).
    const longest = stringify.mock.results.reduce((n, r) => Math.max(n, typeof r.value === 'string' ? r.value.length : 0), 0);
    expect(longest).toBeLessThan(100_000);
    expect(tokenizerFingerprint(tokenizer)).toMatch(/^[0-9a-z]+\.[0-9a-z]+$/);
  });

  it('is shared by two loads of the same files, and differs when only added tokens or only the chat template differ', () => {
    const base = tokenizerFingerprint(loadTokenizer(tokenizerText, config()));
    expect(tokenizerFingerprint(loadTokenizer(tokenizerText, config()))).toBe(base);
    // tokenizer.json's added_tokens alone (Qwen2.5's vocabulary is Qwen3's without <think>, </think>).
    const json = JSON.parse(tokenizerText);
    json.added_tokens = json.added_tokens.filter((t: { content: string }) => t.content !== '</think>');
    expect(tokenizerFingerprint(loadTokenizer(JSON.stringify(json, null, 2), config()))).not.toBe(base);
    // tokenizer_config.json's added_tokens_decoder alone.
    const decoder = config();
    delete (decoder.added_tokens_decoder as Record<string, unknown>)['151668'];
    expect(tokenizerFingerprint(loadTokenizer(tokenizerText, decoder))).not.toBe(base);
    // The chat template alone (one more newline).
    expect(tokenizerFingerprint(loadTokenizer(tokenizerText, { ...config(), chat_template: `${config().chat_template}\n` }))).not.toBe(base);
  });

  it('never takes token counts kept under the fingerprint of before for this tokenizer’s: they are counted again', async () => {
    const db = new StudioDb(`tokenizer-load-${Date.now()}-${Math.random()}`, { indexedDB, IDBKeyRange });
    const examples = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples.slice(0, 4);
    const d = await saveDataset(db, { name: 'demo', examples });
    const tokenizer = loadTokenizer(tokenizerText, config());
    // The form of before: one hash of both files serialised again, in base 36.
    const before = hash53(JSON.stringify(JSON.parse(tokenizerText)) + JSON.stringify(config())).toString(36);
    expect(tokenizerFingerprint(tokenizer)).not.toBe(before);
    await db.tokenizerCounts.put({ datasetId: d.id, tokenizer: before, ids: examples.map((e) => e.id), counts: new Int32Array(examples.length * 6).fill(7), countedAt: 1 });
    const progress: number[] = [];
    const counts = await datasetTokenCounts(db, d.id, tokenizer, tokenizerFingerprint(tokenizer), { onProgress: (done) => progress.push(done) });
    expect(progress[0]).toBe(0);
    expect(counts.map((e) => e.counts)).toEqual(examples.map((e) => exampleProfile(tokenizer, e)));
    db.close();
  });

  it('of the same files loaded again while the first is held, is that tokenizer, not one built again', () => {
    const first = loadTokenizer(tokenizerText, config());
    expect(loadTokenizer(tokenizerText, config())).toBe(first);
    expect(loadTokenizer(tokenizerText, { ...config(), chat_template: `${config().chat_template}\n` })).not.toBe(first);
  });

  it('names tokenizer.json when it is not JSON (a truncated copy), not just the parser’s words', () => {
    expect(() => loadTokenizer(tokenizerText.slice(0, 1000), config(), 'my-model/tokenizer.json')).toThrow(/^my-model\/tokenizer\.json: not valid JSON \(/);
  });
});
