// The Training panel's note on data the loaded model cannot read (tokens without an embedding, as
// the worker counts them): said with what to do for the embedded model and for another, and not
// said below one token in a hundred.
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => undefined }) }));
const views = vi.hoisted(() => ({ unseen: null as unknown }));
vi.mock('../../src/state/datasetViews.ts', async (original) => ({ ...(await original<typeof import('../../src/state/datasetViews.ts')>()), useUnseenTokens: () => ({ value: views.unseen, error: null }) }));

const { UnseenTokensNote } = await import('../../src/ui/training/UnseenTokensNote.tsx');
const { EMBEDDED_REF, useModel } = await import('../../src/state/modelStore.ts');

const loaded = (ref: string) => useModel.setState({ info: { ref } as never });
const text = (html: string) => html.replace(/<[^>]+>/g, '');

describe('the note on tokens the model has no embedding for', () => {
  it('names the embedded model and sends the user to a real one', () => {
    loaded(EMBEDDED_REF);
    views.unseen = { examples: 200, tokens: 10_000, unseen: 2_800, known: 547, vocab: 151_936 };
    const html = renderNow(createElement(UnseenTokensNote, { datasetId: 'd' }));
    expect(html).toContain('data-testid="unseen-tokens-note"');
    expect(text(html)).toMatch(/^28% of this data’s tokens \(counted in 200 of its training examples\) are ones the embedded tiny Qwen3 has no embedding for: it holds embeddings for only 547 of its 151,936 tokens/);
    expect(text(html)).toMatch(/It is a demo model: for your own data, load a real model \(Qwen2\.5 0\.5B Instruct or Qwen3 0\.6B\) in the Model panel\.$/);
  });

  it('names another model by its id', () => {
    loaded('someone/pruned-model');
    views.unseen = { examples: 50, tokens: 1_000, unseen: 300, known: 900, vocab: 32_000 };
    const t = text(renderNow(createElement(UnseenTokensNote, { datasetId: 'd' })));
    expect(t).toMatch(/^30% of this data’s tokens \(counted in 50 of its training examples\) are ones someone\/pruned-model has no embedding for/);
    expect(t).toMatch(/A model with an embedding for every token \(any released checkpoint\) can\.$/);
  });

  it('says nothing for data it reads, or before the count, or with no model loaded', () => {
    loaded(EMBEDDED_REF);
    views.unseen = { examples: 200, tokens: 10_000, unseen: 100, known: 547, vocab: 151_936 };
    expect(renderNow(createElement(UnseenTokensNote, { datasetId: 'd' }))).toBe('');
    views.unseen = null;
    expect(renderNow(createElement(UnseenTokensNote, { datasetId: 'd' }))).toBe('');
    views.unseen = { examples: 200, tokens: 10_000, unseen: 2_800, known: 547, vocab: 151_936 };
    useModel.setState({ info: null });
    expect(renderNow(createElement(UnseenTokensNote, { datasetId: 'd' }))).toBe('');
  });

  it('is said before an HDR run and an ablation too, whose runs retrain on the data', async () => {
    loaded(EMBEDDED_REF);
    views.unseen = { examples: 200, tokens: 10_000, unseen: 2_800, known: 547, vocab: 151_936 };
    const { HdrForm } = await import('../../src/ui/eval/HdrForm.tsx');
    const { AblationForm } = await import('../../src/ui/ablation/AblationForm.tsx');
    expect(renderNow(createElement(HdrForm, { datasetId: 'd', disabled: false }))).toContain('data-testid="unseen-tokens-note"');
    expect(renderNow(createElement(AblationForm, { datasetId: 'd', disabled: false, onOpenTraining: () => undefined }))).toContain('data-testid="unseen-tokens-note"');
    expect(renderNow(createElement(HdrForm, { datasetId: null, disabled: false }))).not.toContain('unseen-tokens-note');
  });
});
