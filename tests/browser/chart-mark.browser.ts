// The ring on the eval chart at the step a run kept (Keep the best step), drawn by uPlot on a real
// canvas: the held-out per-token line's value at that step, in the ring's colour, where that step
// is on the x axis, and named in the legend with its value. Metrics are read from the studio's
// own IndexedDB, as the dashboard reads them.
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { MetricChart, type ChartLine } from '../../src/ui/dashboard/MetricChart.tsx';
import { studioDb } from '../../src/state/db.ts';
import type { ChartMark } from '../../src/ui/dashboard/stepMark.ts';

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

// The eval per-token losses the chart draws; step 4's is the lowest.
const EVALS: Record<number, number> = { 2: 0.35, 4: 0.33, 6: 0.45, 8: 0.5 };
const RING = [0x1d, 0x7a, 0x45]; // chartColors' `ok` (this page sets no theme variables)

async function storedRun(): Promise<string> {
  const runId = `chart-mark-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  await studioDb().metrics.bulkPut([1, 2, 3, 4, 5, 6, 7, 8].map((step) => ({ runId, step, values: { loss: 1 / step, ...(EVALS[step] === undefined ? {} : { evalLoss: EVALS[step], evalLossTokens: EVALS[step] }) } })));
  return runId;
}

/** Mounts one eval chart and waits for its 8 steps to be drawn; its canvas's ring pixels (x of each). */
async function drawn(runId: string, mark?: ChartMark): Promise<{ ringXs: number[]; legend: string; label: string }> {
  const host = document.createElement('div');
  host.style.width = '640px';
  document.body.append(host);
  const root = createRoot(host);
  try {
    const lines: ChartLine[] = [{ runId, key: 'evalLossTokens', label: 'eval per token', color: (c) => c.accent, spanGaps: true }];
    flushSync(() => root.render(createElement(MetricChart, { title: 'Eval loss (held-out)', lines, testId: 'marked', mark })));
    const box = host.querySelector<HTMLElement>('[data-testid="marked"]')!;
    for (let i = 0; i < 200 && box.dataset.points !== '8'; i++) await new Promise((r) => setTimeout(r, 25));
    assert(box.dataset.points === '8', `the chart drew ${box.dataset.points ?? 'no'} steps, not 8`);
    // uPlot commits a setData on the next frame.
    for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r));
    const canvas = box.querySelector('canvas')!;
    const { data, width } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    const ringXs: number[] = [];
    for (let p = 0; p < data.length; p += 4) {
      if (data[p + 3] > 200 && RING.every((c, k) => Math.abs(data[p + k] - c) <= 12)) ringXs.push((p / 4) % width);
    }
    return { ringXs, legend: host.querySelector('.u-legend')?.textContent ?? '', label: box.getAttribute('aria-label') ?? '' };
  } finally {
    root.unmount();
    host.remove();
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export const tests = {
  'the eval chart rings the kept step on its per-token line, where that step is, and names it in the legend': async () => {
    const runId = await storedRun();
    const ring = (step: number): ChartMark => ({ key: 'evalLossTokens', step, label: `kept adapter (step ${step})`, color: (c) => c.ok });
    const none = await drawn(runId);
    assert(none.ringXs.length === 0, `without a kept step, ${none.ringXs.length} pixels are in the ring's colour`);
    const at4 = await drawn(runId, ring(4));
    const at6 = await drawn(runId, ring(6));
    assert(at4.ringXs.length > 20, `the ring at step 4 has ${at4.ringXs.length} pixels`);
    // Steps 1..8 span the plot (about 540 of the chart's 640 pixels): step 6 lies two sevenths of
    // it, some 150 pixels, right of step 4.
    const shift = mean(at6.ringXs) - mean(at4.ringXs);
    assert(shift > 100 && shift < 200, `the ring at step 6 (x ≈ ${mean(at6.ringXs).toFixed(0)}) is not two sevenths of the plot right of step 4's (x ≈ ${mean(at4.ringXs).toFixed(0)})`);
    // The ring is narrow: all its pixels within a ring's width of its centre.
    assert(Math.max(...at4.ringXs) - Math.min(...at4.ringXs) < 40, `the ring at step 4 spans ${Math.max(...at4.ringXs) - Math.min(...at4.ringXs)} pixels`);
    assert(/kept adapter \(step 4\)\s*0\.3300/.test(at4.legend), `the legend says the kept step and its loss: ${at4.legend}`);
    assert(at4.label.endsWith('kept adapter (step 4) 0.3300 at step 4'), `the chart in words says the kept step: ${at4.label}`);
  },
};
