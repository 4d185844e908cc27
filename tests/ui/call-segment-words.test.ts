// What the Dashboard's "call" holds. The call segment is everything the answer writes after its
// reasoning: for an answer without reasoning the template's empty "<think>\n\n</think>\n\n" counts as
// call (data/chat-render.ts), and a plain reply is all call. The Dashboard named a "call loss" and
// listed 'Highest loss: "</think>" 20.433 (call)' without a word of it.
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));
vi.mock('../../src/state/queries.ts', async (original) => ({
  ...(await original<typeof import('../../src/state/queries.ts')>()),
  runMetrics: async () => [],
}));

const { RunCharts } = await import('../../src/ui/dashboard/RunCharts.tsx');
const { TokenLossStrip } = await import('../../src/ui/dashboard/TokenLossStrip.tsx');
const { renderNow } = await import('../helpers/render.ts');
const { useRuns } = await import('../../src/state/runStore.ts');

const WORDS = 'everything the answer writes after its reasoning: the calls, a plain reply where there is none, and the empty reasoning block of an answer without one';
const run = (id: string, tokens: string[], segments: number[]) => ({
  id, name: id, datasetId: 'd', kind: 'train', status: 'done', createdAt: 0, updatedAt: 0, config: { steps: 40, evalEvery: 5, loss: 'ssb' },
  // The user's walk: the empty block's "</think>" had the highest loss, 20.433.
  tokenLoss: { step: 40, exampleId: 'mine-019', tokens, nll: tokens.map((t) => (t === '</think>' ? 20.433 : 0.5)), segments },
});
const unescape = (html: string) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"');

describe('the Dashboard’s call loss', () => {
  it('says under the loss chart what the call segment holds', () => {
    useRuns.setState({ runs: [] as never });
    const html = renderNow(createElement(RunCharts, { runId: 'any', evalEvery: 5 }));
    expect(html).toContain(`<p class="note small muted" data-testid="call-segment-note">The call loss is over ${WORDS}.</p>`);
  });

  it('says it beside the per-token strip of an answer without reasoning, whose empty block is marked call', () => {
    const tokens = ['<think>', '\n\n', '</think>', '\n\n', '<tool_call>', '{"name": "get_weather"}', '</tool_call>', '<|im_end|>'];
    useRuns.setState({ runs: [run('no-reasoning', tokens, tokens.map(() => 2))] as never });
    const html = unescape(renderNow(createElement(TokenLossStrip, { runId: 'no-reasoning', evalEvery: 5, finished: true })));
    expect(html).toContain('Highest loss: "</think>" 20.433 (call)');
    expect(html).toContain(`data-testid="token-strip-call-words">The call tokens are ${WORDS}.</p>`);
  });

  it('says it beside a plain reply, which is all call tokens', () => {
    const tokens = ['<think>', 'No tool fits.', '</think>', 'Hello!', '<|im_end|>'];
    useRuns.setState({ runs: [run('reply', tokens, [1, 1, 1, 2, 2])] as never });
    expect(renderNow(createElement(TokenLossStrip, { runId: 'reply', evalEvery: 5, finished: true }))).toContain('data-testid="token-strip-call-words"');
  });

  it('says nothing more beside an answer whose call tokens are a call after its reasoning', () => {
    const tokens = ['<think>', 'Weather in Tokyo.', '</think>', '\n\n', '<tool_call>', '{"name": "get_weather"}', '</tool_call>', '<|im_end|>'];
    useRuns.setState({ runs: [run('with-reasoning', tokens, [1, 1, 1, 2, 2, 2, 2, 2])] as never });
    expect(renderNow(createElement(TokenLossStrip, { runId: 'with-reasoning', evalEvery: 5, finished: true }))).not.toContain('token-strip-call-words');
  });
});
