// The Ablation panel's results and the report's curves: a step whose batch held no reasoning tokens
// logs a reasoning loss of 0 and α 0 (all weight on the call); those are no values of the arm, so
// the arm's curves have gaps there, as the dashboard's do, not drops to 0.
import 'fake-indexeddb/auto';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { ablationPoint, type AblationResult } from '../../src/jobs/ablate.ts';
import { ablationCurves } from '../../src/jobs/ablationReport.ts';
import { useRuns } from '../../src/state/runStore.ts';
import { useJobs } from '../../src/state/jobStore.ts';
import { AblationResults } from '../../src/ui/ablation/AblationResults.tsx';
import type { StepMetrics } from '../../src/worker/protocol.ts';
import { renderNow } from '../helpers/render.ts';

const stepOf = (step: number, cotTokens: number, alpha: number): StepMetrics => ({
  step, epoch: 0, loss: 1, lossCot: cotTokens ? 2 : 0, lossCall: 0.5, alpha: cotTokens ? alpha : 0, gradAlpha: 0, lr: 1e-3, gradNorm: 1, tokensPerSecond: 100, cotTokens, callTokens: 30, tokens: 200, millis: 10,
});

const summary = { total: 4, correct: 3, accuracy: 0.75, byCategory: { simple: { total: 4, correct: 3, accuracy: 0.75 } }, failureRules: { 'value:mismatch': 1 }, finishReasons: { eos: 4 } };

function result(): AblationResult {
  const arm = (id: string, loss: string, alphas: number[]) => ({
    id, label: id, loss,
    run: { id: `run-${id}`, name: id, kind: 'train' as const },
    evalRun: { id: `eval-${id}`, name: `eval ${id}` },
    summary,
    // Step 3's batch had no reasoning.
    curve: [stepOf(1, 40, alphas[0]), stepOf(2, 35, alphas[1]), stepOf(3, 0, 0)].map((m) => ablationPoint(m)),
    alpha0: 0.7,
    finalAlpha: alphas[1],
  });
  return {
    name: 'abl', heldOut: 4, stopped: false, skipped: 0, failed: [],
    shared: { steps: 3, seed: 1, batchSize: 1, seqLen: 256, lr: 1e-3, lora: { rank: 4, alpha: 8, dropout: 0, targets: ['q_proj'] }, alpha0: 0.7, alphaMin: 0.05, alphaMax: 0.95, decoding: { maxNewTokens: 64, batchSize: 4, seed: 1 } },
    arms: [arm('ssb:grad', 'ssb:grad', [0.7, 0.69]), arm('fixed', 'fixed:0.7', [0.7, 0.7])],
  } as unknown as AblationResult;
}

describe('an ablation’s curves', () => {
  it('leave a step without reasoning tokens out of the reasoning loss and α (the loss stays)', () => {
    const p = ablationPoint(stepOf(3, 0, 0));
    expect(p).toEqual({ step: 3, loss: 1, lossCot: null, lossCall: 0.5, alpha: null });
    const c = ablationCurves(result());
    expect(c.alpha[0].points).toEqual([[1, 0.7], [2, 0.69]]);
    expect(c.lossCot[0].points).toEqual([[1, 2], [2, 2]]);
    expect(c.lossCall[0].points.map(([s]) => s)).toEqual([1, 2, 3]);
  });

  it('the panel’s α and reasoning-loss charts end at the last step that had reasoning, not at 0', () => {
    useRuns.setState({ runs: [{ id: 'abl-1', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: result() } as never] });
    const html = renderNow(createElement(AblationResults));
    const label = (testId: string) => html.match(new RegExp(`data-testid="${testId}" role="img" aria-label="([^"]*)"`))?.[1];
    expect(label('ablation-chart-alpha')).toBe('α per arm (SFT has none): ssb:grad from 0.7000 at step 1 to 0.6900 at step 2; fixed from 0.7000 at step 1 to 0.7000 at step 2');
    expect(label('ablation-chart-cot')).not.toContain('0.000');
    expect(label('ablation-chart-call')).toContain('at step 3');
  });
});

describe('the step axis of fixed curves (ablation, shared link)', () => {
  // uPlot's default increments on a two-step ablation gave ticks 1, 1.5, 2: steps that do not exist.
  it('ticks whole steps only, as the live charts do', async () => {
    const { staticChartOptions } = await import('../../src/ui/dashboard/StaticChart.tsx');
    const { STEP_INCREMENTS } = await import('../../src/ui/dashboard/chartShape.ts');
    const colors = { text: '#000', grid: '#ccc', prompt: '#111', cot: '#222', call: '#333', accent: '#444', ok: '#555', bad: '#666', muted: '#777' };
    const x = staticChartOptions([{ label: 'sft', color: (c) => c.call, steps: [1, 2], values: [1, 0.5] }], colors, 600, 220).axes![0];
    expect(x.incrs).toEqual(STEP_INCREMENTS);
    expect((x.values as (u: unknown, splits: number[]) => string[])(null, [1, 1.5, 2])).toEqual(['1', '', '2']);
  });
});

