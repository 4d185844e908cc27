// The Dataset panel's length histogram at the size of real function-calling sets (glaive's 113k,
// xLAM's 60k): it drew with Math.max(...cot, ...call), whose 2·N arguments overflow the stack
// somewhere past 60k examples, so the panel failed to render at all.
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => undefined }) }));
// The worker's token counts, replaced by fixed ones (no worker in Node).
const views = vi.hoisted(() => ({ lengths: null as unknown }));
vi.mock('../../src/state/datasetViews.ts', () => ({
  VIEW_TOKENIZER_NAME: 'test tokenizer',
  LENGTH_BINS: 4,
  useDatasetLengths: () => ({ value: views.lengths, error: null }),
}));

const { LengthHistogram } = await import('../../src/ui/dataset/LengthHistogram.tsx');

describe('the length histogram', () => {
  it('draws a 120k-example dataset, its longest example in the last bin', () => {
    const N = 120_000;
    const cot = Array.from({ length: N }, (_, i) => i % 300);
    const call = Array.from({ length: N }, (_, i) => 20 + (i % 7));
    cot[N - 1] = 1000; // the longest: 4 bins of 251 tokens over 0–1004
    views.lengths = { tokenizer: 't', failed: 0, cot, call, stats: { meanCotPerExample: 150, meanCallPerExample: 23, callShare: 0.13, totalTokens: { median: 200, p95: 400, max: 1100 } } };
    const html = renderNow(createElement(LengthHistogram, { datasetId: 'd', examples: N }));
    expect(html).toContain('4 bins of 251 tokens');
    expect(html).toContain('<tr><th scope="row">753–1004</th><td>1</td><td>0</td></tr>');
    // The chart is of the answers; the whole examples' lengths (what a sequence length holds) are said apart.
    expect(html.replace(/<!-- -->/g, '')).toContain('The chart counts the answers&#x27; tokens; whole examples, with their prompt and tools, are what the sequence length must hold: median 200, p95 400, max 1100 tokens.');
    expect(html).toContain('answer tokens per example');
  });
});
