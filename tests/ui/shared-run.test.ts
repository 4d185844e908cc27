// The page a share link opens: it shows what the link carries in the words the dashboard uses. A
// plain-SFT run has no balance weight: its logged "α" is the reasoning tokens' share of the batch,
// so the page must not call it α (as the dashboard's headline and charts do not).
import { createElement } from 'react';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { specSummary, validateRunJson } from '../../src/snapshot/run-json.ts';
import { encodeShareLink, shareSummaryFromRun } from '../../src/snapshot/share-link.ts';
import { SharedRunView } from '../../src/ui/snapshot/SharedRunView.tsx';
import { config, examples, metricHistory, runJson, spec } from '../snapshot/fixtures.ts';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { createHdrRun, finishHdrRun, recordHdrRound } from '../../src/hdr/store.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/settings.ts';
import type { HdrRoundReport } from '../../src/hdr/rounds.ts';
import { dataRequests } from '../../src/worker/dataRequests.ts';
import { withRunLock } from '../../src/worker/runLock.ts';
import { stubLocks } from '../helpers/locks.ts';

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
    // The held-out total is the run's own loss, worded as the dashboard words it for this rule.
    expect(html).toContain('eval total (the run’s loss: weighted by the fixed α = 0.7)');
  });

  it('names the evaluation\'s categories in the words the Evaluation panel uses', async () => {
    // It read "(simple 90.0%, parallel 70.0%)" where the studio says "one function offered".
    const html = renderNow(createElement(SharedRunView, { fragment: await linkOf('ssb'), theme: 'light' })).replace(/<!-- -->/g, '');
    expect(html).toContain('85.0% of calls correct by the AST checker on 20 held-out examples at step 40, 95% interval 64–95% (one function offered 90.0%, several calls of the one function offered 70.0%)');
  });

  it('sets the trained accuracy beside the base model’s on the same held-out examples, where the link carries it', async () => {
    // It read "97.0% … on 33 held-out examples" of a run the sharer had evaluated beside the base model.
    const run = await runJson(30);
    const link = (evaluation: Record<string, unknown>) => encodeShareLink(shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1', evaluation })))));
    const said = (evaluation: Record<string, unknown>) => /data-testid="shared-evaluation">(.*?)<\/dd>/.exec(renderNow(createElement(SharedRunView, { fragment: link(evaluation), theme: 'light' })).replace(/<!-- -->/g, ''))![1];
    const evaluation = { step: 30, split: 'eval', examples: 33, astAccuracy: 32 / 33 };
    expect(said({ ...evaluation, base: { astAccuracy: 29 / 33 } })).toBe('base model 87.9% → trained 97.0% of calls correct by the AST checker on the same 33 held-out examples at step 30, the trained model’s 95% interval 85–99%');
    // A link made before it carried the base model's: what it said then.
    expect(said(evaluation)).toBe('97.0% of calls correct by the AST checker on 33 held-out examples at step 30, 95% interval 85–99%');
  });

  it('says how the held-out examples were chosen, and the adapter the run started from', async () => {
    const run = await runJson(40);
    const link = (over: Record<string, unknown>, dataset: Record<string, unknown>) =>
      encodeShareLink(shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1', run: { ...run.run, ...over }, dataset: { ...run.dataset, ...dataset } })))));
    const byQuestion = renderNow(createElement(SharedRunView, { fragment: link({ startedFrom: { name: 'general tool use', step: 300 } }, { split: { seed: 1234, evalFraction: 0.1, by: 'question' } }), theme: 'light' })).replace(/<!-- -->/g, '');
    expect(byQuestion).toContain('· 10% held out (seed 1234), each question with all its examples');
    expect(byQuestion).toMatch(/<dd data-testid="shared-started-from">the adapter of “general tool use” \(step 300\), not a new one<\/dd>/);
    const oneByOne = renderNow(createElement(SharedRunView, { fragment: link({ startedFrom: { name: 'HDR from it', step: 2, hdr: true } }, { split: { seed: 7, evalFraction: 0.2 } }), theme: 'light' })).replace(/<!-- -->/g, '');
    expect(oneByOne).toContain('· 20% held out example by example (seed 7): a held-out example may ask what a training example asks');
    expect(oneByOne).toContain('the adapter of “HDR from it” (HDR, round 2), not a new one');
    // Links made before carry neither: nothing is said.
    const older = renderNow(createElement(SharedRunView, { fragment: link({}, { split: undefined }), theme: 'light' }));
    expect(older).not.toContain('data-testid="shared-split"');
    expect(older).not.toContain('data-testid="shared-started-from"');
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

// An HDR run's link read "running at step 12 of 50" (or "done at step 12 of 50"): the steps of the
// training run it continued, where the studio speaks of an HDR run by its rounds.
describe('a shared HDR run', () => {
  let n = 0;
  afterEach(() => vi.unstubAllGlobals());

  async function hdrRunLink(finish: (db: StudioDb) => Promise<void>, { lockHeld = false, rounds = 1, heldOut = {} as Partial<HdrRoundReport> } = {}): Promise<string> {
    vi.stubGlobal('navigator', { locks: stubLocks() });
    vi.stubGlobal('location', { pathname: '/' });
    const db = new StudioDb(`shared-hdr-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
    const dataset = await saveDataset(db, { name: 'adds', examples: examples(8) });
    await db.runs.add({ id: 'run-a', datasetId: dataset.id, kind: 'train', status: 'done', createdAt: 1, updatedAt: 2, config, name: 'long run', modelRef: 'embedded:tiny-qwen3', lastStep: 12, modelSpec: specSummary(spec) } as never);
    await db.metrics.bulkPut(metricHistory(12).map((m) => ({ runId: 'run-a', step: m.step, values: { ...m } as Record<string, number> })));
    await createHdrRun(db, { id: 'hdr-a', datasetId: dataset.id, name: 'HDR from “long run”', settings: { ...DEFAULT_HDR_SETTINGS, maxRounds: 3 }, config, fromRunId: 'run-a', modelRef: 'embedded:tiny-qwen3' });
    for (let r = 1; r <= rounds; r++) await recordHdrRound(db, 'hdr-a', round(r, undefined, heldOut));
    await finish(db);
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });
    const share = () => handlers.shareLink({ runId: 'hdr-a' }, () => undefined);
    const held = lockHeld ? await withRunLock('hdr-a', share) : null;
    const { fragment } = held ? (held.refused ? expect.unreachable('the run lock was held') : held.value) : await share();
    db.close();
    return renderNow(createElement(SharedRunView, { fragment, theme: 'light' })).replace(/<!-- -->/g, '');
  }

  const round = (r: number, cancelledIn?: HdrRoundReport['cancelledIn'], held: Partial<HdrRoundReport> = {}): HdrRoundReport => ({
    round: r, poolBefore: 6, poolAfter: 4, samples: 18, passAtK: 0.5, gatePassed: 3, accepted: 2, duplicates: 0, rejectedByRule: {}, solved: [],
    evalAccuracyBefore: 0.5, evalAccuracyAfter: 0.6, training: { steps: 2, examples: 2, lossFirst: 1, lossLast: 0.5, skipped: [] }, replayed: 0, millis: 10, ...(cancelledIn ? { cancelledIn } : {}), ...held,
  });
  const status = (html: string) => /<dt>Status<\/dt><dd>(.*?)<\/dd>/.exec(html)?.[1]?.replace(/&#x27;/g, "'");

  it('says a running HDR run\'s rounds, not the steps of the run it continued', async () => {
    const html = await hdrRunLink(async () => {}, { lockHeld: true });
    expect(status(html)).toBe('running, 1 of at most 3 rounds finished');
  });

  it('says how a finished HDR run stopped, as the studio does', async () => {
    const html = await hdrRunLink((db) => finishHdrRun(db, 'hdr-a', 'pool_stopped_shrinking'));
    expect(status(html)).toBe('done: stopped after 1 round (the pool stopped shrinking)');
    // The model in words, not by the studio's reference.
    expect(html).toContain('<dt>Model</dt><dd>the embedded tiny Qwen3</dd>');
  });

  it('says a round a cancel cut short', async () => {
    const html = await hdrRunLink(async (db) => {
      await recordHdrRound(db, 'hdr-a', round(2, 'retraining'));
      await finishHdrRun(db, 'hdr-a', 'aborted');
    });
    expect(status(html)).toBe('done: stopped in round 2\'s retraining, after 1 finished round (cancelled)');
  });

  it('says when an HDR run failed, in rounds, without the error\'s text', async () => {
    const html = await hdrRunLink((db) => finishHdrRun(db, 'hdr-a', 'GPU device lost', true));
    expect(status(html)).toBe('failed after 1 round');
  });

  // A run a closed tab cut off (no lock held: no worker runs it) read "failed after 1 round" on the
  // link, where the studio says "Interrupted (…) after round 1".
  it('says an HDR run a closed tab cut off was interrupted, in the studio\'s words', async () => {
    const interrupted = await hdrRunLink(async () => {}, { rounds: 2 });
    expect(status(interrupted)).toBe('interrupted (the page was closed, or its GPU worker was ended, while it ran) after round 2');
    const cutOff = await hdrRunLink(async () => {}, { rounds: 0 });
    expect(status(cutOff)).toBe('interrupted (the page was closed, or its GPU worker was ended, while it ran) before its first round');
  });

  // The link showed pool, samples and pass rate, but not whether the held-out accuracy rose: what
  // HDR is run for, and what the studio's HDR table heads.
  it('gives each round\'s held-out accuracy and the run\'s answer changes with their chance, as the studio does', async () => {
    const html = await hdrRunLink(async (db) => {
      await recordHdrRound(db, 'hdr-a', round(2, undefined, { evalAccuracyBefore: 0.6, evalAccuracyAfter: 0.8, evalChanges: { fixed: 7, broken: 1 }, evalChangesSinceStart: { fixed: 9, broken: 0 } }));
      await finishHdrRun(db, 'hdr-a', 'round_limit');
    }, { rounds: 1, heldOut: { evalChanges: { fixed: 2, broken: 1 }, evalChangesSinceStart: { fixed: 2, broken: 1 } } });
    const cells = [...html.matchAll(/data-testid="shared-hdr-round-accuracy">(.*?)<\/td>/g)].map((m) => m[1]);
    expect(cells).toEqual(['50% → 60% (2 fixed, 1 broken, p = 1.00: could be chance)', '60% → 80% (7 fixed, 1 broken, p = 0.070: could be chance)']);
    // A round that evaluated nothing (no held-out example to evaluate) says so, not "— → —".
    const unmeasured = await hdrRunLink(async (db) => {
      await recordHdrRound(db, 'hdr-a', round(2, undefined, { evalAccuracyBefore: null, evalAccuracyAfter: null }));
      await finishHdrRun(db, 'hdr-a', 'round_limit');
    }, { rounds: 1, heldOut: { evalChanges: { fixed: 2, broken: 1 }, evalChangesSinceStart: { fixed: 2, broken: 1 } } });
    expect([...unmeasured.matchAll(/data-testid="shared-hdr-round-accuracy">(.*?)<\/td>/g)].map((m) => m[1])[1]).toBe('not measured');
    expect(html).toContain('data-testid="shared-hdr-run-changes">Held-out accuracy 50% → 80% over rounds 1–2. 9 held-out answers turned right and 0 wrong between them: that split is unlikely to be chance (p = 0.0039, exact McNemar test on the 9 examples whose verdicts differ).');
  });

  it('says how many expected answers the sharer edited, beside the dataset', async () => {
    vi.stubGlobal('location', { pathname: '/' });
    const run = await runJson(40);
    const link = (edited?: number) => encodeShareLink(shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, dataset: { ...run.dataset, ...(edited !== undefined && { edited }) }, schema: 'balancesft-run/1' })))));
    const text = (html: string) => html.replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text(renderNow(createElement(SharedRunView, { fragment: link(3), theme: 'light' })))).toContain('· 3 expected answers edited by the sharer, not the dataset’s own');
    expect(text(renderNow(createElement(SharedRunView, { fragment: link(), theme: 'light' })))).not.toContain('edited by the sharer');
  });

  it('says what the run trained on beside the dataset as shared, and the change since where it is known', async () => {
    // HDR added 4 examples after the run: the page said "demo-dataset (324 examples, …)" of a run
    // that trained on 287 of 320.
    vi.stubGlobal('location', { pathname: '/' });
    const run = await runJson(40);
    const [now, then] = [run.dataset.fingerprint, `sha256:${'ab12'.repeat(16)}`];
    const link = (dataset: Record<string, unknown>) => encodeShareLink(shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1', dataset: { ...run.dataset, name: 'demo-dataset', ...dataset } })))));
    const said = (dataset: Record<string, unknown>) => /data-testid="shared-dataset">(.*?)<\/span>/.exec(renderNow(createElement(SharedRunView, { fragment: link(dataset), theme: 'light' })).replace(/<!-- -->/g, ''))![1];
    const short = (f: string) => `${f.slice(0, 19)}…`;
    expect(said({ examples: 324, trained: { train: 287, examples: 320, eval: 33, fingerprint: then } })).toBe(`demo-dataset: 324 examples now (${short(now)}); the run trained on 287 of the 320 it had then (${short(then)}) and held out 33`);
    expect(said({ examples: 320, trained: { train: 287, examples: 320, eval: 33, fingerprint: now } })).toBe(`demo-dataset (320 examples, ${short(now)}): the run trained on 287 of them and held out 33`);
    // A run started before it kept the dataset it found: what it trained on, no change claimed.
    expect(said({ examples: 324, trained: { train: 287 } })).toBe(`demo-dataset (324 examples when shared, ${short(now)}): the run trained on 287`);
    // A link made before: what it said then.
    expect(said({ examples: 324 })).toBe(`demo-dataset (324 examples, ${short(now)})`);
  });

  it('counts a link\'s evaluation of later steps apart, as the Evaluation panel does', async () => {
    vi.stubGlobal('location', { pathname: '/' });
    const run = await runJson(40);
    run.evaluation = { ...run.evaluation!, byStep: { first: { total: 12, correct: 11 }, afterCalls: { total: 8, correct: 6 } } };
    const fragment = encodeShareLink(shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1' })))));
    const html = renderNow(createElement(SharedRunView, { fragment, theme: 'light' })).replace(/<!-- -->/g, '');
    expect(html).toContain('; by step: later steps (answers after earlier calls in their conversation) 75.0% (6/8); first steps 91.7% (11/12)</dd>');
    const wrong = JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1' }));
    wrong.evaluation.byStep.afterCalls.correct = 9;
    expect(() => validateRunJson(wrong)).toThrow('run.json: evaluation.byStep.afterCalls.correct must be at most total (8), got 9');
  });

  it('counts a link\'s evaluation of questions training also asks apart, as the Evaluation panel does', async () => {
    vi.stubGlobal('location', { pathname: '/' });
    const run = await runJson(40);
    run.evaluation = { ...run.evaluation!, asked: { inTraining: { total: 7, correct: 5 }, notInTraining: { total: 24, correct: 20 } } };
    const fragment = encodeShareLink(shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1' })))));
    const html = renderNow(createElement(SharedRunView, { fragment, theme: 'light' })).replace(/<!-- -->/g, '');
    expect(html).toContain('; questions also asked in training (the same conversation and tools, whose answer the model trained on) 71.4% (5/7); questions not asked in training 83.3% (20/24)</dd>');
    const wrong = JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1' }));
    wrong.evaluation.asked.inTraining.correct = 8;
    expect(() => validateRunJson(wrong)).toThrow('run.json: evaluation.asked.inTraining.correct must be at most total (7), got 8');
  });

  it('still opens a link made before it carried that an HDR run was interrupted', async () => {
    vi.stubGlobal('location', { pathname: '/' });
    const run = await runJson(12);
    run.run.status = 'failed';
    run.hdrRounds = [{ round: 1, poolSize: 6, sampled: 18, passRate: 0.2, accepted: 2, step: 14 }];
    run.hdrRun = { rounds: 1, maxRounds: 3 };
    const fragment = encodeShareLink(shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1' })))));
    const html = renderNow(createElement(SharedRunView, { fragment, theme: 'light' })).replace(/<!-- -->/g, '');
    expect(status(html)).toBe('failed after 1 round');
  });
});
