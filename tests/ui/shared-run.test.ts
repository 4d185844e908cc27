// The page a share link opens: it shows what the link carries in the words the dashboard uses. A
// plain-SFT run has no balance weight: its logged "α" is the reasoning tokens' share of the batch,
// so the page must not call it α (as the dashboard's headline and charts do not).
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { validateRunJson } from '../../src/snapshot/run-json.ts';
import { encodeShareLink, shareSummaryFromRun } from '../../src/snapshot/share-link.ts';
import { SharedRunView } from '../../src/ui/snapshot/SharedRunView.tsx';
import { runJson } from '../snapshot/fixtures.ts';

vi.stubGlobal('location', { pathname: '/' });

async function linkOf(loss: string, perTokenEval = false): Promise<string> {
  const run = await runJson(40);
  if (perTokenEval) run.evalMetrics = run.evalMetrics.map((e, i) => ({ ...e, evalLossTokens: 1.9 - i * 0.1 }));
  return encodeShareLink(shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, config: { ...run.config, loss }, schema: 'balancesft-run/1' })))));
}

describe('a shared run', () => {
  it('shows an SSB run\'s α as the balance weight', async () => {
    const html = renderNow(createElement(SharedRunView, { fragment: await linkOf('ssb'), theme: 'light' }));
    expect(html).toContain('Balance weight α (SSB, learned)');
    expect(html).toContain('data-testid="shared-finalAlpha"');
  });

  it('calls a fixed-weight run\'s α fixed, not learned by SSB', async () => {
    const html = renderNow(createElement(SharedRunView, { fragment: await linkOf('fixed:0.7'), theme: 'light' }));
    expect(html).toContain('Balance weight α (fixed)');
    expect(html).not.toContain('SSB');
  });

  it('names the evaluation\'s categories in the words the Evaluation panel uses', async () => {
    // It read "(simple 90.0%, parallel 70.0%)" where the studio says "one function offered".
    const html = renderNow(createElement(SharedRunView, { fragment: await linkOf('ssb'), theme: 'light' })).replace(/<!-- -->/g, '');
    expect(html).toContain('85.0% of calls correct by the AST checker on 20 held-out examples at step 40 (one function offered 90.0%, several calls of the one function offered 70.0%)');
  });

  it('does not call a plain-SFT run\'s reasoning token share α', async () => {
    const html = renderNow(createElement(SharedRunView, { fragment: await linkOf('sft'), theme: 'light' }));
    expect(html).not.toContain('Balance weight α');
    expect(html).not.toContain('data-testid="shared-finalAlpha"');
    expect(html).toContain('Reasoning tokens’ share of the batch (plain SFT has no α)');
  });

  it('headlines the held-out loss per token as the dashboard does, not the best α-weighted eval loss', async () => {
    // Under SSB the α-weighted eval loss falls when α moves: the dashboard quotes the loss per token.
    const html = renderNow(createElement(SharedRunView, { fragment: await linkOf('ssb', true), theme: 'light' }));
    expect(html).toContain('held-out loss per token');
    expect(html).toMatch(/data-testid="shared-finalEvalLossTokens">1\.6/);
    expect(html).not.toContain('data-testid="shared-bestEvalLoss"');
    // A link made before it was carried still shows the figure it has.
    const older = renderNow(createElement(SharedRunView, { fragment: await linkOf('ssb'), theme: 'light' }));
    expect(older).toContain('data-testid="shared-bestEvalLoss"');
  });

  // The page showed the rounds' figures only: a round a cancel cut short read as finished, and the
  // samples the run added to the dataset were nowhere.
  it('says a round a cancel cut short, and what the HDR run added, as the studio does', async () => {
    const run = await runJson(40);
    run.hdrRounds = [
      { round: 1, poolSize: 6, sampled: 18, passRate: 0.2, accepted: 2, step: 42 },
      { round: 2, poolSize: 4, sampled: 12, passRate: 0.1, accepted: 1, step: 43, cancelledIn: 'retraining', trainingSteps: 1 },
    ];
    run.hdrTotals = { poolStart: 6, poolEnd: 3, added: 3 };
    const fragment = encodeShareLink(shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1' })))));
    const html = renderNow(createElement(SharedRunView, { fragment, theme: 'light' })).replace(/<!-- -->/g, '');
    expect(html).toContain('Round 2 was cancelled during its retraining, after 1 step: the adapter holds those, and the held-out accuracy after the round was not measured.');
    expect(html).toContain('Hard-case pool 6 → 3; 3 examples added to the dataset.');
  });
});
