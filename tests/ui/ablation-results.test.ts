// The Ablation panel's results and the report's curves: a step whose batch held no reasoning tokens
// logs a reasoning loss of 0 and α 0 (all weight on the call); those are no values of the arm, so
// the arm's curves have gaps there, as the dashboard's do, not drops to 0.
import 'fake-indexeddb/auto';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { ablationPoint, type AblationResult } from '../../src/jobs/ablate.ts';
import { ablationCurves } from '../../src/jobs/ablationReport.ts';
import { useRuns } from '../../src/state/runStore.ts';
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
