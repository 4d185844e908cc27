// A run without its own sequence length counts its examples for one (defaultSeqLen) and then trains
// at it: the count tokenizes each example whole and keeps it, and training reads its ids off that
// whole tokenization where the example fits, rather than tokenizing the whole set a second time (the
// CLI did, 3.3 s of 19 for 6,000 xLAM examples). What training gets must be what tokenizing at the
// length gives, to the token, skip for skip; and the count what the Dataset panel's profiles give.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { suggestSeqLen, truncationReport } from '../../src/data/length-stats.ts';
import { exampleProfiles } from '../../src/data/tokenize-pool.ts';
import { ExampleTooLongError, tokenizeExample } from '../../src/data/tokenize-example.ts';
import { defaultSeqLen } from '../../src/jobs/data.ts';
import { tokenizeAllForTraining, wholeTokenizations } from '../../src/train/prepareData.ts';
import { qwen3Tokenizer } from '../data/qwen3-tokenizer.ts';

const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;

/** Demo examples under new ids (new objects each call: nothing tokenized before), some with earlier
 * turns of many lengths (some lose them to fit, some not even then), some the template cannot render. */
function examples(): Example[] {
  return demo.slice(0, 120).map((e, i) => {
    const id = `${e.id}-${i}`;
    if (i % 3 === 1) {
      const earlier = [
        { role: 'user' as const, content: `A question first: ${'why '.repeat(10 + 12 * (i % 17))}` },
        { role: 'assistant' as const, content: 'Ask away.' },
      ];
      return { ...e, id, messages: [...earlier, ...e.messages] };
    }
    if (i % 29 === 4) return { ...e, id, messages: [{ role: 'user' as const, content: `${e.messages.at(-1)!.content} ${'please '.repeat(300)}` }] };
    if (i % 31 === 7) return { ...e, id, messages: [{ role: 'system' as const, content: 'You call functions.' }] };
    return { ...e, id };
  });
}

const plain = (t: { id: string; inputIds: ArrayLike<number>; segments: ArrayLike<number> }) => ({ id: t.id, ids: Array.from(t.inputIds), segments: Array.from(t.segments) });

/** What tokenizing each example at `seqLen` gives, from nothing kept: the training set's reference. */
function atLength(tok: ReturnType<typeof qwen3Tokenizer>, set: Example[], seqLen: number) {
  const out = { examples: [] as ReturnType<typeof plain>[], tooLong: [] as string[], unrendered: 0 };
  for (const e of set) {
    try {
      out.examples.push(plain(tokenizeExample(tok, e, { maxLen: seqLen })));
    } catch (err) {
      if (err instanceof ExampleTooLongError) out.tooLong.push(err.message);
      else out.unrendered++;
    }
  }
  return out;
}

describe('the default sequence length and the training set from one tokenization', () => {
  it('counts as the profiles count: the same length, the same examples whole, shortened and skipped', async () => {
    const tok = qwen3Tokenizer();
    const set = examples();
    const fits = (await exampleProfiles(tok, set)).filter((p) => p !== null);
    const { seqLen, report } = await defaultSeqLen(tok, set);
    expect(seqLen).toBe(suggestSeqLen(fits.map((f) => f.full)));
    expect(report).toEqual(truncationReport(fits, seqLen));
    // The set is built so all three happen at the length it suggests, and at a shorter one.
    expect(report.shortened).toBeGreaterThan(0);
    expect(report.skipped).toBeGreaterThan(0);
    expect((await defaultSeqLen(tok, examples(), 256)).report).toEqual(truncationReport(fits, 256));
  });

  it('trains on what tokenizing at the length gives, token for token, with the same examples skipped and named', async () => {
    const tok = qwen3Tokenizer();
    const set = examples();
    const { seqLen } = await defaultSeqLen(tok, set);
    const trained = await tokenizeAllForTraining(tok, set, seqLen);
    const want = atLength(tok, set, seqLen);
    expect(trained.examples.map(plain)).toEqual(want.examples);
    expect(trained.tooLong).toEqual(want.tooLong);
    expect(trained.unrendered).toHaveLength(want.unrendered);
    expect(want.unrendered).toBeGreaterThan(0);
    // Other lengths after the same count: one that cuts the prompt tail of an example that fits
    // exactly (its newline after the end-of-turn token goes), and shorter ones.
    const wholes = await wholeTokenizations(tok, set);
    const exact = wholes.find((w) => w !== null && w.segments[w.segments.length - 1] === 0)!;
    const cut = exact.inputIds.length - 1;
    for (const len of [cut, 200, 128]) {
      const at = await tokenizeAllForTraining(tok, set, len);
      const ref = atLength(tok, set, len);
      expect(at.examples.map(plain), `at ${len}`).toEqual(ref.examples);
      expect(at.tooLong, `at ${len}`).toEqual(ref.tooLong);
    }
    expect((await tokenizeAllForTraining(tok, set, cut)).examples.find((e) => e.id === exact.id)!.inputIds).toHaveLength(cut);
  });

  it('renders again only the examples that must lose earlier turns', async () => {
    const tok = qwen3Tokenizer();
    const set = examples();
    const { seqLen } = await defaultSeqLen(tok, set);
    const wholes = await wholeTokenizations(tok, set); // kept by the count: nothing renders
    const renders = vi.spyOn(tok, 'apply_chat_template');
    try {
      const trained = await tokenizeAllForTraining(tok, set, seqLen);
      const fitWhole = wholes.filter((w) => w !== null && trained.examples.some((t) => t.id === w.id && t.inputIds.length === Math.min(w.inputIds.length, seqLen))).length;
      expect(fitWhole).toBeGreaterThan(60);
      // Only an example that does not fit whole and has earlier turns to leave out is tokenized again
      // (whole, then without them: the conversation and its prompt each time, four renders); none
      // that fits whole renders, nor one too long with no earlier turns, nor one the template cannot render.
      const again = set.filter((e, i) => {
        const w = wholes[i];
        return w !== null && !trained.examples.some((t) => t.id === e.id && t.inputIds.length === Math.min(w.inputIds.length, seqLen)) && e.messages.filter((m) => m.role === 'user').length > 1;
      }).length;
      expect(again).toBeGreaterThan(0);
      expect(renders.mock.calls.length).toBe(again * 4);
      // A whole that did not fit is not held after: trained at a length every example fits whole
      // (another run on the same examples), only those render again (the conversation and its prompt).
      renders.mockClear();
      const longest = Math.max(...wholes.map((w) => (w ? w.inputIds.length : 0)));
      const all = await tokenizeAllForTraining(tok, set, longest);
      expect(all.examples).toHaveLength(wholes.filter((w) => w !== null).length);
      const notFitting = wholes.filter((w) => w !== null && !trained.examples.some((t) => t.id === w.id && t.inputIds.length === Math.min(w.inputIds.length, seqLen))).length;
      expect(renders.mock.calls.length).toBe(notFitting * 2);
    } finally {
      renders.mockRestore();
    }
  });
});
