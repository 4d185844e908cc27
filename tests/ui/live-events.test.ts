// Live steps of a run no chart shows yet are kept (the newest few): the worker writes rows about
// once a second, so a chart opened mid-run reads rows that end before the last events, and used to
// show a hole there until a reload. A resume's restarted steps replace the dead attempt's events.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { studioDb } from '../../src/state/db.ts';
import { routeMetricEvent, runSeries } from '../../src/state/runSeries.ts';
import type { StepMetrics } from '../../src/train/trainer.ts';

const step = (n: number, loss = 10 - n): StepMetrics => ({ step: n, epoch: 0, loss, lossCot: loss, lossCall: loss, alpha: 0.7, gradAlpha: 0, lr: 1e-3, gradNorm: 1, tokensPerSecond: 1, cotTokens: 5, callTokens: 5, tokens: 10, millis: 1 });

async function loaded(runId: string) {
  const s = runSeries(runId);
  for (let i = 0; i < 100 && !s.loaded; i++) await new Promise((r) => setTimeout(r, 5));
  return s;
}

describe('live steps before a chart asks for the run', () => {
  it('are joined to the stored rows when a chart opens', async () => {
    await studioDb().metrics.bulkPut([1, 2, 3, 4, 5].map((n) => ({ runId: 'mid-run', step: n, values: { loss: 10 - n } })));
    for (let n = 1; n <= 8; n++) routeMetricEvent('mid-run', step(n));
    const s = await loaded('mid-run');
    expect(s.steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(s.values.loss).toEqual([9, 8, 7, 6, 5, 4, 3, 2]);
  });

  it('after a resume keep only the new attempt’s steps', async () => {
    await studioDb().metrics.bulkPut([1, 2, 3].map((n) => ({ runId: 'resumed', step: n, values: { loss: 10 - n } })));
    for (let n = 1; n <= 8; n++) routeMetricEvent('resumed', step(n));
    // Resumed from the step-3 checkpoint: steps 4 and 5 again, with other values.
    routeMetricEvent('resumed', step(4, 42));
    routeMetricEvent('resumed', step(5, 41));
    const s = await loaded('resumed');
    expect(s.steps).toEqual([1, 2, 3, 4, 5]);
    expect(s.values.loss).toEqual([9, 8, 7, 42, 41]);
  });
});
