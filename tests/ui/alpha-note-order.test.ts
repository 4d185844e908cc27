// The Dashboard's α note, in the order a reader needs it. On the guided demo's run the call got 7.9%
// of the weight where plain SFT would give it 51.9%, and the note said so in passing, with the
// paragraph admitting SSB is not meant for this data third: the run did the opposite of what SSB is
// for, and that now comes first, with the numbers. A run that gave the call more keeps the old order.
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';

/** Each run's α step by step; its reasoning tokens a step (11 call tokens each). */
const rows: Record<string, number[]> = {
  demo: [0.7, 0.8, 0.92],
  long: [0.7, 0.6, 0.5],
  dwa: [0.7, 0.05, 0.95, 0.95, 0.05],
};
const cotTokens: Record<string, number> = { demo: 10, long: 120, dwa: 10 };
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));
vi.mock('../../src/state/queries.ts', async (original) => ({
  ...(await original<typeof import('../../src/state/queries.ts')>()),
  runMetrics: async (runId: string) => rows[runId].map((alpha, i) => ({ runId, step: i + 1, values: { loss: 1, lossCot: 0.02, lossCall: 1.3, alpha, cotTokens: cotTokens[runId], callTokens: 11 } })),
}));

const { AlphaNote } = await import('../../src/ui/dashboard/RunCharts.tsx');
const { renderNow } = await import('../helpers/render.ts');
const { runSeries } = await import('../../src/state/runSeries.ts');

async function note(runId: string, rule: 'grad' | 'dwa' = 'grad'): Promise<string[]> {
  const s = runSeries(runId);
  await vi.waitFor(() => expect(s.loaded).toBe(true));
  const html = renderNow(createElement(AlphaNote, { runId, loss: 'ssb', rule, bounds: { alphaMin: 0.05, alphaMax: 0.95 } })).replace(/&#x27;/g, "'");
  return [...html.matchAll(/<p[^>]*>(.*?)<\/p>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''));
}

describe('the α note of an SSB run', () => {
  it('says first and plainly that SSB gave the call less weight than plain SFT would, with the numbers, and why', async () => {
    const [lead, alpha, why] = await note('demo');
    expect(lead).toBe(
      'SSB gave the call less weight than plain SFT would: 8.0% of the loss, against 52.4% under plain SFT (its share of the target tokens on this run’s batches). SSB is meant for long reasoning, where a token mean leaves the call little (the paper: ~350 reasoning tokens before a ~30-token call, under 10%). Here the reasoning is short: plain SFT already gives the call 52.4%, more than SSB starts it at (1 − α₀ = 30.0%). The Ablation panel compares the rules and plain SFT on this data.',
    );
    expect(alpha).toBe('α weighs the reasoning (CoT) loss and 1 − α the call loss. α has moved +0.22 since step 1.');
    // Only the finding is bold; why follows in plain type.
    const html = renderNow(createElement(AlphaNote, { runId: 'demo', loss: 'ssb', rule: 'grad', bounds: { alphaMin: 0.05, alphaMax: 0.95 } }));
    expect(html).toMatch(/<strong>SSB gave the call less weight than plain SFT would: [^<]*batches\)\.<\/strong>(<!-- -->)? SSB is meant for long reasoning/);
    expect(why).toMatch(/^The grad rule \(the paper’s\) moves α toward the segment whose loss is lower/);
  });

  it('keeps α’s own account first where the call got more than plain SFT would give it', async () => {
    const [first, why, ...more] = await note('long');
    expect(first).toBe('α weighs the reasoning (CoT) loss and 1 − α the call loss. Plain SFT would give the call 8.4% of the weight on this run\'s batches (its share of the target tokens); here the call gets 50.0%. α has moved −0.20 since step 1.');
    expect(why).toMatch(/^The grad rule/);
    expect(more).toEqual([]);
  });

  it('says a DWA α that swung between its bounds swung, not which way it “fell”', async () => {
    const text = (await note('dwa', 'dwa')).join(' ');
    expect(text).toContain('α swung between its bounds 0.05 and 0.95 (from one to the other twice); it ended at 0.05 by chance of where the run stopped.');
    expect(text).not.toContain('so α fell');
  });
});
