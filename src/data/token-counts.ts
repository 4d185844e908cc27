// Each example's token counts, counted once per dataset and tokenizer and kept: the length chart,
// the truncation note and the reasoning note all read them. Each of those views used to tokenize the whole dataset
// again on every visit (60k examples: minutes each, with every token of every example held in
// memory only to be counted). Examples added since (HDR) are counted when next asked; counts of
// examples gone are dropped. Counted in slices that yield, so the worker answers other requests.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { StudioDb, TokenCountsRow } from './db.ts';
import type { ExampleProfile } from './tokenize-example.ts';
import { openTokenizeThreads, profileOutcome } from './tokenize-pool.ts';
import type { ProfileOutcome } from './tokenize-threads.ts';

const FIELDS = 6;
/** Tokenizers whose counts are kept per dataset (a 60k-example dataset's are about 2 MB each). */
const KEPT_TOKENIZERS = 4;
/** Rows read from the database at a time (on threads, enough for each of up to 8 a few chunks). */
const READ_PAGE = 2048;
/** Examples tokenized between yields and progress reports. */
const SLICE = 64;

export interface TokenCountOptions {
  onProgress?(done: number, total: number): void;
}

/** The dataset's examples in order, each with its counts (null: the template could not render it). */
export type DatasetTokenCounts = Array<{ id: string; counts: ExampleProfile | null }>;

function decode(counts: Int32Array, i: number): ExampleProfile | null {
  const o = i * FIELDS;
  return counts[o] < 0 ? null : { total: counts[o], minimum: counts[o + 1], prompt: counts[o + 2], cot: counts[o + 3], call: counts[o + 4], full: counts[o + 5] };
}

function encode(datasetId: string, tokenizer: string, list: DatasetTokenCounts): TokenCountsRow {
  const counts = new Int32Array(list.length * FIELDS).fill(-1);
  list.forEach((e, i) => {
    if (e.counts) counts.set([e.counts.total, e.counts.minimum, e.counts.prompt, e.counts.cot, e.counts.call, e.counts.full], i * FIELDS);
  });
  return { datasetId, tokenizer, ids: list.map((e) => e.id), counts, countedAt: Date.now() };
}

/** Counts every example of the dataset with `tokenizer`, reusing the counts kept for it.
 * `tokenizerKey` names what counted in what is kept (tokenizerFingerprint: its files, template
 * included); counts kept under another key are counted again. */
export async function datasetTokenCounts(db: StudioDb, datasetId: string, tokenizer: PreTrainedTokenizer, tokenizerKey: string, options: TokenCountOptions = {}): Promise<DatasetTokenCounts> {
  const keys = (await db.examples.where('[datasetId+ord]').between([datasetId, -Infinity], [datasetId, Infinity]).primaryKeys()) as Array<[string, string]>;
  const ids = keys.map((k) => k[1]);
  const known = new Map<string, ExampleProfile | null>();
  const kept = await db.tokenizerCounts.get([datasetId, tokenizerKey]);
  // Counts kept with fewer fields per example (before `full`) are counted again.
  const usable = kept?.tokenizer === tokenizerKey && kept.counts.length === kept.ids.length * FIELDS;
  if (usable) kept.ids.forEach((id, i) => known.set(id, decode(kept.counts, i)));
  const missing = ids.filter((id) => !known.has(id));
  let done = ids.length - missing.length;
  options.onProgress?.(done, ids.length);
  // On threads where the host has them (tokenize-threads.ts); what they leave, here.
  const pool = openTokenizeThreads(tokenizer, missing.length);
  try {
    for (let at = 0; at < missing.length; at += READ_PAGE) {
      const rows = (await db.examples.bulkGet(missing.slice(at, at + READ_PAGE).map((id): [string, string] => [datasetId, id]))).filter((r) => r !== undefined); // deleted meanwhile: gone
      await pool?.run(rows.map((r) => r.example), { kind: 'profile' }, (from, outcomes) => {
        (outcomes as ProfileOutcome[]).forEach((counts, k) => known.set(rows[from + k].id, counts));
        done += outcomes.length;
        options.onProgress?.(done, ids.length);
      });
      for (const row of rows) {
        if (known.has(row.id)) continue;
        // null: the template cannot render it; training names it, it counts as nothing here.
        known.set(row.id, profileOutcome(tokenizer, row.example));
        if (++done % SLICE === 0) {
          options.onProgress?.(done, ids.length);
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      }
    }
  } finally {
    pool?.close();
  }
  const list = ids.filter((id) => known.has(id)).map((id) => ({ id, counts: known.get(id)! }));
  options.onProgress?.(ids.length, ids.length);
  const changed = missing.length > 0 || !usable || kept.ids.length !== list.length;
  await db.transaction('rw', db.datasets, db.tokenizerCounts, async () => {
    // A dataset deleted while it was counted keeps no counts.
    if (!(await db.datasets.get(datasetId))) return;
    if (changed) await db.tokenizerCounts.put(encode(datasetId, tokenizerKey, list));
    else await db.tokenizerCounts.update([datasetId, tokenizerKey], { countedAt: Date.now() });
    const all = await db.tokenizerCounts.where('datasetId').equals(datasetId).toArray();
    const stale = all.sort((a, b) => b.countedAt - a.countedAt).slice(KEPT_TOKENIZERS);
    await db.tokenizerCounts.bulkDelete(stale.map((r): [string, string] => [datasetId, r.tokenizer]));
  });
  return list;
}

/** Drops the counts kept for one example (its text changed: an edited answer), under every
 * tokenizer; counted again when next asked. Runs inside the caller's transaction where it has one. */
export async function forgetTokenCounts(db: StudioDb, datasetId: string, exampleId: string): Promise<void> {
  for (const kept of await db.tokenizerCounts.where('datasetId').equals(datasetId).toArray()) {
    const at = kept.ids.indexOf(exampleId);
    if (at < 0) continue;
    const counts = new Int32Array(kept.counts.length - FIELDS);
    counts.set(kept.counts.subarray(0, at * FIELDS));
    counts.set(kept.counts.subarray((at + 1) * FIELDS), at * FIELDS);
    await db.tokenizerCounts.put({ ...kept, ids: kept.ids.filter((_, i) => i !== at), counts });
  }
}
