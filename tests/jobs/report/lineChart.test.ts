// The report charts (ablation loss and α PNGs): tick labels that tell their ticks apart however
// little α moved, α on an axis as wide as the dashboard's, and charts of long runs drawn.
import { describe, expect, it } from 'vitest';
import { lineChartPng, niceTicks, tickLabel, yAxisTicks } from '../../../src/jobs/report/lineChart.ts';

describe('report line chart', () => {
  it('labels each tick differently when α moves in the fifth decimal', () => {
    // The grad rule at a LoRA learning rate moves α by about 1e-5: the α chart's y axis read
    // "0.7000" on every tick.
    const ticks = niceTicks(0.7, 0.70003, 5);
    const labels = ticks.map((t) => tickLabel(t, ticks));
    expect(new Set(labels).size).toBe(ticks.length);
    expect(labels).toContain('0.70001');
  });

  it('draws a long ablation’s curves (hundreds of thousands of points) instead of failing', () => {
    // Six arms of 30,000 steps: the chart's range came from Math.min(...points), which throws past
    // about 120,000 arguments, and the ablation lost its report after hours of training.
    const steps = 30_000;
    const series = Array.from({ length: 6 }, (_, a) => ({ label: `arm ${a}`, color: '#1f77b4', points: Array.from({ length: steps }, (_, i): [number, number] => [i + 1, 2 / (1 + i / 1000) + a / 10]) }));
    const png = lineChartPng({ title: 'call-token loss', xLabel: 'step', yLabel: 'loss', series });
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  });

  it('draws α on an axis at least 0.1 wide, as the dashboard does, so a move of 0.00003 looks flat', () => {
    // The α chart zoomed to the data: an arm whose α moved 0.00003 rose from the bottom of the
    // chart to its top, beside a fixed arm, as if the rule had moved it a lot.
    const ticks = yAxisTicks(0.7, 0.70003, { minSpan: 0.1, bounds: [0, 1] });
    expect(ticks.at(-1)! - ticks[0]).toBeGreaterThanOrEqual(0.1);
    expect(ticks[0]).toBeGreaterThanOrEqual(0);
    expect(yAxisTicks(0.02, 0.03, { minSpan: 0.1, bounds: [0, 1] })[0]).toBe(0);
    // Losses keep the zoom: their axis follows the data.
    const loss = yAxisTicks(0.5, 0.52);
    expect(loss.at(-1)! - loss[0]).toBeLessThan(0.1);
  });
});