describe('an ablation’s results while its arms still run', () => {
  // Each finished arm is kept with `stopped` set (so a page closed mid-way leaves a result that says
  // so): while the ablation runs, the panel says more arms are to come, not that it stopped.
  const row = (status: string, updatedAt: number) => ({ id: 'abl-1', name: 'abl', datasetId: 'd', kind: 'ablation', status, createdAt: 1, updatedAt, config: {}, result: { ...result(), stopped: true } }) as never;

  it('does not say it stopped while it is running, and does once it has stopped', async () => {
    const { useJobs } = await import('../../src/state/jobStore.ts');
    // This tab's ablation writes the row (its worker claimed it).
    useJobs.setState({ running: { kind: 'ablation', progress: null }, rows: new Set(['abl-1']) });
    useRuns.setState({ runs: [row('running', 10)] });
    const running = renderNow(createElement(AblationResults));
    expect(running).not.toContain('stopped before every arm finished');
    expect(running).toContain('more arms to come');
    useJobs.setState({ running: null, rows: new Set() });
    useRuns.setState({ runs: [row('running', 10)] }); // the page that ran it was closed
    expect(renderNow(createElement(AblationResults))).toContain('stopped before every arm finished');
    useRuns.setState({ runs: [row('done', 10)] });
    expect(renderNow(createElement(AblationResults))).toContain('stopped before every arm finished');
  });
});

describe('the panel’s tables and the report', () => {
  // report.md lists categories in BFCL's order (simple, multiple, …, irrelevance, live_…); the panel
  // listed them alphabetically, so the same ablation read in two column orders.
  it('list categories and failure rules in the same order', async () => {
    const { reportCategories, failureRules } = await import('../../src/jobs/ablationReport.ts');
    const r = result();
    const byCategory = { live_simple: { total: 1, correct: 1, accuracy: 1 }, irrelevance: { total: 1, correct: 0, accuracy: 0 }, simple: { total: 1, correct: 1, accuracy: 1 }, multiple: { total: 1, correct: 1, accuracy: 1 } };
    r.arms = r.arms.map((a) => ({ ...a, summary: { ...a.summary, byCategory, failureRules: { 'type:wrong': 1, 'name:missing': 2 } } }));
    useJobs.setState({ running: null });
    useRuns.setState({ runs: [{ id: 'abl-1', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: r } as never] });
    const html = renderNow(createElement(AblationResults));
    const titles = [...html.matchAll(/<th scope="col" title="([a-z_]+)">/g)].map((m) => m[1]);
    expect(titles).toEqual(reportCategories(r));
    expect(titles).toEqual(['simple', 'multiple', 'irrelevance', 'live_simple']);
    const failures = html.slice(html.indexOf('data-testid="ablation-failures"'));
    const rules = [...failures.matchAll(/<th scope="col" title="([a-z_:]+)">/g)].map((m) => m[1]);
    expect(rules).toEqual(failureRules(r));
  });
});

describe('an ablation whose held-out prompts do not all fit the model', () => {
  // Examples whose prompt and the answer's token limit pass the context are not asked (not counted):
  // the report said every arm "answered the same 4 held-out examples" over a table of 1/1, and
  // an arm that answered none read "0.0% (0/0)", a score no answer earned.
  const cut = (asked: number) => {
    const r = result();
    const summary = { total: asked, correct: asked, accuracy: asked ? 1 : 0, byCategory: (asked ? { simple: { total: asked, correct: asked, accuracy: 1 } } : {}) as Record<string, { total: number; correct: number; accuracy: number }>, failureRules: {}, finishReasons: {}, tooLong: 4 - asked };
    r.arms = r.arms.map((a) => ({ ...a, summary }));
    return r;
  };

  it('says how many were not asked and why, and scores no arm that answered none', async () => {
    const { ablationMarkdown } = await import('../../src/jobs/ablationReport.ts');
    const some = ablationMarkdown(cut(1));
    expect(some).toContain('3 examples were not asked: their prompts and the answer\'s 64 tokens pass the model\'s context (not counted in the accuracy)');
    expect(some).toContain('| ssb:grad | 100.0% (1/1) |');
    const none = ablationMarkdown(cut(0));
    expect(none).toContain('| ssb:grad | — (0/0) |');
    expect(none).not.toContain('0.0% (0/0)');
    // results.csv: an empty accuracy cell, not 0.
    const { ablationCsv } = await import('../../src/jobs/ablationReport.ts');
    const [header, row] = ablationCsv(cut(0)).split('\n');
    expect(row.split(',')[header.split(',').indexOf('accuracy')]).toBe('');
    useJobs.setState({ running: null });
    useRuns.setState({ runs: [{ id: 'abl-1', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: cut(0) } as never] });
    const html = renderNow(createElement(AblationResults));
    expect(html).toContain('4 examples were not asked');
    expect(html).not.toContain('0.0% (0/0)');
  });
});

