// Chart helpers: aligning two runs on one x axis, and the curve fingerprint the e2e test compares
// before and after a reload (it must change when any value changes and not when nothing does).
import { describe, expect, it } from 'vitest';
import { RunSeries } from '../../src/state/runSeries.ts';
import { alignColumns } from '../../src/ui/dashboard/alignColumns.ts';
import { markColumn } from '../../src/ui/dashboard/stepMark.ts';
import { seriesDigest } from '../../src/ui/dashboard/seriesDigest.ts';

describe('alignColumns', () => {
  it('returns one run as is', () => {
    const a = new RunSeries('a');
    a.setRows([{ step: 1, values: { loss: 3 } }, { step: 2, values: { loss: 2 } }]);
    expect(alignColumns([{ runId: 'a', key: 'loss' }], new Map([['a', a]]))).toEqual({ x: [1, 2], ys: [[3, 2]] });
  });

  it('puts two runs of different lengths on the union of their steps with gaps', () => {
    const a = new RunSeries('a');
    a.setRows([{ step: 1, values: { loss: 3 } }, { step: 2, values: { loss: 2 } }]);
    const b = new RunSeries('b');
    b.setRows([{ step: 2, values: { loss: 5 } }, { step: 4, values: { loss: 4 } }]);
    const out = alignColumns([{ runId: 'a', key: 'loss' }, { runId: 'b', key: 'loss' }], new Map([['a', a], ['b', b]]));
    expect(out.x).toEqual([1, 2, 4]);
    expect(out.ys).toEqual([[3, 2, null], [null, 5, 4]]);
  });
});

describe('seriesDigest', () => {
  it('is stable for equal data and changes with any value, gap or order', () => {
    const base = seriesDigest([[1, 2, 3], [0.5, null, 0.25]]);
    expect(seriesDigest([[1, 2, 3], [0.5, null, 0.25]])).toBe(base);
    expect(seriesDigest([[1, 2, 3], [0.5, null, 0.2501]])).not.toBe(base);
    expect(seriesDigest([[1, 2, 3], [0.5, 0, 0.25]])).not.toBe(base);
    expect(seriesDigest([[1, 3, 2], [0.5, null, 0.25]])).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{8}$/);
  });

  it('ignores differences below 6 significant digits (f32 values read back as f64)', () => {
    expect(seriesDigest([[Math.fround(0.7123456)]])).toBe(seriesDigest([[0.7123456]]));
  });
});

import { formatTicks } from '../../src/ui/dashboard/tickFormat.ts';

describe('formatTicks', () => {
  it('shows enough decimals to tell neighbouring ticks apart', () => {
    expect(formatTicks([0.7, 0.7002, 0.7004])).toEqual(['0.7000', '0.7002', '0.7004']);
    expect(formatTicks([11.8, 11.85, 11.9])).toEqual(['11.80', '11.85', '11.90']);
    expect(formatTicks([0, 20, 40])).toEqual(['0', '20', '40']);
    // A log axis: uPlot leaves some ticks unlabelled (null), and the spacing is uneven.
    expect(formatTicks([0.1, null, 0.3, null, 1, 2, null, 10], true)).toEqual(['0.1', '', '0.3', '', '1', '2', '', '10']);
    expect(formatTicks([0.0123456, 0.02], true)).toEqual(['0.0123', '0.02']);
    expect(formatTicks([0.7, null, 0.7004])).toEqual(['0.7000', '', '0.7004']);
    // A spacing of 2.5 or 0.25 needs its own decimals.
    expect(formatTicks([0, 2.5, 5, 7.5])).toEqual(['0.0', '2.5', '5.0', '7.5']);
    expect(formatTicks([0, 0.25, 0.5, 0.75])).toEqual(['0.00', '0.25', '0.50', '0.75']);
  });

  it('uses exponent form for learning-rate sized values', () => {
    const out = formatTicks([0, 0.0005, 0.001]);
    expect(out[0]).toBe('0');
    expect(new Set(out).size).toBe(3);
    expect(out[2]).toMatch(/e-3$/);
  });
});

describe('a chart in words', () => {
  it('says each line’s first and latest value and their steps', async () => {
    const { chartSummary } = await import('../../src/ui/dashboard/MetricChart.tsx');
    const text = chartSummary('Loss', ['total', 'eval', 'α'], [0, 1, 2], [[null, 2.5, 1.25], [0.45, null, null], [null, null, null]]);
    expect(text).toBe('Loss: total from 2.500 at step 1 to 1.250 at step 2; eval 0.4500 at step 0; α: no values yet');
  });
});

describe('markColumn (the ring on the step a run kept)', () => {
  it('holds the line’s value at that step alone, and nothing where the chart lacks the step', () => {
    expect(markColumn([0, 2, 4, 6], [0.5, 0.35, 0.33, 0.45], 4)).toEqual([null, null, 0.33, null]);
    // An eval line is sparse: the ring sits on the value it has at the step.
    expect(markColumn([1, 2, 3, 4], [null, 0.35, null, 0.33], 4)).toEqual([null, null, null, 0.33]);
    expect(markColumn([1, 2, 3], [0.3, 0.2, 0.1], 5)).toEqual([null, null, null]);
  });
});
