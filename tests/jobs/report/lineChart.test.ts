// The report charts (ablation loss and α PNGs): tick labels that tell their ticks apart however
// little α moved, and charts of long runs drawn rather than thrown away.
import { describe, expect, it } from 'vitest';
import { lineChartPng, niceTicks, tickLabel } from '../../../src/jobs/report/lineChart.ts';

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
});