describe('which run is which, after an arm’s runs were deleted', () => {
  // The result keeps each arm's run and evaluation by id: one deleted since is said to be gone,
  // not named as if the user could still open it. Each is named as the runs lists name it, not by id.
  it('marks a deleted arm run and evaluation as deleted', () => {
    const r = result();
    const row = { id: 'abl-1', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: r } as never;
    const kept = (id: string, kind: string) => ({ id, name: id, datasetId: 'd', kind, status: 'done', createdAt: 1, updatedAt: 1, config: {} }) as never;
    useJobs.setState({ running: null });
    useRuns.setState({ runs: [row, kept('run-ssb:grad', 'train'), kept('eval-ssb:grad', 'eval'), kept('eval-fixed', 'eval')] });
    const html = renderNow(createElement(AblationResults));
    expect(html).toContain('run “ssb:grad” (train), evaluation “eval ssb:grad”');
    expect(html).toContain('run “fixed” (train, deleted), evaluation “eval fixed”');
    useRuns.setState({ runs: [row] });
    expect(renderNow(createElement(AblationResults))).toContain('run “fixed” (train, deleted), evaluation “eval fixed” (deleted)');
  });
});

describe('the α chart of fixed curves (ablation, shared link)', () => {
  // It zoomed to the data: an arm whose α moved 0.00003 climbed the whole chart beside a fixed arm.
  it('spans at least 0.1 inside [0, 1], as the dashboard’s α chart does', async () => {
    const { staticChartOptions } = await import('../../src/ui/dashboard/StaticChart.tsx');
    const { ALPHA_AXIS } = await import('../../src/ui/dashboard/RunCharts.tsx');
    const colors = { text: '#000', grid: '#ccc', prompt: '#111', cot: '#222', call: '#333', accent: '#444', ok: '#555', bad: '#666', muted: '#777' };
    const range = staticChartOptions([{ label: 'ssb:grad', color: (c) => c.accent, steps: [1, 2], values: [0.7, 0.70003] }], colors, 600, 220, ALPHA_AXIS).scales!.y!.range as (u: unknown, min: number, max: number) => [number, number];
    const [lo, hi] = range(null, 0.7, 0.70003);
    expect(hi - lo).toBeGreaterThanOrEqual(0.1 - 1e-12);
    expect(lo).toBeGreaterThanOrEqual(0);
  });
});

describe('the Ablation panel’s account of the training', () => {
  // report.md said which training examples every arm went without and how much more the HDR arm
  // trained; the panel said "3 steps each" and neither.
  it('says what the report says: examples every arm skipped, and the HDR arm’s extra steps', () => {
    const r = result();
    r.skipped = 2;
    r.unrendered = 1;
    r.arms[1] = { ...r.arms[1], id: 'ssb:grad+hdr', hdr: { rounds: 2, poolStart: 3, poolEnd: 1, added: 1, stopReason: 'round_limit', steps: 4 } };
    useRuns.setState({ runs: [{ id: 'abl-2', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: r } as never] });
    const html = renderNow(createElement(AblationResults));
    expect(html).toContain('2 training examples were skipped in every arm: 1 did not fit the sequence length, 1 the chat template cannot render.');
    expect(html).toContain('ssb:grad+hdr starts from the adapter of ssb:grad and retrains 4 more steps in 2 HDR rounds (the round limit was reached: hard cases 3 → 1, 1 example added).');
    expect(html).toContain('HDR: 2 rounds (the round limit was reached), hard cases 3 → 1, 1 example added, 4 steps retrained past the arm it starts from');
    // One example: said in the singular ("1 training examples … were skipped").
    r.skipped = 1;
    r.unrendered = 0;
    expect(renderNow(createElement(AblationResults))).toContain('1 training example did not fit the sequence length and was skipped in every arm.');
    r.unrendered = 1;
    expect(renderNow(createElement(AblationResults))).toContain('1 training example the chat template cannot render was skipped in every arm.');
  });
});

