// The Training form's sequence length follows the chosen dataset's suggestion until the user types
// one (as `studio train --seq` defaults to it): a fixed 320 skipped most examples of any dataset
// longer than the demo's. Typed, the length is kept; "Use N" follows the data again.
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press, recordingJsxRuntime } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => recordingJsxRuntime(original));
const truncation = vi.hoisted(() => ({ value: null as unknown }));
vi.mock('../../src/state/datasetViews.ts', () => ({
  useTruncation: (_id: string, seqLen: number) => ({ value: truncation.value && { ...(truncation.value as object), seqLen }, error: null }),
  useBatchLayout: () => null,
  useSuggestedSeqLen: (id: string | null) => (id ? (truncation.value as { suggestedSeqLen?: number } | null)?.suggestedSeqLen : undefined),
  useTrainedExamples: (id: string | null) => (id && truncation.value ? 10 : null),
}));

const prefs = new Map<string, string>();
const g = globalThis as { localStorage?: unknown };
const before = g.localStorage;
beforeEach(() => {
  prefs.clear();
  g.localStorage = { getItem: (k: string) => prefs.get(k) ?? null, setItem: (k: string, v: string) => void prefs.set(k, v), removeItem: (k: string) => void prefs.delete(k) };
  vi.resetModules();
});
afterEach(() => {
  g.localStorage = before;
});

const stores = async () => ({
  ...(await import('../../src/state/runStore.ts')),
  ...(await import('../../src/state/seqLenFollowsData.ts')),
  TruncationNote: (await import('../../src/ui/training/TruncationNote.tsx')).TruncationNote,
  RunLengthNote: (await import('../../src/ui/training/RunLengthNote.tsx')).RunLengthNote,
});
const text = (html: string) => html.replace(/<!-- -->/g, '').replace(/<[^>]+>/g, '');

describe('the sequence length that follows the data', () => {
  it('is the data’s suggestion within the model’s context, unless typed, while no run trains, once counted', async () => {
    const { dataSeqLen } = await stores();
    const follow = { follows: true, training: false, seqLen: 320, suggested: 704, context: 32768 };
    expect(dataSeqLen(follow)).toBe(704);
    expect(dataSeqLen({ ...follow, context: 512 })).toBe(512);
    expect(dataSeqLen({ ...follow, context: undefined })).toBe(704);
    expect(dataSeqLen({ ...follow, seqLen: 704 })).toBeNull();
    expect(dataSeqLen({ ...follow, follows: false })).toBeNull();
    expect(dataSeqLen({ ...follow, training: true })).toBeNull();
    expect(dataSeqLen({ ...follow, suggested: undefined })).toBeNull();
  });

  it('stops following once a length is typed, and follows again from “Use N”, kept across reloads', async () => {
    const { useRuns } = await stores();
    expect(useRuns.getState().seqLenFollowsData).toBe(true);
    useRuns.getState().chooseSeqLen(200);
    expect(useRuns.getState()).toMatchObject({ seqLenFollowsData: false, draft: { seqLen: 200 } });
    vi.resetModules();
    const reloaded = (await stores()).useRuns;
    expect(reloaded.getState()).toMatchObject({ seqLenFollowsData: false, draft: { seqLen: 200 } });
    reloaded.getState().followDataSeqLen(704);
    vi.resetModules();
    expect((await stores()).useRuns.getState()).toMatchObject({ seqLenFollowsData: true, draft: { seqLen: 704 } });
  });

  it('takes a length kept from before the choice existed as typed where it is not the form’s default', async () => {
    prefs.set('studio.runDraft', JSON.stringify({ seqLen: 512 }));
    expect((await stores()).useRuns.getState().seqLenFollowsData).toBe(false);
    vi.resetModules();
    prefs.set('studio.runDraft', JSON.stringify({ seqLen: 320, steps: 40 }));
    expect((await stores()).useRuns.getState().seqLenFollowsData).toBe(true);
  });

  it('is said in the truncation note: followed, or offered with “Use N”, which follows the data again', async () => {
    const { useRuns, TruncationNote } = await stores();
    truncation.value = { report: { examples: 10, whole: 2, shortened: 0, skipped: 8 }, suggestedSeqLen: 704, tokenizer: 'test tokenizer' };
    useRuns.getState().followDataSeqLen(704);
    const followed = text(renderNow(createElement(TruncationNote, { datasetId: 'd', disabled: false })));
    expect(followed).toContain('The data suggests 704 (95% of examples fit whole; counted with the test tokenizer). The form takes it from the data chosen, until you type a length of your own.');
    expect(followed).not.toContain('Use 704');
    useRuns.getState().chooseSeqLen(320);
    const typed = text(renderNow(createElement(TruncationNote, { datasetId: 'd', disabled: false })));
    expect(typed).toContain('Use 704 (and follow the data chosen from now on)');
    expect(typed).not.toContain('The form takes it from the data chosen');
    press('Use 704');
    expect(useRuns.getState()).toMatchObject({ seqLenFollowsData: true, draft: { seqLen: 704 } });
  });

  it('is the length the form and its notes say from the render the counts arrive in, before the draft takes it', async () => {
    const { useRuns, TruncationNote, RunLengthNote, useRunSeqLen } = await stores();
    // Counted just now: the draft still holds the form's default; the layout effect moves it after this render.
    truncation.value = { report: { examples: 10, whole: 10, shortened: 0, skipped: 0 }, suggestedSeqLen: 704, tokenizer: 'test tokenizer' };
    expect(useRuns.getState()).toMatchObject({ seqLenFollowsData: true, draft: { seqLen: 320 } });
    expect(text(renderNow(createElement(TruncationNote, { datasetId: 'd', disabled: false })))).toContain('Sequence length 704: all 10 training examples fit whole.');
    expect(text(renderNow(createElement(TruncationNote, { datasetId: 'd', disabled: false })))).toContain('The form takes it from the data chosen');
    expect(renderNow(createElement(RunLengthNote, { datasetId: 'd', disabled: false }))).toContain('data-examples="10"');
    let seen = 0;
    renderNow(createElement(() => ((seen = useRunSeqLen('d')), null)));
    expect(seen).toBe(704);
    // Typed, the draft's length is the run's, whatever the data suggests.
    useRuns.getState().chooseSeqLen(256);
    renderNow(createElement(() => ((seen = useRunSeqLen('d')), null)));
    expect(seen).toBe(256);
    expect(text(renderNow(createElement(TruncationNote, { datasetId: 'd', disabled: false })))).toContain('Sequence length 256:');
  });
});
