// The per-token loss strip before it has a strip to show: a run that takes no eval steps (Eval loss
// every 0) never gets one, and its dashboard said it would appear at the first eval step.
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));

const { TokenLossStrip } = await import('../../src/ui/dashboard/TokenLossStrip.tsx');
const { renderNow } = await import('../helpers/render.ts');

describe('the per-token loss strip without a strip', () => {
  it('says a run without eval steps will have none, instead of promising one', () => {
    const html = renderNow(createElement(TokenLossStrip, { runId: 'r', evalEvery: 0 }));
    expect(html).not.toContain('appears here at the first eval step');
    expect(html).toContain('takes no eval steps');
  });

  it('still promises it to a training run that has eval steps ahead', () => {
    expect(renderNow(createElement(TokenLossStrip, { runId: 'r', evalEvery: 20 }))).toContain('appears here at the first eval step');
  });
});