describe('an SSB + HDR arm whose rounds retrained nothing', () => {
  // The report said "ssb:uncertainty+hdr … retrains 0 more steps in 0 HDR rounds." and why (the pool
  // stopped shrinking, nothing added) only inside the folded "Which run is which".
  it('says why, and that the arm is its SSB arm unchanged, in the panel (the note and its row), report.md and the CLI’s words', async () => {
    const r = result();
    r.arms[1] = { ...r.arms[0], id: 'ssb:grad+hdr', hdr: { rounds: 1, poolStart: 6, poolEnd: 6, added: 0, stopReason: 'pool_stopped_shrinking', steps: 0 } };
    const note = "ssb:grad+hdr is the same as ssb:grad: HDR retrained no step (the pool stopped shrinking: hard cases 6 → 6, 0 examples added), so it kept ssb:grad's adapter.";
    const { ablationMarkdown, hdrArmsNote } = await import('../../src/jobs/ablationReport.ts');
    expect(hdrArmsNote(r)).toBe(note);
    expect(ablationMarkdown(r)).toContain(note);
    useJobs.setState({ running: null, rows: new Set() });
    useRuns.setState({ runs: [{ id: 'abl-hdr0', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: r } as never] });
    const html = renderNow(createElement(AblationResults)).replace(/<!-- -->/g, '').replace(/&#x27;/g, "'");
    expect(html).toContain(note);
    expect(/data-testid="ablation-arm-ssb:grad\+hdr"[\s\S]*?<\/th>/.exec(html)![0]).toContain('same as ssb:grad</span>');
    expect(/data-testid="ablation-arm-ssb:grad"[\s\S]*?<\/th>/.exec(html)![0]).not.toContain('same as');
  });
});

describe('an ablation reopened after its dataset changed', () => {
  // Neither the panel nor the report said which data the arms ran on: after HDR added samples to
  // the dataset (or it was imported again), the ablation's numbers read as if of today's data.
  const withData = (fingerprint: string) => ({ ...result(), dataset: { name: 'bfcl sample', fingerprint } }) as AblationResult;
  const row = (r: AblationResult) => ({ id: 'abl-1', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: r }) as never;

  it('the report names the data the arms ran on', async () => {
    const { ablationMarkdown } = await import('../../src/jobs/ablationReport.ts');
    expect(ablationMarkdown(withData('sha256:0123456789abcdef0123'))).toContain('Data: bfcl sample (sha256:0123456789ab…).');
  });

  it('the panel says so when the dataset holds other examples now, or is gone, and nothing while it is the same', async () => {
    const { useDatasets } = await import('../../src/state/datasetStore.ts');
    useJobs.setState({ running: null, rows: new Set() });
    useRuns.setState({ runs: [row(withData('sha256:then'))] });
    useDatasets.setState({ datasets: [{ id: 'd', name: 'bfcl sample', fingerprint: 'sha256:now' }] as never });
    expect(renderNow(createElement(AblationResults))).toContain('The dataset “bfcl sample” holds other examples now than when this ablation ran (HDR added samples, or expected answers were edited since): these numbers are of the data it had then.');
    // Its own HDR arm added samples: said so.
    const hdrArm = { ...result().arms[0], id: 'ssb:uncertainty+hdr', hdr: { rounds: 1, poolStart: 3, poolEnd: 1, added: 2, stopReason: 'max rounds' } };
    useRuns.setState({ runs: [row({ ...withData('sha256:then'), arms: [...result().arms, hdrArm] } as AblationResult)] });
    expect(renderNow(createElement(AblationResults))).toContain('(its HDR arm added 2 samples, or expected answers were edited since)');
    useRuns.setState({ runs: [row(withData('sha256:then'))] });
    useDatasets.setState({ datasets: [] as never });
    expect(renderNow(createElement(AblationResults))).toContain('The dataset “bfcl sample” this ablation ran on is no longer in the studio.');
    useDatasets.setState({ datasets: [{ id: 'd', name: 'bfcl sample', fingerprint: 'sha256:then' }] as never });
    expect(renderNow(createElement(AblationResults))).not.toContain('data-testid="ablation-data-changed"');
    // Examples included or left out since leave the fingerprint as it was, but the arms trained and
    // were scored on other examples than the dataset gives now.
    const withEdits = { ...withData('sha256:then'), dataset: { name: 'bfcl sample', fingerprint: 'sha256:then', inclusionEdits: 2 } } as AblationResult;
    useRuns.setState({ runs: [row(withEdits)] });
    useDatasets.setState({ datasets: [{ id: 'd', name: 'bfcl sample', fingerprint: 'sha256:then', inclusionEdits: 3 }] as never });
    expect(renderNow(createElement(AblationResults))).toContain('The dataset “bfcl sample” holds other examples now than when this ablation ran (examples were included or left out since): these numbers are of the data it had then.');
    useDatasets.setState({ datasets: [{ id: 'd', name: 'bfcl sample', fingerprint: 'sha256:then', inclusionEdits: 2 }] as never });
    expect(renderNow(createElement(AblationResults))).not.toContain('data-testid="ablation-data-changed"');
    useRuns.setState({ runs: [row(withData('sha256:then'))] });
    // Split again since ("Split it again"): the same examples, other ones held out.
    const split = { seed: 1234, evalFraction: 0.1 };
    useRuns.setState({ runs: [row({ ...withData('sha256:then'), dataset: { name: 'bfcl sample', fingerprint: 'sha256:then', split } } as AblationResult)] });
    useDatasets.setState({ datasets: [{ id: 'd', name: 'bfcl sample', fingerprint: 'sha256:then', split }] as never });
    expect(renderNow(createElement(AblationResults))).not.toContain('data-testid="ablation-data-changed"');
    useDatasets.setState({ datasets: [{ id: 'd', name: 'bfcl sample', fingerprint: 'sha256:then', split: { seed: 7, evalFraction: 0.25 } }] as never });
    expect(renderNow(createElement(AblationResults))).toContain('The dataset “bfcl sample” was split again since this ablation ran (10% held out with seed 1234 then, 25% with seed 7 now): these numbers are of the examples it trained on and held out then.');
    // Made before results named their data: nothing to compare, nothing said.
    useDatasets.setState({ datasets: [{ id: 'd', name: 'bfcl sample', fingerprint: 'sha256:now' }] as never });
    useRuns.setState({ runs: [row(result())] });
    expect(renderNow(createElement(AblationResults))).not.toContain('data-testid="ablation-data-changed"');
  });
});

describe('an ablation’s answers beside SFT’s', () => {
  // Accuracy is a net: an arm 1 point above SFT may have fixed 6 answers and broken 5. The panel and
  // the report say both, and which examples, beside the accuracy.
  it('shows each arm’s +fixed −broken beside SFT, with the examples and whether the split could be chance, in the panel, report.md and results.csv', async () => {
    const r = result();
    r.arms[0] = { ...r.arms[0], vsSft: { shared: 4, same: 1, nowRight: ['ex-2', 'ex-3'], nowWrong: ['ex-4'] } };
    useRuns.setState({ runs: [{ id: 'abl-3', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: r } as never] });
    const html = renderNow(createElement(AblationResults)).replace(/<!-- -->/g, '');
    expect(html).toContain('<td class="wrap" title="right where SFT is wrong (ex-2, ex-3); wrong where SFT is right (ex-4)">+2 −1 (1 of 4 the same; p = 1.00)</td>');
    // An arm not set beside SFT (SFT itself, or a result from before) says nothing.
    const fixedRow = /data-testid="ablation-arm-fixed"[\s\S]*?<\/tr>/.exec(html)![0];
    expect(fixedRow).not.toMatch(/[+]\d+ −\d+/);
    expect(fixedRow).not.toContain('where SFT is');
    const { ablationMarkdown, ablationCsv } = await import('../../src/jobs/ablationReport.ts');
    const md = ablationMarkdown(r);
    expect(md).toContain('| +2 −1 (1 of 4 the same; p = 1.00) |');
    expect(md).toContain('p: how often a split of those examples at least this uneven would come by chance, were the arm and SFT equally good (exact McNemar test)');
    expect(md).toContain('Answers vs SFT: the held-out examples this arm gets right that SFT gets wrong (+)');
    expect(md).toContain('Beside SFT: right where SFT is wrong (ex-2, ex-3); wrong where SFT is right (ex-4).');
    const [header, first, second] = ablationCsv(r).trim().split('\n').map((l) => l.split(','));
    const col = (name: string) => header.indexOf(name);
    expect([first[col('right_where_sft_wrong')], first[col('wrong_where_sft_right')], first[col('same_answers_as_sft')], first[col('p_vs_sft')]]).toEqual(['2', '1', '1', '1']);
    expect([second[col('right_where_sft_wrong')], second[col('same_answers_as_sft')], second[col('p_vs_sft')]]).toEqual(['', '', '']);
  });
});

describe('an ablation on conversations', () => {
  it('counts each arm’s later steps (answers after earlier calls) apart, in the panel, report.md and the CSV; and has no such column otherwise', async () => {
    const r = result();
    const byStep = (correct: number) => ({ first: { total: 2, correct: 2, accuracy: 1 }, afterCalls: { total: 2, correct, accuracy: correct / 2 } });
    r.arms[0] = { ...r.arms[0], summary: { ...summary, byStep: byStep(1) } };
    r.arms[1] = { ...r.arms[1], summary: { ...summary, byStep: byStep(2) } };
    useRuns.setState({ runs: [{ id: 'abl-steps', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: r } as never] });
    const html = renderNow(createElement(AblationResults)).replace(/<!-- -->/g, '');
    expect(html).toContain('>Later steps</th>');
    expect([...html.matchAll(/data-testid="ablation-later-steps">([^<]*)</g)].map((m) => m[1])).toEqual(['50.0% (1/2)', '100.0% (2/2)']);
    const { ablationMarkdown, ablationCsv, LATER_STEPS_NOTE } = await import('../../src/jobs/ablationReport.ts');
    const md = ablationMarkdown(r);
    expect(md).toContain('| simple | later steps | α₀ → final α | answers vs SFT |');
    expect(md).toContain('| 75.0% (3/4) | 50.0% (1/2) | 0.700 → 0.690 |');
    expect(md).toContain(LATER_STEPS_NOTE);
    const [header, first, second] = ablationCsv(r).trim().split('\n').map((l) => l.split(','));
    const col = (name: string) => header.indexOf(name);
    expect([first[col('later_steps')], first[col('later_steps_correct')], first[col('acc_later_steps')]]).toEqual(['2', '1', '0.5']);
    expect(second[col('acc_later_steps')]).toBe('1');
    // Without later steps, none of it.
    const plain = result();
    expect(ablationMarkdown(plain)).not.toContain('later steps');
    expect(ablationCsv(plain)).not.toContain('later_steps');
    useRuns.setState({ runs: [{ id: 'abl-plain', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: plain } as never] });
    expect(renderNow(createElement(AblationResults))).not.toContain('Later steps');
  });
});

describe('an ablation on data whose held-out questions training also asks', () => {
  it('gives each arm’s accuracy on the questions no training example asks, in the panel, report.md and the CSV; and has no such column otherwise', async () => {
    const r = result();
    const asked = (correct: number) => ({ inTraining: { total: 1, correct: 1, accuracy: 1 }, notInTraining: { total: 3, correct, accuracy: correct / 3 } });
    r.arms[0] = { ...r.arms[0], summary: { ...summary, asked: asked(2) } };
    r.arms[1] = { ...r.arms[1], summary: { ...summary, asked: asked(1) } };
    useRuns.setState({ runs: [{ id: 'abl-asked', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: r } as never] });
    const html = renderNow(createElement(AblationResults)).replace(/<!-- -->/g, '');
    expect(html).toContain('>Not asked in training</th>');
    expect([...html.matchAll(/data-testid="ablation-not-in-training">([^<]*)</g)].map((m) => m[1])).toEqual(['66.7% (2/3)', '33.3% (1/3)']);
    const { ablationMarkdown, ablationCsv, NOT_IN_TRAINING_NOTE } = await import('../../src/jobs/ablationReport.ts');
    const md = ablationMarkdown(r);
    expect(md).toContain('| simple | not asked in training | α₀ → final α | answers vs SFT |');
    expect(md).toContain('| 75.0% (3/4) | 66.7% (2/3) |');
    expect(md).toContain(NOT_IN_TRAINING_NOTE);
    const [header, first, second] = ablationCsv(r).trim().split('\n').map((l) => l.split(','));
    const col = (name: string) => header.indexOf(name);
    expect([first[col('not_asked_in_training')], first[col('not_asked_in_training_correct')], first[col('acc_not_asked_in_training')]]).toEqual(['3', '2', '0.666667']);
    expect(second[col('acc_not_asked_in_training')]).toBe('0.333333');
    const plain = result();
    expect(ablationMarkdown(plain)).not.toContain('not asked in training');
    expect(ablationCsv(plain)).not.toContain('not_asked_in_training');
    useRuns.setState({ runs: [{ id: 'abl-plain2', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: plain } as never] });
    expect(renderNow(createElement(AblationResults))).not.toContain('Not asked in training');
  });
});

describe('an ablation’s verdict', () => {
  // The table ranks arms by accuracy; with a few dozen held-out examples the ranking is mostly
  // chance. The verdict says the best arm and which arms differ from SFT beyond chance, if any.
  const tally = (correct: number, total: number) => ({ total, correct, accuracy: correct / total, byCategory: {}, failureRules: {}, finishReasons: [] });
  const arm = (id: string, loss: string, correct: number, vsSft?: { right: number; wrong: number }) => ({
    ...result().arms[0], id, loss, summary: tally(correct, 31),
    ...(vsSft ? { vsSft: { shared: 31, same: 31 - vsSft.right - vsSft.wrong, nowRight: Array.from({ length: vsSft.right }, (_, i) => `r${i}`), nowWrong: Array.from({ length: vsSft.wrong }, (_, i) => `w${i}`) } } : {}),
  });
  const withArms = (arms: unknown[]) => ({ ...result(), heldOut: 31, arms }) as unknown as AblationResult;

  it('names the best arm and says no arm differs from SFT beyond chance, with the most uneven split', async () => {
    const { ablationVerdict, ablationMarkdown } = await import('../../src/jobs/ablationReport.ts');
    const r = withArms([arm('sft', 'sft', 22), arm('ssb:grad', 'ssb:grad', 25, { right: 4, wrong: 1 }), arm('fixed:0.7', 'fixed:0.7', 23, { right: 2, wrong: 1 })]);
    const verdict = 'Highest accuracy: ssb:grad, 80.6% (25/31). No arm\'s answers differ from SFT\'s beyond chance on these 31 held-out examples (the most uneven split: ssb:grad +4 −1, p = 0.38): more held-out examples would tell the arms apart.';
    expect(ablationVerdict(r)).toBe(verdict);
    expect(ablationMarkdown(r)).toContain(`**Verdict**: ${verdict}`);
    useRuns.setState({ runs: [{ id: 'abl-v', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: r } as never] });
    const html = renderNow(createElement(AblationResults)).replace(/<!-- -->/g, '').replace(/&#x27;/g, "'");
    expect(html).toContain(`<p data-testid="ablation-verdict"><strong>Verdict:</strong> ${verdict}</p>`);
  });

  it('names the arms that differ beyond chance, better or worse, and ties', async () => {
    const { ablationVerdict } = await import('../../src/jobs/ablationReport.ts');
    const r = withArms([arm('sft', 'sft', 20), arm('ssb:dwa', 'ssb:dwa', 28, { right: 9, wrong: 1 }), arm('fixed:0.7', 'fixed:0.7', 14, { right: 0, wrong: 6 }), arm('ssb:grad', 'ssb:grad', 21, { right: 2, wrong: 1 })]);
    expect(ablationVerdict(r)).toBe('Highest accuracy: ssb:dwa, 90.3% (28/31). Beyond chance beside SFT (p < 0.05): ssb:dwa better (+9 −1, p = 0.021); fixed:0.7 worse (+0 −6, p = 0.031); the other arms\' differences could be chance.');
    const tie = withArms([arm('sft', 'sft', 25), arm('ssb:grad', 'ssb:grad', 25, { right: 0, wrong: 0 })]);
    expect(ablationVerdict(tie)).toBe('Highest accuracy: sft, ssb:grad, 80.6% (25/31) each. Every arm gives each held-out example the verdict SFT gives it.');
    // One arm evaluated, or no SFT arm to set the others beside.
    expect(ablationVerdict(withArms([arm('sft', 'sft', 25)]))).toBeNull();
    expect(ablationVerdict(withArms([arm('ssb:grad', 'ssb:grad', 25), arm('fixed:0.7', 'fixed:0.7', 20)]))).toBe('Highest accuracy: ssb:grad, 80.6% (25/31).');
  });

  // Every arm 8/8 read "Highest accuracy: sft, fixed:0.7, … 100.0% (8/8) each", as if the arms had
  // been compared: at the ceiling (or the floor) the test cannot tell them apart, and says so.
  it('says the test is at its ceiling where every arm answered every example right, and at its floor where every arm answered none', async () => {
    const { ablationVerdict, ablationMarkdown } = await import('../../src/jobs/ablationReport.ts');
    const same = { right: 0, wrong: 0 };
    const all = (correct: number) => withArms([arm('sft', 'sft', correct), arm('fixed:0.7', 'fixed:0.7', correct, same), arm('ssb:grad', 'ssb:grad', correct, same)]);
    const ceiling = 'Every arm answered all 31 held-out examples right: the test is at its ceiling and cannot tell the arms apart. Evaluate more held-out examples, or harder ones.';
    expect(ablationVerdict(all(31))).toBe(ceiling);
    expect(ablationMarkdown(all(31))).toContain(`**Verdict**: ${ceiling}`);
    expect(ablationVerdict(all(0))).toBe('Every arm answered all 31 held-out examples wrong: the test is at its floor and cannot tell the arms apart. Train longer, or see why they fail (the failures by rule).');
    useRuns.setState({ runs: [{ id: 'abl-ceiling', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: all(31) } as never] });
    expect(renderNow(createElement(AblationResults)).replace(/<!-- -->/g, '')).toContain(`<strong>Verdict:</strong> ${ceiling}`);
    // One arm short of the ceiling: the arms are compared as before.
    expect(ablationVerdict(withArms([arm('sft', 'sft', 31), arm('ssb:grad', 'ssb:grad', 30, { right: 0, wrong: 1 })]))).toMatch(/^Highest accuracy: sft, 100.0% \(31\/31\)\. /);
  });
});

describe('a one-step ablation', () => {
  // "Every arm: 1 steps" in the form, "1 steps each" over the results.
  it('says "1 step" in the form, the results and report.md', async () => {
    const { AblationForm } = await import('../../src/ui/ablation/AblationForm.tsx');
    const { ablationMarkdown } = await import('../../src/jobs/ablationReport.ts');
    const draft = useRuns.getState().draft;
    useRuns.setState({ draft: { ...draft, steps: 1 } });
    const form = renderNow(createElement(AblationForm, { datasetId: 'd', disabled: false })).replace(/<!-- -->/g, '');
    useRuns.setState({ draft });
    expect(form).toMatch(/\b1 step,/);
    expect(form).not.toContain('1 steps');
    const r = { ...result(), heldOut: 1, shared: { ...result().shared, steps: 1 } };
    useJobs.setState({ running: null, rows: new Set() });
    useRuns.setState({ runs: [{ id: 'abl-1step', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: r } as never] });
    const html = renderNow(createElement(AblationResults)).replace(/<!-- -->/g, '');
    expect(html).toContain('2 arms · 1 step each');
    expect(html).toContain('1 held-out example per arm');
    expect(ablationMarkdown(r)).toContain('Every arm trained 1 step from the same seed');
    // LoRA's alpha is its scale: α is the balance weight only.
    expect(html).toContain('seed 1, LoRA rank 4, scale 8 ·');
    expect(ablationMarkdown(r)).toContain('learning rate 0.001, LoRA rank 4, scale 8 on q_proj; α, the weight on the reasoning loss, starts at α₀ = 0.7 and stays within [0.05, 0.95].');
  });
});

describe('an ablation where no answer failed', () => {
  // "Failures by rule" was a table of arm names under no column.
  it('says there were no failures instead of an empty table, as report.md does', async () => {
    const r = result();
    r.arms = r.arms.map((a) => ({ ...a, summary: { ...a.summary, correct: 4, accuracy: 1, failureRules: {} } }));
    useJobs.setState({ running: null, rows: new Set() });
    useRuns.setState({ runs: [{ id: 'abl-nofail', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: r } as never] });
    const html = renderNow(createElement(AblationResults)).replace(/<!-- -->/g, '').replace(/&#x27;/g, "'");
    expect(html).toContain('<p class="muted" data-testid="ablation-failures">Failures by rule: no failures, every arm\'s answers passed the checker.</p>');
    expect(html).not.toContain('<caption>Failures by rule</caption>');
    const { ablationMarkdown } = await import('../../src/jobs/ablationReport.ts');
    expect(ablationMarkdown(r)).toContain('## Failures by rule\n\nNo failures.');
    // With a failure, the table.
    useRuns.setState({ runs: [{ id: 'abl-fail', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: result() } as never] });
    expect(renderNow(createElement(AblationResults))).toContain('<caption>Failures by rule</caption>');
  });
});

describe('the ablation table at a laptop’s width', () => {
  // "Answers vs SFT" came after the BFCL buckets and the categories, scrolled out of sight at 1280 px.
  it('puts what judges an arm first: its accuracy and its answers beside SFT’s, which wrap', () => {
    useJobs.setState({ running: null, rows: new Set() });
    useRuns.setState({ runs: [{ id: 'abl-cols', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: result() } as never] });
    const html = renderNow(createElement(AblationResults)).replace(/<!-- -->/g, '');
    const table = html.slice(html.indexOf('data-testid="ablation-table"'));
    const heads = [...table.slice(0, table.indexOf('</thead>')).matchAll(/<th scope="col"[^>]*>([^<]*)</g)].map((m) => m[1].trim());
    expect(heads.slice(0, 4)).toEqual(['Arm', 'Accuracy', 'Answers vs SFT', 'α₀ → final α']);
    expect(table).toMatch(/<th scope="col" class="wrap"[^>]*>Answers vs SFT/);
  });
});

describe('an ablation beside the base model', () => {
  // Every arm scored 20% (1/5), as did the untrained model, and the verdict read as if the arms had
  // been compared: the base model (no adapter) answers the same examples, as a row of its own.
  const tally = (correct: number, total = 5) => ({ total, correct, accuracy: correct / total, byCategory: { simple: { total, correct, accuracy: correct / total } }, failureRules: correct < total ? { 'ast_decoder:decoder_failed': total - correct } : {}, finishReasons: [] });
  const withBase = (base: number, arms: number[]) => {
    const r = result();
    const ids = ['sft', 'fixed:0.7', 'ssb:grad'];
    r.arms = arms.map((correct, i) => ({ ...r.arms[0], id: ids[i], loss: ids[i], summary: tally(correct), ...(i ? { vsSft: { shared: 5, same: 5, nowRight: [], nowWrong: [] } } : {}) })) as never;
    r.heldOut = 5;
    r.base = { evalRun: { id: 'eval-base', name: 'abl · eval base model' }, summary: tally(base) as never };
    return r;
  };

  it('says no arm does better than the base model when none does, and what it scores when one does', async () => {
    const { ablationVerdict } = await import('../../src/jobs/ablationReport.ts');
    expect(ablationVerdict(withBase(1, [1, 1, 1]))).toBe('Highest accuracy: sft, fixed:0.7, ssb:grad, 20.0% (1/5) each. No arm does better than the base model with no adapter on these 5 held-out examples: it scores 20.0% (1/5) too. Every arm gives each held-out example the verdict SFT gives it.');
    expect(ablationVerdict(withBase(3, [2, 1, 2]))).toMatch(/^Highest accuracy: sft, ssb:grad, 40\.0% \(2\/5\) each\. No arm does better than the base model with no adapter on these 5 held-out examples: it scores 60\.0% \(3\/5\)\. /);
    expect(ablationVerdict(withBase(1, [3, 1, 2]))).toMatch(/^Highest accuracy: sft, 60\.0% \(3\/5\)\. The base model with no adapter scores 20\.0% \(1\/5\)\. /);
    // At the ceiling or floor, the base model beside it.
    expect(ablationVerdict(withBase(5, [5, 5, 5]))).toBe('Every arm answered all 5 held-out examples right, and so did the base model with no adapter: the test is at its ceiling and cannot tell the arms apart. Evaluate more held-out examples, or harder ones.');
    expect(ablationVerdict(withBase(2, [0, 0, 0]))).toMatch(/^Every arm answered all 5 held-out examples wrong \(the base model with no adapter: 40\.0% \(2\/5\)\): the test is at its floor/);
  });

  it('is a row of the panel’s tables, report.md and results.csv, above the arms', async () => {
    const r = withBase(1, [1, 2, 1]);
    useJobs.setState({ running: null, rows: new Set() });
    useRuns.setState({ runs: [{ id: 'abl-base', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'done', createdAt: 1, updatedAt: 1, config: {}, result: r } as never] });
    const html = renderNow(createElement(AblationResults)).replace(/<!-- -->/g, '');
    const table = html.slice(html.indexOf('data-testid="ablation-table"'), html.indexOf('</table>'));
    const row = /<tr data-testid="ablation-base"[\s\S]*?<\/tr>/.exec(table)![0];
    expect(table.indexOf('ablation-base')).toBeLessThan(table.indexOf('ablation-arm-sft'));
    expect([...row.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1])).toEqual(['20.0% (1/5)', '—', '—', '—', '—', '—', '—', '20.0% (1/5)']);
    expect(row).toContain('base model<span class="muted arm-note">no adapter</span>');
    expect(html).toContain('5 held-out examples per arm and the base model');
    // Its failures too, and which evaluation it is.
    const failures = html.slice(html.indexOf('data-testid="ablation-failures"'));
    expect(failures).toMatch(/<th scope="row">base model<\/th><td>4<\/td>/);
    expect(html).toContain('base model: no adapter — evaluation “abl · eval base model”');
    const { ablationMarkdown, ablationCsv } = await import('../../src/jobs/ablationReport.ts');
    const md = ablationMarkdown(r);
    expect(md).toContain('Each adapter, and the base model with none, answered the same 5 held-out examples');
    expect(md).toMatch(/\| base model \| 20\.0% \(1\/5\) \|[^\n]*\| — \| — \|\n\| sft \| 20\.0% \(1\/5\) \|/);
    expect(md).toContain('Base model: the model with no adapter');
    expect(md).toContain('| base model | 4 |');
    const [header, base, sft] = ablationCsv(r).trim().split('\n').map((l) => l.split(','));
    expect(base.length).toBe(header.length);
    const col = (name: string) => header.indexOf(name);
    expect([base[col('arm')], base[col('loss')], base[col('examples')], base[col('correct')], base[col('accuracy')], base[col('alpha0')], base[col('run')], base[col('eval_run')]]).toEqual(['base model', 'none', '5', '1', '0.2', '', '', 'eval-base']);
    expect(sft[col('arm')]).toBe('sft');
  });
});
